/**
 * A ZK tier that starts after genesis (decision 58). A hub whose genesis names its circuit and an
 * authority instead of a verification key gets the key later, once, by MsgActivateZk; the hub then
 * keeps, under ZK_ACTIVATION_STATE_KEY of its state, the key and the point its succinct tier starts
 * from (two blocks below the activation's, the newest whose hash its state holds when the message
 * runs: that block's height, time, hash and the Poseidon root of the set that signs the next). A light client that follows the BLS tier adopts both with a state
 * proof under the `stateRoot` of a header it has verified (verifyZkActivationProof), and starts its
 * ZK tier there (lightClient.ts addZkTrustRoot). The SDK owns the record's encoding; the hub writes it
 * with encodeZkActivation.
 */
import { fromHex, toHex } from "./bytes.js";
import { CanonicalReader, CanonicalReadError } from "./canonicalReader.js";
import { CanonicalWriter } from "./canonicalWriter.js";
import { HASH_LENGTH } from "./hash.js";
import { verifyStateProof } from "./stateProof.js";
import { assertNonDegenerateZkVerificationKey, BN254_BASE_FIELD, isZkCircuitName, ZK_PUBLIC_INPUTS, ZkCertificateError, type Groth16VerificationKey } from "./zkCertificate.js";
import { BN254_SCALAR_FIELD, ZK_MAX_CAPACITY } from "./zkFinality.js";

/** The hub state key of the activation record (zk module prefix range 0x50–0x5f). */
export const ZK_ACTIVATION_STATE_KEY: Uint8Array = Uint8Array.of(0x53);
/** Longest verification key JSON a MsgActivateZk may carry (a 9-input key is about 3.5 KB). */
export const ZK_MAX_VERIFICATION_KEY_JSON_LENGTH = 16_384;
const DOMAIN = "aegis/zk-activation/v1";

/** Where a light client's ZK tier starts: a hub block (its height, signed time, hash) and the root of the set that signs the next. */
export interface ZkActivationTrust {
  height: number;
  time: number;
  /** All zero at height 0 (the genesis). */
  blockHash: Uint8Array;
  nextValidatorSetRoot: bigint;
}

/** The hub's record of its succinct tier's activation. */
export interface ZkActivation {
  circuit: string;
  capacity: number;
  verificationKey: Groth16VerificationKey;
  /** Two blocks below the activation's (height 0: the genesis); certificates are of heights above it. */
  trust: ZkActivationTrust;
}

const malformed = (field: string, reason: string) => new ZkCertificateError({ code: "ZK_CERT_ERROR_MALFORMED", field, reason }, `${field}: ${reason}`);
/** A coordinate as snarkjs writes it: a decimal without leading zeros, below the base field (one key, one JSON). */
const decimalString = (v: unknown) => typeof v === "string" && /^(0|[1-9][0-9]{0,76})$/.test(v) && BigInt(v) < BN254_BASE_FIELD;

/**
 * A snarkjs Groth16 bn128 verification key for the quorum circuit's public inputs, reduced to the
 * fields a verifier reads in a fixed order (so its JSON is one string for one key). Throws
 * ZK_CERT_ERROR_MALFORMED (`field` names where) for any other shape, ZK_CERT_ERROR_DEGENERATE_KEY for
 * a key that proves anything. What the genesis, MsgActivateZk and the activation record accept.
 */
export function parseZkVerificationKey(raw: unknown, field = "verificationKey"): Groth16VerificationKey {
  const vk = raw as Groth16VerificationKey;
  const g1 = (p: unknown) => Array.isArray(p) && p.length === 3 && p.every(decimalString);
  const g2 = (p: unknown) => Array.isArray(p) && p.length === 3 && p.every((c) => Array.isArray(c) && c.length === 2 && c.every(decimalString));
  if (
    !vk || typeof vk !== "object" || vk.protocol !== "groth16" || vk.curve !== "bn128" || vk.nPublic !== ZK_PUBLIC_INPUTS.length ||
    !g1(vk.vk_alpha_1) || !g2(vk.vk_beta_2) || !g2(vk.vk_gamma_2) || !g2(vk.vk_delta_2) ||
    !Array.isArray(vk.IC) || vk.IC.length !== ZK_PUBLIC_INPUTS.length + 1 || !vk.IC.every(g1)
  ) {
    throw malformed(field, `not a snarkjs Groth16 bn128 verification key with ${ZK_PUBLIC_INPUTS.length} public inputs`);
  }
  const key: Groth16VerificationKey = {
    protocol: "groth16",
    curve: "bn128",
    nPublic: vk.nPublic,
    vk_alpha_1: [...vk.vk_alpha_1],
    vk_beta_2: vk.vk_beta_2.map((c) => [...c]),
    vk_gamma_2: vk.vk_gamma_2.map((c) => [...c]),
    vk_delta_2: vk.vk_delta_2.map((c) => [...c]),
    IC: vk.IC.map((p) => [...p]),
  };
  assertNonDegenerateZkVerificationKey(key);
  return key;
}

