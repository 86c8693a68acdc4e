import { randomBytes } from "node:crypto";
import { AegisError, decodeZkAttestationSignature, toHex, verifyZkAttestationSignature, type ZkAttestationSignature } from "@aegis/consumer-sdk";
import { buildEddsa, type Eddsa } from "circomlibjs";

/**
 * Attestation keys: BabyJubJub EdDSA-Poseidon keys (circomlib's EdDSAPoseidonVerifier checks their
 * signatures inside the finality circuit). A validator registers its public key (packed point, 32
 * bytes) with a proof of possession: its signature over Poseidon(POP_DOMAIN, Ax, Ay, operator), which
 * binds the key to the operator that registers it (nobody can register someone else's key first).
 * The hub refuses a key that is not a point of the prime-order subgroup, or the identity: the
 * circuit alone checks neither (../shared/NOTES.md).
 */
export const ATTESTATION_SECRET_KEY_LENGTH = 32;
export const ATTESTATION_PUBLIC_KEY_LENGTH = 32;
/** Packed R8 (32) || S (32, little endian). */
export const ATTESTATION_SIGNATURE_LENGTH = 64;

/** Domain tag of the proof of possession, a field element (the ASCII bytes, big endian). */
export const ATTESTATION_POP_DOMAIN = BigInt("0x" + Buffer.from("aegis/attestation-pop/v1").toString("hex"));

export type AttestationErrorType =
  | { code: "ATTESTATION_ERROR_NOT_INITIALIZED" }
  | { code: "ATTESTATION_ERROR_INVALID_KEY"; reason: string };
export class AttestationError extends AegisError<AttestationErrorType> {}

type Point = ReturnType<Eddsa["prv2pub"]>;
interface BabyJubOps {
  F: { toObject(x: Uint8Array): bigint; e(x: bigint): Uint8Array };
  packPoint(p: Point): Uint8Array;
  unpackPoint(b: Uint8Array): Point | null;
  inCurve(p: Point): boolean;
  inSubgroup(p: Point): boolean;
}

let eddsa: Eddsa | null = null;
let building: Promise<Eddsa> | null = null;

/** Builds the BabyJubJub / Poseidon tables once (about 0.7 s); every other function here needs it done. */
export async function initAttestationCrypto(): Promise<void> {
  if (eddsa) return;
  building ??= buildEddsa();
  eddsa = await building;
}

function ops(): { eddsa: Eddsa; babyJub: BabyJubOps } {
  if (!eddsa) throw new AttestationError({ code: "ATTESTATION_ERROR_NOT_INITIALIZED" }, "call initAttestationCrypto() first");
  return { eddsa, babyJub: eddsa.babyJub as unknown as BabyJubOps };
}

export interface AttestationKeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/** A new key pair (from 32 random bytes, or from `secretKey` when given). */
export function createAttestationKeyPair(secretKey: Uint8Array = new Uint8Array(randomBytes(ATTESTATION_SECRET_KEY_LENGTH))): AttestationKeyPair {
  if (secretKey.length !== ATTESTATION_SECRET_KEY_LENGTH) throw new RangeError(`attestation secret key must be ${ATTESTATION_SECRET_KEY_LENGTH} bytes`);
  const { eddsa: e, babyJub } = ops();
  return { secretKey: new Uint8Array(secretKey), publicKey: new Uint8Array(babyJub.packPoint(e.prv2pub(Buffer.from(secretKey)))) };
}

/**
 * The point of a packed public key; throws ATTESTATION_ERROR_INVALID_KEY when it is not 32 bytes, not
 * a point of the curve, not in the prime-order subgroup, or the identity.
 */
export function decodeAttestationPublicKey(publicKey: Uint8Array): Point {
  const bad = (reason: string) => new AttestationError({ code: "ATTESTATION_ERROR_INVALID_KEY", reason }, `attestation public key: ${reason}`);
  if (publicKey.length !== ATTESTATION_PUBLIC_KEY_LENGTH) throw bad(`must be ${ATTESTATION_PUBLIC_KEY_LENGTH} bytes, got ${publicKey.length}`);
  const { babyJub } = ops();
  let p: Point | null;
  try {
    p = babyJub.unpackPoint(new Uint8Array(publicKey)); // a copy: circomlibjs clears the sign bit of its argument in place
  } catch {
    p = null;
  }
  if (!p || !babyJub.inCurve(p)) throw bad("not a point of BabyJubJub");
  // A packed encoding is canonical only when packing the point gives the same bytes back.
  if (toHex(babyJub.packPoint(p)) !== toHex(publicKey)) throw bad("not a canonical encoding");
  if (!babyJub.inSubgroup(p)) throw bad("not in the prime-order subgroup");
  if (babyJub.F.toObject(p[0]) === 0n && babyJub.F.toObject(p[1]) === 1n) throw bad("the identity point");
  return p;
}

function popMessage(p: Point, operator: Uint8Array): Uint8Array {
  const { eddsa: e, babyJub } = ops();
  return e.poseidon([ATTESTATION_POP_DOMAIN, babyJub.F.toObject(p[0]), babyJub.F.toObject(p[1]), BigInt("0x" + (toHex(operator) || "0"))]);
}

/** The proof of possession of `secretKey`'s public key, bound to the operator (20 bytes) registering it. */
export function createAttestationProofOfPossession(secretKey: Uint8Array, operator: Uint8Array): Uint8Array {
  const { eddsa: e } = ops();
  const prv = Buffer.from(secretKey);
  const sig = e.signPoseidon(prv, popMessage(e.prv2pub(prv), operator));
  return new Uint8Array(e.packSignature(sig));
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
  if (proof.length !== ATTESTATION_SIGNATURE_LENGTH) return false;
  let p: Point;
  try {
    p = decodeAttestationPublicKey(publicKey);
  } catch (e) {
    if (e instanceof AttestationError && e.code === "ATTESTATION_ERROR_INVALID_KEY") return false;
    throw e;
  }
  const { eddsa: e } = ops();
  try {
    const sig = e.unpackSignature(Buffer.from(proof)); // Buffer.from copies (unpacking R8 writes into its input)
    if (!sig.R8) return false;
    return e.verifyPoseidon(popMessage(p, operator), sig, p);
  } catch {
    return false;
  }
}

/** The slot coordinates of a (checked) packed attestation public key: what the ZK set root commits to. */
export function getAttestationPoint(publicKey: Uint8Array): { ax: bigint; ay: bigint } {
  const { babyJub } = ops();
  const p = decodeAttestationPublicKey(publicKey);
  return { ax: babyJub.F.toObject(p[0]), ay: babyJub.F.toObject(p[1]) };
}

/**
 * A validator's attestation: its EdDSA-Poseidon signature over a finality message (the SDK's
 * computeFinalityMessage), packed R8 || S (64 bytes).
 */
export function signFinalityMessage(secretKey: Uint8Array, message: bigint): Uint8Array {
  if (secretKey.length !== ATTESTATION_SECRET_KEY_LENGTH) throw new RangeError(`attestation secret key must be ${ATTESTATION_SECRET_KEY_LENGTH} bytes`);
  const { eddsa: e } = ops();
  return new Uint8Array(e.packSignature(e.signPoseidon(Buffer.from(secretKey), e.F.e(message))));
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
