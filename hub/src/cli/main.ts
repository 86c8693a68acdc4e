import { Command, InvalidArgumentError } from "commander";
import { resolve } from "node:path";
import { initHomes, MAX_INIT_VALIDATORS } from "../node/initHomes.js";
import { startNodeFromHome } from "../node/runNode.js";
import { addClientCommands } from "./clientCommands.js";
import { AegisError } from "@aegis/consumer-sdk";

function intArg(name: string, min: number, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!/^[0-9]+$/.test(v) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

export function createCli(): Command {
  const program = new Command("aegis").description("Aegis shared-security hub").showHelpAfterError();

  program
    .command("init")
    .description("create keys, a genesis and one home folder per validator (<home>/node<i>)")
    .requiredOption("--home <dir>", "parent folder for the node homes")
    .option("--validators <n>", "number of validators", intArg("--validators", 1, MAX_INIT_VALIDATORS), 4)
    .option("--chain-id <id>", "chain id", "aegis-devnet-1")
    .option("--host <ip>", "address the nodes listen on and dial each other at", "127.0.0.1")
    .option("--p2p-port <port>", "p2p port of node0 (node i uses port + i)", intArg("--p2p-port", 1, 65535), 26656)
    .option("--api-port <port>", "HTTP API port of node0 (node i uses port + i)", intArg("--api-port", 1, 65535), 26756)
    .option("--force", "overwrite an existing genesis (discards that chain)", false)
    .action(async (o: { home: string; validators: number; chainId: string; host: string; p2pPort: number; apiPort: number; force: boolean }) => {
      const res = await initHomes({
        home: resolve(o.home),
        validators: o.validators,
        chainId: o.chainId,
        host: o.host,
        p2pBasePort: o.p2pPort,
        apiBasePort: o.apiPort,
        force: o.force,
      });
      console.log(`initialized chain ${res.chainId} with ${res.nodes.length} validators; genesis at ${res.genesisPath}`);
      for (const n of res.nodes) console.log(`  ${n.moniker}: home ${n.home}  api ${n.api}  p2p ${n.p2p}`);
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

  addClientCommands(program);
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
