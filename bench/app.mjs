// Application benchmark: what one node's application spends per transaction, without the network or
// the other processes sharing the cores (the txs benchmark's number, taken apart). Two HubApplications
// on real LevelDB databases play a proposer and a validator; every block of cosmjs-signed MsgSends goes
// through what a node does with it: CheckTx when it arrives, prepareBlock (proposer) or executeBlock
// (validator), commitBlock, and the re-check of the mempool left behind after each commit.
// `--tx checkpoint`: the same for consumer checkpoints (MsgSubmitCheckpoint) of 100 consumers
// registered in a first, uncounted block, each block holding 10 checkpoints per consumer in order;
// `--batch B` puts B consumers' checkpoints in each transaction (one relayer for B consumers, as the
// consumers benchmark's relayers do), and the table counts checkpoints, not transactions.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { SigningStargateClient } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { createHash } from "node:crypto";
import { HubApplication, HubDb, nullLogger, parseGasPrice } from "@aegis/hub";
import { computeCheckpointHash, getCheckpointProducerPublicKey, signCheckpoint, ZERO_CHECKPOINT_HASH } from "@aegis/consumer-sdk";
import { CONSUMER_COSMJS_TYPES, MSG_REGISTER_CONSUMER_TYPE_URL, MSG_SUBMIT_CHECKPOINT_TYPE_URL } from "@aegis/consumer-sdk/hub-tx";
import { Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes } from "@cosmjs/stargate";
import { printTable, writeResults } from "./lib.mjs";

const COLUMNS = ["step", "txs", "total_ms", "us_per_tx"];
const CHAIN_ID = "aegis-bench-app";
const DENOM = "uaegis";
const SENDERS = 20;

const CONSUMERS = 100;
const sha = (s) => new Uint8Array(createHash("sha256").update(s).digest());

