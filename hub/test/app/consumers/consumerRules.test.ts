// The consumers module's rules on an in-memory state, message by message as executeTx runs them
// (validateBasic, then process on a branch): registration and its bond, updates, deregistration
// and the bond's return at block end after the unbonding period, the checkpoint chain, and
// equivocation evidence (burn + freeze). Every refusal is TX_ERROR_INVALID_MESSAGE (or the bank's
// TX_ERROR_INSUFFICIENT_FUNDS) and leaves the state byte for byte as it was. Signatures are real
// ed25519 (consumer-sdk). The same rules through HubApplication and cosmjs: consumerApp.test.ts.
import {
  computeCheckpointHash,
  computeConsumerCheckpointRoot,
  EMPTY_MERKLE_ROOT,
  toHex,
  type ConsumerCheckpoint,
} from "@aegis/consumer-sdk";
import { aegis } from "@aegis/proto";
import { getBalance, getSupply } from "../../../src/app/modules/bank.js";
import {
  AegisMsgRegisterConsumer,
  AegisMsgSubmitCheckpoint,
  AegisMsgSubmitConsumerEvidence,
  CONSUMERS_MODULE_ADDRESS,
  getConsumer,
  getConsumerCheckpointRoot,
  getConsumerStatus,
  getLatestCheckpoint,
  listConsumers,
  listLatestCheckpoints,
  msgDeregisterConsumerHandler,
  msgRegisterConsumerHandler,
  msgSubmitCheckpointHandler,
  msgSubmitConsumerEvidenceHandler,
  msgUpdateConsumerHandler,
  processConsumersGenesis,
  processMatureConsumerBonds,
  queryConsumers,
  type MsgRegisterConsumer,
  type MsgSubmitCheckpoint,
  type MsgSubmitConsumerEvidence,
} from "../../../src/app/modules/consumers/index.js";
import type { MsgHandler } from "../../../src/app/msgRegistry.js";
import type { StateView } from "../../../src/state/index.js";
import { acc, addr, DENOM, mustRun, run, setup, snapshot, T0 } from "../staking/stakingFixtures.js";
import { checkpoint, fill, producerKey, signed } from "./consumerFixtures.js";

const HUB = "aegis-test"; // the chain id stakingFixtures' run() gives the handlers
const MIN = 10_000_000n;
const UNBONDING = 1000; // TEST_PARAMS.unbondingTimeMs

function chain(): StateView {
  const s = setup({ accounts: 5 });
  processConsumersGenesis(s, { bondDenom: DENOM, minBond: MIN });
  return s;
}

const register = (over: Partial<MsgRegisterConsumer> = {}): MsgRegisterConsumer => ({
  owner: acc(1),
  consumerId: "evm-1",
  vm: "evm",
  genesisHash: fill(0x11),
  producerKeys: [producerKey(1), producerKey(2)],
  bond: { denom: DENOM, amount: MIN.toString() },
  ...over,
});

const submit = (cp: ConsumerCheckpoint, producer = 1, producerIndex = 0, relayer = acc(3)): MsgSubmitCheckpoint => ({ relayer, ...signed(HUB, cp, producer, producerIndex) });

/** Runs `msg` and expects a refusal with `code` and a log matching `reason`, the state unchanged. */
function expectRefused<M>(s: StateView, handler: MsgHandler<M>, msg: M, reason: RegExp, code = "TX_ERROR_INVALID_MESSAGE", ctx: { height?: number; time?: number } = {}): void {
  const before = snapshot(s);
  const out = run(s, handler, msg, ctx);
  expect(out.ok).toBe(false);
  expect(out.error!.code).toBe(code);
  expect(out.error!.log).toMatch(reason);
  expect(snapshot(s)).toEqual(before);
}

