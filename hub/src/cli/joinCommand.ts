/**
 * `aegis validator join <from-key> <self-delegation> --home <dir> --moniker <name>`: joins a running hub
 * as a new validator in one command, in an order that cannot get it jailed (node/joinValidator.ts):
 * the node's home is made once, the node starts and syncs, and create-validator is sent only once it
 * has caught up. The command then keeps running as the validator's node.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Option, type Command } from "commander";
import { DEFAULT_EPOCH_LENGTH, parseGenesis } from "../genesis.js";
import { isPortFree } from "../node/portCheck.js";
import { DEVNET_FILE, getDevnetFilePath, readTextFileSync } from "./defaultNode.js";
import { defaultKeyringDir, Keyring } from "./keyring.js";
import { getKeyringPassword, KEYRING_PASSWORD_ENV, type PromptIo } from "./prompts.js";
import { parseCoinArg } from "./txArgs.js";

/** Ports of a joining node unless told otherwise: above a 4-validator devnet and its prover. */
export const JOIN_DEFAULT_P2P_PORT = 26670;
export const JOIN_DEFAULT_API_PORT = 26770;

interface JoinOpts {
  home: string;
  moniker: string;
  genesis?: string;
  peers?: string[];
  node?: string;
  host: string;
  p2pPort: string;
  apiPort: string;
  commissionRate: string;
  commissionMaxRate: string;
  commissionMaxChangeRate: string;
  keyringDir: string;
  keyringBackend: "file" | "test";
}

interface DevnetDescription {
  nodes: { rpc: string; p2p: string; home: string }[];
}

/** The devnet.json of $AEGIS_DEVNET or ./.devnet (the client commands' rule), when there is one: where the genesis, peers and RPC come from by default. */
function findDevnet(env: NodeJS.ProcessEnv, cwd: string): DevnetDescription | null {
  const text = readTextFileSync(getDevnetFilePath(env, cwd).path);
  return text === null ? null : (JSON.parse(text) as DevnetDescription);
}

