import fc from "fast-check";
import { EMPTY_TRIE_ROOT, verifyStateProof } from "@aegis/consumer-sdk";
import { jest } from "@jest/globals";
import { verifyMerkleProof } from "@ethereumjs/mpt";
import { HubDb } from "../../src/db/hubDb.js";
import { StateStore, type StateStoreOptions } from "../../src/state/stateStore.js";
import { StateView } from "../../src/state/stateView.js";
import { b, codeOf, codeOfSync, hex, makeTempDir, ModelStore, referenceRoot, smallKey, smallValue } from "./fixtures.js";

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let db: HubDb;

beforeEach(async () => {
  dir = await makeTempDir();
  db = await HubDb.open(dir.path);
});

afterEach(async () => {
  if (db.isOpen) await db.close();
  await dir.remove();
});

async function reopen(opts: StateStoreOptions = { verify: true }): Promise<StateStore> {
  await db.close();
  db = await HubDb.open(dir.path);
  return StateStore.open(opts, { db });
}

const all = (s: { iterate: StateView["iterate"] }) => [...s.iterate(new Uint8Array(0))].map(([k, v]) => [hex(k), hex(v)]);

function viewWith(store: StateStore, writes: [Uint8Array, Uint8Array | null][]): StateView {
  const v = store.createView();
  for (const [k, val] of writes) {
    if (val === null) v.delete(k);
    else v.set(k, val);
  }
  return v;
}

/** Every key under the `state` sublevel, to see what a call wrote. */
async function storedKeys(): Promise<string[]> {
  const out: string[] = [];
  for await (const k of db.stateModules.sublevel.keys()) out.push(k);
  return out;
}

test("an empty store", async () => {
  const store = await StateStore.open({}, { db });
  expect(store.height).toBe(0);
  expect(store.hasVersion).toBe(false);
  expect(store.root).toEqual(EMPTY_TRIE_ROOT);
  expect(all(store.committed)).toEqual([]);
  expect(await store.rootAt(0)).toBeUndefined();
  const p = await store.getProof(b(1));
  expect(p.value).toBeNull();
  expect(await verifyStateProof(p.root, p.key, p.proof)).toBeNull();
});

test("versions: genesis at 0, then one height at a time; roots of every version are kept", async () => {
  const store = await StateStore.open({}, { db });
  const r0 = await store.commit(0, viewWith(store, [[b(1), b(1)]]));
  expect(store.hasVersion).toBe(true);
  expect(store.height).toBe(0);
  const r1 = await store.commit(1, viewWith(store, [[b(2), b(2)]]));
  const r2 = await store.commit(2, viewWith(store, [[b(1), null]]));
  expect(store.height).toBe(2);
  expect(store.root).toEqual(r2);
  expect(await store.rootAt(0)).toEqual(r0);
  expect(await store.rootAt(1)).toEqual(r1);
  expect(await store.rootAt(2)).toEqual(r2);
  expect(await store.rootAt(3)).toBeUndefined();
  expect(all(store.committed)).toEqual([["02", "02"]]);
  expect(r2).toEqual(await referenceRoot([[b(2), b(2)]]));
});

test("a first commit may also be height 1; other heights are STATE_ERROR_INVALID_HEIGHT and change nothing", async () => {
  const store = await StateStore.open({}, { db });
  expect(await codeOf(() => store.commit(2, store.createView()))).toBe("STATE_ERROR_INVALID_HEIGHT");
  expect(await codeOf(() => store.commit(-1, store.createView()))).toBe("STATE_ERROR_INVALID_HEIGHT");
  await store.commit(1, viewWith(store, [[b(1), b(1)]]));
  for (const h of [0, 1, 3, 2.5, NaN]) {
    expect(await codeOf(() => store.commit(h, viewWith(store, [[b(9), b(9)]])))).toBe("STATE_ERROR_INVALID_HEIGHT");
  }
  expect(store.height).toBe(1);
  expect(all(store.committed)).toEqual([["01", "01"]]);
  expect(await codeOf(() => store.rootAt(-1))).toBe("STATE_ERROR_INVALID_ARGUMENT");
});

