/**
 * End to end with unchanged cosmjs 0.39 clients: four in-process validators running the hub's application
 * (auth + bank, genesis faucet) over real libp2p and LevelDB on loopback; StargateClient and
 * SigningStargateClient talk to the CometBFT-compatible JSON-RPC every node serves.
 */
import { createHash } from "node:crypto";
import { jest } from "@jest/globals";
import { toBech32 } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { BroadcastTxError, GasPrice, SigningStargateClient, StargateClient, type SignerData, type StdFee } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { initHomes, type InitializedNode, type RunningNode, startNodeFromHome } from "@aegis/hub";
import { createCaptureLogger, HOST, http, makeTempDir, removeDir, reservePortRange, waitFor, type LogRecord } from "../helpers/e2eUtils.js";

jest.setTimeout(90_000);

const N = 4;
const CHAIN_ID = "aegis-e2e-cosmjs";
const DENOM = "uaeg";
const PREFIX = "aegis";
const GENESIS_SUPPLY = 10n ** 15n;
const FEE: StdFee = { amount: [{ denom: DENOM, amount: "5000" }], gas: "200000" };
const FEE_COLLECTOR = toBech32(PREFIX, createHash("sha256").update("fee_collector").digest().subarray(0, 20));
/** Where fees end up: each block's end moves the fee collector's balance to the distribution module. */
const FEES = toBech32(PREFIX, createHash("sha256").update("distribution").digest().subarray(0, 20));
const MSG_SEND = "/cosmos.bank.v1beta1.MsgSend";

let dir: string | undefined;
let homes: InitializedNode[];
let faucet: { mnemonic: string; address: string };
const running: RunningNode[] = [];
const logs: LogRecord[][] = Array.from({ length: N }, () => []);
let faucetWallet: DirectSecp256k1HdWallet;
let signer: SigningStargateClient;
/** readers[i] reads through node i's RPC. */
const readers: StargateClient[] = [];
const signers: SigningStargateClient[] = [];
/** Every address that may hold coins besides the faucet and the fee collector. */
const funded = new Set<string>();

const rpc = (i: number) => running[i]!.api.url;

async function connectSigner(wallet: DirectSecp256k1HdWallet, i = 0): Promise<SigningStargateClient> {
  const c = await SigningStargateClient.connectWithSigner(rpc(i), wallet, { gasPrice: GasPrice.fromString(`0.025${DENOM}`), broadcastPollIntervalMs: 200, broadcastTimeoutMs: 30_000 });
  signers.push(c);
  return c;
}

async function newWallet(): Promise<{ wallet: DirectSecp256k1HdWallet; address: string }> {
  const wallet = await DirectSecp256k1HdWallet.generate(12, { prefix: PREFIX });
  return { wallet, address: (await wallet.getAccounts())[0]!.address };
}

async function newAddress(): Promise<string> {
  const a = (await newWallet()).address;
  funded.add(a);
  return a;
}

/** Waits until node i has committed `height`, so that its reads include that block. */
async function nodeAt(i: number, height: number): Promise<StargateClient> {
  await waitFor(async () => (await readers[i]!.getHeight()) >= height, 30_000, `node${i} at height ${height}`);
  return readers[i]!;
}

async function allAt(height: number): Promise<void> {
  for (let i = 0; i < N; i++) await nodeAt(i, height);
}

async function bal(address: string, i = 0): Promise<bigint> {
  return BigInt((await readers[i]!.getBalance(address, DENOM)).amount);
}

async function accountState(address: string, i = 0) {
  const acc = await readers[i]!.getAccount(address);
  return { balance: await bal(address, i), accountNumber: acc?.accountNumber ?? null, sequence: acc?.sequence ?? null };
}

/** Height reported by node0 + 2: waiting for it means two more blocks went by. */
async function twoBlocksLater(): Promise<void> {
  const h = await readers[0]!.getHeight();
  await nodeAt(0, h + 2);
}

