import { aegis } from "@aegis/proto";
import {
  assertValidCheckpointFields,
  bytesEqual,
  CheckpointError,
  CHECKPOINT_SIGNATURE_LENGTH,
  computeCheckpointHash,
  isConsumerId,
  isValidCheckpointProducerKey,
  isValidCheckpointSignature,
  toHex,
  ZERO_CHECKPOINT_HASH,
  type ConsumerCheckpoint,
  type SignedConsumerCheckpoint,
} from "@aegis/consumer-sdk";
import type { KVStore } from "../../../state/index.js";
import { ACCOUNT_ADDRESS_PREFIX, isValidDenom, toBech32, TxError, type Coin } from "../../../tx/index.js";
import { parseMessageAddress } from "../../msgAddress.js";
import type { MsgContext, MsgHandler, MsgResult } from "../../msgRegistry.js";
import { decodeU64 } from "../../storeKeys.js";
import { formatCoins, type TxEvent } from "../../txEvents.js";
import { computeModuleAddress, FEE_COLLECTOR, processEnsureAccount } from "../auth.js";
import { processAddCoins, processBurn, processSubtractCoins, processTransfer } from "../bank.js";
import { getStakingParams } from "../staking/params.js";
import {
  AegisMsgDeregisterConsumer,
  AegisMsgRegisterConsumer,
  AegisMsgSubmitCheckpoint,
  AegisMsgSubmitConsumerEvidence,
  AegisMsgUpdateConsumer,
  MSG_DEREGISTER_CONSUMER_TYPE_URL,
  MSG_REGISTER_CONSUMER_TYPE_URL,
  MSG_SUBMIT_CHECKPOINT_TYPE_URL,
  MSG_SUBMIT_CONSUMER_EVIDENCE_TYPE_URL,
  MSG_UPDATE_CONSUMER_TYPE_URL,
  type MsgDeregisterConsumer,
  type MsgRegisterConsumer,
  type MsgSubmitCheckpoint,
  type MsgSubmitConsumerEvidence,
  type MsgUpdateConsumer,
} from "@aegis/consumer-sdk/hub-tx";
import {
  BOND_RETURN_QUEUE_PREFIX,
  bondReturnQueueKey,
  computeCheckpointFeeSplit,
  CONSUMERS_MODULE_ADDRESS,
  CONSUMERS_PROVER_POOL_ADDRESS,
  DEFAULT_CHECKPOINT_FEE,
  DEFAULT_CONSUMER_MIN_BOND,
  DEFAULT_PROVER_SHARE_PERMILLE,
  getConsumerRecord,
  getConsumersParams,
  getLatestCheckpointPointer,
  processAccrueProverShare,
  processRecordCheckpoint,
  processTakeProverShares,
  setConsumer,
  type Consumer,
  type ConsumersParams,
} from "./state.js";

/** Most producer keys a consumer may list. */
export const MAX_CONSUMER_PRODUCER_KEYS = 16;
/** Longest execution-environment label. */
export const MAX_CONSUMER_VM_LENGTH = 32;
/** Gas of one ed25519 verification on top of the store's gas (the Cosmos SDK charges 590 for ed25519). */
export const CHECKPOINT_SIGNATURE_GAS = 1000n;

const VM_RE = /^[a-z0-9._-]+$/;

function fail(typeUrl: string, reason: string): never {
  throw new TxError({ code: "TX_ERROR_INVALID_MESSAGE", typeUrl, reason });
}

const account = (bech32: string, field: string, typeUrl: string) => parseMessageAddress(bech32, ACCOUNT_ADDRESS_PREFIX, field, typeUrl);

function assertConsumerId(id: string, typeUrl: string, field = "consumer_id"): void {
  if (!isConsumerId(id)) fail(typeUrl, `${field}: 1-64 characters of a-z 0-9 - _ . (got ${JSON.stringify(id)})`);
}

function assertVm(vm: string, typeUrl: string): void {
  if (vm.length < 1 || vm.length > MAX_CONSUMER_VM_LENGTH || !VM_RE.test(vm)) fail(typeUrl, `vm: 1-${MAX_CONSUMER_VM_LENGTH} characters of a-z 0-9 - _ . (got ${JSON.stringify(vm)})`);
}

