/** Shared helpers of the slashing tests: three bonded validators (10, 20, 30 M) signing from height 1. */
import { blsSign, computeFinalityMessage, computeVoteSignBytes, createSignerBitmap, VoteType } from "@aegis/consumer-sdk";
import { signFinalityMessage } from "../../../src/attestation/index.js";
import type { FinalityAttestation } from "../../../src/codec/index.js";
import type { Vote } from "../../../src/consensus/types.js";
import { getValidatorSetForHeight, msgCreateValidatorHandler, processEpochEnd, type EpochValidatorSet } from "../../../src/app/modules/staking/index.js";
import { processSlashingGenesis, type SlashingParams } from "../../../src/app/modules/slashing/index.js";
import type { StateView } from "../../../src/state/index.js";
import { addr, attestationKeyPair, blsKey, createValidatorMsg, mustRun, setup, T0 } from "../staking/stakingFixtures.js";

export const CHAIN_ID = "aegis-test";
export const M = 1_000_000n;

export function world(slashing: Partial<SlashingParams> = {}, staking: { unbondingTimeMs?: number } = {}): StateView {
  const s = setup({ params: { unbondingTimeMs: staking.unbondingTimeMs ?? 1000 } });
  for (const i of [1, 2, 3]) mustRun(s, msgCreateValidatorHandler, createValidatorMsg(i, 10n * M * BigInt(i)));
  processEpochEnd(s, { height: 0, time: T0 });
  processSlashingGenesis(s, slashing);
  return s;
}

export function setAt(s: StateView, h: number): EpochValidatorSet {
  return getValidatorSetForHeight(s, h)!;
}

/** Index in the set of validator i (fixtures numbering). */
export function indexOf(set: EpochValidatorSet, i: number): number {
  return set.validators.findIndex((v) => v.operator.every((b, j) => b === addr(i)[j]));
}

/** Bitmap where every member signed except the validators (fixture numbers) in `absent`. */
export function signersExcept(set: EpochValidatorSet, absent: number[]): Uint8Array {
  const skip = new Set(absent.map((i) => indexOf(set, i)));
  return createSignerBitmap(set.validators.length, set.validators.map((_, k) => k).filter((k) => !skip.has(k)));
}

export function vote(i: number, index: number, fields: { height: number; round?: number; type?: VoteType; blockHash: Uint8Array | null }, chainId = CHAIN_ID): Vote {
  const round = fields.round ?? 0;
  const type = fields.type ?? VoteType.Precommit;
  const signature = blsSign(blsKey(i).secretKey, computeVoteSignBytes({ chainId, height: fields.height, round, type, blockHash: fields.blockHash }));
  return { type, height: fields.height, round, blockHash: fields.blockHash, validatorIndex: index, signature };
}

export const hash = (b: number) => new Uint8Array(32).fill(b);

/** A finality statement (what an attestation signs besides the chain id); defaults: height 3, block hash(1). */
export interface Statement {
  height: number;
  time: number;
  blockHash: Uint8Array;
  validatorSetRoot: bigint;
  nextValidatorSetRoot: bigint;
}

export function statement(over: Partial<Statement> = {}): Statement {
  return { height: 3, time: T0 + 3, blockHash: hash(1), validatorSetRoot: 11n, nextValidatorSetRoot: 12n, ...over };
}

/** Validator i's attestation (its registered attestation key) of `st` as slot `index`, on chain `chainId`. */
export function attestation(i: number, index: number, st: Statement, chainId = CHAIN_ID): FinalityAttestation {
  const signature = signFinalityMessage(attestationKeyPair(i).secretKey, computeFinalityMessage({ chainId, ...st }));
  return { ...st, validatorIndex: index, signature };
}