test("the largest key and value are stored, read back and proven after reopening", async () => {
  let store = await StateStore.open({}, { db });
  const key = new Uint8Array(256).fill(0xab);
  const value = new Uint8Array(1024 * 1024).map((_, i) => i & 0xff);
  await store.commit(0, viewWith(store, [[key, value], [b(1), b(1)]]));
  expect(store.root).toEqual(await referenceRoot([[key, value], [b(1), b(1)]]));
  store = await reopen();
  expect(store.committed.get(key)).toEqual(value);
  const p = await store.getProof(key);
  expect(await verifyStateProof(store.root, key, p.proof)).toEqual(value);
});

test("the committed state is read-only and hands out copies", async () => {
  const store = await StateStore.open({}, { db });
  await store.commit(0, viewWith(store, [[b(1), b(10)]]));
  expect(codeOfSync(() => store.committed.set(b(1), b(2)))).toBe("STATE_ERROR_READ_ONLY");
  expect(codeOfSync(() => store.committed.delete(b(1)))).toBe("STATE_ERROR_READ_ONLY");
  store.committed.get(b(1))![0] = 99;
  for (const [, v] of store.committed.iterate(b(1))) v[0] = 99;
  expect(store.committed.get(b(1))).toEqual(b(10));
  expect(store.committed.has(b(1))).toBe(true);
  expect(codeOfSync(() => store.committed.get(new Uint8Array(0)))).toBe("STATE_ERROR_INVALID_KEY");
});

test("a reopened store has the same height, root, key-values and version roots", async () => {
  let store = await StateStore.open({}, { db });
  const roots: Uint8Array[] = [];
  for (let h = 0; h < 4; h++) {
    const v = store.createView();
    for (let i = 0; i < 50; i++) v.set(b(h, i), new Uint8Array(1 + ((i * 7) % 60)).fill(i + h));
    if (h > 0) for (let i = 0; i < 10; i++) v.delete(b(h - 1, i * 3));
    roots.push(await store.commit(h, v));
  }
  const before = all(store.committed);
  const root = store.root;
  store = await reopen();
  expect(store.height).toBe(3);
  expect(store.hasVersion).toBe(true);
  expect(store.root).toEqual(root);
  expect(all(store.committed)).toEqual(before);
  for (let h = 0; h < 4; h++) expect(await store.rootAt(h)).toEqual(roots[h]);
  // and it goes on from there
  await store.commit(4, viewWith(store, [[b(9), b(9)]]));
  store = await reopen();
  expect(store.height).toBe(4);
  expect(store.committed.get(b(9))).toEqual(b(9));
});

test("computeRoot of candidates changes nothing; committing one gives its computed root, also after reopening", async () => {
  let store = await StateStore.open({}, { db });
  await store.commit(0, viewWith(store, [[b(1), b(1)], [b(2), b(2)]]));
  const root0 = store.root;
  const keysBefore = await storedKeys();
  const batch = jest.spyOn(db.stateModules.root, "batch");

  const a = viewWith(store, [[b(3), b(3)], [b(1), null]]);
  const c = viewWith(store, [[b(4), b(4)]]);
  const [ra, rc] = await Promise.all([store.computeRoot(a), store.computeRoot(c)]);
  expect(ra).not.toEqual(rc);
  expect(ra).toEqual(await referenceRoot([[b(2), b(2)], [b(3), b(3)]]));
  expect(store.root).toEqual(root0);
  expect(store.height).toBe(0);
  expect(all(store.committed)).toEqual([["01", "01"], ["02", "02"]]);
  expect(batch).not.toHaveBeenCalled();
  expect(await storedKeys()).toEqual(keysBefore);

  expect(await store.commit(1, c)).toEqual(rc);
  expect(batch).toHaveBeenCalledTimes(1); // nodes, key-values and version record: one batch
  expect((batch.mock.calls[0] as unknown[])[1]).toEqual({ sync: true });
  batch.mockRestore();
  store = await reopen();
  expect(store.root).toEqual(rc);
  expect(all(store.committed)).toEqual([["01", "01"], ["02", "02"], ["04", "04"]]);
});

