import { aegis } from "@aegis/proto";
import { BinaryWriter } from "cosmjs-types/binary";
import type { ConsumerCheckpoint, SignedConsumerCheckpoint } from "../checkpoint.js";

/**
 * The consumer messages (proto/src/aegis/consumers/v1/tx.proto) in domain form, with codecs shaped
 * like cosmjs-types' (`encode(m, writer?)`, `decode`, `fromPartial`), so a cosmjs Registry signs
 * them: `new Registry([...defaultRegistryTypes, ...CONSUMER_COSMJS_TYPES])`. `encode` writes
 * canonical proto3 (defaults omitted); `decode` uses the generated protobufjs code.
 */
export const MSG_REGISTER_CONSUMER_TYPE_URL = "/aegis.consumers.v1.MsgRegisterConsumer";
export const MSG_UPDATE_CONSUMER_TYPE_URL = "/aegis.consumers.v1.MsgUpdateConsumer";
export const MSG_DEREGISTER_CONSUMER_TYPE_URL = "/aegis.consumers.v1.MsgDeregisterConsumer";
export const MSG_SUBMIT_CHECKPOINT_TYPE_URL = "/aegis.consumers.v1.MsgSubmitCheckpoint";
export const MSG_SUBMIT_CONSUMER_EVIDENCE_TYPE_URL = "/aegis.consumers.v1.MsgSubmitConsumerEvidence";

export interface MsgRegisterConsumer {
  /** aegis1…: signs, pays the bond, owns the consumer. */
  owner: string;
  consumerId: string;
  vm: string;
  genesisHash: Uint8Array;
  producerKeys: Uint8Array[];
  bond: { denom: string; amount: string };
}

export interface MsgUpdateConsumer {
  owner: string;
  consumerId: string;
  /** Empty: unchanged. */
  producerKeys: Uint8Array[];
  /** "": unchanged. */
  vm: string;
}

export interface MsgDeregisterConsumer {
  owner: string;
  consumerId: string;
}

export interface MsgSubmitCheckpoint {
  /** aegis1…: signs the transaction and pays the fee. */
  relayer: string;
  checkpoint: ConsumerCheckpoint | undefined;
  producerIndex: number;
  signature: Uint8Array;
}

export interface MsgSubmitConsumerEvidence {
  submitter: string;
  a: SignedConsumerCheckpoint | undefined;
  b: SignedConsumerCheckpoint | undefined;
}

const bytes = (b: Uint8Array | null | undefined): Uint8Array => new Uint8Array(b ?? []);

/** The proto checkpoint in domain form; a height beyond 2^53 becomes -1 (refused by every rule). */
export function fromProtoCheckpoint(m: aegis.consumers.v1.ICheckpoint | null | undefined): ConsumerCheckpoint | undefined {
  if (!m) return undefined;
  const h = m.height === null || m.height === undefined ? 0 : BigInt(m.height.toString());
  return {
    consumerId: m.consumer_id ?? "",
    height: h <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(h) : -1,
    blockHash: bytes(m.block_hash),
    parentCheckpointHash: bytes(m.parent_checkpoint_hash),
    stateRoot: bytes(m.state_root),
  };
}

/**
 * A uint64 varint. cosmjs-types 0.11's `BinaryWriter.uint64` mis-encodes values in [2^31, 2^32) (a
 * truncated byte, then zero padding: bytes no decoder reads back), so those go through `uint32`, whose
 * varint is the same for every value below 2^32.
 */
function writeUint64(w: BinaryWriter, v: number): BinaryWriter {
  return v >= 0 && v <= 0xffffffff ? w.uint32(v) : w.uint64(BigInt(v));
}

function writeCheckpoint(cp: ConsumerCheckpoint, w: BinaryWriter): BinaryWriter {
  if (cp.consumerId !== "") w.uint32(10).string(cp.consumerId);
  if (cp.height !== 0) writeUint64(w.uint32(16), cp.height);
  if (cp.blockHash.length > 0) w.uint32(26).bytes(cp.blockHash);
  if (cp.parentCheckpointHash.length > 0) w.uint32(34).bytes(cp.parentCheckpointHash);
  if (cp.stateRoot.length > 0) w.uint32(42).bytes(cp.stateRoot);
  return w;
}

