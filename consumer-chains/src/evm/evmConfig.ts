/**
 * The EVM reference chain's fixed parameters and its genesis configuration.
 *
 * Chain id: given in the genesis (`chainId`), so wallets and signed transactions name it; a chain
 * without its own number may use `computeEvmChainId(consumerId)`, a number derived from the consumer
 * id. Every signed transaction must carry it (EIP-155 for legacy transactions, the `chainId` field of
 * EIP-1559 ones): a transaction of another chain, or a legacy one without replay protection, is
 * refused as EXECUTION_ERROR_UNAUTHORIZED.
 *
 * Transactions: signed legacy (EIP-155) and EIP-1559 transactions (evmTransaction.ts).
 *
 * Fixed block parameters (no fee market, no producer reward):
 * - the rules of Ethereum's Prague hardfork at every height (contracts are compiled for "prague");
 * - a block gas limit of 30,000,000 (EVM_BLOCK_GAS_LIMIT), as Ethereum checks it: each
 *   transaction's gas limit must fit in what the block's earlier transactions left unused;
 * - a fixed base fee of 1 gwei (EVM_BASE_FEE_PER_GAS), burned; tips go to the zero coinbase
 *   (nobody holds its key, so they are burned too). A transaction's fee cap below it is invalid;
 * - number = the consumer height, timestamp = floor(time / 1000), coinbase = zero, prevrandao = zero,
 *   BLOCKHASH(height − 1) = the consumer parent block's hash (other heights: zero).
 */
import { createCustomCommon, Hardfork, Mainnet, type Common } from "@ethereumjs/common";
import { sha256, utf8 } from "@aegis/consumer-sdk";
import { invalidGenesisField } from "../common/errors.js";

/** Ethereum's rules the chain runs (fixed: no hardfork transitions). */
export const EVM_HARDFORK = Hardfork.Prague;
/** solc's `evmVersion` matching EVM_HARDFORK. */
export const EVM_SOLC_EVM_VERSION = "prague";
export const EVM_BLOCK_GAS_LIMIT = 30_000_000n;
/** 1 gwei, at every height. */
export const EVM_BASE_FEE_PER_GAS = 1_000_000_000n;
/** The largest transaction accepted (bytes), as geth's pool limit. */
export const EVM_MAX_TX_BYTES = 128 * 1024;
/** Largest chain id accepted: a JavaScript safe integer (what wallets handle). */
export const EVM_MAX_CHAIN_ID = Number.MAX_SAFE_INTEGER;
/** Most accounts a genesis may allocate. */
export const EVM_MAX_GENESIS_ACCOUNTS = 100_000;
/** How far ahead of its account's nonce a transaction may be and still enter the mempool (checkTx); blocks take exact nonces. */
export const EVM_MAX_NONCE_AHEAD = 16n;
/** EIP-170: the largest code an account may hold (also for genesis code). */
export const EVM_MAX_CODE_BYTES = 24_576;

/** The genesis configuration (JSON). */
export interface EvmGenesisConfig {
  /** The EIP-155 chain id: 1 to 2^53 − 1. */
  chainId: number;
  alloc: EvmGenesisAccount[];
}

/** A genesis account. Amounts are decimal ("1000") or 0x-hex ("0x3e8") strings, or safe integers. */
export interface EvmGenesisAccount {
  /** 0x + 40 hex digits (any case; no checksum rule). */
  address: string;
  /** Wei. */
  balance: string | number;
  /** Runtime code, 0x-hex, at most 24,576 bytes. */
  code?: string;
  /** Storage slot → value, both 0x-hex words (up to 32 bytes, left-padded); zero values are left out. */
  storage?: Record<string, string>;
  /** Default 0 (1 for an account with code, as EIP-161 creates contracts). */
  nonce?: number;
}

/** The validated genesis, in binary form (addresses in first-seen order). */
export interface EvmGenesis {
  chainId: bigint;
  alloc: { address: Uint8Array; balance: bigint; nonce: bigint; code: Uint8Array; storage: { slot: Uint8Array; value: Uint8Array }[] }[];
}

/** The genesis is checked with the chains' shared GenesisError (GENESIS_ERROR_INVALID_FIELD naming the field, e.g. `alloc[2].balance`). */
export { GenesisError, type GenesisErrorType } from "../common/errors.js";

const invalid = invalidGenesisField;

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;
const HEX_RE = /^0x([0-9a-fA-F]{2})*$/;
const QUANTITY_RE = /^(0x[0-9a-fA-F]{1,64}|0|[1-9][0-9]{0,77})$/;
const MAX_UINT256 = (1n << 256n) - 1n;

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

function readKeys(o: Record<string, unknown>, path: string, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw invalid(path ? `${path}.${k}` : k, "unknown field");
}

/** A uint256 from a decimal or 0x-hex string. */
function readQuantity(x: unknown, path: string, max = MAX_UINT256): bigint {
  if (typeof x === "number" && Number.isSafeInteger(x) && x >= 0) return BigInt(x);
  if (typeof x !== "string" || !QUANTITY_RE.test(x)) throw invalid(path, "not a decimal or 0x-hex quantity string (or a safe integer)");
  const v = BigInt(x);
  if (v > max) throw invalid(path, `above ${max}`);
  return v;
}

