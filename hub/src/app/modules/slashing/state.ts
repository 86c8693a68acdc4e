import { concatBytes } from "@aegis/consumer-sdk";
import { Duration } from "cosmjs-types/google/protobuf/duration";
import { Params as CosmosSlashingParams, ValidatorSigningInfo } from "cosmjs-types/cosmos/slashing/v1beta1/slashing";
import type { KVStore, ReadonlyKVStore } from "../../../state/index.js";
import { toBech32 } from "../../../tx/index.js";
import { decodeU64, encodeU64 } from "../../storeKeys.js";
import { DEC_ONE, decFromInt, decMul, decTruncateInt, msToTimestamp, timestampToMs } from "../staking/index.js";

/** Bech32 prefix of consensus addresses (sha256(bls key)[0..20]) in the slashing queries. */
export const CONSENSUS_ADDRESS_PREFIX = "aegisvalcons";

/**
 * Key layout of the slashing module (prefixes 0x40–0x4f). Consensus addresses are 20 bytes.
 */
export const SlashingKeyPrefix = {
  /** 0x40 -> cosmos.slashing.v1beta1.Params (Dec fields: the atomics as a decimal string, as the SDK) */
  Params: 0x40,
  /** 0x41 | consensus address(20) -> cosmos.slashing.v1beta1.ValidatorSigningInfo */
  SigningInfo: 0x41,
  /** 0x42 | consensus address(20) | window index(4, BE) -> 0x01: that slot of the window was missed */
  MissedBlock: 0x42,
  /** 0x43 | height(8) -> block time (u64 ms), kept for the unbonding period (evidence age) */
  BlockTime: 0x43,
  /** 0x44 -> forkCaseResponseMs (u64): how long a fork case's obligation stays open (decision 52) */
  ForkCaseResponse: 0x44,
  /** 0x45 | case id(8) -> aegis.slashing.v1.ForkCase */
  ForkCase: 0x45,
  /** 0x46 -> the next fork case id (u64, from 1) */
  NextForkCaseId: 0x46,
  /** 0x47 | case id(8) -> 0x01 while the case has an open obligation */
  OpenForkCase: 0x47,
  /** 0x48 | height(8) | sha256(low round, low block, high round, high block) -> case id: one case per fork */
  ForkCaseByFork: 0x48,
} as const;

export const SLASHING_PARAMS_KEY = Uint8Array.of(SlashingKeyPrefix.Params);
export const SIGNING_INFO_PREFIX = Uint8Array.of(SlashingKeyPrefix.SigningInfo);
export const MISSED_BLOCK_PREFIX = Uint8Array.of(SlashingKeyPrefix.MissedBlock);
export const BLOCK_TIME_PREFIX = Uint8Array.of(SlashingKeyPrefix.BlockTime);

export function signingInfoKey(consensusAddress: Uint8Array): Uint8Array {
  return concatBytes(SIGNING_INFO_PREFIX, consensusAddress);
}
export function missedBlockPrefix(consensusAddress: Uint8Array): Uint8Array {
  return concatBytes(MISSED_BLOCK_PREFIX, consensusAddress);
}
export function missedBlockKey(consensusAddress: Uint8Array, index: number): Uint8Array {
  const i = new Uint8Array(4);
  new DataView(i.buffer).setUint32(0, index);
  return concatBytes(MISSED_BLOCK_PREFIX, consensusAddress, i);
}
export function blockTimeKey(height: number): Uint8Array {
  return concatBytes(BLOCK_TIME_PREFIX, encodeU64(BigInt(height)));
}

/** Slashing parameters, set at genesis. Dec fields are atomics (10^18 = 1). */
export interface SlashingParams {
  signedBlocksWindow: number;
  minSignedPerWindow: bigint;
  downtimeJailDurationMs: number;
  slashFractionDoubleSign: bigint;
  slashFractionDowntime: bigint;
  /** How long a fork case's obligation stays open before its owers are slashed (decision 52). */
  forkCaseResponseMs: number;
}

