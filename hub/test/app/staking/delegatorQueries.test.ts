/**
 * The staking paths the SDK serves besides the ones cosmjs's StargateClient uses: DelegatorValidator,
 * DelegatorValidators, ValidatorDelegations, ValidatorUnbondingDelegations and Redelegations, as
 * cosmjs's staking extension sends and reads them (QueryClient + setupStakingExtension over a
 * CometClient stand-in answered by queryStaking), with the SDK's error codes.
 */
import { QueryClient, setupStakingExtension, type StakingExtension } from "@cosmjs/stargate";
import { PageRequest } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import { QueryDelegatorValidatorsRequest, QueryDelegatorValidatorsResponse, QueryParamsResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import {
  HISTORICAL_ENTRIES,
  msgBeginRedelegateHandler,
  msgCreateValidatorHandler,
  msgDelegateHandler,
  msgUndelegateHandler,
  processEpochEnd,
  queryStaking,
} from "../../../src/app/modules/staking/index.js";
import type { StateView } from "../../../src/state/index.js";
import { acc, createValidatorMsg, DENOM, mustRun, setup, T0, valoper } from "./stakingFixtures.js";

const M = 1_000_000n;
const coin = (n: bigint) => ({ denom: DENOM, amount: n.toString() });

/**
 * Validators 1..4 (4 M, 3 M, 2 M, 1 M; maxValidators 3). Account 5 delegates 100 × v to each,
 * undelegates 50 from 2, redelegates 40 from 1 to 3 and 30 from 1 to 2; account 6 delegates to 4.
 */
function world(): StateView {
  const s = setup();
  for (const i of [1, 2, 3, 4]) mustRun(s, msgCreateValidatorHandler, createValidatorMsg(i, BigInt(5 - i) * M));
  for (const v of [1, 2, 3, 4]) mustRun(s, msgDelegateHandler, { delegatorAddress: acc(5), validatorAddress: valoper(v), amount: coin(100n * BigInt(v)) });
  mustRun(s, msgDelegateHandler, { delegatorAddress: acc(6), validatorAddress: valoper(4), amount: coin(7n) });
  processEpochEnd(s, { height: 1, time: T0 });
  mustRun(s, msgUndelegateHandler, { delegatorAddress: acc(5), validatorAddress: valoper(2), amount: coin(50n) }, { height: 2, time: T0 + 5 });
  mustRun(s, msgBeginRedelegateHandler, { delegatorAddress: acc(5), validatorSrcAddress: valoper(1), validatorDstAddress: valoper(3), amount: coin(40n) }, { height: 3, time: T0 + 6 });
  mustRun(s, msgBeginRedelegateHandler, { delegatorAddress: acc(5), validatorSrcAddress: valoper(1), validatorDstAddress: valoper(2), amount: coin(30n) }, { height: 3, time: T0 + 6 });
  return s;
}

function client(store: StateView): QueryClient & StakingExtension {
  const comet = {
    abciQuery: async (q: { path: string; data: Uint8Array }) => {
      const r = queryStaking(store, q.path, q.data, 7);
      if (!r) throw new Error(`not a staking path: ${q.path}`);
      return { code: r.code, log: r.log ?? "", value: r.value ?? new Uint8Array(0), height: r.height, key: new Uint8Array(0), index: 0, codespace: r.codespace ?? "" };
    },
  };
  return QueryClient.withExtensions(comet as never, setupStakingExtension);
}

describe("delegator and validator views", () => {
  test("delegatorValidator: the validator of an existing delegation; none: the SDK's Internal error (code 6)", async () => {
    const q = client(world());
    const v = await q.staking.delegatorValidator(acc(5), valoper(3));
    expect(v.validator.operatorAddress).toBe(valoper(3));
    expect(v.validator.tokens).toBe((2n * M + 300n + 40n).toString());
    await expect(q.staking.delegatorValidator(acc(6), valoper(1))).rejects.toThrow(
      "Query failed with (6): rpc error: code = Internal desc = no delegation for (address, validator) tuple: unknown request",
    );
    await expect(q.staking.delegatorValidator("", valoper(1))).rejects.toThrow("Query failed with (18): rpc error: code = InvalidArgument desc = delegator address cannot be empty: invalid request");
    await expect(q.staking.delegatorValidator(acc(5), "")).rejects.toThrow(/\(18\).*validator address cannot be empty/);
    await expect(q.staking.delegatorValidator("aegis1bad", valoper(1))).rejects.toThrow(/Query failed with \(7\)/);
  });

  test("delegatorValidators: every validator the delegator delegates to, paginated", async () => {
    const s = world();
    const q = client(s);
    expect((await q.staking.delegatorValidators(acc(5))).validators.map((v) => v.operatorAddress).sort()).toEqual([1, 2, 3, 4].map(valoper).sort());
    expect((await q.staking.delegatorValidators(acc(9))).validators).toEqual([]);
    const r = queryStaking(s, "/cosmos.staking.v1beta1.Query/DelegatorValidators", QueryDelegatorValidatorsRequest.encode({ delegatorAddr: acc(5), pagination: PageRequest.fromPartial({ limit: 3n }) }).finish(), 7)!;
    const first = QueryDelegatorValidatorsResponse.decode(r.value!);
    expect(first.validators).toHaveLength(3);
    const rest = await q.staking.delegatorValidators(acc(5), first.pagination!.nextKey);
    expect([...first.validators, ...rest.validators].map((v) => v.operatorAddress).sort()).toEqual([1, 2, 3, 4].map(valoper).sort());
    expect(rest.pagination!.nextKey).toHaveLength(0);
  });

  test("validatorDelegations: the validator's delegations with balances, by delegator", async () => {
    const q = client(world());
    const d = await q.staking.validatorDelegations(valoper(4));
    expect(d.delegationResponses.map((x) => [x.delegation.delegatorAddress, x.balance.amount]).sort()).toEqual(
      [
        [acc(4), M.toString()],
        [acc(5), "400"],
        [acc(6), "7"],
      ].sort(),
    );
    await expect(q.staking.validatorDelegations("")).rejects.toThrow(/\(18\).*validator address cannot be empty/);
  });

  test("validatorUnbondingDelegations: the unbonding entries out of a validator", async () => {
    const q = client(world());
    const u = await q.staking.validatorUnbondingDelegations(valoper(2));
    expect(u.unbondingResponses.map((x) => [x.delegatorAddress, x.validatorAddress, x.entries.map((e) => e.balance)])).toEqual([[acc(5), valoper(2), ["50"]]]);
    expect((await q.staking.validatorUnbondingDelegations(valoper(1))).unbondingResponses).toEqual([]);
  });

  test("params: historical_entries is the window HistoricalInfo answers", async () => {
    const s = world();
    const r = queryStaking(s, "/cosmos.staking.v1beta1.Query/Params", new Uint8Array(0), 7)!;
    expect(QueryParamsResponse.decode(r.value!).params.historicalEntries).toBe(HISTORICAL_ENTRIES);
  });
});

describe("redelegations", () => {
  test("one (delegator, source, destination): its entries with the destination balance", async () => {
    const q = client(world());
    const r = await q.staking.redelegations(acc(5), valoper(1), valoper(3));
    expect(r.redelegationResponses).toHaveLength(1);
    const [one] = r.redelegationResponses;
    expect(one!.redelegation).toEqual({ delegatorAddress: acc(5), validatorSrcAddress: valoper(1), validatorDstAddress: valoper(3), entries: [] });
    expect(one!.entries.map((e) => [e.redelegationEntry.creationHeight, e.redelegationEntry.initialBalance, e.balance])).toEqual([[3n, "40", "40"]]);
    expect(one!.entries[0]!.redelegationEntry.completionTime.seconds).toBeGreaterThan(0n);
    expect(r.pagination).toBeUndefined();
  });

  test("by delegator, by source validator; other combinations list the delegator's", async () => {
    const q = client(world());
    const pairs = (r: Awaited<ReturnType<typeof q.staking.redelegations>>) => r.redelegationResponses.map((x) => `${x.redelegation.validatorSrcAddress}>${x.redelegation.validatorDstAddress}`).sort();
    const expected = [`${valoper(1)}>${valoper(2)}`, `${valoper(1)}>${valoper(3)}`].sort();
    expect(pairs(await q.staking.redelegations(acc(5), "", ""))).toEqual(expected);
    expect(pairs(await q.staking.redelegations("", valoper(1), ""))).toEqual(expected);
    expect(pairs(await q.staking.redelegations(acc(5), valoper(2), ""))).toEqual(expected); // the source is no filter with a delegator (SDK)
    expect((await q.staking.redelegations("", valoper(2), "")).redelegationResponses).toEqual([]);
    expect((await q.staking.redelegations(acc(6), "", "")).redelegationResponses).toEqual([]);
  });

  test("a missing redelegation: the SDK's answer, NotFound wrapped as Internal (code 6)", async () => {
    const q = client(world());
    await expect(q.staking.redelegations(acc(5), valoper(2), valoper(3))).rejects.toThrow(
      `Query failed with (6): rpc error: code = Internal desc = rpc error: code = NotFound desc = redelegation not found for delegator address ${acc(5)} from validator address ${valoper(2)}: unknown request`,
    );
    await expect(q.staking.redelegations("", "", "")).rejects.toThrow("Query failed with (6): rpc error: code = Internal desc = empty address string is not allowed: unknown request");
    await expect(q.staking.redelegations("aegis1bad", valoper(1), valoper(2))).rejects.toThrow(/Query failed with \(6\): rpc error: code = Internal desc = /);
  });
});
