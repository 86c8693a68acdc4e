#!/usr/bin/env node
// npm run bench -- <name> [options]: runs one benchmark, prints its table, writes bench/results/<name>.json.
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { existsSync } from "node:fs";

const BENCHES = { consensus: "consensus.mjs", txs: "txs.mjs", app: "app.mjs", zk: "zk.mjs", consumers: "consumers.mjs", "consumer-finality": "consumerFinality.mjs", "light-client": "lightClient.mjs", forks: "forks.mjs", chaos: "chaos.mjs" };
const [name, ...rest] = process.argv.slice(2);
if (!name || name === "--help" || !BENCHES[name]) {
  console.log(`usage: npm run bench -- <${Object.keys(BENCHES).join("|")}> [--quick] [--validators N --rate R --seconds S --zk M --node-flags F (txs)] [--sizes N,N (zk)] [--make-ptau K (zk)] [--consumers N,N --seconds S --batch B --no-bank (consumers)] [--tx send|checkpoint (app)] [--seconds S --txs R --poll-ms M --zk none|prove (consumer-finality)] [--epochs N --zk-epochs N --validators N,N --runs K --prove-only --no-prove --no-zk (light-client)] [--forks N --bound-ms M --no-y-traffic (forks)] [--seconds S --seed N --validators N --senders K --bound-ms M --port-base P --keep (chaos)]\n`);
  console.log("  consensus   finality latency and block rate: simulation (4/16/64 validators) and real processes over libp2p (4/16)");
  console.log("  txs         cosmjs-signed bank sends to a 4-validator hub at offered rates of 500, 1000, 1500 tx/s and a burst:");
  console.log("              finalized tx/s, tx latency, finality, node CPU per tx (--quick: 1000 tx/s for 4 s;");
  console.log("              --rate R --seconds S: one phase; --zk none|attest|prove: validators attest by default, nobody");
  console.log("              proves; --node-flags \"...\": Node.js flags for the node processes, e.g. --cpu-prof)");
  console.log("  app         one node's application cost per tx by step (CheckTx, prepare, execute, commit, re-check), no network");
  console.log("              (--tx checkpoint: MsgSubmitCheckpoint of 100 consumers instead of MsgSend)");
  console.log("  zk          the quorum circuit per N (4, 8, 16, 32, 64): constraints, witness, prove (median of 3), peak memory,");
  console.log("              verify warm and cold, proof bytes (--quick: N=4; --sizes 4,8; --make-ptau K: a 2^K phase-1 file for larger N)");
  console.log("  consumers   1, 10, 100, 300 consumer chains each checkpointing every hub block on a 4-validator hub: finality,");
  console.log("              blocks/s, header/certificate/block bytes, node CPU per checkpoint, and a bank transfer's for reference");
  console.log("              (20 s per phase; --quick: 8 s; --consumers 1,10 --seconds S; --batch B checkpoints per relayer transaction,\n              default 10; --no-bank; --zk none|attest|prove; --node-flags \"...\")");
  console.log("  consumer-finality  a ledger consumer chain (producer + full node, real processes) on a 4-validator hub with ZK (quorum4,");
  console.log("              node0 proves): consumer block -> hub-final on the full node (BLS tier, p50/p99; target p50 <= 500 ms,");
  console.log("              p99 <= 1.5 s) and -> ZK-final on the full node / ZK-certified on the hub, with its parts (attestation, proving)");
  console.log("              (60 s of measurement; --quick: 20 s; --seconds S; --txs R ledger transfers/s to the producer, default 5,");
  console.log("              0: idle, an empty block a second; --poll-ms M finality poll interval, default 25; --zk none: no ZK tier)");
  console.log("  light-client  HubLightClient catch-up from genesis over 1,000 epochs (a set change at every epoch's end): BLS tier");
  console.log("              (processBlsUpdate, synthetic chain with real BLS keys, 4 and 8 validators, each BLS backend) and ZK tier");
  console.log("              (processZkUpdate over 1,000 real quorum4 Groth16 proofs, made once and cached resumably under");
  console.log("              ~/.cache/aegis/bench/; target >= 40 epochs/s) (--quick: 100 epochs, 4 validators, 1 run; --epochs N;");
  console.log("              --zk-epochs N (ZK only); --validators 4,8; --runs K; --prove-only: only make the cached proofs;");
  console.log("              --no-prove: verify only what is cached; --no-zk)");
  console.log("  forks       real hub forks (4 processes, 30/30/30/10; 0 and 1 run twins on the other side of a partition) against a");
  console.log("              ledger consumer full node that follows one node of each side: split -> detected (its chain's misbehaviour),");
  console.log("              -> evidence on chain, -> 0 and 1 slashed on side X, -> resumed past the next epoch boundary (p50/p90/max);");
  console.log("              forks caught / made, same- or cross-round first detection (cross-round: the node's evidence opens a case,");
  console.log("              which convicts after its response period; the bench submits a same-round pair to measure the slash),");
  console.log("              honest validators slashed (must be 0), re-halts after a resume");
  console.log("              (default 20 forks; --quick: 3; --forks N; --bound-ms M detection bound, default 60000; --no-y-traffic:");
  console.log("              side Y gets no bank sends and commits one empty block a second)");
  console.log("  chaos       fault campaign over real processes on loopback: 4 validators (--validators 4..7), a ledger consumer chain");
  console.log("              (producer + full node) and cosmjs bank sends (--senders K, default 4); at seeded random moments (--seed N):");
  console.log("              kill -9 and restart a validator or a consumer node, SIGSTOP/SIGCONT one, isolate a validator or split the");
  console.log("              validators into two groups without 2/3 (deny lists, p2p.denyPeersFile), then heal. Checks after every fault");
  console.log("              and at the end: same block hash at every height on every node, no evidence or fork case, nobody slashed,");
  console.log("              the consumer's hub-final blocks never lost, progress within --bound-ms (30000) of each heal, every");
  console.log("              acknowledged tx on every node (default 600 s of faults; --quick: 120 s; --seconds S; --port-base P, default");
  console.log("              29500; --keep: keep the homes and logs); exits 1 when a check failed");
  process.exit(name && name !== "--help" ? 1 : 0);
}
const file = join(dirname(fileURLToPath(import.meta.url)), BENCHES[name]);
if (!existsSync(file)) throw new Error(`missing ${file}`);
const mod = await import(file);
await mod.run(rest);
