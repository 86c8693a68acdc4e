import { BinaryWriter } from "cosmjs-types/binary";
import { Coin } from "cosmjs-types/cosmos/base/v1beta1/coin";
import { PageResponse } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import type { BlockHeader } from "@aegis/consumer-sdk";
import {
  QueryDelegationRequest,
  QueryDelegatorDelegationsRequest,
  QueryDelegatorUnbondingDelegationsRequest,
  QueryDelegatorValidatorRequest,
  QueryDelegatorValidatorsRequest,
  QueryHistoricalInfoResponse,
  QueryParamsResponse,
  QueryPoolResponse,
  QueryRedelegationsRequest,
  QueryRedelegationsResponse,
  QueryUnbondingDelegationRequest,
  QueryValidatorDelegationsRequest,
  QueryValidatorRequest,
  QueryValidatorsRequest,
  QueryValidatorUnbondingDelegationsRequest,
} from "cosmjs-types/cosmos/staking/v1beta1/query";
import {
  bondStatusFromJSON,
  Delegation as CosmosDelegation,
  Redelegation as CosmosRedelegation,
  Validator as CosmosValidator,
  type RedelegationResponse,
} from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { ReadonlyKVStore } from "../../../state/index.js";
import { paginate, type Page } from "../../pagination.js";
import { answerInternal, answerInvalidArgument } from "../../queryAnswers.js";
import { ACCOUNT_ADDRESS_PREFIX, fromBech32, TxError, VALIDATOR_OPERATOR_ADDRESS_PREFIX } from "../../../tx/index.js";
import { getTxErrorDetail } from "../../../tx/txError.js";
import { getStakingPool, tokensFromSharesTruncated } from "./keeper.js";
import {
  DELEGATION_PREFIX,
  delegationKey,
  delegationPrefix,
  REDELEGATION_PREFIX,
  redelegationBySrcPrefix,
  redelegationKey,
  unbondingByValidatorPrefix,
  unbondingDelegationKey,
  unbondingDelegationPrefix,
  VALIDATOR_PREFIX,
  validatorExtraKey,
  validatorKey,
} from "./keys.js";
import { getStakingParams, type StakingParams } from "./params.js";
import { BondStatus, decodeValidator, getValidator, msToTimestamp, toCosmosValidator, type StakingValidator } from "./state.js";
import type { EpochValidatorSet } from "./validatorSet.js";

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
  "/cosmos.staking.v1beta1.Query/DelegatorValidator",
  "/cosmos.staking.v1beta1.Query/DelegatorValidators",
  "/cosmos.staking.v1beta1.Query/Redelegations",
  "/cosmos.staking.v1beta1.Query/ValidatorDelegations",
  "/cosmos.staking.v1beta1.Query/ValidatorUnbondingDelegations",
] as const;

/** Path of HistoricalInfo: answered with the node's block store (HubApplication.queryAsync, encodeHistoricalInfo). */
export const HISTORICAL_INFO_QUERY_PATH = "/cosmos.staking.v1beta1.Query/HistoricalInfo";

/**
 * How many recent heights HistoricalInfo answers (the SDK's historical_entries param, and its
 * default): the hub keeps every block, so this bounds the answer, not what is stored.
 */
export const HISTORICAL_ENTRIES = 10_000;

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

/** The SDK's ErrNoValidatorFound text (x/staking types/errors.go). */
const NO_VALIDATOR_FOUND = "validator does not exist";
/** The SDK's ErrNoDelegation text. */
const NO_DELEGATION = "no delegation for (address, validator) tuple";



