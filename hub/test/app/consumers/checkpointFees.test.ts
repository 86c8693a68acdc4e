// The checkpoint fee (issue 15: fees for checkpoints reach the validators who signed the certifying
// commit and a share to the prover of the ZK certificate that covers them), on an in-memory state
// message by message as executeTx runs them: each accepted MsgSubmitCheckpoint takes
// Params.checkpoint_fee from its relayer, floor(fee × permille / 1000) to the prover pool account
// (recorded under the hub height) and the rest to the fee collector; a relayer short of it is
// refused with nothing changed; the pool pays a named prover the shares up to a certified height
// (processPayProverShares, what the zk module calls). The zk module's side with real certificates:
// zkModule.test.ts; the genesis parameters through HubApplication: consumerApp.test.ts.
import { aegis } from "@aegis/proto";
import { computeModuleAddress, FEE_COLLECTOR, getAccount } from "../../../src/app/modules/auth.js";
import { getBalance, getSupply, processMint } from "../../../src/app/modules/bank.js";
import {
  computeCheckpointFeeSplit,
  CONSUMERS_PARAMS_KEY,
  CONSUMERS_PROVER_POOL_ADDRESS,
  CONSUMERS_PROVER_POOL_NAME,
  DEFAULT_CHECKPOINT_FEE,
  DEFAULT_PROVER_SHARE_PERMILLE,
  getConsumersParams,
  getConsumersParamsOrDefault,
  getProverPoolShare,
  listProverPoolShares,
  msgRegisterConsumerHandler,
  msgSubmitCheckpointHandler,
  processConsumersGenesis,
  processPayProverShares,
  proverPoolKey,
  type MsgSubmitCheckpoint,
} from "../../../src/app/modules/consumers/index.js";
import type { StateView } from "../../../src/state/index.js";
import { toBech32 } from "../../../src/tx/index.js";
import type { ConsumerCheckpoint } from "@aegis/consumer-sdk";
import { amountOf, getOutstandingRewards, processAllocateRewards } from "../../../src/app/modules/distribution/index.js";
import { DEC_ONE, msgCreateValidatorHandler } from "../../../src/app/modules/staking/index.js";
import { acc, addr, createValidatorMsg, DENOM, mustRun, run, setup, snapshot, valoper } from "../staking/stakingFixtures.js";
import { checkpoint, fill, producerKey, signed } from "./consumerFixtures.js";

const HUB = "aegis-test";
const MIN = 10_000_000n;
const FEE_COLLECTOR_ADDRESS = computeModuleAddress(FEE_COLLECTOR);

/** Accounts 1..5 funded, the consumers genesis with `params`, consumers "evm-1" and "utxo" registered by account 1. */
function chain(params: { checkpointFee?: bigint; proverSharePermille?: number } = {}): StateView {
  const s = setup({ accounts: 5 });
  processConsumersGenesis(s, { bondDenom: DENOM, minBond: MIN, ...params });
  for (const [id, key] of [["evm-1", 1], ["utxo", 2]] as const) {
    mustRun(s, msgRegisterConsumerHandler, { owner: acc(1), consumerId: id, vm: "evm", genesisHash: fill(0x11), producerKeys: [producerKey(key)], bond: { denom: DENOM, amount: MIN.toString() } });
  }
  return s;
}

/** Relays each consumer's checkpoint chain: `next(id)` is the next checkpoint of `id`. */
function relayer(s: StateView) {
  const latest = new Map<string, ConsumerCheckpoint>();
  const keyOf = (id: string) => (id === "evm-1" ? 1 : 2);
  const msg = (id: string, from = acc(3)): MsgSubmitCheckpoint => {
    const parent = latest.get(id);
    return { relayer: from, ...signed(HUB, checkpoint(id, (parent?.height ?? 0) + 1, parent), keyOf(id), 0) };
  };
  return {
    msg,
    submit(id: string, height: number, from = acc(3)) {
      const m = msg(id, from);
      const out = mustRun(s, msgSubmitCheckpointHandler, m, { height });
      latest.set(id, m.checkpoint!);
      return out;
    },
  };
}

const attribute = (events: { type: string; attributes: { key: string; value: string }[] }[], key: string) =>
  events.find((e) => e.type === "consumer_checkpoint")!.attributes.find((a) => a.key === key)?.value;