function writeSigned(s: SignedConsumerCheckpoint, w: BinaryWriter): BinaryWriter {
  writeCheckpoint(s.checkpoint, w.uint32(10).fork()).ldelim();
  if (s.producerIndex !== 0) w.uint32(16).uint32(s.producerIndex);
  if (s.signature.length > 0) w.uint32(26).bytes(s.signature);
  return w;
}

function signedFromProto(m: aegis.consumers.v1.ISignedCheckpoint | null | undefined): SignedConsumerCheckpoint | undefined {
  if (!m) return undefined;
  return { checkpoint: fromProtoCheckpoint(m.checkpoint) ?? emptyCheckpoint(), producerIndex: m.producer_index ?? 0, signature: bytes(m.signature) };
}

const emptyCheckpoint = (): ConsumerCheckpoint => ({ consumerId: "", height: 0, blockHash: new Uint8Array(0), parentCheckpointHash: new Uint8Array(0), stateRoot: new Uint8Array(0) });

function checkpointFromPartial(p: Partial<ConsumerCheckpoint> | undefined): ConsumerCheckpoint | undefined {
  if (!p) return undefined;
  return {
    consumerId: p.consumerId ?? "",
    height: p.height ?? 0,
    blockHash: bytes(p.blockHash),
    parentCheckpointHash: bytes(p.parentCheckpointHash),
    stateRoot: bytes(p.stateRoot),
  };
}

function signedFromPartial(p: Partial<SignedConsumerCheckpoint> | undefined): SignedConsumerCheckpoint | undefined {
  if (!p) return undefined;
  return { checkpoint: checkpointFromPartial(p.checkpoint) ?? emptyCheckpoint(), producerIndex: p.producerIndex ?? 0, signature: bytes(p.signature) };
}

export const AegisMsgRegisterConsumer = {
  typeUrl: MSG_REGISTER_CONSUMER_TYPE_URL,
  encode(m: MsgRegisterConsumer, w: BinaryWriter = BinaryWriter.create()): BinaryWriter {
    if (m.owner !== "") w.uint32(10).string(m.owner);
    if (m.consumerId !== "") w.uint32(18).string(m.consumerId);
    if (m.vm !== "") w.uint32(26).string(m.vm);
    if (m.genesisHash.length > 0) w.uint32(34).bytes(m.genesisHash);
    for (const k of m.producerKeys) w.uint32(42).bytes(k);
    const c = w.uint32(50).fork();
    if (m.bond.denom !== "") c.uint32(10).string(m.bond.denom);
    if (m.bond.amount !== "") c.uint32(18).string(m.bond.amount);
    c.ldelim();
    return w;
  },
  decode(input: Uint8Array): MsgRegisterConsumer {
    const m = aegis.consumers.v1.MsgRegisterConsumer.decode(input);
    return {
      owner: m.owner,
      consumerId: m.consumer_id,
      vm: m.vm,
      genesisHash: bytes(m.genesis_hash),
      producerKeys: m.producer_keys.map(bytes),
      bond: { denom: m.bond?.denom ?? "", amount: m.bond?.amount ?? "" },
    };
  },
  fromPartial(p: Partial<MsgRegisterConsumer>): MsgRegisterConsumer {
    return {
      owner: p.owner ?? "",
      consumerId: p.consumerId ?? "",
      vm: p.vm ?? "",
      genesisHash: bytes(p.genesisHash),
      producerKeys: (p.producerKeys ?? []).map(bytes),
      bond: { denom: p.bond?.denom ?? "", amount: p.bond?.amount ?? "" },
    };
  },
};

export const AegisMsgUpdateConsumer = {
  typeUrl: MSG_UPDATE_CONSUMER_TYPE_URL,
  encode(m: MsgUpdateConsumer, w: BinaryWriter = BinaryWriter.create()): BinaryWriter {
    if (m.owner !== "") w.uint32(10).string(m.owner);
    if (m.consumerId !== "") w.uint32(18).string(m.consumerId);
    for (const k of m.producerKeys) w.uint32(26).bytes(k);
    if (m.vm !== "") w.uint32(34).string(m.vm);
    return w;
  },
  decode(input: Uint8Array): MsgUpdateConsumer {
    const m = aegis.consumers.v1.MsgUpdateConsumer.decode(input);
    return { owner: m.owner, consumerId: m.consumer_id, producerKeys: m.producer_keys.map(bytes), vm: m.vm };
  },
  fromPartial(p: Partial<MsgUpdateConsumer>): MsgUpdateConsumer {
    return { owner: p.owner ?? "", consumerId: p.consumerId ?? "", producerKeys: (p.producerKeys ?? []).map(bytes), vm: p.vm ?? "" };
  },
};

