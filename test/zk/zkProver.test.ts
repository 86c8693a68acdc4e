// From attestations to a certificate: the hub's attestation keys sign a finality message, the pool
// collects the attestations to a quorum, the prover proves it in a worker thread (quorum4 on the
// test phase-1 file) and the certificate passes the SDK's rule.
import { computeFinalityMessage, computeZkValidatorSetRoot, initZkCertificateVerifier, verifyZkCertificate, type Groth16VerificationKey, type ZkValidatorSlot } from "@aegis/consumer-sdk";
import {
  AttestationPool,
  createAttestationKeyPair,
  getAttestationPoint,
  isValidFinalitySignature,
  signFinalityMessage,
  ZkProver,
  ZkProverError,
  type AttestationKeyPair,
  type FinalityAttestation,
} from "@aegis/hub";
import { getCircuit, setupCircuit, terminateCurve, type SetUpCircuit } from "../../circuits/scripts/build.mjs";

const chainId = "aegis-prover-test";
let built: SetUpCircuit;
let prover: ZkProver;
let keys: AttestationKeyPair[];
let slots: ZkValidatorSlot[];
let statement: { height: number; time: number; blockHash: Uint8Array; validatorSetRoot: bigint; nextValidatorSetRoot: bigint };
const PROVER = Uint8Array.from({ length: 20 }, (_, i) => 0x30 + i);

beforeAll(async () => {
  built = await setupCircuit(await getCircuit("quorum4"));
  await initZkCertificateVerifier();
  keys = [1, 2, 3, 4].map((i) => createAttestationKeyPair(new Uint8Array(32).fill(40 + i)));
  slots = keys.map((k, i) => ({ ...getAttestationPoint(k.publicKey), power: BigInt(10 * (i + 1)) }));
  statement = { height: 12, time: 1_767_225_600_000, blockHash: new Uint8Array(32).fill(0xab), validatorSetRoot: computeZkValidatorSetRoot(slots, 4), nextValidatorSetRoot: 99n };
  prover = new ZkProver({
    chainId,
    circuit: "quorum4",
    capacity: 4,
    wasmPath: built.wasm,
    zkeyPath: built.zkey,
    proverAddress: PROVER,
    verificationKey: built.vkey as unknown as Groth16VerificationKey,
  });
  prover.start();
}, 300_000);

afterAll(async () => {
  await prover.stop();
  await terminateCurve();
});

const attest = (i: number, over: Partial<typeof statement> = {}): FinalityAttestation => {
  const st = { ...statement, ...over };
  return { ...st, validatorIndex: i, signature: signFinalityMessage(keys[i]!.secretKey, computeFinalityMessage({ chainId, ...st })) };
};
const set = { powers: [10n, 20n, 30n, 40n], totalPower: 100n };
const verify = (a: FinalityAttestation) => isValidFinalitySignature(keys[a.validatorIndex]!.publicKey, computeFinalityMessage({ chainId, ...a }), a.signature);

test("a quorum of hub attestations becomes a certificate the SDK accepts", async () => {
  const pool = new AttestationPool();
  expect(pool.add(attest(3), set, verify)).toMatchObject({ kind: "added", quorum: false });
  expect(pool.add(attest(0, { blockHash: new Uint8Array(32) }), set, verify)).toMatchObject({ kind: "added" }); // another block: its own statement
  expect(pool.add({ ...attest(1), signature: attest(2).signature }, set, verify)).toEqual({ kind: "refused", reason: "invalid_signature" });
  expect(pool.add(attest(2), set, verify)).toMatchObject({ kind: "added", quorum: true });
  const q = pool.newestQuorum(() => set)!;
  const cert = await prover.prove(q.statement, q.attestations, slots);
  expect(cert).toMatchObject({ circuit: "quorum4", chainId, height: 12, time: statement.time, signers: 0b1100n, prover: PROVER });
  const opts = { chainId, verificationKeys: { quorum4: built.vkey as unknown as Groth16VerificationKey }, capacities: { quorum4: 4 } };
  expect(verifyZkCertificate(cert, cert.validatorSetRoot, opts)).toBe(true);
}, 120_000);

test("attestations without a quorum, or with a signature of another key, cannot be proved", async () => {
  await expect(prover.prove(statement, new Map([[3, attest(3)]]), slots)).rejects.toMatchObject({ code: "ZK_PROVER_ERROR_PROVING_FAILED" });
  const forged = new Map([[2, attest(2)], [3, { ...attest(3), signature: attest(1).signature }]]);
  await expect(prover.prove(statement, forged, slots)).rejects.toMatchObject({ code: "ZK_PROVER_ERROR_PROVING_FAILED" });
  await expect(prover.prove(statement, new Map([[3, { ...attest(3), signature: new Uint8Array(64).fill(0xff) }]]), slots)).rejects.toBeInstanceOf(ZkProverError);
}, 120_000);

test("a stopped prover refuses what was in flight and starts again on demand", async () => {
  const inFlight = prover.prove(statement, new Map([[2, attest(2)], [3, attest(3)]]), slots);
  await new Promise((r) => setTimeout(r, 50));
  await prover.stop();
  await expect(inFlight).rejects.toMatchObject({ code: "ZK_PROVER_ERROR_STOPPED" });
  const cert = await prover.prove(statement, new Map([[2, attest(2)], [3, attest(3)]]), slots);
  expect(cert.height).toBe(12);
}, 120_000);

test("a proving key that is not the chain's verification key is refused at start", async () => {
  await expect(prover.assertKeyMatches()).resolves.toBeUndefined();
  const vk = built.vkey as unknown as Groth16VerificationKey;
  const otherDelta = { ...vk, vk_delta_2: vk.vk_gamma_2 };
  const wrong = new ZkProver({ chainId, circuit: "quorum4", capacity: 4, wasmPath: built.wasm, zkeyPath: built.zkey, proverAddress: PROVER, verificationKey: otherDelta });
  try {
    await expect(wrong.assertKeyMatches()).rejects.toMatchObject({ code: "ZK_PROVER_ERROR_KEY_MISMATCH", type: { zkeyPath: built.zkey } });
  } finally {
    await wrong.stop();
  }
  const missing = new ZkProver({ chainId, circuit: "quorum4", capacity: 4, wasmPath: built.wasm, zkeyPath: `${built.zkey}.missing`, proverAddress: PROVER, verificationKey: vk });
  try {
    await expect(missing.assertKeyMatches()).rejects.toMatchObject({ code: "ZK_PROVER_ERROR_PROVING_FAILED" });
  } finally {
    await missing.stop();
  }
}, 60_000);
