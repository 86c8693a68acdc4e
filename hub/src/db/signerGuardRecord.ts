/** The signing steps within a round, in the order a validator signs them. Same numbers as proto SignStep. */
export enum SignStep {
  Propose = 1,
  Prevote = 2,
  Precommit = 3,
}

/**
 * The last (height, round, step) a validator signed, with the exact bytes and signature, persisted
 * before the signature leaves the process. Encoded as proto `aegis.v1.SignerGuardRecord` by
 * `encodeSignerGuardRecord` / `decodeSignerGuardRecord` in codec/codec.ts.
 */
export interface SignerGuardRecord {
  height: number;
  round: number;
  step: SignStep;
  signBytes: Uint8Array;
  signature: Uint8Array;
}
