import {
  blsAggregateSignatures,
  blsSign,
  blsVerify,
  blsVerifyAggregate,
  BLS_POP_DOMAIN,
  CanonicalWriter,
  computeBlsPopMessage,
  createBlsKeyPair,
  createBlsProofOfPossession,
  EncodingError,
  getAvailableBlsBackends,
  getBlsBackendName,
  isValidBlsProofOfPossession,
  toHex,
  useBlsBackend,
} from "../src/index.js";

const msg = Uint8Array.of(1, 2, 3);
const other = Uint8Array.of(1, 2, 4);

afterAll(() => useBlsBackend(getAvailableBlsBackends()[0]!));

test("the native backend loads in Node on this platform", () => {
  expect(getAvailableBlsBackends()).toContain("herumi");
  expect(getBlsBackendName()).toBe(getAvailableBlsBackends()[0]);
});

test.each(getAvailableBlsBackends())("%s: sign, verify, aggregate, reject bad input", async (backend) => {
  await useBlsBackend(backend);
  const kps = [0, 1, 2].map(() => createBlsKeyPair());
  const sigs = kps.map((k) => blsSign(k.secretKey, msg));
  expect(blsVerify(kps[0]!.publicKey, msg, sigs[0]!)).toBe(true);
  expect(blsVerify(kps[0]!.publicKey, other, sigs[0]!)).toBe(false);
  expect(blsVerify(kps[1]!.publicKey, msg, sigs[0]!)).toBe(false);
  const agg = blsAggregateSignatures(sigs);
  expect(blsVerifyAggregate(kps.map((k) => k.publicKey), msg, agg)).toBe(true);
  expect(blsVerifyAggregate(kps.slice(0, 2).map((k) => k.publicKey), msg, agg)).toBe(false);
  expect(blsVerifyAggregate([], msg, agg)).toBe(false);
  expect(blsVerify(kps[0]!.publicKey, msg, new Uint8Array(96))).toBe(false);
  expect(blsVerify(kps[0]!.publicKey, msg, sigs[0]!.slice(0, 95))).toBe(false);
  expect(blsVerify(new Uint8Array(48).fill(0xc0), msg, sigs[0]!)).toBe(false); // point at infinity
  expect(() => blsAggregateSignatures([new Uint8Array(96).fill(7)])).toThrow();
});

test("the backends accept each other's keys and signatures", async () => {
  const backends = getAvailableBlsBackends();
  if (backends.length < 2) return expect(backends).toEqual(["herumi"]);
  await useBlsBackend("blst-native");
  const k = createBlsKeyPair();
  const sigNative = blsSign(k.secretKey, msg);
  await useBlsBackend("herumi");
  expect(blsVerify(k.publicKey, msg, sigNative)).toBe(true);
  const sigHerumi = blsSign(k.secretKey, msg);
  expect(sigHerumi).toEqual(sigNative);
  await useBlsBackend("blst-native");
  expect(blsVerify(k.publicKey, msg, sigHerumi)).toBe(true);
});

describe("proof of possession bound to the operator", () => {
  const key = createBlsKeyPair(new Uint8Array(32).fill(3));
  const otherKey = createBlsKeyPair(new Uint8Array(32).fill(4));
  const operator = new Uint8Array(20).fill(0x11);
  const attacker = new Uint8Array(20).fill(0x22);
  const pop = createBlsProofOfPossession(key.secretKey, operator);

  test("the message is domain ‖ key ‖ operator, domain separated from votes", () => {
    expect(BLS_POP_DOMAIN).toBe("aegis/bls-pop/v2");
    const domain = new TextEncoder().encode(BLS_POP_DOMAIN);
    const expected = new Uint8Array([0, 0, 0, domain.length, ...domain, ...key.publicKey, ...operator]);
    expect(toHex(computeBlsPopMessage(key.publicKey, operator))).toBe(toHex(expected));
    expect(() => computeBlsPopMessage(key.publicKey, new Uint8Array(19))).toThrow(EncodingError);
    expect(() => computeBlsPopMessage(key.publicKey.slice(0, 47), operator)).toThrow(EncodingError);
  });

  test.each(getAvailableBlsBackends())("%s: verifies only for its key and its operator", async (backend) => {
    await useBlsBackend(backend);
    expect(toHex(createBlsProofOfPossession(key.secretKey, operator))).toBe(toHex(pop)); // deterministic, same bytes on both backends
    expect(isValidBlsProofOfPossession(key.publicKey, operator, pop)).toBe(true);
  });

  // The front-running attack: the victim's key and proof copied under another operator.
  test.each<[string, () => boolean]>([
    ["another operator (front-running)", () => isValidBlsProofOfPossession(key.publicKey, attacker, pop)],
    ["another key", () => isValidBlsProofOfPossession(otherKey.publicKey, operator, pop)],
    ["the proof of another key for the same operator", () => isValidBlsProofOfPossession(key.publicKey, operator, createBlsProofOfPossession(otherKey.secretKey, operator))],
    ["an operator of 19 bytes", () => isValidBlsProofOfPossession(key.publicKey, operator.slice(0, 19), pop)],
    ["an operator of 32 bytes", () => isValidBlsProofOfPossession(key.publicKey, new Uint8Array(32).fill(0x11), pop)],
    ["an operator of 0 bytes", () => isValidBlsProofOfPossession(key.publicKey, new Uint8Array(0), pop)],
    ["a key of 47 bytes", () => isValidBlsProofOfPossession(key.publicKey.slice(0, 47), operator, pop)],
    ["a proof of 95 bytes", () => isValidBlsProofOfPossession(key.publicKey, operator, pop.slice(0, 95))],
    ["a proof of zeros", () => isValidBlsProofOfPossession(key.publicKey, operator, new Uint8Array(96))],
    [
      "the old unbound proof (aegis/bls-pop/v1: domain ‖ key)",
      () => isValidBlsProofOfPossession(key.publicKey, operator, blsSign(key.secretKey, new CanonicalWriter().string("aegis/bls-pop/v1").fixed(key.publicKey, 48, "pk").finish())),
    ],
    [
      "the old domain with the operator appended",
      () => isValidBlsProofOfPossession(key.publicKey, operator, blsSign(key.secretKey, new CanonicalWriter().string("aegis/bls-pop/v1").fixed(key.publicKey, 48, "pk").fixed(operator, 20, "op").finish())),
    ],
    ["a plain signature of key ‖ operator (no domain)", () => isValidBlsProofOfPossession(key.publicKey, operator, blsSign(key.secretKey, new Uint8Array([...key.publicKey, ...operator])))],
  ])("refuses %s", (_name, check) => {
    expect(check()).toBe(false);
  });
});
