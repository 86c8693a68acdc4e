import { poseidon2 } from "poseidon-lite/poseidon2";
import { poseidon3 } from "poseidon-lite/poseidon3";
import { poseidon8 } from "poseidon-lite/poseidon8";
import { AegisError } from "./errors.js";
import { sha256 } from "./hash.js";
import { bytesEqual, toHex, utf8 } from "./bytes.js";

/**
 * The values the succinct (Groth16) finality certificate is about, as the QuorumCertificate circuit
 * (circuits/src/quorumCertificate.circom) computes them. Every rule here has its twin in the
 * circuit; the circuit tests hold the two to the same answers.
 */

/** Order of the BN254 scalar field: every circuit signal is below it. */
export const BN254_SCALAR_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/**
 * "aegis/finality/v2" as a big-endian integer: the finality message's domain tag (v1 named neither the
 * block time nor the signing set, decision 29).
 */
export const ZK_FINALITY_DOMAIN = BigInt("0x" + toHex(utf8("aegis/finality/v2")));

/** Powers in a slot are below 2^64 (the circuit range-checks them). */
export const ZK_MAX_POWER = (1n << 64n) - 1n;

/** Largest circuit capacity: the signer bitmap is one field element. */
export const ZK_MAX_CAPACITY = 128;

export type ZkErrorType =
  | { code: "ZK_ERROR_INVALID_CAPACITY"; capacity: number }
  | { code: "ZK_ERROR_TOO_MANY_SLOTS"; slots: number; capacity: number }
  | { code: "ZK_ERROR_INVALID_SLOT"; index: number; reason: string }
  | { code: "ZK_ERROR_DUPLICATE_KEY"; index: number; firstIndex: number }
  | { code: "ZK_ERROR_INVALID_SIGNER"; index: number; capacity: number }
  | { code: "ZK_ERROR_INVALID_INPUT"; field: string; reason: string };

export class ZkError extends AegisError<ZkErrorType> {}

/** One slot of the committed validator set: a BabyJubJub attestation key (affine) and its power. */
export interface ZkValidatorSlot {
  ax: bigint;
  ay: bigint;
  power: bigint;
}

/** What an unused slot holds: the curve's identity point and no power. */
export const EMPTY_ZK_SLOT: Readonly<ZkValidatorSlot> = Object.freeze({ ax: 0n, ay: 1n, power: 0n });

function assertCapacity(capacity: number): void {
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > ZK_MAX_CAPACITY || (capacity & (capacity - 1)) !== 0) {
    throw new ZkError({ code: "ZK_ERROR_INVALID_CAPACITY", capacity }, `capacity ${capacity} is not a power of two from 1 to ${ZK_MAX_CAPACITY}`);
  }
}

function isField(x: bigint): boolean {
  return typeof x === "bigint" && x >= 0n && x < BN254_SCALAR_FIELD;
}

/** The field element standing for a hub chain id: the first 31 bytes of SHA-256(chain id), big endian. */
export function computeZkChainId(chainId: string): bigint {
  if (typeof chainId !== "string" || chainId.length === 0) throw new ZkError({ code: "ZK_ERROR_INVALID_INPUT", field: "chainId", reason: "empty" });
  return BigInt("0x" + toHex(sha256(utf8(chainId)).subarray(0, 31)));
}

/** A 32-byte block hash as two 128-bit limbs (a 256-bit hash does not fit the field). */
export function splitBlockHash(blockHash: Uint8Array): { hi: bigint; lo: bigint } {
  if (!(blockHash instanceof Uint8Array) || blockHash.length !== 32) throw new ZkError({ code: "ZK_ERROR_INVALID_INPUT", field: "blockHash", reason: "must be 32 bytes" });
  const hex = toHex(blockHash);
  return { hi: BigInt("0x" + hex.slice(0, 32)), lo: BigInt("0x" + hex.slice(32)) };
}

/** What a finality attestation and a ZK certificate are about: one committed hub block. */
export interface FinalityMessageInput {
  chainId: string;
  height: number | bigint;
  /** The block's header time, Unix ms: what a consumer's trusting period is measured from. */
  time: number | bigint;
  blockHash: Uint8Array;
  /** The ZK validator-set root of the set that signs this height (the signers'). */
  validatorSetRoot: bigint;
  /** The ZK validator-set root of the set that signs the next height. */
  nextValidatorSetRoot: bigint;
}

