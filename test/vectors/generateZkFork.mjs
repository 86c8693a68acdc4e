#!/usr/bin/env node
// Writes zkFork.json: two real quorum4 certificates of one hub height for different blocks, proved
// against one validator set with one proving key (a hub fork on the succinct tier, decision 50), and
// a third of the next height. Slots 2 and 3 sign both blocks (they are the guilty: 70 of 100), slot 1
// only block A, slot 0 only block B. Run after npm run build (node test/vectors/generateZkFork.mjs);
// it compiles the circuit and runs the local phase 2 when not cached. Read by
// consumer-sdk/test/zkForkVectors.test.ts and test/evm/aegisFinality.test.ts.
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
const keys = [1, 2, 3, 4].map((i) => createAttestationKeyPair(new Uint8Array(32).fill(0x30 + i)));
const slots = keys.map((k, i) => ({ ...getAttestationPoint(k.publicKey), power: BigInt((i + 1) * 10) }));
const validatorSetRoot = sdk.computeZkValidatorSetRoot(slots, N);
const chainId = "aegis-fork-vectors-1";
const time = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const built = await setupCircuit(await getCircuit("quorum4"));
const prover = Uint8Array.from({ length: 20 }, (_, i) => 0xc0 + i);

async function certify(height, blockHash, signers) {
  const statement = { chainId, height, time: time + (height - 42) * 1000, blockHash, validatorSetRoot, nextValidatorSetRoot: validatorSetRoot };
  const message = sdk.computeFinalityMessage(statement);
  const signatures = new Map(signers.map((i) => [i, decodeFinalitySignature(signFinalityMessage(keys[i].secretKey, message))]));
  const input = sdk.computeQuorumCircuitInput(slots, signatures, statement, N, prover);
  const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, built.wasm, built.zkey);
  if (!(await snarkjs.groth16.verify(built.vkey, publicSignals, proof))) throw new Error("the proof does not verify");
  return {
    circuit: "quorum4",
    chainId,
    height,
    time: statement.time,
    blockHash: sdk.toHex(blockHash),
    validatorSetRoot: validatorSetRoot.toString(),
    nextValidatorSetRoot: validatorSetRoot.toString(),
    signers: sdk.computeZkSignerBitmap(signers, N).toString(),
    prover: sdk.toHex(prover),
    proof: sdk.toHex(sdk.encodeZkProof(proof)),
  };
}

const a = await certify(42, new Uint8Array(32).fill(0xa1), [1, 2, 3]);
const b = await certify(42, new Uint8Array(32).fill(0xb2), [0, 2, 3]);
const next = await certify(43, new Uint8Array(32).fill(0xc3), [0, 1, 2, 3]);
await terminateCurve();
writeFileSync(
  join(here, "zkFork.json"),
  JSON.stringify(
    {
      comment: "Two real quorum4 certificates of height 42 for different blocks (slots 2 and 3 signed both) and one of height 43, one set, one key: written by generateZkFork.mjs.",
      capacity: N,
      verificationKey: built.vkey,
      powers: slots.map((s) => s.power.toString()),
      guilty: [2, 3],
      a,
      b,
      next,
    },
    null,
    2,
  ) + "\n",
);
console.log("wrote zkFork.json");
