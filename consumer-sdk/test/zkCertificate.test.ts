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
  assertValidZkCertificate,
  BN254_BASE_FIELD,
  decodeZkProof,
  encodeZkProof,
  isZkCircuitName,
  fromHex,
  initZkCertificateVerifier,
  verifyZkCertificate,
  ZkCertificateError,
  ZkVerifierError,
  type Groth16VerificationKey,
  type ZkCertificate,
} from "../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const v = JSON.parse(readFileSync(join(here, "..", "..", "test", "vectors", "zkCertificates.json"), "utf8"));
const cert: ZkCertificate = {
  circuit: v.certificate.circuit,
  chainId: v.certificate.chainId,
  height: v.certificate.height,
  blockHash: fromHex(v.certificate.blockHash),
  validatorSetRoot: BigInt(v.certificate.validatorSetRoot),
  nextValidatorSetRoot: BigInt(v.certificate.nextValidatorSetRoot),
  signers: BigInt(v.certificate.signers),
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
