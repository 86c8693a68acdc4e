import { ValidatorSlashEvent } from "cosmjs-types/cosmos/distribution/v1beta1/distribution";
import {
  QueryCommunityPoolResponse,
  QueryDelegatorValidatorsRequest,
  QueryDelegatorValidatorsResponse,
  QueryDelegatorWithdrawAddressRequest,
  QueryDelegatorWithdrawAddressResponse,
  QueryValidatorSlashesRequest,
  QueryValidatorSlashesResponse,
  QueryDelegationRewardsRequest,
  QueryDelegationRewardsResponse,
  QueryDelegationTotalRewardsRequest,
  QueryDelegationTotalRewardsResponse,
  QueryParamsResponse,
  QueryValidatorCommissionRequest,
  QueryValidatorCommissionResponse,
  QueryValidatorOutstandingRewardsRequest,
  QueryValidatorOutstandingRewardsResponse,
} from "cosmjs-types/cosmos/distribution/v1beta1/query";
import type { ReadonlyKVStore } from "../../../state/index.js";
import { ACCOUNT_ADDRESS_PREFIX, fromBech32, VALIDATOR_OPERATOR_ADDRESS_PREFIX } from "../../../tx/index.js";
import { paginate } from "../../pagination.js";
import { answerInvalidArgument } from "../../queryAnswers.js";
import { decodeU64 } from "../../storeKeys.js";
import { delegationPrefix } from "../staking/keys.js";
import { accountBech32, getDelegation, getValidator, operatorBech32 } from "../staking/state.js";
import { decCoinsAdd, decCoinsToProto, type DecCoins } from "./decCoins.js";
import { getAccumulatedCommission, getCommunityPool, getDelegatorWithdrawAddress, getDistributionParams, getOutstandingRewards, getPendingDelegationRewards } from "./keeper.js";
import { slashEventPrefix } from "./keys.js";

/** An ABCI query answer (same shape as HubApplication's QueryResult). */
export interface DistributionQueryResult {
  code: number;
  codespace?: string;
  log?: string;
  value?: Uint8Array;
  height: number;
}

export const DISTRIBUTION_QUERY_PATHS = [
  "/cosmos.distribution.v1beta1.Query/DelegationRewards",
  "/cosmos.distribution.v1beta1.Query/DelegationTotalRewards",
  "/cosmos.distribution.v1beta1.Query/ValidatorOutstandingRewards",
  "/cosmos.distribution.v1beta1.Query/ValidatorCommission",
  "/cosmos.distribution.v1beta1.Query/Params",
  "/cosmos.distribution.v1beta1.Query/CommunityPool",
  "/cosmos.distribution.v1beta1.Query/DelegatorValidators",
  "/cosmos.distribution.v1beta1.Query/DelegatorWithdrawAddress",
  "/cosmos.distribution.v1beta1.Query/ValidatorSlashes",
] as const;

const NOT_FOUND = 22;
const INVALID_REQUEST = 18;

const notFound = (what: string, height: number): DistributionQueryResult => ({
  code: NOT_FOUND,
  codespace: "sdk",
  log: `rpc error: code = NotFound desc = ${what}: key not found`,
  height,
});
const invalid = (reason: string, height: number): DistributionQueryResult => ({ code: INVALID_REQUEST, codespace: "sdk", log: `${reason}: invalid request`, height });

const accAddr = (s: string) => fromBech32(s, ACCOUNT_ADDRESS_PREFIX, { lengths: [20] });
const valAddr = (s: string) => fromBech32(s, VALIDATOR_OPERATOR_ADDRESS_PREFIX, { lengths: [20] });

/**
 * Answers the distribution gRPC paths (request/response protobuf as cosmjs-types encodes them);
 * null when `path` is not one of them.
 */
export function queryDistribution(store: ReadonlyKVStore, path: string, data: Uint8Array, height: number): DistributionQueryResult | null {
  if (!(DISTRIBUTION_QUERY_PATHS as readonly string[]).includes(path)) return null;
  try {
    return answer(store, path, data, height);
  } catch (e) {
    return invalid((e as Error).message ?? String(e), height);
  }
}

