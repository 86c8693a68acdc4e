/**
 * The active set: top N by tokens, in consumer-sdk order, with its root; epoch ends bond and unbond
 * validators and record the set per epoch; genesis.
 */
import fc from "fast-check";
import { computeValidatorSetRoot, createValidatorSet, toHex } from "@aegis/consumer-sdk";
import { getBalance, processMint } from "../../../src/app/modules/bank.js";
import {
  BONDED_POOL_ADDRESS,
  computeNextValidatorSet,
  getLastEpoch,
  getValidator,
  getValidatorSetForEpoch,
  getValidatorSetForHeight,
  msgCreateValidatorHandler,
  msgDelegateHandler,
  msgUndelegateHandler,
  NOT_BONDED_POOL_ADDRESS,
  processEpochEnd,
  processJail,
  processStakingGenesis,
  StakingParamsError,
} from "../../../src/app/modules/staking/index.js";
import type { StateView } from "../../../src/state/index.js";
import { isTxError } from "../../../src/tx/index.js";
import {
  acc,
  addr,
  blsKey,
  BondStatus,
  checkInvariants,
  createValidatorMsg,
  DENOM,
  emptyState,
  mustRun,
  setup,
  T0,
  TEST_PARAMS,
  valoper,
} from "./stakingFixtures.js";

const M = 1_000_000n;

function withValidators(amounts: readonly bigint[], params = {}): StateView {
  const s = setup({ params });
  amounts.forEach((a, i) => mustRun(s, msgCreateValidatorHandler, createValidatorMsg(i + 1, a)));
  return s;
}

describe("computeNextValidatorSet", () => {
  test("the top maxValidators by tokens, power = tokens / powerReduction, in createValidatorSet order", () => {
    const s = withValidators([5n * M, 4n * M + 999_999n, 3n * M, 2n * M, M / 2n]);
    const next = computeNextValidatorSet(s);
    expect(next.validators.map((v) => v.operatorAddress)).toEqual([valoper(1), valoper(2), valoper(3)]);
    expect(next.validators.map((v) => v.power)).toEqual([5n, 4n, 3n]);
    expect(next.validators[1]!.tokens).toBe(4n * M + 999_999n);
    expect(next.validators[0]!.blsPublicKey).toEqual(blsKey(1).publicKey);
    expect(next.validators[0]!.attestationPublicKey).toEqual(createValidatorMsg(1, 1n).attestationPublicKey);
    const expected = createValidatorSet(
      [1, 2, 3].map((i, j) => ({ blsPublicKey: blsKey(i).publicKey, power: [5n, 4n, 3n][j]!, proofOfPossession: blsKey(i).pop, operator: addr(i) })),
    );
    expect(next.set).toEqual(expected);
    expect(next.root).toEqual(computeValidatorSetRoot(expected));
    expect(next.set!.validators.map((v) => toHex(v.address))).toEqual(next.validators.map((v) => toHex(v.consensusAddress)));
  });

  test("validators below powerReduction tokens are never in the set", () => {
    const s = withValidators([5n * M, M - 1n, M], { maxValidators: 10 });
    expect(computeNextValidatorSet(s).validators.map((v) => v.operatorAddress)).toEqual([valoper(1), valoper(3)]);
  });

  test("equal power: ordered by consensus address, as createValidatorSet", () => {
    const s = withValidators([2n * M, 2n * M + 5n, 2n * M + 7n]);
    const next = computeNextValidatorSet(s);
    const addrs = next.validators.map((v) => toHex(v.consensusAddress));
    expect(addrs).toEqual([...addrs].sort());
  });

  test("equal tokens at the boundary: the lower operator address is chosen", () => {
    const s = withValidators([3n * M, 3n * M], { maxValidators: 1 });
    expect(toHex(addr(1)) < toHex(addr(2))).toBe(true);
    expect(computeNextValidatorSet(s).validators.map((v) => v.operator)).toEqual([addr(1)]);
  });

  test("jailed validators are left out; nobody eligible gives no set", () => {
    const s = withValidators([5n * M, 4n * M]);
    processJail(s, addr(1));
    expect(computeNextValidatorSet(s).validators.map((v) => v.operatorAddress)).toEqual([valoper(2)]);
    processJail(s, addr(2));
    expect(computeNextValidatorSet(s)).toEqual({ validators: [], set: null, root: null });
  });

  test("delegations change the ranking", () => {
    const s = withValidators([5n * M, 4n * M, 3n * M, 2n * M]);
    mustRun(s, msgDelegateHandler, { delegatorAddress: acc(8), validatorAddress: valoper(4), amount: { denom: DENOM, amount: (10n * M).toString() } });
    expect(computeNextValidatorSet(s).validators.map((v) => v.operatorAddress)).toEqual([valoper(4), valoper(1), valoper(2)]);
    mustRun(s, msgUndelegateHandler, { delegatorAddress: acc(8), validatorAddress: valoper(4), amount: { denom: DENOM, amount: (10n * M).toString() } });
    expect(computeNextValidatorSet(s).validators.map((v) => v.operatorAddress)).toEqual([valoper(1), valoper(2), valoper(3)]);
  });

  test("property: the root does not depend on the order validators and delegations were added", () => {
    const amounts = [3n * M, 5n * M, 3n * M, 7n * M, 2n * M + 1n];
    const delegations: [number, number, bigint][] = [
      [8, 1, 2n * M],
      [9, 5, M],
      [8, 3, 1n],
    ];
    const rootOf = (order: number[], dorder: number[]) => {
      const s = setup({ params: { maxValidators: 4 } });
      for (const i of order) mustRun(s, msgCreateValidatorHandler, createValidatorMsg(i + 1, amounts[i]!));
      for (const j of dorder) {
        const [d, v, a] = delegations[j]!;
        mustRun(s, msgDelegateHandler, { delegatorAddress: acc(d), validatorAddress: valoper(v), amount: { denom: DENOM, amount: a.toString() } });
      }
      return toHex(computeNextValidatorSet(s).root!);
    };
    const reference = rootOf([0, 1, 2, 3, 4], [0, 1, 2]);
    fc.assert(
      fc.property(fc.shuffledSubarray([0, 1, 2, 3, 4], { minLength: 5 }), fc.shuffledSubarray([0, 1, 2], { minLength: 3 }), (order, dorder) => {
        expect(rootOf(order, dorder)).toBe(reference);
      }),
      { numRuns: 25 },
    );
  });
});

