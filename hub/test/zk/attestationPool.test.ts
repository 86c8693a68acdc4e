// The prover's attestation bookkeeping: per height and statement, cheap checks before the signature
// check, duplicates and double attestations told apart, quorum by power, newest quorum first.
import type { FinalityAttestation } from "../../src/codec/index.js";
import { AttestationPool, type AttestingSet } from "../../src/zk/index.js";

const set: AttestingSet = { powers: [10n, 20n, 30n, 40n], totalPower: 100n };
const hash = (b: number) => new Uint8Array(32).fill(b);
const att = (validatorIndex: number, over: Partial<FinalityAttestation> = {}): FinalityAttestation => ({
  height: 5,
  time: 1_700_000_005_000,
  blockHash: hash(1),
  validatorSetRoot: 76n,
  nextValidatorSetRoot: 77n,
  validatorIndex,
  signature: new Uint8Array(64).fill(validatorIndex + 1),
  ...over,
});
const valid = () => true;

test("attestations add up by power; a quorum is more than 2/3", () => {
  const pool = new AttestationPool();
  expect(pool.add(att(3), set, valid)).toEqual({ kind: "added", signedPower: 40n, quorum: false });
  expect(pool.add(att(2), set, valid)).toEqual({ kind: "added", signedPower: 70n, quorum: true });
  const q = pool.newestQuorum(() => set)!;
  expect(q.statement).toEqual({ height: 5, time: 1_700_000_005_000, blockHash: hash(1), validatorSetRoot: 76n, nextValidatorSetRoot: 77n });
  expect([...q.attestations.keys()].sort()).toEqual([2, 3]);
});

test("exactly 2/3 is no quorum", () => {
  const pool = new AttestationPool();
  const thirds: AttestingSet = { powers: [1n, 1n, 1n], totalPower: 3n };
  pool.add(att(0), thirds, valid);
  expect(pool.add(att(1), thirds, valid)).toMatchObject({ quorum: false });
  expect(pool.newestQuorum(() => thirds)).toBeNull();
});

test("cheap refusals come before the signature check, which a duplicate never reaches", () => {
  const pool = new AttestationPool({ keepHeights: 10 });
  const checked: number[] = [];
  const verify = (a: FinalityAttestation) => (checked.push(a.validatorIndex), a.signature[0] !== 0);
  expect(pool.add(att(4), set, verify)).toEqual({ kind: "refused", reason: "unknown_validator" });
  expect(pool.add(att(1, { signature: new Uint8Array(64) }), set, verify)).toEqual({ kind: "refused", reason: "invalid_signature" });
  expect(pool.add(att(1), set, verify)).toMatchObject({ kind: "added", signedPower: 20n });
  expect(pool.add(att(1), set, verify)).toEqual({ kind: "duplicate" });
  expect(checked).toEqual([1, 1]);
  pool.add(att(0, { height: 30 }), set, verify);
  expect(pool.add(att(2, { height: 20 }), set, verify)).toEqual({ kind: "refused", reason: "stale" });
  expect(pool.heights).toEqual([30]); // height 5 fell out of the window
});

test("a validator attesting two statements at one height: the pair is reported, the first kept", () => {
  const pool = new AttestationPool();
  pool.add(att(3), set, valid);
  const other = att(3, { blockHash: hash(2), signature: new Uint8Array(64).fill(9) });
  const out = pool.add(other, set, valid);
  expect(out).toEqual({ kind: "conflicting", first: att(3), second: other });
  expect(pool.add(att(2, { blockHash: hash(2) }), set, valid)).toEqual({ kind: "added", signedPower: 30n, quorum: false });
  // Another next root is another statement too.
  expect(pool.add(att(2, { nextValidatorSetRoot: 78n, signature: new Uint8Array(64).fill(8) }), set, valid)).toMatchObject({ kind: "conflicting" });
});

test("the newest quorum is proved first; pruning forgets what a certificate covers", () => {
  const pool = new AttestationPool();
  for (const h of [5, 6, 7]) for (const i of [1, 2, 3]) pool.add(att(i, { height: h }), set, valid);
  pool.add(att(3, { height: 8 }), set, valid); // no quorum yet at 8
  expect(pool.newestQuorum(() => set)!.statement.height).toBe(7);
  expect(pool.newestQuorum(() => set, 6)!.statement.height).toBe(6);
  expect(pool.newestQuorum((h) => (h === 7 ? undefined : set))!.statement.height).toBe(6);
  pool.pruneThrough(7);
  expect(pool.heights).toEqual([8]);
  expect(pool.newestQuorum(() => set)).toBeNull();
});
