// Consumer checkpoints in the SDK: the canonical encoding and its hash (golden bytes), producer
// signatures (real ed25519; another hub chain id, another checkpoint, another key refused), the
// consumer-checkpoint root (sorted by id, order-independent, empty = EMPTY_MERKLE_ROOT) and RFC 6962
// audit paths for every index of trees of 1..33 leaves, checked against computeMerkleRoot, with
// tampered paths, leaves and indices refused. The golden hash and signature were computed
// independently (Python hashlib and OpenSSL's Ed25519 through `cryptography`).
import fc from "fast-check";
import {
  CheckpointError,
  computeCheckpointHash,
  computeCheckpointInclusionProof,
  computeCheckpointLeafHash,
  computeMerkleLeafHash,
  computeMerkleRootOfLeafHashes,
  computeCheckpointSignBytes,
  computeConsumerCheckpointRoot,
  computeMerklePathLength,
  computeMerkleProof,
  computeMerkleRoot,
  computeMerkleRootFromProof,
  EMPTY_MERKLE_ROOT,
  encodeCheckpointCanonical,
  getCheckpointProducerPublicKey,
  isConsumerId,
  isValidCheckpointProducerKey,
  isValidCheckpointSignature,
  sha256,
  signCheckpoint,
  toHex,
  verifyCheckpointInclusion,
  verifyMerkleProof,
  ZERO_CHECKPOINT_HASH,
  type ConsumerCheckpoint,
  type MerkleProof,
} from "../src/index.js";

const fill = (b: number) => new Uint8Array(32).fill(b);
const CP: ConsumerCheckpoint = { consumerId: "evm-1", height: 7, blockHash: fill(0xaa), parentCheckpointHash: ZERO_CHECKPOINT_HASH, stateRoot: fill(0xbb) };
const SK = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const HUB = "aegis-test-1";

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    if (e instanceof CheckpointError) return e.code;
    throw e;
  }
  return undefined;
};

describe("canonical encoding", () => {
  test("golden bytes and hash", () => {
    const u32 = (n: number) => n.toString(16).padStart(8, "0");
    const str = (s: string) => u32(s.length) + Buffer.from(s, "utf8").toString("hex");
    const expected = str("aegis/consumer-checkpoint/v1") + str("evm-1") + "0000000000000007" + "aa".repeat(32) + "00".repeat(32) + "bb".repeat(32);
    expect(toHex(encodeCheckpointCanonical(CP))).toBe(expected);
    expect(toHex(computeCheckpointHash(CP))).toBe(toHex(sha256(Buffer.from(expected, "hex"))));
    expect(toHex(computeCheckpointHash(CP))).toBe("4fb1e7abec1d49c35220ec950e7a4c88cf2765c9ca98841a454bb2cbff443115");
    const signBytes = str("aegis/checkpoint/v1") + str(HUB) + u32(expected.length / 2) + expected;
    expect(toHex(computeCheckpointSignBytes(HUB, CP))).toBe(signBytes);
  });

  test("every field changes the hash", () => {
    const base = toHex(computeCheckpointHash(CP));
    for (const v of [{ consumerId: "evm-2" }, { height: 8 }, { blockHash: fill(1) }, { parentCheckpointHash: fill(1) }, { stateRoot: fill(1) }]) {
      expect(toHex(computeCheckpointHash({ ...CP, ...v }))).not.toBe(base);
    }
  });

  test.each([
    ["an empty id", { consumerId: "" }, "consumerId"],
    ["an upper-case id", { consumerId: "EVM" }, "consumerId"],
    ["a 65-character id", { consumerId: "a".repeat(65) }, "consumerId"],
    ["height 0", { height: 0 }, "height"],
    ["an unsafe height", { height: 2 ** 53 }, "height"],
    ["a 31-byte block hash", { blockHash: new Uint8Array(31) }, "blockHash"],
    ["a 33-byte parent", { parentCheckpointHash: new Uint8Array(33) }, "parentCheckpointHash"],
    ["no state root", { stateRoot: undefined as unknown as Uint8Array }, "stateRoot"],
  ])("refuses %s (CHECKPOINT_ERROR_MALFORMED)", (_n, over, field) => {
    let err: unknown;
    try {
      encodeCheckpointCanonical({ ...CP, ...over });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as CheckpointError).type).toMatchObject({ code: "CHECKPOINT_ERROR_MALFORMED", field });
  });

  test("consumer ids", () => {
    for (const ok of ["a", "evm-1", "utxo_chain.2", "0", "a".repeat(64)]) expect(isConsumerId(ok)).toBe(true);
    for (const bad of ["", "A", "a b", "é", "a/b", "a".repeat(65), 5, null]) expect(isConsumerId(bad)).toBe(false);
  });
});