describe("processEpochEnd", () => {
  test("bonds the new set, unbonds those who leave, moves tokens between the pools", () => {
    const s = withValidators([5n * M, 4n * M, 3n * M, 2n * M]);
    const e0 = processEpochEnd(s, { height: 0, time: T0 });
    expect(e0).toMatchObject({ epoch: 0, startHeight: 1, computedHeight: 0, carriedOver: false, left: [] });
    expect(e0.joined).toEqual([addr(1), addr(2), addr(3)]);
    expect(getValidator(s, addr(1))!.status).toBe(BondStatus.BOND_STATUS_BONDED);
    expect(getValidator(s, addr(4))!.status).toBe(BondStatus.BOND_STATUS_UNBONDED);
    expect(getBalance(s, BONDED_POOL_ADDRESS, DENOM)).toBe(12n * M);
    expect(getBalance(s, NOT_BONDED_POOL_ADDRESS, DENOM)).toBe(2n * M);
    checkInvariants(s);

    mustRun(s, msgDelegateHandler, { delegatorAddress: acc(8), validatorAddress: valoper(4), amount: { denom: DENOM, amount: (3n * M).toString() } }, { height: 5 });
    const e1 = processEpochEnd(s, { height: 10, time: T0 + 10 });
    expect(e1).toMatchObject({ epoch: 1, startHeight: 11 });
    expect(e1.joined).toEqual([addr(4)]);
    expect(e1.left).toEqual([addr(3)]);
    expect(getValidator(s, addr(3))!.status).toBe(BondStatus.BOND_STATUS_UNBONDING);
    expect(getBalance(s, BONDED_POOL_ADDRESS, DENOM)).toBe(14n * M);
    expect(getBalance(s, NOT_BONDED_POOL_ADDRESS, DENOM)).toBe(3n * M);
    checkInvariants(s);
  });

  test("records the set per epoch and answers which set signs a height", () => {
    const s = withValidators([5n * M, 4n * M, 3n * M, 2n * M]);
    const e0 = processEpochEnd(s, { height: 0, time: T0 });
    processJail(s, addr(1));
    const e1 = processEpochEnd(s, { height: 10, time: T0 + 10 });
    expect(getLastEpoch(s)).toBe(1);
    const r0 = getValidatorSetForEpoch(s, 0)!;
    expect(r0.root).toEqual(e0.root);
    expect(r0.set).toEqual(e0.set);
    expect(r0.validators).toEqual(e0.validators);
    expect(computeValidatorSetRoot(r0.set)).toEqual(e0.root);
    expect(getValidatorSetForHeight(s, 0)).toBeUndefined();
    expect(getValidatorSetForHeight(s, 1)!.epoch).toBe(0);
    expect(getValidatorSetForHeight(s, 10)!.epoch).toBe(0);
    expect(getValidatorSetForHeight(s, 11)!.epoch).toBe(1);
    expect(getValidatorSetForHeight(s, 1_000_000)!.root).toEqual(e1.root);
    expect(getValidatorSetForEpoch(s, 2)).toBeUndefined();
  });

  test("with nobody eligible the previous set carries over; at genesis it is an error", () => {
    const s = withValidators([5n * M]);
    expect(() => processEpochEnd(emptyState(), { height: 0, time: T0 })).toThrow(expect.objectContaining({ type: expect.objectContaining({ code: "TX_ERROR_INTERNAL" }) }));
    const e0 = processEpochEnd(s, { height: 0, time: T0 });
    processJail(s, addr(1));
    const e1 = processEpochEnd(s, { height: 10, time: T0 + 10 });
    expect(e1.carriedOver).toBe(true);
    expect(e1.root).toEqual(e0.root);
    expect(e1.left).toEqual([]);
    expect(getValidator(s, addr(1))!.status).toBe(BondStatus.BOND_STATUS_BONDED);
    checkInvariants(s);
  });

  test("epoch numbers only grow", () => {
    const s = withValidators([5n * M]);
    processEpochEnd(s, { height: 0, time: T0, epoch: 3 });
    let err: unknown;
    try {
      processEpochEnd(s, { height: 10, time: T0, epoch: 3 });
    } catch (e) {
      err = e;
    }
    expect(isTxError(err, "TX_ERROR_INTERNAL")).toBe(true);
    expect(processEpochEnd(s, { height: 10, time: T0 }).epoch).toBe(4);
  });
});

