import { AegisError } from "../errors.js";

/**
 * What is wrong with a JSON value read from the hub API. `path` is where (JSONPath, `$` the value
 * passed to the decoder: `$.bls.signers`, `$.txs[3]`).
 *
 * - `HUB_API_ERROR_MALFORMED`: a field is missing, unknown, of the wrong type, out of range, or not
 *   the encoding the API uses (lowercase hex of the right length, decimal string, ISO-8601 time...).
 * - `HUB_API_ERROR_INCONSISTENT`: every field is well formed, but two disagree (a block hash that is
 *   not the header's, signer indices that are not the bitmap's, public signals that are not the
 *   certificate's...).
 */
export type HubApiErrorType =
  | { code: "HUB_API_ERROR_MALFORMED"; path: string; reason: string }
  | { code: "HUB_API_ERROR_INCONSISTENT"; path: string; reason: string };

export class HubApiError extends AegisError<HubApiErrorType> {}
