// EvmFinalityRelayer end to end, with real Groth16 certificates (quorum4, proved here from the
// circuit cached in ~/.cache/aegis/circuits, built first when absent, as test/zk does): a fake hub
// (GET /zk, GET /certificates/:height, through the injected fetch, with bad answers mixed in) and a
// fake consumer node (tiny HTTP server executing through EvmEnvironment). The relayer deploys the
// verifier and AegisFinality, walks across a validator-set change (the epoch's last certificate
// first), submits the newest certificate, and then HubFinalEscrow pays out only for the ledger
// chain's checkpoint in the certified hub block. Plus the failure paths of a step and the backoff.
import * as snarkjs from "snarkjs";
import { createTxFromRLP } from "@ethereumjs/tx";
import {
  computeBlockHash,
  computeCheckpointInclusionProof,
  computeConsumerCheckpointRoot,
  computeFinalityMessage,
  computeHubApiPath,
  computeQuorumCircuitInput,
  computeZkSignerBitmap,
  computeZkValidatorSetRoot,
  concatBytes,
  encodeCommitCertificateJson,
  encodeHeaderCanonical as encodeHeaderBytes,
  encodeZkActivation,
  encodeZkActivationProofJson,
  encodeZkCertificateJson,
  encodeZkProof,
  initZkCertificateVerifier,
  sha256,
  toHex,
  utf8,
  type BlockHeader,
  type CertificateResponseJson,
  type ConsumerCheckpoint,
  type Groth16VerificationKey,
  type ZkCertificate,
  type ZkInfoJson,
  type ZkValidatorSlot,
} from "@aegis/consumer-sdk";
import { createAttestationKeyPair, decodeFinalitySignature, getAttestationPoint, signFinalityMessage } from "../../hub/src/attestation/attestationKey.js";
import { getCircuit, setupCircuit, terminateCurve, type SetUpCircuit } from "../../circuits/scripts/build.mjs";
import {
  compileFinalityContracts,
  compileHubFinalEscrow,
  createEvmCommon,
  computeSelector,
  decodeUint256,
  encodeHubFinalEscrowConstructorArgs,
  encodeReleaseCall,
  encodeReportConflictCall,
  encodeSubmitCall,
  encodeVerifyCheckpointCall,
  encodeWord,
  EVM_RECEIPT_OK,
  EVM_RECEIPT_REVERTED,
  EvmEnvironment,
  evmAddress,
  EvmFinalityRelayer,
  EvmRelayerError,
  signEvmTx,
  type CheckpointInclusionArgs,
  type EvmCallJson,
  type EvmFinalityRelayerOptions,
  type EvmReceiptData,
  type FetchLike,
  type FinalityContracts,
} from "../src/evm/index.js";
import { CHAIN_ID, CONSUMER_ID, ETHER, FakeEvmNode, genesisConfig, key, SOLC_CACHE, openTestDb } from "./evmHelpers.js";

const HUB_CHAIN = "aegis-relayer-test-1";
const HUB_URL = "http://hub.invalid";
const T0 = 1_767_225_600_000;
const RELAYER = key(7);
const PAYER = key(5);
const BENEFICIARY = evmAddress(key(8));
const ANYONE = key(6);
const PROVER = Uint8Array.from({ length: 20 }, (_, i) => 0x40 + i);
const hex = (b: Uint8Array) => `0x${toHex(b)}`;
const errorData = (signature: string, ...words: (bigint | number | Uint8Array)[]) =>
  hex(concatBytes(computeSelector(signature), ...words.map((w) => (w instanceof Uint8Array ? w : encodeWord(w)))));

// The hub: four validators; at height 42 the last one's power grows (set A → set B).
const keys = [1, 2, 3, 4].map((i) => createAttestationKeyPair(new Uint8Array(32).fill(i)));
const slotsA: ZkValidatorSlot[] = keys.map((k, i) => ({ ...getAttestationPoint(k.publicKey), power: BigInt(10 * (i + 1)) }));
const slotsB = slotsA.map((s, i) => (i === 3 ? { ...s, power: 50n } : s));
const rootA = computeZkValidatorSetRoot(slotsA, 4);
const rootB = computeZkValidatorSetRoot(slotsB, 4);

