/**
 * The total-power cap (consumer-sdk MAX_TOTAL_POWER = 2^60 − 1) is kept at the messages: a
 * delegation or a new validator that would bring more tokens into staking than
 * computeMaxStakedTokens is refused (TX_ERROR_TOTAL_POWER_TOO_LARGE) and changes nothing, so an epoch
 * end never meets a set over the cap (it used to throw in every node: one delegation halted the
 * chain). Moves of tokens already staked (redelegation, jail and unjail, a validator displacing
 * another) cannot break it. The epoch end itself never throws on the cap. Through HubApplication
 * too: the refused delegation is in a block with its code, and the chain goes on past the epoch end.
 *
 * The supplies here are larger than a genesis may hold (parseGenesis refuses those): they stand for
 * supply minted later (block and prover rewards).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes, SigningStargateClient } from "@cosmjs/stargate";
import { MsgBeginRedelegate, MsgDelegate, MsgUndelegate } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { createValidatorSet, MAX_TOTAL_POWER, sha256, toHex, ValidatorSetError } from "@aegis/consumer-sdk";
import { HubApplication, parseGasPrice, type BlockExecutionContext } from "../../../src/app/index.js";
import { getBalance, processMint } from "../../../src/app/modules/bank.js";
import {
  BONDED_POOL_ADDRESS,
  computeMaxStakedTokens,
  computeNextValidatorSet,
  getDelegation,
  getStakingPool,
  getValidator,
  MSG_CREATE_VALIDATOR_TYPE_URL,
  msgBeginRedelegateHandler,
  msgCreateValidatorHandler,
  msgDelegateHandler,
  msgUndelegateHandler,
  NOT_BONDED_POOL_ADDRESS,
  processEpochEnd,
  processJail,
  processMatureUnbondings,
  processUnjail,
  setValidator,
} from "../../../src/app/modules/staking/index.js";
import { HubDb } from "../../../src/db/index.js";
import type { AppGenesis } from "../../../src/genesis.js";
import { nullLogger } from "../../../src/logger.js";
import type { StateView } from "../../../src/state/index.js";
import { fromBech32 } from "../../../src/tx/index.js";
import { testSigners, type Signer } from "../../tx/txFixtures.js";
import {
  acc,
  addr,
  attestationKeyPair,
  blsKey,
  BondStatus,
  checkInvariants,
  createValidatorMsg,
  DENOM,
  mustRun,
  run,
  setup,
  snapshot,
  T0,
  TEST_PARAMS,
  valoper,
} from "./stakingFixtures.js";

const M = 1_000_000n;
const PR = TEST_PARAMS.powerReduction;
/** The most tokens that may be staked with powerReduction 10^6: (2^60 − 1) × 10^6 + 999 999. */
const MAX_STAKED = computeMaxStakedTokens(PR);

const staked = (s: StateView) => {
  const p = getStakingPool(s, TEST_PARAMS);
  return p.bonded + p.notBonded;
};
const delegate = (from: number, to: number, amount: bigint): MsgDelegate =>
  MsgDelegate.fromPartial({ delegatorAddress: acc(from), validatorAddress: valoper(to), amount: { denom: DENOM, amount: amount.toString() } });
const redelegate = (from: number, src: number, dst: number, amount: bigint): MsgBeginRedelegate =>
  MsgBeginRedelegate.fromPartial({
    delegatorAddress: acc(from),
    validatorSrcAddress: valoper(src),
    validatorDstAddress: valoper(dst),
    amount: { denom: DENOM, amount: amount.toString() },
  });

/** Validators 1..n with `amounts` (created like transactions), epoch 0's set computed. */
function chain(amounts: readonly bigint[], opts: { accounts?: number; balance?: bigint } = {}): StateView {
  const s = setup({ accounts: opts.accounts ?? 6, balance: opts.balance ?? MAX_STAKED });
  amounts.forEach((a, i) => mustRun(s, msgCreateValidatorHandler, createValidatorMsg(i + 1, a)));
  processEpochEnd(s, { height: 0, time: T0, epoch: 0 });
  return s;
}

function expectCapError(out: ReturnType<typeof run>, typeUrl: string, power: bigint): void {
  expect(out.ok).toBe(false);
  expect(out.error!.type).toEqual({ code: "TX_ERROR_TOTAL_POWER_TOO_LARGE", typeUrl, power, max: MAX_TOTAL_POWER });
  expect(out.error!.abciCode).toBe(18); // ErrInvalidRequest, as the other staking refusals
  expect(out.error!.log).toMatch(/total power of \d+, above the maximum 1152921504606846975/);
}

test("computeMaxStakedTokens: the largest amount whose power is at most MAX_TOTAL_POWER", () => {
  for (const pr of [1n, 7n, PR, 10n ** 18n]) {
    const max = computeMaxStakedTokens(pr);
    expect(max / pr).toBe(MAX_TOTAL_POWER);
    expect((max + 1n) / pr).toBe(MAX_TOTAL_POWER + 1n);
  }
});