describe("parameters", () => {
  test("defaults: a 1000 fee, a 20 % (200 ‰) prover share; given values are kept", () => {
    const s = setup({ accounts: 1 });
    processConsumersGenesis(s, { bondDenom: DENOM });
    expect(getConsumersParams(s)).toEqual({ bondDenom: DENOM, minBond: MIN, checkpointFee: 1000n, proverSharePermille: 200 });
    expect([DEFAULT_CHECKPOINT_FEE, DEFAULT_PROVER_SHARE_PERMILLE]).toEqual([1000n, 200]);
    processConsumersGenesis(s, { bondDenom: DENOM, checkpointFee: 0n, proverSharePermille: 1000 });
    expect(getConsumersParams(s)).toMatchObject({ checkpointFee: 0n, proverSharePermille: 1000 });
    // A state made without the consumers genesis: the defaults with the staking denom.
    expect(getConsumersParamsOrDefault(setup({ accounts: 1 }))).toEqual({ bondDenom: DENOM, minBond: MIN, checkpointFee: 1000n, proverSharePermille: 200 });
    expect(() => processConsumersGenesis(s, { bondDenom: DENOM, proverSharePermille: 1001 })).toThrow(RangeError);
    expect(() => processConsumersGenesis(s, { bondDenom: DENOM, checkpointFee: -1n })).toThrow(RangeError);
  });

  test("parameters stored before the fee existed (fields 3 and 4 absent) read as no fee: checkpoints cost only the transaction fee", () => {
    const s = chain();
    s.set(CONSUMERS_PARAMS_KEY, aegis.consumers.v1.Params.encode({ bond_denom: DENOM, min_bond: MIN.toString() }).finish());
    expect(getConsumersParams(s)).toEqual({ bondDenom: DENOM, minBond: MIN, checkpointFee: 0n, proverSharePermille: 0 });
    const balance = getBalance(s, addr(3), DENOM);
    const out = relayer(s).submit("evm-1", 4);
    expect(getBalance(s, addr(3), DENOM)).toBe(balance);
    expect(getBalance(s, FEE_COLLECTOR_ADDRESS, DENOM)).toBe(0n);
    expect(listProverPoolShares(s)).toEqual([]);
    expect(attribute(out.events, "checkpoint_fee")).toBe("");
  });

  test("the split: floor(fee × permille / 1000) to the prover, the rest to the validators", () => {
    expect(computeCheckpointFeeSplit({ checkpointFee: 1000n, proverSharePermille: 200 })).toEqual({ proverShare: 200n, validators: 800n });
    expect(computeCheckpointFeeSplit({ checkpointFee: 999n, proverSharePermille: 333 })).toEqual({ proverShare: 332n, validators: 667n });
    expect(computeCheckpointFeeSplit({ checkpointFee: 1n, proverSharePermille: 999 })).toEqual({ proverShare: 0n, validators: 1n });
    expect(computeCheckpointFeeSplit({ checkpointFee: 7n, proverSharePermille: 1000 })).toEqual({ proverShare: 7n, validators: 0n });
    expect(computeCheckpointFeeSplit({ checkpointFee: 7n, proverSharePermille: 0 })).toEqual({ proverShare: 0n, validators: 7n });
  });

  test("the prover pool is a module account like the others: sha256(\"consumers_prover_pool\")[0..20]", () => {
    expect(CONSUMERS_PROVER_POOL_NAME).toBe("consumers_prover_pool");
    expect(CONSUMERS_PROVER_POOL_ADDRESS).toEqual(computeModuleAddress("consumers_prover_pool"));
    expect(proverPoolKey(258)).toEqual(Uint8Array.of(0x65, 0, 0, 0, 0, 0, 0, 1, 2));
  });
});

