/**
 * Which committed heights validators attest (pure rule). Every validator must pick the same heights,
 * or their attestations never add up to a quorum of one statement; so the rule reads only committed
 * data: a height is attested when its block is the first of a new window of `intervalMs` of block
 * time, or when it is the last block of an epoch. The last block of each epoch is always attested
 * because its certificate carries the next epoch's set root: a consumer that follows certificates
 * needs it to accept any certificate of the next epoch.
 */
export interface AttestationScheduleInput {
  height: number;
  /** Block time of `height` (Unix ms). */
  time: number;
  /** Block time of `height - 1` (the genesis time for height 1). */
  previousTime: number;
  intervalMs: number;
  epochLength: number;
}

export function isAttestedHeight(x: AttestationScheduleInput): boolean {
  if (x.height % x.epochLength === 0) return true;
  return Math.floor(x.time / x.intervalMs) !== Math.floor(x.previousTime / x.intervalMs);
}

/** The last height of the epoch that contains `height` (epochs end at multiples of `epochLength`). */
export function getEpochEndHeight(height: number, epochLength: number): number {
  return Math.ceil(height / epochLength) * epochLength;
}
