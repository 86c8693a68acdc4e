import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { MsgSetWithdrawAddress, MsgWithdrawDelegatorReward, MsgWithdrawValidatorCommission } from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import { MsgUnjail } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { MsgBeginRedelegate, MsgDelegate, MsgUndelegate } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { aegisAminoToProps, aegisPropsToAmino, getAegisMessageDef, readAegisProto, type ProtoProps, type ProtoScalar } from "./aminoProto.js";
import { AminoJsonError, aminoMalformed, type AminoJsonValue, type AminoMsg } from "./aminoSignDoc.js";
import { fieldToBytes } from "./hubTypes.js";

/**
 * Amino JSON (SIGN_MODE_LEGACY_AMINO_JSON) for every message the hub takes: one definition, used by
 * cosmjs clients (`createAegisAminoConverters()` for cosmjs's `AminoTypes`) and by the hub, which
 * renders the same JSON from the bytes a transaction carries (`encodeAminoMsgFromProto`) to verify an
 * amino signature.
 *
 * - The Cosmos SDK messages have the SDK's amino names and exactly the JSON cosmjs's own
 *   `createDefaultAminoConverters()` writes (and the SDK's MsgUnjail, which cosmjs does not convert).
 * - The hub's own messages are "aegis/<Msg name>", with the JSON the SDK's amino encoder writes for
 *   their protobuf definitions (aminoProto.ts): snake_case keys, zero values left out, 64-bit numbers
 *   as decimal strings, bytes as base64.
 */

/** The amino names of the Cosmos SDK messages the hub takes (the SDK's x/<module>/types/codec.go, cosmjs's aminomessages.js). */
export const COSMOS_AMINO_TYPES = {
  "/cosmos.bank.v1beta1.MsgSend": "cosmos-sdk/MsgSend",
  "/cosmos.staking.v1beta1.MsgDelegate": "cosmos-sdk/MsgDelegate",
  "/cosmos.staking.v1beta1.MsgUndelegate": "cosmos-sdk/MsgUndelegate",
  "/cosmos.staking.v1beta1.MsgBeginRedelegate": "cosmos-sdk/MsgBeginRedelegate",
  "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward": "cosmos-sdk/MsgWithdrawDelegationReward",
  "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission": "cosmos-sdk/MsgWithdrawValidatorCommission",
  "/cosmos.distribution.v1beta1.MsgSetWithdrawAddress": "cosmos-sdk/MsgModifyWithdrawAddress",
  "/cosmos.slashing.v1beta1.MsgUnjail": "cosmos-sdk/MsgUnjail",
} as const;

/** The amino names of the hub's own messages. */
export const AEGIS_AMINO_TYPES = {
  "/aegis.staking.v1.MsgCreateValidator": "aegis/MsgCreateValidator",
  "/aegis.staking.v1.MsgEditValidator": "aegis/MsgEditValidator",
  "/aegis.slashing.v1.MsgSubmitEvidence": "aegis/MsgSubmitEvidence",
  "/aegis.slashing.v1.MsgSubmitForkEvidence": "aegis/MsgSubmitForkEvidence",
  "/aegis.slashing.v1.MsgPostPolka": "aegis/MsgPostPolka",
  "/aegis.slashing.v1.MsgPostCommit": "aegis/MsgPostCommit",
  "/aegis.consumers.v1.MsgRegisterConsumer": "aegis/MsgRegisterConsumer",
  "/aegis.consumers.v1.MsgUpdateConsumer": "aegis/MsgUpdateConsumer",
  "/aegis.consumers.v1.MsgDeregisterConsumer": "aegis/MsgDeregisterConsumer",
  "/aegis.consumers.v1.MsgSubmitCheckpoint": "aegis/MsgSubmitCheckpoint",
  "/aegis.consumers.v1.MsgSubmitConsumerEvidence": "aegis/MsgSubmitConsumerEvidence",
  "/aegis.zk.v1.MsgSubmitZkCertificate": "aegis/MsgSubmitZkCertificate",
  "/aegis.zk.v1.MsgActivateZk": "aegis/MsgActivateZk",
} as const;

/** Every message type the hub takes, with its amino name. */
export const HUB_AMINO_TYPES: Readonly<Record<string, string>> = { ...COSMOS_AMINO_TYPES, ...AEGIS_AMINO_TYPES };

/** A cosmjs `AminoConverter` (structurally: `new AminoTypes({...})` takes these as they are). */
export interface AminoConverter {
  readonly aminoType: string;
  readonly toAmino: (value: any) => any;
  readonly fromAmino: (value: any) => any;
}

