import fc from "fast-check";
import { createMerkleProof, verifyMerkleProof } from "@ethereumjs/mpt";
import { decodeNode, EMPTY_TRIE_ROOT, StateProofError, toNibbles, verifyStateProof, type TrieNode } from "@aegis/consumer-sdk";
import { buildTrie, PatriciaTrie, type TrieChange, type TrieNodeLoader } from "../../src/state/patriciaTrie.js";
import { StateError } from "../../src/state/stateError.js";
import { detachChildren } from "../../src/state/trieNode.js";
import { b, codeOf, compareBytes, hex, ModelStore, referenceRoot, referenceTrie, smallKey, smallValue, utf8 } from "./fixtures.js";

/** Stored nodes in a Map; `load` decodes from the encoding (or returns an adopted node, like TrieNodeStore). */
class MemoryNodes implements TrieNodeLoader {
  readonly encoded = new Map<string, Uint8Array>();
  readonly adopted = new Map<string, TrieNode>();
  loads = 0;
  peek(hash: Uint8Array): TrieNode | undefined {
    return this.adopted.get(hex(hash));
  }
  async load(hash: Uint8Array): Promise<TrieNode> {
    this.loads++;
    const h = hex(hash);
    const a = this.adopted.get(h);
    if (a !== undefined) return a;
    const enc = this.encoded.get(h);
    if (enc === undefined) throw new StateError({ code: "STATE_ERROR_CORRUPT", key: h, reason: "missing trie node" });
    return decodeNode(enc, hash);
  }
  store(nodes: readonly TrieNode[], adopt: boolean): void {
    for (const n of nodes) this.encoded.set(hex(n.hash!), n.enc!);
    if (adopt) {
      for (const n of nodes) {
        detachChildren(n);
        this.adopted.set(hex(n.hash!), n);
      }
    }
  }
}

function changesOf(pairs: Iterable<[Uint8Array, Uint8Array | null]>): TrieChange[] {
  const byKey = new Map<string, [Uint8Array, Uint8Array | null]>();
  for (const [k, v] of pairs) byKey.set(hex(k), [k, v]);
  return [...byKey.values()].sort((x, y) => compareBytes(x[0], y[0])).map(([k, v]) => ({ nibbles: toNibbles(k), value: v }));
}

function sortedEntries(pairs: Iterable<[Uint8Array, Uint8Array]>): [Uint8Array, Uint8Array][] {
  const m = new ModelStore(pairs);
  return m.entries();
}

describe("format", () => {
  test("the empty trie root is keccak256(RLP(''))", async () => {
    expect(hex(EMPTY_TRIE_ROOT)).toBe("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");
    expect(buildTrie([]).root).toEqual(EMPTY_TRIE_ROOT);
    expect(await referenceRoot([])).toEqual(EMPTY_TRIE_ROOT);
  });

  test("the Ethereum trie test vector 'puppy' (do, dog, doge, horse)", async () => {
    const entries: [Uint8Array, Uint8Array][] = [
      [utf8("do"), utf8("verb")],
      [utf8("dog"), utf8("puppy")],
      [utf8("doge"), utf8("coin")],
      [utf8("horse"), utf8("stallion")],
    ];
    const root = buildTrie(entries).root;
    expect(hex(root)).toBe("5991bb8c6514148a29db676a14ac506cd2cd5775ace63c30a4fe457715e9ac84");
    expect(root).toEqual(await referenceRoot(entries));
  });
});

