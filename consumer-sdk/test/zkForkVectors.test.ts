// The SDK's ZK fork rule (assertZkForkGuilt) on real quorum4 certificates (test/vectors/zkFork.json):
// two certificates of height 42 for different blocks name exactly the slots in both bitmaps (2 and 3,
// 70 of 100), whichever comes first; a certificate of another height, a tampered bitmap, another
// set's root or another chain is refused with its code.
import { assertZkForkGuilt, ForkEvidenceError, initZkCertificateVerifier, type Groth16VerificationKey, type ZkCertificate } from "../src/index.js";
import { readZkVector, zkCertificateOfVector as certOf } from "./helpers/zkVectors.js";

const v = readZkVector("zkFork.json");
const a = certOf(v.a);
const b = certOf(v.b);
const next = certOf(v.next);
const ctx = {
  validatorSetRoot: a.validatorSetRoot,
  powers: (v.powers as string[]).map(BigInt),
  verify: { chainId: a.chainId, verificationKeys: { quorum4: v.verificationKey as Groth16VerificationKey }, capacities: { quorum4: v.capacity as number } },
};
const codeOf = (x: ZkCertificate, y: ZkCertificate, c = ctx): string | undefined => {
  try {
    assertZkForkGuilt({ a: x, b: y }, c);
  } catch (e) {
    if (e instanceof ForkEvidenceError) return e.code;
    throw e;
  }
  return undefined;
};

beforeAll(() => initZkCertificateVerifier());

test("two certificates of one height for different blocks name the slots in both bitmaps", () => {
  expect(assertZkForkGuilt({ a, b }, ctx)).toEqual({ tier: "zk", height: 42, guilty: v.guilty, guiltyPower: 70n, totalPower: 100n });
  expect(assertZkForkGuilt({ a: b, b: a }, ctx).guilty).toEqual(v.guilty);
});

test("no fork, or not provable here: refused with its code", () => {
  expect(codeOf(a, a)).toBe("FORK_EVIDENCE_ERROR_NOT_CONFLICTING");
  expect(codeOf(a, next)).toBe("FORK_EVIDENCE_ERROR_NOT_CONFLICTING");
  expect(codeOf(a, { ...b, signers: b.signers | 0b0010n })).toBe("FORK_EVIDENCE_ERROR_INVALID_CERTIFICATE");
  expect(codeOf(a, b, { ...ctx, validatorSetRoot: a.validatorSetRoot + 1n })).toBe("FORK_EVIDENCE_ERROR_INVALID_CERTIFICATE");
  expect(codeOf({ ...a, chainId: "aegis-other" }, { ...b, chainId: "aegis-other" })).toBe("FORK_EVIDENCE_ERROR_INVALID_CERTIFICATE");
  expect(codeOf(a, { ...b, chainId: "aegis-other" }, { ...ctx, verify: { ...ctx.verify, chainId: "aegis-other" } })).toBe("FORK_EVIDENCE_ERROR_INVALID_CERTIFICATE");
});
