#!/usr/bin/env node
// Writes checkpoints.json: golden vectors of checkpoint inclusion in a hub block, shared by the SDK
// (verifyCheckpointInclusion; checkpointVectors.test.ts) and the EVM (AegisFinality.verifyCheckpoint
// with CheckpointInclusion.sol; test/evm/checkpointInclusion.test.ts). Five consumers' checkpoints
// (ids of 1 to 64 bytes), their canonical encodings, the consumer-checkpoint root, an audit path per
// consumer, canonical headers carrying roots (with their block hashes), and invalid cases, each with
// the SDK's CheckpointError code and the contract's custom error. Run after npm run build
// (node test/vectors/generateCheckpoints.mjs) and review the diff; it checks every expected code
// against the SDK before writing.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sdk from "@aegis/consumer-sdk";

const here = dirname(fileURLToPath(import.meta.url));
const hex = sdk.toHex;
const h32 = (b) => new Uint8Array(32).fill(b);
const pattern = (seed, n = 32) => Uint8Array.from({ length: n }, (_, i) => (seed * 31 + i * 7) & 0xff);

const HUB_CHAIN_ID = "aegis-vectors-1";
// Another hub (a longer id: every header field after it moves) carrying the same root.
const OTHER_HUB_CHAIN_ID = "aegis-checkpoint-vectors-another-hub-2";
const HUB_HEIGHT = 100;

// The consumers' previous and current checkpoints (ids sorted differently from this order on purpose).
const LONG_ID = "long-" + "0123456789abcdefghijklmnopqrstuvwxyz._-".repeat(2).slice(0, 59); // 64 bytes
const first = (consumerId, height, seed) => ({ consumerId, height, blockHash: pattern(seed), parentCheckpointHash: sdk.ZERO_CHECKPOINT_HASH, stateRoot: pattern(seed + 100) });
const next = (prev, seed) => ({ consumerId: prev.consumerId, height: prev.height + 1, blockHash: pattern(seed), parentCheckpointHash: sdk.computeCheckpointHash(prev), stateRoot: pattern(seed + 100) });
const previous = {
  "rollup.alpha_2": first("rollup.alpha_2", 1, 1),
  "evm-1": first("evm-1", 7, 2),
  a: first("a", 3, 3),
  [LONG_ID]: first(LONG_ID, 1, 4),
  "mid.chain_3": first("mid.chain_3", 12, 5),
};
// At HUB_HEIGHT, evm-1 and rollup.alpha_2 have a new checkpoint; the others keep theirs.
const current = { ...previous, "evm-1": next(previous["evm-1"], 6), "rollup.alpha_2": next(previous["rollup.alpha_2"], 7) };
const checkpoints = Object.values(current);
const previousCheckpoints = Object.values(previous);

const headerOf = (chainId, height, consumerCheckpointRoot, parentHash) => ({
  chainId,
  height,
  time: 1_767_225_600_000 + height * 1000,
  parentHash,
  txRoot: sdk.computeMerkleRoot([sdk.sha256(Uint8Array.of(height))]),
  stateRoot: pattern(height),
  consumerCheckpointRoot,
  validatorSetRoot: h32(0x51),
  nextValidatorSetRoot: h32(0x51),
  proposer: new Uint8Array(20).fill(0xa1),
  lastCommitHash: pattern(height + 50),
  evidenceRoot: sdk.EMPTY_MERKLE_ROOT,
});
const root = sdk.computeConsumerCheckpointRoot(checkpoints);
const previousRoot = sdk.computeConsumerCheckpointRoot(previousCheckpoints);
const headers = {};
headers.hubPrevious = headerOf(HUB_CHAIN_ID, HUB_HEIGHT - 1, previousRoot, pattern(98));
headers.hub = headerOf(HUB_CHAIN_ID, HUB_HEIGHT, root, sdk.computeBlockHash(headers.hubPrevious));
headers.otherHub = headerOf(OTHER_HUB_CHAIN_ID, HUB_HEIGHT, root, pattern(99));
// Not a header (a header's bytes with its last byte cut): only its hash is ever "finalized" (EVM-only case).
const notAHeader = sdk.encodeHeaderCanonical(headers.hub).subarray(0, -1);