test("a view changed after computeRoot is computed again at commit", async () => {
  const store = await StateStore.open({}, { db });
  const v = viewWith(store, [[b(1), b(1)]]);
  const r1 = await store.computeRoot(v);
  v.set(b(2), b(2));
  const r2 = await store.commit(0, v);
  expect(r2).not.toEqual(r1);
  expect(r2).toEqual(await referenceRoot([[b(1), b(1)], [b(2), b(2)]]));
});

test("views over an older version, another store's state, branches and discarded views are refused", async () => {
  const store = await StateStore.open({}, { db });
  const old = viewWith(store, [[b(1), b(1)]]);
  const oldCommitted = store.committed;
  await store.commit(0, viewWith(store, [[b(2), b(2)]]));
  expect(store.committed).not.toBe(oldCommitted);
  expect(await codeOf(() => store.computeRoot(old))).toBe("STATE_ERROR_STALE_VIEW");
  expect(await codeOf(() => store.commit(1, old))).toBe("STATE_ERROR_STALE_VIEW");
  expect(await codeOf(() => store.commit(1, new StateView(oldCommitted)))).toBe("STATE_ERROR_STALE_VIEW");

  const dir2 = await makeTempDir();
  const db2 = await HubDb.open(dir2.path);
  try {
    const other = await StateStore.open({}, { db: db2 });
    expect(await codeOf(() => store.commit(1, other.createView()))).toBe("STATE_ERROR_FOREIGN_VIEW");
  } finally {
    await db2.close();
    await dir2.remove();
  }
  const v = store.createView();
  expect(await codeOf(() => store.computeRoot(v.branch()))).toBe("STATE_ERROR_FOREIGN_VIEW");
  v.discard();
  expect(await codeOf(() => store.commit(1, v))).toBe("STATE_ERROR_VIEW_CLOSED");
  // a view constructed directly over the current committed state is fine
  expect(await store.commit(1, new StateView(store.committed))).toEqual(store.root);
  expect(store.height).toBe(1);
});

test("a failed write leaves the store and the disk at the previous version", async () => {
  let store = await StateStore.open({}, { db });
  await store.commit(0, viewWith(store, [[b(1), b(1)]]));
  const root0 = store.root;
  const batch = jest.spyOn(db.stateModules.root, "batch").mockRejectedValueOnce(new Error("disk full") as never);
  const v = viewWith(store, [[b(2), b(2)], [b(1), null]]);
  await expect(store.commit(1, v)).rejects.toThrow("disk full");
  batch.mockRestore();
  expect(store.height).toBe(0);
  expect(store.root).toEqual(root0);
  expect(all(store.committed)).toEqual([["01", "01"]]);
  // the same view commits once the disk is back
  const r1 = await store.commit(1, v);
  store = await reopen();
  expect(store.root).toEqual(r1);
  expect(all(store.committed)).toEqual([["02", "02"]]);
});

test("a crash right after the batch is written reopens at the new version", async () => {
  let store = await StateStore.open({}, { db });
  await store.commit(0, viewWith(store, [[b(1), b(1)]]));
  const root = db.stateModules.root;
  const real = root.batch.bind(root) as (...a: unknown[]) => Promise<void>;
  const batch = jest.spyOn(root, "batch").mockImplementationOnce((async (...args: unknown[]) => {
    await real(...args);
    throw new Error("crash");
  }) as never);
  const v = viewWith(store, [[b(2), b(2)]]);
  const expected = await store.computeRoot(v);
  await expect(store.commit(1, v)).rejects.toThrow("crash");
  batch.mockRestore();
  store = await reopen();
  expect(store.height).toBe(1);
  expect(store.root).toEqual(expected);
  expect(all(store.committed)).toEqual([["01", "01"], ["02", "02"]]);
});

