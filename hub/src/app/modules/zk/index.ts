/**
 * ZK module: the hub's record of succinct finality certificates and their provers' rewards.
 *
 * - Each block records its parent's hash (the header's parentHash) and its own header time for the
 *   last ZK_BLOCK_HASH_WINDOW heights: what a certificate's block hash and time are checked against
 *   inside a transaction.
 * - MsgSubmitZkCertificate verifies a certificate with the SDK's rule against that hash and time and
 *   the ZK roots of the stored sets of its height and the next, then
 *   records its height and mints the chain's prover reward to the certificate's prover: the account
 *   the proof commits to, not the submitter, so a copied certificate pays whoever proved it (all
 *   zeros: a prover without an account, no reward). Only a height above the last recorded one
 *   counts: each height is rewarded at most once, and since a certificate finalizes its ancestors
 *   nothing is lost by skipping older heights.
 * - With the reward, a certificate of height H with a named prover pays that prover every prover
 *   share of checkpoint fees the consumers module's prover pool accrued at hub heights <= H
 *   (consumers processPayProverShares: the per-height entries 0x65 | height are summed by a range
 *   scan and deleted, the sum moves from the pool account to the prover): the checkpoints of those
 *   heights are the ones its certificate covers. A certificate for the all-zero prover pays nothing
 *   and leaves the shares for the next certificate with a named prover.
 *
 * - On a chain whose genesis names an authority instead of a key (decision 58), MsgActivateZk sets the
 *   key once, with the point the succinct tier starts from (two blocks below the activation's); before it
 *   no certificate is accepted, after it only those above that point. getZkKey is the one answer to
 *   "which key, from which height" for the module, fork evidence and the node.
 *
 * Key layout (prefixes 0x50–0x5f): 0x50 | height (u64 BE) -> block hash (32); 0x51 -> last recorded
 * height (u64 BE); 0x52 | height (u64 BE) -> block time (u64 BE, Unix ms); 0x53 -> the activation
 * record (consumer-sdk ZK_ACTIVATION_STATE_KEY, encodeZkActivation).
 */
import { aegis } from "@aegis/proto";
import { BinaryWriter } from "cosmjs-types/binary";
import {
  assertValidZkCertificate,
  bytesEqual,
  decodeZkActivation,
  encodeZkActivation,
  parseZkVerificationKey,
  toHex,
  ZERO_HASH,
  ZK_ACTIVATION_STATE_KEY,
  ZK_MAX_VERIFICATION_KEY_JSON_LENGTH,
  ZkCertificateError,
  type Groth16VerificationKey,
  type ZkActivation,
  type ZkCertificate,
} from "@aegis/consumer-sdk";
import { decodeZkCertificate, encodeZkCertificate } from "../../../codec/codec.js";
import type { Genesis } from "../../../genesis.js";
import type { KVStore, ReadonlyKVStore } from "../../../state/index.js";
import { ACCOUNT_ADDRESS_PREFIX, toBech32, TxError } from "../../../tx/index.js";
import { createEpochZkRootCache } from "../../../zk/zkValidatorSet.js";
import { parseMessageAddress } from "../../msgAddress.js";
import type { MsgHandler, MsgResult } from "../../msgRegistry.js";
import { decodeU64, encodeU64 } from "../../storeKeys.js";
import { formatCoins } from "../../txEvents.js";
import { processEnsureAccount } from "../auth.js";
import { processMint } from "../bank.js";
import { processPayProverShares } from "../consumers/handlers.js";
import { getValidatorSetForHeight } from "../staking/validatorSet.js";

export const MSG_SUBMIT_ZK_CERTIFICATE_TYPE_URL = "/aegis.zk.v1.MsgSubmitZkCertificate";
export const MSG_SUBMIT_ZK_CERTIFICATE_RESPONSE_TYPE_URL = "/aegis.zk.v1.MsgSubmitZkCertificateResponse";
export const MSG_ACTIVATE_ZK_TYPE_URL = "/aegis.zk.v1.MsgActivateZk";
export const MSG_ACTIVATE_ZK_RESPONSE_TYPE_URL = "/aegis.zk.v1.MsgActivateZkResponse";
/** Heights whose block hash the state keeps: a certificate older than this cannot be recorded. */
export const ZK_BLOCK_HASH_WINDOW = 1000;
/** Gas of the certificate's verification, on top of the store's gas (priced for ~25 ms of pairings; mcl checks one in ~6 ms, decision 26). */
export const ZK_VERIFY_GAS = 300_000n;

