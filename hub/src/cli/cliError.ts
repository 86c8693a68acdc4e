import { AegisError } from "@aegis/consumer-sdk";

/**
 * Errors of the `aegis` CLI's client commands. Codes are stable (scripts switch on them; `aegis` prints
 * `aegis: <message> [<code>]` and exits 1). Every refused input is refused before anything is sent.
 */
export type CliErrorType =
  /** A command-line address is not a valid bech32 address of the expected kind. */
  | { code: "CLI_ERROR_INVALID_ADDRESS"; argument: string; address: string; reason: string }
  /** An amount argument is not one coin (or coins) with a positive integer amount, e.g. 1000uaeg. */
  | { code: "CLI_ERROR_INVALID_AMOUNT"; argument: string; value: string; reason: string }
  /** An option's value is not valid (--fees, --gas, --gas-prices, --chain-id, --prover, …). */
  | { code: "CLI_ERROR_INVALID_OPTION"; option: string; value: string; reason: string }
  /** The signer's balance does not cover what the transaction spends plus its fee. */
  | { code: "CLI_ERROR_INSUFFICIENT_FUNDS"; address: string; have: string; need: string }
  /** No answer from the node's RPC (refused, unknown host, timeout). */
  | { code: "CLI_ERROR_NODE_UNREACHABLE"; url: string; reason: string }
  /** `--chain-id` differs from the chain id the node reports. */
  | { code: "CLI_ERROR_CHAIN_ID_MISMATCH"; expected: string; actual: string; url: string }
  /** The user did not confirm the transaction at the prompt. */
  | { code: "CLI_ERROR_TX_CANCELED" }
  /** The node refused the transaction: in simulation, in CheckTx, or it failed in its block. */
  | { code: "CLI_ERROR_TX_REFUSED"; stage: "simulate" | "check" | "deliver"; abciCode: number; codespace: string; log: string }
  /** A query the node answered with an error code. */
  | { code: "CLI_ERROR_QUERY_FAILED"; abciCode: number; log: string }
  /** What a query asked for does not exist (account, transaction, validator, delegation). */
  | { code: "CLI_ERROR_NOT_FOUND"; what: string }
  /** $AEGIS_DEVNET or ./.devnet/devnet.json cannot be read or names no node. */
  | { code: "CLI_ERROR_DEVNET_FILE"; path: string; reason: string }
  /** `aegis init --zk-circuit`: the circuit cannot be used (unknown, too small, not buildable). */
  | { code: "CLI_ERROR_ZK_CIRCUIT"; circuit: string; reason: string }
  /** A file the command would overwrite exists. */
  | { code: "CLI_ERROR_FILE_EXISTS"; path: string };

export type CliErrorCode = CliErrorType["code"];

export class CliError extends AegisError<CliErrorType> {}
