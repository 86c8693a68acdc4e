// The UTXO reference chain over a real level DB and real ed25519: genesis, spends, the owner index
// and its queries, every kind of bad input (typed code, state untouched), double spends, blocks
// (executeBlock refuses, buildBlock leaves out), reorgs and reopening.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Level } from "level";
import { ed25519 } from "@noble/curves/ed25519.js";
import { CanonicalWriter, concatBytes, fromHex, sha256, toHex } from "@aegis/consumer-sdk";
import { ExecutionError, StateDb, type BlockContext } from "@aegis/consumer-runtime";
import {
  computeUtxoTxHash,
  createUtxoKey,
  decodeUtxoTx,
  encodeUtxoTx,
  GenesisError,
  parseUtxoGenesis,
  signUtxoTx,
  UTXO_MAX_INPUTS,
  UtxoEnvironment,
  utxoAddress,
  utxoGenesisTxHash,
  utxoSighash,
  validateUtxoGenesis,
  type UtxoTx,
  type UtxoView,
} from "../src/utxo/index.js";

const CHAIN = "utxo-test-1";
const seed = (i: number) => new Uint8Array(32).fill(i);
const alice = createUtxoKey(seed(1));
const bob = createUtxoKey(seed(2));
const carol = createUtxoKey(seed(3));
/** Genesis outputs: (G, 0) alice 1000, (G, 1) alice 300, (G, 2) bob 500. */
const GENESIS = {
  outputs: [
    { owner: alice.address, amount: "1000" },
    { owner: alice.address, amount: 300 },
    { owner: bob.address, amount: "500" },
  ],
};
const G = utxoGenesisTxHash(CHAIN);
const g = (index: number) => ({ txHash: G, index });
const ctx = (height = 1): BlockContext => ({ consumerId: CHAIN, height, time: 1_700_000_000_000 + height, parentHash: new Uint8Array(32) });
/** A point of order 8 (RFC 8032 test material): a small-order public key. */
const T8 = fromHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a");

type Bin = Level<Uint8Array, Uint8Array>;
const openLevel = (dir: string): Bin => new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: "view", valueEncoding: "view" });
const stateOf = (db: Bin) => new StateDb(db.sublevel<Uint8Array, Uint8Array>("state", { keyEncoding: "view", valueEncoding: "view" }));
const countKeys = async (db: Bin) => (await db.keys().all()).length;

async function expectCode(p: Promise<unknown>, code: string): Promise<ExecutionError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ExecutionError);
  expect((err as ExecutionError).code).toBe(code);
  return err as ExecutionError;
}

type Key = { secretKey: Uint8Array };
/** A spend of `inputs` (each signed by its key) to `outputs`. */
const spend = (inputs: [{ txHash: Uint8Array; index: number }, Key][], outputs: [string, number][], chainId = CHAIN) =>
  signUtxoTx(
    { chainId, inputs: inputs.map(([i]) => i), outputs: outputs.map(([owner, amount]) => ({ owner, amount })) },
    inputs.map(([, k]) => k.secretKey),
  );

