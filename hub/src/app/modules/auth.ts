import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { sha256, utf8 } from "@aegis/consumer-sdk";
import type { KVStore } from "../../state/index.js";
import { accountKey, decodeU64, encodeU64, NEXT_ACCOUNT_NUMBER_KEY } from "../storeKeys.js";

/**
 * auth: accounts (number, sequence, public key) stored as cosmos.auth.v1beta1.BaseAccount, so the
 * account query answers cosmjs with the stored bytes. Account numbers are handed out in order.
 */
export interface Account {
  /** 20-byte address. */
  address: Uint8Array;
  /** bech32 form, as stored. */
  bech32: string;
  accountNumber: bigint;
  sequence: bigint;
  /** Any-encoded public key (/cosmos.crypto.secp256k1.PubKey), once the account has signed. */
  pubKey: { typeUrl: string; value: Uint8Array } | null;
}

/** Address of a module account: the first 20 bytes of sha256(name), as the Cosmos SDK derives them. */
const moduleAddresses = new Map<string, Uint8Array>();

/** sha256(name)[0..20], the SDK's module account address (memoized: a few names, asked for every transaction). */
export function computeModuleAddress(name: string): Uint8Array {
  let a = moduleAddresses.get(name);
  if (!a) {
    a = sha256(utf8(name)).slice(0, 20);
    moduleAddresses.set(name, a);
  }
  return new Uint8Array(a); // a copy: callers may keep or change what they get
}

export const FEE_COLLECTOR = "fee_collector";

export function getAccount(store: KVStore, address: Uint8Array): Account | undefined {
  const raw = store.get(accountKey(address));
  if (!raw) return undefined;
  const a = BaseAccount.decode(raw);
  return { address, bech32: a.address, accountNumber: a.accountNumber, sequence: a.sequence, pubKey: a.pubKey ? { typeUrl: a.pubKey.typeUrl, value: a.pubKey.value } : null };
}

/** The stored BaseAccount bytes (what the account query returns). */
export function getAccountBytes(store: KVStore, address: Uint8Array): Uint8Array | undefined {
  return store.get(accountKey(address));
}

export function setAccount(store: KVStore, a: Account): void {
  store.set(
    accountKey(a.address),
    BaseAccount.encode({ address: a.bech32, accountNumber: a.accountNumber, sequence: a.sequence, pubKey: a.pubKey ?? undefined }).finish(),
  );
}

/** Returns the account, creating it with the next account number when it does not exist yet. */
export function processEnsureAccount(store: KVStore, address: Uint8Array, bech32: string): Account {
  const existing = getAccount(store, address);
  if (existing) return existing;
  const raw = store.get(NEXT_ACCOUNT_NUMBER_KEY);
  const accountNumber = raw ? decodeU64(raw) : 0n;
  store.set(NEXT_ACCOUNT_NUMBER_KEY, encodeU64(accountNumber + 1n));
  const a: Account = { address, bech32, accountNumber, sequence: 0n, pubKey: null };
  setAccount(store, a);
  return a;
}
