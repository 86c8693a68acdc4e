// Fault campaign over real processes (issue 18): a hub of 4–7 validator processes (`aegis hub start`,
// libp2p on loopback), a ledger consumer chain (producer + full node, `aegis-consumer start`) and a
// steady cosmjs-signed bank-send load, hit for a bounded time with faults at random (seeded) moments:
//
//   hub lane (one fault at a time):    kill -9 a validator, restart it after 0.5–5 s; SIGSTOP one for
//                                      1–10 s, then SIGCONT; isolate one validator, or split the
//                                      validators into two groups neither of which holds > 2/3 of
//                                      the power, for 3–10 s, then heal
//   consumer lane (concurrently):      kill -9 the producer or the full node, restart after 0.5–5 s;
//                                      SIGSTOP one for 1–10 s
//
// Links are cut with each hub node's deny list (config `p2p.denyPeersFile`, p2p/src/peerGate.ts): the
// bench writes the peer ids a node must not be connected to into `<home>/deny-peers.json` (both sides
// of every cut link); the node re-reads it within ~200 ms, drops those connections and refuses new
// ones; an empty list heals, and the nodes re-dial their bootstrap peers (every 2 s).
//
// Checks after every fault and at the end (a failed check is recorded, never retried away):
//   commits      every node's block hash at every height (GET /headers/:h) is the same
//   evidence     no duplicate-vote evidence on any node (GET /evidence), no fork case (GET /fork-cases)
//   slashing     no validator jailed, tombstoned or with fewer tokens than at the start (staking and
//                slashing queries; the signing window is made long enough that downtime never jails)
//   consumer     the full node's and the producer's /finality hubFinalHeight never decreases, no
//                misbehaviour, and the block at every height once hub-final keeps its hash (full node)
//   recovery     after each heal (restart, SIGCONT, deny lists emptied) every hub node's height passes
//                the highest height seen at the heal within --bound-ms (default 30 s); for consumer
//                faults, both consumer nodes' heads pass the highest consumer head seen at the heal
//   crashes      no process exits that the bench did not kill
//   txs (end)    every transaction cosmjs acknowledged as committed (code 0, a height) is found by hash
//                on every hub node (CometBFT RPC `tx` through cosmjs getTx), at the same height
//
// npm run bench -- chaos [--quick] [--seconds S] [--seed N] [--validators N] [--senders K]
//                        [--bound-ms M] [--port-base P] [--keep]
// Writes bench/results/chaos.json; exits 1 when a check failed. The seed fixes the choice of faults,
// targets and delays; the processes' own timing is not reproducible.
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice, QueryClient, setupSlashingExtension, setupStakingExtension, SigningStargateClient, StargateClient } from "@cosmjs/stargate";
import { Comet38Client, HttpClient } from "@cosmjs/tendermint-rpc";
import { computeValidatorAddress, fromHex } from "@aegis/consumer-sdk";
import { AEGIS_BIN, CONSUMER_BIN, DevnetConsumers } from "@aegis/devnet";
import { initHomes } from "@aegis/hub";
import { percentile, printTable, writeResults } from "./lib.mjs";
import { portsFree } from "./ports.mjs";

const HOST = "127.0.0.1";
const CHAIN_ID = "aegis-bench-chaos";
/** Below the kernel's ephemeral range (32768–60999): a restarted node's port cannot have been taken by an outgoing connection. */
const DEFAULT_PORT_BASE = 29500;
const DENY_FILE = "deny-peers.json";
const POLL_MS = 500;
/** An exit by itself this soon after a start is a failed start, not a crash. */
const START_FAILURE_MS = 15_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- options, randomness

