import { aegis } from "@aegis/proto";
import protobuf from "protobufjs/minimal.js";
import {
  AegisError,
  ADDRESS_LENGTH,
  BLS_SIGNATURE_LENGTH,
  BN254_SCALAR_FIELD,
  HASH_LENGTH,
  isZkCircuitName,
  ZK_MAX_CAPACITY,
  ZK_MAX_CIRCUIT_NAME_LENGTH,
  ZK_PROOF_LENGTH,
  ZK_PROVER_LENGTH,
  type HubFinalityAttestation,
  type ZkCertificate,
  VoteType,
  type BlockHeader,
  type CommitCertificate,
} from "@aegis/consumer-sdk";
import { certificateToProto, fieldToBytes, headerToProto, zkCertificateToProto } from "@aegis/consumer-sdk/hub-tx";
import { isDoubleAttestationEvidence } from "../consensus/evidence.js";
import type { Block, CertifiedBlock, DoubleAttestationEvidence, DuplicateVoteEvidence, Proposal, ProposalMessage, Vote } from "../consensus/types.js";
import { Step } from "../consensus/types.js";
import type { WalEntry } from "../db/walEntry.js";
import { SignStep, type SignerGuardRecord } from "../db/signerGuardRecord.js";

/**
 * The codec boundary: protobuf bytes in, checked domain types out (and back). 64-bit integers become
 * safe JS numbers here, byte lengths are checked here, so the rest of the hub sees domain types only.
 */
export type CodecErrorType =
  | { code: "CODEC_ERROR_MALFORMED"; message: string; reason: string }
  | { code: "CODEC_ERROR_INVALID_FIELD"; message: string; field: string; reason: string };

export class CodecError extends AegisError<CodecErrorType> {}

type LongLike = { toString(): string } | number | null | undefined;
const pb = aegis.v1;

/** Hard cap on transactions per block and bytes per transaction at the codec boundary. */
export const MAX_TX_BYTES = 1 << 20;
export const MAX_TXS_PER_BLOCK = 100_000;
/** Transactions one gossiped TxBatch may carry. */
export const MAX_TXS_PER_BATCH = 1024;
/** Double-sign evidence items a block may carry. */
export const MAX_EVIDENCE_PER_BLOCK = 64;
/** Certified blocks one `blocks` answer may carry (a responder sends at most 100: SyncService). */
export const MAX_BLOCKS_PER_RESPONSE = 1000;
/** Certificates one `zk-certificates` answer may carry (a responder sends at most 64: ZkService). */
export const MAX_ZK_CERTIFICATES_PER_RESPONSE = 1000;

function invalid(message: string, field: string, reason: string): CodecError {
  return new CodecError({ code: "CODEC_ERROR_INVALID_FIELD", message, field, reason }, `${message}.${field}: ${reason}`);
}

function decodeWith<T>(message: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof CodecError) throw e;
    const reason = e instanceof Error ? e.message : String(e);
    throw new CodecError({ code: "CODEC_ERROR_MALFORMED", message, reason }, `malformed ${message}: ${reason}`);
  }
}

/**
 * Calls `visit` with each top-level field of the protobuf message in `bytes[start, end)` (its number
 * and, for a length-delimited one, its content's range), without decoding anything: the same framing
 * as the generated decoders (protobufjs' Reader: 32-bit tags and lengths, groups skipped), so what is
 * counted here is what they would allocate. Stops at the first broken framing, which the decoder then
 * reports. Used to refuse a message for carrying too many items before protobufjs makes an object per
 * item: an empty entry of a repeated field is two bytes, so a 4 MiB gossip message would otherwise
 * make two million of them (~0.5 s, ~250 MB) before the count is checked.
 */
