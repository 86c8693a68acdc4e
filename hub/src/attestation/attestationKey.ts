import { randomBytes } from "node:crypto";
import { bytesToNumberLE, numberToBytesLE } from "@noble/curves/utils.js";
import { blake512 } from "@noble/hashes/blake1.js";
import { poseidon4 } from "poseidon-lite/poseidon4";
import { poseidon5 } from "poseidon-lite/poseidon5";
import {
  AegisError,
  BABYJUBJUB_SUBGROUP_ORDER,
  BN254_SCALAR_FIELD,
  decodeBabyJubJubPoint,
  decodeZkAttestationSignature,
  encodeBabyJubJubPoint,
  isBabyJubJubSubgroupPoint,
  mulBabyJubJubBase8,
  toHex,
  verifyZkAttestationSignature,
  type ZkAttestationSignature,
} from "@aegis/consumer-sdk";

/**
 * Attestation keys: BabyJubJub EdDSA-Poseidon keys (circomlib's EdDSAPoseidonVerifier checks their
 * signatures inside the finality circuit). A validator registers its public key (packed point, 32
 * bytes) with a proof of possession: its signature over Poseidon(POP_DOMAIN, Ax, Ay, operator), which
 * binds the key to the operator that registers it (nobody can register someone else's key first).
 * The hub refuses a key that is not a point of the prime-order subgroup, or the identity: the
 * circuit alone checks neither (../shared/NOTES.md).
 *
 * Keys and signatures are circomlibjs' (`prv2pub`, `signPoseidon`, `packPoint`, `packSignature`) byte
 * for byte — the tests hold them to circomlibjs — computed with the SDK's @noble/curves arithmetic,
 * @noble/hashes' BLAKE-512 and poseidon-lite: a signature in ~1 ms instead of ~28 ms, and no tables to
 * build at start-up.
 */
export const ATTESTATION_SECRET_KEY_LENGTH = 32;
export const ATTESTATION_PUBLIC_KEY_LENGTH = 32;
/** Packed R8 (32) || S (32, little endian). */
export const ATTESTATION_SIGNATURE_LENGTH = 64;

/** Domain tag of the proof of possession, a field element (the ASCII bytes, big endian). */
export const ATTESTATION_POP_DOMAIN = BigInt("0x" + Buffer.from("aegis/attestation-pop/v1").toString("hex"));

/** Codes are never reused: ATTESTATION_ERROR_NOT_INITIALIZED is retired (nothing needs initialising since decision 27). */
export type AttestationErrorType = { code: "ATTESTATION_ERROR_INVALID_KEY"; reason: string };
export class AttestationError extends AegisError<AttestationErrorType> {}

/** An affine point of BabyJubJub. */
export interface AttestationPoint {
  x: bigint;
  y: bigint;
}

export interface AttestationKeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/** circomlibjs' secret expansion: BLAKE-512 of the key, its first half pruned into the scalar s, its second half the nonce prefix. */
function expandSecretKey(secretKey: Uint8Array): { s: bigint; publicPoint: AttestationPoint; prefix: Uint8Array } {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== ATTESTATION_SECRET_KEY_LENGTH) {
    throw new RangeError(`attestation secret key must be ${ATTESTATION_SECRET_KEY_LENGTH} bytes`);
  }
  const h = blake512(secretKey);
  const sBytes = h.slice(0, 32);
  sBytes[0]! &= 0xf8;
  sBytes[31]! &= 0x7f;
  sBytes[31]! |= 0x40;
  const s = bytesToNumberLE(sBytes);
  // A = (s >> 3)·B8; B8 has the subgroup's order, so the scalar may be reduced by it first.
  return { s, publicPoint: mulBabyJubJubBase8((s >> 3n) % BABYJUBJUB_SUBGROUP_ORDER), prefix: h.slice(32) };
}

/** A new key pair (from 32 random bytes, or from `secretKey` when given). */
export function createAttestationKeyPair(secretKey: Uint8Array = new Uint8Array(randomBytes(ATTESTATION_SECRET_KEY_LENGTH))): AttestationKeyPair {
  const { publicPoint } = expandSecretKey(secretKey);
  return { secretKey: new Uint8Array(secretKey), publicKey: encodeBabyJubJubPoint(publicPoint) };
}

/**
 * The point of a packed public key; throws ATTESTATION_ERROR_INVALID_KEY when it is not 32 bytes, not
 * a point of the curve, not canonically encoded, not in the prime-order subgroup, or the identity.
 */
export function decodeAttestationPublicKey(publicKey: Uint8Array): AttestationPoint {
  const bad = (reason: string) => new AttestationError({ code: "ATTESTATION_ERROR_INVALID_KEY", reason }, `attestation public key: ${reason}`);
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ATTESTATION_PUBLIC_KEY_LENGTH) {
    throw bad(`must be ${ATTESTATION_PUBLIC_KEY_LENGTH} bytes, got ${publicKey?.length}`);
  }
  const p = decodeBabyJubJubPoint(publicKey);
  if (!p) throw bad("not a point of BabyJubJub");
  // A packed encoding is canonical only when packing the point gives the same bytes back.
  if (toHex(encodeBabyJubJubPoint(p)) !== toHex(publicKey)) throw bad("not a canonical encoding");
  if (!isBabyJubJubSubgroupPoint(p)) throw bad("not in the prime-order subgroup");
  if (p.x === 0n && p.y === 1n) throw bad("the identity point");
  return p;
}

