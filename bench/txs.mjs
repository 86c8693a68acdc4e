// Transactions benchmark: cosmjs-signed bank sends submitted to a 4-validator hub (real processes,
// libp2p on loopback) at fixed offered rates (open loop: the senders do not wait for blocks), one
// phase per rate on the same devnet. Per phase: finalized transactions per second, tx latency
// (submitted -> its block committed) and hub finality (proposal seen -> commit certificate).
// A last "burst" row submits a backlog as fast as the nodes accept it and reports how fast it drains.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { Devnet } from "@aegis/devnet";
import { fetchJson, nodeCpuSeconds as nodeCpuSecondsOf, percentile, postJson, printTable, writeResults } from "./lib.mjs";
import { freePortRange } from "./ports.mjs";

const COLUMNS = [
  "offered_tx_per_s",
  "txs",
  "finalized",
  "tx_per_s",
  "tx_latency_ms_p50",
  "tx_latency_ms_p99",
  "finality_ms_p50",
  "finality_ms_p99",
  "blocks",
  "avg_txs_per_block",
  "node_cpu_ms_per_tx",
  "client_cpu_ms_per_tx",
  "refused_full",
];
const SENDERS = 20;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nodeCpuSeconds = () => nodeCpuSecondsOf("aegis-bench-txs");

