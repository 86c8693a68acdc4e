import type { PublicKey as HerumiPublicKey, Signature as HerumiSignature } from "@chainsafe/bls/types";
import { CanonicalWriter } from "./canonicalWriter.js";
import { toHex } from "./bytes.js";

/**
 * The one place that touches a BLS library. BLS12-381 with Ethereum's ciphersuite
 * (BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_): 48-byte public keys in G1, 96-byte signatures in G2.
 *
 * Two interchangeable backends: `blst-native` (@chainsafe/blst, supranational's blst through N-API,
 * what Lodestar runs; ~5x faster) where it loads, i.e. in Node on platforms with a prebuilt binary,
 * and `herumi` (@chainsafe/bls, WASM) everywhere else, browsers included. Both produce and accept the
 * same bytes (tested against each other).
 */
export const BLS_PUBLIC_KEY_LENGTH = 48;
export const BLS_SIGNATURE_LENGTH = 96;
export const BLS_SECRET_KEY_LENGTH = 32;

export type BlsBackendName = "blst-native" | "herumi";

interface BlsBackend {
  readonly name: BlsBackendName;
  /** Deserializes and validates (on curve, in subgroup, not infinity); null when invalid. */
  publicKey(bytes: Uint8Array): unknown | null;
  /** Deserializes and validates a signature; null when invalid. */
  signature(bytes: Uint8Array): unknown | null;
  verify(pk: unknown, msg: Uint8Array, sig: unknown): boolean;
  fastAggregateVerify(pks: unknown[], msg: Uint8Array, sig: unknown): boolean;
  aggregateSignatures(sigs: Uint8Array[]): Uint8Array;
  sign(secretKey: Uint8Array, msg: Uint8Array): Uint8Array;
  publicKeyFromSecret(secretKey: Uint8Array): Uint8Array;
  keygen(entropy: Uint8Array): Uint8Array;
}

// The herumi implementation itself (the package root picks @chainsafe/bls' own blst-native wrapper in
// Node, so the "herumi" backend was blst there, and makes browser bundlers follow its native imports).
// Loaded only when it is used: compiling its WASM is about 200 ms of every process's start, and in
// Node blst-native serves instead.
type Herumi = (typeof import("@chainsafe/bls/herumi"))["default"];
let herumiModule: Herumi | null = null;
const herumiLib = (): Herumi => {
  if (!herumiModule) throw new Error("the herumi BLS backend is not loaded (useBlsBackend(\"herumi\") loads it)");
  return herumiModule;
};
async function loadHerumi(): Promise<void> {
  herumiModule ??= (await import("@chainsafe/bls/herumi")).default;
}

const herumiBackend: BlsBackend = {
  name: "herumi",
  publicKey(bytes) {
    try {
      return herumiLib().PublicKey.fromBytes(bytes, undefined, true);
    } catch {
      return null;
    }
  },
  signature(bytes) {
    try {
      return herumiLib().Signature.fromBytes(bytes, undefined, true);
    } catch {
      return null;
    }
  },
  verify(pk, msg, sig) {
    return (sig as HerumiSignature).verify(pk as HerumiPublicKey, msg);
  },
  fastAggregateVerify(pks, msg, sig) {
    return (sig as HerumiSignature).verifyAggregate(pks as HerumiPublicKey[], msg);
  },
  aggregateSignatures: (sigs) => herumiLib().aggregateSignatures(sigs),
  sign: (sk, msg) => herumiLib().sign(sk, msg),
  publicKeyFromSecret: (sk) => herumiLib().secretKeyToPublicKey(sk),
  keygen: (entropy) => herumiLib().SecretKey.fromKeygen(entropy).toBytes(),
};

type Blst = typeof import("@chainsafe/blst");

function createBlstBackend(blst: Blst): BlsBackend {
  return {
    name: "blst-native",
    publicKey(bytes) {
      try {
        return blst.PublicKey.fromBytes(bytes, true);
      } catch {
        return null;
      }
    },
    signature(bytes) {
      try {
        return blst.Signature.fromBytes(bytes, true, true);
      } catch {
        return null;
      }
    },
    verify: (pk, msg, sig) => blst.verify(msg, pk as InstanceType<Blst["PublicKey"]>, sig as InstanceType<Blst["Signature"]>),
    fastAggregateVerify: (pks, msg, sig) =>
      blst.fastAggregateVerify(msg, pks as InstanceType<Blst["PublicKey"]>[], sig as InstanceType<Blst["Signature"]>),
    aggregateSignatures: (sigs) => blst.aggregateSerializedSignatures(sigs, true).toBytes(true),
    sign: (sk, msg) => blst.SecretKey.fromBytes(sk).sign(msg).toBytes(true),
    publicKeyFromSecret: (sk) => blst.SecretKey.fromBytes(sk).toPublicKey().toBytes(true),
    keygen: (entropy) => blst.SecretKey.fromKeygen(entropy).toBytes(),
  };
}

let blstBackend: BlsBackend | null = null;
try {
  const blst: Blst = await import("@chainsafe/blst");
  // Browser bundles get an empty module here (package.json "browser": { "@chainsafe/blst": false }).
  if (typeof blst.verify === "function" && typeof blst.PublicKey?.fromBytes === "function") blstBackend = createBlstBackend(blst);
} catch {
  blstBackend = null; // no native binary here (browser, unsupported platform): herumi WASM it is
}

