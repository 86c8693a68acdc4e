import { blsVerify, bytesEqual, computeFinalityMessage, computeVoteSignBytes, VoteType, ZkError } from "@aegis/consumer-sdk";
import { isValidFinalitySignature } from "../../../attestation/index.js";
import type { FinalityAttestation } from "../../../codec/codec.js";
import { duplicateVoteDefect, isConflictingAttestationPair } from "../../../consensus/evidence.js";
import type { DoubleAttestationEvidence, DuplicateVoteEvidence, Vote } from "../../../consensus/types.js";
import type { KVStore } from "../../../state/index.js";
import { TxError } from "../../../tx/index.js";
import type { TxEvent } from "../../txEvents.js";
import {
  formatDec,
  getStakingParams,
  getValidator,
  getValidatorSetForHeight,
  processSlash,
  processTombstone,
  type ActiveValidator,
  type EpochValidatorSet,
  type SlashResult,
} from "../staking/index.js";
import { consensusBech32, DOUBLE_SIGN_JAIL_END_MS, getBlockTime, getSigningInfo, getSlashingParams, newSigningInfo, setSigningInfo } from "./state.js";

/** Type URL of the evidence message (and of the errors of processDuplicateVoteEvidence). */
export const MSG_SUBMIT_EVIDENCE_TYPE_URL = "/aegis.slashing.v1.MsgSubmitEvidence";

export interface EvidenceContext {
  /** Current block height and time (Unix ms). */
  height: number;
  time: number;
  chainId: string;
  /** The set that signed a height; default: staking getValidatorSetForHeight(store, h). */
  getSet?: (height: number) => EpochValidatorSet | undefined;
  /** Type URL used in errors (default MSG_SUBMIT_EVIDENCE_TYPE_URL). */
  typeUrl?: string;
}

/** What punishing a double sign or a double attestation did. */
export interface DuplicateVoteResult {
  operator: Uint8Array;
  consensusAddress: Uint8Array;
  infractionHeight: number;
  slash: SlashResult;
  events: TxEvent[];
}

function isVote(v: Vote | undefined): v is Vote {
  return (
    !!v &&
    Number.isSafeInteger(v.height) &&
    v.height >= 1 &&
    Number.isInteger(v.round) &&
    v.round >= 0 &&
    v.round <= 0xffffffff &&
    (v.type === VoteType.Prevote || v.type === VoteType.Precommit) &&
    Number.isInteger(v.validatorIndex) &&
    v.validatorIndex >= 0 &&
    (v.blockHash === null || (v.blockHash instanceof Uint8Array && v.blockHash.length === 32)) &&
    v.signature instanceof Uint8Array
  );
}

/**
 * The slash event's `reason` for each offence ("hub_fork": named by two conflicting certificates,
 * decision 50; a fork case across rounds, decision 52: "hub_fork_double_prevote" for two polkas of one
 * round, "hub_fork_unanswered" for an obligation left open past its deadline).
 */
export type DoubleSignReason = "double_sign" | "double_attestation" | "hub_fork" | "hub_fork_double_prevote" | "hub_fork_unanswered";

/** The validator behind an offence, resolved against the hub's own set for the infraction height. */
interface Offender {
  member: ActiveValidator;
  info: ReturnType<typeof getSigningInfo>;
}

/**
 * The checks every double-sign offence shares, after the evidence's own shape: the height not in the
 * future, its block time within the unbonding period, the index a member of the set that signed that
 * height, the validator known and not yet tombstoned.
 */
function getOffender(store: KVStore, height: number, validatorIndex: number, ctx: EvidenceContext, fail: (reason: string) => never): Offender {
  const set = getPunishableSet(store, height, ctx, fail);
  const member = set.validators[validatorIndex] ?? fail(`unknown validator index ${validatorIndex} at height ${height}`);
  const o = getUntombstoned(store, member, fail);
  if (!o) fail(`validator ${member.operatorAddress} already tombstoned`);
  return o!;
}

/**
 * The set that signed `height`, when an offence there can still be punished: the height not in the
 * future and its block time within the unbonding period (so the stake that signed is still bonded
 * or unbonding, and slashable).
 */
export function getPunishableSet(store: KVStore, height: number, ctx: EvidenceContext, fail: (reason: string) => never): EpochValidatorSet {
  if (height > ctx.height) fail(`evidence from the future: height ${height}, current height ${ctx.height}`);
  const infractionTime = getBlockTime(store, height) ?? (height >= ctx.height - 1 ? ctx.time : undefined);
  const unbonding = getStakingParams(store).unbondingTimeMs;
  if (infractionTime === undefined || ctx.time - infractionTime > unbonding) fail(`evidence too old: height ${height} is beyond the unbonding period`);
  const set = (ctx.getSet ?? ((h: number) => getValidatorSetForHeight(store, h)))(height);
  return set ?? fail(`no validator set for height ${height}`);
}

