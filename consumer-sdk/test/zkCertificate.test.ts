// The Groth16 verifier's own checks (mcl-wasm), on the committed real certificate (test/vectors/
// zkCertificates.json): nothing verifies before initZkCertificateVerifier(), and every point of a
// proof is checked (field, curve, subgroup, infinity) before any pairing. The golden vectors
// (test/vectors/zkVectors.test.ts) hold the accept and the refusal codes. Bad points are built with
// @noble/curves, a second implementation of the curve.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bn254 } from "@noble/curves/bn254.js";
import mcl from "mcl-wasm";
import {
  assertNonDegenerateZkVerificationKey,
  assertValidZkCertificate,
  assertWithinTrustingPeriod,
  BN254_BASE_FIELD,
  BN254_G2_GENERATOR,
  decodeZkProof,
  encodeZkProof,
  getZkPublicSignals,
  isZkCircuitName,
  fromHex,
  initZkCertificateVerifier,
  verifyZkCertificate,
  ZK_DEFAULT_MAX_CLOCK_DRIFT_MS,
  ZK_PUBLIC_INPUTS,
  ZkCertificateError,
  ZkVerifierError,
  type Groth16VerificationKey,
  type ZkCertificate,
  type ZkTrustOptions,
} from "../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const v = JSON.parse(readFileSync(join(here, "..", "..", "test", "vectors", "zkCertificates.json"), "utf8"));
const cert: ZkCertificate = {
  circuit: v.certificate.circuit,
  chainId: v.certificate.chainId,
  height: v.certificate.height,
  time: v.certificate.time,
  blockHash: fromHex(v.certificate.blockHash),
  validatorSetRoot: BigInt(v.certificate.validatorSetRoot),
  nextValidatorSetRoot: BigInt(v.certificate.nextValidatorSetRoot),
  signers: BigInt(v.certificate.signers),
  prover: fromHex(v.certificate.prover),
  proof: fromHex(v.certificate.proof),
};
const root = cert.validatorSetRoot;
const vk = v.verificationKey as Groth16VerificationKey;
const opts = { chainId: cert.chainId, verificationKeys: { quorum4: vk }, capacities: { quorum4: v.capacity as number } };

const word = (x: bigint) => fromHex(x.toString(16).padStart(64, "0"));
/** The proof with 32-byte words `at`, `at + 1`, ... replaced (A: 0-1, B: 2-5 as x.c1 x.c0 y.c1 y.c0, C: 6-7). */
const withWords = (at: number, ...xs: bigint[]): Uint8Array => {
  const p = new Uint8Array(cert.proof);
  xs.forEach((x, i) => p.set(word(x), 32 * (at + i)));
  return p;
};
const refusal = (c: ZkCertificate, key = vk): { code: string; field?: string; reason?: string } | undefined => {
  try {
    assertValidZkCertificate(c, root, { ...opts, verificationKeys: { quorum4: key } });
    return undefined;
  } catch (e) {
    if (!(e instanceof ZkCertificateError)) throw e;
    return e.type as { code: string; field?: string; reason?: string };
  }
};

test("before initZkCertificateVerifier() nothing reads a proof: a ZkVerifierError, not a refused certificate", () => {
  for (const f of [() => assertValidZkCertificate(cert, root, opts), () => verifyZkCertificate(cert, root, opts), () => decodeZkProof(cert.proof)]) {
    let err: unknown;
    try {
      f();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ZkVerifierError);
    expect(err).not.toBeInstanceOf(ZkCertificateError);
    expect((err as ZkVerifierError).code).toBe("ZK_VERIFIER_ERROR_NOT_INITIALIZED");
  }
  expect(() => encodeZkProof({ pi_a: [], pi_b: [], pi_c: [] })).toThrow(ZkVerifierError);
});

test("initZkCertificateVerifier() may be called more than once, concurrently; then the certificate verifies", async () => {
  await Promise.all([initZkCertificateVerifier(), initZkCertificateVerifier()]);
  await initZkCertificateVerifier();
  expect(assertValidZkCertificate(cert, root, opts)).toEqual({ signers: [1, 2, 3] });
  expect(verifyZkCertificate(cert, root, opts)).toBe(true);
});