// ---------------------------------------------------------------------------------------------
// The Cosmos SDK messages, from their bytes, as cosmjs's converters write them
// ---------------------------------------------------------------------------------------------

type AminoValue = AminoMsg["value"];
interface ProtoCoin {
  denom: string;
  amount: string;
}
const coin = (c: ProtoCoin | undefined): AminoJsonValue | undefined => (c === undefined ? undefined : { denom: c.denom, amount: c.amount });

/**
 * typeUrl -> the amino JSON value of its bytes. Each line is the `toAmino` of cosmjs 0.39's
 * `@cosmjs/stargate/build/modules/<module>/aminomessages.js` applied to the cosmjs-types decoding
 * (MsgUnjail: the SDK's `{"address": ...}`, `validator_addr`'s amino field name).
 */
const COSMOS_FROM_WIRE: Readonly<Record<keyof typeof COSMOS_AMINO_TYPES, (bytes: Uint8Array) => AminoValue>> = {
  "/cosmos.bank.v1beta1.MsgSend": (b) => {
    const m = MsgSend.decode(b);
    return { from_address: m.fromAddress, to_address: m.toAddress, amount: m.amount.map((c) => coin(c)!) };
  },
  "/cosmos.staking.v1beta1.MsgDelegate": (b) => {
    const m = MsgDelegate.decode(b);
    return { delegator_address: m.delegatorAddress, validator_address: m.validatorAddress, amount: coin(m.amount) };
  },
  "/cosmos.staking.v1beta1.MsgUndelegate": (b) => {
    const m = MsgUndelegate.decode(b);
    return { delegator_address: m.delegatorAddress, validator_address: m.validatorAddress, amount: coin(m.amount) };
  },
  "/cosmos.staking.v1beta1.MsgBeginRedelegate": (b) => {
    const m = MsgBeginRedelegate.decode(b);
    return { delegator_address: m.delegatorAddress, validator_src_address: m.validatorSrcAddress, validator_dst_address: m.validatorDstAddress, amount: coin(m.amount) };
  },
  "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward": (b) => {
    const m = MsgWithdrawDelegatorReward.decode(b);
    return { delegator_address: m.delegatorAddress, validator_address: m.validatorAddress };
  },
  "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission": (b) => ({ validator_address: MsgWithdrawValidatorCommission.decode(b).validatorAddress }),
  "/cosmos.distribution.v1beta1.MsgSetWithdrawAddress": (b) => {
    const m = MsgSetWithdrawAddress.decode(b);
    return { delegator_address: m.delegatorAddress, withdraw_address: m.withdrawAddress };
  },
  "/cosmos.slashing.v1beta1.MsgUnjail": (b) => ({ address: MsgUnjail.decode(b).validatorAddr }),
};

/**
 * The sign-doc entry `{ type, value }` of one transaction message, from its type URL and the bytes
 * the transaction carries: what the hub verifies an amino signature over. Throws AminoJsonError
 * (AMINO_JSON_ERROR_UNKNOWN_TYPE for a type without an amino encoding, AMINO_JSON_ERROR_MALFORMED for
 * bytes that do not decode).
 */