describe("the attack: one delegation over the cap", () => {
  test("is refused at the message, changes nothing, and the epoch end goes on", () => {
    const s = chain([10n * M]);
    const before = snapshot(s);
    const balance = getBalance(s, addr(2), DENOM);
    // Before the fix this delegation was accepted, and every node's epoch end then threw:
    expect(() =>
      createValidatorSet([{ blsPublicKey: blsKey(1).publicKey, power: (10n * M + MAX_STAKED) / PR }], { skipProofOfPossession: true }),
    ).toThrow(ValidatorSetError);
    const out = run(s, msgDelegateHandler, delegate(2, 1, MAX_STAKED));
    expectCapError(out, MsgDelegate.typeUrl, (10n * M + MAX_STAKED) / PR);
    expect(snapshot(s)).toEqual(before);
    expect(getBalance(s, addr(2), DENOM)).toBe(balance);
    expect(getDelegation(s, addr(2), addr(1))).toBeUndefined();
    expect(getValidator(s, addr(1))!.tokens).toBe(10n * M);
    expect(staked(s)).toBe(10n * M);

    const end = processEpochEnd(s, { height: 100, time: T0 + 100_000 });
    expect(end.epoch).toBe(1);
    expect(end.set.totalPower).toBe(10n);
    checkInvariants(s);
  });

  test("the boundary: staking exactly the most is accepted and gives a set of exactly MAX_TOTAL_POWER; one token more is refused", () => {
    const s = chain([10n * M, 5n * M]);
    expect(run(s, msgDelegateHandler, delegate(3, 1, MAX_STAKED - 15n * M + 1n)).ok).toBe(false);
    mustRun(s, msgDelegateHandler, delegate(3, 1, MAX_STAKED - 15n * M));
    expect(staked(s)).toBe(MAX_STAKED);
    for (const to of [1, 2]) expectCapError(run(s, msgDelegateHandler, delegate(4, to, 1n)), MsgDelegate.typeUrl, (MAX_STAKED + 1n) / PR);
    const end = processEpochEnd(s, { height: 100, time: T0 + 100_000 });
    // v1: MAX_STAKED − 5M tokens, v2: 5M: the two powers add up to the cap exactly.
    expect(end.set.totalPower).toBe(MAX_TOTAL_POWER);
    expect(end.validators.map((v) => v.power)).toEqual([MAX_TOTAL_POWER - 5n, 5n]);
    checkInvariants(s);
  });

  test("undelegated tokens count until they are paid out (the not-bonded pool holds them): the bound is an upper bound", () => {
    const s = chain([10n * M]);
    mustRun(s, msgDelegateHandler, delegate(2, 1, MAX_STAKED - 10n * M));
    mustRun(s, msgUndelegateHandler, MsgUndelegate.fromPartial({ delegatorAddress: acc(2), validatorAddress: valoper(1), amount: { denom: DENOM, amount: (7n * M).toString() } }));
    expect(staked(s)).toBe(MAX_STAKED);
    expect(run(s, msgDelegateHandler, delegate(3, 1, 7n * M)).ok).toBe(false);
    processMatureUnbondings(s, T0 + TEST_PARAMS.unbondingTimeMs);
    expect(staked(s)).toBe(MAX_STAKED - 7n * M);
    mustRun(s, msgDelegateHandler, delegate(3, 1, 7n * M));
    expect(processEpochEnd(s, { height: 100, time: T0 + 100_000 }).set.totalPower).toBe(MAX_TOTAL_POWER);
    checkInvariants(s);
  });
});

describe("MsgCreateValidator", () => {
  test("a self-delegation over the cap is refused: no validator, no key index, nothing changed; the remaining room is accepted", () => {
    const s = chain([10n * M]);
    mustRun(s, msgDelegateHandler, delegate(6, 1, MAX_STAKED - 10n * M - 5n));
    const before = snapshot(s);
    const out = run(s, msgCreateValidatorHandler, createValidatorMsg(2, 6n));
    expectCapError(out, MSG_CREATE_VALIDATOR_TYPE_URL, (MAX_STAKED + 1n) / PR);
    expect(snapshot(s)).toEqual(before);
    expect(getValidator(s, addr(2))).toBeUndefined();
    mustRun(s, msgCreateValidatorHandler, createValidatorMsg(2, 5n));
    expect(staked(s)).toBe(MAX_STAKED);
    // v1 holds MAX_STAKED − 5 tokens (power MAX_TOTAL_POWER), v2's 5 tokens are below powerReduction.
    expect(processEpochEnd(s, { height: 100, time: T0 + 100_000 }).set.totalPower).toBe(MAX_TOTAL_POWER);
    checkInvariants(s);
  });
});

