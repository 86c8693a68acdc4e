// A polka certificate (decision 52): more than 2/3 of a set's prevotes for one block in one round, one
// aggregate BLS signature. It is checked exactly like a commit certificate over the PREVOTE sign
// bytes: a precommit aggregate is not a polka, a polka is not a commit, and too few, foreign or
// out-of-range signers are refused with the certificate's codes.
import {
  assertValidCommitCertificate,
  assertValidPolkaCertificate,
  blsAggregateSignatures,
  blsSign,
  CertificateError,
  computeVoteSignBytes,
  createSignerBitmap,
  toHex,
  VoteType,
  type PolkaCertificate,
} from "../src/index.js";
import { fill, hubKeys, makeValidatorSet } from "./helpers/hubChain.js";

const CHAIN = "aegis-polka-1";
const set = makeValidatorSet(hubKeys.slice(0, 4), [10n, 10n, 10n, 10n]);
const secretOf = new Map(hubKeys.map((k) => [toHex(k.publicKey), k.secretKey]));

function aggregate(type: VoteType, signers: number[], o: { round?: number; chainId?: string; blockHash?: Uint8Array } = {}): PolkaCertificate {
  const round = o.round ?? 2;
  const blockHash = o.blockHash ?? fill(0x33);
  const msg = computeVoteSignBytes({ chainId: o.chainId ?? CHAIN, height: 9, round, type, blockHash });
  const signature = blsAggregateSignatures(signers.map((i) => blsSign(secretOf.get(toHex(set.validators[i]!.blsPublicKey))!, msg)));
  return { height: 9, round, blockHash, signers: createSignerBitmap(4, signers), signature };
}

const codeOf = (f: () => void) => {
  try {
    f();
    return undefined;
  } catch (e) {
    if (e instanceof CertificateError) return e.code;
    throw e;
  }
};

test("three of four prevotes are a polka; the same signers' precommits are a commit and not a polka, and the other way round", () => {
  const polka = aggregate(VoteType.Prevote, [0, 1, 3]);
  expect(codeOf(() => assertValidPolkaCertificate(polka, { chainId: CHAIN, validatorSet: set, expectedHeight: 9, expectedBlockHash: fill(0x33) }))).toBeUndefined();
  expect(codeOf(() => assertValidCommitCertificate(polka, { chainId: CHAIN, validatorSet: set }))).toBe("CERT_ERROR_INVALID_SIGNATURE");
  const commit = aggregate(VoteType.Precommit, [0, 1, 3]);
  expect(codeOf(() => assertValidCommitCertificate(commit, { chainId: CHAIN, validatorSet: set }))).toBeUndefined();
  expect(codeOf(() => assertValidPolkaCertificate(commit, { chainId: CHAIN, validatorSet: set }))).toBe("CERT_ERROR_INVALID_SIGNATURE");
});

test.each([
  ["two of four (not more than 2/3)", () => aggregate(VoteType.Prevote, [0, 1]), "CERT_ERROR_INSUFFICIENT_POWER"],
  ["another chain's prevotes", () => aggregate(VoteType.Prevote, [0, 1, 2], { chainId: "aegis-other" }), "CERT_ERROR_INVALID_SIGNATURE"],
  ["another round claimed", () => ({ ...aggregate(VoteType.Prevote, [0, 1, 2]), round: 3 }), "CERT_ERROR_INVALID_SIGNATURE"],
  ["a bitmap naming a fifth validator", () => ({ ...aggregate(VoteType.Prevote, [0, 1, 2]), signers: createSignerBitmap(8, [0, 1, 2, 5]) }), "CERT_ERROR_BITMAP_OUT_OF_RANGE"],
  ["a signature of the wrong length", () => ({ ...aggregate(VoteType.Prevote, [0, 1, 2]), signature: new Uint8Array(95) }), "CERT_ERROR_INVALID_STRUCTURE"],
] as const)("refused: %s", (_name, make, code) => {
  expect(codeOf(() => assertValidPolkaCertificate(make() as PolkaCertificate, { chainId: CHAIN, validatorSet: set }))).toBe(code);
});
