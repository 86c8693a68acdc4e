// Strict, cofactorless ed25519: the libsodium (sodium-native), node:crypto (OpenSSL) and noble paths
// give the same answer on every input — valid signatures, tampered ones, malleated S, an R with a
// small-order component (which noble's own cofactored verify accepts and the others refuse), an R of
// small order (which OpenSSL alone would accept), non-canonical encodings, keys of small and mixed
// order, and random bytes.
import fc from "fast-check";
import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToNumberLE, numberToBytesLE } from "@noble/curves/utils.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { ED25519_BACKEND, fromHex, isStrictEd25519PublicKey, verifyEd25519Strict } from "@aegis/consumer-sdk";

const L = ed25519.Point.Fn.ORDER;
const P = ed25519.Point.Fp.ORDER;
/** A point of order 8 (RFC 8032 test material). */
const T8 = ed25519.Point.fromBytes(fromHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"));
/** [answer, answer] when the three paths agree; [their answers, "disagree"] when they do not. */
const both = (pk: Uint8Array, m: Uint8Array, sig: Uint8Array): [boolean | string, boolean | string] => {
  const answers = [verifyEd25519Strict(pk, m, sig, "sodium"), verifyEd25519Strict(pk, m, sig, "node"), verifyEd25519Strict(pk, m, sig, "noble")];
  return answers[0] === answers[1] && answers[1] === answers[2] ? [answers[0]!, answers[0]!] : [answers.join("/"), "disagree"];
};
const key = (i: number) => {
  const sk = new Uint8Array(32).fill(i);
  return { sk, pk: ed25519.getPublicKey(sk) };
};
const msg = Uint8Array.of(1, 2, 3, 4);

test("Node here verifies through libsodium", () => {
  expect(ED25519_BACKEND).toBe("sodium");
});

test("the order-8 point is what the tests need", () => {
  expect(T8.isSmallOrder()).toBe(true);
  expect(T8.equals(ed25519.Point.ZERO)).toBe(false);
  expect(T8.multiply(8n).equals(ed25519.Point.ZERO)).toBe(true);
});

test("valid signatures verify on both paths; a tampered message or signature on neither", () => {
  for (let i = 1; i <= 40; i++) {
    const { sk, pk } = key(i);
    const m = Uint8Array.from({ length: i }, (_, j) => (i * 7 + j) & 0xff);
    const sig = ed25519.sign(m, sk);
    expect(both(pk, m, sig)).toEqual([true, true]);
    expect(both(pk, Uint8Array.of(...m, 0), sig)).toEqual([false, false]);
    const bad = Uint8Array.from(sig);
    bad[i % 64]! ^= 1;
    expect(both(pk, m, bad)).toEqual([false, false]);
  }
});

test("a malleated S (S + L) is refused on both paths", () => {
  const { sk, pk } = key(7);
  const sig = ed25519.sign(msg, sk);
  const s = bytesToNumberLE(sig.subarray(32));
  const malleated = Uint8Array.from([...sig.subarray(0, 32), ...numberToBytesLE(s + L, 32)]);
  expect(both(pk, msg, malleated)).toEqual([false, false]);
});

test("an R with a small-order component: noble's cofactored verify accepts it, both strict paths refuse it", () => {
  const { sk, pk } = key(9);
  const sig = ed25519.sign(msg, sk);
  const R = ed25519.Point.fromBytes(sig.subarray(0, 32));
  const rT = R.add(T8).toBytes();
  // The signer recomputes S for the new R (k depends on R), so the forgery is a valid cofactored signature.
  const { scalar } = ed25519.utils.getExtendedPublicKey(sk);
  const rScalar = (bytesToNumberLE(ed25519.utils.randomSecretKey()) % (L - 1n)) + 1n;
  const R0 = ed25519.Point.BASE.multiply(rScalar);
  const R1 = R0.add(T8).toBytes();
  const k = bytesToNumberLE(sha512(Uint8Array.from([...R1, ...pk, ...msg]))) % L;
  const S = (rScalar + k * scalar) % L;
  const forged = Uint8Array.from([...R1, ...numberToBytesLE(S, 32)]);
  expect(ed25519.verify(forged, msg, pk, { zip215: false })).toBe(true); // cofactored: accepted
  expect(both(pk, msg, forged)).toEqual([false, false]); // cofactorless: refused, on both paths
  expect(both(pk, msg, Uint8Array.from([...rT, ...sig.subarray(32)]))).toEqual([false, false]);
});

test("non-canonical encodings and small-order keys are refused on both paths", () => {
  const { sk, pk } = key(11);
  const sig = ed25519.sign(msg, sk);
  // R's y + p (when it still fits in 255 bits) encodes the same point non-canonically.
  const y = bytesToNumberLE(sig.subarray(0, 32)) & ((1n << 255n) - 1n);
  if (y + P < 1n << 255n) {
    const nonCanonical = numberToBytesLE(y + P, 32);
    nonCanonical[31]! |= sig[31]! & 0x80;
    expect(both(pk, msg, Uint8Array.from([...nonCanonical, ...sig.subarray(32)]))).toEqual([false, false]);
  }
  const smallKey = T8.toBytes();
  expect(isStrictEd25519PublicKey(smallKey)).toBe(false);
  expect(both(smallKey, msg, sig)).toEqual([false, false]);
  expect(both(new Uint8Array(31), msg, sig)).toEqual([false, false]);
  expect(both(pk, msg, sig.subarray(0, 63))).toEqual([false, false]);
});

test("a key of mixed order (A + T8): whatever the answer, both paths give the same one", () => {
  for (let i = 1; i <= 24; i++) {
    const { sk, pk } = key(100 + i);
    const mixed = ed25519.Point.fromBytes(pk).add(T8).toBytes();
    const m = Uint8Array.of(i);
    const sig = ed25519.sign(m, sk);
    const [n, b] = both(mixed, m, sig);
    expect(n).toBe(b);
  }
});

test("an R of small order (identity) with the equation holding: OpenSSL alone would take it, the strict rule refuses it on every path", () => {
  const { sk, pk } = key(21);
  const { scalar } = ed25519.utils.getExtendedPublicKey(sk);
  const R = ed25519.Point.ZERO.toBytes();
  const k = bytesToNumberLE(sha512(Uint8Array.from([...R, ...pk, ...msg]))) % L;
  const sig = Uint8Array.from([...R, ...numberToBytesLE((k * scalar) % L, 32)]); // [S]B = [k]A: R' is the identity
  expect(ed25519.Point.BASE.multiply((k * scalar) % L).equals(ed25519.Point.fromBytes(pk).multiply(k))).toBe(true);
  expect(both(pk, msg, sig)).toEqual([false, false]);
});

test("a key of mixed order with a signature whose equation holds exactly: every path accepts it", () => {
  const { sk, pk } = key(23);
  const { scalar } = ed25519.utils.getExtendedPublicKey(sk);
  const mixed = ed25519.Point.fromBytes(pk).add(T8).toBytes();
  let made = 0;
  for (let i = 0; made < 3 && i < 400; i++) {
    const m = Uint8Array.of(i, 7);
    const r = BigInt(i + 1000003);
    const R = ed25519.Point.BASE.multiply(r).toBytes();
    const k = bytesToNumberLE(sha512(Uint8Array.from([...R, ...mixed, ...m]))) % L;
    if (k % 8n !== 0n) continue; // [k]T8 vanishes only then
    made++;
    const sig = Uint8Array.from([...R, ...numberToBytesLE((r + k * scalar) % L, 32)]);
    expect(both(mixed, m, sig)).toEqual([true, true]);
  }
  expect(made).toBe(3);
});

test("random keys, messages and signatures: the same answer on both paths", () => {
  const { pk } = key(13);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.uint8Array({ maxLength: 40 }), fc.boolean(), (sig, m, ownKey) => {
      const k = ownKey ? pk : sig.subarray(0, 32);
      const [n, b] = both(k, m, sig);
      return n === b;
    }),
    { numRuns: 300 },
  );
});
