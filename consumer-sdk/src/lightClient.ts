import { AegisError } from "./errors.js";
import { BLS_PUBLIC_KEY_LENGTH } from "./bls.js";
import { bytesEqual, toHex } from "./bytes.js";
import { assertValidCommitCertificate, CertificateError, type CommitCertificate } from "./commitCertificate.js";
import { HASH_LENGTH } from "./hash.js";
import { ADDRESS_LENGTH, computeBlockHash, ZERO_HASH, type BlockHeader } from "./header.js";
import { computeValidatorSetRoot, createValidatorSet, ValidatorSetError, type ValidatorSet } from "./validatorSet.js";
import {
  assertNonDegenerateZkVerificationKey,
  assertValidZkCertificate,
  isZkCircuitName,
  ZK_DEFAULT_MAX_CLOCK_DRIFT_MS,
  ZkCertificateError,
  type Groth16VerificationKey,
  type ZkCertificate,
} from "./zkCertificate.js";
import { BN254_SCALAR_FIELD, ZK_MAX_POWER } from "./zkFinality.js";

/*
 * HubLightClient, the pure rule: a state value and functions (state, untrusted input, now) → new
 * state, or a LightClientError with the state untouched. No network, no clock, no storage: the
 * caller fetches, passes its clock's `now` (Unix ms) and keeps the returned state (CometBFT's
 * light/verifier.go takes `now` the same way).
 *
 * Two tiers, each with its own trusted point, because they commit to the same validator set with
 * different hashes: the BLS tier trusts the SHA-256 root of the BLS set (`computeValidatorSetRoot`,
 * what headers commit to) and holds that set itself; the ZK tier trusts only a Poseidon root
 * (`computeZkValidatorSetRoot`, what the quorum circuit proves against). Neither root can be derived
 * from the other without the full set, so neither tier ever checks the other's root.
 *
 * Both tiers follow the sequential rule of `AegisFinality.sol`: an update is accepted only when it
 * is signed by the set the client trusts for the height after its trusted one. Heights may be
 * skipped as long as that set still signs (within an epoch, or across epochs whose set did not
 * change: the header / certificate names its signing set, and it must be the trusted one). Across
 * a set change the client needs the epoch's last header (BLS, with the new full set) or the epoch's
 * last certificate (ZK): that is where the current set names the next one (`nextValidatorSetRoot`).
 * The hub schedules a ZK certificate at every epoch's last block (decision 25), so the ZK tier
 * follows the chain with one proof per epoch.
 */

/** The hub's own limit on how far a block's time may be ahead of a clock (also the ZK verifier's default). */
export const LIGHT_CLIENT_DEFAULT_MAX_CLOCK_DRIFT_MS = ZK_DEFAULT_MAX_CLOCK_DRIFT_MS;

export type LightClientTier = "bls" | "zk";

