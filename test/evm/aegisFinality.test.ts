// The succinct certificate on an EVM: snarkjs' Groth16 verifier (rendered for the vector's key) and
// consumer-sdk/contracts/AegisFinality.sol, compiled with solc and run in @ethereumjs/vm, accept the
// committed real certificate (test/vectors/zkCertificates.json) and refuse tampered ones, and refuse
// every certificate once the trusted root is older than the trusting period, leaving their state
// unchanged.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { computeZkChainId, fromHex, type ZkCertificate } from "@aegis/consumer-sdk";
import { compileFinalityContracts, createFinalityChain, encodeSubmit, readUint, selector, type FinalityChain } from "./finalityEvm.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const v = JSON.parse(readFileSync(join(here, "..", "vectors", "zkCertificates.json"), "utf8"));
const cert: ZkCertificate = {
  ...v.certificate,
  blockHash: fromHex(v.certificate.blockHash),
  validatorSetRoot: BigInt(v.certificate.validatorSetRoot),
  nextValidatorSetRoot: BigInt(v.certificate.nextValidatorSetRoot),
  signers: BigInt(v.certificate.signers),
  prover: fromHex(v.certificate.prover),
  proof: fromHex(v.certificate.proof),
};

const DAY_MS = 86_400_000;
const TRUSTING_PERIOD_MS = 14 * DAY_MS; // shorter than a 21-day unbonding period
/** The trusted root was signed one hour of hub time before the certificate. */
const TRUSTED_TIME = cert.time - 3_600_000;
const word = (x: bigint | number) => BigInt(x).toString(16).padStart(64, "0");
const seconds = (ms: number) => Math.floor(ms / 1000);

let code: { verifier: string; finality: string };
beforeAll(() => {
  code = compileFinalityContracts(v.verificationKey);
}, 120_000);

/** A fresh chain at `nowMs` (its clock), the verifier and an AegisFinality trusting the vector's set. */
async function deploy(nowMs = cert.time) {
  const chain: FinalityChain = await createFinalityChain();
  chain.setTime(seconds(nowMs));
  const vr = await chain.send(undefined, code.verifier);
  const args = word(BigInt(vr.createdAddress!)) + word(computeZkChainId(cert.chainId)) + word(cert.validatorSetRoot) + word(cert.height - 1) + word(TRUSTED_TIME) + word(TRUSTING_PERIOD_MS);
  const f = await chain.send(undefined, code.finality + args);
  expect(f.reverted).toBe(false);
  const address = f.createdAddress!;
  const read = async (signature: string, arg = "") => readUint(await chain.call(address, selector(signature) + arg));
  const state = async () => ({ latest: await read("latestHeight()"), root: await read("validatorSetRoot()"), trustedTime: await read("trustedTime()") });
  return { chain, address, read, state };
}

test("tampered certificates revert with InvalidProof and change nothing", async () => {
  const { chain, address, state } = await deploy();
  const before = await state();
  const flipped = Uint8Array.from(cert.proof);
  flipped[31] ^= 1; // A.x
  for (const bad of [
    { ...cert, proof: flipped },
    { ...cert, signers: 0b1111n },
    { ...cert, nextValidatorSetRoot: cert.nextValidatorSetRoot + 1n },
    { ...cert, blockHash: new Uint8Array(32).fill(9) },
    { ...cert, height: cert.height + 1 },
    { ...cert, time: cert.time - 1 },
    // A copier naming itself as the prover: the proof commits to the original prover.
    { ...cert, prover: new Uint8Array(20).fill(0xee) },
  ]) {
    const r = await chain.send(address, encodeSubmit(bad));
    expect(r.reverted).toBe(true);
    expect(r.returnValue).toBe(selector("InvalidProof()"));
  }
  expect(await state()).toEqual(before);
});

test("the real certificate is accepted: height, block hash, time and the next root recorded; again it is stale", async () => {
  const { chain, address, state } = await deploy();
  const r = await chain.send(address, encodeSubmit(cert));
  expect(r.reverted).toBe(false);
  console.log(`AegisFinality.submit (Groth16 verify, N = ${v.capacity}): ${r.gas} gas`);
  expect(await state()).toEqual({ latest: BigInt(cert.height), root: cert.nextValidatorSetRoot, trustedTime: BigInt(cert.time) });
  expect(await chain.call(address, selector("finalizedBlockHash(uint64)") + word(cert.height))).toBe(Buffer.from(cert.blockHash).toString("hex"));
  const again = await chain.send(address, encodeSubmit(cert));
  expect(again.reverted).toBe(true);
  expect(again.returnValue.startsWith(selector("StaleHeight(uint64,uint64)"))).toBe(true);
  expect((await state()).latest).toBe(BigInt(cert.height));
});

test("once the trusted root is as old as the trusting period, a valid certificate reverts with TrustExpired", async () => {
  // The last second still inside the period accepts; the clock moved past it refuses and changes nothing.
  const inside = await deploy(TRUSTED_TIME + TRUSTING_PERIOD_MS - 1000);
  expect((await inside.chain.send(inside.address, encodeSubmit(cert))).reverted).toBe(false);
  const expired = await deploy(TRUSTED_TIME + TRUSTING_PERIOD_MS);
  const before = await expired.state();
  const r = await expired.chain.send(expired.address, encodeSubmit(cert));
  expect(r.reverted).toBe(true);
  expect(r.returnValue.startsWith(selector("TrustExpired(uint64,uint64,uint256)"))).toBe(true);
  expect(await expired.state()).toEqual(before);
});

test("a certificate from beyond the allowed clock drift reverts with FromTheFuture", async () => {
  const early = await deploy(cert.time - 10_001);
  const before = await early.state();
  const r = await early.chain.send(early.address, encodeSubmit(cert));
  expect(r.reverted).toBe(true);
  expect(r.returnValue.startsWith(selector("FromTheFuture(uint64,uint256)"))).toBe(true);
  expect(await early.state()).toEqual(before);
});

test("a certificate older than the trusted time reverts with OlderThanTrusted", async () => {
  const chain = await createFinalityChain();
  chain.setTime(seconds(cert.time));
  const vr = await chain.send(undefined, code.verifier);
  const args = word(BigInt(vr.createdAddress!)) + word(computeZkChainId(cert.chainId)) + word(cert.validatorSetRoot) + word(cert.height - 1) + word(cert.time + 1) + word(TRUSTING_PERIOD_MS);
  const f = await chain.send(undefined, code.finality + args);
  const r = await chain.send(f.createdAddress!, encodeSubmit(cert));
  expect(r.reverted).toBe(true);
  expect(r.returnValue.startsWith(selector("OlderThanTrusted(uint64,uint64)"))).toBe(true);
  expect(readUint(await chain.call(f.createdAddress!, selector("latestHeight()")))).toBe(BigInt(cert.height - 1));
});

test("a deployment with no trusting period is refused", async () => {
  const chain = await createFinalityChain();
  const vr = await chain.send(undefined, code.verifier);
  const f = await chain.send(undefined, code.finality + word(BigInt(vr.createdAddress!)) + word(1n) + word(1n) + word(0) + word(0) + word(0));
  expect(f.reverted).toBe(true);
  expect(f.returnValue).toBe(selector("InvalidTrustingPeriod()"));
});