function forEachField(bytes: Uint8Array, start: number, end: number, visit: (field: number, contentStart: number, contentEnd: number) => void): void {
  const reader = protobuf.Reader.create(bytes);
  reader.pos = start;
  reader.len = end;
  while (reader.pos < end) {
    let field: number;
    let contentStart = -1;
    try {
      const tag = reader.tag();
      field = tag >>> 3;
      if ((tag & 7) === 2) {
        const len = reader.size();
        contentStart = reader.pos;
        reader.skip(len);
      } else {
        reader.skipType(tag & 7, 0, field);
      }
    } catch {
      return;
    }
    visit(field, contentStart, reader.pos);
  }
}

/** Occurrences of top-level field `field` in `bytes[start, end)`. */
function countField(bytes: Uint8Array, field: number, start = 0, end = bytes.length): number {
  let n = 0;
  forEachField(bytes, start, end, (f, s) => {
    if (f === field && s >= 0) n++; // length-delimited: what the decoder reads as an item
  });
  return n;
}

/** The item limits of a Block (aegis.v1.Block: txs = 2, evidence = 4, double_attestation_evidence = 5), checked on its bytes. */
function assertBlockItemCounts(bytes: Uint8Array, start = 0, end = bytes.length): void {
  let txs = 0;
  let evidence = 0;
  forEachField(bytes, start, end, (f, s) => {
    if (s < 0) return; // not length-delimited: the decoder skips it
    if (f === 2) txs++;
    else if (f === 4 || f === 5) evidence++;
  });
  if (txs > MAX_TXS_PER_BLOCK) throw invalid("Block", "txs", `more than ${MAX_TXS_PER_BLOCK} transactions`);
  if (evidence > MAX_EVIDENCE_PER_BLOCK) throw invalid("Block", "evidence", `more than ${MAX_EVIDENCE_PER_BLOCK} items`);
}

/** assertBlockItemCounts of each occurrence of the Block field `field` of the message in `bytes[start, end)`. */
function assertNestedBlockItemCounts(bytes: Uint8Array, field: number, start = 0, end = bytes.length): void {
  forEachField(bytes, start, end, (f, s, e) => {
    if (f === field && s >= 0) assertBlockItemCounts(bytes, s, e);
  });
}

function toSafe(v: LongLike, message: string, field: string, min = 0): number {
  const n = v === null || v === undefined ? 0 : typeof v === "number" ? v : Number(BigInt(v.toString()));
  if (!Number.isSafeInteger(n) || n < min) throw invalid(message, field, `not a safe integer >= ${min}`);
  return n;
}

function bytesOf(v: Uint8Array | null | undefined, length: number, message: string, field: string): Uint8Array {
  const b = v ?? new Uint8Array(0);
  if (b.length !== length) throw invalid(message, field, `expected ${length} bytes, got ${b.length}`);
  return new Uint8Array(b);
}

function voteTypeOf(t: number | null | undefined, message: string): VoteType {
  if (t === VoteType.Prevote || t === VoteType.Precommit) return t;
  throw invalid(message, "type", "must be PREVOTE or PRECOMMIT");
}

// ---------- header / block

function headerFromProto(p: aegis.v1.BlockHeader.$Properties | null | undefined): BlockHeader {
  const m = "BlockHeader";
  if (!p) throw invalid(m, "header", "missing");
  return {
    chainId: p.chain_id ?? "",
    height: toSafe(p.height, m, "height", 1),
    time: toSafe(p.time, m, "time"),
    parentHash: bytesOf(p.parent_hash, HASH_LENGTH, m, "parentHash"),
    txRoot: bytesOf(p.tx_root, HASH_LENGTH, m, "txRoot"),
    stateRoot: bytesOf(p.state_root, HASH_LENGTH, m, "stateRoot"),
    consumerCheckpointRoot: bytesOf(p.consumer_checkpoint_root, HASH_LENGTH, m, "consumerCheckpointRoot"),
    validatorSetRoot: bytesOf(p.validator_set_root, HASH_LENGTH, m, "validatorSetRoot"),
    nextValidatorSetRoot: bytesOf(p.next_validator_set_root, HASH_LENGTH, m, "nextValidatorSetRoot"),
    proposer: bytesOf(p.proposer, ADDRESS_LENGTH, m, "proposer"),
    lastCommitHash: bytesOf(p.last_commit_hash, HASH_LENGTH, m, "lastCommitHash"),
    evidenceRoot: bytesOf(p.evidence_root, HASH_LENGTH, m, "evidenceRoot"),
  };
}

