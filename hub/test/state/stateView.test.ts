import fc from "fast-check";
import { MAX_KEY_LENGTH, MAX_VALUE_LENGTH, type IterateOptions } from "../../src/state/kvStore.js";
import { StateError } from "../../src/state/stateError.js";
import { StateView } from "../../src/state/stateView.js";
import { b, codeOfSync, ForeignStore, hex, ModelStore, smallKey, smallValue } from "./fixtures.js";

const entries = (it: Iterable<[Uint8Array, Uint8Array]>) => [...it].map(([k, v]) => [hex(k), hex(v)]);

function base(): ForeignStore {
  return new ForeignStore([
    [b(1), b(10)],
    [b(1, 1), b(11)],
    [b(1, 2), b(12)],
    [b(2), b(20)],
    [b(2, 0xff), b(21)],
  ]);
}

describe("reads and writes", () => {
  test("reads fall through to the parent; own writes are read first", () => {
    const v = new StateView(base());
    expect(v.get(b(1))).toEqual(b(10));
    expect(v.has(b(3))).toBe(false);
    v.set(b(1), b(99));
    v.set(b(3), b(30));
    expect(v.get(b(1))).toEqual(b(99));
    expect(v.get(b(3))).toEqual(b(30));
    expect(v.has(b(3))).toBe(true);
  });

  test("a delete hides the parent's entry, a later set brings a value back", () => {
    const v = new StateView(base());
    v.delete(b(1));
    expect(v.get(b(1))).toBeUndefined();
    expect(v.has(b(1))).toBe(false);
    expect(entries(v.iterate(b(1)))).toEqual([["0101", "0b"], ["0102", "0c"]]);
    v.set(b(1), b(5));
    expect(v.get(b(1))).toEqual(b(5));
  });

  test("the parent is not changed by a view", () => {
    const p = base();
    const v = new StateView(p);
    v.set(b(1), b(99));
    v.delete(b(2));
    expect(p.get(b(1))).toEqual(b(10));
    expect(p.get(b(2))).toEqual(b(20));
  });

  test("bytes are copied in and out", () => {
    const v = new StateView(base());
    const key = b(7);
    const value = b(70);
    v.set(key, value);
    key[0] = 8;
    value[0] = 0;
    expect(v.get(b(7))).toEqual(b(70));
    expect(v.has(b(8))).toBe(false);
    v.get(b(7))![0] = 1;
    expect(v.get(b(7))).toEqual(b(70));
    for (const [k, val] of v.iterate(b(7))) {
      k[0] = 9;
      val[0] = 9;
    }
    expect(v.get(b(7))).toEqual(b(70));
    const [[ck, cv]] = v.changes() as [[Uint8Array, Uint8Array]];
    ck[0] = 9;
    cv[0] = 9;
    expect(v.changes()).toEqual([[b(7), b(70)]]);
  });

  test("changes() lists writes and deletions in key order", () => {
    const v = new StateView(base());
    v.set(b(3), b(30));
    v.delete(b(1, 1));
    v.set(b(0, 5), b(5));
    v.delete(b(9)); // absent in the parent: still a recorded deletion
    v.set(b(1), b(1));
    expect(v.changes()).toEqual([
      [b(0, 5), b(5)],
      [b(1), b(1)],
      [b(1, 1), null],
      [b(3), b(30)],
      [b(9), null],
    ]);
    expect(v.changeCount).toBe(5);
  });
});

