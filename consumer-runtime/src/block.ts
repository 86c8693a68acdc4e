import {
  AegisError,
  bytesEqual,
  CanonicalReader,
  CanonicalReadError,
  CanonicalWriter,
  computeMerkleRoot,
  HASH_LENGTH,
  isConsumerId,
  sha256,
  toHex,
  verifyEd25519Strict,
} from "@aegis/consumer-sdk";
import { ed25519 } from "@noble/curves/ed25519.js";

/**
 * A consumer chain's block, the runtime's format for every environment. The producer signs the
 * header with one of the consumer's producer keys (the ed25519 keys registered on the hub, which
 * also sign its checkpoints), so every full node checks who made a block before executing it.
 *
 * Hash: SHA-256 of the canonical header. Signature: ed25519 over
 * string("aegis/consumer-block/v1") ‖ canonical header, verified strictly (the SDK's cofactorless
 * rule, as for checkpoints). Height 0 is the genesis block: no transactions, no signature; its hash
 * is the `genesisHash` registered on the hub.
 */
export interface ConsumerBlockHeader {
  consumerId: string;
  height: number;
  /** Unix ms, strictly increasing along the chain. */
  time: number;
  /** All zero at height 0. */
  parentHash: Uint8Array;
  /** RFC 6962 root of the SHA-256 hashes of the transactions. */
  txRoot: Uint8Array;
  /** The environment's state root after this block. */
  stateRoot: Uint8Array;
  /** Which of the consumer's producer keys signed (0 at genesis). */
  producerIndex: number;
}

export interface ConsumerBlock {
  header: ConsumerBlockHeader;
  txs: Uint8Array[];
  /** 64 bytes; empty at genesis. */
  signature: Uint8Array;
}

export const BLOCK_SIGN_DOMAIN = "aegis/consumer-block/v1";
export const MAX_BLOCK_TXS = 10_000;
export const MAX_TX_BYTES = 128 * 1024;
/**
 * Largest encoded block. A block travels whole in one gossip message (GOSSIP_MAX_PAYLOAD_BYTES, just
 * under 4 MiB) and in one sync answer (a 4 MiB frame): a larger one could be made but never received
 * (it was 8 MiB, and a producer of 40 transactions of 120 KiB stalled every full node).
 */
export const MAX_BLOCK_BYTES = 3 * 1024 * 1024;
/** What a block's encoding adds to its transactions: header, signature, counts (at most; a transaction adds its 4-byte length). */
export const BLOCK_ENVELOPE_BYTES = 1024;
/** The encoded size a transaction adds to a block. */
export const blockBytesOfTx = (tx: Uint8Array): number => tx.length + 4;
export const ZERO_BLOCK_HASH = new Uint8Array(HASH_LENGTH);

export type BlockErrorType =
  | { code: "BLOCK_ERROR_MALFORMED"; reason: string }
  | { code: "BLOCK_ERROR_WRONG_CONSUMER"; expected: string; actual: string }
  | { code: "BLOCK_ERROR_UNKNOWN_PRODUCER"; producerIndex: number }
  | { code: "BLOCK_ERROR_BAD_SIGNATURE" }
  | { code: "BLOCK_ERROR_WRONG_TX_ROOT" }
  | { code: "BLOCK_ERROR_UNKNOWN_PARENT"; parentHash: string }
  | { code: "BLOCK_ERROR_WRONG_HEIGHT"; expected: number; actual: number }
  | { code: "BLOCK_ERROR_TIME_NOT_INCREASING"; time: number; parentTime: number }
  | { code: "BLOCK_ERROR_FROM_THE_FUTURE"; time: number; now: number }
  | { code: "BLOCK_ERROR_WRONG_STATE_ROOT"; expected: string; actual: string }
  /** The block's branch would drop a hub-final block (the FinalityGuard's code says how). */
  | { code: "BLOCK_ERROR_BELOW_FINAL"; finalHeight: number; guardCode: string }
  /** The node saw hub-final data contradict itself and accepts no block until its operator acts. */
  | { code: "BLOCK_ERROR_HALTED"; misbehaviour: string }
  | { code: "BLOCK_ERROR_INVALID_TX"; index: number; txCode: string; reason: string };

export class BlockError extends AegisError<BlockErrorType> {}

export const blockError = (t: BlockErrorType, message?: string): BlockError => new BlockError(t, message ?? `${t.code}${"reason" in t ? `: ${t.reason}` : ""}`);

export function encodeBlockHeader(h: ConsumerBlockHeader): Uint8Array {
  return new CanonicalWriter()
    .string(h.consumerId)
    .u64(h.height, "height")
    .u64(h.time, "time")
    .fixed(h.parentHash, HASH_LENGTH, "parentHash")
    .fixed(h.txRoot, HASH_LENGTH, "txRoot")
    .fixed(h.stateRoot, HASH_LENGTH, "stateRoot")
    .u32(h.producerIndex, "producerIndex")
    .finish();
}

export function computeBlockHash(h: ConsumerBlockHeader): Uint8Array {
  return sha256(encodeBlockHeader(h));
}

export function computeTxHash(tx: Uint8Array): Uint8Array {
  return sha256(tx);
}

export function computeTxRoot(txs: readonly Uint8Array[]): Uint8Array {
  return computeMerkleRoot(txs.map(computeTxHash));
}