// A point of the twist curve E'(Fp2) outside its prime-order subgroup (noble agrees it is on the curve).
const twist = (() => {
  const { Fp2 } = bn254.fields;
  const b = bn254.G2.Point.CURVE().b;
  for (let i = 1n; ; i++) {
    const x = Fp2.fromBigTuple([i, 0n]);
    let y;
    try {
      y = Fp2.sqrt(Fp2.add(Fp2.mul(Fp2.sqr(x), x), b));
    } catch {
      continue;
    }
    const p = bn254.G2.Point.fromAffine({ x, y });
    expect(() => p.assertValidity()).toThrow(/subgroup/);
    return { x, y };
  }
})();

test.each([
  ["A off the curve", withWords(0, 1n, 3n), "proof.a", /not on the curve/],
  ["A the point at infinity", withWords(0, 0n, 0n), "proof.a", /infinity/],
  ["A with a coordinate of p", withWords(0, BN254_BASE_FIELD, 2n), "proof.a", /base field/],
  ["C off the curve", withWords(6, 1n, 1n), "proof.c", /not on the curve/],
  ["C with a coordinate above p", withWords(6, 1n, (1n << 256n) - 1n), "proof.c", /base field/],
  ["B off the curve", withWords(5, 1n), "proof.b", /not on the curve/],
  ["B the point at infinity", withWords(2, 0n, 0n, 0n, 0n), "proof.b", /infinity/],
  ["B on the twist but outside the prime-order subgroup", withWords(2, twist.x.c1, twist.x.c0, twist.y.c1, twist.y.c0), "proof.b", /subgroup/],
])("a proof with %s is malformed", (_name, proof, field, reason) => {
  const r = refusal({ ...cert, proof });
  expect(r?.code).toBe("ZK_CERT_ERROR_MALFORMED");
  expect(r?.field).toBe(field);
  expect(r?.reason).toMatch(reason);
});

test.each([
  ["A and C swapped", new Uint8Array([...cert.proof.subarray(192, 256), ...cert.proof.subarray(64, 192), ...cert.proof.subarray(0, 64)])],
  ["A negated", withWords(1, BN254_BASE_FIELD - BigInt("0x" + v.certificate.proof.slice(64, 128)))],
  ["B replaced by the key's delta", withWords(2, ...[vk.vk_delta_2[0]![1]!, vk.vk_delta_2[0]![0]!, vk.vk_delta_2[1]![1]!, vk.vk_delta_2[1]![0]!].map(BigInt))],
])("valid points that are not the proof: %s", (_name, proof) => {
  expect(refusal({ ...cert, proof })?.code).toBe("ZK_CERT_ERROR_INVALID_PROOF");
});

test("the key's points are checked too", () => {
  const offCurve = { ...vk, vk_delta_2: [vk.vk_delta_2[0]!, ["1", "2"], ["1", "0"]] };
  expect(refusal(cert, offCurve)).toMatchObject({ code: "ZK_CERT_ERROR_MALFORMED", field: "verificationKey.delta" });
  const ic = { ...vk, IC: vk.IC.map((p, i) => (i === 3 ? [p[0]!, "5", "1"] : p)) };
  expect(refusal(cert, ic)).toMatchObject({ code: "ZK_CERT_ERROR_MALFORMED", field: "verificationKey.IC[3]" });
});

test("the public signals are the real proof's, in the circuit's order; the prover's is the big-endian integer of its 20 bytes", () => {
  expect(ZK_PUBLIC_INPUTS).toHaveLength(9);
  expect(vk.nPublic).toBe(ZK_PUBLIC_INPUTS.length);
  const signals = getZkPublicSignals(cert);
  expect(signals).toEqual(v.publicSignals); // what snarkjs' fullProve gave for the committed proof
  const at = (name: (typeof ZK_PUBLIC_INPUTS)[number]) => signals[ZK_PUBLIC_INPUTS.indexOf(name)];
  expect(at("time")).toBe(String(v.certificate.time));
  expect(at("prover")).toBe(BigInt("0x" + v.certificate.prover).toString());
  expect(at("prover")).toBe(BigInt("0xa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3").toString());
  // Not the little-endian reading of the same bytes.
  expect(at("prover")).not.toBe(BigInt("0x" + Buffer.from(cert.prover).reverse().toString("hex")).toString());
});