async function signOffline(
  wallet: DirectSecp256k1HdWallet,
  from: string,
  to: string,
  amount: bigint,
  signerData: SignerData,
  fee: StdFee = FEE,
): Promise<Uint8Array> {
  const offline = await SigningStargateClient.offline(wallet);
  const raw = await offline.sign(from, [{ typeUrl: MSG_SEND, value: { fromAddress: from, toAddress: to, amount: [{ denom: DENOM, amount: amount.toString() }] } }], fee, "", signerData);
  return TxRaw.encode(raw).finish();
}

/**
 * Rejections go through broadcastTxSync / signAndBroadcastSync: cosmjs' broadcastTx arms its timeout timer
 * before broadcastTxSync and does not clear it when that throws (the timer would outlive the test).
 */
async function expectBroadcastError(p: Promise<unknown>, code: number): Promise<BroadcastTxError> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(BroadcastTxError);
  expect({ code: (err as BroadcastTxError).code, codespace: (err as BroadcastTxError).codespace }).toEqual({ code, codespace: "sdk" });
  return err as BroadcastTxError;
}

async function faucetSignerData(sequenceDelta = 0, chainId = CHAIN_ID) {
  const { accountNumber, sequence } = await readers[0]!.getSequence(faucet.address);
  return { accountNumber, sequence: sequence + sequenceDelta, chainId };
}

beforeAll(async () => {
  dir = await makeTempDir("cosmjs");
  const p2pBase = await reservePortRange(N);
  const res = await initHomes({
    home: dir,
    validators: N,
    chainId: CHAIN_ID,
    host: HOST,
    p2pBasePort: p2pBase,
    apiBasePort: 1, // overridden with port 0 at start
    consensus: { createEmptyBlocksIntervalMs: 150, rebroadcastIntervalMs: 500 },
    timeouts: { timeouts: { proposeMs: 1500, proposeDeltaMs: 250, prevoteMs: 400, prevoteDeltaMs: 200, precommitMs: 400, precommitDeltaMs: 200 } },
  });
  expect(res.faucet).not.toBeNull();
  expect(res.denom).toBe(DENOM);
  expect(res.bech32Prefix).toBe(PREFIX);
  faucet = res.faucet!;
  homes = res.nodes;
  for (let i = 0; i < N; i++) {
    running.push(await startNodeFromHome(homes[i]!.home, { logger: createCaptureLogger({ node: i }, logs[i]), config: (c) => ({ ...c, api: { host: HOST, port: 0 } }) }));
  }
  for (let i = 0; i < N; i++) readers.push(await StargateClient.connect(rpc(i)));
  await allAt(2);
  faucetWallet = await DirectSecp256k1HdWallet.fromMnemonic(faucet.mnemonic, { prefix: PREFIX });
  signer = await connectSigner(faucetWallet);
});

afterAll(async () => {
  for (const c of [...signers, ...readers]) c.disconnect();
  for (const r of running.reverse()) await r.stop().catch(() => {});
  await removeDir(dir);
});

test("the chain is the genesis one: chain id, faucet funds, account number 0", async () => {
  expect(await signer.getChainId()).toBe(CHAIN_ID);
  expect(await bal(faucet.address)).toBe(GENESIS_SUPPLY);
  const acc = (await readers[1]!.getAccount(faucet.address))!;
  expect(acc).toMatchObject({ address: faucet.address, accountNumber: 0n, sequence: 0, pubkey: null });
  expect(await bal(FEES)).toBe(0n);
  expect(await bal(FEE_COLLECTOR)).toBe(0n);
});

