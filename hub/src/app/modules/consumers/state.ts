import { aegis } from "@aegis/proto";
import { computeMerkleLeafHash, computeMerkleRootOfLeafHashes, encodeCheckpointCanonical, sha256, utf8, type ConsumerCheckpoint } from "@aegis/consumer-sdk";
import { fromProtoCheckpoint } from "@aegis/consumer-sdk/hub-tx";
import type { KVStore, ReadonlyKVStore } from "../../../state/index.js";
import { decodeU64, encodeU64 } from "../../storeKeys.js";
import { computeModuleAddress } from "../auth.js";

/**
 * State of the consumers module (prefixes 0x60–0x6f). Consumer ids are ASCII (isConsumerId), so a
 * key holding the id bytes sorts consumers by id exactly as the consumer-checkpoint tree does.
 *
 * - 0x60 | id -> aegis.consumers.v1.Consumer (never deleted: ids are never reused); its
 *   latest_height is not kept there (0): a checkpoint writes only 0x61 and 0x62, and reads fill it in
 * - 0x61 | id -> its latest checkpoint: consumer height (u64 BE) ‖ computeCheckpointHash (32) ‖ its
 *   leaf hash in the consumer-checkpoint tree (32) ‖ aegis.consumers.v1.CheckpointRecord: the
 *   tree's leaves, by id, so the root at every block end and the parent check of the next checkpoint
 *   read nothing else. One key per consumer: the state grows with consumers, not with checkpoints;
 *   older checkpoints are in each node's checkpoint history (db/checkpointHistoryRepository.ts,
 *   decision 49)
 * - 0x62: unused (older hubs kept every checkpoint here)
 * - 0x63 | return time (u64 BE, Unix ms) | id -> 0x01: bonds of deregistered consumers waiting for
 *   the unbonding period, walked in time order at block end
 * - 0x64 -> aegis.consumers.v1.Params
 * - 0x65 | hub height (u64 BE) -> the prover shares of the checkpoint fees paid at that height (Int,
 *   decimal ASCII, in the bond denom): what the prover pool account owes the prover of the ZK
 *   certificate that covers that height; deleted when a certificate with a named prover at or above
 *   it pays them (zk module, processPayProverShares)
 */
export const ConsumersKeyPrefix = {
  Consumer: 0x60,
  LatestCheckpoint: 0x61,
  /** Unused (older hubs kept every checkpoint here). */
  Checkpoint: 0x62,
  BondReturnQueue: 0x63,
  Params: 0x64,
  ProverPool: 0x65,
} as const;

/** The module account that holds consumer bonds (sha256("consumers")[0..20], as every module account). */
export const CONSUMERS_MODULE_NAME = "consumers";
export const CONSUMERS_MODULE_ADDRESS = computeModuleAddress(CONSUMERS_MODULE_NAME);
/** The least bond a registration must lock when the genesis does not say (in the bond denom's base unit). */
export const DEFAULT_CONSUMER_MIN_BOND = 10_000_000n;
/**
 * The module account that holds the prover shares of checkpoint fees until a ZK certificate covering
 * their hub heights pays them to its prover (sha256("consumers_prover_pool")[0..20]).
 */
export const CONSUMERS_PROVER_POOL_NAME = "consumers_prover_pool";
export const CONSUMERS_PROVER_POOL_ADDRESS = computeModuleAddress(CONSUMERS_PROVER_POOL_NAME);
/** The protocol fee of each accepted checkpoint when the genesis does not say (bond denom's base unit). */
export const DEFAULT_CHECKPOINT_FEE = 1000n;
/** The prover pool's share of the checkpoint fee when the genesis does not say, in per mille (20 %; 0 on a chain without ZK certificates). */
export const DEFAULT_PROVER_SHARE_PERMILLE = 200;