export const AegisMsgDeregisterConsumer = {
  typeUrl: MSG_DEREGISTER_CONSUMER_TYPE_URL,
  encode(m: MsgDeregisterConsumer, w: BinaryWriter = BinaryWriter.create()): BinaryWriter {
    if (m.owner !== "") w.uint32(10).string(m.owner);
    if (m.consumerId !== "") w.uint32(18).string(m.consumerId);
    return w;
  },
  decode(input: Uint8Array): MsgDeregisterConsumer {
    const m = aegis.consumers.v1.MsgDeregisterConsumer.decode(input);
    return { owner: m.owner, consumerId: m.consumer_id };
  },
  fromPartial(p: Partial<MsgDeregisterConsumer>): MsgDeregisterConsumer {
    return { owner: p.owner ?? "", consumerId: p.consumerId ?? "" };
  },
};

export const AegisMsgSubmitCheckpoint = {
  typeUrl: MSG_SUBMIT_CHECKPOINT_TYPE_URL,
  encode(m: MsgSubmitCheckpoint, w: BinaryWriter = BinaryWriter.create()): BinaryWriter {
    if (m.relayer !== "") w.uint32(10).string(m.relayer);
    if (m.checkpoint) writeCheckpoint(m.checkpoint, w.uint32(18).fork()).ldelim();
    if (m.producerIndex !== 0) w.uint32(24).uint32(m.producerIndex);
    if (m.signature.length > 0) w.uint32(34).bytes(m.signature);
    return w;
  },
  decode(input: Uint8Array): MsgSubmitCheckpoint {
    const m = aegis.consumers.v1.MsgSubmitCheckpoint.decode(input);
    return { relayer: m.relayer, checkpoint: fromProtoCheckpoint(m.checkpoint), producerIndex: m.producer_index, signature: bytes(m.signature) };
  },
  fromPartial(p: Partial<MsgSubmitCheckpoint>): MsgSubmitCheckpoint {
    return { relayer: p.relayer ?? "", checkpoint: checkpointFromPartial(p.checkpoint), producerIndex: p.producerIndex ?? 0, signature: bytes(p.signature) };
  },
};

export const AegisMsgSubmitConsumerEvidence = {
  typeUrl: MSG_SUBMIT_CONSUMER_EVIDENCE_TYPE_URL,
  encode(m: MsgSubmitConsumerEvidence, w: BinaryWriter = BinaryWriter.create()): BinaryWriter {
    if (m.submitter !== "") w.uint32(10).string(m.submitter);
    if (m.a) writeSigned(m.a, w.uint32(18).fork()).ldelim();
    if (m.b) writeSigned(m.b, w.uint32(26).fork()).ldelim();
    return w;
  },
  decode(input: Uint8Array): MsgSubmitConsumerEvidence {
    const m = aegis.consumers.v1.MsgSubmitConsumerEvidence.decode(input);
    return { submitter: m.submitter, a: signedFromProto(m.a), b: signedFromProto(m.b) };
  },
  fromPartial(p: Partial<MsgSubmitConsumerEvidence>): MsgSubmitConsumerEvidence {
    return { submitter: p.submitter ?? "", a: signedFromPartial(p.a), b: signedFromPartial(p.b) };
  },
};

/** [typeUrl, codec] pairs for a cosmjs Registry. */
export const CONSUMER_COSMJS_TYPES = [
  [MSG_REGISTER_CONSUMER_TYPE_URL, AegisMsgRegisterConsumer],
  [MSG_UPDATE_CONSUMER_TYPE_URL, AegisMsgUpdateConsumer],
  [MSG_DEREGISTER_CONSUMER_TYPE_URL, AegisMsgDeregisterConsumer],
  [MSG_SUBMIT_CHECKPOINT_TYPE_URL, AegisMsgSubmitCheckpoint],
  [MSG_SUBMIT_CONSUMER_EVIDENCE_TYPE_URL, AegisMsgSubmitConsumerEvidence],
] as const;
