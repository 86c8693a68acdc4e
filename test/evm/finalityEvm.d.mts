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
}
export function selector(signature: string): string;
export function compileFinalityContracts(vkey: unknown): { verifier: string; finality: string };
export function createFinalityChain(): Promise<FinalityChain>;
export function deployFinality(vkey: unknown, opts: { hubChainId: bigint; root: bigint; trustedHeight: number }): Promise<{ chain: FinalityChain; address: string }>;
export function encodeSubmit(cert: { height: number; blockHash: Uint8Array; nextValidatorSetRoot: bigint; signers: bigint; proof: Uint8Array }): string;
export function readUint(returnHex: string): bigint;
