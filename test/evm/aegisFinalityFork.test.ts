// AegisFinality on a hub fork (decision 50), with real quorum4 certificates (test/vectors/zkFork.json:
// two of height 42 for different blocks, one set, one key): a second valid certificate of a finalized
// height freezes the contract — nothing new is accepted, what was final stays final — while a
// certificate of the same statement, a tampered one or one of a height never finalized changes
// nothing; only the operator resumes it, from a new trusted root.
import { computeZkChainId, type ZkCertificate } from "@aegis/consumer-sdk";
import { readZkVector, zkCertificateOfVector as certOf } from "../../consumer-sdk/test/helpers/zkVectors.js";
import { compileFinalityContracts, createFinalityChain, encodeSubmit, readUint, selector } from "./finalityEvm.mjs";

const v = readZkVector("zkFork.json");
const a = certOf(v.a);
const b = certOf(v.b);
const next = certOf(v.next);
const word = (x: bigint | number) => BigInt(x).toString(16).padStart(64, "0");
const REPORT = selector("reportConflict(uint64,uint64,bytes32,uint256,uint256,address,uint256[8])");
const encodeReport = (c: ZkCertificate) => REPORT + encodeSubmit(c).slice(8);

let code: { verifier: string; finality: string };
beforeAll(() => {
  code = compileFinalityContracts(v.verificationKey);
}, 120_000);

async function deploy() {
  const chain = await createFinalityChain();
  chain.setTime(Math.floor(next.time / 1000));
  const vr = await chain.send(undefined, code.verifier);
  const f = await chain.send(undefined, code.finality + word(BigInt(vr.createdAddress!)) + word(computeZkChainId(a.chainId)) + word(a.validatorSetRoot) + word(41) + word(a.time - 1000) + word(14 * 86_400_000));
  expect(f.reverted).toBe(false);
  const address = f.createdAddress!;
  const read = async (sig: string, arg = "") => readUint(await chain.call(address, selector(sig) + arg));
  const state = async () => ({ frozen: await read("frozen()"), frozenAt: await read("frozenAtHeight()"), latest: await read("latestHeight()"), root: await read("validatorSetRoot()") });
  return { chain, address, read, state };
}

test("a second valid certificate of a finalized height freezes it: nothing new, the final block stays final", async () => {
  const { chain, address, read, state } = await deploy();
  expect((await chain.send(address, encodeSubmit(a))).reverted).toBe(false);
  const before = await state();
  // What is no conflict changes nothing.
  const same = await chain.send(address, encodeReport(a));
  expect([same.reverted, same.returnValue]).toEqual([true, selector("NotConflicting(uint64)") + word(42)]);
  const tampered = await chain.send(address, encodeReport({ ...b, signers: 0b1111n }));
  expect([tampered.reverted, tampered.returnValue]).toEqual([true, selector("InvalidProof()")]);
  const unknown = await chain.send(address, encodeReport(next));
  expect([unknown.reverted, unknown.returnValue]).toEqual([true, selector("NotFinalized(uint64)") + word(43)]);
  expect(await state()).toEqual(before);
  // The fork: block B at 42, by slots 0, 2 and 3 (2 and 3 signed both).
  const r = await chain.send(address, encodeReport(b));
  expect(r.reverted).toBe(false);
  console.log(`AegisFinality.reportConflict (Groth16 verify, N = ${v.capacity}): ${r.gas} gas`);
  expect(await state()).toEqual({ ...before, frozen: 1n, frozenAt: 42n });
  const refused = await chain.send(address, encodeSubmit(next));
  expect([refused.reverted, refused.returnValue]).toEqual([true, selector("Frozen(uint64)") + word(42)]);
  expect(await read("latestHeight()")).toBe(42n);
  expect(await chain.call(address, selector("finalizedBlockHash(uint64)") + word(42))).toBe(v.a.blockHash);
});

test("only the operator resumes it, from a new trusted root; certificates are accepted again", async () => {
  const { chain, address, state } = await deploy();
  await chain.send(address, encodeSubmit(a));
  const notFrozen = await chain.send(address, selector("resume(uint256,uint64,uint64)") + word(a.validatorSetRoot) + word(42) + word(a.time));
  expect([notFrozen.reverted, notFrozen.returnValue]).toEqual([true, selector("NotFrozen()")]);
  await chain.send(address, encodeReport(b));
  const resume = selector("resume(uint256,uint64,uint64)") + word(a.validatorSetRoot) + word(42) + word(a.time);
  const stranger = await chain.callResult(address, resume); // from another account
  expect([stranger.reverted, stranger.returnValue]).toEqual([true, selector("NotOperator()")]);
  expect((await state()).frozen).toBe(1n);
  expect((await chain.send(address, resume)).reverted).toBe(false);
  expect((await state()).frozen).toBe(0n);
  expect((await chain.send(address, encodeSubmit(next))).reverted).toBe(false);
  expect((await state()).latest).toBe(43n);
});