function parseArgs(args) {
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const int = (name, min, max, dflt) => {
    const v = opt(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
  const quick = args.includes("--quick");
  return {
    quick,
    seconds: int("--seconds", 10, 24 * 3600, quick ? 120 : 600),
    seed: int("--seed", 0, 2 ** 32 - 1, Math.floor(Math.random() * 2 ** 32)),
    validators: int("--validators", 4, 7, 4),
    senders: int("--senders", 1, 32, 4),
    boundMs: int("--bound-ms", 1000, 600_000, 30_000),
    portBase: int("--port-base", 1024, 65000, DEFAULT_PORT_BASE),
    keep: args.includes("--keep"),
  };
}

/** mulberry32: a small seeded generator (uniform in [0, 1)). */
function createRandom(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    between: (lo, hi) => lo + next() * (hi - lo),
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    weighted: (table) => {
      const total = table.reduce((s, [, w]) => s + w, 0);
      let x = next() * total;
      for (const [v, w] of table) if ((x -= w) < 0) return v;
      return table.at(-1)[0];
    },
    shuffle: (xs) => {
      const out = [...xs];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
  };
}

// ---------------------------------------------------------------- processes

/** Every child process alive, so that any way out (error, Ctrl-C, exit) kills them. */
const LIVE = new Set();
/** Consumer processes DevnetConsumers runs during the setup (its own supervisor). */
let setupConsumers;

function killAllNow() {
  for (const c of LIVE) {
    try {
      c.kill("SIGCONT");
      c.kill("SIGKILL");
    } catch {
      /* gone */
    }
  }
  for (const p of setupConsumers?.children ?? []) {
    try {
      if (p.pid) process.kill(p.pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
}

/** One node process: stdout and stderr appended to `<home>/node.log`. */
class Proc {
  constructor({ name, kind, home, args, api }) {
    Object.assign(this, { name, kind, home, args, api });
    this.child = null;
    this.state = "down";
    this.starts = 0;
    this.onUnexpectedExit = null;
  }

  get logPath() {
    return join(this.home, "node.log");
  }

  start() {
    const fd = openSync(this.logPath, "a");
    let child;
    try {
      child = spawn(process.execPath, this.args, { stdio: ["ignore", fd, fd] });
    } finally {
      closeSync(fd);
    }
    LIVE.add(child);
    this.child = child;
    this.state = "up";
    this.starts++;
    this.startedAt = Date.now();
    this.expectExit = false;
    this.exited = new Promise((res) => {
      child.once("exit", (code, signal) => {
        LIVE.delete(child);
        if (this.child === child) {
          this.child = null;
          this.state = "down";
          if (!this.expectExit) this.onUnexpectedExit?.(this, code, signal);
        }
        res({ code, signal });
      });
    });
  }

  async kill9() {
    const c = this.child;
    if (!c) return;
    this.expectExit = true;
    c.kill("SIGKILL");
    await this.exited;
  }

  pause() {
    this.child?.kill("SIGSTOP");
    this.state = "paused";
  }

  resume() {
    this.child?.kill("SIGCONT");
    if (this.child) this.state = "up";
  }

  async stop(graceMs = 5000) {
    const c = this.child;
    if (!c) return;
    this.expectExit = true;
    c.kill("SIGCONT");
    c.kill("SIGTERM");
    const t = setTimeout(() => c.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(t);
  }

  logTail(lines = 12) {
    try {
      return readFileSync(this.logPath, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  }
}

async function getJson(url, timeoutMs = 2000) {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!r.ok) {
      await r.body?.cancel();
      return undefined;
    }
    return await r.json();
  } catch {
    return undefined;
  }
}

async function waitUntil(fn, ms, intervalMs = 250) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await fn()) return true;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
}

async function writeJsonAtomic(path, value) {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, JSON.stringify(value, null, 2) + "\n");
  await rename(tmp, path);
}

// ---------------------------------------------------------------- the campaign

export async function run(args) {
  const o = parseArgs(args);
  const t0 = Date.now();
  const at = () => `+${((Date.now() - t0) / 1000).toFixed(1)}s`;
  const log = (line) => console.log(`[${at()}] ${line}`);
  const replay = `npm run bench -- chaos --seed ${o.seed} --seconds ${o.seconds} --validators ${o.validators}`;
  console.log(`chaos: seed ${o.seed} (${replay}); ${o.validators} validators, 1 consumer chain, ${o.senders} senders, ${o.seconds} s of faults, recovery bound ${o.boundMs} ms`);

  const n = o.validators;
  const ports = { hubP2p: o.portBase, hubApi: o.portBase + 100, conApi: o.portBase + 200, conP2p: o.portBase + 300 };
  for (const [what, base, count] of [["hub p2p", ports.hubP2p, n], ["hub API", ports.hubApi, n], ["consumer API", ports.conApi, 2], ["consumer p2p", ports.conP2p, 2]]) {
    if (!(await portsFree(base, count))) throw new Error(`${what} ports ${base}..${base + count - 1} are not free: pass another --port-base`);
  }

  const dir = await mkdtemp(join(tmpdir(), "aegis-bench-chaos-"));
  const procs = [];
  const violations = [];
  const checks = {};
  const faults = [];
  const startFailures = [];
  let failed = false;
  const onSignal = (sig) => {
    console.error(`\n${sig}: killing every node (data kept in ${dir})`);
    killAllNow();
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.once("exit", killAllNow);

  const violate = (check, detail) => {
    violations.push({ at: Date.now() - t0, check, detail });
    log(`VIOLATION ${check}: ${typeof detail === "string" ? detail : JSON.stringify(detail)}`);
  };
  const tally = (check, ok) => {
    checks[check] ??= { runs: 0, passed: 0, failed: 0 };
    checks[check].runs++;
    checks[check][ok ? "passed" : "failed"]++;
  };

  try {
    // ---- the hub: homes, deny lists, processes
    const init = await initHomes({
      home: join(dir, "hub"),
      validators: n,
      chainId: CHAIN_ID,
      host: HOST,
      p2pBasePort: ports.hubP2p,
      apiBasePort: ports.hubApi,
      force: true,
      // Downtime never jails here (a validator would need 50,000 missed blocks): any slash or jail
      // the campaign sees is a safety failure, not the liveness rule doing its job.
      slashing: { signedBlocksWindow: 100_000 },
    });
    const keys = await Promise.all(
      init.nodes.map(async (m) => {
        const k = JSON.parse(await readFile(join(m.home, "keys", "priv_validator_key.json"), "utf8"));
        return { blsPublicKey: String(k.blsPublicKey), operator: String(k.operator) };
      }),
    );
    for (const m of init.nodes) {
      const path = join(m.home, "config.json");
      const cfg = JSON.parse(await readFile(path, "utf8"));
      cfg.p2p.denyPeersFile = DENY_FILE;
      await writeJsonAtomic(path, cfg);
      await writeJsonAtomic(join(m.home, DENY_FILE), []);
    }
    const hub = init.nodes.map((m) => new Proc({ name: m.moniker, kind: "validator", home: m.home, args: [AEGIS_BIN, "hub", "start", "--home", m.home], api: m.api }));
    procs.push(...hub);
    const peerIds = init.nodes.map((m) => m.peerId);
    const rpc = (i) => `${hub[i].api}/rpc`;
    // A process that exits by itself within START_FAILURE_MS of its start failed to start (as the
    // devnet's supervisor counts it): it is started again and reported; one that ran and then died crashed.
    const onUnexpectedExit = (p, code, signal) => {
      const ranMs = Date.now() - p.startedAt;
      const how = signal ?? `code ${code}`;
      if (ranMs < START_FAILURE_MS) {
        const reason = p.logTail(1);
        startFailures.push({ at: Date.now() - t0, node: p.name, exit: how, ranMs, reason: reason.slice(0, 300) });
        log(`${p.name} failed to start (${how} after ${ranMs} ms: ${reason.slice(0, 120)}); starting it again in 1 s`);
      } else violate("crashes", `${p.name} exited by itself (${how}) after running ${ranMs} ms; restarted in 1 s; log tail:\n${p.logTail()}`);
      setTimeout(() => {
        if (!stopping && p.state === "down") p.start();
      }, 1000);
    };
    let stopping = false;
    for (const p of hub) p.start();
    log(`hub: ${n} validators starting in ${dir}/hub`);
    const hubUp = await waitUntil(async () => (await Promise.all(hub.map((p) => getJson(`${p.api}/status`)))).every((s) => s && s.height >= 2), 120_000, 500);
    if (!hubUp) throw new Error(`the hub did not reach height 2 within 120 s; node0's log:\n${hub[0].logTail(30)}`);

    // ---- the consumer chain: created and registered by the devnet's code, then run by this bench
    setupConsumers = new DevnetConsumers({
      home: dir,
      host: HOST,
      count: 1,
      apiBasePort: ports.conApi,
      p2pBasePort: ports.conP2p,
      hubNodes: init.nodes,
      hubFaucet: init.faucet,
      denom: init.denom,
      zk: false,
      log: (l) => log(`consumers: ${l}`),
    });
    const [consumer] = await setupConsumers.start(undefined);
    await setupConsumers.stop(10_000);
    setupConsumers = undefined;
    const con = consumer.nodes.map((nd) => new Proc({ name: `${consumer.id}/${nd.role}`, kind: nd.role, home: nd.home, args: [CONSUMER_BIN, "start", "--home", nd.home], api: nd.api }));
    procs.push(...con);
    for (const p of con) p.start();
    const [producer, full] = con;
    if (!(await waitUntil(async () => (await Promise.all(con.map((p) => getJson(`${p.api}/status`)))).every(Boolean), 120_000, 500))) {
      throw new Error(`the consumer nodes did not answer within 120 s; full node's log:\n${full.logTail(30)}`);
    }
    for (const p of procs) p.onUnexpectedExit = onUnexpectedExit;
    log(`consumer ${consumer.id}: producer ${producer.api}, full node ${full.api}; waiting for its first hub-final block…`);
    if (!(await waitUntil(async () => (await getJson(`${full.api}/finality`))?.hubFinalHeight >= 1, 120_000, 500))) {
      throw new Error(`nothing hub-final on the consumer full node within 120 s; its log:\n${full.logTail(30)}`);
    }

    // ---- the load: cosmjs-signed bank sends, each sender through one hub node (the next one after an error)
    const denom = init.denom;
    const faucetWallet = await DirectSecp256k1HdWallet.fromMnemonic(init.faucet.mnemonic, { prefix: init.bech32Prefix });
    const wallets = await Promise.all(Array.from({ length: o.senders }, () => DirectSecp256k1HdWallet.generate(12, { prefix: init.bech32Prefix })));
    const addrs = await Promise.all(wallets.map(async (w) => (await w.getAccounts())[0].address));
    {
      const client = await SigningStargateClient.connectWithSigner(rpc(1 % n), faucetWallet, { gasPrice: GasPrice.fromString(`0.025${denom}`), broadcastPollIntervalMs: 200 });
      const msgs = addrs.map((a) => ({ typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: { fromAddress: init.faucet.address, toAddress: a, amount: [{ denom, amount: "100000000000" }] } }));
      const funded = await client.signAndBroadcast(init.faucet.address, msgs, "auto");
      client.disconnect();
      if (funded.code !== 0) throw new Error(`funding the senders failed: ${funded.rawLog}`);
    }
    const fee = { amount: [{ denom, amount: "2500" }], gas: "100000" };
    const acked = [];
    const load = { attempts: 0, acked: 0, refused: 0, errors: 0, lastError: "" };
    let loadRunning = true;
    const senders = wallets.map(async (w, k) => {
      let node = k % n;
      let client;
      while (loadRunning) {
        try {
          client ??= SigningStargateClient.createWithSigner(Comet38Client.create(new HttpClient(rpc(node), 8000)), w, { broadcastTimeoutMs: 20_000, broadcastPollIntervalMs: 300 });
          load.attempts++;
          const r = await client.sendTokens(addrs[k], init.faucet.address, [{ denom, amount: "1" }], fee);
          if (r.code === 0 && r.height > 0) {
            acked.push({ hash: r.transactionHash, height: r.height, node, sender: k });
            load.acked++;
          } else {
            load.refused++;
            load.lastError = `code ${r.code}: ${r.rawLog ?? ""}`.slice(0, 200);
          }
        } catch (e) {
          load.errors++;
          load.lastError = String(e?.message ?? e).slice(0, 200);
          client?.disconnect();
          client = undefined;
          node = (node + 1) % n;
          await sleep(500);
        }
      }
      client?.disconnect();
    });

    // ---- monitors: hub heights; the consumer nodes' finality (never decreasing, no misbehaviour)
    const hubHeight = hub.map(() => 0);
    const conHeight = con.map(() => 0);
    const maxFinal = { producer: 0, full: 0 };
    const finalSteps = [];
    let monitorsRunning = true;
    const monitors = [
      (async () => {
        while (monitorsRunning) {
          await Promise.all(
            hub.map(async (p, i) => {
              if (p.state !== "up") return;
              const s = await getJson(`${p.api}/status`, 1500);
              if (s) hubHeight[i] = Math.max(hubHeight[i], s.height);
            }),
          );
          await sleep(POLL_MS);
        }
      })(),
      (async () => {
        while (monitorsRunning) {
          await Promise.all(
            con.map(async (p, i) => {
              if (p.state !== "up") return;
              const f = await getJson(`${p.api}/finality`, 1500);
              if (!f) return;
              conHeight[i] = Math.max(conHeight[i], f.height);
              const role = p.kind;
              if (f.misbehaviour) violate("consumer", `${p.name} reports misbehaviour: ${f.misbehaviour}`);
              if (f.hubFinalHeight < maxFinal[role]) violate("consumer", `${p.name}: hubFinalHeight went down from ${maxFinal[role]} to ${f.hubFinalHeight}`);
              if (f.hubFinalHeight > maxFinal[role]) {
                maxFinal[role] = f.hubFinalHeight;
                if (role === "full") finalSteps.push({ at: Date.now() - t0, height: f.hubFinalHeight, hubHeight: f.hubHeight });
              }
            }),
          );
          await sleep(POLL_MS);
        }
      })(),
    ];

    // ---- the checks
    const canon = new Map(); // hub height -> { hash, node }
    const checkedUpTo = hub.map(() => 0);
    const finalHash = new Map(); // consumer height -> hash, once hub-final on the full node
    let finalRecordedUpTo = 0;
    const initialStanding = await queryStanding();

    async function queryStanding() {
      const i = hub.findIndex((p) => p.state === "up");
      if (i < 0) return undefined;
      const comet = Comet38Client.create(new HttpClient(rpc(i), 5000));
      try {
        const q = QueryClient.withExtensions(comet, setupStakingExtension, setupSlashingExtension);
        return await Promise.all(
          keys.map(async (k) => {
            const valoper = toBech32("aegisvaloper", fromBech32(k.operator, 90).data);
            const consAddress = toBech32("aegisvalcons", computeValidatorAddress(fromHex(k.blsPublicKey)));
            const val = (await q.staking.validator(valoper)).validator;
            const info = (await q.slashing.signingInfo(consAddress)).valSigningInfo;
            return { tokens: String(val.tokens), jailed: val.jailed, tombstoned: info?.tombstoned ?? false };
          }),
        );
      } finally {
        comet.disconnect();
      }
    }

    /** Every height each hub node has that was not compared yet, against the first hash seen there. */
    async function checkCommits() {
      let ok = true;
      await Promise.all(
        hub.map(async (p, i) => {
          if (p.state !== "up") return;
          const s = await getJson(`${p.api}/status`, 2000);
          if (!s) return;
          for (let h = checkedUpTo[i] + 1; h <= s.height; h++) {
            const hd = await getJson(`${p.api}/headers/${h}`, 3000);
            if (!hd) return; // busy or restarting: the next check goes on from here
            const c = canon.get(h);
            if (!c) canon.set(h, { hash: hd.blockHash, node: i });
            else if (c.hash !== hd.blockHash) {
              ok = false;
              violate("commits", `height ${h}: ${hub[c.node].name} has ${c.hash}, ${p.name} has ${hd.blockHash}`);
            }
            checkedUpTo[i] = h;
          }
        }),
      );
      return ok;
    }

    async function checkEvidence() {
      let ok = true;
      await Promise.all(
        hub.map(async (p) => {
          if (p.state !== "up") return;
          const ev = await getJson(`${p.api}/evidence`, 3000);
          if (ev && ev.evidence.length > 0) {
            ok = false;
            violate("evidence", `${p.name} holds ${ev.evidence.length} evidence: ${JSON.stringify(ev.evidence.slice(0, 3))}`);
          }
          const fc = await getJson(`${p.api}/fork-cases`, 3000);
          if (fc && fc.cases.length > 0) {
            ok = false;
            violate("evidence", `${p.name} has ${fc.cases.length} fork case(s)`);
          }
        }),
      );
      return ok;
    }

    async function checkSlashing() {
      let now;
      try {
        now = await Promise.race([queryStanding(), sleep(8000).then(() => undefined)]);
      } catch {
        now = undefined;
      }
      if (!now) return null; // no node answered: not a result
      let ok = true;
      now.forEach((s, v) => {
        const was = initialStanding[v];
        if (s.jailed || s.tombstoned || s.tokens !== was.tokens) {
          ok = false;
          violate("slashing", `validator ${v}: ${JSON.stringify(was)} -> ${JSON.stringify(s)}`);
        }
      });
      return ok;
    }

    /**
     * A block at a hub-final height that the full node's GET /blocks/:h calls `final: false`, its hash
     * unchanged. Not a lost block: the node learnt a newer final checkpoint whose block it does not
     * have yet (paused or restarted while the producer went on), and the guard's isFinal answers from
     * that checkpoint alone. Counted and reported, not a failed check.
     */
    const finalFlag = { count: 0, examples: [] };
    function noteFinalFlag(h, f) {
      finalFlag.count++;
      if (finalFlag.examples.length < 10) finalFlag.examples.push({ at: Date.now() - t0, height: h, finalityBefore: { head: f.height, hubFinalHeight: f.hubFinalHeight } });
    }

    /** Records the hash of every newly hub-final consumer height and re-reads `sample` older ones (all when null). */
    async function checkConsumerFinal(sample) {
      if (full.state !== "up") return null;
      let ok = true;
      const f = await getJson(`${full.api}/finality`, 2000);
      if (!f) return null;
      // The node may learn from the hub that a checkpoint is final before it has that block (it was
      // paused or restarting while the producer went on): until it has, the blocks below cannot be
      // told final (their hash is unknown to the guard), and nothing is compared.
      if (f.height < f.hubFinalHeight) return null;
      for (let h = finalRecordedUpTo + 1; h <= f.hubFinalHeight; h++) {
        const b = await getJson(`${full.api}/blocks/${h}`, 3000);
        if (!b) return ok;
        if (!b.final) noteFinalFlag(h, f);
        finalHash.set(h, b.hash);
        finalRecordedUpTo = h;
      }
      const heights = [...finalHash.keys()];
      const todo = sample === null ? heights : Array.from({ length: Math.min(sample, heights.length) }, () => heights[Math.floor(Math.random() * heights.length)]);
      for (const h of todo) {
        const b = await getJson(`${full.api}/blocks/${h}`, 3000);
        if (!b) continue;
        if (b.hash !== finalHash.get(h)) {
          ok = false;
          violate("consumer", `full node: hub-final block ${h} was ${finalHash.get(h)}, now ${b.hash} (final: ${b.final})`);
        } else if (!b.final) noteFinalFlag(h, f);
      }
      return ok;
    }

    const checkLock = { p: Promise.resolve() };
    /** The safety checks, one run at a time (both lanes call it). */
    function runChecks(sample = 10) {
      const next = checkLock.p.then(async () => {
        const v0 = violations.length;
        const results = { commits: await checkCommits(), evidence: await checkEvidence(), slashing: await checkSlashing(), consumer: await checkConsumerFinal(sample) };
        for (const [k, ok] of Object.entries(results)) if (ok !== null) tally(k, ok);
        // Violations the monitors raised since the last check count against the consumer check.
        return violations.length === v0;
      });
      checkLock.p = next.catch(() => {});
      return next;
    }

    /** Waits until every process in `targets` has a height above `above` (by `heightOf`); ms taken, or null past `capMs`. */
    async function recovery(healedAt, targets, heightOf, capMs) {
      const above = Math.max(...targets.map((_p, i) => heightOf(i)));
      const done = await waitUntil(
        async () => {
          const hs = await Promise.all(targets.map(async (p) => (p.state === "up" ? (await getJson(`${p.api}/status`, 1500))?.height ?? -1 : -1)));
          return hs.every((h) => h > above);
        },
        capMs,
        200,
      );
      return done ? Date.now() - healedAt : null;
    }

    // ---- fault lanes
    const deadline = Date.now() + o.seconds * 1000;
    const rngHub = createRandom(o.seed);
    const rngCon = createRandom((o.seed ^ 0x9e3779b9) >>> 0);

    async function setDenyLists(groups) {
      // groups: arrays of validator indexes; each node denies every node outside its group.
      await Promise.all(
        hub.map((p, i) => {
          const mine = groups.find((g) => g.includes(i)) ?? [i];
          return writeJsonAtomic(join(p.home, DENY_FILE), peerIds.filter((_id, j) => !mine.includes(j)));
        }),
      );
    }
    const healDenyLists = () => Promise.all(hub.map((p) => writeJsonAtomic(join(p.home, DENY_FILE), [])));
    const maxGroup = Math.floor((2 * n) / 3); // a group of equal-power validators holding at most 2/3

    async function hubFault() {
      const kind = rngHub.weighted([["kill", 0.35], ["pause", 0.15], ["isolate", 0.25], ["split", 0.25]]);
      const f = { lane: "hub", kind, startedAt: Date.now() - t0 };
      if (kind === "kill") {
        const v = rngHub.int(n);
        const delay = Math.round(rngHub.between(500, 5000));
        Object.assign(f, { target: hub[v].name, downMs: delay });
        const beforeH = hubHeight[v];
        await hub[v].kill9();
        log(`kill -9 ${hub[v].name} at height ${beforeH}; restart in ${delay} ms`);
        await sleep(delay);
        hub[v].start();
      } else if (kind === "pause") {
        const v = rngHub.int(n);
        const hold = Math.round(rngHub.between(1000, 10_000));
        Object.assign(f, { target: hub[v].name, holdMs: hold });
        log(`SIGSTOP ${hub[v].name} for ${hold} ms`);
        hub[v].pause();
        await sleep(hold);
        hub[v].resume();
      } else {
        const hold = Math.round(rngHub.between(3000, 10_000));
        let groups;
        if (kind === "isolate") {
          const v = rngHub.int(n);
          groups = [[v], hub.map((_p, i) => i).filter((i) => i !== v)];
        } else {
          const order = rngHub.shuffle(hub.map((_p, i) => i));
          const a = Math.min(maxGroup, Math.max(1, Math.floor(n / 2)));
          groups = [order.slice(0, a).sort(), order.slice(a).sort()];
        }
        Object.assign(f, { target: groups.map((g) => g.map((i) => hub[i].name).join("+")).join(" | "), holdMs: hold });
        log(`${kind}: ${f.target} for ${hold} ms`);
        await setDenyLists(groups);
        await sleep(hold);
        await healDenyLists();
      }
      const healedAt = Date.now();
      f.recoveryMs = await recovery(healedAt, hub, (i) => hubHeight[i], o.boundMs + 90_000);
      const inBound = f.recoveryMs !== null && f.recoveryMs <= o.boundMs;
      tally("recovery", inBound);
      if (!inBound) violate("recovery", `${kind} ${f.target}: hub heights ${f.recoveryMs === null ? `still not past the heal's within ${o.boundMs + 90_000} ms` : `past the heal's after ${f.recoveryMs} ms`} (bound ${o.boundMs} ms); heights ${hubHeight.join(",")}`);
      f.checksOk = await runChecks();
      f.heights = [...hubHeight];
      log(`  ${kind} ${f.target}: recovered in ${f.recoveryMs ?? "-"} ms; checks ${f.checksOk ? "ok" : "FAILED"}; heights ${hubHeight.join(",")}`);
      faults.push(f);
    }

    async function consumerFault() {
      const kind = rngCon.weighted([["kill", 0.75], ["pause", 0.25]]);
      const p = rngCon.pick(con);
      const f = { lane: "consumer", kind: `consumer-${kind}`, target: p.name, startedAt: Date.now() - t0 };
      if (kind === "kill") {
        const delay = Math.round(rngCon.between(500, 5000));
        f.downMs = delay;
        await p.kill9();
        log(`kill -9 ${p.name}; restart in ${delay} ms`);
        await sleep(delay);
        p.start();
      } else {
        const hold = Math.round(rngCon.between(1000, 10_000));
        f.holdMs = hold;
        log(`SIGSTOP ${p.name} for ${hold} ms`);
        p.pause();
        await sleep(hold);
        p.resume();
      }
      const healedAt = Date.now();
      f.recoveryMs = await recovery(healedAt, con, (i) => conHeight[i], o.boundMs + 90_000);
      const inBound = f.recoveryMs !== null && f.recoveryMs <= o.boundMs;
      tally("recovery", inBound);
      if (!inBound) violate("recovery", `consumer-${kind} ${p.name}: consumer heads ${f.recoveryMs === null ? "still not past the heal's" : `past the heal's after ${f.recoveryMs} ms`} (bound ${o.boundMs} ms)`);
      f.checksOk = await runChecks();
      log(`  consumer-${kind} ${p.name}: recovered in ${f.recoveryMs ?? "-"} ms; checks ${f.checksOk ? "ok" : "FAILED"}; consumer heads ${conHeight.join(",")}, hub-final ${maxFinal.full}`);
      faults.push(f);
    }

    const startHeights = { hub: [...hubHeight], consumerFinal: maxFinal.full };
    log(`faults start: hub heights ${hubHeight.join(",")}, consumer hub-final ${maxFinal.full}; until ${o.seconds} s from now`);
    const lane = async (rng, fault, gap) => {
      await sleep(rng.between(...gap));
      while (Date.now() < deadline) {
        await fault();
        await sleep(rng.between(...gap));
      }
    };
    await Promise.all([lane(rngHub, hubFault, [1000, 4000]), lane(rngCon, consumerFault, [1000, 3000])]);

    // ---- the end: everything healed and up, the load drained, every check over everything
    log("faults over: healing everything, stopping the load, final checks");
    await healDenyLists();
    for (const p of procs) if (p.state === "paused") p.resume();
    for (const p of procs) if (p.state === "down") p.start();
    const endHealedAt = Date.now();
    const endRecovery = await recovery(endHealedAt, hub, (i) => hubHeight[i], o.boundMs + 90_000);
    tally("recovery", endRecovery !== null && endRecovery <= o.boundMs);
    if (endRecovery === null || endRecovery > o.boundMs) violate("recovery", `end: hub heights not past the heal's within the bound (${endRecovery ?? "never"} ms)`);
    loadRunning = false;
    await Promise.all(senders);
    // The consumer's finality must move on too: a hub-final height above the one at the end of the faults.
    const finalAtEnd = maxFinal.full;
    const conResumed = await waitUntil(() => maxFinal.full > finalAtEnd, 60_000, 250);
    tally("consumer", conResumed);
    if (!conResumed) violate("consumer", `end: the full node's hubFinalHeight stayed at ${finalAtEnd} for 60 s after the heal`);
    // Commits: every node compared up to its tip.
    const consumerRuns = () => checks.consumer?.runs ?? 0;
    for (let round = 0, before = consumerRuns(); round < 30; round++) {
      const tips = await Promise.all(hub.map(async (p) => (await getJson(`${p.api}/status`, 3000))?.height ?? Infinity));
      await runChecks(null);
      if (tips.every((t, i) => checkedUpTo[i] >= t) && consumerRuns() > before) break;
      if (round === 29 && consumerRuns() === before) violate("consumer", "end: the full node's hub-final blocks could not be compared (its head stayed below its hub-final height)");
      if (round === 29 && !tips.every((t, i) => checkedUpTo[i] >= t)) violate("commits", `end: not every node's blocks could be read up to its tip (compared up to ${checkedUpTo.join(",")}, tips ${tips.join(",")})`);
      await sleep(1000);
    }
    // Every acknowledged transaction on every hub node, at the height cosmjs was told.
    const txCheck = { acked: acked.length, foundOnAll: 0, missing: [] };
    const clients = hub.map((_p, i) => StargateClient.create(Comet38Client.create(new HttpClient(rpc(i), 10_000))));
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < acked.length) {
          const tx = acked[next++];
          let all = true;
          for (const [i, c] of clients.entries()) {
            let got;
            for (let attempt = 0; attempt < 3 && got === undefined; attempt++) {
              try {
                got = await c.getTx(tx.hash);
              } catch {
                await sleep(500);
              }
            }
            if (!got || got.code !== 0 || got.height !== tx.height) {
              all = false;
              txCheck.missing.push({ hash: tx.hash, node: hub[i].name, ackedHeight: tx.height, found: got ? { code: got.code, height: got.height } : null });
            }
          }
          if (all) txCheck.foundOnAll++;
        }
      }),
    );
    for (const c of clients) c.disconnect();
    tally("txs", txCheck.missing.length === 0);
    if (txCheck.missing.length > 0) violate("txs", `${txCheck.missing.length} (tx, node) pairs missing or different, e.g. ${JSON.stringify(txCheck.missing.slice(0, 3))}`);
    monitorsRunning = false;
    await Promise.all(monitors);
    stopping = true;

    tally("crashes", !violations.some((v) => v.check === "crashes"));

    // ---- report
    const kinds = ["kill", "pause", "isolate", "split", "consumer-kill", "consumer-pause"];
    const faultRows = kinds.map((k) => {
      const fs = faults.filter((f) => f.kind === k);
      const rec = fs.map((f) => f.recoveryMs).filter((x) => x !== null).sort((a, b) => a - b);
      return {
        fault: k,
        count: fs.length,
        recovery_ms_p50: percentile(rec, 50),
        recovery_ms_max: rec.at(-1) ?? null,
        over_bound: fs.filter((f) => f.recoveryMs === null || f.recoveryMs > o.boundMs).length,
        checks_failed: fs.filter((f) => !f.checksOk).length,
      };
    });
    const checkRows = Object.entries(checks).map(([check, c]) => ({ check, ...c }));
    const kills = faults.filter((f) => f.kind === "kill" || f.kind === "consumer-kill").length;
    const partitions = faults.filter((f) => f.kind === "isolate" || f.kind === "split").length;
    const endHeights = [...hubHeight];
    const summary = {
      seed: o.seed,
      seconds: o.seconds,
      validators: n,
      faults: faults.length,
      kills,
      partitions,
      pauses: faults.filter((f) => f.kind.endsWith("pause")).length,
      maxRecoveryMs: [...faults.map((f) => f.recoveryMs), endRecovery].some((x) => x === null) ? "not recovered (see violations)" : Math.max(0, ...faults.map((f) => f.recoveryMs), endRecovery),
      txAttempts: load.attempts,
      txAcked: acked.length,
      txOnEveryNode: txCheck.foundOnAll,
      txLoadErrors: load.errors,
      txRefused: load.refused,
      hubHeightsStart: startHeights.hub.join(","),
      hubHeightsEnd: endHeights.join(","),
      heightsCompared: canon.size,
      consumerHubFinalStart: startHeights.consumerFinal,
      consumerHubFinalEnd: maxFinal.full,
      consumerFinalBlocksChecked: finalHash.size,
      consumerFinalFlagFalse: finalFlag.count,
      processStarts: procs.map((p) => `${p.name}:${p.starts}`).join(" "),
      failedStarts: startFailures.length === 0 ? 0 : Object.entries(Object.groupBy(startFailures, (f) => f.node)).map(([k, v]) => `${k}:${v.length}`).join(" "),
      violations: violations.length,
      "targetMet (>= 50 kills, >= 20 partitions, all green)": kills >= 50 && partitions >= 20 && violations.length === 0,
    };
    console.log(`\nchaos (seed ${o.seed}, ${o.seconds} s of faults, ${n} validators + ${consumer.id} producer and full node, ${o.senders} cosmjs senders; all on one machine)\n`);
    const faultTable = printTable(faultRows, ["fault", "count", "recovery_ms_p50", "recovery_ms_max", "over_bound", "checks_failed"]);
    console.log("");
    const checkTable = printTable(checkRows, ["check", "runs", "passed", "failed"]);
    console.log("");
    const summaryTable = printTable(Object.entries(summary).map(([what, value]) => ({ what, value })), ["what", "value"]);
    if (startFailures.length > 0) {
      console.log(`\n${startFailures.length} failed start(s) (exited by itself within ${START_FAILURE_MS / 1000} s; started again):`);
      for (const f of startFailures.slice(0, 10)) console.log(`  +${(f.at / 1000).toFixed(1)}s ${f.node} (${f.exit}): ${f.reason.slice(0, 200)}`);
    }
    if (violations.length > 0) {
      console.log(`\n${violations.length} violation(s):`);
      for (const v of violations.slice(0, 20)) console.log(`  +${(v.at / 1000).toFixed(1)}s ${v.check}: ${String(v.detail).slice(0, 400)}`);
    }
    console.log(`\nreplay: ${replay}${o.quick ? " --quick" : ""}  (load last error: ${load.lastError || "none"})`);
    await writeResults("chaos", {
      config: { ...o, ports, slashing: { signedBlocksWindow: 100_000 }, consumer: consumer.id },
      summary,
      faultTable: faultRows,
      checks,
      tables: [faultTable, checkTable, summaryTable].join("\n\n"),
      violations,
      load,
      txCheck: { ...txCheck, missing: txCheck.missing.slice(0, 50) },
      consumerFinalFlagFalse: finalFlag,
      startFailures,
      finalSteps,
      faults,
    });
    failed = violations.length > 0;
    if (failed) process.exitCode = 1;
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    await Promise.all(procs.map((p) => p.stop(5000).catch(() => {})));
    await setupConsumers?.stop(2000).catch(() => {});
    killAllNow();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    if (failed || o.keep) console.log(`data and node logs kept in ${dir}`);
    else await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}