function blockToProto(b: Block): aegis.v1.Block.$Properties {
  return {
    header: headerToProto(b.header),
    txs: b.txs,
    last_commit: b.lastCommit ? certificateToProto(b.lastCommit) : null,
    evidence: b.evidence.filter((e) => !isDoubleAttestationEvidence(e)).map((e) => evidenceToProto(e as DuplicateVoteEvidence)),
    double_attestation_evidence: b.evidence.filter(isDoubleAttestationEvidence).map(doubleAttestationToProto),
  };
}

function blockFromProto(p: aegis.v1.Block.$Properties | null | undefined): Block {
  if (!p) throw invalid("Block", "block", "missing");
  const txs = p.txs ?? [];
  if (txs.length > MAX_TXS_PER_BLOCK) throw invalid("Block", "txs", `more than ${MAX_TXS_PER_BLOCK} transactions`);
  for (const tx of txs) if (tx.length > MAX_TX_BYTES) throw invalid("Block", "txs", `transaction over ${MAX_TX_BYTES} bytes`);
  const evidence = p.evidence ?? [];
  const doubleAttestations = p.double_attestation_evidence ?? [];
  if (evidence.length + doubleAttestations.length > MAX_EVIDENCE_PER_BLOCK) throw invalid("Block", "evidence", `more than ${MAX_EVIDENCE_PER_BLOCK} items`);
  return {
    header: headerFromProto(p.header),
    txs: txs.map((t) => new Uint8Array(t)),
    lastCommit: p.last_commit ? certificateFromProto(p.last_commit) : null,
    // Block order (orderEvidence): duplicate votes, then double attestations.
    evidence: [...evidence.map(evidenceFromProto), ...doubleAttestations.map(doubleAttestationFromProto)],
  };
}

export function encodeBlockHeader(h: BlockHeader): Uint8Array {
  return pb.BlockHeader.encode(headerToProto(h)).finish();
}
export function decodeBlockHeader(bytes: Uint8Array): BlockHeader {
  return decodeWith("BlockHeader", () => headerFromProto(pb.BlockHeader.decode(bytes)));
}
export function encodeBlock(b: Block): Uint8Array {
  return pb.Block.encode(blockToProto(b)).finish();
}
export function decodeBlock(bytes: Uint8Array): Block {
  return decodeWith("Block", () => {
    assertBlockItemCounts(bytes);
    return blockFromProto(pb.Block.decode(bytes));
  });
}

export function encodeTxBatch(txs: readonly Uint8Array[]): Uint8Array {
  return pb.TxBatch.encode({ txs: [...txs] }).finish();
}
export function decodeTxBatch(bytes: Uint8Array): Uint8Array[] {
  return decodeWith("TxBatch", () => {
    if (countField(bytes, 1) > MAX_TXS_PER_BATCH) throw invalid("TxBatch", "txs", `more than ${MAX_TXS_PER_BATCH} transactions`);
    const txs = pb.TxBatch.decode(bytes).txs ?? [];
    if (txs.length === 0) throw invalid("TxBatch", "txs", "empty");
    if (txs.length > MAX_TXS_PER_BATCH) throw invalid("TxBatch", "txs", `more than ${MAX_TXS_PER_BATCH} transactions`);
    for (const tx of txs) if (tx.length === 0 || tx.length > MAX_TX_BYTES) throw invalid("TxBatch", "txs", `a transaction of ${tx.length} bytes (1..${MAX_TX_BYTES})`);
    return txs.map((t) => new Uint8Array(t));
  });
}