describe("register", () => {
  test("moves the bond to the consumers module account and stores the consumer", () => {
    const s = chain();
    const balance = getBalance(s, addr(1), DENOM);
    const out = mustRun(s, msgRegisterConsumerHandler, register({ bond: { denom: DENOM, amount: (MIN + 5n).toString() } }), { height: 4 });
    expect(getBalance(s, addr(1), DENOM)).toBe(balance - MIN - 5n);
    expect(getBalance(s, CONSUMERS_MODULE_ADDRESS, DENOM)).toBe(MIN + 5n);
    const c = getConsumer(s, "evm-1")!;
    expect(c).toMatchObject({ owner: acc(1), vm: "evm", registeredHeight: 4, latestHeight: 0, frozen: false, deregisteredHeight: 0, bond: { denom: DENOM, amount: MIN + 5n } });
    expect(c.producerKeys).toEqual([producerKey(1), producerKey(2)]);
    expect(getConsumerStatus(c)).toBe("active");
    expect(out.events.find((e) => e.type === "register_consumer")!.attributes).toContainEqual({ key: "bond", value: `${MIN + 5n}${DENOM}` });
    expect(listConsumers(s).map((x) => x.consumerId)).toEqual(["evm-1"]);
    // no checkpoint yet: the root is the empty one
    expect(getConsumerCheckpointRoot(s)).toEqual(EMPTY_MERKLE_ROOT);
  });

  test.each<[string, Partial<MsgRegisterConsumer>, RegExp]>([
    ["a bad id", { consumerId: "EVM 1" }, /consumer_id: 1-64 characters/],
    ["an empty vm", { vm: "" }, /vm: 1-32 characters/],
    ["a 33-character vm", { vm: "a".repeat(33) }, /vm: 1-32 characters/],
    ["a 31-byte genesis hash", { genesisHash: new Uint8Array(31) }, /genesis_hash: 32 bytes/],
    ["no producer keys", { producerKeys: [] }, /producer_keys: 1 to 16 keys, got 0/],
    ["17 producer keys", { producerKeys: Array.from({ length: 17 }, (_, i) => producerKey(i + 1)) }, /1 to 16 keys, got 17/],
    ["a 33-byte key", { producerKeys: [new Uint8Array(33)] }, /producer_keys\[0\]: an ed25519 public key is 32 bytes/],
    ["a duplicate key", { producerKeys: [producerKey(1), producerKey(2), producerKey(1)] }, /producer_keys\[2\]: duplicate key/],
    ["a key that is no curve point", { producerKeys: [producerKey(1), new Uint8Array(32).fill(0xff)] }, /producer_keys\[1\]: not a valid ed25519 public key/],
    ["the identity point (small order)", { producerKeys: [Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0))] }, /producer_keys\[0\]: not a valid ed25519/],
    ["a zero bond", { bond: { denom: DENOM, amount: "0" } }, /bond: a positive integer amount/],
    ["a bond in another denom", { bond: { denom: "uatom", amount: MIN.toString() } }, /bond: must be in uaeg, got uatom/],
    ["a bond below the minimum", { bond: { denom: DENOM, amount: (MIN - 1n).toString() } }, /bond: 9999999uaeg is below the minimum 10000000uaeg/],
    ["a bad owner", { owner: "cosmos1qqqq" }, /owner/],
  ])("refuses %s, nothing written", (n, over, reason) => {
    expectRefused(chain(), msgRegisterConsumerHandler, register(over), reason, n === "a bad owner" ? "TX_ERROR_INVALID_MESSAGE_ADDRESS" : undefined);
  });

  test("an owner without the bond: TX_ERROR_INSUFFICIENT_FUNDS, nothing written", () => {
    const s = chain();
    expectRefused(s, msgRegisterConsumerHandler, register({ owner: acc(9) }), /smaller than 10000000uaeg/, "TX_ERROR_INSUFFICIENT_FUNDS");
  });

  test("a taken id is refused, also when its consumer deregistered (ids are never reused)", () => {
    const s = chain();
    mustRun(s, msgRegisterConsumerHandler, register());
    expectRefused(s, msgRegisterConsumerHandler, register({ owner: acc(2) }), /consumer id evm-1 is taken$|consumer id evm-1 is taken:/);
    mustRun(s, msgDeregisterConsumerHandler, { owner: acc(1), consumerId: "evm-1" });
    expectRefused(s, msgRegisterConsumerHandler, register({ owner: acc(2) }), /taken \(by a deregistered consumer: ids are never reused\)/);
  });
});

