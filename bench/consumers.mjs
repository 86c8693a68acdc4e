// Consumer-checkpoint benchmark (issue 15): a 4-validator hub (real processes, libp2p on loopback, as
// in the txs benchmark) with 1, 10, 100 and 300 registered consumer chains, each submitting one
// checkpoint per hub block. The faucet registers the consumers (ids bench-0…, batched registrations);
// a few funded relayer accounts relay the checkpoints (consumer i through relayer i mod R, up to --batch
// (default 10) MsgSubmitCheckpoint per cosmjs-signed transaction, as a relayer serving many consumers
// would, so every consumer's chain reaches the mempool in order); each checkpoint extends the
// consumer's previous one and is signed by the consumer's ed25519 producer key. Closed loop on the hub's blocks: at every commit (the WebSocket
// certificate stream of node0) the next round — one checkpoint per consumer — is submitted, unless
// the previous round is still being submitted. Per phase: hub finality p50/p99, blocks/s, checkpoints
// per block and per second, checkpoint latency, header, certificate and block bytes, and node CPU
// per checkpoint; and a reference phase of bank transfers in the same shape (100 MsgSends per block)
// for the node CPU of a transfer. `--pairs K` adds K alternating pairs of phases — transfers, then
// 100 consumers' checkpoints, on the same hub — so the CPU target is judged on neighbours in time
// (machines here drift by up to 2x within a session): a second table lists each pair's CPU per item
// and their ratio, and the median ratio.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { DirectSecp256k1HdWallet, Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes, GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { Devnet } from "@aegis/devnet";
import { CONSUMER_COSMJS_TYPES, MSG_REGISTER_CONSUMER_TYPE_URL, MSG_SUBMIT_CHECKPOINT_TYPE_URL, encodeBlock, encodeCommitCertificate } from "@aegis/hub";
import { computeCheckpointHash, decodeBlockJson, encodeHeaderCanonical, getCheckpointProducerPublicKey, signCheckpoint, ZERO_CHECKPOINT_HASH } from "@aegis/consumer-sdk";
import { fetchJson, nodeCpuSeconds as nodeCpuSecondsOf, percentile, postJson, printTable, writeResults } from "./lib.mjs";
import { freePortRange } from "./ports.mjs";

const TAG = "aegis-bench-consumers";
const COLUMNS = [
  "load",
  "seconds",
  "rounds",
  "txs",
  "committed",
  "tx_per_s",
  "blocks_per_s",
  "avg_txs_per_block",
  "finality_ms_p50",
  "finality_ms_p99",
  "latency_ms_p50",
  "latency_ms_p99",
  "header_bytes",
  "cert_bytes",
  "block_bytes_avg",
  "items",
  "batch",
  "node_cpu_ms_per_item",
  "node_cpu_ms_per_tx",
  "node_cpu_ms_per_block",
  "node_cores",
];
const RELAYERS = 10;
const REGISTER_BATCH = 32; // the hub's limit of messages per transaction
const BANK_PER_BLOCK = 100;
/** Most transactions pre-signed for one phase (the signing happens before the phase, outside its measurement). */
const MAX_PRESIGNED = 40_000;
const CHECKPOINT_FEE = (denom, n = 1) => ({ amount: [{ denom, amount: String(10000 * n) }], gas: String(400000 * n) });
const BANK_FEE = (denom) => ({ amount: [{ denom, amount: "2500" }], gas: "100000" });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nodeCpuSeconds = () => nodeCpuSecondsOf(TAG);
const txHash = (tx) => createHash("sha256").update(tx).digest("hex").toUpperCase();
const consumerId = (i) => `bench-${i}`;
const producerSecret = (i) => new Uint8Array(createHash("sha256").update(`aegis-bench-producer-${i}`).digest());
const fill = (i, h, salt) => new Uint8Array(createHash("sha256").update(`${i}/${h}/${salt}`).digest());