function assertProducerKeys(keys: readonly Uint8Array[], typeUrl: string): void {
  if (keys.length < 1 || keys.length > MAX_CONSUMER_PRODUCER_KEYS) fail(typeUrl, `producer_keys: 1 to ${MAX_CONSUMER_PRODUCER_KEYS} keys, got ${keys.length}`);
  const seen = new Set<string>();
  keys.forEach((k, i) => {
    if (k.length !== 32) fail(typeUrl, `producer_keys[${i}]: an ed25519 public key is 32 bytes, got ${k.length}`);
    const hex = toHex(k);
    if (seen.has(hex)) fail(typeUrl, `producer_keys[${i}]: duplicate key ${hex}`);
    seen.add(hex);
  });
  // The curve checks after the cheap ones.
  keys.forEach((k, i) => {
    if (!isValidCheckpointProducerKey(k)) fail(typeUrl, `producer_keys[${i}]: not a valid ed25519 public key (a canonical point not of small order)`);
  });
}

function assertCheckpoint(cp: ConsumerCheckpoint | undefined, typeUrl: string, field: string): asserts cp is ConsumerCheckpoint {
  if (!cp) fail(typeUrl, `${field}: missing`);
  try {
    assertValidCheckpointFields(cp!);
  } catch (e) {
    if (e instanceof CheckpointError) fail(typeUrl, `${field}: ${e.message.replace(/^checkpoint\./, "")}`);
    throw e;
  }
}

/** The parameters in the state, or the defaults with the staking denom (a state made without the consumers genesis). */
export function getConsumersParamsOrDefault(store: KVStore): ConsumersParams {
  return (
    getConsumersParams(store) ?? {
      bondDenom: getStakingParams(store).bondDenom,
      minBond: DEFAULT_CONSUMER_MIN_BOND,
      checkpointFee: DEFAULT_CHECKPOINT_FEE,
      proverSharePermille: DEFAULT_PROVER_SHARE_PERMILLE,
    }
  );
}

/** The consumer's record (its latest checkpoint is not read: the checkpoint handler reads it itself, the others write the record back). */
function existingConsumer(store: KVStore, id: string, typeUrl: string): Consumer {
  return getConsumerRecord(store, id) ?? fail(typeUrl, `unknown consumer ${id}`);
}

function assertOwner(c: Consumer, owner: string, typeUrl: string): void {
  if (c.owner !== owner) fail(typeUrl, `${owner} is not the owner of consumer ${c.consumerId} (${c.owner})`);
}

function messageEvent(typeUrl: string, sender: string): TxEvent {
  return { type: "message", attributes: [{ key: "action", value: typeUrl }, { key: "sender", value: sender }, { key: "module", value: "consumers" }] };
}

// ---------------------------------------------------------------------------------------------------

export const msgRegisterConsumerHandler: MsgHandler<MsgRegisterConsumer> = {
  typeUrl: MSG_REGISTER_CONSUMER_TYPE_URL,
  decode: (b) => AegisMsgRegisterConsumer.decode(b),
  getSigners: (m) => [account(m.owner, "owner", MSG_REGISTER_CONSUMER_TYPE_URL)],
  validateBasic(m) {
    const T = MSG_REGISTER_CONSUMER_TYPE_URL;
    account(m.owner, "owner", T);
    assertConsumerId(m.consumerId, T);
    assertVm(m.vm, T);
    if (m.genesisHash.length !== 32) fail(T, `genesis_hash: 32 bytes, got ${m.genesisHash.length}`);
    if (!isValidDenom(m.bond.denom)) fail(T, `bond: invalid denom ${JSON.stringify(m.bond.denom)}`);
    if (!/^[1-9][0-9]{0,76}$/.test(m.bond.amount)) fail(T, `bond: a positive integer amount, got ${JSON.stringify(m.bond.amount)}`);
    assertProducerKeys(m.producerKeys, T);
  },
  process(ctx, m): MsgResult {
    const T = MSG_REGISTER_CONSUMER_TYPE_URL;
    const params = getConsumersParamsOrDefault(ctx.store);
    const amount = BigInt(m.bond.amount);
    if (m.bond.denom !== params.bondDenom) fail(T, `bond: must be in ${params.bondDenom}, got ${m.bond.denom}`);
    if (amount < params.minBond) fail(T, `bond: ${amount}${m.bond.denom} is below the minimum ${params.minBond}${params.bondDenom}`);
    const existing = getConsumerRecord(ctx.store, m.consumerId);
    if (existing) fail(T, `consumer id ${m.consumerId} is taken${existing.deregisteredHeight > 0 ? " (by a deregistered consumer: ids are never reused)" : ""}`);
    const owner = account(m.owner, "owner", T);
    const bond: Coin = { denom: params.bondDenom, amount };
    processTransfer(ctx.store, owner, CONSUMERS_MODULE_ADDRESS, [bond]);
    setConsumer(ctx.store, {
      consumerId: m.consumerId,
      owner: m.owner,
      vm: m.vm,
      genesisHash: m.genesisHash,
      producerKeys: m.producerKeys,
      bond,
      registeredHeight: ctx.height,
      latestHeight: 0,
      frozen: false,
      frozenHeight: 0,
      deregisteredHeight: 0,
      bondReturnTimeMs: 0,
    });
    ctx.events.push(messageEvent(T, m.owner), {
      type: "register_consumer",
      attributes: [
        { key: "consumer_id", value: m.consumerId },
        { key: "owner", value: m.owner },
        { key: "vm", value: m.vm },
        { key: "bond", value: formatCoins([bond]) },
      ],
    });
    return { response: { typeUrl: `${T}Response`, value: aegis.consumers.v1.MsgRegisterConsumerResponse.encode({}).finish() } };
  },
};