describe("update", () => {
  test("the owner replaces the producer keys and the vm; the old keys can no longer sign", () => {
    const s = chain();
    mustRun(s, msgRegisterConsumerHandler, register());
    mustRun(s, msgUpdateConsumerHandler, { owner: acc(1), consumerId: "evm-1", producerKeys: [producerKey(3)], vm: "evm2" });
    expect(getConsumer(s, "evm-1")).toMatchObject({ vm: "evm2", producerKeys: [producerKey(3)] });
    mustRun(s, msgUpdateConsumerHandler, { owner: acc(1), consumerId: "evm-1", producerKeys: [], vm: "evm" });
    expect(getConsumer(s, "evm-1")).toMatchObject({ vm: "evm", producerKeys: [producerKey(3)] });
    const cp = checkpoint("evm-1", 1, undefined);
    expectRefused(s, msgSubmitCheckpointHandler, submit(cp, 1, 0), /not a valid signature of the checkpoint by producer 0 of consumer evm-1/);
    mustRun(s, msgSubmitCheckpointHandler, submit(cp, 3, 0));
  });

  test("refused: another owner, nothing to change, bad keys, an unknown consumer, a frozen or a deregistered one", () => {
    const s = chain();
    mustRun(s, msgRegisterConsumerHandler, register());
    mustRun(s, msgRegisterConsumerHandler, register({ consumerId: "frozen" }));
    mustRun(s, msgRegisterConsumerHandler, register({ consumerId: "gone" }));
    const upd = (over: object) => ({ owner: acc(1), consumerId: "evm-1", producerKeys: [producerKey(4)], vm: "", ...over });
    expectRefused(s, msgUpdateConsumerHandler, upd({ owner: acc(2) }), /is not the owner of consumer evm-1/);
    expectRefused(s, msgUpdateConsumerHandler, upd({ producerKeys: [] }), /nothing to update/);
    expectRefused(s, msgUpdateConsumerHandler, upd({ producerKeys: [producerKey(4), producerKey(4)] }), /duplicate key/);
    expectRefused(s, msgUpdateConsumerHandler, upd({ consumerId: "nobody" }), /unknown consumer nobody/);
    freeze(s, "frozen");
    expectRefused(s, msgUpdateConsumerHandler, upd({ consumerId: "frozen" }), /consumer frozen is frozen/);
    mustRun(s, msgDeregisterConsumerHandler, { owner: acc(1), consumerId: "gone" });
    expectRefused(s, msgUpdateConsumerHandler, upd({ consumerId: "gone" }), /consumer gone is deregistered/);
  });
});

/** Two conflicting checkpoints of `id` at height 1, signed by producers 1 and 2. */
function conflict(id: string, height = 1): MsgSubmitConsumerEvidence {
  return { submitter: acc(4), a: signed(HUB, checkpoint(id, height, undefined, 0), 1, 0), b: signed(HUB, checkpoint(id, height, undefined, 1), 2, 1) };
}

function freeze(s: StateView, id: string): void {
  mustRun(s, msgSubmitConsumerEvidenceHandler, conflict(id), { height: 9 });
}

