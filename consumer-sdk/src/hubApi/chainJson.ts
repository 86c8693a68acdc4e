/**
 * JSON shapes of the hub API for chain data: headers, blocks (transactions, last commit, evidence),
 * BLS and succinct (ZK) certificates, polkas, and the certificate stream. For each: the JSON type (what goes
 * over the wire), `encode*Json` (what the hub's server calls) and `decode*Json` (what a client calls:
 * every field checked, cheapest first, then the fields against each other; HubApiError otherwise).
 *
 * Conventions of the wire form: bytes are lowercase hex (transactions base64), bigints decimal
 * strings, header and evidence times ISO-8601 with milliseconds, a ZK certificate's time Unix ms.
 */
import { BLS_SIGNATURE_LENGTH } from "../bls.js";
import { computeCommitCertificateHash, type CommitCertificate, type PolkaCertificate } from "../commitCertificate.js";
import { HASH_LENGTH } from "../hash.js";
import { ADDRESS_LENGTH, computeBlockHash, type BlockHeader } from "../header.js";
import { VoteType } from "../signBytes.js";
import { getSignerIndices } from "../signerBitmap.js";
import { MAX_TOTAL_POWER, type ValidatorSet } from "../validatorSet.js";
import { isZkCircuitName, getZkPublicSignals, ZK_PROOF_LENGTH, ZK_PUBLIC_INPUTS, type ZkCertificate } from "../zkCertificate.js";
import { BN254_SCALAR_FIELD, getZkSigners, ZK_MAX_CAPACITY, ZK_PROVER_LENGTH } from "../zkFinality.js";
import {
  encodeBase64,
  encodeHex,
  encodeIsoTime,
  HUB_CHAIN_ID_PATTERN,
  inconsistent,
  malformed,
  readArray,
  readBase64,
  readChainId,
  readDecimal,
  readHex,
  readInt,
  readIsoTime,
  readLiteral,
  readNullable,
  readObject,
  readTag,
} from "./jsonCodec.js";

// ---------------------------------------------------------------------------------------------
// Limits (the hub's own: its genesis and block codec refuse more)
// ---------------------------------------------------------------------------------------------

export { HUB_CHAIN_ID_PATTERN } from "./jsonCodec.js";
/** Largest transaction a block may carry (the hub's codec limit). */
export const HUB_MAX_TX_BYTES = 1 << 20;
export const HUB_MAX_TXS_PER_BLOCK = 100_000;
export const HUB_MAX_EVIDENCE_PER_BLOCK = 64;
/** Longest BLS signer bitmap a decoder accepts: 65,536 validators, far above any set the hub runs. */
export const HUB_MAX_SIGNER_BITMAP_BYTES = 8192;
/** A finality attestation's EdDSA-Poseidon signature: packed R8 || S. */
export const HUB_ATTESTATION_SIGNATURE_LENGTH = 64;
const U32_MAX = 0xffffffff;
const ZK_SIGNERS_MAX = (1n << BigInt(ZK_MAX_CAPACITY)) - 1n;

const readHash = (v: unknown, path: string) => readHex(v, path, HASH_LENGTH);
const readHeight = (v: unknown, path: string) => readInt(v, path, 1);
const readField = (v: unknown, path: string) => readDecimal(v, path, BN254_SCALAR_FIELD - 1n);

// ---------------------------------------------------------------------------------------------
// Domain types the SDK had no type for yet: the hub's block, votes, attestations and evidence.
// They are structurally the hub's own (hub/src/consensus/types.ts, codec.ts), so either passes.
// ---------------------------------------------------------------------------------------------

export interface HubVote {
  type: VoteType;
  height: number;
  round: number;
  /** null = a vote for nil. */
  blockHash: Uint8Array | null;
  validatorIndex: number;
  signature: Uint8Array;
}

/** A validator's finality attestation of a committed block (aegis.v1.FinalityAttestation). */
export interface HubFinalityAttestation {
  height: number;
  /** The block's header time (Unix ms). */
  time: number;
  blockHash: Uint8Array;
  validatorSetRoot: bigint;
  nextValidatorSetRoot: bigint;
  validatorIndex: number;
  /** Packed R8 || S (64 bytes). */
  signature: Uint8Array;
}