/** A word (0x-hex, at most 32 bytes) left-padded to 32 bytes. */
function readWord(x: string, path: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{1,64}$/.test(x)) throw invalid(path, "not a 0x-hex word of at most 32 bytes");
  return Uint8Array.from(Buffer.from(x.slice(2).padStart(64, "0"), "hex"));
}

/**
 * Checks a genesis configuration field by field and returns it in binary form: exactly the fields
 * documented on EvmGenesisConfig, addresses each at most once, balances adding up to at most
 * 2^256 − 1 (the base fee only burns, so no balance can overflow). Throws GenesisError
 * (GENESIS_ERROR_INVALID_FIELD) naming the field.
 */
export function parseEvmGenesis(json: unknown): EvmGenesis {
  if (!isRecord(json)) throw invalid("", "not an object");
  readKeys(json, "", ["chainId", "alloc"]);
  const { chainId, alloc } = json;
  if (typeof chainId !== "number" || !Number.isSafeInteger(chainId) || chainId < 1 || chainId > EVM_MAX_CHAIN_ID) throw invalid("chainId", `not an integer from 1 to ${EVM_MAX_CHAIN_ID}`);
  if (!Array.isArray(alloc)) throw invalid("alloc", "not an array");
  if (alloc.length > EVM_MAX_GENESIS_ACCOUNTS) throw invalid("alloc", `more than ${EVM_MAX_GENESIS_ACCOUNTS} accounts`);
  const seen = new Set<string>();
  let total = 0n;
  const accounts = alloc.map((a: unknown, i) => {
    const p = `alloc[${i}]`;
    if (!isRecord(a)) throw invalid(p, "not an object");
    readKeys(a, p, ["address", "balance", "code", "storage", "nonce"]);
    if (typeof a.address !== "string" || !ADDRESS_RE.test(a.address)) throw invalid(`${p}.address`, "not 0x + 40 hex digits");
    const address = a.address.toLowerCase();
    if (seen.has(address)) throw invalid(`${p}.address`, `${address} is allocated twice`);
    seen.add(address);
    const balance = readQuantity(a.balance, `${p}.balance`);
    total += balance;
    if (total > MAX_UINT256) throw invalid(`${p}.balance`, "the balances add up to more than 2^256 − 1");
    let code = new Uint8Array(0);
    if (a.code !== undefined) {
      if (typeof a.code !== "string" || !HEX_RE.test(a.code)) throw invalid(`${p}.code`, "not 0x-hex bytes");
      code = Uint8Array.from(Buffer.from(a.code.slice(2), "hex"));
      if (code.length > EVM_MAX_CODE_BYTES) throw invalid(`${p}.code`, `longer than ${EVM_MAX_CODE_BYTES} bytes`);
    }
    let nonce = code.length > 0 ? 1n : 0n;
    if (a.nonce !== undefined) {
      if (typeof a.nonce !== "number" || !Number.isSafeInteger(a.nonce) || a.nonce < 0) throw invalid(`${p}.nonce`, "not a non-negative safe integer");
      nonce = BigInt(a.nonce);
    }
    const storage: { slot: Uint8Array; value: Uint8Array }[] = [];
    if (a.storage !== undefined) {
      if (!isRecord(a.storage)) throw invalid(`${p}.storage`, "not an object of slot → value");
      const slots = new Set<string>();
      for (const [k, v] of Object.entries(a.storage)) {
        const slot = readWord(k, `${p}.storage[${JSON.stringify(k)}]`);
        const key = Buffer.from(slot).toString("hex");
        if (slots.has(key)) throw invalid(`${p}.storage[${JSON.stringify(k)}]`, "slot given twice");
        slots.add(key);
        if (typeof v !== "string") throw invalid(`${p}.storage[${JSON.stringify(k)}]`, "value not a 0x-hex word");
        const value = readWord(v, `${p}.storage[${JSON.stringify(k)}]`);
        if (value.some((b) => b !== 0)) storage.push({ slot, value });
      }
    }
    return { address: Uint8Array.from(Buffer.from(address.slice(2), "hex")), balance, nonce, code, storage };
  });
  return { chainId: BigInt(chainId), alloc: accounts };
}

/**
 * A chain id derived from a consumer id, for chains that do not choose one: the first 6 bytes of
 * SHA-256("aegis/evm-chain-id/v1" ‖ consumerId) as a number (below 2^48), never 0.
 */
export function computeEvmChainId(consumerId: string): number {
  const h = sha256(utf8(`aegis/evm-chain-id/v1${consumerId}`));
  const n = h.subarray(0, 6).reduce((acc, b) => acc * 256 + b, 0);
  return n === 0 ? 1 : n;
}

/** The @ethereumjs Common of a chain: Mainnet's parameters, this chain id, Prague. */
export function createEvmCommon(chainId: bigint | number): Common {
  return createCustomCommon({ chainId: Number(chainId), name: "aegis-evm" }, Mainnet, { hardfork: EVM_HARDFORK });
}
