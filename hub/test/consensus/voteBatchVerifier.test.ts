import { blsSign, computeVoteSignBytes, createBlsKeyPair, createBlsProofOfPossession, createValidatorSet, toHex, VoteType } from "@aegis/consumer-sdk";
import { VoteBatchVerifier } from "../../src/consensus/voteBatchVerifier.js";
import type { Vote } from "../../src/consensus/types.js";

const chainId = "batch";
const keys = Array.from({ length: 8 }, (_, i) => createBlsKeyPair(new Uint8Array(32).fill(i + 1)));
const operatorOf = (i: number) => new Uint8Array(20).fill(i + 1);
const set = createValidatorSet(keys.map((k, i) => ({ blsPublicKey: k.publicKey, power: 1n, operator: operatorOf(i), proofOfPossession: createBlsProofOfPossession(k.secretKey, operatorOf(i)) })));
const skFor = (i: number) => keys.find((k) => toHex(k.publicKey) === toHex(set.validators[i]!.blsPublicKey))!.secretKey;
const hash = new Uint8Array(32).fill(3);

function vote(i: number, over: Partial<Vote> = {}): Vote {
  const v = { type: VoteType.Prevote, height: 5, round: 0, blockHash: hash, validatorIndex: i, ...over };
  return { ...v, signature: blsSign(skFor(i), computeVoteSignBytes({ chainId, ...v })), ...(over.signature ? { signature: over.signature } : {}) };
}

test("a batch of good votes for one block is checked with one aggregate check", async () => {
  const verifier = new VoteBatchVerifier({ chainId });
  const res = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((i) => verifier.verify(vote(i), set)));
  expect(res).toEqual(Array(8).fill(true));
  expect(verifier.stats.aggregateChecks).toBe(1);
  expect(verifier.stats.fallbackChecks).toBe(0);
});

test("one bad vote in a batch is found by the fallback and only it is rejected", async () => {
  const verifier = new VoteBatchVerifier({ chainId });
  const votes = [0, 1, 2, 3].map((i) => vote(i));
  votes[2] = { ...votes[2]!, signature: vote(1).signature }; // validator 1's signature under validator 2's index
  const res = await Promise.all(votes.map((v) => verifier.verify(v, set)));
  expect(res).toEqual([true, true, false, true]);
  expect(verifier.stats.rejected).toBe(1);
});

test("votes for different blocks or rounds are grouped apart; malformed signatures and unknown validators fail", async () => {
  const verifier = new VoteBatchVerifier({ chainId });
  const res = await Promise.all([
    verifier.verify(vote(0), set),
    verifier.verify(vote(1, { blockHash: null }), set),
    verifier.verify(vote(2, { round: 1 }), set),
    verifier.verify(vote(3, { signature: new Uint8Array(96).fill(9) }), set),
    verifier.verify({ ...vote(4), validatorIndex: 99 }, set),
    verifier.verify(vote(5, { type: VoteType.Precommit }), set),
  ]);
  expect(res).toEqual([true, true, true, false, false, true]);
});

const nextMacrotask = () => new Promise<void>((r) => setImmediate(r));

test("votes that arrive within the wait (separate macrotasks) share one aggregate check", async () => {
  // A wait no scheduler delay can exceed (a loaded machine once stretched 20 ms between two
  // macrotasks); the third vote fills the batch, which is then checked at once.
  const verifier = new VoteBatchVerifier({ chainId, maxBatch: 3, maxDelayMs: 60_000 });
  const pending: Promise<boolean>[] = [];
  for (const i of [0, 1, 2]) {
    pending.push(verifier.verify(vote(i), set));
    await nextMacrotask();
  }
  expect(await Promise.all(pending)).toEqual([true, true, true]);
  expect(verifier.stats).toMatchObject({ batches: 1, aggregateChecks: 1, fallbackChecks: 0, verified: 3 });
});

test("with no wait, votes of separate macrotasks are checked one by one", async () => {
  const verifier = new VoteBatchVerifier({ chainId, maxDelayMs: 0 });
  const pending: Promise<boolean>[] = [];
  for (const i of [0, 1, 2]) {
    pending.push(verifier.verify(vote(i), set));
    await nextMacrotask();
  }
  expect(await Promise.all(pending)).toEqual([true, true, true]);
  expect(verifier.stats).toMatchObject({ batches: 3, aggregateChecks: 0, fallbackChecks: 3, verified: 3 });
});

test("a full batch is checked at once, without waiting", async () => {
  const verifier = new VoteBatchVerifier({ chainId, maxBatch: 2, maxDelayMs: 60_000 });
  const res = await Promise.all([verifier.verify(vote(0), set), verifier.verify(vote(1), set)]);
  expect(res).toEqual([true, true]);
  expect(verifier.stats).toMatchObject({ batches: 1, aggregateChecks: 1 });
  // a third vote starts a new wait, which flush() ends early
  const third = verifier.verify(vote(2), set);
  verifier.flush();
  expect(await third).toBe(true);
  expect(verifier.stats.batches).toBe(2);
});
