/**
 * Staking queries as cosmjs 0.39 sends and reads them: QueryClient + setupStakingExtension over a
 * CometClient stand-in whose abci_query is answered by queryStaking.
 */
import { QueryClient, setupStakingExtension, type StakingExtension } from "@cosmjs/stargate";
import { PageRequest } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import {
  QueryDelegatorDelegationsRequest,
  QueryDelegatorDelegationsResponse,
  QueryValidatorResponse,
  QueryValidatorsRequest,
  QueryValidatorsResponse,
} from "cosmjs-types/cosmos/staking/v1beta1/query";
import {
  getValidatorBytes,
  msgCreateValidatorHandler,
  msgDelegateHandler,
  msgUndelegateHandler,
  processEpochEnd,
  queryStaking,
} from "../../../src/app/modules/staking/index.js";
import type { StateView } from "../../../src/state/index.js";
import { acc, addr, BondStatus, createValidatorMsg, DENOM, mustRun, setup, T0, valoper } from "./stakingFixtures.js";

const M = 1_000_000n;
const coin = (n: bigint) => ({ denom: DENOM, amount: n.toString() });

/** Validators 1..4 (4 M, 3 M, 2 M, 1 M), maxValidators 3 so validator 4 stays unbonded; account 5 delegates to 1..4 and undelegates from 2. */
function world(): StateView {
  const s = setup();
  for (const i of [1, 2, 3, 4]) mustRun(s, msgCreateValidatorHandler, createValidatorMsg(i, BigInt(5 - i) * M));
  for (const v of [1, 2, 3, 4]) mustRun(s, msgDelegateHandler, { delegatorAddress: acc(5), validatorAddress: valoper(v), amount: coin(100n * BigInt(v)) });
  processEpochEnd(s, { height: 1, time: T0 });
  mustRun(s, msgUndelegateHandler, { delegatorAddress: acc(5), validatorAddress: valoper(2), amount: coin(50n) }, { height: 2, time: T0 + 5 });
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

describe("queryStaking through cosmjs", () => {
  test("validators by status", async () => {
    const q = client(world());
    const bonded = await q.staking.validators("BOND_STATUS_BONDED");
    expect(bonded.validators.map((v) => v.operatorAddress).sort()).toEqual([valoper(1), valoper(2), valoper(3)].sort());
    expect(bonded.validators.every((v) => v.status === BondStatus.BOND_STATUS_BONDED)).toBe(true);
    const unbonded = await q.staking.validators("BOND_STATUS_UNBONDED");
    expect(unbonded.validators.map((v) => v.operatorAddress)).toEqual([valoper(4)]);
    expect((await q.staking.validators("BOND_STATUS_UNBONDING")).validators).toEqual([]);
    expect((await q.staking.validators("" as never)).validators).toHaveLength(4);
    await expect(q.staking.validators("BOND_STATUS_SIDEWAYS" as never)).rejects.toThrow(/Query failed with \(18\)/);
  });

  test("validator: the stored bytes; unknown: code 22 key not found", async () => {
    const s = world();
    const q = client(s);
    const v = await q.staking.validator(valoper(1));
    expect(v.validator.tokens).toBe("4000100");
    expect(v.validator.description.moniker).toBe("val-1");
    const raw = queryStaking(s, "/cosmos.staking.v1beta1.Query/Validator", Uint8Array.from([0x0a, valoper(1).length, ...new TextEncoder().encode(valoper(1))]), 7)!;
    expect(QueryValidatorResponse.decode(raw.value!).validator).toEqual(v.validator);
    expect(raw.value!.subarray(raw.value!.length - getValidatorBytes(s, addr(1))!.length)).toEqual(getValidatorBytes(s, addr(1)));
    await expect(q.staking.validator(valoper(9))).rejects.toThrow(`Query failed with (22): rpc error: code = NotFound desc = validator ${valoper(9)} not found: key not found`);
  });

  test("delegation with balance; not found contains 'key not found'", async () => {
    const q = client(world());
    const d = await q.staking.delegation(acc(5), valoper(3));
    expect(d.delegationResponse!.delegation).toEqual({ delegatorAddress: acc(5), validatorAddress: valoper(3), shares: (300n * 10n ** 18n).toString() });
    expect(d.delegationResponse!.balance).toEqual(coin(300n));
    await expect(q.staking.delegation(acc(6), valoper(3))).rejects.toThrow(/\(22\).*key not found/);
    await expect(q.staking.delegation("aegis1bad", valoper(3))).rejects.toThrow(/Query failed with \(7\)/);
  });

  test("delegatorDelegations sums like getBalanceStaked", async () => {
    const q = client(world());
    let total = 0n;
    let key: Uint8Array | undefined;
    do {
      const page = await q.staking.delegatorDelegations(acc(5), key);
      for (const r of page.delegationResponses) total += BigInt(r.balance.amount);
      key = page.pagination?.nextKey;
    } while (key && key.length > 0);
    expect(total).toBe(100n + 150n + 300n + 400n);
  });

  test("unbonding delegations", async () => {
    const q = client(world());
    const u = await q.staking.unbondingDelegation(acc(5), valoper(2));
    expect(u.unbond.entries.map((e) => [e.creationHeight, e.balance])).toEqual([[2n, "50"]]);
    const all = await q.staking.delegatorUnbondingDelegations(acc(5));
    expect(all.unbondingResponses.map((r) => r.validatorAddress)).toEqual([valoper(2)]);
    expect((await q.staking.delegatorUnbondingDelegations(acc(6))).unbondingResponses).toEqual([]);
    await expect(q.staking.unbondingDelegation(acc(5), valoper(1))).rejects.toThrow(
      `Query failed with (22): rpc error: code = NotFound desc = unbonding delegation with delegator ${acc(5)} not found for validator ${valoper(1)}: key not found`,
    );
  });

  test("params and pool", async () => {
    const q = client(world());
    const p = await q.staking.params();
    expect(p.params).toMatchObject({ bondDenom: DENOM, maxValidators: 3, maxEntries: 7, minCommissionRate: "0", unbondingTime: { seconds: 1n, nanos: 0 } });
    const pool = await q.staking.pool();
    // bonded: validators 1..3 (4 M + 100, 3 M + 200 - 50, 2 M + 300); not bonded: validator 4 + the 50 unbonding
    expect(pool.pool).toEqual({ bondedTokens: (9n * M + 550n).toString(), notBondedTokens: (M + 400n + 50n).toString() });
  });
});

describe("queryStaking pagination and paths", () => {
  const page = (p: Partial<PageRequest>) => PageRequest.fromPartial(p);

  test("limit and next_key walk the validators in pages", () => {
    const s = world();
    const seen: string[] = [];
    let key: Uint8Array = new Uint8Array(0);
    let pages = 0;
    do {
      const r = queryStaking(s, "/cosmos.staking.v1beta1.Query/Validators", QueryValidatorsRequest.encode({ status: "", pagination: page({ key, limit: 3n }) }).finish(), 7)!;
      const resp = QueryValidatorsResponse.decode(r.value!);
      expect(resp.validators.length).toBeLessThanOrEqual(3);
      seen.push(...resp.validators.map((v) => v.operatorAddress));
      key = resp.pagination!.nextKey;
      pages++;
    } while (key.length > 0);
    expect(pages).toBe(2);
    expect(seen.sort()).toEqual([1, 2, 3, 4].map(valoper).sort());
  });

  test("offset and count_total", () => {
    const s = world();
    const r = queryStaking(
      s,
      "/cosmos.staking.v1beta1.Query/DelegatorDelegations",
      QueryDelegatorDelegationsRequest.encode({ delegatorAddr: acc(5), pagination: page({ offset: 1n, limit: 2n, countTotal: true }) }).finish(),
      7,
    )!;
    const resp = QueryDelegatorDelegationsResponse.decode(r.value!);
    expect(resp.delegationResponses).toHaveLength(2);
    expect(resp.pagination!.total).toBe(4n);
    expect(resp.pagination!.nextKey.length).toBe(20);
  });

  test("a filtered page: next_key points at the next matching record", () => {
    const s = world();
    const r = queryStaking(s, "/cosmos.staking.v1beta1.Query/Validators", QueryValidatorsRequest.encode({ status: "BOND_STATUS_BONDED", pagination: page({ limit: 1n }) }).finish(), 7)!;
    const first = QueryValidatorsResponse.decode(r.value!);
    const r2 = queryStaking(
      s,
      "/cosmos.staking.v1beta1.Query/Validators",
      QueryValidatorsRequest.encode({ status: "BOND_STATUS_BONDED", pagination: page({ key: first.pagination!.nextKey, limit: 10n }) }).finish(),
      7,
    )!;
    const rest = QueryValidatorsResponse.decode(r2.value!);
    expect([...first.validators, ...rest.validators].map((v) => v.operatorAddress).sort()).toEqual([1, 2, 3].map(valoper).sort());
    expect(rest.pagination!.nextKey.length).toBe(0);
  });

  test("other paths are not staking queries; garbage is an invalid request", () => {
    const s = world();
    expect(queryStaking(s, "/cosmos.bank.v1beta1.Query/Balance", new Uint8Array(0), 7)).toBeNull();
    expect(queryStaking(s, "/cosmos.staking.v1beta1.Query/HistoricalInfo", new Uint8Array(0), 7)).toBeNull(); // answered by the application (block store)
    const r = queryStaking(s, "/cosmos.staking.v1beta1.Query/Validator", Uint8Array.of(0x0a, 0xff), 7)!;
    expect(r.code).toBe(18);
    expect(r.height).toBe(7);
  });
});
