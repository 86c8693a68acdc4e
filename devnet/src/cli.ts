import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { formatDevnetStatus, getDevnetStatus, resetDevnet, stopDevnet } from "./control.js";
import { DEFAULT_DASHBOARD_PORT, DEFAULT_DEVNET_CHAIN_ID, DEFAULT_DEVNET_CONSUMERS, Devnet, type DevnetFile } from "./devnet.js";
import { DevnetError } from "./errors.js";

function intArg(name: string, min: number, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!/^[0-9]+$/.test(v) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

function zkActivationArg(v: string): "genesis" | "later" | "auto" {
  if (v !== "genesis" && v !== "later" && v !== "auto") throw new InvalidArgumentError("--zk-activation must be genesis, later or auto");
  return v;
}

/** The last `n` lines of a log file (what a crash-looping node said before it died). */
function tail(path: string, n: number): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-n).join("\n");
  } catch {
    return "(no log)";
  }
}

const fail = (e: unknown): never => {
  console.error(`devnet: ${e instanceof DevnetError ? e.message : (e as Error).stack ?? String(e)}`);
  process.exit(1);
};

const HOME_OPTION = ["--home <dir>", "data folder (devnet.json, node<i>/, consumers/, logs)", ".devnet"] as const;

const program = new Command("devnet")
  .description("a local Aegis network on loopback: hub validators over libp2p, a prover, the reference consumer chains; data under --home, run again to resume")
  .showHelpAfterError()
  .addHelpText("after", "\nWithout a command it starts: `npm run devnet -- --validators 4` is `npm run devnet -- start --validators 4`.\nThe options of each command: `npm run devnet -- start --help` (likewise status, stop, reset). docs/devnet.md explains it all.");