function bytesEqualAt(haystack: Uint8Array, offset: number, needle: Uint8Array): boolean {
  if (haystack.length !== offset + needle.length) return false;
  for (let i = 0; i < needle.length; i++) if (haystack[offset + i] !== needle[i]) return false;
  return true;
}

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
              historicalEntries: HISTORICAL_ENTRIES,
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
      case "/cosmos.staking.v1beta1.Query/DelegatorValidator": {
        // As the SDK: a missing delegation is the keeper's ErrNoDelegation returned as gRPC Internal (code 6), not NotFound.
        const req = QueryDelegatorValidatorRequest.decode(data);
        if (req.delegatorAddr === "") return answerInvalidArgument("delegator address cannot be empty", height);
        if (req.validatorAddr === "") return answerInvalidArgument("validator address cannot be empty", height);
        const delegator = accAddr(req.delegatorAddr);
        const op = valAddr(req.validatorAddr);
        if (!store.get(delegationKey(delegator, op))) return answerInternal(NO_DELEGATION, height);
        const raw = store.get(validatorKey(op));
        if (!raw) return answerInternal(NO_VALIDATOR_FOUND, height);
        return { code: 0, height, value: new BinaryWriter().uint32(10).bytes(raw).finish() };
      }
      case "/cosmos.staking.v1beta1.Query/DelegatorValidators": {
        const req = QueryDelegatorValidatorsRequest.decode(data);
        if (req.delegatorAddr === "") return answerInvalidArgument("delegator address cannot be empty", height);
        const page = paginate(store, delegationPrefix(accAddr(req.delegatorAddr)), req.pagination, (suffix) => store.get(validatorKey(suffix)) ?? null);
        if (page.items.some((v) => v === null)) return answerInternal(NO_VALIDATOR_FOUND, height);
        return { code: 0, height, value: encodeRepeatedBytes(page.items as Uint8Array[], page.pagination) };
      }
      case "/cosmos.staking.v1beta1.Query/ValidatorDelegations": {
        // No by-validator index: the delegations are walked in (delegator, operator) order and filtered,
        // which gives the SDK's order (by delegator) and pagination semantics.
        const req = QueryValidatorDelegationsRequest.decode(data);
        if (req.validatorAddr === "") return answerInvalidArgument("validator address cannot be empty", height);
        const op = valAddr(req.validatorAddr);
        const page = paginate(store, DELEGATION_PREFIX, req.pagination, (suffix, v) => (bytesEqualAt(suffix, 20, op) ? v : undefined));
        const w = new BinaryWriter();
        for (const raw of page.items) encodeDelegationResponse(raw, delegationBalance(store, params, raw), w.uint32(10).fork()).ldelim();
        PageResponse.encode(page.pagination, w.uint32(18).fork()).ldelim();
        return { code: 0, height, value: w.finish() };
      }
      case "/cosmos.staking.v1beta1.Query/ValidatorUnbondingDelegations": {
        const req = QueryValidatorUnbondingDelegationsRequest.decode(data);
        if (req.validatorAddr === "") return answerInvalidArgument("validator address cannot be empty", height);
        const op = valAddr(req.validatorAddr);
        const page = paginate(store, unbondingByValidatorPrefix(op), req.pagination, (delegator) => store.get(unbondingDelegationKey(delegator, op)));
        return { code: 0, height, value: encodeRepeatedBytes(page.items, page.pagination) };
      }
      case "/cosmos.staking.v1beta1.Query/Redelegations":
        return queryRedelegations(store, QueryRedelegationsRequest.decode(data), height);
    }
    return null;
  } catch (e) {
    if (e instanceof TxError) return { ...e.toAbci(), height };
    return invalid((e as Error).message, height);
  }
}

/**
 * Redelegations as the SDK's query server (v0.50) answers them:
 * - delegator, source and destination given: that one redelegation, not paginated;
 * - only the source: the redelegations out of that validator, paginated;
 * - anything else: the delegator's redelegations, paginated (a source or destination given with the
 *   delegator is not a filter; without a delegator the empty address is an error).
 * Every error, a missing redelegation included, is returned by the SDK as gRPC Internal: code 6
 * (unknown request) whose log quotes the inner error ("rpc error: code = NotFound desc =
 * redelegation not found for delegator address … from validator address …").
 */
