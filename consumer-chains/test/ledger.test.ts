// The ledger reference chain over a real level DB and real ed25519: genesis, transfers, every kind of
// bad input (typed code, state untouched), blocks (executeBlock refuses, buildBlock leaves out), reorgs
// and reopening.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Level } from "level";
import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToNumberLE } from "@noble/curves/utils.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { concatBytes, fromHex, sha256, toHex } from "@aegis/consumer-sdk";
import { ExecutionError, StateDb, type BlockContext } from "@aegis/consumer-runtime";
import {
  computeLedgerTxHash,
  createLedgerKey,
  decodeLedgerTx,
  encodeLedgerTx,
  GenesisError,
  LEDGER_MAX_NONCE_AHEAD,
  LedgerEnvironment,
  ledgerAddress,
  ledgerSignBytes,
  parseLedgerGenesis,
  signLedgerTransfer,
  validateLedgerGenesis,
  type LedgerTx,
} from "../src/ledger/index.js";

const CHAIN = "ledger-test-1";
const seed = (i: number) => new Uint8Array(32).fill(i);
const alice = createLedgerKey(seed(1));
const bob = createLedgerKey(seed(2));
const carol = createLedgerKey(seed(3));
const GENESIS = { allocations: [{ address: alice.address, amount: "1000" }, { address: bob.address, amount: 500 }] };
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

const transfer = (from: { secretKey: Uint8Array }, to: string, amount: number, nonce: number, fee = 1, chainId = CHAIN) =>
  signLedgerTransfer({ chainId, to, amount, fee, nonce }, from.secretKey);