export const CONSUMER_PREFIX = Uint8Array.of(ConsumersKeyPrefix.Consumer);
export const LATEST_CHECKPOINT_PREFIX = Uint8Array.of(ConsumersKeyPrefix.LatestCheckpoint);
export const BOND_RETURN_QUEUE_PREFIX = Uint8Array.of(ConsumersKeyPrefix.BondReturnQueue);
export const CONSUMERS_PARAMS_KEY = Uint8Array.of(ConsumersKeyPrefix.Params);
export const PROVER_POOL_PREFIX = Uint8Array.of(ConsumersKeyPrefix.ProverPool);

const withId = (prefix: number, id: string): Uint8Array => {
  const b = utf8(id);
  const out = new Uint8Array(1 + b.length);
  out[0] = prefix;
  out.set(b, 1);
  return out;
};

export function consumerKey(id: string): Uint8Array {
  return withId(ConsumersKeyPrefix.Consumer, id);
}

export function latestCheckpointKey(id: string): Uint8Array {
  return withId(ConsumersKeyPrefix.LatestCheckpoint, id);
}

export function bondReturnQueueKey(time: number, id: string): Uint8Array {
  const b = utf8(id);
  const out = new Uint8Array(9 + b.length);
  out[0] = ConsumersKeyPrefix.BondReturnQueue;
  out.set(encodeU64(BigInt(time)), 1);
  out.set(b, 9);
  return out;
}

/** 0x65 | hub height (u64 BE): the prover shares accrued at that hub height. */
export function proverPoolKey(hubHeight: number): Uint8Array {
  const out = new Uint8Array(9);
  out[0] = ConsumersKeyPrefix.ProverPool;
  out.set(encodeU64(BigInt(hubHeight)), 1);
  return out;
}

export interface ConsumersParams {
  bondDenom: string;
  minBond: bigint;
  /** Protocol fee of each accepted checkpoint, in bondDenom (0: none). */
  checkpointFee: bigint;
  /** The prover pool's share of checkpointFee, in per mille (0-1000). */
  proverSharePermille: number;
}

/** How a checkpoint fee splits: floor(fee × permille / 1000) to the prover pool, the rest to the fee collector. */
export function computeCheckpointFeeSplit(p: Pick<ConsumersParams, "checkpointFee" | "proverSharePermille">): { proverShare: bigint; validators: bigint } {
  const proverShare = (p.checkpointFee * BigInt(p.proverSharePermille)) / 1000n;
  return { proverShare, validators: p.checkpointFee - proverShare };
}

/** A registered consumer in domain form. */
export interface Consumer {
  consumerId: string;
  /** aegis1… */
  owner: string;
  vm: string;
  genesisHash: Uint8Array;
  producerKeys: Uint8Array[];
  /** What the module account holds for it now (0 once slashed or returned). */
  bond: { denom: string; amount: bigint };
  registeredHeight: number;
  /** Consumer height of the latest checkpoint (0: none). */
  latestHeight: number;
  frozen: boolean;
  frozenHeight: number;
  /** 0: not deregistered. */
  deregisteredHeight: number;
  /** Unix ms of the bond's return (0: not unbonding). */
  bondReturnTimeMs: number;
}

export type ConsumerStatus = "active" | "frozen" | "deregistered";

/** Frozen wins over deregistered: a frozen consumer's last checkpoint is final and its bond gone. */
export function getConsumerStatus(c: Consumer): ConsumerStatus {
  if (c.frozen) return "frozen";
  return c.deregisteredHeight > 0 ? "deregistered" : "active";
}

/** A recorded checkpoint with the hub height that recorded it and its producer's signature. */
export interface CheckpointRecord {
  checkpoint: ConsumerCheckpoint;
  hubHeight: number;
  producerIndex: number;
  signature: Uint8Array;
}

type LongLike = { toString(): string } | number | null | undefined;
const num = (v: LongLike): number => (v === null || v === undefined ? 0 : Number(v.toString()));
const bytes = (b: Uint8Array | null | undefined): Uint8Array => new Uint8Array(b ?? []);

