import { Command, InvalidArgumentError } from "commander";
import { startDashboard } from "./server.js";

/** `node devnet/dist/dashboard/cli.js --devnet .devnet/devnet.json --port 8090`: the dashboard of a running devnet. */
const program = new Command("devnet-dashboard")
  .description("serve a live web dashboard of a running devnet (reads its devnet.json)")
  .option("--devnet <file>", "the devnet's devnet.json", ".devnet/devnet.json")
  .option("--host <ip>", "address to listen on", "127.0.0.1")
  .option("--port <port>", "HTTP port", (v: string) => {
    const n = Number(v);
    if (!/^[0-9]+$/.test(v) || n > 65535) throw new InvalidArgumentError("--port must be an integer from 0 to 65535");
    return n;
  }, 8090)
  .showHelpAfterError();

program.parse(process.argv);
const o = program.opts<{ devnet: string; host: string; port: number }>();
try {
  const d = await startDashboard({ host: o.host, port: o.port, devnetJsonPath: o.devnet });
  console.log(`dashboard at ${d.url} — Ctrl-C stops`);
  const stop = async () => {
    await d.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
} catch (e) {
  console.error(`dashboard: ${(e as Error).message}`);
  process.exit(1);
}