/** An integer from `min` to 2^64 - 1 (what the circuit's 64-bit range checks allow), as a bigint. */
function u64Of(value: number | bigint, field: string, min: bigint, unit = ""): bigint {
  const bad = () => new ZkError({ code: "ZK_ERROR_INVALID_INPUT", field, reason: `must be an integer from ${min} to 2^64 - 1${unit}` });
  if (typeof value === "number" ? !Number.isSafeInteger(value) : typeof value !== "bigint") throw bad();
  const x = BigInt(value);
  if (x < min || x > ZK_MAX_POWER) throw bad();
  return x;
}

const heightOf = (height: number | bigint) => u64Of(height, "height", 1n);
const timeOf = (time: number | bigint) => u64Of(time, "time", 0n, " (Unix ms)");

/**
 * What each validator's attestation key signs after a block commits: Poseidon(domain, chain id,
 * height, time, block hash limbs, signing set root, next set root).
 */
export function computeFinalityMessage(m: FinalityMessageInput): bigint {
  for (const f of ["validatorSetRoot", "nextValidatorSetRoot"] as const) {
    if (!isField(m[f])) throw new ZkError({ code: "ZK_ERROR_INVALID_INPUT", field: f, reason: "not a field element" });
  }
  const { hi, lo } = splitBlockHash(m.blockHash);
  return poseidon8([ZK_FINALITY_DOMAIN, computeZkChainId(m.chainId), heightOf(m.height), timeOf(m.time), hi, lo, m.validatorSetRoot, m.nextValidatorSetRoot]);
}

/** Two finality statements of one chain and height are the same statement (an attestation of both is a double attestation). */
export function isSameFinalityStatement(a: Omit<FinalityMessageInput, "chainId">, b: Omit<FinalityMessageInput, "chainId">): boolean {
  return (
    BigInt(a.height) === BigInt(b.height) &&
    BigInt(a.time) === BigInt(b.time) &&
    bytesEqual(a.blockHash, b.blockHash) &&
    a.validatorSetRoot === b.validatorSetRoot &&
    a.nextValidatorSetRoot === b.nextValidatorSetRoot
  );
}

/** Length of a prover's account address, the certificate's `prover`. */
export const ZK_PROVER_LENGTH = 20;

/** A prover's 20-byte account address as the circuit's public input (big-endian integer). */
export function computeZkProverField(prover: Uint8Array): bigint {
  if (!(prover instanceof Uint8Array) || prover.length !== ZK_PROVER_LENGTH) throw new ZkError({ code: "ZK_ERROR_INVALID_INPUT", field: "prover", reason: `must be ${ZK_PROVER_LENGTH} bytes` });
  return BigInt("0x" + (toHex(prover) || "0"));
}

/**
 * The slots of a set of `capacity`: the given ones, then empty slots. Refuses a coordinate outside the
 * field, a power of 2^64 or more, more slots than the capacity, and a key in two slots (the circuit
 * would count its power twice; it cannot tell by itself).
 */
export function padZkValidatorSlots(slots: readonly ZkValidatorSlot[], capacity: number): ZkValidatorSlot[] {
  assertCapacity(capacity);
  if (slots.length > capacity) throw new ZkError({ code: "ZK_ERROR_TOO_MANY_SLOTS", slots: slots.length, capacity });
  const seen = new Map<string, number>();
  slots.forEach((s, index) => {
    if (!isField(s.ax) || !isField(s.ay)) throw new ZkError({ code: "ZK_ERROR_INVALID_SLOT", index, reason: "key coordinate outside the field" });
    if (typeof s.power !== "bigint" || s.power < 1n || s.power > ZK_MAX_POWER) throw new ZkError({ code: "ZK_ERROR_INVALID_SLOT", index, reason: "power must be from 1 to 2^64 - 1" });
    if (s.ax === 0n) throw new ZkError({ code: "ZK_ERROR_INVALID_SLOT", index, reason: "the identity is no key" });
    const k = `${s.ax}/${s.ay}`;
    const first = seen.get(k);
    if (first !== undefined) throw new ZkError({ code: "ZK_ERROR_DUPLICATE_KEY", index, firstIndex: first });
    seen.set(k, index);
  });
  return [...slots.map((s) => ({ ...s })), ...Array.from({ length: capacity - slots.length }, () => ({ ...EMPTY_ZK_SLOT }))];
}

