/**
 * Succinct finality end to end: four in-process validators whose genesis names the quorum4 circuit
 * (phase 2 on the test phase-1 file, cached). Each validator attests the scheduled committed heights
 * and gossips the attestation; node0 runs the prover; every node verifies the certificate it is
 * gossiped and stores it. The certificate verifies with the SDK against a root computed here from
 * the genesis file alone, and every kind of bad attestation or certificate gossip is refused with
 * nothing stored.
 */
import { jest } from "@jest/globals";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { StargateClient } from "@cosmjs/stargate";
import { SimulateRequest } from "cosmjs-types/cosmos/tx/v1beta1/service";
import { QueryValidatorRequest, QueryValidatorResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import {
  assertValidZkCertificate,
  computeFinalityMessage,
  computeZkValidatorSetRoot,
  fromHex,
  initZkCertificateVerifier,
  toHex,
  verifyZkCertificate,
  type Groth16VerificationKey,
  type ZkCertificate,
} from "@aegis/consumer-sdk";
import {
  encodeFinalityAttestation,
  encodeZkCertificate,
  getAttestationPoint,
  initHomes,
  isAttestedHeight,
  readValidatorKeyFile,
  signFinalityMessage,
  startNodeFromHome,
  getHomePaths,
  computeFeeAmount,
  parseGasPrice,
  SUBMIT_ZK_CERTIFICATE_GAS,
  fromBech32,
  toBech32,
  ZkCertificateSubmitter,
  type GenesisFile,
  type RunningNode,
} from "@aegis/hub";
import { getCircuit, setupCircuit, terminateCurve } from "../../circuits/scripts/build.mjs";
import { HOST, makeTempDir, removeDir, reservePortRange, sleep, waitFor } from "../helpers/e2eUtils.js";

jest.setTimeout(240_000);

const CHAIN_ID = "aegis-zk-e2e-1";
const REWARD = 1_000_000n;
let dir: string | undefined;
const running: RunningNode[] = [];

afterAll(async () => {
  for (const r of running.reverse()) await r.stop().catch(() => {});
  await terminateCurve();
  await removeDir(dir);
});

test("validators attest, the prover proves, every node stores the certificate and the SDK accepts it; bad gossip changes nothing", async () => {
  const built = await setupCircuit(await getCircuit("quorum4"));
  const verificationKey = built.vkey as unknown as Groth16VerificationKey;
  dir = await makeTempDir("zk");
  const res = await initHomes({
    home: dir,
    validators: 4,
    chainId: CHAIN_ID,
    host: HOST,
    p2pBasePort: await reservePortRange(4),
    apiBasePort: 1,
    epochLength: 20,
    consensus: { createEmptyBlocksIntervalMs: 200, rebroadcastIntervalMs: 500 },
    timeouts: { timeouts: { proposeMs: 1500, proposeDeltaMs: 250, prevoteMs: 400, prevoteDeltaMs: 200, precommitMs: 400, precommitDeltaMs: 200 } },
    zk: { circuit: "quorum4", capacity: 4, verificationKey, attestationIntervalMs: 1000, proverReward: String(REWARD), wasm: built.wasm, zkey: built.zkey, provers: [0] },
  });
  for (const n of res.nodes) running.push(await startNodeFromHome(n.home, { config: (c) => ({ ...c, api: { host: HOST, port: 0 } }) }));
  const nodes = running.map((r) => r.node);
  expect(nodes.map((n) => n.zk?.isProver)).toEqual([true, false, false, false]);

  // The trusted root, from the genesis file alone: the genesis validators' attestation keys in
  // consensus order (equal powers: ordered by consensus address, as the hub's set is).
  const genesis = JSON.parse(await readFile(res.genesisPath, "utf8")) as GenesisFile;
  await initZkCertificateVerifier();
  const order = nodes[0]!.genesis.validatorSet.validators.map((v) => toHex(v.blsPublicKey));
  const byBls = new Map(genesis.appState!.validators!.map((v) => [v.blsPublicKey, v]));
  const slots = order.map((bls) => ({ ...getAttestationPoint(fromHex(byBls.get(bls)!.attestationPublicKey)), power: 100n }));
  const trustedRoot = computeZkValidatorSetRoot(slots, 4);
  expect(nodes[0]!.zk!.validatorSetRootAt(1)).toBe(trustedRoot);

  // Every node stores a certificate that the prover made from gossiped attestations.
  const certs = await waitFor(
    async () => {
      const all = await Promise.all(nodes.map((n) => n.db.zkCertificates.latest(CHAIN_ID)));
      return all.every((c) => c !== undefined) ? (all as ZkCertificate[]) : undefined;
    },
    180_000,
    "a ZK certificate on every node",
    250,
  );
  const first = certs[0]!;
  const opts = { chainId: CHAIN_ID, verificationKeys: { quorum4: verificationKey }, capacities: { quorum4: 4 } };
  for (const c of certs) expect(verifyZkCertificate(c, trustedRoot, opts)).toBe(true);
  const stored = await nodes[3]!.db.zkCertificates.get(first.height, CHAIN_ID);
  expect(stored).toBeDefined();
  expect(toHex(stored!.proof)).toBe(toHex(first.proof));
  expect(toHex(first.blockHash)).toBe(toHex((await nodes[3]!.db.blocks.getBlockHashAt(first.height))!));
  expect(first.nextValidatorSetRoot).toBe(trustedRoot); // one epoch, one set
  expect(assertValidZkCertificate(first, trustedRoot, opts).signers.length).toBeGreaterThanOrEqual(3);
  // The height was one every validator attests: a new window of block time, or an epoch's end.
  const [b, prev] = await Promise.all([nodes[1]!.db.blocks.getBlock(first.height), first.height > 1 ? nodes[1]!.db.blocks.getBlock(first.height - 1) : undefined]);
  expect(isAttestedHeight({ height: first.height, time: b!.header.time, previousTime: first.height === 1 ? genesis.genesisTime : prev!.header.time, intervalMs: 1000, epochLength: 20 })).toBe(true);

  // The API serves it, and what a consumer needs to check it.
  const api = running[2]!.api.url;
  const zkInfo = (await (await fetch(`${api}/zk?height=1`)).json()) as { circuit: string; capacity: number; validatorSetRoot: string; verificationKey: Groth16VerificationKey; prover: boolean };
  expect(zkInfo).toMatchObject({ circuit: "quorum4", capacity: 4, validatorSetRoot: trustedRoot.toString(), prover: false });
  expect(zkInfo.verificationKey.IC).toEqual(verificationKey.IC);
  const byHeight = (await (await fetch(`${api}/certificates/${first.height}`)).json()) as { zk: { proof: string } | null; zkFinalizedBy: number };
  expect(byHeight.zk?.proof).toBe(toHex(first.proof));
  expect(byHeight.zkFinalizedBy).toBe(first.height);
  expect((await fetch(`${api}/zk?height=abc`)).status).toBe(400);
  expect((await fetch(`${api}/zk?height=99999999`)).status).toBe(404);
  const metrics = await (await fetch(`${api}/metrics`)).text();
  expect(metrics).toMatch(/aegis_zk_messages_total\{kind="attestation",result="accept"\} [1-9]/);
  expect(metrics).toMatch(/aegis_zk_messages_total\{kind="certificate",result="stored"\} [1-9]/);

  // Bad certificate gossip: each refused, nothing stored at a height without a certificate.
  const zk3 = nodes[3]!.zk!;
  expect(await zk3.validateCertificate(encodeZkCertificate(first))).toBe("ignore"); // a duplicate
  const target = await waitFor(
    async () => {
      const h = nodes[3]!.engine.height;
      return h > first.height && !(await nodes[3]!.db.zkCertificates.get(h, CHAIN_ID)) ? h : undefined;
    },
    30_000,
    "a height without a certificate",
  );
  const moved = { ...first, height: target, blockHash: (await nodes[3]!.db.blocks.getBlockHashAt(target))! };
  const tamperedProof = new Uint8Array(first.proof);
  tamperedProof[40] ^= 1;
  const bad: [string, Uint8Array, string][] = [
    ["garbage", new Uint8Array([1, 2, 3]), "reject"],
    ["the proof of another height", encodeZkCertificate(moved), "reject"],
    ["a tampered proof", encodeZkCertificate({ ...first, height: target, proof: tamperedProof }), "reject"],
    ["another circuit", encodeZkCertificate({ ...moved, circuit: "quorum8" }), "reject"],
    ["a height far ahead", encodeZkCertificate({ ...moved, height: target + 1000 }), "ignore"],
  ];
  for (const [what, bytes, expected] of bad) {
    expect([what, await zk3.validateCertificate(bytes)]).toEqual([what, expected]);
  }
  expect(await nodes[3]!.db.zkCertificates.get(target, CHAIN_ID)).toBeUndefined();
  expect((await nodes[3]!.db.zkCertificates.latest(CHAIN_ID))!.height).toBeLessThanOrEqual((await nodes[0]!.db.zkCertificates.latest(CHAIN_ID))!.height);

  // Bad attestation gossip, signed with node1's real key: every statement but the committed one is refused.
  const keys1 = await readValidatorKeyFile(getHomePaths(res.nodes[1]!.home).validatorKey);
  const index1 = order.indexOf(toHex(keys1.blsPublicKey));
  const committedHash = async (h: number) => (await nodes[3]!.db.blocks.getBlockHashAt(h))!;
  const scheduled = async (h: number) => {
    const [cur, before] = await Promise.all([nodes[3]!.db.blocks.getBlock(h), h > 1 ? nodes[3]!.db.blocks.getBlock(h - 1) : undefined]);
    return isAttestedHeight({ height: h, time: cur!.header.time, previousTime: h === 1 ? genesis.genesisTime : before!.header.time, intervalMs: 1000, epochLength: 20 });
  };
  // Blocks slower than the 1 s window are each the first of their window: wait for one that is not.
  const unscheduled = await waitFor(
    async () => {
      for (let h = nodes[3]!.engine.height; h > 1; h--) if (!(await scheduled(h))) return h;
      return undefined;
    },
    60_000,
    "a committed height nobody attests",
  );
  const committedTime = async (h: number) => (await nodes[3]!.db.blocks.getBlock(h))!.header.time;
  const attestation = async (height: number, over: { blockHash?: Uint8Array; time?: number; validatorSetRoot?: bigint; nextValidatorSetRoot?: bigint; validatorIndex?: number } = {}) => {
    const st = {
      height,
      time: over.time ?? (await committedTime(height)),
      blockHash: over.blockHash ?? (await committedHash(height)),
      validatorSetRoot: over.validatorSetRoot ?? trustedRoot,
      nextValidatorSetRoot: over.nextValidatorSetRoot ?? trustedRoot,
    };
    const signature = signFinalityMessage(keys1.attestation!.secretKey, computeFinalityMessage({ chainId: CHAIN_ID, ...st }));
    return encodeFinalityAttestation({ ...st, validatorIndex: over.validatorIndex ?? index1, signature });
  };
  const badAttestations: [string, Uint8Array, string][] = [
    ["garbage", new Uint8Array([9, 9]), "reject"],
    ["an unscheduled height", await attestation(unscheduled), "reject"],
    ["another block", await attestation(first.height, { blockHash: new Uint8Array(32).fill(7) }), "reject"],
    ["another next root", await attestation(first.height, { nextValidatorSetRoot: 5n }), "reject"],
    ["another block time", await attestation(first.height, { time: (await committedTime(first.height)) + 1 }), "reject"],
    ["another signing set", await attestation(first.height, { validatorSetRoot: 5n }), "reject"],
    ["a validator outside the set", await attestation(first.height, { validatorIndex: 4 }), "reject"],
    ["another validator's slot", await attestation(first.height, { validatorIndex: (index1 + 1) % 4 }), "reject"],
    ["a height far ahead", await attestation(first.height).then(() => encodeFinalityAttestation({ height: nodes[3]!.engine.height + 50, time: 0, blockHash: new Uint8Array(32), validatorSetRoot: 1n, nextValidatorSetRoot: 1n, validatorIndex: 0, signature: new Uint8Array(64) })), "ignore"],
  ];
  for (const [what, bytes, expected] of badAttestations) {
    expect([what, await zk3.validateAttestation(bytes)]).toEqual([what, expected]);
  }
  // Those were node1's valid signatures over other statements of a height it attested: beside its
  // attestation of the committed statement, each is a double attestation. Node3 keeps the evidence
  // and gossips it, a proposer puts it in a block, and node1 is slashed and tombstoned (jailed for good).
  const found = await waitFor(
    async () => {
      const r = (await (await fetch(`${running[3]!.api.url}/evidence`)).json()) as { evidence: { kind: string; height: number; validatorIndex: number }[] };
      return r.evidence.find((e) => e.kind === "double_attestation" && e.height === first.height && e.validatorIndex === index1);
    },
    30_000,
    "node1's double attestation in node3's evidence",
  );
  expect(found).toBeDefined();
  const operator1 = JSON.parse(await readFile(join(res.nodes[1]!.home, "keys", "operator.json"), "utf8")) as { address: string };
  const valoper1 = toBech32("aegisvaloper", fromBech32(operator1.address, "aegis", { lengths: [20] }));
  const validator1 = await waitFor(
    async () => {
      const out = nodes[3]!.app.query!("/cosmos.staking.v1beta1.Query/Validator", QueryValidatorRequest.encode({ validatorAddr: valoper1 }).finish());
      const v = out.code === 0 ? QueryValidatorResponse.decode(out.value!).validator : undefined;
      return v?.jailed ? v : undefined;
    },
    60_000,
    "node1 jailed for its double attestation",
  );
  expect(BigInt(validator1.tokens)).toBe(95n * 10n ** 6n); // 5 % of its 100 power (10^8 tokens) slashed

  // node1's own attestation of a scheduled height is valid: node3 accepts it, unless gossip brought it
  // first (node3 may still have been syncing that height when node1 gossiped it), and the same bytes
  // again are a duplicate.
  const own = await attestation(first.height);
  expect(["accept", "ignore"]).toContain(await zk3.validateAttestation(own));
  expect(await zk3.validateAttestation(own)).toBe("ignore");

  // The prover claims its reward: MsgSubmitZkCertificate, verified in the transaction, recorded in
  // the state, the reward minted to the prover's account (its operator account, keys/prover.json).
  const prover = JSON.parse(await readFile(join(res.nodes[0]!.home, "keys", "prover.json"), "utf8")) as { mnemonic: string; address: string };
  // The proof names the prover's account: the reward can only go there.
  expect(toBech32("aegis", first.prover)).toBe(prover.address);
  expect(first.time).toBe((await nodes[3]!.db.blocks.getBlock(first.height))!.header.time);
  const recorded = await waitFor(() => nodes[3]!.app.zkRecordedHeight?.() || undefined, 60_000, "a certificate recorded in the state");
  expect(recorded).toBeGreaterThanOrEqual(first.height);
  const client = await StargateClient.connect(running[3]!.api.url);
  try {
    const claims = await waitFor(async () => {
      const found = await client.searchTx([{ key: "zk_certificate.prover", value: prover.address }]);
      return found.length > 0 ? found : undefined;
    }, 30_000, "the prover's claim in the tx index");
    expect(claims[0]!.code).toBe(0);
    expect(Number(claims[0]!.gasUsed)).toBeLessThan(Number(SUBMIT_ZK_CERTIFICATE_GAS));
    const zkEvent = claims[0]!.events.find((e) => e.type === "zk_certificate")!;
    expect(zkEvent.attributes).toEqual(expect.arrayContaining([{ key: "reward", value: `${REWARD}uaeg` }, { key: "prover", value: prover.address }]));
    const fee = BigInt(computeFeeAmount(parseGasPrice("0.025uaeg"), SUBMIT_ZK_CERTIFICATE_GAS));
    // Exactly: genesis 10^9 (beyond its self-delegation) + a reward per recorded claim - a fee per claim (read twice, at a quiet moment).
    const ledger = await waitFor(async () => {
      const paid = async () => (await client.searchTx([{ key: "tx.fee_payer", value: prover.address }])).length;
      const before = await paid();
      const balance = BigInt((await client.getBalance(prover.address, "uaeg")).amount);
      const rewarded = (await client.searchTx([{ key: "zk_certificate.prover", value: prover.address }])).length;
      return before === (await paid()) ? { claims: before, rewarded, balance } : undefined;
    }, 30_000, "a quiet moment");
    expect(ledger.rewarded).toBeGreaterThanOrEqual(1);
    expect(ledger.balance).toBe(10n ** 9n + BigInt(ledger.rewarded) * REWARD - BigInt(ledger.claims) * fee);

    // Bad claims, simulated (a simulation never changes state): each refused with its reason.
    const submitter = await ZkCertificateSubmitter.fromMnemonic(prover.mnemonic);
    const simulate = async (cert: ZkCertificate): Promise<{ code: number; log?: string }> => {
      for (let attempt = 0; ; attempt++) {
        const { accountNumber, sequence } = await client.getSequence(prover.address);
        const tx = await submitter.signSubmission(cert, { chainId: CHAIN_ID, accountNumber: BigInt(accountNumber), sequence: BigInt(sequence), fee: [{ denom: "uaeg", amount: fee.toString() }] });
        const out = nodes[3]!.app.query!("/cosmos.tx.v1beta1.Service/Simulate", SimulateRequest.encode({ txBytes: tx }).finish());
        if (!/sequence/.test(out.log ?? "") || attempt >= 3) return out;
      }
    };
    const last = nodes[3]!.app.zkRecordedHeight!();
    const newest = (await nodes[3]!.db.zkCertificates.latest(CHAIN_ID))!;
    const aboveLast = await waitFor(async () => {
      const h = nodes[3]!.engine.height;
      return h > last + 1 ? h - 1 : undefined;
    }, 30_000, "a committed height above the last recorded one");
    const hashAbove = (await nodes[3]!.db.blocks.getBlockHashAt(aboveLast))!;
    const timeAbove = (await nodes[3]!.db.blocks.getBlock(aboveLast))!.header.time;
    const badClaims: [string, ZkCertificate, RegExp][] = [
      ["a height already recorded", newest.height <= last ? newest : first, /not above the last recorded certificate/],
      ["a height not committed yet", { ...newest, height: nodes[3]!.engine.height + 5 }, /not a committed height/],
      ["another block's hash", { ...newest, height: aboveLast, blockHash: new Uint8Array(32).fill(3) }, /is not the hub's block at height/],
      ["another next root", { ...newest, height: aboveLast, blockHash: hashAbove, time: timeAbove, nextValidatorSetRoot: 1n }, /next validator set root/],
      ["a proof of another statement", { ...newest, height: aboveLast, blockHash: hashAbove, time: timeAbove }, /ZK_CERT_ERROR_INVALID_PROOF/],
      ["another block time", { ...newest, height: aboveLast, blockHash: hashAbove, time: 1 }, /is not the hub's block time/],
      ["another circuit", { ...newest, circuit: "quorum8" }, /circuit quorum8 is not the chain's/],
    ];
    for (const [what, cert, reason] of badClaims) {
      const out = await simulate(cert);
      expect([what, out.code !== 0, out.log]).toEqual([what, true, expect.stringMatching(reason)]);
    }
    expect(nodes[3]!.app.zkRecordedHeight!()).toBeGreaterThanOrEqual(last);
  } finally {
    client.disconnect();
  }

  // A node that was down gets the certificates it missed from a peer (catch-up), checked as gossip is.
  await running[3]!.stop();
  const downSince = (await nodes[0]!.db.zkCertificates.latest(CHAIN_ID))!.height;
  const missed = await waitFor(async () => {
    const c = await nodes[0]!.db.zkCertificates.latest(CHAIN_ID);
    return c && c.height > downSince ? c : undefined;
  }, 60_000, "a certificate proved while node3 is down");
  await sleep(6000); // past gossipsub's message cache (5 heartbeats): only catch-up can bring it now
  running[3] = await startNodeFromHome(res.nodes[3]!.home, { config: (c) => ({ ...c, api: { host: HOST, port: 0 } }) });
  const back = running[3]!.node;
  await waitFor(() => back.db.zkCertificates.get(missed.height, CHAIN_ID), 60_000, "the missed certificate on the restarted node");
  expect(toHex((await back.db.zkCertificates.get(missed.height, CHAIN_ID))!.proof)).toBe(toHex(missed.proof));
  const metricsBack = await (await fetch(`${running[3]!.api.url}/metrics`)).text();
  expect(metricsBack).toMatch(/aegis_zk_messages_total\{kind="certificate",result="stored"\} [1-9]/);
});