// The ledger chain's block 7 holds the beneficiary's deposit; its checkpoint is in hub block 50.
const ledgerCp: ConsumerCheckpoint = { consumerId: "ledger-1", height: 7, blockHash: sha256(utf8("ledger block 7")), parentCheckpointHash: sha256(utf8("ledger cp 6")), stateRoot: sha256(utf8("ledger state 7")) };
const otherCps: ConsumerCheckpoint[] = ["utxo-1", "evm-test-1"].map((consumerId, i) => ({ consumerId, height: 3 + i, blockHash: sha256(utf8(`${consumerId} block`)), parentCheckpointHash: new Uint8Array(32), stateRoot: sha256(utf8(`${consumerId} state`)) }));
const checkpoints = [ledgerCp, ...otherCps];
const header50: BlockHeader = {
  chainId: HUB_CHAIN,
  height: 50,
  time: T0 + 8_000,
  parentHash: new Uint8Array(32).fill(49),
  txRoot: new Uint8Array(32).fill(1),
  stateRoot: new Uint8Array(32).fill(2),
  consumerCheckpointRoot: computeConsumerCheckpointRoot(checkpoints),
  validatorSetRoot: new Uint8Array(32).fill(3),
  nextValidatorSetRoot: new Uint8Array(32).fill(3),
  proposer: new Uint8Array(20).fill(4),
  lastCommitHash: new Uint8Array(32).fill(5),
  evidenceRoot: new Uint8Array(32).fill(6),
};
const inclusion = (cp: ConsumerCheckpoint, hubHeight = 50, header = header50): CheckpointInclusionArgs => ({
  hubHeight,
  header: encodeHeaderBytes(header),
  checkpoint: cp,
  proof: computeCheckpointInclusionProof(checkpoints, cp.consumerId).proof,
});

let built: SetUpCircuit;
let vkey: Groth16VerificationKey;
let contracts: FinalityContracts;
let cert42: ZkCertificate;
let cert50: ZkCertificate;
/** Another block at hub height 50, certified by the same validators: a hub fork. */
let cert50Fork: ZkCertificate;

async function prove(slots: ZkValidatorSlot[], statement: Pick<ZkCertificate, "chainId" | "height" | "time" | "blockHash">, next: bigint): Promise<ZkCertificate> {
  const st = { ...statement, validatorSetRoot: computeZkValidatorSetRoot(slots, 4), nextValidatorSetRoot: next };
  const message = computeFinalityMessage(st);
  const signers = [1, 2, 3];
  const signatures = new Map(signers.map((i) => [i, decodeFinalitySignature(signFinalityMessage(keys[i]!.secretKey, message))!]));
  const { proof } = await snarkjs.groth16.fullProve(computeQuorumCircuitInput(slots, signatures, st, 4, PROVER), built.wasm, built.zkey);
  return { circuit: "quorum4", ...st, signers: computeZkSignerBitmap(signers, 4), prover: PROVER, proof: encodeZkProof(proof) };
}

beforeAll(async () => {
  await initZkCertificateVerifier();
  built = await setupCircuit(await getCircuit("quorum4"));
  vkey = built.vkey as unknown as Groth16VerificationKey;
  contracts = await compileFinalityContracts(vkey, SOLC_CACHE);
  cert42 = await prove(slotsA, { chainId: HUB_CHAIN, height: 42, time: T0, blockHash: sha256(utf8("hub block 42")) }, rootB);
  cert50 = await prove(slotsB, { chainId: HUB_CHAIN, height: 50, time: header50.time, blockHash: computeBlockHash(header50) }, rootB);
  cert50Fork = await prove(slotsB, { chainId: HUB_CHAIN, height: 50, time: header50.time, blockHash: sha256(utf8("another hub block 50")) }, rootB);
}, 300_000);

afterAll(async () => {
  await terminateCurve();
});

/**
 * The hub's two routes the relayer reads, in-process behind `fetch`: certificates at 42 (the last of
 * set A's epoch) and 50, heights 39–49 certified by the next one (zkFinalizedBy). `faults`: answers
 * given instead of the real one, once each, by path.
 */
