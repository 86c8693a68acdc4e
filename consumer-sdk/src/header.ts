import { CanonicalWriter } from "./canonicalWriter.js";
import { HASH_LENGTH, sha256 } from "./hash.js";

export const ADDRESS_LENGTH = 20;
export const ZERO_HASH = new Uint8Array(HASH_LENGTH);
const HEADER_DOMAIN = "aegis/header/v1";

/** A hub block header. Heights, times (Unix ms) are safe integers; hashes are 32 bytes. */
export interface BlockHeader {
  chainId: string;
  height: number;
  /** Unix time in milliseconds, chosen by the proposer; strictly increasing along the chain. */
  time: number;
  /** Hash of the previous header; all zero at height 1. */
  parentHash: Uint8Array;
  /** RFC 6962 Merkle root of the SHA-256 hashes of the block's transactions. */
  txRoot: Uint8Array;
  /** Root of the application state after executing this block (immediate execution). */
  stateRoot: Uint8Array;
  /** Merkle root of the consumer checkpoints included in this block. */
  consumerCheckpointRoot: Uint8Array;
  /** Root of the validator set that signs this block. */
  validatorSetRoot: Uint8Array;
  /** Root of the validator set that signs the next block (differs only at an epoch's last block). */
  nextValidatorSetRoot: Uint8Array;
  /** Address of the proposer (20 bytes). */
  proposer: Uint8Array;
  /**
   * Hash of the commit certificate of the previous height carried in the block
   * (computeCommitCertificateHash); all zero at height 1. Its signer bitmap is what the hub's
   * liveness (downtime) rule reads, so every node judges the same signers.
   */
  lastCommitHash: Uint8Array;
  /** RFC 6962 Merkle root of the hashes of the double-sign evidence carried in the block. */
  evidenceRoot: Uint8Array;
}

/** The canonical header encoding; the block hash is its SHA-256. */
export function encodeHeaderCanonical(h: BlockHeader): Uint8Array {
  return new CanonicalWriter()
    .string(HEADER_DOMAIN)
    .string(h.chainId)
    .u64(h.height, "height")
    .u64(h.time, "time")
    .fixed(h.parentHash, HASH_LENGTH, "parentHash")
    .fixed(h.txRoot, HASH_LENGTH, "txRoot")
    .fixed(h.stateRoot, HASH_LENGTH, "stateRoot")
    .fixed(h.consumerCheckpointRoot, HASH_LENGTH, "consumerCheckpointRoot")
    .fixed(h.validatorSetRoot, HASH_LENGTH, "validatorSetRoot")
    .fixed(h.nextValidatorSetRoot, HASH_LENGTH, "nextValidatorSetRoot")
    .fixed(h.proposer, ADDRESS_LENGTH, "proposer")
    .fixed(h.lastCommitHash, HASH_LENGTH, "lastCommitHash")
    .fixed(h.evidenceRoot, HASH_LENGTH, "evidenceRoot")
    .finish();
}

export function computeBlockHash(h: BlockHeader): Uint8Array {
  return sha256(encodeHeaderCanonical(h));
}
