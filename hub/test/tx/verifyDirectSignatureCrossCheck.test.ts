import fc from "fast-check";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { SECP256K1_BACKEND, verifyDirectSignature, verifyDirectSignatureJs, verifyDirectSignatureOpenssl } from "../../src/tx/index.js";

const N = secp256k1.Point.CURVE().n;

test("libsecp256k1's prebuilt addon loads on this platform (else the slower OpenSSL path is used)", () => {
  expect(SECP256K1_BACKEND).toBe("libsecp256k1");
});

test("the native path, the OpenSSL path and the pure-JS rule agree on valid, high-S, corrupted and wrong-key signatures", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 48, maxLength: 48 }), fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 63 }), (seed, msg, flip) => {
      const sk = secp256k1.utils.randomSecretKey(seed);
      const pk = secp256k1.getPublicKey(sk, true);
      const sig = secp256k1.sign(sha256(msg), sk, { prehash: false, lowS: true, format: "compact" });
      const s = BigInt("0x" + Buffer.from(sig.subarray(32)).toString("hex"));
      const highS = new Uint8Array(sig);
      highS.set(Buffer.from((N - s).toString(16).padStart(64, "0"), "hex"), 32);
      const corrupted = new Uint8Array(sig);
      corrupted[flip] ^= 0x01;
      const otherPk = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(Uint8Array.from([...sha256(msg), ...seed.subarray(0, 16)])), true);
      for (const [p, sg, expected] of [
        [pk, sig, true],
        [pk, highS, false],
        [pk, corrupted, undefined],
        [otherPk, sig, undefined],
      ] as const) {
        const a = verifyDirectSignature(p, msg, sg);
        expect(a).toBe(verifyDirectSignatureJs(p, msg, sg));
        expect(a).toBe(verifyDirectSignatureOpenssl(p, msg, sg));
        if (expected !== undefined) expect(a).toBe(expected);
      }
    }),
    { numRuns: 150 },
  );
  const pk = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true);
  const notOnCurve = new Uint8Array(pk);
  notOnCurve[5] ^= 0xff;
  expect(verifyDirectSignature(notOnCurve, Uint8Array.of(1), new Uint8Array(64).fill(1))).toBe(false);
  expect(verifyDirectSignatureOpenssl(notOnCurve, Uint8Array.of(1), new Uint8Array(64).fill(1))).toBe(false);
  // A valid key with an invalid prefix byte (04 is the uncompressed form; 33 bytes cannot be one).
  const badPrefix = new Uint8Array(pk);
  badPrefix[0] = 0x04;
  expect(verifyDirectSignature(badPrefix, Uint8Array.of(1), new Uint8Array(64).fill(1))).toBe(false);
});