function answer(store: ReadonlyKVStore, path: string, data: Uint8Array, height: number): DistributionQueryResult {
  const ok = (value: Uint8Array): DistributionQueryResult => ({ code: 0, value, height });
  switch (path) {
    case "/cosmos.distribution.v1beta1.Query/DelegationRewards": {
      const req = QueryDelegationRewardsRequest.decode(data);
      const delegator = accAddr(req.delegatorAddress);
      const op = valAddr(req.validatorAddress);
      if (!getValidator(store, op)) return notFound(`validator ${req.validatorAddress} does not exist`, height);
      if (!getDelegation(store, delegator, op)) return notFound(`delegation for ${req.delegatorAddress} with validator ${req.validatorAddress} does not exist`, height);
      const rewards = getPendingDelegationRewards(store, op, delegator);
      return ok(QueryDelegationRewardsResponse.encode({ rewards: decCoinsToProto(rewards) }).finish());
    }
    case "/cosmos.distribution.v1beta1.Query/DelegationTotalRewards": {
      const req = QueryDelegationTotalRewardsRequest.decode(data);
      const delegator = accAddr(req.delegatorAddress);
      const prefix = delegationPrefix(delegator);
      let total: DecCoins = [];
      const rewards: { validatorAddress: string; reward: ReturnType<typeof decCoinsToProto> }[] = [];
      for (const [k] of store.iterate(prefix)) {
        const op = k.slice(prefix.length);
        const r = getPendingDelegationRewards(store, op, delegator);
        total = decCoinsAdd(total, r);
        rewards.push({ validatorAddress: operatorBech32(op), reward: decCoinsToProto(r) });
      }
      return ok(QueryDelegationTotalRewardsResponse.encode({ rewards, total: decCoinsToProto(total) }).finish());
    }
    case "/cosmos.distribution.v1beta1.Query/ValidatorOutstandingRewards": {
      const req = QueryValidatorOutstandingRewardsRequest.decode(data);
      const op = valAddr(req.validatorAddress);
      if (!getValidator(store, op)) return notFound(`validator ${req.validatorAddress} does not exist`, height);
      return ok(QueryValidatorOutstandingRewardsResponse.encode({ rewards: { rewards: decCoinsToProto(getOutstandingRewards(store, op)) } }).finish());
    }
    case "/cosmos.distribution.v1beta1.Query/ValidatorCommission": {
      const req = QueryValidatorCommissionRequest.decode(data);
      const op = valAddr(req.validatorAddress);
      if (!getValidator(store, op)) return notFound(`validator ${req.validatorAddress} does not exist`, height);
      return ok(QueryValidatorCommissionResponse.encode({ commission: { commission: decCoinsToProto(getAccumulatedCommission(store, op)) } }).finish());
    }
    case "/cosmos.distribution.v1beta1.Query/CommunityPool":
      return ok(QueryCommunityPoolResponse.encode({ pool: decCoinsToProto(getCommunityPool(store)) }).finish());
    case "/cosmos.distribution.v1beta1.Query/DelegatorValidators": {
      // The operators the delegator has a delegation with, in store order, not paginated (as the SDK).
      const req = QueryDelegatorValidatorsRequest.decode(data);
      if (req.delegatorAddress === "") return answerInvalidArgument("empty delegator address", height);
      const prefix = delegationPrefix(accAddr(req.delegatorAddress));
      const validators: string[] = [];
      for (const [k] of store.iterate(prefix)) validators.push(operatorBech32(k.slice(prefix.length)));
      return ok(QueryDelegatorValidatorsResponse.encode({ validators }).finish());
    }
    case "/cosmos.distribution.v1beta1.Query/DelegatorWithdrawAddress": {
      // The address set with MsgSetWithdrawAddress, else the delegator itself: never NotFound.
      const req = QueryDelegatorWithdrawAddressRequest.decode(data);
      if (req.delegatorAddress === "") return answerInvalidArgument("empty delegator address", height);
      const withdraw = getDelegatorWithdrawAddress(store, accAddr(req.delegatorAddress));
      return ok(QueryDelegatorWithdrawAddressResponse.encode({ withdrawAddress: accountBech32(withdraw) }).finish());
    }
    case "/cosmos.distribution.v1beta1.Query/ValidatorSlashes": {
      // As the SDK's query server (v0.50), starting_height and ending_height bound each event's
      // validator_period (not the height it happened at), both inclusive; paginated.
      const req = QueryValidatorSlashesRequest.decode(data);
      if (req.validatorAddress === "") return answerInvalidArgument("empty validator address", height);
      if (req.endingHeight < req.startingHeight) return answerInvalidArgument(`starting height greater than ending height (${req.startingHeight} > ${req.endingHeight})`, height);
      let op: Uint8Array;
      try {
        op = valAddr(req.validatorAddress);
      } catch {
        return answerInvalidArgument("invalid validator address", height);
      }
      const page = paginate(store, slashEventPrefix(op), req.pagination, (suffix, v) => {
        const period = decodeU64(suffix);
        return period < req.startingHeight || period > req.endingHeight ? undefined : ValidatorSlashEvent.decode(v);
      });
      return ok(QueryValidatorSlashesResponse.encode({ slashes: page.items, pagination: page.pagination }).finish());
    }
    default: {
      // Params: no community tax, no proposer reward (the hub has neither); withdraw addresses as set (default enabled)
      const { withdrawAddrEnabled } = getDistributionParams(store);
      return ok(QueryParamsResponse.encode({ params: { communityTax: "0", baseProposerReward: "0", bonusProposerReward: "0", withdrawAddrEnabled } }).finish());
    }
  }
}
