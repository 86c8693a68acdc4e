/**
 * The EVM chain's transactions: standard signed Ethereum transactions, legacy (EIP-155 replay
 * protected) and EIP-1559 (type 2), in their canonical network encoding, decoded with
 * @ethereumjs/tx. Other types (EIP-2930, blob, set-code) are refused as malformed. Client helpers
 * to make keys and sign transactions.
 */
import { RLP } from "@ethereumjs/rlp";
import {
  create1559FeeMarketTxFromBytesArray,
  createFeeMarket1559Tx,
  createLegacyTx,
  createLegacyTxFromBytesArray,
  type FeeMarket1559Tx,
  type LegacyTx,
} from "@ethereumjs/tx";
import type { Common } from "@ethereumjs/common";
import { bytesToBigInt, bytesToHex, privateToAddress, type Address } from "@ethereumjs/util";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesEqual, fromHex } from "@aegis/consumer-sdk";
import { executionError, type ExecutionError } from "@aegis/consumer-runtime";
import { createEvmCommon, EVM_BASE_FEE_PER_GAS, EVM_MAX_TX_BYTES } from "./evmConfig.js";

export type EvmTx = LegacyTx | FeeMarket1559Tx;

/** A transaction that decoded, is of this chain and whose signature verifies. */
export interface DecodedEvmTx {
  tx: EvmTx;
  sender: Address;
  /** keccak256 of the raw bytes (Ethereum's transaction hash). */
  hash: Uint8Array;
}

const malformed = (reason: string): ExecutionError => executionError({ code: "EXECUTION_ERROR_MALFORMED_TX", reason });
const unauthorized = (reason: string): ExecutionError => executionError({ code: "EXECUTION_ERROR_UNAUTHORIZED", reason });
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0]!.slice(0, 300);

/** Ethereum's transaction hash: keccak256 of the raw bytes, 0x-hex. */
export function computeEvmTxHash(raw: Uint8Array): string {
  return bytesToHex(keccak_256(raw));
}

/**
 * Decodes `raw` as a transaction of the chain `common` names, in this order (each failure typed):
 * size and envelope (legacy RLP list or type 2), RLP shape → EXECUTION_ERROR_MALFORMED_TX; the chain
 * id it is signed for (missing: a pre-EIP-155 legacy signature) → EXECUTION_ERROR_UNAUTHORIZED; the
 * fields (leading zeros, bounds, init code size) → MALFORMED; the signature fields and the signature
 * itself (including EIP-2's low s) → UNAUTHORIZED; the canonical re-encoding → MALFORMED.
 * Nothing here reads state.
 */
export function decodeEvmTx(raw: Uint8Array, common: Common): DecodedEvmTx {
  if (!(raw instanceof Uint8Array) || raw.length === 0) throw malformed("empty transaction");
  if (raw.length > EVM_MAX_TX_BYTES) throw malformed(`larger than ${EVM_MAX_TX_BYTES} bytes`);
  const first = raw[0]!;
  let legacy: boolean;
  if (first >= 0xc0) legacy = true;
  else if (first === 0x02) legacy = false;
  else if (first <= 0x7f) throw malformed(`unsupported transaction type ${first} (legacy and EIP-1559 only)`);
  else throw malformed("not an RLP list or a typed transaction envelope");

  let values: unknown;
  try {
    values = RLP.decode(legacy ? raw : raw.subarray(1));
  } catch (e) {
    throw malformed(`invalid RLP: ${messageOf(e)}`);
  }
  const expected = legacy ? 9 : 12;
  if (!Array.isArray(values) || values.length !== expected) throw malformed(`not a list of ${expected} fields (a signed ${legacy ? "legacy" : "EIP-1559"} transaction)`);
  const list = values as (Uint8Array | unknown[])[];
  list.forEach((v, i) => {
    const isList = !legacy && i === 8; // the access list
    if (isList ? !Array.isArray(v) : !(v instanceof Uint8Array)) throw malformed(`field ${i} is not ${isList ? "a list" : "a byte string"}`);
  });

  // The chain the signature is for.
  const chainId = common.chainId();
  if (legacy) {
    const v = bytesToBigInt(list[6] as Uint8Array);
    if (v === 27n || v === 28n) throw unauthorized("legacy transaction without replay protection (pre-EIP-155 signature)");
    if (v < 37n) throw unauthorized(`invalid legacy signature v = ${v}`);
    const signedFor = (v - 35n) / 2n;
    if (signedFor !== chainId) throw unauthorized(`signed for chain id ${signedFor}, this chain is ${chainId}`);
  } else {
    const signedFor = bytesToBigInt(list[0] as Uint8Array);
    if (signedFor !== chainId) throw unauthorized(`signed for chain id ${signedFor}, this chain is ${chainId}`);
  }

  // The fields without the signature: a failure here is the transaction's form.
  const build = (fields: unknown[]): EvmTx =>
    legacy ? createLegacyTxFromBytesArray(fields as Uint8Array[], { common }) : create1559FeeMarketTxFromBytesArray(fields as Parameters<typeof create1559FeeMarketTxFromBytesArray>[0], { common });
  try {
    build(list.slice(0, expected - 3));
  } catch (e) {
    throw malformed(messageOf(e));
  }
  // The same with the signature: what fails now is the signature's.
  let tx: EvmTx;
  try {
    tx = build(list);
  } catch (e) {
    throw unauthorized(`invalid signature fields: ${messageOf(e)}`);
  }
  if (!tx.isSigned()) throw unauthorized("unsigned transaction");
  if (!tx.verifySignature()) throw unauthorized("invalid signature");
  let sender: Address;
  try {
    sender = tx.getSenderAddress();
  } catch (e) {
    throw unauthorized(`invalid signature: ${messageOf(e)}`);
  }
  if (!bytesEqual(tx.serialize(), raw)) throw malformed("not the canonical encoding");
  return { tx, sender, hash: keccak_256(raw) };
}

