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
 * Key layout (prefixes 0x50–0x5f): 0x50 | height (u64 BE) -> block hash (32); 0x51 -> last recorded
 * height (u64 BE); 0x52 | height (u64 BE) -> block time (u64 BE, Unix ms).
 */
import { aegis } from "@aegis/proto";
import { BinaryWriter } from "cosmjs-types/binary";
import { assertValidZkCertificate, bytesEqual, toHex, ZkCertificateError, type ZkCertificate } from "@aegis/consumer-sdk";
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

const fail = (reason: string): never => {
  throw new TxError({ code: "TX_ERROR_INVALID_MESSAGE", typeUrl: MSG_SUBMIT_ZK_CERTIFICATE_TYPE_URL, reason });
};

function submitterOf(m: MsgSubmitZkCertificate): Uint8Array {
  return parseMessageAddress(m.submitter, ACCOUNT_ADDRESS_PREFIX, "submitter", MSG_SUBMIT_ZK_CERTIFICATE_TYPE_URL);
}

/**
 * The handlers of a chain with ZK certificates: its circuit and verification key, and the reward (in
 * `denom`) per recorded certificate; `denom` is also the consumers module's bond denom, the prover
 * pool's.
 */
export function createZkHandlers(zk: NonNullable<Genesis["zk"]>, denom: string): MsgHandler<never>[] {
  const opts = (chainId: string) => ({ chainId, verificationKeys: { [zk.circuit]: zk.verificationKey }, capacities: { [zk.circuit]: zk.capacity } });
  const rootOf = createEpochZkRootCache(zk.capacity);
  const rootAt = (store: ReadonlyKVStore, height: number): bigint => rootOf(getValidatorSetForHeight(store, height) ?? fail(`no validator set at height ${height}`));
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
        assertValidZkCertificate(cert, rootAt(ctx.store, cert.height), opts(ctx.chainId));
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
  return [handler as unknown as MsgHandler<never>];
}