export interface HubDuplicateVoteEvidence {
  voteA: HubVote;
  voteB: HubVote;
  /** Unix ms when first seen. */
  time: number;
}

export interface HubDoubleAttestationEvidence {
  attestationA: HubFinalityAttestation;
  attestationB: HubFinalityAttestation;
  /** Unix ms when first seen. */
  time: number;
}

export type HubEvidence = HubDuplicateVoteEvidence | HubDoubleAttestationEvidence;

export function isHubDoubleAttestationEvidence(e: HubEvidence): e is HubDoubleAttestationEvidence {
  return "attestationA" in e;
}

export interface HubBlock {
  header: BlockHeader;
  txs: Uint8Array[];
  /** The certificate of the previous height; null at height 1. */
  lastCommit: CommitCertificate | null;
  evidence: HubEvidence[];
}

// ---------------------------------------------------------------------------------------------
// Header
// ---------------------------------------------------------------------------------------------

export interface BlockHeaderJson {
  chainId: string;
  height: number;
  /** ISO-8601 with milliseconds. */
  time: string;
  parentHash: string;
  txRoot: string;
  stateRoot: string;
  consumerCheckpointRoot: string;
  validatorSetRoot: string;
  nextValidatorSetRoot: string;
  /** 20-byte address. */
  proposer: string;
  lastCommitHash: string;
  evidenceRoot: string;
}

const HEADER_HASH_FIELDS = ["parentHash", "txRoot", "stateRoot", "consumerCheckpointRoot", "validatorSetRoot", "nextValidatorSetRoot", "lastCommitHash", "evidenceRoot"] as const;
const HEADER_KEYS = ["chainId", "height", "time", ...HEADER_HASH_FIELDS.slice(0, 6), "proposer", ...HEADER_HASH_FIELDS.slice(6)] as const;

export function encodeBlockHeaderJson(h: BlockHeader): BlockHeaderJson {
  return {
    chainId: h.chainId,
    height: h.height,
    time: encodeIsoTime(h.time),
    parentHash: encodeHex(h.parentHash),
    txRoot: encodeHex(h.txRoot),
    stateRoot: encodeHex(h.stateRoot),
    consumerCheckpointRoot: encodeHex(h.consumerCheckpointRoot),
    validatorSetRoot: encodeHex(h.validatorSetRoot),
    nextValidatorSetRoot: encodeHex(h.nextValidatorSetRoot),
    proposer: encodeHex(h.proposer),
    lastCommitHash: encodeHex(h.lastCommitHash),
    evidenceRoot: encodeHex(h.evidenceRoot),
  };
}

export function decodeBlockHeaderJson(json: unknown, path = "$"): BlockHeader {
  const o = readObject(json, path, HEADER_KEYS);
  const header = {
    chainId: readChainId(o.chainId, `${path}.chainId`),
    height: readHeight(o.height, `${path}.height`),
    time: readIsoTime(o.time, `${path}.time`),
  } as BlockHeader;
  for (const f of HEADER_HASH_FIELDS) header[f] = readHash(o[f], `${path}.${f}`);
  header.proposer = readHex(o.proposer, `${path}.proposer`, ADDRESS_LENGTH);
  // The field order of the domain type (so that decoded headers print like the hub's).
  return {
    chainId: header.chainId,
    height: header.height,
    time: header.time,
    parentHash: header.parentHash,
    txRoot: header.txRoot,
    stateRoot: header.stateRoot,
    consumerCheckpointRoot: header.consumerCheckpointRoot,
    validatorSetRoot: header.validatorSetRoot,
    nextValidatorSetRoot: header.nextValidatorSetRoot,
    proposer: header.proposer,
    lastCommitHash: header.lastCommitHash,
    evidenceRoot: header.evidenceRoot,
  };
}

/** `GET /headers/:height`. */
export interface HeaderResponseJson {
  blockHash: string;
  header: BlockHeaderJson;
}

export interface HubHeaderResponse {
  blockHash: Uint8Array;
  header: BlockHeader;
}

export function encodeHeaderResponseJson(header: BlockHeader, blockHash: Uint8Array = computeBlockHash(header)): HeaderResponseJson {
  return { blockHash: encodeHex(blockHash), header: encodeBlockHeaderJson(header) };
}

