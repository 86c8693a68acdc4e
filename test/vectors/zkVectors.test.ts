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
} from "@aegis/consumer-sdk";

const here = dirname(fileURLToPath(import.meta.url));
const v = JSON.parse(readFileSync(join(here, "zkCertificates.json"), "utf8"));

type CertJson = { circuit: string; chainId: string; height: number; blockHash: string; validatorSetRoot: string; nextValidatorSetRoot: string; signers: string; proof: string };
const toCert = (c: CertJson): ZkCertificate => ({
  circuit: c.circuit,
  chainId: c.chainId,
  height: c.height,
  blockHash: fromHex(c.blockHash),
  validatorSetRoot: BigInt(c.validatorSetRoot),
  nextValidatorSetRoot: BigInt(c.nextValidatorSetRoot),
  signers: BigInt(c.signers),
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
  expect(getZkPublicSignals(cert)).toEqual(v.publicSignals);
});

test("the certificate verifies against the trusted root, naming its signers", () => {
  expect(assertValidZkCertificate(cert, trustedRoot, opts)).toEqual({ signers: [1, 2, 3] });
  expect(verifyZkCertificate(cert, trustedRoot, opts)).toBe(true);
});

test.each(v.invalid.map((c: { name: string }) => [c.name, c]) as [string, { change: Partial<CertJson>; code: string }][])("invalid certificate: %s", (_name, c) => {
  const bad = toCert({ ...v.certificate, ...c.change });
  let err: unknown;
  try {
    assertValidZkCertificate(bad, trustedRoot, opts);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ZkCertificateError);
  expect((err as ZkCertificateError).code).toBe(c.code);
  expect(verifyZkCertificate(bad, trustedRoot, opts)).toBe(false);
});

test("every ZK certificate error code has an invalid vector", () => {
  const codes = new Set(v.invalid.map((c: { code: string }) => c.code));
  for (const code of ["ZK_CERT_ERROR_MALFORMED", "ZK_CERT_ERROR_UNKNOWN_CIRCUIT", "ZK_CERT_ERROR_WRONG_CHAIN", "ZK_CERT_ERROR_WRONG_VALIDATOR_SET", "ZK_CERT_ERROR_INVALID_PROOF"]) expect(codes).toContain(code);
});

test("a verification key for another number of public inputs is refused", () => {
  const short = { ...v.verificationKey, nPublic: 6, IC: v.verificationKey.IC.slice(0, 7) };
  expect(() => assertValidZkCertificate(cert, trustedRoot, { ...opts, verificationKeys: { quorum4: short } })).toThrow(ZkCertificateError);
});