export const msgUpdateConsumerHandler: MsgHandler<MsgUpdateConsumer> = {
  typeUrl: MSG_UPDATE_CONSUMER_TYPE_URL,
  decode: (b) => AegisMsgUpdateConsumer.decode(b),
  getSigners: (m) => [account(m.owner, "owner", MSG_UPDATE_CONSUMER_TYPE_URL)],
  validateBasic(m) {
    const T = MSG_UPDATE_CONSUMER_TYPE_URL;
    account(m.owner, "owner", T);
    assertConsumerId(m.consumerId, T);
    if (m.producerKeys.length === 0 && m.vm === "") fail(T, "nothing to update: give producer_keys, vm or both");
    if (m.vm !== "") assertVm(m.vm, T);
    if (m.producerKeys.length > 0) assertProducerKeys(m.producerKeys, T);
  },
  process(ctx, m): MsgResult {
    const T = MSG_UPDATE_CONSUMER_TYPE_URL;
    const c = existingConsumer(ctx.store, m.consumerId, T);
    assertOwner(c, m.owner, T);
    if (c.frozen) fail(T, `consumer ${c.consumerId} is frozen`);
    if (c.deregisteredHeight > 0) fail(T, `consumer ${c.consumerId} is deregistered`);
    if (m.producerKeys.length > 0) c.producerKeys = m.producerKeys;
    if (m.vm !== "") c.vm = m.vm;
    setConsumer(ctx.store, c);
    ctx.events.push(messageEvent(T, m.owner), {
      type: "update_consumer",
      attributes: [
        { key: "consumer_id", value: c.consumerId },
        { key: "vm", value: c.vm },
        { key: "producer_keys", value: String(c.producerKeys.length) },
      ],
    });
    return { response: { typeUrl: `${T}Response`, value: aegis.consumers.v1.MsgUpdateConsumerResponse.encode({}).finish() } };
  },
};

export const msgDeregisterConsumerHandler: MsgHandler<MsgDeregisterConsumer> = {
  typeUrl: MSG_DEREGISTER_CONSUMER_TYPE_URL,
  decode: (b) => AegisMsgDeregisterConsumer.decode(b),
  getSigners: (m) => [account(m.owner, "owner", MSG_DEREGISTER_CONSUMER_TYPE_URL)],
  validateBasic(m) {
    account(m.owner, "owner", MSG_DEREGISTER_CONSUMER_TYPE_URL);
    assertConsumerId(m.consumerId, MSG_DEREGISTER_CONSUMER_TYPE_URL);
  },
  process(ctx, m): MsgResult {
    const T = MSG_DEREGISTER_CONSUMER_TYPE_URL;
    const c = existingConsumer(ctx.store, m.consumerId, T);
    assertOwner(c, m.owner, T);
    if (c.deregisteredHeight > 0) fail(T, `consumer ${c.consumerId} is already deregistered`);
    c.deregisteredHeight = ctx.height;
    // A frozen consumer's bond is gone: nothing to return. Otherwise the bond stays slashable for
    // the staking unbonding period (evidence of what it signed while active), then goes back.
    if (c.bond.amount > 0n) {
      c.bondReturnTimeMs = ctx.time + getStakingParams(ctx.store).unbondingTimeMs;
      ctx.store.set(bondReturnQueueKey(c.bondReturnTimeMs, c.consumerId), Uint8Array.of(1));
    }
    setConsumer(ctx.store, c);
    ctx.events.push(messageEvent(T, m.owner), {
      type: "deregister_consumer",
      attributes: [
        { key: "consumer_id", value: c.consumerId },
        { key: "bond_return_time_ms", value: String(c.bondReturnTimeMs) },
      ],
    });
    return {
      response: { typeUrl: `${T}Response`, value: aegis.consumers.v1.MsgDeregisterConsumerResponse.encode({ bond_return_time_ms: c.bondReturnTimeMs }).finish() },
    };
  },
};

