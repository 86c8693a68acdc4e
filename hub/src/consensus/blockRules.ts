import {
  AegisError,
  assertValidCommitCertificate,
  BLS_SIGNATURE_LENGTH,
  bytesEqual,
  CanonicalWriter,
  CertificateError,
  computeCommitCertificateHash,
  ZERO_HASH,
  type CommitCertificate,
  computeBlockHash,
  computeMerkleRoot,
  sha256,
  computeValidatorSetRoot,
  EMPTY_MERKLE_ROOT,
  type BlockHeader,
  type ValidatorSet,
} from "@aegis/consumer-sdk";
import type { FinalityAttestation } from "../codec/codec.js";
import { isDoubleAttestationEvidence, orderEvidence } from "./evidence.js";
import type { Block, DoubleAttestationEvidence, Evidence, Vote } from "./types.js";

/** How far ahead of the local clock a proposed block's time may be. */
export const MAX_CLOCK_DRIFT_MS = 10_000;

export type BlockErrorType =
  | { code: "BLOCK_ERROR_WRONG_CHAIN"; expected: string; actual: string }
  | { code: "BLOCK_ERROR_WRONG_HEIGHT"; expected: number; actual: number }
  | { code: "BLOCK_ERROR_WRONG_PARENT" }
  | { code: "BLOCK_ERROR_TIME_NOT_INCREASING"; parentTime: number; time: number }
  | { code: "BLOCK_ERROR_TIME_IN_FUTURE"; now: number; time: number }
  | { code: "BLOCK_ERROR_WRONG_TX_ROOT" }
  | { code: "BLOCK_ERROR_WRONG_STATE_ROOT" }
  | { code: "BLOCK_ERROR_REJECTED_BY_APP"; reason: string }
  | { code: "BLOCK_ERROR_WRONG_CHECKPOINT_ROOT" }
  | { code: "BLOCK_ERROR_WRONG_VALIDATOR_SET" }
  | { code: "BLOCK_ERROR_WRONG_NEXT_VALIDATOR_SET" }
  | { code: "BLOCK_ERROR_WRONG_PROPOSER" }
  | { code: "BLOCK_ERROR_WRONG_LAST_COMMIT"; reason: string }
  | { code: "BLOCK_ERROR_WRONG_EVIDENCE_ROOT" }
  | { code: "BLOCK_ERROR_TOO_LARGE"; bytes: number; max: number };

export class BlockError extends AegisError<BlockErrorType> {}

/** What a block is checked against: the chain so far. At height 1 the parent is the genesis. */
export interface ChainTip {
  chainId: string;
  /** Height of the last committed block (0 before the first). */
  height: number;
  /** Hash of the last committed header (ZERO_HASH at genesis). */
  blockHash: Uint8Array;
  /** Time of the last committed header (genesis time at genesis). */
  time: number;
  /** State root after the last committed block (the genesis state root at genesis). */
  stateRoot: Uint8Array;
}

export function computeTxRoot(txs: readonly Uint8Array[]): Uint8Array {
  return computeMerkleRoot(txs.map((t) => sha256(t)));
}

const EVIDENCE_DOMAIN = "aegis/evidence/v1";

function writeVote(w: CanonicalWriter, v: Vote): CanonicalWriter {
  return w
    .u8(v.type, "type")
    .u64(v.height, "height")
    .u32(v.round, "round")
    .bytes(v.blockHash ?? new Uint8Array(0))
    .u32(v.validatorIndex, "validatorIndex")
    .fixed(v.signature, BLS_SIGNATURE_LENGTH, "signature");
}

/** Domain of double-attestation evidence hashes (not a duplicate vote's, whatever the bytes). */
const DOUBLE_ATTESTATION_EVIDENCE_DOMAIN = "aegis/evidence/double-attestation/v1";