test("sendTokens with fee \"auto\" and with an explicit fee; results read back through other nodes", async () => {
  const to = await newAddress();
  const before = await readers[0]!.getSequence(faucet.address);

  const auto = await signer.sendTokens(faucet.address, to, [{ denom: DENOM, amount: "12345" }], "auto", "auto fee");
  expect(auto.code).toBe(0);
  expect(auto.gasUsed).toBeGreaterThan(0n);
  expect(auto.gasUsed).toBeLessThanOrEqual(auto.gasWanted);
  expect(auto.msgResponses.map((m) => m.typeUrl)).toEqual(["/cosmos.bank.v1beta1.MsgSendResponse"]);
  expect(auto.transactionHash).toMatch(/^[0-9A-F]{64}$/);

  const explicit = await signer.sendTokens(faucet.address, to, [{ denom: DENOM, amount: "1000" }], FEE);
  expect(explicit.code).toBe(0);
  expect(explicit.gasWanted).toBe(200_000n);
  expect(explicit.gasUsed).toBeLessThanOrEqual(explicit.gasWanted);
  expect(explicit.height).toBeGreaterThanOrEqual(auto.height);

  // Another node's RPC: balances and accounts.
  const n3 = await nodeAt(3, explicit.height);
  expect((await n3.getBalance(to, DENOM)).amount).toBe("13345");
  expect(await n3.getAllBalances(to)).toEqual([{ denom: DENOM, amount: "13345" }]);
  const acc = (await n3.getAccount(to))!;
  expect(acc.address).toBe(to);
  expect(acc.accountNumber).toBeGreaterThanOrEqual(1n);
  expect(acc.sequence).toBe(0);
  expect(acc.pubkey).toBeNull();
  const f = (await n3.getAccount(faucet.address))!;
  expect(f.sequence).toBe(before.sequence + 2);
  expect(f.accountNumber).toBe(0n);
  expect(f.pubkey).not.toBeNull();

  // getTx / searchTx by hash and by height, through node 2.
  const n2 = await nodeAt(2, explicit.height);
  for (const r of [auto, explicit]) {
    const tx = (await n2.getTx(r.transactionHash))!;
    expect(tx).not.toBeNull();
    expect(tx.hash).toBe(r.transactionHash);
    expect(tx.height).toBe(r.height);
    expect(tx.txIndex).toBe(r.txIndex);
    expect(tx.code).toBe(0);
    expect(tx.gasWanted).toBe(r.gasWanted);
    expect(tx.gasUsed).toBe(r.gasUsed);
    expect(tx.gasUsed).toBeLessThanOrEqual(tx.gasWanted);
    expect(tx.msgResponses.map((m) => m.typeUrl)).toEqual(["/cosmos.bank.v1beta1.MsgSendResponse"]);
    const transfer = tx.events.find((e) => e.type === "transfer")!;
    expect(transfer.attributes).toEqual(expect.arrayContaining([{ key: "recipient", value: to }, { key: "sender", value: faucet.address }]));

    const byHash = await n2.searchTx(`tx.hash='${r.transactionHash}'`);
    expect(byHash.map((t) => t.hash)).toEqual([r.transactionHash]);
    expect((await n2.searchTx(`tx.hash='${r.transactionHash.toLowerCase()}'`)).map((t) => t.hash)).toEqual([r.transactionHash]);
    const byHeight = await n2.searchTx([{ key: "tx.height", value: r.height }]);
    expect(byHeight.map((t) => t.hash)).toContain(r.transactionHash);
    expect(byHeight.every((t) => t.height === r.height)).toBe(true);
    // Event attributes are indexed: the structured form cosmjs builds, alone and combined with AND.
    const hasRecipient = (t: { events: readonly { type: string; attributes: readonly { key: string; value: string }[] }[] }) =>
      t.events.some((e) => e.type === "transfer" && e.attributes.some((a) => a.key === "recipient" && a.value === to));
    const byRecipient = await n2.searchTx([{ key: "transfer.recipient", value: to }]);
    expect(byRecipient.map((t) => t.hash)).toContain(r.transactionHash);
    expect(byRecipient.every(hasRecipient)).toBe(true);
    const both = await n2.searchTx([
      { key: "message.sender", value: faucet.address },
      { key: "transfer.recipient", value: to },
    ]);
    expect(both.map((t) => t.hash)).toContain(r.transactionHash);
    expect(both.every(hasRecipient)).toBe(true);
    expect(await n2.searchTx([{ key: "transfer.recipient", value: "aegis1nobody" }])).toEqual([]);

    // The block holds exactly the bytes that were broadcast.
    const block = await readers[1]!.getBlock(r.height);
    expect(block.header.chainId).toBe(CHAIN_ID);
    expect(block.txs.map((t) => Buffer.from(t).toString("hex"))).toContain(Buffer.from(tx.tx).toString("hex"));
  }
  expect(await n2.getTx("00".repeat(32))).toBeNull();

  // Every node has the same blocks and state roots, at the transaction's height and after it (every
  // block changes the state: liveness records who signed the previous one).
  await allAt(explicit.height + 2);
  for (const h of [explicit.height, explicit.height + 1, explicit.height + 2]) {
    const atHeight = await Promise.all(running.map((r) => http(`${r.api.url}/blocks/${h}`)));
    for (const b of atHeight) expect(b.status).toBe(200);
    expect(new Set(atHeight.map((b) => `${b.body.blockHash}/${b.body.header.stateRoot}`)).size).toBe(1);
  }
});

