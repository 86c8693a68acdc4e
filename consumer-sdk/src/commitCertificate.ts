import { AegisError } from "./errors.js";
import { BLS_SIGNATURE_LENGTH, blsVerifyAggregate } from "./bls.js";
import { bytesEqual } from "./bytes.js";
import { CanonicalWriter } from "./canonicalWriter.js";
import { HASH_LENGTH, sha256 } from "./hash.js";
import { computeVoteSignBytes, VoteType } from "./signBytes.js";
import { getSignerBitmapLength, getSignerIndices } from "./signerBitmap.js";
import { hasQuorum, type ValidatorSet } from "./validatorSet.js";

/**
 * The fast finality certificate of a hub block: an aggregate BLS signature of the precommits of the
 * validators named in `signers`, all over the same canonical precommit sign bytes.
 */
export interface CommitCertificate {
  height: number;
  round: number;
  blockHash: Uint8Array;
  /** Signer bitmap over the validator set that signed this height. */
  signers: Uint8Array;
  /** Aggregate BLS signature (96 bytes). */
  signature: Uint8Array;
}

export type CertificateErrorType =
  | { code: "CERT_ERROR_INVALID_STRUCTURE"; field: string }
  | { code: "CERT_ERROR_BITMAP_LENGTH"; expected: number; actual: number }
  | { code: "CERT_ERROR_BITMAP_OUT_OF_RANGE"; index: number }
  | { code: "CERT_ERROR_HEIGHT_MISMATCH"; expected: number; actual: number }
  | { code: "CERT_ERROR_BLOCK_HASH_MISMATCH" }
  | { code: "CERT_ERROR_INSUFFICIENT_POWER"; signed: bigint; total: bigint }
  | { code: "CERT_ERROR_INVALID_SIGNATURE" };

export class CertificateError extends AegisError<CertificateErrorType> {}

export interface CommitCertificateContext {
  chainId: string;
  /** The validator set that signed `cert.height` (the one committed by the previous header). */
  validatorSet: ValidatorSet;
  /** When given, the certificate must be for exactly this height / block. */
  expectedHeight?: number;
  expectedBlockHash?: Uint8Array;
}

/**
 * The single rule that defines a valid BLS commit certificate; the hub and every consumer call it.
 * Cheapest checks first (structure, then set arithmetic, then one pairing check), so oversized or
 * malformed input never reaches the expensive step.
 */
export function assertValidCommitCertificate(cert: CommitCertificate, ctx: CommitCertificateContext): void {
  assertValidVoteCertificate(cert, ctx, VoteType.Precommit);
}

/**
 * A polka: an aggregate BLS signature of more than 2/3 of the set's prevotes for one block in one
 * round, in a CommitCertificate's shape. A hub node keeps each polka it saw (the justification of its
 * votes); a fork case across rounds asks for them (decision 52).
 */
export type PolkaCertificate = CommitCertificate;

/** assertValidCommitCertificate for prevotes: the same checks over the PREVOTE sign bytes (a nil polka is not one). */
export function assertValidPolkaCertificate(cert: PolkaCertificate, ctx: CommitCertificateContext): void {
  assertValidVoteCertificate(cert, ctx, VoteType.Prevote);
}

function assertValidVoteCertificate(cert: CommitCertificate, ctx: CommitCertificateContext, type: VoteType): void {
  if (!Number.isSafeInteger(cert.height) || cert.height < 1) throw structure("height");
  if (!Number.isSafeInteger(cert.round) || cert.round < 0 || cert.round > 0xffffffff) throw structure("round");
  if (!(cert.blockHash instanceof Uint8Array) || cert.blockHash.length !== HASH_LENGTH) throw structure("blockHash");
  if (!(cert.signature instanceof Uint8Array) || cert.signature.length !== BLS_SIGNATURE_LENGTH) throw structure("signature");
  if (!(cert.signers instanceof Uint8Array)) throw structure("signers");
  const n = ctx.validatorSet.validators.length;
  const expectedLength = getSignerBitmapLength(n);
  if (cert.signers.length !== expectedLength) {
    throw new CertificateError({ code: "CERT_ERROR_BITMAP_LENGTH", expected: expectedLength, actual: cert.signers.length });
  }
  if (ctx.expectedHeight !== undefined && cert.height !== ctx.expectedHeight) {
    throw new CertificateError({ code: "CERT_ERROR_HEIGHT_MISMATCH", expected: ctx.expectedHeight, actual: cert.height });
  }
  if (ctx.expectedBlockHash && !bytesEqual(ctx.expectedBlockHash, cert.blockHash)) {
    throw new CertificateError({ code: "CERT_ERROR_BLOCK_HASH_MISMATCH" });
  }
  const indices = getSignerIndices(cert.signers);
  let signed = 0n;
  const keys: Uint8Array[] = [];
  for (const i of indices) {
    const v = ctx.validatorSet.validators[i];
    if (!v) throw new CertificateError({ code: "CERT_ERROR_BITMAP_OUT_OF_RANGE", index: i });
    signed += v.power;
    keys.push(v.blsPublicKey);
  }
  if (!hasQuorum(signed, ctx.validatorSet.totalPower)) {
    throw new CertificateError({ code: "CERT_ERROR_INSUFFICIENT_POWER", signed, total: ctx.validatorSet.totalPower });
  }
  const msg = computeVoteSignBytes({
    chainId: ctx.chainId,
    height: cert.height,
    round: cert.round,
    type,
    blockHash: cert.blockHash,
  });
  if (!blsVerifyAggregate(keys, msg, cert.signature)) {
    throw new CertificateError({ code: "CERT_ERROR_INVALID_SIGNATURE" });
  }
}

export function isValidCommitCertificate(cert: CommitCertificate, ctx: CommitCertificateContext): boolean {
  try {
    assertValidCommitCertificate(cert, ctx);
    return true;
  } catch (e) {
    if (e instanceof CertificateError) return false;
    throw e;
  }
}

const COMMIT_DOMAIN = "aegis/commit/v1";

/**
 * SHA-256 of the canonical encoding of a certificate (domain, height, round, block hash, signer
 * bitmap, aggregate signature): what a header's `lastCommitHash` commits to.
 */
export function computeCommitCertificateHash(cert: CommitCertificate): Uint8Array {
  return sha256(
    new CanonicalWriter()
      .string(COMMIT_DOMAIN)
      .u64(cert.height, "height")
      .u32(cert.round, "round")
      .fixed(cert.blockHash, HASH_LENGTH, "blockHash")
      .bytes(cert.signers)
      .fixed(cert.signature, BLS_SIGNATURE_LENGTH, "signature")
      .finish(),
  );
}

function structure(field: string): CertificateError {
  return new CertificateError({ code: "CERT_ERROR_INVALID_STRUCTURE", field });
}
