/**
 * HubApplication without a network: a real LevelDB (HubDb) in a temp folder, a genesis funding an
 * account whose key the test holds, transactions signed exactly as cosmjs signs them
 * (SigningStargateClient.offline + explicit signer data).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { encodeSecp256k1Pubkey } from "@cosmjs/amino";
import { toBech32 } from "@cosmjs/encoding";
import { encodePubkey, makeAuthInfoBytes, makeSignDoc } from "@cosmjs/proto-signing";
import type { StdFee } from "@cosmjs/stargate";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { QueryAllBalancesRequest, QueryAllBalancesResponse, QueryBalanceRequest, QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { SimulateRequest, SimulateResponse } from "cosmjs-types/cosmos/tx/v1beta1/service";
import { AuthInfo, Fee, Tx, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { sha256, toHex } from "@aegis/consumer-sdk";
import {
  ApplicationError,
  computeModuleAddress,
  FEE_COLLECTOR,
  getSupply,
  HubApplication,
  parseGasPrice,
  type BlockExecutionContext,
} from "../../src/app/index.js";
import { HubDb } from "../../src/db/index.js";
import type { AppGenesis } from "../../src/genesis.js";
import { nullLogger } from "../../src/logger.js";
import type { HubNode } from "../../src/node/hubNode.js";
import { createNodeRpcBackend } from "../../src/rpc/index.js";
import { StateStore } from "../../src/state/index.js";
import { anyPubkey, encodeTxRaw, msgSend, registry, signWithClient, testSigners, type Signer } from "../tx/txFixtures.js";

const CHAIN_ID = "aegis-app-test";
const DENOM = "uaeg";
const GENESIS_AMOUNT = 10n ** 15n; // what initHomes gives the devnet faucet
const FEE = { amount: [{ denom: DENOM, amount: "5000" }], gas: "200000" };
const FEE_COLLECTOR_ADDRESS = toBech32("aegis", computeModuleAddress(FEE_COLLECTOR));
/** Where a committed block's fees are: its end moves the fee collector's balance to the distribution module. */
const FEES_ADDRESS = toBech32("aegis", computeModuleAddress("distribution"));
const NOBODY = toBech32("aegis", Uint8Array.from({ length: 20 }, (_, i) => 200 - i));

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

function genesis(): AppGenesis {
  return { denom: DENOM, accounts: [{ address: alice.address, coins: [{ denom: DENOM, amount: GENESIS_AMOUNT.toString() }] }] };
}

async function openDb(dir?: string): Promise<{ db: HubDb; dir: string }> {
  const d = dir ?? (await mkdtemp(join(tmpdir(), "aegis-app-")));
  if (!dir) dirs.push(d);
  const db = await HubDb.open(d);
  dbs.push(db);
  return { db, dir: d };
}

async function openApp(dir?: string): Promise<{ app: HubApplication; db: HubDb; dir: string }> {
  const { db, dir: d } = await openDb(dir);
  const app = await HubApplication.open({ chainId: CHAIN_ID, genesis: genesis(), minGasPrices: [parseGasPrice("0.025uaeg")] }, { db, logger: nullLogger });
  return { app, db, dir: d };
}

const ctx = (height: number): BlockExecutionContext => ({ chainId: CHAIN_ID, height, time: 1_700_000_000_000 + height * 1000, proposer: new Uint8Array(20).fill(7), lastCommit: null, evidence: [] });

interface TxOpts {
  from: Signer;
  to?: string;
  amount?: bigint;
  sequence: number;
  accountNumber: number;
  fee?: StdFee;
  chainId?: string;
}

async function sendTx(o: TxOpts): Promise<Uint8Array> {
  const { bytes } = await signWithClient({
    signer: o.from,
    messages: [msgSend(o.from.address, o.to ?? bob.address, [{ denom: DENOM, amount: (o.amount ?? 1000n).toString() }])],
    fee: o.fee ?? FEE,
    sequence: o.sequence,
    accountNumber: o.accountNumber,
    chainId: o.chainId ?? CHAIN_ID,
  });
  return bytes;
}

const hashOf = (tx: Uint8Array) => toHex(sha256(tx)).toUpperCase();