export type LightClientErrorType =
  | { code: "LIGHT_CLIENT_ERROR_MALFORMED"; field: string; reason: string }
  | { code: "LIGHT_CLIENT_ERROR_TRUSTING_PERIOD_TOO_LONG"; trustingPeriodMs: number; unbondingPeriodMs: number }
  | { code: "LIGHT_CLIENT_ERROR_NO_TRUSTED_ROOT"; tier: LightClientTier }
  | { code: "LIGHT_CLIENT_ERROR_WRONG_CHAIN"; expected: string; actual: string }
  | { code: "LIGHT_CLIENT_ERROR_TRUST_EXPIRED"; tier: LightClientTier; trustedTime: number; trustingPeriodMs: number; now: number }
  | { code: "LIGHT_CLIENT_ERROR_NOT_NEWER"; tier: LightClientTier; height: number; trustedHeight: number }
  | { code: "LIGHT_CLIENT_ERROR_TIME_NOT_INCREASING"; tier: LightClientTier; time: number; trustedTime: number }
  | { code: "LIGHT_CLIENT_ERROR_FROM_THE_FUTURE"; tier: LightClientTier; time: number; now: number; maxClockDriftMs: number }
  /** The update names a signing set the client does not trust (yet): at a set change, the epoch's last header / certificate comes first. */
  | { code: "LIGHT_CLIENT_ERROR_UNKNOWN_SIGNING_SET"; tier: LightClientTier; trusted: string; actual: string }
  /** A supplied full BLS set whose root is not the one committed (by the trusted state or the header). */
  | { code: "LIGHT_CLIENT_ERROR_WRONG_VALIDATOR_SET"; field: string; expected: string; actual: string }
  /** The header names a new set for the next height and the update did not carry it. */
  | { code: "LIGHT_CLIENT_ERROR_MISSING_VALIDATOR_SET"; height: number; nextValidatorSetRoot: string }
  /** The certificate is not for this header (another height or block hash: e.g. a header altered after signing). */
  | { code: "LIGHT_CLIENT_ERROR_HEADER_MISMATCH"; certificateCode: string }
  | { code: "LIGHT_CLIENT_ERROR_CERTIFICATE_INVALID"; tier: LightClientTier; certificateCode: string };

export class LightClientError extends AegisError<LightClientErrorType> {}

/** The BLS tier's trusted point. */
export interface BlsTrustedState {
  /** 0 at genesis. */
  readonly height: number;
  /** Hub time (Unix ms) of the trusted header (the genesis time at genesis): the trusting period runs from it. */
  readonly time: number;
  /** The trusted header's hash (all zero at genesis). */
  readonly blockHash: Uint8Array;
  /** The trusted header (undefined at genesis): its roots (state, consumer checkpoints) are what a consumer proves against. */
  readonly header: BlockHeader | undefined;
  /** The set that signs `height + 1` (and every later height of its epoch), rebuilt and checked by the client. */
  readonly validatorSet: ValidatorSet;
  /** Its SHA-256 root: the trusted header's `nextValidatorSetRoot` (the genesis set's root at genesis). */
  readonly validatorSetRoot: Uint8Array;
}

/** The ZK tier's trusted point. */
export interface ZkTrustedState {
  readonly height: number;
  /** The signed hub time of the trusted certificate (or of the trusted root). */
  readonly time: number;
  /** The certified block's hash (all zero at genesis). */
  readonly blockHash: Uint8Array;
  /** Poseidon root of the set that signs `height + 1`: the trusted certificate's `nextValidatorSetRoot`. */
  readonly nextValidatorSetRoot: bigint;
  /** Pinned at creation with the trusted root (a chain's verification key is part of its genesis). */
  readonly verificationKeys: Readonly<Record<string, Groth16VerificationKey>>;
  readonly capacities: Readonly<Record<string, number>>;
}

export interface HubLightClientState {
  readonly chainId: string;
  readonly trustingPeriodMs: number;
  readonly unbondingPeriodMs: number;
  readonly maxClockDriftMs: number;
  readonly bls: BlsTrustedState | undefined;
  readonly zk: ZkTrustedState | undefined;
}

/**
 * Where the BLS tier starts, from a source the user trusts (not a hub node): the genesis (time and
 * set that signs height 1), or a recent header and the full set its `nextValidatorSetRoot` names.
 */
export type BlsTrustRoot = { genesisTime: number; validatorSet: ValidatorSet } | { header: BlockHeader; nextValidatorSet: ValidatorSet };

/**
 * Where the ZK tier starts: height 0 with the genesis time and the genesis set's Poseidon root, or a
 * recent certified point (height, its signed time, block hash, and its `nextValidatorSetRoot`).
 */
export interface ZkTrustRoot {
  height: number;
  time: number;
  /** Omitted at genesis. */
  blockHash?: Uint8Array;
  nextValidatorSetRoot: bigint;
}

export interface HubLightClientTrust {
  bls?: BlsTrustRoot;
  zk?: ZkTrustRoot;
}