// ---------- votes / proposals

function voteToProto(v: Vote): aegis.v1.Vote.$Properties {
  return {
    type: v.type as number,
    height: v.height,
    round: v.round,
    block_hash: v.blockHash ?? new Uint8Array(0),
    validator_index: v.validatorIndex,
    signature: v.signature,
  };
}

function voteFromProto(p: aegis.v1.Vote.$Properties | null | undefined): Vote {
  const m = "Vote";
  if (!p) throw invalid(m, "vote", "missing");
  const hash = p.block_hash ?? new Uint8Array(0);
  return {
    type: voteTypeOf(p.type, m),
    height: toSafe(p.height, m, "height", 1),
    round: toSafe(p.round, m, "round"),
    blockHash: hash.length === 0 ? null : bytesOf(hash, HASH_LENGTH, m, "blockHash"),
    validatorIndex: toSafe(p.validator_index, m, "validatorIndex"),
    signature: bytesOf(p.signature, BLS_SIGNATURE_LENGTH, m, "signature"),
  };
}

export function encodeVote(v: Vote): Uint8Array {
  return pb.Vote.encode(voteToProto(v)).finish();
}
export function decodeVote(bytes: Uint8Array): Vote {
  return decodeWith("Vote", () => voteFromProto(pb.Vote.decode(bytes)));
}

function proposalToProto(p: Proposal): aegis.v1.Proposal.$Properties {
  return {
    height: p.height,
    round: p.round,
    pol_round: p.polRound,
    block_hash: p.blockHash,
    proposer_index: p.proposerIndex,
    signature: p.signature,
  };
}

function proposalFromProto(p: aegis.v1.Proposal.$Properties | null | undefined): Proposal {
  const m = "Proposal";
  if (!p) throw invalid(m, "proposal", "missing");
  const round = toSafe(p.round, m, "round");
  const polRound = p.pol_round ?? 0;
  if (!Number.isInteger(polRound) || polRound < -1 || polRound >= round) throw invalid(m, "polRound", "must be -1 or below round");
  return {
    height: toSafe(p.height, m, "height", 1),
    round,
    polRound,
    blockHash: bytesOf(p.block_hash, HASH_LENGTH, m, "blockHash"),
    proposerIndex: toSafe(p.proposer_index, m, "proposerIndex"),
    signature: bytesOf(p.signature, BLS_SIGNATURE_LENGTH, m, "signature"),
  };
}

export function encodeProposalMessage(msg: ProposalMessage): Uint8Array {
  return pb.ProposalMessage.encode({ proposal: proposalToProto(msg.proposal), block: blockToProto(msg.block) }).finish();
}
export function decodeProposalMessage(bytes: Uint8Array): ProposalMessage {
  return decodeWith("ProposalMessage", () => {
    assertNestedBlockItemCounts(bytes, 2);
    const p = pb.ProposalMessage.decode(bytes);
    return { proposal: proposalFromProto(p.proposal), block: blockFromProto(p.block) };
  });
}

// ---------- certificates

function certificateFromProto(p: aegis.v1.CommitCertificate.$Properties | null | undefined): CommitCertificate {
  const m = "CommitCertificate";
  if (!p) throw invalid(m, "certificate", "missing");
  return {
    height: toSafe(p.height, m, "height", 1),
    round: toSafe(p.round, m, "round"),
    blockHash: bytesOf(p.block_hash, HASH_LENGTH, m, "blockHash"),
    signers: new Uint8Array(p.signers ?? []),
    signature: bytesOf(p.signature, BLS_SIGNATURE_LENGTH, m, "signature"),
  };
}

