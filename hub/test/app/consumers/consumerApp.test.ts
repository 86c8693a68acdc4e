// Consumers through HubApplication on a real level database, with transactions signed by cosmjs
// (SigningStargateClient.offline with the module's codecs): registration from the genesis minimum,
// a relayed checkpoint chain, a refused checkpoint (code 18 in its block, fee and sequence kept,
// nothing else), evidence that burns and freezes, deregistration with the bond back exactly when the
// unbonding period ends at a block's end, the ABCI queries, the root matching the SDK's over the
// listed checkpoints, and all of it still there after the node reopens its database. The checkpoint
// fee of a chain without a zk section (all of it to the fee collector, no prover share) and the
// genesis consumers parameters as the state gets them.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Registry, type EncodeObject } from "@cosmjs/proto-signing";
import { defaultRegistryTypes, SigningStargateClient } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { aegis } from "@aegis/proto";
import { computeConsumerCheckpointRoot, EMPTY_MERKLE_ROOT, sha256, toHex, type ConsumerCheckpoint } from "@aegis/consumer-sdk";
import { HubApplication, parseGasPrice, type BlockExecutionContext } from "../../../src/app/index.js";
import { getBalance, getSupply } from "../../../src/app/modules/bank.js";
import {
  CONSUMER_COSMJS_TYPES,
  CONSUMERS_MODULE_ADDRESS,
  CONSUMERS_PROVER_POOL_ADDRESS,
  getConsumer,
  getConsumersParams,
  getConsumerCheckpointRoot,
  getLatestCheckpoint,
  listLatestCheckpoints,
  listProverPoolShares,
  MSG_DEREGISTER_CONSUMER_TYPE_URL,
  MSG_REGISTER_CONSUMER_TYPE_URL,
  MSG_SUBMIT_CHECKPOINT_TYPE_URL,
  MSG_SUBMIT_CONSUMER_EVIDENCE_TYPE_URL,
  type MsgRegisterConsumer,
} from "../../../src/app/modules/consumers/index.js";
import { HubDb } from "../../../src/db/index.js";
import { parseGenesis, type AppGenesis } from "../../../src/genesis.js";
import { nullLogger } from "../../../src/logger.js";
import type { StateView } from "../../../src/state/index.js";
import { fromBech32 } from "../../../src/tx/index.js";
import { testSigners, type Signer } from "../../tx/txFixtures.js";
import { acc, blsKey } from "../staking/stakingFixtures.js";
import { checkpoint, fill, producerKey, signed } from "./consumerFixtures.js";

const CHAIN_ID = "aegis-consumers-test";
const DENOM = "uaeg";
const T0 = 1_700_000_000_000;
const MIN_BOND = 5_000_000n;
const UNBONDING_MS = 10_000;
const FEE = { amount: [{ denom: DENOM, amount: "5000" }], gas: "300000" };

