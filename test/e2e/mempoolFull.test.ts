/**
 * A node's bounded mempool (config mempool.maxTxs): one validator of two runs alone, so nothing
 * commits and admitted transactions stay pending; past the bound a submission is refused with code
 * 20, through the node and through the CometBFT RPC, and leaves the mempool and the check state as
 * they were.
 */
import { jest } from "@jest/globals";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { SigningStargateClient } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { fromBech32, initHomes, startNodeFromHome, type RunningNode } from "@aegis/hub";
import { makeTempDir, removeDir, reservePortRange, HOST } from "../helpers/e2eUtils.js";

jest.setTimeout(60_000);

let dir: string;
let running: RunningNode | null = null;
let txs: Uint8Array[];
let faucetAddress: Uint8Array;

beforeAll(async () => {
  dir = await makeTempDir("mempool-full");
  const base = await reservePortRange(4);
  const res = await initHomes({ home: dir, validators: 2, chainId: "aegis-mempool-full", host: HOST, p2pBasePort: base, apiBasePort: base + 2, force: true });
  running = await startNodeFromHome(res.nodes[0]!.home, { config: (c) => ({ ...c, api: { host: HOST, port: 0 }, mempool: { maxTxs: 2 } }) });
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(res.faucet!.mnemonic, { prefix: "aegis" });
  const signer = await SigningStargateClient.offline(wallet);
  const from = res.faucet!.address;
  faucetAddress = fromBech32(from, "aegis", { lengths: [20] });
  const account = running.node.app.checkAccount!(faucetAddress)!;
  txs = [];
  for (let s = 0; s < 4; s++) {
    const msg = { typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: { fromAddress: from, toAddress: from, amount: [{ denom: "uaeg", amount: "1" }] } };
    const raw = await signer.sign(from, [msg], { amount: [{ denom: "uaeg", amount: "5000" }], gas: "200000" }, "", {
      accountNumber: Number(account.accountNumber),
      sequence: s,
      chainId: "aegis-mempool-full",
    });
    txs.push(TxRaw.encode(raw).finish());
  }
});

afterAll(async () => {
  await running?.stop();
  await removeDir(dir);
});

test("past mempool.maxTxs a submission is refused with code 20 and changes nothing", async () => {
  const node = running!.node;
  expect(await node.submitTx(txs[0]!)).toMatchObject({ added: true, code: 0 });
  expect(await node.submitTx(txs[1]!)).toMatchObject({ added: true, code: 0 });
  expect(node.app.checkAccount!(faucetAddress)!.sequence).toBe(2n);

  const refused = await node.submitTx(txs[2]!);
  expect(refused).toMatchObject({ added: false, reason: "full", code: 20, codespace: "sdk" });
  expect(refused.log).toMatch(/^mempool is full \(2 transactions pending\)/);
  expect(node.mempool.size).toBe(2);
  expect(node.mempool.has(txs[2]!)).toBe(false);
  expect(node.app.checkAccount!(faucetAddress)!.sequence).toBe(2n); // CheckTx did not run

  // the same through the CometBFT RPC, as cosmjs sees it
  const res = await fetch(`${running!.api.url}/rpc`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "broadcast_tx_sync", params: { tx: Buffer.from(txs[2]!).toString("base64") } }),
  });
  const body = (await res.json()) as { result: { code: number; codespace: string; log: string } };
  expect(body.result).toMatchObject({ code: 20, codespace: "sdk" });
  expect(body.result.log).toMatch(/mempool is full/);
  expect(node.mempool.size).toBe(2);
  expect(node.app.checkAccount!(faucetAddress)!.sequence).toBe(2n);
});