/** Also checks that `blockHash` is the header's hash. */
export function decodeHeaderResponseJson(json: unknown, path = "$"): HubHeaderResponse {
  const o = readObject(json, path, ["blockHash", "header"]);
  const blockHash = readHash(o.blockHash, `${path}.blockHash`);
  const header = decodeBlockHeaderJson(o.header, `${path}.header`);
  assertBlockHash(header, blockHash, `${path}.blockHash`);
  return { blockHash, header };
}

function assertBlockHash(header: BlockHeader, blockHash: Uint8Array, path: string): void {
  if (encodeHex(computeBlockHash(header)) !== encodeHex(blockHash)) throw inconsistent(path, "not the hash of the header");
}

// ---------------------------------------------------------------------------------------------
// BLS commit certificate
// ---------------------------------------------------------------------------------------------

/** A block's `lastCommit`: the certificate with its signer bitmap also as indices. */
export interface CommitCertificateJson {
  height: number;
  round: number;
  blockHash: string;
  /** Signer bitmap (hex, bit i LSB-first = validator i). */
  signers: string;
  /** The bitmap's indices, ascending. */
  signerIndices: number[];
  /** Aggregate BLS signature (96 bytes). */
  signature: string;
}

export function encodeCommitCertificateJson(c: CommitCertificate): CommitCertificateJson {
  return {
    height: c.height,
    round: c.round,
    blockHash: encodeHex(c.blockHash),
    signers: encodeHex(c.signers),
    signerIndices: getSignerIndices(c.signers),
    signature: encodeHex(c.signature),
  };
}

const COMMIT_KEYS = ["height", "round", "blockHash", "signers", "signerIndices", "signature"] as const;

function readCommitCertificate(o: Record<string, unknown>, path: string): CommitCertificate {
  const height = readHeight(o.height, `${path}.height`);
  const round = readInt(o.round, `${path}.round`, 0, U32_MAX);
  const blockHash = readHash(o.blockHash, `${path}.blockHash`);
  const signers = readHex(o.signers, `${path}.signers`, { min: 1, max: HUB_MAX_SIGNER_BITMAP_BYTES });
  const signature = readHex(o.signature, `${path}.signature`, BLS_SIGNATURE_LENGTH);
  const maxIndex = signers.length * 8 - 1;
  const indices = readArray(o.signerIndices, `${path}.signerIndices`, signers.length * 8, (x, p) => readInt(x, p, 0, maxIndex));
  const expected = getSignerIndices(signers);
  if (indices.length !== expected.length || indices.some((x, i) => x !== expected[i])) throw inconsistent(`${path}.signerIndices`, "not the indices of the signer bitmap");
  return { height, round, blockHash, signers, signature };
}

/** Checks structure and lengths only; whether it is a valid certificate is `assertValidCommitCertificate`'s to say. */
export function decodeCommitCertificateJson(json: unknown, path = "$"): CommitCertificate {
  return readCommitCertificate(readObject(json, path, COMMIT_KEYS), path);
}

/** The certificate of a height as `/certificates` and the stream show it: with the power that signed. */
export interface BlsCertificateJson extends CommitCertificateJson {
  /** Decimal: the power of the signers in the set that signs this height. */
  signedPower: string;
  /** Decimal: that set's total power. */
  totalPower: string;
}

export interface HubBlsCertificate {
  certificate: CommitCertificate;
  signedPower: bigint;
  totalPower: bigint;
}

/** `set` is the validator set that signs `c.height`. */
export function encodeBlsCertificateJson(c: CommitCertificate, set: ValidatorSet): BlsCertificateJson {
  const json = encodeCommitCertificateJson(c);
  const signedPower = json.signerIndices.reduce((s, i) => s + (set.validators[i]?.power ?? 0n), 0n);
  return { ...json, signedPower: signedPower.toString(), totalPower: set.totalPower.toString() };
}