function assertTrust(t: ZkActivationTrust, field: string): void {
  if (!Number.isSafeInteger(t.height) || t.height < 0) throw malformed(`${field}.height`, "not a height");
  if (!Number.isSafeInteger(t.time) || t.time < 0) throw malformed(`${field}.time`, "not a Unix ms time");
  if (!(t.blockHash instanceof Uint8Array) || t.blockHash.length !== HASH_LENGTH) throw malformed(`${field}.blockHash`, `not ${HASH_LENGTH} bytes`);
  if (t.height === 0 !== t.blockHash.every((b) => b === 0)) throw malformed(`${field}.blockHash`, "all zero at height 0, and only there");
  if (typeof t.nextValidatorSetRoot !== "bigint" || t.nextValidatorSetRoot < 0n || t.nextValidatorSetRoot >= BN254_SCALAR_FIELD) throw malformed(`${field}.nextValidatorSetRoot`, "not a field element");
}

function assertCircuit(circuit: unknown, capacity: unknown): void {
  if (!isZkCircuitName(circuit)) throw malformed("zkActivation.circuit", "not a circuit name");
  if (!Number.isSafeInteger(capacity) || (capacity as number) < 1 || (capacity as number) > ZK_MAX_CAPACITY || ((capacity as number) & ((capacity as number) - 1)) !== 0) {
    throw malformed("zkActivation.capacity", `not a power of two from 1 to ${ZK_MAX_CAPACITY}`);
  }
}

/** The record's canonical bytes (what the hub stores under ZK_ACTIVATION_STATE_KEY). Throws ZK_CERT_ERROR_MALFORMED for a bad record. */
export function encodeZkActivation(a: ZkActivation): Uint8Array {
  assertCircuit(a.circuit, a.capacity);
  assertTrust(a.trust, "zkActivation.trust");
  const key = parseZkVerificationKey(a.verificationKey, "zkActivation.verificationKey");
  const root = a.trust.nextValidatorSetRoot.toString(16).padStart(64, "0");
  return new CanonicalWriter()
    .string(DOMAIN)
    .string(a.circuit)
    .u32(a.capacity, "capacity")
    .string(JSON.stringify(key))
    .u64(a.trust.height, "trust.height")
    .u64(a.trust.time, "trust.time")
    .fixed(a.trust.blockHash, HASH_LENGTH, "trust.blockHash")
    .fixed(fromHex(root, "trust.nextValidatorSetRoot", 32), 32, "trust.nextValidatorSetRoot")
    .finish();
}

/** Decodes (and checks) a record; ZK_CERT_ERROR_MALFORMED for anything encodeZkActivation would not have written. */
export function decodeZkActivation(bytes: Uint8Array): ZkActivation {
  try {
    const r = new CanonicalReader(bytes);
    if (r.string("domain", 64) !== DOMAIN) throw malformed("zkActivation", "not an activation record");
    const circuit = r.string("circuit", 64);
    const capacity = r.u32("capacity");
    const keyJson = r.string("verificationKey", ZK_MAX_VERIFICATION_KEY_JSON_LENGTH);
    const trust = { height: r.u53("trust.height"), time: r.u53("trust.time"), blockHash: r.fixed(HASH_LENGTH, "trust.blockHash"), nextValidatorSetRoot: BigInt("0x" + toHex(r.fixed(32, "trust.nextValidatorSetRoot"))) };
    r.end();
    assertCircuit(circuit, capacity);
    assertTrust(trust, "zkActivation.trust");
    let parsed: unknown;
    try {
      parsed = JSON.parse(keyJson);
    } catch {
      throw malformed("zkActivation.verificationKey", "not JSON");
    }
    const verificationKey = parseZkVerificationKey(parsed, "zkActivation.verificationKey");
    if (JSON.stringify(verificationKey) !== keyJson) throw malformed("zkActivation.verificationKey", "not in its canonical form");
    return { circuit, capacity, verificationKey, trust };
  } catch (e) {
    if (e instanceof CanonicalReadError) throw malformed("zkActivation", e.message);
    throw e;
  }
}

/**
 * The activation record proven by `proof` (the hub's GET /zk/activation) in the state whose root is
 * `stateRoot` — the `stateRoot` of a header the caller has verified (BLS tier) — or null when the
 * proof shows the hub not activated at that height. Throws STATE_ERROR_INVALID_PROOF (StateProofError)
 * when the proof does not lead from the root, ZK_CERT_ERROR_MALFORMED when the proven value is not a
 * record. Pure (no I/O).
 */
export async function verifyZkActivationProof(stateRoot: Uint8Array, proof: readonly Uint8Array[]): Promise<ZkActivation | null> {
  const value = await verifyStateProof(stateRoot, ZK_ACTIVATION_STATE_KEY, proof);
  return value === null ? null : decodeZkActivation(value);
}