/**
 * Block end: returns the bonds of deregistered consumers whose unbonding period ended at or before
 * `now` (the block's time) to their owners, in time order.
 */
export function processMatureConsumerBonds(store: KVStore, now: number): TxEvent[] {
  const matured: Uint8Array[] = [];
  for (const [k] of store.iterate(BOND_RETURN_QUEUE_PREFIX)) {
    if (decodeU64(k.subarray(1, 9)) > BigInt(now)) break;
    matured.push(k);
  }
  const events: TxEvent[] = [];
  for (const key of matured) {
    store.delete(key);
    const id = new TextDecoder().decode(key.subarray(9));
    const c = getConsumerRecord(store, id);
    if (!c || c.bond.amount === 0n) continue;
    const coins = [{ denom: c.bond.denom, amount: c.bond.amount }];
    const owner = parseMessageAddress(c.owner, ACCOUNT_ADDRESS_PREFIX, "owner", MSG_DEREGISTER_CONSUMER_TYPE_URL);
    processTransfer(store, CONSUMERS_MODULE_ADDRESS, owner, coins);
    c.bond = { denom: c.bond.denom, amount: 0n };
    c.bondReturnTimeMs = 0;
    setConsumer(store, c);
    events.push({
      type: "complete_consumer_unbonding",
      attributes: [
        { key: "consumer_id", value: id },
        { key: "owner", value: c.owner },
        { key: "amount", value: formatCoins(coins) },
      ],
    });
  }
  return events;
}

// ---------------------------------------------------------------------------------------------------

function verifySigned(ctx: MsgContext, c: Consumer, s: SignedConsumerCheckpoint, typeUrl: string, field: string): void {
  ctx.consumeGas?.(CHECKPOINT_SIGNATURE_GAS, "checkpointSignature");
  if (!isValidCheckpointSignature(c.producerKeys[s.producerIndex]!, ctx.chainId, s.checkpoint, s.signature)) {
    fail(typeUrl, `${field}signature: not a valid signature of the checkpoint by producer ${s.producerIndex} of consumer ${c.consumerId} for hub chain ${ctx.chainId}`);
  }
}