export interface HubLightClientOptions {
  chainId: string;
  /** How long a trusted set is relied on; must be shorter than `unbondingPeriodMs` (by the longest a misbehaviour may take to be reported). */
  trustingPeriodMs: number;
  /** The hub's unbonding period. */
  unbondingPeriodMs: number;
  /** How far an update's hub time may be ahead of `now` (default 10 s). */
  maxClockDriftMs?: number;
  /** Verification keys and capacities by circuit name: required with a ZK trust root. */
  zk?: { verificationKeys: Readonly<Record<string, Groth16VerificationKey>>; capacities: Readonly<Record<string, number>> };
}

/** A BLS update: a header, its commit certificate, and, when the header changes the set, the new full set. */
export interface BlsLightClientUpdate {
  header: BlockHeader;
  certificate: CommitCertificate;
  /** The full set named by `header.nextValidatorSetRoot`: required when it differs from `header.validatorSetRoot`, checked whenever given. */
  nextValidatorSet?: ValidatorSet;
}

const err = (t: LightClientErrorType, message?: string) => new LightClientError(t, message);
const malformed = (field: string, reason: string) => err({ code: "LIGHT_CLIENT_ERROR_MALFORMED", field, reason }, `light client ${field}: ${reason}`);
const isTime = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const isBytes = (x: unknown, n: number): x is Uint8Array => x instanceof Uint8Array && x.length === n;

/**
 * A light client's state from a trusted root. Refuses (LightClientError) a trusting period not
 * shorter than the unbonding period, a trusted point already older than the trusting period at
 * `now` (or ahead of it by more than the drift), a header of another chain, and a set whose root is
 * not the one the header names. At least one tier must be given.
 */
export function createHubLightClient(trust: HubLightClientTrust, opts: HubLightClientOptions, now: number): HubLightClientState {
  const { chainId, trustingPeriodMs, unbondingPeriodMs } = opts;
  const maxClockDriftMs = opts.maxClockDriftMs ?? LIGHT_CLIENT_DEFAULT_MAX_CLOCK_DRIFT_MS;
  if (typeof chainId !== "string" || chainId.length === 0) throw malformed("opts.chainId", "empty");
  for (const [f, v] of [["opts.trustingPeriodMs", trustingPeriodMs], ["opts.unbondingPeriodMs", unbondingPeriodMs]] as const) {
    if (!Number.isSafeInteger(v) || v <= 0) throw malformed(f, "not a positive integer (ms)");
  }
  if (!isTime(maxClockDriftMs)) throw malformed("opts.maxClockDriftMs", "not a non-negative integer (ms)");
  if (!isTime(now)) throw malformed("now", "not a Unix ms time");
  if (trustingPeriodMs >= unbondingPeriodMs) {
    throw err(
      { code: "LIGHT_CLIENT_ERROR_TRUSTING_PERIOD_TOO_LONG", trustingPeriodMs, unbondingPeriodMs },
      `the trusting period (${trustingPeriodMs} ms) must be shorter than the unbonding period (${unbondingPeriodMs} ms): past it, former validators can sign a fork and lose nothing`,
    );
  }
  if (!trust || (!trust.bls && !trust.zk)) throw malformed("trust", "neither a BLS nor a ZK trust root");
  const base = { chainId, trustingPeriodMs, unbondingPeriodMs, maxClockDriftMs };
  const checkTime = (tier: LightClientTier, time: number) => {
    if (now - time >= trustingPeriodMs) throw expired(tier, time, base, now);
    if (time > now + maxClockDriftMs) throw fromTheFuture(tier, time, base, now);
  };

  let bls: BlsTrustedState | undefined;
  if (trust.bls) {
    const t = trust.bls;
    if ("header" in t) {
      assertHeaderShape(t.header, "trust.bls.header");
      if (t.header.chainId !== chainId) throw wrongChain(chainId, t.header.chainId);
      checkTime("bls", t.header.time);
      const header = copyHeader(t.header);
      const validatorSet = checkValidatorSet(t.nextValidatorSet, header.nextValidatorSetRoot, "trust.bls.nextValidatorSet");
      bls = freezeBls({ height: header.height, time: header.time, blockHash: computeBlockHash(header), header, validatorSet, validatorSetRoot: header.nextValidatorSetRoot.slice() });
    } else {
      if (!isTime(t.genesisTime)) throw malformed("trust.bls.genesisTime", "not a Unix ms time");
      checkTime("bls", t.genesisTime);
      const validatorSet = rebuildValidatorSet(t.validatorSet, "trust.bls.validatorSet");
      bls = freezeBls({ height: 0, time: t.genesisTime, blockHash: ZERO_HASH.slice(), header: undefined, validatorSet, validatorSetRoot: computeValidatorSetRoot(validatorSet) });
    }
  }

  const zk = trust.zk ? makeZkTrusted(trust.zk, opts.zk, checkTime) : undefined;
  return Object.freeze({ ...base, bls, zk });
}

