import fc from "fast-check";
import {
  DEC_ONE,
  decFromInt,
  decMul,
  decMulTruncate,
  decQuo,
  decQuoInt,
  decQuoTruncate,
  decTruncateInt,
  formatDec,
  parseDec,
} from "../../../src/app/modules/staking/dec.js";

describe("LegacyDec arithmetic", () => {
  test.each([
    ["0.1", 100000000000000000n],
    ["100000000000000000", 100000000000000000n],
    ["1.0", DEC_ONE],
    ["0.000000000000000001", 1n],
    ["12.5", 12n * DEC_ONE + DEC_ONE / 2n],
    ["0", 0n],
  ])("parseDec(%s)", (s, atomics) => {
    expect(parseDec(s)).toBe(atomics);
  });

  test.each(["", "-0.1", "0.1234567890123456789", "1e5", " 1", "01", ".5", "5.", "0x10", "1,5"])("parseDec refuses %j", (s) => {
    expect(parseDec(s)).toBeUndefined();
  });

  test("formatDec prints 18 decimals", () => {
    expect(formatDec(100000000000000000n)).toBe("0.100000000000000000");
    expect(formatDec(decFromInt(7n) + DEC_ONE / 2n)).toBe("7.500000000000000000");
  });

  // Half-way cases round to even at the 18th decimal (SDK chopPrecisionAndRound).
  test.each([
    // (a, b) atomics with a*b / 10^18 ending in exactly .5 of an atomic
    [5n, DEC_ONE / 10n, 0n], // 0.5 atomic -> 0 (even)
    [15n, DEC_ONE / 10n, 2n], // 1.5 -> 2
    [25n, DEC_ONE / 10n, 2n], // 2.5 -> 2
    [35n, DEC_ONE / 10n, 4n], // 3.5 -> 4
    [16n, DEC_ONE / 10n, 2n], // 1.6 -> 2
    [14n, DEC_ONE / 10n, 1n], // 1.4 -> 1
  ])("decMul(%s, %s) rounds half to even: %s", (a, b, want) => {
    expect(decMul(a, b)).toBe(want);
    expect(decMulTruncate(a, b)).toBe((a * b) / DEC_ONE);
  });

  test("decQuo rounds half-even after a truncating division (SDK QuoMut)", () => {
    // 1 / 3 = 0.333…: atomics 333333333333333333
    expect(decQuo(DEC_ONE, 3n * DEC_ONE)).toBe(333333333333333333n);
    // 2 / 3 = 0.666… -> rounds up the last atomic
    expect(decQuo(2n * DEC_ONE, 3n * DEC_ONE)).toBe(666666666666666667n);
    expect(decQuoTruncate(2n * DEC_ONE, 3n * DEC_ONE)).toBe(666666666666666666n);
    expect(decQuoInt(2n * DEC_ONE, 3n)).toBe(666666666666666666n);
    expect(() => decQuo(1n, 0n)).toThrow(RangeError);
  });

  test("property: decQuo is within half an atomic of the exact quotient; truncations never exceed it", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 40n }), fc.bigInt({ min: 1n, max: 10n ** 40n }), (a, b) => {
        const q = decQuo(a, b);
        // |q/1e18 - a/b| <= 0.5e-18 + truncation (one atomic at most)
        const exactTimes = a * DEC_ONE; // q ≈ exactTimes / b
        expect(q * b - exactTimes <= b).toBe(true);
        expect(exactTimes - q * b <= b).toBe(true);
        expect(decQuoTruncate(a, b) * b <= exactTimes).toBe(true);
        expect(decTruncateInt(a) * DEC_ONE <= a).toBe(true);
      }),
    );
  });
});
