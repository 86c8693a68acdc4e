import { bn254 } from "@noble/curves/bn254.js";
import { AegisError } from "./errors.js";
import { fromHex, toHex } from "./bytes.js";
import { BN254_SCALAR_FIELD, computeZkChainId, getZkSigners, splitBlockHash, ZK_MAX_POWER } from "./zkFinality.js";

/**
 * The succinct finality certificate: a Groth16 proof (bn254) that validators holding more than 2/3
 * of the power of the set committed by `validatorSetRoot` signed the finality message of the block
 * (circuits/src/quorumCertificate.circom). Checking it costs the same for any number of validators.
 */
export interface ZkCertificate {
  /** The circuit that proved it (its verification key): circuits/circuits.json. */
  circuit: string;
  chainId: string;
  height: number;
  blockHash: Uint8Array;
  validatorSetRoot: bigint;
  nextValidatorSetRoot: bigint;
  /** Bit i set when slot i signed: two conflicting certificates name who signed both. */
  signers: bigint;
  /** A (64) || B (128, EVM order: x.c1, x.c0, y.c1, y.c0) || C (64), big-endian coordinates. */
  proof: Uint8Array;
}

/** A Groth16 verification key as snarkjs exports it (`zkey export verificationkey`). */
export interface Groth16VerificationKey {
  protocol: "groth16";
  curve: "bn128";
  nPublic: number;
  vk_alpha_1: string[];
  vk_beta_2: string[][];
  vk_gamma_2: string[][];
  vk_delta_2: string[][];
  IC: string[][];
}

/** A snarkjs Groth16 proof object (decimal strings, projective with z = 1). */
export interface SnarkjsGroth16Proof {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
  protocol?: string;
  curve?: string;
}

export const ZK_PROOF_LENGTH = 256;
/** Public inputs of the quorum circuit, in the order of its public signals. */
export const ZK_PUBLIC_INPUTS = ["validatorSetRoot", "nextValidatorSetRoot", "chainId", "height", "blockHashHi", "blockHashLo", "signers"] as const;

export type ZkCertificateErrorType =
  | { code: "ZK_CERT_ERROR_MALFORMED"; field: string; reason: string }
  | { code: "ZK_CERT_ERROR_UNKNOWN_CIRCUIT"; circuit: string }
  | { code: "ZK_CERT_ERROR_WRONG_CHAIN"; expected: string; actual: string }
  | { code: "ZK_CERT_ERROR_WRONG_VALIDATOR_SET"; expected: string; actual: string }
  | { code: "ZK_CERT_ERROR_INVALID_PROOF" };

export class ZkCertificateError extends AegisError<ZkCertificateErrorType> {}

const Fp = bn254.fields.Fp;
const Fp2 = bn254.fields.Fp2;
const Fp12 = bn254.fields.Fp12;
type G1 = InstanceType<typeof bn254.G1.Point>;
type G2 = InstanceType<typeof bn254.G2.Point>;

const malformed = (field: string, reason: string) => new ZkCertificateError({ code: "ZK_CERT_ERROR_MALFORMED", field, reason }, `ZK certificate ${field}: ${reason}`);

function readCoordinate(bytes: Uint8Array, offset: number, field: string): bigint {
  const x = BigInt("0x" + toHex(bytes.subarray(offset, offset + 32)));
  if (x >= Fp.ORDER) throw malformed(field, "coordinate not below the base field order");
  return x;
}

function g1(x: bigint, y: bigint, field: string): G1 {
  try {
    const p = bn254.G1.Point.fromAffine({ x, y });
    if (p.is0()) throw new Error("the point at infinity");
    p.assertValidity();
    return p;
  } catch (e) {
    throw malformed(field, `not a point of G1 (${(e as Error).message})`);
  }
}

function g2(x: [bigint, bigint], y: [bigint, bigint], field: string): G2 {
  try {
    const p = bn254.G2.Point.fromAffine({ x: Fp2.fromBigTuple(x), y: Fp2.fromBigTuple(y) });
    if (p.is0()) throw new Error("the point at infinity");
    p.assertValidity(); // on the curve and in the prime-order subgroup
    return p;
  } catch (e) {
    throw malformed(field, `not a point of G2 (${(e as Error).message})`);
  }
}

interface DecodedProof {
  a: G1;
  b: G2;
  c: G1;
}

