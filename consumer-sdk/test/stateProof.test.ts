import fc from "fast-check";
import {
  EMPTY_TRIE_ROOT,
  encodeRlpList,
  keccak256,
  MAX_STATE_KEY_LENGTH,
  RLP_EMPTY,
  StateProofError,
  toHex,
  utf8,
  verifyStateProof,
} from "../src/index.js";
import { referenceTrie } from "./helpers/referenceTrie.js";

// The hub builds the trie and makes the proofs (hub/test/state checks them with this verifier and against
// @ethereumjs/mpt both ways). Here a naive reference builder (helpers/referenceTrie.ts, from the yellow paper's appendix D)
// makes tries and proofs of every shape; Ethereum's 'puppy' vector and the empty root pin its format.

const b = (...bytes: number[]): Uint8Array => Uint8Array.of(...bytes);

async function codeOf(f: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await f();
    return undefined;
  } catch (e) {
    if (e instanceof StateProofError) return e.code;
    throw e;
  }
}

const puppy: [Uint8Array, Uint8Array][] = [
  [utf8("do"), utf8("verb")],
  [utf8("dog"), utf8("puppy")],
  [utf8("doge"), utf8("coin")],
  [utf8("horse"), utf8("stallion")],
];

/** Keys of every shape: prefixes of each other (branch values), a shared run (extension), long values. */
function mixedPairs(): [Uint8Array, Uint8Array][] {
  const pairs: [Uint8Array, Uint8Array][] = [];
  for (let i = 0; i < 60; i++) pairs.push([b(0x10, i, i % 3), new Uint8Array(1 + (i % 40)).fill(i)]);
  pairs.push([b(0x10), b(1)], [b(0x20, 1), b(2)], [b(0x20, 2), new Uint8Array(100).fill(3)], [b(0x77, 0x77, 0x77, 0x77, 0x01), b(4)]);
  return pairs;
}

describe("the reference builder has Ethereum's format", () => {
  test("the empty trie root is keccak256(RLP(''))", () => {
    expect(toHex(EMPTY_TRIE_ROOT)).toBe("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");
    expect(toHex(keccak256(RLP_EMPTY))).toBe(toHex(EMPTY_TRIE_ROOT));
  });

  test("the trie test vector 'puppy' (do, dog, doge, horse)", () => {
    expect(toHex(referenceTrie(puppy).root)).toBe("5991bb8c6514148a29db676a14ac506cd2cd5775ace63c30a4fe457715e9ac84");
  });
});

