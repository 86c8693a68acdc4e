/**
 * Distribution paths the SDK serves and cosmjs's distribution extension reads — CommunityPool,
 * DelegatorValidators, DelegatorWithdrawAddress, ValidatorSlashes, Params — answered by
 * queryDistribution through QueryClient + setupDistributionExtension over a CometClient stand-in; and
 * MsgSetWithdrawAddress with the SDK's rules (module accounts refused, withdraw_addr_enabled), after
 * which rewards and commission are paid to the withdraw address.
 */
import { QueryClient, setupDistributionExtension, type DistributionExtension } from "@cosmjs/stargate";
import { PageRequest } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import { QueryValidatorSlashesRequest, QueryValidatorSlashesResponse } from "cosmjs-types/cosmos/distribution/v1beta1/query";
import { MsgSetWithdrawAddress } from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import { computeModuleAddress, getAccount } from "../../../src/app/modules/auth.js";
import { getBalance, processMint } from "../../../src/app/modules/bank.js";
import {
  DISTRIBUTION_HANDLERS,
  FEE_COLLECTOR_ADDRESS,
  getDelegatorWithdrawAddress,
  msgSetWithdrawAddressHandler,
  msgWithdrawDelegatorRewardHandler,
  msgWithdrawValidatorCommissionHandler,
  processAllocateRewards,
  queryDistribution,
  setDistributionParams,
} from "../../../src/app/modules/distribution/index.js";
import { MODULE_ACCOUNT_NAMES } from "../../../src/app/modules/moduleAccounts.js";
import { DEC_ONE, msgCreateValidatorHandler, msgDelegateHandler, processSlash } from "../../../src/app/modules/staking/index.js";
import { getMsgWireSchema } from "../../../src/app/msgWireSchemas.js";
import type { StateView } from "../../../src/state/index.js";
import { toBech32 } from "../../../src/tx/index.js";
import { acc, addr, createValidatorMsg, DENOM, mustRun, run, setup, valoper } from "../staking/stakingFixtures.js";

const coin = (n: bigint) => ({ denom: DENOM, amount: n.toString() });
const vote = (v: number, power: bigint) => ({ operator: valoper(v), power });
/** A fresh address (account 40 + i): no account, no balance. */
const fresh = (i: number) => acc(40 + i);

function client(store: StateView): QueryClient & DistributionExtension {
  const comet = {
    abciQuery: async (q: { path: string; data: Uint8Array }) => {
      const r = queryDistribution(store, q.path, q.data, 7);
      if (!r) throw new Error(`not a distribution path: ${q.path}`);
      return { code: r.code, log: r.log ?? "", value: r.value ?? new Uint8Array(0), height: r.height, key: new Uint8Array(0), index: 0, codespace: r.codespace ?? "" };
    },
  };
  return QueryClient.withExtensions(comet as never, setupDistributionExtension);
}

/** v1 (1 M self) and v2 (1 M self); account 5 delegates 3 M to v1 and 1 M to v2; 1000 fees allocated to v1. */
function world(): StateView {
  const s = setup();
  mustRun(s, msgCreateValidatorHandler, createValidatorMsg(1, 1_000_000n));
  mustRun(s, msgCreateValidatorHandler, createValidatorMsg(2, 1_000_000n));
  mustRun(s, msgDelegateHandler, { delegatorAddress: acc(5), validatorAddress: valoper(1), amount: coin(3_000_000n) });
  mustRun(s, msgDelegateHandler, { delegatorAddress: acc(5), validatorAddress: valoper(2), amount: coin(1_000_000n) });
  processMint(s, FEE_COLLECTOR_ADDRESS, [coin(1000n)]);
  processAllocateRewards(s, { height: 2, votes: [vote(1, 4n)] });
  return s;
}