function makeZkTrusted(t: ZkTrustRoot, keys: HubLightClientOptions["zk"], checkTime: (tier: LightClientTier, time: number) => void): ZkTrustedState {
  if (!Number.isSafeInteger(t.height) || t.height < 0) throw malformed("trust.zk.height", "not a height");
  if (!isTime(t.time)) throw malformed("trust.zk.time", "not a Unix ms time");
  if (t.blockHash !== undefined ? !isBytes(t.blockHash, HASH_LENGTH) : t.height !== 0) throw malformed("trust.zk.blockHash", "32 bytes required above genesis");
  if (typeof t.nextValidatorSetRoot !== "bigint" || t.nextValidatorSetRoot < 0n || t.nextValidatorSetRoot >= BN254_SCALAR_FIELD) throw malformed("trust.zk.nextValidatorSetRoot", "not a field element");
  if (!keys || typeof keys.verificationKeys !== "object" || typeof keys.capacities !== "object" || Object.keys(keys.verificationKeys).length === 0) {
    throw malformed("opts.zk", "verification keys and capacities are required with a ZK trust root");
  }
  const verificationKeys: Record<string, Groth16VerificationKey> = {};
  const capacities: Record<string, number> = {};
  for (const [name, vk] of Object.entries(keys.verificationKeys)) {
    if (!isZkCircuitName(name)) throw malformed("opts.zk.verificationKeys", `not a circuit name: ${JSON.stringify(name)}`);
    const capacity = keys.capacities[name];
    if (!Number.isSafeInteger(capacity) || capacity! < 1) throw malformed(`opts.zk.capacities.${name}`, "not a capacity");
    try {
      assertNonDegenerateZkVerificationKey(vk);
    } catch (e) {
      if (e instanceof ZkCertificateError) throw malformed(`opts.zk.verificationKeys.${name}`, e.code);
      throw e;
    }
    verificationKeys[name] = vk;
    capacities[name] = capacity!;
  }
  checkTime("zk", t.time);
  return Object.freeze({
    height: t.height,
    time: t.time,
    blockHash: (t.blockHash ?? ZERO_HASH).slice(),
    nextValidatorSetRoot: t.nextValidatorSetRoot,
    verificationKeys: Object.freeze(verificationKeys),
    capacities: Object.freeze(capacities),
  });
}

/**
 * Starts the ZK tier of a light client that has none, at `trust` with `keys` — for a hub whose
 * succinct tier was activated after genesis: the caller takes both from the activation record it
 * verified under a header of its BLS tier (verifyZkActivationProof). The same checks as a ZK trust
 * root given at creation (LightClientError: malformed, expired, from the future); refused
 * (LIGHT_CLIENT_ERROR_MALFORMED, field "state.zk") when the state has a ZK tier already.
 */
