import {
  QueryAllBalancesRequest,
  QueryAllBalancesResponse,
  QueryBalanceRequest,
  QueryBalanceResponse,
  QueryDenomMetadataRequest,
  QueryDenomMetadataResponse,
  QueryDenomsMetadataRequest,
  QueryDenomsMetadataResponse,
  QueryParamsResponse,
  QuerySpendableBalanceByDenomRequest,
  QuerySpendableBalanceByDenomResponse,
  QuerySpendableBalancesRequest,
  QuerySpendableBalancesResponse,
  QuerySupplyOfRequest,
  QuerySupplyOfResponse,
  QueryTotalSupplyRequest,
  QueryTotalSupplyResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import { Metadata } from "cosmjs-types/cosmos/bank/v1beta1/bank";
import type { ReadonlyKVStore } from "../../state/index.js";
import { ACCOUNT_ADDRESS_PREFIX, fromBech32, isValidDenom } from "../../tx/index.js";
import { paginate } from "../pagination.js";
import { answerError, answerInvalidArgument, answerNotFound, answerOk, type QueryAnswer } from "../queryAnswers.js";
import { balancePrefix, DENOM_METADATA_PREFIX, SUPPLY_PREFIX } from "../storeKeys.js";
import { getBalance, getDenomMetadata, getSupply } from "./bank.js";

export const BANK_QUERY_PATHS = [
  "/cosmos.bank.v1beta1.Query/Balance",
  "/cosmos.bank.v1beta1.Query/AllBalances",
  "/cosmos.bank.v1beta1.Query/TotalSupply",
  "/cosmos.bank.v1beta1.Query/SupplyOf",
  "/cosmos.bank.v1beta1.Query/DenomMetadata",
  "/cosmos.bank.v1beta1.Query/DenomsMetadata",
  "/cosmos.bank.v1beta1.Query/SpendableBalances",
  "/cosmos.bank.v1beta1.Query/SpendableBalanceByDenom",
  "/cosmos.bank.v1beta1.Query/Params",
] as const;

const decoder = new TextDecoder();
const accAddr = (s: string) => fromBech32(s, ACCOUNT_ADDRESS_PREFIX, { lengths: [20] });
/** An account's non-zero balances, a page of them (AllBalances; SpendableBalances, all of a balance being spendable). */
const paginateBalances = (store: ReadonlyKVStore, address: string, pagination: Parameters<typeof paginate>[2]) =>
  paginate(store, balancePrefix(accAddr(address)), pagination, (suffix, v) => ({ denom: decoder.decode(suffix), amount: decoder.decode(v) }));

/**
 * Answers the bank gRPC paths as x/bank's query server (v0.50) does; null for any other path.
 * - Balance: always a Coin (amount "0" for an unknown account or denom), as cosmjs asserts; an
 *   invalid denom is InvalidArgument (18).
 * - AllBalances: the non-zero balances, paginated (100 when no limit is given, as the SDK).
 * - SupplyOf: a Coin, "0" for a denom nobody holds; an invalid denom is InvalidArgument (18).
 * - DenomMetadata: NotFound (22) "client metadata for denom <d>" for a denom without metadata.
 * - TotalSupply, DenomsMetadata: paginated (PageRequest key/offset/limit/count_total).
 * - SpendableBalances, SpendableBalanceByDenom: the same as AllBalances and Balance: the hub has no
 *   vesting accounts and nothing else that locks a balance.
 * - Params: sending is enabled for every denom (default_send_enabled true, no per-denom entries).
 */
export function queryBank(store: ReadonlyKVStore, path: string, data: Uint8Array, height: number): QueryAnswer | null {
  if (!(BANK_QUERY_PATHS as readonly string[]).includes(path)) return null;
  try {
    switch (path) {
      case "/cosmos.bank.v1beta1.Query/Balance": {
        const req = QueryBalanceRequest.decode(data);
        if (!isValidDenom(req.denom)) return answerInvalidArgument(`invalid denom: ${req.denom}`, height);
        const amount = getBalance(store, accAddr(req.address), req.denom);
        return answerOk(QueryBalanceResponse.encode({ balance: { denom: req.denom, amount: amount.toString() } }).finish(), height);
      }
      case "/cosmos.bank.v1beta1.Query/AllBalances": {
        const req = QueryAllBalancesRequest.decode(data);
        const page = paginateBalances(store, req.address, req.pagination);
        return answerOk(QueryAllBalancesResponse.encode({ balances: page.items, pagination: page.pagination }).finish(), height);
      }
      case "/cosmos.bank.v1beta1.Query/SpendableBalances": {
        const req = QuerySpendableBalancesRequest.decode(data);
        const page = paginateBalances(store, req.address, req.pagination);
        return answerOk(QuerySpendableBalancesResponse.encode({ balances: page.items, pagination: page.pagination }).finish(), height);
      }
      case "/cosmos.bank.v1beta1.Query/SpendableBalanceByDenom": {
        const req = QuerySpendableBalanceByDenomRequest.decode(data);
        if (!isValidDenom(req.denom)) return answerInvalidArgument(`invalid denom: ${req.denom}`, height);
        const amount = getBalance(store, accAddr(req.address), req.denom);
        return answerOk(QuerySpendableBalanceByDenomResponse.encode({ balance: { denom: req.denom, amount: amount.toString() } }).finish(), height);
      }
      case "/cosmos.bank.v1beta1.Query/Params":
        return answerOk(QueryParamsResponse.encode({ params: { sendEnabled: [], defaultSendEnabled: true } }).finish(), height);
      case "/cosmos.bank.v1beta1.Query/TotalSupply": {
        const req = QueryTotalSupplyRequest.decode(data);
        const page = paginate(store, SUPPLY_PREFIX, req.pagination, (suffix, v) => ({ denom: decoder.decode(suffix), amount: decoder.decode(v) }));
        return answerOk(QueryTotalSupplyResponse.encode({ supply: page.items, pagination: page.pagination }).finish(), height);
      }
      case "/cosmos.bank.v1beta1.Query/SupplyOf": {
        const req = QuerySupplyOfRequest.decode(data);
        if (!isValidDenom(req.denom)) return answerInvalidArgument(`invalid denom: ${req.denom}`, height);
        return answerOk(QuerySupplyOfResponse.encode({ amount: { denom: req.denom, amount: getSupply(store, req.denom).toString() } }).finish(), height);
      }
      case "/cosmos.bank.v1beta1.Query/DenomMetadata": {
        const req = QueryDenomMetadataRequest.decode(data);
        if (!isValidDenom(req.denom)) return answerInvalidArgument(`invalid denom: ${req.denom}`, height);
        const metadata = getDenomMetadata(store, req.denom);
        if (!metadata) return answerNotFound(`client metadata for denom ${req.denom}`, height);
        return answerOk(QueryDenomMetadataResponse.encode({ metadata }).finish(), height);
      }
      default: {
        const req = QueryDenomsMetadataRequest.decode(data);
        const page = paginate(store, DENOM_METADATA_PREFIX, req.pagination, (_k, v) => Metadata.decode(v));
        return answerOk(QueryDenomsMetadataResponse.encode({ metadatas: page.items, pagination: page.pagination }).finish(), height);
      }
    }
  } catch (e) {
    return answerError(e, height);
  }
}
