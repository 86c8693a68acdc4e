import { buildEddsa } from "circomlibjs";
import { computeFinalityMessage, toHex } from "@aegis/consumer-sdk";
import {
  AttestationError,
  ATTESTATION_PUBLIC_KEY_LENGTH,
  createAttestationKeyPair,
  createAttestationProofOfPossession,
  decodeAttestationPublicKey,
  decodeFinalitySignature,
  getAttestationPoint,
  isValidAttestationProofOfPossession,
  isValidFinalitySignature,
  signFinalityMessage,
  ATTESTATION_POP_DOMAIN,
} from "../../src/attestation/index.js";
import { FIELD_P, IDENTITY_POINT, LOW_ORDER_POINT, NOT_A_POINT, ORDER_TWO_POINT, packedY } from "./attestationFixtures.js";

const operator = new Uint8Array(20).fill(0x42);
const other = new Uint8Array(20).fill(0x43);
const key = createAttestationKeyPair(new Uint8Array(32).fill(9));
const pop = createAttestationProofOfPossession(key.secretKey, operator);

test("a key pair from a secret is deterministic, 32 bytes packed, and decodes", () => {
  expect(key.publicKey).toHaveLength(ATTESTATION_PUBLIC_KEY_LENGTH);
  expect(toHex(createAttestationKeyPair(new Uint8Array(32).fill(9)).publicKey)).toBe(toHex(key.publicKey));
  expect(toHex(createAttestationKeyPair().publicKey)).not.toBe(toHex(key.publicKey));
  const point = decodeAttestationPublicKey(key.publicKey);
  expect(typeof point.x).toBe("bigint");
  expect(getAttestationPoint(key.publicKey)).toEqual({ ax: point.x, ay: point.y });
  expect(() => createAttestationKeyPair(new Uint8Array(31))).toThrow(RangeError);
});

test("keys whose x is odd (sign bit set) decode and are not modified by decoding", () => {
  let found = 0;
  for (let i = 0; i < 16 && found < 2; i++) {
    const k = createAttestationKeyPair(new Uint8Array(32).fill(100 + i));
    if ((k.publicKey[31]! & 0x80) === 0) continue;
    const before = toHex(k.publicKey);
    decodeAttestationPublicKey(k.publicKey);
    expect(isValidAttestationProofOfPossession(k.publicKey, operator, createAttestationProofOfPossession(k.secretKey, operator))).toBe(true);
    expect(toHex(k.publicKey)).toBe(before);
    found++;
  }
  expect(found).toBe(2);
});

test("the proof of possession verifies for its key and operator only", () => {
  expect(pop).toHaveLength(64);
  expect(isValidAttestationProofOfPossession(key.publicKey, operator, pop)).toBe(true);
  expect(isValidAttestationProofOfPossession(key.publicKey, other, pop)).toBe(false);
  const k2 = createAttestationKeyPair(new Uint8Array(32).fill(10));
  expect(isValidAttestationProofOfPossession(k2.publicKey, operator, pop)).toBe(false);
  expect(isValidAttestationProofOfPossession(k2.publicKey, operator, createAttestationProofOfPossession(k2.secretKey, operator))).toBe(true);
});

test.each([
  ["S flipped", (p: Uint8Array) => ((p[40]! ^= 1), p)],
  ["R8 flipped", (p: Uint8Array) => ((p[3]! ^= 1), p)],
  ["S = the subgroup order or more", (p: Uint8Array) => (p.set(packedY(FIELD_P - 1n), 32), p)],
  ["all zero", (p: Uint8Array) => p.fill(0)],
  ["63 bytes", (p: Uint8Array) => p.slice(0, 63)],
  ["65 bytes", (p: Uint8Array) => Uint8Array.of(...p, 0)],
])("a proof with %s is refused without throwing", (_n, tamper) => {
  const bad = tamper(new Uint8Array(pop));
  expect(isValidAttestationProofOfPossession(key.publicKey, operator, bad)).toBe(false);
  // The cache never makes a bad proof good, nor a good one bad.
  expect(isValidAttestationProofOfPossession(key.publicKey, operator, pop)).toBe(true);
});

