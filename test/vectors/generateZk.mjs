#!/usr/bin/env node
// Writes zkCertificates.json: a real succinct certificate of the quorum4 circuit from fixed
// attestation keys, with its verification key, the finality message and set root it was made from,
// and one invalid case per error code. Run after npm run build (node test/vectors/generateZk.mjs);
// it compiles the circuit and runs the local phase 2 when not cached. The proving key comes from a
// local phase 2, so the file carries its verification key; vectors.test.ts checks the SDK against it.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as snarkjs from "snarkjs";
import * as sdk from "@aegis/consumer-sdk";
import { createAttestationKeyPair, decodeFinalitySignature, getAttestationPoint, signFinalityMessage } from "@aegis/hub";
import { getCircuit, setupCircuit, terminateCurve } from "../../circuits/scripts/build.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const N = 4;
await sdk.initZkCertificateVerifier();
const keys = [1, 2, 3, 4].map((i) => createAttestationKeyPair(new Uint8Array(32).fill(i)));
const secretKeys = keys.map((k) => k.secretKey);
const slots = keys.map((k, i) => ({ ...getAttestationPoint(k.publicKey), power: BigInt((i + 1) * 10) }));
const validatorSetRoot = sdk.computeZkValidatorSetRoot(slots, N);
const statement = {
  chainId: "aegis-vectors-1",
  height: 42,
  time: 1_767_225_600_000, // 2026-01-01T00:00:00Z
  blockHash: Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + 3) & 0xff),
  validatorSetRoot,
  // The next set: the last validator's power grew (as at an epoch boundary).
  nextValidatorSetRoot: sdk.computeZkValidatorSetRoot(slots.map((s, i) => (i === 3 ? { ...s, power: 50n } : s)), N),
};
const signers = [1, 2, 3];
const message = sdk.computeFinalityMessage(statement);
const signatures = new Map(signers.map((i) => [i, decodeFinalitySignature(signFinalityMessage(secretKeys[i], message))]));
// The prover's account (20 bytes): the proof commits to it.
const prover = Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i);
const input = sdk.computeQuorumCircuitInput(slots, signatures, statement, N, prover);

const built = await setupCircuit(await getCircuit("quorum4"));
const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, built.wasm, built.zkey);
if (!(await snarkjs.groth16.verify(built.vkey, publicSignals, proof))) throw new Error("the proof does not verify");
await terminateCurve();

const certificate = {
  circuit: "quorum4",
  chainId: statement.chainId,
  height: statement.height,
  time: statement.time,
  blockHash: sdk.toHex(statement.blockHash),
  validatorSetRoot: validatorSetRoot.toString(),
  nextValidatorSetRoot: statement.nextValidatorSetRoot.toString(),
  signers: sdk.computeZkSignerBitmap(signers, N).toString(),
  prover: sdk.toHex(prover),
  proof: sdk.toHex(sdk.encodeZkProof(proof)),
};
const out = {
  comment: "A real quorum4 certificate (test phase 1, local phase 2): written by generateZk.mjs, checked by vectors.test.ts.",
  capacity: N,
  verificationKey: built.vkey,
  validators: slots.map((s, i) => ({ attestationSecretKey: sdk.toHex(secretKeys[i]), ax: s.ax.toString(), ay: s.ay.toString(), power: s.power.toString() })),
  finalityMessage: message.toString(),
  publicSignals,
  certificate,
  invalid: [
    { name: "proof of 255 bytes", change: { proof: certificate.proof.slice(0, -2) }, code: "ZK_CERT_ERROR_MALFORMED" },
    { name: "prover of 19 bytes", change: { prover: certificate.prover.slice(0, -2) }, code: "ZK_CERT_ERROR_MALFORMED" },
    { name: "unknown circuit", change: { circuit: "quorum5" }, code: "ZK_CERT_ERROR_UNKNOWN_CIRCUIT" },
    { name: "another hub chain", change: { chainId: "aegis-vectors-2" }, code: "ZK_CERT_ERROR_WRONG_CHAIN" },
    { name: "another validator set", change: { validatorSetRoot: "1" }, code: "ZK_CERT_ERROR_WRONG_VALIDATOR_SET" },
    { name: "another height", change: { height: statement.height + 1 }, code: "ZK_CERT_ERROR_INVALID_PROOF" },
    { name: "a signer added to the bitmap", change: { signers: "15" }, code: "ZK_CERT_ERROR_INVALID_PROOF" },
    { name: "another time", change: { time: statement.time + 1 }, code: "ZK_CERT_ERROR_INVALID_PROOF" },
    { name: "another prover (a copied proof)", change: { prover: "ff".repeat(20) }, code: "ZK_CERT_ERROR_INVALID_PROOF" },
    // `trust`: the verifier's trusting period (assertWithinTrustingPeriod); `keyChange`: fields of the verification key replaced.
    { name: "the trusted root is as old as the trusting period", trust: { trustedTime: statement.time - 1000, trustingPeriodMs: 5000, now: statement.time + 4000 }, code: "ZK_CERT_ERROR_TRUST_EXPIRED" },
    { name: "a certificate older than the trusted time", trust: { trustedTime: statement.time + 1, trustingPeriodMs: 5000, now: statement.time + 2 }, code: "ZK_CERT_ERROR_OLDER_THAN_TRUSTED" },
    { name: "a certificate from the future", trust: { trustedTime: statement.time - 20_000, trustingPeriodMs: 60_000, now: statement.time - 10_001 }, code: "ZK_CERT_ERROR_FROM_THE_FUTURE" },
    { name: "a key whose delta is gamma (no phase-2 contribution)", keyChange: { vk_delta_2: built.vkey.vk_gamma_2 }, code: "ZK_CERT_ERROR_DEGENERATE_KEY" },
  ],
};
writeFileSync(join(here, "zkCertificates.json"), JSON.stringify(out, null, 2) + "\n");
console.log("wrote zkCertificates.json");