export function addZkTrustRoot(state: HubLightClientState, trust: ZkTrustRoot, keys: NonNullable<HubLightClientOptions["zk"]>, now: number): HubLightClientState {
  if (state.zk) throw malformed("state.zk", "this light client has a ZK tier already");
  if (!isTime(now)) throw malformed("now", "not a Unix ms time");
  const checkTime = (tier: LightClientTier, time: number) => {
    if (now - time >= state.trustingPeriodMs) throw expired(tier, time, state, now);
    if (time > now + state.maxClockDriftMs) throw fromTheFuture(tier, time, state, now);
  };
  return Object.freeze({ ...state, zk: makeZkTrusted(trust, keys, checkTime) });
}

/**
 * Applies a BLS update: `header` with its commit certificate. Accepted only when the header is of
 * this chain, newer (height and time) than the trusted header, not from the future, the trust not
 * expired at `now`, signed by the set the client trusts (`header.validatorSetRoot` equals the trusted
 * root: heights may be skipped while that set signs), and the certificate is a valid quorum of that
 * set over `computeBlockHash(header)`. When the header names another set for the next height (an
 * epoch's last header), the update must carry it (`nextValidatorSet`), checked against that root.
 * Returns the new state; throws LightClientError and changes nothing otherwise.
 */
export function processBlsUpdate(state: HubLightClientState, update: BlsLightClientUpdate, now: number): HubLightClientState {
  const trusted = state.bls;
  if (!trusted) throw err({ code: "LIGHT_CLIENT_ERROR_NO_TRUSTED_ROOT", tier: "bls" }, "this light client has no BLS trust root");
  if (!isTime(now)) throw malformed("now", "not a Unix ms time");
  if (!update || typeof update !== "object") throw malformed("update", "not an object");
  const { header, certificate } = update;
  assertHeaderShape(header, "header");
  if (!certificate || typeof certificate !== "object") throw malformed("certificate", "not an object");
  if (header.chainId !== state.chainId) throw wrongChain(state.chainId, header.chainId);
  assertNewer(state, "bls", trusted, header.height, header.time, now);
  if (!bytesEqual(header.validatorSetRoot, trusted.validatorSetRoot)) {
    throw err(
      { code: "LIGHT_CLIENT_ERROR_UNKNOWN_SIGNING_SET", tier: "bls", trusted: toHex(trusted.validatorSetRoot), actual: toHex(header.validatorSetRoot) },
      `header ${header.height} is signed by a set the client does not trust; after a set change, process the last header of the trusted set's epoch first`,
    );
  }
  const changesSet = !bytesEqual(header.nextValidatorSetRoot, header.validatorSetRoot);
  if (changesSet && update.nextValidatorSet === undefined) {
    throw err(
      { code: "LIGHT_CLIENT_ERROR_MISSING_VALIDATOR_SET", height: header.height, nextValidatorSetRoot: toHex(header.nextValidatorSetRoot) },
      `header ${header.height} names a new set for the next height: the update must carry it`,
    );
  }
  // The supplied set's root (one SHA-256) before the pairing; its keys (a decompression and a
  // subgroup check each) only once the certificate shows that the header naming its root is signed.
  if (changesSet || update.nextValidatorSet !== undefined) assertValidatorSetRoot(update.nextValidatorSet, header.nextValidatorSetRoot, "nextValidatorSet");
  const blockHash = computeBlockHash(header);
  try {
    assertValidCommitCertificate(certificate, { chainId: state.chainId, validatorSet: trusted.validatorSet, expectedHeight: header.height, expectedBlockHash: blockHash });
  } catch (e) {
    if (!(e instanceof CertificateError)) throw e;
    if (e.code === "CERT_ERROR_HEIGHT_MISMATCH" || e.code === "CERT_ERROR_BLOCK_HASH_MISMATCH") {
      throw err({ code: "LIGHT_CLIENT_ERROR_HEADER_MISMATCH", certificateCode: e.code }, `the certificate is not for this header (${e.code})`);
    }
    throw err({ code: "LIGHT_CLIENT_ERROR_CERTIFICATE_INVALID", tier: "bls", certificateCode: e.code }, `invalid commit certificate for height ${header.height}: ${e.code}`);
  }
  const nextSet = changesSet ? checkValidatorSet(update.nextValidatorSet, header.nextValidatorSetRoot, "nextValidatorSet") : trusted.validatorSet;
  const copy = copyHeader(header);
  return Object.freeze({
    ...state,
    bls: freezeBls({ height: copy.height, time: copy.time, blockHash, header: copy, validatorSet: nextSet, validatorSetRoot: copy.nextValidatorSetRoot.slice() }),
  });
}

