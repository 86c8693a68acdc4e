import { utf8 } from "@aegis/consumer-sdk";

/**
 * Key layout of the application state (one byte of module prefix, then fixed-width or
 * length-prefixed parts, so that prefix iteration selects exactly one kind of record).
 */
export const KeyPrefix = {
  /** auth: 0x01 | address(20) -> cosmos.auth.v1beta1.BaseAccount */
  Account: 0x01,
  /** auth: 0x02 -> next account number (u64 BE) */
  NextAccountNumber: 0x02,
  /** bank: 0x10 | address(20) | denom -> amount (decimal string) */
  Balance: 0x10,
  /** bank: 0x11 | denom -> total supply (decimal string) */
  Supply: 0x11,
  /** bank: 0x12 | base denom -> cosmos.bank.v1beta1.Metadata */
  DenomMetadata: 0x12,
} as const;

/** prefix || parts, in one allocation (these keys are built several times per transaction). */
function prefixed(prefix: number, a: Uint8Array, b?: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + a.length + (b?.length ?? 0));
  out[0] = prefix;
  out.set(a, 1);
  if (b) out.set(b, 1 + a.length);
  return out;
}

export function accountKey(address: Uint8Array): Uint8Array {
  return prefixed(KeyPrefix.Account, address);
}

export const NEXT_ACCOUNT_NUMBER_KEY = Uint8Array.of(KeyPrefix.NextAccountNumber);

export function balancePrefix(address: Uint8Array): Uint8Array {
  return prefixed(KeyPrefix.Balance, address);
}

export function balanceKey(address: Uint8Array, denom: string): Uint8Array {
  return prefixed(KeyPrefix.Balance, address, utf8(denom));
}

export function supplyKey(denom: string): Uint8Array {
  return prefixed(KeyPrefix.Supply, utf8(denom));
}

export const SUPPLY_PREFIX = Uint8Array.of(KeyPrefix.Supply);
export const DENOM_METADATA_PREFIX = Uint8Array.of(KeyPrefix.DenomMetadata);

export function denomMetadataKey(denom: string): Uint8Array {
  return prefixed(KeyPrefix.DenomMetadata, utf8(denom));
}

export function encodeU64(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n);
  return b;
}

export function decodeU64(b: Uint8Array): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(0);
}