export function decodeBlsCertificateJson(json: unknown, path = "$"): HubBlsCertificate {
  const o = readObject(json, path, [...COMMIT_KEYS, "signedPower", "totalPower"]);
  const certificate = readCommitCertificate(o, path);
  const totalPower = readDecimal(o.totalPower, `${path}.totalPower`, MAX_TOTAL_POWER, 1n);
  const signedPower = readDecimal(o.signedPower, `${path}.signedPower`, MAX_TOTAL_POWER);
  if (signedPower > totalPower) throw inconsistent(`${path}.signedPower`, "above totalPower");
  return { certificate, signedPower, totalPower };
}

// ---------------------------------------------------------------------------------------------
// Polkas: GET /polkas/:height
// ---------------------------------------------------------------------------------------------

/** Most polkas a `/polkas` answer may list (one per round and block: far above any real height). */
export const HUB_MAX_POLKAS_PER_HEIGHT = 4096;

/** One polka of the height: a commit certificate's fields without the height, over PREVOTE sign bytes. */
export interface PolkaJson {
  round: number;
  blockHash: string;
  /** Signer bitmap (hex, bit i LSB-first = validator i of the set that signs the height). */
  signers: string;
  /** Aggregate BLS signature of those prevotes (96 bytes). */
  signature: string;
}

/** `GET /polkas/:height`: every polka the node stored at `height`, by round then block hash. */
export interface PolkasJson {
  height: number;
  polkas: PolkaJson[];
}

export interface HubPolkas {
  height: number;
  /** Each with the response's height; ordered by round, then block hash. */
  polkas: PolkaCertificate[];
}

/** `polkas` must all be of `height` (the hub's store answers one height). */
export function encodePolkasJson(height: number, polkas: readonly PolkaCertificate[]): PolkasJson {
  return {
    height,
    polkas: polkas.map((p) => {
      if (p.height !== height) throw new TypeError(`encodePolkasJson: a polka of height ${p.height} in the answer for ${height}`);
      return { round: p.round, blockHash: encodeHex(p.blockHash), signers: encodeHex(p.signers), signature: encodeHex(p.signature) };
    }),
  };
}

const POLKA_KEYS = ["round", "blockHash", "signers", "signature"] as const;

/**
 * Checks structure and lengths, then that the polkas are in (round, block hash) order without
 * repeats. Whether each is a polka is `assertValidPolkaCertificate`'s to say (with the set that
 * signs the height).
 */
export function decodePolkasJson(json: unknown, path = "$"): HubPolkas {
  const o = readObject(json, path, ["height", "polkas"]);
  const height = readHeight(o.height, `${path}.height`);
  const polkas = readArray(o.polkas, `${path}.polkas`, HUB_MAX_POLKAS_PER_HEIGHT, (x, p): PolkaCertificate => {
    const e = readObject(x, p, POLKA_KEYS);
    return {
      height,
      round: readInt(e.round, `${p}.round`, 0, U32_MAX),
      blockHash: readHash(e.blockHash, `${p}.blockHash`),
      signers: readHex(e.signers, `${p}.signers`, { min: 1, max: HUB_MAX_SIGNER_BITMAP_BYTES }),
      signature: readHex(e.signature, `${p}.signature`, BLS_SIGNATURE_LENGTH),
    };
  });
  for (let i = 1; i < polkas.length; i++) {
    const a = polkas[i - 1]!;
    const b = polkas[i]!;
    if (a.round > b.round || (a.round === b.round && encodeHex(a.blockHash) >= encodeHex(b.blockHash))) {
      throw inconsistent(`${path}.polkas[${i}]`, "not after the previous polka (by round, then block hash, no repeats)");
    }
  }
  return { height, polkas };
}

// ---------------------------------------------------------------------------------------------
// ZK (succinct) certificate
// ---------------------------------------------------------------------------------------------

/** A succinct certificate. It has no chain id: the decoder is told which hub it reads. */
export interface ZkCertificateJson {
  circuit: string;
  height: number;
  /** Unix ms (a number, unlike header times). */
  time: number;
  blockHash: string;
  /** Decimal field elements. */
  validatorSetRoot: string;
  nextValidatorSetRoot: string;
  /** Decimal signer bitmap (bit i = slot i). */
  signers: string;
  /** The bitmap's slots, ascending. */
  signerIndices: number[];
  /** 20-byte account the proof's reward goes to. */
  prover: string;
  /** 256 bytes: A || B || C. */
  proof: string;
  /** The circuit's public signals, decimal, in `ZK_PUBLIC_INPUTS` order. */
  publicSignals: string[];
}

