import { bytesEqual, toHex } from "./bytes.js";
import { assertValidCommitCertificate, CertificateError, type CommitCertificate } from "./commitCertificate.js";
import { AegisError } from "./errors.js";
import { computeBlockHash, type BlockHeader } from "./header.js";
import { getSignerIndices } from "./signerBitmap.js";
import type { ValidatorSet } from "./validatorSet.js";
import { assertValidZkCertificate, ZkCertificateError, type VerifyZkCertificateOptions, type ZkCertificate } from "./zkCertificate.js";
import { isSameFinalityStatement } from "./zkFinality.js";

/**
 * Evidence of a hub fork: two certificates of one hub height for different blocks. Who signed both
 * is named by the certificates themselves (decision 50):
 * - BLS, one round: every validator in both signer bitmaps precommitted two blocks in one round.
 * - ZK: every slot in both signer bitmaps attested two statements of one height (an attestation has
 *   no round; an honest validator attests once per height, after it committed).
 * Both certificates hold more than 2/3 of the power of the same set, so the validators in both hold
 * more than 1/3 of it. Two BLS certificates of different rounds do not name the guilty by
 * themselves (an honest validator may precommit one block, see a later polka for another and
 * precommit that): FORK_EVIDENCE_ERROR_CROSS_ROUND.
 */
export interface BlsForkEvidence {
  /** Each side: the header and the certificate that commits it. */
  a: { header: BlockHeader; certificate: CommitCertificate };
  b: { header: BlockHeader; certificate: CommitCertificate };
}

export interface ZkForkEvidence {
  a: ZkCertificate;
  b: ZkCertificate;
}

/** A BLS commit of one block and a ZK certificate of another at one height (decision 52: a case across tiers). */
export interface CrossTierForkEvidence {
  bls: { header: BlockHeader; certificate: CommitCertificate };
  zk: ZkCertificate;
}

/** Evidence of a hub fork on either tier, or across them (what MsgSubmitForkEvidence carries). */
export type HubForkEvidence =
  | { bls: BlsForkEvidence; zk?: undefined; mixed?: undefined }
  | { zk: ZkForkEvidence; bls?: undefined; mixed?: undefined }
  | { mixed: CrossTierForkEvidence; bls?: undefined; zk?: undefined };

/** The hub height a piece of evidence is about. */
export function getForkEvidenceHeight(e: HubForkEvidence): number {
  return e.bls ? e.bls.a.certificate.height : e.zk ? e.zk.a.height : e.mixed!.bls.certificate.height;
}

export type ForkEvidenceErrorType =
  /** A side is not a well-formed header and certificate pair (the header does not hash to the certificate's block, another chain or height). */
  | { code: "FORK_EVIDENCE_ERROR_MALFORMED"; side: "a" | "b"; reason: string }
  /** The two certificates do not conflict: different heights, or the same block (statement). */
  | { code: "FORK_EVIDENCE_ERROR_NOT_CONFLICTING"; reason: string }
  /** A certificate does not verify against the set given for its height (forged, partial, another chain's, another set's). */
  | { code: "FORK_EVIDENCE_ERROR_INVALID_CERTIFICATE"; side: "a" | "b"; reason: string }
  /** Two BLS certificates of different rounds: a fork, but not one that names the guilty by itself. */
  | { code: "FORK_EVIDENCE_ERROR_CROSS_ROUND"; roundA: number; roundB: number }
  /** assertBlsCrossRoundFork given two certificates of one round (assertBlsForkGuilt judges those). */
  | { code: "FORK_EVIDENCE_ERROR_SAME_ROUND"; round: number };

export class ForkEvidenceError extends AegisError<ForkEvidenceErrorType> {}

/** What a fork proves: the validators (indices into the set of `height`) who signed both sides, and their power. */
export interface ForkGuilt {
  tier: "bls" | "zk";
  height: number;
  /** Indices into the validator set of `height`, ascending. */
  guilty: number[];
  guiltyPower: bigint;
  totalPower: bigint;
}

const SIDES = ["a", "b"] as const;

/** A certificate's own refusal as fork evidence's: its message, with its code when the message is not just that. */
const invalidCertificate = (side: "a" | "b", err: { code: string; message: string }) => {
  const what = err.message === err.code ? err.code : `${err.message} (${err.code})`;
  return new ForkEvidenceError({ code: "FORK_EVIDENCE_ERROR_INVALID_CERTIFICATE", side, reason: what }, `fork evidence ${side}: ${what}`);
};

const notConflicting = (reason: string) => new ForkEvidenceError({ code: "FORK_EVIDENCE_ERROR_NOT_CONFLICTING", reason }, `not a fork: ${reason}`);
const malformed = (side: "a" | "b", reason: string) => new ForkEvidenceError({ code: "FORK_EVIDENCE_ERROR_MALFORMED", side, reason }, `fork evidence ${side}: ${reason}`);

function intersect(x: readonly number[], y: readonly number[]): number[] {
  const ys = new Set(y);
  return x.filter((i) => ys.has(i));
}

