import { bytesEqual, CanonicalWriter, sha256, toHex } from "@aegis/consumer-sdk";
import { bytesArg, TxReader, U64_MAX, u64Arg } from "../common/encoding.js";
import { malformedTx } from "../common/errors.js";
import {
  ADDRESS_LENGTH,
  addressHexOf,
  createKey,
  PUBLIC_KEY_LENGTH,
  publicKeyOf,
  signEd25519,
  SIGNATURE_LENGTH,
  TX_HASH_LENGTH,
  type ChainKey,
} from "../common/keys.js";

/** Domain of the sighash: a UTXO witness cannot be taken for a signature of anything else. */
export const UTXO_TX_DOMAIN = "aegis/utxo/tx/v1";
/** Domain of the genesis pseudo-transaction's hash (see utxoGenesisTxHash). */
export const UTXO_GENESIS_DOMAIN = "aegis/utxo/genesis/v1";
/** First byte of an encoded UTXO transaction (its format). */
export const UTXO_TX_FORMAT = 1;
export const UTXO_MAX_INPUTS = 64;
export const UTXO_MAX_OUTPUTS = 64;

/** An output's id: the hash of the transaction that created it and its position among that transaction's outputs. */
export interface UtxoOutPoint {
  txHash: Uint8Array;
  index: number;
}

/** An amount locked to an address (20 bytes: sha256(publicKey)[0..20]). */
export interface UtxoOutput {
  owner: Uint8Array;
  /** At least 1. */
  amount: bigint;
}

/** The key that owns a spent output and its signature of the transaction's sighash. */
export interface UtxoWitness {
  publicKey: Uint8Array;
  signature: Uint8Array;
}

/** What the witnesses sign. */
export interface UtxoTxBody {
  /** The consumer id of the chain the transaction is for (no replay on another chain). */
  chainId: string;
  /** 1..64 distinct outputs spent. */
  inputs: UtxoOutPoint[];
  /** 1..64 outputs created; sum(inputs) - sum(outputs) is the fee, burned. */
  outputs: UtxoOutput[];
}

export interface UtxoTx extends UtxoTxBody {
  /** One per input, in the inputs' order. */
  witnesses: UtxoWitness[];
}

function writeBody(w: CanonicalWriter, b: UtxoTxBody): CanonicalWriter {
  w.string(b.chainId).u32(b.inputs.length, "inputs");
  for (const i of b.inputs) w.fixed(i.txHash, TX_HASH_LENGTH, "input.txHash").u32(i.index, "input.index");
  w.u32(b.outputs.length, "outputs");
  for (const o of b.outputs) w.fixed(o.owner, ADDRESS_LENGTH, "output.owner").u64(o.amount, "output.amount");
  return w;
}

/**
 * What every witness signs: sha256(string("aegis/utxo/tx/v1") ‖ body), body =
 * string(chainId) ‖ u32 n ‖ n × (txHash[32] ‖ u32 index) ‖ u32 m ‖ m × (owner[20] ‖ u64 amount)
 * (CanonicalWriter: strings u32-length-prefixed, integers big-endian).
 */
export function utxoSighash(body: UtxoTxBody): Uint8Array {
  return sha256(writeBody(new CanonicalWriter().string(UTXO_TX_DOMAIN), body).finish());
}

/** A transaction's bytes: u8 1 ‖ body ‖ n × (publicKey[32] ‖ signature[64]), n = the number of inputs. */
export function encodeUtxoTx(tx: UtxoTx): Uint8Array {
  if (tx.witnesses.length !== tx.inputs.length) throw new Error(`witnesses: ${tx.witnesses.length} for ${tx.inputs.length} inputs`);
  const w = writeBody(new CanonicalWriter().u8(UTXO_TX_FORMAT, "format"), tx);
  for (const x of tx.witnesses) w.fixed(x.publicKey, PUBLIC_KEY_LENGTH, "witness.publicKey").fixed(x.signature, SIGNATURE_LENGTH, "witness.signature");
  return w.finish();
}

/**
 * The transaction in `bytes`, refusing anything but the exact encoding and form: another format byte,
 * a chain id that is not a consumer id, 0 or more than 64 inputs or outputs, an input listed twice, an
 * amount of 0, outputs summing past 2^64-1, truncated fields, trailing bytes. Throws
 * EXECUTION_ERROR_MALFORMED_TX. Checks no signature and no state.
 */