test.each([
  ["a prover of 19 bytes", { prover: cert.prover.subarray(0, 19) }, "prover"],
  ["a prover of 21 bytes", { prover: Uint8Array.of(...cert.prover, 0) }, "prover"],
  ["a prover as a hex string", { prover: v.certificate.prover as unknown as Uint8Array }, "prover"],
  ["a negative time", { time: -1 }, "time"],
  ["a time that is not an integer", { time: cert.time + 0.5 }, "time"],
  ["a time beyond 2^53", { time: Number.MAX_SAFE_INTEGER + 2 }, "time"],
])("a certificate with %s is malformed before any curve work", (_name, change, field) => {
  expect(refusal({ ...cert, ...change, proof: withWords(0, 1n, 3n) })).toMatchObject({ code: "ZK_CERT_ERROR_MALFORMED", field });
});

test.each([
  ["another prover (the copier's account)", { prover: new Uint8Array(20).fill(0x11) }],
  ["an all-zero prover", { prover: new Uint8Array(20) }],
  ["the prover's bytes reversed", { prover: Uint8Array.from(cert.prover).reverse() }],
  ["another time (1 ms later)", { time: cert.time + 1 }],
  ["another time (an earlier block's)", { time: cert.time - 2000 }],
])("the real proof does not verify with %s: ZK_CERT_ERROR_INVALID_PROOF", (_name, change) => {
  expect(refusal({ ...cert, ...change })?.code).toBe("ZK_CERT_ERROR_INVALID_PROOF");
  expect(verifyZkCertificate({ ...cert, ...change }, root, opts)).toBe(false);
});

