import {
  encodeBlockHeaderJson,
  encodeBlockJson,
  encodeBlsCertificateJson,
  encodeEvidenceJson,
  encodeEvidenceSummaryJson,
  encodeValidatorSetJson,
  encodeZkCertificateJson,
  type BlockHeader,
  type BlockHeaderJson,
  type BlockJson,
  type BlsCertificateJson,
  type CommitCertificate,
  type EvidenceJson,
  type EvidenceSummaryJson,
  type ValidatorSet,
  type ValidatorSetJson,
  type ZkCertificate,
  type ZkCertificateJson,
} from "@aegis/consumer-sdk";
import type { Block, Evidence } from "../consensus/types.js";

/**
 * JSON views of the HTTP API. The shapes, their encoders and their decoders are defined once, in the
 * SDK (`consumer-sdk/src/hubApi`), which clients share; these name them for the hub's own types.
 * Bytes are hex (transactions base64), times ISO-8601 with milliseconds.
 */
export function headerToJson(h: BlockHeader): BlockHeaderJson {
  return encodeBlockHeaderJson(h);
}

export function blockToJson(block: Block, blockHash: Uint8Array): BlockJson {
  return encodeBlockJson(block, blockHash);
}

/** A block's evidence: `kind` "duplicate_vote" (voteA, voteB) or "double_attestation" (attestationA, attestationB). */
export function evidenceToJson(e: Evidence): EvidenceJson {
  return encodeEvidenceJson(e);
}

/**
 * One line of GET /evidence: the offence (kind, height, validator index; round and type for votes)
 * and the two block hashes it signed.
 */
export function evidenceSummaryToJson(e: Evidence): EvidenceSummaryJson {
  return encodeEvidenceSummaryJson(e);
}

/** `set`: the validator set that signs `c.height`. */
export function blsCertificateToJson(c: CommitCertificate, set: ValidatorSet): BlsCertificateJson {
  return encodeBlsCertificateJson(c, set);
}

/** `monikers`: by hex BLS public key (the genesis'). */
export function validatorSetToJson(set: ValidatorSet, monikers: ReadonlyMap<string, string>): ValidatorSetJson {
  return encodeValidatorSetJson(set, monikers);
}

/** A succinct certificate as the API shows it: decimal field elements, hex bytes, the signers' slots, the public signals. */
export function zkCertificateToJson(c: ZkCertificate): ZkCertificateJson {
  return encodeZkCertificateJson(c);
}
