import { formatDec, formatDecCoins, formatDecPercent, formatDecString } from "../../src/cli/formatDec.js";

describe("formatDec: a Cosmos Dec's protobuf atomics as the shortest exact decimal", () => {
  test.each([
    ["100000000000000000", "0.1"],
    ["200000000000000000", "0.2"],
    ["10000000000000000", "0.01"],
    ["1000000000000000000", "1"],
    ["10000000000000000000000000", "10000000"],
    ["1", "0.000000000000000001"],
    ["123456789000000000000", "123.456789"],
    ["0", "0"],
    ["", "0"],
    ["000100000000000000000", "0.1"],
    ["-1500000000000000000", "-1.5"],
  ])("%s → %s", (atomics, decimal) => {
    expect(formatDec(atomics)).toBe(decimal);
  });
  test("a bigint works too", () => expect(formatDec(5n * 10n ** 17n)).toBe("0.5"));
  test.each(["0.1", "1e18", "abc", "0x10"])("refuses %s (not atomics)", (bad) => {
    expect(() => formatDec(bad)).toThrow(RangeError);
  });
});

describe("formatDecString: a Dec's 18-decimal text form without trailing zeros", () => {
  test.each([
    ["0.100000000000000000", "0.1"],
    ["1.000000000000000000", "1"],
    ["0.000000000000000000", "0"],
    ["12.340000000000000000", "12.34"],
    ["007.5", "7.5"],
    ["5", "5"],
  ])("%s → %s", (text, decimal) => expect(formatDecString(text)).toBe(decimal));
  test("refuses what is not a decimal", () => expect(() => formatDecString("0.1uaeg")).toThrow(RangeError));
});

describe("formatDecPercent", () => {
  test.each([
    ["100000000000000000", "10%"],
    ["5000000000000000", "0.5%"],
    ["1000000000000000000", "100%"],
    ["0", "0%"],
  ])("%s → %s", (atomics, percent) => expect(formatDecPercent(atomics)).toBe(percent));
});

test("formatDecCoins: rewards as decimals", () => {
  expect(formatDecCoins([{ denom: "uaeg", amount: "1234567000000000000000" }])).toEqual([{ denom: "uaeg", amount: "1234.567" }]);
});
