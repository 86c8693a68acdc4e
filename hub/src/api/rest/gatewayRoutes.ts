import * as auth from "cosmjs-types/cosmos/auth/v1beta1/query";
import * as bank from "cosmjs-types/cosmos/bank/v1beta1/query";
import * as distribution from "cosmjs-types/cosmos/distribution/v1beta1/query";
import * as slashing from "cosmjs-types/cosmos/slashing/v1beta1/query";
import * as staking from "cosmjs-types/cosmos/staking/v1beta1/query";
import * as txService from "cosmjs-types/cosmos/tx/v1beta1/service";
import { GatewayError, GrpcCode } from "./gatewayErrors.js";
import type { GatewayCodec } from "./gatewayJson.js";

/**
 * The Cosmos SDK (v0.50) gRPC-gateway routes that are one ABCI query each: the REST path and method,
 * the gRPC method the query runs (the same path the JSON-RPC `abci_query` takes), the request and
 * response messages, and which request fields the path, the query string or (POST) the JSON body
 * fill. registerGatewayRoutes serves them; the transaction and CometBFT routes, which are not one
 * query, are there too.
 */

/** How a request field is read from its text (grpc-gateway's runtime.PopulateQueryParameters). */
export type GatewayFieldKind = "string" | "uint64" | "int64" | "bool" | "bytes";

export interface GatewayQueryRoute {
  method: "GET" | "POST";
  /** The SDK's path, `{field}` for a path parameter (the request field of that proto name). */
  path: string;
  /** The gRPC method the ABCI query runs, e.g. "/cosmos.bank.v1beta1.Query/AllBalances". */
  query: string;
  request: GatewayCodec;
  response: GatewayCodec;
  /**
   * Request fields (proto names) other than strings taken from the path, and those the query string
   * (GET) or the JSON body (POST) may set. A field not listed is ignored, as the gateway ignores one
   * the request message has not.
   */
  fields?: Readonly<Record<string, GatewayFieldKind>>;
  /** The request has `pagination` (a PageRequest): `pagination.key`, `.offset`, `.limit`, `.count_total`, `.reverse`. */
  paginated?: boolean;
  /** A field (proto name) the request must have, and the InvalidArgument message the SDK refuses its absence with. */
  required?: { field: string; message: string };
}

const PAGE_REQUEST_FIELDS: Readonly<Record<string, GatewayFieldKind>> = { key: "bytes", offset: "uint64", limit: "uint64", count_total: "bool", reverse: "bool" };

const get = (path: string, query: string, request: GatewayCodec, response: GatewayCodec, extra: Partial<GatewayQueryRoute> = {}): GatewayQueryRoute => ({ method: "GET", path, query, request, response, ...extra });
const AUTH = "/cosmos/auth/v1beta1";
const BANK = "/cosmos/bank/v1beta1";
const STAKING = "/cosmos/staking/v1beta1";
const DISTR = "/cosmos/distribution/v1beta1";
const SLASHING = "/cosmos/slashing/v1beta1";
const paginated = { paginated: true };

