import { BinaryWriter } from "cosmjs-types/binary";
import { Coin } from "cosmjs-types/cosmos/base/v1beta1/coin";
import { PageResponse } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import {
  QueryDelegationRequest,
  QueryDelegatorDelegationsRequest,
  QueryDelegatorUnbondingDelegationsRequest,
  QueryParamsResponse,
  QueryPoolResponse,
  QueryUnbondingDelegationRequest,
  QueryValidatorRequest,
  QueryValidatorsRequest,
} from "cosmjs-types/cosmos/staking/v1beta1/query";
import { bondStatusFromJSON, Delegation as CosmosDelegation, Validator as CosmosValidator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { ReadonlyKVStore } from "../../../state/index.js";
import { paginate } from "../../pagination.js";
import { ACCOUNT_ADDRESS_PREFIX, fromBech32, TxError, VALIDATOR_OPERATOR_ADDRESS_PREFIX } from "../../../tx/index.js";
import { getStakingPool, tokensFromSharesTruncated } from "./keeper.js";
import { delegationKey, delegationPrefix, unbondingDelegationKey, unbondingDelegationPrefix, VALIDATOR_PREFIX, validatorExtraKey, validatorKey } from "./keys.js";
import { getStakingParams, type StakingParams } from "./params.js";
import { BondStatus, decodeValidator } from "./state.js";

/** An ABCI query answer (same shape as HubApplication's QueryResult). */
export interface StakingQueryResult {
  code: number;
  codespace?: string;
  log?: string;
  value?: Uint8Array;
  height: number;
}

export const STAKING_QUERY_PATHS = [
  "/cosmos.staking.v1beta1.Query/Validators",
  "/cosmos.staking.v1beta1.Query/Validator",
  "/cosmos.staking.v1beta1.Query/Delegation",
  "/cosmos.staking.v1beta1.Query/DelegatorDelegations",
  "/cosmos.staking.v1beta1.Query/UnbondingDelegation",
  "/cosmos.staking.v1beta1.Query/DelegatorUnbondingDelegations",
  "/cosmos.staking.v1beta1.Query/Params",
  "/cosmos.staking.v1beta1.Query/Pool",
] as const;

const NOT_FOUND = 22;
const INVALID_REQUEST = 18;
/** Page size when the request's limit is 0 (SDK default). */
/** Largest page served, whatever the request asks. */

function notFound(what: string, height: number): StakingQueryResult {
  return { code: NOT_FOUND, codespace: "sdk", log: `rpc error: code = NotFound desc = ${what}: key not found`, height };
}

function invalid(reason: string, height: number): StakingQueryResult {
  return { code: INVALID_REQUEST, codespace: "sdk", log: `${reason}: invalid request`, height };
}

const accAddr = (s: string) => fromBech32(s, ACCOUNT_ADDRESS_PREFIX, { lengths: [20] });
const valAddr = (s: string) => fromBech32(s, VALIDATOR_OPERATOR_ADDRESS_PREFIX, { lengths: [20] });



function encodeRepeatedBytes(items: readonly Uint8Array[], pagination: PageResponse): Uint8Array {
  const w = new BinaryWriter();
  for (const b of items) w.uint32(10).bytes(b);
  PageResponse.encode(pagination, w.uint32(18).fork()).ldelim();
  return w.finish();
}

/** DelegationResponse { delegation = stored Delegation bytes, balance }. */
function encodeDelegationResponse(delegation: Uint8Array, balance: Coin, w: BinaryWriter = new BinaryWriter()): BinaryWriter {
  w.uint32(10).bytes(delegation);
  Coin.encode(balance, w.uint32(18).fork()).ldelim();
  return w;
}

function delegationBalance(store: ReadonlyKVStore, params: StakingParams, raw: Uint8Array): { denom: string; amount: string } {
  const d = CosmosDelegation.decode(raw);
  const operator = valAddr(d.validatorAddress);
  const vraw = store.get(validatorKey(operator));
  const amount = vraw ? tokensFromSharesTruncated(decodeValidator(operator, vraw, store.get(validatorExtraKey(operator))), BigInt(d.shares || "0")) : 0n;
  return { denom: params.bondDenom, amount: amount.toString() };
}

/**
 * Answers the staking queries cosmjs sends (docs/cosmjs-compat.md §9), with the stored protobuf bytes
 * of Validator, Delegation and UnbondingDelegation records. Returns null for a path that is not a
 * staking query. Not found: code 22 with "…: key not found"; a malformed request: its TxError's code
 * (bad address) or 18.
 */
export function queryStaking(store: ReadonlyKVStore, path: string, data: Uint8Array, height: number): StakingQueryResult | null {
  if (!(STAKING_QUERY_PATHS as readonly string[]).includes(path)) return null;
  try {
    const params = getStakingParams(store);
    switch (path) {
      case "/cosmos.staking.v1beta1.Query/Validators": {
        const req = QueryValidatorsRequest.decode(data);
        let status: BondStatus | undefined;
        if (req.status !== "") {
          status = bondStatusFromJSON(req.status);
          if (status === BondStatus.UNRECOGNIZED || status === BondStatus.BOND_STATUS_UNSPECIFIED) return invalid(`invalid validator status ${req.status}`, height);
        }
        const page = paginate(store, VALIDATOR_PREFIX, req.pagination, (_k, v) => (status === undefined || CosmosValidator.decode(v).status === status ? v : undefined));
        return { code: 0, height, value: encodeRepeatedBytes(page.items, page.pagination) };
      }
      case "/cosmos.staking.v1beta1.Query/Validator": {
        const req = QueryValidatorRequest.decode(data);
        const raw = store.get(validatorKey(valAddr(req.validatorAddr)));
        if (!raw) return notFound(`validator ${req.validatorAddr} not found`, height);
        return { code: 0, height, value: new BinaryWriter().uint32(10).bytes(raw).finish() };
      }
      case "/cosmos.staking.v1beta1.Query/Delegation": {
        const req = QueryDelegationRequest.decode(data);
        const raw = store.get(delegationKey(accAddr(req.delegatorAddr), valAddr(req.validatorAddr)));
        if (!raw) return notFound(`delegation with delegator ${req.delegatorAddr} not found for validator ${req.validatorAddr}`, height);
        const w = new BinaryWriter();
        encodeDelegationResponse(raw, delegationBalance(store, params, raw), w.uint32(10).fork()).ldelim();
        return { code: 0, height, value: w.finish() };
      }
      case "/cosmos.staking.v1beta1.Query/DelegatorDelegations": {
        const req = QueryDelegatorDelegationsRequest.decode(data);
        const page = paginate(store, delegationPrefix(accAddr(req.delegatorAddr)), req.pagination, (_k, v) => v);
        const w = new BinaryWriter();
        for (const raw of page.items) encodeDelegationResponse(raw, delegationBalance(store, params, raw), w.uint32(10).fork()).ldelim();
        PageResponse.encode(page.pagination, w.uint32(18).fork()).ldelim();
        return { code: 0, height, value: w.finish() };
      }
      case "/cosmos.staking.v1beta1.Query/UnbondingDelegation": {
        const req = QueryUnbondingDelegationRequest.decode(data);
        const raw = store.get(unbondingDelegationKey(accAddr(req.delegatorAddr), valAddr(req.validatorAddr)));
        if (!raw) return notFound(`unbonding delegation with delegator ${req.delegatorAddr} not found for validator ${req.validatorAddr}`, height);
        return { code: 0, height, value: new BinaryWriter().uint32(10).bytes(raw).finish() };
      }
      case "/cosmos.staking.v1beta1.Query/DelegatorUnbondingDelegations": {
        const req = QueryDelegatorUnbondingDelegationsRequest.decode(data);
        const page = paginate(store, unbondingDelegationPrefix(accAddr(req.delegatorAddr)), req.pagination, (_k, v) => v);
        return { code: 0, height, value: encodeRepeatedBytes(page.items, page.pagination) };
      }
      case "/cosmos.staking.v1beta1.Query/Params": {
        const ms = params.unbondingTimeMs;
        const seconds = Math.floor(ms / 1000);
        return {
          code: 0,
          height,
          value: QueryParamsResponse.encode({
            params: {
              unbondingTime: { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 },
              maxValidators: params.maxValidators,
              maxEntries: params.maxEntries,
              historicalEntries: 0,
              bondDenom: params.bondDenom,
              minCommissionRate: params.minCommissionRate.toString(),
            },
          }).finish(),
        };
      }
      case "/cosmos.staking.v1beta1.Query/Pool": {
        const pool = getStakingPool(store, params);
        return { code: 0, height, value: QueryPoolResponse.encode({ pool: { bondedTokens: pool.bonded.toString(), notBondedTokens: pool.notBonded.toString() } }).finish() };
      }
    }
    return null;
  } catch (e) {
    if (e instanceof TxError) return { ...e.toAbci(), height };
    return invalid((e as Error).message, height);
  }
}