function fakeHub(faults: Map<string, { status: number; body: string }[]> = new Map(), activation?: { record: () => Uint8Array | null }) {
  const certs = new Map([
    [42, cert42],
    [50, cert50],
  ]);
  const requests: string[] = [];
  const zkInfo = (): ZkInfoJson => ({
    circuit: "quorum4",
    capacity: 4,
    attestationIntervalMs: 1000,
    // Only the fields a verifier reads, as the hub serves them (snarkjs' export has more).
    verificationKey: (({ protocol, curve, nPublic, vk_alpha_1, vk_beta_2, vk_gamma_2, vk_delta_2, IC }) => ({ protocol, curve, nPublic, vk_alpha_1, vk_beta_2, vk_gamma_2, vk_delta_2, IC }))(vkey),
    fromHeight: 1,
    prover: true,
    latestCertifiedHeight: 50,
    recordedHeight: 50,
    proverReward: "0",
    height: 51,
    validatorSetRoot: rootB.toString(),
  });
  const certificate = (height: number): CertificateResponseJson | undefined => {
    if (height < 1 || height > 50) return undefined;
    const zk = certs.get(height) ?? null;
    const blockHash = zk?.blockHash ?? sha256(utf8(`hub block ${height}`));
    const bls = { ...encodeCommitCertificateJson({ height, round: 0, blockHash, signers: Uint8Array.of(0x0e), signature: new Uint8Array(96) }), signedPower: "90", totalPower: "100" };
    return { height, blockHash: toHex(blockHash), bls, zk: zk ? encodeZkCertificateJson(zk) : null, zkFinalizedBy: height <= 42 ? 42 : 50 };
  };
  const handle = (path: string): { status: number; body: string } => {
    requests.push(path);
    const fault = faults.get(path)?.shift();
    if (fault) return fault;
    if (path === computeHubApiPath("zk", {})) {
      // A hub whose key is set after genesis (decision 58): no key, no certificates until it is.
      const pending = activation && !activation.record();
      const info = pending ? { ...zkInfo(), verificationKey: null, fromHeight: null, latestCertifiedHeight: null, recordedHeight: null } : zkInfo();
      return { status: 200, body: JSON.stringify(info) };
    }
    if (activation && path === computeHubApiPath("zkActivation", {})) {
      const body = encodeZkActivationProofJson({ height: 51, stateRoot: new Uint8Array(32).fill(7), activation: activation.record(), proof: [] });
      return { status: 200, body: JSON.stringify(body) };
    }
    const m = /^\/certificates\/(\d+)$/.exec(path);
    const c = m ? certificate(Number(m[1])) : undefined;
    return c ? { status: 200, body: JSON.stringify(c) } : { status: 404, body: JSON.stringify({ code: "API_ERROR_NOT_FOUND", message: path }) };
  };
  const fetch: FetchLike = async (url, init) => {
    if (!url.startsWith(HUB_URL)) return globalThis.fetch(url, init);
    const r = handle(url.slice(HUB_URL.length));
    return { status: r.status, text: async () => r.body };
  };
  return { fetch, requests };
}

