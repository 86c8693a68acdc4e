import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Command, Option } from "commander";
import { ConsumerConfigError, ConsumerNode, parseConsumerNodeConfig } from "@aegis/consumer-runtime";
import { createConsoleLogger, type LogLevel } from "@aegis/p2p";
import { createReferenceEnvironment, REFERENCE_VMS } from "./environments.js";

/** `aegis-consumer start --home <dir>`: runs the node configured by <dir>/consumer.json until SIGINT/SIGTERM. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command("aegis-consumer")
    .description(`run a node of an Aegis reference consumer chain (${REFERENCE_VMS.join(", ")}) on the consumer runtime`)
    .showHelpAfterError();
  program
    .command("start")
    .description("start the node configured by <home>/consumer.json (data in <home>/data, libp2p key in <home>/node-key); logs JSON lines on stderr")
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
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        await node.stop();
        process.exit(0);
      };
      process.on("SIGINT", () => void stop());
      process.on("SIGTERM", () => void stop());
    });
  await program.parseAsync(argv);
}