export function encodeCommitCertificate(c: CommitCertificate): Uint8Array {
  return pb.CommitCertificate.encode(certificateToProto(c)).finish();
}
export function decodeCommitCertificate(bytes: Uint8Array): CommitCertificate {
  return decodeWith("CommitCertificate", () => certificateFromProto(pb.CommitCertificate.decode(bytes)));
}

export function certifiedBlockToProto(cb: CertifiedBlock): aegis.v1.CertifiedBlock.$Properties {
  return { block: blockToProto(cb.block), certificate: certificateToProto(cb.certificate) };
}
export function certifiedBlockFromProto(p: aegis.v1.CertifiedBlock.$Properties | null | undefined): CertifiedBlock {
  if (!p) throw invalid("CertifiedBlock", "certifiedBlock", "missing");
  return { block: blockFromProto(p.block), certificate: certificateFromProto(p.certificate) };
}

// ---------- succinct (ZK) certificates and the attestations they are made from

/** A validator's attestation of a committed block (aegis.v1.FinalityAttestation): the SDK's type. */
export type FinalityAttestation = HubFinalityAttestation;

export const ATTESTATION_SIGNATURE_BYTES = 64;
const FIELD_BYTES = 32;

function fieldOf(v: Uint8Array | null | undefined, message: string, field: string, below = BN254_SCALAR_FIELD): bigint {
  const b = bytesOf(v, FIELD_BYTES, message, field);
  const x = BigInt("0x" + Buffer.from(b).toString("hex"));
  if (x >= below) throw invalid(message, field, "not below the field order");
  return x;
}

function attestationToProto(a: FinalityAttestation): aegis.v1.FinalityAttestation.$Properties {
  return {
    height: a.height,
    block_hash: a.blockHash,
    next_validator_set_root: fieldToBytes(a.nextValidatorSetRoot),
    validator_index: a.validatorIndex,
    signature: a.signature,
    time: a.time,
    validator_set_root: fieldToBytes(a.validatorSetRoot),
  };
}
function attestationFromProto(p: aegis.v1.FinalityAttestation.$Properties, m = "FinalityAttestation"): FinalityAttestation {
  return {
    height: toSafe(p.height, m, "height", 1),
    time: toSafe(p.time, m, "time"),
    blockHash: bytesOf(p.block_hash, HASH_LENGTH, m, "blockHash"),
    validatorSetRoot: fieldOf(p.validator_set_root, m, "validatorSetRoot"),
    nextValidatorSetRoot: fieldOf(p.next_validator_set_root, m, "nextValidatorSetRoot"),
    validatorIndex: toSafe(p.validator_index, m, "validatorIndex"),
    signature: bytesOf(p.signature, ATTESTATION_SIGNATURE_BYTES, m, "signature"),
  };
}
export function encodeFinalityAttestation(a: FinalityAttestation): Uint8Array {
  return pb.FinalityAttestation.encode(attestationToProto(a)).finish();
}
export function decodeFinalityAttestation(bytes: Uint8Array): FinalityAttestation {
  const m = "FinalityAttestation";
  return decodeWith(m, () => attestationFromProto(pb.FinalityAttestation.decode(bytes), m));
}

export function encodeZkCertificate(c: ZkCertificate): Uint8Array {
  return pb.ZkFinalityCertificate.encode(zkCertificateToProto(c)).finish();
}
/** A certificate of the hub `chainId` (the wire form does not carry it); shapes checked, the proof not yet. */
export function decodeZkCertificate(bytes: Uint8Array, chainId: string): ZkCertificate {
  const m = "ZkFinalityCertificate";
  return decodeWith(m, () => {
    const p = pb.ZkFinalityCertificate.decode(bytes);
    const circuit = p.circuit ?? "";
    if (!isZkCircuitName(circuit)) throw invalid(m, "circuit", `not a circuit name (1..${ZK_MAX_CIRCUIT_NAME_LENGTH} of a-z 0-9 _ -)`);
    return {
      circuit,
      chainId,
      height: toSafe(p.height, m, "height", 1),
      time: toSafe(p.time, m, "time"),
      blockHash: bytesOf(p.block_hash, HASH_LENGTH, m, "blockHash"),
      validatorSetRoot: fieldOf(p.validator_set_root, m, "validatorSetRoot"),
      nextValidatorSetRoot: fieldOf(p.next_validator_set_root, m, "nextValidatorSetRoot"),
      signers: fieldOf(p.signers, m, "signers", 1n << BigInt(ZK_MAX_CAPACITY)),
      proof: bytesOf(p.proof, ZK_PROOF_LENGTH, m, "proof"),
      prover: bytesOf(p.prover, ZK_PROVER_LENGTH, m, "prover"),
    };
  });
}

