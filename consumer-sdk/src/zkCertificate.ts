import type { Fp, Fp2, Fr, G1, G2, GT } from "mcl-wasm";
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
/** Longest circuit name (circuits/circuits.json) a certificate or a genesis may name. */
export const ZK_MAX_CIRCUIT_NAME_LENGTH = 64;

/** A circuit name: 1 to 64 of a-z, 0-9, `_` and `-` (what circuits/circuits.json allows). */
export function isZkCircuitName(name: unknown): name is string {
  return typeof name === "string" && name.length <= ZK_MAX_CIRCUIT_NAME_LENGTH && /^[a-z0-9_-]+$/.test(name);
}
/** Public inputs of the quorum circuit, in the order of its public signals. */
export const ZK_PUBLIC_INPUTS = ["validatorSetRoot", "nextValidatorSetRoot", "chainId", "height", "blockHashHi", "blockHashLo", "signers"] as const;

export type ZkCertificateErrorType =
  | { code: "ZK_CERT_ERROR_MALFORMED"; field: string; reason: string }
  | { code: "ZK_CERT_ERROR_UNKNOWN_CIRCUIT"; circuit: string }
  | { code: "ZK_CERT_ERROR_WRONG_CHAIN"; expected: string; actual: string }
  | { code: "ZK_CERT_ERROR_WRONG_VALIDATOR_SET"; expected: string; actual: string }
  | { code: "ZK_CERT_ERROR_INVALID_PROOF" };

export class ZkCertificateError extends AegisError<ZkCertificateErrorType> {}

/** The verifier itself is not ready: a fault of the program, never of a certificate (not a ZkCertificateError). */
export type ZkVerifierErrorType =
  | { code: "ZK_VERIFIER_ERROR_NOT_INITIALIZED" }
  | { code: "ZK_VERIFIER_ERROR_CURVE_CHANGED"; curveType: number };

export class ZkVerifierError extends AegisError<ZkVerifierErrorType> {}

/** The order of bn254's base field (the proof's coordinates are below it). */
export const BN254_BASE_FIELD = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

/** herumi's mcl, loaded by initZkCertificateVerifier() (so that importing the SDK does not parse it). */
let mcl: typeof import("mcl-wasm");
let initialized = false;
let initializing: Promise<void> | null = null;

/**
 * Loads the bn254 pairing the proof checks need: herumi's mcl (`mcl-wasm`, BN_SNARK1, its WASM inside
 * the package, nothing fetched), ~60–100 ms once per process here. Every function below that reads a proof
 * throws ZK_VERIFIER_ERROR_NOT_INITIALIZED until it has resolved. Safe to call again, concurrently.
 * mcl-wasm is one instance per process: nothing else in the process may switch it to another curve.
 */
export async function initZkCertificateVerifier(): Promise<void> {
  if (initialized) return;
  initializing ??= (async () => {
    mcl = (await import("mcl-wasm")).default;
    await mcl.init(mcl.BN_SNARK1);
    // isValid() checks the curve equation only; each point's subgroup check is an explicit
    // isValidOrder() below, whatever these process-wide defaults are later set to.
    mcl.verifyOrderG1(false);
    mcl.verifyOrderG2(false);
    // The fields are bn254's (alt_bn128, the EVM's and snarkjs' curve).
    const minusOne = <T extends Fp | Fr>(x: T) => (x.setInt(1), mcl.neg(x).getStr(10));
    if (minusOne(new mcl.Fp()) !== (BN254_BASE_FIELD - 1n).toString() || minusOne(new mcl.Fr()) !== (BN254_SCALAR_FIELD - 1n).toString()) {
      throw new Error("mcl-wasm's BN_SNARK1 is not bn254");
    }
    initialized = true;
  })().catch((e: unknown) => {
    initializing = null;
    throw e;
  });
  await initializing;
}

function assertVerifierReady(): void {
  if (!initialized) throw new ZkVerifierError({ code: "ZK_VERIFIER_ERROR_NOT_INITIALIZED" }, "call initZkCertificateVerifier() first");
  if (mcl.curveType !== mcl.BN_SNARK1) {
    throw new ZkVerifierError({ code: "ZK_VERIFIER_ERROR_CURVE_CHANGED", curveType: mcl.curveType }, "mcl-wasm was switched to another curve in this process");
  }
}

const malformed = (field: string, reason: string) => new ZkCertificateError({ code: "ZK_CERT_ERROR_MALFORMED", field, reason }, `ZK certificate ${field}: ${reason}`);

function readCoordinate(bytes: Uint8Array, offset: number, field: string): bigint {
  const x = BigInt("0x" + toHex(bytes.subarray(offset, offset + 32)));
  if (x >= BN254_BASE_FIELD) throw malformed(field, "coordinate not below the base field order");
  return x;
}

/** A base-field element; the caller has checked 0 <= x < p. */
function fp(x: bigint): Fp {
  const f = new mcl.Fp();
  f.setStr(x.toString(), 10);
  return f;
}

function fp2([c0, c1]: [bigint, bigint]): Fp2 {
  const f = new mcl.Fp2();
  f.set_a(fp(c0));
  f.set_b(fp(c1));
  return f;
}

/** Affine (x, y) as a point, checked: coordinates in the field, not (0, 0), on the curve, in the prime-order subgroup. */
function point<P extends G1 | G2>(p: P, coordinates: bigint[], set: (p: P) => void, group: string, field: string): P {
  const bad = (why: string) => malformed(field, `not a point of ${group} (${why})`);
  if (coordinates.some((c) => c < 0n || c >= BN254_BASE_FIELD)) throw bad("coordinate not in the base field");
  if (coordinates.every((c) => c === 0n)) throw bad("the point at infinity"); // (0, 0): how snarkjs and the EVM write it
  set(p);
  if (!p.isValid()) throw bad("not on the curve");
  if (!p.isValidOrder()) throw bad("not in the prime-order subgroup");
  return p;
}

