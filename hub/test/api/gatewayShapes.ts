/**
 * The JSON shapes the Cosmos SDK v0.50 gRPC gateway answers with, written down from the SDK's proto
 * files (field names as the protos spell them; gogoproto jsonpb with OrigName and EmitDefaults), and
 * a checker. Independent of the hub's converter: a field named or typed otherwise fails here.
 *
 * A shape is a kind ("string", "int" …), "=x" (exactly the string x), null (exactly null), `[s]` (an
 * array whose elements are all s), `{…}` (an object with exactly these keys) or `{ or: [...] }`.
 */
export type Shape = string | null | Shape[] | { or: Shape[] } | { [key: string]: Shape };

const KINDS: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === "string",
  bool: (v) => typeof v === "boolean",
  number: (v) => typeof v === "number" && Number.isInteger(v),
  /** A cosmos.Int or an int64: a decimal string. */
  int: (v) => typeof v === "string" && /^-?[0-9]+$/.test(v),
  uint64: (v) => typeof v === "string" && /^[0-9]+$/.test(v),
  /** A LegacyDec: a decimal with exactly 18 places. */
  dec: (v) => typeof v === "string" && /^-?[0-9]+\.[0-9]{18}$/.test(v),
  base64: (v) => typeof v === "string" && v.length > 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0,
  "base64?": (v) => v === null || KINDS.base64!(v),
  /** RFC 3339 in UTC with 0, 3, 6 or 9 fraction digits (Go's protojson). */
  time: (v) => typeof v === "string" && /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3}|\.[0-9]{6}|\.[0-9]{9})?Z$/.test(v),
  duration: (v) => typeof v === "string" && /^-?[0-9]+(\.[0-9]{3}|\.[0-9]{6}|\.[0-9]{9})?s$/.test(v),
  bondStatus: (v) => typeof v === "string" && /^BOND_STATUS_(UNSPECIFIED|UNBONDED|UNBONDING|BONDED)$/.test(v),
  signMode: (v) => typeof v === "string" && /^SIGN_MODE_[A-Z_0-9]+$/.test(v),
  any: () => true,
};