test("proofs of the latest version: membership and absence, checked here and with @ethereumjs/mpt", async () => {
  let store = await StateStore.open({}, { db });
  const v = store.createView();
  for (let i = 0; i < 300; i++) v.set(b(0x10, i & 0xff, i >> 8), new Uint8Array(1 + (i % 50)).fill(i));
  v.set(b(0x20), b(7));
  await store.commit(0, v);
  store = await reopen({ nodeCacheSize: 0 }); // every node from disk
  for (const key of [b(0x10, 5, 0), b(0x10, 40, 1), b(0x20)]) {
    const p = await store.getProof(key);
    expect(p.value).not.toBeNull();
    expect(p.value).toEqual(store.committed.get(key));
    expect(p.root).toEqual(store.root);
    expect(await verifyStateProof(p.root, key, p.proof)).toEqual(p.value);
    expect(await verifyMerkleProof(key, p.proof, { root: p.root, useKeyHashing: false })).toEqual(p.value);
  }
  for (const key of [b(0x10, 5, 9), b(0x10), b(0x30), b(0x20, 0)]) {
    const p = await store.getProof(key);
    expect(p.value).toBeNull();
    expect(await verifyStateProof(p.root, key, p.proof)).toBeNull();
  }
  const p = await store.getProof(b(0x10, 5, 0));
  const tampered = p.proof.map((n) => n.slice());
  tampered[tampered.length - 1]![3]! ^= 0xff;
  expect(await codeOf(() => verifyStateProof(p.root, p.key, tampered))).toBe("STATE_ERROR_INVALID_PROOF");
  await store.commit(1, viewWith(store, [[b(0x10, 5, 0), b(1, 2, 3)]]));
  // the old proof does not hold under the new root
  expect(await codeOf(() => verifyStateProof(store.root, p.key, p.proof))).toBe("STATE_ERROR_INVALID_PROOF");
  expect(await codeOf(() => store.getProof(new Uint8Array(300)))).toBe("STATE_ERROR_INVALID_KEY");
});

test("updates over a cold trie (tiny node cache) load nodes from disk", async () => {
  let store = await StateStore.open({ nodeCacheSize: 4 }, { db });
  const model = new ModelStore();
  for (let h = 0; h < 3; h++) {
    const v = store.createView();
    for (let i = 0; i < 400; i++) {
      const k = b(i % 5, (i * 31 + h) & 0xff, h);
      const val = new Uint8Array(1 + ((i + h) % 45)).fill(i);
      v.set(k, val);
      model.set(k, val);
    }
    for (let i = 0; i < 50 && h > 0; i++) {
      const k = b(i % 5, (i * 31 + h - 1) & 0xff, h - 1);
      v.delete(k);
      model.delete(k);
    }
    await store.commit(h, v);
    expect(store.root).toEqual(await referenceRoot(model.entries()));
    store = await reopen({ nodeCacheSize: 4, verify: true });
  }
});

test("property: committing random blocks matches a Map model and @ethereumjs/mpt, across reopening", async () => {
  const block = fc.array(fc.tuple(smallKey, fc.option(smallValue, { freq: 3 })), { maxLength: 20 });
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(block, fc.boolean()), { minLength: 1, maxLength: 4 }), async (blocks) => {
      await db.close();
      await dir.remove();
      dir = await makeTempDir();
      db = await HubDb.open(dir.path);
      let store = await StateStore.open({}, { db });
      const model = new ModelStore();
      for (const [ops, reopenAfter] of blocks) {
        const view = store.createView();
        for (const [k, v] of ops) {
          // every block executes in per-transaction branches
          const tx = view.branch();
          if (v === null) {
            tx.delete(k);
            model.delete(k);
          } else {
            tx.set(k, v);
            model.set(k, v);
          }
          tx.commit();
        }
        const computed = await store.computeRoot(view);
        const root = await store.commit(store.hasVersion ? store.height + 1 : 0, view);
        expect(root).toEqual(computed);
        expect(hex(root)).toBe(hex(await referenceRoot(model.entries())));
        if (reopenAfter) store = await reopen();
        expect(all(store.committed)).toEqual(model.entries().map(([k, v]) => [hex(k), hex(v)]));
      }
    }),
    { numRuns: 25 },
  );
});
