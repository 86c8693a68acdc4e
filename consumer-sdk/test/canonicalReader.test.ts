import { CanonicalReader, CanonicalReadError, CanonicalWriter } from "../src/index.js";

describe("CanonicalReader", () => {
  const bytes = new CanonicalWriter().u8(7).u32(70_000).u64(2n ** 60n).u64(42).fixed(Uint8Array.of(1, 2, 3), 3, "f").bytes(Uint8Array.of(9, 9)).string("aé").finish();

  test("reads back what CanonicalWriter wrote, field for field", () => {
    const r = new CanonicalReader(bytes);
    expect([r.u8(), r.u32(), r.u64(), r.u53(), r.fixed(3, "f"), r.bytes("b", 2), r.string("s", 8)]).toEqual([7, 70_000, 2n ** 60n, 42, Uint8Array.of(1, 2, 3), Uint8Array.of(9, 9), "aé"]);
    expect(() => r.end()).not.toThrow();
  });

  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      if (e instanceof CanonicalReadError) return e.code;
      throw e;
    }
    return "none";
  };

  test("every malformed input is a typed error", () => {
    expect(code(() => new CanonicalReader(bytes.subarray(0, 3)).u32("x"))).toBe("CANONICAL_READ_ERROR_TRUNCATED");
    expect(code(() => new CanonicalReader(new CanonicalWriter().u64(2n ** 53n).finish()).u53("h"))).toBe("CANONICAL_READ_ERROR_OUT_OF_RANGE");
    expect(code(() => new CanonicalReader(new CanonicalWriter().bytes(new Uint8Array(5)).finish()).bytes("b", 4))).toBe("CANONICAL_READ_ERROR_OUT_OF_RANGE");
    expect(code(() => new CanonicalReader(new CanonicalWriter().u32(1).finish()).bytes("b", 4))).toBe("CANONICAL_READ_ERROR_TRUNCATED");
    expect(code(() => new CanonicalReader(new CanonicalWriter().bytes(Uint8Array.of(0xff)).finish()).string("s", 4))).toBe("CANONICAL_READ_ERROR_INVALID_UTF8");
    const r = new CanonicalReader(Uint8Array.of(1, 2));
    r.u8();
    expect(code(() => r.end())).toBe("CANONICAL_READ_ERROR_TRAILING_BYTES");
  });
});
