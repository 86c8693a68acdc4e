import { utf8 } from "@aegis/consumer-sdk";
import type { KVStore } from "../../state/index.js";
import { ACCOUNT_ADDRESS_PREFIX, toBech32, TxError, type Coin } from "../../tx/index.js";
import { balanceKey, balancePrefix, supplyKey } from "../storeKeys.js";

/**
 * bank: balances per (address, denom) and total supply per denom. Pure rules over the state they are
 * given; a rule that fails throws TxError and the caller discards the transaction's state branch.
 */
const decoder = new TextDecoder();

function readAmount(store: KVStore, key: Uint8Array): bigint {
  const v = store.get(key);
  return v ? BigInt(decoder.decode(v)) : 0n;
}

function writeAmount(store: KVStore, key: Uint8Array, amount: bigint): void {
  if (amount === 0n) store.delete(key);
  else store.set(key, utf8(amount.toString()));
}

export function getBalance(store: KVStore, address: Uint8Array, denom: string): bigint {
  return readAmount(store, balanceKey(address, denom));
}

/** All non-zero balances of an address, by denom. */
export function getAllBalances(store: KVStore, address: Uint8Array): Coin[] {
  const prefix = balancePrefix(address);
  const out: Coin[] = [];
  for (const [k, v] of store.iterate(prefix)) out.push({ denom: decoder.decode(k.subarray(prefix.length)), amount: BigInt(decoder.decode(v)) });
  return out;
}

export function getSupply(store: KVStore, denom: string): bigint {
  return readAmount(store, supplyKey(denom));
}

function assertPositive(coins: readonly Coin[]): void {
  for (const c of coins) {
    if (c.amount <= 0n) throw new TxError({ code: "TX_ERROR_INVALID_COINS", field: "amount", reason: `${c.amount}${c.denom} is not positive` });
  }
}

/** Removes `coins` from `address`; throws TX_ERROR_INSUFFICIENT_FUNDS (the caller discards its branch). */
export function processSubtractCoins(store: KVStore, address: Uint8Array, coins: readonly Coin[]): void {
  assertPositive(coins);
  for (const c of coins) {
    const key = balanceKey(address, c.denom);
    const have = readAmount(store, key);
    if (have < c.amount) {
      throw new TxError({
        code: "TX_ERROR_INSUFFICIENT_FUNDS",
        address: toBech32(ACCOUNT_ADDRESS_PREFIX, address),
        have: `${have}${c.denom}`,
        need: `${c.amount}${c.denom}`,
      });
    }
    writeAmount(store, key, have - c.amount);
  }
}

export function processAddCoins(store: KVStore, address: Uint8Array, coins: readonly Coin[]): void {
  assertPositive(coins);
  for (const c of coins) {
    const key = balanceKey(address, c.denom);
    writeAmount(store, key, readAmount(store, key) + c.amount);
  }
}

/** Moves coins between accounts (supply unchanged). */
export function processTransfer(store: KVStore, from: Uint8Array, to: Uint8Array, coins: readonly Coin[]): void {
  processSubtractCoins(store, from, coins);
  processAddCoins(store, to, coins);
}

/** Creates coins (genesis, block rewards): credited to `to`, added to supply. */
export function processMint(store: KVStore, to: Uint8Array, coins: readonly Coin[]): void {
  processAddCoins(store, to, coins);
  for (const c of coins) writeAmount(store, supplyKey(c.denom), getSupply(store, c.denom) + c.amount);
}

/** Destroys coins (slashing): removed from `from` and from supply. */
export function processBurn(store: KVStore, from: Uint8Array, coins: readonly Coin[]): void {
  processSubtractCoins(store, from, coins);
  for (const c of coins) writeAmount(store, supplyKey(c.denom), getSupply(store, c.denom) - c.amount);
}