/** The member as an offender, or undefined when it is already tombstoned (punished for good once). */
function getUntombstoned(store: KVStore, member: ActiveValidator, fail: (reason: string) => never): Offender | undefined {
  const v = getValidator(store, member.operator) ?? fail(`unknown validator ${member.operatorAddress}`);
  const info = getSigningInfo(store, member.consensusAddress);
  return v.tombstoned || info?.tombstoned ? undefined : { member, info };
}

/**
 * Punishes every validator of `set` (the set that signed `height`, from getPunishableSet) at the
 * indices a verified hub fork names (consumer-sdk assertBlsForkGuilt / assertZkForkGuilt) as a double
 * sign: slashFractionDoubleSign of the power it had then, tombstoned. Those already tombstoned are
 * skipped (the same guilt is slashed once); none left: TX_ERROR_INVALID_MESSAGE, nothing written.
 */
export function processForkPunishment(store: KVStore, set: EpochValidatorSet, height: number, guilty: readonly number[], ctx: EvidenceContext): DuplicateVoteResult[] {
  const results = processForkConvictions(store, set, height, guilty, ctx, "hub_fork");
  if (results.length === 0) failWith(ctx)(`every validator the fork at height ${height} names is already tombstoned`);
  return results;
}

/**
 * processForkPunishment without the refusal: punishes those of `guilty` not yet tombstoned (a fork
 * case's convictions, decision 52, where "already punished" is not an error) with `reason`.
 */
export function processForkConvictions(store: KVStore, set: EpochValidatorSet, height: number, guilty: readonly number[], ctx: EvidenceContext, reason: DoubleSignReason): DuplicateVoteResult[] {
  const fail = failWith(ctx);
  const offenders = guilty.map((i) => set.validators[i] ?? fail(`unknown validator index ${i} at height ${height}`)).map((m) => getUntombstoned(store, m, fail));
  return offenders.filter((o): o is Offender => o !== undefined).map((o) => processDoubleSignPunishment(store, o, height, ctx, reason));
}

/**
 * Punishes a verified double-sign offence: slashes slashFractionDoubleSign of the power the validator
 * had in the set at the infraction height (unbonding and redelegation entries included) and tombstones
 * it (jailed for good).
 */
function processDoubleSignPunishment(store: KVStore, { member, info }: Offender, height: number, ctx: EvidenceContext, reason: DoubleSignReason): DuplicateVoteResult {
  const params = getSlashingParams(store);
  const slash = processSlash(store, member.operator, height, params.slashFractionDoubleSign, { height: ctx.height, time: ctx.time }, { power: member.power });
  processTombstone(store, member.operator);
  const si = info ?? newSigningInfo(member.consensusAddress, ctx.height);
  setSigningInfo(store, { ...si, tombstoned: true, jailedUntilMs: DOUBLE_SIGN_JAIL_END_MS });
  const cons = consensusBech32(member.consensusAddress);
  const events: TxEvent[] = [
    {
      type: "slash",
      attributes: [
        { key: "address", value: cons },
        { key: "power", value: String(member.power) },
        { key: "reason", value: reason },
        { key: "jailed", value: cons },
        { key: "burned_coins", value: slash.burned.toString() },
        { key: "infraction_height", value: String(height) },
        { key: "slash_fraction", value: formatDec(params.slashFractionDoubleSign) },
      ],
    },
  ];
  return { operator: member.operator, consensusAddress: member.consensusAddress, infractionHeight: height, slash, events };
}

function failWith(ctx: EvidenceContext): (reason: string) => never {
  const typeUrl = ctx.typeUrl ?? MSG_SUBMIT_EVIDENCE_TYPE_URL;
  return (reason: string): never => {
    throw new TxError({ code: "TX_ERROR_INVALID_MESSAGE", typeUrl, reason });
  };
}

/**
 * Verifies duplicate-vote evidence and punishes it: both votes at one (height, round, type) by one
 * validator index for different block hashes (nil counts as a value), both BLS signatures valid over
 * computeVoteSignBytes with the key of that index in the set that signed the height, the height not
 * in the future and its block time (recorded by processBlockSignatures) within the unbonding period.
 * Then slashes slashFractionDoubleSign of the power it had in that set at the infraction height and
 * tombstones it (jailed for good). Throws TX_ERROR_INVALID_MESSAGE (nothing written) when the
 * evidence is invalid or the validator is already tombstoned. Usable at block end (catch and drop)
 * and by a message handler (on the message's branch).
 */