describe("checkpoints", () => {
  test("a chain: the first names the zero parent, each next one its predecessor's hash; the latest and its hub height are kept; the root follows", () => {
    const s = chain();
    mustRun(s, msgRegisterConsumerHandler, register());
    const c1 = checkpoint("evm-1", 5, undefined);
    const out = mustRun(s, msgSubmitCheckpointHandler, submit(c1), { height: 10 });
    expect(aegis.consumers.v1.MsgSubmitCheckpointResponse.decode(out.result!.response.value).checkpoint_hash).toEqual(computeCheckpointHash(c1));
    expect(getConsumerCheckpointRoot(s)).toEqual(computeConsumerCheckpointRoot([c1]));
    const c2 = checkpoint("evm-1", 9, c1);
    mustRun(s, msgSubmitCheckpointHandler, submit(c2, 2, 1, acc(4)), { height: 11 }); // another producer, another relayer
    expect(getConsumer(s, "evm-1")!.latestHeight).toBe(9);
    expect(getLatestCheckpoint(s, "evm-1")).toEqual({ checkpoint: c2, hubHeight: 11, producerIndex: 1, signature: submit(c2, 2, 1).signature });
    // The state holds the latest only (one entry per consumer); the history is the node's (checkpointHistory.test.ts).
    expect([...s.iterate(Uint8Array.of(0x61))].length).toBe(1);
    expect([...s.iterate(Uint8Array.of(0x62))].length).toBe(0);
    expect(getConsumerCheckpointRoot(s)).toEqual(computeConsumerCheckpointRoot([c2]));
  });

  test("the root covers the latest checkpoint of every consumer (sorted by id), frozen and deregistered ones included", () => {
    const s = chain();
    const ids = ["utxo", "accounts", "evm-1", "b"];
    for (const id of ids) mustRun(s, msgRegisterConsumerHandler, register({ consumerId: id }));
    const latest = new Map<string, ConsumerCheckpoint>();
    const roots: string[] = [toHex(getConsumerCheckpointRoot(s))];
    for (let round = 1; round <= 3; round++) {
      for (const id of ids.slice(0, round + 1)) {
        const cp = checkpoint(id, round * 10, latest.get(id));
        mustRun(s, msgSubmitCheckpointHandler, submit(cp));
        latest.set(id, cp);
        const root = getConsumerCheckpointRoot(s);
        expect(toHex(root)).toBe(toHex(computeConsumerCheckpointRoot([...latest.values()])));
        expect(roots).not.toContain(toHex(root));
        roots.push(toHex(root));
      }
    }
    expect(listLatestCheckpoints(s).map((r) => r.checkpoint.consumerId)).toEqual(["accounts", "b", "evm-1", "utxo"]);
    const before = toHex(getConsumerCheckpointRoot(s));
    mustRun(s, msgDeregisterConsumerHandler, { owner: acc(1), consumerId: "utxo" });
    mustRun(s, msgSubmitConsumerEvidenceHandler, conflict("b", 30));
    expect(toHex(getConsumerCheckpointRoot(s))).toBe(before);
  });

  test.each<[string, (s: StateView) => MsgSubmitCheckpoint, RegExp]>([
    ["an unknown consumer", () => submit(checkpoint("nobody", 1, undefined)), /unknown consumer nobody/],
    ["a first checkpoint with a non-zero parent", () => submit({ ...checkpoint("evm-1", 1, undefined), parentCheckpointHash: fill(1) }), /first checkpoint of evm-1 must have an all-zero parent/],
    ["a producer index out of range", () => submit(checkpoint("evm-1", 1, undefined), 1, 2), /producer_index 2: consumer evm-1 has 2 producer keys/],
    ["a key that is not the consumer's", () => submit(checkpoint("evm-1", 1, undefined), 7, 0), /not a valid signature of the checkpoint by producer 0/],
    ["the signature of the other producer index", () => submit(checkpoint("evm-1", 1, undefined), 1, 1), /not a valid signature of the checkpoint by producer 1/],
    ["a signature for another hub chain", () => ({ relayer: acc(3), ...signed("aegis-other", checkpoint("evm-1", 1, undefined), 1, 0) }), /for hub chain aegis-test/],
    ["a checkpoint of another consumer signed by this one's producer", () => submit(checkpoint("other", 1, undefined), 1, 0), /not a valid signature of the checkpoint by producer 0 of consumer other/],
    ["a checkpoint signed by another consumer's producer", () => submit(checkpoint("evm-1", 1, undefined), 5, 0), /not a valid signature of the checkpoint by producer 0 of consumer evm-1/],
    ["a 63-byte signature", () => ({ ...submit(checkpoint("evm-1", 1, undefined)), signature: new Uint8Array(63) }), /signature: 64 bytes, got 63/],
    ["height 0", () => ({ ...submit(checkpoint("evm-1", 1, undefined)), checkpoint: { ...checkpoint("evm-1", 1, undefined), height: 0 } }), /checkpoint: height: a safe integer >= 1/],
    ["a height beyond 2^53", () => AegisMsgSubmitCheckpoint.decode(AegisMsgSubmitCheckpoint.encode({ ...submit(checkpoint("evm-1", 1, undefined)), checkpoint: { ...checkpoint("evm-1", 1, undefined), height: 2 ** 53 } }).finish()), /height: a safe integer/],
    ["a 31-byte state root", () => ({ ...submit(checkpoint("evm-1", 1, undefined)), checkpoint: { ...checkpoint("evm-1", 1, undefined), stateRoot: new Uint8Array(31) } }), /checkpoint: stateRoot: 32 bytes/],
    ["no checkpoint", () => ({ ...submit(checkpoint("evm-1", 1, undefined)), checkpoint: undefined }), /checkpoint: missing/],
  ])("refuses %s, nothing written", (_n, make, reason) => {
    const s = chain();
    mustRun(s, msgRegisterConsumerHandler, register());
    mustRun(s, msgRegisterConsumerHandler, register({ consumerId: "other", producerKeys: [producerKey(5)] }));
    expectRefused(s, msgSubmitCheckpointHandler, make(s), reason);
  });

  test("refuses what does not extend the latest: a lower or equal height, a wrong parent, a fork of an older one", () => {
    const s = chain();
    mustRun(s, msgRegisterConsumerHandler, register());
    const c1 = checkpoint("evm-1", 5, undefined);
    const c2 = checkpoint("evm-1", 8, c1);
    mustRun(s, msgSubmitCheckpointHandler, submit(c1));
    mustRun(s, msgSubmitCheckpointHandler, submit(c2));
    expectRefused(s, msgSubmitCheckpointHandler, submit(checkpoint("evm-1", 8, c1, 1)), /height 8 is not above the latest checkpoint of evm-1 \(8\)/);
    expectRefused(s, msgSubmitCheckpointHandler, submit(checkpoint("evm-1", 6, c1)), /height 6 is not above the latest/);
    expectRefused(s, msgSubmitCheckpointHandler, submit(c2), /height 8 is not above/); // the same one again
    expectRefused(s, msgSubmitCheckpointHandler, submit(checkpoint("evm-1", 9, c1)), /does not extend the latest of evm-1/); // skips c2
    expectRefused(s, msgSubmitCheckpointHandler, submit({ ...checkpoint("evm-1", 9, c2), parentCheckpointHash: fill(0) }), /does not extend the latest/);
    mustRun(s, msgSubmitCheckpointHandler, submit(checkpoint("evm-1", 9, c2)));
  });

  test("a frozen or deregistered consumer's checkpoints are refused", () => {
    const s = chain();
    mustRun(s, msgRegisterConsumerHandler, register());
    mustRun(s, msgRegisterConsumerHandler, register({ consumerId: "gone" }));
    freeze(s, "evm-1");
    expectRefused(s, msgSubmitCheckpointHandler, submit(checkpoint("evm-1", 2, undefined)), /consumer evm-1 is frozen \(conflicting checkpoints at hub height 9\)/);
    mustRun(s, msgDeregisterConsumerHandler, { owner: acc(1), consumerId: "gone" });
    expectRefused(s, msgSubmitCheckpointHandler, submit(checkpoint("gone", 1, undefined)), /consumer gone is deregistered/);
  });

  test("charges gas for the signature check", () => {
    const s = chain();
    mustRun(s, msgRegisterConsumerHandler, register());
    let gas = 0n;
    const branch = s.branch();
    msgSubmitCheckpointHandler.process({ store: branch, chainId: HUB, height: 1, time: T0, events: [], consumeGas: (g) => void (gas += g) }, submit(checkpoint("evm-1", 1, undefined)));
    branch.discard();
    expect(gas).toBe(1000n);
  });
});

