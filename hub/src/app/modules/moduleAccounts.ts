import { toHex } from "@aegis/consumer-sdk";
import { computeModuleAddress } from "./auth.js";

/**
 * The module accounts of the hub, by name (each module defines its own constant; they are repeated
 * here as plain strings so this file imports no module, and a test checks they agree). As the SDK
 * app's BlockedAddresses, none of them may receive coins from a transaction: a MsgSend to one, or a
 * withdraw address set to one, is refused (ErrUnauthorized), so coins reach them only by their
 * module's own rules (fees, staking pools, rewards, consumer bonds).
 */
export const MODULE_ACCOUNT_NAMES = ["fee_collector", "distribution", "bonded_tokens_pool", "not_bonded_tokens_pool", "consumers", "consumers_prover_pool"] as const;

let blocked: Set<string> | undefined;

/** True when `address` (20 bytes) is a module account's. */
export function isModuleAccountAddress(address: Uint8Array): boolean {
  blocked ??= new Set(MODULE_ACCOUNT_NAMES.map((n) => toHex(computeModuleAddress(n))));
  return blocked.has(toHex(address));
}
