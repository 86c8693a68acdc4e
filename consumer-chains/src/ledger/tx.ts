import { CanonicalWriter, sha256 } from "@aegis/consumer-sdk";
import { bytesArg, TxReader, u64Arg } from "../common/encoding.js";
import { malformedTx } from "../common/errors.js";
import { ADDRESS_LENGTH, addressHexOf, createKey, PUBLIC_KEY_LENGTH, publicKeyOf, signEd25519, SIGNATURE_LENGTH, type ChainKey } from "../common/keys.js";

/** Domain of the ledger's sign bytes: a ledger signature cannot be taken for anything else. */
export const LEDGER_TX_DOMAIN = "aegis/ledger/tx/v1";
/** First byte of an encoded ledger transaction (its format). */
export const LEDGER_TX_FORMAT = 1;
/** Largest nonce: a nonce is a u64 on the wire, but kept within JavaScript's safe integers. */
export const LEDGER_MAX_NONCE = Number.MAX_SAFE_INTEGER;

/** A transfer before its signature. */
export interface LedgerTransfer {
  /** The consumer id of the chain the transfer is for (no replay on another chain). */
  chainId: string;
  /** The sender's ed25519 public key (32 bytes); it pays `amount + fee`. */
  from: Uint8Array;
  /** The recipient's address (20 bytes). */
  to: Uint8Array;
  /** Moved to `to`: at least 1. */
  amount: bigint;
  /** Burned (taken from the sender, credited to nobody): may be 0. */
  fee: bigint;
  /** The sender account's nonce: its number of transfers so far. */
  nonce: number;
}

/** A signed transfer, as decoded from its bytes. */
export interface LedgerTx extends LedgerTransfer {
  /** ed25519 signature by `from` of `ledgerSignBytes(transfer)`. */
  signature: Uint8Array;
}

function writeBody(w: CanonicalWriter, t: LedgerTransfer): CanonicalWriter {
  return w
    .string(t.chainId)
    .fixed(t.from, PUBLIC_KEY_LENGTH, "from")
    .fixed(t.to, ADDRESS_LENGTH, "to")
    .u64(t.amount, "amount")
    .u64(t.fee, "fee")
    .u64(t.nonce, "nonce");
}

/**
 * What the sender signs:
 * string("aegis/ledger/tx/v1") ‖ string(chainId) ‖ from[32] ‖ to[20] ‖ u64 amount ‖ u64 fee ‖ u64 nonce
 * (CanonicalWriter: strings u32-length-prefixed, integers big-endian).
 */
export function ledgerSignBytes(t: LedgerTransfer): Uint8Array {
  return writeBody(new CanonicalWriter().string(LEDGER_TX_DOMAIN), t).finish();
}

/**
 * A transaction's bytes:
 * u8 1 ‖ string(chainId) ‖ from[32] ‖ to[20] ‖ u64 amount ‖ u64 fee ‖ u64 nonce ‖ signature[64].
 */
export function encodeLedgerTx(tx: LedgerTx): Uint8Array {
  return writeBody(new CanonicalWriter().u8(LEDGER_TX_FORMAT, "format"), tx).fixed(tx.signature, SIGNATURE_LENGTH, "signature").finish();
}

/**
 * The transaction in `bytes`, refusing anything but the exact encoding: another format byte, a chain id
 * that is not a consumer id, a truncated field, amount 0, a nonce above 2^53-1, trailing bytes.
 * Throws EXECUTION_ERROR_MALFORMED_TX. Does not check the signature.
 */
export function decodeLedgerTx(bytes: Uint8Array): LedgerTx {
  const r = new TxReader(bytes);
  const format = r.u8("format");
  if (format !== LEDGER_TX_FORMAT) throw malformedTx(`format: ${format}, expected ${LEDGER_TX_FORMAT}`);
  const chainId = r.chainId();
  const from = r.fixed(PUBLIC_KEY_LENGTH, "from");
  const to = r.fixed(ADDRESS_LENGTH, "to");
  const amount = r.amount("amount", 1n);
  const fee = r.amount("fee", 0n);
  const nonce = r.u64("nonce");
  const signature = r.fixed(SIGNATURE_LENGTH, "signature");
  r.end();
  if (nonce > BigInt(LEDGER_MAX_NONCE)) throw malformedTx(`nonce: ${nonce} is above ${LEDGER_MAX_NONCE}`);
  return { chainId, from, to, amount, fee, nonce: Number(nonce), signature };
}

/** The transaction's id: sha256 of its bytes. */
export function computeLedgerTxHash(bytes: Uint8Array): Uint8Array {
  return sha256(bytes);
}

/** An ed25519 key of the ledger and its address (random unless a 32-byte seed is given). */
export function createLedgerKey(seed?: Uint8Array): ChainKey {
  return createKey(seed);
}

/** An account's address: the first 20 bytes of sha256(publicKey), as 40 lowercase hex digits. */
export function ledgerAddress(publicKey: Uint8Array): string {
  return addressHexOf(publicKey);
}

/** What a client fills in to transfer; `from` is the signer's public key. */
export interface LedgerTransferInput {
  chainId: string;
  /** Address: 20 bytes or 40 hex digits. */
  to: Uint8Array | string;
  amount: bigint | number;
  /** 0 when omitted. */
  fee?: bigint | number;
  nonce: number;
}

/** Signs a transfer from `secretKey`'s account; returns the encoded signed transaction. */
export function signLedgerTransfer(input: LedgerTransferInput, secretKey: Uint8Array): Uint8Array {
  const transfer: LedgerTransfer = {
    chainId: input.chainId,
    from: publicKeyOf(secretKey),
    to: bytesArg(input.to, ADDRESS_LENGTH, "to"),
    amount: u64Arg(input.amount, "amount"),
    fee: u64Arg(input.fee ?? 0n, "fee"),
    nonce: input.nonce,
  };
  return encodeLedgerTx({ ...transfer, signature: signEd25519(ledgerSignBytes(transfer), secretKey) });
}