describe("verifyStateProof", () => {
  test("membership and absence in the 'puppy' trie", async () => {
    for (const [k, v] of puppy) {
      const { root, proof } = referenceTrie(puppy, k);
      expect(await verifyStateProof(root, k, proof)).toEqual(v);
    }
    for (const k of ["d", "dogs", "doe", "h", "horses", "z", "dogecoin", "a"].map(utf8)) {
      const { root, proof } = referenceTrie(puppy, k);
      expect(await verifyStateProof(root, k, proof)).toBeNull();
    }
  });

  test("membership and absence through branches with values, extensions and embedded nodes", async () => {
    const pairs = mixedPairs();
    for (const [k, v] of pairs) {
      const { root, proof } = referenceTrie(pairs, k);
      expect(await verifyStateProof(root, k, proof)).toEqual(v);
    }
    for (const k of [b(0x10, 5), b(0x10, 5, 2, 9), b(0x30), b(0x20), b(0x20, 1, 0), b(0x0f), b(0x10, 0xff, 0xff), b(0x77, 0x77), b(0x77, 0x77, 0x78)]) {
      const { root, proof } = referenceTrie(pairs, k);
      expect(await verifyStateProof(root, k, proof)).toBeNull();
    }
  });

  test("a trie of one key: the root is a leaf, even below 32 bytes", async () => {
    const { root, proof } = referenceTrie([[b(1), b(2)]], b(1));
    expect(proof).toHaveLength(1);
    expect(proof[0]!.length).toBeLessThan(32);
    expect(await verifyStateProof(root, b(1), proof)).toEqual(b(2));
    expect(await verifyStateProof(root, b(1, 0), proof)).toBeNull();
    expect(await verifyStateProof(root, b(3), proof)).toBeNull();
  });

  test("property: every key proves its value, any other key proves absent", async () => {
    const key = fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 3 }).map((k) => k.map((x) => x % 4)), fc.uint8Array({ minLength: 1, maxLength: 40 }));
    const value = fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 4 }), fc.uint8Array({ minLength: 30, maxLength: 100 }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, value), { maxLength: 30 }), fc.array(key, { maxLength: 5 }), async (entries, others) => {
        const byKey = new Map(entries.map(([k, v]) => [toHex(k), [k, v] as [Uint8Array, Uint8Array]]));
        const pairs = [...byKey.values()];
        for (const [k, v] of pairs) {
          const { root, proof } = referenceTrie(pairs, k);
          expect(await verifyStateProof(root, k, proof)).toEqual(v);
        }
        for (const k of others) {
          const { root, proof } = referenceTrie(pairs, k);
          expect(await verifyStateProof(root, k, proof)).toEqual(byKey.get(toHex(k))?.[1] ?? null);
        }
      }),
      { numRuns: 200 },
    );
  });

  test("the empty trie proves every key absent, with no nodes", async () => {
    expect(await verifyStateProof(EMPTY_TRIE_ROOT, b(1), [])).toBeNull();
    expect(await verifyStateProof(EMPTY_TRIE_ROOT, new Uint8Array(MAX_STATE_KEY_LENGTH), [])).toBeNull();
  });

  test("nodes beyond those needed are ignored, in any order", async () => {
    const pairs = mixedPairs();
    const k = pairs[42]![0];
    const { root, proof } = referenceTrie(pairs, k);
    const extra = [...referenceTrie(pairs, pairs[7]![0]).proof, b(0xc0), ...proof.slice().reverse(), utf8("junk")];
    expect(await verifyStateProof(root, k, extra)).toEqual(pairs[42]![1]);
  });

  test("the value resolved is a copy: changing it changes neither the proof nor a second answer", async () => {
    const pairs = mixedPairs();
    const [k, v] = pairs[30]!;
    const { root, proof } = referenceTrie(pairs, k);
    const got = (await verifyStateProof(root, k, proof))!;
    got.fill(0xee);
    expect(await verifyStateProof(root, k, proof)).toEqual(v);
  });

  test("a tampered or missing node, a wrong root or a garbage node is STATE_ERROR_INVALID_PROOF", async () => {
    const pairs = mixedPairs();
    const [k] = pairs[42]!;
    const { root, proof } = referenceTrie(pairs, k);
    expect(proof.length).toBeGreaterThan(2);
    for (let i = 0; i < proof.length; i++) {
      const bad = proof.map((n) => n.slice());
      bad[i]![bad[i]!.length - 1]! ^= 1;
      expect(await codeOf(() => verifyStateProof(root, k, bad))).toBe("STATE_ERROR_INVALID_PROOF");
      expect(await codeOf(() => verifyStateProof(root, k, proof.filter((_, j) => j !== i)))).toBe("STATE_ERROR_INVALID_PROOF");
    }
    const wrongRoot = root.slice();
    wrongRoot[0]! ^= 1;
    expect(await codeOf(() => verifyStateProof(wrongRoot, k, proof))).toBe("STATE_ERROR_INVALID_PROOF");
    expect(await codeOf(() => verifyStateProof(root.subarray(1), k, proof))).toBe("STATE_ERROR_INVALID_PROOF");
    expect(await codeOf(() => verifyStateProof(new Uint8Array(33), k, proof))).toBe("STATE_ERROR_INVALID_PROOF");
    expect(await codeOf(() => verifyStateProof(root, k, []))).toBe("STATE_ERROR_INVALID_PROOF");
    expect(await codeOf(() => verifyStateProof(root, k, [...proof, "not bytes" as unknown as Uint8Array]))).toBe("STATE_ERROR_INVALID_PROOF");
    // bytes that hash to the root but are not a trie node (RLP, but a list of 3 items)
    const garbage = encodeRlpList([RLP_EMPTY, RLP_EMPTY, RLP_EMPTY]);
    const err = await verifyStateProof(keccak256(garbage), k, [garbage]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateProofError);
    expect((err as StateProofError).type).toEqual({ code: "STATE_ERROR_INVALID_PROOF", reason: expect.stringContaining("not a trie node") });
  });

  test("another key's proof either lacks nodes for this key or proves its true value, never another", async () => {
    const pairs = mixedPairs();
    const [k, v] = pairs[42]!;
    for (const i of [43, 10, 60, 61, 63]) {
      const { root, proof } = referenceTrie(pairs, pairs[i]![0]);
      const r = await verifyStateProof(root, k, proof).catch((e: StateProofError) => e.code);
      if (r !== "STATE_ERROR_INVALID_PROOF") expect(r).toEqual(v);
    }
  });

  test("a key that is not 1..256 bytes is STATE_ERROR_INVALID_KEY, whatever the proof", async () => {
    const { root, proof } = referenceTrie(puppy, utf8("dog"));
    for (const key of [new Uint8Array(0), new Uint8Array(MAX_STATE_KEY_LENGTH + 1), "dog" as unknown as Uint8Array]) {
      expect(await codeOf(() => verifyStateProof(root, key, proof))).toBe("STATE_ERROR_INVALID_KEY");
      expect(await codeOf(() => verifyStateProof(EMPTY_TRIE_ROOT, key, []))).toBe("STATE_ERROR_INVALID_KEY");
    }
    const long = new Uint8Array(MAX_STATE_KEY_LENGTH).fill(9);
    const t = referenceTrie([...puppy, [long, b(1)]], long);
    expect(await verifyStateProof(t.root, long, t.proof)).toEqual(b(1));
  });
});