describe("LedgerEnvironment", () => {
  let dir: string;
  let db: Bin;
  let env: LedgerEnvironment;
  let genesisRoot: Uint8Array;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "aegis-ledger-"));
    db = openLevel(dir);
    env = new LedgerEnvironment({ consumerId: CHAIN, genesis: GENESIS });
    await env.open(stateOf(db));
    genesisRoot = await env.initGenesis();
  });
  afterEach(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const account = (root: Uint8Array, address: string) => env.query(root, ["accounts", address]);

  it("writes a deterministic genesis: the same root for the same allocations in any order, and answers accounts", async () => {
    expect(await env.initGenesis()).toEqual(genesisRoot);
    const dir2 = await mkdtemp(join(tmpdir(), "aegis-ledger-"));
    const db2 = openLevel(dir2);
    try {
      const reversed = new LedgerEnvironment({ consumerId: CHAIN, genesis: { allocations: [...GENESIS.allocations].reverse() } });
      await reversed.open(stateOf(db2));
      expect(toHex(await reversed.initGenesis())).toBe(toHex(genesisRoot));
      const other = new LedgerEnvironment({ consumerId: CHAIN, genesis: { allocations: [{ address: alice.address, amount: "1001" }] } });
      await other.open(stateOf(db2));
      expect(toHex(await other.initGenesis())).not.toBe(toHex(genesisRoot));
    } finally {
      await db2.close();
      await rm(dir2, { recursive: true, force: true });
    }
    expect(await account(genesisRoot, alice.address)).toEqual({ address: alice.address, balance: "1000", nonce: 0 });
    expect(await account(genesisRoot, bob.address.toUpperCase())).toEqual({ address: bob.address, balance: "500", nonce: 0 });
    expect(await account(genesisRoot, carol.address)).toBeUndefined();
  });

  it("derives addresses and encodes transfers as documented", () => {
    expect(alice.address).toBe(toHex(sha256(alice.publicKey).slice(0, 20)));
    expect(ledgerAddress(alice.publicKey)).toBe(alice.address);
    const tx = transfer(alice, carol.address, 100, 7, 5);
    const t = decodeLedgerTx(tx);
    expect(t).toMatchObject({ chainId: CHAIN, amount: 100n, fee: 5n, nonce: 7 });
    expect(t.from).toEqual(alice.publicKey);
    expect(toHex(t.to)).toBe(carol.address);
    expect(encodeLedgerTx(t)).toEqual(tx);
    expect(computeLedgerTxHash(tx)).toEqual(sha256(tx));
    // u8 1 ‖ string(chainId) ‖ from ‖ to ‖ amount ‖ fee ‖ nonce ‖ signature
    expect(tx.length).toBe(1 + 4 + CHAIN.length + 32 + 20 + 8 * 3 + 64);
    expect(tx[0]).toBe(1);
    const domain = new TextEncoder().encode("aegis/ledger/tx/v1");
    expect(ledgerSignBytes(t).subarray(4, 4 + domain.length)).toEqual(domain);
    expect(ed25519.verify(t.signature, ledgerSignBytes(t), alice.publicKey)).toBe(true);
  });

  it("executes a transfer: new root, sender pays amount + fee (burned), recipient created, old root unchanged", async () => {
    const tx = transfer(alice, carol.address, 100, 0, 5);
    await env.checkTx(genesisRoot, tx);
    const { stateRoot, receipts } = await env.executeBlock(genesisRoot, [tx], ctx());
    expect(toHex(stateRoot)).not.toBe(toHex(genesisRoot));
    expect(receipts).toEqual([{ code: 0, log: "" }]);
    expect(await account(stateRoot, alice.address)).toEqual({ address: alice.address, balance: "895", nonce: 1 });
    expect(await account(stateRoot, carol.address)).toEqual({ address: carol.address, balance: "100", nonce: 0 });
    expect(await account(stateRoot, bob.address)).toEqual({ address: bob.address, balance: "500", nonce: 0 });
    expect(await account(genesisRoot, alice.address)).toEqual({ address: alice.address, balance: "1000", nonce: 0 });
    expect(await account(genesisRoot, carol.address)).toBeUndefined();
    // The same block again (as another node would) gives the same root.
    expect((await env.executeBlock(genesisRoot, [tx], ctx())).stateRoot).toEqual(stateRoot);
    // An empty block keeps the root.
    expect((await env.executeBlock(stateRoot, [], ctx(2))).stateRoot).toEqual(stateRoot);
    // A transfer to oneself only burns the fee.
    const self = await env.executeBlock(stateRoot, [transfer(alice, alice.address, 300, 1, 2)], ctx(2));
    expect(await account(self.stateRoot, alice.address)).toEqual({ address: alice.address, balance: "893", nonce: 2 });
  });

  it("buildBlock applies candidates in order (each sees the previous) and leaves out invalid ones; executeBlock agrees", async () => {
    const a0 = transfer(alice, carol.address, 600, 0);
    const bad = transfer(alice, bob.address, 1, 5); // nonce gap
    const a1 = transfer(alice, bob.address, 300, 1);
    const c0 = transfer(carol, bob.address, 599, 0); // carol's money arrived in a0
    const a2 = transfer(alice, bob.address, 100, 2); // alice has 98 left: insufficient
    const built = await env.buildBlock(genesisRoot, [a0, bad, a1, c0, a2], ctx());
    expect(built.txs).toEqual([a0, a1, c0]);
    expect(built.receipts).toHaveLength(3);
    expect(built.rejected.map((r) => [r.tx, r.error.code])).toEqual([
      [bad, "EXECUTION_ERROR_INVALID_TX"],
      [a2, "EXECUTION_ERROR_INVALID_TX"],
    ]);
    expect(built.rejected[1]!.error.message).toMatch(/insufficient balance/);
    expect(await account(built.stateRoot, alice.address)).toEqual({ address: alice.address, balance: "98", nonce: 2 });
    expect(await account(built.stateRoot, carol.address)).toEqual({ address: carol.address, balance: "0", nonce: 1 });
    expect(await account(built.stateRoot, bob.address)).toEqual({ address: bob.address, balance: "1399", nonce: 0 });
    const executed = await env.executeBlock(genesisRoot, built.txs, ctx());
    expect(executed.stateRoot).toEqual(built.stateRoot);
    expect(executed.receipts).toEqual(built.receipts);
    // A block holding the invalid one is invalid as a whole; its valid part alone is not.
    await expectCode(env.executeBlock(genesisRoot, [a0, bad, a1], ctx()), "EXECUTION_ERROR_INVALID_TX");
  });

  it("checkTx admits nonces up to LEDGER_MAX_NONCE_AHEAD ahead of the account; blocks take exact nonces only", async () => {
    await env.checkTx(genesisRoot, transfer(alice, bob.address, 1, 0));
    await env.checkTx(genesisRoot, transfer(alice, bob.address, 1, LEDGER_MAX_NONCE_AHEAD));
    await expectCode(env.checkTx(genesisRoot, transfer(alice, bob.address, 1, LEDGER_MAX_NONCE_AHEAD + 1)), "EXECUTION_ERROR_INVALID_TX");
    await expectCode(env.executeBlock(genesisRoot, [transfer(alice, bob.address, 1, 1)], ctx()), "EXECUTION_ERROR_INVALID_TX");
    const { stateRoot } = await env.executeBlock(genesisRoot, [transfer(alice, bob.address, 1, 0)], ctx());
    // Replaying the executed transfer, or any nonce below the account's, is refused everywhere.
    const replay = transfer(alice, bob.address, 1, 0);
    await expectCode(env.checkTx(stateRoot, replay), "EXECUTION_ERROR_INVALID_TX");
    const e = await expectCode(env.executeBlock(stateRoot, [replay], ctx(2)), "EXECUTION_ERROR_INVALID_TX");
    expect(e.message).toMatch(/nonce: 0, the account's is 1/);
  });

  describe("refuses every kind of bad input with its code, leaving the state as it was", () => {
    const valid = () => transfer(alice, carol.address, 100, 0);
    const withTx = (f: (t: LedgerTx) => Partial<LedgerTx>) => {
      const t = decodeLedgerTx(valid());
      return encodeLedgerTx({ ...t, ...f(t) });
    };
    /** A transfer from the small-order key T8 with a forged signature (S = 0, R = -[k]T8) that satisfies the cofactorless equation. */
    const forgedSmallOrder = (): Uint8Array => {
      const A = ed25519.Point.fromBytes(T8);
      const L = ed25519.Point.Fn.ORDER;
      for (let amount = 1; amount < 1000; amount++) {
        const t = { chainId: CHAIN, from: T8, to: fromHex(bob.address), amount: BigInt(amount), fee: 0n, nonce: 0 };
        const m = ledgerSignBytes(t);
        for (let i = 0; i < 8; i++) {
          const R = i === 0 ? ed25519.Point.ZERO : A.multiply(BigInt(i));
          const k = bytesToNumberLE(sha512(concatBytes(R.toBytes(), T8, m))) % L;
          if (R.add(k === 0n ? ed25519.Point.ZERO : A.multiplyUnsafe(k)).equals(ed25519.Point.ZERO)) {
            return encodeLedgerTx({ ...t, signature: concatBytes(R.toBytes(), new Uint8Array(32)) });
          }
        }
      }
      throw new Error("no forgery found");
    };
    const cases: [string, () => Uint8Array, string, RegExp][] = [
      ["a trailing byte", () => concatBytes(valid(), Uint8Array.of(0)), "EXECUTION_ERROR_MALFORMED_TX", /trailing bytes/],
      ["a truncated transaction", () => valid().slice(0, -1), "EXECUTION_ERROR_MALFORMED_TX", /signature: truncated/],
      ["no bytes", () => new Uint8Array(0), "EXECUTION_ERROR_MALFORMED_TX", /format: truncated/],
      ["another format byte", () => Uint8Array.from(valid(), (b, i) => (i === 0 ? 2 : b)), "EXECUTION_ERROR_MALFORMED_TX", /format: 2/],
      ["a chain id length out of bounds", () => Uint8Array.from(valid(), (b, i) => (i === 1 ? 0xff : b)), "EXECUTION_ERROR_MALFORMED_TX", /chainId: length/],
      ["a chain id that is not a consumer id", () => withTx(() => ({ chainId: "Ledger-Test-1" })), "EXECUTION_ERROR_MALFORMED_TX", /chainId: not a consumer id/],
      ["amount 0", () => signLedgerTransfer({ chainId: CHAIN, to: carol.address, amount: 0, nonce: 0 }, alice.secretKey), "EXECUTION_ERROR_MALFORMED_TX", /amount: 0 is below 1/],
      ["a nonce past 2^53-1", () => withNonceBytes(valid(), 2n ** 53n), "EXECUTION_ERROR_MALFORMED_TX", /nonce: 9007199254740992/],
      ["a tampered signature", () => withTx((t) => ({ signature: Uint8Array.from(t.signature, (b, i) => (i === 5 ? b ^ 1 : b)) })), "EXECUTION_ERROR_UNAUTHORIZED", /signature: does not verify/],
      ["a tampered amount", () => withTx(() => ({ amount: 101n })), "EXECUTION_ERROR_UNAUTHORIZED", /signature: does not verify/],
      ["another key's signature", () => withTx((t) => ({ signature: ed25519.sign(ledgerSignBytes(t), bob.secretKey) })), "EXECUTION_ERROR_UNAUTHORIZED", /signature: does not verify/],
      ["a small-order key with a forged signature", forgedSmallOrder, "EXECUTION_ERROR_UNAUTHORIZED", /small order/],
      ["the identity point as key", () => withTx(() => ({ from: fromHex("01".padEnd(64, "0")) })), "EXECUTION_ERROR_UNAUTHORIZED", /small order/],
      ["another chain's transfer", () => transfer(alice, carol.address, 100, 0, 1, "other-chain"), "EXECUTION_ERROR_INVALID_TX", /chainId: other-chain is not this chain/],
      ["a nonce too far ahead", () => transfer(alice, carol.address, 100, LEDGER_MAX_NONCE_AHEAD + 1), "EXECUTION_ERROR_INVALID_TX", /nonce: 17/],
      ["more than the balance (amount + fee)", () => transfer(alice, carol.address, 1001, 0, 1), "EXECUTION_ERROR_INVALID_TX", /insufficient balance/],
      ["a sender without an account", () => transfer(carol, alice.address, 1, 0, 0), "EXECUTION_ERROR_INVALID_TX", /does not exist/],
    ];

    it.each(cases)("%s", async (_name, make, code, reason) => {
      const tx = make();
      const keysBefore = await countKeys(db);
      const before = await Promise.all([alice, bob, carol].map((k) => account(genesisRoot, k.address)));
      expect((await expectCode(env.checkTx(genesisRoot, tx), code)).message).toMatch(reason);
      await expectCode(env.executeBlock(genesisRoot, [tx], ctx()), code);
      // After a valid transfer (bob gives alice 1), the block is invalid all the same.
      const first = transfer(bob, alice.address, 1, 0, 0);
      await expectCode(env.executeBlock(genesisRoot, [first, tx], ctx()), code);
      const built = await env.buildBlock(genesisRoot, [tx], ctx());
      expect(built.txs).toEqual([]);
      expect(built.rejected).toHaveLength(1);
      expect(built.rejected[0]!.error.code).toBe(code);
      expect(built.stateRoot).toEqual(genesisRoot);
      expect(await countKeys(db)).toBe(keysBefore); // nothing written
      expect(await Promise.all([alice, bob, carol].map((k) => account(genesisRoot, k.address)))).toEqual(before);
      const builtAfter = await env.buildBlock(genesisRoot, [first, tx], ctx());
      expect(builtAfter.txs).toEqual([first]);
      expect(builtAfter.rejected.map((r) => r.error.code)).toEqual([code]);
      expect(builtAfter.stateRoot).toEqual((await env.executeBlock(genesisRoot, [first], ctx())).stateRoot);
    });

    it("the small-order forgery satisfies the cofactorless equation: only the key check stops it", () => {
      const t = decodeLedgerTx(forgedSmallOrder());
      const A = ed25519.Point.fromBytes(t.from);
      const R = ed25519.Point.fromBytes(t.signature.subarray(0, 32));
      const k = bytesToNumberLE(sha512(concatBytes(t.signature.subarray(0, 32), t.from, ledgerSignBytes(t)))) % ed25519.Point.Fn.ORDER;
      expect(A.isSmallOrder()).toBe(true);
      expect(R.add(k === 0n ? ed25519.Point.ZERO : A.multiplyUnsafe(k)).equals(ed25519.Point.ZERO)).toBe(true); // [0]B = R + [k]A
    });
  });

  it("re-executing from an older root (a reorg) reproduces the same roots", async () => {
    const a = [transfer(alice, bob.address, 10, 0)];
    const b = [transfer(bob, carol.address, 20, 0), transfer(alice, carol.address, 30, 1)];
    const rootA = (await env.executeBlock(genesisRoot, a, ctx(1))).stateRoot;
    const rootB = (await env.executeBlock(rootA, b, ctx(2))).stateRoot;
    // A competing branch from genesis...
    const rootA2 = (await env.executeBlock(genesisRoot, [transfer(alice, carol.address, 10, 0)], ctx(1))).stateRoot;
    expect(toHex(rootA2)).not.toBe(toHex(rootA));
    expect(await account(rootA2, bob.address)).toMatchObject({ balance: "500" });
    // ...and back: the same blocks give the same roots.
    expect((await env.executeBlock(genesisRoot, a, ctx(1))).stateRoot).toEqual(rootA);
    expect((await env.executeBlock(rootA, b, ctx(2))).stateRoot).toEqual(rootB);
    expect(await account(rootB, carol.address)).toEqual({ address: carol.address, balance: "50", nonce: 0 });
  });

  it("keeps every recorded state after the DB is reopened", async () => {
    const rootA = (await env.executeBlock(genesisRoot, [transfer(alice, bob.address, 10, 0)], ctx(1))).stateRoot;
    await db.close();
    db = openLevel(dir);
    env = new LedgerEnvironment({ consumerId: CHAIN, genesis: GENESIS });
    await env.open(stateOf(db));
    expect(await account(genesisRoot, alice.address)).toEqual({ address: alice.address, balance: "1000", nonce: 0 });
    expect(await account(rootA, alice.address)).toEqual({ address: alice.address, balance: "989", nonce: 1 });
    const rootB = (await env.executeBlock(rootA, [transfer(alice, bob.address, 10, 1)], ctx(2))).stateRoot;
    expect(await account(rootB, bob.address)).toEqual({ address: bob.address, balance: "520", nonce: 0 });
    await expectCode(env.query(new Uint8Array(32).fill(9), ["accounts", alice.address]), "EXECUTION_ERROR_MISSING_STATE");
    await expectCode(env.executeBlock(new Uint8Array(32).fill(9), [], ctx()), "EXECUTION_ERROR_MISSING_STATE");
  });

  it("refuses a query path it does not answer", async () => {
    for (const path of [[], ["accounts"], ["accounts", "xyz"], ["accounts", `0x${alice.address}`], ["accounts", alice.address, "x"], ["balances", alice.address]]) {
      await expectCode(env.query(genesisRoot, path), "EXECUTION_ERROR_BAD_QUERY");
    }
  });
});

