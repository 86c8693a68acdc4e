// The SDK's attestation-signature check (noble twisted Edwards) against circomlibjs, the reference
// implementation of circomlib's EdDSA-Poseidon: same decoding of packed points and signatures, same
// answer on valid and tampered signatures.
import { buildEddsa, type Eddsa } from "circomlibjs";
import {
  BABYJUBJUB_SUBGROUP_ORDER,
  BN254_SCALAR_FIELD,
  decodeBabyJubJubPoint,
  decodeZkAttestationSignature,
  encodeBabyJubJubPoint,
  isBabyJubJubSubgroupPoint,
  mulBabyJubJubBase8,
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

test("points encode as circomlibjs packs them; k·B8 is circomlibjs' mulPointEscalar(Base8, k)", () => {
  const F = eddsa.F;
  for (const c of cases) {
    expect(encodeBabyJubJubPoint({ x: c.key.ax, y: c.key.ay })).toEqual(c.packedKey);
    expect(encodeBabyJubJubPoint({ x: c.sig.r8x, y: c.sig.r8y })).toEqual(c.packedSig.subarray(0, 32));
  }
  for (const k of [1n, 2n, 8n, 123456789n, BABYJUBJUB_SUBGROUP_ORDER - 1n]) {
    const p = eddsa.babyJub.mulPointEscalar(eddsa.babyJub.Base8, k);
    expect(mulBabyJubJubBase8(k)).toEqual({ x: F.toObject(p[0]), y: F.toObject(p[1]) });
  }
  expect(mulBabyJubJubBase8(0n)).toEqual({ x: 0n, y: 1n });
  for (const bad of [-1n, BABYJUBJUB_SUBGROUP_ORDER, 5 as unknown as bigint]) expect(() => mulBabyJubJubBase8(bad)).toThrow(RangeError);
});

test("subgroup membership: keys and B8 multiples are in it; low-order points, points off the curve and out-of-field values are not", () => {
  for (const c of cases) expect(isBabyJubJubSubgroupPoint({ x: c.key.ax, y: c.key.ay })).toBe(true);
  expect(isBabyJubJubSubgroupPoint({ x: 0n, y: 1n })).toBe(true); // the identity is in every subgroup (the hub refuses it as a key on its own)
  expect(isBabyJubJubSubgroupPoint({ x: 0n, y: BN254_SCALAR_FIELD - 1n })).toBe(false); // order 2
  const orderFour = decodeBabyJubJubPoint(new Uint8Array(32))!; // y = 0
  expect(isBabyJubJubSubgroupPoint(orderFour)).toBe(false);
  const k = cases[0]!.key;
  expect(isBabyJubJubSubgroupPoint({ x: k.ax, y: k.ay + 1n })).toBe(false);
  expect(isBabyJubJubSubgroupPoint({ x: k.ax + BN254_SCALAR_FIELD, y: k.ay })).toBe(false);
  // a key plus a point of order 2 is on the curve but outside the subgroup
  const p = eddsa.babyJub.addPoint(eddsa.babyJub.unpackPoint(Buffer.from(cases[0]!.packedKey)), [eddsa.F.e(0n), eddsa.F.e(BN254_SCALAR_FIELD - 1n)]);
  expect(isBabyJubJubSubgroupPoint({ x: eddsa.F.toObject(p[0]), y: eddsa.F.toObject(p[1]) })).toBe(false);
});
