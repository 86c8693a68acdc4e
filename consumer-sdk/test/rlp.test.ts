import fc from "fast-check";
import {
  decodeHexPrefix,
  decodeNode,
  decodeRlp,
  encodeHexPrefix,
  encodeRlpBytes,
  encodeRlpList,
  fromHex,
  keccak256,
  RLP_EMPTY,
  StateProofError,
  toHex,
  toNibbles,
  utf8,
  type RlpItem,
} from "../src/index.js";

const b = (...bytes: number[]): Uint8Array => Uint8Array.of(...bytes);

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (e instanceof StateProofError) return e.code;
    throw e;
  }
}

/** A plain JS picture of a decoded item: byte strings as hex, lists as arrays. */
type Plain = string | Plain[];
function plain(item: RlpItem): Plain {
  return item instanceof Uint8Array ? toHex(item) : item.items.map(plain);
}
function encodePlain(p: Plain): Uint8Array {
  return typeof p === "string" ? encodeRlpBytes(fromHex(p)) : encodeRlpList(p.map(encodePlain));
}

describe("RLP", () => {
  // Ethereum's RLP examples (yellow paper, appendix B, and the wiki's).
  test.each<[string, Plain, string]>([
    ["the string 'dog'", toHex(utf8("dog")), "83646f67"],
    ["the list ['cat', 'dog']", [toHex(utf8("cat")), toHex(utf8("dog"))], "c88363617483646f67"],
    ["the empty string", "", "80"],
    ["the empty list", [], "c0"],
    ["the byte 0x00", "00", "00"],
    ["the byte 0x0f", "0f", "0f"],
    ["the bytes 0x0400", "0400", "820400"],
    ["the byte 0x80", "80", "8180"],
    ["the set-theoretic three", [[], [[]], [[], [[]]]], "c7c0c1c0c3c0c1c0"],
    [
      "a 56-byte string (long form)",
      toHex(utf8("Lorem ipsum dolor sit amet, consectetur adipisicing elit")),
      "b838" + toHex(utf8("Lorem ipsum dolor sit amet, consectetur adipisicing elit")),
    ],
  ])("%s", (_, item, encoding) => {
    expect(toHex(encodePlain(item))).toBe(encoding);
    expect(plain(decodeRlp(fromHex(encoding)))).toEqual(item);
  });

  test("long strings and lists: 300 bytes and a list of 1,000 bytes have two-byte lengths", () => {
    const long = new Uint8Array(300).fill(7);
    expect(toHex(encodeRlpBytes(long).subarray(0, 3))).toBe("b9012c");
    const list = encodeRlpList([encodeRlpBytes(new Uint8Array(997))]);
    expect(toHex(list.subarray(0, 3))).toBe("f903e8");
    const enc = encodeRlpList([encodeRlpBytes(b(0x7f)), encodeRlpBytes(b(0x80)), encodeRlpBytes(long), RLP_EMPTY]);
    const d = decodeRlp(enc);
    expect(d).not.toBeInstanceOf(Uint8Array);
    expect((d as { items: Uint8Array[]; raw: Uint8Array }).items).toEqual([b(0x7f), b(0x80), long, new Uint8Array(0)]);
    expect((d as { raw: Uint8Array }).raw).toEqual(enc);
  });

  test("property: decoding an encoding gives the item back, and re-encodes to the same bytes", () => {
    const { item } = fc.letrec<{ item: Plain; list: Plain[] }>((tie) => ({
      item: fc.oneof({ depthSize: "small", withCrossShrink: true }, fc.uint8Array({ maxLength: 80 }).map(toHex), tie("list")),
      list: fc.array(tie("item") as fc.Arbitrary<Plain>, { maxLength: 5 }),
    }));
    fc.assert(
      fc.property(item, (p) => {
        const enc = encodePlain(p);
        const back = plain(decodeRlp(enc));
        expect(back).toEqual(p);
        expect(encodePlain(back)).toEqual(enc);
      }),
      { numRuns: 300 },
    );
  });

  test.each<[string, string]>([
    ["a single byte below 0x80 with a length prefix", "8105"],
    ["the long form for a short string", "b8050102030405"],
    ["the long form for a short list", "f80101"],
    ["a length with a leading zero", "b900380000"],
    ["a truncated string", "83010203".slice(0, 6)],
    ["a truncated length", "b9"],
    ["a truncated list", "c201"],
    ["an item overrunning its list", "c28301"],
    ["trailing bytes", "0102"],
    ["nothing", ""],
  ])("refuses %s: STATE_ERROR_CORRUPT", (_, encoding) => {
    expect(codeOf(() => decodeRlp(fromHex(encoding)))).toBe("STATE_ERROR_CORRUPT");
  });

  test("refuses lists nested more than 1,024 deep", () => {
    let deep = encodeRlpList([]);
    for (let i = 0; i < 1100; i++) deep = encodeRlpList([deep]);
    expect(codeOf(() => decodeRlp(deep))).toBe("STATE_ERROR_CORRUPT");
    let ok = encodeRlpList([]);
    for (let i = 0; i < 1000; i++) ok = encodeRlpList([ok]);
    expect(() => decodeRlp(ok)).not.toThrow();
  });
});

