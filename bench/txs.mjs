// Transactions benchmark: cosmjs-signed bank sends submitted to a 4-validator hub (real processes,
// libp2p on loopback), finalized transactions per second, tx latency (submitted -> its block
// committed) and hub finality (proposal seen -> commit certificate) under that load.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { Devnet } from "@aegis/devnet";
import { percentile, printTable, writeResults } from "./lib.mjs";
import { freePortRange } from "./ports.mjs";

const COLUMNS = ["validators", "senders", "txs", "finalized", "tx_per_s", "tx_latency_ms_p50", "tx_latency_ms_p99", "finality_ms_p50", "finality_ms_p99", "blocks", "avg_txs_per_block"];

async function fetchJson(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.json();
}

export async function run(args) {
  const quick = args.includes("--quick");
  const validators = 4;
  const senders = 20;
  const perSender = quick ? 100 : 500;
  const home = await mkdtemp(join(tmpdir(), "aegis-bench-txs-"));
  const base = await freePortRange(validators * 2);
  const devnet = new Devnet({ home, validators, chainId: "aegis-bench-txs", host: "127.0.0.1", p2pBasePort: base, apiBasePort: base + validators, log: () => {} }); // default empty-block wait: a transaction ends it at once
  try {
    const file = await devnet.start();
    const rpcs = file.nodes.map((n) => n.rpc);
    const apis = file.nodes.map((n) => n.api);
    const gasPrice = GasPrice.fromString(`0.025${file.denom}`);
    // Fund the senders from the faucet in one transaction.
    const faucet = await DirectSecp256k1HdWallet.fromMnemonic(file.faucet.mnemonic, { prefix: file.bech32Prefix });
    const wallets = await Promise.all(Array.from({ length: senders }, () => DirectSecp256k1HdWallet.generate(12, { prefix: file.bech32Prefix })));
    const addrs = await Promise.all(wallets.map(async (w) => (await w.getAccounts())[0].address));
    const client = await SigningStargateClient.connectWithSigner(rpcs[0], faucet, { gasPrice, broadcastPollIntervalMs: 200 });
    const msgs = addrs.map((a) => ({ typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: { fromAddress: file.faucet.address, toAddress: a, amount: [{ denom: file.denom, amount: "1000000000" }] } }));
    const funded = await client.signAndBroadcast(file.faucet.address, msgs, "auto");
    if (funded.code !== 0) throw new Error(`funding failed: ${funded.rawLog}`);
    const chainId = await client.getChainId();
    const recipient = file.faucet.address;
    // Pre-sign every transaction (explicit sequences), so the measurement is the hub, not the signer.
    console.error(`signing ${senders * perSender} transactions…`);
    const fee = { amount: [{ denom: file.denom, amount: "2500" }], gas: "100000" };
    const signed = await Promise.all(
      wallets.map(async (w, i) => {
        const offline = await SigningStargateClient.offline(w);
        const acc = await client.getAccount(addrs[i]);
        const out = [];
        for (let s = 0; s < perSender; s++) {
          const raw = await offline.sign(addrs[i], [{ typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: { fromAddress: addrs[i], toAddress: recipient, amount: [{ denom: file.denom, amount: "1" }] } }], fee, "", {
            accountNumber: acc.accountNumber,
            sequence: s,
            chainId,
          });
          out.push(TxRaw.encode(raw).finish());
        }
        return out;
      }),
    );
    client.disconnect();
    const startHeight = (await fetchJson(`${apis[0]}/status`)).height;
    // Submit: each sender's transactions in order to one node (senders spread over the nodes), as
    // JSON-RPC batches of broadcast_tx_sync (CometBFT accepts batches; the node checks them in order).
    console.error("submitting…");
    const submitted = new Map();
    const t0 = Date.now();
    const BATCH = 50;
    await Promise.all(
      signed.map(async (txs, i) => {
        const url = rpcs[i % rpcs.length];
        for (let k = 0; k < txs.length; k += BATCH) {
          const batch = txs.slice(k, k + BATCH);
          const now = Date.now();
          for (const tx of batch) submitted.set(createHash("sha256").update(tx).digest("hex").toUpperCase(), now);
          const body = batch.map((tx, j) => ({ jsonrpc: "2.0", id: k + j, method: "broadcast_tx_sync", params: { tx: Buffer.from(tx).toString("base64") } }));
          const res = await (await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).json();
          for (const r of res) if (r.error || r.result.code !== 0) throw new Error(`rejected: ${JSON.stringify(r.error ?? r.result)}`);
        }
      }),
    );
    const submitMs = Date.now() - t0;
    // Wait until every transaction is in a committed block.
    const total = submitted.size;
    const committedAt = new Map();
    let h = startHeight + 1;
    const deadline = Date.now() + 300_000;
    const commitTimes = new Map();
    while (committedAt.size < total && Date.now() < deadline) {
      const tip = (await fetchJson(`${apis[0]}/status`)).height;
      if (tip >= h) {
        const { commits } = await fetchJson(`${apis[0]}/commits?limit=1000`);
        for (const c of commits) commitTimes.set(c.height, c);
        for (; h <= tip; h++) {
          const block = await fetchJson(`${apis[0]}/blocks/${h}`);
          const at = Date.parse(commitTimes.get(h)?.time ?? new Date().toISOString());
          for (const b64 of block.txs) {
            const hash = createHash("sha256").update(Buffer.from(b64, "base64")).digest("hex").toUpperCase();
            if (submitted.has(hash)) committedAt.set(hash, at);
          }
        }
      } else await new Promise((r) => setTimeout(r, 100));
    }
    const lastCommit = Math.max(...committedAt.values());
    const latencies = [...committedAt].map(([hash, at]) => at - submitted.get(hash)).sort((a, b) => a - b);
    const heights = [...commitTimes.values()].filter((c) => c.height > startHeight && c.height < h);
    const finality = heights.map((c) => c.finalityMs).filter((x) => x !== null).sort((a, b) => a - b);
    const blocksWithTxs = heights.filter((c) => c.txCount > 0);
    const row = {
      validators,
      senders,
      txs: total,
      finalized: committedAt.size,
      tx_per_s: +(committedAt.size / ((lastCommit - t0) / 1000)).toFixed(1),
      tx_latency_ms_p50: percentile(latencies, 50),
      tx_latency_ms_p99: percentile(latencies, 99),
      finality_ms_p50: percentile(finality, 50),
      finality_ms_p99: percentile(finality, 99),
      blocks: blocksWithTxs.length,
      avg_txs_per_block: +(blocksWithTxs.reduce((s, c) => s + c.txCount, 0) / Math.max(1, blocksWithTxs.length)).toFixed(1),
      submit_ms: submitMs,
    };
    console.log("\ntxs benchmark (cosmjs-signed MsgSend, 4 validator processes)\n");
    const table = printTable([row], COLUMNS);
    await writeResults("txs", { rows: [row], table });
  } finally {
    await devnet.stop();
    await rm(home, { recursive: true, force: true });
  }
}