/** Where `value` differs from `shape`: one line per difference, empty when it fits. */
export function diffShape(value: unknown, shape: Shape, path = "$"): string[] {
  if (shape === null) return value === null ? [] : [`${path}: expected null, got ${JSON.stringify(value)?.slice(0, 80)}`];
  if (typeof shape === "string") {
    if (shape.startsWith("=")) return value === shape.slice(1) ? [] : [`${path}: expected ${JSON.stringify(shape.slice(1))}, got ${JSON.stringify(value)?.slice(0, 80)}`];
    const check = KINDS[shape];
    if (!check) return [`${path}: unknown kind ${shape}`];
    return check(value) ? [] : [`${path}: expected ${shape}, got ${JSON.stringify(value)?.slice(0, 80)}`];
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return [`${path}: expected an array, got ${JSON.stringify(value)?.slice(0, 80)}`];
    if (shape.length === 0) return value.length === 0 ? [] : [`${path}: expected an empty array`];
    return value.flatMap((e, i) => diffShape(e, shape[0]!, `${path}[${i}]`));
  }
  if ("or" in shape && Array.isArray(shape.or)) {
    const diffs = (shape.or as Shape[]).map((s) => diffShape(value, s, path));
    return diffs.some((d) => d.length === 0) ? [] : [`${path}: fits none of ${diffs.length} shapes: ${diffs.map((d) => d[0]).join(" | ")}`];
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [`${path}: expected an object, got ${JSON.stringify(value)?.slice(0, 80)}`];
  const obj = value as Record<string, unknown>;
  const want = shape as Record<string, Shape>;
  const out: string[] = [];
  for (const k of Object.keys(obj)) if (!(k in want)) out.push(`${path}.${k}: not a field of the SDK's message`);
  for (const [k, s] of Object.entries(want)) {
    if (!(k in obj)) out.push(`${path}.${k}: missing`);
    else out.push(...diffShape(obj[k], s, `${path}.${k}`));
  }
  return out;
}

const or = (...shapes: Shape[]): Shape => ({ or: shapes });

export const COIN: Shape = { denom: "string", amount: "int" };
export const DEC_COIN: Shape = { denom: "string", amount: "dec" };
export const PAGE_RESPONSE: Shape = { next_key: "base64?", total: "uint64" };
export const PAGE_RESPONSE_OR_NULL: Shape = or(PAGE_RESPONSE, null);
export const SECP256K1_PUBKEY: Shape = { "@type": "=/cosmos.crypto.secp256k1.PubKey", key: "base64" };
export const BLS_PUBKEY: Shape = { "@type": "=/aegis.staking.v1.BlsPublicKey", key: "base64" };

// auth
export const BASE_ACCOUNT: Shape = { "@type": "=/cosmos.auth.v1beta1.BaseAccount", address: "string", pub_key: or(null, SECP256K1_PUBKEY), account_number: "uint64", sequence: "uint64" };
export const QUERY_ACCOUNT: Shape = { account: BASE_ACCOUNT };
export const AUTH_PARAMS: Shape = { params: { max_memo_characters: "uint64", tx_sig_limit: "uint64", tx_size_cost_per_byte: "uint64", sig_verify_cost_ed25519: "uint64", sig_verify_cost_secp256k1: "uint64" } };

// bank
export const ALL_BALANCES: Shape = { balances: [COIN], pagination: PAGE_RESPONSE_OR_NULL };
export const BALANCE: Shape = { balance: COIN };
export const TOTAL_SUPPLY: Shape = { supply: [COIN], pagination: PAGE_RESPONSE_OR_NULL };
export const SUPPLY_OF: Shape = { amount: COIN };
export const DENOM_METADATA: Shape = {
  metadata: { description: "string", denom_units: [{ denom: "string", exponent: "number", aliases: ["string"] }], base: "string", display: "string", name: "string", symbol: "string", uri: "string", uri_hash: "string" },
};
export const BANK_PARAMS: Shape = { params: { send_enabled: [{ denom: "string", enabled: "bool" }], default_send_enabled: "bool" } };

// staking
export const VALIDATOR: Shape = {
  operator_address: "string",
  consensus_pubkey: BLS_PUBKEY,
  jailed: "bool",
  status: "bondStatus",
  tokens: "int",
  delegator_shares: "dec",
  description: { moniker: "string", identity: "string", website: "string", security_contact: "string", details: "string" },
  unbonding_height: "int",
  unbonding_time: "time",
  commission: { commission_rates: { rate: "dec", max_rate: "dec", max_change_rate: "dec" }, update_time: "time" },
  min_self_delegation: "int",
  unbonding_on_hold_ref_count: "int",
  unbonding_ids: ["uint64"],
};
export const VALIDATORS: Shape = { validators: [VALIDATOR], pagination: PAGE_RESPONSE_OR_NULL };
export const DELEGATION_RESPONSE: Shape = { delegation: { delegator_address: "string", validator_address: "string", shares: "dec" }, balance: COIN };
export const DELEGATION_RESPONSES: Shape = { delegation_responses: [DELEGATION_RESPONSE], pagination: PAGE_RESPONSE_OR_NULL };
export const UNBONDING_DELEGATION: Shape = {
  delegator_address: "string",
  validator_address: "string",
  entries: [{ creation_height: "int", completion_time: "time", initial_balance: "int", balance: "int", unbonding_id: "uint64", unbonding_on_hold_ref_count: "int" }],
};
export const UNBONDING_RESPONSES: Shape = { unbonding_responses: [UNBONDING_DELEGATION], pagination: PAGE_RESPONSE_OR_NULL };
const REDELEGATION_ENTRY: Shape = { creation_height: "int", completion_time: "time", initial_balance: "int", shares_dst: "dec", unbonding_id: "uint64", unbonding_on_hold_ref_count: "int" };
export const REDELEGATIONS: Shape = {
  redelegation_responses: [{ redelegation: { delegator_address: "string", validator_src_address: "string", validator_dst_address: "string", entries: [REDELEGATION_ENTRY] }, entries: [{ redelegation_entry: REDELEGATION_ENTRY, balance: "int" }] }],
  pagination: PAGE_RESPONSE_OR_NULL,
};
export const STAKING_PARAMS: Shape = { params: { unbonding_time: "duration", max_validators: "number", max_entries: "number", historical_entries: "number", bond_denom: "string", min_commission_rate: "dec" } };
export const POOL: Shape = { pool: { not_bonded_tokens: "int", bonded_tokens: "int" } };

// distribution
export const DELEGATION_TOTAL_REWARDS: Shape = { rewards: [{ validator_address: "string", reward: [DEC_COIN] }], total: [DEC_COIN] };
export const DELEGATION_REWARDS: Shape = { rewards: [DEC_COIN] };
export const DISTRIBUTION_DELEGATOR_VALIDATORS: Shape = { validators: ["string"] };
export const WITHDRAW_ADDRESS: Shape = { withdraw_address: "string" };
export const VALIDATOR_COMMISSION: Shape = { commission: { commission: [DEC_COIN] } };
export const OUTSTANDING_REWARDS: Shape = { rewards: { rewards: [DEC_COIN] } };
export const COMMUNITY_POOL: Shape = { pool: [DEC_COIN] };
export const DISTRIBUTION_PARAMS: Shape = { params: { community_tax: "dec", base_proposer_reward: "dec", bonus_proposer_reward: "dec", withdraw_addr_enabled: "bool" } };

// slashing
export const SIGNING_INFO: Shape = { address: "string", start_height: "int", index_offset: "int", jailed_until: "time", tombstoned: "bool", missed_blocks_counter: "int" };
export const SIGNING_INFOS: Shape = { info: [SIGNING_INFO], pagination: PAGE_RESPONSE_OR_NULL };
export const SLASHING_PARAMS: Shape = { params: { signed_blocks_window: "int", min_signed_per_window: "dec", downtime_jail_duration: "duration", slash_fraction_double_sign: "dec", slash_fraction_downtime: "dec" } };

// tx
const EVENT: Shape = { type: "string", attributes: [{ key: "string", value: "string", index: "bool" }] };
export const TX_RESPONSE: Shape = {
  height: "int",
  txhash: "string",
  codespace: "string",
  code: "number",
  data: "string",
  raw_log: "string",
  logs: "any",
  info: "string",
  gas_wanted: "int",
  gas_used: "int",
  tx: or(null, { "@type": "=/cosmos.tx.v1beta1.Tx", body: "any", auth_info: "any", signatures: ["base64"] }),
  timestamp: "string",
  events: [EVENT],
};
export const TX: Shape = {
  body: {
    messages: ["any"],
    memo: "string",
    timeout_height: "uint64",
    // SDK v0.53's fields, which cosmjs-types 0.11 (and so the hub's JSON) carries.
    unordered: "bool",
    timeout_timestamp: or(null, "time"),
    extension_options: ["any"],
    non_critical_extension_options: ["any"],
  },
  auth_info: {
    signer_infos: [{ public_key: or(null, SECP256K1_PUBKEY), mode_info: { single: { mode: "signMode" } }, sequence: "uint64" }],
    fee: { amount: [COIN], gas_limit: "uint64", payer: "string", granter: "string" },
    tip: or(null, { amount: [COIN], tipper: "string" }),
  },
  signatures: ["base64"],
};
export const GET_TX: Shape = { tx: TX, tx_response: TX_RESPONSE };
export const GET_TXS_EVENT: Shape = { txs: [TX], tx_responses: [TX_RESPONSE], pagination: PAGE_RESPONSE_OR_NULL, total: "uint64" };
export const SIMULATE: Shape = { gas_info: { gas_wanted: "uint64", gas_used: "uint64" }, result: { data: "base64?", log: "string", events: [EVENT], msg_responses: ["any"] } };
export const BROADCAST: Shape = { tx_response: TX_RESPONSE };

// base/tendermint
export const NODE_INFO: Shape = {
  default_node_info: {
    protocol_version: { p2p: "uint64", block: "uint64", app: "uint64" },
    default_node_id: "string",
    listen_addr: "string",
    network: "string",
    version: "string",
    channels: "base64?",
    moniker: "string",
    other: { tx_index: "string", rpc_address: "string" },
  },
  application_version: { name: "string", app_name: "string", version: "string", git_commit: "string", build_tags: "string", go_version: "string", build_deps: [], cosmos_sdk_version: "string" },
};
const BLOCK_ID: Shape = { hash: "base64?", part_set_header: { total: "number", hash: "base64?" } };
const header = (proposer: Shape): Shape => ({
  version: { block: "uint64", app: "uint64" },
  chain_id: "string",
  height: "int",
  time: "time",
  last_block_id: BLOCK_ID,
  last_commit_hash: "base64?",
  data_hash: "base64?",
  validators_hash: "base64?",
  next_validators_hash: "base64?",
  consensus_hash: "base64?",
  app_hash: "base64?",
  last_results_hash: "base64?",
  evidence_hash: "base64?",
  proposer_address: proposer,
});
const block = (proposer: Shape): Shape => ({
  header: header(proposer),
  data: { txs: ["base64"] },
  evidence: { evidence: [] },
  last_commit: { height: "int", round: "number", block_id: BLOCK_ID, signatures: [] },
});
export const BLOCK: Shape = { block_id: BLOCK_ID, block: block("base64"), sdk_block: block("string") };
export const HISTORICAL_INFO: Shape = { hist: { header: header("base64"), valset: [VALIDATOR] } };
export const VALIDATOR_SET: Shape = { block_height: "int", validators: [{ address: "string", pub_key: BLS_PUBKEY, voting_power: "int", proposer_priority: "int" }], pagination: PAGE_RESPONSE_OR_NULL };

/** The gateway's error body. */
export const GATEWAY_ERROR: Shape = { code: "number", message: "string", details: [] };