describe("nibbles and hex-prefix encoding", () => {
  test("a key's nibbles, high half first", () => {
    expect([...toNibbles(b(0x12, 0xab, 0x0f))]).toEqual([1, 2, 10, 11, 0, 15]);
    expect(toNibbles(new Uint8Array(0))).toEqual(new Uint8Array(0));
  });

  // The yellow paper's appendix C, as in Ethereum's documentation of the Patricia trie.
  test.each<[number[], boolean, string]>([
    [[1, 2, 3, 4, 5], false, "112345"],
    [[0, 1, 2, 3, 4, 5], false, "00012345"],
    [[0, 15, 1, 12, 11, 8], true, "200f1cb8"],
    [[15, 1, 12, 11, 8], true, "3f1cb8"],
    [[], true, "20"],
    [[], false, "00"],
  ])("%j (leaf %s) is %s", (path, leaf, encoding) => {
    expect(toHex(encodeHexPrefix(Uint8Array.from(path), leaf))).toBe(encoding);
    expect(decodeHexPrefix(fromHex(encoding))).toEqual({ path: Uint8Array.from(path), leaf });
  });

  test("not hex-prefix encodings: empty, a flag above 3, an even path with a non-zero pad nibble", () => {
    for (const enc of ["", "40", "f0", "01", "2f12"]) expect(decodeHexPrefix(fromHex(enc))).toBeUndefined();
  });
});

describe("trie nodes", () => {
  const hp = (path: number[], leaf: boolean) => encodeRlpBytes(encodeHexPrefix(Uint8Array.from(path), leaf));
  const hash = keccak256(utf8("a node"));

  test("a leaf, an extension and a branch decode to their parts", () => {
    const leafEnc = encodeRlpList([hp([1, 2, 3], true), encodeRlpBytes(utf8("value"))]);
    expect(decodeNode(leafEnc, undefined)).toEqual({ kind: "leaf", path: b(1, 2, 3), value: utf8("value"), enc: leafEnc });

    const extEnc = encodeRlpList([hp([4, 5], false), encodeRlpBytes(hash)]);
    expect(decodeNode(extEnc, hash)).toEqual({ kind: "extension", path: b(4, 5), child: hash, enc: extEnc, hash });

    const children = new Array<Uint8Array>(16).fill(RLP_EMPTY);
    children[3] = encodeRlpBytes(hash);
    children[9] = leafEnc; // embedded: below 32 bytes
    const branchEnc = encodeRlpList([...children, encodeRlpBytes(utf8("v"))]);
    const branch = decodeNode(branchEnc, undefined);
    if (branch.kind !== "branch") throw new Error("not a branch");
    expect(branch.value).toEqual(utf8("v"));
    expect(branch.children[3]).toEqual(hash);
    expect(branch.children[9]).toEqual({ kind: "leaf", path: b(1, 2, 3), value: utf8("value"), enc: leafEnc });
    expect(branch.children.filter((c) => c === null)).toHaveLength(14);
    const noValue = decodeNode(encodeRlpList([...children, RLP_EMPTY]), undefined);
    expect(noValue.kind === "branch" && noValue.value).toBeNull();
  });

  test.each<[string, () => Uint8Array]>([
    ["a byte string", () => encodeRlpBytes(utf8("not a list"))],
    ["a list of 3 items", () => encodeRlpList([hp([1], true), RLP_EMPTY, RLP_EMPTY])],
    ["a bad hex-prefix path", () => encodeRlpList([encodeRlpBytes(b(0x41)), encodeRlpBytes(b(1))])],
    ["a path that is a list", () => encodeRlpList([encodeRlpList([]), encodeRlpBytes(b(1))])],
    ["a leaf with an empty value", () => encodeRlpList([hp([1], true), RLP_EMPTY])],
    ["a leaf with a list value", () => encodeRlpList([hp([1], true), encodeRlpList([])])],
    ["an extension with an empty path", () => encodeRlpList([hp([], false), encodeRlpBytes(hash)])],
    ["an extension without a child", () => encodeRlpList([hp([1], false), RLP_EMPTY])],
    ["a child reference of 5 bytes", () => encodeRlpList([hp([1], false), encodeRlpBytes(b(1, 2, 3, 4, 5))])],
    ["an embedded node of 32+ bytes", () => encodeRlpList([hp([1], false), encodeRlpList([hp([2], true), encodeRlpBytes(new Uint8Array(40))])])],
    ["a branch whose value is a list", () => encodeRlpList([...new Array<Uint8Array>(16).fill(RLP_EMPTY), encodeRlpList([])])],
    ["malformed RLP", () => b(0xc3, 0x01)],
  ])("refuses %s: STATE_ERROR_CORRUPT", (_, enc) => {
    expect(codeOf(() => decodeNode(enc(), undefined))).toBe("STATE_ERROR_CORRUPT");
  });
});
