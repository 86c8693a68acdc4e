import { makeSignBytes, makeSignDoc } from "@cosmjs/proto-signing";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { SignDoc } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import fc from "fast-check";
import { computeDirectSignBytes, TxError, verifyDirectSignature } from "../../src/tx/index.js";

const N = secp256k1.Point.CURVE().n;

function highSTwin(sig: Uint8Array): Uint8Array {
  const s = BigInt("0x" + Buffer.from(sig.subarray(32)).toString("hex"));
  return Uint8Array.from([...sig.subarray(0, 32), ...Buffer.from((N - s).toString(16).padStart(64, "0"), "hex")]);
}

const secretKey = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => secp256k1.utils.isValidSecretKey(k));

test("computeDirectSignBytes equals cosmjs makeSignBytes", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 200 }),
      fc.string({ maxLength: 50 }),
      // Outside [2^31, 2^32), where cosmjs-types 0.11 mis-encodes uint64 (see the next test).
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).filter((n) => n < 1n << 31n || n >= 1n << 32n),
      (bodyBytes, authInfoBytes, chainId, accountNumber) => {
        const ours = computeDirectSignBytes({ bodyBytes, authInfoBytes, chainId, accountNumber });
        expect(ours).toEqual(makeSignBytes(makeSignDoc(bodyBytes, authInfoBytes, chainId, accountNumber)));
        expect(SignDoc.decode(ours)).toEqual({ bodyBytes, authInfoBytes, chainId, accountNumber });
      },
    ),
    { numRuns: 200 },
  );
});

test("account numbers in [2^31, 2^32) are encoded canonically (cosmjs-types 0.11 writes them wrongly)", () => {
  const base = { bodyBytes: Uint8Array.of(1), authInfoBytes: Uint8Array.of(2), chainId: "c" };
  for (const accountNumber of [1n << 31n, (1n << 32n) - 1n, 3_000_000_000n]) {
    const ours = computeDirectSignBytes({ ...base, accountNumber });
    // Canonical: tag 0x20 then a 5-byte varint whose continuation bits are set.
    expect(Array.from(ours.subarray(ours.length - 6))).toEqual([0x20, ...varint(accountNumber)]);
    expect(SignDoc.decode(ours).accountNumber).toBe(accountNumber);
    // cosmjs-types' writer produces a different, non-canonical encoding that decodes to another number.
    const cosmjsTypes = makeSignBytes(makeSignDoc(base.bodyBytes, base.authInfoBytes, base.chainId, accountNumber));
    expect(cosmjsTypes).not.toEqual(ours);
    let decoded: bigint | undefined;
    try {
      decoded = SignDoc.decode(cosmjsTypes).accountNumber;
    } catch {
      decoded = undefined;
    }
    expect(decoded).not.toBe(accountNumber);
  }
});

function varint(n: bigint): number[] {
  const out: number[] = [];
  while (n >= 0x80n) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return out;
}

test("computeDirectSignBytes rejects an account number outside uint64", () => {
  const base = { bodyBytes: new Uint8Array(), authInfoBytes: new Uint8Array(), chainId: "c" };
  expect(() => computeDirectSignBytes({ ...base, accountNumber: -1n })).toThrow(TxError);
  expect(() => computeDirectSignBytes({ ...base, accountNumber: 1n << 64n })).toThrow(TxError);
  expect(() => computeDirectSignBytes({ ...base, accountNumber: 1 as unknown as bigint })).toThrow(TxError);
});

test("verifyDirectSignature: ECDSA over sha256(signBytes), low-S only", () => {
  fc.assert(
    fc.property(secretKey, fc.uint8Array({ maxLength: 300 }), (sk, signBytes) => {
      const pub = secp256k1.getPublicKey(sk, true);
      const sig = secp256k1.sign(sha256(signBytes), sk, { prehash: false, lowS: true });
      expect(verifyDirectSignature(pub, signBytes, sig)).toBe(true);
      // The high-S twin is valid ECDSA but not valid Cosmos.
      const twin = highSTwin(sig);
      expect(secp256k1.verify(twin, sha256(signBytes), pub, { prehash: false, lowS: false })).toBe(true);
      expect(verifyDirectSignature(pub, signBytes, twin)).toBe(false);
      // Another message, another key, a flipped bit.
      expect(verifyDirectSignature(pub, Uint8Array.from([...signBytes, 0]), sig)).toBe(false);
      const other = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true);
      expect(verifyDirectSignature(other, signBytes, sig)).toBe(false);
      const flipped = Uint8Array.from(sig);
      flipped[5]! ^= 1;
      expect(verifyDirectSignature(pub, signBytes, flipped)).toBe(false);
    }),
    { numRuns: 40 },
  );
});

test("verifyDirectSignature never throws on malformed input", () => {
  const sk = secp256k1.utils.randomSecretKey();
  const pub = secp256k1.getPublicKey(sk, true);
  const msg = Uint8Array.of(1, 2, 3);
  const sig = secp256k1.sign(sha256(msg), sk, { prehash: false });
  const zeros = new Uint8Array(64);
  const rEqualsN = Uint8Array.from([...Buffer.from(N.toString(16), "hex"), ...sig.subarray(32)]);
  for (const [pk, s] of [
    [pub, sig.subarray(0, 63)],
    [pub, Uint8Array.from([...sig, 0])],
    [pub, zeros],
    [pub, rEqualsN],
    [secp256k1.getPublicKey(sk, false), sig], // uncompressed key: Cosmos keys are compressed
    [new Uint8Array(33), sig],
    // A DER-looking first byte (0x30), or, when r already starts with it (1 key in 256), another one.
    [pub, Uint8Array.from([sig[0] === 0x30 ? 0x31 : 0x30, ...sig.subarray(1)])],
  ] as const) {
    expect(verifyDirectSignature(pk, msg, s)).toBe(false);
  }
  expect(verifyDirectSignature(pub, msg, sig)).toBe(true);
});
