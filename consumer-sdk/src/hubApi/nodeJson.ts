/**
 * JSON shapes of the hub API about a node and its chain's parameters: status, the validator set,
 * the ZK parameters, recent commits, stored evidence, transaction submission and error bodies. As in
 * chainJson.ts: the JSON type, `encode*Json` (the hub's server) and `decode*Json` (clients).
 */
import { BLS_PUBLIC_KEY_LENGTH } from "../bls.js";
import { HASH_LENGTH } from "../hash.js";
import { ADDRESS_LENGTH } from "../header.js";
import { VoteType } from "../signBytes.js";
import { computeValidatorAddress, MAX_TOTAL_POWER, type Validator, type ValidatorSet } from "../validatorSet.js";
import { BN254_BASE_FIELD, isZkCircuitName, ZK_PUBLIC_INPUTS, type Groth16VerificationKey } from "../zkCertificate.js";
import { BN254_SCALAR_FIELD, ZK_MAX_CAPACITY } from "../zkFinality.js";
import { HUB_MAX_SIGNER_BITMAP_BYTES, HUB_MAX_TX_BYTES, isHubDoubleAttestationEvidence, type HubEvidence } from "./chainJson.js";
import {
  encodeBase64,
  encodeHex,
  encodeIsoTime,
  inconsistent,
  malformed,
  readArray,
  readBase64,
  readBoolean,
  readChainId,
  readDecimal,
  readHex,
  readInt,
  readIsoTime,
  readLiteral,
  readNullable,
  readObject,
  readString,
  readTag,
} from "./jsonCodec.js";

const U32_MAX = 0xffffffff;
const MAX_MONIKER_LENGTH = 256;
const readHeight = (v: unknown, path: string) => readInt(v, path, 1);

// ---------------------------------------------------------------------------------------------
// GET /status
// ---------------------------------------------------------------------------------------------

export interface StatusJson {
  chainId: string;
  moniker: string;
  /** Latest committed height; 0 before the first block. */
  height: number;
  latestBlockHash: string | null;
  /** ISO-8601 with milliseconds. */
  latestBlockTime: string | null;
  /** Validators in the genesis set. */
  validatorSetSize: number;
  /** This node's index in the current set; null when it is not a validator. */
  validatorIndex: number | null;
  round: number;
  peerId: string;
  peers: number;
  mempoolSize: number;
}

export interface HubStatus {
  chainId: string;
  moniker: string;
  height: number;
  latestBlockHash: Uint8Array | null;
  /** Unix ms. */
  latestBlockTime: number | null;
  validatorSetSize: number;
  validatorIndex: number | null;
  round: number;
  peerId: string;
  peers: number;
  mempoolSize: number;
}

export function encodeStatusJson(s: HubStatus): StatusJson {
  return {
    chainId: s.chainId,
    moniker: s.moniker,
    height: s.height,
    latestBlockHash: s.latestBlockHash ? encodeHex(s.latestBlockHash) : null,
    latestBlockTime: s.latestBlockTime === null ? null : encodeIsoTime(s.latestBlockTime),
    validatorSetSize: s.validatorSetSize,
    validatorIndex: s.validatorIndex,
    round: s.round,
    peerId: s.peerId,
    peers: s.peers,
    mempoolSize: s.mempoolSize,
  };
}