export function decodeUtxoTx(bytes: Uint8Array): UtxoTx {
  const r = new TxReader(bytes);
  const format = r.u8("format");
  if (format !== UTXO_TX_FORMAT) throw malformedTx(`format: ${format}, expected ${UTXO_TX_FORMAT}`);
  const chainId = r.chainId();
  const inputs: UtxoOutPoint[] = [];
  const nIn = r.count("inputs", 1, UTXO_MAX_INPUTS);
  for (let i = 0; i < nIn; i++) inputs.push({ txHash: r.fixed(TX_HASH_LENGTH, `inputs[${i}].txHash`), index: r.u32(`inputs[${i}].index`) });
  const outputs: UtxoOutput[] = [];
  const nOut = r.count("outputs", 1, UTXO_MAX_OUTPUTS);
  for (let i = 0; i < nOut; i++) outputs.push({ owner: r.fixed(ADDRESS_LENGTH, `outputs[${i}].owner`), amount: r.amount(`outputs[${i}].amount`, 1n) });
  const witnesses: UtxoWitness[] = [];
  for (let i = 0; i < nIn; i++) {
    witnesses.push({ publicKey: r.fixed(PUBLIC_KEY_LENGTH, `witnesses[${i}].publicKey`), signature: r.fixed(SIGNATURE_LENGTH, `witnesses[${i}].signature`) });
  }
  r.end();
  for (let i = 0; i < nIn; i++) {
    for (let j = 0; j < i; j++) {
      if (inputs[i]!.index === inputs[j]!.index && bytesEqual(inputs[i]!.txHash, inputs[j]!.txHash)) {
        throw malformedTx(`inputs[${i}]: spends ${toHex(inputs[i]!.txHash)}:${inputs[i]!.index} again (inputs[${j}])`);
      }
    }
  }
  if (sumOutputs(outputs) > U64_MAX) throw malformedTx("outputs: the amounts sum past 2^64-1");
  return { chainId, inputs, outputs, witnesses };
}

export function sumOutputs(outputs: readonly UtxoOutput[]): bigint {
  return outputs.reduce((s, o) => s + o.amount, 0n);
}

/** The transaction's id: sha256 of its bytes (witnesses included). Its outputs are (txHash, 0..m-1). */
export function computeUtxoTxHash(bytes: Uint8Array): Uint8Array {
  return sha256(bytes);
}

/**
 * The hash of the genesis pseudo-transaction, whose outputs are the genesis outputs (in order):
 * sha256(string("aegis/utxo/genesis/v1") ‖ string(consumerId)). Distinct per chain, and never the hash
 * of a transaction's bytes (those start with the format byte 1, this preimage with a u32 length 21).
 */
export function utxoGenesisTxHash(consumerId: string): Uint8Array {
  return sha256(new CanonicalWriter().string(UTXO_GENESIS_DOMAIN).string(consumerId).finish());
}

/** An ed25519 key of the UTXO chain and its address (random unless a 32-byte seed is given). */
export function createUtxoKey(seed?: Uint8Array): ChainKey {
  return createKey(seed);
}

/** An owner's address: the first 20 bytes of sha256(publicKey), as 40 lowercase hex digits. */
export function utxoAddress(publicKey: Uint8Array): string {
  return addressHexOf(publicKey);
}

/** What a client fills in to spend: hashes and addresses as bytes or hex. */
export interface UtxoTxInput {
  chainId: string;
  inputs: { txHash: Uint8Array | string; index: number }[];
  outputs: { owner: Uint8Array | string; amount: bigint | number }[];
}

/** Signs a spend, `secretKeys[i]` owning `inputs[i]`; returns the encoded signed transaction. */
export function signUtxoTx(input: UtxoTxInput, secretKeys: readonly Uint8Array[]): Uint8Array {
  if (secretKeys.length !== input.inputs.length) throw new Error(`secretKeys: ${secretKeys.length} for ${input.inputs.length} inputs`);
  const body: UtxoTxBody = {
    chainId: input.chainId,
    inputs: input.inputs.map((i, n) => ({ txHash: bytesArg(i.txHash, TX_HASH_LENGTH, `inputs[${n}].txHash`), index: i.index })),
    outputs: input.outputs.map((o, n) => ({ owner: bytesArg(o.owner, ADDRESS_LENGTH, `outputs[${n}].owner`), amount: u64Arg(o.amount, `outputs[${n}].amount`) })),
  };
  const sighash = utxoSighash(body);
  const witnesses = secretKeys.map((sk) => ({ publicKey: publicKeyOf(sk), signature: signEd25519(sighash, sk) }));
  return encodeUtxoTx({ ...body, witnesses });
}