function queryRedelegations(store: ReadonlyKVStore, req: QueryRedelegationsRequest, height: number): StakingQueryResult {
  const internalAddress = (f: () => Uint8Array): Uint8Array | StakingQueryResult => {
    try {
      return f();
    } catch (e) {
      if (e instanceof TxError) return answerInternal(getTxErrorDetail(e.type) ?? e.log, height);
      throw e;
    }
  };
  const isAnswer = (x: Uint8Array | StakingQueryResult): x is StakingQueryResult => !(x instanceof Uint8Array);
  let redelegations: CosmosRedelegation[];
  let pagination: Page<unknown>["pagination"] | undefined;
  if (req.delegatorAddr !== "" && req.srcValidatorAddr !== "" && req.dstValidatorAddr !== "") {
    const delegator = internalAddress(() => accAddr(req.delegatorAddr));
    if (isAnswer(delegator)) return delegator;
    const src = internalAddress(() => valAddr(req.srcValidatorAddr));
    if (isAnswer(src)) return src;
    const dst = internalAddress(() => valAddr(req.dstValidatorAddr));
    if (isAnswer(dst)) return dst;
    const raw = store.get(redelegationKey(delegator, src, dst));
    if (!raw) return answerInternal(`rpc error: code = NotFound desc = redelegation not found for delegator address ${req.delegatorAddr} from validator address ${req.srcValidatorAddr}`, height);
    redelegations = [CosmosRedelegation.decode(raw)];
  } else if (req.delegatorAddr === "" && req.srcValidatorAddr !== "" && req.dstValidatorAddr === "") {
    const src = internalAddress(() => valAddr(req.srcValidatorAddr));
    if (isAnswer(src)) return src;
    // index suffix: delegator(20) | dst(20)
    const page = paginate(store, redelegationBySrcPrefix(src), req.pagination, (suffix) => store.get(redelegationKey(suffix.subarray(0, 20), src, suffix.subarray(20, 40))));
    redelegations = page.items.map((r) => CosmosRedelegation.decode(r));
    pagination = page.pagination;
  } else {
    if (req.delegatorAddr === "") return answerInternal("empty address string is not allowed", height);
    const delegator = internalAddress(() => accAddr(req.delegatorAddr));
    if (isAnswer(delegator)) return delegator;
    const page = paginate(store, concatPrefix(REDELEGATION_PREFIX, delegator), req.pagination, (_k, v) => CosmosRedelegation.decode(v));
    redelegations = page.items;
    pagination = page.pagination;
  }
  const responses: RedelegationResponse[] = [];
  for (const r of redelegations) {
    const dst = getValidator(store, valAddr(r.validatorDstAddress));
    if (!dst) return answerInternal(NO_VALIDATOR_FOUND, height);
    responses.push({
      redelegation: { delegatorAddress: r.delegatorAddress, validatorSrcAddress: r.validatorSrcAddress, validatorDstAddress: r.validatorDstAddress, entries: [] },
      entries: r.entries.map((e) => ({
        redelegationEntry: { ...e, unbondingOnHoldRefCount: 0n },
        balance: tokensFromSharesTruncated(dst, BigInt(e.sharesDst || "0")).toString(),
      })),
    });
  }
  return { code: 0, height, value: QueryRedelegationsResponse.encode({ redelegationResponses: responses, pagination }).finish() };
}

function concatPrefix(prefix: Uint8Array, part: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + part.length);
  out.set(prefix);
  out.set(part, prefix.length);
  return out;
}

/**
 * The HistoricalInfo answer for a height (the SDK keeps, for each of the last historical_entries
 * heights, that block's CometBFT header and its bonded validators). The hub answers from what it
 * keeps: `header`, the Aegis header of the block at that height, as the CometBFT header fields of the
 * same role (below), and `set`, the staking set that signed that height (power order), each member
 * as its Validator record now with the tokens, status (BONDED) and jailed (false) it had in that set.
 * The header fields: chain_id, height, time; last_block_id = the parent hash (with one part, as the
 * `block` RPC); last_commit_hash, data_hash (the tx root), validators_hash, next_validators_hash,
 * evidence_hash (the evidence root); app_hash = the state root after the block (Aegis executes
 * immediately; CometBFT's is the state before it); proposer_address; version {block 11, app 0}.
 * consensus_hash and last_results_hash have no Aegis equivalent and are empty.
 */
export function encodeHistoricalInfo(store: ReadonlyKVStore, header: BlockHeader, set: EpochValidatorSet): Uint8Array {
  const parent = header.height > 1 ? header.parentHash : new Uint8Array(0);
  const valset: CosmosValidator[] = set.validators.map((m) => {
    const now = getValidator(store, m.operator);
    const v: StakingValidator = now ?? {
      operator: m.operator,
      operatorAddress: m.operatorAddress,
      blsPublicKey: m.blsPublicKey,
      consensusAddress: m.consensusAddress,
      attestationPublicKey: m.attestationPublicKey,
      jailed: false,
      tombstoned: false,
      status: BondStatus.BOND_STATUS_BONDED,
      tokens: m.tokens,
      delegatorShares: 0n,
      description: { moniker: "", identity: "", website: "", securityContact: "", details: "" },
      unbondingHeight: 0n,
      unbondingTimeMs: 0,
      commission: { rate: 0n, maxRate: 0n, maxChangeRate: 0n, updateTimeMs: 0 },
      minSelfDelegation: 0n,
    };
    return toCosmosValidator({ ...v, tokens: m.tokens, status: BondStatus.BOND_STATUS_BONDED, jailed: false });
  });
  return QueryHistoricalInfoResponse.encode({
    hist: {
      header: {
        version: { block: 11n, app: 0n },
        chainId: header.chainId,
        height: BigInt(header.height),
        time: msToTimestamp(header.time),
        lastBlockId: { hash: parent, partSetHeader: { total: parent.length > 0 ? 1 : 0, hash: parent } },
        lastCommitHash: header.lastCommitHash,
        dataHash: header.txRoot,
        validatorsHash: header.validatorSetRoot,
        nextValidatorsHash: header.nextValidatorSetRoot,
        consensusHash: new Uint8Array(0),
        appHash: header.stateRoot,
        lastResultsHash: new Uint8Array(0),
        evidenceHash: header.evidenceRoot,
        proposerAddress: header.proposer,
      },
      valset,
    },
  }).finish();
}