// What a verifier of each chain has finalized (the EVM harness injects these block hashes).
const finalized = {
  [HUB_CHAIN_ID]: [
    { height: HUB_HEIGHT - 1, header: "hubPrevious" },
    { height: HUB_HEIGHT, header: "hub" },
    { height: HUB_HEIGHT + 1, header: "hub" }, // a header recorded at another height than its own (only a test harness can do this)
    { height: HUB_HEIGHT + 2, header: "otherHub" },
    { height: HUB_HEIGHT + 3, header: "notAHeader" },
  ],
  [OTHER_HUB_CHAIN_ID]: [{ height: HUB_HEIGHT, header: "otherHub" }],
};
const headerBytes = (name) => (name === "notAHeader" ? notAHeader : sdk.encodeHeaderCanonical(headers[name]));

const cpJson = (cp) => ({ consumerId: cp.consumerId, height: cp.height, blockHash: hex(cp.blockHash), parentCheckpointHash: hex(cp.parentCheckpointHash), stateRoot: hex(cp.stateRoot) });
const proofJson = (p) => ({ index: p.index, total: p.total, siblings: p.siblings.map(hex) });
const proofOf = (set, id) => sdk.computeCheckpointInclusionProof(set, id).proof;
const headerJson = (h) => ({
  ...Object.fromEntries(Object.entries(h).map(([k, v]) => [k, v instanceof Uint8Array ? hex(v) : v])),
  encoding: hex(sdk.encodeHeaderCanonical(h)),
  blockHash: hex(sdk.computeBlockHash(h)),
});

// Valid cases: every current checkpoint in the hub header and in the other hub's (same root), the
// previous checkpoint of evm-1 in the previous hub block, and the one surprise RFC 6962 allows.
const valid = [
  ...checkpoints.map((cp) => ({ name: `${cp.consumerId}@${cp.height} in hub ${HUB_HEIGHT}`, chainId: HUB_CHAIN_ID, hubHeight: HUB_HEIGHT, header: "hub", checkpoint: cp, proof: proofOf(checkpoints, cp.consumerId) })),
  ...checkpoints.map((cp) => ({ name: `${cp.consumerId}@${cp.height} in the other hub's ${HUB_HEIGHT}`, chainId: OTHER_HUB_CHAIN_ID, hubHeight: HUB_HEIGHT, header: "otherHub", checkpoint: cp, proof: proofOf(checkpoints, cp.consumerId) })),
  { name: `evm-1@7 in hub ${HUB_HEIGHT - 1}`, chainId: HUB_CHAIN_ID, hubHeight: HUB_HEIGHT - 1, header: "hubPrevious", checkpoint: previous["evm-1"], proof: proofOf(previousCheckpoints, "evm-1") },
];
const sorted = [...checkpoints].sort((x, y) => Buffer.compare(Buffer.from(x.consumerId), Buffer.from(y.consumerId))).map((c) => c.consumerId);
sorted.forEach((id, i) => {
  if (proofOf(checkpoints, id).index !== i) throw new Error(`tree order: ${id}`);
});
const base = current["evm-1"]; // index 1 of 5: a path of 3
const baseProof = proofOf(checkpoints, "evm-1");
const lastProof = proofOf(checkpoints, sorted[4]); // index 4 of 5: a path of 1 (the right-most leaf climbs)
// The tree size is not bound by the root (RFC 6962, decision 36): a leaf left of every split has the same path in a bigger tree.
valid.push({ name: "evm-1's path with total 8 instead of 5 (the tree size is not bound: same hashing order)", chainId: HUB_CHAIN_ID, hubHeight: HUB_HEIGHT, header: "hub", checkpoint: base, proof: { ...baseProof, total: 8 } });