export function getConsumersParams(store: ReadonlyKVStore): ConsumersParams | undefined {
  const raw = store.get(CONSUMERS_PARAMS_KEY);
  if (!raw) return undefined;
  const m = aegis.consumers.v1.Params.decode(raw);
  // Parameters stored before the checkpoint fee existed have none ("" reads as 0).
  return { bondDenom: m.bond_denom, minBond: BigInt(m.min_bond), checkpointFee: BigInt(m.checkpoint_fee || "0"), proverSharePermille: m.prover_share_permille };
}

export function setConsumersParams(store: KVStore, p: ConsumersParams): void {
  if (p.checkpointFee < 0n) throw new RangeError(`checkpointFee ${p.checkpointFee}: not negative`);
  if (!Number.isInteger(p.proverSharePermille) || p.proverSharePermille < 0 || p.proverSharePermille > 1000) throw new RangeError(`proverSharePermille ${p.proverSharePermille}: 0 to 1000`);
  store.set(
    CONSUMERS_PARAMS_KEY,
    aegis.consumers.v1.Params.encode({
      bond_denom: p.bondDenom,
      min_bond: p.minBond.toString(),
      checkpoint_fee: p.checkpointFee.toString(),
      prover_share_permille: p.proverSharePermille,
    }).finish(),
  );
}

/**
 * Genesis: the module's parameters (the bond denom is the staking denom). The app passes
 * proverSharePermille 0 for a chain without ZK certificates (nobody would ever be paid the shares).
 */
export function processConsumersGenesis(store: KVStore, p: { bondDenom: string; minBond?: bigint; checkpointFee?: bigint; proverSharePermille?: number }): void {
  setConsumersParams(store, {
    bondDenom: p.bondDenom,
    minBond: p.minBond ?? DEFAULT_CONSUMER_MIN_BOND,
    checkpointFee: p.checkpointFee ?? DEFAULT_CHECKPOINT_FEE,
    proverSharePermille: p.proverSharePermille ?? DEFAULT_PROVER_SHARE_PERMILLE,
  });
}

const decoder = new TextDecoder();

/** The prover shares accrued at hub height `hubHeight` and not paid yet (0: none). */
export function getProverPoolShare(store: ReadonlyKVStore, hubHeight: number): bigint {
  const raw = store.get(proverPoolKey(hubHeight));
  return raw ? BigInt(decoder.decode(raw)) : 0n;
}

/** Adds `amount` to the prover shares of hub height `hubHeight` (the caller moved the coins to the pool account). */
export function processAccrueProverShare(store: KVStore, hubHeight: number, amount: bigint): void {
  if (amount <= 0n) return;
  store.set(proverPoolKey(hubHeight), utf8((getProverPoolShare(store, hubHeight) + amount).toString()));
}

/** Every unpaid prover share by hub height, ascending (what the pool account holds, height by height). */
export function listProverPoolShares(store: ReadonlyKVStore): { hubHeight: number; amount: bigint }[] {
  return [...store.iterate(PROVER_POOL_PREFIX)].map(([k, v]) => ({ hubHeight: Number(decodeU64(k.subarray(1))), amount: BigInt(decoder.decode(v)) }));
}

/**
 * Removes the prover shares accrued at hub heights <= `upToHubHeight` (a prefix range scan in key
 * order: heights are big-endian) and returns their sum; the caller pays it out of the pool account.
 */
export function processTakeProverShares(store: KVStore, upToHubHeight: number): bigint {
  const taken: Uint8Array[] = [];
  let total = 0n;
  for (const [k, v] of store.iterate(PROVER_POOL_PREFIX)) {
    if (decodeU64(k.subarray(1)) > BigInt(upToHubHeight)) break;
    taken.push(k);
    total += BigInt(decoder.decode(v));
  }
  for (const k of taken) store.delete(k);
  return total;
}

/** The proto form (what queries answer), latest_height included. */
export function toProtoConsumer(c: Consumer): aegis.consumers.v1.IConsumer {
  return {
    consumer_id: c.consumerId,
    owner: c.owner,
    vm: c.vm,
    genesis_hash: c.genesisHash,
    producer_keys: c.producerKeys,
    bond: { denom: c.bond.denom, amount: c.bond.amount.toString() },
    registered_height: c.registeredHeight,
    latest_height: c.latestHeight,
    frozen: c.frozen,
    frozen_height: c.frozenHeight,
    deregistered_height: c.deregisteredHeight,
    bond_return_time_ms: c.bondReturnTimeMs,
  };
}