// ---------------------------------------------------------------------------------------------
// Client helpers
// ---------------------------------------------------------------------------------------------

/** A fresh secp256k1 private key (32 bytes). */
export function createEvmKey(): Uint8Array {
  return secp256k1.utils.randomSecretKey();
}

/** The Ethereum address of a private key: 0x + 40 lowercase hex digits. */
export function evmAddress(privateKey: Uint8Array): string {
  return bytesToHex(privateToAddress(privateKey));
}

/** What `signEvmTx` signs. Quantities as bigint or safe-integer numbers. */
export interface EvmTxParams {
  chainId: bigint | number;
  nonce: bigint | number;
  /** The callee; omitted (or null) for a contract creation. 0x-hex or 20 bytes. */
  to?: string | Uint8Array | null;
  /** Wei; default 0. */
  value?: bigint | number;
  /** Call data or init code; 0x-hex or bytes; default empty. */
  data?: string | Uint8Array;
  /** Default 21,000 for a plain transfer, else 1,000,000. */
  gasLimit?: bigint | number;
  /** "eip1559" (default) or "legacy" (EIP-155). */
  type?: "eip1559" | "legacy";
  /** EIP-1559: default the chain's fixed base fee (EVM_BASE_FEE_PER_GAS). */
  maxFeePerGas?: bigint | number;
  /** EIP-1559: default 0 (tips are burned on this chain). */
  maxPriorityFeePerGas?: bigint | number;
  /** Legacy: default the chain's fixed base fee. */
  gasPrice?: bigint | number;
}

const commons = new Map<bigint, Common>();

/**
 * Signs a transaction (RFC 6979 deterministic signature: the same parameters give the same bytes)
 * and returns its raw network encoding, as the chain's `POST /txs` takes it (base64 of these bytes).
 */
export function signEvmTx(privateKey: Uint8Array, p: EvmTxParams): Uint8Array {
  const chainId = BigInt(p.chainId);
  let common = commons.get(chainId);
  if (!common) commons.set(chainId, (common = createEvmCommon(chainId)));
  const data = typeof p.data === "string" ? fromHex(p.data, "data") : (p.data ?? new Uint8Array(0));
  const to = p.to === null || p.to === undefined ? undefined : typeof p.to === "string" ? fromHex(p.to, "to", 20) : p.to;
  const gasLimit = BigInt(p.gasLimit ?? (to !== undefined && data.length === 0 ? 21_000 : 1_000_000));
  const base = { nonce: BigInt(p.nonce), to, value: BigInt(p.value ?? 0), data, gasLimit };
  const tx =
    p.type === "legacy"
      ? createLegacyTx({ ...base, gasPrice: BigInt(p.gasPrice ?? EVM_BASE_FEE_PER_GAS) }, { common })
      : createFeeMarket1559Tx(
          { ...base, chainId, maxFeePerGas: BigInt(p.maxFeePerGas ?? EVM_BASE_FEE_PER_GAS), maxPriorityFeePerGas: BigInt(p.maxPriorityFeePerGas ?? 0) },
          { common },
        );
  return tx.sign(privateKey, false).serialize();
}