describe("degenerate verification keys (delta = gamma: anyone proves anything)", () => {
  type G2 = string[][];
  const keyError = (key: unknown): { code: string; field?: string; reason?: string } | undefined => {
    try {
      assertNonDegenerateZkVerificationKey(key as Groth16VerificationKey);
      return undefined;
    } catch (e) {
      if (!(e instanceof ZkCertificateError)) throw e;
      return e.type as { code: string; field?: string; reason?: string };
    }
  };
  const generator: G2 = [BN254_G2_GENERATOR[0].map(String), BN254_G2_GENERATOR[1].map(String), ["1", "0"]];
  const G1 = bn254.G1.Point;
  const G2 = bn254.G2.Point;
  const { Fp2, Fp12 } = bn254.fields;
  const g1Of = (p: string[]) => G1.fromAffine({ x: BigInt(p[0]!), y: BigInt(p[1]!) });
  const g2Of = (p: G2) => G2.fromAffine({ x: Fp2.fromBigTuple([BigInt(p[0]![0]!), BigInt(p[0]![1]!)]), y: Fp2.fromBigTuple([BigInt(p[1]![0]!), BigInt(p[1]![1]!)]) });

  test("snarkjs' gamma is the G2 generator; the real key (a contributed phase 2) passes, and so does its certificate", () => {
    expect(vk.vk_gamma_2).toEqual(generator);
    expect(g2Of(generator).equals(G2.BASE)).toBe(true); // noble agrees it is the generator
    expect(keyError(vk)).toBeUndefined();
    expect(refusal(cert)).toBeUndefined();
  });

  test.each<[string, () => Partial<Groth16VerificationKey>, RegExp]>([
    ["delta = gamma", () => ({ vk_delta_2: vk.vk_gamma_2 }), /delta equals gamma/],
    ["delta = gamma, written without z", () => ({ vk_delta_2: vk.vk_gamma_2.slice(0, 2) }), /delta equals gamma/],
    ["delta = gamma, in hexadecimal", () => ({ vk_delta_2: vk.vk_gamma_2.map((c) => c.map((x) => "0x" + BigInt(x).toString(16))) }), /delta equals gamma/],
    // gamma moved off the generator, so only the generator rule can refuse it
    ["delta = the G2 generator (gamma another point)", () => ({ vk_gamma_2: vk.vk_beta_2, vk_delta_2: generator }), /delta is the G2 generator/],
    ["delta = gamma = another point", () => ({ vk_gamma_2: vk.vk_beta_2, vk_delta_2: vk.vk_beta_2 }), /delta equals gamma/],
    // -(x, y) = (x, -y): C = +vk_x then absorbs the public-input term (the attack below, sign flipped)
    ["delta = -gamma", () => ({ vk_delta_2: [vk.vk_gamma_2[0]!, vk.vk_gamma_2[1]!.map((y) => ((BN254_BASE_FIELD - BigInt(y)) % BN254_BASE_FIELD).toString()), ["1", "0"]] }), /delta equals gamma or its negation/],
    ["delta = -generator (gamma another point)", () => ({ vk_gamma_2: vk.vk_beta_2, vk_delta_2: [generator[0]!, generator[1]!.map((y) => ((BN254_BASE_FIELD - BigInt(y)) % BN254_BASE_FIELD).toString()), ["1", "0"]] }), /G2 generator or its negation/],
  ])("%s: ZK_CERT_ERROR_DEGENERATE_KEY (pure check, and inside the verifier)", (_name, change, reason) => {
    const key = { ...vk, ...change() } as Groth16VerificationKey;
    const e = keyError(key);
    expect(e?.code).toBe("ZK_CERT_ERROR_DEGENERATE_KEY");
    expect(e?.reason).toMatch(reason);
    expect(refusal(cert, key)?.code).toBe("ZK_CERT_ERROR_DEGENERATE_KEY");
  });

  test.each<[string, Partial<Groth16VerificationKey>, string]>([
    ["delta with z = (2, 0) (the same x, y would be another point)", { vk_delta_2: [vk.vk_delta_2[0]!, vk.vk_delta_2[1]!, ["2", "0"]] }, "verificationKey.delta"],
    ["delta with z = (1, 1)", { vk_delta_2: [vk.vk_delta_2[0]!, vk.vk_delta_2[1]!, ["1", "1"]] }, "verificationKey.delta"],
    ["delta = gamma's x, y with z = (0, 0)", { vk_delta_2: [vk.vk_gamma_2[0]!, vk.vk_gamma_2[1]!, ["0", "0"]] }, "verificationKey.delta"],
    ["delta with a coordinate that is no number", { vk_delta_2: [["x", "1"], vk.vk_delta_2[1]!, ["1", "0"]] }, "verificationKey.delta"],
    ["delta missing", { vk_delta_2: undefined as unknown as G2 }, "verificationKey.delta"],
    ["gamma with z = (2, 0)", { vk_gamma_2: [vk.vk_gamma_2[0]!, vk.vk_gamma_2[1]!, ["2", "0"]] }, "verificationKey.gamma"],
    ["gamma missing a coordinate", { vk_gamma_2: [vk.vk_gamma_2[0]!] }, "verificationKey.gamma"],
  ])("%s is malformed, not compared", (_name, change, field) => {
    const key = { ...vk, ...change } as Groth16VerificationKey;
    expect(keyError(key)).toMatchObject({ code: "ZK_CERT_ERROR_MALFORMED", field });
    expect(refusal(cert, key)).toMatchObject({ code: "ZK_CERT_ERROR_MALFORMED", field });
  });

  test("the attack: with delta = gamma, (alpha, beta, -vk_x) satisfies the pairing equation for any statement; the key is refused, nothing verifies", () => {
    // A statement nobody signed: another height, one signer of 10 power out of 100, the forger's account.
    const lie: ZkCertificate = { ...cert, height: 7777, signers: 0b1n, prover: new Uint8Array(20).fill(0xee) };
    const forge = (key: Groth16VerificationKey) => {
      const vkx = getZkPublicSignals(lie).reduce((acc, s, i) => (BigInt(s) === 0n ? acc : acc.add(g1Of(key.IC[i + 1]!).multiply(BigInt(s)))), g1Of(key.IC[0]!));
      const [a, b, c] = [g1Of(key.vk_alpha_1).toAffine(), g2Of(key.vk_beta_2).toAffine(), vkx.negate().toAffine()];
      return { proof: withWords(0, a.x, a.y, b.x.c1, b.x.c0, b.y.c1, b.y.c0, c.x, c.y), a: g1Of(key.vk_alpha_1), b: g2Of(key.vk_beta_2), c: vkx.negate(), vkx };
    };
    const degenerate = { ...vk, vk_delta_2: vk.vk_gamma_2 };
    const f = forge(degenerate);
    // Groth16: e(-A, B) * e(alpha, beta) * e(vk_x, gamma) * e(C, delta) = 1 (noble, a second implementation).
    const check = (key: Groth16VerificationKey) =>
      Fp12.eql(
        bn254.pairingBatch([
          { g1: f.a.negate(), g2: f.b },
          { g1: g1Of(key.vk_alpha_1), g2: g2Of(key.vk_beta_2) },
          { g1: f.vkx, g2: g2Of(key.vk_gamma_2) },
          { g1: f.c, g2: g2Of(key.vk_delta_2) },
        ]),
        Fp12.ONE,
      );
    expect(check(degenerate)).toBe(true); // the forgery is real under the degenerate key
    expect(check(vk)).toBe(false); // and not under the real one
    expect(refusal({ ...lie, proof: f.proof }, degenerate)?.code).toBe("ZK_CERT_ERROR_DEGENERATE_KEY");
    expect(verifyZkCertificate({ ...lie, proof: f.proof }, root, { ...opts, verificationKeys: { quorum4: degenerate } })).toBe(false);
    expect(refusal({ ...lie, proof: f.proof })?.code).toBe("ZK_CERT_ERROR_INVALID_PROOF");
    // With delta = -gamma the forger uses C = +vk_x: the same equation holds, and the key is refused too.
    const negGamma = { ...vk, vk_delta_2: [vk.vk_gamma_2[0]!, vk.vk_gamma_2[1]!.map((y) => ((BN254_BASE_FIELD - BigInt(y)) % BN254_BASE_FIELD).toString()), ["1", "0"]] };
    expect(
      Fp12.eql(
        bn254.pairingBatch([
          { g1: f.a.negate(), g2: f.b },
          { g1: g1Of(vk.vk_alpha_1), g2: g2Of(vk.vk_beta_2) },
          { g1: f.vkx, g2: g2Of(vk.vk_gamma_2) },
          { g1: f.vkx, g2: g2Of(negGamma.vk_delta_2 as G2) },
        ]),
        Fp12.ONE,
      ),
    ).toBe(true);
    expect(refusal({ ...lie, proof: f.proof }, negGamma as Groth16VerificationKey)?.code).toBe("ZK_CERT_ERROR_DEGENERATE_KEY");
  });
});