/** The stored record: latest_height 0 (the 0x61 pointer holds it). */
export function encodeConsumerRecord(c: Consumer): Uint8Array {
  return aegis.consumers.v1.Consumer.encode({ ...toProtoConsumer(c), latest_height: 0 }).finish();
}

/** A stored record with latestHeight 0: getConsumer and listConsumers fill it from the 0x61 pointer. */
export function decodeConsumerRecord(raw: Uint8Array): Consumer {
  const m = aegis.consumers.v1.Consumer.decode(raw);
  return {
    consumerId: m.consumer_id,
    owner: m.owner,
    vm: m.vm,
    genesisHash: bytes(m.genesis_hash),
    producerKeys: m.producer_keys.map(bytes),
    bond: { denom: m.bond?.denom ?? "", amount: BigInt(m.bond?.amount || "0") },
    registeredHeight: num(m.registered_height),
    latestHeight: num(m.latest_height),
    frozen: m.frozen,
    frozenHeight: num(m.frozen_height),
    deregisteredHeight: num(m.deregistered_height),
    bondReturnTimeMs: num(m.bond_return_time_ms),
  };
}

/** The stored record alone (latestHeight 0): for a handler that reads the latest checkpoint itself, or writes the record back. */
export function getConsumerRecord(store: ReadonlyKVStore, id: string): Consumer | undefined {
  const raw = store.get(consumerKey(id));
  return raw ? decodeConsumerRecord(raw) : undefined;
}

export function getConsumer(store: ReadonlyKVStore, id: string): Consumer | undefined {
  const c = getConsumerRecord(store, id);
  if (c) c.latestHeight = getLatestCheckpointPointer(store, id)?.height ?? 0;
  return c;
}

export function setConsumer(store: KVStore, c: Consumer): void {
  store.set(consumerKey(c.consumerId), encodeConsumerRecord(c));
}

/** Every consumer ever registered (active, frozen and deregistered), by id ascending. */
export function listConsumers(store: ReadonlyKVStore): Consumer[] {
  return [...store.iterate(CONSUMER_PREFIX)].map(([, v]) => {
    const c = decodeConsumerRecord(v);
    c.latestHeight = getLatestCheckpointPointer(store, c.consumerId)?.height ?? 0;
    return c;
  });
}

export function toProtoCheckpoint(cp: ConsumerCheckpoint): aegis.consumers.v1.ICheckpoint {
  return { consumer_id: cp.consumerId, height: cp.height, block_hash: cp.blockHash, parent_checkpoint_hash: cp.parentCheckpointHash, state_root: cp.stateRoot };
}

/** The proto form of a checkpoint record (what queries answer and the history stores). */
export function toProtoCheckpointRecord(r: CheckpointRecord): aegis.consumers.v1.ICheckpointRecord {
  return { checkpoint: toProtoCheckpoint(r.checkpoint), hub_height: r.hubHeight, producer_index: r.producerIndex, signature: r.signature };
}

export function encodeCheckpointRecord(r: CheckpointRecord): Uint8Array {
  return aegis.consumers.v1.CheckpointRecord.encode(toProtoCheckpointRecord(r)).finish();
}

export function decodeCheckpointRecord(raw: Uint8Array): CheckpointRecord {
  const m = aegis.consumers.v1.CheckpointRecord.decode(raw);
  return { checkpoint: fromProtoCheckpoint(m.checkpoint)!, hubHeight: num(m.hub_height), producerIndex: m.producer_index, signature: bytes(m.signature) };
}

/** A consumer's latest checkpoint as the 0x61 pointer holds it. */
export interface LatestCheckpointPointer {
  height: number;
  /** computeCheckpointHash: what the next checkpoint names as its parent. */
  hash: Uint8Array;
  /** Its leaf hash in the consumer-checkpoint tree (computeCheckpointLeafHash). */
  leafHash: Uint8Array;
}

