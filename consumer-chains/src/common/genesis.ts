import { isConsumerId, MAX_CONSUMER_ID_LENGTH, toHex } from "@aegis/consumer-sdk";
import { U64_MAX } from "./encoding.js";
import { GenesisError, invalidGenesisField } from "./errors.js";
import { parseAddressHex } from "./keys.js";

/** An amount in a genesis file: a decimal string (no sign, no leading zeros), a safe integer, or a bigint. */
export type AmountInput = string | number | bigint;

/** JSON text to a value; GENESIS_ERROR_INVALID_JSON when it is not JSON. */
export function parseJsonText(text: string): unknown {
  if (typeof text !== "string") throw new GenesisError({ code: "GENESIS_ERROR_INVALID_JSON", reason: "not a string" });
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new GenesisError({ code: "GENESIS_ERROR_INVALID_JSON", reason: (e as Error).message }, `genesis: not JSON (${(e as Error).message})`);
  }
}

/** A plain object with exactly the `keys` (no missing, no unknown ones). */
export function expectObject(v: unknown, field: string, keys: readonly string[]): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw invalidGenesisField(field, "not an object");
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw invalidGenesisField(field ? `${field}.${k}` : k, "unknown field");
  for (const k of keys) if (!(k in o)) throw invalidGenesisField(field ? `${field}.${k}` : k, "missing");
  return o;
}

export function expectArray(v: unknown, field: string, max: number): unknown[] {
  if (!Array.isArray(v)) throw invalidGenesisField(field, "not an array");
  if (v.length > max) throw invalidGenesisField(field, `more than ${max} entries`);
  return v;
}

/** An amount in 1..2^64-1. */
export function parseAmount(v: unknown, field: string): bigint {
  let x: bigint;
  if (typeof v === "bigint") x = v;
  else if (typeof v === "number" && Number.isSafeInteger(v)) x = BigInt(v);
  else if (typeof v === "string" && /^(0|[1-9][0-9]{0,19})$/.test(v)) x = BigInt(v);
  else throw invalidGenesisField(field, "not an integer amount (a decimal string, a safe integer or a bigint)");
  if (x < 1n || x > U64_MAX) throw invalidGenesisField(field, `${x} is not within 1..2^64-1`);
  return x;
}

/** An address (40 hex digits) as 40 lowercase hex digits. */
export function parseAddress(v: unknown, field: string): string {
  const b = parseAddressHex(v);
  if (!b) throw invalidGenesisField(field, "not an address (40 hex digits)");
  return toHex(b);
}

/** The total supply (the sum of genesis amounts) must fit in a u64, so no balance or sum can ever overflow: fees only burn. */
export function checkTotalSupply(total: bigint, field: string): void {
  if (total > U64_MAX) throw invalidGenesisField(field, `total supply ${total} exceeds 2^64-1`);
}

export function checkConsumerId(consumerId: unknown): string {
  if (!isConsumerId(consumerId)) throw invalidGenesisField("consumerId", `1-${MAX_CONSUMER_ID_LENGTH} characters of a-z 0-9 - _ .`);
  return consumerId;
}
