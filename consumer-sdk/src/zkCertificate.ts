import type { Fp, Fp2, Fr, G1, G2, GT } from "mcl-wasm";
import { AegisError } from "./errors.js";
import { fromHex, toHex } from "./bytes.js";
import { BN254_SCALAR_FIELD, computeZkChainId, computeZkProverField, getZkSigners, splitBlockHash, ZK_MAX_POWER, ZK_PROVER_LENGTH } from "./zkFinality.js";

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
  /** The block's header time (Unix ms), signed with the statement: what a trusting period is measured from. */
  time: number;
  blockHash: Uint8Array;
  /** The ZK root of the set that signed (it is also in the signed message). */
  validatorSetRoot: bigint;
  nextValidatorSetRoot: bigint;
  /** Bit i set when slot i signed: two conflicting certificates name who signed both. */
  signers: bigint;
  /** The prover's 20-byte account address: bound by the proof, so its reward cannot be taken by a copier. */
  prover: Uint8Array;
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
export const ZK_PUBLIC_INPUTS = ["validatorSetRoot", "nextValidatorSetRoot", "chainId", "height", "time", "blockHashHi", "blockHashLo", "signers", "prover"] as const;

export type ZkCertificateErrorType =
  | { code: "ZK_CERT_ERROR_MALFORMED"; field: string; reason: string }
  | { code: "ZK_CERT_ERROR_UNKNOWN_CIRCUIT"; circuit: string }
  | { code: "ZK_CERT_ERROR_WRONG_CHAIN"; expected: string; actual: string }
  | { code: "ZK_CERT_ERROR_WRONG_VALIDATOR_SET"; expected: string; actual: string }
  | { code: "ZK_CERT_ERROR_DEGENERATE_KEY"; reason: string }
  | { code: "ZK_CERT_ERROR_TRUST_EXPIRED"; trustedTime: number; now: number; trustingPeriodMs: number }
  | { code: "ZK_CERT_ERROR_OLDER_THAN_TRUSTED"; time: number; trustedTime: number }
  | { code: "ZK_CERT_ERROR_FROM_THE_FUTURE"; time: number; now: number; maxClockDriftMs: number }
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

/** bn254's G2 generator (affine, [c0, c1] per coordinate): snarkjs' gamma, and what an uncontributed setup leaves in delta. */
export const BN254_G2_GENERATOR: readonly [readonly [bigint, bigint], readonly [bigint, bigint]] = [
  [10857046999023057135944570762232829481370756359578518086990519993285655852781n, 11559732032986387107991004021392285783925812861821192530917403151452391805634n],
  [8495653923123431417604973247489272438418190587263600148770280649306958101930n, 4082367875863433681332203403145435568316851327593401208105741076214120093531n],
];

function g2Affine(p: unknown): [bigint, bigint, bigint, bigint] | null {
  try {
    const q = p as string[][];
    const xs = [q[0]![0]!, q[0]![1]!, q[1]![0]!, q[1]![1]!].map((x) => BigInt(x));
    const z = q[2];
    // snarkjs writes affine points with z = (1, 0); another z would make (x, y) mean another point.
    if (z !== undefined && (BigInt(z[0]!) !== 1n || BigInt(z[1]!) !== 0n)) return null;
    return xs as [bigint, bigint, bigint, bigint];
  } catch {
    return null;
  }
}

/**
 * Throws ZK_CERT_ERROR_DEGENERATE_KEY when a Groth16 key would let anyone prove anything: delta equal
 * to gamma or to the G2 generator (snarkjs' gamma; what `zkey new` writes before any phase-2
 * contribution), or to the negation of either. With delta = ±gamma, C = ∓vk_x absorbs the
 * public-input term, so A = alpha, B = beta proves any statement. Pure (no curve arithmetic): the
 * genesis and the ceremony's export call it too; a malformed key is ZK_CERT_ERROR_MALFORMED.
 */
export function assertNonDegenerateZkVerificationKey(vk: Groth16VerificationKey): void {
  const gamma = g2Affine(vk?.vk_gamma_2);
  const delta = g2Affine(vk?.vk_delta_2);
  if (!gamma) throw malformed("verificationKey.gamma", "not an affine G2 point");
  if (!delta) throw malformed("verificationKey.delta", "not an affine G2 point");
  const eq = (a: readonly bigint[], b: readonly bigint[]) => a.every((x, i) => x === b[i]);
  // -(x, y) = (x, -y), each Fp2 coordinate negated mod p.
  const neg = ([x0, x1, y0, y1]: readonly bigint[]) => [x0!, x1!, (BN254_BASE_FIELD - y0!) % BN254_BASE_FIELD, (BN254_BASE_FIELD - y1!) % BN254_BASE_FIELD];
  const degenerate = (reason: string) => new ZkCertificateError({ code: "ZK_CERT_ERROR_DEGENERATE_KEY", reason }, `ZK verification key: ${reason}; it proves anything`);
  const generator = BN254_G2_GENERATOR.flat();
  if (eq(delta, gamma) || eq(delta, neg(gamma))) throw degenerate("delta equals gamma or its negation (a phase 2 without any contribution)");
  if (eq(delta, generator) || eq(delta, neg(generator))) throw degenerate("delta is the G2 generator or its negation (a phase 2 without any contribution)");
}