/** Parses and validates a compact 256-byte proof (every point on its curve and in its subgroup). */
export function decodeZkProof(proof: Uint8Array): DecodedProof {
  if (!(proof instanceof Uint8Array) || proof.length !== ZK_PROOF_LENGTH) throw malformed("proof", `must be ${ZK_PROOF_LENGTH} bytes`);
  const w = (i: number, f: string) => readCoordinate(proof, 32 * i, f);
  const a = g1(w(0, "proof.a"), w(1, "proof.a"), "proof.a");
  const b = g2([w(3, "proof.b"), w(2, "proof.b")], [w(5, "proof.b"), w(4, "proof.b")], "proof.b");
  const c = g1(w(6, "proof.c"), w(7, "proof.c"), "proof.c");
  return { a, b, c };
}

const word = (x: string | bigint) => fromHex(BigInt(x).toString(16).padStart(64, "0"), "coordinate", 32);

/** A snarkjs proof as the compact 256 bytes (what the hub stores and an EVM verifier takes). */
export function encodeZkProof(p: SnarkjsGroth16Proof): Uint8Array {
  const [a, b, c] = [p.pi_a, p.pi_b, p.pi_c];
  if (a?.length !== 3 || c?.length !== 3 || b?.length !== 3 || a[2] !== "1" || c[2] !== "1" || b[2]?.[0] !== "1" || b[2]?.[1] !== "0") {
    throw malformed("proof", "not an affine snarkjs Groth16 proof");
  }
  const out = new Uint8Array(ZK_PROOF_LENGTH);
  [a[0]!, a[1]!, b[0]![1]!, b[0]![0]!, b[1]![1]!, b[1]![0]!, c[0]!, c[1]!].forEach((x, i) => out.set(word(x), 32 * i));
  decodeZkProof(out);
  return out;
}

type LinePrecomputes = ReturnType<typeof bn254.utils.calcPairingPrecomputes>;

/** A key made ready once: e(alpha, beta) computed, the fixed G2 points' line coefficients, windowed IC points. */
interface PreparedKey {
  alphaBeta: ReturnType<typeof bn254.pairing>;
  gamma: LinePrecomputes;
  delta: LinePrecomputes;
  ic: G1[];
}

const preparedKeys = new WeakMap<Groth16VerificationKey, PreparedKey>();

function prepareKey(vk: Groth16VerificationKey): PreparedKey {
  let k = preparedKeys.get(vk);
  if (k) return k;
  if (vk.protocol !== "groth16" || vk.curve !== "bn128") throw malformed("verificationKey", "not a Groth16 bn128 key");
  if (vk.nPublic !== ZK_PUBLIC_INPUTS.length || vk.IC?.length !== ZK_PUBLIC_INPUTS.length + 1) throw malformed("verificationKey", `not a key for ${ZK_PUBLIC_INPUTS.length} public inputs`);
  const p1 = (p: string[], f: string) => g1(BigInt(p[0]!), BigInt(p[1]!), f);
  const p2 = (p: string[][], f: string) => g2([BigInt(p[0]![0]!), BigInt(p[0]![1]!)], [BigInt(p[1]![0]!), BigInt(p[1]![1]!)], f);
  const ic = vk.IC.map((p, i) => p1(p, `verificationKey.IC[${i}]`));
  // Fixed-base windows of 4 bits: the 7 scalar products cost ~3 ms instead of ~15 (8 bits: ~1.6 ms,
  // but ~340 ms to build the tables, which a verifier that checks one certificate pays in full).
  for (const p of ic) p.precompute(4);
  k = {
    alphaBeta: bn254.pairing(p1(vk.vk_alpha_1, "verificationKey.alpha"), p2(vk.vk_beta_2, "verificationKey.beta")),
    gamma: bn254.utils.calcPairingPrecomputes(p2(vk.vk_gamma_2, "verificationKey.gamma")),
    delta: bn254.utils.calcPairingPrecomputes(p2(vk.vk_delta_2, "verificationKey.delta")),
    ic,
  };
  preparedKeys.set(vk, k);
  return k;
}

/** The circuit's public signals for a certificate, in order (decimal strings, as snarkjs takes them). */
export function getZkPublicSignals(cert: ZkCertificate): string[] {
  const { hi, lo } = splitBlockHash(cert.blockHash);
  return [cert.validatorSetRoot, cert.nextValidatorSetRoot, computeZkChainId(cert.chainId), BigInt(cert.height), hi, lo, cert.signers].map((x) => x.toString());
}

export interface VerifyZkCertificateOptions {
  /** The hub this verifier follows: the same validators may sign for another chain id. */
  chainId: string;
  /** Verification keys by circuit name (the SDK ships none for a circuit without a real ceremony yet). */
  verificationKeys: Readonly<Record<string, Groth16VerificationKey>>;
  /** The circuit's capacity (signer bitmap width), by circuit name. */
  capacities: Readonly<Record<string, number>>;
}