export const msgSubmitCheckpointHandler: MsgHandler<MsgSubmitCheckpoint> = {
  typeUrl: MSG_SUBMIT_CHECKPOINT_TYPE_URL,
  decode: (b) => AegisMsgSubmitCheckpoint.decode(b),
  getSigners: (m) => [account(m.relayer, "relayer", MSG_SUBMIT_CHECKPOINT_TYPE_URL)],
  validateBasic(m) {
    const T = MSG_SUBMIT_CHECKPOINT_TYPE_URL;
    account(m.relayer, "relayer", T);
    assertCheckpoint(m.checkpoint, T, "checkpoint");
    if (m.signature.length !== CHECKPOINT_SIGNATURE_LENGTH) fail(T, `signature: ${CHECKPOINT_SIGNATURE_LENGTH} bytes, got ${m.signature.length}`);
  },
  /**
   * Cheapest first: the consumer's state, the chain rule, then the signature; then the checkpoint
   * fee (chargeCheckpointFee).
   */
  process(ctx, m): MsgResult {
    const T = MSG_SUBMIT_CHECKPOINT_TYPE_URL;
    const cp = m.checkpoint!;
    const c = existingConsumer(ctx.store, cp.consumerId, T);
    if (c.frozen) fail(T, `consumer ${c.consumerId} is frozen (conflicting checkpoints at hub height ${c.frozenHeight}): no more checkpoints`);
    if (c.deregisteredHeight > 0) fail(T, `consumer ${c.consumerId} is deregistered: no more checkpoints`);
    if (m.producerIndex >= c.producerKeys.length) fail(T, `producer_index ${m.producerIndex}: consumer ${c.consumerId} has ${c.producerKeys.length} producer keys`);
    const latest = getLatestCheckpointPointer(ctx.store, c.consumerId);
    if (latest) {
      if (cp.height <= latest.height) fail(T, `checkpoint height ${cp.height} is not above the latest checkpoint of ${c.consumerId} (${latest.height})`);
      if (!bytesEqual(cp.parentCheckpointHash, latest.hash)) {
        fail(T, `checkpoint does not extend the latest of ${c.consumerId}: parent_checkpoint_hash ${toHex(cp.parentCheckpointHash)}, the checkpoint at ${latest.height} hashes to ${toHex(latest.hash)}`);
      }
    } else if (!bytesEqual(cp.parentCheckpointHash, ZERO_CHECKPOINT_HASH)) {
      fail(T, `the first checkpoint of ${c.consumerId} must have an all-zero parent_checkpoint_hash`);
    }
    verifySigned(ctx, c, { checkpoint: cp, producerIndex: m.producerIndex, signature: m.signature }, T, "");
    const fee = chargeCheckpointFee(ctx, account(m.relayer, "relayer", T));
    // One write, the consumer's latest-checkpoint entry: its own record is not rewritten (its latest height is read from the entry).
    const hash = processRecordCheckpoint(ctx.store, { checkpoint: cp, hubHeight: ctx.height, producerIndex: m.producerIndex, signature: m.signature });
    // The relayer is the message event's sender; the block hash is in the record (Query/Checkpoint, the inclusion route).
    ctx.events.push(messageEvent(T, m.relayer), {
      type: "consumer_checkpoint",
      attributes: [
        { key: "consumer_id", value: c.consumerId },
        { key: "height", value: String(cp.height) },
        { key: "checkpoint_hash", value: toHex(hash) },
        { key: "producer_index", value: String(m.producerIndex) },
        { key: "checkpoint_fee", value: formatCoins(fee.paid) },
        { key: "prover_share", value: formatCoins(fee.proverShare) },
      ],
    });
    return { response: { typeUrl: `${T}Response`, value: aegis.consumers.v1.MsgSubmitCheckpointResponse.encode({ checkpoint_hash: hash }).finish() } };
  },
};

/**
 * The checkpoint fee of an accepted checkpoint, taken from its relayer: the prover share
 * (computeCheckpointFeeSplit) to the prover pool account, recorded under this hub height (paid to the
 * prover of the first ZK certificate with a named prover at or above it), the rest to the fee
 * collector, which the distribution module pays out with the transaction fees at this block's end
 * to the validators of the set that signs its commit (the certifying commit), by power. A relayer
 * without the whole fee: TX_ERROR_INSUFFICIENT_FUNDS (nothing moved: its transaction's branch is
 * discarded).
 */
function chargeCheckpointFee(ctx: MsgContext, relayer: Uint8Array): { paid: Coin[]; proverShare: Coin[] } {
  const params = getConsumersParamsOrDefault(ctx.store);
  if (params.checkpointFee === 0n) return { paid: [], proverShare: [] };
  const denom = params.bondDenom;
  const split = computeCheckpointFeeSplit(params);
  processSubtractCoins(ctx.store, relayer, [{ denom, amount: params.checkpointFee }]);
  if (split.proverShare > 0n) {
    processAddCoins(ctx.store, CONSUMERS_PROVER_POOL_ADDRESS, [{ denom, amount: split.proverShare }]);
    processAccrueProverShare(ctx.store, ctx.height, split.proverShare);
  }
  if (split.validators > 0n) processAddCoins(ctx.store, computeModuleAddress(FEE_COLLECTOR), [{ denom, amount: split.validators }]);
  return { paid: [{ denom, amount: params.checkpointFee }], proverShare: split.proverShare > 0n ? [{ denom, amount: split.proverShare }] : [] };
}

/**
 * A ZK certificate of hub height `certifiedHeight` was recorded for the named prover `prover` (20
 * bytes, not all zero): pays it every prover share accrued at hub heights <= certifiedHeight out of
 * the prover pool account (the entries are deleted). Returns what was paid (empty: nothing accrued).
 * Called by the zk module; a certificate without a named prover does not call it, so the shares wait
 * for the next certificate.
 */
export function processPayProverShares(store: KVStore, certifiedHeight: number, prover: Uint8Array, denom: string): Coin[] {
  const amount = processTakeProverShares(store, certifiedHeight);
  if (amount === 0n) return [];
  const coins = [{ denom, amount }];
  processEnsureAccount(store, prover, toBech32(ACCOUNT_ADDRESS_PREFIX, prover));
  processTransfer(store, CONSUMERS_PROVER_POOL_ADDRESS, prover, coins);
  return coins;
}