// ---------- evidence

function evidenceToProto(e: DuplicateVoteEvidence): aegis.v1.DuplicateVoteEvidence.$Properties {
  return { vote_a: voteToProto(e.voteA), vote_b: voteToProto(e.voteB), time: e.time };
}
function evidenceFromProto(p: aegis.v1.DuplicateVoteEvidence.$Properties): DuplicateVoteEvidence {
  return { voteA: voteFromProto(p.vote_a), voteB: voteFromProto(p.vote_b), time: toSafe(p.time, "DuplicateVoteEvidence", "time") };
}
export function encodeDuplicateVoteEvidence(e: DuplicateVoteEvidence): Uint8Array {
  return pb.DuplicateVoteEvidence.encode(evidenceToProto(e)).finish();
}
export function decodeDuplicateVoteEvidence(bytes: Uint8Array): DuplicateVoteEvidence {
  return decodeWith("DuplicateVoteEvidence", () => evidenceFromProto(pb.DuplicateVoteEvidence.decode(bytes)));
}

export function doubleAttestationToProto(e: DoubleAttestationEvidence): aegis.v1.DoubleAttestationEvidence.$Properties {
  return { attestation_a: attestationToProto(e.attestationA), attestation_b: attestationToProto(e.attestationB), time: e.time };
}
/** A decoded double attestation: both attestations present and well formed (signatures not checked). */
export function doubleAttestationFromProto(p: aegis.v1.DoubleAttestationEvidence.$Properties): DoubleAttestationEvidence {
  const m = "DoubleAttestationEvidence";
  return decodeWith(m, () => {
    if (!p.attestation_a) throw invalid(m, "attestationA", "missing");
    if (!p.attestation_b) throw invalid(m, "attestationB", "missing");
    return {
      attestationA: attestationFromProto(p.attestation_a, `${m}.attestationA`),
      attestationB: attestationFromProto(p.attestation_b, `${m}.attestationB`),
      time: toSafe(p.time, m, "time"),
    };
  });
}
export function encodeDoubleAttestationEvidence(e: DoubleAttestationEvidence): Uint8Array {
  return pb.DoubleAttestationEvidence.encode(doubleAttestationToProto(e)).finish();
}
export function decodeDoubleAttestationEvidence(bytes: Uint8Array): DoubleAttestationEvidence {
  return decodeWith("DoubleAttestationEvidence", () => doubleAttestationFromProto(pb.DoubleAttestationEvidence.decode(bytes)));
}

// ---------- p2p request/response

export interface StatusResponse {
  chainId: string;
  height: number;
  latestBlockHash: Uint8Array;
  earliestHeight: number;
}

export function encodeStatusResponse(s: StatusResponse): Uint8Array {
  return pb.StatusResponse.encode({ chain_id: s.chainId, height: s.height, latest_block_hash: s.latestBlockHash, earliest_height: s.earliestHeight }).finish();
}
export function decodeStatusResponse(bytes: Uint8Array): StatusResponse {
  return decodeWith("StatusResponse", () => {
    const p = pb.StatusResponse.decode(bytes);
    const height = toSafe(p.height, "StatusResponse", "height");
    return {
      chainId: p.chain_id ?? "",
      height,
      latestBlockHash: height === 0 ? new Uint8Array(0) : bytesOf(p.latest_block_hash, HASH_LENGTH, "StatusResponse", "latestBlockHash"),
      earliestHeight: toSafe(p.earliest_height, "StatusResponse", "earliestHeight"),
    };
  });
}

