import { VoteType } from "@aegis/consumer-sdk";
import { getEvidenceKey } from "../../src/db/evidenceRepository.js";
import { filled, makeEvidence, useTempHubDb } from "./fixtures.js";

const t = useTempHubDb();

test("evidence is deduplicated by (height, validatorIndex, round, type)", async () => {
  const e = makeEvidence({ height: 5, validatorIndex: 2, round: 1 }, 100);
  expect(await t.db.evidence.has(getEvidenceKey(e))).toBe(false);
  expect(await t.db.evidence.add(e)).toBe(true);
  // The same offence seen again later, with another conflicting vote: not stored again.
  const again = { ...makeEvidence({ height: 5, validatorIndex: 2, round: 1 }, 200), voteB: { ...e.voteB, blockHash: filled(32, 0xee) } };
  expect(await t.db.evidence.add(again)).toBe(false);
  expect(await t.db.evidence.list()).toEqual([e]);
  expect(await t.db.evidence.get(getEvidenceKey(e))).toEqual(e);
  expect(await t.db.evidence.has(getEvidenceKey(e))).toBe(true);
  expect(await t.db.evidence.has({ ...getEvidenceKey(e), type: VoteType.Precommit })).toBe(false);
});

test("distinct offences are all kept, listed by height, and filtered by fromHeight", async () => {
  const items = [
    makeEvidence({ height: 12, validatorIndex: 0 }),
    makeEvidence({ height: 3, validatorIndex: 1 }),
    makeEvidence({ height: 3, validatorIndex: 0, type: VoteType.Precommit }),
    makeEvidence({ height: 3, validatorIndex: 0, type: VoteType.Prevote }),
    makeEvidence({ height: 3, validatorIndex: 0, round: 2 }),
  ];
  for (const e of items) expect(await t.db.evidence.add(e)).toBe(true);
  const all = await t.db.evidence.list();
  expect(all).toHaveLength(5);
  expect(all.map((e) => ('voteA' in e ? e.voteA.height : -1))).toEqual([3, 3, 3, 3, 12]);
  expect(await t.db.evidence.list({ fromHeight: 4 })).toEqual([items[0]]);
  expect(await t.db.evidence.list({ limit: 2 })).toHaveLength(2);
  await t.reopen();
  expect(await t.db.evidence.list()).toEqual(all);
});

test("votes that are not a double sign are refused", async () => {
  const e = makeEvidence();
  await expect(t.db.evidence.add({ ...e, voteB: { ...e.voteB, round: 9 } })).rejects.toMatchObject({
    code: "DB_ERROR_INVALID_ARGUMENT",
    type: { field: "voteB.round" },
  });
  await expect(t.db.evidence.add({ ...e, voteB: { ...e.voteA } })).rejects.toMatchObject({ type: { field: "voteB.blockHash" } });
  expect(await t.db.evidence.list()).toEqual([]);
});
