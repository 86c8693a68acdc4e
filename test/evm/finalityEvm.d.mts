// Types of finalityEvm.mjs.
export interface TxOutcome {
  gas: bigint;
  reverted: boolean;
  returnValue: string;
  createdAddress?: string;
}
export interface FinalityChain {
  send(to: unknown, dataHex: string): Promise<TxOutcome>;
  call(to: string, dataHex: string): Promise<string>;
  /** A call's outcome; `gas`: execution gas only (no intrinsic 21,000 + calldata). */
  callResult(to: string, dataHex: string): Promise<{ reverted: boolean; returnValue: string; gas: bigint }>;
  /** The block time (seconds) of later transactions and calls. */
  setTime(seconds: number | bigint): void;
}
export function selector(signature: string): string;
export function compileFinalityContracts(vkey: unknown): { verifier: string; finality: string };
export function compileFinalityHarness(): string;
export function createFinalityChain(): Promise<FinalityChain>;
export function deployFinality(
  vkey: unknown,
  opts: { hubChainId: bigint; root: bigint; trustedHeight: number; trustedTime: number; trustingPeriodMs: number; now?: number },
): Promise<{ chain: FinalityChain; address: string }>;
export function encodeSubmit(cert: { height: number; time: number; blockHash: Uint8Array; nextValidatorSetRoot: bigint; signers: bigint; prover: Uint8Array; proof: Uint8Array }): string;
export function readUint(returnHex: string): bigint;
export interface CheckpointFields {
  consumerId: string;
  height: number;
  blockHash: Uint8Array;
  parentCheckpointHash: Uint8Array;
  stateRoot: Uint8Array;
}
export function encodeVerifyCheckpoint(args: {
  hubHeight: number;
  header: Uint8Array;
  checkpoint: CheckpointFields;
  index: number | bigint;
  total: number | bigint;
  siblings: Uint8Array[];
}): string;
