// AegisFinality.verifyCheckpoint (consumer-sdk/contracts/CheckpointInclusion.sol) in a real EVM
// against the golden vectors the SDK is checked with (test/vectors/checkpoints.json): every valid case
// is accepted and every invalid one reverts with the custom error matching the SDK's code, so the
// contract and the SDK agree on every case. The vectors' headers are made final through a test
// harness (AegisFinalityHarness.sol: AegisFinality plus a setter of finalizedBlockHash); the real
// AegisFinality, finalized by the committed Groth16 certificate, refuses headers it did not certify.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CheckpointError,
  computeBlockHash,
  computeCheckpointInclusionProof,
  computeConsumerCheckpointRoot,
  computeZkChainId,
  encodeHeaderCanonical,
  fromHex,
  toHex,
  verifyCheckpointInclusion,
  type BlockHeader,
  type ConsumerCheckpoint,
  type MerkleProof,
  type ZkCertificate,
} from "@aegis/consumer-sdk";
import { compileFinalityContracts, compileFinalityHarness, createFinalityChain, encodeSubmit, encodeVerifyCheckpoint, selector, type FinalityChain } from "./finalityEvm.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const v = JSON.parse(readFileSync(join(here, "..", "vectors", "checkpoints.json"), "utf8"));
const zk = JSON.parse(readFileSync(join(here, "..", "vectors", "zkCertificates.json"), "utf8"));

type CheckpointJson = { consumerId: string; height: number; blockHash: string; parentCheckpointHash: string; stateRoot: string };
type ProofJson = { index: number; total: number; siblings: string[] };
type CaseJson = { name: string; chainId: string; hubHeight: number; header: string; checkpoint: CheckpointJson; proof: ProofJson; code?: string; evmError?: string };

/** The custom errors' signatures; the first three are the SDK's CHECKPOINT_ERROR_MALFORMED, _INVALID_PROOF and _NOT_INCLUDED. */
const ERRORS: Record<string, string> = {
  MalformedCheckpoint: "MalformedCheckpoint()",
  InvalidInclusionProof: "InvalidInclusionProof()",
  CheckpointNotIncluded: "CheckpointNotIncluded(bytes32,bytes32)",
  NotFinalized: "NotFinalized(uint64)",
  HeaderMismatch: "HeaderMismatch(uint64,bytes32,bytes32)",
  WrongHeaderHeight: "WrongHeaderHeight(uint64,uint64)",
  WrongHubChain: "WrongHubChain(uint256,uint256)",
  MalformedHeader: "MalformedHeader()",
};
const SDK_CODE: Record<string, string> = {
  MalformedCheckpoint: "CHECKPOINT_ERROR_MALFORMED",
  InvalidInclusionProof: "CHECKPOINT_ERROR_INVALID_PROOF",
  CheckpointNotIncluded: "CHECKPOINT_ERROR_NOT_INCLUDED",
};
const word = (x: bigint | number) => BigInt(x).toString(16).padStart(64, "0");
const calldata = (c: CaseJson, headerHex: string = v.headers[c.header].encoding) =>
  encodeVerifyCheckpoint({
    hubHeight: c.hubHeight,
    header: fromHex(headerHex),
    checkpoint: { ...c.checkpoint, blockHash: fromHex(c.checkpoint.blockHash), parentCheckpointHash: fromHex(c.checkpoint.parentCheckpointHash), stateRoot: fromHex(c.checkpoint.stateRoot) },
    index: c.proof.index,
    total: c.proof.total,
    siblings: c.proof.siblings.map((s) => fromHex(s)),
  });

let harness: string;
/** One harness per hub chain of the vectors, each with that chain's finalized block hashes injected. */
const deployed: Record<string, { chain: FinalityChain; address: string }> = {};
beforeAll(async () => {
  harness = compileFinalityHarness();
  for (const [chainId, zkChainId] of [
    [v.hubChainId, v.zkChainId],
    [v.otherHubChainId, v.otherZkChainId],
  ] as [string, string][]) {
    expect(computeZkChainId(chainId).toString()).toBe(zkChainId);
    const chain = await createFinalityChain();
    const d = await chain.send(undefined, harness + word(BigInt(zkChainId)));
    expect(d.reverted).toBe(false);
    const address = d.createdAddress!;
    for (const f of v.finalized[chainId] as { height: number; blockHash: string }[]) {
      expect((await chain.send(address, selector("setFinalizedForTest(uint64,bytes32)") + word(f.height) + f.blockHash)).reverted).toBe(false);
    }
    deployed[chainId] = { chain, address };
  }
}, 120_000);

const run = (c: CaseJson) => deployed[c.chainId]!.chain.callResult(deployed[c.chainId]!.address, calldata(c));

