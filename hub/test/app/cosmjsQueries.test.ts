/**
 * The Cosmos query paths and codes of docs/cosmjs-compat.md §9 (issue 19) on a real in-process node
 * (one validator, the hub's application, LevelDB, its CometBFT JSON-RPC), read with unchanged cosmjs
 * 0.39: QueryClient with the bank, staking, distribution and tx extensions over connectComet, and
 * SigningStargateClient with a direct signer for MsgSetWithdrawAddress end to end (rewards withdrawn
 * afterwards land on the withdraw address).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromBech32, toBech32, toHex } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import {
  BroadcastTxError,
  GasPrice,
  QueryClient,
  setupBankExtension,
  setupDistributionExtension,
  setupStakingExtension,
  setupTxExtension,
  SigningStargateClient,
  StargateClient,
  type StdFee,
} from "@cosmjs/stargate";
import { connectComet, type CometClient } from "@cosmjs/tendermint-rpc";
import { encodeSecp256k1Pubkey } from "@cosmjs/amino";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { MsgSetWithdrawAddress } from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import { AuthInfo, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { sha256 } from "@aegis/consumer-sdk";
import { nullLogger } from "../../src/logger.js";
import { initHomes, type InitHomesResult } from "../../src/node/initHomes.js";
import { startNodeFromHome, type RunningNode } from "../../src/node/runNode.js";

const CHAIN_ID = "aegis-cosmjs-queries";
const DENOM = "uaeg";
const GAS_PRICE = GasPrice.fromString(`0.025${DENOM}`);
const FEE: StdFee = { amount: [{ denom: DENOM, amount: "6000" }], gas: "240000" };

let dir: string | undefined;
let running: RunningNode | undefined;
let res: InitHomesResult;
let comet: CometClient;
let q: ReturnType<typeof queryClient>;
const clients: StargateClient[] = [];

function queryClient(c: CometClient) {
  return QueryClient.withExtensions(c, setupBankExtension, setupStakingExtension, setupDistributionExtension, setupTxExtension);
}

async function waitFor(what: string, done: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function signer(wallet: DirectSecp256k1HdWallet): Promise<SigningStargateClient> {
  const c = await SigningStargateClient.connectWithSigner(running!.api.url, wallet, { gasPrice: GAS_PRICE, broadcastPollIntervalMs: 100, broadcastTimeoutMs: 30_000 });
  clients.push(c);
  return c;
}

async function newWallet(): Promise<{ wallet: DirectSecp256k1HdWallet; address: string }> {
  const wallet = await DirectSecp256k1HdWallet.generate(12, { prefix: "aegis" });
  return { wallet, address: (await wallet.getAccounts())[0]!.address };
}

async function balance(address: string): Promise<bigint> {
  return BigInt((await q.bank.balance(address, DENOM)).amount);
}

let faucet: SigningStargateClient;
let faucetAddress: string;
let valoper: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aegis-cosmjs-queries-"));
  res = await initHomes({ home: dir, validators: 1, chainId: CHAIN_ID, consensus: { createEmptyBlocksIntervalMs: 50, rebroadcastIntervalMs: 500 } });
  running = await startNodeFromHome(res.nodes[0]!.home, {
    logger: nullLogger,
    config: (c) => ({ ...c, api: { host: "127.0.0.1", port: 0 }, p2p: { listen: ["/ip4/127.0.0.1/tcp/0"], bootstrap: [] } }),
  });
  await waitFor("the first block", () => running!.node.engine.height >= 2);
  comet = await connectComet(running.api.url);
  q = queryClient(comet);
  faucetAddress = res.faucet!.address;
  faucet = await signer(await DirectSecp256k1HdWallet.fromMnemonic(res.faucet!.mnemonic, { prefix: "aegis" }));
  valoper = (await q.staking.validators("BOND_STATUS_BONDED")).validators[0]!.operatorAddress;
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.disconnect();
  comet?.disconnect();
  await running?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("bank", () => {
  test("supplyOf, totalSupply; denomMetadata of the genesis denom (default: uaeg → aeg, exponent 6); an unknown denom is NotFound", async () => {
    const supply = BigInt((await q.bank.supplyOf(DENOM)).amount);
    expect(supply).toBeGreaterThanOrEqual(10n ** 15n);
    expect((await q.bank.totalSupply()).supply).toEqual([{ denom: DENOM, amount: supply.toString() }]);
    expect(await q.bank.supplyOf("ufoo")).toEqual({ denom: "ufoo", amount: "0" });
    const m = await q.bank.denomMetadata(DENOM);
    expect(m).toMatchObject({ base: "uaeg", display: "aeg", name: "Aegis", symbol: "AEG" });
    expect(m.denomUnits.map((u) => [u.denom, u.exponent])).toEqual([
      ["uaeg", 0],
      ["aeg", 6],
    ]);
    expect(await q.bank.denomsMetadata()).toEqual([m]);
    await expect(q.bank.denomMetadata("ufoo")).rejects.toThrow("Query failed with (22): rpc error: code = NotFound desc = client metadata for denom ufoo: key not found");
    await expect(q.bank.supplyOf("1x")).rejects.toThrow("Query failed with (18): rpc error: code = InvalidArgument desc = invalid denom: 1x: invalid request");
  });
});

describe("staking, distribution and tx with a delegator who sets a withdraw address", () => {
  test("MsgSetWithdrawAddress with cosmjs; rewards land on the withdraw address; the queries see it all", async () => {
    const del = await newWallet();
    const withdraw = await newWallet();
    expect((await faucet.sendTokens(faucetAddress, del.address, [{ denom: DENOM, amount: "2000000000" }], "auto")).code).toBe(0);
    const delClient = await signer(del.wallet);
    // 10 × the validator's self-delegation: most of the fees are this delegator's rewards.
    expect((await delClient.delegateTokens(del.address, valoper, { denom: DENOM, amount: "1000000000" }, "auto")).code).toBe(0);

    const set = await delClient.signAndBroadcast(del.address, [{ typeUrl: MsgSetWithdrawAddress.typeUrl, value: MsgSetWithdrawAddress.fromPartial({ delegatorAddress: del.address, withdrawAddress: withdraw.address }) }], "auto");
    expect(set.code).toBe(0);
    expect(set.msgResponses.map((r) => r.typeUrl)).toEqual(["/cosmos.distribution.v1beta1.MsgSetWithdrawAddressResponse"]);
    expect(set.events.find((e) => e.type === "set_withdraw_address")?.attributes).toContainEqual({ key: "withdraw_address", value: withdraw.address });
    expect((await q.distribution.delegatorWithdrawAddress(del.address)).withdrawAddress).toBe(withdraw.address);
    expect((await q.distribution.delegatorWithdrawAddress(faucetAddress)).withdrawAddress).toBe(faucetAddress);

    // Fee-paying transactions give the validator (and so the delegator) rewards.
    for (let i = 0; i < 3; i++) expect((await faucet.sendTokens(faucetAddress, withdraw.address, [{ denom: DENOM, amount: "1" }], FEE)).code).toBe(0);
    const pending = await q.distribution.delegationRewards(del.address, valoper);
    expect(BigInt(pending.rewards[0]!.amount) / 10n ** 18n).toBeGreaterThan(0n);
    const delBefore = await balance(del.address);
    const wBefore = await balance(withdraw.address);
    const w = await delClient.withdrawRewards(del.address, valoper, FEE);
    expect(w.code).toBe(0);
    const paid = BigInt(w.events.find((e) => e.type === "withdraw_rewards")!.attributes.find((a) => a.key === "amount")!.value.replace(DENOM, ""));
    expect(paid).toBeGreaterThan(0n);
    expect(w.events.find((e) => e.type === "transfer")!.attributes).toContainEqual({ key: "recipient", value: withdraw.address });
    await waitFor("the withdraw's block", async () => (await balance(withdraw.address)) === wBefore + paid);
    expect(await balance(del.address)).toBe(delBefore - 6000n); // only the fee

    // staking: the delegator's validators
    expect((await q.staking.delegatorValidator(del.address, valoper)).validator.operatorAddress).toBe(valoper);
    expect((await q.staking.delegatorValidators(del.address)).validators.map((v) => v.operatorAddress)).toEqual([valoper]);
    await expect(q.staking.delegatorValidator(withdraw.address, valoper)).rejects.toThrow(/Query failed with \(6\): rpc error: code = Internal desc = no delegation for \(address, validator\) tuple/);
    expect((await delClient.undelegateTokens(del.address, valoper, { denom: DENOM, amount: "1000" }, "auto")).code).toBe(0);
    const ubds = await q.staking.validatorUnbondingDelegations(valoper);
    expect(ubds.unbondingResponses.map((u) => u.delegatorAddress)).toEqual([del.address]);
    expect((await q.staking.validatorDelegations(valoper)).delegationResponses.map((d) => d.delegation.delegatorAddress)).toContain(del.address);
    expect((await q.staking.redelegations(del.address, "", "")).redelegationResponses).toEqual([]);
    const otherValoper = toBech32("aegisvaloper", fromBech32(withdraw.address, 90).data);
    await expect(q.staking.redelegations(del.address, valoper, otherValoper)).rejects.toThrow(
      `Query failed with (6): rpc error: code = Internal desc = rpc error: code = NotFound desc = redelegation not found for delegator address ${del.address} from validator address ${valoper}: unknown request`,
    );

    // distribution: the delegator's validators, the community pool, no slashes
    expect((await q.distribution.delegatorValidators(del.address)).validators).toEqual([valoper]);
    expect(Array.isArray((await q.distribution.communityPool()).pool)).toBe(true);
    expect((await q.distribution.validatorSlashes(valoper, 0, 1_000_000)).slashes).toEqual([]);

    // tx: the MsgSetWithdrawAddress transaction by hash, with its TxResponse
    const got = await q.tx.getTx(set.transactionHash);
    expect(got.tx!.body!.messages.map((m) => m.typeUrl)).toEqual([MsgSetWithdrawAddress.typeUrl]);
    const tr = got.txResponse!;
    expect({ txhash: tr.txhash, height: tr.height, code: tr.code, gasWanted: tr.gasWanted, gasUsed: tr.gasUsed }).toEqual({
      txhash: set.transactionHash,
      height: BigInt(set.height),
      code: 0,
      gasWanted: set.gasWanted,
      gasUsed: set.gasUsed,
    });
    expect(tr.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(tr.tx!.typeUrl).toBe("/cosmos.tx.v1beta1.Tx");
    expect(tr.data).toMatch(/^[0-9A-F]+$/);
    expect(tr.events.map((e) => e.type)).toContain("set_withdraw_address");
    expect((await q.tx.getTx(set.transactionHash.toLowerCase())).txResponse!.txhash).toBe(set.transactionHash);
    const unknown = "AB".repeat(32);
    await expect(q.tx.getTx(unknown)).rejects.toThrow(`Query failed with (22): rpc error: code = NotFound desc = tx not found: ${unknown}: key not found`);
    await expect(q.tx.getTx("")).rejects.toThrow(/Query failed with \(18\).*tx hash cannot be empty/);
    await expect(q.tx.getTx("xyz")).rejects.toThrow("Query failed with (18): encoding/hex: invalid byte: U+0078 'x': invalid request");
  });

  test("historicalInfo: a recent height's header and the set that signed it; other heights NotFound", async () => {
    const h = running!.node.app.height;
    const info = await q.staking.historicalInfo(h);
    const block = (await running!.node.db.blocks.getBlock(h))!;
    expect(info.hist!.header).toMatchObject({ chainId: CHAIN_ID, height: BigInt(h), proposerAddress: block.header.proposer, appHash: block.header.stateRoot });
    expect(toHex(info.hist!.header.lastBlockId.hash)).toBe(toHex(block.header.parentHash));
    expect(info.hist!.valset.map((v) => [v.operatorAddress, v.status])).toEqual([[valoper, 3]]);
    await expect(q.staking.historicalInfo(h + 1_000)).rejects.toThrow(`Query failed with (22): rpc error: code = NotFound desc = historical info for height ${h + 1_000} not found: key not found`);
    await expect(q.staking.historicalInfo(0)).rejects.toThrow(/\(22\).*historical info for height 0 not found/);
  });
});

describe("codes as the SDK answers them", () => {
  test("a send to an address with another bech32 prefix: code 7 (ErrInvalidAddress)", async () => {
    const to = toBech32("cosmos", fromBech32(faucetAddress, 90).data);
    let err: unknown;
    try {
      await faucet.signAndBroadcastSync(faucetAddress, [{ typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: { fromAddress: faucetAddress, toAddress: to, amount: [{ denom: DENOM, amount: "1" }] } }], FEE);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BroadcastTxError);
    expect({ code: (err as BroadcastTxError).code, codespace: (err as BroadcastTxError).codespace }).toEqual({ code: 7, codespace: "sdk" });
    expect((err as BroadcastTxError).log).toMatch(/invalid to_address: invalid Bech32 prefix; expected aegis, got cosmos: invalid address$/);
    // With fee "auto" cosmjs simulates first: the same code from the query.
    await expect(faucet.sendTokens(faucetAddress, to, [{ denom: DENOM, amount: "1" }], "auto")).rejects.toThrow(/Query failed with \(7\)/);
  });

  test("a send to a module account: code 4 (blocked address)", async () => {
    const feeCollector = toBech32("aegis", sha256(new TextEncoder().encode("fee_collector")).slice(0, 20));
    await expect(faucet.sendTokens(faucetAddress, feeCollector, [{ denom: DENOM, amount: "1" }], "auto")).rejects.toThrow(`Query failed with (4): ${feeCollector} is not allowed to receive funds: unauthorized`);
  });

  test("Simulate reports gas_wanted as the SDK's infinite gas meter does (uint64 max) and the gas used", async () => {
    const { sequence } = await faucet.getSequence(faucetAddress);
    const [acc] = await (await DirectSecp256k1HdWallet.fromMnemonic(res.faucet!.mnemonic, { prefix: "aegis" })).getAccounts();
    const send = { typeUrl: MsgSend.typeUrl, value: MsgSend.encode(MsgSend.fromPartial({ fromAddress: faucetAddress, toAddress: faucetAddress, amount: [{ denom: DENOM, amount: "1" }] })).finish() };
    const sim = await q.tx.simulate([send], "", encodeSecp256k1Pubkey(acc!.pubkey), sequence);
    expect(sim.gasInfo!.gasWanted).toBe(2n ** 64n - 1n);
    expect(sim.gasInfo!.gasUsed).toBeGreaterThan(0n);
  });

  test("a tx signed for another sign mode than direct: code 4 (ErrUnauthorized), not 37", async () => {
    const { accountNumber, sequence } = await faucet.getSequence(faucetAddress);
    const offline = await SigningStargateClient.offline(await DirectSecp256k1HdWallet.fromMnemonic(res.faucet!.mnemonic, { prefix: "aegis" }));
    const raw = await offline.sign(faucetAddress, [{ typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: { fromAddress: faucetAddress, toAddress: faucetAddress, amount: [{ denom: DENOM, amount: "1" }] } }], FEE, "", { accountNumber, sequence, chainId: CHAIN_ID });
    // Rewrite mode_info.single.mode from 1 (DIRECT) to 2 (SIGN_MODE_TEXTUAL), which the hub does not verify.
    const auth = AuthInfo.decode(raw.authInfoBytes);
    auth.signerInfos[0]!.modeInfo = { single: { mode: 2 } };
    const tx = TxRaw.encode({ ...raw, authInfoBytes: AuthInfo.encode(auth).finish() }).finish();
    const reader = await StargateClient.connect(running!.api.url);
    clients.push(reader);
    let err: unknown;
    try {
      await reader.broadcastTxSync(tx);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BroadcastTxError);
    expect((err as BroadcastTxError).code).toBe(4);
  });
});
