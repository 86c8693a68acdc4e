import fc from "fast-check";
import { aegis } from "@aegis/proto";
import { VoteType, type BlockHeader, type CommitCertificate, type ZkCertificate } from "@aegis/consumer-sdk";
import {
  MAX_EVIDENCE_PER_BLOCK,
  MAX_TX_BYTES,
  MAX_TXS_PER_BATCH,
  decodeTxBatch,
  encodeTxBatch,
  CodecError,
  decodeBlock,
  decodeBlockHeader,
  decodeBlocksRequest,
  decodeBlocksResponse,
  decodeCommitCertificate,
  decodeDuplicateVoteEvidence,
  decodeProposalMessage,
  decodeSignerGuardRecord,
  decodeStatusResponse,
  decodeVote,
  decodeWalEntry,
  encodeBlock,
  encodeBlockHeader,
  encodeBlocksRequest,
  encodeBlocksResponse,
  encodeCommitCertificate,
  encodeDuplicateVoteEvidence,
  encodeProposalMessage,
  encodeSignerGuardRecord,
  encodeStatusResponse,
  encodeVote,
  encodeWalEntry,
  type StatusResponse,
  decodeFinalityAttestation,
  decodeZkCertificate,
  encodeFinalityAttestation,
  encodeZkCertificate,
  type FinalityAttestation,
} from "../../src/codec/codec.js";
import { Step, type ProposalMessage, type Vote } from "../../src/consensus/types.js";
import { SignStep, type SignerGuardRecord } from "../../src/db/signerGuardRecord.js";
import type { WalEntry } from "../../src/db/walEntry.js";
import { filled, makeChain, makeEvidence, makeFinalityAttestation, makeHeader, makeVote, makeZkCertificate } from "../db/fixtures.js";

const pb = aegis.v1;

function codecError(fn: () => unknown): CodecError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CodecError);
    return e as CodecError;
  }
  throw new Error("expected a CodecError");
}

function expectInvalidField(fn: () => unknown, field: string): void {
  const e = codecError(fn);
  expect(e.code).toBe("CODEC_ERROR_INVALID_FIELD");
  expect(e.type).toMatchObject({ field });
}

const chain = makeChain(3);
const header = makeHeader(7, filled(32, 0x11));
const block = {
  header,
  txs: [Uint8Array.of(1, 2, 3), new Uint8Array(0), filled(300, 0xfe)],
  lastCommit: chain[1]!.certificate,
  evidence: [makeEvidence({ height: 6 }), makeEvidence({ height: 6, validatorIndex: 3 })],
};
const certificate: CommitCertificate = chain[2]!.certificate;
const proposalMessage: ProposalMessage = {
  proposal: { height: 3, round: 2, polRound: 1, blockHash: certificate.blockHash, proposerIndex: 4, signature: filled(96, 6) },
  block: chain[2]!.block,
};

