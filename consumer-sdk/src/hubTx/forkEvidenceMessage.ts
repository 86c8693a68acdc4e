import { aegis } from "@aegis/proto";
import { BinaryWriter } from "cosmjs-types/binary";
import type { CommitCertificate, PolkaCertificate } from "../commitCertificate.js";
import type { BlsForkEvidence, CrossTierForkEvidence, ZkForkEvidence } from "../forkEvidence.js";
import { certificateToProto, headerToProto, zkCertificateToProto } from "./hubTypes.js";

export const MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL = "/aegis.slashing.v1.MsgSubmitForkEvidence";

/**
 * /aegis.slashing.v1.MsgSubmitForkEvidence (decision 50) in domain form: exactly one of `bls` and
 * `zk`. The ZK certificates' chain id is not on the wire (the hub checks them against its own).
 */
export interface MsgSubmitForkEvidence {
  /** aegis1…: signs the transaction and pays its fee. */
  submitter: string;
  bls?: BlsForkEvidence;
  zk?: ZkForkEvidence;
  /** A BLS commit and a ZK certificate of another block (decision 52): header_a, certificate_a and zk_b on the wire. */
  mixed?: CrossTierForkEvidence;
}

/**
 * The message's encoder in the cosmjs-types shape, for a consumer (or anyone) that signs it with
 * cosmjs: `new Registry([...defaultRegistryTypes, [MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL, AegisMsgSubmitForkEvidence]])`.
 * `decode` here gives the generated protobufjs objects' fields back unchecked; the hub decodes what
 * it receives with its own strict codec.
 */
export const AegisMsgSubmitForkEvidence = {
  typeUrl: MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL,
  encode(m: MsgSubmitForkEvidence, w: BinaryWriter = BinaryWriter.create()): BinaryWriter {
    const pb = aegis.v1;
    if (m.submitter !== "") w.uint32(10).string(m.submitter);
    if (m.bls) {
      w.uint32(18).bytes(pb.BlockHeader.encode(headerToProto(m.bls.a.header)).finish());
      w.uint32(26).bytes(pb.CommitCertificate.encode(certificateToProto(m.bls.a.certificate)).finish());
      w.uint32(34).bytes(pb.BlockHeader.encode(headerToProto(m.bls.b.header)).finish());
      w.uint32(42).bytes(pb.CommitCertificate.encode(certificateToProto(m.bls.b.certificate)).finish());
    }
    if (m.zk) {
      w.uint32(50).bytes(pb.ZkFinalityCertificate.encode(zkCertificateToProto(m.zk.a)).finish());
      w.uint32(58).bytes(pb.ZkFinalityCertificate.encode(zkCertificateToProto(m.zk.b)).finish());
    }
    if (m.mixed) {
      w.uint32(18).bytes(pb.BlockHeader.encode(headerToProto(m.mixed.bls.header)).finish());
      w.uint32(26).bytes(pb.CommitCertificate.encode(certificateToProto(m.mixed.bls.certificate)).finish());
      w.uint32(58).bytes(pb.ZkFinalityCertificate.encode(zkCertificateToProto(m.mixed.zk)).finish());
    }
    return w;
  },
  decode(input: Uint8Array): aegis.slashing.v1.MsgSubmitForkEvidence {
    return aegis.slashing.v1.MsgSubmitForkEvidence.decode(input);
  },
  fromPartial(p: Partial<MsgSubmitForkEvidence>): MsgSubmitForkEvidence {
    return { submitter: p.submitter ?? "", ...(p.bls ? { bls: p.bls } : {}), ...(p.zk ? { zk: p.zk } : {}), ...(p.mixed ? { mixed: p.mixed } : {}) };
  },
};

export const MSG_POST_POLKA_TYPE_URL = "/aegis.slashing.v1.MsgPostPolka";

/** /aegis.slashing.v1.MsgPostPolka (decision 52): a polka for the open fork cases of its height. */
export interface MsgPostPolka {
  /** aegis1…: signs the transaction and pays its fee. */
  submitter: string;
  polka: PolkaCertificate;
}

/** The message's encoder in the cosmjs-types shape (as AegisMsgSubmitForkEvidence). */
export const AegisMsgPostPolka = {
  typeUrl: MSG_POST_POLKA_TYPE_URL,
  encode(m: MsgPostPolka, w: BinaryWriter = BinaryWriter.create()): BinaryWriter {
    if (m.submitter !== "") w.uint32(10).string(m.submitter);
    if (m.polka) w.uint32(18).bytes(aegis.v1.CommitCertificate.encode(certificateToProto(m.polka)).finish());
    return w;
  },
  decode(input: Uint8Array): aegis.slashing.v1.MsgPostPolka {
    return aegis.slashing.v1.MsgPostPolka.decode(input);
  },
  fromPartial(p: Partial<MsgPostPolka>): MsgPostPolka {
    return { submitter: p.submitter ?? "", polka: p.polka! };
  },
};

export const MSG_POST_COMMIT_TYPE_URL = "/aegis.slashing.v1.MsgPostCommit";

/** /aegis.slashing.v1.MsgPostCommit (decision 52): a BLS commit for the open fork cases across tiers of its height. */
export interface MsgPostCommit {
  submitter: string;
  commit: CommitCertificate;
}

export const AegisMsgPostCommit = {
  typeUrl: MSG_POST_COMMIT_TYPE_URL,
  encode(m: MsgPostCommit, w: BinaryWriter = BinaryWriter.create()): BinaryWriter {
    if (m.submitter !== "") w.uint32(10).string(m.submitter);
    if (m.commit) w.uint32(18).bytes(aegis.v1.CommitCertificate.encode(certificateToProto(m.commit)).finish());
    return w;
  },
  decode(input: Uint8Array): aegis.slashing.v1.MsgPostCommit {
    return aegis.slashing.v1.MsgPostCommit.decode(input);
  },
  fromPartial(p: Partial<MsgPostCommit>): MsgPostCommit {
    return { submitter: p.submitter ?? "", commit: p.commit! };
  },
};