export interface ZkCertificateJsonContext {
  /** The hub the JSON came from: a certificate's chain id is in its public signals, not its JSON. */
  chainId: string;
}

export function encodeZkCertificateJson(c: ZkCertificate): ZkCertificateJson {
  return {
    circuit: c.circuit,
    height: c.height,
    time: c.time,
    blockHash: encodeHex(c.blockHash),
    validatorSetRoot: c.validatorSetRoot.toString(),
    nextValidatorSetRoot: c.nextValidatorSetRoot.toString(),
    signers: c.signers.toString(),
    signerIndices: getZkSigners(c.signers, ZK_MAX_CAPACITY),
    prover: encodeHex(c.prover),
    proof: encodeHex(c.proof),
    publicSignals: getZkPublicSignals(c),
  };
}

const ZK_KEYS = ["circuit", "height", "time", "blockHash", "validatorSetRoot", "nextValidatorSetRoot", "signers", "signerIndices", "prover", "proof", "publicSignals"] as const;

/**
 * Checks shapes, lengths and field ranges, then that the signer indices and public signals are the
 * certificate's (the chain id signal against `ctx.chainId`). Whether the proof verifies is
 * `assertValidZkCertificate`'s to say.
 */
export function decodeZkCertificateJson(json: unknown, ctx: ZkCertificateJsonContext, path = "$"): ZkCertificate {
  if (typeof ctx?.chainId !== "string" || !HUB_CHAIN_ID_PATTERN.test(ctx.chainId)) throw new TypeError("decodeZkCertificateJson: ctx.chainId must be a hub chain id");
  const o = readObject(json, path, ZK_KEYS);
  const circuit = o.circuit;
  if (!isZkCircuitName(circuit)) throw malformed(`${path}.circuit`, "not a circuit name (1-64 of a-z 0-9 _ -)");
  const cert: ZkCertificate = {
    circuit,
    chainId: ctx.chainId,
    height: readHeight(o.height, `${path}.height`),
    time: readInt(o.time, `${path}.time`, 0),
    blockHash: readHash(o.blockHash, `${path}.blockHash`),
    validatorSetRoot: readField(o.validatorSetRoot, `${path}.validatorSetRoot`),
    nextValidatorSetRoot: readField(o.nextValidatorSetRoot, `${path}.nextValidatorSetRoot`),
    signers: readDecimal(o.signers, `${path}.signers`, ZK_SIGNERS_MAX),
    prover: readHex(o.prover, `${path}.prover`, ZK_PROVER_LENGTH),
    proof: readHex(o.proof, `${path}.proof`, ZK_PROOF_LENGTH),
  };
  const indices = readArray(o.signerIndices, `${path}.signerIndices`, ZK_MAX_CAPACITY, (x, p) => readInt(x, p, 0, ZK_MAX_CAPACITY - 1));
  const signals = readArray(o.publicSignals, `${path}.publicSignals`, ZK_PUBLIC_INPUTS.length, (x, p) => readField(x, p).toString(), ZK_PUBLIC_INPUTS.length);
  const expectedIndices = getZkSigners(cert.signers, ZK_MAX_CAPACITY);
  if (indices.length !== expectedIndices.length || indices.some((x, i) => x !== expectedIndices[i])) throw inconsistent(`${path}.signerIndices`, "not the slots of the signer bitmap");
  const expected = getZkPublicSignals(cert);
  const bad = signals.findIndex((s, i) => s !== expected[i]);
  if (bad >= 0) throw inconsistent(`${path}.publicSignals[${bad}]`, `not the certificate's ${ZK_PUBLIC_INPUTS[bad]}${ZK_PUBLIC_INPUTS[bad] === "chainId" ? ` (of ${ctx.chainId})` : ""}`);
  return cert;
}

// ---------------------------------------------------------------------------------------------
// Evidence (as blocks carry it)
// ---------------------------------------------------------------------------------------------

export interface VoteJson {
  /** 1 prevote, 2 precommit. */
  type: VoteType;
  height: number;
  round: number;
  /** null = nil. */
  blockHash: string | null;
  validatorIndex: number;
  signature: string;
}