describe("evidence", () => {
  test("two different checkpoints of one height signed by the consumer's producers: the whole bond is burned, the consumer frozen", () => {
    const s = chain();
    mustRun(s, msgRegisterConsumerHandler, register({ bond: { denom: DENOM, amount: "12000000" } }));
    const c1 = checkpoint("evm-1", 1, undefined);
    mustRun(s, msgSubmitCheckpointHandler, submit(c1));
    const supply = getSupply(s, DENOM);
    // the recorded checkpoint and a conflicting one by the same producer
    const ev = { submitter: acc(4), a: signed(HUB, c1, 1, 0), b: signed(HUB, checkpoint("evm-1", 1, undefined, 9), 1, 0) };
    const out = mustRun(s, msgSubmitConsumerEvidenceHandler, ev, { height: 20 });
    expect(aegis.consumers.v1.MsgSubmitConsumerEvidenceResponse.decode(out.result!.response.value).slashed).toBe(`12000000${DENOM}`);
    expect(getSupply(s, DENOM)).toBe(supply - 12_000_000n);
    expect(getBalance(s, CONSUMERS_MODULE_ADDRESS, DENOM)).toBe(0n);
    const c = getConsumer(s, "evm-1")!;
    expect(c).toMatchObject({ frozen: true, frozenHeight: 20, bond: { denom: DENOM, amount: 0n } });
    expect(getConsumerStatus(c)).toBe("frozen");
    expect(out.events.find((e) => e.type === "consumer_misbehaviour")!.attributes).toContainEqual({ key: "slashed", value: `12000000${DENOM}` });
    // idempotent: the same evidence (or any other) again is refused
    expectRefused(s, msgSubmitConsumerEvidenceHandler, ev, /consumer evm-1 is already frozen \(at hub height 20\)/);
    expectRefused(s, msgSubmitConsumerEvidenceHandler, conflict("evm-1", 3), /already frozen/);
    // a frozen consumer may still deregister: nothing to return
    mustRun(s, msgDeregisterConsumerHandler, { owner: acc(1), consumerId: "evm-1" });
    expect(getConsumer(s, "evm-1")!.bondReturnTimeMs).toBe(0);
  });

  test.each<[string, () => MsgSubmitConsumerEvidence, RegExp]>([
    ["the same checkpoint twice", () => ({ submitter: acc(4), a: signed(HUB, checkpoint("evm-1", 1, undefined), 1, 0), b: signed(HUB, checkpoint("evm-1", 1, undefined), 2, 1) }), /the two checkpoints are the same/],
    ["different heights", () => ({ submitter: acc(4), a: signed(HUB, checkpoint("evm-1", 1, undefined), 1, 0), b: signed(HUB, checkpoint("evm-1", 2, undefined), 1, 0) }), /different heights \(1, 2\)/],
    ["different consumers", () => ({ submitter: acc(4), a: signed(HUB, checkpoint("evm-1", 1, undefined), 1, 0), b: signed(HUB, checkpoint("other", 1, undefined), 5, 0) }), /different consumers/],
    ["a bad signature", () => ({ ...conflict("evm-1"), b: { ...conflict("evm-1").b!, signature: conflict("evm-1").a!.signature } }), /b\.signature: not a valid signature/],
    ["a signer that is not a producer", () => ({ ...conflict("evm-1"), a: signed(HUB, checkpoint("evm-1", 1, undefined, 0), 5, 0) }), /a\.signature: not a valid signature/],
    ["signatures for another hub", () => ({ ...conflict("evm-1"), a: signed("aegis-other", checkpoint("evm-1", 1, undefined, 0), 1, 0) }), /a\.signature: not a valid/],
    ["a producer index out of range", () => ({ ...conflict("evm-1"), b: { ...conflict("evm-1").b!, producerIndex: 2 } }), /b\.producer_index 2: consumer evm-1 has 2 producer keys/],
    ["an unknown consumer", () => conflict("nobody"), /unknown consumer nobody/],
    ["a missing side", () => ({ ...conflict("evm-1"), b: undefined }), /b: missing/],
  ])("refuses %s, nothing written", (_n, make, reason) => {
    const s = chain();
    mustRun(s, msgRegisterConsumerHandler, register());
    mustRun(s, msgRegisterConsumerHandler, register({ consumerId: "other", producerKeys: [producerKey(5)] }));
    expectRefused(s, msgSubmitConsumerEvidenceHandler, make(), reason);
  });

  test("the evidence codec round-trips (cosmjs shape)", () => {
    const ev = conflict("evm-1");
    const back = AegisMsgSubmitConsumerEvidence.decode(AegisMsgSubmitConsumerEvidence.encode(ev).finish());
    expect(back).toEqual(ev);
    const reg = register();
    expect(AegisMsgRegisterConsumer.decode(AegisMsgRegisterConsumer.encode(reg).finish())).toEqual(reg);
  });
});