function guiltOf(tier: "bls" | "zk", height: number, guilty: number[], powers: readonly bigint[], totalPower: bigint): ForkGuilt {
  return { tier, height, guilty, guiltyPower: guilty.reduce((s, i) => s + powers[i]!, 0n), totalPower };
}

/**
 * The validators two BLS certificates of one height and round for different blocks prove guilty,
 * after checking both against `ctx.validatorSet` (the set that signs that height; the verifier's
 * own, never one the evidence brings) on `ctx.chainId`. Cheapest checks first: headers, heights and
 * blocks, rounds, then the two aggregate signatures. Throws ForkEvidenceError.
 */
export function assertBlsForkGuilt(e: BlsForkEvidence, ctx: { chainId: string; validatorSet: ValidatorSet }): ForkGuilt {
  const { a, b } = assertBlsForkSides(e, ctx, "same");
  const guilty = intersect(getSignerIndices(a.signers), getSignerIndices(b.signers));
  return guiltOf("bls", a.height, guilty, ctx.validatorSet.validators.map((v) => v.power), ctx.validatorSet.totalPower);
}

/** One side of a fork across rounds: a commit's round, block and signers (indices into the set of its height). */
export interface ForkCommitRef {
  round: number;
  blockHash: Uint8Array;
  signers: number[];
}

/** A verified fork across rounds: the lower round's commit and the higher round's. */
export interface CrossRoundFork {
  height: number;
  low: ForkCommitRef;
  high: ForkCommitRef;
}

/**
 * Two BLS certificates of one height for different blocks in different rounds, checked exactly as
 * assertBlsForkGuilt checks a same-round pair (headers, chain, heights, blocks, both aggregates against
 * the verifier's set). They prove no guilt by themselves: an honest validator may precommit one block,
 * see a later polka for another and precommit that. What they open is a case that asks for the polkas
 * (decision 52). Throws ForkEvidenceError (CROSS_ROUND is not an error here: one round is).
 */
export function assertBlsCrossRoundFork(e: BlsForkEvidence, ctx: { chainId: string; validatorSet: ValidatorSet }): CrossRoundFork {
  const { a, b } = assertBlsForkSides(e, ctx, "different");
  const ref = (c: CommitCertificate): ForkCommitRef => ({ round: c.round, blockHash: c.blockHash.slice(), signers: getSignerIndices(c.signers) });
  const [low, high] = a.round < b.round ? [a, b] : [b, a];
  return { height: a.height, low: ref(low), high: ref(high) };
}

function assertBlsForkSides(e: BlsForkEvidence, ctx: { chainId: string; validatorSet: ValidatorSet }, rounds: "same" | "different"): { a: CommitCertificate; b: CommitCertificate } {
  if (!e || typeof e !== "object") throw malformed("a", "not an object");
  for (const side of SIDES) {
    const s = e[side];
    const bad = (reason: string) => malformed(side, reason);
    if (!s || !s.header || !s.certificate) throw bad("a header and a certificate are required");
    const { header, certificate } = s;
    if (header.chainId !== ctx.chainId) throw bad(`header of chain ${JSON.stringify(header.chainId)}, not ${JSON.stringify(ctx.chainId)}`);
    if (header.height !== certificate.height) throw bad(`header height ${header.height}, certificate height ${certificate.height}`);
    let hash: Uint8Array;
    try {
      hash = computeBlockHash(header);
    } catch (err) {
      throw bad(`header: ${(err as Error).message}`);
    }
    if (!(certificate.blockHash instanceof Uint8Array) || !bytesEqual(hash, certificate.blockHash)) throw bad("the header does not hash to the certificate's block hash");
  }
  const a = e.a.certificate;
  const b = e.b.certificate;
  if (a.height !== b.height) throw notConflicting(`heights ${a.height} and ${b.height}`);
  if (bytesEqual(a.blockHash, b.blockHash)) throw notConflicting(`one block (${toHex(a.blockHash)})`);
  if (rounds === "same" && a.round !== b.round) throw new ForkEvidenceError({ code: "FORK_EVIDENCE_ERROR_CROSS_ROUND", roundA: a.round, roundB: b.round }, `certificates of rounds ${a.round} and ${b.round}`);
  if (rounds === "different" && a.round === b.round) throw new ForkEvidenceError({ code: "FORK_EVIDENCE_ERROR_SAME_ROUND", round: a.round }, `certificates of one round (${a.round}): the signers of both are guilty by themselves`);
  for (const side of SIDES) {
    try {
      assertValidCommitCertificate(e[side].certificate, { chainId: ctx.chainId, validatorSet: ctx.validatorSet });
    } catch (err) {
      if (!(err instanceof CertificateError)) throw err;
      throw invalidCertificate(side, err);
    }
  }
  return { a, b };
}

/** A verified fork across tiers: the BLS commit, and the ZK certificate's block and signers (slots are the set's indices). */
export interface CrossTierFork {
  height: number;
  bls: ForkCommitRef;
  zk: { blockHash: Uint8Array; signers: number[] };
}