export interface FinalityAttestationJson {
  height: number;
  /** ISO-8601 with milliseconds. */
  time: string;
  blockHash: string;
  /** Decimal field elements. */
  validatorSetRoot: string;
  nextValidatorSetRoot: string;
  validatorIndex: number;
  signature: string;
}

export type EvidenceJson =
  | { kind: "duplicate_vote"; voteA: VoteJson; voteB: VoteJson; time: string }
  | { kind: "double_attestation"; attestationA: FinalityAttestationJson; attestationB: FinalityAttestationJson; time: string };

function encodeVoteJson(v: HubVote): VoteJson {
  return {
    type: v.type,
    height: v.height,
    round: v.round,
    blockHash: v.blockHash ? encodeHex(v.blockHash) : null,
    validatorIndex: v.validatorIndex,
    signature: encodeHex(v.signature),
  };
}

function decodeVoteJson(json: unknown, path: string): HubVote {
  const o = readObject(json, path, ["type", "height", "round", "blockHash", "validatorIndex", "signature"]);
  return {
    type: readLiteral(o.type, `${path}.type`, [VoteType.Prevote, VoteType.Precommit]),
    height: readHeight(o.height, `${path}.height`),
    round: readInt(o.round, `${path}.round`, 0, U32_MAX),
    blockHash: readNullable(o.blockHash, `${path}.blockHash`, readHash),
    validatorIndex: readInt(o.validatorIndex, `${path}.validatorIndex`, 0, U32_MAX),
    signature: readHex(o.signature, `${path}.signature`, BLS_SIGNATURE_LENGTH),
  };
}

function encodeAttestationJson(a: HubFinalityAttestation): FinalityAttestationJson {
  return {
    height: a.height,
    time: encodeIsoTime(a.time),
    blockHash: encodeHex(a.blockHash),
    validatorSetRoot: a.validatorSetRoot.toString(),
    nextValidatorSetRoot: a.nextValidatorSetRoot.toString(),
    validatorIndex: a.validatorIndex,
    signature: encodeHex(a.signature),
  };
}

function decodeAttestationJson(json: unknown, path: string): HubFinalityAttestation {
  const o = readObject(json, path, ["height", "time", "blockHash", "validatorSetRoot", "nextValidatorSetRoot", "validatorIndex", "signature"]);
  return {
    height: readHeight(o.height, `${path}.height`),
    time: readIsoTime(o.time, `${path}.time`),
    blockHash: readHash(o.blockHash, `${path}.blockHash`),
    validatorSetRoot: readField(o.validatorSetRoot, `${path}.validatorSetRoot`),
    nextValidatorSetRoot: readField(o.nextValidatorSetRoot, `${path}.nextValidatorSetRoot`),
    validatorIndex: readInt(o.validatorIndex, `${path}.validatorIndex`, 0, U32_MAX),
    signature: readHex(o.signature, `${path}.signature`, HUB_ATTESTATION_SIGNATURE_LENGTH),
  };
}

/** A block's evidence: `kind` "duplicate_vote" (voteA, voteB) or "double_attestation" (attestationA, attestationB). */
export function encodeEvidenceJson(e: HubEvidence): EvidenceJson {
  if (isHubDoubleAttestationEvidence(e)) {
    return { kind: "double_attestation", attestationA: encodeAttestationJson(e.attestationA), attestationB: encodeAttestationJson(e.attestationB), time: encodeIsoTime(e.time) };
  }
  return { kind: "duplicate_vote", voteA: encodeVoteJson(e.voteA), voteB: encodeVoteJson(e.voteB), time: encodeIsoTime(e.time) };
}

/** Structure only (the signatures and the conflict are the hub's slashing rule to judge). */
export function decodeEvidenceJson(json: unknown, path = "$"): HubEvidence {
  const kind = readTag(json, path, "kind", ["duplicate_vote", "double_attestation"] as const);
  if (kind === "double_attestation") {
    const o = readObject(json, path, ["kind", "attestationA", "attestationB", "time"]);
    return { attestationA: decodeAttestationJson(o.attestationA, `${path}.attestationA`), attestationB: decodeAttestationJson(o.attestationB, `${path}.attestationB`), time: readIsoTime(o.time, `${path}.time`) };
  }
  const o = readObject(json, path, ["kind", "voteA", "voteB", "time"]);
  return { voteA: decodeVoteJson(o.voteA, `${path}.voteA`), voteB: decodeVoteJson(o.voteB, `${path}.voteB`), time: readIsoTime(o.time, `${path}.time`) };
}