function captureLogger() {
  const lines: string[] = [];
  return { lines, logger: { info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`), error: (m: string) => lines.push(`error ${m}`) } };
}

describe("EvmFinalityRelayer against a fake hub and a fake consumer node", () => {
  let t: Awaited<ReturnType<typeof openTestDb>>;
  let node: FakeEvmNode;
  let now: number;

  beforeAll(async () => {
    t = await openTestDb();
    const env = new EvmEnvironment({
      consumerId: CONSUMER_ID,
      genesis: genesisConfig([
        { address: evmAddress(RELAYER), balance: (10n * ETHER).toString() },
        { address: evmAddress(PAYER), balance: (100n * ETHER).toString() },
        { address: evmAddress(ANYONE), balance: ETHER.toString() },
      ]),
    });
    await env.open(t.state);
    node = new FakeEvmNode(env);
    await node.start();
    now = T0 + 20_000;
  });
  afterAll(async () => {
    await node.stop();
    await t.close();
  });

  const options = (o: Partial<EvmFinalityRelayerOptions> = {}): EvmFinalityRelayerOptions => ({
    hubUrl: HUB_URL,
    hubChainId: HUB_CHAIN,
    consumerUrl: node.url,
    chainId: CHAIN_ID,
    relayerKey: RELAYER,
    trust: { validatorSetRoot: rootA, height: 38, time: T0 - 3_600_000 },
    trustingPeriodMs: 14 * 86_400_000,
    cacheDir: SOLC_CACHE,
    now: () => now,
    ...o,
  });
  const view = async (finality: string, signature: string) => {
    const r = (await node.env.query(node.head, ["call", finality, hex(computeSelector(signature))])) as EvmCallJson;
    return decodeUint256(r.returnData);
  };
  /** A transaction through the node's mempool, in the next block: its receipt. */
  const run = async (raw: Uint8Array) => {
    node.mempool.push(raw);
    now += 1000;
    const receipts = await node.produce(now);
    expect(receipts).toHaveLength(1);
    return receipts[0]!;
  };

  let finality: string;

  it("deploys, crosses the set change with the epoch's last certificate, submits the newest; bad hub answers are logged and retried", async () => {
    const faults = new Map([
      ["/zk", [{ status: 500, body: "internal" }, { status: 200, body: "<html>" }]],
      ["/certificates/39", [{ status: 200, body: JSON.stringify({ height: 39 }) }]],
    ]);
    const hub = fakeHub(faults);
    const { lines, logger } = captureLogger();
    const sleeps: number[] = [];
    let reached: () => void;
    const done = new Promise<void>((resolve) => (reached = resolve));
    const relayer = new EvmFinalityRelayer(
      options({
        fetch: hub.fetch,
        logger,
        // The fake clock: each pause lets the node produce a block.
        sleep: async (ms) => {
          sleeps.push(ms);
          now += Math.max(ms, 1000);
          await node.produce(now);
          if (relayer.finalityAddress && (await view(relayer.finalityAddress, "latestHeight()")) === 50n) reached();
          if (sleeps.length > 60) reached();
        },
      }),
    );
    relayer.start();
    await done;
    await relayer.stop();
    finality = relayer.finalityAddress!;
    expect(finality).toMatch(/^0x[0-9a-f]{40}$/);
    expect(await view(finality, "latestHeight()")).toBe(50n);
    expect(await view(finality, "validatorSetRoot()")).toBe(rootB);
    expect(await view(finality, "trustedTime()")).toBe(BigInt(header50.time));
    // It went through 42 (the epoch's last: A → B) before 50, reading 39 to find it.
    const submitted = lines.filter((l) => l.startsWith("info submitted")).map((l) => /hub height (\d+)/.exec(l)![1]);
    expect(submitted).toEqual(["42", "50"]);
    expect(hub.requests).toEqual(expect.arrayContaining(["/certificates/39", "/certificates/42", "/certificates/50"]));
    // The bad answers: logged as warnings, retried with a growing backoff.
    const warnings = lines.filter((l) => l.startsWith("warn"));
    expect(warnings.some((l) => l.includes("EVM_RELAYER_ERROR_HUB_UNAVAILABLE") && l.includes("HTTP 500"))).toBe(true);
    expect(warnings.some((l) => l.includes("EVM_RELAYER_ERROR_HUB_BAD_ANSWER") && l.includes("not JSON"))).toBe(true);
    expect(warnings.some((l) => l.includes("EVM_RELAYER_ERROR_HUB_BAD_ANSWER") && l.includes("HUB_API_ERROR_MALFORMED"))).toBe(true);
    expect(sleeps.slice(0, 2)).toEqual([500, 1000]);
    // Only the routes given: POST /txs, GET /query/accounts|code|call.
    expect(node.requests.every((r) => /^(POST \/txs|GET \/query\/(accounts|code|call)\/0x[0-9a-f]{40}(\/0x[0-9a-f]*)?)$/.test(r))).toBe(true);
    // All its transactions were executed and succeeded.
    expect([...node.receipts.values()].every((r) => r.code === EVM_RECEIPT_OK)).toBe(true);
  }, 60_000);

  it("a restarted relayer given the deployed contract finds nothing to do; one given an address without code says so", async () => {
    const hub = fakeHub();
    const again = new EvmFinalityRelayer(options({ fetch: hub.fetch, finalityAddress: finality, logger: captureLogger().logger }));
    expect(await again.step()).toEqual({ kind: "deployed", finality });
    expect(await again.step()).toEqual({ kind: "idle", latestHeight: 50 });
    const nowhere = new EvmFinalityRelayer(options({ fetch: hub.fetch, finalityAddress: evmAddress(key(99)), logger: captureLogger().logger }));
    await expect(nowhere.step()).rejects.toMatchObject({ code: "EVM_RELAYER_ERROR_NOT_DEPLOYED" });
  });

  it("a hub whose key is set after genesis: the relayer waits, then deploys trusting the activation's point", async () => {
    let active = false;
    const record = encodeZkActivation({ circuit: "quorum4", capacity: 4, verificationKey: vkey, trust: { height: 38, time: T0 - 3_600_000, blockHash: sha256(utf8("hub block 38")), nextValidatorSetRoot: rootA } });
    const hub = fakeHub(new Map(), { record: () => (active ? record : null) });
    const { trust: _given, ...withoutTrust } = options({ fetch: hub.fetch, logger: captureLogger().logger });
    const relayer = new EvmFinalityRelayer(withoutTrust);
    for (let i = 0; i < 2; i++) expect(await relayer.step()).toEqual({ kind: "waiting", reason: expect.stringMatching(/have not started .*MsgActivateZk/) });
    expect(relayer.finalityAddress).toBeUndefined();
    active = true;
    const deploying = await relayer.step();
    expect(deploying).toMatchObject({ kind: "deploying" });
    expect(hub.requests).toContain("/zk/activation");
    now += 1000;
    await node.produce(now);
    const deployed = (deploying as { finality: string }).finality;
    // Deployed with the record's point (not a genesis root): set A trusted from height 38, at its time.
    expect(await view(deployed, "latestHeight()")).toBe(38n);
    expect(await view(deployed, "validatorSetRoot()")).toBe(rootA);
    expect(await view(deployed, "trustedTime()")).toBe(BigInt(T0 - 3_600_000));
    expect(await relayer.step()).toMatchObject({ kind: "deployed", finality: deployed });
    // Leave no transaction of this relayer in the node's mempool for the next test.
    for (let i = 0; i < 5 && (await node.produce((now += 1000))).length > 0; i++);
  }, 60_000);

  it("HubFinalEscrow pays only for the ledger checkpoint in the ZK-certified hub block, once", async () => {
    expect(finality).toBeDefined();
    // AegisFinality itself: the checkpoint is final.
    const verify = (await node.env.query(node.head, ["call", finality, hex(encodeVerifyCheckpointCall(inclusion(ledgerCp)))])) as EvmCallJson;
    expect(verify).toMatchObject({ reverted: false, returnData: "0x" });

    const code = await compileHubFinalEscrow(SOLC_CACHE);
    const args = encodeHubFinalEscrowConstructorArgs({ finality, consumerId: ledgerCp.consumerId, height: ledgerCp.height, blockHash: ledgerCp.blockHash, beneficiary: BENEFICIARY });
    const payerNonce = async (k: Uint8Array) => BigInt(((await node.env.query(node.head, ["accounts", evmAddress(k)])) as { nonce: string }).nonce);
    const deployed = await run(signEvmTx(PAYER, { chainId: CHAIN_ID, nonce: await payerNonce(PAYER), data: concatBytes(code, args), value: 5n * ETHER, gasLimit: 2_000_000 }));
    expect(deployed.code).toBe(EVM_RECEIPT_OK);
    const escrow = (deployed.data as EvmReceiptData).contractAddress!;
    const balance = async (a: string) => BigInt(((await node.env.query(node.head, ["accounts", a])) as { balance: string } | undefined)?.balance ?? 0);
    const release = async (a: CheckpointInclusionArgs) => run(signEvmTx(ANYONE, { chainId: CHAIN_ID, nonce: await payerNonce(ANYONE), to: escrow, data: encodeReleaseCall(a), gasLimit: 500_000 }));
    const expectRevert = async (a: CheckpointInclusionArgs, returnData: string | RegExp) => {
      const r = await release(a);
      expect(r.code).toBe(EVM_RECEIPT_REVERTED);
      const data = (r.data as EvmReceiptData).returnData!;
      if (typeof returnData === "string") expect(data).toBe(returnData);
      else expect(data).toMatch(returnData);
      expect(await balance(escrow)).toBe(5n * ETHER);
      expect(await balance(BENEFICIARY)).toBe(0n);
    };

    // Another consumer's checkpoint, though final: not the awaited block.
    await expectRevert(inclusion(otherCps[0]!), errorData("WrongCheckpoint()"));
    await expectRevert({ ...inclusion(ledgerCp), checkpoint: { ...ledgerCp, height: 8 } }, errorData("WrongCheckpoint()"));
    // A hub height nothing certified (49 is final only through 50's certificate, which names 50's hash).
    await expectRevert(inclusion(ledgerCp, 49, { ...header50, height: 49 }), errorData("NotFinalized(uint64)", 49));
    // 42 is certified, but this is not its header.
    await expectRevert(inclusion(ledgerCp, 42), new RegExp(`^${errorData("HeaderMismatch(uint64,bytes32,bytes32)", 42)}`));
    // A header of the right height but not the certified one (another checkpoint root).
    const forged = { ...header50, consumerCheckpointRoot: computeConsumerCheckpointRoot([ledgerCp]) };
    await expectRevert({ ...inclusion(ledgerCp), header: encodeHeaderBytes(forged), proof: { index: 0, total: 1, siblings: [] } }, new RegExp(`^${errorData("HeaderMismatch(uint64,bytes32,bytes32)", 50)}`));
    // The certified header, a path that does not lead to its root.
    const path = inclusion(ledgerCp);
    const tampered = { ...path, proof: { ...path.proof, siblings: path.proof.siblings.map((s, i) => (i === 0 ? Uint8Array.from(s, (b) => b ^ 1) : s)) } };
    await expectRevert(tampered, new RegExp(`^${errorData("CheckpointNotIncluded(bytes32,bytes32)", header50.consumerCheckpointRoot)}`));
    await expectRevert({ ...path, proof: { ...path.proof, total: 1 } }, errorData("InvalidInclusionProof()"));
    // The hub-final checkpoint: paid to the beneficiary, whoever sends it.
    const ok = await release(inclusion(ledgerCp));
    expect(ok.code).toBe(EVM_RECEIPT_OK);
    expect((ok.data as EvmReceiptData).logs).toHaveLength(1);
    expect(await balance(BENEFICIARY)).toBe(5n * ETHER);
    expect(await balance(escrow)).toBe(0n);
    // Once.
    const twice = await release(inclusion(ledgerCp));
    expect(twice).toMatchObject({ code: EVM_RECEIPT_REVERTED, data: { returnData: errorData("AlreadyReleased()") } });
    expect(await balance(BENEFICIARY)).toBe(5n * ETHER);

    // A hub fork at 50, shown to AegisFinality by anyone: it freezes. What was final stays final, but
    // a second escrow (another consumer's final checkpoint) no longer releases.
    const other = otherCps[0]!;
    const second = await run(signEvmTx(PAYER, { chainId: CHAIN_ID, nonce: await payerNonce(PAYER), data: concatBytes(code, encodeHubFinalEscrowConstructorArgs({ finality, consumerId: other.consumerId, height: other.height, blockHash: other.blockHash, beneficiary: BENEFICIARY })), value: ETHER, gasLimit: 2_000_000 }));
    const escrow2 = (second.data as EvmReceiptData).contractAddress!;
    const report = await run(signEvmTx(ANYONE, { chainId: CHAIN_ID, nonce: await payerNonce(ANYONE), to: finality, data: encodeReportConflictCall(cert50Fork), gasLimit: 1_000_000 }));
    expect(report.code).toBe(EVM_RECEIPT_OK);
    const stillFinal = (await node.env.query(node.head, ["call", finality, hex(encodeVerifyCheckpointCall(inclusion(other)))])) as EvmCallJson;
    expect(stillFinal).toMatchObject({ reverted: false });
    const frozen = await run(signEvmTx(ANYONE, { chainId: CHAIN_ID, nonce: await payerNonce(ANYONE), to: escrow2, data: encodeReleaseCall(inclusion(other)), gasLimit: 500_000 }));
    expect(frozen).toMatchObject({ code: EVM_RECEIPT_REVERTED, data: { returnData: errorData("FinalityFrozen()") } });
    expect(await balance(escrow2)).toBe(ETHER);
  }, 60_000);
});

describe("EvmFinalityRelayer: failures of a step", () => {
  const base: EvmFinalityRelayerOptions = {
    hubUrl: HUB_URL,
    hubChainId: HUB_CHAIN,
    consumerUrl: "http://node.invalid",
    chainId: CHAIN_ID,
    relayerKey: RELAYER,
    trust: { validatorSetRoot: rootA, height: 38, time: T0 },
    trustingPeriodMs: 86_400_000,
    compile: async () => contracts,
  };
  const json = (status: number, body: unknown) => ({ status, text: async () => (typeof body === "string" ? body : JSON.stringify(body)) });

  it("a refused transaction (422) is EVM_RELAYER_ERROR_TX_REJECTED; the loop logs it and backs off, doubling up to the maximum", async () => {
    const posted: string[] = [];
    const fetch: FetchLike = async (url, init) => {
      if (url.startsWith(HUB_URL)) return fakeHub().fetch(url, init);
      if (url.endsWith("/txs")) {
        posted.push(JSON.parse(init!.body!).tx);
        return json(422, { code: "EXECUTION_ERROR_INVALID_TX", message: "insufficient balance" });
      }
      if (url.includes("/query/accounts/")) return json(404, { code: "NOT_FOUND" });
      return json(500, "?");
    };
    const direct = new EvmFinalityRelayer({ ...base, fetch, logger: captureLogger().logger });
    const err = await direct.step().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EvmRelayerError);
    expect((err as EvmRelayerError).type).toMatchObject({ code: "EVM_RELAYER_ERROR_TX_REJECTED", rejection: "EXECUTION_ERROR_INVALID_TX", reason: "insufficient balance" });
    // The verifier's creation, signed for the chain, base64 in {"tx"}.
    expect(Buffer.from(posted[0]!, "base64")[0]).toBe(2);

    const sleeps: number[] = [];
    const { lines, logger } = captureLogger();
    let stop: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const loop = new EvmFinalityRelayer({ ...base, fetch, logger, retry: { initialMs: 100, maxMs: 1000 }, sleep: async (ms) => void (sleeps.push(ms), sleeps.length === 7 && stop()) });
    loop.start();
    await stopped;
    await loop.stop();
    expect(sleeps.slice(0, 7)).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    expect(lines.filter((l) => l.includes("EVM_RELAYER_ERROR_TX_REJECTED"))).toHaveLength(sleeps.length);
  });

  it("walks certificate by certificate within a read budget, resuming at the next step, to the epoch's last; a set change without one is a bad answer", async () => {
    // Succinct certificates at 3 and 6 (set A → A), 9 (A → B, the epoch's last) and 12 (B → B).
    // The relayer does not verify proofs (AegisFinality does): the certificates only need their form.
    const zkAt = (height: number, from: bigint, to: bigint): ZkCertificate => ({ ...cert42, height, time: T0 + height, blockHash: sha256(utf8(`b${height}`)), validatorSetRoot: from, nextValidatorSetRoot: to });
    const hubWith = (certs: ZkCertificate[]) => {
      const reads: number[] = [];
      const fetch: FetchLike = async (url) => {
        const path = url.slice(HUB_URL.length);
        const latest = Math.max(...certs.map((c) => c.height));
        if (path === "/zk") return json(200, { circuit: "quorum4", capacity: 4, attestationIntervalMs: 1000, verificationKey: { protocol: "groth16", curve: "bn128", nPublic: 9, vk_alpha_1: vkey.vk_alpha_1, vk_beta_2: vkey.vk_beta_2, vk_gamma_2: vkey.vk_gamma_2, vk_delta_2: vkey.vk_delta_2, IC: vkey.IC }, fromHeight: 1, prover: false, latestCertifiedHeight: latest, recordedHeight: latest, proverReward: "0", height: latest + 1, validatorSetRoot: null });
        const height = Number(/^\/certificates\/(\d+)$/.exec(path)![1]);
        reads.push(height);
        const zk = certs.find((c) => c.height === height) ?? null;
        const blockHash = zk?.blockHash ?? sha256(utf8(`b${height}`));
        const next = certs.find((c) => c.height >= height);
        return json(200, {
          height,
          blockHash: toHex(blockHash),
          bls: { ...encodeCommitCertificateJson({ height, round: 0, blockHash, signers: Uint8Array.of(1), signature: new Uint8Array(96) }), signedPower: "1", totalPower: "1" },
          zk: zk && encodeZkCertificateJson(zk),
          zkFinalizedBy: next?.height ?? null,
        });
      };
      return { fetch, reads };
    };
    const posted: Uint8Array[] = [];
    const node: FetchLike = async (url, init) => {
      if (url.endsWith("/txs")) return (posted.push(Uint8Array.from(Buffer.from(JSON.parse(init!.body!).tx, "base64"))), json(202, { hash: "ab" }));
      if (url.includes("/query/code/")) return json(200, { address: "", codeHash: "", code: "0x60" });
      if (url.includes("/query/accounts/")) return json(404, {});
      if (url.endsWith(hex(computeSelector("latestHeight()")))) return json(200, { returnData: hex(encodeWord(0)), reverted: false, gasUsed: "0x1" });
      if (url.endsWith(hex(computeSelector("validatorSetRoot()")))) return json(200, { returnData: hex(encodeWord(rootA)), reverted: false, gasUsed: "0x1" });
      return json(500, "?");
    };
    const certs = [zkAt(3, rootA, rootA), zkAt(6, rootA, rootA), zkAt(9, rootA, rootB), zkAt(12, rootB, rootB)];
    const hub = hubWith(certs);
    const r = new EvmFinalityRelayer({ ...base, finalityAddress: evmAddress(key(42)), maxWalk: 2, fetch: (u, i) => (u.startsWith(HUB_URL) ? hub.fetch(u, i) : node(u, i)), logger: captureLogger().logger });
    const steps = [];
    for (let i = 0; i < 5; i++) steps.push(await r.step());
    expect(steps).toEqual([
      { kind: "deployed", finality: evmAddress(key(42)) },
      { kind: "walking", from: 4 },
      { kind: "walking", from: 7 },
      { kind: "submitted", height: 9, hash: "ab" },
      { kind: "waiting", reason: "submission of hub height 9 not executed yet" },
    ]);
    expect(hub.reads).toEqual([12, 1, 3, 12, 4, 6, 12, 7, 9]); // waiting reads nothing
    expect(toHex(createTxFromRLP(posted[0]!, { common: createEvmCommon(CHAIN_ID) }).data)).toBe(toHex(encodeSubmitCall(certs[2]!)));

    // The newest certificate is of another set, but nothing before it changes the trusted one.
    const broken = hubWith([zkAt(3, rootA, rootA), zkAt(12, rootB, rootB)]);
    const lost = new EvmFinalityRelayer({ ...base, finalityAddress: evmAddress(key(42)), fetch: (u, i) => (u.startsWith(HUB_URL) ? broken.fetch(u, i) : node(u, i)), logger: captureLogger().logger });
    await lost.step();
    await expect(lost.step()).rejects.toMatchObject({ code: "EVM_RELAYER_ERROR_HUB_BAD_ANSWER", type: { reason: expect.stringContaining("the epoch's last certificate before 12 is missing") } });
    const skipped = hubWith([zkAt(6, rootB, rootB), zkAt(12, rootB, rootB)]);
    const gap = new EvmFinalityRelayer({ ...base, finalityAddress: evmAddress(key(42)), fetch: (u, i) => (u.startsWith(HUB_URL) ? skipped.fetch(u, i) : node(u, i)), logger: captureLogger().logger });
    await gap.step();
    await expect(gap.step()).rejects.toMatchObject({ code: "EVM_RELAYER_ERROR_HUB_BAD_ANSWER", type: { reason: expect.stringContaining("the epoch's last certificate before 6 is missing") } });
  });

  it("an unreachable hub or node, and answers that are not the route's, are typed errors, never a crash", async () => {
    const cases: [FetchLike, string][] = [
      [async () => Promise.reject(new Error("ECONNREFUSED")), "EVM_RELAYER_ERROR_HUB_UNAVAILABLE"],
      [async () => json(200, { circuit: "quorum4" }), "EVM_RELAYER_ERROR_HUB_BAD_ANSWER"],
      [async (url, init) => (url.startsWith(HUB_URL) ? fakeHub().fetch(url, init) : Promise.reject(new Error("ECONNREFUSED"))), "EVM_RELAYER_ERROR_CONSUMER_UNAVAILABLE"],
      [async (url, init) => (url.startsWith(HUB_URL) ? fakeHub().fetch(url, init) : json(200, { nonce: "lots" })), "EVM_RELAYER_ERROR_CONSUMER_UNAVAILABLE"],
      [async (url, init) => (url.startsWith(HUB_URL) ? fakeHub().fetch(url, init) : url.endsWith("/txs") ? json(202, "<html>") : json(404, {})), "EVM_RELAYER_ERROR_CONSUMER_UNAVAILABLE"],
    ];
    for (const [fetch, code] of cases) {
      await expect(new EvmFinalityRelayer({ ...base, fetch, logger: captureLogger().logger }).step()).rejects.toMatchObject({ code });
    }
  });
});