describe("round trips", () => {
  test("header and block", () => {
    expect(decodeBlockHeader(encodeBlockHeader(header))).toEqual(header);
    expect(decodeBlock(encodeBlock(block))).toEqual(block);
    expect(decodeBlock(encodeBlock({ header, txs: [], lastCommit: null, evidence: [] }))).toEqual({ header, txs: [], lastCommit: null, evidence: [] });
  });

  test("vote, including a nil vote", () => {
    const v = makeVote({ type: VoteType.Precommit, height: 2 ** 40, round: 3 });
    expect(decodeVote(encodeVote(v))).toEqual(v);
    const nil = makeVote({ blockHash: null });
    expect(decodeVote(encodeVote(nil))).toEqual(nil);
  });

  test("proposal message, with and without a proof-of-lock round", () => {
    expect(decodeProposalMessage(encodeProposalMessage(proposalMessage))).toEqual(proposalMessage);
    const fresh = { ...proposalMessage, proposal: { ...proposalMessage.proposal, round: 0, polRound: -1 } };
    expect(decodeProposalMessage(encodeProposalMessage(fresh))).toEqual(fresh);
  });

  test("commit certificate", () => {
    expect(decodeCommitCertificate(encodeCommitCertificate(certificate))).toEqual(certificate);
  });

  test("duplicate vote evidence", () => {
    const e = makeEvidence({ height: 9, validatorIndex: 3 }, 1_700_000_000_123);
    expect(decodeDuplicateVoteEvidence(encodeDuplicateVoteEvidence(e))).toEqual(e);
  });

  test("status response, also of an empty chain", () => {
    const s: StatusResponse = { chainId: "aegis-1", height: 42, latestBlockHash: filled(32, 9), earliestHeight: 1 };
    expect(decodeStatusResponse(encodeStatusResponse(s))).toEqual(s);
    const empty: StatusResponse = { chainId: "aegis-1", height: 0, latestBlockHash: new Uint8Array(0), earliestHeight: 0 };
    expect(decodeStatusResponse(encodeStatusResponse(empty))).toEqual(empty);
  });

  test("blocks request and response", () => {
    expect(decodeBlocksRequest(encodeBlocksRequest({ fromHeight: 10, count: 50 }))).toEqual({ fromHeight: 10, count: 50 });
    expect(decodeBlocksResponse(encodeBlocksResponse(chain))).toEqual(chain);
    expect(decodeBlocksResponse(encodeBlocksResponse([]))).toEqual([]);
  });

  test("WAL entries of every kind", () => {
    const entries: WalEntry[] = [
      { time: 1, kind: "proposal", message: proposalMessage },
      { time: 2, kind: "vote", vote: makeVote() },
      { time: 3, kind: "vote", vote: makeVote({ blockHash: null, type: VoteType.Precommit }) },
      { time: 4, kind: "timeout", height: 3, round: 0, step: Step.Propose },
      { time: 5, kind: "timeout", height: 3, round: 1, step: Step.Prevote },
      { time: 6, kind: "timeout", height: 3, round: 2, step: Step.Precommit },
    ];
    for (const e of entries) expect(decodeWalEntry(encodeWalEntry(e))).toEqual(e);
  });

  test("signer guard record", () => {
    for (const step of [SignStep.Propose, SignStep.Prevote, SignStep.Precommit]) {
      const r: SignerGuardRecord = { height: 12, round: 1, step, signBytes: Uint8Array.of(1, 2, 3, 4), signature: filled(96, 0x33) };
      expect(decodeSignerGuardRecord(encodeSignerGuardRecord(r))).toEqual(r);
    }
  });
});

