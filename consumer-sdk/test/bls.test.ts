import {
  blsAggregateSignatures,
  blsSign,
  blsVerify,
  blsVerifyAggregate,
  createBlsKeyPair,
  getAvailableBlsBackends,
  getBlsBackendName,
  useBlsBackend,
} from "../src/index.js";

const msg = Uint8Array.of(1, 2, 3);
const other = Uint8Array.of(1, 2, 4);

afterAll(() => useBlsBackend(getAvailableBlsBackends()[0]!));

test("the native backend loads in Node on this platform", () => {
  expect(getAvailableBlsBackends()).toContain("herumi");
  expect(getBlsBackendName()).toBe(getAvailableBlsBackends()[0]);
});

test.each(getAvailableBlsBackends())("%s: sign, verify, aggregate, reject bad input", (backend) => {
  useBlsBackend(backend);
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

test("the backends accept each other's keys and signatures", () => {
  const backends = getAvailableBlsBackends();
  if (backends.length < 2) return expect(backends).toEqual(["herumi"]);
  useBlsBackend("blst-native");
  const k = createBlsKeyPair();
  const sigNative = blsSign(k.secretKey, msg);
  useBlsBackend("herumi");
  expect(blsVerify(k.publicKey, msg, sigNative)).toBe(true);
  const sigHerumi = blsSign(k.secretKey, msg);
  expect(sigHerumi).toEqual(sigNative);
  useBlsBackend("blst-native");
  expect(blsVerify(k.publicKey, msg, sigHerumi)).toBe(true);
});