export async function run(args) {
  const quick = args.includes("--quick");
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const seconds = opt("--seconds") !== undefined ? Number(opt("--seconds")) : quick ? 8 : 20;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 600) throw new Error("--seconds must be an integer from 1 to 600");
  const sizes = (opt("--consumers") ?? "1,10,100,300").split(",").map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 1000) || sizes.some((n, i) => i > 0 && n <= sizes[i - 1])) throw new Error("--consumers: increasing integers from 1 to 1000");
  const zk = opt("--zk") ?? "attest";
  if (!["none", "attest", "prove"].includes(zk)) throw new Error("--zk must be none, attest or prove");
  const nodeArgs = (opt("--node-flags") ?? "").split(" ").filter(Boolean);
  const withBank = !args.includes("--no-bank");
  const pairs = opt("--pairs") !== undefined ? Number(opt("--pairs")) : 0;
  if (!Number.isInteger(pairs) || pairs < 0 || pairs > 20) throw new Error("--pairs must be an integer from 0 to 20");
  const batch = opt("--batch") !== undefined ? Number(opt("--batch")) : 10;
  if (!Number.isInteger(batch) || batch < 1 || batch > 32) throw new Error("--batch must be an integer from 1 to 32 (the hub's messages per transaction)");
  const validators = 4;
  const home = await mkdtemp(join(tmpdir(), `${TAG}-`));
  const base = await freePortRange(validators * 2);
  const devnet = new Devnet({
    home,
    validators,
    chainId: TAG,
    host: "127.0.0.1",
    p2pBasePort: base,
    apiBasePort: base + validators,
    ...(zk === "none" ? { zkCircuit: null } : { zkProvers: zk === "prove" ? [0] : [] }),
    nodeArgs,
    consumers: 0,
    dashboardPort: null,
    log: () => {},
  });
  let ws;
  try {
    const file = await devnet.start();
    const { denom } = file;
    const rpcs = file.nodes.map((n) => n.rpc);
    const apis = file.nodes.map((n) => n.api);
    const registry = new Registry([...defaultRegistryTypes, ...CONSUMER_COSMJS_TYPES]);
    const faucetWallet = await DirectSecp256k1HdWallet.fromMnemonic(file.faucet.mnemonic, { prefix: file.bech32Prefix });
    const faucet = file.faucet.address;
    const client = await SigningStargateClient.connectWithSigner(rpcs[0], faucetWallet, { registry, gasPrice: GasPrice.fromString(`0.025${denom}`), broadcastPollIntervalMs: 200 });
    const chainId = await client.getChainId();
    const wallets = await Promise.all(Array.from({ length: RELAYERS }, () => DirectSecp256k1HdWallet.generate(12, { prefix: file.bech32Prefix })));
    const relayers = await Promise.all(wallets.map(async (w) => (await w.getAccounts())[0].address));
    const funded = await client.signAndBroadcast(faucet, relayers.map((a) => ({ typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: { fromAddress: faucet, toAddress: a, amount: [{ denom, amount: "100000000000" }] } })), "auto");
    if (funded.code !== 0) throw new Error(`funding failed: ${funded.rawLog}`);
    const offline = await Promise.all(wallets.map((w) => SigningStargateClient.offline(w, { registry })));
    const accountNumbers = await Promise.all(relayers.map(async (a) => (await client.getAccount(a)).accountNumber));
    const sequences = relayers.map(() => 0);
    /** Each consumer's latest submitted checkpoint (undefined before its first). */
    const latest = [];
    let registered = 0;

    async function register(upTo) {
      for (let from = registered; from < upTo; from += REGISTER_BATCH) {
        const ids = Array.from({ length: Math.min(REGISTER_BATCH, upTo - from) }, (_, k) => from + k);
        const msgs = ids.map((i) => ({
          typeUrl: MSG_REGISTER_CONSUMER_TYPE_URL,
          value: { owner: faucet, consumerId: consumerId(i), vm: "bench", genesisHash: fill(i, 0, "genesis"), producerKeys: [getCheckpointProducerPublicKey(producerSecret(i))], bond: { denom, amount: "10000000" } },
        }));
        const r = await client.signAndBroadcast(faucet, msgs, "auto");
        if (r.code !== 0) throw new Error(`registration failed: ${r.rawLog}`);
      }
      registered = upTo;
    }

    /**
     * Signs `rounds` rounds of `perRound` items (checkpoints or transfers); per round, the transactions
     * of each relayer in sequence order. Checkpoints: each relayer's consumers (i mod RELAYERS) in
     * transactions of up to `batch` MsgSubmitCheckpoint each; transfers: one MsgSend per transaction.
     */
    async function presign(kind, perRound, rounds) {
      const out = [];
      const seq = [...sequences];
      const cps = [...latest];
      for (let k = 0; k < rounds; k++) {
        const byRelayer = relayers.map(() => []);
        for (let r = 0; r < RELAYERS; r++) {
          const mine = [];
          for (let i = r; i < perRound; i += RELAYERS) mine.push(i);
          const groups = [];
          for (let g = 0; g < mine.length; g += kind === "checkpoint" ? batch : 1) groups.push(mine.slice(g, g + (kind === "checkpoint" ? batch : 1)));
          for (const group of groups) {
            const items = [];
            const msgs = group.map((i) => {
              if (kind !== "checkpoint") return { typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: { fromAddress: relayers[r], toAddress: faucet, amount: [{ denom, amount: "1" }] } };
              const parent = cps[i];
              const height = parent ? parent.height + 1 : 1;
              const cp = { consumerId: consumerId(i), height, blockHash: fill(i, height, "block"), parentCheckpointHash: parent ? computeCheckpointHash(parent) : ZERO_CHECKPOINT_HASH, stateRoot: fill(i, height, "state") };
              cps[i] = cp;
              items.push({ consumer: i, cp });
              return { typeUrl: MSG_SUBMIT_CHECKPOINT_TYPE_URL, value: { relayer: relayers[r], checkpoint: cp, producerIndex: 0, signature: signCheckpoint(producerSecret(i), chainId, cp) } };
            });
            const fee = kind === "checkpoint" ? CHECKPOINT_FEE(denom, msgs.length) : BANK_FEE(denom);
            const raw = await offline[r].sign(relayers[r], msgs, fee, "", { accountNumber: accountNumbers[r], sequence: seq[r]++, chainId });
            const tx = TxRaw.encode(raw).finish();
            byRelayer[r].push({ tx, hash: txHash(tx), items, count: msgs.length });
          }
        }
        out.push(byRelayer);
      }
      return out;
    }

    // node0's certificate stream: one message per commit.
    let onCommit = () => {};
    let tipSeen = 0;
    ws = new WebSocket(`${apis[0].replace(/^http/, "ws")}/stream/certificates`);
    await new Promise((res, rej) => {
      ws.onopen = res;
      ws.onerror = rej;
    });
    ws.onmessage = (ev) => {
      const m = JSON.parse(String(ev.data));
      if (m.type === "bls" && m.height > tipSeen) {
        tipSeen = m.height;
        onCommit();
      }
    };

    /** One phase: `perRound` transactions at every hub commit for `secs` seconds. */
    async function phase(label, kind, perRound, secs, blocksPerSecondGuess) {
      const rounds = Math.min(Math.ceil(secs * blocksPerSecondGuess * 1.3) + 5, Math.floor(MAX_PRESIGNED / perRound));
      const ts = Date.now();
      const signed = await presign(kind, perRound, rounds);
      console.error(`${label}: signed ${rounds} rounds of ${perRound} in ${((Date.now() - ts) / 1000).toFixed(1)} s; running ${secs} s…`);
      await sleep(500);
      const startHeight = (await fetchJson(`${apis[0]}/status`)).height;
      const submitted = new Map();
      const itemsOf = new Map();
      const commits = new Map();
      const pullCommits = async () => {
        for (const c of (await fetchJson(`${apis[0]}/commits?limit=1000`)).commits) commits.set(c.height, c);
      };
      const cpu0 = nodeCpuSeconds();
      const client0 = process.cpuUsage();
      const t0 = Date.now();
      const end = t0 + secs * 1000;
      let k = 0;
      let inFlight = false;
      let lastRoundTip = -1;
      let failure = null;
      let done;
      const finished = new Promise((r) => (done = r));
      const submitRound = async () => {
        if (inFlight || failure) return;
        if (Date.now() >= end || k >= signed.length) return done();
        if (tipSeen <= lastRoundTip) return;
        inFlight = true;
        lastRoundTip = tipSeen;
        const round = signed[k++];
        try {
          await Promise.all(
            round.map(async (txs, r) => {
              if (txs.length === 0) return;
              const now = Date.now();
              for (const t of txs) {
                submitted.set(t.hash, now);
                itemsOf.set(t.hash, t.count);
              }
              const res = await postJson(rpcs[r % rpcs.length], txs.map((t, j) => ({ jsonrpc: "2.0", id: j, method: "broadcast_tx_sync", params: { tx: Buffer.from(t.tx).toString("base64") } })));
              const bad = res.find((x) => x.error || x.result.code !== 0);
              if (bad) throw new Error(`rejected: ${JSON.stringify(bad.error ?? bad.result)}`);
            }),
          );
        } catch (e) {
          failure = e;
          return done();
        }
        inFlight = false;
        void submitRound(); // a commit may have come while this round was submitted
      };
      onCommit = () => void submitRound();
      const timer = setTimeout(() => void submitRound(), secs * 1000 + 10);
      const puller = setInterval(() => void pullCommits().catch(() => {}), 10_000);
      lastRoundTip = tipSeen - 1; // the first round at once
      void submitRound();
      await finished;
      clearTimeout(timer);
      onCommit = () => {};
      if (failure) throw failure;
      const submitEnd = Date.now();
      const endHeight = tipSeen;
      // The submitted rounds advance the relayers' sequences and the consumers' chains.
      for (let kk = 0; kk < k; kk++) {
        for (const [r, txs] of signed[kk].entries()) {
          sequences[r] += txs.length;
          for (const t of txs) for (const it of t.items) latest[it.consumer] = it.cp;
        }
      }
      // Until every submitted transaction is in a committed block: every node's mempool empty.
      const deadline = Date.now() + 120_000;
      for (;;) {
        const st = await Promise.all(apis.map((a) => fetchJson(`${a}/status`)));
        if (st.every((s) => s.mempoolSize === 0)) break;
        if (Date.now() > deadline) throw new Error(`mempools not empty: ${st.map((s) => s.mempoolSize)}`);
        await sleep(50);
      }
      const cpu1 = nodeCpuSeconds();
      const client = process.cpuUsage(client0);
      const wallEnd = Date.now();
      clearInterval(puller);
      await pullCommits();
      // Read the phase's blocks back (outside the CPU window).
      const tip = (await fetchJson(`${apis[0]}/status`)).height;
      const committedAt = new Map();
      const blocks = [];
      for (let h = startHeight + 1; h <= tip; h++) {
        const json = await fetchJson(`${apis[0]}/blocks/${h}`);
        const { block } = decodeBlockJson(json);
        const at = commits.get(h)?.time ?? null;
        let ours = 0;
        for (const tx of block.txs) {
          const hash = txHash(tx);
          if (submitted.has(hash)) {
            ours++;
            committedAt.set(hash, at === null ? null : Date.parse(at));
          }
        }
        blocks.push({ height: h, ours, txs: block.txs.length, headerBytes: encodeHeaderCanonical(block.header).length, blockBytes: encodeBlock(block).length, certBytes: block.lastCommit ? encodeCommitCertificate(block.lastCommit).length : null });
      }
      if (committedAt.size !== submitted.size) throw new Error(`${submitted.size - committedAt.size} submitted transactions not found in blocks ${startHeight + 1}..${tip}`);
      const latencies = [...committedAt].filter(([, at]) => at !== null).map(([h, at]) => at - submitted.get(h)).sort((a, b) => a - b);
      const phaseHeights = [...commits.values()].filter((c) => c.height > startHeight && c.height <= tip);
      const finality = phaseHeights.map((c) => c.finalityMs).filter((x) => x !== null).sort((a, b) => a - b);
      const withOurs = blocks.filter((b) => b.ours > 0);
      const certs = blocks.map((b) => b.certBytes).filter((x) => x !== null);
      const windowS = (submitEnd - t0) / 1000;
      const cpuMs = cpu0 === null || cpu1 === null ? null : (cpu1 - cpu0) * 1000;
      const nBlocks = tip - startHeight;
      const items = [...committedAt.keys()].reduce((n, h) => n + (itemsOf.get(h) ?? 1), 0);
      return {
        load: label,
        seconds: +windowS.toFixed(1),
        rounds: k,
        txs: submitted.size,
        committed: committedAt.size,
        items,
        batch: kind === "checkpoint" ? batch : 1,
        tx_per_s: +(committedAt.size / ((wallEnd - t0) / 1000)).toFixed(1),
        // Blocks committed while the rounds were submitted, per second of that window.
        blocks_per_s: +((endHeight - startHeight) / windowS).toFixed(2),
        avg_txs_per_block: +(withOurs.reduce((s, b) => s + b.ours, 0) / Math.max(1, withOurs.length)).toFixed(1),
        finality_ms_p50: percentile(finality, 50),
        finality_ms_p99: percentile(finality, 99),
        latency_ms_p50: percentile(latencies, 50),
        latency_ms_p99: percentile(latencies, 99),
        header_bytes: Math.max(...blocks.map((b) => b.headerBytes)),
        cert_bytes: Math.max(...certs),
        block_bytes_avg: Math.round(withOurs.reduce((s, b) => s + b.blockBytes, 0) / Math.max(1, withOurs.length)),
        block_bytes_max: Math.max(...blocks.map((b) => b.blockBytes)),
        // All four validator processes together (the machine has 2 cores), from the first submission
        // until every node's mempool is empty.
        node_cpu_ms_per_tx: cpuMs === null ? null : +(cpuMs / Math.max(1, committedAt.size)).toFixed(2),
        // Per checkpoint (per transfer for the bank row): what the target compares.
        node_cpu_ms_per_item: cpuMs === null ? null : +(cpuMs / Math.max(1, items)).toFixed(2),
        node_cpu_ms_per_block: cpuMs === null ? null : +(cpuMs / Math.max(1, nBlocks)).toFixed(2),
        node_cores: cpuMs === null ? null : +(cpuMs / (wallEnd - t0)).toFixed(2),
        client_cpu_ms_per_tx: +((client.user + client.system) / 1000 / Math.max(1, committedAt.size)).toFixed(2),
        blocks: nBlocks,
        // Heights committed in a later round than the first (a proposal that did not make it in time).
        blocks_round_gt0: phaseHeights.filter((c) => c.round > 0).length,
        blocks_with_txs: withOurs.length,
        presigned_rounds: signed.length,
      };
    }

    const rows = [];
    // JIT warm-up (not reported), then the bank reference, then the consumer phases.
    const warm = await phase("warm-up", "bank", 20, quick ? 3 : 5, 15);
    console.error(`warm-up: ${warm.blocks_per_s} blocks/s`);
    if (withBank) rows.push(await phase(`bank ×${BANK_PER_BLOCK}/block`, "bank", BANK_PER_BLOCK, seconds, Math.max(5, warm.blocks_per_s)));
    // Rounds to pre-sign: 1.3 × the block rate of the previous phase (it falls as N grows).
    let guess = Math.max(warm.blocks_per_s * 2, 15);
    for (const n of sizes) {
      await register(n);
      await sleep(500);
      // (A first phase of many consumers: the warm-up's rate, not twice it; running out of rounds ends a phase early.)
      const first = rows.length === (withBank ? 1 : 0);
      const row = await phase(`${n} consumer${n === 1 ? "" : "s"}`, "checkpoint", n, seconds, first && n > 10 ? Math.max(3, warm.blocks_per_s) : guess);
      rows.push(row);
      guess = Math.max(2, row.blocks_per_s);
    }
    // Alternating pairs at the target's size (100 consumers): transfers, then checkpoints.
    const PAIR_CONSUMERS = 100;
    const pairRows = [];
    if (pairs > 0) {
      await register(Math.max(registered, PAIR_CONSUMERS));
      for (let k = 1; k <= pairs; k++) {
        const bank = await phase(`pair ${k}: bank ×${BANK_PER_BLOCK}/block`, "bank", BANK_PER_BLOCK, seconds, Math.max(5, warm.blocks_per_s));
        const cp = await phase(`pair ${k}: ${PAIR_CONSUMERS} consumers`, "checkpoint", PAIR_CONSUMERS, seconds, Math.max(3, bank.blocks_per_s));
        pairRows.push({ pair: k, bank_cpu_ms_per_transfer: bank.node_cpu_ms_per_item, checkpoint_cpu_ms_per_checkpoint: cp.node_cpu_ms_per_item, ratio: +(cp.node_cpu_ms_per_item / bank.node_cpu_ms_per_item).toFixed(3), bank_finality_ms_p50: bank.finality_ms_p50, checkpoint_finality_ms_p50: cp.finality_ms_p50, checkpoint_finality_ms_p99: cp.finality_ms_p99 });
      }
    }
    client.disconnect();
    console.log(`\nconsumers benchmark (one checkpoint per consumer per hub block, relayed by ${RELAYERS} cosmjs-signed accounts, up to ${batch} checkpoints per transaction; ${validators} validator processes on one machine, zk: ${zk}; "bank" row: ${BANK_PER_BLOCK} MsgSends per block, the same loop)\n`);
    const table = printTable(rows, COLUMNS);
    let pairTable = null;
    let medianRatio = null;
    if (pairRows.length > 0) {
      const ratios = pairRows.map((r) => r.ratio).sort((a, b) => a - b);
      medianRatio = ratios[Math.floor((ratios.length - 1) / 2)];
      console.log(`\nalternating pairs (${seconds} s each, ${PAIR_CONSUMERS} consumers): node CPU per checkpoint / per transfer, median ratio ${medianRatio}\n`);
      pairTable = printTable(pairRows, Object.keys(pairRows[0]));
    }
    await writeResults("consumers", { validators, relayers: RELAYERS, batch, seconds, zk, nodeFlags: nodeArgs, rows, table, pairs: pairRows, pairTable, medianRatio });
  } finally {
    try {
      ws?.close();
    } catch {}
    await devnet.stop();
    await rm(home, { recursive: true, force: true });
  }
}