describe("UtxoEnvironment", () => {
  let dir: string;
  let db: Bin;
  let env: UtxoEnvironment;
  let genesisRoot: Uint8Array;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "aegis-utxo-"));
    db = openLevel(dir);
    env = new UtxoEnvironment({ consumerId: CHAIN, genesis: GENESIS });
    await env.open(stateOf(db));
    genesisRoot = await env.initGenesis();
  });
  afterEach(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const utxos = (root: Uint8Array, address: string) => env.query(root, ["utxos", address]) as Promise<UtxoView[]>;
  const balance = async (root: Uint8Array, address: string) => ((await env.query(root, ["balances", address])) as { amount: string }).amount;
  const output = (root: Uint8Array, txHash: Uint8Array, index: number) => env.query(root, ["outputs", toHex(txHash), String(index)]);
  const snapshot = (root: Uint8Array) =>
    Promise.all([...[alice, bob, carol].flatMap((k) => [utxos(root, k.address), balance(root, k.address)]), output(root, G, 0), output(root, G, 2)]);

  it("writes a deterministic genesis: outputs of the pseudo-transaction sha256(string(domain) ‖ string(consumerId))", async () => {
    expect(G).toEqual(sha256(new CanonicalWriter().string("aegis/utxo/genesis/v1").string(CHAIN).finish()));
    expect(env.genesisTxHash).toEqual(G);
    expect(await env.initGenesis()).toEqual(genesisRoot);
    const dir2 = await mkdtemp(join(tmpdir(), "aegis-utxo-"));
    const db2 = openLevel(dir2);
    try {
      const same = new UtxoEnvironment({ consumerId: CHAIN, genesis: JSON.parse(JSON.stringify(GENESIS)) });
      await same.open(stateOf(db2));
      expect(toHex(await same.initGenesis())).toBe(toHex(genesisRoot));
      // Another chain's genesis outputs are other outputs (another pseudo-transaction hash).
      const other = new UtxoEnvironment({ consumerId: "utxo-test-2", genesis: GENESIS });
      await other.open(stateOf(db2));
      expect(toHex(await other.initGenesis())).not.toBe(toHex(genesisRoot));
    } finally {
      await db2.close();
      await rm(dir2, { recursive: true, force: true });
    }
    expect(await utxos(genesisRoot, alice.address)).toEqual([
      { txHash: toHex(G), index: 0, amount: "1000" },
      { txHash: toHex(G), index: 1, amount: "300" },
    ]);
    expect(await balance(genesisRoot, alice.address.toUpperCase())).toBe("1300");
    expect(await output(genesisRoot, G, 2)).toEqual({ txHash: toHex(G), index: 2, owner: bob.address, amount: "500" });
    expect(await output(genesisRoot, G, 3)).toBeUndefined();
    expect(await utxos(genesisRoot, carol.address)).toEqual([]);
    expect(await balance(genesisRoot, carol.address)).toBe("0");
  });

  it("encodes and signs transactions as documented", () => {
    expect(utxoAddress(alice.publicKey)).toBe(toHex(sha256(alice.publicKey).slice(0, 20)));
    const tx = spend([[g(0), alice], [g(2), bob]], [[carol.address, 1400], [alice.address, 90]]);
    const t = decodeUtxoTx(tx);
    expect(t.chainId).toBe(CHAIN);
    expect(t.inputs).toEqual([g(0), g(2)]);
    expect(t.outputs.map((o) => [toHex(o.owner), o.amount])).toEqual([[carol.address, 1400n], [alice.address, 90n]]);
    expect(t.witnesses.map((w) => w.publicKey)).toEqual([alice.publicKey, bob.publicKey]);
    expect(ed25519.verify(t.witnesses[1]!.signature, utxoSighash(t), bob.publicKey)).toBe(true);
    expect(encodeUtxoTx(t)).toEqual(tx);
    expect(computeUtxoTxHash(tx)).toEqual(sha256(tx));
    // u8 1 ‖ string(chainId) ‖ u32 2 ‖ 2 × (32 + 4) ‖ u32 2 ‖ 2 × (20 + 8) ‖ 2 × (32 + 64)
    expect(tx.length).toBe(1 + 4 + CHAIN.length + 4 + 2 * 36 + 4 + 2 * 28 + 2 * 96);
    expect(() => signUtxoTx({ chainId: CHAIN, inputs: [g(0)], outputs: [] }, [])).toThrow(/secretKeys/);
  });

  it("executes a spend: inputs deleted, outputs (txHash, i) created, the fee burned, the old root unchanged", async () => {
    const tx = spend([[g(0), alice], [g(1), alice]], [[carol.address, 700], [alice.address, 590]]);
    const h = computeUtxoTxHash(tx);
    await env.checkTx(genesisRoot, tx);
    const { stateRoot, receipts } = await env.executeBlock(genesisRoot, [tx], ctx());
    expect(toHex(stateRoot)).not.toBe(toHex(genesisRoot));
    expect(receipts).toEqual([{ code: 0, log: "" }]);
    expect(await utxos(stateRoot, alice.address)).toEqual([{ txHash: toHex(h), index: 1, amount: "590" }]);
    expect(await utxos(stateRoot, carol.address)).toEqual([{ txHash: toHex(h), index: 0, amount: "700" }]);
    expect(await balance(stateRoot, bob.address)).toBe("500");
    expect(await output(stateRoot, G, 0)).toBeUndefined();
    expect(await output(stateRoot, h, 0)).toEqual({ txHash: toHex(h), index: 0, owner: carol.address, amount: "700" });
    expect(await balance(genesisRoot, alice.address)).toBe("1300");
    expect((await env.executeBlock(genesisRoot, [tx], ctx())).stateRoot).toEqual(stateRoot);
    // Spent: the same transaction again, or any other spend of its inputs, is refused.
    await expectCode(env.checkTx(stateRoot, tx), "EXECUTION_ERROR_INVALID_TX");
    await expectCode(env.executeBlock(stateRoot, [spend([[g(1), alice]], [[bob.address, 1]])], ctx(2)), "EXECUTION_ERROR_INVALID_TX");
  });

  it("applies a block in order: a transaction may spend an earlier one's outputs; buildBlock and executeBlock agree", async () => {
    const t1 = spend([[g(0), alice]], [[carol.address, 1000]]);
    const t2 = spend([[{ txHash: computeUtxoTxHash(t1), index: 0 }, carol]], [[bob.address, 600], [carol.address, 399]]);
    const bad = spend([[g(2), alice]], [[alice.address, 500]]); // bob's output
    const built = await env.buildBlock(genesisRoot, [t1, bad, t2], ctx());
    expect(built.txs).toEqual([t1, t2]);
    expect(built.rejected.map((r) => [r.tx, r.error.code])).toEqual([[bad, "EXECUTION_ERROR_UNAUTHORIZED"]]);
    expect(await balance(built.stateRoot, carol.address)).toBe("399");
    expect(await balance(built.stateRoot, bob.address)).toBe("1100");
    expect(await balance(built.stateRoot, alice.address)).toBe("300");
    const executed = await env.executeBlock(genesisRoot, built.txs, ctx());
    expect(executed.stateRoot).toEqual(built.stateRoot);
    expect(executed.receipts).toEqual(built.receipts);
    // Out of order, t2 spends what does not exist yet.
    await expectCode(env.executeBlock(genesisRoot, [t2, t1], ctx()), "EXECUTION_ERROR_INVALID_TX");
  });

  it("refuses a double spend within a block: executeBlock throws, buildBlock keeps the first spender", async () => {
    const first = spend([[g(0), alice]], [[carol.address, 1000]]);
    const second = spend([[g(0), alice]], [[bob.address, 999]]);
    const e = await expectCode(env.executeBlock(genesisRoot, [first, second], ctx()), "EXECUTION_ERROR_INVALID_TX");
    expect(e.message).toMatch(/is not an unspent output/);
    await expectCode(env.executeBlock(genesisRoot, [first, first], ctx()), "EXECUTION_ERROR_INVALID_TX");
    const built = await env.buildBlock(genesisRoot, [first, second, first], ctx());
    expect(built.txs).toEqual([first]);
    expect(built.rejected.map((r) => [r.tx, r.error.code])).toEqual([
      [second, "EXECUTION_ERROR_INVALID_TX"],
      [first, "EXECUTION_ERROR_INVALID_TX"],
    ]);
    expect(built.stateRoot).toEqual((await env.executeBlock(genesisRoot, [first], ctx())).stateRoot);
    // Both are admissible on their own at genesis (the mempool sees no conflict until a block does).
    await env.checkTx(genesisRoot, first);
    await env.checkTx(genesisRoot, second);
  });

  describe("refuses every kind of bad input with its code, leaving the state as it was", () => {
    const valid = () => spend([[g(0), alice]], [[carol.address, 900]]);
    const withTx = (f: (t: UtxoTx) => Partial<UtxoTx>) => {
      const t = decodeUtxoTx(valid());
      return encodeUtxoTx({ ...t, ...f(t) });
    };
    /** `t` with every witness re-signed by its key (for bodies the signer helper would refuse or that need valid signatures). */
    const signed = (t: Omit<UtxoTx, "witnesses">, keys: Key[]) => {
      const h = utxoSighash(t);
      return encodeUtxoTx({ ...t, witnesses: keys.map((k) => ({ publicKey: ed25519.getPublicKey(k.secretKey), signature: ed25519.sign(h, k.secretKey) })) });
    };
    const body = (inputs: number, outputs: number) => ({
      chainId: CHAIN,
      inputs: Array.from({ length: inputs }, (_, i) => g(i)),
      outputs: Array.from({ length: outputs }, () => ({ owner: fromHex(carol.address), amount: 1n })),
    });
    const cases: [string, () => Uint8Array, string, RegExp][] = [
      ["a trailing byte", () => concatBytes(valid(), Uint8Array.of(0)), "EXECUTION_ERROR_MALFORMED_TX", /trailing bytes/],
      ["a truncated transaction", () => valid().slice(0, -1), "EXECUTION_ERROR_MALFORMED_TX", /witnesses\[0\].signature: truncated/],
      ["a missing witness", () => valid().slice(0, -96), "EXECUTION_ERROR_MALFORMED_TX", /witnesses\[0\].publicKey: truncated/],
      ["no bytes", () => new Uint8Array(0), "EXECUTION_ERROR_MALFORMED_TX", /format: truncated/],
      ["another format byte", () => Uint8Array.from(valid(), (b, i) => (i === 0 ? 0 : b)), "EXECUTION_ERROR_MALFORMED_TX", /format: 0/],
      ["a chain id that is not a consumer id", () => withTx(() => ({ chainId: "utxo test" })), "EXECUTION_ERROR_MALFORMED_TX", /chainId: not a consumer id/],
      ["no inputs", () => signed(body(0, 1), []), "EXECUTION_ERROR_MALFORMED_TX", /inputs: 0 is not within 1..64/],
      ["no outputs", () => signed(body(1, 0), [alice]), "EXECUTION_ERROR_MALFORMED_TX", /outputs: 0 is not within 1..64/],
      ["65 inputs", () => signed(body(UTXO_MAX_INPUTS + 1, 1), Array(UTXO_MAX_INPUTS + 1).fill(alice)), "EXECUTION_ERROR_MALFORMED_TX", /inputs: 65/],
      ["65 outputs", () => signed(body(1, 65), [alice]), "EXECUTION_ERROR_MALFORMED_TX", /outputs: 65/],
      ["an input listed twice", () => spend([[g(0), alice], [g(1), alice], [g(0), alice]], [[carol.address, 1]]), "EXECUTION_ERROR_MALFORMED_TX", /inputs\[2\]: spends .* again/],
      ["an output of amount 0", () => spend([[g(0), alice]], [[carol.address, 0]]), "EXECUTION_ERROR_MALFORMED_TX", /outputs\[0\].amount: 0 is below 1/],
      [
        "outputs summing past 2^64-1",
        () => signed({ ...body(1, 2), outputs: [{ owner: fromHex(carol.address), amount: 2n ** 63n }, { owner: fromHex(carol.address), amount: 2n ** 63n }] }, [alice]),
        "EXECUTION_ERROR_MALFORMED_TX",
        /sum past/,
      ],
      ["a tampered signature", () => withTx((t) => ({ witnesses: [{ ...t.witnesses[0]!, signature: t.witnesses[0]!.signature.map((b, i) => (i === 9 ? b ^ 1 : b)) }] })), "EXECUTION_ERROR_UNAUTHORIZED", /witnesses\[0\].signature: does not verify/],
      ["a tampered output", () => withTx((t) => ({ outputs: [{ ...t.outputs[0]!, amount: 901n }] })), "EXECUTION_ERROR_UNAUTHORIZED", /does not verify/],
      ["a small-order witness key", () => withTx((t) => ({ witnesses: [{ publicKey: T8, signature: t.witnesses[0]!.signature }] })), "EXECUTION_ERROR_UNAUTHORIZED", /small order/],
      ["spending another's output (signed by the spender's own key)", () => spend([[g(1), bob]], [[bob.address, 300]]), "EXECUTION_ERROR_UNAUTHORIZED", /is owned by/],
      ["another chain's transaction", () => spend([[g(0), alice]], [[carol.address, 900]], "other-chain"), "EXECUTION_ERROR_INVALID_TX", /chainId: other-chain is not this chain/],
      ["an unknown output", () => spend([[{ txHash: new Uint8Array(32).fill(5), index: 0 }, alice]], [[carol.address, 1]]), "EXECUTION_ERROR_INVALID_TX", /is not an unspent output/],
      ["an index past the genesis outputs", () => spend([[g(3), alice]], [[carol.address, 1]]), "EXECUTION_ERROR_INVALID_TX", /is not an unspent output/],
      ["outputs worth more than the inputs", () => spend([[g(0), alice], [g(1), alice]], [[carol.address, 1000], [carol.address, 301]]), "EXECUTION_ERROR_INVALID_TX", /1301 is more than the inputs' 1300/],
    ];

    it.each(cases)("%s", async (_name, make, code, reason) => {
      const tx = make();
      const keysBefore = await countKeys(db);
      const before = await snapshot(genesisRoot);
      expect((await expectCode(env.checkTx(genesisRoot, tx), code)).message).toMatch(reason);
      await expectCode(env.executeBlock(genesisRoot, [tx], ctx()), code);
      // After a valid spend (bob pays carol), the block is invalid all the same.
      const first = spend([[g(2), bob]], [[carol.address, 500]]);
      await expectCode(env.executeBlock(genesisRoot, [first, tx], ctx()), code);
      const built = await env.buildBlock(genesisRoot, [tx], ctx());
      expect(built.txs).toEqual([]);
      expect(built.rejected.map((r) => r.error.code)).toEqual([code]);
      expect(built.stateRoot).toEqual(genesisRoot);
      expect(await countKeys(db)).toBe(keysBefore); // nothing written
      expect(await snapshot(genesisRoot)).toEqual(before);
      const builtAfter = await env.buildBlock(genesisRoot, [first, tx], ctx());
      expect(builtAfter.txs).toEqual([first]);
      expect(builtAfter.rejected.map((r) => r.error.code)).toEqual([code]);
      expect(builtAfter.stateRoot).toEqual((await env.executeBlock(genesisRoot, [first], ctx())).stateRoot);
    });
  });

  it("answers an address's outputs from the owner index, sorted, among many outputs of many owners", async () => {
    const keys = Array.from({ length: 6 }, (_, i) => createUtxoKey(seed(10 + i)));
    const many = { outputs: Array.from({ length: 120 }, (_, i) => ({ owner: keys[(i * 7) % 6]!.address, amount: String(1 + ((i * 37) % 101)) })) };
    const dir2 = await mkdtemp(join(tmpdir(), "aegis-utxo-"));
    const db2 = openLevel(dir2);
    try {
      const e2 = new UtxoEnvironment({ consumerId: CHAIN, genesis: many });
      await e2.open(stateOf(db2));
      let root = await e2.initGenesis();
      // Spend some outputs into new transactions, so the index holds several transaction hashes per owner.
      const live = new Map(many.outputs.map((o, i) => [`${toHex(G)}:${i}`, { txHash: G, index: i, owner: o.owner, amount: BigInt(o.amount) }]));
      for (let round = 0; round < 4; round++) {
        const txs: Uint8Array[] = [];
        for (const [k, key] of keys.entries()) {
          const mine = [...live.values()].filter((o) => o.owner === key.address).slice(0, 3);
          const total = mine.reduce((s, o) => s + o.amount, 0n);
          const outs: [string, number][] = [[keys[(k + 1) % 6]!.address, Number(total / 2n)], [key.address, Number(total - total / 2n) - 1]];
          const tx = spend(mine.map((o) => [{ txHash: o.txHash, index: o.index }, key]), outs);
          const h = computeUtxoTxHash(tx);
          for (const o of mine) live.delete(`${toHex(o.txHash)}:${o.index}`);
          outs.forEach(([owner, amount], index) => live.set(`${toHex(h)}:${index}`, { txHash: h, index, owner, amount: BigInt(amount) }));
          txs.push(tx);
        }
        root = (await e2.executeBlock(root, txs, ctx(round + 1))).stateRoot;
      }
      for (const key of [...keys, carol]) {
        const expected = [...live.values()]
          .filter((o) => o.owner === key.address)
          .map((o) => ({ txHash: toHex(o.txHash), index: o.index, amount: o.amount.toString() }))
          .sort((a, b) => (a.txHash < b.txHash ? -1 : a.txHash > b.txHash ? 1 : a.index - b.index));
        expect(await e2.query(root, ["utxos", key.address])).toEqual(expected);
        const sum = expected.reduce((s, o) => s + BigInt(o.amount), 0n);
        expect(await e2.query(root, ["balances", key.address])).toEqual({ address: key.address, amount: sum.toString() });
      }
    } finally {
      await db2.close();
      await rm(dir2, { recursive: true, force: true });
    }
  });

  it("re-executing from an older root (a reorg) reproduces the same roots", async () => {
    const a = [spend([[g(0), alice]], [[bob.address, 990]])];
    const b = [spend([[{ txHash: computeUtxoTxHash(a[0]!), index: 0 }, bob], [g(2), bob]], [[carol.address, 1490]])];
    const rootA = (await env.executeBlock(genesisRoot, a, ctx(1))).stateRoot;
    const rootB = (await env.executeBlock(rootA, b, ctx(2))).stateRoot;
    // A competing branch from genesis spends the same output elsewhere...
    const rootA2 = (await env.executeBlock(genesisRoot, [spend([[g(0), alice]], [[carol.address, 990]])], ctx(1))).stateRoot;
    expect(toHex(rootA2)).not.toBe(toHex(rootA));
    await expectCode(env.executeBlock(rootA2, b, ctx(2)), "EXECUTION_ERROR_INVALID_TX");
    // ...and back: the same blocks give the same roots.
    expect((await env.executeBlock(genesisRoot, a, ctx(1))).stateRoot).toEqual(rootA);
    expect((await env.executeBlock(rootA, b, ctx(2))).stateRoot).toEqual(rootB);
    expect(await balance(rootB, carol.address)).toBe("1490");
    expect(await balance(rootA2, carol.address)).toBe("990");
  });

  it("keeps every recorded state after the DB is reopened", async () => {
    const tx = spend([[g(1), alice]], [[carol.address, 300]]);
    const rootA = (await env.executeBlock(genesisRoot, [tx], ctx(1))).stateRoot;
    await db.close();
    db = openLevel(dir);
    env = new UtxoEnvironment({ consumerId: CHAIN, genesis: GENESIS });
    await env.open(stateOf(db));
    expect(await balance(genesisRoot, alice.address)).toBe("1300");
    expect(await utxos(rootA, carol.address)).toEqual([{ txHash: toHex(computeUtxoTxHash(tx)), index: 0, amount: "300" }]);
    const rootB = (await env.executeBlock(rootA, [spend([[{ txHash: computeUtxoTxHash(tx), index: 0 }, carol]], [[bob.address, 300]])], ctx(2))).stateRoot;
    expect(await balance(rootB, bob.address)).toBe("800");
    await expectCode(env.query(new Uint8Array(32).fill(9), ["utxos", alice.address]), "EXECUTION_ERROR_MISSING_STATE");
  });

  it("refuses a query path it does not answer", async () => {
    const h = toHex(G);
    for (const path of [
      [],
      ["utxos"],
      ["utxos", "xyz"],
      ["utxos", alice.address, "1"],
      ["balances", `0x${alice.address}`],
      ["outputs", h],
      ["outputs", h.slice(2), "0"],
      ["outputs", h, "-1"],
      ["outputs", h, "01"],
      ["outputs", h, "1.0"],
      ["outputs", h, "4294967296"],
      ["accounts", alice.address],
    ]) {
      await expectCode(env.query(genesisRoot, path), "EXECUTION_ERROR_BAD_QUERY");
    }
    expect(await env.query(genesisRoot, ["outputs", h, "4294967295"])).toBeUndefined();
  });
});