export function addJoinCommand(program: Command, ctx: { env: NodeJS.ProcessEnv; cwd: string; io: PromptIo }): void {
  const validator = program.command("validator").description("run a validator");
  validator
    .command("join <from-key> <self-delegation>")
    .description(
      "join a running hub as a new validator operated by <from-key>: make the node's home (once), start the node, " +
        "and send create-validator only once it has caught up (so it cannot be jailed while syncing); then keep running as the validator's node",
    )
    .requiredOption("--home <dir>", "the new node's home (made on the first run; kept and reused after)")
    .requiredOption("--moniker <name>", "the validator's public name")
    .option("--genesis <file>", `the hub's genesis.json (default: the devnet's, from $AEGIS_DEVNET or ./${DEVNET_FILE})`)
    .option("--peers <multiaddr...>", "hub nodes to dial, /ip4/…/tcp/…/p2p/<peer id> (default: the devnet's nodes)")
    .option("--node <rpc>", "a synced hub node's RPC: the height to reach, and where create-validator goes (default: the devnet's node0)")
    .option("--host <ip>", "address the node listens on", "127.0.0.1")
    .option("--p2p-port <port>", "the node's p2p port", String(JOIN_DEFAULT_P2P_PORT))
    .option("--api-port <port>", "the node's HTTP API port (its RPC is <api>/rpc)", String(JOIN_DEFAULT_API_PORT))
    .option("--commission-rate <dec>", "commission rate", "0.1")
    .option("--commission-max-rate <dec>", "highest commission rate ever allowed", "0.2")
    .option("--commission-max-change-rate <dec>", "largest commission change per day", "0.01")
    .option("--keyring-dir <dir>", "keyring folder", defaultKeyringDir())
    .addOption(new Option("--keyring-backend <backend>", `file (encrypted: password from $${KEYRING_PASSWORD_ENV}, else asked on a terminal) | test`).choices(["file", "test"]).default("file"))
    .action(async (from: string, amount: string, o: JoinOpts) => {
      const value = parseCoinArg("<self-delegation>", amount);
      const found = findDevnet(ctx.env, ctx.cwd);
      const genesisPath = o.genesis ?? (found ? join(found.nodes[0]!.home, "genesis.json") : undefined);
      if (!genesisPath) throw new Error(`--genesis <file> is needed: no devnet at $AEGIS_DEVNET or ./${DEVNET_FILE} to take it from`);
      const peers = o.peers ?? found?.nodes.map((n) => n.p2p);
      if (!peers?.length) throw new Error("--peers <multiaddr...> is needed: no devnet to take the hub's nodes from");
      const hubRpc = o.node ?? found?.nodes[0]!.rpc;
      if (!hubRpc) throw new Error("--node <rpc> is needed: no devnet to take a hub node from");
      const port = (name: string, v: string) => {
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < 1 || n > 65535) throw new Error(`${name} must be a port (1–65535), got ${JSON.stringify(v)}`);
        return n;
      };
      const ports = { p2p: port("--p2p-port", o.p2pPort), api: port("--api-port", o.apiPort) };
      for (const [what, p] of [["--p2p-port", ports.p2p], ["--api-port", ports.api]] as const) {
        if (!(await isPortFree(o.host, p))) throw new Error(`port ${p} on ${o.host} is in use (another node?): pass another ${what}; nothing was started`);
      }
      const genesisJson = await readFile(resolve(ctx.cwd, genesisPath), "utf8");
      const genesis = parseGenesis(JSON.parse(genesisJson));
      if (genesis.appState && value.denom !== genesis.appState.denom) throw new Error(`<self-delegation> must be in ${genesis.appState.denom}, the hub's staking denom`);
      // The node's code loads only when a node runs (client commands start faster without it).
      const { createValidatorWhenSynced, prepareJoiningHome } = await import("../node/joinValidator.js");
      const { startNodeFromHome } = await import("../node/runNode.js");
      const keyring = new Keyring(o.keyringDir, (purpose, name) => getKeyringPassword(purpose, name, ctx.env, ctx.io));
      const { wallet } = await keyring.wallet(from);
      const home = resolve(ctx.cwd, o.home);
      const made = await prepareJoiningHome({
        home,
        genesisJson,
        peers,
        moniker: o.moniker,
        host: o.host,
        p2pPort: ports.p2p,
        apiPort: ports.api,
        operatorMnemonic: wallet.mnemonic,
      });
      console.log(made.created ? `made ${home} (node ${made.peerId}, operator ${made.operator})` : `using ${home} (node ${made.peerId})`);
      const { createConsoleLogger } = await import("../logger.js");
      const logPath = join(home, "node.log");
      const running = await startNodeFromHome(home, { logger: createConsoleLogger("info", {}, logPath) });
      console.log(`node started: API ${running.api.url}, RPC ${running.api.url}/rpc, logs ${logPath}; syncing from ${hubRpc}`);
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        await running.stop();
        process.exit(0);
      };
      process.on("SIGINT", () => void stop());
      process.on("SIGTERM", () => void stop());
      const outcome = await createValidatorWhenSynced({
        home,
        localHeight: () => running.node.engine.height,
        hubRpc,
        operatorMnemonic: wallet.mnemonic,
        moniker: o.moniker,
        selfDelegation: value,
        commission: { rate: o.commissionRate, maxRate: o.commissionMaxRate, maxChangeRate: o.commissionMaxChangeRate },
        log: (l) => console.log(l),
      });
      if (outcome.status === "exists") console.log(`validator ${outcome.valoper} exists already: running its node`);
      else {
        // The set changes at the end of each block whose height is a multiple of the epoch length.
        const epoch = genesis.appState?.epochLength ?? DEFAULT_EPOCH_LENGTH;
        const from = Math.ceil(outcome.height / epoch) * epoch + 1;
        console.log(`created validator ${outcome.valoper} (tx ${outcome.txHash}, height ${outcome.height}); it signs from height ${from} (the next epoch) if its stake ranks among the top validators`);
      }
      console.log(`Ctrl-C stops the node; \`aegis hub start --home ${o.home}\` (or this command again) restarts it`);
    });
}