export interface BlocksRequest {
  fromHeight: number;
  count: number;
}
export function encodeBlocksRequest(r: BlocksRequest): Uint8Array {
  return pb.BlocksRequest.encode({ from_height: r.fromHeight, count: r.count }).finish();
}
export function decodeBlocksRequest(bytes: Uint8Array): BlocksRequest {
  return decodeWith("BlocksRequest", () => {
    const p = pb.BlocksRequest.decode(bytes);
    return { fromHeight: toSafe(p.from_height, "BlocksRequest", "fromHeight", 1), count: toSafe(p.count, "BlocksRequest", "count", 1) };
  });
}
export function encodeBlocksResponse(blocks: CertifiedBlock[]): Uint8Array {
  return pb.BlocksResponse.encode({ blocks: blocks.map(certifiedBlockToProto) }).finish();
}
export function decodeBlocksResponse(bytes: Uint8Array): CertifiedBlock[] {
  return decodeWith("BlocksResponse", () => {
    let blocks = 0;
    forEachField(bytes, 0, bytes.length, (f, s, e) => {
      if (f !== 1 || s < 0) return;
      if (++blocks > MAX_BLOCKS_PER_RESPONSE) throw invalid("BlocksResponse", "blocks", `more than ${MAX_BLOCKS_PER_RESPONSE} blocks`);
      assertNestedBlockItemCounts(bytes, 1, s, e);
    });
    return (pb.BlocksResponse.decode(bytes).blocks ?? []).map(certifiedBlockFromProto);
  });
}

export function encodeZkCertificatesRequest(r: BlocksRequest): Uint8Array {
  return pb.ZkCertificatesRequest.encode({ from_height: r.fromHeight, count: r.count }).finish();
}
export function decodeZkCertificatesRequest(bytes: Uint8Array): BlocksRequest {
  return decodeWith("ZkCertificatesRequest", () => {
    const p = pb.ZkCertificatesRequest.decode(bytes);
    return { fromHeight: toSafe(p.from_height, "ZkCertificatesRequest", "fromHeight", 1), count: toSafe(p.count, "ZkCertificatesRequest", "count", 1) };
  });
}
export function encodeZkCertificatesResponse(certs: readonly ZkCertificate[]): Uint8Array {
  return pb.ZkCertificatesResponse.encode({ certificates: certs.map(encodeZkCertificate) }).finish();
}
/** Certificates of the hub `chainId`, shapes checked (the proofs not yet). */
export function decodeZkCertificatesResponse(bytes: Uint8Array, chainId: string): ZkCertificate[] {
  const list = decodeWith("ZkCertificatesResponse", () => {
    if (countField(bytes, 1) > MAX_ZK_CERTIFICATES_PER_RESPONSE) throw invalid("ZkCertificatesResponse", "certificates", `more than ${MAX_ZK_CERTIFICATES_PER_RESPONSE} certificates`);
    return pb.ZkCertificatesResponse.decode(bytes).certificates ?? [];
  });
  return list.map((c) => decodeZkCertificate(c, chainId));
}

export { voteToProto, voteFromProto, proposalToProto, proposalFromProto, blockToProto, blockFromProto, certificateToProto, certificateFromProto };

// ---------- store records (consensus WAL, signer guard)

const TIMEOUT_STEPS: ReadonlyMap<Step, aegis.v1.TimeoutStep> = new Map([
  [Step.Propose, pb.TimeoutStep.TIMEOUT_STEP_PROPOSE],
  [Step.Prevote, pb.TimeoutStep.TIMEOUT_STEP_PREVOTE],
  [Step.Precommit, pb.TimeoutStep.TIMEOUT_STEP_PRECOMMIT],
]);

