import { ApplicationError, PlaceholderApplication } from "../../src/app/index.js";
import type { DuplicateVoteEvidence } from "../../src/consensus/types.js";

const ctx = (height: number) => ({ chainId: "c", height, time: 1000 + height, proposer: new Uint8Array(20), lastCommit: null, evidence: [] as DuplicateVoteEvidence[] });
const genesisHash = new Uint8Array(32).fill(1);

test("execution is deterministic, does not change the committed state, and commit advances it", async () => {
  const a = new PlaceholderApplication({ genesisHash });
  const b = new PlaceholderApplication({ genesisHash });
  const txs = [Uint8Array.of(1), Uint8Array.of(2)];
  const r1 = await a.executeBlock(ctx(1), txs);
  expect(a.height).toBe(0);
  expect((await a.executeBlock(ctx(1), [Uint8Array.of(3)])).stateRoot).not.toEqual(r1.stateRoot);
  expect((await a.prepareBlock(ctx(1), txs)).stateRoot).toEqual(r1.stateRoot);
  expect((await a.commitBlock(ctx(1), txs)).stateRoot).toEqual(r1.stateRoot);
  expect(a.height).toBe(1);
  await b.commitBlock(ctx(1), txs);
  expect(b.stateRoot).toEqual(a.stateRoot);
  const resumed = new PlaceholderApplication({ genesisHash, latest: { height: 1, stateRoot: a.stateRoot } });
  expect((await resumed.executeBlock(ctx(2), txs)).stateRoot).toEqual((await a.executeBlock(ctx(2), txs)).stateRoot);
});

test("commit refuses a height that does not follow", async () => {
  const a = new PlaceholderApplication({ genesisHash });
  await expect(a.commitBlock(ctx(2), [])).rejects.toBeInstanceOf(ApplicationError);
  expect(a.height).toBe(0);
});
