/**
 * The client commands' argument rules, pure: addresses, coin amounts, --gas, --fees, --gas-prices,
 * and the balance a transaction needs. Each refuses bad input with a CliError naming the argument.
 */
import { ACCOUNT_ADDRESS_PREFIX, DENOM_REGEX, fromBech32, TxError, VALIDATOR_OPERATOR_ADDRESS_PREFIX } from "../tx/index.js";
import { CliError } from "./cliError.js";

export interface Coin {
  denom: string;
  amount: string;
}

/** Why a bech32 address was refused, in words a user can act on. */
function addressReason(e: TxError, expectedPrefix: string): string {
  const t = e.type;
  switch (t.code) {
    case "TX_ERROR_ADDRESS_BAD_CHECKSUM":
      return "bad checksum (a character is mistyped, missing or extra)";
    case "TX_ERROR_ADDRESS_WRONG_PREFIX": {
      const what =
        t.actual === VALIDATOR_OPERATOR_ADDRESS_PREFIX ? " (a validator operator address)" : t.actual === ACCOUNT_ADDRESS_PREFIX ? " (an account address)" : "";
      return `wrong prefix "${t.actual}"${what}; expected an ${expectedPrefix}1… address`;
    }
    case "TX_ERROR_ADDRESS_WRONG_LENGTH":
      return `decodes to ${t.actual} bytes; expected ${t.expected.join(" or ")}`;
    case "TX_ERROR_ADDRESS_MALFORMED":
      return `not a bech32 address: ${t.reason}`;
    default:
      return e.message;
  }
}

/**
 * The bytes of `address`, an argument that must be a bech32 address with `prefix` (20 bytes; 20 or 32
 * for accounts, which include module and contract accounts). Uses the hub's own decoder, never cosmjs'
 * `fromBech32` without a limit (it throws with @scure/base ≥ 2.3).
 */
export function getAddressArg(argument: string, address: string, prefix: string = ACCOUNT_ADDRESS_PREFIX): Uint8Array {
  try {
    return fromBech32(address, prefix, { lengths: prefix === ACCOUNT_ADDRESS_PREFIX ? [20, 32] : [20] });
  } catch (e) {
    if (!(e instanceof TxError)) throw e;
    const reason = addressReason(e, prefix);
    throw new CliError({ code: "CLI_ERROR_INVALID_ADDRESS", argument, address, reason }, `${argument} ${JSON.stringify(address)} is not a valid ${prefix}1… address: ${reason}`);
  }
}

/** Throws CLI_ERROR_INVALID_ADDRESS unless `address` is a valid `prefix` address. */
export function assertValidAddressArg(argument: string, address: string, prefix: string = ACCOUNT_ADDRESS_PREFIX): void {
  getAddressArg(argument, address, prefix);
}

/** The SDK's denom rule (DENOM_REGEX), after an amount. */
const DENOM = DENOM_REGEX.source.replace(/^\^/, "").replace(/\$$/, "");
const COIN_RE = new RegExp(`^([0-9]+)(${DENOM})$`);
const MAX_UINT256 = (1n << 256n) - 1n;

/** Coins as the Cosmos SDK writes them: "1000uaeg" or "1000uaeg,5ufoo" (each amount > 0, denoms distinct). */
export function parseCoinsArg(argument: string, value: string, opts: { single?: boolean } = {}): Coin[] {
  const bad = (reason: string) => new CliError({ code: "CLI_ERROR_INVALID_AMOUNT", argument, value, reason }, `${argument} ${JSON.stringify(value)}: ${reason}`);
  const parts = value.split(",").map((p) => p.trim());
  if (opts.single && parts.length !== 1) throw bad("one coin, e.g. 1000000uaeg");
  const seen = new Set<string>();
  return parts.map((p) => {
    const m = COIN_RE.exec(p);
    if (!m) throw bad(`expected an integer amount and a denom, e.g. 1000uaeg`);
    const amount = BigInt(m[1]!);
    if (amount === 0n) throw bad("the amount must be greater than 0");
    if (amount > MAX_UINT256) throw bad("the amount is too large");
    if (seen.has(m[2]!)) throw bad(`denom ${m[2]} given twice`);
    seen.add(m[2]!);
    return { denom: m[2]!, amount: amount.toString() };
  });
}

/** One coin, e.g. a delegation's amount. */
export function parseCoinArg(argument: string, value: string): Coin {
  return parseCoinsArg(argument, value, { single: true })[0]!;
}

/** `--gas`: "auto" (simulate, × 1.4) or a positive integer gas limit. */
export function parseGasArg(value: string): "auto" | number {
  if (value === "auto") return "auto";
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) {
    throw new CliError({ code: "CLI_ERROR_INVALID_OPTION", option: "--gas", value, reason: 'must be "auto" or a positive integer' }, `--gas ${JSON.stringify(value)}: must be "auto" or a positive integer`);
  }
  return n;
}

