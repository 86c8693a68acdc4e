// MsgSubmitForkEvidence on the ZK tier (decision 50), with fresh quorum4 proofs (the circuit's own
// setup) over the staking fixtures' three validators and their registered attestation keys: two
// succinct certificates of one height for different statements slash and tombstone exactly the slots
// in both bitmaps; certificates of one statement (another prover, other signers), of two heights, of
// another chain or another set's root, or a bitmap the proof does not support, are refused with the
// state unchanged. The SDK's rule alone (assertZkForkGuilt) is held to the same answers.
import * as snarkjs from "snarkjs";
import {
  assertZkForkGuilt,
  computeFinalityMessage,
  computeQuorumCircuitInput,
  computeZkSignerBitmap,
  encodeZkProof,
  ForkEvidenceError,
  initZkCertificateVerifier,
  type Groth16VerificationKey,
  type ZkCertificate,
} from "@aegis/consumer-sdk";
import { AegisMsgSubmitForkEvidence, createForkEvidenceHandler, processBlockSignatures, type MsgSubmitForkEvidence } from "../../../src/app/modules/slashing/index.js";
import { getValidator, isTombstoned, type EpochValidatorSet } from "../../../src/app/modules/staking/index.js";
import { decodeFinalitySignature, getAttestationPoint, signFinalityMessage } from "../../../src/attestation/index.js";
import type { StateView } from "../../../src/state/index.js";
import { computeZkValidatorSetRootOf } from "../../../src/zk/zkValidatorSet.js";
import { acc, addr, attestationKeyPair, run, snapshot, T0 } from "../staking/stakingFixtures.js";
import { CHAIN_ID, hash, M, setAt, signersExcept, world } from "./slashingFixtures.js";
import { getCircuit, setupCircuit, terminateCurve } from "../../../../circuits/scripts/build.mjs";

const H = 3;
const CAPACITY = 4;
let zk: { circuit: string; capacity: number; verificationKey: Groth16VerificationKey; attestationIntervalMs: number; proverReward: string; epochLength: number };
let handler: ReturnType<typeof createForkEvidenceHandler>;
/** Certificates by name, proved once for all tests. */
const certs: Record<string, ZkCertificate> = {};

function chain(): StateView {
  const s = world({}, { unbondingTimeMs: 1000 });
  for (let h = 1; h <= 5; h++) processBlockSignatures(s, { height: h, time: T0 + h, set: setAt(s, h), signers: signersExcept(setAt(s, h), []) });
  return s;
}

/** The fixture number of each slot of the set (slot i = validator i of the set). */
const fixtureOf = (set: EpochValidatorSet) => set.validators.map((v) => [1, 2, 3].find((i) => v.operator.every((b, j) => b === addr(i)[j]))!);

beforeAll(async () => {
  await initZkCertificateVerifier();
  const built = await setupCircuit(await getCircuit("quorum4"));
  zk = { circuit: "quorum4", capacity: CAPACITY, verificationKey: built.vkey as unknown as Groth16VerificationKey, attestationIntervalMs: 1000, proverReward: "0", epochLength: 10 };
  handler = createForkEvidenceHandler(zk);
  const set = setAt(chain(), H);
  const who = fixtureOf(set);
  const root = computeZkValidatorSetRootOf(set.validators, CAPACITY);
  const slots = set.validators.map((v) => ({ ...getAttestationPoint(v.attestationPublicKey), power: v.power }));
  /** A certificate of `statement` signed by the fixture validators `signers`, proved for `prover`. */
  const prove = async (over: { height?: number; blockHash?: Uint8Array; chainId?: string; validatorSetRoot?: bigint }, signers: number[], prover = new Uint8Array(20).fill(7)): Promise<ZkCertificate> => {
    const statement = { chainId: over.chainId ?? CHAIN_ID, height: over.height ?? H, time: T0 + H, blockHash: over.blockHash ?? hash(0xa1), validatorSetRoot: over.validatorSetRoot ?? root, nextValidatorSetRoot: root };
    const message = computeFinalityMessage(statement);
    const slotsSigning = signers.map((i) => who.indexOf(i));
    const signatures = new Map(slotsSigning.map((slot, k) => [slot, decodeFinalitySignature(signFinalityMessage(attestationKeyPair(signers[k]!).secretKey, message))!]));
    const input = computeQuorumCircuitInput(slots, signatures, statement, CAPACITY, prover);
    const { proof } = await snarkjs.groth16.fullProve(input, built.wasm, built.zkey);
    return { circuit: "quorum4", ...statement, signers: computeZkSignerBitmap(slotsSigning, CAPACITY), prover, proof: encodeZkProof(proof as never) };
  };
  // Validators 2 and 3 (50 of 60 M) attest block A; 1, 2 and 3 attest block B.
  certs.a = await prove({}, [2, 3]);
  certs.b = await prove({ blockHash: hash(0xb2) }, [1, 2, 3]);
  certs.aAgain = await prove({}, [1, 2, 3], new Uint8Array(20).fill(9)); // A's statement, other signers and prover
  certs.otherHeight = await prove({ height: H + 1, blockHash: hash(0xb2) }, [1, 2, 3]);
  certs.otherChain = await prove({ chainId: "aegis-other", blockHash: hash(0xb2) }, [1, 2, 3]);
}, 300_000);
afterAll(() => terminateCurve());

