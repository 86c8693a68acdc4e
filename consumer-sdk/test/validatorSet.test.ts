import {
  createBlsKeyPair,
  createBlsProofOfPossession,
  createValidatorSet,
  hasOneThird,
  hasQuorum,
  MAX_TOTAL_POWER,
  ValidatorSetError,
  type ValidatorInput,
} from "../src/index.js";

const keys = Array.from({ length: 4 }, (_, i) => createBlsKeyPair(new Uint8Array(32).fill(i + 10)));
const operatorOf = (i: number) => new Uint8Array(20).fill(i + 1);
const input = (i: number, power: bigint): ValidatorInput => ({
  blsPublicKey: keys[i]!.publicKey,
  power,
  proofOfPossession: createBlsProofOfPossession(keys[i]!.secretKey, operatorOf(i)),
  operator: operatorOf(i),
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidatorSetError) return e.code;
    throw e;
  }
  return undefined;
}

test("orders by power descending, then address, and sums power", () => {
  const set = createValidatorSet([input(0, 5n), input(1, 50n), input(2, 5n)]);
  expect(set.totalPower).toBe(60n);
  expect(set.validators.map((v) => v.power)).toEqual([50n, 5n, 5n]);
  const [, a, b] = set.validators;
  expect(Buffer.compare(Buffer.from(a!.address), Buffer.from(b!.address))).toBeLessThan(0);
});

test.each([
  ["empty set", () => createValidatorSet([]), "VALSET_ERROR_EMPTY"],
  ["key of wrong length", () => createValidatorSet([{ ...input(0, 1n), blsPublicKey: new Uint8Array(47) }]), "VALSET_ERROR_INVALID_PUBLIC_KEY"],
  ["key not on the curve", () => createValidatorSet([{ ...input(0, 1n), blsPublicKey: new Uint8Array(48).fill(0xaa) }]), "VALSET_ERROR_INVALID_PUBLIC_KEY"],
  ["missing proof of possession", () => createValidatorSet([{ blsPublicKey: keys[0]!.publicKey, power: 1n }]), "VALSET_ERROR_INVALID_PROOF_OF_POSSESSION"],
  ["proof of possession of another key", () => createValidatorSet([{ ...input(0, 1n), proofOfPossession: input(1, 1n).proofOfPossession }]), "VALSET_ERROR_INVALID_PROOF_OF_POSSESSION"],
  ["proof of possession without its operator", () => createValidatorSet([{ ...input(0, 1n), operator: undefined }]), "VALSET_ERROR_INVALID_PROOF_OF_POSSESSION"],
  ["proof of possession for another operator", () => createValidatorSet([{ ...input(0, 1n), operator: operatorOf(1) }]), "VALSET_ERROR_INVALID_PROOF_OF_POSSESSION"],
  ["duplicate key", () => createValidatorSet([input(0, 1n), input(0, 2n)]), "VALSET_ERROR_DUPLICATE_KEY"],
  ["zero power", () => createValidatorSet([input(0, 0n)]), "VALSET_ERROR_INVALID_POWER"],
  ["negative power", () => createValidatorSet([input(0, -1n)]), "VALSET_ERROR_INVALID_POWER"],
  ["total power too large", () => createValidatorSet([input(0, MAX_TOTAL_POWER), input(1, 1n)]), "VALSET_ERROR_TOTAL_POWER_TOO_LARGE"],
])("rejects %s", (_name, fn, code) => {
  expect(codeOf(fn as () => unknown)).toBe(code);
});

test("skipProofOfPossession: a set already checked once needs neither proofs nor operators", () => {
  expect(createValidatorSet([{ blsPublicKey: keys[0]!.publicKey, power: 1n }], { skipProofOfPossession: true }).totalPower).toBe(1n);
});

test("quorum thresholds are strict", () => {
  expect(hasQuorum(67n, 100n)).toBe(true);
  expect(hasQuorum(66n, 99n)).toBe(false); // exactly 2/3
  expect(hasQuorum(2n, 3n)).toBe(false);
  expect(hasOneThird(34n, 100n)).toBe(true);
  expect(hasOneThird(1n, 3n)).toBe(false); // exactly 1/3
});