describe("roots agree with @ethereumjs/mpt", () => {
  test("property: a trie built at once has the reference root", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(smallKey, smallValue), { maxLength: 40 }), async (pairs) => {
        const entries = sortedEntries(pairs);
        expect(hex(buildTrie(entries).root)).toBe(hex(await referenceRoot(entries)));
      }),
      { numRuns: 200 },
    );
  });

  test("property: successive batched updates (puts, overwrites, deletes) give the reference root", async () => {
    const batch = fc.array(fc.tuple(smallKey, fc.option(smallValue, { freq: 3 })), { maxLength: 25 });
    await fc.assert(
      fc.asyncProperty(fc.array(batch, { minLength: 1, maxLength: 5 }), fc.boolean(), async (batches, adopt) => {
        const nodes = new MemoryNodes();
        const trie = new PatriciaTrie({}, { nodes });
        const model = new ModelStore();
        let root = EMPTY_TRIE_ROOT;
        for (const changes of batches) {
          const update = await trie.update(root, changesOf(changes));
          nodes.store(update.nodes, adopt);
          root = update.root;
          for (const [k, v] of changes) {
            if (v === null) model.delete(k);
            else model.set(k, v);
          }
          expect(hex(root)).toBe(hex(await referenceRoot(model.entries())));
        }
        // every key's value is readable (and provable) from the stored nodes
        for (const [k, v] of model.entries()) expect((await trie.prove(root, k)).value).toEqual(v);
      }),
      { numRuns: 150 },
    );
  });

  test("property: long keys (up to 256 bytes) and long values (up to 70,000 bytes) give the reference root", async () => {
    const longKey = fc.oneof(
      smallKey,
      fc.uint8Array({ minLength: 1, maxLength: 256 }),
      fc.uint8Array({ minLength: 200, maxLength: 256 }).map((k) => k.fill(7, 0, 150)),
    );
    const longValue = fc.oneof(
      smallValue,
      fc.uint8Array({ minLength: 50, maxLength: 300 }),
      fc.constantFrom(new Uint8Array(70_000).fill(3), new Uint8Array(65_536).fill(4)),
    );
    const firstArb = fc.array(fc.tuple(longKey, longValue), { maxLength: 12 });
    const secondArb = fc.array(fc.tuple(longKey, fc.option(longValue)), { maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(firstArb, secondArb, async (first, second) => {
        const nodes = new MemoryNodes();
        const trie = new PatriciaTrie({}, { nodes });
        const model = new ModelStore(first);
        const u1 = await trie.update(EMPTY_TRIE_ROOT, changesOf(first));
        nodes.store(u1.nodes, false);
        expect(hex(u1.root)).toBe(hex(await referenceRoot(model.entries())));
        expect(hex(buildTrie(model.entries()).root)).toBe(hex(u1.root));
        const u2 = await trie.update(u1.root, changesOf(second));
        for (const [k, v] of second) {
          if (v === null) model.delete(k);
          else model.set(k, v);
        }
        expect(hex(u2.root)).toBe(hex(await referenceRoot(model.entries())));
      }),
      { numRuns: 60 },
    );
  });

  test("the root depends on the content only, not on the order or batching of writes", async () => {
    const pairs: [Uint8Array, Uint8Array][] = [];
    for (let i = 0; i < 300; i++) pairs.push([b(i % 7, i & 0xff, i >> 8), b(i & 0xff, 1)]);
    const once = buildTrie(sortedEntries(pairs)).root;
    const nodes = new MemoryNodes();
    const trie = new PatriciaTrie({}, { nodes });
    let root = EMPTY_TRIE_ROOT;
    const shuffled = [...pairs].reverse();
    for (let i = 0; i < shuffled.length; i += 37) {
      const u = await trie.update(root, changesOf(shuffled.slice(i, i + 37)));
      nodes.store(u.nodes, false);
      root = u.root;
    }
    expect(root).toEqual(once);
    // add then remove extra keys: back to the same root
    const extra = await trie.update(root, changesOf([[b(9, 9), b(1)], [b(0, 0, 0, 1), b(2)]]));
    nodes.store(extra.nodes, false);
    expect(extra.root).not.toEqual(once);
    const back = await trie.update(extra.root, changesOf([[b(9, 9), null], [b(0, 0, 0, 1), null]]));
    expect(back.root).toEqual(once);
    expect(back.nodes.length).toBeGreaterThan(0);
  });

  test("a leaf hint (the only entry under a prefix, from the key-values in memory) spares leaf reads", async () => {
    const pairs: [Uint8Array, Uint8Array][] = [];
    for (let i = 0; i < 500; i++) pairs.push([b(i & 0xff, i >> 8, 1, 2, 3), new Uint8Array(40).fill(i)]);
    const model = new ModelStore(pairs);
    const hint = (nibbles: Uint8Array, depth: number) => {
      const under = model.entries().filter(([k]) => toNibbles(k).subarray(0, depth).every((x, i) => x === nibbles[i]));
      return under.length === 1 ? under[0] : undefined;
    };
    const changes = changesOf([...pairs.filter((_, i) => i % 3 === 0).map(([k]) => [k, b(9)] as [Uint8Array, Uint8Array]), [b(7, 7), b(1)]]);
    const results: Uint8Array[] = [];
    const loads: number[] = [];
    for (const h of [undefined, hint]) {
      const nodes = new MemoryNodes();
      const trie = new PatriciaTrie({}, { nodes });
      const u = await trie.update(EMPTY_TRIE_ROOT, changesOf(pairs));
      nodes.store(u.nodes, false);
      nodes.loads = 0;
      results.push((await trie.update(u.root, changes, h)).root);
      loads.push(nodes.loads);
    }
    expect(results[1]).toEqual(results[0]);
    expect(loads[0]! - loads[1]!).toBe(pairs.filter((_, i) => i % 3 === 0).length); // no read of the updated leaves
  });

  test("no-op changes (absent deletes, same values) keep the root and store nothing", async () => {
    const nodes = new MemoryNodes();
    const trie = new PatriciaTrie({}, { nodes });
    const first = await trie.update(EMPTY_TRIE_ROOT, changesOf([[b(1), b(1)], [b(1, 2), b(2)], [b(3), b(3)]]));
    nodes.store(first.nodes, false);
    const again = await trie.update(first.root, changesOf([[b(1), b(1)], [b(2), null], [b(1, 2, 3), null], [b(3), b(3)]]));
    expect(again.root).toEqual(first.root);
    expect(again.nodes).toEqual([]);
    const empty = await trie.update(EMPTY_TRIE_ROOT, changesOf([[b(1), null]]));
    expect(empty.root).toEqual(EMPTY_TRIE_ROOT);
  });

  test("deleting everything gives the empty root", async () => {
    const nodes = new MemoryNodes();
    const trie = new PatriciaTrie({}, { nodes });
    const pairs: [Uint8Array, Uint8Array][] = [
      [b(1), b(1)],
      [b(1, 2), new Uint8Array(40).fill(2)],
      [b(0xff), b(3)],
    ];
    const u = await trie.update(EMPTY_TRIE_ROOT, changesOf(pairs));
    nodes.store(u.nodes, false);
    const d = await trie.update(u.root, changesOf(pairs.map(([k]) => [k, null])));
    expect(d.root).toEqual(EMPTY_TRIE_ROOT);
  });
});