describe("MsgSubmitCheckpoint takes the checkpoint fee from its relayer", () => {
  test("defaults: 1000 from the relayer, 800 to the fee collector, 200 to the prover pool under the hub height; supply unchanged", () => {
    const s = chain();
    const balance = getBalance(s, addr(3), DENOM);
    const supply = getSupply(s, DENOM);
    const out = relayer(s).submit("evm-1", 10);
    expect(getBalance(s, addr(3), DENOM)).toBe(balance - 1000n);
    expect(getBalance(s, FEE_COLLECTOR_ADDRESS, DENOM)).toBe(800n);
    expect(getBalance(s, CONSUMERS_PROVER_POOL_ADDRESS, DENOM)).toBe(200n);
    expect(getProverPoolShare(s, 10)).toBe(200n);
    expect(listProverPoolShares(s)).toEqual([{ hubHeight: 10, amount: 200n }]);
    expect(getSupply(s, DENOM)).toBe(supply);
    expect(attribute(out.events, "checkpoint_fee")).toBe(`1000${DENOM}`);
    expect(attribute(out.events, "prover_share")).toBe(`200${DENOM}`);
  });

  test("the validators' part is paid by the existing distribution to the validators of the block's commit; the prover share is not", () => {
    const s = chain();
    mustRun(s, msgCreateValidatorHandler, createValidatorMsg(4, 4_000_000n));
    mustRun(s, msgCreateValidatorHandler, createValidatorMsg(5, 12_000_000n));
    relayer(s).submit("evm-1", 10);
    relayer(s).submit("utxo", 10);
    // The block's end (hubApplication processEndBlock): the fee collector to the voters by power.
    processAllocateRewards(s, { height: 10, votes: [{ operator: valoper(4), power: 4n }, { operator: valoper(5), power: 12n }] });
    expect(getBalance(s, FEE_COLLECTOR_ADDRESS, DENOM)).toBe(0n);
    expect(amountOf(getOutstandingRewards(s, addr(4)), DENOM)).toBe(400n * DEC_ONE); // 1600 × 4/16
    expect(amountOf(getOutstandingRewards(s, addr(5)), DENOM)).toBe(1200n * DEC_ONE);
    expect(getBalance(s, CONSUMERS_PROVER_POOL_ADDRESS, DENOM)).toBe(400n); // waits for a certificate
  });

  test("exact with rounding (fee 999, 333 ‰: 332 + 667), per hub height: checkpoints of one height add up, another height is its own entry", () => {
    const s = chain({ checkpointFee: 999n, proverSharePermille: 333 });
    const r = relayer(s);
    const [b3, b4] = [getBalance(s, addr(3), DENOM), getBalance(s, addr(4), DENOM)];
    r.submit("evm-1", 10);
    r.submit("utxo", 10, acc(4)); // another consumer, another relayer, the same hub height
    r.submit("evm-1", 11);
    r.submit("evm-1", 13);
    expect(getBalance(s, addr(3), DENOM)).toBe(b3 - 3n * 999n);
    expect(getBalance(s, addr(4), DENOM)).toBe(b4 - 999n);
    expect(getBalance(s, FEE_COLLECTOR_ADDRESS, DENOM)).toBe(4n * 667n);
    expect(listProverPoolShares(s)).toEqual([
      { hubHeight: 10, amount: 664n },
      { hubHeight: 11, amount: 332n },
      { hubHeight: 13, amount: 332n },
    ]);
    expect(getBalance(s, CONSUMERS_PROVER_POOL_ADDRESS, DENOM)).toBe(4n * 332n);
  });

  test.each<[string, { checkpointFee?: bigint; proverSharePermille?: number }, bigint, bigint]>([
    ["a 0 ‰ share (a chain without ZK certificates): everything to the validators", { proverSharePermille: 0 }, 1000n, 0n],
    ["a 1000 ‰ share: everything to the prover pool", { proverSharePermille: 1000 }, 0n, 1000n],
    ["a share that rounds to 0 (fee 4, 200 ‰)", { checkpointFee: 4n }, 4n, 0n],
  ])("%s", (_n, params, toValidators, toPool) => {
    const s = chain(params);
    const out = relayer(s).submit("evm-1", 10);
    expect(getBalance(s, FEE_COLLECTOR_ADDRESS, DENOM)).toBe(toValidators);
    expect(getBalance(s, CONSUMERS_PROVER_POOL_ADDRESS, DENOM)).toBe(toPool);
    expect(listProverPoolShares(s)).toEqual(toPool > 0n ? [{ hubHeight: 10, amount: toPool }] : []);
    expect(attribute(out.events, "prover_share")).toBe(toPool > 0n ? `${toPool}${DENOM}` : "");
  });

  test("a fee of 0: nothing moves, nothing is recorded", () => {
    const s = chain({ checkpointFee: 0n });
    const balance = getBalance(s, addr(3), DENOM);
    const out = relayer(s).submit("evm-1", 10);
    expect(getBalance(s, addr(3), DENOM)).toBe(balance);
    expect(getBalance(s, FEE_COLLECTOR_ADDRESS, DENOM)).toBe(0n);
    expect(listProverPoolShares(s)).toEqual([]);
    expect(attribute(out.events, "checkpoint_fee")).toBe("");
  });

  test("a relayer without the whole fee: TX_ERROR_INSUFFICIENT_FUNDS, the state unchanged (no checkpoint, no share); with it, accepted", () => {
    const s = chain();
    const poor = 7;
    processMint(s, addr(poor), [{ denom: DENOM, amount: 999n }]);
    const r = relayer(s);
    const msg = r.msg("evm-1", acc(poor));
    const before = snapshot(s);
    const out = run(s, msgSubmitCheckpointHandler, msg, { height: 10 });
    expect(out.ok).toBe(false);
    expect(out.error!.type).toEqual({ code: "TX_ERROR_INSUFFICIENT_FUNDS", address: acc(poor), have: `999${DENOM}`, need: `1000${DENOM}` });
    expect(snapshot(s)).toEqual(before);
    expect(getBalance(s, addr(poor), DENOM)).toBe(999n);
    expect(listProverPoolShares(s)).toEqual([]);
    // One more and the same message goes through, leaving the relayer at 0.
    processMint(s, addr(poor), [{ denom: DENOM, amount: 1n }]);
    mustRun(s, msgSubmitCheckpointHandler, msg, { height: 10 });
    expect(getBalance(s, addr(poor), DENOM)).toBe(0n);
    expect(getProverPoolShare(s, 10)).toBe(200n);
  });

  test("a refused checkpoint (here: a replay) costs no checkpoint fee", () => {
    const s = chain();
    const r = relayer(s);
    const m = r.msg("evm-1");
    mustRun(s, msgSubmitCheckpointHandler, m, { height: 10 });
    const before = snapshot(s);
    const out = run(s, msgSubmitCheckpointHandler, m, { height: 11 });
    expect(out.error?.code).toBe("TX_ERROR_INVALID_MESSAGE");
    expect(snapshot(s)).toEqual(before);
  });
});