describe("processStakingGenesis", () => {
  test("writes params, creates the genesis validators and bonds epoch 0's set", () => {
    const s = emptyState();
    for (const i of [1, 2]) processMint(s, addr(i), [{ denom: DENOM, amount: 100n * M }]);
    const out = processStakingGenesis(
      s,
      { params: { ...TEST_PARAMS, maxValidators: 5 }, validators: [createValidatorMsg(1, 10n * M), createValidatorMsg(2, 20n * M)] },
      { chainId: "aegis-test", time: T0 },
    )!;
    expect(out).toMatchObject({ epoch: 0, startHeight: 1 });
    expect(out.validators.map((v) => v.power)).toEqual([20n, 10n]);
    expect(getValidator(s, addr(1))!.status).toBe(BondStatus.BOND_STATUS_BONDED);
    expect(getValidatorSetForHeight(s, 1)!.root).toEqual(out.root);
    checkInvariants(s);
  });

  test("refuses bad params and bad validators", () => {
    expect(() => processStakingGenesis(emptyState(), { params: { maxValidators: 0 } }, { chainId: "c", time: T0 })).toThrow(StakingParamsError);
    expect(() => processStakingGenesis(emptyState(), { params: { bondDenom: "x" } }, { chainId: "c", time: T0 })).toThrow(StakingParamsError);
    let err: unknown;
    try {
      processStakingGenesis(emptyState(), { validators: [createValidatorMsg(1, 10n * M)] }, { chainId: "c", time: T0 });
    } catch (e) {
      err = e;
    }
    expect(isTxError(err, "TX_ERROR_INSUFFICIENT_FUNDS")).toBe(true);
    expect(processStakingGenesis(emptyState(), {}, { chainId: "c", time: T0 })).toBeUndefined();
  });
});