describe("UTXO genesis", () => {
  const a = createUtxoKey(seed(1)).address;
  const fieldError = (f: () => unknown, field: string) => {
    let err: unknown;
    try {
      f();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GenesisError);
    expect((err as GenesisError).type).toMatchObject({ code: "GENESIS_ERROR_INVALID_FIELD", field });
  };

  it("parses JSON; an owner may have several outputs", () => {
    const g = parseUtxoGenesis(JSON.stringify({ outputs: [{ owner: a, amount: "5" }, { owner: a.toUpperCase(), amount: 7 }] }));
    expect(g).toEqual({ outputs: [{ owner: a, amount: 5n }, { owner: a, amount: 7n }] });
    expect(validateUtxoGenesis(g)).toEqual(g);
  });

  it("refuses what is not a genesis, naming the field", () => {
    expect(() => parseUtxoGenesis("not json")).toThrow(expect.objectContaining({ code: "GENESIS_ERROR_INVALID_JSON" }));
    const p = (v: unknown) => () => parseUtxoGenesis(JSON.stringify(v));
    fieldError(p(null), "");
    fieldError(p({ allocations: [] }), "allocations");
    fieldError(p({ outputs: "x" }), "outputs");
    fieldError(p({ outputs: [{ owner: a, amount: "0" }] }), "outputs[0].amount");
    fieldError(p({ outputs: [{ owner: "zz", amount: "1" }] }), "outputs[0].owner");
    fieldError(p({ outputs: [{ address: a, amount: "1" }] }), "outputs[0].address");
    fieldError(p({ outputs: [{ owner: a, amount: "18446744073709551615" }, { owner: a, amount: "1" }] }), "outputs");
    fieldError(() => new UtxoEnvironment({ consumerId: "", genesis: { outputs: [] } }), "consumerId");
  });
});