// Proof generation here; verification is the consumer SDK's (consumer-sdk/test/stateProof.test.ts), checked
// here on the hub's proofs and against @ethereumjs/mpt both ways.
describe("proofs", () => {
  async function fixture() {
    const nodes = new MemoryNodes();
    const trie = new PatriciaTrie({}, { nodes });
    const pairs: [Uint8Array, Uint8Array][] = [];
    for (let i = 0; i < 200; i++) pairs.push([b(0x10, i, i % 3), new Uint8Array(1 + (i % 40)).fill(i)]);
    pairs.push([b(0x10), b(1)], [b(0x20, 1), b(2)], [b(0x20, 2), b(3)]);
    const u = await trie.update(EMPTY_TRIE_ROOT, changesOf(pairs));
    nodes.store(u.nodes, false);
    return { trie, root: u.root, pairs };
  }

  test("membership and absence proofs verify here and with @ethereumjs/mpt", async () => {
    const { trie, root, pairs } = await fixture();
    const absent = [b(0x10, 5), b(0x10, 5, 2, 9), b(0x30), b(0x20), b(0x20, 1, 0), b(0x0f), b(0x10, 0xff, 0xff)];
    for (const [k, v] of [...pairs.slice(0, 30), ...pairs.slice(-3)]) {
      const p = await trie.prove(root, k);
      expect(p.value).toEqual(v);
      expect(await verifyStateProof(root, k, p.proof)).toEqual(v);
      expect(await verifyMerkleProof(k, p.proof, { root, useKeyHashing: false })).toEqual(v);
    }
    for (const k of absent) {
      const p = await trie.prove(root, k);
      expect(p.value).toBeNull();
      expect(await verifyStateProof(root, k, p.proof)).toBeNull();
      expect(await verifyMerkleProof(k, p.proof, { root, useKeyHashing: false })).toBeNull();
    }
  });

  test("proofs made by @ethereumjs/mpt verify with verifyStateProof", async () => {
    const { pairs, root } = await fixture();
    const ref = await referenceTrie(pairs);
    expect(ref.root()).toEqual(root);
    for (const k of [pairs[0]![0], pairs[77]![0], b(0x10), b(0x20, 2), b(0x10, 5), b(0x44)]) {
      const proof = await createMerkleProof(ref, k);
      expect(await verifyStateProof(root, k, proof)).toEqual(await ref.get(k));
    }
  });

  test("a tampered proof, a missing node or a wrong root is STATE_ERROR_INVALID_PROOF", async () => {
    const { trie, root, pairs } = await fixture();
    const [k] = pairs[42]!;
    const { proof } = await trie.prove(root, k);
    expect(proof.length).toBeGreaterThan(1);
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
    expect(await codeOf(() => verifyStateProof(root, k, []))).toBe("STATE_ERROR_INVALID_PROOF");
    expect(await codeOf(() => verifyStateProof(root, new Uint8Array(0), proof))).toBe("STATE_ERROR_INVALID_KEY");
    // another key's proof either lacks nodes for this key or (shared path) proves its true value, never another
    for (const [i] of [[43], [100], [150]] as const) {
      const other = (await trie.prove(root, pairs[i]![0])).proof;
      const r = await verifyStateProof(root, k, other).catch((e: StateProofError) => e.code);
      if (r !== "STATE_ERROR_INVALID_PROOF") expect(r).toEqual(pairs[42]![1]);
    }
  });

  test("the empty trie proves every key absent", async () => {
    expect(await verifyStateProof(EMPTY_TRIE_ROOT, b(1), [])).toBeNull();
  });
});