describe("iterate", () => {
  function view(): StateView {
    const v = new StateView(base());
    v.set(b(1, 1), b(0x61)); // overrides a parent entry
    v.delete(b(1, 2)); // hides a parent entry
    v.set(b(1, 0), b(0x60)); // new, between parent entries
    v.set(b(1, 3, 3), b(0x63)); // new, after
    v.set(b(3), b(0x30)); // outside the prefix
    return v;
  }

  test("merges parent entries and writes in ascending key order", () => {
    expect(entries(view().iterate(b(1)))).toEqual([
      ["01", "0a"],
      ["0100", "60"],
      ["0101", "61"],
      ["010303", "63"],
    ]);
  });

  test("an empty prefix iterates everything", () => {
    expect(entries(view().iterate(new Uint8Array(0))).map(([k]) => k)).toEqual(["01", "0100", "0101", "010303", "02", "02ff", "03"]);
  });

  test("reverse, start and limit", () => {
    const v = view();
    expect(entries(v.iterate(b(1), { reverse: true })).map(([k]) => k)).toEqual(["010303", "0101", "0100", "01"]);
    expect(entries(v.iterate(b(1), { start: b(1, 1) })).map(([k]) => k)).toEqual(["0101", "010303"]);
    expect(entries(v.iterate(b(1), { start: b(1, 0, 5) })).map(([k]) => k)).toEqual(["0101", "010303"]);
    expect(entries(v.iterate(b(1), { reverse: true, start: b(1, 1) })).map(([k]) => k)).toEqual(["0101", "0100", "01"]);
    expect(entries(v.iterate(b(1), { reverse: true, start: b(1, 0, 5) })).map(([k]) => k)).toEqual(["0100", "01"]);
    expect(entries(v.iterate(b(1), { limit: 2 })).map(([k]) => k)).toEqual(["01", "0100"]);
    expect(entries(v.iterate(b(1), { reverse: true, limit: 1 })).map(([k]) => k)).toEqual(["010303"]);
    expect(entries(v.iterate(b(1), { limit: 0 }))).toEqual([]);
    expect(entries(v.iterate(new Uint8Array(0), { start: b(2, 0xff) })).map(([k]) => k)).toEqual(["02ff", "03"]);
    // a start outside the prefix range
    expect(entries(v.iterate(b(1), { start: b(0) })).map(([k]) => k)).toEqual(["01", "0100", "0101", "010303"]);
    expect(entries(v.iterate(b(1), { start: b(2) }))).toEqual([]);
    expect(entries(v.iterate(b(1), { reverse: true, start: b(0) }))).toEqual([]);
    expect(entries(v.iterate(b(1), { reverse: true, start: b(2) })).map(([k]) => k)).toEqual(["010303", "0101", "0100", "01"]);
  });

  test("0xff bytes in prefixes and keys", () => {
    const v = new StateView(new ForeignStore([[b(0xff), b(1)], [b(0xff, 0xff), b(2)], [b(0xfe, 0xff), b(3)]]));
    v.set(b(0xff, 0xff, 0xff), b(4));
    expect(entries(v.iterate(b(0xff))).map(([k]) => k)).toEqual(["ff", "ffff", "ffffff"]);
    expect(entries(v.iterate(b(0xff, 0xff), { reverse: true })).map(([k]) => k)).toEqual(["ffffff", "ffff"]);
  });

  test("writing while iterating: deleted entries are skipped, values are current", () => {
    const v = view();
    const seen: string[] = [];
    for (const [k] of v.iterate(b(1))) {
      seen.push(hex(k));
      if (hex(k) === "01") {
        v.delete(b(1, 0)); // own write, not yet visited
        v.delete(b(1, 3, 3));
        v.set(b(1, 1), b(0x77));
      }
    }
    expect(seen).toEqual(["01", "0101"]);
    const values: string[] = [];
    for (const [k, val] of v.iterate(b(1))) {
      values.push(hex(val));
      if (hex(k) === "01") v.set(b(1, 1), b(0x78));
    }
    expect(values).toEqual(["0a", "78"]);
  });

  test("bad arguments are refused", () => {
    const v = view();
    expect(codeOfSync(() => v.iterate(b(1), { limit: -1 }))).toBe("STATE_ERROR_INVALID_ARGUMENT"); // at the call, not at next()
    expect(codeOfSync(() => [...v.iterate(b(1), { limit: 1.5 })])).toBe("STATE_ERROR_INVALID_ARGUMENT");
    expect(codeOfSync(() => [...v.iterate(new Uint8Array(MAX_KEY_LENGTH + 1))])).toBe("STATE_ERROR_INVALID_ARGUMENT");
  });
});

