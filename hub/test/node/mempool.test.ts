import { Mempool } from "../../src/node/mempool.js";

test("adds, deduplicates, reaps oldest first and forgets committed transactions", () => {
  const m = new Mempool({ maxTxBytes: 10, maxTxs: 3 });
  expect(m.add(Uint8Array.of(1)).added).toBe(true);
  expect(m.add(Uint8Array.of(1))).toMatchObject({ added: false, reason: "duplicate" });
  expect(m.add(new Uint8Array(11))).toMatchObject({ added: false, reason: "too_large" });
  expect(m.add(new Uint8Array(0))).toMatchObject({ added: false, reason: "empty" });
  m.add(Uint8Array.of(2));
  m.add(Uint8Array.of(3));
  expect(m.add(Uint8Array.of(4))).toMatchObject({ added: false, reason: "full" });
  expect(m.reap(100, 2)).toEqual([Uint8Array.of(1), Uint8Array.of(2)]);
  expect(m.reap(1, 10)).toEqual([Uint8Array.of(1)]);
  m.removeCommitted([Uint8Array.of(1), Uint8Array.of(9)]);
  expect(m.size).toBe(2);
  expect(m.add(Uint8Array.of(1))).toMatchObject({ added: false, reason: "committed" }); // committed: not re-added
  expect(m.refusal(Uint8Array.of(2))).toBe("duplicate");
  expect(m.refusal(Uint8Array.of(7))).toBeNull();
});
