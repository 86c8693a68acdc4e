import { checkTotalSupply, expectArray, expectObject, parseAddress, parseAmount, parseJsonText, type AmountInput } from "../common/genesis.js";
import { invalidGenesisField } from "../common/errors.js";

/** Most allocations a ledger genesis may have. */
export const LEDGER_MAX_GENESIS_ALLOCATIONS = 100_000;

/** A ledger genesis as written (JSON): amounts as decimal strings (or safe integers). */
export interface LedgerGenesisConfig {
  allocations: { address: string; amount: AmountInput }[];
}

/** A validated ledger genesis: lowercase addresses, bigint amounts. */
export interface LedgerGenesis {
  allocations: { address: string; amount: bigint }[];
}

/**
 * Validates a ledger genesis: `{ allocations: [{ address, amount }] }` and nothing else; addresses of
 * 40 hex digits, each at most once; amounts in 1..2^64-1 with a total (the supply) that fits in a u64.
 * Throws GenesisError (GENESIS_ERROR_INVALID_FIELD naming the field).
 */
export function validateLedgerGenesis(value: unknown): LedgerGenesis {
  const o = expectObject(value, "", ["allocations"]);
  const list = expectArray(o.allocations, "allocations", LEDGER_MAX_GENESIS_ALLOCATIONS);
  const seen = new Set<string>();
  let total = 0n;
  const allocations = list.map((a, i) => {
    const field = `allocations[${i}]`;
    const e = expectObject(a, field, ["address", "amount"]);
    const address = parseAddress(e.address, `${field}.address`);
    if (seen.has(address)) throw invalidGenesisField(`${field}.address`, `${address} is allocated twice`);
    seen.add(address);
    const amount = parseAmount(e.amount, `${field}.amount`);
    total += amount;
    return { address, amount };
  });
  checkTotalSupply(total, "allocations");
  return { allocations };
}

/** Parses and validates a ledger genesis from JSON text (GENESIS_ERROR_INVALID_JSON when it is not JSON). */
export function parseLedgerGenesis(json: string): LedgerGenesis {
  return validateLedgerGenesis(parseJsonText(json));
}

/** The JSON form of a validated genesis (amounts as decimal strings). */
export function ledgerGenesisToJson(g: LedgerGenesis): LedgerGenesisConfig {
  return { allocations: g.allocations.map((a) => ({ address: a.address, amount: a.amount.toString() })) };
}