describe("distribution queries through cosmjs", () => {
  test("communityPool: the fee pool's DecCoins (what no validator got)", async () => {
    const s = world();
    expect((await client(s).distribution.communityPool()).pool).toEqual([]);
    processMint(s, FEE_COLLECTOR_ADDRESS, [coin(700n)]);
    processAllocateRewards(s, { height: 3, votes: [] }); // no voters: all of it
    expect((await client(s).distribution.communityPool()).pool).toEqual([{ denom: DENOM, amount: (700n * DEC_ONE).toString() }]);
  });

  test("delegatorValidators: the operators of the delegator's delegations; none: an empty list", async () => {
    const q = client(world());
    expect((await q.distribution.delegatorValidators(acc(5))).validators.sort()).toEqual([valoper(1), valoper(2)].sort());
    expect((await q.distribution.delegatorValidators(acc(9))).validators).toEqual([]);
    await expect(q.distribution.delegatorValidators("")).rejects.toThrow("Query failed with (18): rpc error: code = InvalidArgument desc = empty delegator address: invalid request");
  });

  test("delegatorWithdrawAddress: the delegator itself until it sets one (never NotFound)", async () => {
    const s = world();
    const q = client(s);
    expect((await q.distribution.delegatorWithdrawAddress(acc(5))).withdrawAddress).toBe(acc(5));
    expect((await q.distribution.delegatorWithdrawAddress(acc(9))).withdrawAddress).toBe(acc(9));
    mustRun(s, msgSetWithdrawAddressHandler, { delegatorAddress: acc(5), withdrawAddress: fresh(1) });
    expect((await q.distribution.delegatorWithdrawAddress(acc(5))).withdrawAddress).toBe(fresh(1));
    await expect(q.distribution.delegatorWithdrawAddress("")).rejects.toThrow(/Query failed with \(18\).*empty delegator address/);
  });

  test("params: withdraw_addr_enabled follows the param", async () => {
    const s = world();
    expect((await client(s).distribution.params()).params.withdrawAddrEnabled).toBe(true);
    setDistributionParams(s, { blockReward: 0n, withdrawAddrEnabled: false });
    expect((await client(s).distribution.params()).params.withdrawAddrEnabled).toBe(false);
  });

  test("validatorSlashes: each slash closes a period; the range bounds validator_period (as the SDK), paginated", async () => {
    const s = world();
    const q = client(s);
    expect((await q.distribution.validatorSlashes(valoper(1), 0, 1000)).slashes).toEqual([]);
    processSlash(s, addr(1), 2, DEC_ONE / 20n, { height: 3, time: 1 }); // 5 %
    processSlash(s, addr(1), 3, DEC_ONE / 100n, { height: 4, time: 2 }); // 1 %
    const all = await q.distribution.validatorSlashes(valoper(1), 0, 1000);
    expect(all.slashes.map((e) => e.fraction)).toEqual([(DEC_ONE / 20n).toString(), (DEC_ONE / 100n).toString()]);
    const [p1, p2] = all.slashes.map((e) => e.validatorPeriod);
    expect(p2).toBeGreaterThan(p1!);
    expect((await q.distribution.validatorSlashes(valoper(1), Number(p2), Number(p2))).slashes.map((e) => e.validatorPeriod)).toEqual([p2]);
    expect((await q.distribution.validatorSlashes(valoper(2), 0, 1000)).slashes).toEqual([]);
    // One per page, with a next key.
    const page = queryDistribution(
      s,
      "/cosmos.distribution.v1beta1.Query/ValidatorSlashes",
      QueryValidatorSlashesRequest.encode({ validatorAddress: valoper(1), startingHeight: 0n, endingHeight: 1000n, pagination: PageRequest.fromPartial({ limit: 1n, countTotal: true }) }).finish(),
      7,
    )!;
    const first = QueryValidatorSlashesResponse.decode(page.value!);
    expect(first.slashes.map((e) => e.validatorPeriod)).toEqual([p1]);
    expect(first.pagination!.total).toBe(2n);
    const rest = await q.distribution.validatorSlashes(valoper(1), 0, 1000, first.pagination!.nextKey);
    expect(rest.slashes.map((e) => e.validatorPeriod)).toEqual([p2]);
    // The SDK's InvalidArgument answers.
    await expect(q.distribution.validatorSlashes(valoper(1), 5, 4)).rejects.toThrow("Query failed with (18): rpc error: code = InvalidArgument desc = starting height greater than ending height (5 > 4): invalid request");
    await expect(q.distribution.validatorSlashes("", 0, 1)).rejects.toThrow(/\(18\).*empty validator address/);
    await expect(q.distribution.validatorSlashes(acc(1), 0, 1)).rejects.toThrow(/\(18\).*invalid validator address/);
  });
});