export const GATEWAY_QUERY_ROUTES: readonly GatewayQueryRoute[] = [
  get(`${AUTH}/accounts/{address}`, "/cosmos.auth.v1beta1.Query/Account", auth.QueryAccountRequest, auth.QueryAccountResponse),
  get(`${AUTH}/params`, "/cosmos.auth.v1beta1.Query/Params", auth.QueryParamsRequest, auth.QueryParamsResponse),

  get(`${BANK}/balances/{address}`, "/cosmos.bank.v1beta1.Query/AllBalances", bank.QueryAllBalancesRequest, bank.QueryAllBalancesResponse, { paginated: true, fields: { resolve_denom: "bool" } }),
  get(`${BANK}/balances/{address}/by_denom`, "/cosmos.bank.v1beta1.Query/Balance", bank.QueryBalanceRequest, bank.QueryBalanceResponse, { fields: { denom: "string" } }),
  get(`${BANK}/spendable_balances/{address}`, "/cosmos.bank.v1beta1.Query/SpendableBalances", bank.QuerySpendableBalancesRequest, bank.QuerySpendableBalancesResponse, paginated),
  get(`${BANK}/spendable_balances/{address}/by_denom`, "/cosmos.bank.v1beta1.Query/SpendableBalanceByDenom", bank.QuerySpendableBalanceByDenomRequest, bank.QuerySpendableBalanceByDenomResponse, { fields: { denom: "string" } }),
  get(`${BANK}/supply`, "/cosmos.bank.v1beta1.Query/TotalSupply", bank.QueryTotalSupplyRequest, bank.QueryTotalSupplyResponse, paginated),
  get(`${BANK}/supply/by_denom`, "/cosmos.bank.v1beta1.Query/SupplyOf", bank.QuerySupplyOfRequest, bank.QuerySupplyOfResponse, { fields: { denom: "string" } }),
  get(`${BANK}/denoms_metadata/{denom}`, "/cosmos.bank.v1beta1.Query/DenomMetadata", bank.QueryDenomMetadataRequest, bank.QueryDenomMetadataResponse),
  get(`${BANK}/params`, "/cosmos.bank.v1beta1.Query/Params", bank.QueryParamsRequest, bank.QueryParamsResponse),

  get(`${STAKING}/validators`, "/cosmos.staking.v1beta1.Query/Validators", staking.QueryValidatorsRequest, staking.QueryValidatorsResponse, { paginated: true, fields: { status: "string" } }),
  get(`${STAKING}/validators/{validator_addr}`, "/cosmos.staking.v1beta1.Query/Validator", staking.QueryValidatorRequest, staking.QueryValidatorResponse),
  get(`${STAKING}/validators/{validator_addr}/delegations`, "/cosmos.staking.v1beta1.Query/ValidatorDelegations", staking.QueryValidatorDelegationsRequest, staking.QueryValidatorDelegationsResponse, paginated),
  get(`${STAKING}/validators/{validator_addr}/unbonding_delegations`, "/cosmos.staking.v1beta1.Query/ValidatorUnbondingDelegations", staking.QueryValidatorUnbondingDelegationsRequest, staking.QueryValidatorUnbondingDelegationsResponse, paginated),
  get(`${STAKING}/validators/{validator_addr}/delegations/{delegator_addr}`, "/cosmos.staking.v1beta1.Query/Delegation", staking.QueryDelegationRequest, staking.QueryDelegationResponse),
  get(`${STAKING}/validators/{validator_addr}/delegations/{delegator_addr}/unbonding_delegation`, "/cosmos.staking.v1beta1.Query/UnbondingDelegation", staking.QueryUnbondingDelegationRequest, staking.QueryUnbondingDelegationResponse),
  get(`${STAKING}/delegations/{delegator_addr}`, "/cosmos.staking.v1beta1.Query/DelegatorDelegations", staking.QueryDelegatorDelegationsRequest, staking.QueryDelegatorDelegationsResponse, paginated),
  get(`${STAKING}/delegators/{delegator_addr}/unbonding_delegations`, "/cosmos.staking.v1beta1.Query/DelegatorUnbondingDelegations", staking.QueryDelegatorUnbondingDelegationsRequest, staking.QueryDelegatorUnbondingDelegationsResponse, paginated),
  get(`${STAKING}/delegators/{delegator_addr}/redelegations`, "/cosmos.staking.v1beta1.Query/Redelegations", staking.QueryRedelegationsRequest, staking.QueryRedelegationsResponse, { paginated: true, fields: { src_validator_addr: "string", dst_validator_addr: "string" } }),
  get(`${STAKING}/delegators/{delegator_addr}/validators`, "/cosmos.staking.v1beta1.Query/DelegatorValidators", staking.QueryDelegatorValidatorsRequest, staking.QueryDelegatorValidatorsResponse, paginated),
  get(`${STAKING}/delegators/{delegator_addr}/validators/{validator_addr}`, "/cosmos.staking.v1beta1.Query/DelegatorValidator", staking.QueryDelegatorValidatorRequest, staking.QueryDelegatorValidatorResponse),
  get(`${STAKING}/historical_info/{height}`, "/cosmos.staking.v1beta1.Query/HistoricalInfo", staking.QueryHistoricalInfoRequest, staking.QueryHistoricalInfoResponse, { fields: { height: "int64" } }),
  get(`${STAKING}/pool`, "/cosmos.staking.v1beta1.Query/Pool", staking.QueryPoolRequest, staking.QueryPoolResponse),
  get(`${STAKING}/params`, "/cosmos.staking.v1beta1.Query/Params", staking.QueryParamsRequest, staking.QueryParamsResponse),

  get(`${DISTR}/delegators/{delegator_address}/rewards`, "/cosmos.distribution.v1beta1.Query/DelegationTotalRewards", distribution.QueryDelegationTotalRewardsRequest, distribution.QueryDelegationTotalRewardsResponse),
  get(`${DISTR}/delegators/{delegator_address}/rewards/{validator_address}`, "/cosmos.distribution.v1beta1.Query/DelegationRewards", distribution.QueryDelegationRewardsRequest, distribution.QueryDelegationRewardsResponse),
  get(`${DISTR}/delegators/{delegator_address}/validators`, "/cosmos.distribution.v1beta1.Query/DelegatorValidators", distribution.QueryDelegatorValidatorsRequest, distribution.QueryDelegatorValidatorsResponse),
  get(`${DISTR}/delegators/{delegator_address}/withdraw_address`, "/cosmos.distribution.v1beta1.Query/DelegatorWithdrawAddress", distribution.QueryDelegatorWithdrawAddressRequest, distribution.QueryDelegatorWithdrawAddressResponse),
  get(`${DISTR}/validators/{validator_address}/commission`, "/cosmos.distribution.v1beta1.Query/ValidatorCommission", distribution.QueryValidatorCommissionRequest, distribution.QueryValidatorCommissionResponse),
  get(`${DISTR}/validators/{validator_address}/outstanding_rewards`, "/cosmos.distribution.v1beta1.Query/ValidatorOutstandingRewards", distribution.QueryValidatorOutstandingRewardsRequest, distribution.QueryValidatorOutstandingRewardsResponse),
  get(`${DISTR}/validators/{validator_address}/slashes`, "/cosmos.distribution.v1beta1.Query/ValidatorSlashes", distribution.QueryValidatorSlashesRequest, distribution.QueryValidatorSlashesResponse, { paginated: true, fields: { starting_height: "uint64", ending_height: "uint64" } }),
  get(`${DISTR}/community_pool`, "/cosmos.distribution.v1beta1.Query/CommunityPool", distribution.QueryCommunityPoolRequest, distribution.QueryCommunityPoolResponse),
  get(`${DISTR}/params`, "/cosmos.distribution.v1beta1.Query/Params", distribution.QueryParamsRequest, distribution.QueryParamsResponse),

  get(`${SLASHING}/signing_infos`, "/cosmos.slashing.v1beta1.Query/SigningInfos", slashing.QuerySigningInfosRequest, slashing.QuerySigningInfosResponse, paginated),
  get(`${SLASHING}/signing_infos/{cons_address}`, "/cosmos.slashing.v1beta1.Query/SigningInfo", slashing.QuerySigningInfoRequest, slashing.QuerySigningInfoResponse),
  get(`${SLASHING}/params`, "/cosmos.slashing.v1beta1.Query/Params", slashing.QueryParamsRequest, slashing.QueryParamsResponse),

  // Simulate takes `tx_bytes` (base64) in the body; the deprecated JSON `tx` is not read.
  { method: "POST", path: "/cosmos/tx/v1beta1/simulate", query: "/cosmos.tx.v1beta1.Service/Simulate", request: txService.SimulateRequest, response: txService.SimulateResponse, fields: { tx_bytes: "bytes" }, required: { field: "tx_bytes", message: "empty txBytes is not allowed" } },
  get("/cosmos/tx/v1beta1/txs/{hash}", "/cosmos.tx.v1beta1.Service/GetTx", txService.GetTxRequest, txService.GetTxResponse),
];