const BLOCK_HASH_PREFIX = 0x50;
const LAST_CERTIFIED_KEY = Uint8Array.of(0x51);
const BLOCK_TIME_PREFIX = 0x52;

function heightKey(prefix: number, height: number): Uint8Array {
  const out = new Uint8Array(9);
  out[0] = prefix;
  out.set(encodeU64(BigInt(height)), 1);
  return out;
}

/**
 * At the start of block `height` (header time `time`): records the hash of block height - 1 and the
 * time of this block, and forgets those that left the window.
 */
export function processRecordBlock(store: KVStore, height: number, parentHash: Uint8Array | undefined, time: number): void {
  store.set(heightKey(BLOCK_TIME_PREFIX, height), encodeU64(BigInt(time)));
  // Kept for the same heights as the hashes (height - window .. height - 1 after this block's record).
  if (height - 1 - ZK_BLOCK_HASH_WINDOW >= 1) store.delete(heightKey(BLOCK_TIME_PREFIX, height - 1 - ZK_BLOCK_HASH_WINDOW));
  if (height < 2 || !parentHash) return;
  store.set(heightKey(BLOCK_HASH_PREFIX, height - 1), parentHash);
  const old = height - 1 - ZK_BLOCK_HASH_WINDOW;
  if (old >= 1) store.delete(heightKey(BLOCK_HASH_PREFIX, old));
}

export function getRecordedBlockHash(store: ReadonlyKVStore, height: number): Uint8Array | undefined {
  return store.get(heightKey(BLOCK_HASH_PREFIX, height));
}

/** The header time (Unix ms) of a height within the window, as the state recorded it. */
export function getRecordedBlockTime(store: ReadonlyKVStore, height: number): number | undefined {
  const raw = store.get(heightKey(BLOCK_TIME_PREFIX, height));
  return raw ? Number(decodeU64(raw)) : undefined;
}

/** Height of the last certificate recorded (0: none). */
export function getLastCertifiedHeight(store: ReadonlyKVStore): number {
  const raw = store.get(LAST_CERTIFIED_KEY);
  return raw ? Number(decodeU64(raw)) : 0;
}

/** The chain's verification key and the first height a certificate may be of. */
export interface ZkKey {
  verificationKey: Groth16VerificationKey;
  fromHeight: number;
}

/** The activation record in `store` (undefined: not activated, or a chain with the key in its genesis). */
export function getZkActivation(store: ReadonlyKVStore): ZkActivation | undefined {
  const raw = store.get(ZK_ACTIVATION_STATE_KEY);
  return raw ? decodeZkActivation(raw) : undefined;
}

/**
 * A reader of the chain's key: the genesis key from height 1, or the activated one from the height
 * after its record's trusted point; undefined before activation. The decoded key is reused while the
 * record's bytes stay the same (the verifier prepares each key object once).
 */
export function createZkKeyReader(zk: NonNullable<Genesis["zk"]>): (store: ReadonlyKVStore) => ZkKey | undefined {
  if (zk.verificationKey) {
    const fixed = { verificationKey: zk.verificationKey, fromHeight: 1 };
    return () => fixed;
  }
  let cached: { raw: Uint8Array; key: ZkKey } | undefined;
  return (store) => {
    const raw = store.get(ZK_ACTIVATION_STATE_KEY);
    if (!raw) return undefined;
    if (cached && bytesEqual(cached.raw, raw)) return cached.key;
    const a = decodeZkActivation(raw);
    cached = { raw: raw.slice(), key: { verificationKey: a.verificationKey, fromHeight: a.trust.height + 1 } };
    return cached.key;
  };
}

/** /aegis.zk.v1.MsgActivateZk in domain form. */
export interface MsgActivateZk {
  authority: string;
  circuit: string;
  verificationKeyJson: string;
}