describe("moves of staked tokens cannot break the cap", () => {
  test("redelegating into a validator that enters the set in place of a smaller one, jail and unjail: every epoch end stays within the cap", () => {
    // maxValidators 3: v4 starts outside the set.
    const s = chain([10n * M, 3n * M, 2n * M, 1n * M]);
    mustRun(s, msgDelegateHandler, delegate(5, 1, MAX_STAKED - 16n * M));
    expect(staked(s)).toBe(MAX_STAKED);
    const e1 = processEpochEnd(s, { height: 100, time: T0 + 100_000 });
    expect(e1.validators.map((v) => v.operatorAddress)).toEqual([valoper(1), valoper(2), valoper(3)]);
    expect(e1.set.totalPower).toBeLessThanOrEqual(MAX_TOTAL_POWER);

    // Half of the big delegation moves to v4, which displaces v3: no token comes in, the total stays.
    const half = (MAX_STAKED - 16n * M) / 2n;
    const r = run(s, msgBeginRedelegateHandler, redelegate(5, 1, 4, half), { height: 101, time: T0 + 101_000 });
    expect(r.ok).toBe(true);
    expect(staked(s)).toBe(MAX_STAKED);
    const e2 = processEpochEnd(s, { height: 200, time: T0 + 200_000 });
    expect(e2.validators.map((v) => v.operatorAddress).sort()).toEqual([valoper(1), valoper(2), valoper(4)].sort());
    expect(e2.left.map((o) => toHex(o))).toEqual([toHex(addr(3))]);
    expect(e2.set.totalPower).toBeLessThanOrEqual(MAX_TOTAL_POWER);

    // Jail v2: v3 comes back; unjail v2: v3 leaves again. The set stays within the cap throughout.
    processJail(s, addr(2));
    const e3 = processEpochEnd(s, { height: 300, time: T0 + 300_000 });
    expect(e3.validators.map((v) => v.operatorAddress)).toContain(valoper(3));
    processUnjail(s, addr(2));
    const e4 = processEpochEnd(s, { height: 400, time: T0 + 400_000 });
    expect(e4.validators.map((v) => v.operatorAddress)).toContain(valoper(2));
    for (const e of [e3, e4]) expect(e.set.totalPower).toBeLessThanOrEqual(MAX_TOTAL_POWER);
    // A delegation is still refused; a redelegation back is not.
    expect(run(s, msgDelegateHandler, delegate(6, 3, M)).ok).toBe(false);
    expect(run(s, msgBeginRedelegateHandler, redelegate(5, 1, 3, M), { height: 401, time: T0 + 401_000 }).ok).toBe(true);
    expect(processEpochEnd(s, { height: 500, time: T0 + 500_000 }).set.totalPower).toBeLessThanOrEqual(MAX_TOTAL_POWER);
    checkInvariants(s);
  });
});

describe("the epoch end never throws on the cap (defence in depth: a state no message can make)", () => {
  /** Gives validator i `tokens` directly (as no message can), keeping the pools consistent. */
  function force(s: StateView, i: number, tokens: bigint): void {
    const v = getValidator(s, addr(i))!;
    const pool = v.status === BondStatus.BOND_STATUS_BONDED ? BONDED_POOL_ADDRESS : NOT_BONDED_POOL_ADDRESS;
    processMint(s, pool, [{ denom: DENOM, amount: tokens - v.tokens }]);
    setValidator(s, { ...v, tokens, delegatorShares: v.delegatorShares });
  }

  test("the set ends before the first validator that would take it over the cap", () => {
    const s = chain([10n * M, 3n * M, 2n * M]);
    force(s, 2, (MAX_TOTAL_POWER - 10n) * PR);
    // Powers by tokens: v2 MAX_TOTAL_POWER − 10, v1 10, v3 2: v1 still fits (exactly the cap), v3 does not.
    const next = computeNextValidatorSet(s);
    expect(next.validators.map((v) => v.operatorAddress)).toEqual([valoper(2), valoper(1)]);
    expect(next.set!.totalPower).toBe(MAX_TOTAL_POWER);
    const end = processEpochEnd(s, { height: 100, time: T0 + 100_000 });
    expect(end.set.totalPower).toBe(MAX_TOTAL_POWER);
    expect(end.left.map((o) => toHex(o))).toEqual([toHex(addr(3))]);
  });

  test("a first validator over the cap on its own: the previous set is kept", () => {
    const s = chain([10n * M, 3n * M]);
    const prev = computeNextValidatorSet(s);
    force(s, 1, (MAX_TOTAL_POWER + 1n) * PR);
    const end = processEpochEnd(s, { height: 100, time: T0 + 100_000 });
    expect(end.carriedOver).toBe(true);
    expect(toHex(end.root)).toBe(toHex(prev.root!));
  });
});