/**
 * Applies a ZK certificate: of this chain, newer (height and signed time) than the trusted one, not
 * from the future, the trust not expired at `now`, proved against the Poseidon root the client
 * trusts (`cert.validatorSetRoot`), and the Groth16 proof valid under the pinned key of its circuit.
 * Its `nextValidatorSetRoot` becomes the trusted root, its time the trusted time. Skipping within an
 * epoch is fine; across a set change the epoch's last certificate (the one naming the next root)
 * must come first. Needs `await initZkCertificateVerifier()` once (else ZkVerifierError, a fault of
 * the program, not of the certificate).
 */
export function processZkUpdate(state: HubLightClientState, certificate: ZkCertificate, now: number): HubLightClientState {
  const trusted = state.zk;
  if (!trusted) throw err({ code: "LIGHT_CLIENT_ERROR_NO_TRUSTED_ROOT", tier: "zk" }, "this light client has no ZK trust root");
  if (!isTime(now)) throw malformed("now", "not a Unix ms time");
  if (!certificate || typeof certificate !== "object") throw malformed("certificate", "not an object");
  const c = certificate;
  if (typeof c.chainId !== "string") throw malformed("certificate.chainId", "not a string");
  if (!Number.isSafeInteger(c.height) || c.height < 1 || BigInt(c.height) > ZK_MAX_POWER) throw malformed("certificate.height", "not a height");
  if (!isTime(c.time)) throw malformed("certificate.time", "not a Unix ms time");
  if (typeof c.validatorSetRoot !== "bigint") throw malformed("certificate.validatorSetRoot", "not a field element");
  if (c.chainId !== state.chainId) throw wrongChain(state.chainId, c.chainId);
  assertNewer(state, "zk", trusted, c.height, c.time, now);
  if (c.validatorSetRoot !== trusted.nextValidatorSetRoot) {
    throw err(
      { code: "LIGHT_CLIENT_ERROR_UNKNOWN_SIGNING_SET", tier: "zk", trusted: trusted.nextValidatorSetRoot.toString(), actual: c.validatorSetRoot.toString() },
      `certificate ${c.height} is proved against a set the client does not trust; after a set change, process the epoch's last certificate first`,
    );
  }
  try {
    assertValidZkCertificate(c, trusted.nextValidatorSetRoot, {
      chainId: state.chainId,
      verificationKeys: trusted.verificationKeys,
      capacities: trusted.capacities,
      trust: { trustedTime: trusted.time, trustingPeriodMs: state.trustingPeriodMs, now, maxClockDriftMs: state.maxClockDriftMs },
    });
  } catch (e) {
    if (!(e instanceof ZkCertificateError)) throw e;
    throw err({ code: "LIGHT_CLIENT_ERROR_CERTIFICATE_INVALID", tier: "zk", certificateCode: e.code }, `invalid ZK certificate for height ${c.height}: ${e.code}`);
  }
  return Object.freeze({
    ...state,
    zk: Object.freeze({ ...trusted, height: c.height, time: c.time, blockHash: c.blockHash.slice(), nextValidatorSetRoot: c.nextValidatorSetRoot }),
  });
}