const POINTER_HEAD = 8 + 32 + 32;

function pointerError(id: string, reason: string): Error {
  return new Error(`consumers state: the latest-checkpoint entry of ${id} ${reason} (a state written by an older hub: reset the chain)`);
}

function decodePointer(raw: Uint8Array, id: string): LatestCheckpointPointer {
  if (raw.length <= POINTER_HEAD) throw pointerError(id, `is ${raw.length} bytes`);
  return { height: Number(decodeU64(raw.subarray(0, 8))), hash: raw.slice(8, 40), leafHash: raw.slice(40, POINTER_HEAD) };
}

/** The consumer's latest checkpoint's height and hashes (undefined: none yet). */
export function getLatestCheckpointPointer(store: ReadonlyKVStore, id: string): LatestCheckpointPointer | undefined {
  const raw = store.get(latestCheckpointKey(id));
  return raw ? decodePointer(raw, id) : undefined;
}

function recordOfPointer(raw: Uint8Array, id: string): CheckpointRecord {
  decodePointer(raw, id);
  const r = decodeCheckpointRecord(raw.subarray(POINTER_HEAD));
  if (r.checkpoint.consumerId !== id) throw pointerError(id, `holds a checkpoint of ${r.checkpoint.consumerId}`);
  return r;
}

/** The consumer's latest checkpoint (undefined: none yet). */
export function getLatestCheckpoint(store: ReadonlyKVStore, id: string): CheckpointRecord | undefined {
  const raw = store.get(latestCheckpointKey(id));
  return raw ? recordOfPointer(raw, id) : undefined;
}

/**
 * Records a checkpoint as its consumer's latest (the caller checked it extends the previous one)
 * and returns its computeCheckpointHash. One write: the consumer's 0x61 entry.
 */
export function processRecordCheckpoint(store: KVStore, r: CheckpointRecord): Uint8Array {
  // computeCheckpointHash and computeCheckpointLeafHash, from one encoding.
  const canonical = encodeCheckpointCanonical(r.checkpoint);
  const hash = sha256(canonical);
  const record = encodeCheckpointRecord(r);
  const value = new Uint8Array(POINTER_HEAD + record.length);
  value.set(encodeU64(BigInt(r.checkpoint.height)));
  value.set(hash, 8);
  value.set(computeMerkleLeafHash(canonical), 40);
  value.set(record, POINTER_HEAD);
  store.set(latestCheckpointKey(r.checkpoint.consumerId), value);
  return hash;
}

const idOfPointerKey = (k: Uint8Array): string => decoder.decode(k.subarray(LATEST_CHECKPOINT_PREFIX.length));

/** The latest checkpoint of every consumer that has one (active, frozen or deregistered), by id ascending. */
export function listLatestCheckpoints(store: ReadonlyKVStore): CheckpointRecord[] {
  return [...store.iterate(LATEST_CHECKPOINT_PREFIX)].map(([k, v]) => recordOfPointer(v, idOfPointerKey(k)));
}

/**
 * The header's consumer-checkpoint root for this state: what consumer-sdk
 * computeConsumerCheckpointRoot gives over the latest checkpoint of every consumer that has one —
 * frozen and deregistered consumers' last checkpoints stay (a frozen consumer's last checkpoint is
 * still the last one the hub accepted, and a proof against a new header keeps meaning what it
 * meant). EMPTY_MERKLE_ROOT with none. Computed from the pointers' leaf hashes, already in tree
 * order (ids ascending): one short read per consumer and n - 1 inner hashes per call.
 */
export function getConsumerCheckpointRoot(store: ReadonlyKVStore): Uint8Array {
  const leafHashes: Uint8Array[] = [];
  for (const [k, v] of store.iterate(LATEST_CHECKPOINT_PREFIX)) leafHashes.push(decodePointer(v, idOfPointerKey(k)).leafHash);
  return computeMerkleRootOfLeafHashes(leafHashes);
}