test.each([
  ["31 bytes", key.publicKey.slice(0, 31), /32 bytes/],
  ["not a point of the curve", NOT_A_POINT, /not a point/],
  ["y not reduced (y + p encodes the same point)", packedY(1n + FIELD_P), /not a point|canonical/],
  ["outside the prime-order subgroup (order 4)", LOW_ORDER_POINT, /subgroup/],
  ["of order 2", ORDER_TWO_POINT, /not a point|subgroup/],
  ["the identity", IDENTITY_POINT, /not a point|identity/],
])("a public key %s is refused with ATTESTATION_ERROR_INVALID_KEY", (_n, bytes, reason) => {
  let err: unknown;
  try {
    decodeAttestationPublicKey(bytes);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(AttestationError);
  expect((err as AttestationError).code).toBe("ATTESTATION_ERROR_INVALID_KEY");
  expect((err as Error).message).toMatch(reason);
  expect(isValidAttestationProofOfPossession(bytes, operator, pop)).toBe(false);
});

describe("finality attestations", () => {
  const message = 123456789012345678901234567890n;
  const sig = signFinalityMessage(key.secretKey, message);

  test("a signature verifies for its key and message only, and decodes to what the circuit takes", () => {
    expect(sig).toHaveLength(64);
    expect(isValidFinalitySignature(key.publicKey, message, sig)).toBe(true);
    expect(isValidFinalitySignature(key.publicKey, message + 1n, sig)).toBe(false);
    expect(isValidFinalitySignature(createAttestationKeyPair(new Uint8Array(32).fill(10)).publicKey, message, sig)).toBe(false);
    const d = decodeFinalitySignature(sig)!;
    expect(d.s < 2736030358979909402780800718157159386076813972158567259200215660948447373041n).toBe(true);
    expect(typeof d.r8x).toBe("bigint");
    // The point's coordinates are checked against the circuit in circuits/test (the hub's keys sign a quorum).
    expect(getAttestationPoint(key.publicKey)).toEqual(getAttestationPoint(createAttestationKeyPair(new Uint8Array(32).fill(9)).publicKey));
  });

  test.each([
    ["63 bytes", () => sig.subarray(0, 63)],
    ["S raised by the subgroup order", () => {
      const b = Uint8Array.from(sig);
      let s = 0n;
      for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(b[i]!);
      s += 2736030358979909402780800718157159386076813972158567259200215660948447373041n;
      for (let i = 32; i < 64; i++) {
        b[i] = Number(s & 0xffn);
        s >>= 8n;
      }
      return b;
    }],
    ["R8 not a point", () => {
      const b = Uint8Array.from(sig);
      b.set(NOT_A_POINT, 0);
      return b;
    }],
    ["a flipped bit of S", () => {
      const b = Uint8Array.from(sig);
      b[40]! ^= 1;
      return b;
    }],
  ])("refused: %s (and the input is not modified)", (_name, make) => {
    const bad = make();
    const before = toHex(bad);
    expect(isValidFinalitySignature(key.publicKey, message, bad)).toBe(false);
    expect(toHex(bad)).toBe(before);
  });

  test("a key that is not a valid attestation key verifies nothing", () => {
    expect(isValidFinalitySignature(IDENTITY_POINT, message, sig)).toBe(false);
    expect(isValidFinalitySignature(new Uint8Array(31), message, sig)).toBe(false);
    expect(() => getAttestationPoint(LOW_ORDER_POINT)).toThrow(AttestationError);
  });

  test("an attestation of a statement (v2: with the block time and the signing set) verifies for that statement only", () => {
    const statement = { chainId: "aegis-test-1", height: 9, time: 1_700_000_009_000, blockHash: new Uint8Array(32).fill(0x21), validatorSetRoot: 11n, nextValidatorSetRoot: 12n };
    const signed = signFinalityMessage(key.secretKey, computeFinalityMessage(statement));
    expect(isValidFinalitySignature(key.publicKey, computeFinalityMessage(statement), signed)).toBe(true);
    // The same block re-attested at another time or under another signing set is another message:
    // a signature cannot be carried over to a statement the validator did not sign.
    for (const other of [{ time: statement.time + 1 }, { validatorSetRoot: 13n }, { nextValidatorSetRoot: 13n }, { height: 10 }, { chainId: "aegis-test-2" }]) {
      expect(isValidFinalitySignature(key.publicKey, computeFinalityMessage({ ...statement, ...other }), signed)).toBe(false);
    }
  });

  test("signing refuses a secret key of the wrong length", () => {
    expect(() => signFinalityMessage(new Uint8Array(31), message)).toThrow(RangeError);
  });
});

describe("byte for byte circomlibjs' EdDSA-Poseidon (what the circuit's verifier was written against)", () => {
  const secrets = [new Uint8Array(32).fill(9), new Uint8Array(32).fill(0xff), Uint8Array.from({ length: 32 }, (_, i) => i * 7), new Uint8Array(32)];
  const messages = [0n, 1n, 123456789012345678901234567890n, FIELD_P - 1n];

  test.each(secrets.map((s) => [toHex(s).slice(0, 8), s]))("key %s: public key, finality signatures and proof of possession", async (_n, secret) => {
    const eddsa = await buildEddsa();
    const prv = Buffer.from(secret);
    const pub = eddsa.prv2pub(prv);
    const k = createAttestationKeyPair(secret);
    expect(toHex(k.publicKey)).toBe(toHex(eddsa.babyJub.packPoint(pub)));
    for (const m of messages) {
      expect(toHex(signFinalityMessage(secret, m))).toBe(toHex(eddsa.packSignature(eddsa.signPoseidon(prv, eddsa.F.e(m)))));
    }
    const popMessage = eddsa.poseidon([ATTESTATION_POP_DOMAIN, eddsa.F.toObject(pub[0]), eddsa.F.toObject(pub[1]), BigInt("0x" + toHex(operator))]);
    expect(toHex(createAttestationProofOfPossession(secret, operator))).toBe(toHex(eddsa.packSignature(eddsa.signPoseidon(prv, popMessage))));
    // and circomlibjs accepts what the hub signs
    const sig = eddsa.unpackSignature(Buffer.from(signFinalityMessage(secret, 42n)));
    expect(eddsa.verifyPoseidon(eddsa.F.e(42n), sig, pub)).toBe(true);
  });

  test("a message outside the field is refused, not reduced", () => {
    expect(() => signFinalityMessage(key.secretKey, FIELD_P)).toThrow(RangeError);
    expect(() => signFinalityMessage(key.secretKey, -1n)).toThrow(RangeError);
  });
});