/** Poseidon Merkle root over the padded slots, leaves Poseidon(ax, ay, power): the circuit's validatorSetRoot. */
export function computeZkValidatorSetRoot(slots: readonly ZkValidatorSlot[], capacity: number): bigint {
  let level = padZkValidatorSlots(slots, capacity).map((s) => poseidon3([s.ax, s.ay, s.power]));
  while (level.length > 1) {
    const next: bigint[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(poseidon2([level[i]!, level[i + 1]!]));
    level = next;
  }
  return level[0]!;
}

/** The signer bitmap as the circuit's public input: bit i set when slot i signed. */
export function computeZkSignerBitmap(signers: Iterable<number>, capacity: number): bigint {
  assertCapacity(capacity);
  let bits = 0n;
  for (const index of signers) {
    if (!Number.isInteger(index) || index < 0 || index >= capacity) throw new ZkError({ code: "ZK_ERROR_INVALID_SIGNER", index, capacity });
    bits |= 1n << BigInt(index);
  }
  return bits;
}

/** The slot indices named by a signer bitmap, ascending. */
export function getZkSigners(bitmap: bigint, capacity: number): number[] {
  assertCapacity(capacity);
  if (bitmap < 0n || bitmap >> BigInt(capacity) !== 0n) throw new ZkError({ code: "ZK_ERROR_INVALID_INPUT", field: "signers", reason: `not a bitmap of ${capacity} slots` });
  const out: number[] = [];
  for (let i = 0; i < capacity; i++) if ((bitmap >> BigInt(i)) & 1n) out.push(i);
  return out;
}

/** A signer's EdDSA-Poseidon signature over the finality message (R8 affine, S). */
export interface ZkAttestationSignature {
  r8x: bigint;
  r8y: bigint;
  s: bigint;
}

/** What a disabled slot feeds the circuit's verifier (circomlib needs S below the order and R8 on the curve). */
const NO_SIGNATURE: Readonly<ZkAttestationSignature> = Object.freeze({ r8x: 0n, r8y: 1n, s: 0n });

/**
 * The quorum circuit's inputs (decimal strings, as snarkjs takes them) for `signatures[i]` by slot i
 * (absent: slot i did not sign), proved for `prover` (the 20-byte account its reward goes to). Only
 * the set's rules are checked here, and that the statement's signing set is these slots; whether the
 * signatures are valid and reach a quorum is the circuit's to decide.
 */
export function computeQuorumCircuitInput(
  slots: readonly ZkValidatorSlot[],
  signatures: ReadonlyMap<number, ZkAttestationSignature>,
  statement: FinalityMessageInput,
  capacity: number,
  prover: Uint8Array,
): Record<string, string | string[]> {
  const padded = padZkValidatorSlots(slots, capacity);
  const sigs = padded.map((_, i) => signatures.get(i) ?? NO_SIGNATURE);
  const { hi, lo } = splitBlockHash(statement.blockHash);
  const str = (xs: bigint[]) => xs.map((x) => x.toString());
  computeFinalityMessage(statement); // the statement's own checks (height, time, roots)
  const root = computeZkValidatorSetRoot(slots, capacity);
  if (root !== statement.validatorSetRoot) throw new ZkError({ code: "ZK_ERROR_INVALID_INPUT", field: "validatorSetRoot", reason: "not the root of these slots" });
  return {
    validatorSetRoot: root.toString(),
    nextValidatorSetRoot: statement.nextValidatorSetRoot.toString(),
    chainId: computeZkChainId(statement.chainId).toString(),
    height: BigInt(statement.height).toString(),
    time: timeOf(statement.time).toString(),
    blockHashHi: hi.toString(),
    blockHashLo: lo.toString(),
    signers: computeZkSignerBitmap(signatures.keys(), capacity).toString(),
    prover: computeZkProverField(prover).toString(),
    Ax: str(padded.map((s) => s.ax)),
    Ay: str(padded.map((s) => s.ay)),
    power: str(padded.map((s) => s.power)),
    R8x: str(sigs.map((s) => s.r8x)),
    R8y: str(sigs.map((s) => s.r8y)),
    S: str(sigs.map((s) => s.s)),
  };
}
