import { VoteType } from "@aegis/consumer-sdk";
import { Step } from "../../src/consensus/types.js";
import { DbError } from "../../src/db/dbError.js";
import type { WalEntry } from "../../src/db/walEntry.js";
import { filled, makeChain, useTempHubDb, makeVote } from "./fixtures.js";

const t = useTempHubDb();

function proposalEntry(height: number, time: number): WalEntry {
  const cb = makeChain(height)[height - 1]!;
  return {
    time,
    kind: "proposal",
    message: {
      proposal: { height, round: 0, polRound: -1, blockHash: cb.certificate.blockHash, proposerIndex: 1, signature: filled(96, 3) },
      block: cb.block,
    },
  };
}

const voteEntry = (height: number, validatorIndex: number, time: number): WalEntry => ({
  time,
  kind: "vote",
  vote: makeVote({ height, validatorIndex, type: VoteType.Precommit }),
});

const timeoutEntry = (height: number, round: number, time: number): WalEntry => ({ time, kind: "timeout", height, round, step: Step.Prevote });

test("entries of a height read back in append order, other heights apart", async () => {
  const entries = [proposalEntry(2, 10), voteEntry(2, 0, 11), timeoutEntry(2, 0, 12), voteEntry(2, 1, 13)];
  for (const e of entries) await t.db.wal.append(2, e);
  await t.db.wal.append(3, voteEntry(3, 0, 20));
  expect(await t.db.wal.read(2)).toEqual(entries);
  expect(await t.db.wal.read(3)).toEqual([voteEntry(3, 0, 20)]);
  expect(await t.db.wal.read(1)).toEqual([]);
});

test("appendMany logs a batch in order and sequences keep increasing", async () => {
  const first = await t.db.wal.append(4, timeoutEntry(4, 0, 1));
  const seqs = await t.db.wal.appendMany(4, [voteEntry(4, 0, 2), voteEntry(4, 1, 3), voteEntry(4, 2, 4)]);
  expect(seqs).toEqual([first + 1, first + 2, first + 3]);
  expect(await t.db.wal.appendMany(4, [])).toEqual([]);
  expect((await t.db.wal.read(4)).map((e) => e.time)).toEqual([1, 2, 3, 4]);
});

test("concurrent appends keep distinct sequence numbers and lose nothing", async () => {
  const seqs = await Promise.all(Array.from({ length: 20 }, (_, i) => t.db.wal.append(7, voteEntry(7, i, i))));
  expect(new Set(seqs).size).toBe(20);
  expect((await t.db.wal.read(7)).map((e) => e.time)).toEqual(Array.from({ length: 20 }, (_, i) => i));
});

test("prune deletes the entries of lower heights only", async () => {
  for (const h of [1, 2, 3]) await t.db.wal.appendMany(h, [voteEntry(h, 0, h), timeoutEntry(h, 0, h)]);
  await t.db.wal.prune(3);
  expect(await t.db.wal.read(1)).toEqual([]);
  expect(await t.db.wal.read(2)).toEqual([]);
  expect(await t.db.wal.read(3)).toHaveLength(2);
});

test("the sequence counter resumes after reopen, also after pruning everything", async () => {
  await t.db.wal.appendMany(5, [voteEntry(5, 0, 1), voteEntry(5, 1, 2)]);
  const before = await t.db.wal.lastSequence();
  await t.db.wal.prune(6);
  await t.reopen();
  expect(await t.db.wal.lastSequence()).toBe(before);
  await t.db.wal.append(6, voteEntry(6, 0, 3));
  const next = await t.db.wal.append(6, voteEntry(6, 1, 4));
  expect(next).toBe(before + 2);
  expect((await t.db.wal.read(6)).map((e) => e.time)).toEqual([3, 4]);
});

test("entries survive reopen and later appends go after them", async () => {
  await t.db.wal.append(8, voteEntry(8, 0, 1));
  await t.reopen();
  await t.db.wal.append(8, voteEntry(8, 1, 2));
  expect((await t.db.wal.read(8)).map((e) => e.time)).toEqual([1, 2]);
});

test("a bad height or an unencodable entry is refused and nothing is written", async () => {
  await expect(t.db.wal.append(0, voteEntry(1, 0, 1))).rejects.toMatchObject({ code: "DB_ERROR_INVALID_ARGUMENT" });
  await expect(t.db.wal.append(0, voteEntry(1, 0, 1))).rejects.toBeInstanceOf(DbError);
  const commitTimeout: WalEntry = { time: 1, kind: "timeout", height: 9, round: 0, step: Step.Commit };
  await expect(t.db.wal.appendMany(9, [voteEntry(9, 0, 1), commitTimeout])).rejects.toMatchObject({ code: "CODEC_ERROR_INVALID_FIELD" });
  expect(await t.db.wal.read(9)).toEqual([]);
  expect(await t.db.wal.lastSequence()).toBe(0);
});