describe("consumers through HubApplication", () => {
  let alice: Signer;
  let bob: Signer;
  const dirs: string[] = [];
  const dbs: HubDb[] = [];
  beforeAll(async () => {
    [alice, bob] = await testSigners();
  });
  afterAll(async () => {
    for (const db of dbs) if (db.isOpen) await db.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  const genesis = (): AppGenesis => ({
    denom: DENOM,
    accounts: [alice, bob].map((s) => ({ address: s.address, coins: [{ denom: DENOM, amount: "1000000000" }] })),
    staking: { unbondingTimeMs: UNBONDING_MS },
    consumers: { minBond: MIN_BOND.toString() },
  });
  const ctx = (height: number): BlockExecutionContext => ({ chainId: CHAIN_ID, height, time: T0 + height * 1000, proposer: new Uint8Array(20).fill(7), lastCommit: null, evidence: [] });

  test("genesis: appState.consumers.minBond is checked, kept, and in the genesis hash only when given", () => {
    const validators = [{ moniker: "v1", operator: acc(1), blsPublicKey: toHex(blsKey(1).publicKey), proofOfPossession: toHex(blsKey(1).pop), power: "10" }];
    const base = { chainId: CHAIN_ID, genesisTime: T0, validators };
    for (const bad of [{ minBond: "0" }, { minBond: 5 }, { minBond: "5", other: 1 }, []]) {
      expect(() => parseGenesis({ ...base, appState: { ...genesis(), consumers: bad } })).toThrow(/genesis\.appState\.consumers/);
    }
    const g = parseGenesis({ ...base, appState: genesis() });
    expect(g.appState!.consumers).toEqual({ minBond: MIN_BOND.toString() });
    const { consumers: _, ...without } = genesis();
    const h = parseGenesis({ ...base, appState: without });
    expect(h.appState!.consumers).toBeUndefined();
    expect(toHex(h.hash)).not.toBe(toHex(g.hash));
  });

  test("register, relay, refuse, slash, deregister and return the bond; queries and the root; reopened from disk", async () => {
    const d = await mkdtemp(join(tmpdir(), "aegis-consumers-"));
    dirs.push(d);
    let db = await HubDb.open(d);
    dbs.push(db);
    const opts = { chainId: CHAIN_ID, genesis: genesis(), genesisTime: T0, minGasPrices: [parseGasPrice("0.001uaeg")] };
    let app = await HubApplication.open(opts, { db, logger: nullLogger });
    const store = () => (app as unknown as { state: { committed: StateView } }).state.committed;
    const client = await SigningStargateClient.offline(alice.wallet, { registry: new Registry([...defaultRegistryTypes, ...(CONSUMER_COSMJS_TYPES as unknown as [string, never][])]) });
    const seq = new Map<string, number>();
    const accountNumber = (s: Signer) => (s === alice ? 0n : 1n);
    const sign = async (s: Signer, msgs: EncodeObject[]): Promise<Uint8Array> => {
      const sequence = seq.get(s.address) ?? 0;
      seq.set(s.address, sequence + 1);
      return TxRaw.encode(await client.sign(s.address, msgs, FEE, "", { accountNumber: accountNumber(s), sequence, chainId: CHAIN_ID })).finish();
    };
    const result = async (tx: Uint8Array) => (await db.txs.getByHash(toHex(sha256(tx)).toUpperCase()))!.result;
    let height = 0;
    const block = async (...txs: Uint8Array[]) => {
      height++;
      for (const tx of txs) expect(app.checkTx(tx).code).toBe(0);
      await app.commitBlock(ctx(height), txs);
    };
    const aliceBytes = fromBech32(alice.address, "aegis", { lengths: [20] });
    const reg = (consumerId: string, keys: number[]): EncodeObject => ({
      typeUrl: MSG_REGISTER_CONSUMER_TYPE_URL,
      value: { owner: alice.address, consumerId, vm: "evm", genesisHash: fill(0x42), producerKeys: keys.map(producerKey), bond: { denom: DENOM, amount: MIN_BOND.toString() } } satisfies MsgRegisterConsumer,
    });
    const relay = (cp: ConsumerCheckpoint, producer: number, index: number): EncodeObject => ({
      typeUrl: MSG_SUBMIT_CHECKPOINT_TYPE_URL,
      value: { relayer: bob.address, ...signed(CHAIN_ID, cp, producer, index) },
    });

    // Height 1: two registrations (one below the minimum fails in the block).
    const balance0 = getBalance(store(), aliceBytes, DENOM);
    const low = await sign(alice, [{ ...reg("low", [1]), value: { ...reg("low", [1]).value, bond: { denom: DENOM, amount: (MIN_BOND - 1n).toString() } } }]);
    const regs = await sign(alice, [reg("evm-1", [1, 2]), reg("utxo", [3])]);
    await block(low, regs);
    expect((await result(low)).code).toBe(18);
    expect((await result(low)).log).toMatch(/bond: 4999999uaeg is below the minimum 5000000uaeg/);
    expect((await result(regs)).code).toBe(0);
    expect(getBalance(store(), CONSUMERS_MODULE_ADDRESS, DENOM)).toBe(2n * MIN_BOND);
    expect(getBalance(store(), aliceBytes, DENOM)).toBe(balance0 - 2n * MIN_BOND - 10_000n);
    expect(getConsumer(store(), "low")).toBeUndefined();
    expect(getConsumerCheckpointRoot(store())).toEqual(EMPTY_MERKLE_ROOT);

    // Heights 2-3: a checkpoint chain of each, relayed by bob. No zk section: each checkpoint's fee
    // (the default 1000) goes whole to the fee collector (paid out at the block's end), no prover share.
    expect(getConsumersParams(store())).toEqual({ bondDenom: DENOM, minBond: MIN_BOND, checkpointFee: 1000n, proverSharePermille: 0 });
    const bobBytes = fromBech32(bob.address, "aegis", { lengths: [20] });
    const bob0 = getBalance(store(), bobBytes, DENOM);
    const e1 = checkpoint("evm-1", 100, undefined);
    const u1 = checkpoint("utxo", 7, undefined);
    const t2 = await sign(bob, [relay(e1, 1, 0), relay(u1, 3, 0)]);
    await block(t2);
    expect((await result(t2)).code).toBe(0);
    expect((await result(t2)).events.filter((e) => e.type === "consumer_checkpoint").map((e) => e.attributes.find((a) => a.key === "checkpoint_fee")!.value)).toEqual([`1000${DENOM}`, `1000${DENOM}`]);
    expect(getBalance(store(), bobBytes, DENOM)).toBe(bob0 - 5000n - 2n * 1000n);
    expect(getBalance(store(), CONSUMERS_PROVER_POOL_ADDRESS, DENOM)).toBe(0n);
    expect(listProverPoolShares(store())).toEqual([]);
    const e2 = checkpoint("evm-1", 101, e1);
    const t3 = await sign(bob, [relay(e2, 2, 1)]);
    await block(t3);
    expect(getLatestCheckpoint(store(), "evm-1")).toMatchObject({ checkpoint: e2, hubHeight: 3, producerIndex: 1 });
    expect(toHex(getConsumerCheckpointRoot(store()))).toBe(toHex(computeConsumerCheckpointRoot([u1, e2])));
    expect(toHex(getConsumerCheckpointRoot(store()))).toBe(toHex(computeConsumerCheckpointRoot(listLatestCheckpoints(store()).map((r) => r.checkpoint))));

    // Height 4: a checkpoint that does not extend the latest fails in its block; only fee and sequence change.
    const rootBefore = getConsumerCheckpointRoot(store());
    const bob3 = getBalance(store(), bobBytes, DENOM);
    const fork = await sign(bob, [relay(checkpoint("evm-1", 102, e1), 1, 0)]);
    await block(fork);
    expect(getBalance(store(), bobBytes, DENOM)).toBe(bob3 - 5000n); // no checkpoint fee
    expect((await result(fork)).code).toBe(18);
    expect((await result(fork)).log).toMatch(/MsgSubmitCheckpoint: checkpoint does not extend the latest of evm-1/);
    expect(getLatestCheckpoint(store(), "evm-1")!.checkpoint).toEqual(e2);
    expect(getConsumerCheckpointRoot(store())).toEqual(rootBefore);

    // Height 5: evidence against utxo (its recorded checkpoint and a conflicting one) from bob.
    const supply = getSupply(store(), DENOM);
    const ev = await sign(bob, [{ typeUrl: MSG_SUBMIT_CONSUMER_EVIDENCE_TYPE_URL, value: { submitter: bob.address, a: signed(CHAIN_ID, u1, 3, 0), b: signed(CHAIN_ID, checkpoint("utxo", 7, undefined, 1), 3, 0) } }]);
    await block(ev);
    expect((await result(ev)).code).toBe(0);
    expect(getConsumer(store(), "utxo")).toMatchObject({ frozen: true, frozenHeight: 5, bond: { amount: 0n } });
    expect(getSupply(store(), DENOM)).toBe(supply - MIN_BOND);
    const late = await sign(bob, [relay(checkpoint("utxo", 8, u1), 3, 0)]);
    await block(late);
    expect((await result(late)).log).toMatch(/consumer utxo is frozen/);

    // Height 7 (time T0 + 7000): alice deregisters evm-1; the bond is due at T0 + 17000 = height 17's time.
    const dereg = await sign(alice, [{ typeUrl: MSG_DEREGISTER_CONSUMER_TYPE_URL, value: { owner: alice.address, consumerId: "evm-1" } }]);
    await block(dereg);
    expect(getConsumer(store(), "evm-1")).toMatchObject({ deregisteredHeight: 7, bondReturnTimeMs: T0 + 7000 + UNBONDING_MS });
    const afterDereg = getBalance(store(), aliceBytes, DENOM);
    while (height < 16) await block();
    expect(getBalance(store(), aliceBytes, DENOM)).toBe(afterDereg);
    await block(); // height 17: time T0 + 17000, the end of the unbonding period
    expect(getBalance(store(), aliceBytes, DENOM)).toBe(afterDereg + MIN_BOND);
    expect(getBalance(store(), CONSUMERS_MODULE_ADDRESS, DENOM)).toBe(0n);

    // Queries as a client sends them.
    const pb = aegis.consumers.v1;
    const q = app.query("/aegis.consumers.v1.Query/Consumers", pb.QueryConsumersRequest.encode({}).finish());
    expect(q.code).toBe(0);
    // latest_height comes from the latest-checkpoint pointer (a checkpoint does not rewrite the record).
    expect(pb.QueryConsumersResponse.decode(q.value!).consumers.map((c) => [c.consumer_id, c.frozen, Number(c.deregistered_height), Number(c.latest_height)])).toEqual([
      ["evm-1", false, 7, e2.height],
      ["utxo", true, 0, u1.height],
    ]);
    const one = pb.QueryConsumerResponse.decode(app.query("/aegis.consumers.v1.Query/Consumer", pb.QueryConsumerRequest.encode({ consumer_id: "evm-1" }).finish()).value!);
    expect([Number(one.consumer!.latest_height), Number(one.latest!.checkpoint!.height)]).toEqual([e2.height, e2.height]);
    // The state keeps each consumer's latest checkpoint; an older one is NotFound there and in the node's history.
    const qc = app.query("/aegis.consumers.v1.Query/Checkpoint", pb.QueryCheckpointRequest.encode({ consumer_id: "evm-1", height: 0 }).finish());
    expect(Number(pb.QueryCheckpointResponse.decode(qc.value!).record!.checkpoint!.height)).toBe(e2.height);
    const old = app.query("/aegis.consumers.v1.Query/Checkpoint", pb.QueryCheckpointRequest.encode({ consumer_id: "evm-1", height: 100 }).finish());
    expect([old.code, old.log]).toEqual([22, expect.stringContaining("not its latest (101)")]);
    const e1At = await app.consumerCheckpoint("evm-1", 100);
    expect(e1At!.record).toMatchObject({ checkpoint: e1, hubHeight: 2 });
    expect(e1At!.rootCheckpoints.map((c) => `${c.consumerId}@${c.height}`)).toEqual(["evm-1@100", "utxo@7"]);
    expect(await app.consumerCheckpoint("evm-1", 99)).toBeUndefined();

    // The deregistered and the frozen consumers' last checkpoints stay in the root; all of it survives a restart.
    expect(toHex(getConsumerCheckpointRoot(store()))).toBe(toHex(computeConsumerCheckpointRoot([u1, e2])));
    const root = getConsumerCheckpointRoot(store());
    const stateRoot = app.stateRoot;
    await db.close();
    db = await HubDb.open(d);
    dbs.push(db);
    app = await HubApplication.open(opts, { db, logger: nullLogger });
    expect(app.height).toBe(17);
    expect(app.stateRoot).toEqual(stateRoot);
    expect(getConsumerCheckpointRoot(store())).toEqual(root);
    expect(getConsumer(store(), "utxo")!.frozen).toBe(true);
  });

  test("genesis: the consumers parameters reach the state; the prover share is 20 % by default with a zk section, 0 without", async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const vector = JSON.parse(readFileSync(join(here, "..", "..", "..", "..", "test", "vectors", "zkCertificates.json"), "utf8"));
    const zk = { circuit: "quorum4", capacity: 4, verificationKey: vector.verificationKey, attestationIntervalMs: 1000, proverReward: "0", epochLength: 100, authority: null };
    const paramsOf = async (consumers: AppGenesis["consumers"], withZk: boolean) => {
      const d = await mkdtemp(join(tmpdir(), "aegis-consumers-params-"));
      dirs.push(d);
      const db = await HubDb.open(d);
      dbs.push(db);
      const app = await HubApplication.open({ chainId: CHAIN_ID, genesis: { ...genesis(), consumers }, genesisTime: T0, ...(withZk ? { zk } : {}) }, { db, logger: nullLogger });
      return getConsumersParams((app as unknown as { state: { committed: StateView } }).state.committed);
    };
    expect(await paramsOf(undefined, true)).toEqual({ bondDenom: DENOM, minBond: 10_000_000n, checkpointFee: 1000n, proverSharePermille: 200 });
    expect(await paramsOf(undefined, false)).toEqual({ bondDenom: DENOM, minBond: 10_000_000n, checkpointFee: 1000n, proverSharePermille: 0 });
    expect(await paramsOf({ checkpointFee: "3", proverShare: "0.125" }, true)).toMatchObject({ checkpointFee: 3n, proverSharePermille: 125 });
    expect(await paramsOf({ checkpointFee: "0", proverShare: "0" }, true)).toMatchObject({ checkpointFee: 0n, proverSharePermille: 0 });
  });
});
