import { AegisError } from "@aegis/consumer-sdk";
import type { SignStep } from "../db/signerGuardRecord.js";

export interface SignPosition {
  height: number;
  round: number;
  step: SignStep;
}

/**
 * Typed signer errors with stable codes. Callers switch on `err.type.code`.
 * Never reuse a retired code.
 */
export type SignerErrorType =
  /** Asked to sign below the last signed (height, round, step). */
  | { code: "SIGNER_ERROR_REGRESSION"; last: SignPosition; requested: SignPosition }
  /** Asked to sign other bytes at the last signed (height, round, step): that would be a double sign. */
  | { code: "SIGNER_ERROR_CONFLICT"; position: SignPosition }
  /** The secret key is not a valid BLS secret key. */
  | { code: "SIGNER_ERROR_INVALID_KEY"; reason: string }
  /** A field of the request is out of range. */
  | { code: "SIGNER_ERROR_INVALID_ARGUMENT"; field: string; reason: string };

export type SignerErrorCode = SignerErrorType["code"];

export class SignerError extends AegisError<SignerErrorType> {}