// ---------------------------------------------------------------------------------------------
// Block
// ---------------------------------------------------------------------------------------------

/** `GET /blocks/:height`. */
export interface BlockJson {
  blockHash: string;
  header: BlockHeaderJson;
  /** Base64. */
  txs: string[];
  /** The previous height's certificate; null at height 1. */
  lastCommit: CommitCertificateJson | null;
  evidence: EvidenceJson[];
}

export interface HubBlockResponse {
  blockHash: Uint8Array;
  block: HubBlock;
}

export function encodeBlockJson(block: HubBlock, blockHash: Uint8Array = computeBlockHash(block.header)): BlockJson {
  return {
    blockHash: encodeHex(blockHash),
    header: encodeBlockHeaderJson(block.header),
    txs: block.txs.map(encodeBase64),
    lastCommit: block.lastCommit ? encodeCommitCertificateJson(block.lastCommit) : null,
    evidence: block.evidence.map(encodeEvidenceJson),
  };
}

/**
 * Also checks what one hash each can: `blockHash` is the header's, the last commit is the one the
 * header's `lastCommitHash` commits to (for the previous height; none at height 1). The transaction
 * and evidence roots are not recomputed here.
 */
export function decodeBlockJson(json: unknown, path = "$"): HubBlockResponse {
  const o = readObject(json, path, ["blockHash", "header", "txs", "lastCommit", "evidence"]);
  const blockHash = readHash(o.blockHash, `${path}.blockHash`);
  const header = decodeBlockHeaderJson(o.header, `${path}.header`);
  const lastCommit = readNullable(o.lastCommit, `${path}.lastCommit`, decodeCommitCertificateJson);
  const evidence = readArray(o.evidence, `${path}.evidence`, HUB_MAX_EVIDENCE_PER_BLOCK, decodeEvidenceJson);
  const txs = readArray(o.txs, `${path}.txs`, HUB_MAX_TXS_PER_BLOCK, (x, p) => readBase64(x, p, 0, HUB_MAX_TX_BYTES));
  assertBlockHash(header, blockHash, `${path}.blockHash`);
  if (header.height === 1) {
    if (lastCommit !== null) throw inconsistent(`${path}.lastCommit`, "a block at height 1 has no last commit");
  } else {
    if (lastCommit === null) throw inconsistent(`${path}.lastCommit`, `missing (height ${header.height})`);
    if (lastCommit.height !== header.height - 1) throw inconsistent(`${path}.lastCommit.height`, `not the previous height (${header.height - 1})`);
    if (encodeHex(computeCommitCertificateHash(lastCommit)) !== encodeHex(header.lastCommitHash)) throw inconsistent(`${path}.lastCommit`, "not the certificate the header's lastCommitHash commits to");
  }
  return { blockHash, block: { header, txs, lastCommit, evidence } };
}

// ---------------------------------------------------------------------------------------------
// GET /certificates/:height and the certificate stream
// ---------------------------------------------------------------------------------------------

/** `GET /certificates/:height`. */
export interface CertificateResponseJson {
  height: number;
  blockHash: string;
  bls: BlsCertificateJson;
  /** The succinct certificate of this height, when one is stored. */
  zk: ZkCertificateJson | null;
  /** The lowest height at or above with a succinct certificate (it finalizes this block), else null. */
  zkFinalizedBy: number | null;
}

export interface HubCertificateResponse {
  height: number;
  blockHash: Uint8Array;
  bls: HubBlsCertificate;
  zk: ZkCertificate | null;
  zkFinalizedBy: number | null;
}

export interface CertificateResponseInput {
  certificate: CommitCertificate;
  /** The set that signs the certificate's height. */
  validatorSet: ValidatorSet;
  zk: ZkCertificate | null;
  zkFinalizedBy: number | null;
}