describe("rejections carry the Cosmos codes cosmjs surfaces and change nothing", () => {
  let to: string;
  beforeAll(async () => {
    to = await newAddress();
  });

  async function expectUnchanged(run: () => Promise<void>): Promise<void> {
    const before = await Promise.all([accountState(faucet.address), accountState(to), bal(FEES)]);
    await run();
    await twoBlocksLater();
    expect(await Promise.all([accountState(faucet.address), accountState(to), bal(FEES)])).toEqual(before);
  }

  test("wrong sequence: BroadcastTxError 32", async () => {
    await expectUnchanged(async () => {
      const data = await faucetSignerData(5);
      const e = await expectBroadcastError(readers[0]!.broadcastTxSync(await signOffline(faucetWallet, faucet.address, to, 1n, data)), 32);
      expect(e.log).toBe(`account sequence mismatch, expected ${data.sequence - 5}, got ${data.sequence}: incorrect account sequence`);
      // An already used sequence is a replay: 32 as well.
      if (data.sequence - 5 > 0) await expectBroadcastError(readers[1]!.broadcastTxSync(await signOffline(faucetWallet, faucet.address, to, 1n, { ...data, sequence: data.sequence - 6 })), 32);
    });
  });

  test("wrong chain id in the signer data: BroadcastTxError 4 (signature verification failed)", async () => {
    await expectUnchanged(async () => {
      const e = await expectBroadcastError(readers[2]!.broadcastTxSync(await signOffline(faucetWallet, faucet.address, to, 1n, await faucetSignerData(0, "another-chain"))), 4);
      expect(e.log).toMatch(/signature verification failed/);
    });
  });

  test("fee below the minimum gas price: BroadcastTxError 13", async () => {
    await expectUnchanged(async () => {
      const lowFee: StdFee = { amount: [{ denom: DENOM, amount: "1" }], gas: "200000" };
      const msgs = [{ typeUrl: MSG_SEND, value: { fromAddress: faucet.address, toAddress: to, amount: [{ denom: DENOM, amount: "1" }] } }];
      const e = await expectBroadcastError(signer.signAndBroadcastSync(faucet.address, msgs, lowFee), 13);
      expect(e.log).toMatch(/insufficient fee/);
    });
  });

  test("an amount over the balance with fee \"auto\": simulate fails with (5)", async () => {
    await expectUnchanged(async () => {
      await expect(signer.sendTokens(faucet.address, to, [{ denom: DENOM, amount: (GENESIS_SUPPLY * 10n).toString() }], "auto")).rejects.toThrow(
        /Query failed with \(5\).*insufficient funds/,
      );
    });
  });

  test("an account the chain does not know cannot sign (cosmjs: account does not exist)", async () => {
    const stranger = await newWallet();
    const client = await connectSigner(stranger.wallet, 1);
    await expectUnchanged(async () => {
      await expect(client.sendTokens(stranger.address, to, [{ denom: DENOM, amount: "1" }], FEE)).rejects.toThrow(/does not exist on chain/);
      await expect(client.sendTokens(stranger.address, to, [{ denom: DENOM, amount: "1" }], "auto")).rejects.toThrow(/does not exist on chain/);
      // Signed offline anyway: the node refuses it (unknown address, code 9).
      const bytes = await signOffline(stranger.wallet, stranger.address, to, 1n, { accountNumber: 0n, sequence: 0, chainId: CHAIN_ID });
      await expectBroadcastError(readers[0]!.broadcastTxSync(bytes), 9);
    });
    expect(await readers[0]!.getAccount(stranger.address)).toBeNull();
  });

  test("tampered signature bytes: BroadcastTxError 4", async () => {
    await expectUnchanged(async () => {
      const raw = TxRaw.decode(await signOffline(faucetWallet, faucet.address, to, 1n, await faucetSignerData()));
      raw.signatures[0]![5] ^= 0x40;
      await expectBroadcastError(readers[3]!.broadcastTxSync(TxRaw.encode(raw).finish()), 4);
    });
  });
});