/** EdDSA-Poseidon (circomlibjs signPoseidon) of a field element, packed R8 || S. */
function signPoseidon(secretKey: Uint8Array, message: bigint): Uint8Array {
  if (typeof message !== "bigint" || message < 0n || message >= BN254_SCALAR_FIELD) throw new RangeError("the message must be a field element");
  const { s, publicPoint: a, prefix } = expandSecretKey(secretKey);
  const nonceInput = new Uint8Array(64);
  nonceInput.set(prefix, 0);
  nonceInput.set(numberToBytesLE(message, 32), 32);
  const r = bytesToNumberLE(blake512(nonceInput)) % BABYJUBJUB_SUBGROUP_ORDER;
  const r8 = mulBabyJubJubBase8(r);
  const h = poseidon5([r8.x, r8.y, a.x, a.y, message]);
  const sig = new Uint8Array(ATTESTATION_SIGNATURE_LENGTH);
  sig.set(encodeBabyJubJubPoint(r8), 0);
  sig.set(numberToBytesLE((r + h * s) % BABYJUBJUB_SUBGROUP_ORDER, 32), 32);
  return sig;
}

function popMessage(p: AttestationPoint, operator: Uint8Array): bigint {
  return poseidon4([ATTESTATION_POP_DOMAIN, p.x, p.y, BigInt("0x" + (toHex(operator) || "0"))]);
}

/** The proof of possession of `secretKey`'s public key, bound to the operator (20 bytes) registering it. */
export function createAttestationProofOfPossession(secretKey: Uint8Array, operator: Uint8Array): Uint8Array {
  return signPoseidon(secretKey, popMessage(expandSecretKey(secretKey).publicPoint, operator));
}

/** Results of proof checks (a pure function of their bytes): a block executed on several candidates, CheckTx then delivery, check once. */
const checkedProofs = new Map<string, boolean>();
const MAX_CHECKED_PROOFS = 1024;

/** True when `proof` is the key's signature over its proof-of-possession message for `operator`. Never throws on bad bytes. */
export function isValidAttestationProofOfPossession(publicKey: Uint8Array, operator: Uint8Array, proof: Uint8Array): boolean {
  const key = `${toHex(publicKey)}/${toHex(operator)}/${toHex(proof)}`;
  let ok = checkedProofs.get(key);
  if (ok === undefined) {
    ok = checkProofOfPossession(publicKey, operator, proof);
    if (checkedProofs.size >= MAX_CHECKED_PROOFS) checkedProofs.clear();
    checkedProofs.set(key, ok);
  }
  return ok;
}

function checkProofOfPossession(publicKey: Uint8Array, operator: Uint8Array, proof: Uint8Array): boolean {
  const sig = decodeZkAttestationSignature(proof);
  if (sig === null) return false;
  let p: AttestationPoint;
  try {
    p = decodeAttestationPublicKey(publicKey);
  } catch (e) {
    if (e instanceof AttestationError) return false;
    throw e;
  }
  return verifyZkAttestationSignature({ ax: p.x, ay: p.y }, popMessage(p, operator), sig);
}

/** The slot coordinates of a (checked) packed attestation public key: what the ZK set root commits to. */
export function getAttestationPoint(publicKey: Uint8Array): { ax: bigint; ay: bigint } {
  const p = decodeAttestationPublicKey(publicKey);
  return { ax: p.x, ay: p.y };
}

/**
 * A validator's attestation: its EdDSA-Poseidon signature over a finality message (the SDK's
 * computeFinalityMessage, a field element), packed R8 || S (64 bytes).
 */
export function signFinalityMessage(secretKey: Uint8Array, message: bigint): Uint8Array {
  return signPoseidon(secretKey, message);
}

/**
 * The circuit's view of a packed attestation signature (R8 affine, S), or null when the bytes are no
 * signature: wrong length, R8 not a point of the curve, S not below the subgroup order (the SDK's decoding).
 */
export function decodeFinalitySignature(signature: Uint8Array): ZkAttestationSignature | null {
  return decodeZkAttestationSignature(signature);
}

/** True when `signature` is the key's attestation of `message` (key checks here, the signature by the SDK's rule, ~3 ms). Never throws on bad bytes. */
export function isValidFinalitySignature(publicKey: Uint8Array, message: bigint, signature: Uint8Array): boolean {
  const sig = decodeZkAttestationSignature(signature);
  if (sig === null) return false;
  let key: { ax: bigint; ay: bigint };
  try {
    key = getAttestationPoint(publicKey);
  } catch (err) {
    if (err instanceof AttestationError) return false;
    throw err;
  }
  return verifyZkAttestationSignature(key, message, sig);
}
