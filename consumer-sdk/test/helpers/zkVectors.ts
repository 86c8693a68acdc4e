/**
 * The committed ZK vectors (test/vectors/*.json, written by test/vectors/generateZk*.mjs): the file's
 * JSON, and a certificate in it as the SDK's ZkCertificate. Shared by the SDK's, the runtime's and
 * the EVM tests.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fromHex, type ZkCertificate } from "../../src/index.js";

const vectorsDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "test", "vectors");

export function readZkVector(file: "zkCertificates.json" | "zkFork.json"): any {
  return JSON.parse(readFileSync(join(vectorsDir, file), "utf8"));
}

/** A certificate as the vector files write it (decimal strings for field elements, hex for bytes); `chainId` overrides the file's. */
export function zkCertificateOfVector(c: Record<string, string | number>, chainId = String(c.chainId)): ZkCertificate {
  return {
    circuit: String(c.circuit),
    chainId,
    height: Number(c.height),
    time: Number(c.time),
    blockHash: fromHex(String(c.blockHash)),
    validatorSetRoot: BigInt(c.validatorSetRoot!),
    nextValidatorSetRoot: BigInt(c.nextValidatorSetRoot!),
    signers: BigInt(c.signers!),
    prover: fromHex(String(c.prover)),
    proof: fromHex(String(c.proof)),
  };
}
