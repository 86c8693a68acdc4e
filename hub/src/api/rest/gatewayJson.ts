import { defaultRegistryTypes } from "@cosmjs/stargate";
import { descriptor } from "@aegis/proto/descriptor";
import protobuf from "protobufjs";
import { BaseAccount, ModuleAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { LegacyAminoPubKey } from "cosmjs-types/cosmos/crypto/multisig/keys";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { Tx } from "cosmjs-types/cosmos/tx/v1beta1/tx";

/**
 * The one converter from a protobuf message to the JSON the Cosmos SDK's gRPC gateway answers with:
 * proto3 JSON as the SDK's gateway marshaler writes it (gogoproto jsonpb with OrigName and
 * EmitDefaults) — the proto's snake_case field names, every field (an unset message is `null`, empty
 * bytes are `null`), 64-bit integers as strings, enums by name, bytes base64, Timestamps RFC 3339 and
 * Durations as `"<seconds>s"` (Go's 0, 3, 6 or 9 fraction digits), an Any as `{"@type": url, ...its
 * fields}`, and `LegacyDec` fields as decimals with 18 places (`"0.100000000000000000"`; on the wire
 * they are the atomics, `"100000000000000000"`).
 *
 * The Cosmos SDK messages are cosmjs-types codecs: their `toJSON` gives each value's JSON form (enum
 * names, timestamps, strings for 64-bit numbers) under camelCase names, and the decoded message tells
 * the types apart (an Any, a Timestamp or a Duration); the names are turned back into the proto's
 * snake_case. The hub's own messages (/aegis.*) are read with protobufjs reflection from
 * @aegis/proto's descriptor. What neither carries — which string is a LegacyDec, and which fields are
 * members of a oneof — is GATEWAY_FIELD_RULES.
 */

/** What the converter needs of a cosmjs-types message codec. */
export interface GatewayCodec<T = any> {
  readonly typeUrl: string;
  decode(input: Uint8Array): T;
  encode(message: T): { finish(): Uint8Array };
  fromJSON(object: any): T;
  toJSON(message: T): unknown;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type GatewayJson = { [key: string]: Json };

/** A LegacyDec field: atomics on the wire, an 18-place decimal in the JSON. */
const DEC = "dec";
/** A LegacyDec field that may be unset (an empty string): `null` then, as the SDK's nullable Dec. */
const DEC_OR_NULL = "decOrNull";
/** A member of a oneof: left out when unset (jsonpb writes only the member that is set). */
const ONEOF = "oneof";
type FieldRule = typeof DEC | typeof DEC_OR_NULL | typeof ONEOF | `type:${string}`;

const S = "cosmos.staking.v1beta1.";
const D = "cosmos.distribution.v1beta1.";
const SL = "cosmos.slashing.v1beta1.";
const T = "cosmos.tx.v1beta1.";
const type = (name: string): FieldRule => `type:${name}`;
const DEC_COIN = type("cosmos.base.v1beta1.DecCoin");

/**
 * By message (full proto name) and field (proto name): the LegacyDec fields and oneof members, and
 * the message type of each field that leads to one (so that the converter knows the type there). An
 * Any names its own type. The SDK declares these with gogoproto options
 * (`customtype = "cosmossdk.io/math.LegacyDec"`, `cosmos_proto.scalar = "cosmos.Dec"`), which
 * cosmjs-types does not keep.
 */
export const GATEWAY_FIELD_RULES: ReadonlyMap<string, Readonly<Record<string, FieldRule>>> = new Map<string, Record<string, FieldRule>>([
  // staking
  [`${S}QueryValidatorsResponse`, { validators: type(`${S}Validator`) }],
  [`${S}QueryValidatorResponse`, { validator: type(`${S}Validator`) }],
  [`${S}QueryDelegatorValidatorsResponse`, { validators: type(`${S}Validator`) }],
  [`${S}QueryDelegatorValidatorResponse`, { validator: type(`${S}Validator`) }],
  [`${S}Validator`, { delegator_shares: DEC, commission: type(`${S}Commission`) }],
  [`${S}Commission`, { commission_rates: type(`${S}CommissionRates`) }],
  [`${S}CommissionRates`, { rate: DEC, max_rate: DEC, max_change_rate: DEC }],
  [`${S}QueryDelegationResponse`, { delegation_response: type(`${S}DelegationResponse`) }],
  [`${S}QueryDelegatorDelegationsResponse`, { delegation_responses: type(`${S}DelegationResponse`) }],
  [`${S}QueryValidatorDelegationsResponse`, { delegation_responses: type(`${S}DelegationResponse`) }],
  [`${S}DelegationResponse`, { delegation: type(`${S}Delegation`) }],
  [`${S}Delegation`, { shares: DEC }],
  [`${S}QueryRedelegationsResponse`, { redelegation_responses: type(`${S}RedelegationResponse`) }],
  [`${S}RedelegationResponse`, { redelegation: type(`${S}Redelegation`), entries: type(`${S}RedelegationEntryResponse`) }],
  [`${S}Redelegation`, { entries: type(`${S}RedelegationEntry`) }],
  [`${S}RedelegationEntryResponse`, { redelegation_entry: type(`${S}RedelegationEntry`) }],
  [`${S}RedelegationEntry`, { shares_dst: DEC }],
  [`${S}QueryHistoricalInfoResponse`, { hist: type(`${S}HistoricalInfo`) }],
  [`${S}HistoricalInfo`, { valset: type(`${S}Validator`) }],
  [`${S}QueryParamsResponse`, { params: type(`${S}Params`) }],
  [`${S}Params`, { min_commission_rate: DEC }],
  [`${S}MsgCreateValidator`, { commission: type(`${S}CommissionRates`) }],
  [`${S}MsgEditValidator`, { commission_rate: DEC_OR_NULL }],
  // distribution
  ["cosmos.base.v1beta1.DecCoin", { amount: DEC }],
  [`${D}QueryDelegationRewardsResponse`, { rewards: DEC_COIN }],
  [`${D}QueryDelegationTotalRewardsResponse`, { rewards: type(`${D}DelegationDelegatorReward`), total: DEC_COIN }],
  [`${D}DelegationDelegatorReward`, { reward: DEC_COIN }],
  [`${D}QueryValidatorOutstandingRewardsResponse`, { rewards: type(`${D}ValidatorOutstandingRewards`) }],
  [`${D}ValidatorOutstandingRewards`, { rewards: DEC_COIN }],
  [`${D}QueryValidatorCommissionResponse`, { commission: type(`${D}ValidatorAccumulatedCommission`) }],
  [`${D}ValidatorAccumulatedCommission`, { commission: DEC_COIN }],
  [`${D}QueryCommunityPoolResponse`, { pool: DEC_COIN }],
  [`${D}QueryValidatorSlashesResponse`, { slashes: type(`${D}ValidatorSlashEvent`) }],
  [`${D}ValidatorSlashEvent`, { fraction: DEC }],
  [`${D}QueryParamsResponse`, { params: type(`${D}Params`) }],
  [`${D}Params`, { community_tax: DEC, base_proposer_reward: DEC, bonus_proposer_reward: DEC }],
  // slashing (its Dec params are `bytes` holding the atomics' digits)
  [`${SL}QueryParamsResponse`, { params: type(`${SL}Params`) }],
  [`${SL}Params`, { min_signed_per_window: DEC, slash_fraction_double_sign: DEC, slash_fraction_downtime: DEC }],
  // tx: down to the sign mode's oneof
  [`${T}GetTxResponse`, { tx: type(`${T}Tx`) }],
  [`${T}GetTxsEventResponse`, { txs: type(`${T}Tx`) }],
  [`${T}Tx`, { auth_info: type(`${T}AuthInfo`) }],
  [`${T}AuthInfo`, { signer_infos: type(`${T}SignerInfo`) }],
  [`${T}SignerInfo`, { mode_info: type(`${T}ModeInfo`) }],
  [`${T}ModeInfo`, { single: ONEOF, multi: ONEOF }],
  // the hub's own messages
  ["aegis.staking.v1.MsgCreateValidator", { commission: type("aegis.staking.v1.CommissionRates") }],
  ["aegis.staking.v1.CommissionRates", { rate: DEC, max_rate: DEC, max_change_rate: DEC }],
  ["aegis.staking.v1.MsgEditValidator", { commission_rate: DEC_OR_NULL }],
  ["aegis.staking.v1.Params", { min_commission_rate: DEC }],
]);

/** The Cosmos SDK types an Any may hold in a gateway answer: accounts, keys, the transaction and every message cosmjs knows. */
const COSMOS_ANY_TYPES: ReadonlyMap<string, GatewayCodec> = new Map<string, GatewayCodec>([
  ...[BaseAccount, ModuleAccount, Secp256k1PubKey, Ed25519PubKey, LegacyAminoPubKey, Tx].map((c): [string, GatewayCodec] => [c.typeUrl, c as GatewayCodec]),
  ...defaultRegistryTypes.filter(([, c]) => typeof (c as unknown as Partial<GatewayCodec>).toJSON === "function").map(([url, c]): [string, GatewayCodec] => [url, c as unknown as GatewayCodec]),
]);

const aegisRoot = protobuf.Root.fromJSON(descriptor as unknown as protobuf.INamespace).resolveAll();
const PROTOBUFJS_JSON: protobuf.IConversionOptions = { longs: String, enums: String, bytes: String, defaults: true, arrays: true, objects: true, json: true };

/** The gateway JSON of a cosmjs-types message (decoded, or as its codec's fromJSON/fromPartial made it). */
export function encodeGatewayJson<M>(codec: GatewayCodec<M>, message: M): GatewayJson {
  return convertMessage(codec.typeUrl.replace(/^\//, ""), message as Record<string, unknown>, codec.toJSON(message) as Record<string, unknown>);
}

/** The gateway JSON of the message that `bytes` encode, decoded with `codec`. */
export function decodeGatewayJson(codec: GatewayCodec, bytes: Uint8Array): GatewayJson {
  return encodeGatewayJson(codec, codec.decode(bytes));
}

/**
 * An Any as the gateway writes it: `{"@type": url, ...the message's fields}`. A type the hub does not
 * know (the SDK's gateway fails the whole answer on one) is `{"@type": url, "value": base64}`.
 */
export function encodeGatewayAnyJson(any: { typeUrl: string; value: Uint8Array }): GatewayJson {
  const name = any.typeUrl.replace(/^\//, "");
  const cosmos = COSMOS_ANY_TYPES.get(any.typeUrl);
  if (cosmos) return { "@type": any.typeUrl, ...decodeGatewayJson(cosmos, any.value) };
  const aegis = name.startsWith("aegis.") ? lookupAegisType(name) : undefined;
  if (aegis) return { "@type": any.typeUrl, ...convertReflected(aegis, aegis.toObject(aegis.decode(any.value), PROTOBUFJS_JSON)) };
  return { "@type": any.typeUrl, value: Buffer.from(any.value).toString("base64") };
}

function lookupAegisType(name: string): protobuf.Type | undefined {
  try {
    return aegisRoot.lookupType(name);
  } catch {
    return undefined;
  }
}

/** camelCase (cosmjs-types' names) to the proto's snake_case. */
export function toProtoFieldName(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function ruleType(rule: FieldRule | undefined): string | undefined {
  return rule?.startsWith("type:") ? rule.slice(5) : undefined;
}

function convertMessage(typeName: string | undefined, msg: Record<string, unknown>, json: Record<string, unknown>): GatewayJson {
  const rules = typeName === undefined ? undefined : GATEWAY_FIELD_RULES.get(typeName);
  const out: GatewayJson = {};
  for (const key of Object.keys(msg)) {
    const name = toProtoFieldName(key);
    const rule = rules?.[name];
    const v = msg[key];
    if (rule === ONEOF && v === undefined) continue;
    out[name] = convertValue(rule, v, json?.[key]);
  }
  return out;
}

function isAny(v: object): v is { typeUrl: string; value: Uint8Array } {
  const keys = Object.keys(v);
  return keys.length === 2 && typeof (v as { typeUrl?: unknown }).typeUrl === "string" && (v as { value?: unknown }).value instanceof Uint8Array;
}

function isSecondsNanos(v: object): v is { seconds: bigint; nanos: number } {
  const keys = Object.keys(v);
  return keys.length === 2 && typeof (v as { seconds?: unknown }).seconds === "bigint" && typeof (v as { nanos?: unknown }).nanos === "number";
}

function convertValue(rule: FieldRule | undefined, v: unknown, json: unknown): Json {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map((e, i) => convertValue(rule, e, Array.isArray(json) ? json[i] : undefined));
  if (rule === DEC || rule === DEC_OR_NULL) {
    const atomics = v instanceof Uint8Array ? Buffer.from(v).toString("latin1") : String(v);
    if (atomics === "" && rule === DEC_OR_NULL) return null;
    return formatLegacyDec(atomics);
  }
  if (v instanceof Uint8Array) return v.length === 0 ? null : Buffer.from(v).toString("base64");
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "object") {
    if (isAny(v)) return encodeGatewayAnyJson(v);
    // A Timestamp's toJSON is a string, a Duration's an object: the same decoded shape.
    if (isSecondsNanos(v)) return typeof json === "string" ? formatTimestamp(v) : formatDuration(v);
    return convertMessage(ruleType(rule), v as Record<string, unknown>, (json ?? {}) as Record<string, unknown>);
  }
  // Enums: toJSON has the name. Other scalars: the value (32-bit numbers stay numbers).
  if (typeof v === "number" && typeof json === "string") return json;
  return v as Json;
}

/** A protobufjs toObject (snake_case already) with the gateway's rules: Dec fields, empty bytes as null. */
function convertReflected(t: protobuf.Type, obj: Record<string, unknown>): GatewayJson {
  const rules = GATEWAY_FIELD_RULES.get(t.fullName.replace(/^\./, ""));
  const out: GatewayJson = {};
  for (const field of t.fieldsArray) {
    const v = obj[field.name];
    const rule = rules?.[field.name];
    const one = (e: unknown): Json => {
      if (e === undefined || e === null) return null;
      if (rule === DEC || rule === DEC_OR_NULL) return e === "" && rule === DEC_OR_NULL ? null : formatLegacyDec(String(e));
      if (field.resolvedType instanceof protobuf.Type) return convertReflected(field.resolvedType, e as Record<string, unknown>);
      if (field.type === "bytes" && e === "") return null;
      return e as Json;
    };
    if (field.partOf && (v === undefined || v === null)) continue;
    out[field.name] = field.repeated ? ((v as unknown[] | undefined) ?? []).map(one) : one(v);
  }
  return out;
}

/** LegacyDec atomics (the value × 10^18, as the wire has it) as the SDK's JSON decimal with 18 places. Anything else is left as it is. */
export function formatLegacyDec(atomics: string): string {
  const m = /^(-?)([0-9]+)$/.exec(atomics === "" ? "0" : atomics);
  if (!m) return atomics;
  const digits = m[2]!.replace(/^0+(?=[0-9])/, "").padStart(19, "0");
  const neg = m[1] && /[1-9]/.test(digits) ? "-" : "";
  return `${neg}${digits.slice(0, -18)}.${digits.slice(-18)}`;
}

/** Go's protojson fraction: none, or 3, 6 or 9 digits. */
function fraction(nanos: number): string {
  if (nanos === 0) return "";
  const nine = String(nanos).padStart(9, "0");
  if (nanos % 1_000_000 === 0) return `.${nine.slice(0, 3)}`;
  if (nanos % 1000 === 0) return `.${nine.slice(0, 6)}`;
  return `.${nine}`;
}

/** A Timestamp as RFC 3339 in UTC, as Go's protojson writes it ("2026-01-02T03:04:05.678Z", "…:05Z"). */
export function formatTimestamp(t: { seconds: bigint; nanos: number }): string {
  const d = new Date(Number(t.seconds) * 1000);
  if (Number.isNaN(d.getTime())) return "";
  const iso = d.toISOString();
  // Years beyond 9999 have a sign and six digits in toISOString; Go refuses them, this keeps them.
  return `${iso.slice(0, iso.indexOf("."))}${fraction(t.nanos)}Z`;
}

/** A Duration as Go's protojson writes it: "1814400s", "0.500s", "-1.5s" with 0, 3, 6 or 9 fraction digits. */
export function formatDuration(d: { seconds: bigint; nanos: number }): string {
  const neg = d.seconds < 0n || d.nanos < 0;
  const s = d.seconds < 0n ? -d.seconds : d.seconds;
  return `${neg ? "-" : ""}${s}${fraction(Math.abs(d.nanos))}s`;
}
