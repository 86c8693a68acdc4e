// The SDK's succinct-certificate rules against the committed real certificate (zkCertificates.json,
// written by generateZk.mjs): the same set root, message and public signals, the proof accepted,
// and each invalid case refused with its code. No circuit build or proving here.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  assertValidZkCertificate,
  computeFinalityMessage,
  computeZkValidatorSetRoot,
  fromHex,
  getZkPublicSignals,
  initZkCertificateVerifier,
  verifyZkCertificate,
  ZkCertificateError,
  type Groth16VerificationKey,
  type ZkCertificate,
  type ZkTrustOptions,
} from "@aegis/consumer-sdk";

const here = dirname(fileURLToPath(import.meta.url));
const v = JSON.parse(readFileSync(join(here, "zkCertificates.json"), "utf8"));

type CertJson = {
  circuit: string;
  chainId: string;
  height: number;
  time: number;
  blockHash: string;
  validatorSetRoot: string;
  nextValidatorSetRoot: string;
  signers: string;
  prover: string;
  proof: string;
};
const toCert = (c: CertJson): ZkCertificate => ({
  circuit: c.circuit,
  chainId: c.chainId,
  height: c.height,
  time: c.time,
  blockHash: fromHex(c.blockHash),
  validatorSetRoot: BigInt(c.validatorSetRoot),
  nextValidatorSetRoot: BigInt(c.nextValidatorSetRoot),
  signers: BigInt(c.signers),
  prover: fromHex(c.prover),
  proof: fromHex(c.proof),
});
const cert = toCert(v.certificate);
const opts = { chainId: v.certificate.chainId as string, verificationKeys: { quorum4: v.verificationKey as Groth16VerificationKey }, capacities: { quorum4: v.capacity as number } };
const slots = v.validators.map((x: { ax: string; ay: string; power: string }) => ({ ax: BigInt(x.ax), ay: BigInt(x.ay), power: BigInt(x.power) }));
const trustedRoot = computeZkValidatorSetRoot(slots, v.capacity);

beforeAll(() => initZkCertificateVerifier());

test("the set root, finality message and public signals are reproduced", () => {
  expect(trustedRoot.toString()).toBe(v.certificate.validatorSetRoot);
  expect(computeFinalityMessage(cert).toString()).toBe(v.finalityMessage);
  // The message names the signing set: the same block under another set's root is another message.
  expect(computeFinalityMessage({ ...cert, validatorSetRoot: cert.validatorSetRoot + 1n }).toString()).not.toBe(v.finalityMessage);
  expect(getZkPublicSignals(cert)).toEqual(v.publicSignals);
});

test("the certificate verifies against the trusted root, naming its signers", () => {
  expect(assertValidZkCertificate(cert, trustedRoot, opts)).toEqual({ signers: [1, 2, 3] });
  expect(verifyZkCertificate(cert, trustedRoot, opts)).toBe(true);
});

type InvalidCase = { change?: Partial<CertJson>; trust?: ZkTrustOptions; keyChange?: Partial<Groth16VerificationKey>; code: string };
test.each(v.invalid.map((c: { name: string }) => [c.name, c]) as [string, InvalidCase][])("invalid certificate: %s", (_name, c) => {
  const bad = toCert({ ...v.certificate, ...c.change });
  const o = { ...opts, ...(c.trust ? { trust: c.trust } : {}), verificationKeys: { quorum4: { ...opts.verificationKeys.quorum4, ...c.keyChange } } };
  let err: unknown;
  try {
    assertValidZkCertificate(bad, trustedRoot, o);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ZkCertificateError);
  expect((err as ZkCertificateError).code).toBe(c.code);
  expect(verifyZkCertificate(bad, trustedRoot, o)).toBe(false);
});

test("within its trusting period the certificate verifies, up to the allowed clock drift", () => {
  const trust = { trustedTime: cert.time - 1000, trustingPeriodMs: 60_000, now: cert.time - 10_000 };
  expect(assertValidZkCertificate(cert, trustedRoot, { ...opts, trust })).toEqual({ signers: [1, 2, 3] });
  expect(assertValidZkCertificate(cert, trustedRoot, { ...opts, trust: { ...trust, trustedTime: cert.time, now: cert.time + 59_999 } })).toEqual({ signers: [1, 2, 3] });
});

test("every ZK certificate error code has an invalid vector", () => {
  const codes = new Set(v.invalid.map((c: { code: string }) => c.code));
  for (const code of [
    "ZK_CERT_ERROR_MALFORMED",
    "ZK_CERT_ERROR_UNKNOWN_CIRCUIT",
    "ZK_CERT_ERROR_WRONG_CHAIN",
    "ZK_CERT_ERROR_WRONG_VALIDATOR_SET",
    "ZK_CERT_ERROR_DEGENERATE_KEY",
    "ZK_CERT_ERROR_TRUST_EXPIRED",
    "ZK_CERT_ERROR_OLDER_THAN_TRUSTED",
    "ZK_CERT_ERROR_FROM_THE_FUTURE",
    "ZK_CERT_ERROR_INVALID_PROOF",
  ])
    expect(codes).toContain(code);
});

test("a verification key for another number of public inputs is refused", () => {
  const short = { ...v.verificationKey, nPublic: 6, IC: v.verificationKey.IC.slice(0, 7) };
  expect(() => assertValidZkCertificate(cert, trustedRoot, { ...opts, verificationKeys: { quorum4: short } })).toThrow(ZkCertificateError);
});