export function encodeAminoMsgFromProto(typeUrl: string, bytes: Uint8Array): AminoMsg {
  const cosmos = (COSMOS_FROM_WIRE as Record<string, ((b: Uint8Array) => AminoValue) | undefined>)[typeUrl];
  if (cosmos !== undefined) {
    let value: AminoValue;
    try {
      value = cosmos(bytes);
    } catch (e) {
      throw aminoMalformed("$", `${typeUrl}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return { type: HUB_AMINO_TYPES[typeUrl]!, value };
  }
  const aminoType = (AEGIS_AMINO_TYPES as Record<string, string | undefined>)[typeUrl];
  if (aminoType === undefined) throw new AminoJsonError({ code: "AMINO_JSON_ERROR_UNKNOWN_TYPE", typeUrl }, `no amino JSON encoding for ${typeUrl}`);
  const fullName = typeUrl.slice(1);
  return { type: aminoType, value: aegisPropsToAmino(fullName, readAegisProto(fullName, bytes)) };
}

// ---------------------------------------------------------------------------------------------
// The hub's own messages: domain objects (what the cosmjs codecs encode) <-> props
// ---------------------------------------------------------------------------------------------

/**
 * Bytes fields whose domain value is a field element (bigint), written as 32 big-endian bytes
 * (hubTypes.ts fieldToBytes, as the codecs do).
 */
const FIELD_ELEMENTS: ReadonlySet<string> = new Set([
  "aegis.v1.ZkFinalityCertificate.validator_set_root",
  "aegis.v1.ZkFinalityCertificate.next_validator_set_root",
  "aegis.v1.ZkFinalityCertificate.signers",
  "aegis.v1.FinalityAttestation.validator_set_root",
  "aegis.v1.FinalityAttestation.next_validator_set_root",
]);
/** Bytes fields whose domain value is null when empty (a vote for nil). */
const NULLABLE_BYTES: ReadonlySet<string> = new Set(["aegis.v1.Vote.block_hash"]);
/** Domain fields the wire form does not carry (a ZK certificate's chain id is the hub's own). */
const DOMAIN_ONLY: Readonly<Record<string, Readonly<Record<string, unknown>>>> = { "aegis.v1.ZkFinalityCertificate": { chainId: "" } };

const SIXTY_FOUR_KINDS: ReadonlySet<string> = new Set(["uint64", "int64", "sint64", "fixed64", "sfixed64"]);

function domainScalarToProps(qualified: string, kind: string, v: unknown, path: string): ProtoScalar {
  if (kind === "bytes") {
    if (FIELD_ELEMENTS.has(qualified) && typeof v === "bigint") {
      try {
        return fieldToBytes(v);
      } catch {
        throw aminoMalformed(path, "a field element is below 2^256");
      }
    }
    if (v === null && NULLABLE_BYTES.has(qualified)) return new Uint8Array(0);
    if (v === undefined) return new Uint8Array(0);
    if (!(v instanceof Uint8Array)) throw aminoMalformed(path, "not bytes (Uint8Array)");
    return v;
  }
  if (v === undefined) return kind === "string" ? "" : kind === "bool" ? false : SIXTY_FOUR_KINDS.has(kind) ? 0n : 0;
  if (SIXTY_FOUR_KINDS.has(kind)) {
    if (typeof v === "bigint") return v;
    if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
    if (typeof v === "string" && /^-?(0|[1-9][0-9]*)$/.test(v)) return BigInt(v);
    throw aminoMalformed(path, `not a ${kind} (a safe integer, a bigint or a decimal string)`);
  }
  return v as ProtoScalar; // type-checked by aegisPropsToAmino
}

/**
 * Props of message `fullName` from a domain object whose keys are the camelCase field names (the
 * shape the hub's cosmjs codecs take: `AegisMsgCreateValidator`, the consumer messages ...).
 */
export function domainToAegisProps(fullName: string, domain: unknown, path = "$"): ProtoProps {
  if (typeof domain !== "object" || domain === null || Array.isArray(domain) || domain instanceof Uint8Array) throw aminoMalformed(path, "not an object");
  const d = domain as Record<string, unknown>;
  const out: ProtoProps = {};
  for (const f of getAegisMessageDef(fullName).fields) {
    const v = d[f.camel];
    const fieldPath = `${path}.${f.camel}`;
    const qualified = `${fullName}.${f.name}`;
    if (f.repeated) {
      if (v === undefined || v === null) continue;
      if (!Array.isArray(v)) throw aminoMalformed(fieldPath, "not a list");
      out[f.name] = v.map((e, i) => (f.kind === "message" ? domainToAegisProps(f.message!, e, `${fieldPath}[${i}]`) : domainScalarToProps(qualified, f.kind, e, `${fieldPath}[${i}]`)));
    } else if (f.kind === "message") {
      if (v !== undefined && v !== null) out[f.name] = domainToAegisProps(f.message!, v, fieldPath);
    } else {
      out[f.name] = domainScalarToProps(qualified, f.kind, v, fieldPath);
    }
  }
  return out;
}

function propsScalarToDomain(qualified: string, kind: string, v: ProtoScalar, path: string): unknown {
  if (kind === "bytes") {
    const b = v as Uint8Array;
    if (FIELD_ELEMENTS.has(qualified)) {
      if (b.length !== 32) throw aminoMalformed(path, `a field element is 32 bytes, got ${b.length}`);
      let x = 0n;
      for (const byte of b) x = (x << 8n) | BigInt(byte);
      return x;
    }
    return b.length === 0 && NULLABLE_BYTES.has(qualified) ? null : b;
  }
  if (typeof v === "bigint") {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw aminoMalformed(path, `${v} does not fit the domain's number (2^53)`);
    return Number(v);
  }
  return v;
}

/** The domain object (camelCase keys) of props of message `fullName`: the inverse of domainToAegisProps. */
export function aegisPropsToDomain(fullName: string, props: ProtoProps, path = "$"): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(DOMAIN_ONLY[fullName] ?? {}) };
  for (const f of getAegisMessageDef(fullName).fields) {
    const v = props[f.name];
    const fieldPath = `${path}.${f.name}`;
    const qualified = `${fullName}.${f.name}`;
    if (f.repeated) {
      out[f.camel] = ((v ?? []) as (ProtoScalar | ProtoProps)[]).map((e, i) =>
        f.kind === "message" ? aegisPropsToDomain(f.message!, e as ProtoProps, `${fieldPath}[${i}]`) : propsScalarToDomain(qualified, f.kind, e as ProtoScalar, `${fieldPath}[${i}]`),
      );
    } else if (f.kind === "message") {
      out[f.camel] = v === undefined ? undefined : aegisPropsToDomain(f.message!, v as ProtoProps, fieldPath);
    } else {
      out[f.camel] = propsScalarToDomain(qualified, f.kind, v as ProtoScalar, fieldPath);
    }
  }
  return out;
}

