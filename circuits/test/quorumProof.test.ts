// A real Groth16 proof of the quorum circuit (N = 4) on the committed test phase-1 file, with a local
// phase 2: snarkjs and the SDK's verifier accept it, and refuse it for any other statement.
import * as snarkjs from "snarkjs";
import {
  assertValidZkCertificate,
  computeZkValidatorSetRoot,
  encodeZkProof,
  getZkPublicSignals,
  initZkCertificateVerifier,
  ZkCertificateError,
  type Groth16VerificationKey,
  type ZkCertificate,
} from "@aegis/consumer-sdk";
import { getCircuit, setupCircuit, terminateCurve, type SetUpCircuit } from "../scripts/build.mjs";
import { createQuorumInput, createValidators, FIXTURE_PROVER, type FixtureValidator, type Statement } from "./quorumFixture.js";

const N = 4;
let built: SetUpCircuit;
let validators: FixtureValidator[];
let root: bigint;
let cert: ZkCertificate;
let proof: snarkjs.Groth16Proof;
let publicSignals: string[];
const statement: Statement = { chainId: "aegis-test-1", height: 7, time: 1_767_225_600_000, blockHash: Uint8Array.from({ length: 32 }, (_, i) => 255 - i), nextValidatorSetRoot: 42n };

const opts = () => ({ chainId: statement.chainId, verificationKeys: { quorum4: built.vkey as unknown as Groth16VerificationKey }, capacities: { quorum4: N } });

beforeAll(async () => {
  await initZkCertificateVerifier();
  built = await setupCircuit(await getCircuit("quorum4"));
  validators = await createValidators([10n, 20n, 30n, 40n]);
  root = computeZkValidatorSetRoot(
    validators.map((v) => v.slot),
    N,
  );
  const input = await createQuorumInput(validators, [1, 2, 3], statement, N);
  ({ proof, publicSignals } = await snarkjs.groth16.fullProve(input, built.wasm, built.zkey));
  cert = { circuit: "quorum4", ...statement, validatorSetRoot: root, signers: 0b1110n, prover: FIXTURE_PROVER, proof: encodeZkProof(proof) };
}, 300_000);

afterAll(async () => {
  await terminateCurve();
});

const codeOf = (c: ZkCertificate, trusted = root): string | undefined => {
  try {
    assertValidZkCertificate(c, trusted, opts());
    return undefined;
  } catch (e) {
    if (e instanceof ZkCertificateError) return e.code;
    throw e;
  }
};

test("the proof is 256 bytes and its public signals are the certificate's, in the circuit's order", () => {
  expect(cert.proof).toHaveLength(256);
  expect(publicSignals).toEqual(getZkPublicSignals(cert));
});

test("snarkjs and the SDK accept the honest certificate", async () => {
  expect(await snarkjs.groth16.verify(built.vkey, publicSignals, proof)).toBe(true);
  expect(assertValidZkCertificate(cert, root, opts())).toEqual({ signers: [1, 2, 3] });
});

test.each([
  ["another height", { height: statement.height + 1 }],
  ["another next set", { nextValidatorSetRoot: 43n }],
  ["another signer bitmap", { signers: 0b1111n }],
  ["another block", { blockHash: new Uint8Array(32).fill(1) }],
  ["another block time", { time: statement.time + 1 }],
  // A copier who swaps in its own account: the proof commits to the prover, so it no longer verifies.
  ["another prover (a copied certificate claimed by someone else)", { prover: new Uint8Array(20).fill(0xee) }],
  ["no prover", { prover: new Uint8Array(20) }],
])("the same proof for %s is refused by both verifiers", async (_name, change) => {
  const other = { ...cert, ...change };
  expect(codeOf(other)).toBe("ZK_CERT_ERROR_INVALID_PROOF");
  expect(await snarkjs.groth16.verify(built.vkey, getZkPublicSignals(other), proof)).toBe(false);
});

test("a certificate for another chain is refused by the SDK before any pairing, and by snarkjs", async () => {
  const other = { ...cert, chainId: "aegis-other-1" };
  expect(codeOf(other)).toBe("ZK_CERT_ERROR_WRONG_CHAIN");
  expect(await snarkjs.groth16.verify(built.vkey, getZkPublicSignals(other), proof)).toBe(false);
});

test("a certificate for another validator set is refused before any pairing", () => {
  expect(codeOf(cert, root + 1n)).toBe("ZK_CERT_ERROR_WRONG_VALIDATOR_SET");
  expect(codeOf({ ...cert, validatorSetRoot: root + 1n }, root + 1n)).toBe("ZK_CERT_ERROR_INVALID_PROOF");
});

test("tampered proof bytes are refused (not a point, or a point that does not verify)", () => {
  const flipped = Uint8Array.from(cert.proof);
  flipped[63] ^= 1; // A.y: off the curve
  expect(codeOf({ ...cert, proof: flipped })).toBe("ZK_CERT_ERROR_MALFORMED");
  const swapped = Uint8Array.from(cert.proof);
  swapped.set(cert.proof.subarray(192, 256), 0); // C in place of A: a valid point, a wrong proof
  expect(codeOf({ ...cert, proof: swapped })).toBe("ZK_CERT_ERROR_INVALID_PROOF");
});

test("the key binds every public input: no verification-key term is the point at infinity", () => {
  // A public input that no constraint uses gets IC = infinity, and any value of it verifies (how an
  // unbound prover field would let a copier claim the reward). The SDK refuses such a key as malformed.
  const vk = built.vkey as unknown as Groth16VerificationKey;
  expect(vk.IC).toHaveLength(10);
  for (const p of vk.IC) expect(p.slice(0, 2).some((c) => c !== "0")).toBe(true);
  const unbound = { ...vk, IC: vk.IC.map((p, i) => (i === 9 ? ["0", "1", "0"] : p)) };
  expect(() => assertValidZkCertificate(cert, root, { ...opts(), verificationKeys: { quorum4: unbound } })).toThrow(ZkCertificateError);
});