const at = { height: 6, time: T0 + 6 };
const msg = (a: ZkCertificate, b: ZkCertificate): MsgSubmitForkEvidence => ({ submitter: acc(9), zk: { a: { ...a, chainId: "?" }, b: { ...b, chainId: "?" } } });

function expectRefused(s: StateView, m: MsgSubmitForkEvidence, reason: RegExp) {
  const before = snapshot(s);
  const out = run(s, handler, m, at);
  expect(out.error?.message).toMatch(reason);
  expect(snapshot(s)).toEqual(before);
}

test("two statements of one height: exactly the slots in both bitmaps are slashed and tombstoned", () => {
  const s = chain();
  const tokens = (i: number) => getValidator(s, addr(i))!.tokens;
  const before = [1, 2, 3].map(tokens);
  const out = run(s, handler, msg(certs.a!, certs.b!), at);
  expect(out.error?.message).toBeUndefined();
  expect([1, 2, 3].map((i) => isTombstoned(s, addr(i)))).toEqual([false, true, true]);
  expect([1, 2, 3].map((i, k) => before[k]! - tokens(i))).toEqual([0n, 1n * M, (3n * M) / 2n]);
  expect(Object.fromEntries(out.events.find((e) => e.type === "hub_fork")!.attributes.map((a) => [a.key, a.value]))).toMatchObject({ tier: "zk", guilty: "2", slashed: "2" });
  expectRefused(s, msg(certs.b!, certs.a!), /already tombstoned/);
});

test("the message round-trips: the SDK's encoder, the hub's strict decoder", () => {
  const m = msg(certs.a!, certs.b!);
  expect(AegisMsgSubmitForkEvidence.decode(AegisMsgSubmitForkEvidence.encode(m).finish())).toEqual(m);
});

test("no fork, or not this chain's: refused, state unchanged", () => {
  const s = chain();
  expectRefused(s, msg(certs.a!, certs.aAgain!), /one statement.*NOT_CONFLICTING/);
  expectRefused(s, msg(certs.a!, certs.otherHeight!), /heights 3 and 4.*NOT_CONFLICTING/);
  expectRefused(s, msg(certs.a!, certs.otherChain!), /proof does not verify \(ZK_CERT_ERROR_INVALID_PROOF\) \[FORK_EVIDENCE_ERROR_INVALID_CERTIFICATE\]/); // proved for another chain id
  expectRefused(s, msg(certs.a!, { ...certs.b!, signers: computeZkSignerBitmap([0, 1, 2], CAPACITY) ^ 0b1n }), /INVALID_CERTIFICATE/); // a bitmap the proof does not support
  expectRefused(s, msg(certs.a!, { ...certs.b!, validatorSetRoot: 12345n }), /WRONG_VALIDATOR_SET.*INVALID_CERTIFICATE/);
});

test("the SDK rule alone gives the same verdicts", () => {
  const set = setAt(chain(), H);
  const verify = { chainId: CHAIN_ID, verificationKeys: { quorum4: zk.verificationKey }, capacities: { quorum4: CAPACITY } };
  const ctx = { validatorSetRoot: computeZkValidatorSetRootOf(set.validators, CAPACITY), powers: set.validators.map((v) => v.power), verify };
  const g = assertZkForkGuilt({ a: { ...certs.a!, chainId: CHAIN_ID }, b: { ...certs.b!, chainId: CHAIN_ID } }, ctx);
  expect(g.guilty.map((i) => fixtureOf(set)[i]).sort()).toEqual([2, 3]);
  expect(3n * g.guiltyPower > g.totalPower).toBe(true);
  const code = (a: ZkCertificate, b: ZkCertificate) => {
    try {
      assertZkForkGuilt({ a: { ...a, chainId: CHAIN_ID }, b: { ...b, chainId: CHAIN_ID } }, ctx);
    } catch (e) {
      if (e instanceof ForkEvidenceError) return e.code;
      throw e;
    }
    return undefined;
  };
  expect([code(certs.a!, certs.aAgain!), code(certs.a!, certs.otherHeight!), code(certs.a!, certs.otherChain!)]).toEqual([
    "FORK_EVIDENCE_ERROR_NOT_CONFLICTING",
    "FORK_EVIDENCE_ERROR_NOT_CONFLICTING",
    "FORK_EVIDENCE_ERROR_INVALID_CERTIFICATE",
  ]);
});