interface DomainMapping {
  toProps(domain: unknown): ProtoProps;
  fromProps(props: ProtoProps): unknown;
}

const mirror = (fullName: string): DomainMapping => ({
  toProps: (d) => domainToAegisProps(fullName, d),
  fromProps: (p) => aegisPropsToDomain(fullName, p),
});

const HEADER = "aegis.v1.BlockHeader";
const CERTIFICATE = "aegis.v1.CommitCertificate";
const ZK_CERTIFICATE = "aegis.v1.ZkFinalityCertificate";

/**
 * MsgSubmitForkEvidence: its domain form ({ submitter, bls | zk | mixed }, forkEvidenceMessage.ts)
 * on the wire's fields, as AegisMsgSubmitForkEvidence encodes it and the hub's handler reads it.
 */
const forkEvidenceMapping: DomainMapping = {
  toProps(domain) {
    if (typeof domain !== "object" || domain === null) throw aminoMalformed("$", "not an object");
    const m = domain as { submitter?: unknown; bls?: { a: { header: unknown; certificate: unknown }; b: { header: unknown; certificate: unknown } }; zk?: { a: unknown; b: unknown }; mixed?: { bls: { header: unknown; certificate: unknown }; zk: unknown } };
    const out: ProtoProps = { submitter: typeof m.submitter === "string" ? m.submitter : "" };
    const set = (key: string, fullName: string, v: unknown, path: string): void => {
      if (out[key] !== undefined) throw aminoMalformed("$", `${key}: set by two of bls, zk and mixed`);
      out[key] = domainToAegisProps(fullName, v, path);
    };
    if (m.bls) {
      set("header_a", HEADER, m.bls.a?.header, "$.bls.a.header");
      set("certificate_a", CERTIFICATE, m.bls.a?.certificate, "$.bls.a.certificate");
      set("header_b", HEADER, m.bls.b?.header, "$.bls.b.header");
      set("certificate_b", CERTIFICATE, m.bls.b?.certificate, "$.bls.b.certificate");
    }
    if (m.zk) {
      set("zk_a", ZK_CERTIFICATE, m.zk.a, "$.zk.a");
      set("zk_b", ZK_CERTIFICATE, m.zk.b, "$.zk.b");
    }
    if (m.mixed) {
      set("header_a", HEADER, m.mixed.bls?.header, "$.mixed.bls.header");
      set("certificate_a", CERTIFICATE, m.mixed.bls?.certificate, "$.mixed.bls.certificate");
      set("zk_b", ZK_CERTIFICATE, m.mixed.zk, "$.mixed.zk");
    }
    return out;
  },
  fromProps(p) {
    const header = (k: string) => aegisPropsToDomain(HEADER, p[k] as ProtoProps, `$.${k}`);
    const cert = (k: string) => aegisPropsToDomain(CERTIFICATE, p[k] as ProtoProps, `$.${k}`);
    const zk = (k: string) => aegisPropsToDomain(ZK_CERTIFICATE, p[k] as ProtoProps, `$.${k}`);
    const has = (k: string) => p[k] !== undefined;
    const out: Record<string, unknown> = { submitter: p.submitter };
    if (has("header_a") && has("certificate_a") && has("zk_b") && !has("header_b") && !has("certificate_b") && !has("zk_a")) {
      out.mixed = { bls: { header: header("header_a"), certificate: cert("certificate_a") }, zk: zk("zk_b") };
      return out;
    }
    const bls = ["header_a", "certificate_a", "header_b", "certificate_b"];
    if (bls.some(has)) {
      if (!bls.every(has)) throw aminoMalformed("$", "header_a, certificate_a, header_b and certificate_b: all four or none");
      out.bls = { a: { header: header("header_a"), certificate: cert("certificate_a") }, b: { header: header("header_b"), certificate: cert("certificate_b") } };
    }
    if (has("zk_a") || has("zk_b")) {
      if (!has("zk_a") || !has("zk_b")) throw aminoMalformed("$", "zk_a and zk_b: both or neither");
      out.zk = { a: zk("zk_a"), b: zk("zk_b") };
    }
    return out;
  },
};