describe("MsgSetWithdrawAddress", () => {
  test("is registered with its wire schema; rewards and commission withdrawn afterwards go to the withdraw address, created as an account", () => {
    expect(DISTRIBUTION_HANDLERS.map((h) => h.typeUrl)).toContain(MsgSetWithdrawAddress.typeUrl);
    expect(getMsgWireSchema(MsgSetWithdrawAddress.typeUrl)?.name).toBe("cosmos.distribution.v1beta1.MsgSetWithdrawAddress");
    const s = world();
    const before5 = getBalance(s, addr(5), DENOM);
    const set = mustRun(s, msgSetWithdrawAddressHandler, { delegatorAddress: acc(5), withdrawAddress: fresh(1) });
    expect(set.result!.response.typeUrl).toBe("/cosmos.distribution.v1beta1.MsgSetWithdrawAddressResponse");
    expect(set.events).toContainEqual({ type: "set_withdraw_address", attributes: [{ key: "withdraw_address", value: fresh(1) }] });
    expect(getDelegatorWithdrawAddress(s, addr(5))).toEqual(addr(41));
    expect(getAccount(s, addr(41))).toBeUndefined(); // setting it creates no account
    // v1 got 1000: commission 100, 900 over 4 M: d5 holds 3 M → 675.
    const w = mustRun(s, msgWithdrawDelegatorRewardHandler, { delegatorAddress: acc(5), validatorAddress: valoper(1) });
    expect(getBalance(s, addr(41), DENOM)).toBe(675n);
    expect(getBalance(s, addr(5), DENOM)).toBe(before5);
    expect(getAccount(s, addr(41))?.bech32).toBe(fresh(1));
    expect(w.events.find((e) => e.type === "transfer")!.attributes).toContainEqual({ key: "recipient", value: fresh(1) });
    // The operator's commission goes to the operator account's withdraw address.
    mustRun(s, msgSetWithdrawAddressHandler, { delegatorAddress: acc(1), withdrawAddress: fresh(2) });
    const before1 = getBalance(s, addr(1), DENOM);
    mustRun(s, msgWithdrawValidatorCommissionHandler, { validatorAddress: valoper(1) });
    expect(getBalance(s, addr(42), DENOM)).toBe(100n);
    expect(getBalance(s, addr(1), DENOM)).toBe(before1);
    // Rewards paid by a delegation change (the staking hook) go there too.
    processMint(s, FEE_COLLECTOR_ADDRESS, [coin(1000n)]);
    processAllocateRewards(s, { height: 3, votes: [vote(1, 4n)] });
    mustRun(s, msgDelegateHandler, { delegatorAddress: acc(5), validatorAddress: valoper(1), amount: coin(1n) });
    expect(getBalance(s, addr(41), DENOM)).toBe(675n * 2n);
  });

  test("refused: a module account (code 4), withdraw_addr_enabled false (distribution code 5), a bad address (code 7)", () => {
    const s = world();
    for (const name of MODULE_ACCOUNT_NAMES) {
      const r = run(s, msgSetWithdrawAddressHandler, { delegatorAddress: acc(5), withdrawAddress: toBech32("aegis", computeModuleAddress(name)) });
      expect(r.error?.toAbci()).toEqual({ code: 4, codespace: "sdk", log: `${toBech32("aegis", computeModuleAddress(name))} is not allowed to receive external funds: unauthorized` });
    }
    setDistributionParams(s, { blockReward: 0n, withdrawAddrEnabled: false });
    expect(run(s, msgSetWithdrawAddressHandler, { delegatorAddress: acc(5), withdrawAddress: fresh(1) }).error?.toAbci()).toEqual({
      code: 5,
      codespace: "distribution",
      log: "set withdraw address disabled",
    });
    const bad = run(s, msgSetWithdrawAddressHandler, { delegatorAddress: acc(5), withdrawAddress: toBech32("cosmos", addr(41)) });
    expect(bad.error?.toAbci()).toMatchObject({ code: 7, codespace: "sdk" });
    expect(bad.error?.log).toMatch(/withdraw_address.*invalid Bech32 prefix; expected aegis, got cosmos: invalid address$/);
    expect(getDelegatorWithdrawAddress(s, addr(5))).toEqual(addr(5));
  });
});