function timeoutStepFromProto(s: number | null | undefined): Step {
  if (s === pb.TimeoutStep.TIMEOUT_STEP_PROPOSE) return Step.Propose;
  if (s === pb.TimeoutStep.TIMEOUT_STEP_PREVOTE) return Step.Prevote;
  if (s === pb.TimeoutStep.TIMEOUT_STEP_PRECOMMIT) return Step.Precommit;
  throw invalid("TimeoutEvent", "step", "must be PROPOSE, PREVOTE or PRECOMMIT");
}

/** Throws CODEC_ERROR_INVALID_FIELD (TimeoutEvent.step) for a timeout at Step.Commit, which has none. */
export function encodeWalEntry(e: WalEntry): Uint8Array {
  switch (e.kind) {
    case "proposal":
      return pb.WalEntry.encode({
        time: e.time,
        proposal: { proposal: proposalToProto(e.message.proposal), block: blockToProto(e.message.block) },
      }).finish();
    case "vote":
      return pb.WalEntry.encode({ time: e.time, vote: voteToProto(e.vote) }).finish();
    case "timeout": {
      const step = TIMEOUT_STEPS.get(e.step);
      if (step === undefined) throw invalid("TimeoutEvent", "step", "must be Propose, Prevote or Precommit");
      return pb.WalEntry.encode({ time: e.time, timeout: { height: e.height, round: e.round, step } }).finish();
    }
  }
}

export function decodeWalEntry(bytes: Uint8Array): WalEntry {
  return decodeWith("WalEntry", (): WalEntry => {
    const p = pb.WalEntry.decode(bytes);
    const time = toSafe(p.time, "WalEntry", "time");
    switch (p.event) {
      case "proposal": {
        const m = p.proposal;
        if (!m) throw invalid("WalEntry", "proposal", "missing");
        return { time, kind: "proposal", message: { proposal: proposalFromProto(m.proposal), block: blockFromProto(m.block) } };
      }
      case "vote":
        return { time, kind: "vote", vote: voteFromProto(p.vote) };
      case "timeout": {
        const t = p.timeout;
        if (!t) throw invalid("WalEntry", "timeout", "missing");
        return {
          time,
          kind: "timeout",
          height: toSafe(t.height, "TimeoutEvent", "height", 1),
          round: toSafe(t.round, "TimeoutEvent", "round"),
          step: timeoutStepFromProto(t.step),
        };
      }
      default:
        throw invalid("WalEntry", "event", "missing");
    }
  });
}

export function encodeSignerGuardRecord(r: SignerGuardRecord): Uint8Array {
  return pb.SignerGuardRecord.encode({
    height: r.height,
    round: r.round,
    step: r.step as number,
    sign_bytes: r.signBytes,
    signature: r.signature,
  }).finish();
}

export function decodeSignerGuardRecord(bytes: Uint8Array): SignerGuardRecord {
  const m = "SignerGuardRecord";
  return decodeWith(m, () => {
    const p = pb.SignerGuardRecord.decode(bytes);
    const step: number | null | undefined = p.step;
    if (step !== SignStep.Propose && step !== SignStep.Prevote && step !== SignStep.Precommit) {
      throw invalid(m, "step", "must be PROPOSE, PREVOTE or PRECOMMIT");
    }
    const signBytes = p.sign_bytes ?? new Uint8Array(0);
    if (signBytes.length === 0) throw invalid(m, "signBytes", "empty");
    return {
      height: toSafe(p.height, m, "height", 1),
      round: toSafe(p.round, m, "round"),
      step: step as number as SignStep,
      signBytes: new Uint8Array(signBytes),
      signature: bytesOf(p.signature, BLS_SIGNATURE_LENGTH, m, "signature"),
    };
  });
}
