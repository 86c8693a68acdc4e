// The SDK's checkpoint rules against the committed golden vectors (checkpoints.json, written by
// generateCheckpoints.mjs; the EVM runs the same cases in test/evm/checkpointInclusion.test.ts): the
// canonical encodings, hashes, root, audit paths and headers are reproduced byte for byte; every valid
// case verifies and every invalid case is refused with its CheckpointError code.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CheckpointError,
  computeBlockHash,
  computeCheckpointHash,
  computeCheckpointInclusionProof,
  computeConsumerCheckpointRoot,
  computeZkChainId,
  encodeCheckpointCanonical,
  encodeHeaderCanonical,
  fromHex,
  sha256,
  toHex,
  verifyCheckpointInclusion,
  type BlockHeader,
  type ConsumerCheckpoint,
  type MerkleProof,
} from "@aegis/consumer-sdk";

const here = dirname(fileURLToPath(import.meta.url));
const v = JSON.parse(readFileSync(join(here, "checkpoints.json"), "utf8"));

type CheckpointJson = { consumerId: string; height: number; blockHash: string; parentCheckpointHash: string; stateRoot: string };
type ProofJson = { index: number; total: number; siblings: string[] };
type CaseJson = { name: string; chainId: string; hubHeight: number; header: string; checkpoint: CheckpointJson; proof: ProofJson; code?: string; evmError?: string };

const toCheckpoint = (c: CheckpointJson): ConsumerCheckpoint => ({
  consumerId: c.consumerId,
  height: c.height,
  blockHash: fromHex(c.blockHash),
  parentCheckpointHash: fromHex(c.parentCheckpointHash),
  stateRoot: fromHex(c.stateRoot),
});
const toProof = (p: ProofJson): MerkleProof => ({ index: p.index, total: p.total, siblings: p.siblings.map((s) => fromHex(s)) });
const HASH_FIELDS = ["parentHash", "txRoot", "stateRoot", "consumerCheckpointRoot", "validatorSetRoot", "nextValidatorSetRoot", "proposer", "lastCommitHash", "evidenceRoot"] as const;
const toHeader = (h: Record<string, string | number>): BlockHeader =>
  ({ chainId: h.chainId, height: h.height, time: h.time, ...Object.fromEntries(HASH_FIELDS.map((f) => [f, fromHex(h[f] as string)])) }) as BlockHeader;
const headers: Record<string, BlockHeader> = Object.fromEntries(Object.entries(v.headers).filter(([k]) => k !== "notAHeader").map(([k, h]) => [k, toHeader(h as Record<string, string | number>)]));
const checkpoints = (v.checkpoints as CheckpointJson[]).map(toCheckpoint);
const previousCheckpoints = (v.previousCheckpoints as CheckpointJson[]).map(toCheckpoint);
/** The block hash a verifier of `chainId` finalized at `height`, if any. */
const finalizedHash = (chainId: string, height: number): string | undefined => (v.finalized[chainId] as { height: number; blockHash: string }[]).find((f) => f.height === height)?.blockHash;

function outcome(c: CaseJson): string {
  try {
    verifyCheckpointInclusion(toCheckpoint(c.checkpoint), toProof(c.proof), headers[c.header]!);
    return "ok";
  } catch (e) {
    if (e instanceof CheckpointError) return e.code;
    throw e;
  }
}

test("the checkpoint encodings, hashes and the root are reproduced", () => {
  for (const [list, json] of [
    [checkpoints, v.checkpoints],
    [previousCheckpoints, v.previousCheckpoints],
  ] as const) {
    list.forEach((cp, i) => {
      expect(toHex(encodeCheckpointCanonical(cp))).toBe(json[i].encoding);
      expect(toHex(computeCheckpointHash(cp))).toBe(json[i].hash);
    });
  }
  // Ids of 1, 5, 11, 14 and 64 bytes; the encoding is 32 + 4 + len + 8 + 96 bytes.
  expect(checkpoints.map((c) => c.consumerId.length).sort((a, b) => a - b)).toEqual([1, 5, 11, 14, 64]);
  checkpoints.forEach((cp, i) => expect(v.checkpoints[i].encoding.length / 2).toBe(140 + cp.consumerId.length));
  expect(toHex(computeConsumerCheckpointRoot(checkpoints))).toBe(v.consumerCheckpointRoot);
  expect(toHex(computeConsumerCheckpointRoot([...checkpoints].reverse()))).toBe(v.consumerCheckpointRoot);
  expect(toHex(computeConsumerCheckpointRoot(previousCheckpoints))).toBe(v.previousConsumerCheckpointRoot);
  expect(computeZkChainId(v.hubChainId).toString()).toBe(v.zkChainId);
  expect(computeZkChainId(v.otherHubChainId).toString()).toBe(v.otherZkChainId);
});

