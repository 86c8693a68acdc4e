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
  /** The block time (seconds) of later transactions and calls. */
  setTime(seconds: number | bigint): void;
}
export function selector(signature: string): string;
export function compileFinalityContracts(vkey: unknown): { verifier: string; finality: string };
export function createFinalityChain(): Promise<FinalityChain>;
export function deployFinality(
  vkey: unknown,
  opts: { hubChainId: bigint; root: bigint; trustedHeight: number; trustedTime: number; trustingPeriodMs: number; now?: number },
): Promise<{ chain: FinalityChain; address: string }>;
export function encodeSubmit(cert: { height: number; time: number; blockHash: Uint8Array; nextValidatorSetRoot: bigint; signers: bigint; prover: Uint8Array; proof: Uint8Array }): string;
export function readUint(returnHex: string): bigint;