if (!blstBackend) await loadHerumi();
let backend: BlsBackend = blstBackend ?? herumiBackend;
let publicKeyCache = new Map<string, unknown>();
const PUBLIC_KEY_CACHE_MAX = 4096;

export function getBlsBackendName(): BlsBackendName {
  return backend.name;
}

/** Which backends load here. */
export function getAvailableBlsBackends(): BlsBackendName[] {
  return blstBackend ? ["blst-native", "herumi"] : ["herumi"];
}

/** Switches backend, loading it first (tests cross-check them; a deployment may pin one). */
export async function useBlsBackend(name: BlsBackendName): Promise<void> {
  if (name === "herumi") await loadHerumi();
  const next = name === "blst-native" ? blstBackend : herumiBackend;
  if (!next) throw new Error(`BLS backend ${name} is not available here`);
  if (next !== backend) publicKeyCache = new Map();
  backend = next;
}

function getPublicKey(bytes: Uint8Array): unknown | null {
  if (bytes.length !== BLS_PUBLIC_KEY_LENGTH) return null;
  const key = toHex(bytes);
  const hit = publicKeyCache.get(key);
  if (hit) return hit;
  const pk = backend.publicKey(bytes);
  if (!pk) return null;
  if (publicKeyCache.size >= PUBLIC_KEY_CACHE_MAX) publicKeyCache.clear();
  publicKeyCache.set(key, pk);
  return pk;
}

export function isValidBlsPublicKey(bytes: Uint8Array): boolean {
  return getPublicKey(bytes) !== null;
}

export function blsVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const pk = getPublicKey(publicKey);
  if (!pk || signature.length !== BLS_SIGNATURE_LENGTH) return false;
  const sig = backend.signature(signature);
  if (!sig) return false;
  try {
    return backend.verify(pk, message, sig);
  } catch {
    return false;
  }
}

/**
 * Verifies one signature by many keys over one message (keys aggregated, one pairing check).
 * Safe against rogue keys only because every key in a validator set carries a proof of possession.
 */
export function blsVerifyAggregate(publicKeys: readonly Uint8Array[], message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKeys.length === 0 || signature.length !== BLS_SIGNATURE_LENGTH) return false;
  const pks: unknown[] = [];
  for (const b of publicKeys) {
    const pk = getPublicKey(b);
    if (!pk) return false;
    pks.push(pk);
  }
  const sig = backend.signature(signature);
  if (!sig) return false;
  try {
    return backend.fastAggregateVerify(pks, message, sig);
  } catch {
    return false;
  }
}

/** Aggregates signatures; throws on a malformed one. */
export function blsAggregateSignatures(signatures: readonly Uint8Array[]): Uint8Array {
  return backend.aggregateSignatures([...signatures]);
}

export interface BlsKeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

export function createBlsKeyPair(entropy?: Uint8Array): BlsKeyPair {
  const ikm = entropy ?? crypto.getRandomValues(new Uint8Array(32));
  const secretKey = backend.keygen(ikm);
  return { secretKey, publicKey: backend.publicKeyFromSecret(secretKey) };
}

export function blsPublicKeyFromSecret(secretKey: Uint8Array): Uint8Array {
  return backend.publicKeyFromSecret(secretKey);
}

export function blsSign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return backend.sign(secretKey, message);
}

/**
 * Domain of the proof of possession, apart from every other signed message (votes, proposals):
 * both BLS backends fix the hash-to-curve DST to the ciphersuite's, so the separation is this
 * length-prefixed domain string at the start of the message. v2 binds the operator; a v1 proof
 * (domain ‖ key, no operator) never verifies.
 */
export const BLS_POP_DOMAIN = "aegis/bls-pop/v2";
/** Length of the operator address a proof of possession is bound to (an account / aegisvaloper address's bytes). */
export const BLS_POP_OPERATOR_LENGTH = 20;

/**
 * Message a validator signs to prove it holds the secret key of `publicKey` (blocks rogue-key
 * attacks): domain ‖ key ‖ operator address. Bound to the operator, as the attestation key's
 * proof is (decision 20), so nobody can copy a pending registration's key and proof and register
 * them first under an operator of their own. Throws EncodingError on a wrong length.
 */
export function computeBlsPopMessage(publicKey: Uint8Array, operator: Uint8Array): Uint8Array {
  return new CanonicalWriter()
    .string(BLS_POP_DOMAIN)
    .fixed(publicKey, BLS_PUBLIC_KEY_LENGTH, "publicKey")
    .fixed(operator, BLS_POP_OPERATOR_LENGTH, "operator")
    .finish();
}

/** The proof of possession of `secretKey`'s public key for the validator operated by `operator` (20 bytes). */
export function createBlsProofOfPossession(secretKey: Uint8Array, operator: Uint8Array): Uint8Array {
  return blsSign(secretKey, computeBlsPopMessage(blsPublicKeyFromSecret(secretKey), operator));
}

/** Whether `proof` proves possession of `publicKey` for `operator` (lengths first, then the pairing). */
export function isValidBlsProofOfPossession(publicKey: Uint8Array, operator: Uint8Array, proof: Uint8Array): boolean {
  if (publicKey.length !== BLS_PUBLIC_KEY_LENGTH || operator.length !== BLS_POP_OPERATOR_LENGTH || proof.length !== BLS_SIGNATURE_LENGTH) return false;
  return blsVerify(publicKey, computeBlsPopMessage(publicKey, operator), proof);
}