export async function run(args) {
  const quick = args.includes("--quick");
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const num = (name, min, max, dflt) => {
    const v = opt(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
  const validators = num("--validators", 1, 16, 4);
  const rate = num("--rate", 1, 100_000, undefined);
  const seconds = num("--seconds", 1, 600, quick ? 4 : 8);
  const phases =
    rate !== undefined
      ? [{ rate, seconds }]
      : quick
        ? [{ rate: 1000, seconds }]
        : [500, 1000, 1500].map((r) => ({ rate: r, seconds })).concat([{ rate: "burst", seconds: 0, txs: 6000 }]);
  // Validators attest (their share of the succinct tier); proving is the work of a separate prover
  // machine, so by default no node here proves. "prove": node0 proves too, as on the devnet.
  const zk = opt("--zk") ?? "attest";
  if (!["none", "attest", "prove"].includes(zk)) throw new Error("--zk must be none, attest or prove");
  const nodeArgs = (opt("--node-flags") ?? "").split(" ").filter(Boolean);
  const home = await mkdtemp(join(tmpdir(), "aegis-bench-txs-"));
  const base = await freePortRange(validators * 2);
  const devnet = new Devnet({
    home,
    validators,
    chainId: "aegis-bench-txs",
    host: "127.0.0.1",
    p2pBasePort: base,
    apiBasePort: base + validators,
    ...(zk === "none" ? { zkCircuit: null } : { zkProvers: zk === "prove" ? [0] : [] }),
    nodeArgs,
    consumers: 0,
    dashboardPort: null,
    log: () => {},
  });
  try {
    const file = await devnet.start();
    const rpcs = file.nodes.map((n) => n.rpc);
    const apis = file.nodes.map((n) => n.api);
    const gasPrice = GasPrice.fromString(`0.025${file.denom}`);
    // Fund the senders from the faucet in one transaction.
    const faucet = await DirectSecp256k1HdWallet.fromMnemonic(file.faucet.mnemonic, { prefix: file.bech32Prefix });
    const wallets = await Promise.all(Array.from({ length: SENDERS }, () => DirectSecp256k1HdWallet.generate(12, { prefix: file.bech32Prefix })));
    const addrs = await Promise.all(wallets.map(async (w) => (await w.getAccounts())[0].address));
    const client = await SigningStargateClient.connectWithSigner(rpcs[0], faucet, { gasPrice, broadcastPollIntervalMs: 200 });
    const msgs = addrs.map((a) => ({ typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: { fromAddress: file.faucet.address, toAddress: a, amount: [{ denom: file.denom, amount: "10000000000" }] } }));
    const funded = await client.signAndBroadcast(file.faucet.address, msgs, "auto");
    if (funded.code !== 0) throw new Error(`funding failed: ${funded.rawLog}`);
    const chainId = await client.getChainId();
    const recipient = file.faucet.address;
    // Pre-sign every transaction with cosmjs (explicit sequences), so the measurement is the hub, not the signer.
    const perSender = phases.map((p) => Math.ceil((p.txs ?? p.rate * p.seconds) / SENDERS));
    const totalPerSender = perSender.reduce((a, b) => a + b, 0);
    console.error(`signing ${totalPerSender * SENDERS} transactions…`);
    const fee = { amount: [{ denom: file.denom, amount: "2500" }], gas: "100000" };
    const signed = await Promise.all(
      wallets.map(async (w, i) => {
        const offline = await SigningStargateClient.offline(w);
        const acc = await client.getAccount(addrs[i]);
        const out = [];
        for (let s = 0; s < totalPerSender; s++) {
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

    const rows = [];
    let offset = 0;
    for (const [pi, phase] of phases.entries()) {
      const n = perSender[pi];
      const slices = signed.map((txs) => txs.slice(offset, offset + n));
      offset += n;
      const startHeight = (await fetchJson(`${apis[0]}/status`)).height;
      const submitted = new Map();
      let refusedFull = 0;
      const cpu0 = nodeCpuSeconds();
      const client0 = process.cpuUsage();
      console.error(`phase ${phase.rate === "burst" ? "burst" : `${phase.rate} tx/s`}: submitting ${n * SENDERS} transactions…`);
      const t0 = Date.now();
      // Each sender submits its transactions in order to one node (senders spread over the nodes), as
      // JSON-RPC batches of broadcast_tx_sync; at a fixed rate, or back to back for the burst.
      const BATCH = 10;
      await Promise.all(
        slices.map(async (txs, i) => {
          const url = rpcs[i % rpcs.length];
          const interval = phase.rate === "burst" ? 0 : (BATCH * SENDERS * 1000) / phase.rate;
          for (let k = 0, b = 0; k < txs.length; k += BATCH, b++) {
            if (interval > 0) {
              const due = t0 + (i / SENDERS) * interval + b * interval;
              if (due > Date.now()) await sleep(due - Date.now());
            }
            let batch = txs.slice(k, k + BATCH);
            const now = Date.now();
            for (const tx of batch) submitted.set(createHash("sha256").update(tx).digest("hex").toUpperCase(), now);
            // A full mempool (code 20) refuses the rest of the batch (a sender's later sequences cannot
            // pass before the refused one): submit them again after a block, as a client would.
            while (batch.length > 0) {
              const body = batch.map((tx, j) => ({ jsonrpc: "2.0", id: k + j, method: "broadcast_tx_sync", params: { tx: Buffer.from(tx).toString("base64") } }));
              const res = await postJson(url, body);
              const first = res.findIndex((r) => r.error || r.result.code !== 0);
              if (first < 0) break;
              const r = res[first];
              if (r.error || r.result.code !== 20) throw new Error(`rejected: ${JSON.stringify(r.error ?? r.result)}`);
              refusedFull++;
              batch = batch.slice(first);
              await sleep(100);
            }
          }
        }),
      );
      const submitMs = Date.now() - t0;
      // Wait until every transaction of the phase is in a committed block.
      const total = submitted.size;
      const committedAt = new Map();
      const commitTimes = new Map();
      let h = startHeight + 1;
      const deadline = Date.now() + 300_000;
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
        } else await sleep(50);
      }
      const cpu1 = nodeCpuSeconds();
      const client = process.cpuUsage(client0);
      const lastCommit = Math.max(...committedAt.values());
      const latencies = [...committedAt].map(([hash, at]) => at - submitted.get(hash)).sort((a, b) => a - b);
      const heights = [...commitTimes.values()].filter((c) => c.height > startHeight && c.height < h);
      const finality = heights.map((c) => c.finalityMs).filter((x) => x !== null).sort((a, b) => a - b);
      const blocksWithTxs = heights.filter((c) => c.txCount > 0);
      rows.push({
        offered_tx_per_s: phase.rate === "burst" ? `burst of ${total}` : phase.rate,
        txs: total,
        finalized: committedAt.size,
        tx_per_s: +(committedAt.size / ((lastCommit - t0) / 1000)).toFixed(1),
        tx_latency_ms_p50: percentile(latencies, 50),
        tx_latency_ms_p99: percentile(latencies, 99),
        finality_ms_p50: percentile(finality, 50),
        finality_ms_p99: percentile(finality, 99),
        blocks: blocksWithTxs.length,
        avg_txs_per_block: +(blocksWithTxs.reduce((s, c) => s + c.txCount, 0) / Math.max(1, blocksWithTxs.length)).toFixed(1),
        // All four validator processes together, per finalized transaction (the machine has 2 cores).
        node_cpu_ms_per_tx: cpu0 === null || cpu1 === null ? null : +(((cpu1 - cpu0) * 1000) / Math.max(1, committedAt.size)).toFixed(2),
        // This process (submitting, and reading every block back to time the transactions), on the same cores.
        client_cpu_ms_per_tx: +((client.user + client.system) / 1000 / Math.max(1, committedAt.size)).toFixed(2),
        submit_ms: submitMs,
        refused_full: refusedFull,
      });
      await sleep(1000);
    }
    console.log(`\ntxs benchmark (cosmjs-signed MsgSend from 20 senders, ${validators} validator processes on one machine, zk: ${zk}, node flags: ${nodeArgs.join(" ") || "none"})\n`);
    const table = printTable(rows, COLUMNS);
    await writeResults("txs", { validators, senders: SENDERS, zk, nodeFlags: nodeArgs, rows, table });
  } finally {
    await devnet.stop();
    await rm(home, { recursive: true, force: true });
  }
}
