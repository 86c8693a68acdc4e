import { concatBytes } from "@aegis/consumer-sdk";
import { PageResponse } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import {
  QueryParamsResponse,
  QuerySigningInfoRequest,
  QuerySigningInfoResponse,
  QuerySigningInfosRequest,
  QuerySigningInfosResponse,
} from "cosmjs-types/cosmos/slashing/v1beta1/query";
import type { ValidatorSigningInfo } from "cosmjs-types/cosmos/slashing/v1beta1/slashing";
import type { ReadonlyKVStore } from "../../../state/index.js";
import { fromBech32, TxError } from "../../../tx/index.js";
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, type StakingQueryResult } from "../staking/index.js";
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
        const page = req.pagination;
        const limitReq = page?.limit ?? 0n;
        const limit = limitReq === 0n ? DEFAULT_PAGE_LIMIT : limitReq > BigInt(MAX_PAGE_LIMIT) ? MAX_PAGE_LIMIT : Number(limitReq);
        const hasKey = !!page && page.key.length > 0;
        const offsetReq = hasKey ? 0n : (page?.offset ?? 0n);
        const offset = offsetReq > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(offsetReq);
        const countTotal = !hasKey && !!page?.countTotal;
        const info: ValidatorSigningInfo[] = [];
        let nextKey = new Uint8Array(0);
        let seen = 0;
        for (const [k, v] of store.iterate(SIGNING_INFO_PREFIX, hasKey ? { start: concatBytes(SIGNING_INFO_PREFIX, page!.key) } : undefined)) {
          const suffix = k.slice(SIGNING_INFO_PREFIX.length);
          seen++;
          if (seen <= offset) continue;
          if (info.length < limit) {
            info.push(toCosmosSigningInfo(decodeSigningInfo(suffix, v)));
            continue;
          }
          if (nextKey.length === 0) nextKey = suffix;
          if (!countTotal) break;
        }
        const pagination: PageResponse = { nextKey, total: countTotal ? BigInt(seen) : 0n };
        return ok(QuerySigningInfosResponse.encode({ info, pagination }).finish(), height);
      }
    }
  } catch (e) {
    if (e instanceof TxError) return { ...e.toAbci(), height };
    return { code: INVALID_REQUEST, codespace: "sdk", log: `${(e as Error).message}: invalid request`, height };
  }
}