describe("bad input", () => {
  const decoders: Array<[string, (b: Uint8Array) => unknown]> = [
    ["BlockHeader", decodeBlockHeader],
    ["Block", decodeBlock],
    ["Vote", decodeVote],
    ["ProposalMessage", decodeProposalMessage],
    ["CommitCertificate", decodeCommitCertificate],
    ["DuplicateVoteEvidence", decodeDuplicateVoteEvidence],
    ["StatusResponse", decodeStatusResponse],
    ["BlocksRequest", decodeBlocksRequest],
    ["BlocksResponse", decodeBlocksResponse],
    ["WalEntry", decodeWalEntry],
    ["SignerGuardRecord", decodeSignerGuardRecord],
  ];

  test.each(decoders)("garbage bytes are CODEC_ERROR_MALFORMED for %s", (message, decode) => {
    // Field 1 length-delimited with a length running past the end; then an invalid wire type 7.
    for (const garbage of [Uint8Array.of(0x0a, 0xff, 0xff, 0xff), Uint8Array.of(0x0f, 0x01, 0x02)]) {
      const e = codecError(() => decode(garbage));
      expect(e.code).toBe("CODEC_ERROR_MALFORMED");
      expect(e.type).toMatchObject({ message });
    }
  });

  test("random bytes decode to a valid value or throw a CodecError, never anything else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        for (const [, decode] of decoders) {
          try {
            decode(bytes);
          } catch (e) {
            if (!(e instanceof CodecError)) return false;
          }
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });

  const pbVote = { type: pb.VoteType.VOTE_TYPE_PREVOTE, height: 5, round: 0, block_hash: filled(32, 1), validator_index: 0, signature: filled(96, 2) };

  test("a wrong hash length names the field", () => {
    expectInvalidField(() => decodeVote(pb.Vote.encode({ ...pbVote, block_hash: filled(31, 1) }).finish()), "blockHash");
    const h = pb.BlockHeader.decode(encodeBlockHeader(header));
    expectInvalidField(() => decodeBlockHeader(pb.BlockHeader.encode({ ...h, parent_hash: filled(33, 0) }).finish()), "parentHash");
    expectInvalidField(() => decodeBlockHeader(pb.BlockHeader.encode({ ...h, proposer: filled(32, 0) }).finish()), "proposer");
    expectInvalidField(() => decodeStatusResponse(pb.StatusResponse.encode({ chain_id: "x", height: 3, latest_block_hash: filled(8, 0) }).finish()), "latestBlockHash");
  });

  test("a wrong signature length names the field", () => {
    expectInvalidField(() => decodeVote(pb.Vote.encode({ ...pbVote, signature: filled(95, 2) }).finish()), "signature");
    expectInvalidField(() => decodeCommitCertificate(pb.CommitCertificate.encode({ ...certificate, block_hash: certificate.blockHash, signature: filled(48, 1) }).finish()), "signature");
    const guard = { height: 1, round: 0, step: pb.SignStep.SIGN_STEP_PREVOTE, sign_bytes: Uint8Array.of(1), signature: filled(97, 1) };
    expectInvalidField(() => decodeSignerGuardRecord(pb.SignerGuardRecord.encode(guard).finish()), "signature");
  });

  test("a block with more evidence than the cap is refused; a malformed last commit names its field", () => {
    const pbBlock = pb.Block.decode(encodeBlock(block));
    const tooMany = Array.from({ length: MAX_EVIDENCE_PER_BLOCK + 1 }, () => pbBlock.evidence[0]!);
    expectInvalidField(() => decodeBlock(pb.Block.encode({ ...pbBlock, evidence: tooMany }).finish()), "evidence");
    const lc = { ...pbBlock.last_commit!, signature: filled(95, 1) };
    expectInvalidField(() => decodeBlock(pb.Block.encode({ ...pbBlock, last_commit: lc }).finish()), "signature");
    const h = pb.BlockHeader.decode(encodeBlockHeader(header));
    expectInvalidField(() => decodeBlockHeader(pb.BlockHeader.encode({ ...h, last_commit_hash: filled(31, 0) }).finish()), "lastCommitHash");
    expectInvalidField(() => decodeBlockHeader(pb.BlockHeader.encode({ ...h, evidence_root: new Uint8Array(0) }).finish()), "evidenceRoot");
  });

  test("a missing header or block is refused", () => {
    expectInvalidField(() => decodeBlock(pb.Block.encode({ txs: [Uint8Array.of(1)] }).finish()), "header");
    const p = pb.ProposalMessage.decode(encodeProposalMessage(proposalMessage));
    expectInvalidField(() => decodeProposalMessage(pb.ProposalMessage.encode({ proposal: p.proposal }).finish()), "block");
  });

  test("height 0 is refused", () => {
    expectInvalidField(() => decodeVote(pb.Vote.encode({ ...pbVote, height: 0 }).finish()), "height");
    const h = pb.BlockHeader.decode(encodeBlockHeader(header));
    expectInvalidField(() => decodeBlockHeader(pb.BlockHeader.encode({ ...h, height: 0 }).finish()), "height");
    expectInvalidField(() => decodeBlocksRequest(pb.BlocksRequest.encode({ from_height: 0, count: 1 }).finish()), "fromHeight");
    const timeout = { time: 1, timeout: { height: 0, round: 0, step: pb.TimeoutStep.TIMEOUT_STEP_PREVOTE } };
    expectInvalidField(() => decodeWalEntry(pb.WalEntry.encode(timeout).finish()), "height");
  });

  test("polRound >= round is refused", () => {
    for (const [round, polRound] of [[2, 2], [2, 3], [0, 0], [1, -2]] as const) {
      const bad = { ...proposalMessage, proposal: { ...proposalMessage.proposal, round, polRound } };
      expectInvalidField(() => decodeProposalMessage(encodeProposalMessage(bad)), "polRound");
    }
  });

  test("vote type unspecified is refused", () => {
    expectInvalidField(() => decodeVote(pb.Vote.encode({ ...pbVote, type: pb.VoteType.VOTE_TYPE_UNSPECIFIED }).finish()), "type");
    expectInvalidField(() => decodeVote(pb.Vote.encode({ ...pbVote, type: 7 as aegis.v1.VoteType }).finish()), "type");
  });

  test("store records: missing WAL event, unspecified steps, empty sign bytes", () => {
    expectInvalidField(() => decodeWalEntry(pb.WalEntry.encode({ time: 5 }).finish()), "event");
    const timeout = { time: 1, timeout: { height: 2, round: 0, step: pb.TimeoutStep.TIMEOUT_STEP_UNSPECIFIED } };
    expectInvalidField(() => decodeWalEntry(pb.WalEntry.encode(timeout).finish()), "step");
    expectInvalidField(() => encodeWalEntry({ time: 1, kind: "timeout", height: 2, round: 0, step: Step.Commit }), "step");
    const guard = { height: 1, round: 0, step: pb.SignStep.SIGN_STEP_NONE, sign_bytes: Uint8Array.of(1), signature: filled(96, 1) };
    expectInvalidField(() => decodeSignerGuardRecord(pb.SignerGuardRecord.encode(guard).finish()), "step");
    const noBytes = { ...guard, step: pb.SignStep.SIGN_STEP_PRECOMMIT, sign_bytes: new Uint8Array(0) };
    expectInvalidField(() => decodeSignerGuardRecord(pb.SignerGuardRecord.encode(noBytes).finish()), "signBytes");
  });

  test("a height beyond the safe integer range is refused", () => {
    expectInvalidField(() => decodeVote(pb.Vote.encode({ ...pbVote, height: "18446744073709551615" as unknown as number }).finish()), "height");
  });
});