export function encodeCertificateResponseJson(r: CertificateResponseInput): CertificateResponseJson {
  return {
    height: r.certificate.height,
    blockHash: encodeHex(r.certificate.blockHash),
    bls: encodeBlsCertificateJson(r.certificate, r.validatorSet),
    zk: r.zk ? encodeZkCertificateJson(r.zk) : null,
    zkFinalizedBy: r.zkFinalizedBy,
  };
}

export function decodeCertificateResponseJson(json: unknown, ctx: ZkCertificateJsonContext, path = "$"): HubCertificateResponse {
  const o = readObject(json, path, ["height", "blockHash", "bls", "zk", "zkFinalizedBy"]);
  const height = readHeight(o.height, `${path}.height`);
  const blockHash = readHash(o.blockHash, `${path}.blockHash`);
  const zkFinalizedBy = readNullable(o.zkFinalizedBy, `${path}.zkFinalizedBy`, readHeight);
  const bls = decodeBlsCertificateJson(o.bls, `${path}.bls`);
  const zk = readNullable(o.zk, `${path}.zk`, (x, p) => decodeZkCertificateJson(x, ctx, p));
  assertSameCertifiedBlock(height, blockHash, bls.certificate, `${path}.bls`);
  if (zk) assertSameCertifiedBlock(height, blockHash, zk, `${path}.zk`);
  if (zkFinalizedBy !== null && zkFinalizedBy < height) throw inconsistent(`${path}.zkFinalizedBy`, "below the height");
  if (zk && zkFinalizedBy !== height) throw inconsistent(`${path}.zkFinalizedBy`, "not the height, which has a succinct certificate");
  return { height, blockHash, bls, zk, zkFinalizedBy };
}

function assertSameCertifiedBlock(height: number, blockHash: Uint8Array, c: { height: number; blockHash: Uint8Array }, path: string): void {
  if (c.height !== height) throw inconsistent(`${path}.height`, `not ${height}`);
  if (encodeHex(c.blockHash) !== encodeHex(blockHash)) throw inconsistent(`${path}.blockHash`, "not the block hash");
}

/** One message of the WebSocket `GET /stream/certificates`. */
export type CertificateStreamMessageJson = { type: "bls"; height: number; blockHash: string; bls: BlsCertificateJson } | { type: "zk"; height: number; zk: ZkCertificateJson };

export type HubCertificateStreamMessage = { type: "bls"; height: number; blockHash: Uint8Array; bls: HubBlsCertificate } | { type: "zk"; height: number; zk: ZkCertificate };

/** The BLS message, sent at every commit (`set`: the set that signs `c.height`). */
export function encodeBlsStreamMessageJson(c: CommitCertificate, set: ValidatorSet): CertificateStreamMessageJson {
  return { type: "bls", height: c.height, blockHash: encodeHex(c.blockHash), bls: encodeBlsCertificateJson(c, set) };
}

/** The ZK message, sent when a succinct certificate is stored. */
export function encodeZkStreamMessageJson(c: ZkCertificate): CertificateStreamMessageJson {
  return { type: "zk", height: c.height, zk: encodeZkCertificateJson(c) };
}

/** Decodes one stream message (already parsed from the frame's JSON text). */
export function decodeCertificateStreamMessageJson(json: unknown, ctx: ZkCertificateJsonContext, path = "$"): HubCertificateStreamMessage {
  const type = readTag(json, path, "type", ["bls", "zk"] as const);
  if (type === "bls") {
    const o = readObject(json, path, ["type", "height", "blockHash", "bls"]);
    const height = readHeight(o.height, `${path}.height`);
    const blockHash = readHash(o.blockHash, `${path}.blockHash`);
    const bls = decodeBlsCertificateJson(o.bls, `${path}.bls`);
    assertSameCertifiedBlock(height, blockHash, bls.certificate, `${path}.bls`);
    return { type, height, blockHash, bls };
  }
  const o = readObject(json, path, ["type", "height", "zk"]);
  const height = readHeight(o.height, `${path}.height`);
  const zk = decodeZkCertificateJson(o.zk, ctx, `${path}.zk`);
  if (zk.height !== height) throw inconsistent(`${path}.zk.height`, `not ${height}`);
  return { type, height, zk };
}
