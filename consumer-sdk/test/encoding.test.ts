import fc from "fast-check";
import {
  CanonicalWriter,
  computeMerkleRoot,
  createSignerBitmap,
  EMPTY_MERKLE_ROOT,
  EncodingError,
  fromHex,
  getSignerIndices,
  isSignerSet,
  sha256,
  sha256Js,
  toHex,
  utf8,
  computeVoteSignBytes,
  VoteType,
} from "../src/index.js";

test("integers are fixed-width big-endian and range-checked", () => {
  expect(toHex(new CanonicalWriter().u8(1).u32(2).i32(-1).u64(3n).finish())).toBe("0100000002ffffffff0000000000000003");
  for (const f of [() => new CanonicalWriter().u8(256), () => new CanonicalWriter().u32(-1), () => new CanonicalWriter().u64(-1n), () => new CanonicalWriter().u64(2 ** 60)]) {
    expect(f).toThrow(EncodingError);
  }
  expect(() => new CanonicalWriter().fixed(new Uint8Array(31), 32, "hash")).toThrow(expect.objectContaining({ type: expect.objectContaining({ code: "ENCODING_ERROR_INVALID_LENGTH" }) }));
});

test("vote sign bytes separate nil from any block and one chain from another", () => {
  const base = { chainId: "a", height: 1, round: 0, type: VoteType.Precommit };
  const nil = computeVoteSignBytes({ ...base, blockHash: null });
  const zero = computeVoteSignBytes({ ...base, blockHash: new Uint8Array(32) });
  expect(toHex(nil)).not.toBe(toHex(zero));
  expect(toHex(computeVoteSignBytes({ ...base, chainId: "b", blockHash: null }))).not.toBe(toHex(nil));
  expect(() => computeVoteSignBytes({ ...base, type: 3 as VoteType, blockHash: null })).toThrow(EncodingError);
});

test("Merkle root follows RFC 6962 (leaf 0x00, inner 0x01, split at largest power of two)", () => {
  expect(computeMerkleRoot([])).toEqual(EMPTY_MERKLE_ROOT);
  const a = Uint8Array.of(1);
  const b = Uint8Array.of(2);
  const c = Uint8Array.of(3);
  const leaf = (x: Uint8Array) => sha256(Uint8Array.of(0, ...x));
  const node = (l: Uint8Array, r: Uint8Array) => sha256(Uint8Array.of(1, ...l, ...r));
  expect(computeMerkleRoot([a])).toEqual(leaf(a));
  expect(computeMerkleRoot([a, b, c])).toEqual(node(node(leaf(a), leaf(b)), leaf(c)));
});

test("signer bitmaps round-trip (property)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 300 }).chain((n) => fc.tuple(fc.constant(n), fc.uniqueArray(fc.integer({ min: 0, max: n - 1 })))), ([n, signers]) => {
      const bm = createSignerBitmap(n, signers);
      expect(bm.length).toBe(Math.ceil(n / 8));
      expect(getSignerIndices(bm)).toEqual([...signers].sort((x, y) => x - y));
      for (const i of signers) expect(isSignerSet(bm, i)).toBe(true);
    }),
  );
  expect(() => createSignerBitmap(4, [4])).toThrow(RangeError);
});

test("hex parsing rejects bad input with a typed error", () => {
  expect(() => fromHex("abc")).toThrow(EncodingError);
  expect(() => fromHex("zz")).toThrow(EncodingError);
  expect(() => fromHex("00", "x", 2)).toThrow(EncodingError);
  expect(fromHex("0x0aff")).toEqual(Uint8Array.of(10, 255));
});

test("SHA-256 through node:crypto equals the pure-JS one (property), including empty and large inputs", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
      expect(toHex(sha256(data))).toBe(toHex(sha256Js(data)));
    }),
    { numRuns: 300 },
  );
  expect(toHex(sha256(new Uint8Array(0)))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const big = new Uint8Array(1 << 20).fill(7);
  expect(toHex(sha256(big))).toBe(toHex(sha256Js(big)));
  // The result is a plain Uint8Array of 32 bytes (not a view into a shared pool).
  const d = sha256(Uint8Array.of(1));
  expect(d).toHaveLength(32);
  expect(d.byteOffset).toBe(0);
});

test("utf8 equals TextEncoder for ASCII, non-ASCII, empty and long strings (property)", () => {
  const enc = new TextEncoder();
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: "binary", maxLength: 80 }), fc.string({ unit: "grapheme", maxLength: 20 })), (s) => {
      expect(Buffer.from(utf8(s)).equals(Buffer.from(enc.encode(s)))).toBe(true);
    }),
    { numRuns: 500 },
  );
  expect(utf8("")).toEqual(new Uint8Array(0));
  expect(Buffer.from(utf8("é" + "a".repeat(70))).equals(Buffer.from(enc.encode("é" + "a".repeat(70))))).toBe(true);
});