describe("deregister", () => {
  test("no more checkpoints; the bond goes back to the owner exactly at the end of the unbonding period, at block end", () => {
    const s = chain();
    mustRun(s, msgRegisterConsumerHandler, register());
    const balance = getBalance(s, addr(1), DENOM);
    const out = mustRun(s, msgDeregisterConsumerHandler, { owner: acc(1), consumerId: "evm-1" }, { height: 7, time: T0 + 50 });
    expect(Number(aegis.consumers.v1.MsgDeregisterConsumerResponse.decode(out.result!.response.value).bond_return_time_ms)).toBe(T0 + 50 + UNBONDING);
    const c = getConsumer(s, "evm-1")!;
    expect(c).toMatchObject({ deregisteredHeight: 7, bondReturnTimeMs: T0 + 50 + UNBONDING });
    expect(getConsumerStatus(c)).toBe("deregistered");
    expectRefused(s, msgDeregisterConsumerHandler, { owner: acc(1), consumerId: "evm-1" }, /already deregistered/);
    // one ms early: nothing
    expect(processMatureConsumerBonds(s, T0 + 50 + UNBONDING - 1)).toEqual([]);
    expect(getBalance(s, addr(1), DENOM)).toBe(balance);
    const events = processMatureConsumerBonds(s, T0 + 50 + UNBONDING);
    expect(events).toHaveLength(1);
    expect(events[0]!.attributes).toContainEqual({ key: "amount", value: `${MIN}${DENOM}` });
    expect(getBalance(s, addr(1), DENOM)).toBe(balance + MIN);
    expect(getBalance(s, CONSUMERS_MODULE_ADDRESS, DENOM)).toBe(0n);
    expect(getConsumer(s, "evm-1")).toMatchObject({ bond: { amount: 0n }, bondReturnTimeMs: 0 });
    expect(processMatureConsumerBonds(s, T0 + 10 * UNBONDING)).toEqual([]);
  });

  test("evidence during the unbonding period burns the bond and takes it off the queue", () => {
    const s = chain();
    mustRun(s, msgRegisterConsumerHandler, register());
    mustRun(s, msgDeregisterConsumerHandler, { owner: acc(1), consumerId: "evm-1" });
    const balance = getBalance(s, addr(1), DENOM);
    mustRun(s, msgSubmitConsumerEvidenceHandler, conflict("evm-1"));
    expect(getConsumer(s, "evm-1")).toMatchObject({ frozen: true, bond: { amount: 0n }, bondReturnTimeMs: 0 });
    expect(processMatureConsumerBonds(s, T0 + 10 * UNBONDING)).toEqual([]);
    expect(getBalance(s, addr(1), DENOM)).toBe(balance);
  });

  test("refused for another owner or an unknown consumer", () => {
    const s = chain();
    mustRun(s, msgRegisterConsumerHandler, register());
    expectRefused(s, msgDeregisterConsumerHandler, { owner: acc(2), consumerId: "evm-1" }, /is not the owner/);
    expectRefused(s, msgDeregisterConsumerHandler, { owner: acc(1), consumerId: "nobody" }, /unknown consumer nobody/);
  });
});

