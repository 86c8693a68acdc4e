import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  assertValidCommitCertificate,
  blsPublicKeyFromSecret,
  blsSign,
  CertificateError,
  computeBlockHash,
  computeBlsPopMessage,
  computeCommitCertificateHash,
  computeProposalSignBytes,
  computeValidatorSetRoot,
  computeVoteSignBytes,
  createBlsProofOfPossession,
  createValidatorSet,
  encodeHeaderCanonical,
  fromHex,
  getAvailableBlsBackends,
  isValidBlsProofOfPossession,
  isValidCommitCertificate,
  toHex,
  useBlsBackend,
  type CommitCertificate,
} from "@aegis/consumer-sdk";

const here = dirname(fileURLToPath(import.meta.url));
const v = JSON.parse(readFileSync(join(here, "commitCertificates.json"), "utf8"));

const set = createValidatorSet(
  v.validators.map((x: { blsPublicKey: string; power: string; operator: string; proofOfPossession: string }) => ({
    blsPublicKey: fromHex(x.blsPublicKey),
    power: BigInt(x.power),
    operator: fromHex(x.operator),
    proofOfPossession: fromHex(x.proofOfPossession),
  })),
);
const header = {
  ...v.header,
  parentHash: fromHex(v.header.parentHash),
  txRoot: fromHex(v.header.txRoot),
  stateRoot: fromHex(v.header.stateRoot),
  consumerCheckpointRoot: fromHex(v.header.consumerCheckpointRoot),
  validatorSetRoot: fromHex(v.header.validatorSetRoot),
  nextValidatorSetRoot: fromHex(v.header.nextValidatorSetRoot),
  proposer: fromHex(v.header.proposer),
  lastCommitHash: fromHex(v.header.lastCommitHash),
  evidenceRoot: fromHex(v.header.evidenceRoot),
};
const cert = (c: { height: number; round: number; blockHash: string; signers: string; signature: string }): CommitCertificate => ({
  height: c.height,
  round: c.round,
  blockHash: fromHex(c.blockHash),
  signers: fromHex(c.signers),
  signature: fromHex(c.signature),
});

describe.each(getAvailableBlsBackends())("golden vectors with the %s BLS backend", (backend) => {
  beforeAll(() => useBlsBackend(backend));
  afterAll(() => useBlsBackend(getAvailableBlsBackends()[0]!));

  test("keys, proofs of possession and the validator-set root are reproduced", () => {
    for (const x of v.validators) {
      expect(toHex(blsPublicKeyFromSecret(fromHex(x.blsSecretKey)))).toBe(x.blsPublicKey);
      expect(toHex(computeBlsPopMessage(fromHex(x.blsPublicKey), fromHex(x.operator)))).toBe(x.popMessage);
      expect(toHex(createBlsProofOfPossession(fromHex(x.blsSecretKey), fromHex(x.operator)))).toBe(x.proofOfPossession);
      // Bound to its operator: under another validator's operator it does not verify.
      const other = v.validators.find((y: { operator: string }) => y.operator !== x.operator)!;
      expect(isValidBlsProofOfPossession(fromHex(x.blsPublicKey), fromHex(other.operator), fromHex(x.proofOfPossession))).toBe(false);
    }
    expect(set.validators.map((x) => toHex(x.address))).toEqual(v.validators.map((x: { address: string }) => x.address));
    expect(toHex(computeValidatorSetRoot(set))).toBe(v.validatorSetRoot);
  });

  test("canonical header encoding and block hash are reproduced", () => {
    expect(toHex(encodeHeaderCanonical(header))).toBe(v.headerCanonical);
    expect(toHex(computeBlockHash(header))).toBe(v.blockHash);
  });

  test("sign bytes are reproduced", () => {
    for (const s of v.signBytes) {
      const f = { ...s.fields, blockHash: s.fields.blockHash === null ? null : fromHex(s.fields.blockHash) };
      const bytes = s.name === "proposal" ? computeProposalSignBytes(f) : computeVoteSignBytes(f);
      expect(toHex(bytes)).toBe(s.bytes);
    }
  });

  test("valid certificates verify and signatures are deterministic", () => {
    for (const c of v.certificates.valid) {
      expect(() => assertValidCommitCertificate(cert(c.cert), { chainId: v.chainId, validatorSet: set, expectedHeight: 42, expectedBlockHash: fromHex(v.blockHash) })).not.toThrow();
      expect(toHex(computeCommitCertificateHash(cert(c.cert)))).toBe(c.hash);
    }
    expect(isValidCommitCertificate(cert(v.certificates.valid[0].cert), { chainId: v.chainId, validatorSet: set })).toBe(true);
    expect(isValidCommitCertificate(cert(v.certificates.invalid[0].cert), { chainId: v.chainId, validatorSet: set })).toBe(false);
    const sk = fromHex(v.validators[0].blsSecretKey);
    expect(toHex(blsSign(sk, Uint8Array.of(1)))).toBe(toHex(blsSign(sk, Uint8Array.of(1))));
  });

  test.each(v.certificates.invalid.map((c: { name: string }) => [c.name, c]) as [string, any][])("invalid certificate: %s", (_name, c) => {
    const ctx = {
      chainId: v.chainId,
      validatorSet: set,
      ...(c.expectedHeight ? { expectedHeight: c.expectedHeight } : {}),
      ...(c.expectedBlockHash ? { expectedBlockHash: fromHex(c.expectedBlockHash) } : {}),
    };
    let err: unknown;
    try {
      assertValidCommitCertificate(cert(c.cert), ctx);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CertificateError);
    expect((err as CertificateError).code).toBe(c.code);
  });
});

test("every certificate error code has an invalid vector", () => {
  const codes = new Set(v.certificates.invalid.map((c: { code: string }) => c.code));
  for (const code of [
    "CERT_ERROR_INVALID_STRUCTURE",
    "CERT_ERROR_BITMAP_LENGTH",
    "CERT_ERROR_BITMAP_OUT_OF_RANGE",
    "CERT_ERROR_HEIGHT_MISMATCH",
    "CERT_ERROR_BLOCK_HASH_MISMATCH",
    "CERT_ERROR_INSUFFICIENT_POWER",
    "CERT_ERROR_INVALID_SIGNATURE",
  ]) {
    expect(codes).toContain(code);
  }
});