describe("properties", () => {
  const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
  const safeHeight = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });

  const voteArb: fc.Arbitrary<Vote> = fc.record({
    type: fc.constantFrom(VoteType.Prevote, VoteType.Precommit),
    height: safeHeight,
    round: fc.integer({ min: 0, max: 0xffffffff }),
    blockHash: fc.option(bytes(32), { nil: null }),
    validatorIndex: fc.integer({ min: 0, max: 0xffffffff }),
    signature: bytes(96),
  });

  const headerArb: fc.Arbitrary<BlockHeader> = fc.record({
    chainId: fc.string({ maxLength: 40 }),
    height: safeHeight,
    time: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    parentHash: bytes(32),
    txRoot: bytes(32),
    stateRoot: bytes(32),
    consumerCheckpointRoot: bytes(32),
    validatorSetRoot: bytes(32),
    nextValidatorSetRoot: bytes(32),
    proposer: bytes(20),
    lastCommitHash: bytes(32),
    evidenceRoot: bytes(32),
  });

  test("decode(encode(vote)) is the identity on valid votes", () => {
    fc.assert(fc.property(voteArb, (v) => expect(decodeVote(encodeVote(v))).toEqual(v)), { numRuns: 200 });
  });

  test("decode(encode(header)) is the identity on valid headers", () => {
    fc.assert(fc.property(headerArb, (h) => expect(decodeBlockHeader(encodeBlockHeader(h))).toEqual(h)), { numRuns: 200 });
  });
});

describe("TxBatch (gossiped transactions)", () => {
  test("round trip, and every bad batch is a CodecError naming the field", () => {
    const txs = [Uint8Array.of(1, 2, 3), filled(300, 9)];
    expect(decodeTxBatch(encodeTxBatch(txs))).toEqual(txs);
    expectInvalidField(() => decodeTxBatch(pb.TxBatch.encode({ txs: [] }).finish()), "txs");
    expectInvalidField(() => decodeTxBatch(pb.TxBatch.encode({ txs: [Uint8Array.of(1), new Uint8Array(0)] }).finish()), "txs");
    expectInvalidField(() => decodeTxBatch(pb.TxBatch.encode({ txs: Array.from({ length: MAX_TXS_PER_BATCH + 1 }, () => Uint8Array.of(1)) }).finish()), "txs");
    expectInvalidField(() => decodeTxBatch(pb.TxBatch.encode({ txs: [new Uint8Array(MAX_TX_BYTES + 1)] }).finish()), "txs");
    expect(codecError(() => decodeTxBatch(Uint8Array.of(0x0a, 0xff))).code).toBe("CODEC_ERROR_MALFORMED");
  });
});

