import { blsVerify, bytesEqual, computeVoteSignBytes, VoteType } from "@aegis/consumer-sdk";
import type { DuplicateVoteEvidence, Vote } from "../../../consensus/types.js";
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
  const typeUrl = ctx.typeUrl ?? MSG_SUBMIT_EVIDENCE_TYPE_URL;
  const fail = (reason: string): never => {
    throw new TxError({ code: "TX_ERROR_INVALID_MESSAGE", typeUrl, reason });
  };
  const { voteA: a, voteB: b } = evidence;
  if (!isVote(a) || !isVote(b)) fail("malformed vote");
  if (a.height !== b.height) fail(`votes at different heights (${a.height}, ${b.height})`);
  if (a.round !== b.round) fail(`votes in different rounds (${a.round}, ${b.round})`);
  if (a.type !== b.type) fail("votes of different types");
  if (a.validatorIndex !== b.validatorIndex) fail("votes of different validators");
  const sameValue = a.blockHash === null || b.blockHash === null ? a.blockHash === b.blockHash : bytesEqual(a.blockHash, b.blockHash);
  if (sameValue) fail("votes for the same block");
  const height = a.height;
  if (height > ctx.height) fail(`evidence from the future: height ${height}, current height ${ctx.height}`);

  const infractionTime = getBlockTime(store, height) ?? (height >= ctx.height - 1 ? ctx.time : undefined);
  const unbonding = getStakingParams(store).unbondingTimeMs;
  if (infractionTime === undefined || ctx.time - infractionTime > unbonding) fail(`evidence too old: height ${height} is beyond the unbonding period`);

  const set = (ctx.getSet ?? ((h: number) => getValidatorSetForHeight(store, h)))(height);
  if (!set) fail(`no validator set for height ${height}`);
  const member = set!.validators[a.validatorIndex] ?? fail(`unknown validator index ${a.validatorIndex} at height ${height}`);
  const v = getValidator(store, member.operator) ?? fail(`unknown validator ${member.operatorAddress}`);

  const info = getSigningInfo(store, member.consensusAddress);
  if (v.tombstoned || info?.tombstoned) fail(`validator ${member.operatorAddress} already tombstoned`);

  for (const vote of [a, b]) {
    const msg = computeVoteSignBytes({ chainId: ctx.chainId, height, round: vote.round, type: vote.type, blockHash: vote.blockHash });
    if (!blsVerify(member.blsPublicKey, msg, vote.signature)) fail("invalid vote signature");
  }

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
        { key: "reason", value: "double_sign" },
        { key: "jailed", value: cons },
        { key: "burned_coins", value: slash.burned.toString() },
        { key: "infraction_height", value: String(height) },
        { key: "slash_fraction", value: formatDec(params.slashFractionDoubleSign) },
      ],
    },
  ];
  return { operator: member.operator, consensusAddress: member.consensusAddress, infractionHeight: height, slash, events };
}