describe("producer signatures", () => {
  const pk = getCheckpointProducerPublicKey(SK);
  const sig = signCheckpoint(SK, HUB, CP);

  test("sign and verify (deterministic RFC 8032; golden signature from OpenSSL's Ed25519 over the same bytes)", () => {
    expect(toHex(sig)).toBe("114dd9a287af529e5854e190dfdce3c8519ddef05aa234054582cf8e481a502e2a64f5fdbfd0c13e5242d27b14e9d2996549368a33e028dd8a73b663540a3309");
    expect(toHex(signCheckpoint(SK, HUB, CP))).toBe(toHex(sig));
    expect(isValidCheckpointSignature(pk, HUB, CP, sig)).toBe(true);
  });

  test("another hub chain id, another checkpoint, another key, a flipped bit: refused", () => {
    expect(isValidCheckpointSignature(pk, "aegis-test-2", CP, sig)).toBe(false);
    expect(isValidCheckpointSignature(pk, HUB, { ...CP, height: 8 }, sig)).toBe(false);
    expect(isValidCheckpointSignature(getCheckpointProducerPublicKey(fill(9)), HUB, CP, sig)).toBe(false);
    for (const i of [0, 31, 32, 63]) {
      const bad = sig.slice();
      bad[i]! ^= 1;
      expect(isValidCheckpointSignature(pk, HUB, CP, bad)).toBe(false);
    }
  });

  test("malformed input is false, never a throw", () => {
    expect(isValidCheckpointSignature(pk, HUB, CP, sig.subarray(0, 63))).toBe(false);
    expect(isValidCheckpointSignature(pk.subarray(0, 31), HUB, CP, sig)).toBe(false);
    expect(isValidCheckpointSignature(pk, "", CP, sig)).toBe(false);
    expect(isValidCheckpointSignature(pk, HUB, { ...CP, consumerId: "X" }, sig)).toBe(false);
  });

  test("s >= L (a malleated signature) is refused", () => {
    const L = (1n << 252n) + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i]!);
    const s2 = s + L;
    const bad = sig.slice();
    for (let i = 0; i < 32; i++) bad[32 + i] = Number((s2 >> BigInt(8 * i)) & 0xffn);
    expect(s2 < 1n << 256n).toBe(true);
    expect(isValidCheckpointSignature(pk, HUB, CP, bad)).toBe(false);
  });

  test("producer keys: a point not of small order", () => {
    expect(isValidCheckpointProducerKey(pk)).toBe(true);
    expect(isValidCheckpointProducerKey(new Uint8Array(32))).toBe(false); // y = 0: not on the curve... or small order
    const identity = new Uint8Array(32);
    identity[0] = 1; // the identity point (small order)
    expect(isValidCheckpointProducerKey(identity)).toBe(false);
    expect(isValidCheckpointProducerKey(new Uint8Array(32).fill(0xff))).toBe(false); // non-canonical
    expect(isValidCheckpointProducerKey(pk.subarray(0, 31))).toBe(false);
  });
});

