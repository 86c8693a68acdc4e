import { blsVerify, computeProposalSignBytes, computeVoteSignBytes, createBlsKeyPair, VoteType } from "@aegis/consumer-sdk";
import { HubDb } from "../../src/db/hubDb.js";
import { SignStep } from "../../src/db/signerGuardRecord.js";
import { SignerError } from "../../src/signer/signerError.js";
import { PrivValidator, type VoteToSign } from "../../src/signer/privValidator.js";
import { compareSignPositions } from "../../src/signer/signerGuard.js";
import { CHAIN_ID, filled, makeTempDir } from "../db/fixtures.js";

const key = createBlsKeyPair(filled(32, 0x42));
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let db: HubDb;
let pv: PrivValidator;

beforeEach(async () => {
  dir = await makeTempDir();
  db = await HubDb.open(dir.path);
  pv = await PrivValidator.load({ blsSecretKey: key.secretKey }, { db });
});

afterEach(async () => {
  if (db.isOpen) await db.close();
  await dir.remove();
});

const A = filled(32, 0xaa);
const B = filled(32, 0xbb);
const prevote = (height: number, round: number, blockHash: Uint8Array | null): VoteToSign => ({ type: VoteType.Prevote, height, round, blockHash });
const precommit = (height: number, round: number, blockHash: Uint8Array | null): VoteToSign => ({ type: VoteType.Precommit, height, round, blockHash });

async function signerCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SignerError);
    return (e as SignerError).code;
  }
  throw new Error("expected a rejection");
}

async function reopen(): Promise<void> {
  await db.close(); // a crash: nothing else is flushed or saved
  db = await HubDb.open(dir.path);
  pv = await PrivValidator.load({ blsSecretKey: key.secretKey }, { db });
}

test("signatures verify against the canonical sign bytes", async () => {
  expect(pv.publicKey).toEqual(key.publicKey);
  const v = precommit(3, 1, A);
  const sig = await pv.signVote(CHAIN_ID, v);
  expect(blsVerify(key.publicKey, computeVoteSignBytes({ chainId: CHAIN_ID, ...v }), sig)).toBe(true);
  const nil = prevote(4, 0, null);
  const nilSig = await pv.signVote(CHAIN_ID, nil);
  expect(blsVerify(key.publicKey, computeVoteSignBytes({ chainId: CHAIN_ID, ...nil }), nilSig)).toBe(true);
  const p = { height: 5, round: 2, polRound: 1, blockHash: B };
  const pSig = await pv.signProposal(CHAIN_ID, p);
  expect(blsVerify(key.publicKey, computeProposalSignBytes({ chainId: CHAIN_ID, ...p }), pSig)).toBe(true);
  expect(pv.lastSigned).toEqual({ height: 5, round: 2, step: SignStep.Propose });
});

test("steps advance propose < prevote < precommit within a round", async () => {
  await pv.signProposal(CHAIN_ID, { height: 2, round: 0, polRound: -1, blockHash: A });
  await pv.signVote(CHAIN_ID, prevote(2, 0, A));
  await pv.signVote(CHAIN_ID, precommit(2, 0, A));
  await pv.signVote(CHAIN_ID, prevote(2, 1, null)); // next round
  expect(pv.lastSigned).toEqual({ height: 2, round: 1, step: SignStep.Prevote });
  expect(compareSignPositions({ height: 2, round: 1, step: SignStep.Propose }, { height: 1, round: 9, step: SignStep.Precommit })).toBeGreaterThan(0);
});

test("signing below the last signed position is refused with SIGNER_ERROR_REGRESSION", async () => {
  await pv.signVote(CHAIN_ID, precommit(5, 2, A));
  expect(await signerCode(pv.signVote(CHAIN_ID, prevote(5, 2, A)))).toBe("SIGNER_ERROR_REGRESSION"); // lower step
  expect(await signerCode(pv.signVote(CHAIN_ID, precommit(5, 1, A)))).toBe("SIGNER_ERROR_REGRESSION"); // lower round
  expect(await signerCode(pv.signVote(CHAIN_ID, precommit(4, 7, A)))).toBe("SIGNER_ERROR_REGRESSION"); // lower height
  expect(await signerCode(pv.signProposal(CHAIN_ID, { height: 5, round: 2, polRound: -1, blockHash: A }))).toBe("SIGNER_ERROR_REGRESSION");
  expect(pv.lastSigned).toEqual({ height: 5, round: 2, step: SignStep.Precommit });
});