// ---------------------------------------------------------------------------------------------------
// Through HubApplication: the refused delegation is a failed message in a block, the chain goes on.

const CHAIN_ID = "aegis-power-cap-test";
const FEE = { amount: [{ denom: DENOM, amount: "10000" }], gas: "400000" };
const SELF = 10n * M;

describe("HubApplication", () => {
  let alice: Signer;
  const dirs: string[] = [];
  const dbs: HubDb[] = [];
  beforeAll(async () => {
    [alice] = await testSigners();
  });
  afterAll(async () => {
    for (const db of dbs) if (db.isOpen) await db.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  function genesis(): AppGenesis {
    return {
      denom: DENOM,
      epochLength: 2,
      accounts: [
        // More than a genesis may hold (parseGenesis refuses it): as if minted after genesis.
        { address: alice.address, coins: [{ denom: DENOM, amount: (2n * MAX_STAKED).toString() }] },
        ...[1, 2].map((i) => ({ address: acc(i), coins: [{ denom: DENOM, amount: SELF.toString() }] })),
      ],
      validators: [1, 2].map((i) => ({
        moniker: `v${i}`,
        operator: acc(i),
        blsPublicKey: toHex(blsKey(i).publicKey),
        blsProofOfPossession: toHex(blsKey(i).pop),
        attestationPublicKey: toHex(attestationKeyPair(i).publicKey),
        attestationProofOfPossession: toHex(attestationKeyPair(i).pop),
        selfDelegation: SELF.toString(),
      })),
    };
  }

  const ctx = (height: number): BlockExecutionContext => ({ chainId: CHAIN_ID, height, time: T0 + height * 1000, proposer: new Uint8Array(20).fill(7), lastCommit: null, evidence: [] });

  test("a delegation over the cap fails in its block (code 18, fee charged, nothing staked); the epoch end and the next blocks go on; the exact remainder is accepted", async () => {
    const d = await mkdtemp(join(tmpdir(), "aegis-power-cap-"));
    dirs.push(d);
    const db = await HubDb.open(d);
    dbs.push(db);
    const app = await HubApplication.open({ chainId: CHAIN_ID, genesis: genesis(), genesisTime: T0, minGasPrices: [parseGasPrice("0.025uaeg")] }, { db, logger: nullLogger });
    const store = () => (app as unknown as { state: { committed: StateView } }).state.committed;
    const aliceBytes = fromBech32(alice.address, "aegis", { lengths: [20] });
    const client = await SigningStargateClient.offline(alice.wallet, { registry: new Registry(defaultRegistryTypes) });
    const sign = async (amount: bigint, sequence: number) =>
      TxRaw.encode(
        await client.sign(
          alice.address,
          [{ typeUrl: MsgDelegate.typeUrl, value: MsgDelegate.fromPartial({ delegatorAddress: alice.address, validatorAddress: valoper(1), amount: { denom: DENOM, amount: amount.toString() } }) }],
          FEE,
          "",
          { accountNumber: 0n, sequence, chainId: CHAIN_ID },
        ),
      ).finish();

    const over = await sign(MAX_STAKED - 2n * SELF + 1n, 0);
    expect(app.checkTx(over).code).toBe(0); // the ante passes; the message fails in the block
    const balance = getBalance(store(), aliceBytes, DENOM);
    await app.commitBlock(ctx(1), [over]);
    const rec = (await db.txs.getByHash(toHex(sha256(over)).toUpperCase()))!;
    expect(rec.result.code).toBe(18);
    expect(rec.result.log).toMatch(/MsgDelegate: the staked tokens would give a total power of 1152921504606846976, above the maximum 1152921504606846975/);
    expect(getBalance(store(), aliceBytes, DENOM)).toBe(balance - 10_000n);
    expect(getDelegation(store(), aliceBytes, addr(1))).toBeUndefined();
    expect(getValidator(store(), addr(1))!.tokens).toBe(SELF);

    // Height 2 ends epoch 0: the next set is computed, and the chain goes on.
    await app.commitBlock(ctx(2), []);
    await app.commitBlock(ctx(3), []);
    expect(app.height).toBe(3);
    expect(app.validatorSetAt(3)!.set.totalPower).toBe(20n);

    // The exact remainder is accepted; the next epoch's set has exactly MAX_TOTAL_POWER.
    const exact = await sign(MAX_STAKED - 2n * SELF, 1);
    await app.commitBlock(ctx(4), [exact]);
    expect((await db.txs.getByHash(toHex(sha256(exact)).toUpperCase()))!.result.code).toBe(0);
    await app.commitBlock(ctx(5), []);
    expect(app.height).toBe(5);
    expect(app.validatorSetAt(5)!.set.totalPower).toBe(MAX_TOTAL_POWER);
  });
});
