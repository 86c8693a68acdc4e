// The succinct certificate on an EVM: snarkjs' Groth16 verifier (rendered for the vector's key) and
// consumer-sdk/contracts/AegisFinality.sol, compiled with solc and run in @ethereumjs/vm, accept the
// committed real certificate (test/vectors/zkCertificates.json) and refuse tampered ones, leaving
// their state unchanged.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { computeZkChainId, fromHex, type ZkCertificate } from "@aegis/consumer-sdk";
import { deployFinality, encodeSubmit, readUint, selector, type FinalityChain } from "./finalityEvm.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const v = JSON.parse(readFileSync(join(here, "..", "vectors", "zkCertificates.json"), "utf8"));
const cert: ZkCertificate = {
  ...v.certificate,
  blockHash: fromHex(v.certificate.blockHash),
  validatorSetRoot: BigInt(v.certificate.validatorSetRoot),
  nextValidatorSetRoot: BigInt(v.certificate.nextValidatorSetRoot),
  signers: BigInt(v.certificate.signers),
  proof: fromHex(v.certificate.proof),
};

let chain: FinalityChain;
let address: string;
const read = async (signature: string, arg = "") => readUint(await chain.call(address, selector(signature) + arg));
const state = async () => ({ latest: await read("latestHeight()"), root: await read("validatorSetRoot()") });

beforeAll(async () => {
  ({ chain, address } = await deployFinality(v.verificationKey, { hubChainId: computeZkChainId(cert.chainId), root: cert.validatorSetRoot, trustedHeight: cert.height - 1 }));
}, 120_000);

test("tampered certificates revert with InvalidProof and change nothing", async () => {
  const before = await state();
  const flipped = Uint8Array.from(cert.proof);
  flipped[31] ^= 1; // A.x
  for (const bad of [
    { ...cert, proof: flipped },
    { ...cert, signers: 0b1111n },
    { ...cert, nextValidatorSetRoot: cert.nextValidatorSetRoot + 1n },
    { ...cert, blockHash: new Uint8Array(32).fill(9) },
    { ...cert, height: cert.height + 1 },
  ]) {
    const r = await chain.send(address, encodeSubmit(bad));
    expect(r.reverted).toBe(true);
    expect(r.returnValue).toBe(selector("InvalidProof()"));
  }
  expect(await state()).toEqual(before);
});

test("the real certificate is accepted: height, block hash and the next root recorded", async () => {
  const r = await chain.send(address, encodeSubmit(cert));
  expect(r.reverted).toBe(false);
  console.log(`AegisFinality.submit (Groth16 verify, N = ${v.capacity}): ${r.gas} gas`);
  expect(await state()).toEqual({ latest: BigInt(cert.height), root: cert.nextValidatorSetRoot });
  expect(await chain.call(address, selector("finalizedBlockHash(uint64)") + BigInt(cert.height).toString(16).padStart(64, "0"))).toBe(Buffer.from(cert.blockHash).toString("hex"));
});

test("submitting it again reverts with StaleHeight", async () => {
  const r = await chain.send(address, encodeSubmit(cert));
  expect(r.reverted).toBe(true);
  expect(r.returnValue.startsWith(selector("StaleHeight(uint64,uint64)"))).toBe(true);
  expect(await read("latestHeight()")).toBe(BigInt(cert.height));
});