export const DEFAULT_SLASHING_PARAMS: Readonly<SlashingParams> = Object.freeze({
  signedBlocksWindow: 100,
  minSignedPerWindow: DEC_ONE / 2n,
  downtimeJailDurationMs: 10 * 60 * 1000,
  slashFractionDoubleSign: DEC_ONE / 20n,
  slashFractionDowntime: DEC_ONE / 10_000n,
  forkCaseResponseMs: 24 * 60 * 60 * 1000,
});
const FORK_CASE_RESPONSE_KEY = Uint8Array.of(SlashingKeyPrefix.ForkCaseResponse);

export class SlashingParamsError extends Error {
  override name = "SlashingParamsError";
}

export function validateSlashingParams(p: SlashingParams): void {
  const bad = (field: string, reason: string) => new SlashingParamsError(`slashing params: ${field} ${reason}`);
  if (!Number.isSafeInteger(p.signedBlocksWindow) || p.signedBlocksWindow < 1 || p.signedBlocksWindow > 0xffffffff) throw bad("signedBlocksWindow", "must be a positive integer < 2^32");
  if (!Number.isSafeInteger(p.downtimeJailDurationMs) || p.downtimeJailDurationMs < 0) throw bad("downtimeJailDurationMs", "must be a non-negative safe integer");
  const frac = (field: string, d: bigint) => {
    if (d < 0n || d > DEC_ONE) throw bad(field, "must be in [0, 1]");
  };
  frac("minSignedPerWindow", p.minSignedPerWindow);
  frac("slashFractionDoubleSign", p.slashFractionDoubleSign);
  frac("slashFractionDowntime", p.slashFractionDowntime);
  if (!Number.isSafeInteger(p.forkCaseResponseMs) || p.forkCaseResponseMs < 1) throw bad("forkCaseResponseMs", "must be a positive safe integer");
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const decBytes = (d: bigint) => enc.encode(d.toString());
const bytesDec = (b: Uint8Array) => (b.length === 0 ? 0n : BigInt(dec.decode(b)));

/** The params as cosmos.slashing.v1beta1.Params (what the Params query returns). */
export function toCosmosSlashingParams(p: SlashingParams): CosmosSlashingParams {
  const ms = BigInt(p.downtimeJailDurationMs);
  return {
    signedBlocksWindow: BigInt(p.signedBlocksWindow),
    minSignedPerWindow: decBytes(p.minSignedPerWindow),
    downtimeJailDuration: Duration.fromPartial({ seconds: ms / 1000n, nanos: Number(ms % 1000n) * 1_000_000 }),
    slashFractionDoubleSign: decBytes(p.slashFractionDoubleSign),
    slashFractionDowntime: decBytes(p.slashFractionDowntime),
  };
}

export function getSlashingParams(store: ReadonlyKVStore): SlashingParams {
  const raw = store.get(SLASHING_PARAMS_KEY);
  if (!raw) return { ...DEFAULT_SLASHING_PARAMS };
  const m = CosmosSlashingParams.decode(raw);
  return {
    signedBlocksWindow: Number(m.signedBlocksWindow),
    minSignedPerWindow: bytesDec(m.minSignedPerWindow),
    downtimeJailDurationMs: Number(m.downtimeJailDuration.seconds) * 1000 + Math.floor(m.downtimeJailDuration.nanos / 1_000_000),
    slashFractionDoubleSign: bytesDec(m.slashFractionDoubleSign),
    slashFractionDowntime: bytesDec(m.slashFractionDowntime),
    forkCaseResponseMs: getForkCaseResponseMs(store),
  };
}

/** The fork case response period (kept apart from the SDK's Params record, which has no such field). */
export function getForkCaseResponseMs(store: ReadonlyKVStore): number {
  const raw = store.get(FORK_CASE_RESPONSE_KEY);
  return raw ? Number(decodeU64(raw)) : DEFAULT_SLASHING_PARAMS.forkCaseResponseMs;
}

export function setSlashingParams(store: KVStore, p: SlashingParams): void {
  validateSlashingParams(p);
  store.set(SLASHING_PARAMS_KEY, CosmosSlashingParams.encode(toCosmosSlashingParams(p)).finish());
  // Written only when not the default: chains from before the parameter keep their state as it was.
  if (p.forkCaseResponseMs !== DEFAULT_SLASHING_PARAMS.forkCaseResponseMs) store.set(FORK_CASE_RESPONSE_KEY, encodeU64(BigInt(p.forkCaseResponseMs)));
  else if (store.get(FORK_CASE_RESPONSE_KEY)) store.delete(FORK_CASE_RESPONSE_KEY);
}

/** Genesis: the params (defaults for the fields not given). */
export function processSlashingGenesis(store: KVStore, params: Partial<SlashingParams> = {}): void {
  setSlashingParams(store, { ...DEFAULT_SLASHING_PARAMS, ...params });
}

/** Misses allowed in a window: window − round(window × minSignedPerWindow), rounded half to even as the SDK's RoundInt64. */
export function maxMissedBlocks(p: SlashingParams): number {
  const product = decMul(decFromInt(BigInt(p.signedBlocksWindow)), p.minSignedPerWindow);
  const q = decTruncateInt(product);
  const r = product - q * DEC_ONE;
  const minSigned = r > DEC_ONE / 2n || (r === DEC_ONE / 2n && q % 2n === 1n) ? q + 1n : q;
  return p.signedBlocksWindow - Number(minSigned);
}

/** Signing info in domain form. */
export interface SigningInfo {
  consensusAddress: Uint8Array;
  /** Height from which the current window counts (first seen in a set, or unjailed). */
  startHeight: number;
  /** Blocks counted since startHeight (the window slot is indexOffset % window). */
  indexOffset: number;
  jailedUntilMs: number;
  tombstoned: boolean;
  missedBlocksCounter: number;
}

/** 9999-12-31T23:59:59Z: the SDK's DoubleSignJailEndTime. */
export const DOUBLE_SIGN_JAIL_END_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

export function consensusBech32(consensusAddress: Uint8Array): string {
  return toBech32(CONSENSUS_ADDRESS_PREFIX, consensusAddress);
}

export function toCosmosSigningInfo(i: SigningInfo): ValidatorSigningInfo {
  return {
    address: consensusBech32(i.consensusAddress),
    startHeight: BigInt(i.startHeight),
    indexOffset: BigInt(i.indexOffset),
    jailedUntil: msToTimestamp(i.jailedUntilMs),
    tombstoned: i.tombstoned,
    missedBlocksCounter: BigInt(i.missedBlocksCounter),
  };
}

export function decodeSigningInfo(consensusAddress: Uint8Array, raw: Uint8Array): SigningInfo {
  const m = ValidatorSigningInfo.decode(raw);
  return {
    consensusAddress,
    startHeight: Number(m.startHeight),
    indexOffset: Number(m.indexOffset),
    jailedUntilMs: timestampToMs(m.jailedUntil),
    tombstoned: m.tombstoned,
    missedBlocksCounter: Number(m.missedBlocksCounter),
  };
}

export function getSigningInfo(store: ReadonlyKVStore, consensusAddress: Uint8Array): SigningInfo | undefined {
  const raw = store.get(signingInfoKey(consensusAddress));
  return raw ? decodeSigningInfo(consensusAddress, raw) : undefined;
}

export function setSigningInfo(store: KVStore, i: SigningInfo): void {
  store.set(signingInfoKey(i.consensusAddress), ValidatorSigningInfo.encode(toCosmosSigningInfo(i)).finish());
}

export function newSigningInfo(consensusAddress: Uint8Array, startHeight: number): SigningInfo {
  return { consensusAddress, startHeight, indexOffset: 0, jailedUntilMs: 0, tombstoned: false, missedBlocksCounter: 0 };
}

/** Clears a validator's missed-block bits (O(missed), only when a window is reset). */
export function clearMissedBlocks(store: KVStore, consensusAddress: Uint8Array): void {
  const keys = [...store.iterate(missedBlockPrefix(consensusAddress))].map(([k]) => k);
  for (const k of keys) store.delete(k);
}

export function getBlockTime(store: ReadonlyKVStore, height: number): number | undefined {
  const raw = store.get(blockTimeKey(height));
  return raw ? Number(decodeU64(raw)) : undefined;
}