describe("trusting period (assertWithinTrustingPeriod)", () => {
  const T = cert.time - 60_000; // trusted one minute before the certificate's block
  const P = 3_600_000; // one hour
  const trustError = (time: number, trust: ZkTrustOptions): Record<string, unknown> | undefined => {
    try {
      assertWithinTrustingPeriod(time, trust);
      return undefined;
    } catch (e) {
      if (!(e instanceof ZkCertificateError)) throw e;
      return e.type as Record<string, unknown>;
    }
  };
  const D = ZK_DEFAULT_MAX_CLOCK_DRIFT_MS;

  test("the default clock drift is CometBFT's 10 s", () => {
    expect(D).toBe(10_000);
  });

  test.each<[string, number, ZkTrustOptions, Record<string, unknown> | undefined]>([
    // now - trustedTime against the period
    ["now = trustedTime", T, { trustedTime: T, trustingPeriodMs: P, now: T }, undefined],
    ["now - trustedTime = period - 1", T, { trustedTime: T, trustingPeriodMs: P, now: T + P - 1 }, undefined],
    ["now - trustedTime = period", T, { trustedTime: T, trustingPeriodMs: P, now: T + P }, { code: "ZK_CERT_ERROR_TRUST_EXPIRED", trustedTime: T, now: T + P, trustingPeriodMs: P }],
    ["now - trustedTime = period + 1", T + 5, { trustedTime: T, trustingPeriodMs: P, now: T + P + 1 }, { code: "ZK_CERT_ERROR_TRUST_EXPIRED", trustedTime: T, now: T + P + 1, trustingPeriodMs: P }],
    ["a trusting period of 0: expired at once", T, { trustedTime: T, trustingPeriodMs: 0, now: T }, { code: "ZK_CERT_ERROR_TRUST_EXPIRED", trustedTime: T, now: T, trustingPeriodMs: 0 }],
    ["an expired root is refused even for a newer certificate", T + P, { trustedTime: T, trustingPeriodMs: P, now: T + P }, { code: "ZK_CERT_ERROR_TRUST_EXPIRED", trustedTime: T, now: T + P, trustingPeriodMs: P }],
    // the certificate's time against the trusted time
    ["time = trustedTime", T, { trustedTime: T, trustingPeriodMs: P, now: T + 1 }, undefined],
    ["time = trustedTime - 1", T - 1, { trustedTime: T, trustingPeriodMs: P, now: T + 1 }, { code: "ZK_CERT_ERROR_OLDER_THAN_TRUSTED", time: T - 1, trustedTime: T }],
    ["time 0 (the epoch)", 0, { trustedTime: T, trustingPeriodMs: P, now: T + 1 }, { code: "ZK_CERT_ERROR_OLDER_THAN_TRUSTED", time: 0, trustedTime: T }],
    // the certificate's time against now and the drift
    ["time = now + default drift", T + 1000 + D, { trustedTime: T, trustingPeriodMs: P, now: T + 1000 }, undefined],
    ["time = now + default drift + 1", T + 1000 + D + 1, { trustedTime: T, trustingPeriodMs: P, now: T + 1000 }, { code: "ZK_CERT_ERROR_FROM_THE_FUTURE", time: T + 1000 + D + 1, now: T + 1000, maxClockDriftMs: D }],
    ["drift 0: time = now", T + 1000, { trustedTime: T, trustingPeriodMs: P, now: T + 1000, maxClockDriftMs: 0 }, undefined],
    ["drift 0: time = now + 1", T + 1001, { trustedTime: T, trustingPeriodMs: P, now: T + 1000, maxClockDriftMs: 0 }, { code: "ZK_CERT_ERROR_FROM_THE_FUTURE", time: T + 1001, now: T + 1000, maxClockDriftMs: 0 }],
    ["drift 1 min: time = now + 1 min", T + 61_000, { trustedTime: T, trustingPeriodMs: P, now: T + 1000, maxClockDriftMs: 60_000 }, undefined],
    ["a verifier clock behind the trusted time, the certificate within the drift", T, { trustedTime: T, trustingPeriodMs: P, now: T - D }, undefined],
    ["a verifier clock behind the trusted time, the certificate beyond the drift", T, { trustedTime: T, trustingPeriodMs: P, now: T - D - 1 }, { code: "ZK_CERT_ERROR_FROM_THE_FUTURE", time: T, now: T - D - 1, maxClockDriftMs: D }],
  ])("%s", (_name, time, trust, expected) => {
    expect(trustError(time, trust)).toEqual(expected);
  });

  test.each<[string, Partial<ZkTrustOptions>, string]>([
    ["a negative trusted time", { trustedTime: -1 }, "trust.trustedTime"],
    ["a trusted time that is not an integer", { trustedTime: T + 0.5 }, "trust.trustedTime"],
    ["a trusted time of NaN", { trustedTime: Number.NaN }, "trust.trustedTime"],
    ["a trusting period of Infinity", { trustingPeriodMs: Number.POSITIVE_INFINITY }, "trust.trustingPeriodMs"],
    ["a negative trusting period", { trustingPeriodMs: -1 }, "trust.trustingPeriodMs"],
    ["a trusting period as a string", { trustingPeriodMs: "3600000" as unknown as number }, "trust.trustingPeriodMs"],
    ["now in seconds as a bigint", { now: 1n as unknown as number }, "trust.now"],
    ["now beyond 2^53", { now: Number.MAX_SAFE_INTEGER + 1 }, "trust.now"],
    ["a negative drift", { maxClockDriftMs: -1 }, "trust.maxClockDriftMs"],
    ["a drift of NaN", { maxClockDriftMs: Number.NaN }, "trust.maxClockDriftMs"],
  ])("%s is malformed", (_name, change, field) => {
    expect(trustError(T, { trustedTime: T, trustingPeriodMs: P, now: T + 1, ...change })).toMatchObject({ code: "ZK_CERT_ERROR_MALFORMED", field });
  });

  test.each([Number.NaN, -1, 0.5, Number.MAX_SAFE_INTEGER + 1])("a certificate time of %p is malformed (not silently within the period)", (time) => {
    expect(trustError(time, { trustedTime: T, trustingPeriodMs: P, now: T + 1 })).toMatchObject({ code: "ZK_CERT_ERROR_MALFORMED", field: "time" });
  });

  test("assertValidZkCertificate runs it with opts.trust: the real certificate within its period verifies, and each refusal comes before the root and pairing checks", () => {
    const ok: ZkTrustOptions = { trustedTime: T, trustingPeriodMs: P, now: cert.time + 1000 };
    expect(assertValidZkCertificate(cert, root, { ...opts, trust: ok })).toEqual({ signers: [1, 2, 3] });
    const withTrust = (c: ZkCertificate, trust: ZkTrustOptions, trusted = root) => {
      try {
        assertValidZkCertificate(c, trusted, { ...opts, trust });
        return undefined;
      } catch (e) {
        if (!(e instanceof ZkCertificateError)) throw e;
        return e.code;
      }
    };
    const expired = { ...ok, now: T + P };
    expect(withTrust(cert, expired)).toBe("ZK_CERT_ERROR_TRUST_EXPIRED");
    expect(withTrust(cert, { ...ok, trustedTime: cert.time + 1, now: cert.time + 2 })).toBe("ZK_CERT_ERROR_OLDER_THAN_TRUSTED");
    expect(withTrust(cert, { ...ok, now: cert.time - D - 1 })).toBe("ZK_CERT_ERROR_FROM_THE_FUTURE");
    // Cheapest first: an expired root is refused without looking at the root or the proof.
    expect(withTrust({ ...cert, proof: withWords(0, 1n, 3n) }, expired, root + 1n)).toBe("ZK_CERT_ERROR_TRUST_EXPIRED");
    // ... but after the certificate's own shape: a malformed time is malformed, whatever the trust.
    expect(withTrust({ ...cert, time: -1 }, expired)).toBe("ZK_CERT_ERROR_MALFORMED");
    // Without opts.trust nothing is checked about time (the caller's choice).
    expect(assertValidZkCertificate(cert, root, opts)).toEqual({ signers: [1, 2, 3] });
  });
});

// Last: it takes mcl-wasm (one instance per process) off bn254.
test("a process that switches mcl-wasm to another curve gets ZK_VERIFIER_ERROR_CURVE_CHANGED, not a verdict", async () => {
  await mcl.init(mcl.BLS12_381);
  expect(() => verifyZkCertificate(cert, root, opts)).toThrow(expect.objectContaining({ code: "ZK_VERIFIER_ERROR_CURVE_CHANGED" }));
});

test.each([
  ["quorum8", true],
  ["a", true],
  ["x".repeat(64), true],
  ["my_circuit-2", true],
  ["", false],
  ["x".repeat(65), false],
  ["Quorum8", false],
  ["quorum 8", false],
  ["quorum8\n", false],
  [8, false],
  [null, false],
])("isZkCircuitName(%j) is %s", (name, ok) => {
  expect(isZkCircuitName(name)).toBe(ok);
});