export function computeBlockSignBytes(h: ConsumerBlockHeader): Uint8Array {
  return new CanonicalWriter().string(BLOCK_SIGN_DOMAIN).bytes(encodeBlockHeader(h)).finish();
}

export function signBlockHeader(secretKey: Uint8Array, h: ConsumerBlockHeader): Uint8Array {
  return ed25519.sign(computeBlockSignBytes(h), secretKey);
}

export function isValidBlockSignature(publicKey: Uint8Array, h: ConsumerBlockHeader, signature: Uint8Array): boolean {
  return verifyEd25519Strict(publicKey, computeBlockSignBytes(h), signature);
}

/** Wire and storage form: the header fields, the signature, then the transactions, each length-prefixed. */
export function encodeBlock(b: ConsumerBlock): Uint8Array {
  const w = new CanonicalWriter().bytes(encodeBlockHeader(b.header)).bytes(b.signature).u32(b.txs.length, "txs");
  for (const tx of b.txs) w.bytes(tx);
  return w.finish();
}

function readHeader(hr: CanonicalReader): ConsumerBlockHeader {
  const header: ConsumerBlockHeader = {
    consumerId: hr.string("consumerId", 64),
    height: hr.u53("height"),
    time: hr.u53("time"),
    parentHash: hr.fixed(HASH_LENGTH, "parentHash"),
    txRoot: hr.fixed(HASH_LENGTH, "txRoot"),
    stateRoot: hr.fixed(HASH_LENGTH, "stateRoot"),
    producerIndex: hr.u32("producerIndex"),
  };
  hr.end();
  return header;
}

/** The header from encodeBlockHeader's bytes (stored headers). */
export function decodeBlockHeader(bytes: Uint8Array): ConsumerBlockHeader {
  try {
    return readHeader(new CanonicalReader(bytes));
  } catch (e) {
    if (e instanceof CanonicalReadError) throw blockError({ code: "BLOCK_ERROR_MALFORMED", reason: e.message });
    throw e;
  }
}

/** Strict decoding (lengths, ranges, no trailing bytes); BLOCK_ERROR_MALFORMED otherwise. Checks nothing else. */
export function decodeBlock(bytes: Uint8Array): ConsumerBlock {
  if (!(bytes instanceof Uint8Array)) throw blockError({ code: "BLOCK_ERROR_MALFORMED", reason: "not bytes" });
  if (bytes.length > MAX_BLOCK_BYTES) throw blockError({ code: "BLOCK_ERROR_MALFORMED", reason: `${bytes.length} bytes, at most ${MAX_BLOCK_BYTES}` });
  try {
    const r = new CanonicalReader(bytes);
    const header = readHeader(new CanonicalReader(r.bytes("header", 1024)));
    const signature = r.bytes("signature", 64);
    const n = r.u32("txs");
    if (n > MAX_BLOCK_TXS) throw blockError({ code: "BLOCK_ERROR_MALFORMED", reason: `${n} transactions, at most ${MAX_BLOCK_TXS}` });
    const txs: Uint8Array[] = [];
    for (let i = 0; i < n; i++) txs.push(r.bytes(`txs[${i}]`, MAX_TX_BYTES));
    r.end();
    if (!isConsumerId(header.consumerId)) throw blockError({ code: "BLOCK_ERROR_MALFORMED", reason: "consumerId: 1-64 characters of a-z 0-9 - _ ." });
    if (header.height === 0 ? signature.length !== 0 || txs.length !== 0 : signature.length !== 64) {
      throw blockError({ code: "BLOCK_ERROR_MALFORMED", reason: header.height === 0 ? "a genesis block has no signature and no transactions" : "signature: 64 bytes" });
    }
    return { header, txs, signature };
  } catch (e) {
    if (e instanceof CanonicalReadError) throw blockError({ code: "BLOCK_ERROR_MALFORMED", reason: e.message });
    throw e;
  }
}

/**
 * The checks that need nothing but the block and the producer keys: consumer id, producer index and
 * signature, transaction root. (Parent, height, time and state root need the chain: chain.ts.)
 */
export function assertBlockSelfConsistent(b: ConsumerBlock, consumerId: string, producerKeys: readonly Uint8Array[]): void {
  const h = b.header;
  if (h.consumerId !== consumerId) throw blockError({ code: "BLOCK_ERROR_WRONG_CONSUMER", expected: consumerId, actual: h.consumerId });
  if (h.height === 0) throw blockError({ code: "BLOCK_ERROR_MALFORMED", reason: "height 0 is the genesis block, never received" });
  const key = producerKeys[h.producerIndex];
  if (!key) throw blockError({ code: "BLOCK_ERROR_UNKNOWN_PRODUCER", producerIndex: h.producerIndex });
  if (!bytesEqual(computeTxRoot(b.txs), h.txRoot)) throw blockError({ code: "BLOCK_ERROR_WRONG_TX_ROOT" });
  if (!isValidBlockSignature(key, h, b.signature)) throw blockError({ code: "BLOCK_ERROR_BAD_SIGNATURE" });
}

/** The genesis block of a consumer: height 0 at `time` with the environment's genesis root. */
export function createGenesisBlock(consumerId: string, time: number, stateRoot: Uint8Array): ConsumerBlock {
  return {
    header: { consumerId, height: 0, time, parentHash: ZERO_BLOCK_HASH, txRoot: computeTxRoot([]), stateRoot, producerIndex: 0 },
    txs: [],
    signature: new Uint8Array(0),
  };
}