/**
 * Throws ZkCertificateError unless `cert` proves that more than 2/3 of the power of the validator set
 * with root `trustedValidatorSetRoot` signed its block on the hub `opts.chainId`. Cheapest checks
 * first: shapes, lengths and field ranges, the chain, then the root, then the curve points, then the
 * pairings. Returns the signer slots.
 */
export function assertValidZkCertificate(cert: ZkCertificate, trustedValidatorSetRoot: bigint, opts: VerifyZkCertificateOptions): { signers: number[] } {
  const vk = opts.verificationKeys[cert.circuit];
  const capacity = opts.capacities[cert.circuit];
  if (!vk || capacity === undefined) throw new ZkCertificateError({ code: "ZK_CERT_ERROR_UNKNOWN_CIRCUIT", circuit: String(cert.circuit) });
  if (typeof cert.chainId !== "string" || cert.chainId.length === 0) throw malformed("chainId", "empty");
  if (cert.chainId !== opts.chainId) throw new ZkCertificateError({ code: "ZK_CERT_ERROR_WRONG_CHAIN", expected: opts.chainId, actual: cert.chainId });
  if (!Number.isSafeInteger(cert.height) || cert.height < 1 || BigInt(cert.height) > ZK_MAX_POWER) throw malformed("height", "not a height");
  if (!(cert.blockHash instanceof Uint8Array) || cert.blockHash.length !== 32) throw malformed("blockHash", "must be 32 bytes");
  for (const f of ["validatorSetRoot", "nextValidatorSetRoot"] as const) {
    const v = cert[f];
    if (typeof v !== "bigint" || v < 0n || v >= BN254_SCALAR_FIELD) throw malformed(f, "not a field element");
  }
  let signers: number[];
  try {
    signers = getZkSigners(cert.signers, capacity);
  } catch {
    throw malformed("signers", `not a bitmap of ${capacity} slots`);
  }
  if (!(cert.proof instanceof Uint8Array) || cert.proof.length !== ZK_PROOF_LENGTH) throw malformed("proof", `must be ${ZK_PROOF_LENGTH} bytes`);
  if (cert.validatorSetRoot !== trustedValidatorSetRoot) {
    throw new ZkCertificateError({ code: "ZK_CERT_ERROR_WRONG_VALIDATOR_SET", expected: trustedValidatorSetRoot.toString(), actual: cert.validatorSetRoot.toString() });
  }
  const { a, b, c } = decodeZkProof(cert.proof);
  const key = prepareKey(vk);
  // vk_x = IC[0] + sum of public[i] * IC[i + 1]; every public input is below the scalar field order
  // (public data: the variable-time product is fine).
  let vkx = key.ic[0]!;
  getZkPublicSignals(cert).forEach((s, i) => {
    const x = BigInt(s);
    if (x !== 0n) vkx = vkx.add(key.ic[i + 1]!.multiplyUnsafe(x));
  });
  const invalid = () => new ZkCertificateError({ code: "ZK_CERT_ERROR_INVALID_PROOF" }, "the Groth16 proof does not verify");
  if (vkx.is0()) throw invalid();
  // e(A, B) = e(alpha, beta) * e(vk_x, gamma) * e(C, delta): the Miller loops of e(-A, B), e(vk_x,
  // gamma) and e(C, delta) in one batch with one final exponentiation, times the key's e(alpha, beta)
  // (the final exponentiation is a homomorphism), must be 1.
  const na = a.negate().toAffine();
  const x = vkx.toAffine();
  const ca = c.toAffine();
  const loops = Fp12.finalExponentiate(
    bn254.millerLoopBatch([
      [bn254.utils.calcPairingPrecomputes(b), na.x, na.y],
      [key.gamma, x.x, x.y],
      [key.delta, ca.x, ca.y],
    ]),
  );
  if (!Fp12.eql(Fp12.mul(loops, key.alphaBeta), Fp12.ONE)) throw invalid();
  return { signers };
}

/** True when `assertValidZkCertificate` passes; false for any ZkCertificateError. */
export function verifyZkCertificate(cert: ZkCertificate, trustedValidatorSetRoot: bigint, opts: VerifyZkCertificateOptions): boolean {
  try {
    assertValidZkCertificate(cert, trustedValidatorSetRoot, opts);
    return true;
  } catch (e) {
    if (e instanceof ZkCertificateError) return false;
    throw e;
  }
}