/** `--fees`: the fee paid, whatever the gas (as `--fees` of the Cosmos SDK CLI), e.g. 5000uaeg. */
export function parseFeesArg(value: string): Coin[] {
  try {
    return parseCoinsArg("--fees", value);
  } catch (e) {
    if (!(e instanceof CliError) || e.type.code !== "CLI_ERROR_INVALID_AMOUNT") throw e;
    const reason = e.type.reason;
    throw new CliError({ code: "CLI_ERROR_INVALID_OPTION", option: "--fees", value, reason }, `--fees ${JSON.stringify(value)}: ${reason}`);
  }
}

const GAS_PRICE_RE = new RegExp(`^([0-9]+(?:\\.[0-9]+)?)(${DENOM})$`);

/** `--gas-prices`, e.g. 0.025uaeg (checked here: cosmjs' GasPrice.fromString throws a bare message). */
export function assertValidGasPriceArg(value: string): void {
  if (!GAS_PRICE_RE.test(value)) {
    throw new CliError({ code: "CLI_ERROR_INVALID_OPTION", option: "--gas-prices", value, reason: "a decimal amount and a denom, e.g. 0.025uaeg" }, `--gas-prices ${JSON.stringify(value)}: a decimal amount and a denom, e.g. 0.025uaeg`);
  }
}

/** The fee of a transaction: `--fees` as given, else ⌈gas × price⌉ of `--gas-prices`. */
export function computeFee(gasLimit: number, o: { fees?: Coin[]; gasPrice: string }): { amount: Coin[]; gas: string } {
  if (o.fees) return { amount: o.fees, gas: String(gasLimit) };
  const m = GAS_PRICE_RE.exec(o.gasPrice);
  if (!m) throw new RangeError(`invalid gas price ${o.gasPrice}`);
  const [whole, frac = ""] = m[1]!.split(".") as [string, string?];
  const scale = 10n ** BigInt(frac.length);
  const price = BigInt(whole + frac);
  const amount = (BigInt(gasLimit) * price + scale - 1n) / scale;
  return { amount: [{ denom: m[2]!, amount: amount.toString() }], gas: String(gasLimit) };
}

/** Coins summed per denom, in order of first appearance. */
export function addCoins(...lists: readonly (readonly Coin[])[]): Coin[] {
  const sums = new Map<string, bigint>();
  for (const list of lists) for (const c of list) sums.set(c.denom, (sums.get(c.denom) ?? 0n) + BigInt(c.amount));
  return [...sums].map(([denom, amount]) => ({ denom, amount: amount.toString() }));
}

export function formatCoins(coins: readonly Coin[]): string {
  return coins.length === 0 ? "nothing" : coins.map((c) => `${c.amount}${c.denom}`).join(",");
}

/** What `need` asks for beyond `have`, per denom; empty when the balance covers it. */
export function getShortfall(have: readonly Coin[], need: readonly Coin[]): Coin[] {
  const out: Coin[] = [];
  for (const n of need) {
    const h = BigInt(have.find((c) => c.denom === n.denom)?.amount ?? "0");
    if (h < BigInt(n.amount)) out.push({ denom: n.denom, amount: (BigInt(n.amount) - h).toString() });
  }
  return out;
}

/**
 * Throws CLI_ERROR_INSUFFICIENT_FUNDS when `have` does not cover `spend` + `fee`, saying what the
 * account has and needs.
 */
export function assertSufficientFunds(who: string, address: string, have: readonly Coin[], spend: readonly Coin[], fee: readonly Coin[] | null): void {
  const need = addCoins(spend, fee ?? []);
  const short = getShortfall(have, need);
  if (short.length === 0 && (fee !== null || have.length > 0)) return;
  const relevant = have.filter((c) => need.some((n) => n.denom === c.denom));
  const hasText = formatCoins(relevant.length > 0 ? relevant : have);
  const needText =
    fee === null
      ? spend.length > 0
        ? `${formatCoins(spend)} plus the fee`
        : "the fee"
      : spend.length > 0 && fee.length > 0
        ? `${formatCoins(need)} (${formatCoins(spend)} + ${formatCoins(fee)} fee)`
        : spend.length > 0
          ? formatCoins(spend)
          : `${formatCoins(fee)} for the fee`;
  throw new CliError(
    { code: "CLI_ERROR_INSUFFICIENT_FUNDS", address, have: formatCoins(have), need: formatCoins(need) },
    `insufficient funds: ${who} (${address}) has ${hasText} but needs ${needText}; nothing was broadcast`,
  );
}
