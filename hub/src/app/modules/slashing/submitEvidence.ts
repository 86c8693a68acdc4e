import { aegis } from "@aegis/proto";
import { BinaryWriter } from "cosmjs-types/binary";
import { decodeDuplicateVoteEvidence, doubleAttestationFromProto, encodeDoubleAttestationEvidence, encodeDuplicateVoteEvidence } from "../../../codec/codec.js";
import { computeEvidenceHash } from "../../../consensus/blockRules.js";
import type { DoubleAttestationEvidence, DuplicateVoteEvidence } from "../../../consensus/types.js";
import { ACCOUNT_ADDRESS_PREFIX, TxError } from "../../../tx/index.js";
import { parseMessageAddress } from "../../msgAddress.js";
import type { MsgHandler, MsgResult } from "../../msgRegistry.js";
import { MSG_SUBMIT_EVIDENCE_TYPE_URL, processDoubleAttestationEvidence, processDuplicateVoteEvidence } from "./evidence.js";

export const MSG_SUBMIT_EVIDENCE_RESPONSE_TYPE_URL = "/aegis.slashing.v1.MsgSubmitEvidenceResponse";

/** /aegis.slashing.v1.MsgSubmitEvidence in domain form: exactly one of `evidence` and `doubleAttestation`. */
export interface MsgSubmitEvidence {
  /** aegis1…: signs the transaction and pays its fee. */
  submitter: string;
  /** Duplicate votes (field 2). */
  evidence: DuplicateVoteEvidence | undefined;
  /** Two attestations of one validator and height for different statements (field 3). */
  doubleAttestation?: DoubleAttestationEvidence | undefined;
}

/**
 * Codec of /aegis.slashing.v1.MsgSubmitEvidence in the cosmjs-types shape, so a cosmjs Registry takes
 * it: `new Registry([...defaultRegistryTypes, [AegisMsgSubmitEvidence.typeUrl, AegisMsgSubmitEvidence]])`.
 */
export const AegisMsgSubmitEvidence = {
  typeUrl: MSG_SUBMIT_EVIDENCE_TYPE_URL,
  encode(m: MsgSubmitEvidence, writer: BinaryWriter = BinaryWriter.create()): BinaryWriter {
    if (m.submitter !== "") writer.uint32(10).string(m.submitter);
    if (m.evidence) writer.uint32(18).bytes(encodeDuplicateVoteEvidence(m.evidence));
    if (m.doubleAttestation) writer.uint32(26).bytes(encodeDoubleAttestationEvidence(m.doubleAttestation));
    return writer;
  },
  decode(input: Uint8Array): MsgSubmitEvidence {
    const m = aegis.slashing.v1.MsgSubmitEvidence.decode(input);
    const evidence = m.evidence ? decodeDuplicateVoteEvidence(aegis.v1.DuplicateVoteEvidence.encode(m.evidence).finish()) : undefined;
    const doubleAttestation = m.double_attestation ? doubleAttestationFromProto(m.double_attestation) : undefined;
    return { submitter: m.submitter, evidence, ...(doubleAttestation ? { doubleAttestation } : {}) };
  },
  fromPartial(p: Partial<MsgSubmitEvidence>): MsgSubmitEvidence {
    return { submitter: p.submitter ?? "", evidence: p.evidence, ...(p.doubleAttestation ? { doubleAttestation: p.doubleAttestation } : {}) };
  },
};

function submitterOf(m: MsgSubmitEvidence): Uint8Array {
  return parseMessageAddress(m.submitter, ACCOUNT_ADDRESS_PREFIX, "submitter", MSG_SUBMIT_EVIDENCE_TYPE_URL);
}

/**
 * Evidence in a transaction: the same rules as evidence a proposer puts in a block
 * (processDuplicateVoteEvidence, processDoubleAttestationEvidence): slash and tombstone, or
 * TX_ERROR_INVALID_MESSAGE and nothing changes but the fee and sequence.
 */
export const msgSubmitEvidenceHandler: MsgHandler<MsgSubmitEvidence> = {
  typeUrl: MSG_SUBMIT_EVIDENCE_TYPE_URL,
  decode: (b) => AegisMsgSubmitEvidence.decode(b),
  getSigners: (m) => [submitterOf(m)],
  validateBasic(m) {
    submitterOf(m);
    if (!m.evidence && !m.doubleAttestation) throw new TxError({ code: "TX_ERROR_INVALID_MESSAGE", typeUrl: MSG_SUBMIT_EVIDENCE_TYPE_URL, reason: "evidence: missing" });
    if (m.evidence && m.doubleAttestation) {
      throw new TxError({ code: "TX_ERROR_INVALID_MESSAGE", typeUrl: MSG_SUBMIT_EVIDENCE_TYPE_URL, reason: "evidence and double_attestation: exactly one may be set" });
    }
  },
  process(ctx, m): MsgResult {
    const ectx = { height: ctx.height, time: ctx.time, chainId: ctx.chainId };
    const e = m.evidence ?? m.doubleAttestation!;
    const r = m.evidence ? processDuplicateVoteEvidence(ctx.store, m.evidence, ectx) : processDoubleAttestationEvidence(ctx.store, m.doubleAttestation!, ectx);
    ctx.events.push(
      { type: "message", attributes: [{ key: "action", value: MSG_SUBMIT_EVIDENCE_TYPE_URL }, { key: "sender", value: m.submitter }, { key: "module", value: "slashing" }] },
      ...r.events,
    );
    const hash = computeEvidenceHash(e);
    return { response: { typeUrl: MSG_SUBMIT_EVIDENCE_RESPONSE_TYPE_URL, value: aegis.slashing.v1.MsgSubmitEvidenceResponse.encode({ hash }).finish() } };
  },
};
