import {
  QueryParamsResponse,
  QuerySigningInfoRequest,
  QuerySigningInfoResponse,
  QuerySigningInfosRequest,
  QuerySigningInfosResponse,
} from "cosmjs-types/cosmos/slashing/v1beta1/query";
import type { ReadonlyKVStore } from "../../../state/index.js";
import { fromBech32, TxError } from "../../../tx/index.js";
import { paginate } from "../../pagination.js";
import type { StakingQueryResult } from "../staking/index.js";
import {
  CONSENSUS_ADDRESS_PREFIX,
  decodeSigningInfo,
  getSigningInfo,
  getSlashingParams,
  SIGNING_INFO_PREFIX,
  toCosmosSigningInfo,
  toCosmosSlashingParams,
} from "./state.js";

/** An ABCI query answer (same shape as HubApplication's QueryResult). */
export type SlashingQueryResult = StakingQueryResult;

export const SLASHING_QUERY_PATHS = [
  "/cosmos.slashing.v1beta1.Query/Params",
  "/cosmos.slashing.v1beta1.Query/SigningInfo",
  "/cosmos.slashing.v1beta1.Query/SigningInfos",
] as const;

const NOT_FOUND = 22;
const INVALID_REQUEST = 18;

function ok(value: Uint8Array, height: number): SlashingQueryResult {
  return { code: 0, value, height };
}

/**
 * Answers the cosmjs slashing queries (setupSlashingExtension). Null for a path that is not a
 * slashing query. SigningInfo of an unknown address: code 22 "…: key not found"; a malformed
 * address: its TxError's code; a malformed request: 18.
 */
export function querySlashing(store: ReadonlyKVStore, path: string, data: Uint8Array, height: number): SlashingQueryResult | null {
  if (!(SLASHING_QUERY_PATHS as readonly string[]).includes(path)) return null;
  try {
    switch (path) {
      case "/cosmos.slashing.v1beta1.Query/Params":
        return ok(QueryParamsResponse.encode({ params: toCosmosSlashingParams(getSlashingParams(store)) }).finish(), height);
      case "/cosmos.slashing.v1beta1.Query/SigningInfo": {
        const req = QuerySigningInfoRequest.decode(data);
        if (!req.consAddress) return { code: INVALID_REQUEST, codespace: "sdk", log: "empty address: invalid request", height };
        const cons = fromBech32(req.consAddress, CONSENSUS_ADDRESS_PREFIX, { lengths: [20] });
        const info = getSigningInfo(store, cons);
        if (!info) return { code: NOT_FOUND, codespace: "sdk", log: `rpc error: code = NotFound desc = SigningInfo not found for validator ${req.consAddress}: key not found`, height };
        return ok(QuerySigningInfoResponse.encode({ valSigningInfo: toCosmosSigningInfo(info) }).finish(), height);
      }
      default: {
        const req = QuerySigningInfosRequest.decode(data);
        const { items: info, pagination } = paginate(store, SIGNING_INFO_PREFIX, req.pagination, (suffix, v) => toCosmosSigningInfo(decodeSigningInfo(suffix, v)));
        return ok(QuerySigningInfosResponse.encode({ info, pagination }).finish(), height);
      }
    }
  } catch (e) {
    if (e instanceof TxError) return { ...e.toAbci(), height };
    return { code: INVALID_REQUEST, codespace: "sdk", log: `${(e as Error).message}: invalid request`, height };
  }
}
