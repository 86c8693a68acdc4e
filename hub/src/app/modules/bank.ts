import { utf8 } from "@aegis/consumer-sdk";
import { Metadata } from "cosmjs-types/cosmos/bank/v1beta1/bank";
import type { KVStore, ReadonlyKVStore } from "../../state/index.js";
import { ACCOUNT_ADDRESS_PREFIX, isValidDenom, toBech32, TxError, type Coin } from "../../tx/index.js";
import { balanceKey, balancePrefix, denomMetadataKey, supplyKey } from "../storeKeys.js";

/**
 * bank: balances per (address, denom) and total supply per denom. Pure rules over the state they are
 * given; a rule that fails throws TxError and the caller discards the transaction's state branch.
 */
const decoder = new TextDecoder();

function readAmount(store: ReadonlyKVStore, key: Uint8Array): bigint {
  const v = store.get(key);
  return v ? BigInt(decoder.decode(v)) : 0n;
}

function writeAmount(store: KVStore, key: Uint8Array, amount: bigint): void {
  if (amount === 0n) store.delete(key);
  else store.set(key, utf8(amount.toString()));
}

export function getBalance(store: ReadonlyKVStore, address: Uint8Array, denom: string): bigint {
  return readAmount(store, balanceKey(address, denom));
}

/** All non-zero balances of an address, by denom. */
export function getAllBalances(store: ReadonlyKVStore, address: Uint8Array): Coin[] {
  const prefix = balancePrefix(address);
  const out: Coin[] = [];
  for (const [k, v] of store.iterate(prefix)) out.push({ denom: decoder.decode(k.subarray(prefix.length)), amount: BigInt(decoder.decode(v)) });
  return out;
}

export function getSupply(store: ReadonlyKVStore, denom: string): bigint {
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

// ---------------------------------------------------------------------------------------------------
// Denom metadata (cosmos.bank.v1beta1.Metadata, by base denom): what wallets show (display unit, exponent)

export type DenomMetadata = Metadata;

/**
 * The metadata a genesis without `appState.bank.denomMetadata` gets for its staking denom: a base
 * unit "u<name>" (e.g. uaeg) is the micro unit of <name> (aeg, exponent 6), as Cosmos chains name
 * them; any other denom has its base unit only (display = base).
 */
export function createDefaultDenomMetadata(denom: string): DenomMetadata {
  const micro = /^u[a-z][a-z0-9]{2,}$/.test(denom);
  const display = micro ? denom.slice(1) : denom;
  const name = display === "aeg" ? "Aegis" : display.toUpperCase();
  return {
    description: micro ? `The staking token of the chain (1 ${display} = 10^6 ${denom})` : "The staking token of the chain",
    denomUnits: micro
      ? [
          { denom, exponent: 0, aliases: [`micro${display}`] },
          { denom: display, exponent: 6, aliases: [] },
        ]
      : [{ denom, exponent: 0, aliases: [] }],
    base: denom,
    display,
    name,
    symbol: display.toUpperCase(),
    uri: "",
    uriHash: "",
  };
}

/**
 * Throws Error naming the rule a metadata breaks, the SDK's Metadata.Validate: name and symbol not
 * blank, valid base and display denoms, the first unit is the base with exponent 0, exponents strictly
 * increasing, no unit or alias twice, and a unit named like the display denom.
 */
export function assertValidDenomMetadata(m: DenomMetadata): void {
  const fail = (reason: string): never => {
    throw new Error(reason);
  };
  if (m.name.trim() === "") fail("name field cannot be blank");
  if (m.symbol.trim() === "") fail("symbol field cannot be blank");
  if (!isValidDenom(m.base)) fail(`invalid metadata base denom: invalid denom: ${m.base}`);
  if (!isValidDenom(m.display)) fail(`invalid metadata display denom: invalid denom: ${m.display}`);
  let hasDisplay = false;
  let exponent = 0;
  const seen = new Set<string>();
  m.denomUnits.forEach((u, i) => {
    if (i === 0) {
      if (u.denom !== m.base) fail(`metadata's first denomination unit must be the one with base denom '${m.base}'`);
      if (u.exponent !== 0) fail(`the exponent for base denomination unit ${m.base} must be 0`);
    } else if (exponent >= u.exponent) fail("the denomination units must be sorted in ascending order of their exponents");
    exponent = u.exponent;
    if (seen.has(u.denom)) fail(`duplicate denomination unit ${u.denom}`);
    if (u.denom === m.display) hasDisplay = true;
    if (!isValidDenom(u.denom)) fail(`invalid denom: ${u.denom}`);
    const aliases = new Set<string>();
    for (const a of u.aliases) {
      if (!isValidDenom(a)) fail(`invalid alias denom: invalid denom: ${a}`);
      if (aliases.has(a)) fail(`duplicated denomination unit alias ${a}`);
      aliases.add(a);
    }
    seen.add(u.denom);
  });
  if (!hasDisplay) fail(`metadata must contain a denomination unit with display denom '${m.display}'`);
}

export function getDenomMetadata(store: ReadonlyKVStore, denom: string): DenomMetadata | undefined {
  const raw = store.get(denomMetadataKey(denom));
  return raw ? Metadata.decode(raw) : undefined;
}

/** Stores `m` under its base denom (genesis). */
export function setDenomMetadata(store: KVStore, m: DenomMetadata): void {
  store.set(denomMetadataKey(m.base), Metadata.encode(m).finish());
}
