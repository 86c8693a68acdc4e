import { Command, InvalidArgumentError } from "commander";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import type { InitHomesOpts } from "../node/initHomes.js";
import { addClientCommands, createProcessClientEnv, type ClientEnv } from "./clientCommands.js";
import { CliError } from "./cliError.js";
import { addJoinCommand } from "./joinCommand.js";
import { DEFAULT_INIT_PROVER_REWARD, parseProverIndexes, prepareInitZk, type InitZk } from "./initZk.js";
import { AegisError } from "@aegis/consumer-sdk";

/** The hub package's version (`aegis --version`). */
export const HUB_VERSION: string = (createRequire(import.meta.url)("../../package.json") as { version: string }).version;

function intArg(name: string, min: number, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!/^[0-9]+$/.test(v) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

export function createCli(clientEnv: ClientEnv = createProcessClientEnv()): Command {
  const program = new Command("aegis").description("Aegis shared-security hub").version(HUB_VERSION, "-V, --version", "print the version of aegis (the hub package)").showHelpAfterError();

  program
    .command("init")
    .description("create keys, a genesis and one home folder per validator (<home>/node<i>)")
    .requiredOption("--home <dir>", "parent folder for the node homes")
    .option("--validators <n>", "number of validators", intArg("--validators", 1, Number.MAX_SAFE_INTEGER) /* initHomes refuses more than MAX_INIT_VALIDATORS */, 4)
    .option("--chain-id <id>", "chain id", "aegis-devnet-1")
    .option("--host <ip>", "address the nodes listen on and dial each other at", "127.0.0.1")
    .option("--p2p-port <port>", "p2p port of node0 (node i uses port + i)", intArg("--p2p-port", 1, 65535), 26656)
    .option("--api-port <port>", "HTTP API port of node0 (node i uses port + i)", intArg("--api-port", 1, 65535), 26756)
    .option("--force", "overwrite an existing genesis (discards that chain)", false)
    .option("--zk-circuit <name>", "make succinct (ZK) certificates with this circuit of circuits/circuits.json (e.g. quorum4, quorum8): built once and cached, its verification key in the genesis, its proving files copied into each node's home")
    .option("--prover <i...>", "with --zk-circuit: the nodes (indexes) whose config has zk.prover true; they claim the rewards with keys/prover.json (default: 0)")
    .option("--zk-prover-reward <amount>", `with --zk-circuit: minted to the prover of each recorded certificate, in the base denom (default ${DEFAULT_INIT_PROVER_REWARD})`)
    .action(async (o: { home: string; validators: number; chainId: string; host: string; p2pPort: number; apiPort: number; force: boolean; zkCircuit?: string; prover?: string[]; zkProverReward?: string }) => {
      const home = resolve(o.home);
      if (o.zkCircuit === undefined && (o.prover !== undefined || o.zkProverReward !== undefined)) {
        const option = o.prover !== undefined ? "--prover" : "--zk-prover-reward";
        throw new CliError({ code: "CLI_ERROR_INVALID_OPTION", option, value: String(o.prover ?? o.zkProverReward), reason: "needs --zk-circuit" }, `${option} needs --zk-circuit <name> (a chain without ZK certificates has no provers)`);
      }
      if (o.zkProverReward !== undefined && !/^[0-9]{1,30}$/.test(o.zkProverReward)) {
        throw new CliError({ code: "CLI_ERROR_INVALID_OPTION", option: "--zk-prover-reward", value: o.zkProverReward, reason: "an integer amount of the base denom" }, `--zk-prover-reward ${JSON.stringify(o.zkProverReward)}: an integer amount of the base denom (e.g. 1000000)`);
      }
      // Refused before a circuit build that may take minutes.
      if (!o.force && existsSync(join(home, "genesis.json"))) throw new Error(`${join(home, "genesis.json")} exists; pass --force to overwrite (this discards the chain)`);
      let zk: InitZk | undefined;
      if (o.zkCircuit !== undefined) {
        const provers = parseProverIndexes(o.prover ?? ["0"], o.validators);
        zk = await prepareInitZk(o.zkCircuit, { validators: o.validators, provers, proverReward: o.zkProverReward, log: (l) => console.error(l) });
      }
      // The node code (libp2p, level, snarkjs) is loaded by the commands that need it, so the client
      // commands start in a fraction of the time.
      const { initHomes } = await import("../node/initHomes.js");
      const res = await initHomes({
        home,
        validators: o.validators,
        chainId: o.chainId,
        host: o.host,
        p2pBasePort: o.p2pPort,
        apiBasePort: o.apiPort,
        force: o.force,
        ...(zk ? { zk: { ...zk, copyArtifacts: true } } : {}),
      } satisfies InitHomesOpts);
      console.log(`initialized chain ${res.chainId} with ${res.nodes.length} validators; genesis at ${res.genesisPath}`);
      for (const n of res.nodes) console.log(`  ${n.moniker}: home ${n.home}  api ${n.api}  p2p ${n.p2p}`);
      if (zk) {
        console.log(`ZK certificates: circuit ${zk.circuit} (${zk.capacity} slots); provers: ${zk.provers.map((i) => res.nodes[i]!.moniker).join(", ")} (zk.prover in their config.json; keys/prover.json claims the rewards)`);
      }
      console.log(`start one with: aegis hub start --home ${res.nodes[0]!.home}`);
    });

  const hub = program.command("hub").description("run a hub node");
  hub
    .command("start")
    .description("start the node whose home folder is --home (config.json, genesis.json, keys/, data/)")
    .requiredOption("--home <dir>", "the node's home folder")
    .option("--log-level <level>", "debug | info | warn | error (overrides config.json)")
    .option("--bootstrap <multiaddr...>", "extra bootstrap peers (multiaddrs with /p2p/<peerId>)")
    .option("--prover", "also prove ZK finality certificates (needs zk.wasm and zk.zkey in config.json; overrides zk.prover)")
    .action(async (o: { home: string; logLevel?: "debug" | "info" | "warn" | "error"; bootstrap?: string[]; prover?: boolean }) => {
      const { startNodeFromHome } = await import("../node/runNode.js");
      const running = await startNodeFromHome(resolve(o.home), {
        defaultMetrics: true,
        config: (c) => ({
          ...c,
          logLevel: o.logLevel ?? c.logLevel,
          p2p: { ...c.p2p, bootstrap: [...c.p2p.bootstrap, ...(o.bootstrap ?? [])] },
          zk: { ...c.zk, prover: o.prover ?? c.zk.prover },
        }),
      });
      console.log(JSON.stringify({ event: "started", moniker: running.node.config.moniker, api: running.api.url, p2p: running.node.network.multiaddrs }));
      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        running.node.logger.info("shutting down", { signal });
        await running.stop();
        process.exit(0);
      };
      process.on("SIGINT", () => void shutdown("SIGINT"));
      process.on("SIGTERM", () => void shutdown("SIGTERM"));
      running.node.engine.on("fatal", async () => {
        await running.stop().catch(() => {});
        process.exit(1);
      });
    });

  addClientCommands(program, clientEnv);
  addJoinCommand(program, clientEnv);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await createCli().parseAsync(argv);
  } catch (e) {
    const code = e instanceof AegisError ? ` [${e.code}]` : "";
    console.error(`aegis: ${(e as Error).message}${code}`);
    process.exit(1);
  }
}