describe("ZK certificates and finality attestations", () => {
  const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
  const attestation: FinalityAttestation = makeFinalityAttestation({ validatorSetRoot: 12345n, nextValidatorSetRoot: R - 1n });
  const cert: ZkCertificate = makeZkCertificate(9, { circuit: "quorum8", chainId: "aegis-test-1", validatorSetRoot: 12345n, nextValidatorSetRoot: R - 1n, signers: 0b1011n });
  const field = (x: bigint) => Uint8Array.from(Buffer.from(x.toString(16).padStart(64, "0"), "hex"));
  const varint = (x: number) => {
    const out: number[] = [];
    let n = BigInt(x);
    do {
      out.push(Number(n & 0x7fn) | (n > 0x7fn ? 0x80 : 0));
      n >>= 7n;
    } while (n > 0n);
    return out;
  };
  /** `bytes` holds `part` somewhere (a tagged field of the wire form). */
  const holds = (bytes: Uint8Array, part: number[]) => Buffer.from(bytes).includes(Buffer.from(part));

  test("round trips with the time, the signing set root and the prover (the chain id comes from the decoder's context)", () => {
    const a = decodeFinalityAttestation(encodeFinalityAttestation(attestation));
    expect(a).toEqual(attestation);
    expect(a.time).toBe(1_700_000_009_000);
    expect(a.validatorSetRoot).toBe(12345n);
    const c = decodeZkCertificate(encodeZkCertificate(cert), "aegis-test-1");
    expect(c).toEqual(cert);
    expect(c.time).toBe(1_700_000_009_000);
    expect(Buffer.from(c.prover).toString("hex")).toBe("a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3");
    expect(decodeZkCertificate(encodeZkCertificate(cert), "aegis-other").chainId).toBe("aegis-other");
    // An all-zero prover (a prover without an account) and time 0 are values, not absent fields.
    const zero = { ...cert, prover: new Uint8Array(20), time: 0 };
    expect(decodeZkCertificate(encodeZkCertificate(zero), "aegis-test-1")).toEqual(zero);
  });

  test("the wire field numbers: attestation time = 6, validator_set_root = 7; certificate time = 8, prover = 9", () => {
    const a = encodeFinalityAttestation(attestation);
    expect(holds(a, [(6 << 3) | 0, ...varint(attestation.time)])).toBe(true);
    expect(holds(a, [(7 << 3) | 2, 32, ...field(12345n)])).toBe(true);
    const c = encodeZkCertificate(cert);
    expect(holds(c, [(8 << 3) | 0, ...varint(cert.time)])).toBe(true);
    expect(holds(c, [(9 << 3) | 2, 20, ...cert.prover])).toBe(true);
    const p = pb.ZkFinalityCertificate.decode(c);
    expect(Number(p.time)).toBe(cert.time);
    expect(new Uint8Array(p.prover)).toEqual(cert.prover);
  });

  test("property: decode(encode(x)) is the identity on attestations and certificates", () => {
    const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
    const fieldArb = fc.bigInt({ min: 0n, max: R - 1n });
    const time = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
    const height = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
    fc.assert(
      fc.property(
        fc.record({ height, time, blockHash: bytes(32), validatorSetRoot: fieldArb, nextValidatorSetRoot: fieldArb, validatorIndex: fc.integer({ min: 0, max: 0xffffffff }), signature: bytes(64) }),
        (a) => expect(decodeFinalityAttestation(encodeFinalityAttestation(a))).toEqual(a),
      ),
      { numRuns: 100 },
    );
    fc.assert(
      fc.property(
        fc.record({
          circuit: fc.constantFrom("quorum4", "quorum8", "q_1-x"),
          chainId: fc.constant("aegis-test-1"),
          height,
          time,
          blockHash: bytes(32),
          validatorSetRoot: fieldArb,
          nextValidatorSetRoot: fieldArb,
          signers: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
          prover: bytes(20),
          proof: bytes(256),
        }),
        (c) => expect(decodeZkCertificate(encodeZkCertificate(c), "aegis-test-1")).toEqual(c),
      ),
      { numRuns: 100 },
    );
  });

  const att = (over: Partial<aegis.v1.FinalityAttestation.$Properties>) =>
    aegis.v1.FinalityAttestation.encode({
      height: 9,
      time: 1_700_000_009_000,
      block_hash: filled(32, 1),
      validator_set_root: field(4n),
      next_validator_set_root: field(5n),
      validator_index: 0,
      signature: filled(64, 2),
      ...over,
    }).finish();
  test("the attestation fixture itself decodes", () => {
    expect(decodeFinalityAttestation(att({}))).toMatchObject({ height: 9, time: 1_700_000_009_000, validatorSetRoot: 4n, nextValidatorSetRoot: 5n });
  });
  test.each([
    ["height 0", { height: 0 }, "height"],
    ["a short block hash", { block_hash: filled(31, 1) }, "blockHash"],
    ["a root of 31 bytes", { next_validator_set_root: filled(31, 1) }, "nextValidatorSetRoot"],
    ["a root not below the field order", { next_validator_set_root: field(R) }, "nextValidatorSetRoot"],
    ["no signing set root (an attestation of v1)", { validator_set_root: undefined }, "validatorSetRoot"],
    ["a signing set root of 33 bytes", { validator_set_root: filled(33, 1) }, "validatorSetRoot"],
    ["a signing set root not below the field order", { validator_set_root: field(R) }, "validatorSetRoot"],
    ["a time beyond 2^53 ms", { time: 2 ** 53 }, "time"],
    ["a signature of 63 bytes", { signature: filled(63, 2) }, "signature"],
  ])("an attestation with %s is refused", (_name, over, f) => {
    expectInvalidField(() => decodeFinalityAttestation(att(over)), f);
  });

  const zk = (over: Partial<aegis.v1.ZkFinalityCertificate.$Properties>) =>
    aegis.v1.ZkFinalityCertificate.encode({
      circuit: "quorum4",
      height: 9,
      block_hash: filled(32, 1),
      validator_set_root: field(5n),
      next_validator_set_root: field(6n),
      signers: field(7n),
      proof: filled(256, 3),
      time: 1_700_000_009_000,
      prover: filled(20, 0xa0),
      ...over,
    }).finish();
  test("the certificate fixture itself decodes", () => {
    expect(decodeZkCertificate(zk({}), "aegis-test-1")).toMatchObject({ height: 9, time: 1_700_000_009_000, prover: filled(20, 0xa0) });
  });
  test.each([
    ["no circuit name", { circuit: "" }, "circuit"],
    ["a circuit name with a path", { circuit: "../quorum4" }, "circuit"],
    ["height 0", { height: 0 }, "height"],
    ["a long block hash", { block_hash: filled(33, 1) }, "blockHash"],
    ["a set root not below the field order", { validator_set_root: field(R + 5n) }, "validatorSetRoot"],
    ["a next root of 0 bytes", { next_validator_set_root: new Uint8Array(0) }, "nextValidatorSetRoot"],
    ["a bitmap beyond the largest capacity", { signers: field(1n << 128n) }, "signers"],
    ["a proof of 255 bytes", { proof: filled(255, 3) }, "proof"],
    ["a prover of 19 bytes", { prover: filled(19, 0xa0) }, "prover"],
    ["a prover of 21 bytes", { prover: filled(21, 0xa0) }, "prover"],
    ["a prover of 32 bytes", { prover: filled(32, 0xa0) }, "prover"],
    ["no prover (a certificate of v1)", { prover: undefined }, "prover"],
    ["a time beyond 2^53 ms", { time: 2 ** 53 }, "time"],
  ])("a certificate with %s is refused", (_name, over, f) => {
    expectInvalidField(() => decodeZkCertificate(zk(over), "aegis-test-1"), f);
  });

  test("a certificate encoded with a wrong-length prover does not decode (the codec boundary checks it)", () => {
    for (const n of [0, 19, 21]) {
      const bytes = encodeZkCertificate({ ...cert, prover: filled(n, 0xa0) });
      const e = codecError(() => decodeZkCertificate(bytes, "aegis-test-1"));
      expect(e.type).toMatchObject({ code: "CODEC_ERROR_INVALID_FIELD", field: "prover" });
    }
  });

  test("bytes that are no protobuf message are malformed", () => {
    expect(codecError(() => decodeZkCertificate(Uint8Array.of(0xff, 0xff, 0xff), "c")).code).toBe("CODEC_ERROR_MALFORMED");
    expect(codecError(() => decodeFinalityAttestation(Uint8Array.of(0x0a, 0x05, 1))).code).toBe("CODEC_ERROR_MALFORMED");
  });
});