describe("RFC 6962 audit paths", () => {
  const leavesOf = (n: number) => Array.from({ length: n }, (_, i) => Uint8Array.of(i, i * 3, 0x5a));

  test("n = 0..40: the root over leaf hashes is the root over leaf data; another order is another root", () => {
    for (let n = 0; n <= 40; n++) {
      const leaves = leavesOf(n);
      const hashes = leaves.map(computeMerkleLeafHash);
      expect(toHex(computeMerkleRootOfLeafHashes(hashes))).toBe(toHex(computeMerkleRoot(leaves)));
      if (n > 1) expect(toHex(computeMerkleRootOfLeafHashes([...hashes].reverse()))).not.toBe(toHex(computeMerkleRoot(leaves)));
    }
    expect(toHex(computeMerkleRootOfLeafHashes([]))).toBe(toHex(EMPTY_MERKLE_ROOT));
  });

  test("n = 1..33, every index: the path leads to computeMerkleRoot, and any tampering does not", () => {
    for (let n = 1; n <= 33; n++) {
      const leaves = leavesOf(n);
      const root = computeMerkleRoot(leaves);
      for (let i = 0; i < n; i++) {
        const proof = computeMerkleProof(leaves, i);
        expect(proof.siblings.length).toBe(computeMerklePathLength(i, n));
        expect(toHex(computeMerkleRootFromProof(leaves[i]!, proof)!)).toBe(toHex(root));
        expect(verifyMerkleProof(leaves[i]!, proof, root)).toBe(true);
        // another leaf's data
        expect(verifyMerkleProof(Uint8Array.of(0xff), proof, root)).toBe(false);
        if (n > 1) expect(verifyMerkleProof(leaves[(i + 1) % n]!, proof, root)).toBe(false);
        // another index
        for (const j of [i - 1, i + 1, n, -1]) expect(verifyMerkleProof(leaves[i]!, { ...proof, index: j }, root)).toBe(false);
        // (the total is not bound by the root alone: a path for index 0 of 5 leaves is also one of 6; the index and the leaf are)
        // a flipped sibling byte, a missing or an extra sibling
        proof.siblings.forEach((_, k) => {
          const siblings = proof.siblings.map((s) => s.slice());
          siblings[k]![0]! ^= 1;
          expect(verifyMerkleProof(leaves[i]!, { ...proof, siblings }, root)).toBe(false);
        });
        if (proof.siblings.length > 0) expect(verifyMerkleProof(leaves[i]!, { ...proof, siblings: proof.siblings.slice(1) }, root)).toBe(false);
        expect(verifyMerkleProof(leaves[i]!, { ...proof, siblings: [...proof.siblings, root] }, root)).toBe(false);
      }
    }
  });

  test("a path for another total never verifies against this tree's root (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.nat(), (n, m, x) => {
        const leaves = leavesOf(Math.max(n, m));
        const i = x % Math.min(n, m);
        const proof = computeMerkleProof(leaves.slice(0, m), i);
        const ok = verifyMerkleProof(leaves[i]!, { ...proof, total: n }, computeMerkleRoot(leaves.slice(0, n)));
        return ok === (n === m || toHex(computeMerkleRoot(leaves.slice(0, n))) === toHex(computeMerkleRoot(leaves.slice(0, m))));
      }),
    );
  });

  test("computeMerkleProof refuses an index outside the leaves", () => {
    expect(() => computeMerkleProof([], 0)).toThrow(RangeError);
    expect(() => computeMerkleProof(leavesOf(3), 3)).toThrow(RangeError);
  });
});