/**
 * A BLS commit certificate of one block and a ZK certificate of another at one height, each checked
 * against the verifier's own set (`validatorSet` and its ZK root `validatorSetRoot`). They prove no
 * guilt by themselves (an honest validator may precommit A in one round and attest B, decided in a
 * later one), and open a case that asks the ZK signers for a BLS commit of B (decision 52). Throws
 * ForkEvidenceError: side "a" is the BLS one, "b" the ZK one.
 */
export function assertCrossTierFork(e: CrossTierForkEvidence, ctx: { chainId: string; validatorSet: ValidatorSet; validatorSetRoot: bigint; verify: VerifyZkCertificateOptions }): CrossTierFork {
  if (!e || typeof e !== "object" || !e.bls || !e.bls.header || !e.bls.certificate) throw malformed("a", "a header and a certificate are required");
  if (!e.zk) throw malformed("b", "a ZK certificate is required");
  const { header, certificate } = e.bls;
  if (header.chainId !== ctx.chainId) throw malformed("a", `header of chain ${JSON.stringify(header.chainId)}, not ${JSON.stringify(ctx.chainId)}`);
  if (header.height !== certificate.height) throw malformed("a", `header height ${header.height}, certificate height ${certificate.height}`);
  let hash: Uint8Array;
  try {
    hash = computeBlockHash(header);
  } catch (err) {
    throw malformed("a", `header: ${(err as Error).message}`);
  }
  if (!(certificate.blockHash instanceof Uint8Array) || !bytesEqual(hash, certificate.blockHash)) throw malformed("a", "the header does not hash to the certificate's block hash");
  if (e.zk.height !== certificate.height) throw notConflicting(`heights ${certificate.height} and ${e.zk.height}`);
  if (!(e.zk.blockHash instanceof Uint8Array) || bytesEqual(e.zk.blockHash, certificate.blockHash)) throw notConflicting("one block on both tiers");
  try {
    assertValidCommitCertificate(certificate, { chainId: ctx.chainId, validatorSet: ctx.validatorSet });
  } catch (err) {
    if (!(err instanceof CertificateError)) throw err;
    throw invalidCertificate("a", err);
  }
  let signers: number[];
  try {
    signers = assertValidZkCertificate(e.zk, ctx.validatorSetRoot, { ...ctx.verify, trust: undefined }).signers;
  } catch (err) {
    if (!(err instanceof ZkCertificateError)) throw err;
    throw invalidCertificate("b", err);
  }
  if (signers.some((i) => i >= ctx.validatorSet.validators.length)) throw invalidCertificate("b", { code: "ZK_SLOT_OUT_OF_SET", message: "a signer slot beyond the set" });
  return { height: certificate.height, bls: { round: certificate.round, blockHash: certificate.blockHash.slice(), signers: getSignerIndices(certificate.signers) }, zk: { blockHash: e.zk.blockHash.slice(), signers } };
}

/**
 * The slots two ZK certificates of one height for different statements prove guilty, after checking
 * both against `validatorSetRoot` (the ZK root of the set that signs that height, the verifier's
 * own) with `opts` (chain id, verification keys; no trusting period: evidence is judged by its age
 * against the unbonding period, by the caller). `powers[i]` is slot i's power. Throws ForkEvidenceError.
 */
export function assertZkForkGuilt(e: ZkForkEvidence, ctx: { validatorSetRoot: bigint; powers: readonly bigint[]; verify: VerifyZkCertificateOptions }): ForkGuilt {
  if (!e || typeof e !== "object" || !e.a || !e.b) throw malformed(e?.a ? "b" : "a", "two certificates are required");
  const { a, b } = e;
  if (a.height !== b.height) throw notConflicting(`heights ${a.height} and ${b.height}`);
  let same: boolean;
  try {
    same = isSameFinalityStatement(a, b);
  } catch (err) {
    throw malformed("a", (err as Error).message);
  }
  if (same) throw notConflicting("one statement (the same block, time and set roots)");
  const signers: number[][] = [];
  for (const side of SIDES) {
    try {
      signers.push(assertValidZkCertificate(e[side], ctx.validatorSetRoot, { ...ctx.verify, trust: undefined }).signers);
    } catch (err) {
      if (!(err instanceof ZkCertificateError)) throw err;
      throw invalidCertificate(side, err);
    }
  }
  const guilty = intersect(signers[0]!, signers[1]!);
  const total = ctx.powers.reduce((s, p) => s + p, 0n);
  if (guilty.some((i) => ctx.powers[i] === undefined)) {
    throw new ForkEvidenceError({ code: "FORK_EVIDENCE_ERROR_INVALID_CERTIFICATE", side: "a", reason: "a signer slot beyond the set's validators" }, "fork evidence: a signer slot beyond the set's validators");
  }
  return guiltOf("zk", a.height, guilty, ctx.powers, total);
}