describe("ledger genesis", () => {
  const a = createLedgerKey(seed(1)).address;
  const b = createLedgerKey(seed(2)).address;
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

  it("parses JSON with amounts as decimal strings or safe integers", () => {
    const g = parseLedgerGenesis(JSON.stringify({ allocations: [{ address: a.toUpperCase(), amount: "18446744073709551614" }, { address: b, amount: 1 }] }));
    expect(g).toEqual({ allocations: [{ address: a, amount: 18446744073709551614n }, { address: b, amount: 1n }] });
    expect(validateLedgerGenesis(g)).toEqual(g);
    expect(parseLedgerGenesis('{"allocations":[]}')).toEqual({ allocations: [] });
  });

  it("refuses what is not a genesis, naming the field", () => {
    expect(() => parseLedgerGenesis("{")).toThrow(expect.objectContaining({ code: "GENESIS_ERROR_INVALID_JSON" }));
    const p = (v: unknown) => () => parseLedgerGenesis(JSON.stringify(v));
    fieldError(p([]), "");
    fieldError(p({}), "allocations");
    fieldError(p({ allocations: [], extra: 1 }), "extra");
    fieldError(p({ allocations: {} }), "allocations");
    fieldError(p({ allocations: [{ address: a }] }), "allocations[0].amount");
    fieldError(p({ allocations: [{ address: a, amount: "1", memo: "" }] }), "allocations[0].memo");
    fieldError(p({ allocations: [{ address: a.slice(2), amount: "1" }] }), "allocations[0].address");
    fieldError(p({ allocations: [{ address: `0x${a}`, amount: "1" }] }), "allocations[0].address");
    fieldError(p({ allocations: [{ address: a, amount: "1" }, { address: a.toUpperCase(), amount: "1" }] }), "allocations[1].address");
    for (const amount of ["0", 0, "-1", -1, "01", "1.5", 1.5, "1e3", "", null, "18446744073709551616", 2 ** 60]) {
      fieldError(p({ allocations: [{ address: a, amount }] }), "allocations[0].amount");
    }
    fieldError(p({ allocations: [{ address: a, amount: "18446744073709551615" }, { address: b, amount: "1" }] }), "allocations");
    fieldError(() => new LedgerEnvironment({ consumerId: "Not An Id", genesis: { allocations: [] } }), "consumerId");
    fieldError(() => new LedgerEnvironment({ consumerId: "x", genesis: { allocations: [{ address: a, amount: 0 }] } }), "allocations[0].amount");
  });
});

/** The transaction with its nonce field (the 8 bytes before the signature) set to `nonce`, bypassing the encoder's range check. */
function withNonceBytes(tx: Uint8Array, nonce: bigint): Uint8Array {
  const out = Uint8Array.from(tx);
  new DataView(out.buffer).setBigUint64(out.length - 64 - 8, nonce);
  return out;
}