program
  .command("start", { isDefault: true })
  .description("start (or resume) the devnet of --home; Ctrl-C stops it")
  .option(...HOME_OPTION)
  .option("--validators <n>", "number of validators", intArg("--validators", 1, 64), 4)
  .option("--chain-id <id>", `chain id of a new devnet (default ${DEFAULT_DEVNET_CHAIN_ID}); a home of another chain is refused`)
  .option("--host <ip>", "loopback address to listen on", "127.0.0.1")
  .option("--p2p-port <port>", "p2p port of node0 (node i: port + i)", intArg("--p2p-port", 1, 65535), 26656)
  .option("--api-port <port>", "HTTP API port of node0 (node i: port + i)", intArg("--api-port", 1, 65535), 26756)
  .option("--zk-circuit <name>", "circuit of a new devnet's succinct (ZK) certificates, from circuits/circuits.json; a prover process (a full node) proves them", "quorum8")
  .option("--no-zk", "a new devnet without succinct certificates")
  .option("--zk-activation <when>", "when a new devnet's ZK key is set: genesis (build the circuit before the chain starts), later (start at once; build in the background, then the faucet activates the key with MsgActivateZk), auto (genesis when the circuit is cached)", zkActivationArg, "auto")
  .option("--zk-interval <ms>", "how often a new devnet's validators attest, in ms of block time: at most one ZK certificate that often (longer: less CPU for the prover)", intArg("--zk-interval", 100, 3_600_000), 2000)
  .option("--consumers <n>", `reference consumer chains to run (ledger, utxo, evm in turn), each a producer and a full node (default: ${DEFAULT_DEVNET_CONSUMERS} for a new devnet, as many as it had for a resumed one)`, intArg("--consumers", 0, 16))
  .option("--consumer-api-port <port>", "HTTP API port of the first consumer node (consumer i: producer port + 2i, full node + 2i + 1); default the hub's API port + 1000", intArg("--consumer-api-port", 1, 65535))
  .option("--consumer-p2p-port <port>", "p2p port of the first consumer node, likewise; default the hub's p2p port + 1000", intArg("--consumer-p2p-port", 1, 65535))
  .option("--dashboard-port <port>", "port of the dashboard (a web page of the whole network)", intArg("--dashboard-port", 1, 65535), DEFAULT_DASHBOARD_PORT)
  .option("--no-dashboard", "run without the dashboard")
  .action(async (o: { validators: number; home: string; chainId?: string; host: string; p2pPort: number; apiPort: number; zk: boolean; zkCircuit: string; zkActivation: "genesis" | "later" | "auto"; zkInterval: number; consumers?: number; consumerApiPort?: number; consumerP2pPort?: number; dashboardPort: number; dashboard: boolean }) => {
    let stopping = false;
    const stopAll = async (why: string, code: number) => {
      if (stopping) return;
      stopping = true;
      console.log(`\n${why}: stopping every node…`);
      await devnet.stop();
      console.log(code === 0 ? "devnet stopped; run the same command again to resume" : "devnet stopped");
      process.exit(code);
    };
    const devnet = new Devnet({
      home: o.home,
      validators: o.validators,
      ...(o.chainId !== undefined ? { chainId: o.chainId } : {}),
      host: o.host,
      p2pBasePort: o.p2pPort,
      apiBasePort: o.apiPort,
      zkCircuit: o.zk ? o.zkCircuit : null,
      zkActivation: o.zkActivation,
      zkIntervalMs: o.zkInterval,
      dashboardPort: o.dashboard ? o.dashboardPort : null,
      ...(o.consumers !== undefined ? { consumers: o.consumers } : {}),
      ...(o.consumerApiPort !== undefined ? { consumerApiBasePort: o.consumerApiPort } : {}),
      ...(o.consumerP2pPort !== undefined ? { consumerP2pBasePort: o.consumerP2pPort } : {}),
      onFatal: (err, logPath) => {
        console.error(`devnet: ${err.message}; its last lines:\n${tail(logPath, 15)}`);
        void stopAll("a node cannot start", 1);
      },
    });
    process.on("SIGINT", () => (stopping ? process.exit(130) : void stopAll("SIGINT", 0)));
    process.on("SIGTERM", () => void stopAll("SIGTERM", 0));
    let file: DevnetFile;
    try {
      file = await devnet.start();
    } catch (e) {
      if (!(e instanceof DevnetError)) await devnet.stop(2000);
      return fail(e);
    }
    console.log(`devnet ${file.chainId} is running (${file.home}/devnet.json):`);
    for (const n of file.nodes) console.log(`  ${n.moniker.padEnd(7)} api ${n.api}  rpc ${n.rpc}  p2p ${n.p2p}`);
    if (file.prover) console.log(`  ${file.prover.moniker.padEnd(7)} api ${file.prover.api}  (a full node that proves the ZK certificates; rewards to ${file.prover.address})`);
    if (file.zk) {
      const when = devnet.zkPending ? "; they join once the circuit is built (progress below) and its key activated" : "";
      console.log(`ZK certificates: ${file.zk.circuit} (${file.zk.capacity} slots), proved by ${file.zk.provers.join(", ")}${when} — curl ${file.nodes[0]!.api}/zk`);
    }
    for (const c of file.consumers ?? []) console.log(`  consumer ${c.id.padEnd(9)} (${c.vm}) api ${c.api}  full node ${c.nodes[1]?.api ?? "-"}  — curl ${c.api}/finality`);
    if (file.faucet) console.log(`faucet ${file.faucet.address} (mnemonic in devnet.json), denom ${file.denom}`);
    if (file.wallets) console.log(`wallets: ${file.wallets.keplr} (Keplr chain info), ${file.wallets.chainRegistry} (chain registry)`);
    if (file.dashboard) console.log(`dashboard: ${file.dashboard}  ← open it in a browser`);
    console.log(`logs: JSON lines in each node's node.log (npx pino-pretty < ${file.nodes[0]!.home}/node.log)`);
    console.log(`try: curl ${file.nodes[0]!.api}/status   — Ctrl-C stops, \`npm run devnet -- status\` from another terminal`);
  });

program
  .command("status")
  .description("whether the devnet of --home runs, and each node's height (exit 0 running, 3 stopped, 1 no devnet)")
  .option(...HOME_OPTION)
  .option("--json", "print the status as JSON")
  .action(async (o: { home: string; json?: boolean }) => {
    const s = await getDevnetStatus(o.home).catch(fail);
    console.log(o.json ? JSON.stringify(s, null, 2) : formatDevnetStatus(s));
    process.exit(!s.chainId ? 1 : s.running ? 0 : 3);
  });

program
  .command("stop")
  .description("stop the devnet running on --home (from another terminal); its data stays, start resumes it")
  .option(...HOME_OPTION)
  .action(async (o: { home: string }) => {
    const stopped = await stopDevnet(o.home).catch(fail);
    console.log(stopped ? `devnet on ${o.home} stopped` : `no devnet is running on ${o.home}`);
  });

program
  .command("reset")
  .description("delete the devnet of --home (chain data, keys, logs; the circuit cache stays); refused while it runs")
  .option(...HOME_OPTION)
  .action(async (o: { home: string }) => {
    const removed = await resetDevnet(o.home).catch(fail);
    console.log(removed ? `removed ${o.home}; the next \`npm run devnet\` creates a new chain` : `nothing to remove at ${o.home}`);
  });

await program.parseAsync(process.argv);