/** Codec of MsgActivateZk in the cosmjs-types shape (for a cosmjs Registry). */
export const AegisMsgActivateZk = {
  typeUrl: MSG_ACTIVATE_ZK_TYPE_URL,
  encode(m: MsgActivateZk, writer: BinaryWriter = BinaryWriter.create()): BinaryWriter {
    if (m.authority !== "") writer.uint32(10).string(m.authority);
    if (m.circuit !== "") writer.uint32(18).string(m.circuit);
    if (m.verificationKeyJson !== "") writer.uint32(26).string(m.verificationKeyJson);
    return writer;
  },
  decode(input: Uint8Array): MsgActivateZk {
    const m = aegis.zk.v1.MsgActivateZk.decode(input);
    return { authority: m.authority, circuit: m.circuit, verificationKeyJson: m.verification_key_json };
  },
  fromPartial(p: Partial<MsgActivateZk>): MsgActivateZk {
    return { authority: p.authority ?? "", circuit: p.circuit ?? "", verificationKeyJson: p.verificationKeyJson ?? "" };
  },
};

/** /aegis.zk.v1.MsgSubmitZkCertificate in domain form (the certificate's chain id is the hub's own). */
export interface MsgSubmitZkCertificate {
  /** aegis1…: signs and pays the fee (the reward goes to certificate.prover). */
  submitter: string;
  certificate: ZkCertificate | undefined;
}

/**
 * Codec of MsgSubmitZkCertificate in the cosmjs-types shape, so a cosmjs Registry takes it:
 * `new Registry([...defaultRegistryTypes, [AegisMsgSubmitZkCertificate.typeUrl, AegisMsgSubmitZkCertificate]])`.
 */
export const AegisMsgSubmitZkCertificate = {
  typeUrl: MSG_SUBMIT_ZK_CERTIFICATE_TYPE_URL,
  encode(m: MsgSubmitZkCertificate, writer: BinaryWriter = BinaryWriter.create()): BinaryWriter {
    if (m.submitter !== "") writer.uint32(10).string(m.submitter);
    if (m.certificate) writer.uint32(18).bytes(encodeZkCertificate(m.certificate));
    return writer;
  },
  decode(input: Uint8Array): MsgSubmitZkCertificate {
    const m = aegis.zk.v1.MsgSubmitZkCertificate.decode(input);
    // The chain id is filled in by the handler (the wire form does not carry it).
    const certificate = m.certificate ? decodeZkCertificate(aegis.v1.ZkFinalityCertificate.encode(m.certificate).finish(), "?") : undefined;
    return { submitter: m.submitter, certificate };
  },
  fromPartial(p: Partial<MsgSubmitZkCertificate>): MsgSubmitZkCertificate {
    return { submitter: p.submitter ?? "", certificate: p.certificate };
  },
};

const fail = (reason: string, typeUrl = MSG_SUBMIT_ZK_CERTIFICATE_TYPE_URL): never => {
  throw new TxError({ code: "TX_ERROR_INVALID_MESSAGE", typeUrl, reason });
};

function submitterOf(m: MsgSubmitZkCertificate): Uint8Array {
  return parseMessageAddress(m.submitter, ACCOUNT_ADDRESS_PREFIX, "submitter", MSG_SUBMIT_ZK_CERTIFICATE_TYPE_URL);
}

/**
 * The handlers of a chain with ZK certificates: its circuit and verification key, and the reward (in
 * `denom`) per recorded certificate; `denom` is also the consumers module's bond denom, the prover
 * pool's.
 */