/**
 * Two different checkpoints of one consumer and height, each validly signed by a current producer
 * key of that consumer: the bond the module account still holds for it is burned (all of it) and
 * the consumer frozen. Accepted while the consumer is deregistered and its bond unbonding (that is
 * what the unbonding period is for); refused once frozen (each equivocation is punished once).
 */
export const msgSubmitConsumerEvidenceHandler: MsgHandler<MsgSubmitConsumerEvidence> = {
  typeUrl: MSG_SUBMIT_CONSUMER_EVIDENCE_TYPE_URL,
  decode: (b) => AegisMsgSubmitConsumerEvidence.decode(b),
  getSigners: (m) => [account(m.submitter, "submitter", MSG_SUBMIT_CONSUMER_EVIDENCE_TYPE_URL)],
  validateBasic(m) {
    const T = MSG_SUBMIT_CONSUMER_EVIDENCE_TYPE_URL;
    account(m.submitter, "submitter", T);
    for (const [name, s] of [["a", m.a], ["b", m.b]] as const) {
      if (!s) fail(T, `${name}: missing`);
      assertCheckpoint(s!.checkpoint, T, `${name}.checkpoint`);
      if (s!.signature.length !== CHECKPOINT_SIGNATURE_LENGTH) fail(T, `${name}.signature: ${CHECKPOINT_SIGNATURE_LENGTH} bytes, got ${s!.signature.length}`);
    }
    const a = m.a!.checkpoint;
    const b = m.b!.checkpoint;
    if (a.consumerId !== b.consumerId) fail(T, `the checkpoints are of different consumers (${a.consumerId}, ${b.consumerId})`);
    if (a.height !== b.height) fail(T, `the checkpoints are at different heights (${a.height}, ${b.height}): not conflicting`);
    if (bytesEqual(computeCheckpointHash(a), computeCheckpointHash(b))) fail(T, "the two checkpoints are the same: not conflicting");
  },
  process(ctx, m): MsgResult {
    const T = MSG_SUBMIT_CONSUMER_EVIDENCE_TYPE_URL;
    const a = m.a!;
    const b = m.b!;
    const c = existingConsumer(ctx.store, a.checkpoint.consumerId, T);
    if (c.frozen) fail(T, `consumer ${c.consumerId} is already frozen (at hub height ${c.frozenHeight})`);
    for (const [name, s] of [["a", a], ["b", b]] as const) {
      if (s.producerIndex >= c.producerKeys.length) fail(T, `${name}.producer_index ${s.producerIndex}: consumer ${c.consumerId} has ${c.producerKeys.length} producer keys`);
    }
    verifySigned(ctx, c, a, T, "a.");
    verifySigned(ctx, c, b, T, "b.");
    const slashed = c.bond.amount > 0n ? [{ denom: c.bond.denom, amount: c.bond.amount }] : [];
    if (slashed.length) processBurn(ctx.store, CONSUMERS_MODULE_ADDRESS, slashed);
    if (c.bondReturnTimeMs > 0) ctx.store.delete(bondReturnQueueKey(c.bondReturnTimeMs, c.consumerId));
    c.bond = { denom: c.bond.denom, amount: 0n };
    c.bondReturnTimeMs = 0;
    c.frozen = true;
    c.frozenHeight = ctx.height;
    setConsumer(ctx.store, c);
    const burned = formatCoins(slashed);
    ctx.events.push(messageEvent(T, m.submitter), {
      type: "consumer_misbehaviour",
      attributes: [
        { key: "consumer_id", value: c.consumerId },
        { key: "height", value: String(a.checkpoint.height) },
        { key: "checkpoint_a", value: toHex(computeCheckpointHash(a.checkpoint)) },
        { key: "checkpoint_b", value: toHex(computeCheckpointHash(b.checkpoint)) },
        { key: "slashed", value: burned },
        { key: "submitter", value: m.submitter },
      ],
    });
    return { response: { typeUrl: `${T}Response`, value: aegis.consumers.v1.MsgSubmitConsumerEvidenceResponse.encode({ slashed: burned }).finish() } };
  },
};

export const CONSUMER_HANDLERS: MsgHandler<never>[] = [
  msgRegisterConsumerHandler,
  msgUpdateConsumerHandler,
  msgDeregisterConsumerHandler,
  msgSubmitCheckpointHandler,
  msgSubmitConsumerEvidenceHandler,
] as unknown as MsgHandler<never>[];