/** A field element (below the BN254 order, so below 2^256) as 32 big-endian bytes. */
function u256(x: bigint, field: string): Uint8Array {
  if (typeof x !== "bigint" || x < 0n || x >= 1n << 256n) throw new RangeError(`${field}: not a 256-bit unsigned integer`);
  const out = new Uint8Array(32);
  for (let i = 31, v = x; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

function writeAttestation(w: CanonicalWriter, a: FinalityAttestation): CanonicalWriter {
  return w
    .u64(a.height, "height")
    .u64(a.time, "time")
    .fixed(a.blockHash, 32, "blockHash")
    .fixed(u256(a.validatorSetRoot, "validatorSetRoot"), 32, "validatorSetRoot")
    .fixed(u256(a.nextValidatorSetRoot, "nextValidatorSetRoot"), 32, "nextValidatorSetRoot")
    .u32(a.validatorIndex, "validatorIndex")
    .fixed(a.signature, 64, "signature");
}

/**
 * SHA-256 of the canonical encoding of one piece of evidence: both votes (or both attestations, under
 * their own domain) and the time first seen.
 */
export function computeEvidenceHash(e: Evidence): Uint8Array {
  if (isDoubleAttestationEvidence(e)) return computeDoubleAttestationEvidenceHash(e);
  const w = new CanonicalWriter().string(EVIDENCE_DOMAIN);
  writeVote(w, e.voteA);
  writeVote(w, e.voteB);
  return sha256(w.u64(e.time, "time").finish());
}

function computeDoubleAttestationEvidenceHash(e: DoubleAttestationEvidence): Uint8Array {
  const w = new CanonicalWriter().string(DOUBLE_ATTESTATION_EVIDENCE_DOMAIN);
  writeAttestation(w, e.attestationA);
  writeAttestation(w, e.attestationB);
  return sha256(w.u64(e.time, "time").finish());
}

/** Merkle root of the evidence hashes in block order (orderEvidence: duplicate votes, then double attestations). */
export function computeEvidenceRoot(evidence: readonly Evidence[]): Uint8Array {
  return computeMerkleRoot(orderEvidence(evidence).map(computeEvidenceHash));
}

/** What the header commits to for the previous height's certificate (all zero when there is none). */
export function computeLastCommitHash(lastCommit: CommitCertificate | null): Uint8Array {
  return lastCommit ? computeCommitCertificateHash(lastCommit) : ZERO_HASH;
}

export interface BuildBlockParams {
  tip: ChainTip;
  validatorSet: ValidatorSet;
  proposerIndex: number;
  txs: Uint8Array[];
  /** State root after executing `txs` on the tip's state (the application computes it). */
  stateRoot: Uint8Array;
  /** Root of the set that signs the next height (differs at an epoch's last block); default: this set's root. */
  nextValidatorSetRoot?: Uint8Array;
  /** Root of every consumer's latest checkpoint after this block (the application computes it); default: none. */
  consumerCheckpointRoot?: Uint8Array;
  /** The certificate of `tip.height` (null at height 1). */
  lastCommit: CommitCertificate | null;
  /** Evidence the application accepted for this block (put in block order, orderEvidence). */
  evidence: Evidence[];
  now: number;
}

export function createBlock(p: BuildBlockParams): Block {
  const txRoot = computeTxRoot(p.txs);
  const setRoot = computeValidatorSetRoot(p.validatorSet);
  const header: BlockHeader = {
    chainId: p.tip.chainId,
    height: p.tip.height + 1,
    time: Math.max(p.now, p.tip.time + 1),
    parentHash: p.tip.blockHash,
    txRoot,
    stateRoot: p.stateRoot,
    consumerCheckpointRoot: p.consumerCheckpointRoot ?? EMPTY_MERKLE_ROOT,
    validatorSetRoot: setRoot,
    nextValidatorSetRoot: p.nextValidatorSetRoot ?? setRoot,
    proposer: p.validatorSet.validators[p.proposerIndex]!.address,
    lastCommitHash: computeLastCommitHash(p.lastCommit),
    evidenceRoot: computeEvidenceRoot(p.evidence),
  };
  return { header, txs: p.txs, lastCommit: p.lastCommit, evidence: orderEvidence(p.evidence) };
}

/**
 * valid(v) of the consensus algorithm, the part that needs no execution: the block extends `tip`, its
 * header commits to its content, and its last commit is a valid certificate of the tip (checked with
 * the SDK's rule against the set that signed the tip). The state root and the evidence are checked by
 * executing the block (the engine asks the Application). Pure: the local clock comes in as `now`.
 */
export function assertValidBlock(
  block: Block,
  ctx: {
    tip: ChainTip;
    validatorSet: ValidatorSet;
    /** The set that signed `tip.height` (required from height 2 on). */
    lastValidatorSet: ValidatorSet | null;
    now: number;
    maxBlockBytes?: number;
  },
): void {
  const h = block.header;
  const { tip } = ctx;
  if (h.chainId !== tip.chainId) throw new BlockError({ code: "BLOCK_ERROR_WRONG_CHAIN", expected: tip.chainId, actual: h.chainId });
  if (h.height !== tip.height + 1) throw new BlockError({ code: "BLOCK_ERROR_WRONG_HEIGHT", expected: tip.height + 1, actual: h.height });
  if (!bytesEqual(h.parentHash, tip.blockHash)) throw new BlockError({ code: "BLOCK_ERROR_WRONG_PARENT" });
  if (h.time <= tip.time) throw new BlockError({ code: "BLOCK_ERROR_TIME_NOT_INCREASING", parentTime: tip.time, time: h.time });
  if (h.time > ctx.now + MAX_CLOCK_DRIFT_MS) throw new BlockError({ code: "BLOCK_ERROR_TIME_IN_FUTURE", now: ctx.now, time: h.time });
  if (ctx.maxBlockBytes !== undefined) {
    let bytes = 0;
    for (const t of block.txs) bytes += t.length;
    if (bytes > ctx.maxBlockBytes) throw new BlockError({ code: "BLOCK_ERROR_TOO_LARGE", bytes, max: ctx.maxBlockBytes });
  }
  // The builder is a member of the set, not necessarily this round's proposer: a later round's proposer
  // re-proposes the block a polka formed on (Tendermint's validValue) with the header its builder made.
  // Who may propose in a round is the proposal's signature's rule (gossip validation, the round state).
  if (!ctx.validatorSet.validators.some((v) => bytesEqual(h.proposer, v.address))) throw new BlockError({ code: "BLOCK_ERROR_WRONG_PROPOSER" });
  const setRoot = computeValidatorSetRoot(ctx.validatorSet);
  // nextValidatorSetRoot and consumerCheckpointRoot are checked against the block's execution (only
  // execution knows an epoch's end and the checkpoints its transactions record).
  if (!bytesEqual(h.validatorSetRoot, setRoot)) throw new BlockError({ code: "BLOCK_ERROR_WRONG_VALIDATOR_SET" });
  const txRoot = computeTxRoot(block.txs);
  if (!bytesEqual(h.txRoot, txRoot)) throw new BlockError({ code: "BLOCK_ERROR_WRONG_TX_ROOT" });
  if (!bytesEqual(h.evidenceRoot, computeEvidenceRoot(block.evidence))) throw new BlockError({ code: "BLOCK_ERROR_WRONG_EVIDENCE_ROOT" });
  assertValidLastCommit(block, tip, ctx.lastValidatorSet);
}

function assertValidLastCommit(block: Block, tip: ChainTip, lastSet: ValidatorSet | null): void {
  const wrong = (reason: string) => new BlockError({ code: "BLOCK_ERROR_WRONG_LAST_COMMIT", reason });
  const lc = block.lastCommit;
  if (tip.height === 0) {
    if (lc !== null) throw wrong("the first block carries no last commit");
  } else {
    if (lc === null) throw wrong(`missing the certificate of height ${tip.height}`);
    if (!lastSet) throw wrong(`no validator set known for height ${tip.height}`);
    try {
      assertValidCommitCertificate(lc, { chainId: tip.chainId, validatorSet: lastSet, expectedHeight: tip.height, expectedBlockHash: tip.blockHash });
    } catch (e) {
      if (e instanceof CertificateError) throw wrong(e.code);
      throw e;
    }
  }
  if (!bytesEqual(block.header.lastCommitHash, computeLastCommitHash(lc))) throw wrong("header lastCommitHash does not match the last commit");
}

export function getChainTipAfter(tip: ChainTip, block: Block): ChainTip {
  return {
    chainId: tip.chainId,
    height: block.header.height,
    blockHash: computeBlockHash(block.header),
    time: block.header.time,
    stateRoot: block.header.stateRoot,
  };
}