describe("branches", () => {
  test("commit folds a branch's writes into its parent view", () => {
    const v = new StateView(base());
    v.set(b(5), b(50));
    const tx = v.branch();
    expect(tx.isBranch).toBe(true);
    expect(tx.get(b(5))).toEqual(b(50));
    tx.set(b(6), b(60));
    tx.delete(b(1));
    tx.set(b(5), b(51));
    expect(v.get(b(6))).toBeUndefined();
    expect(v.get(b(1))).toEqual(b(10));
    tx.commit();
    expect(v.get(b(6))).toEqual(b(60));
    expect(v.get(b(5))).toEqual(b(51));
    expect(v.get(b(1))).toBeUndefined();
    expect(v.changes()).toEqual([
      [b(1), null],
      [b(5), b(51)],
      [b(6), b(60)],
    ]);
  });

  test("discard drops a branch's writes", () => {
    const v = new StateView(base());
    const tx = v.branch();
    tx.set(b(6), b(60));
    tx.delete(b(1));
    tx.discard();
    expect(v.get(b(6))).toBeUndefined();
    expect(v.get(b(1))).toEqual(b(10));
    expect(v.changes()).toEqual([]);
  });

  test("nested branches commit level by level", () => {
    const v = new StateView(base());
    const a = v.branch();
    const c = a.branch();
    c.set(b(7), b(70));
    c.commit();
    expect(a.get(b(7))).toEqual(b(70));
    expect(v.get(b(7))).toBeUndefined();
    a.commit();
    expect(v.get(b(7))).toEqual(b(70));
  });

  test("a committed or discarded branch is closed; a top-level view does not commit()", () => {
    const v = new StateView(base());
    const tx = v.branch();
    tx.commit();
    expect(tx.isOpen).toBe(false);
    expect(codeOfSync(() => tx.get(b(1)))).toBe("STATE_ERROR_VIEW_CLOSED");
    expect(codeOfSync(() => tx.set(b(1), b(1)))).toBe("STATE_ERROR_VIEW_CLOSED");
    expect(codeOfSync(() => tx.commit())).toBe("STATE_ERROR_VIEW_CLOSED");
    const tx2 = v.branch();
    tx2.discard();
    expect(codeOfSync(() => tx2.commit())).toBe("STATE_ERROR_VIEW_CLOSED");
    expect(codeOfSync(() => v.commit())).toBe("STATE_ERROR_NOT_A_BRANCH");
  });

  test("the revision changes with every write, and with a branch commit that carries writes", () => {
    const v = new StateView(base());
    const r0 = v.revision;
    v.set(b(1), b(1));
    const r1 = v.revision;
    expect(r1).toBeGreaterThan(r0);
    const tx = v.branch();
    tx.set(b(2), b(2));
    tx.commit();
    expect(v.revision).toBeGreaterThan(r1);
  });
});

describe("key and value rules", () => {
  test("keys are 1..256 bytes, values 1 byte..1 MiB; a refused write changes nothing", () => {
    const v = new StateView(base());
    expect(codeOfSync(() => v.set(new Uint8Array(0), b(1)))).toBe("STATE_ERROR_INVALID_KEY");
    expect(codeOfSync(() => v.set(new Uint8Array(MAX_KEY_LENGTH + 1), b(1)))).toBe("STATE_ERROR_INVALID_KEY");
    expect(codeOfSync(() => v.get(new Uint8Array(0)))).toBe("STATE_ERROR_INVALID_KEY");
    expect(codeOfSync(() => v.has(new Uint8Array(MAX_KEY_LENGTH + 1)))).toBe("STATE_ERROR_INVALID_KEY");
    expect(codeOfSync(() => v.delete(new Uint8Array(0)))).toBe("STATE_ERROR_INVALID_KEY");
    expect(codeOfSync(() => v.set("x" as unknown as Uint8Array, b(1)))).toBe("STATE_ERROR_INVALID_KEY");
    expect(codeOfSync(() => v.set(b(1), new Uint8Array(0)))).toBe("STATE_ERROR_INVALID_VALUE");
    expect(codeOfSync(() => v.set(b(1), new Uint8Array(MAX_VALUE_LENGTH + 1)))).toBe("STATE_ERROR_INVALID_VALUE");
    expect(codeOfSync(() => v.set(b(1), null as unknown as Uint8Array))).toBe("STATE_ERROR_INVALID_VALUE");
    expect(v.changes()).toEqual([]);
    expect(v.get(b(1))).toEqual(b(10));
    v.set(new Uint8Array(MAX_KEY_LENGTH).fill(1), new Uint8Array(MAX_VALUE_LENGTH).fill(2));
    expect(v.get(new Uint8Array(MAX_KEY_LENGTH).fill(1))?.length).toBe(MAX_VALUE_LENGTH);
  });

  test("errors are StateError with the code in type.code", () => {
    const v = new StateView(base());
    try {
      v.set(b(1), new Uint8Array(0));
      throw new Error("no error");
    } catch (e) {
      expect(e).toBeInstanceOf(StateError);
      expect((e as StateError).type).toEqual({ code: "STATE_ERROR_INVALID_VALUE", length: 0, reason: expect.any(String) });
    }
  });
});