describe("processPayProverShares (the zk module pays a certificate's named prover)", () => {
  const PROVER = new Uint8Array(20).fill(0x9c);

  test("pays exactly the shares of hub heights <= the certified height (the boundary included), deletes them, keeps those above", () => {
    const s = chain();
    const r = relayer(s);
    r.submit("evm-1", 5);
    r.submit("evm-1", 10);
    r.submit("utxo", 10);
    r.submit("evm-1", 11);
    r.submit("evm-1", 20);
    expect(listProverPoolShares(s).map((e) => [e.hubHeight, e.amount])).toEqual([
      [5, 200n],
      [10, 400n],
      [11, 200n],
      [20, 200n],
    ]);
    const supply = getSupply(s, DENOM);
    expect(processPayProverShares(s, 4, PROVER, DENOM)).toEqual([]); // nothing at or below 4
    expect(getAccount(s, PROVER)).toBeUndefined();
    expect(processPayProverShares(s, 11, PROVER, DENOM)).toEqual([{ denom: DENOM, amount: 800n }]);
    expect(getBalance(s, PROVER, DENOM)).toBe(800n);
    expect(getAccount(s, PROVER)!.bech32).toBe(toBech32("aegis", PROVER)); // created to be paid
    expect(listProverPoolShares(s)).toEqual([{ hubHeight: 20, amount: 200n }]);
    expect(getBalance(s, CONSUMERS_PROVER_POOL_ADDRESS, DENOM)).toBe(200n);
    // Paid once: the same height again pays nothing; a later certificate pays what accrued since.
    expect(processPayProverShares(s, 11, PROVER, DENOM)).toEqual([]);
    expect(processPayProverShares(s, 19, PROVER, DENOM)).toEqual([]);
    expect(processPayProverShares(s, 20, PROVER, DENOM)).toEqual([{ denom: DENOM, amount: 200n }]);
    expect(getBalance(s, PROVER, DENOM)).toBe(1000n);
    expect(getBalance(s, CONSUMERS_PROVER_POOL_ADDRESS, DENOM)).toBe(0n);
    expect(listProverPoolShares(s)).toEqual([]);
    expect(getSupply(s, DENOM)).toBe(supply);
  });
});