/** The highest hub height either tier has verified (0 from genesis). */
export function getTrustedHeight(state: HubLightClientState): number {
  return Math.max(state.bls?.height ?? 0, state.zk?.height ?? 0);
}

/** The highest hub block either tier has verified as final; undefined while the client is still at genesis. */
export function getLatestFinalizedBlock(state: HubLightClientState): { height: number; time: number; blockHash: Uint8Array; tier: LightClientTier } | undefined {
  const tiers = (["bls", "zk"] as const).flatMap((tier) => {
    const t = state[tier];
    return t && t.height > 0 ? [{ height: t.height, time: t.time, blockHash: t.blockHash.slice(), tier }] : [];
  });
  return tiers.sort((a, b) => b.height - a.height)[0];
}

/**
 * True when the client can no longer advance on its own: every trusted tier is at least the trusting
 * period old at `now`. It then needs a new trust root (createHubLightClient from a recent header).
 */
export function isTrustExpired(state: HubLightClientState, now: number): boolean {
  return [state.bls, state.zk].every((t) => t === undefined || now - t.time >= state.trustingPeriodMs);
}

// ---- the rules shared by both tiers ----

type Trusted = { height: number; time: number };

/** Trust not expired, strictly newer height and time, not ahead of `now` beyond the drift. Pure arithmetic: runs before any hashing. */
function assertNewer(state: HubLightClientState, tier: LightClientTier, trusted: Trusted, height: number, time: number, now: number): void {
  if (now - trusted.time >= state.trustingPeriodMs) throw expired(tier, trusted.time, state, now);
  if (height <= trusted.height) {
    throw err({ code: "LIGHT_CLIENT_ERROR_NOT_NEWER", tier, height, trustedHeight: trusted.height }, `height ${height} is not above the trusted height ${trusted.height}`);
  }
  if (time <= trusted.time) {
    throw err({ code: "LIGHT_CLIENT_ERROR_TIME_NOT_INCREASING", tier, time, trustedTime: trusted.time }, `time ${time} of height ${height} is not after the trusted time ${trusted.time}`);
  }
  if (time > now + state.maxClockDriftMs) throw fromTheFuture(tier, time, state, now);
}

function expired(tier: LightClientTier, trustedTime: number, s: { trustingPeriodMs: number }, now: number): LightClientError {
  return err(
    { code: "LIGHT_CLIENT_ERROR_TRUST_EXPIRED", tier, trustedTime, trustingPeriodMs: s.trustingPeriodMs, now },
    `the trusted ${tier} point (hub time ${trustedTime}) is older than the trusting period (${s.trustingPeriodMs} ms) at ${now}: start again from a recent trusted root`,
  );
}

function fromTheFuture(tier: LightClientTier, time: number, s: { maxClockDriftMs: number }, now: number): LightClientError {
  return err({ code: "LIGHT_CLIENT_ERROR_FROM_THE_FUTURE", tier, time, now, maxClockDriftMs: s.maxClockDriftMs }, `time ${time} is ahead of now (${now}) by more than ${s.maxClockDriftMs} ms`);
}

function wrongChain(expected: string, actual: string): LightClientError {
  return err({ code: "LIGHT_CLIENT_ERROR_WRONG_CHAIN", expected, actual: String(actual) }, `chain ${String(actual)} is not ${expected}`);
}

const HEADER_HASHES = ["parentHash", "txRoot", "stateRoot", "consumerCheckpointRoot", "validatorSetRoot", "nextValidatorSetRoot", "lastCommitHash", "evidenceRoot"] as const;