const flip = (b, i = 31) => {
  const c = Uint8Array.from(b);
  c[i] ^= 1;
  return c;
};
const NOT_INCLUDED = ["CHECKPOINT_ERROR_NOT_INCLUDED", "CheckpointNotIncluded"];
const INVALID_PROOF = ["CHECKPOINT_ERROR_INVALID_PROOF", "InvalidInclusionProof"];
const MALFORMED = ["CHECKPOINT_ERROR_MALFORMED", "MalformedCheckpoint"];
const inHub = (name, [code, evmError], { checkpoint = base, proof = baseProof, header = "hub", hubHeight = HUB_HEIGHT } = {}) => ({ name, chainId: HUB_CHAIN_ID, hubHeight, header, checkpoint, proof, code, evmError });
const invalid = [
  inHub("a tampered sibling (leaf level)", NOT_INCLUDED, { proof: { ...baseProof, siblings: [flip(baseProof.siblings[0]), ...baseProof.siblings.slice(1)] } }),
  inHub("a tampered sibling (top level)", NOT_INCLUDED, { proof: { ...baseProof, siblings: [...baseProof.siblings.slice(0, 2), flip(baseProof.siblings[2], 0)] } }),
  inHub("another index with a path of the same length", NOT_INCLUDED, { proof: { ...baseProof, index: 0 } }),
  inHub("index equal to total", INVALID_PROOF, { proof: { ...baseProof, index: 5 } }),
  inHub("a wrong total whose path is shorter (4)", INVALID_PROOF, { proof: { ...baseProof, total: 4 } }),
  inHub("total 0", INVALID_PROOF, { proof: { ...baseProof, index: 0, total: 0 } }),
  inHub("the right-most leaf with total 6 (its path would be 2 long)", INVALID_PROOF, { checkpoint: current[sorted[4]], proof: { ...lastProof, total: 6 } }),
  inHub("a sibling too many", INVALID_PROOF, { proof: { ...baseProof, siblings: [...baseProof.siblings, h32(7)] } }),
  inHub("a sibling too few", INVALID_PROOF, { proof: { ...baseProof, siblings: baseProof.siblings.slice(0, -1) } }),
  inHub("the consumer's previous checkpoint with the current path", NOT_INCLUDED, { checkpoint: previous["evm-1"] }),
  inHub("the checkpoint with another state root", NOT_INCLUDED, { checkpoint: { ...base, stateRoot: flip(base.stateRoot) } }),
  inHub("the checkpoint with another height", NOT_INCLUDED, { checkpoint: { ...base, height: base.height + 1 } }),
  inHub("another consumer's checkpoint with evm-1's path", NOT_INCLUDED, { checkpoint: current.a }),
  inHub("another header: the previous hub block, which has evm-1@7", NOT_INCLUDED, { header: "hubPrevious", hubHeight: HUB_HEIGHT - 1 }),
  inHub("a consumer id in upper case", MALFORMED, { checkpoint: { ...base, consumerId: "EVM-1" } }),
  inHub("a consumer id of 65 bytes", MALFORMED, { checkpoint: { ...base, consumerId: LONG_ID + "x" } }),
  inHub("height 0", MALFORMED, { checkpoint: { ...base, height: 0 } }),
];
// Header cases: the header is not the finalized block of the height. On the SDK side that is the
// caller's check before verifyCheckpointInclusion (computeBlockHash(header) against a certified hash,
// the header's chain id and height), so they have no CheckpointError code.
const headerCases = [
  { name: "a height nothing finalized", hubHeight: HUB_HEIGHT - 2, header: "hub", evmError: "NotFinalized" },
  { name: "another block's header at a finalized height", hubHeight: HUB_HEIGHT, header: "hubPrevious", evmError: "HeaderMismatch" },
  { name: "the header finalized at another height than its own", hubHeight: HUB_HEIGHT + 1, header: "hub", evmError: "WrongHeaderHeight" },
  { name: "a header of another hub chain", hubHeight: HUB_HEIGHT + 2, header: "otherHub", evmError: "WrongHubChain" },
  { name: "bytes that are not a canonical header", hubHeight: HUB_HEIGHT + 3, header: "notAHeader", evmError: "MalformedHeader" },
].map((c) => ({ ...c, chainId: HUB_CHAIN_ID, checkpoint: base, proof: baseProof }));

