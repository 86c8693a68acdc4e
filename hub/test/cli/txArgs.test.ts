import { toBech32 } from "../../src/tx/index.js";
import { CliError } from "../../src/cli/cliError.js";
import {
  addCoins,
  assertSufficientFunds,
  assertValidAddressArg,
  assertValidGasPriceArg,
  computeFee,
  getAddressArg,
  getShortfall,
  parseCoinArg,
  parseCoinsArg,
  parseFeesArg,
  parseGasArg,
} from "../../src/cli/txArgs.js";

const ACCOUNT = toBech32("aegis", new Uint8Array(20).fill(7));
const VALOPER = toBech32("aegisvaloper", new Uint8Array(20).fill(7));
/** The CliError `f` throws. */
function cliError(f: () => unknown): CliError {
  try {
    f();
  } catch (e) {
    if (e instanceof CliError) return e;
    throw e;
  }
  throw new Error("did not throw");
}
/** One character of the data part changed: the checksum no longer matches. */
const mistyped = (a: string) => a.slice(0, -3) + (a.at(-3) === "q" ? "p" : "q") + a.slice(-2);

describe("addresses on the command line", () => {
  test("valid account and operator addresses pass and decode to their bytes", () => {
    expect(getAddressArg("<to-address>", ACCOUNT)).toEqual(new Uint8Array(20).fill(7));
    expect(() => assertValidAddressArg("<validator>", VALOPER, "aegisvaloper")).not.toThrow();
    // Module and contract accounts are 32 bytes.
    expect(() => assertValidAddressArg("<to-address>", toBech32("aegis", new Uint8Array(32).fill(1)))).not.toThrow();
  });
  test.each([
    ["a bad checksum", mistyped(ACCOUNT), "aegis", /<to-address> ".*" is not a valid aegis1… address: bad checksum/],
    ["another chain's prefix", toBech32("cosmos", new Uint8Array(20)), "aegis", /wrong prefix "cosmos"; expected an aegis1… address/],
    ["an operator address where an account is expected", VALOPER, "aegis", /wrong prefix "aegisvaloper" \(a validator operator address\); expected an aegis1… address/],
    ["an account where an operator is expected", ACCOUNT, "aegisvaloper", /wrong prefix "aegis" \(an account address\); expected an aegisvaloper1… address/],
    ["too short", "aegis1xyz", "aegis", /not a bech32 address/],
    ["upper case mixed in", ACCOUNT.slice(0, 10) + ACCOUNT.slice(10).toUpperCase(), "aegis", /not a bech32 address: address must be lowercase/],
    ["a 10-byte payload", toBech32("aegis", new Uint8Array(10)), "aegis", /decodes to 10 bytes; expected 20 or 32/],
  ])("%s: CLI_ERROR_INVALID_ADDRESS naming the argument and why", (_name, address, prefix, message) => {
    const e = cliError(() => assertValidAddressArg("<to-address>", address, prefix));
    expect(e.code).toBe("CLI_ERROR_INVALID_ADDRESS");
    expect(e.type).toMatchObject({ argument: "<to-address>", address });
    expect(e.message).toMatch(message);
  });
});