test("queries: Consumer (with its latest checkpoint), Consumers, Checkpoint (0 = latest)", () => {
  const s = chain();
  mustRun(s, msgRegisterConsumerHandler, register());
  mustRun(s, msgRegisterConsumerHandler, register({ consumerId: "a" }));
  const c1 = checkpoint("evm-1", 3, undefined);
  mustRun(s, msgSubmitCheckpointHandler, submit(c1), { height: 5 });
  const pb = aegis.consumers.v1;
  const one = queryConsumers(s, "/aegis.consumers.v1.Query/Consumer", pb.QueryConsumerRequest.encode({ consumer_id: "evm-1" }).finish(), 5)!;
  expect(one.code).toBe(0);
  const r = pb.QueryConsumerResponse.decode(one.value!);
  expect(r.consumer!.owner).toBe(acc(1));
  expect(Number(r.latest!.hub_height)).toBe(5);
  const all = pb.QueryConsumersResponse.decode(queryConsumers(s, "/aegis.consumers.v1.Query/Consumers", new Uint8Array(0), 5)!.value!);
  expect(all.consumers.map((c) => c.consumer_id)).toEqual(["a", "evm-1"]);
  for (const h of [0, 3]) {
    const q = queryConsumers(s, "/aegis.consumers.v1.Query/Checkpoint", pb.QueryCheckpointRequest.encode({ consumer_id: "evm-1", height: h }).finish(), 5)!;
    expect(pb.QueryCheckpointResponse.decode(q.value!).record!.checkpoint!.state_root).toEqual(c1.stateRoot);
  }
  expect(queryConsumers(s, "/aegis.consumers.v1.Query/Checkpoint", pb.QueryCheckpointRequest.encode({ consumer_id: "evm-1", height: 4 }).finish(), 5)!.code).toBe(22);
  expect(queryConsumers(s, "/aegis.consumers.v1.Query/Consumer", pb.QueryConsumerRequest.encode({ consumer_id: "nobody" }).finish(), 5)!.code).toBe(22);
  expect(queryConsumers(s, "/aegis.consumers.v1.Query/Consumer", pb.QueryConsumerRequest.encode({ consumer_id: "Bad!" }).finish(), 5)!.code).toBe(18);
  expect(queryConsumers(s, "/cosmos.bank.v1beta1.Query/Balance", new Uint8Array(0), 5)).toBeNull();
});