function prepareKey(vk: Groth16VerificationKey): PreparedKey {
  let k = preparedKeys.get(vk);
  if (k) return k;
  if (vk.protocol !== "groth16" || vk.curve !== "bn128") throw malformed("verificationKey", "not a Groth16 bn128 key");
  if (vk.nPublic !== ZK_PUBLIC_INPUTS.length || vk.IC?.length !== ZK_PUBLIC_INPUTS.length + 1) throw malformed("verificationKey", `not a key for ${ZK_PUBLIC_INPUTS.length} public inputs`);
  assertNonDegenerateZkVerificationKey(vk);
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
  return [cert.validatorSetRoot, cert.nextValidatorSetRoot, computeZkChainId(cert.chainId), BigInt(cert.height), BigInt(cert.time), hi, lo, cert.signers, computeZkProverField(cert.prover)].map((x) =>
    x.toString(),
  );
}

/**
 * How long a trusted validator-set root may be relied on (CometBFT's light-client trusting period).
 * The root's signers are only accountable while their stake is bonded: once the root is older than
 * the hub's unbonding period, its former validators can sign a fork and lose nothing. So a root
 * trusted since `trustedTime` (the hub time of the certificate that made it trusted, or of the
 * trusted genesis) is refused from `trustedTime + trustingPeriodMs` on; the trusting period must be
 * shorter than the hub's unbonding period, by the longest a misbehaviour may take to be reported.
 */
export interface ZkTrustOptions {
  /** Hub time (Unix ms) of the certificate or header the trusted root was taken from. */
  trustedTime: number;
  trustingPeriodMs: number;
  /** The verifier's clock (Unix ms): the rule reads no clock itself. */
  now: number;
  /** How far a certificate's time may be ahead of `now` (default 10 s, CometBFT's). */
  maxClockDriftMs?: number;
}

export const ZK_DEFAULT_MAX_CLOCK_DRIFT_MS = 10_000;

/**
 * Throws ZkCertificateError unless a certificate of hub time `time` may advance a root trusted since
 * `trust.trustedTime`: the root is still within its trusting period at `trust.now`, the certificate
 * is not older than the trusted time (hub block times increase with height), and not ahead of `now`
 * by more than the allowed drift. Pure; `assertValidZkCertificate` runs it when given `trust`.
 */
export function assertWithinTrustingPeriod(time: number, trust: ZkTrustOptions): void {
  const { trustedTime, trustingPeriodMs, now } = trust;
  const drift = trust.maxClockDriftMs ?? ZK_DEFAULT_MAX_CLOCK_DRIFT_MS;
  for (const [f, v] of [["time", time], ["trust.trustedTime", trustedTime], ["trust.trustingPeriodMs", trustingPeriodMs], ["trust.now", now], ["trust.maxClockDriftMs", drift]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw malformed(f, "not a non-negative integer (ms)");
  }
  if (now - trustedTime >= trustingPeriodMs) throw new ZkCertificateError({ code: "ZK_CERT_ERROR_TRUST_EXPIRED", trustedTime, now, trustingPeriodMs }, `the trusted validator set (hub time ${trustedTime}) is older than the trusting period (${trustingPeriodMs} ms) at ${now}`);
  if (time < trustedTime) throw new ZkCertificateError({ code: "ZK_CERT_ERROR_OLDER_THAN_TRUSTED", time, trustedTime }, `certificate time ${time} is before the trusted time ${trustedTime}`);
  if (time > now + drift) throw new ZkCertificateError({ code: "ZK_CERT_ERROR_FROM_THE_FUTURE", time, now, maxClockDriftMs: drift }, `certificate time ${time} is ahead of now (${now}) by more than ${drift} ms`);
}

export interface VerifyZkCertificateOptions {
  /** The hub this verifier follows: the same validators may sign for another chain id. */
  chainId: string;
  /** When given, the trusted root's age is checked first (assertWithinTrustingPeriod). */
  trust?: ZkTrustOptions;
  /** Verification keys by circuit name (the SDK ships none for a circuit without a real ceremony yet). */
  verificationKeys: Readonly<Record<string, Groth16VerificationKey>>;
  /** The circuit's capacity (signer bitmap width), by circuit name. */
  capacities: Readonly<Record<string, number>>;
}

/**
 * Throws ZkCertificateError unless `cert` proves that more than 2/3 of the power of the validator set
 * with root `trustedValidatorSetRoot` signed its block on the hub `opts.chainId`. Cheapest checks
 * first: shapes, lengths and field ranges, the chain, the trusting period (with `opts.trust`), then
 * the root, then the curve points, then the pairings. Returns the signer slots.
 */
export function assertValidZkCertificate(cert: ZkCertificate, trustedValidatorSetRoot: bigint, opts: VerifyZkCertificateOptions): { signers: number[] } {
  const vk = opts.verificationKeys[cert.circuit];
  const capacity = opts.capacities[cert.circuit];
  if (!vk || capacity === undefined) throw new ZkCertificateError({ code: "ZK_CERT_ERROR_UNKNOWN_CIRCUIT", circuit: String(cert.circuit) });
  if (typeof cert.chainId !== "string" || cert.chainId.length === 0) throw malformed("chainId", "empty");
  if (cert.chainId !== opts.chainId) throw new ZkCertificateError({ code: "ZK_CERT_ERROR_WRONG_CHAIN", expected: opts.chainId, actual: cert.chainId });
  if (!Number.isSafeInteger(cert.height) || cert.height < 1 || BigInt(cert.height) > ZK_MAX_POWER) throw malformed("height", "not a height");
  if (!Number.isSafeInteger(cert.time) || cert.time < 0) throw malformed("time", "not a Unix ms time");
  if (!(cert.blockHash instanceof Uint8Array) || cert.blockHash.length !== 32) throw malformed("blockHash", "must be 32 bytes");
  if (!(cert.prover instanceof Uint8Array) || cert.prover.length !== ZK_PROVER_LENGTH) throw malformed("prover", `must be ${ZK_PROVER_LENGTH} bytes`);
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
  if (opts.trust) assertWithinTrustingPeriod(cert.time, opts.trust);
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