// Check every expectation against the SDK before writing.
const sdkOutcome = (c) => {
  try {
    sdk.verifyCheckpointInclusion(c.checkpoint, c.proof, headers[c.header]);
    return "ok";
  } catch (e) {
    if (!(e instanceof sdk.CheckpointError)) throw e;
    return e.code;
  }
};
for (const c of valid) if (sdkOutcome(c) !== "ok") throw new Error(`valid case refused by the SDK: ${c.name}: ${sdkOutcome(c)}`);
for (const c of invalid) if (sdkOutcome(c) !== c.code) throw new Error(`${c.name}: the SDK gives ${sdkOutcome(c)}, expected ${c.code}`);
const finalizedHash = (chainId, height) => {
  const f = finalized[chainId].find((x) => x.height === height);
  return f && hex(sdk.sha256(headerBytes(f.header)));
};
for (const c of [...valid, ...invalid]) if (finalizedHash(c.chainId, c.hubHeight) !== hex(sdk.computeBlockHash(headers[c.header]))) throw new Error(`${c.name}: header not finalized`);

const caseJson = (c) => ({ ...c, checkpoint: cpJson(c.checkpoint), proof: proofJson(c.proof) });
const out = {
  comment:
    "Checkpoint inclusion in a hub block: written by generateCheckpoints.mjs, checked by checkpointVectors.test.ts (SDK) and test/evm/checkpointInclusion.test.ts (AegisFinality.verifyCheckpoint). `code`: the SDK's CheckpointError code; `evmError`: the contract's custom error.",
  hubChainId: HUB_CHAIN_ID,
  zkChainId: sdk.computeZkChainId(HUB_CHAIN_ID).toString(),
  otherHubChainId: OTHER_HUB_CHAIN_ID,
  otherZkChainId: sdk.computeZkChainId(OTHER_HUB_CHAIN_ID).toString(),
  checkpoints: checkpoints.map((cp) => ({ ...cpJson(cp), encoding: hex(sdk.encodeCheckpointCanonical(cp)), hash: hex(sdk.computeCheckpointHash(cp)) })),
  treeOrder: sorted,
  consumerCheckpointRoot: hex(root),
  proofs: Object.fromEntries(sorted.map((id) => [id, proofJson(proofOf(checkpoints, id))])),
  previousCheckpoints: previousCheckpoints.map((cp) => ({ ...cpJson(cp), encoding: hex(sdk.encodeCheckpointCanonical(cp)), hash: hex(sdk.computeCheckpointHash(cp)) })),
  previousConsumerCheckpointRoot: hex(previousRoot),
  headers: { ...Object.fromEntries(Object.entries(headers).map(([k, h]) => [k, headerJson(h)])), notAHeader: { encoding: hex(notAHeader), blockHash: hex(sdk.sha256(notAHeader)) } },
  finalized: Object.fromEntries(Object.entries(finalized).map(([chainId, list]) => [chainId, list.map((f) => ({ ...f, blockHash: hex(sdk.sha256(headerBytes(f.header))) }))])),
  valid: valid.map(caseJson),
  invalid: invalid.map(caseJson),
  headerCases: headerCases.map(caseJson),
};
writeFileSync(join(here, "checkpoints.json"), JSON.stringify(out, null, 2) + "\n");
console.log(`checkpoints.json: ${out.valid.length} valid, ${out.invalid.length} invalid, ${out.headerCases.length} header cases`);
