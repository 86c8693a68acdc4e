import { checkTotalSupply, expectArray, expectObject, parseAddress, parseAmount, parseJsonText, type AmountInput } from "../common/genesis.js";

/** Most outputs a UTXO genesis may have. */
export const UTXO_MAX_GENESIS_OUTPUTS = 100_000;

/** A UTXO genesis as written (JSON): amounts as decimal strings (or safe integers). */
export interface UtxoGenesisConfig {
  outputs: { owner: string; amount: AmountInput }[];
}

/** A validated UTXO genesis: lowercase owners, bigint amounts. */
export interface UtxoGenesis {
  outputs: { owner: string; amount: bigint }[];
}

/**
 * Validates a UTXO genesis: `{ outputs: [{ owner, amount }] }` and nothing else; owners of 40 hex
 * digits (an owner may have several outputs); amounts in 1..2^64-1 with a total (the supply) that fits
 * in a u64. Throws GenesisError (GENESIS_ERROR_INVALID_FIELD naming the field).
 */
export function validateUtxoGenesis(value: unknown): UtxoGenesis {
  const o = expectObject(value, "", ["outputs"]);
  const list = expectArray(o.outputs, "outputs", UTXO_MAX_GENESIS_OUTPUTS);
  let total = 0n;
  const outputs = list.map((x, i) => {
    const field = `outputs[${i}]`;
    const e = expectObject(x, field, ["owner", "amount"]);
    const owner = parseAddress(e.owner, `${field}.owner`);
    const amount = parseAmount(e.amount, `${field}.amount`);
    total += amount;
    return { owner, amount };
  });
  checkTotalSupply(total, "outputs");
  return { outputs };
}

/** Parses and validates a UTXO genesis from JSON text (GENESIS_ERROR_INVALID_JSON when it is not JSON). */
export function parseUtxoGenesis(json: string): UtxoGenesis {
  return validateUtxoGenesis(parseJsonText(json));
}

/** The JSON form of a validated genesis (amounts as decimal strings). */
export function utxoGenesisToJson(g: UtxoGenesis): UtxoGenesisConfig {
  return { outputs: g.outputs.map((o) => ({ owner: o.owner, amount: o.amount.toString() })) };
}
