import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { Command, Option } from "commander";
import { ConsumerConfigError, ConsumerNode, parseConsumerNodeConfig } from "@aegis/consumer-runtime";
import { createConsoleLogger, type LogLevel } from "@aegis/p2p";
import { fromHex } from "@aegis/consumer-sdk";
import { createReferenceEnvironment, REFERENCE_VMS } from "./environments.js";
import { EvmFinalityRelayer, type EvmGenesisConfig } from "./evm/index.js";

/** `aegis-consumer start --home <dir>`: runs the node configured by <dir>/consumer.json until SIGINT/SIGTERM. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command("aegis-consumer")
    .description(`run a node of an Aegis reference consumer chain (${REFERENCE_VMS.join(", ")}) on the consumer runtime`)
    .showHelpAfterError();
  program
    .command("start")
    .description(
      "start the node configured by <home>/consumer.json (data in <home>/data, libp2p key in <home>/node-key); logs JSON lines on stderr. " +
        "An evm node with <home>/relayer.json ({ relayerKey }) also runs the finality relayer (deploys AegisFinality, feeds it the hub's ZK certificates)",
    )
    .requiredOption("--home <dir>", "the node's folder")
    .addOption(new Option("--log-level <level>", "least level logged").choices(["debug", "info", "warn", "error"]).default("info"))
    .action(async (o: { home: string; logLevel: LogLevel }) => {
      const log = createConsoleLogger(o.logLevel);
      let raw: unknown;
      try {
        raw = JSON.parse(await readFile(join(o.home, "consumer.json"), "utf8"));
      } catch (e) {
        console.error(`aegis-consumer: cannot read ${join(o.home, "consumer.json")}: ${(e as Error).message}`);
        process.exit(2);
      }
      let node: ConsumerNode;
      try {
        const config = parseConsumerNodeConfig(raw);
        node = await ConsumerNode.start(config, createReferenceEnvironment(config.vm, config.consumerId, config.genesis), o.home, { logger: log });
      } catch (e) {
        const msg = e instanceof ConsumerConfigError ? e.message : (e as Error).message;
        console.error(`aegis-consumer: ${/LOCK|lock/.test(msg) ? `${o.home} is in use by another process (${msg})` : msg}`);
        process.exit(1);
      }
      console.log(JSON.stringify({ consumerId: node.config.consumerId, api: node.api.url, p2p: node.network.p2p.multiaddrs }));
      const relayer = await startRelayer(node, o.home, log);
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        await relayer?.stop();
        await node.stop();
        process.exit(0);
      };
      process.on("SIGINT", () => void stop());
      process.on("SIGTERM", () => void stop());
    });
  await program.parseAsync(argv);
}

/**
 * An EVM chain's node with `<home>/relayer.json` (`{ "relayerKey": "<hex secp256k1 key>", "hubUrl"?: … }`)
 * also runs the finality relayer: it deploys AegisFinality on the chain (the hub's verification key,
 * the trust root from consumer.json, or the hub's activation record when its key was set after
 * genesis) and feeds it the hub's ZK certificates. The deployed address is
 * kept in `<home>/relayer-state.json` so a restart does not deploy again.
 */
async function startRelayer(node: ConsumerNode, home: string, log: ReturnType<typeof createConsoleLogger>): Promise<EvmFinalityRelayer | undefined> {
  const path = join(home, "relayer.json");
  if (node.config.vm !== "evm" || !existsSync(path)) return undefined;
  const hub = node.config.hub;
  if (!hub?.trust.zk && !hub?.trust.zkActivation) {
    log.warn("relayer.json is ignored: the hub's trust root has no ZK tier (a hub without succinct certificates)");
    return undefined;
  }
  const cfg = JSON.parse(await readFile(path, "utf8")) as { relayerKey: string; hubUrl?: string };
  const statePath = join(home, "relayer-state.json");
  const state = existsSync(statePath) ? (JSON.parse(await readFile(statePath, "utf8")) as { finalityAddress?: string }) : {};
  const rlog = log.child({ module: "relayer" });
  const relayer = new EvmFinalityRelayer({
    hubUrl: cfg.hubUrl ?? hub.apiUrls[0]!,
    hubChainId: hub.trust.chainId,
    consumerUrl: node.api.url,
    chainId: (node.config.genesis as EvmGenesisConfig).chainId,
    relayerKey: fromHex(cfg.relayerKey, "relayerKey", 32),
    // A hub whose key is set after genesis: the relayer deploys once it is, trusting the activation's point.
    ...(hub.trust.zk ? { trust: { validatorSetRoot: hub.trust.zk.genesisValidatorSetRoot, height: 0, time: hub.trust.genesisTime } } : {}),
    trustingPeriodMs: hub.trust.trustingPeriodMs,
    ...(state.finalityAddress ? { finalityAddress: state.finalityAddress } : {}),
    cacheDir: join(homedir(), ".cache", "aegis", "solc"),
    logger: { info: (m) => rlog.info(m), warn: (m) => rlog.warn(m), error: (m) => rlog.error(m) },
  });
  relayer.start();
  if (!state.finalityAddress) {
    const timer = setInterval(() => {
      const finalityAddress = relayer.finalityAddress;
      if (!finalityAddress) return;
      clearInterval(timer);
      void writeFile(statePath, JSON.stringify({ finalityAddress }, null, 2) + "\n");
      rlog.info("AegisFinality deployed", { finalityAddress });
    }, 2000);
    timer.unref();
  }
  return relayer;
}
