import type { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { concatBytes } from "@aegis/consumer-sdk";
import { ADDRESS_LENGTH } from "../common/keys.js";

/**
 * The ledger's state trie: one entry per account, key 0x01 ‖ address[20], value u64 balance ‖ u64 nonce
 * (big-endian). An account exists once it has received something; it is never removed (its nonce must
 * stay, or its old transfers could be replayed).
 */
export const ACCOUNT_KEY_PREFIX = 0x01;
const ACCOUNT_VALUE_LENGTH = 16;

export interface Account {
  balance: bigint;
  nonce: number;
}

export function accountKey(address: Uint8Array): Uint8Array {
  if (address.length !== ADDRESS_LENGTH) throw new Error("address: expected 20 bytes");
  return concatBytes(Uint8Array.of(ACCOUNT_KEY_PREFIX), address);
}

export function encodeAccount(a: Account): Uint8Array {
  const out = new Uint8Array(ACCOUNT_VALUE_LENGTH);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, a.balance);
  v.setBigUint64(8, BigInt(a.nonce));
  return out;
}

export function decodeAccount(b: Uint8Array): Account {
  if (b.length !== ACCOUNT_VALUE_LENGTH) throw new Error(`ledger state: an account value of ${b.length} bytes`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { balance: v.getBigUint64(0), nonce: Number(v.getBigUint64(8)) };
}

/** The account at `address`, or undefined when it does not exist. */
export async function readAccount(trie: MerklePatriciaTrie, address: Uint8Array): Promise<Account | undefined> {
  const b = await trie.get(accountKey(address));
  return b === null ? undefined : decodeAccount(b);
}

export async function writeAccount(trie: MerklePatriciaTrie, address: Uint8Array, a: Account): Promise<void> {
  await trie.put(accountKey(address), encodeAccount(a));
}