/** The path parameters of a gateway path, in order: `{address}` → "address". */
export function getGatewayPathParams(path: string): string[] {
  return [...path.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]!);
}

const toCamel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Go's strconv.ParseBool. */
const BOOLS: Readonly<Record<string, boolean>> = { "1": true, t: true, T: true, TRUE: true, true: true, True: true, "0": false, f: false, F: false, FALSE: false, false: false, False: false };
const MAX_UINT64 = (1n << 64n) - 1n;
const MAX_INT64 = (1n << 63n) - 1n;

/**
 * One field's text as the JSON its codec's fromJSON reads. A value that does not parse is the
 * gateway's InvalidArgument ("type mismatch, parameter: …").
 */
export function parseGatewayField(name: string, kind: GatewayFieldKind, raw: string): string | boolean {
  const mismatch = (why: string) => new GatewayError(GrpcCode.InvalidArgument, `type mismatch, parameter: ${name}, error: ${why}`);
  switch (kind) {
    case "string":
      return raw;
    case "bool": {
      const b = BOOLS[raw];
      if (b === undefined) throw mismatch(`strconv.ParseBool: parsing ${JSON.stringify(raw)}: invalid syntax`);
      return b;
    }
    case "uint64":
    case "int64": {
      const re = kind === "uint64" ? /^[0-9]{1,20}$/ : /^-?[0-9]{1,19}$/;
      if (!re.test(raw)) throw mismatch(`strconv.Parse${kind === "uint64" ? "Uint" : "Int"}: parsing ${JSON.stringify(raw)}: invalid syntax`);
      const n = BigInt(raw);
      if (kind === "uint64" ? n > MAX_UINT64 : n > MAX_INT64 || n < -MAX_INT64 - 1n) throw mismatch(`strconv.Parse${kind === "uint64" ? "Uint" : "Int"}: parsing ${JSON.stringify(raw)}: value out of range`);
      return n.toString();
    }
    case "bytes": {
      // Standard or URL-safe base64, padded or not (the gateway tries both encodings).
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(raw) || raw.replace(/=+$/, "").length % 4 === 1) throw mismatch("illegal base64 data");
      return Buffer.from(raw.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("base64");
    }
  }
}