describe("consumer-checkpoint root and inclusion", () => {
  test("a checkpoint's leaf hash is its leaf in the root: the root of leaf hashes sorted by id is computeConsumerCheckpointRoot", () => {
    const cps = ["b", "a", "c.1", "a-2"].map((consumerId, i) => ({ ...CP, consumerId, height: i + 1 }));
    const sorted = [...cps].sort((x, y) => (x.consumerId < y.consumerId ? -1 : 1));
    expect(toHex(computeCheckpointLeafHash(CP))).toBe(toHex(computeMerkleLeafHash(encodeCheckpointCanonical(CP))));
    expect(toHex(computeMerkleRootOfLeafHashes(sorted.map(computeCheckpointLeafHash)))).toBe(toHex(computeConsumerCheckpointRoot(cps)));
  });

  const cps: ConsumerCheckpoint[] = ["utxo", "evm-1", "accounts", "b", "a.b", "a-b", "a_b"].map((consumerId, i) => ({
    consumerId,
    height: 10 + i,
    blockHash: fill(i + 1),
    parentCheckpointHash: fill(i + 50),
    stateRoot: fill(i + 100),
  }));

  test("no consumers: EMPTY_MERKLE_ROOT; otherwise the Merkle root of the encodings sorted by id bytes, whatever the input order", () => {
    expect(computeConsumerCheckpointRoot([])).toEqual(EMPTY_MERKLE_ROOT);
    const sorted = [...cps].sort((x, y) => Buffer.compare(Buffer.from(x.consumerId), Buffer.from(y.consumerId)));
    expect(sorted.map((c) => c.consumerId)).toEqual(["a-b", "a.b", "a_b", "accounts", "b", "evm-1", "utxo"]);
    const root = computeConsumerCheckpointRoot(cps);
    expect(toHex(root)).toBe(toHex(computeMerkleRoot(sorted.map(encodeCheckpointCanonical))));
    expect(toHex(computeConsumerCheckpointRoot([...cps].reverse()))).toBe(toHex(root));
    expect(toHex(computeConsumerCheckpointRoot([{ ...cps[0]!, height: 99 }, ...cps.slice(1)]))).not.toBe(toHex(root));
  });

  test("two checkpoints of one consumer: CHECKPOINT_ERROR_DUPLICATE_CONSUMER", () => {
    expect(codeOf(() => computeConsumerCheckpointRoot([cps[0]!, { ...cps[0]!, height: 99 }]))).toBe("CHECKPOINT_ERROR_DUPLICATE_CONSUMER");
  });

  test("every consumer's checkpoint verifies against a header with the root; tampering is refused with its code", () => {
    const header = { consumerCheckpointRoot: computeConsumerCheckpointRoot(cps) };
    for (const c of cps) {
      const { checkpoint, proof } = computeCheckpointInclusionProof(cps, c.consumerId);
      expect(checkpoint).toBe(c);
      expect(codeOf(() => verifyCheckpointInclusion(c, proof, header))).toBeUndefined();
      expect(codeOf(() => verifyCheckpointInclusion({ ...c, stateRoot: fill(0) }, proof, header))).toBe("CHECKPOINT_ERROR_NOT_INCLUDED");
      expect(codeOf(() => verifyCheckpointInclusion(c, proof, { consumerCheckpointRoot: fill(0) }))).toBe("CHECKPOINT_ERROR_NOT_INCLUDED");
      const siblings = proof.siblings.map((s) => s.slice());
      siblings[0]![5]! ^= 0x80;
      expect(codeOf(() => verifyCheckpointInclusion(c, { ...proof, siblings }, header))).toBe("CHECKPOINT_ERROR_NOT_INCLUDED");
      expect(codeOf(() => verifyCheckpointInclusion(c, { ...proof, index: (proof.index + 1) % cps.length }, header))).toMatch(/NOT_INCLUDED|INVALID_PROOF/);
      expect(codeOf(() => verifyCheckpointInclusion(c, { ...proof, index: cps.length }, header))).toBe("CHECKPOINT_ERROR_INVALID_PROOF");
      expect(codeOf(() => verifyCheckpointInclusion(c, { ...proof, siblings: proof.siblings.slice(1) }, header))).toBe("CHECKPOINT_ERROR_INVALID_PROOF");
      expect(codeOf(() => verifyCheckpointInclusion(c, { ...proof, siblings: [new Uint8Array(31), ...proof.siblings.slice(1)] }, header))).toBe("CHECKPOINT_ERROR_INVALID_PROOF");
      expect(codeOf(() => verifyCheckpointInclusion({ ...c, consumerId: "Bad" }, proof, header))).toBe("CHECKPOINT_ERROR_MALFORMED");
    }
    expect(codeOf(() => computeCheckpointInclusionProof(cps, "nobody"))).toBe("CHECKPOINT_ERROR_UNKNOWN_CONSUMER");
  });

  test("one consumer: an empty path against the leaf hash", () => {
    const { proof } = computeCheckpointInclusionProof([CP], CP.consumerId);
    expect(proof).toEqual<MerkleProof>({ index: 0, total: 1, siblings: [] });
    expect(codeOf(() => verifyCheckpointInclusion(CP, proof, { consumerCheckpointRoot: computeConsumerCheckpointRoot([CP]) }))).toBeUndefined();
  });
});