test("the same vote again returns the identical signature (idempotent re-sign)", async () => {
  const first = await pv.signVote(CHAIN_ID, prevote(6, 0, A));
  const second = await pv.signVote(CHAIN_ID, prevote(6, 0, A));
  expect(second).toEqual(first);
  await reopen();
  expect(await pv.signVote(CHAIN_ID, prevote(6, 0, A))).toEqual(first);
});

test("another block at the same (height, round, step) is refused with SIGNER_ERROR_CONFLICT, guard unchanged", async () => {
  const sig = await pv.signVote(CHAIN_ID, prevote(7, 3, A));
  const before = await db.guard.get();
  expect(await signerCode(pv.signVote(CHAIN_ID, prevote(7, 3, B)))).toBe("SIGNER_ERROR_CONFLICT");
  expect(await signerCode(pv.signVote(CHAIN_ID, prevote(7, 3, null)))).toBe("SIGNER_ERROR_CONFLICT");
  expect(await signerCode(pv.signVote("other-chain", prevote(7, 3, A)))).toBe("SIGNER_ERROR_CONFLICT");
  const after = await db.guard.get();
  expect(after).toEqual(before);
  expect(after?.signature).toEqual(sig);
  expect(await pv.signVote(CHAIN_ID, prevote(7, 3, A))).toEqual(sig);
});

test("the guard survives a crash: after reopen a conflicting or lower sign is refused", async () => {
  const sig = await pv.signVote(CHAIN_ID, precommit(9, 0, A));
  await reopen();
  expect(pv.lastSigned).toEqual({ height: 9, round: 0, step: SignStep.Precommit });
  expect(await signerCode(pv.signVote(CHAIN_ID, precommit(9, 0, B)))).toBe("SIGNER_ERROR_CONFLICT");
  expect(await signerCode(pv.signVote(CHAIN_ID, prevote(9, 0, B)))).toBe("SIGNER_ERROR_REGRESSION");
  expect(await pv.signVote(CHAIN_ID, precommit(9, 0, A))).toEqual(sig);
  const next = await pv.signVote(CHAIN_ID, prevote(10, 0, B));
  expect(blsVerify(key.publicKey, computeVoteSignBytes({ chainId: CHAIN_ID, ...prevote(10, 0, B) }), next)).toBe(true);
});

test("concurrent signs of conflicting blocks at one position: exactly one succeeds", async () => {
  const blocks = [A, B, filled(32, 0xcc), null];
  const results = await Promise.allSettled(blocks.map((h) => pv.signVote(CHAIN_ID, precommit(11, 0, h))));
  const ok = results.filter((r): r is PromiseFulfilledResult<Uint8Array> => r.status === "fulfilled");
  expect(ok).toHaveLength(1);
  for (const r of results) {
    if (r.status === "rejected") expect((r.reason as SignerError).code).toBe("SIGNER_ERROR_CONFLICT");
  }
  const winner = blocks[results.indexOf(ok[0]!)]!;
  expect(blsVerify(key.publicKey, computeVoteSignBytes({ chainId: CHAIN_ID, ...precommit(11, 0, winner) }), ok[0]!.value)).toBe(true);
  expect((await db.guard.get())?.signature).toEqual(ok[0]!.value);
});

test("bad requests and bad keys are refused with typed errors", async () => {
  expect(await signerCode(pv.signVote(CHAIN_ID, { type: 0 as VoteType, height: 1, round: 0, blockHash: A }))).toBe("SIGNER_ERROR_INVALID_ARGUMENT");
  expect(await signerCode(pv.signVote(CHAIN_ID, prevote(0, 0, A)))).toBe("SIGNER_ERROR_INVALID_ARGUMENT");
  expect(await signerCode(pv.signProposal(CHAIN_ID, { height: 1, round: 1, polRound: 1, blockHash: A }))).toBe("SIGNER_ERROR_INVALID_ARGUMENT");
  expect(await db.guard.get()).toBeUndefined();
  expect(await signerCode(PrivValidator.load({ blsSecretKey: new Uint8Array(31) }, { db }))).toBe("SIGNER_ERROR_INVALID_KEY");
  expect(await signerCode(PrivValidator.load({ blsSecretKey: new Uint8Array(32) }, { db }))).toBe("SIGNER_ERROR_INVALID_KEY");
});
