import { AegisError } from "./errors.js";
import { bytesEqual, toHex } from "./bytes.js";
import { assertValidCommitCertificate, CertificateError, type CommitCertificate } from "./commitCertificate.js";
import { computeBlockHash, type BlockHeader } from "./header.js";
import { createHubLightClient, type HubLightClientState } from "./lightClient.js";
import { getSignerIndices } from "./signerBitmap.js";
import { computeValidatorSetRoot, type ValidatorSet } from "./validatorSet.js";

/*
 * Recovery of a frozen light client without governance (decision 51). A client that saw two
 * certified blocks at one hub height froze (it keeps what was final and accepts nothing new). When
 * the fork's evidence named who signed both sides (guilty G, > 1/3 of the set V that signed that
 * height), the client may resume from a later header signed by a set without G and certified by more
 * than 2/3 of the post-slash stake: validators of V \ G holding, by their power in V, more than 2/3 of
 * V \ G's power. The hub tombstones G once the evidence is on chain and the next epoch's set leaves
 * them out, so the honest rest of V signs the chain that continues; a chain whose set still holds G
 * (the fork's other side, or this one before the slash took effect) resumes nobody. The resume header becomes the client's new BLS trusted
 * root; the ZK tier is dropped (its next root cannot be derived from a BLS-certified header) until an
 * operator supplies a new trust root.
 *
 * Why it is safe: two frozen clients can resume onto different chains only if validators of V \ G
 * holding more than 1/3 of V \ G's power certified both, each of them a fork signer the next
 * conflict names; nobody in G counts. Without evidence (a fork across rounds or tiers), G is
 * unknown and only the operator's path remains.
 */

/** What a frozen client keeps of the fork that froze it (persisted by the runtime). */
export interface HubForkFreeze {
  /** The hub height with two certified blocks. */
  height: number;
  /** Hub time of the first verified block at that height (Unix ms): the accountability window runs from it. */
  time: number;
  /** The set that signed `height` (the one both certificates were verified against). */
  signingSet: ValidatorSet;
  /**
   * Indices into `signingSet` of who signed both sides: proved guilty by a pair of one round (or two ZK
   * certificates); across rounds, the most a case can convict. Counted out of the post-slash stake, and
   * a resume needs them all gone from the set. Empty: no automatic resume.
   */
  guilty: number[];
}

export interface ForkResumeUpdate {
  header: BlockHeader;
  certificate: CommitCertificate;
  /** The full set that signed `header` (its root must be `header.validatorSetRoot`). */
  signingSet: ValidatorSet;
  /** The full set named by `header.nextValidatorSetRoot`, when it differs from `header.validatorSetRoot`. */
  nextValidatorSet?: ValidatorSet;
}

export type ForkRecoveryErrorType =
  | { code: "FORK_RECOVERY_ERROR_MALFORMED"; field: string; reason: string }
  /** The freeze names nobody proved guilty: only an operator-supplied trust root resumes the client. */
  | { code: "FORK_RECOVERY_ERROR_NO_PROVED_GUILT"; height: number }
  | { code: "FORK_RECOVERY_ERROR_NOT_NEWER"; height: number; forkHeight: number }
  /** Past the trusting period from the fork: the old set's honest members may have unbonded. */
  | { code: "FORK_RECOVERY_ERROR_TRUST_EXPIRED"; forkTime: number; trustingPeriodMs: number; now: number }
  | { code: "FORK_RECOVERY_ERROR_WRONG_CHAIN"; expected: string; actual: string }
  | { code: "FORK_RECOVERY_ERROR_WRONG_VALIDATOR_SET"; field: string; expected: string; actual: string }
  | { code: "FORK_RECOVERY_ERROR_CERTIFICATE_INVALID"; certificateCode: string }
  /** The certificate's signers outside G do not hold more than 2/3 of the post-slash stake. */
  | { code: "FORK_RECOVERY_ERROR_INSUFFICIENT_POST_SLASH_POWER"; signed: bigint; total: bigint }
  /** The set that signs the header still holds a validator of G: the hub has not removed the guilty yet. */
  | { code: "FORK_RECOVERY_ERROR_GUILTY_IN_SET"; index: number };

export class ForkRecoveryError extends AegisError<ForkRecoveryErrorType> {}

const fail = (t: ForkRecoveryErrorType, message: string) => new ForkRecoveryError(t, message);

/**
 * The power, counted in the frozen set, of the update's signers that are in V \ G, and the power of
 * V \ G. A signer is matched by BLS public key (a set change may reorder or reweigh validators; only
 * their stake at the fork height counts).
 */
export function getPostSlashTally(freeze: HubForkFreeze, signingSet: ValidatorSet, signerIndices: readonly number[]): { signed: bigint; total: bigint } {
  const guilty = new Set(freeze.guilty);
  const remaining = new Map<string, bigint>();
  freeze.signingSet.validators.forEach((v, i) => {
    if (!guilty.has(i)) remaining.set(toHex(v.blsPublicKey), v.power);
  });
  let total = 0n;
  for (const p of remaining.values()) total += p;
  let signed = 0n;
  for (const i of new Set(signerIndices)) {
    const v = signingSet.validators[i];
    const p = v ? remaining.get(toHex(v.blsPublicKey)) : undefined;
    if (p !== undefined) signed += p;
  }
  return { signed, total };
}