export async function run(args) {
  const quick = args.includes("--quick");
  const kind = args.includes("--tx") ? args[args.indexOf("--tx") + 1] : "send";
  if (kind !== "send" && kind !== "checkpoint") throw new Error("--tx send|checkpoint");
  const batch = args.includes("--batch") ? Number(args[args.indexOf("--batch") + 1]) : 1;
  if (!Number.isInteger(batch) || batch < 1 || CONSUMERS % batch !== 0) throw new Error(`--batch: a divisor of ${CONSUMERS}`);
  if (kind === "send" && batch !== 1) throw new Error("--batch applies to --tx checkpoint");
  const blockSize = 1000;
  const blocks = (quick ? 3 : 8) + (kind === "checkpoint" ? 1 : 0); // the first block warms up the JIT and is not counted
  const wallets = await Promise.all(Array.from({ length: SENDERS }, () => DirectSecp256k1HdWallet.generate(12, { prefix: "aegis" })));
  const addrs = await Promise.all(wallets.map(async (w) => (await w.getAccounts())[0].address));
  const genesis = { denom: DENOM, accounts: addrs.map((address) => ({ address, coins: [{ denom: DENOM, amount: "1000000000000" }] })) };
  console.error(`signing ${blockSize * blocks} transactions…`);
  const registry = new Registry([...defaultRegistryTypes, ...CONSUMER_COSMJS_TYPES]);
  const offline = await Promise.all(wallets.map((w) => SigningStargateClient.offline(w, { registry })));
  const seq = addrs.map(() => 0);
  const sign = (i, msgs, fee) => offline[i].sign(addrs[i], msgs, fee, "", { accountNumber: i, sequence: seq[i]++, chainId: CHAIN_ID }).then((raw) => TxRaw.encode(raw).finish());
  const blockTxs = [];
  if (kind === "send") {
    const fee = { amount: [{ denom: DENOM, amount: "2500" }], gas: "100000" };
    for (let k = 0; k < blocks; k++) {
      const txs = [];
      for (let j = 0; j < blockSize; j++) {
        const i = j % SENDERS;
        txs.push(await sign(i, [{ typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: { fromAddress: addrs[i], toAddress: addrs[(i + 1) % SENDERS], amount: [{ denom: DENOM, amount: "1" }] } }], fee));
      }
      blockTxs.push(txs);
    }
  } else {
    // Consumer c is registered and relayed by sender floor(c / batch) % SENDERS; its producer key is sha256("producer-c").
    const producer = (c) => sha(`producer-${c}`);
    const relayerOf = (c) => Math.floor(c / batch) % SENDERS;
    const regFee = { amount: [{ denom: DENOM, amount: "25000" }], gas: "1000000" };
    const regs = [];
    for (let c = 0; c < CONSUMERS; c++) {
      const i = relayerOf(c);
      const value = { owner: addrs[i], consumerId: `bench-${c}`, vm: "bench", genesisHash: sha(`genesis-${c}`), producerKeys: [getCheckpointProducerPublicKey(producer(c))], bond: { denom: DENOM, amount: "10000000" } };
      regs.push(await sign(i, [{ typeUrl: MSG_REGISTER_CONSUMER_TYPE_URL, value }], regFee));
    }
    blockTxs.push(regs);
    const fee = { amount: [{ denom: DENOM, amount: String(10000 * batch) }], gas: String(400000 * batch) };
    const last = Array.from({ length: CONSUMERS }, () => null);
    for (let k = 1; k < blocks; k++) {
      const txs = [];
      for (let j = 0; j < blockSize; j += batch) {
        const first = j % CONSUMERS;
        const i = relayerOf(first);
        const msgs = [];
        for (let c = first; c < first + batch; c++) {
          const height = (last[c]?.height ?? 0) + 1;
          const cp = { consumerId: `bench-${c}`, height, blockHash: sha(`b-${c}-${height}`), parentCheckpointHash: last[c] ? computeCheckpointHash(last[c]) : ZERO_CHECKPOINT_HASH, stateRoot: sha(`s-${c}-${height}`) };
          last[c] = cp;
          msgs.push({ typeUrl: MSG_SUBMIT_CHECKPOINT_TYPE_URL, value: { relayer: addrs[i], checkpoint: cp, producerIndex: 0, signature: signCheckpoint(producer(c), CHAIN_ID, cp) } });
        }
        txs.push(await sign(i, msgs, fee));
      }
      blockTxs.push(txs);
    }
  }

  const dirs = [];
  const open = async () => {
    const dir = await mkdtemp(join(tmpdir(), "aegis-bench-app-"));
    dirs.push(dir);
    const db = await HubDb.open(dir);
    const app = await HubApplication.open({ chainId: CHAIN_ID, genesis, minGasPrices: [parseGasPrice(`0.025${DENOM}`)] }, { db, logger: nullLogger });
    return { db, app };
  };
  const proposer = await open();
  const validator = await open();
  const totals = new Map();
  const time = async (step, n, counted, f) => {
    const t0 = performance.now();
    const out = await f();
    const ms = performance.now() - t0;
    if (counted) {
      const t = totals.get(step) ?? { txs: 0, ms: 0 };
      totals.set(step, { txs: t.txs + n, ms: t.ms + ms });
    }
    return out;
  };
  try {
    // The mempool holds the next block's transactions too, so each commit re-checks a block's worth.
    for (const app of [proposer.app, validator.app]) for (const tx of blockTxs[0]) if (app.checkTx(tx).code !== 0) throw new Error("CheckTx refused a tx");
    for (let k = 0; k < blocks; k++) {
      const counted = k > (kind === "checkpoint" ? 1 : 0); // checkpoints: block 0 registers, block 1 warms up
      const txs = blockTxs[k];
      const next = blockTxs[k + 1] ?? [];
      // Items: transfers, or checkpoints (batch per transaction).
      await time("check_tx (first)", next.length * batch * 2, counted, () => {
        for (const app of [proposer.app, validator.app]) for (const tx of next) if (app.checkTx(tx).code !== 0) throw new Error("CheckTx refused a tx");
      });
      const ctx = { chainId: CHAIN_ID, height: k + 1, time: 1_700_000_000_000 + k * 1000, proposer: new Uint8Array(20).fill(7), lastCommit: null, evidence: [] };
      const prepared = await time("prepare_block (proposer)", txs.length * batch, counted, () => proposer.app.prepareBlock(ctx, txs));
      if (prepared.txs.length !== txs.length) throw new Error(`prepareBlock kept ${prepared.txs.length} of ${txs.length}`);
      await time("execute_block (validator)", txs.length * batch, counted, () => validator.app.executeBlock(ctx, txs));
      await time("commit_block", txs.length * batch * 2, counted, async () => {
        await proposer.app.commitBlock(ctx, txs);
        await validator.app.commitBlock(ctx, txs);
      });
      await time("recheck", next.length * batch * 2, counted, () => {
        for (const app of [proposer.app, validator.app]) for (const tx of next) if (app.checkTx(tx).code !== 0) throw new Error("re-check refused a tx");
      });
    }
  } finally {
    await proposer.db.close();
    await validator.db.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
  const rows = [...totals].map(([step, t]) => ({ step, txs: t.txs, total_ms: +t.ms.toFixed(1), us_per_tx: +((t.ms * 1000) / t.txs).toFixed(1) }));
  // A node handles each tx once per step (prepare or execute: one of the two).
  const perNode = rows.reduce((s, r) => s + (r.step.startsWith("execute") ? 0 : r.us_per_tx), 0);
  rows.push({ step: "one node, per tx", txs: "", total_ms: "", us_per_tx: +perNode.toFixed(1) });
  const what = kind === "send" ? `MsgSend from ${SENDERS} senders` : `MsgSubmitCheckpoint of ${CONSUMERS} consumers relayed by ${SENDERS} accounts, ${batch} per transaction; per checkpoint`;
  console.log(`\napp benchmark (cosmjs-signed ${what}, blocks of ${blockSize}, one process)\n`);
  const table = printTable(rows, COLUMNS);
  await writeResults(kind === "send" ? "app" : batch === 1 ? "app-checkpoint" : `app-checkpoint-batch${batch}`, { tx: kind, batch, blockSize, blocks: blocks - (kind === "checkpoint" ? 2 : 1), senders: SENDERS, rows, table });
}