function g1(x: bigint, y: bigint, field: string): G1 {
  return point(new mcl.G1(), [x, y], (p) => (p.setX(fp(x)), p.setY(fp(y)), p.setZ(fp(1n))), "G1", field);
}

function g2(x: [bigint, bigint], y: [bigint, bigint], field: string): G2 {
  return point(new mcl.G2(), [...x, ...y], (p) => (p.setX(fp2(x)), p.setY(fp2(y)), p.setZ(fp2([1n, 0n]))), "G2", field);
}

interface DecodedProof {
  a: G1;
  b: G2;
  c: G1;
}

/** Parses and validates a compact 256-byte proof (every point on its curve and in its subgroup). Needs initZkCertificateVerifier(). */
export function decodeZkProof(proof: Uint8Array): DecodedProof {
  assertVerifierReady();
  if (!(proof instanceof Uint8Array) || proof.length !== ZK_PROOF_LENGTH) throw malformed("proof", `must be ${ZK_PROOF_LENGTH} bytes`);
  const w = (i: number, f: string) => readCoordinate(proof, 32 * i, f);
  const a = g1(w(0, "proof.a"), w(1, "proof.a"), "proof.a");
  const b = g2([w(3, "proof.b"), w(2, "proof.b")], [w(5, "proof.b"), w(4, "proof.b")], "proof.b");
  const c = g1(w(6, "proof.c"), w(7, "proof.c"), "proof.c");
  return { a, b, c };
}

const word = (x: string | bigint) => fromHex(BigInt(x).toString(16).padStart(64, "0"), "coordinate", 32);

/** A snarkjs proof as the compact 256 bytes (what the hub stores and an EVM verifier takes). Needs initZkCertificateVerifier(). */
export function encodeZkProof(p: SnarkjsGroth16Proof): Uint8Array {
  assertVerifierReady();
  const [a, b, c] = [p.pi_a, p.pi_b, p.pi_c];
  if (a?.length !== 3 || c?.length !== 3 || b?.length !== 3 || a[2] !== "1" || c[2] !== "1" || b[2]?.[0] !== "1" || b[2]?.[1] !== "0") {
    throw malformed("proof", "not an affine snarkjs Groth16 proof");
  }
  const out = new Uint8Array(ZK_PROOF_LENGTH);
  [a[0]!, a[1]!, b[0]![1]!, b[0]![0]!, b[1]![1]!, b[1]![0]!, c[0]!, c[1]!].forEach((x, i) => out.set(word(x), 32 * i));
  decodeZkProof(out);
  return out;
}

/** A key made ready once: its points validated, e(alpha, beta) computed. */
interface PreparedKey {
  alphaBeta: GT;
  gamma: G2;
  delta: G2;
  ic: G1[];
}

// mcl values are plain copies (no WASM memory to free), so a WeakMap may drop them.
const preparedKeys = new WeakMap<Groth16VerificationKey, PreparedKey>();

function prepareKey(vk: Groth16VerificationKey): PreparedKey {
  let k = preparedKeys.get(vk);
  if (k) return k;
  if (vk.protocol !== "groth16" || vk.curve !== "bn128") throw malformed("verificationKey", "not a Groth16 bn128 key");
  if (vk.nPublic !== ZK_PUBLIC_INPUTS.length || vk.IC?.length !== ZK_PUBLIC_INPUTS.length + 1) throw malformed("verificationKey", `not a key for ${ZK_PUBLIC_INPUTS.length} public inputs`);
  const p1 = (p: string[], f: string) => g1(BigInt(p[0]!), BigInt(p[1]!), f);
  const p2 = (p: string[][], f: string) => g2([BigInt(p[0]![0]!), BigInt(p[0]![1]!)], [BigInt(p[1]![0]!), BigInt(p[1]![1]!)], f);
  const ic = vk.IC.map((p, i) => p1(p, `verificationKey.IC[${i}]`));
  k = {
    alphaBeta: mcl.pairing(p1(vk.vk_alpha_1, "verificationKey.alpha"), p2(vk.vk_beta_2, "verificationKey.beta")),
    gamma: p2(vk.vk_gamma_2, "verificationKey.gamma"),
    delta: p2(vk.vk_delta_2, "verificationKey.delta"),
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
  // vk_x = IC[0] + sum of public[i] * IC[i + 1] (one multi-scalar product); every public input is
  // below the scalar field order (public data: variable time is fine).
  const scalars = getZkPublicSignals(cert).map((s) => {
    const x = new mcl.Fr();
    x.setStr(s, 10);
    return x;
  });
  const vkx = mcl.add(key.ic[0]!, mcl.mulVec(key.ic.slice(1), scalars));
  const invalid = () => new ZkCertificateError({ code: "ZK_CERT_ERROR_INVALID_PROOF" }, "the Groth16 proof does not verify");
  if (vkx.isZero()) throw invalid();
  // e(A, B) = e(alpha, beta) * e(vk_x, gamma) * e(C, delta): the Miller loops of e(-A, B), e(vk_x,
  // gamma) and e(C, delta), one final exponentiation of their product, times the key's e(alpha,
  // beta) (the final exponentiation is a homomorphism), must be 1.
  const loops = mcl.mul(mcl.mul(mcl.millerLoop(mcl.neg(a), b), mcl.millerLoop(vkx, key.gamma)), mcl.millerLoop(c, key.delta));
  if (!mcl.mul(mcl.finalExp(loops), key.alphaBeta).isOne()) throw invalid();
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