export function decodeStatusJson(json: unknown, path = "$"): HubStatus {
  const o = readObject(json, path, ["chainId", "moniker", "height", "latestBlockHash", "latestBlockTime", "validatorSetSize", "validatorIndex", "round", "peerId", "peers", "mempoolSize"]);
  const s: HubStatus = {
    chainId: readChainId(o.chainId, `${path}.chainId`),
    moniker: readString(o.moniker, `${path}.moniker`, MAX_MONIKER_LENGTH),
    height: readInt(o.height, `${path}.height`, 0),
    latestBlockHash: readNullable(o.latestBlockHash, `${path}.latestBlockHash`, (x, p) => readHex(x, p, HASH_LENGTH)),
    latestBlockTime: readNullable(o.latestBlockTime, `${path}.latestBlockTime`, readIsoTime),
    validatorSetSize: readInt(o.validatorSetSize, `${path}.validatorSetSize`, 1),
    validatorIndex: readNullable(o.validatorIndex, `${path}.validatorIndex`, (x, p) => readInt(x, p, 0, U32_MAX)),
    round: readInt(o.round, `${path}.round`, 0, U32_MAX),
    peerId: readString(o.peerId, `${path}.peerId`, 128, 1),
    peers: readInt(o.peers, `${path}.peers`, 0),
    mempoolSize: readInt(o.mempoolSize, `${path}.mempoolSize`, 0),
  };
  for (const f of ["latestBlockHash", "latestBlockTime"] as const) {
    if ((s[f] === null) !== (s.height === 0)) throw inconsistent(`${path}.${f}`, s.height === 0 ? "set before the first block" : "null after the first block");
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// GET /validators
// ---------------------------------------------------------------------------------------------

export interface ValidatorJson {
  /** Position in the set: bit `index` of a signer bitmap. */
  index: number;
  /** From the genesis; null for a validator that joined later. */
  moniker: string | null;
  /** 20 bytes: sha256(blsPublicKey)[0..20]. */
  address: string;
  /** 48 bytes. */
  blsPublicKey: string;
  /** Decimal. */
  power: string;
}

/** `GET /validators`: the set that signs the next height. */
export interface ValidatorSetJson {
  /** Decimal. */
  totalPower: string;
  validators: ValidatorJson[];
}

export interface HubValidatorSetResponse {
  validatorSet: ValidatorSet;
  /** `monikers[i]` names `validatorSet.validators[i]`. */
  monikers: (string | null)[];
}

/** `monikers`: by lowercase hex BLS public key. */
export function encodeValidatorSetJson(set: ValidatorSet, monikers: ReadonlyMap<string, string>): ValidatorSetJson {
  return {
    totalPower: set.totalPower.toString(),
    validators: set.validators.map((v, index) => {
      const key = encodeHex(v.blsPublicKey);
      return { index, moniker: monikers.get(key) ?? null, address: encodeHex(v.address), blsPublicKey: key, power: v.power.toString() };
    }),
  };
}

/**
 * Checks each entry, then the set's own arithmetic: indices in order, each address the key's,
 * the canonical order (power descending, then address ascending: no key twice) and the total. The
 * keys are not checked as curve points; a consumer trusts a set by its root
 * (`computeValidatorSetRoot`) against a header, not by this answer.
 */
export function decodeValidatorSetJson(json: unknown, path = "$"): HubValidatorSetResponse {
  const o = readObject(json, path, ["totalPower", "validators"]);
  const totalPower = readDecimal(o.totalPower, `${path}.totalPower`, MAX_TOTAL_POWER, 1n);
  const monikers: (string | null)[] = [];
  const addresses: Uint8Array[] = [];
  const validators = readArray(
    o.validators,
    `${path}.validators`,
    HUB_MAX_SIGNER_BITMAP_BYTES * 8,
    (x, p, i): Validator => {
      const v = readObject(x, p, ["index", "moniker", "address", "blsPublicKey", "power"]);
      const index = readInt(v.index, `${p}.index`, 0, U32_MAX);
      if (index !== i) throw inconsistent(`${p}.index`, `not its position (${i})`);
      monikers.push(readNullable(v.moniker, `${p}.moniker`, (m, q) => readString(m, q, MAX_MONIKER_LENGTH)));
      addresses.push(readHex(v.address, `${p}.address`, ADDRESS_LENGTH));
      return { address: addresses[i]!, blsPublicKey: readHex(v.blsPublicKey, `${p}.blsPublicKey`, BLS_PUBLIC_KEY_LENGTH), power: readDecimal(v.power, `${p}.power`, MAX_TOTAL_POWER, 1n) };
    },
    1,
  );
  let sum = 0n;
  validators.forEach((v, i) => {
    sum += v.power;
    const p = `${path}.validators[${i}]`;
    if (encodeHex(computeValidatorAddress(v.blsPublicKey)) !== encodeHex(v.address)) throw inconsistent(`${p}.address`, "not the address of blsPublicKey");
    const prev = validators[i - 1];
    if (prev && !(prev.power > v.power || (prev.power === v.power && encodeHex(prev.address) < encodeHex(v.address)))) {
      throw inconsistent(p, "out of the canonical order (power descending, then address ascending)");
    }
  });
  if (sum !== totalPower) throw inconsistent(`${path}.totalPower`, `not the sum of the powers (${sum})`);
  return { validatorSet: { validators, totalPower }, monikers };
}

// ---------------------------------------------------------------------------------------------
// GET /zk?height=H
// ---------------------------------------------------------------------------------------------

/** 404 when the chain makes no ZK certificates. */
export interface ZkInfoJson {
  circuit: string;
  capacity: number;
  attestationIntervalMs: number;
  /** The chain's key (the genesis's, or the one MsgActivateZk set), only the fields a verifier reads; null before activation. */
  verificationKey: Groth16VerificationKey | null;
  /** The first height a certificate may be of (1 with a genesis key); null while the chain waits for MsgActivateZk. */
  fromHeight: number | null;
  /** Whether this node proves. */
  prover: boolean;
  latestCertifiedHeight: number | null;
  /** The last certificate recorded (and rewarded) in the state. */
  recordedHeight: number | null;
  /** Decimal amount of the chain's denom. */
  proverReward: string;
  /** The height whose signing set `validatorSetRoot` is. */
  height: number;
  /** Decimal Poseidon root; null when the node does not know it. */
  validatorSetRoot: string | null;
}

export interface HubZkInfo {
  circuit: string;
  capacity: number;
  attestationIntervalMs: number;
  verificationKey: Groth16VerificationKey | null;
  fromHeight: number | null;
  prover: boolean;
  latestCertifiedHeight: number | null;
  recordedHeight: number | null;
  proverReward: bigint;
  height: number;
  validatorSetRoot: bigint | null;
}

export function encodeZkInfoJson(z: HubZkInfo): ZkInfoJson {
  return { ...z, proverReward: z.proverReward.toString(), validatorSetRoot: z.validatorSetRoot === null ? null : z.validatorSetRoot.toString() };
}

const MAX_PROVER_REWARD = 10n ** 31n - 1n; // the genesis allows 31 digits

function readG1(v: unknown, path: string): string[] {
  return readArray(v, path, 3, (x, p) => readDecimal(x, p, BN254_BASE_FIELD - 1n).toString(), 3);
}

function readG2(v: unknown, path: string): string[][] {
  return readArray(v, path, 3, (c, q) => readArray(c, q, 2, (x, p) => readDecimal(x, p, BN254_BASE_FIELD - 1n).toString(), 2), 3);
}

/** A snarkjs Groth16 bn128 key for the quorum circuit's public inputs, as the genesis keeps it. Shapes and ranges only. */
export function decodeGroth16VerificationKeyJson(json: unknown, path = "$"): Groth16VerificationKey {
  const o = readObject(json, path, ["protocol", "curve", "nPublic", "vk_alpha_1", "vk_beta_2", "vk_gamma_2", "vk_delta_2", "IC"]);
  const n = ZK_PUBLIC_INPUTS.length;
  return {
    protocol: readLiteral(o.protocol, `${path}.protocol`, ["groth16"] as const),
    curve: readLiteral(o.curve, `${path}.curve`, ["bn128"] as const),
    nPublic: readLiteral(o.nPublic, `${path}.nPublic`, [n]),
    vk_alpha_1: readG1(o.vk_alpha_1, `${path}.vk_alpha_1`),
    vk_beta_2: readG2(o.vk_beta_2, `${path}.vk_beta_2`),
    vk_gamma_2: readG2(o.vk_gamma_2, `${path}.vk_gamma_2`),
    vk_delta_2: readG2(o.vk_delta_2, `${path}.vk_delta_2`),
    IC: readArray(o.IC, `${path}.IC`, n + 1, readG1, n + 1),
  };
}

export function decodeZkInfoJson(json: unknown, path = "$"): HubZkInfo {
  const o = readObject(json, path, ["circuit", "capacity", "attestationIntervalMs", "verificationKey", "fromHeight", "prover", "latestCertifiedHeight", "recordedHeight", "proverReward", "height", "validatorSetRoot"]);
  if (!isZkCircuitName(o.circuit)) throw malformed(`${path}.circuit`, "not a circuit name (1-64 of a-z 0-9 _ -)");
  const capacity = readInt(o.capacity, `${path}.capacity`, 1, ZK_MAX_CAPACITY);
  if ((capacity & (capacity - 1)) !== 0) throw malformed(`${path}.capacity`, "not a power of two");
  const info: HubZkInfo = {
    circuit: o.circuit,
    capacity,
    attestationIntervalMs: readInt(o.attestationIntervalMs, `${path}.attestationIntervalMs`, 1),
    prover: readBoolean(o.prover, `${path}.prover`),
    latestCertifiedHeight: readNullable(o.latestCertifiedHeight, `${path}.latestCertifiedHeight`, readHeight),
    recordedHeight: readNullable(o.recordedHeight, `${path}.recordedHeight`, readHeight),
    proverReward: readDecimal(o.proverReward, `${path}.proverReward`, MAX_PROVER_REWARD),
    height: readHeight(o.height, `${path}.height`),
    validatorSetRoot: readNullable(o.validatorSetRoot, `${path}.validatorSetRoot`, (x, p) => readDecimal(x, p, BN254_SCALAR_FIELD - 1n)),
    verificationKey: readNullable(o.verificationKey, `${path}.verificationKey`, decodeGroth16VerificationKeyJson),
    fromHeight: readNullable(o.fromHeight, `${path}.fromHeight`, (x, p) => readInt(x, p, 1)),
  };
  if ((info.verificationKey === null) !== (info.fromHeight === null)) throw inconsistent(`${path}.fromHeight`, "null exactly when verificationKey is null");
  return info;
}

// ---------------------------------------------------------------------------------------------
// GET /zk/activation?height=H
// ---------------------------------------------------------------------------------------------

/**
 * The ZK activation record (decision 58) in the state committed at `height`, with its Merkle proof:
 * check it with verifyZkActivationProof against the `stateRoot` of the header of `height` that you
 * verified yourself (the answer's own `stateRoot` is the node's word, for reference). `activation`
 * null: the proof shows the chain not activated there. 404 on a chain without a ZK section or a
 * height the node has no state for.
 */
export interface ZkActivationProofJson {
  height: number;
  /** Hex. */
  stateRoot: string;
  /** Hex of the record's bytes (consumer-sdk encodeZkActivation); null when absent. */
  activation: string | null;
  /** Trie nodes, hex, root first. */
  proof: string[];
}

export interface HubZkActivationProof {
  height: number;
  stateRoot: Uint8Array;
  activation: Uint8Array | null;
  proof: Uint8Array[];
}

/** Trie nodes in a proof: at most this many, each at most MAX_PROOF_NODE_LENGTH bytes. */
const MAX_PROOF_NODES = 64;
const MAX_PROOF_NODE_LENGTH = 64 * 1024;

export function encodeZkActivationProofJson(p: HubZkActivationProof): ZkActivationProofJson {
  return { height: p.height, stateRoot: encodeHex(p.stateRoot), activation: p.activation === null ? null : encodeHex(p.activation), proof: p.proof.map(encodeHex) };
}

/** Shapes only: the proof itself is checked by verifyZkActivationProof against a header you verified. */
export function decodeZkActivationProofJson(json: unknown, path = "$"): HubZkActivationProof {
  const o = readObject(json, path, ["height", "stateRoot", "activation", "proof"]);
  return {
    height: readHeight(o.height, `${path}.height`),
    stateRoot: readHex(o.stateRoot, `${path}.stateRoot`, 32),
    activation: readNullable(o.activation, `${path}.activation`, (x, p) => readHex(x, p, { min: 1, max: MAX_PROOF_NODE_LENGTH })),
    proof: readArray(o.proof, `${path}.proof`, MAX_PROOF_NODES, (x, p) => readHex(x, p, { min: 1, max: MAX_PROOF_NODE_LENGTH })),
  };
}

// ---------------------------------------------------------------------------------------------
// GET /commits?limit=N
// ---------------------------------------------------------------------------------------------

export interface CommitSummaryJson {
  height: number;
  round: number;
  /** When this node committed it (its clock), ISO-8601 with milliseconds. */
  time: string;
  /** Proposal seen to commit on this node, ms; null for a block it synced. */
  finalityMs: number | null;
  txCount: number;
}

export interface CommitsJson {
  commits: CommitSummaryJson[];
}

export interface HubCommitSummary {
  height: number;
  round: number;
  /** Unix ms. */
  time: number;
  finalityMs: number | null;
  txCount: number;
}

export const HUB_MAX_COMMITS_LIMIT = 1000;

export function encodeCommitsJson(commits: readonly HubCommitSummary[]): CommitsJson {
  return { commits: commits.map((c) => ({ height: c.height, round: c.round, time: encodeIsoTime(c.time), finalityMs: c.finalityMs, txCount: c.txCount })) };
}

export function decodeCommitsJson(json: unknown, path = "$"): HubCommitSummary[] {
  const o = readObject(json, path, ["commits"]);
  return readArray(o.commits, `${path}.commits`, HUB_MAX_COMMITS_LIMIT, (x, p) => {
    const c = readObject(x, p, ["height", "round", "time", "finalityMs", "txCount"]);
    return {
      height: readHeight(c.height, `${p}.height`),
      round: readInt(c.round, `${p}.round`, 0, U32_MAX),
      time: readIsoTime(c.time, `${p}.time`),
      finalityMs: readNullable(c.finalityMs, `${p}.finalityMs`, (m, q) => {
        if (typeof m !== "number" || !Number.isFinite(m) || m < 0) throw malformed(q, "not a non-negative number of ms");
        return m;
      }),
      txCount: readInt(c.txCount, `${p}.txCount`, 0),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// GET /evidence
// ---------------------------------------------------------------------------------------------

/** One stored offence: what, who, when, and the two block hashes signed. */
export type EvidenceSummaryJson =
  | { kind: "duplicate_vote"; height: number; round: number; type: VoteType; validatorIndex: number; blockHashA: string | null; blockHashB: string | null; time: string }
  | { kind: "double_attestation"; height: number; validatorIndex: number; blockHashA: string; blockHashB: string; time: string };

export interface EvidenceListJson {
  evidence: EvidenceSummaryJson[];
}

export type HubEvidenceSummary =
  | { kind: "duplicate_vote"; height: number; round: number; type: VoteType; validatorIndex: number; blockHashA: Uint8Array | null; blockHashB: Uint8Array | null; time: number }
  | { kind: "double_attestation"; height: number; validatorIndex: number; blockHashA: Uint8Array; blockHashB: Uint8Array; time: number };

export const HUB_MAX_EVIDENCE_LIST = 1000;

export function encodeEvidenceSummaryJson(e: HubEvidence): EvidenceSummaryJson {
  if (isHubDoubleAttestationEvidence(e)) {
    const a = e.attestationA;
    return { kind: "double_attestation", height: a.height, validatorIndex: a.validatorIndex, blockHashA: encodeHex(a.blockHash), blockHashB: encodeHex(e.attestationB.blockHash), time: encodeIsoTime(e.time) };
  }
  const v = e.voteA;
  return {
    kind: "duplicate_vote",
    height: v.height,
    round: v.round,
    type: v.type,
    validatorIndex: v.validatorIndex,
    blockHashA: v.blockHash ? encodeHex(v.blockHash) : null,
    blockHashB: e.voteB.blockHash ? encodeHex(e.voteB.blockHash) : null,
    time: encodeIsoTime(e.time),
  };
}

export function encodeEvidenceListJson(list: readonly HubEvidence[]): EvidenceListJson {
  return { evidence: list.map(encodeEvidenceSummaryJson) };
}

export function decodeEvidenceSummaryJson(json: unknown, path = "$"): HubEvidenceSummary {
  const kind = readTag(json, path, "kind", ["duplicate_vote", "double_attestation"] as const);
  const hash = (v: unknown, p: string) => readHex(v, p, HASH_LENGTH);
  if (kind === "double_attestation") {
    const o = readObject(json, path, ["kind", "height", "validatorIndex", "blockHashA", "blockHashB", "time"]);
    return {
      kind,
      height: readHeight(o.height, `${path}.height`),
      validatorIndex: readInt(o.validatorIndex, `${path}.validatorIndex`, 0, U32_MAX),
      blockHashA: hash(o.blockHashA, `${path}.blockHashA`),
      blockHashB: hash(o.blockHashB, `${path}.blockHashB`),
      time: readIsoTime(o.time, `${path}.time`),
    };
  }
  const o = readObject(json, path, ["kind", "height", "round", "type", "validatorIndex", "blockHashA", "blockHashB", "time"]);
  return {
    kind,
    height: readHeight(o.height, `${path}.height`),
    round: readInt(o.round, `${path}.round`, 0, U32_MAX),
    type: readLiteral(o.type, `${path}.type`, [VoteType.Prevote, VoteType.Precommit]),
    validatorIndex: readInt(o.validatorIndex, `${path}.validatorIndex`, 0, U32_MAX),
    blockHashA: readNullable(o.blockHashA, `${path}.blockHashA`, hash),
    blockHashB: readNullable(o.blockHashB, `${path}.blockHashB`, hash),
    time: readIsoTime(o.time, `${path}.time`),
  };
}

export function decodeEvidenceListJson(json: unknown, path = "$"): HubEvidenceSummary[] {
  const o = readObject(json, path, ["evidence"]);
  return readArray(o.evidence, `${path}.evidence`, HUB_MAX_EVIDENCE_LIST, decodeEvidenceSummaryJson);
}

// ---------------------------------------------------------------------------------------------
// POST /txs
// ---------------------------------------------------------------------------------------------

export interface SubmitTxRequestJson {
  /** The transaction bytes (a Cosmos TxRaw), base64. */
  tx: string;
}

/** 202: `added` false for a transaction already pending (not an error). */
export interface SubmitTxResponseJson {
  /** SHA-256 of the transaction, lowercase hex. */
  hash: string;
  added: boolean;
}

export function encodeSubmitTxRequestJson(tx: Uint8Array): SubmitTxRequestJson {
  return { tx: encodeBase64(tx) };
}

/** The request body (the server's check): 1 to `HUB_MAX_TX_BYTES` bytes of base64 (padding optional). */
export function decodeSubmitTxRequestJson(json: unknown, path = "$"): Uint8Array {
  const o = readObject(json, path, ["tx"]);
  return readBase64(o.tx, `${path}.tx`, 1, HUB_MAX_TX_BYTES);
}

export function encodeSubmitTxResponseJson(r: { hash: Uint8Array; added: boolean }): SubmitTxResponseJson {
  return { hash: encodeHex(r.hash), added: r.added };
}

export function decodeSubmitTxResponseJson(json: unknown, path = "$"): { hash: Uint8Array; added: boolean } {
  const o = readObject(json, path, ["hash", "added"]);
  return { hash: readHex(o.hash, `${path}.hash`, HASH_LENGTH), added: readBoolean(o.added, `${path}.added`) };
}

// ---------------------------------------------------------------------------------------------
// Error bodies (every 4xx / 5xx of the routes above)
// ---------------------------------------------------------------------------------------------

/** The codes the hub answers with today; stable, never reused. */
export const API_ERROR_CODES = [
  "API_ERROR_INVALID_HEIGHT",
  "API_ERROR_INVALID_LIMIT",
  "API_ERROR_NOT_FOUND",
  "API_ERROR_INVALID_TX",
  "API_ERROR_TX_REJECTED",
  "API_ERROR_BAD_REQUEST",
  "API_ERROR_INTERNAL",
  /** 426: a plain HTTP request to a WebSocket route (`/stream/certificates`). */
  "API_ERROR_UPGRADE_REQUIRED",
  /** 413: a request body over the limit. */
  "API_ERROR_BODY_TOO_LARGE",
  /** 408: the headers or the body did not arrive in time. */
  "API_ERROR_REQUEST_TIMEOUT",
  /** 414: a path segment (route parameter) over the length limit. */
  "API_ERROR_URI_TOO_LONG",
  /** 429: a request on a connection beyond the client's limit of open connections (the connection is closed). */
  "API_ERROR_TOO_MANY_CONNECTIONS",
  /** 429 (this client) or 503 (all clients): a stream subscription beyond the limit, refused before the upgrade. */
  "API_ERROR_TOO_MANY_SUBSCRIBERS",
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export interface ApiErrorJson {
  error: { code: ApiErrorCode; message: string };
}

export function encodeApiErrorJson(code: ApiErrorCode, message: string): ApiErrorJson {
  return { error: { code, message } };
}

const API_ERROR_CODE_PATTERN = /^API_ERROR_[A-Z0-9_]{1,64}$/;

/**
 * An error body. A code this SDK does not list yet (a newer hub) is still returned when it has the
 * `API_ERROR_*` form, so callers can switch on the known ones and report the others.
 */
export function decodeApiErrorJson(json: unknown, path = "$"): { code: ApiErrorCode | (string & {}); message: string } {
  const e = readObject(readObject(json, path, ["error"]).error, `${path}.error`, ["code", "message"]);
  const code = readString(e.code, `${path}.error.code`, 80, 1);
  if (!API_ERROR_CODE_PATTERN.test(code)) throw malformed(`${path}.error.code`, "not an API_ERROR_* code");
  return { code, message: readString(e.message, `${path}.error.message`, 64 * 1024) };
}