test("one account sends sequence n and n+1 back to back (signAndBroadcastSync, then broadcastTx): both land", async () => {
  const to = await newAddress();
  const start = await readers[0]!.getSequence(faucet.address);
  const msg = (amount: string) => [{ typeUrl: MSG_SEND, value: { fromAddress: faucet.address, toAddress: to, amount: [{ denom: DENOM, amount }] } }];
  const hash1 = await signer.signAndBroadcastSync(faucet.address, msg("11"), FEE);
  const raw2 = await signer.sign(faucet.address, msg("22"), FEE, "", { accountNumber: start.accountNumber, sequence: start.sequence + 1, chainId: CHAIN_ID });
  const second = await signer.broadcastTx(TxRaw.encode(raw2).finish(), 30_000, 200);
  expect(second.code).toBe(0);
  const first = await waitFor(() => readers[0]!.getTx(hash1), 30_000, "first tx included");
  expect(first.code).toBe(0);
  expect(first.height).toBeLessThanOrEqual(second.height);
  const n1 = await nodeAt(1, second.height);
  expect(await n1.getBalance(to, DENOM)).toEqual({ denom: DENOM, amount: "33" });
  expect((await n1.getSequence(faucet.address)).sequence).toBe(start.sequence + 2);
  // The client goes on with the queried sequence; fee "auto" to an existing recipient (no account creation to
  // pad the simulation) must still cover the fee transfer that simulate does not pay.
  const next = await signer.sendTokens(faucet.address, to, [{ denom: DENOM, amount: "1" }], "auto");
  expect(next.code).toBe(0);
  expect(next.gasUsed).toBeLessThanOrEqual(next.gasWanted);
});

test("a message that fails in the block (the second tx overspends because of the first): code 5, fee charged, sequence bumped, no transfer", async () => {
  const b = await newWallet();
  funded.add(b.address);
  const c = await newAddress();
  const fund = await signer.sendTokens(faucet.address, b.address, [{ denom: DENOM, amount: "100000" }], "auto");
  expect(fund.code).toBe(0);
  const bClient = await connectSigner(b.wallet, 0);
  const { accountNumber, sequence } = await bClient.getSequence(b.address);
  expect(sequence).toBe(0);
  const feesBefore = await bal(FEES);

  // b: 100000. tx1 moves 60000 (+5000 fee) -> 35000; tx2 pays its 5000 fee -> 30000, then 31000 does not fit.
  // CheckTx runs only the ante (as in the SDK), so both are admitted.
  const tx1 = await signOffline(b.wallet, b.address, c, 60_000n, { accountNumber, sequence, chainId: CHAIN_ID });
  const tx2 = await signOffline(b.wallet, b.address, c, 31_000n, { accountNumber, sequence: sequence + 1, chainId: CHAIN_ID });
  const h1 = await bClient.broadcastTxSync(tx1);
  const h2 = await bClient.broadcastTxSync(tx2);
  const r1 = await waitFor(() => readers[0]!.getTx(h1), 30_000, "tx1 included");
  const r2 = await waitFor(() => readers[0]!.getTx(h2), 30_000, "tx2 included");
  expect(r1.code).toBe(0);
  expect(r2.code).toBe(5);
  expect(r2.rawLog).toBe(`spendable balance 30000${DENOM} is smaller than 31000${DENOM}: insufficient funds`);
  expect(r2.msgResponses).toEqual([]);
  expect(r2.gasUsed).toBeLessThanOrEqual(r2.gasWanted);
  expect(r2.events.map((e) => e.type)).not.toContain("transfer");
  expect(r1.height).toBeLessThanOrEqual(r2.height);

  const n2 = await nodeAt(2, r2.height);
  expect((await n2.getBalance(b.address, DENOM)).amount).toBe("30000");
  expect((await n2.getBalance(c, DENOM)).amount).toBe("60000");
  expect((await n2.getSequence(b.address)).sequence).toBe(2);
  expect(BigInt((await n2.getBalance(FEES, DENOM)).amount)).toBe(feesBefore + 10_000n);
  // The same bytes again are a replay.
  await expectBroadcastError(readers[0]!.broadcastTxSync(tx2), 32);
});