export function createZkHandlers(zk: NonNullable<Genesis["zk"]>, denom: string, genesisTime: number): MsgHandler<never>[] {
  const keyOf = createZkKeyReader(zk);
  const rootOf = createEpochZkRootCache(zk.capacity);
  const rootAt = (store: ReadonlyKVStore, height: number, typeUrl = MSG_SUBMIT_ZK_CERTIFICATE_TYPE_URL): bigint =>
    rootOf(getValidatorSetForHeight(store, height) ?? fail(`no validator set at height ${height}`, typeUrl));
  const reward = BigInt(zk.proverReward);
  const handler: MsgHandler<MsgSubmitZkCertificate> = {
    typeUrl: MSG_SUBMIT_ZK_CERTIFICATE_TYPE_URL,
    decode: (b) => AegisMsgSubmitZkCertificate.decode(b),
    getSigners: (m) => [submitterOf(m)],
    validateBasic(m) {
      submitterOf(m);
      if (!m.certificate) fail("certificate: missing");
      if (m.certificate!.circuit !== zk.circuit) fail(`certificate: circuit ${m.certificate!.circuit} is not the chain's (${zk.circuit})`);
    },
    process(ctx, m): MsgResult {
      const cert = { ...m.certificate!, chainId: ctx.chainId };
      const key = keyOf(ctx.store) ?? fail("this chain's ZK certificates have not started: its verification key is set by MsgActivateZk, not yet sent");
      if (cert.height < key.fromHeight) fail(`certificate height ${cert.height} is before the chain's ZK certificates start (${key.fromHeight})`);
      const last = getLastCertifiedHeight(ctx.store);
      if (cert.height <= last) fail(`certificate height ${cert.height} is not above the last recorded certificate (${last})`);
      if (cert.height >= ctx.height) fail(`certificate height ${cert.height} is not a committed height (this block is ${ctx.height})`);
      const hash = getRecordedBlockHash(ctx.store, cert.height) ?? fail(`the block hash of height ${cert.height} is no longer kept (window ${ZK_BLOCK_HASH_WINDOW})`);
      if (!bytesEqual(hash, cert.blockHash)) fail(`block hash ${toHex(cert.blockHash)} is not the hub's block at height ${cert.height}`);
      const time = getRecordedBlockTime(ctx.store, cert.height);
      if (time !== cert.time) fail(`time ${cert.time} is not the hub's block time at height ${cert.height}${time === undefined ? " (no longer kept)" : ""}`);
      if (cert.nextValidatorSetRoot !== rootAt(ctx.store, cert.height + 1)) fail("next validator set root is not the set of the next height");
      ctx.consumeGas?.(ZK_VERIFY_GAS, "zkVerify");
      try {
        assertValidZkCertificate(cert, rootAt(ctx.store, cert.height), { chainId: ctx.chainId, verificationKeys: { [zk.circuit]: key.verificationKey }, capacities: { [zk.circuit]: zk.capacity } });
      } catch (e) {
        if (e instanceof ZkCertificateError) fail(`certificate: ${e.message} [${e.code}]`);
        throw e;
      }
      ctx.store.set(LAST_CERTIFIED_KEY, encodeU64(BigInt(cert.height)));
      // The reward goes to the account the proof commits to (a copy of the certificate pays its prover).
      const named = cert.prover.some((b) => b !== 0);
      const prover = toBech32(ACCOUNT_ADDRESS_PREFIX, cert.prover);
      const coins = reward > 0n && named ? [{ denom, amount: reward }] : [];
      if (coins.length) {
        processEnsureAccount(ctx.store, cert.prover, prover);
        processMint(ctx.store, cert.prover, coins);
      }
      // The prover shares of the checkpoint fees of the heights it covers (unnamed: they wait).
      const shares = named ? processPayProverShares(ctx.store, cert.height, cert.prover, denom) : [];
      const paid = formatCoins(coins);
      const checkpointFees = formatCoins(shares);
      ctx.events.push(
        { type: "message", attributes: [{ key: "action", value: MSG_SUBMIT_ZK_CERTIFICATE_TYPE_URL }, { key: "sender", value: m.submitter }, { key: "module", value: "zk" }] },
        {
          type: "zk_certificate",
          attributes: [
            { key: "height", value: String(cert.height) },
            { key: "prover", value: named ? prover : "" },
            { key: "submitter", value: m.submitter },
            { key: "reward", value: paid },
            { key: "checkpoint_fees", value: checkpointFees },
            { key: "signers", value: cert.signers.toString() },
          ],
        },
      );
      const value = aegis.zk.v1.MsgSubmitZkCertificateResponse.encode({ height: cert.height, reward: paid, checkpoint_fees: checkpointFees }).finish();
      return { response: { typeUrl: MSG_SUBMIT_ZK_CERTIFICATE_RESPONSE_TYPE_URL, value } };
    },
  };
  const activate: MsgHandler<MsgActivateZk> = {
    typeUrl: MSG_ACTIVATE_ZK_TYPE_URL,
    decode: (b) => AegisMsgActivateZk.decode(b),
    getSigners: (m) => [parseMessageAddress(m.authority, ACCOUNT_ADDRESS_PREFIX, "authority", MSG_ACTIVATE_ZK_TYPE_URL)],
    validateBasic(m) {
      parseMessageAddress(m.authority, ACCOUNT_ADDRESS_PREFIX, "authority", MSG_ACTIVATE_ZK_TYPE_URL);
      if (m.circuit !== zk.circuit) fail(`circuit: ${JSON.stringify(m.circuit.slice(0, 64))} is not the genesis's (${zk.circuit})`, MSG_ACTIVATE_ZK_TYPE_URL);
      parseActivationKey(m.verificationKeyJson);
    },
    process(ctx, m): MsgResult {
      const A = MSG_ACTIVATE_ZK_TYPE_URL;
      if (!zk.authority) fail("this chain's verification key is in its genesis: there is nothing to activate", A);
      const signer = parseMessageAddress(m.authority, ACCOUNT_ADDRESS_PREFIX, "authority", A);
      if (!bytesEqual(signer, zk.authority!)) fail(`authority: ${m.authority} is not the genesis's zk.authority (${toBech32(ACCOUNT_ADDRESS_PREFIX, zk.authority!)})`, A);
      const done = getZkActivation(ctx.store);
      if (done) fail(`the chain's ZK certificates started already, from height ${done.trust.height + 1}: the key is set once`, A);
      const verificationKey = parseActivationKey(m.verificationKeyJson);
      // The succinct tier starts at the newest block whose hash the state holds however the transaction
      // runs (in a block, or checked against the committed state): two below this one, whose hash the
      // previous block recorded. Certificates are of heights above it.
      const point = Math.max(0, ctx.height - 2);
      const blockHash = point === 0 ? ZERO_HASH.slice() : (getRecordedBlockHash(ctx.store, point) ?? fail(`the block hash of height ${point} is not recorded`, A));
      const time = point === 0 ? genesisTime : (getRecordedBlockTime(ctx.store, point) ?? fail(`the block time of height ${point} is not recorded`, A));
      const record: ZkActivation = { circuit: zk.circuit, capacity: zk.capacity, verificationKey, trust: { height: point, time, blockHash, nextValidatorSetRoot: rootAt(ctx.store, point + 1, A) } };
      ctx.store.set(ZK_ACTIVATION_STATE_KEY, encodeZkActivation(record));
      ctx.events.push(
        { type: "message", attributes: [{ key: "action", value: A }, { key: "sender", value: m.authority }, { key: "module", value: "zk" }] },
        { type: "zk_activated", attributes: [{ key: "circuit", value: zk.circuit }, { key: "from_height", value: String(point + 1) }] },
      );
      const value = aegis.zk.v1.MsgActivateZkResponse.encode({ from_height: point + 1 }).finish();
      return { response: { typeUrl: MSG_ACTIVATE_ZK_RESPONSE_TYPE_URL, value } };
    },
  };
  return [handler as unknown as MsgHandler<never>, activate as unknown as MsgHandler<never>];
}

function parseActivationKey(json: string): Groth16VerificationKey {
  const A = MSG_ACTIVATE_ZK_TYPE_URL;
  if (json.length > ZK_MAX_VERIFICATION_KEY_JSON_LENGTH) fail(`verification_key_json: ${json.length} characters, at most ${ZK_MAX_VERIFICATION_KEY_JSON_LENGTH}`, A);
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return fail("verification_key_json: not JSON", A);
  }
  try {
    return parseZkVerificationKey(raw, "verification_key_json");
  } catch (e) {
    if (e instanceof ZkCertificateError) return fail(e.message, A);
    throw e;
  }
}