type Op =
  | { t: "set"; k: Uint8Array; v: Uint8Array }
  | { t: "del"; k: Uint8Array }
  | { t: "branch" }
  | { t: "commit" }
  | { t: "discard" }
  | { t: "iter"; prefix: Uint8Array; opts: IterateOptions };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant("set" as const), k: smallKey, v: smallValue }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("del" as const), k: smallKey }) },
  { weight: 1, arbitrary: fc.constant({ t: "branch" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "commit" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "discard" as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("iter" as const),
      prefix: fc.oneof(fc.constant(new Uint8Array(0)), smallKey.map((k) => k.subarray(0, 1)), smallKey),
      opts: fc.record(
        { reverse: fc.boolean(), start: smallKey, limit: fc.nat({ max: 6 }) },
        { requiredKeys: [] },
      ),
    }),
  },
);

test("property: views with branches behave like a stack of plain maps", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(smallKey, smallValue), { maxLength: 12 }), fc.array(opArb, { maxLength: 60 }), (initial, ops) => {
      const parent = new ForeignStore(initial);
      const root = new StateView(parent);
      const views: StateView[] = [root];
      const models: ModelStore[] = [parent.model.copy()];
      const touched = new Map<string, Uint8Array>();
      for (const [k] of initial) touched.set(hex(k), k);
      for (const op of ops) {
        const view = views[views.length - 1]!;
        const model = models[models.length - 1]!;
        switch (op.t) {
          case "set":
            view.set(op.k, op.v);
            model.set(op.k, op.v);
            touched.set(hex(op.k), op.k);
            break;
          case "del":
            view.delete(op.k);
            model.delete(op.k);
            touched.set(hex(op.k), op.k);
            break;
          case "branch":
            views.push(view.branch());
            models.push(model.copy());
            break;
          case "commit":
          case "discard":
            if (views.length === 1) break;
            views.pop();
            models.pop();
            if (op.t === "commit") {
              view.commit();
              models[models.length - 1] = model;
            } else {
              view.discard();
            }
            break;
          case "iter":
            expect(entries(view.iterate(op.prefix, op.opts))).toEqual(entries(model.iterate(op.prefix, op.opts)));
            break;
        }
        const top = views[views.length - 1]!;
        const topModel = models[models.length - 1]!;
        for (const k of touched.values()) expect(top.get(k)).toEqual(topModel.get(k));
      }
      // Fold the open branches, then the root view's changes applied to the parent give the model.
      const expected = models[models.length - 1]!;
      while (views.length > 1) views.pop()!.commit();
      const applied = parent.model.copy();
      for (const [k, v] of root.changes()) {
        if (v === null) applied.delete(k);
        else applied.set(k, v);
      }
      expect(entries(applied.entries())).toEqual(entries(expected.entries()));
      expect(entries(root.iterate(new Uint8Array(0)))).toEqual(entries(expected.entries()));
    }),
    { numRuns: 300 },
  );
});