const MAPPINGS: Readonly<Record<keyof typeof AEGIS_AMINO_TYPES, DomainMapping>> = {
  "/aegis.staking.v1.MsgCreateValidator": mirror("aegis.staking.v1.MsgCreateValidator"),
  "/aegis.staking.v1.MsgEditValidator": mirror("aegis.staking.v1.MsgEditValidator"),
  "/aegis.slashing.v1.MsgSubmitEvidence": mirror("aegis.slashing.v1.MsgSubmitEvidence"),
  "/aegis.slashing.v1.MsgSubmitForkEvidence": forkEvidenceMapping,
  "/aegis.slashing.v1.MsgPostPolka": mirror("aegis.slashing.v1.MsgPostPolka"),
  "/aegis.slashing.v1.MsgPostCommit": mirror("aegis.slashing.v1.MsgPostCommit"),
  "/aegis.consumers.v1.MsgRegisterConsumer": mirror("aegis.consumers.v1.MsgRegisterConsumer"),
  "/aegis.consumers.v1.MsgUpdateConsumer": mirror("aegis.consumers.v1.MsgUpdateConsumer"),
  "/aegis.consumers.v1.MsgDeregisterConsumer": mirror("aegis.consumers.v1.MsgDeregisterConsumer"),
  "/aegis.consumers.v1.MsgSubmitCheckpoint": mirror("aegis.consumers.v1.MsgSubmitCheckpoint"),
  "/aegis.consumers.v1.MsgSubmitConsumerEvidence": mirror("aegis.consumers.v1.MsgSubmitConsumerEvidence"),
  "/aegis.zk.v1.MsgSubmitZkCertificate": mirror("aegis.zk.v1.MsgSubmitZkCertificate"),
  "/aegis.zk.v1.MsgActivateZk": mirror("aegis.zk.v1.MsgActivateZk"),
};

/**
 * Amino converters for cosmjs's `AminoTypes`, for every message the hub takes that cosmjs's
 * `createDefaultAminoConverters()` does not convert: the hub's own messages ("aegis/Msg…"), and the
 * SDK's MsgUnjail (cosmjs 0.39's slashing converters throw "Not implemented"). With an amino-only
 * signer (a Ledger, `Secp256k1HdWallet`):
 *
 * ```ts
 * const aminoTypes = new AminoTypes({ ...createDefaultAminoConverters(), ...createAegisAminoConverters() });
 * const client = await SigningStargateClient.connectWithSigner(rpc, aminoWallet, { registry, aminoTypes, gasPrice });
 * ```
 *
 * `registry` must hold the same messages' codecs (AegisMsgCreateValidator, CONSUMER_COSMJS_TYPES ...):
 * `toAmino` takes the domain value those codecs encode, `fromAmino` gives it back. The hub renders
 * the same JSON from the transaction's bytes, so what the signer shows and signs is what executes.
 */
export function createAegisAminoConverters(): Record<string, AminoConverter> {
  const out: Record<string, AminoConverter> = {
    "/cosmos.slashing.v1beta1.MsgUnjail": {
      aminoType: COSMOS_AMINO_TYPES["/cosmos.slashing.v1beta1.MsgUnjail"],
      toAmino: ({ validatorAddr }: { validatorAddr: string }) => ({ address: validatorAddr }),
      fromAmino: ({ address }: { address: string }) => ({ validatorAddr: address }),
    },
  };
  for (const [typeUrl, aminoType] of Object.entries(AEGIS_AMINO_TYPES)) {
    const fullName = typeUrl.slice(1);
    const mapping = MAPPINGS[typeUrl as keyof typeof AEGIS_AMINO_TYPES];
    out[typeUrl] = {
      aminoType,
      toAmino: (value: unknown) => aegisPropsToAmino(fullName, mapping.toProps(value)),
      fromAmino: (json: unknown) => mapping.fromProps(aegisAminoToProps(fullName, json)),
    };
  }
  return out;
}