function balance(app: HubApplication, address: string, denom = DENOM): bigint {
  const r = app.query("/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address, denom }).finish());
  expect(r.code).toBe(0);
  const b = QueryBalanceResponse.decode(r.value!).balance!;
  expect(b.denom).toBe(denom);
  return BigInt(b.amount);
}

function account(app: HubApplication, address: string): BaseAccount | null {
  const r = app.query("/cosmos.auth.v1beta1.Query/Account", QueryAccountRequest.encode({ address }).finish());
  if (r.code === 22) return null;
  expect(r.code).toBe(0);
  const any = QueryAccountResponse.decode(r.value!).account!;
  expect(any.typeUrl).toBe("/cosmos.auth.v1beta1.BaseAccount");
  return BaseAccount.decode(any.value);
}

/** Everything a test may compare before/after to see that nothing changed. */
function snapshot(app: HubApplication, addresses: string[]) {
  return {
    height: app.height,
    root: toHex(app.stateRoot),
    accounts: addresses.map((a) => {
      const acc = account(app, a);
      return { a, balance: balance(app, a), seq: acc?.sequence ?? null, num: acc?.accountNumber ?? null };
    }),
  };
}

/** The Tx cosmjs' tx extension sends to Simulate: empty fee, SIGN_MODE_UNSPECIFIED, an empty signature. */
function simulateRequest(from: Signer, to: string, amount: bigint, sequence: number): Uint8Array {
  const tx = Tx.fromPartial({
    authInfo: AuthInfo.fromPartial({
      fee: Fee.fromPartial({}),
      signerInfos: [{ publicKey: encodePubkey(encodeSecp256k1Pubkey(from.pubkey)), sequence: BigInt(sequence), modeInfo: { single: { mode: SignMode.SIGN_MODE_UNSPECIFIED } } }],
    }),
    body: TxBody.fromPartial({ messages: [registry.encodeAsAny(msgSend(from.address, to, [{ denom: DENOM, amount: amount.toString() }]))], memo: "" }),
    signatures: [new Uint8Array()],
  });
  return SimulateRequest.encode(SimulateRequest.fromPartial({ txBytes: Tx.encode(tx).finish() })).finish();
}

async function readSupply(db: HubDb): Promise<bigint> {
  const store = await StateStore.open({}, { db });
  return getSupply(store.committed, DENOM);
}

describe("genesis", () => {
  test("funds the genesis account (number 0), sets the supply, and reopening gives the same root and height", async () => {
    const { app, db, dir } = await openApp();
    expect(app.height).toBe(0);
    expect(app.stateRoot).toHaveLength(32);
    expect(balance(app, alice.address)).toBe(GENESIS_AMOUNT);
    expect(balance(app, bob.address)).toBe(0n);
    expect(await readSupply(db)).toBe(GENESIS_AMOUNT);
    const acc = account(app, alice.address)!;
    expect(acc.address).toBe(alice.address);
    expect(acc.accountNumber).toBe(0n);
    expect(acc.sequence).toBe(0n);
    expect(acc.pubKey).toBeUndefined();
    expect(account(app, bob.address)).toBeNull();

    const root = app.stateRoot;
    await db.close();
    const again = await openApp(dir);
    expect(again.app.height).toBe(0);
    expect(again.app.stateRoot).toEqual(root);
    expect(balance(again.app, alice.address)).toBe(GENESIS_AMOUNT);
    expect(await readSupply(again.db)).toBe(GENESIS_AMOUNT); // genesis not applied twice

    // An independent database with the same genesis has the same root.
    const other = await openApp();
    expect(other.app.stateRoot).toEqual(root);
  });
});

describe("executeBlock / commitBlock", () => {
  test("a MsgSend block moves the balance, pays the fee collector and bumps the sequence; roots agree and are deterministic", async () => {
    const { app, db, dir } = await openApp();
    const genesisRoot = app.stateRoot;
    const tx = await sendTx({ from: alice, to: bob.address, amount: 12_345n, sequence: 0, accountNumber: 0 });

    const executed = await app.executeBlock(ctx(1), [tx]);
    expect(executed.stateRoot).not.toEqual(genesisRoot);
    // executeBlock does not touch the committed state.
    expect(app.height).toBe(0);
    expect(app.stateRoot).toEqual(genesisRoot);
    expect(balance(app, alice.address)).toBe(GENESIS_AMOUNT);
    expect(balance(app, bob.address)).toBe(0n);
    expect(account(app, alice.address)!.sequence).toBe(0n);
    expect(await db.txs.getByHash(hashOf(tx))).toBeUndefined();
    // Executing it again gives the same root.
    expect((await app.executeBlock(ctx(1), [tx])).stateRoot).toEqual(executed.stateRoot);

    // An independent application (another database) executing the same block gets the same root.
    const other = await openApp();
    expect((await other.app.executeBlock(ctx(1), [tx])).stateRoot).toEqual(executed.stateRoot);

    const committed = await app.commitBlock(ctx(1), [tx]);
    expect(committed.stateRoot).toEqual(executed.stateRoot);
    expect(app.stateRoot).toEqual(executed.stateRoot);
    expect(app.height).toBe(1);
    expect(balance(app, alice.address)).toBe(GENESIS_AMOUNT - 12_345n - 5000n);
    expect(balance(app, bob.address)).toBe(12_345n);
    expect(balance(app, FEES_ADDRESS)).toBe(5000n);
    expect(balance(app, FEE_COLLECTOR_ADDRESS)).toBe(0n); // moved on at the block's end
    expect(await readSupply(db)).toBe(GENESIS_AMOUNT);
    const a = account(app, alice.address)!;
    expect(a.sequence).toBe(1n);
    expect(a.accountNumber).toBe(0n);
    expect(a.pubKey?.typeUrl).toBe("/cosmos.crypto.secp256k1.PubKey");
    const b = account(app, bob.address)!;
    expect(b.accountNumber).toBe(1n); // created by the transfer, next number
    expect(b.sequence).toBe(0n);
    expect(b.pubKey).toBeUndefined();

    // Committing without a prior executeBlock (the other app has a cached one; a third has none).
    expect((await other.app.commitBlock(ctx(1), [tx])).stateRoot).toEqual(executed.stateRoot);
    const third = await openApp();
    expect((await third.app.commitBlock(ctx(1), [tx])).stateRoot).toEqual(executed.stateRoot);

    // Commit refuses a height that does not follow.
    await expect(app.commitBlock(ctx(3), [])).rejects.toMatchObject({ code: "APP_ERROR_HEIGHT" });

    // The tx index.
    const rec = (await db.txs.getByHash(hashOf(tx)))!;
    expect(rec).toBeDefined();
    expect(rec.hash).toBe(hashOf(tx));
    expect(rec.height).toBe(1);
    expect(rec.index).toBe(0);
    expect(rec.tx).toEqual(tx);
    expect(rec.result.code).toBe(0);
    expect(rec.result.gasWanted).toBe(200_000n);
    expect(rec.result.gasUsed).toBeGreaterThan(0n);
    expect(rec.result.gasUsed).toBeLessThanOrEqual(rec.result.gasWanted);
    expect(TxMsgData.decode(rec.result.data).msgResponses.map((m) => m.typeUrl)).toEqual(["/cosmos.bank.v1beta1.MsgSendResponse"]);
    const transfer = rec.result.events.find((e) => e.type === "transfer")!;
    expect(transfer.attributes).toEqual(
      expect.arrayContaining([
        { key: "recipient", value: bob.address },
        { key: "sender", value: alice.address },
        { key: "amount", value: `12345${DENOM}` },
      ]),
    );
    expect(rec.result.events.find((e) => e.type === "tx")!.attributes).toEqual(
      expect.arrayContaining([
        { key: "fee", value: `5000${DENOM}` },
        { key: "fee_payer", value: alice.address },
      ]),
    );
    expect((await db.txs.getByHash(hashOf(tx).toLowerCase()))?.hash).toBe(hashOf(tx));
    expect((await db.txs.listByHeight(1)).map((r) => r.hash)).toEqual([hashOf(tx)]);
    expect(await db.txs.listByHeight(2)).toEqual([]);

    // An empty block changes nothing but the height.
    const before = app.stateRoot;
    expect((await app.commitBlock(ctx(2), [])).stateRoot).toEqual(before);
    expect(app.height).toBe(2);

    // Reopening resumes from height 2 with the same root and balances.
    await db.close();
    const reopened = await openApp(dir);
    expect(reopened.app.height).toBe(2);
    expect(reopened.app.stateRoot).toEqual(before);
    expect(balance(reopened.app, bob.address)).toBe(12_345n);
    expect(account(reopened.app, alice.address)!.sequence).toBe(1n);
    expect((await reopened.db.txs.getByHash(hashOf(tx)))?.result.code).toBe(0);
  });

  test("several txs in one block are indexed in order, new accounts get the next numbers, supply is conserved", async () => {
    const { app, db } = await openApp();
    const carol = toBech32("aegis", Uint8Array.from({ length: 20 }, (_, i) => i + 100));
    const txs = [
      await sendTx({ from: alice, to: bob.address, amount: 1_000n, sequence: 0, accountNumber: 0 }),
      await sendTx({ from: alice, to: carol, amount: 2_000n, sequence: 1, accountNumber: 0 }),
      await sendTx({ from: alice, to: bob.address, amount: 3_000n, sequence: 2, accountNumber: 0 }),
    ];
    await app.commitBlock(ctx(1), txs);
    expect((await db.txs.listByHeight(1)).map((r) => [r.hash, r.index, r.result.code])).toEqual(txs.map((t, i) => [hashOf(t), i, 0]));
    expect(balance(app, bob.address)).toBe(4_000n);
    expect(balance(app, carol)).toBe(2_000n);
    expect(balance(app, FEES_ADDRESS)).toBe(15_000n);
    expect(balance(app, alice.address) + 4_000n + 2_000n + 15_000n).toBe(GENESIS_AMOUNT);
    expect(account(app, alice.address)!.sequence).toBe(3n);
    expect(account(app, bob.address)!.accountNumber).toBe(1n);
    expect(account(app, carol)!.accountNumber).toBe(2n);
    expect(await readSupply(db)).toBe(GENESIS_AMOUNT);
  });
});

describe("blocks with transactions that fail the ante checks", () => {
  test("executeBlock throws APP_ERROR_INVALID_BLOCK and changes nothing; prepareBlock skips them", async () => {
    const { app, db } = await openApp();
    const good = await sendTx({ from: alice, sequence: 0, accountNumber: 0 });
    const badSignature = await sendTx({ from: alice, sequence: 0, accountNumber: 0, chainId: "another-chain" });
    const wrongSequence = await sendTx({ from: alice, sequence: 5, accountNumber: 0 });
    const raw = TxRaw.decode(good);
    raw.signatures[0]![0] ^= 0x01;
    const tampered = TxRaw.encode(raw).finish();
    const unknownSigner = await sendTx({ from: bob, to: alice.address, sequence: 0, accountNumber: 1 }); // bob has no account
    const notATx = Uint8Array.of(1, 2, 3, 4);
    const before = snapshot(app, [alice.address, bob.address, FEES_ADDRESS]);

    for (const [name, bad] of Object.entries({ badSignature, wrongSequence, tampered, unknownSigner, notATx })) {
      let err: unknown;
      try {
        await app.executeBlock(ctx(1), [good, bad]);
      } catch (e) {
        err = e;
      }
      expect({ name, isAppError: err instanceof ApplicationError }).toEqual({ name, isAppError: true });
      expect((err as ApplicationError).code).toBe("APP_ERROR_INVALID_BLOCK");
      expect((err as ApplicationError).type).toMatchObject({ reason: expect.stringContaining("tx 1 cannot be included") });
    }
    // The same signed bytes twice: the second has a used sequence.
    await expect(app.executeBlock(ctx(1), [good, good])).rejects.toMatchObject({ code: "APP_ERROR_INVALID_BLOCK" });
    // commitBlock refuses the block too.
    await expect(app.commitBlock(ctx(1), [badSignature])).rejects.toMatchObject({ code: "APP_ERROR_INVALID_BLOCK" });
    expect(snapshot(app, [alice.address, bob.address, FEES_ADDRESS])).toEqual(before);
    expect(await db.txs.listByHeight(1)).toEqual([]);

    // prepareBlock leaves the unacceptable ones out, keeps the order of the rest.
    const good2 = await sendTx({ from: alice, amount: 7n, sequence: 1, accountNumber: 0 });
    const prepared = await app.prepareBlock(ctx(1), [badSignature, good, wrongSequence, tampered, good, notATx, good2, unknownSigner]);
    expect(prepared.txs).toEqual([good, good2]);
    expect(prepared.stateRoot).toEqual((await app.executeBlock(ctx(1), [good, good2])).stateRoot);
    expect(snapshot(app, [alice.address, bob.address, FEES_ADDRESS])).toEqual(before);
    expect((await app.commitBlock(ctx(1), prepared.txs)).stateRoot).toEqual(prepared.stateRoot);
    expect(balance(app, bob.address)).toBe(1007n);
  });
});

describe("messages that fail in the block", () => {
  test("a second tx overspending because of the first is included with code 5: fee charged, sequence bumped, no transfer", async () => {
    const { app, db } = await openApp();
    const carol = toBech32("aegis", Uint8Array.from({ length: 20 }, (_, i) => i + 50));
    await app.commitBlock(ctx(1), [await sendTx({ from: alice, to: bob.address, amount: 100_000n, sequence: 0, accountNumber: 0 })]);
    expect(account(app, bob.address)!.accountNumber).toBe(1n);

    // bob: 100000. tx1 moves 60000 (+5000 fee) -> 35000; tx2 pays its 5000 fee -> 30000, then 31000 does not fit.
    const tx1 = await sendTx({ from: bob, to: carol, amount: 60_000n, sequence: 0, accountNumber: 1 });
    const tx2 = await sendTx({ from: bob, to: carol, amount: 31_000n, sequence: 1, accountNumber: 1 });
    // CheckTx only runs the ante (as the SDK does): both are admitted.
    expect(app.checkTx(tx1)).toMatchObject({ code: 0 });
    expect(app.checkTx(tx2)).toMatchObject({ code: 0 });
    const feesBefore = balance(app, FEES_ADDRESS);

    const prepared = await app.prepareBlock(ctx(2), [tx1, tx2]);
    expect(prepared.txs).toEqual([tx1, tx2]); // a failing message does not keep a tx out
    await app.commitBlock(ctx(2), [tx1, tx2]);
    expect(app.stateRoot).toEqual(prepared.stateRoot);

    expect(balance(app, bob.address)).toBe(30_000n);
    expect(balance(app, carol)).toBe(60_000n);
    expect(balance(app, FEES_ADDRESS)).toBe(feesBefore + 10_000n);
    expect(account(app, bob.address)!.sequence).toBe(2n);
    expect(await readSupply(db)).toBe(GENESIS_AMOUNT);

    const [r1, r2] = await db.txs.listByHeight(2);
    expect(r1!.hash).toBe(hashOf(tx1));
    expect(r1!.result.code).toBe(0);
    expect(r2!.hash).toBe(hashOf(tx2));
    expect(r2!.index).toBe(1);
    expect(r2!.result).toMatchObject({ code: 5, codespace: "sdk" });
    expect(r2!.result.log).toBe(`spendable balance 30000${DENOM} is smaller than 31000${DENOM}: insufficient funds`);
    expect(r2!.result.gasUsed).toBeGreaterThan(0n);
    expect(r2!.result.gasUsed).toBeLessThanOrEqual(r2!.result.gasWanted);
    expect(TxMsgData.decode(r2!.result.data).msgResponses).toEqual([]);
    expect(r2!.result.events.map((e) => e.type)).toEqual(["tx"]); // the messages' events are dropped with their effects

    // The failed tx's bytes cannot be replayed: the sequence was consumed.
    expect(app.checkTx(tx2)).toMatchObject({ code: 32 });
  });

  test("a message that runs out of gas is included with code 11; the fee is still charged", async () => {
    // Measure the gas of a successful send on one app, then give the same tx (same size) one unit less on another.
    const probe = await openApp();
    const ok = await sendTx({ from: alice, to: bob.address, amount: 5n, sequence: 0, accountNumber: 0, fee: { amount: FEE.amount, gas: "150000" } });
    await probe.app.commitBlock(ctx(1), [ok]);
    const used = (await probe.db.txs.getByHash(hashOf(ok)))!.result.gasUsed;

    const { app, db } = await openApp();
    const short = await sendTx({ from: alice, to: bob.address, amount: 5n, sequence: 0, accountNumber: 0, fee: { amount: FEE.amount, gas: (used - 1n).toString() } });
    expect(short.length).toBe(ok.length);
    await app.commitBlock(ctx(1), [short]);
    const rec = (await db.txs.getByHash(hashOf(short)))!;
    expect(rec.result.code).toBe(11);
    expect(rec.result.codespace).toBe("sdk");
    expect(rec.result.log).toMatch(/out of gas/);
    expect(balance(app, bob.address)).toBe(0n);
    expect(account(app, bob.address)).toBeNull(); // account creation rolled back with the message
    expect(balance(app, alice.address)).toBe(GENESIS_AMOUNT - 5000n);
    expect(balance(app, FEES_ADDRESS)).toBe(5000n);
    expect(account(app, alice.address)!.sequence).toBe(1n);
  });
});

describe("checkTx", () => {
  test("sequence n then n+1 are admitted, a replay of n gets 32; after commitBlock the check state restarts", async () => {
    const { app } = await openApp();
    const tx0 = await sendTx({ from: alice, sequence: 0, accountNumber: 0 });
    const tx1 = await sendTx({ from: alice, sequence: 1, accountNumber: 0 });
    const tx2 = await sendTx({ from: alice, sequence: 2, accountNumber: 0 });
    expect(app.checkTx(tx0)).toMatchObject({ code: 0, gasWanted: 200_000n });
    expect(app.checkTx(tx1)).toMatchObject({ code: 0 });
    const replay = app.checkTx(tx0);
    expect(replay).toMatchObject({ code: 32, codespace: "sdk" });
    expect(replay.log).toBe("account sequence mismatch, expected 2, got 0: incorrect account sequence");
    // CheckTx does not touch the committed state.
    expect(account(app, alice.address)!.sequence).toBe(0n);
    expect(balance(app, alice.address)).toBe(GENESIS_AMOUNT);

    // A block without them: the check state restarts from the committed state, so tx0 fits again and tx1 does not.
    await app.commitBlock(ctx(1), []);
    expect(app.checkTx(tx1)).toMatchObject({ code: 32 });
    expect(app.checkTx(tx0)).toMatchObject({ code: 0 });

    // A block with tx0 only: tx1 is next (as a node's recheck after commit finds), tx0 is a replay.
    await app.commitBlock(ctx(2), [tx0]);
    expect(app.checkTx(tx0)).toMatchObject({ code: 32 });
    expect(app.checkTx(tx1)).toMatchObject({ code: 0 });
    expect(app.checkTx(tx2)).toMatchObject({ code: 0 });
  });

  test("rejections carry the SDK codes and leave the check state unchanged", async () => {
    const { app } = await openApp();
    const cases: [string, Uint8Array, number][] = [
      ["wrong chain id", await sendTx({ from: alice, sequence: 0, accountNumber: 0, chainId: "other" }), 4],
      ["wrong account number", await sendTx({ from: alice, sequence: 0, accountNumber: 9 }), 4],
      ["fee below the minimum gas price", await sendTx({ from: alice, sequence: 0, accountNumber: 0, fee: { amount: [{ denom: DENOM, amount: "1" }], gas: "200000" } }), 13],
      ["no fee", await sendTx({ from: alice, sequence: 0, accountNumber: 0, fee: { amount: [], gas: "200000" } }), 13],
      ["fee over the balance", await sendTx({ from: alice, sequence: 0, accountNumber: 0, fee: { amount: [{ denom: DENOM, amount: (GENESIS_AMOUNT + 1n).toString() }], gas: "200000" } }), 5],
      ["unknown signer", await sendTx({ from: bob, to: alice.address, sequence: 0, accountNumber: 1 }), 9],
      ["not a tx", Uint8Array.of(0xff, 0x00, 0x01), 2],
    ];
    for (const [name, tx, code] of cases) {
      const r = app.checkTx(tx);
      expect({ name, code: r.code, codespace: r.codespace }).toEqual({ name, code, codespace: "sdk" });
      expect(r.log).not.toBe("");
    }
    expect(app.checkTx(await sendTx({ from: alice, sequence: 1, accountNumber: 0 }))).toMatchObject({ code: 32 });
    // Nothing was admitted: sequence 0 is still the next one.
    expect(app.checkTx(await sendTx({ from: alice, sequence: 0, accountNumber: 0 }))).toMatchObject({ code: 0 });
    // Exactly the minimum fee (0.025 × 200000 = 5000) is enough; a tx overspending its amount passes CheckTx (messages do not run there).
    expect(app.checkTx(await sendTx({ from: alice, amount: GENESIS_AMOUNT * 2n, sequence: 1, accountNumber: 0 }))).toMatchObject({ code: 0 });
  });
});

describe("queries", () => {
  let app: HubApplication;
  beforeAll(async () => {
    ({ app } = await openApp());
    await app.commitBlock(ctx(1), [await sendTx({ from: alice, to: bob.address, amount: 777n, sequence: 0, accountNumber: 0 })]);
  });

  test("Account: found, and not found as code 22 with the NotFound text cosmjs matches", () => {
    const found = app.query("/cosmos.auth.v1beta1.Query/Account", QueryAccountRequest.encode({ address: bob.address }).finish());
    expect(found.code).toBe(0);
    expect(found.height).toBe(1);
    const acc = BaseAccount.decode(QueryAccountResponse.decode(found.value!).account!.value);
    expect(acc).toMatchObject({ address: bob.address, accountNumber: 1n, sequence: 0n });

    const missing = app.query("/cosmos.auth.v1beta1.Query/Account", QueryAccountRequest.encode({ address: NOBODY }).finish());
    expect(missing.code).toBe(22);
    expect(missing.codespace).toBe("sdk");
    expect(missing.log).toMatch(/rpc error: code = NotFound/);
    expect(missing.log).toMatch(/key not found$/);
    expect(missing.height).toBeGreaterThanOrEqual(1);

    const badAddress = app.query("/cosmos.auth.v1beta1.Query/Account", QueryAccountRequest.encode({ address: "cosmos1qqqq" }).finish());
    expect(badAddress.code).not.toBe(0);
  });

  test("Balance (a zero balance is \"0\", never empty) and AllBalances", () => {
    expect(balance(app, bob.address)).toBe(777n);
    expect(balance(app, NOBODY)).toBe(0n);
    expect(balance(app, bob.address, "uother")).toBe(0n);
    const all = (address: string) => {
      const r = app.query("/cosmos.bank.v1beta1.Query/AllBalances", QueryAllBalancesRequest.encode(QueryAllBalancesRequest.fromPartial({ address })).finish());
      expect(r.code).toBe(0);
      expect(r.height).toBe(1);
      return QueryAllBalancesResponse.decode(r.value!).balances;
    };
    expect(all(bob.address)).toEqual([{ denom: DENOM, amount: "777" }]);
    expect(all(alice.address)).toEqual([{ denom: DENOM, amount: (GENESIS_AMOUNT - 777n - 5000n).toString() }]);
    expect(all(FEES_ADDRESS)).toEqual([{ denom: DENOM, amount: "5000" }]);
    expect(all(NOBODY)).toEqual([]);
  });

  test("Simulate: gas used without a signature or fee; insufficient funds is code 5; nothing changes", async () => {
    const before = snapshot(app, [alice.address, bob.address, NOBODY]);
    const r = app.query("/cosmos.tx.v1beta1.Service/Simulate", simulateRequest(alice, NOBODY, 1000n, 1));
    expect(r.code).toBe(0);
    const res = SimulateResponse.decode(r.value!);
    expect(res.gasInfo!.gasUsed).toBeGreaterThan(0n);
    // What cosmjs' fee "auto" gives (× 1.4) is enough for the real tx.
    expect(res.gasInfo!.gasUsed).toBeLessThan(200_000n);

    const poor = app.query("/cosmos.tx.v1beta1.Service/Simulate", simulateRequest(bob, alice.address, 778n, 0));
    expect(poor.code).toBe(5);
    expect(poor.log).toMatch(/insufficient funds/);
    const wrongSeq = app.query("/cosmos.tx.v1beta1.Service/Simulate", simulateRequest(alice, NOBODY, 1n, 0));
    expect(wrongSeq.code).toBe(32);
    const small = app.query("/cosmos.tx.v1beta1.Service/Simulate", simulateRequest(bob, alice.address, 1n, 0));
    expect(small.code).toBe(0); // bob exists (he received coins) and can pay 1
    const garbage = app.query("/cosmos.tx.v1beta1.Service/Simulate", SimulateRequest.encode({ txBytes: Uint8Array.of(9, 9, 9) }).finish());
    expect(garbage.code).toBe(2);
    expect(snapshot(app, [alice.address, bob.address, NOBODY])).toEqual(before);
    // A simulated tx does not use up the sequence in the check state either.
    expect(app.checkTx(await sendTx({ from: alice, sequence: 1, accountNumber: 0 }))).toMatchObject({ code: 0 });
  });

  test("unknown path is code 6; malformed request bytes give a non-zero code, never a throw", () => {
    const unknown = app.query("/cosmos.gov.v1beta1.Query/Proposals", new Uint8Array());
    expect(unknown).toMatchObject({ code: 6, codespace: "sdk" });
    expect(unknown.height).toBeGreaterThanOrEqual(1);
    const paths = [
      "/cosmos.auth.v1beta1.Query/Account",
      "/cosmos.bank.v1beta1.Query/Balance",
      "/cosmos.bank.v1beta1.Query/AllBalances",
      "/cosmos.tx.v1beta1.Service/Simulate",
    ];
    for (const path of paths) {
      for (const data of [new Uint8Array(), Uint8Array.of(0xff, 0xff, 0xff, 0xff), Uint8Array.of(0x0a, 0x05, 0x61), Uint8Array.of(0x0a, 0x02, 0xc3, 0x28)]) {
        const r = app.query(path, data);
        expect({ path, data: toHex(data), code: r.code === 0 ? 0 : "non-zero" }).toEqual({ path, data: toHex(data), code: "non-zero" });
        expect(r.height).toBeGreaterThanOrEqual(1);
        expect(typeof r.log).toBe("string");
      }
    }
    fc.assert(
      fc.property(fc.constantFrom(...paths, "/x", ""), fc.uint8Array({ maxLength: 80 }), (path, data) => {
        const r = app.query(path, data);
        return Number.isInteger(r.code) && r.height >= 1 && (r.code !== 0 || r.value !== undefined);
      }),
      { numRuns: 300 },
    );
  });
});

describe("the RPC backend over the application", () => {
  test("tx_search never shows a committed tx before abci_query serves the state after its block", async () => {
    const { app, db } = await openApp();
    const fakeNode = { app, db, engine: { get height() { return app.height; } } } as unknown as HubNode;
    const backend = createNodeRpcBackend(fakeNode);
    for (let h = 1; h <= 5; h++) {
      const tx = await sendTx({ from: alice, amount: BigInt(h), sequence: h - 1, accountNumber: 0 });
      let done = false;
      const commit = app.commitBlock(ctx(h), [tx]).then(() => (done = true));
      // Poll as fast as the event loop allows while the block is being committed; the first time the tx is found,
      // the account query (what cosmjs' next sign reads) must already give the new sequence.
      let seenSequence: bigint | null = null;
      while (seenSequence === null) {
        const committedBefore = done;
        const found = await backend.searchTxs([{ key: "tx.hash", value: hashOf(tx) }]);
        if (found.length > 0) {
          const q = await backend.abciQuery("/cosmos.auth.v1beta1.Query/Account", QueryAccountRequest.encode({ address: alice.address }).finish());
          seenSequence = BaseAccount.decode(QueryAccountResponse.decode(q.value!).account!.value).sequence;
        } else if (committedBefore) {
          throw new Error(`tx of block ${h} not found after its commit`);
        } else {
          await new Promise((r) => setImmediate(r));
        }
      }
      expect({ h, seenSequence }).toEqual({ h, seenSequence: BigInt(h) });
      await commit;
      expect((await backend.searchTxs([{ key: "tx.height", value: String(h) }])).map((r) => r.hash)).toEqual([hashOf(tx)]);
    }
  });
});

describe("fee payer and granter", () => {
  test("a fee payer that is the signer pays as usual", async () => {
    const { app } = await openApp();
    const tx = await sendTx({ from: alice, amount: 10n, sequence: 0, accountNumber: 0, fee: { ...FEE, payer: alice.address } });
    expect(app.checkTx(tx)).toMatchObject({ code: 0 });
    await app.commitBlock(ctx(1), [tx]);
    expect(balance(app, alice.address)).toBe(GENESIS_AMOUNT - 10n - 5000n);
    expect(balance(app, FEES_ADDRESS)).toBe(5000n);
  });

  test("a fee payer who co-signs pays the fee; both sequences are bumped", async () => {
    const { app } = await openApp();
    await app.commitBlock(ctx(1), [await sendTx({ from: alice, to: bob.address, amount: 50_000n, sequence: 0, accountNumber: 0 })]);
    const bodyBytes = registry.encode({ typeUrl: "/cosmos.tx.v1beta1.TxBody", value: { messages: [msgSend(alice.address, NOBODY, [{ denom: DENOM, amount: "10" }])], memo: "" } });
    const authInfoBytes = makeAuthInfoBytes(
      [
        { pubkey: anyPubkey(alice.pubkey), sequence: 1 },
        { pubkey: anyPubkey(bob.pubkey), sequence: 0 },
      ],
      FEE.amount,
      200_000,
      undefined,
      bob.address,
    );
    const signatures: Uint8Array[] = [];
    for (const [s, accountNumber] of [[alice, 0], [bob, 1]] as const) {
      const { signature } = await s.wallet.signDirect(s.address, makeSignDoc(bodyBytes, authInfoBytes, CHAIN_ID, accountNumber));
      signatures.push(Uint8Array.from(Buffer.from(signature.signature, "base64")));
    }
    const tx = encodeTxRaw(bodyBytes, authInfoBytes, signatures);
    const aliceBefore = balance(app, alice.address);
    expect(app.checkTx(tx)).toMatchObject({ code: 0 });
    await app.commitBlock(ctx(2), [tx]);
    expect(balance(app, alice.address)).toBe(aliceBefore - 10n);
    expect(balance(app, bob.address)).toBe(50_000n - 5000n);
    expect(balance(app, NOBODY)).toBe(10n);
    expect(account(app, alice.address)!.sequence).toBe(2n);
    expect(account(app, bob.address)!.sequence).toBe(1n);
  });

  // Cosmos SDK: a fee payer other than the messages' signers is a required signer (x/tx GetSigners), so a tx
  // signed by alice alone that names bob as payer lacks a signature (ErrUnauthorized, 4); a fee granter needs
  // the feegrant module ("fee grants are not enabled", ErrInvalidRequest). Either way the signer must not pay.
  test("a fee payer who did not sign, or a fee granter, is refused (the signer must not silently pay instead)", async () => {
    const { app } = await openApp();
    await app.commitBlock(ctx(1), [await sendTx({ from: alice, to: bob.address, amount: 50_000n, sequence: 0, accountNumber: 0 })]);
    const before = snapshot(app, [alice.address, bob.address, FEES_ADDRESS]);
    const payerBob = await sendTx({ from: alice, amount: 10n, sequence: 1, accountNumber: 0, fee: { ...FEE, payer: bob.address } });
    const granterBob = await sendTx({ from: alice, amount: 10n, sequence: 1, accountNumber: 0, fee: { ...FEE, granter: bob.address } });
    expect(app.checkTx(payerBob).code).toBe(4);
    expect(app.checkTx(granterBob).code).not.toBe(0);
    await expect(app.executeBlock(ctx(2), [payerBob])).rejects.toMatchObject({ code: "APP_ERROR_INVALID_BLOCK" });
    await expect(app.executeBlock(ctx(2), [granterBob])).rejects.toMatchObject({ code: "APP_ERROR_INVALID_BLOCK" });
    expect((await app.prepareBlock(ctx(2), [payerBob, granterBob])).txs).toEqual([]);
    expect(snapshot(app, [alice.address, bob.address, FEES_ADDRESS])).toEqual(before);
  });
});

describe("fee \"auto\"", () => {
  // cosmjs' fee "auto" signs with gas = ceil(simulated gas × 1.4) (SigningStargateClient.defaultGasMultiplier);
  // docs/cosmjs-compat.md §5: the delivered gas must stay within that, or the tx fails with out of gas (11).
  test.each([
    ["a new recipient", false],
    ["an existing recipient", true],
  ])("simulated gas × 1.4 covers the gas the tx uses in a block (send to %s)", async (_name, existing) => {
    const { app, db } = await openApp();
    let seq = 0;
    if (existing) await app.commitBlock(ctx(1), [await sendTx({ from: alice, to: bob.address, amount: 1n, sequence: seq++, accountNumber: 0 })]);
    const sim = app.query("/cosmos.tx.v1beta1.Service/Simulate", simulateRequest(alice, bob.address, 1000n, seq));
    expect(sim.code).toBe(0);
    const simulated = SimulateResponse.decode(sim.value!).gasInfo!.gasUsed;
    const gas = BigInt(Math.ceil(Number(simulated) * 1.4));
    const fee = { amount: [{ denom: DENOM, amount: String(Math.ceil(Number(gas) * 0.025)) }], gas: gas.toString() };
    const tx = await sendTx({ from: alice, to: bob.address, amount: 1000n, sequence: seq, accountNumber: 0, fee });
    const h = app.height + 1;
    await app.commitBlock(ctx(h), [tx]);
    const rec = (await db.txs.getByHash(hashOf(tx)))!;
    expect({ simulated, gasWanted: rec.result.gasWanted, gasUsed: rec.result.gasUsed, code: rec.result.code, log: rec.result.log }).toMatchObject({ code: 0, log: "" });
    expect(rec.result.gasUsed).toBeLessThanOrEqual(gas);
  });
});