/** Calldata gas before EIP-7623: 16 a nonzero byte, 4 a zero byte. */
const calldataGas = (hex: string) => Buffer.from(hex, "hex").reduce((g, b) => g + (b === 0 ? 4 : 16), 0);

test("every valid vector is accepted; gas", async () => {
  const gas: string[] = [];
  const executions: number[] = [];
  for (const c of v.valid as CaseJson[]) {
    const r = await run(c);
    if (r.reverted) throw new Error(`${c.name}: reverted ${r.returnValue}`);
    expect(r.returnValue).toBe("");
    // As a transaction of its own (cold storage slot, as a consumer contract's first call pays).
    const data = calldata(c);
    const tx = await deployed[c.chainId]!.chain.send(deployed[c.chainId]!.address, data);
    expect(tx.reverted).toBe(false);
    const execution = Number(tx.gas) - 21_000 - calldataGas(data);
    gas.push(`${tx.gas} total, ${execution} execution (${c.proof.siblings.length} siblings, id ${c.checkpoint.consumerId.length} B, header ${v.headers[c.header].encoding.length / 2} B): ${c.name}`);
    executions.push(execution);
  }
  console.log(`AegisFinality.verifyCheckpoint as a transaction (execution = total - 21,000 - calldata):\n${gas.join("\n")}`);
  expect(Math.max(...executions)).toBeLessThan(20_000);
});

test("every invalid vector reverts with the error matching the SDK's code", async () => {
  for (const c of v.invalid as CaseJson[]) {
    const r = await run(c);
    expect({ name: c.name, reverted: r.reverted }).toEqual({ name: c.name, reverted: true });
    expect({ name: c.name, error: r.returnValue.slice(0, 8) }).toEqual({ name: c.name, error: selector(ERRORS[c.evmError!]!) });
    expect(SDK_CODE[c.evmError!]).toBe(c.code);
  }
});

test("every header case reverts with its error", async () => {
  for (const c of v.headerCases as CaseJson[]) {
    const r = await run(c);
    expect({ name: c.name, reverted: r.reverted, error: r.returnValue.slice(0, 8) }).toEqual({ name: c.name, reverted: true, error: selector(ERRORS[c.evmError!]!) });
  }
  // The errors carry what was compared.
  const mismatch = (v.headerCases as CaseJson[]).find((c) => c.evmError === "HeaderMismatch")!;
  const finalized = (v.finalized[v.hubChainId] as { height: number; blockHash: string }[]).find((f) => f.height === mismatch.hubHeight)!.blockHash;
  expect((await run(mismatch)).returnValue).toBe(selector(ERRORS.HeaderMismatch!) + word(mismatch.hubHeight) + v.headers[mismatch.header].blockHash + finalized);
  const chain = (v.headerCases as CaseJson[]).find((c) => c.evmError === "WrongHubChain")!;
  expect((await run(chain)).returnValue).toBe(selector(ERRORS.WrongHubChain!) + word(BigInt(v.otherZkChainId)) + word(BigInt(v.zkChainId)));
  const notIncluded = (v.invalid as CaseJson[]).find((c) => c.evmError === "CheckpointNotIncluded")!;
  expect((await run(notIncluded)).returnValue.slice(8, 72)).toBe(v.headers[notIncluded.header].consumerCheckpointRoot);
});

test("the same checkpoint and path on the other hub's harness: its header's fields sit at other offsets", async () => {
  const c = (v.valid as CaseJson[]).find((x) => x.chainId === v.hubChainId && x.header === "hub")!;
  // The hub's header on the other hub's verifier: not finalized there, and not its chain.
  expect((await run({ ...c, chainId: v.otherHubChainId, hubHeight: 99 })).returnValue).toBe(selector(ERRORS.NotFinalized!) + word(99));
  expect((await run({ ...c, chainId: v.otherHubChainId, header: "otherHub" })).reverted).toBe(false);
});