/**
 * One query-string or body value as text: a repeated query parameter is InvalidArgument (the
 * gateway's "too many values") for a field that is not repeated; a JSON body's bool or number is
 * taken as its text. Undefined when there is none.
 */
function fieldText(key: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    if (value.length > 1) throw new GatewayError(GrpcCode.InvalidArgument, `too many values for field ${key}: ${value.map(String).join(", ")}`);
    return fieldText(key, value[0]);
  }
  if (typeof value === "boolean" || typeof value === "number") return String(value);
  if (typeof value !== "string") throw new GatewayError(GrpcCode.InvalidArgument, `${key}: expected a string, got ${JSON.stringify(value)?.slice(0, 40)}`);
  return value;
}

/** The PageRequest (cosmjs-types JSON) of `pagination.key`, `.offset`, `.limit`, `.count_total`, `.reverse`; undefined when none is given. */
export function createPageRequestJson(fields: Readonly<Record<string, unknown>>): Record<string, string | boolean> | undefined {
  const page: Record<string, string | boolean> = {};
  for (const [name, kind] of Object.entries(PAGE_REQUEST_FIELDS)) {
    const key = `pagination.${name}`;
    const text = fieldText(key, fields[key]);
    if (text !== undefined) page[toCamel(name)] = parseGatewayField(key, kind, text);
  }
  return Object.keys(page).length > 0 ? page : undefined;
}

/**
 * The request message's JSON (cosmjs-types' camelCase, for the codec's fromJSON) from the route's
 * path parameters and its query string or body fields (by proto name; `pagination.*` for a paginated
 * request). A field the route does not list is ignored, as the gateway ignores one the request
 * message has not.
 */
export function createGatewayRequestJson(route: GatewayQueryRoute, params: Readonly<Record<string, string>>, fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const pathNames = new Set(getGatewayPathParams(route.path));
  for (const name of pathNames) out[toCamel(name)] = parseGatewayField(name, route.fields?.[name] ?? "string", params[name] ?? "");
  for (const [key, kind] of Object.entries(route.fields ?? {})) {
    if (pathNames.has(key)) continue;
    const text = fieldText(key, fields[key]);
    if (text !== undefined) out[toCamel(key)] = parseGatewayField(key, kind, text);
  }
  const pagination = route.paginated ? createPageRequestJson(fields) : undefined;
  if (pagination) out.pagination = pagination;
  if (route.required && !out[toCamel(route.required.field)]) throw new GatewayError(GrpcCode.InvalidArgument, route.required.message);
  return out;
}
