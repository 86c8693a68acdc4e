import { aegis } from "@aegis/proto";
import { BinaryWriter } from "cosmjs-types/binary";
import { decodeDuplicateVoteEvidence, encodeDuplicateVoteEvidence } from "../../../codec/codec.js";
import { computeEvidenceHash } from "../../../consensus/blockRules.js";
import type { DuplicateVoteEvidence } from "../../../consensus/types.js";
import { ACCOUNT_ADDRESS_PREFIX, TxError } from "../../../tx/index.js";
import { parseMessageAddress } from "../../msgAddress.js";
import type { MsgHandler, MsgResult } from "../../msgRegistry.js";
import { MSG_SUBMIT_EVIDENCE_TYPE_URL, processDuplicateVoteEvidence } from "./evidence.js";

export const MSG_SUBMIT_EVIDENCE_RESPONSE_TYPE_URL = "/aegis.slashing.v1.MsgSubmitEvidenceResponse";

/** /aegis.slashing.v1.MsgSubmitEvidence in domain form. */
export interface MsgSubmitEvidence {
  /** aegis1…: signs the transaction and pays its fee. */
  submitter: string;
  evidence: DuplicateVoteEvidence | undefined;
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
    return writer;
  },
  decode(input: Uint8Array): MsgSubmitEvidence {
    const m = aegis.slashing.v1.MsgSubmitEvidence.decode(input);
    const evidence = m.evidence ? decodeDuplicateVoteEvidence(aegis.v1.DuplicateVoteEvidence.encode(m.evidence).finish()) : undefined;
    return { submitter: m.submitter, evidence };
  },
  fromPartial(p: Partial<MsgSubmitEvidence>): MsgSubmitEvidence {
    return { submitter: p.submitter ?? "", evidence: p.evidence };
  },
};

function submitterOf(m: MsgSubmitEvidence): Uint8Array {
  return parseMessageAddress(m.submitter, ACCOUNT_ADDRESS_PREFIX, "submitter", MSG_SUBMIT_EVIDENCE_TYPE_URL);
}

/**
 * Evidence in a transaction: the same rule as evidence the consensus engine puts in a block
 * (processDuplicateVoteEvidence): slash and tombstone, or TX_ERROR_INVALID_MESSAGE and nothing changes.
 */
export const msgSubmitEvidenceHandler: MsgHandler<MsgSubmitEvidence> = {
  typeUrl: MSG_SUBMIT_EVIDENCE_TYPE_URL,
  decode: (b) => AegisMsgSubmitEvidence.decode(b),
  getSigners: (m) => [submitterOf(m)],
  validateBasic(m) {
    submitterOf(m);
    if (!m.evidence) throw new TxError({ code: "TX_ERROR_INVALID_MESSAGE", typeUrl: MSG_SUBMIT_EVIDENCE_TYPE_URL, reason: "evidence: missing" });
  },
  process(ctx, m): MsgResult {
    const r = processDuplicateVoteEvidence(ctx.store, m.evidence!, { height: ctx.height, time: ctx.time, chainId: ctx.chainId });
    ctx.events.push(
      { type: "message", attributes: [{ key: "action", value: MSG_SUBMIT_EVIDENCE_TYPE_URL }, { key: "sender", value: m.submitter }, { key: "module", value: "slashing" }] },
      ...r.events,
    );
    const hash = computeEvidenceHash(m.evidence!);
    return { response: { typeUrl: MSG_SUBMIT_EVIDENCE_RESPONSE_TYPE_URL, value: aegis.slashing.v1.MsgSubmitEvidenceResponse.encode({ hash }).finish() } };
  },
};