describe("coins, --gas, --fees and --gas-prices", () => {
  test("coins as the SDK writes them", () => {
    expect(parseCoinsArg("<amount>", "1000uaeg")).toEqual([{ denom: "uaeg", amount: "1000" }]);
    expect(parseCoinsArg("<amount>", "1000uaeg,5ibc/ABC")).toEqual([
      { denom: "uaeg", amount: "1000" },
      { denom: "ibc/ABC", amount: "5" },
    ]);
    expect(parseCoinArg("<amount>", "007uaeg")).toEqual({ denom: "uaeg", amount: "7" });
  });
  test.each(["lots", "1000", "uaeg", "0uaeg", "-5uaeg", "1.5uaeg", "5uaeg,6uaeg", "1000 uaeg", `${2n ** 256n}uaeg`])("refuses the amount %j (CLI_ERROR_INVALID_AMOUNT)", (bad) => {
    const e = cliError(() => parseCoinsArg("<amount>", bad));
    expect(e.code).toBe("CLI_ERROR_INVALID_AMOUNT");
    expect(e.message).toContain("<amount>");
  });
  test("a single-coin argument refuses two coins", () => {
    expect(cliError(() => parseCoinArg("<amount>", "1uaeg,2ufoo")).message).toMatch(/one coin/);
  });
  test("--gas: auto or a positive integer", () => {
    expect(parseGasArg("auto")).toBe("auto");
    expect(parseGasArg("200000")).toBe(200000);
    for (const bad of ["0", "-1", "1.5", "lots", "", "99999999999999999999"]) expect(cliError(() => parseGasArg(bad)).type).toMatchObject({ code: "CLI_ERROR_INVALID_OPTION", option: "--gas" });
  });
  test("--fees: coins, else CLI_ERROR_INVALID_OPTION naming --fees", () => {
    expect(parseFeesArg("5000uaeg")).toEqual([{ denom: "uaeg", amount: "5000" }]);
    const e = cliError(() => parseFeesArg("5000"));
    expect(e.type).toMatchObject({ code: "CLI_ERROR_INVALID_OPTION", option: "--fees", value: "5000" });
  });
  test("--gas-prices: a decimal price and a denom", () => {
    expect(() => assertValidGasPriceArg("0.025uaeg")).not.toThrow();
    expect(() => assertValidGasPriceArg("1uaeg")).not.toThrow();
    for (const bad of ["0.025", "uaeg", ".5uaeg", "0,025uaeg"]) expect(cliError(() => assertValidGasPriceArg(bad)).type).toMatchObject({ option: "--gas-prices" });
  });
  test("computeFee: --fees as given (whatever the gas), else ⌈gas × price⌉", () => {
    expect(computeFee(123456, { fees: [{ denom: "uaeg", amount: "5000" }], gasPrice: "0.025uaeg" })).toEqual({ amount: [{ denom: "uaeg", amount: "5000" }], gas: "123456" });
    expect(computeFee(100000, { gasPrice: "0.025uaeg" })).toEqual({ amount: [{ denom: "uaeg", amount: "2500" }], gas: "100000" });
    expect(computeFee(100001, { gasPrice: "0.025uaeg" }).amount).toEqual([{ denom: "uaeg", amount: "2501" }]); // rounded up, as cosmjs' calculateFee
    expect(computeFee(3, { gasPrice: "2uaeg" }).amount).toEqual([{ denom: "uaeg", amount: "6" }]);
  });
});

describe("the balance a transaction needs", () => {
  const c = (amount: number, denom = "uaeg") => ({ denom, amount: String(amount) });
  test("addCoins and getShortfall per denom", () => {
    expect(addCoins([c(5)], [c(7), c(1, "ufoo")])).toEqual([c(12), c(1, "ufoo")]);
    expect(getShortfall([c(10)], [c(12), c(1, "ufoo")])).toEqual([c(2), c(1, "ufoo")]);
    expect(getShortfall([c(12), c(1, "ufoo")], [c(12), c(1, "ufoo")])).toEqual([]);
  });
  test("enough: no error", () => {
    expect(() => assertSufficientFunds("alice", ACCOUNT, [c(10_000)], [c(4000)], [c(5000)])).not.toThrow();
    expect(() => assertSufficientFunds("alice", ACCOUNT, [c(10_000)], [c(4000)], null)).not.toThrow();
    expect(() => assertSufficientFunds("alice", ACCOUNT, [c(1)], [], null)).not.toThrow();
  });
  test("too little: says what the account has and what it needs, amount and fee", () => {
    const e = cliError(() => assertSufficientFunds("alice", ACCOUNT, [c(8000), c(3, "ufoo")], [c(4000)], [c(5000)]));
    expect(e.type).toEqual({ code: "CLI_ERROR_INSUFFICIENT_FUNDS", address: ACCOUNT, have: "8000uaeg,3ufoo", need: "9000uaeg" });
    expect(e.message).toBe(`insufficient funds: alice (${ACCOUNT}) has 8000uaeg but needs 9000uaeg (4000uaeg + 5000uaeg fee); nothing was broadcast`);
  });
  test("before the fee is known: the amount alone, or an empty account", () => {
    expect(cliError(() => assertSufficientFunds("bob", ACCOUNT, [c(10)], [c(4321)], null)).message).toMatch(/has 10uaeg but needs 4321uaeg plus the fee/);
    expect(cliError(() => assertSufficientFunds("bob", ACCOUNT, [], [], null)).message).toMatch(/has nothing but needs the fee/);
  });
  test("a fee-only transaction", () => {
    expect(cliError(() => assertSufficientFunds("bob", ACCOUNT, [c(10)], [], [c(5000)])).message).toMatch(/has 10uaeg but needs 5000uaeg for the fee/);
  });
});
