import type { ProposalMessage, Step, Vote } from "../consensus/types.js";

/**
 * One input of the consensus state machine at the current height, written to the WAL before it is
 * applied. `time` is the Unix ms it was applied at. A timeout's step is Propose, Prevote or Precommit
 * (Step.Commit has no timeout and does not encode).
 * Encoded as proto `aegis.v1.WalEntry` by `encodeWalEntry` / `decodeWalEntry` in codec/codec.ts.
 */
export type WalEntry = { time: number } & (
  | { kind: "proposal"; message: ProposalMessage }
  | { kind: "vote"; vote: Vote }
  | { kind: "timeout"; height: number; round: number; step: Step }
);