test("the audit paths are reproduced, in the tree order", () => {
  expect(Object.keys(v.proofs)).toEqual(v.treeOrder);
  for (const [id, p] of Object.entries(v.proofs) as [string, ProofJson][]) {
    const { checkpoint, proof } = computeCheckpointInclusionProof(checkpoints, id);
    expect(checkpoint.consumerId).toBe(id);
    expect({ index: proof.index, total: proof.total, siblings: proof.siblings.map(toHex) }).toEqual(p);
  }
});

test("the headers are reproduced and carry the roots; the finalized hashes are their SHA-256", () => {
  for (const [name, h] of Object.entries(headers)) {
    expect(toHex(encodeHeaderCanonical(h))).toBe(v.headers[name].encoding);
    expect(toHex(computeBlockHash(h))).toBe(v.headers[name].blockHash);
  }
  expect(toHex(headers.hub!.consumerCheckpointRoot)).toBe(v.consumerCheckpointRoot);
  expect(toHex(headers.otherHub!.consumerCheckpointRoot)).toBe(v.consumerCheckpointRoot);
  expect(toHex(headers.hubPrevious!.consumerCheckpointRoot)).toBe(v.previousConsumerCheckpointRoot);
  expect(toHex(headers.hub!.parentHash)).toBe(v.headers.hubPrevious.blockHash);
  expect(headers.otherHub!.chainId.length).toBeGreaterThan(headers.hub!.chainId.length); // every later field at another offset
  for (const list of Object.values(v.finalized) as { header: string; blockHash: string }[][]) {
    for (const f of list) expect(toHex(sha256(fromHex(v.headers[f.header].encoding)))).toBe(f.blockHash);
  }
});

test.each((v.valid as CaseJson[]).map((c) => [c.name, c] as const))("valid: %s", (_name, c) => {
  expect(finalizedHash(c.chainId, c.hubHeight)).toBe(toHex(computeBlockHash(headers[c.header]!)));
  expect(headers[c.header]!.chainId).toBe(c.chainId);
  expect(headers[c.header]!.height).toBe(c.hubHeight);
  expect(outcome(c)).toBe("ok");
});

test.each((v.invalid as CaseJson[]).map((c) => [c.name, c] as const))("invalid: %s", (_name, c) => {
  // The header is the finalized one: what is refused is the checkpoint or its path.
  expect(finalizedHash(c.chainId, c.hubHeight)).toBe(toHex(computeBlockHash(headers[c.header]!)));
  expect(outcome(c)).toBe(c.code);
});

test("header cases: the header given is not the finalized block of its height, which the SDK's caller checks first", () => {
  const byError = Object.fromEntries((v.headerCases as CaseJson[]).map((c) => [c.evmError, c]));
  expect(Object.keys(byError).sort()).toEqual(["HeaderMismatch", "MalformedHeader", "NotFinalized", "WrongHeaderHeight", "WrongHubChain"]);
  const hashOf = (c: CaseJson) => toHex(sha256(fromHex(v.headers[c.header].encoding)));
  expect(finalizedHash(v.hubChainId, byError.NotFinalized!.hubHeight)).toBeUndefined();
  const mismatch = byError.HeaderMismatch!;
  expect(finalizedHash(mismatch.chainId, mismatch.hubHeight)).not.toBe(hashOf(mismatch));
  const height = byError.WrongHeaderHeight!;
  expect(finalizedHash(height.chainId, height.hubHeight)).toBe(hashOf(height));
  expect(headers[height.header]!.height).not.toBe(height.hubHeight);
  const chain = byError.WrongHubChain!;
  expect(finalizedHash(chain.chainId, chain.hubHeight)).toBe(hashOf(chain));
  expect(headers[chain.header]!.chainId).not.toBe(v.hubChainId);
  const malformed = byError.MalformedHeader!;
  expect(finalizedHash(malformed.chainId, malformed.hubHeight)).toBe(hashOf(malformed));
  expect(v.headers.notAHeader.encoding).toBe(v.headers.hub.encoding.slice(0, -2)); // one byte short of a header
  // Past those checks the checkpoint and its path are valid: only the header is wrong.
  for (const c of v.headerCases as CaseJson[]) expect(outcome({ ...c, header: "hub" })).toBe("ok");
});