test("beyond the vectors: trees of 1 to 12 checkpoints, each path with totals 1 to 16 and with every other index: the EVM and the SDK agree", async () => {
  const { chain, address } = deployed[v.hubChainId]!;
  const hub = v.headers.hub;
  const outcomes = { ok: 0, CHECKPOINT_ERROR_INVALID_PROOF: 0, CHECKPOINT_ERROR_NOT_INCLUDED: 0 } as Record<string, number>;
  for (let n = 1; n <= 12; n++) {
    const cps: ConsumerCheckpoint[] = Array.from({ length: n }, (_, i) => ({
      consumerId: `c${String(i).padStart(2, "0")}`,
      height: i + 1,
      blockHash: new Uint8Array(32).fill(i),
      parentCheckpointHash: new Uint8Array(32),
      stateRoot: new Uint8Array(32).fill(100 + i),
    }));
    const hubHeight = 1000 + n;
    const header: BlockHeader = {
      ...(Object.fromEntries(Object.entries(hub).filter(([k]) => !["encoding", "blockHash"].includes(k)).map(([k, x]) => [k, typeof x === "string" && k !== "chainId" ? fromHex(x) : x])) as unknown as BlockHeader),
      height: hubHeight,
      consumerCheckpointRoot: computeConsumerCheckpointRoot(cps),
    };
    expect((await chain.send(address, selector("setFinalizedForTest(uint64,bytes32)") + word(hubHeight) + toHex(computeBlockHash(header)))).reverted).toBe(false);
    const headerHex = toHex(encodeHeaderCanonical(header));
    for (const cp of cps) {
      const { proof } = computeCheckpointInclusionProof(cps, cp.consumerId);
      // The path with every total 1..16, and with every other index of the tree.
      const variants = [...Array.from({ length: 16 }, (_, t) => ({ index: proof.index, total: t + 1 })), ...cps.map((_, i) => ({ index: i, total: n })).filter((x) => x.index !== proof.index)];
      for (const { index, total } of variants) {
        const p: MerkleProof = { ...proof, index, total };
        let sdkOutcome = "ok";
        try {
          verifyCheckpointInclusion(cp, p, header);
        } catch (e) {
          if (!(e instanceof CheckpointError)) throw e;
          sdkOutcome = e.code;
        }
        const c: CaseJson = {
          name: "",
          chainId: v.hubChainId,
          hubHeight,
          header: "",
          checkpoint: { ...cp, blockHash: toHex(cp.blockHash), parentCheckpointHash: toHex(cp.parentCheckpointHash), stateRoot: toHex(cp.stateRoot) },
          proof: { index: p.index, total, siblings: p.siblings.map(toHex) },
        };
        const r = await chain.callResult(address, calldata(c, headerHex));
        const evmOutcome = r.reverted ? Object.keys(SDK_CODE).find((k) => r.returnValue.startsWith(selector(ERRORS[k]!))) : "ok";
        expect({ n, index: p.index, total, evm: evmOutcome === "ok" ? "ok" : SDK_CODE[evmOutcome!] }).toEqual({ n, index: p.index, total, evm: sdkOutcome });
        outcomes[sdkOutcome]!++;
        if (total === n && index === proof.index) expect(sdkOutcome).toBe("ok");
      }
    }
  }
  // All three outcomes occur (a bigger total with the same hashing order is accepted by both: the size is not bound).
  console.log(`checkpoint paths, EVM = SDK on every variant: ${JSON.stringify(outcomes)}`);
  expect(Object.values(outcomes).every((k) => k > 0)).toBe(true);
}, 60_000);

test("the real AegisFinality: a height the committed certificate finalized refuses any other header; other heights are not final", async () => {
  const cert: ZkCertificate = {
    ...zk.certificate,
    blockHash: fromHex(zk.certificate.blockHash),
    validatorSetRoot: BigInt(zk.certificate.validatorSetRoot),
    nextValidatorSetRoot: BigInt(zk.certificate.nextValidatorSetRoot),
    signers: BigInt(zk.certificate.signers),
    prover: fromHex(zk.certificate.prover),
    proof: fromHex(zk.certificate.proof),
  };
  const code = compileFinalityContracts(zk.verificationKey);
  const chain = await createFinalityChain();
  chain.setTime(Math.floor(cert.time / 1000));
  const vr = await chain.send(undefined, code.verifier);
  const args = word(BigInt(vr.createdAddress!)) + word(computeZkChainId(cert.chainId)) + word(cert.validatorSetRoot) + word(cert.height - 1) + word(cert.time - 3_600_000) + word(14 * 86_400_000);
  const address = (await chain.send(undefined, code.finality + args)).createdAddress!;
  const c = (v.valid as CaseJson[])[0]!;
  expect((await chain.callResult(address, calldata({ ...c, hubHeight: cert.height }))).returnValue).toBe(selector(ERRORS.NotFinalized!) + word(cert.height));
  expect((await chain.send(address, encodeSubmit(cert))).reverted).toBe(false);
  const r = await chain.callResult(address, calldata({ ...c, hubHeight: cert.height }));
  expect(r.reverted).toBe(true);
  expect(r.returnValue).toBe(selector(ERRORS.HeaderMismatch!) + word(cert.height) + v.headers[c.header].blockHash + zk.certificate.blockHash);
  expect((await chain.callResult(address, calldata({ ...c, hubHeight: cert.height + 1 }))).returnValue).toBe(selector(ERRORS.NotFinalized!) + word(cert.height + 1));
}, 120_000);