/** Types and lengths, so that hashing the header cannot throw anything but what is checked here. */
function assertHeaderShape(h: BlockHeader, field: string): void {
  if (!h || typeof h !== "object") throw malformed(field, "not an object");
  if (typeof h.chainId !== "string" || h.chainId.length === 0) throw malformed(`${field}.chainId`, "empty");
  if (!Number.isSafeInteger(h.height) || h.height < 1) throw malformed(`${field}.height`, "not a height");
  if (!isTime(h.time)) throw malformed(`${field}.time`, "not a Unix ms time");
  for (const f of HEADER_HASHES) if (!isBytes(h[f], HASH_LENGTH)) throw malformed(`${field}.${f}`, `must be ${HASH_LENGTH} bytes`);
  if (!isBytes(h.proposer, ADDRESS_LENGTH)) throw malformed(`${field}.proposer`, `must be ${ADDRESS_LENGTH} bytes`);
}

/** A copy the caller cannot change afterwards. */
function copyHeader(h: BlockHeader): BlockHeader {
  const out = { ...h } as BlockHeader;
  for (const f of HEADER_HASHES) out[f] = h[f].slice();
  out.proposer = h.proposer.slice();
  return Object.freeze(out);
}

function freezeBls(b: BlsTrustedState): BlsTrustedState {
  return Object.freeze(b);
}

/**
 * A set from the network, checked against the root it must have: shapes first, then one SHA-256 of
 * the set as given (its `totalPower` and addresses are not trusted), then the set rebuilt by
 * `createValidatorSet` (keys valid, no duplicates, total recomputed, canonical order), whose root must
 * be the same. Proofs of possession are not re-checked: the hub checked them when the keys entered.
 */
function checkValidatorSet(set: ValidatorSet | undefined, expectedRoot: Uint8Array, field: string): ValidatorSet {
  assertValidatorSetRoot(set, expectedRoot, field);
  const rebuilt = rebuildValidatorSet(set, field);
  const root = computeValidatorSetRoot(rebuilt);
  if (!bytesEqual(root, expectedRoot)) {
    throw err({ code: "LIGHT_CLIENT_ERROR_WRONG_VALIDATOR_SET", field, expected: toHex(expectedRoot), actual: toHex(root) }, `${field} is not in canonical order`);
  }
  return rebuilt;
}

/** Shapes, then the root of the set as given (its `totalPower` and addresses are not read). */
function assertValidatorSetRoot(set: ValidatorSet | undefined, expectedRoot: Uint8Array, field: string): asserts set is ValidatorSet {
  assertValidatorSetShape(set, field);
  const given = computeValidatorSetRoot({ validators: set.validators, totalPower: 0n });
  if (!bytesEqual(given, expectedRoot)) {
    throw err({ code: "LIGHT_CLIENT_ERROR_WRONG_VALIDATOR_SET", field, expected: toHex(expectedRoot), actual: toHex(given) }, `${field} is not the set with root ${toHex(expectedRoot)}`);
  }
}

function assertValidatorSetShape(set: ValidatorSet | undefined, field: string): asserts set is ValidatorSet {
  if (!set || typeof set !== "object" || !Array.isArray(set.validators) || set.validators.length === 0) throw malformed(field, "not a non-empty validator set");
  set.validators.forEach((v, i) => {
    if (!v || !isBytes(v.blsPublicKey, BLS_PUBLIC_KEY_LENGTH)) throw malformed(`${field}.validators[${i}].blsPublicKey`, `must be ${BLS_PUBLIC_KEY_LENGTH} bytes`);
    if (typeof v.power !== "bigint" || v.power < 1n || v.power > ZK_MAX_POWER) throw malformed(`${field}.validators[${i}].power`, "not a power");
  });
}

function rebuildValidatorSet(set: ValidatorSet | undefined, field: string): ValidatorSet {
  assertValidatorSetShape(set, field);
  try {
    return createValidatorSet(
      set.validators.map((v) => ({ blsPublicKey: v.blsPublicKey.slice(), power: v.power })),
      { skipProofOfPossession: true },
    );
  } catch (e) {
    if (e instanceof ValidatorSetError) throw malformed(field, e.code);
    throw e;
  }
}