/**
 * The light client state that resumes a frozen client from `update` (the rule above), or a
 * ForkRecoveryError. `state` is the frozen client's state (its chain id, periods and drift); the
 * result trusts `update.header` on the BLS tier and has no ZK tier.
 */
export function resumeHubLightClientAfterFork(state: HubLightClientState, freeze: HubForkFreeze, update: ForkResumeUpdate, now: number): HubLightClientState {
  if (!freeze || !Number.isSafeInteger(freeze.height) || freeze.height < 1) throw fail({ code: "FORK_RECOVERY_ERROR_MALFORMED", field: "freeze.height", reason: "not a height" }, "fork recovery: the freeze has no height");
  if (!Array.isArray(freeze.guilty) || freeze.guilty.some((i) => !Number.isSafeInteger(i) || i < 0 || i >= freeze.signingSet.validators.length)) {
    throw fail({ code: "FORK_RECOVERY_ERROR_MALFORMED", field: "freeze.guilty", reason: "not indices into the signing set" }, "fork recovery: the freeze's guilty are not indices into its set");
  }
  if (freeze.guilty.length === 0) throw fail({ code: "FORK_RECOVERY_ERROR_NO_PROVED_GUILT", height: freeze.height }, `the fork at hub height ${freeze.height} named nobody: only a trust root supplied by the operator resumes this client`);
  const { header, certificate, signingSet } = update ?? ({} as ForkResumeUpdate);
  if (!header || !certificate || !signingSet) throw fail({ code: "FORK_RECOVERY_ERROR_MALFORMED", field: "update", reason: "a header, its certificate and its signing set are required" }, "fork recovery: incomplete update");
  if (header.chainId !== state.chainId) throw fail({ code: "FORK_RECOVERY_ERROR_WRONG_CHAIN", expected: state.chainId, actual: header.chainId }, `fork recovery: a header of ${header.chainId}, not ${state.chainId}`);
  if (!Number.isSafeInteger(header.height) || header.height <= freeze.height) {
    throw fail({ code: "FORK_RECOVERY_ERROR_NOT_NEWER", height: header.height, forkHeight: freeze.height }, `fork recovery: header ${header.height} is not above the fork at ${freeze.height}`);
  }
  if (now - freeze.time >= state.trustingPeriodMs) {
    throw fail({ code: "FORK_RECOVERY_ERROR_TRUST_EXPIRED", forkTime: freeze.time, trustingPeriodMs: state.trustingPeriodMs, now }, "fork recovery: the trusting period since the fork has passed; the operator must supply a trust root");
  }
  const root = computeValidatorSetRoot(signingSet);
  if (!bytesEqual(root, header.validatorSetRoot)) {
    throw fail({ code: "FORK_RECOVERY_ERROR_WRONG_VALIDATOR_SET", field: "signingSet", expected: toHex(header.validatorSetRoot), actual: toHex(root) }, "fork recovery: the signing set is not the one the header names");
  }
  try {
    assertValidCommitCertificate(certificate, { chainId: state.chainId, validatorSet: signingSet, expectedHeight: header.height, expectedBlockHash: computeBlockHash(header) });
  } catch (e) {
    if (e instanceof CertificateError) throw fail({ code: "FORK_RECOVERY_ERROR_CERTIFICATE_INVALID", certificateCode: e.code }, `fork recovery: the certificate does not verify (${e.code})`);
    throw e;
  }
  // "From that chain": the one whose set no longer holds the guilty (the hub slashed them and its next epoch left them out).
  const guiltyKeys = new Set(freeze.guilty.map((i) => toHex(freeze.signingSet.validators[i]!.blsPublicKey)));
  const stillIn = signingSet.validators.findIndex((v) => guiltyKeys.has(toHex(v.blsPublicKey)));
  if (stillIn >= 0) {
    throw fail({ code: "FORK_RECOVERY_ERROR_GUILTY_IN_SET", index: stillIn }, `fork recovery: validator ${stillIn} of the header's set signed both sides of the fork: the hub has not removed the guilty yet`);
  }
  const { signed, total } = getPostSlashTally(freeze, signingSet, getSignerIndices(certificate.signers));
  if (!(3n * signed > 2n * total)) {
    throw fail({ code: "FORK_RECOVERY_ERROR_INSUFFICIENT_POST_SLASH_POWER", signed, total }, `fork recovery: signers outside the guilty hold ${signed} of the post-slash ${total}, not more than 2/3`);
  }
  const sameSet = bytesEqual(header.nextValidatorSetRoot, header.validatorSetRoot);
  const nextValidatorSet = sameSet ? signingSet : update.nextValidatorSet;
  if (!nextValidatorSet) throw fail({ code: "FORK_RECOVERY_ERROR_MALFORMED", field: "nextValidatorSet", reason: "the header changes the set and the next set was not given" }, "fork recovery: the next set is required");
  // createHubLightClient checks the next set's root, the header's shape and time (trusting period, drift).
  return createHubLightClient(
    { bls: { header, nextValidatorSet } },
    { chainId: state.chainId, trustingPeriodMs: state.trustingPeriodMs, unbondingPeriodMs: state.unbondingPeriodMs, maxClockDriftMs: state.maxClockDriftMs },
    now,
  );
}