test("total supply is conserved: faucet + every recipient + fee collector + distribution = genesis amount", async () => {
  const to = [await newAddress(), await newAddress(), await newAddress()];
  for (const [i, a] of to.entries()) {
    const r = await signer.sendTokens(faucet.address, a, [{ denom: DENOM, amount: String(1000 * (i + 1)) }], i % 2 === 0 ? "auto" : FEE);
    expect(r.code).toBe(0);
  }
  const last = await readers[0]!.getHeight();
  for (const i of [0, 3]) {
    const n = await nodeAt(i, last);
    let sum = BigInt((await n.getBalance(faucet.address, DENOM)).amount) + BigInt((await n.getBalance(FEE_COLLECTOR, DENOM)).amount) + BigInt((await n.getBalance(FEES, DENOM)).amount);
    for (const a of funded) sum += BigInt((await n.getBalance(a, DENOM)).amount);
    expect(sum).toBe(GENESIS_SUPPLY);
  }
  const fees = await bal(FEES);
  expect(fees).toBeGreaterThan(0n);
  expect(await readers[0]!.getAllBalances(FEES)).toEqual([{ denom: DENOM, amount: fees.toString() }]);
  expect(await bal(FEE_COLLECTOR)).toBe(0n); // emptied at every block end
});

test("staking with cosmjs: create a validator (Aegis message), delegate, undelegate; queries through the staking extension", async () => {
  const { Registry } = await import("@cosmjs/proto-signing");
  const { defaultRegistryTypes, QueryClient, setupStakingExtension } = await import("@cosmjs/stargate");
  const { fromBech32 } = await import("@cosmjs/encoding");
  const { AegisMsgCreateValidator, createBlsKeyPair, createBlsProofOfPossession, createAttestationKeyPair, createAttestationProofOfPossession } = await import("@aegis/hub").then(async (hub) => ({
    ...hub,
    ...(await import("@aegis/consumer-sdk")),
  }));
  const registry = new Registry([...defaultRegistryTypes, [AegisMsgCreateValidator.typeUrl, AegisMsgCreateValidator]]);
  // The operator: a fresh account funded by the faucet.
  const op = await newWallet();
  funded.add(op.address);
  const fundRes = await signer.sendTokens(faucet.address, op.address, [{ denom: DENOM, amount: "50000000" }], "auto");
  expect(fundRes.code).toBe(0);
  const opClient = await SigningStargateClient.connectWithSigner(rpc(1), op.wallet, { registry, gasPrice: GasPrice.fromString(`0.025${DENOM}`), broadcastPollIntervalMs: 200, broadcastTimeoutMs: 30_000 });
  signers.push(opClient);
  const valoper = toBech32("aegisvaloper", fromBech32(op.address, 90).data); // cosmjs 0.39: an explicit limit (its default Infinity breaks)
  const bls = createBlsKeyPair();
  const attestation = createAttestationKeyPair();
  const create = await opClient.signAndBroadcast(
    op.address,
    [
      {
        typeUrl: AegisMsgCreateValidator.typeUrl,
        value: AegisMsgCreateValidator.fromPartial({
          description: { moniker: "e2e-validator", identity: "", website: "", securityContact: "", details: "" },
          commission: { rate: "0.1", maxRate: "0.2", maxChangeRate: "0.01" },
          minSelfDelegation: "1",
          delegatorAddress: op.address,
          validatorAddress: valoper,
          value: { denom: DENOM, amount: "10000000" },
          blsPublicKey: bls.publicKey,
          blsProofOfPossession: createBlsProofOfPossession(bls.secretKey, fromBech32(op.address, 90).data),
          attestationPublicKey: attestation.publicKey,
          attestationProofOfPossession: createAttestationProofOfPossession(attestation.secretKey, fromBech32(op.address, 90).data),
        }),
      },
    ],
    "auto",
  );
  expect(create.code).toBe(0);
  // A delegator delegates and undelegates with the standard cosmjs helpers.
  const del = await newWallet();
  funded.add(del.address);
  expect((await signer.sendTokens(faucet.address, del.address, [{ denom: DENOM, amount: "20000000" }], "auto")).code).toBe(0);
  const delClient = await connectSigner(del.wallet, 2);
  const d = await delClient.delegateTokens(del.address, valoper, { denom: DENOM, amount: "3000000" }, "auto");
  expect(d.code).toBe(0);
  const u = await delClient.undelegateTokens(del.address, valoper, { denom: DENOM, amount: "1000000" }, "auto");
  expect(u.code).toBe(0);
  expect(u.msgResponses[0]!.typeUrl).toBe("/cosmos.staking.v1beta1.MsgUndelegateResponse");
  // Queries, read through another node once it has the block.
  await nodeAt(3, u.height);
  const { connectComet } = await import("@cosmjs/tendermint-rpc");
  const comet = await connectComet(rpc(3));
  const q = QueryClient.withExtensions(comet, setupStakingExtension);
  const v = await q.staking.validator(valoper);
  expect(v.validator?.description?.moniker).toBe("e2e-validator");
  expect(v.validator?.tokens).toBe("12000000");
  const dd = await q.staking.delegation(del.address, valoper);
  expect(dd.delegationResponse?.balance?.amount).toBe("2000000");
  const ub = await q.staking.unbondingDelegation(del.address, valoper);
  expect(ub.unbond?.entries.map((e) => e.balance)).toEqual(["1000000"]);
  expect((await readers[3]!.getDelegation(del.address, valoper))?.amount).toBe("2000000");
  // Tokens left the delegator's balance (delegated 3M and paid fees), none came back before maturity.
  expect(await bal(del.address, 3)).toBeLessThan(17_000_000n);
  comet.disconnect();
});