export function processDuplicateVoteEvidence(store: KVStore, evidence: DuplicateVoteEvidence, ctx: EvidenceContext): DuplicateVoteResult {
  const fail = failWith(ctx);
  const { voteA: a, voteB: b } = evidence;
  if (!isVote(a) || !isVote(b)) fail("malformed vote");
  const defect = duplicateVoteDefect(a, b);
  if (defect) fail(defect);
  const height = a.height;
  const offender = getOffender(store, height, a.validatorIndex, ctx, fail);

  for (const vote of [a, b]) {
    const msg = computeVoteSignBytes({ chainId: ctx.chainId, height, round: vote.round, type: vote.type, blockHash: vote.blockHash });
    if (!blsVerify(offender.member.blsPublicKey, msg, vote.signature)) fail("invalid vote signature");
  }
  return processDoubleSignPunishment(store, offender, height, ctx, "double_sign");
}

const U32_MAX = 0xffffffff;
const isU256 = (x: unknown): x is bigint => typeof x === "bigint" && x >= 0n && x < 1n << 256n;

function isAttestation(a: FinalityAttestation | undefined): a is FinalityAttestation {
  return (
    !!a &&
    Number.isSafeInteger(a.height) &&
    a.height >= 1 &&
    Number.isSafeInteger(a.time) &&
    a.time >= 0 &&
    a.blockHash instanceof Uint8Array &&
    a.blockHash.length === 32 &&
    isU256(a.validatorSetRoot) &&
    isU256(a.nextValidatorSetRoot) &&
    Number.isInteger(a.validatorIndex) &&
    a.validatorIndex >= 0 &&
    a.validatorIndex <= U32_MAX &&
    a.signature instanceof Uint8Array
  );
}

/** The finality message `a` signs on chain `chainId` (its statement's own ranges checked by the SDK). */
function computeAttestedMessage(chainId: string, a: FinalityAttestation, fail: (reason: string) => never): bigint {
  try {
    return computeFinalityMessage({ chainId, height: a.height, time: a.time, blockHash: a.blockHash, validatorSetRoot: a.validatorSetRoot, nextValidatorSetRoot: a.nextValidatorSetRoot });
  } catch (e) {
    if (e instanceof ZkError) return fail(`malformed attestation: ${e.message}`);
    throw e;
  }
}

/**
 * Verifies double-attestation evidence and punishes it as a double sign: two finality attestations by
 * one validator index at one height for different statements (isSameFinalityStatement false: block
 * hash, time, signing set root or next set root differ), the height not in the future and its block
 * time within the unbonding period, both EdDSA-Poseidon signatures valid over computeFinalityMessage
 * with this chain's id (`ctx.chainId`: evidence of another chain does not verify) under the attestation
 * key registered by the validator at that index in the hub's set for that height. What the statements
 * claim (their roots, time, block) is not compared with the chain: a signed lie conflicts as much as
 * a signed truth. Then slashes slashFractionDoubleSign at the infraction height's power and tombstones
 * (slash event reason "double_attestation"). Throws TX_ERROR_INVALID_MESSAGE (nothing written) when the
 * evidence is invalid or the validator already tombstoned. Checks run cheapest first; the two
 * signature checks (~3 ms each) last.
 */
export function processDoubleAttestationEvidence(store: KVStore, evidence: DoubleAttestationEvidence, ctx: EvidenceContext): DuplicateVoteResult {
  const fail = failWith(ctx);
  const { attestationA: a, attestationB: b } = evidence;
  if (!isAttestation(a) || !isAttestation(b)) fail("malformed attestation");
  if (a.height !== b.height) fail(`attestations at different heights (${a.height}, ${b.height})`);
  if (a.validatorIndex !== b.validatorIndex) fail("attestations of different validators");
  if (!isConflictingAttestationPair(a, b)) fail("attestations of the same statement");
  const height = a.height;
  const offender = getOffender(store, height, a.validatorIndex, ctx, fail);

  for (const att of [a, b]) {
    const message = computeAttestedMessage(ctx.chainId, att, fail);
    if (!isValidFinalitySignature(offender.member.attestationPublicKey, message, att.signature)) fail("invalid attestation signature");
  }
  return processDoubleSignPunishment(store, offender, height, ctx, "double_attestation");
}
