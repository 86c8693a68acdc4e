// The SDK's attestation-signature check (noble twisted Edwards) against circomlibjs, the reference
// implementation of circomlib's EdDSA-Poseidon: same decoding of packed points and signatures, same
// answer on valid and tampered signatures.
import { buildEddsa, type Eddsa } from "circomlibjs";
import {
  BABYJUBJUB_SUBGROUP_ORDER,
  BN254_SCALAR_FIELD,
  decodeBabyJubJubPoint,
  decodeZkAttestationSignature,
  verifyZkAttestationSignature,
} from "../src/index.js";

let eddsa: Eddsa;
type Sig = { r8x: bigint; r8y: bigint; s: bigint };
const cases: { key: { ax: bigint; ay: bigint }; packedKey: Uint8Array; message: bigint; packedSig: Uint8Array; sig: Sig }[] = [];

beforeAll(async () => {
  eddsa = await buildEddsa();
  const F = eddsa.F;
  for (let i = 0; i < 12; i++) {
    const prv = Buffer.alloc(32, i + 1);
    const pub = eddsa.prv2pub(prv);
    const message = (BigInt(i) * 0x1234567890abcdefn + 7n) % BN254_SCALAR_FIELD;
    const s = eddsa.signPoseidon(prv, F.e(message));
    cases.push({
      key: { ax: F.toObject(pub[0]), ay: F.toObject(pub[1]) },
      packedKey: new Uint8Array(eddsa.babyJub.packPoint(pub)),
      message,
      packedSig: new Uint8Array(eddsa.packSignature(s)),
      sig: { r8x: F.toObject(s.R8[0]), r8y: F.toObject(s.R8[1]), s: s.S },
    });
  }
});

test("packed points and signatures decode as circomlibjs unpacks them (both signs of x)", () => {
  const signs = new Set<number>();
  for (const c of cases) {
    expect(decodeBabyJubJubPoint(c.packedKey)).toEqual({ x: c.key.ax, y: c.key.ay });
    expect(decodeZkAttestationSignature(c.packedSig)).toEqual(c.sig);
    signs.add(c.packedKey[31]! >> 7);
  }
  expect(signs).toEqual(new Set([0, 1]));
});

test("valid signatures verify, as in circomlibjs; every tampered part fails in both", () => {
  const F = eddsa.F;
  for (const [i, c] of cases.entries()) {
    expect(verifyZkAttestationSignature(c.key, c.message, c.sig)).toBe(true);
    const other = cases[(i + 1) % cases.length]!;
    const tampered: [string, { ax: bigint; ay: bigint }, bigint, Sig][] = [
      ["message", c.key, c.message + 1n, c.sig],
      ["key", other.key, c.message, c.sig],
      ["S", c.key, c.message, { ...c.sig, s: (c.sig.s + 1n) % BABYJUBJUB_SUBGROUP_ORDER }],
      ["R8", c.key, c.message, { ...c.sig, r8x: other.sig.r8x, r8y: other.sig.r8y }],
    ];
    for (const [what, key, message, sig] of tampered) {
      const circom = eddsa.verifyPoseidon(F.e(message), { R8: [F.e(sig.r8x), F.e(sig.r8y)], S: sig.s }, [F.e(key.ax), F.e(key.ay)]);
      expect([what, verifyZkAttestationSignature(key, message, sig)]).toEqual([what, circom]);
      expect(circom).toBe(false);
    }
  }
});

test("bad encodings and values are refused, never thrown", () => {
  const c = cases[0]!;
  const withByte = (b: Uint8Array, i: number, v: number) => {
    const out = Uint8Array.from(b);
    out[i] = v;
    return out;
  };
  const yTooBig = new Uint8Array(32).fill(0xff);
  yTooBig[31] = 0x7f; // y = 2^255 - 1 >= p
  expect(decodeBabyJubJubPoint(yTooBig)).toBeNull();
  expect(decodeBabyJubJubPoint(new Uint8Array(31))).toBeNull();
  // Some y has no point: find one among small values.
  const noPoint = [2, 3, 4, 5, 6, 7, 8, 9, 10].map((y) => withByte(new Uint8Array(32), 0, y)).find((b) => decodeBabyJubJubPoint(b) === null);
  expect(noPoint).toBeDefined();
  expect(decodeZkAttestationSignature(c.packedSig.subarray(0, 63))).toBeNull();
  const sTooBig = Uint8Array.from(c.packedSig);
  sTooBig.set(new Uint8Array(32).fill(0xff), 32);
  expect(decodeZkAttestationSignature(sTooBig)).toBeNull();
  expect(verifyZkAttestationSignature(c.key, c.message, { ...c.sig, s: BABYJUBJUB_SUBGROUP_ORDER })).toBe(false);
  expect(verifyZkAttestationSignature(c.key, BN254_SCALAR_FIELD, c.sig)).toBe(false);
  expect(verifyZkAttestationSignature({ ax: 1n, ay: 2n }, c.message, c.sig)).toBe(false); // not on the curve
  expect(verifyZkAttestationSignature(c.key, c.message, { ...c.sig, r8x: 5n })).toBe(false);
  expect(verifyZkAttestationSignature(c.key, c.message, { r8x: -1n, r8y: 1n, s: 0n } as Sig)).toBe(false);
});