test("broadcast_tx_commit waits for the block; validators lists the set with BLS keys", async () => {
  const { Comet38Client } = await import("@cosmjs/tendermint-rpc");
  const to = await newAddress();
  funded.add(to);
  const tx = await signOffline(faucetWallet, faucet.address, to, 77n, await faucetSignerData());
  const comet = await Comet38Client.connect(rpc(2));
  try {
    const r = await comet.broadcastTxCommit({ tx });
    expect(r.checkTx.code).toBe(0);
    expect(r.txResult?.code).toBe(0);
    expect(r.height).toBeGreaterThan(0);
    // Committed: readable through another node once it has that block.
    await nodeAt(3, r.height);
    expect(await bal(to, 3)).toBe(77n);
    // A replay is refused by CheckTx and comes back at once with its code.
    const again = await comet.broadcastTxCommit({ tx });
    expect(again.checkTx.code).not.toBe(0);
    // validators: cosmjs decodes it (its decoder knows only ed25519 and secp256k1 key names, so the
    // 48-byte BLS key travels under the ed25519 name; docs/cosmjs-compat.md).
    const v = await comet.validators({});
    expect(v.total).toBe(N);
    expect(v.validators.every((x) => x.pubkey?.algorithm === "ed25519" && x.pubkey.data.length === 48)).toBe(true);
  } finally {
    comet.disconnect();
  }
});
