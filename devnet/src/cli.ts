import { Command, InvalidArgumentError } from "commander";
import { Devnet } from "./devnet.js";

function intArg(name: string, min: number, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!/^[0-9]+$/.test(v) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

const program = new Command("devnet")
  .description("run a local Aegis hub: N validator processes over libp2p on loopback, data under --home; run again to resume")
  .option("--validators <n>", "number of validators", intArg("--validators", 1, 64), 4)
  .option("--home <dir>", "data folder (devnet.json, node<i>/)", ".devnet")
  .option("--chain-id <id>", "chain id of a new devnet", "aegis-devnet-1")
  .option("--host <ip>", "loopback address to listen on", "127.0.0.1")
  .option("--p2p-port <port>", "p2p port of node0 (node i: port + i)", intArg("--p2p-port", 1, 65535), 26656)
  .option("--api-port <port>", "HTTP API port of node0 (node i: port + i)", intArg("--api-port", 1, 65535), 26756)
  .option("--zk-circuit <name>", "circuit of a new devnet's succinct (ZK) certificates, from circuits/circuits.json; node0 proves", "quorum8")
  .option("--no-zk", "a new devnet without succinct certificates")
  .option("--consumers <n>", "reference consumer chains to run (ledger, utxo, evm in turn), each a producer and a full node", intArg("--consumers", 0, 16))
  .option("--consumer-api-port <port>", "HTTP API port of the first consumer node (consumer i: producer port + 2i, full node + 2i + 1); default the hub's API port + 1000", intArg("--consumer-api-port", 1, 65535))
  .option("--consumer-p2p-port <port>", "p2p port of the first consumer node, likewise; default the hub's p2p port + 1000", intArg("--consumer-p2p-port", 1, 65535))
  .showHelpAfterError();

program.parse(process.argv);
const o = program.opts<{ validators: number; home: string; chainId: string; host: string; p2pPort: number; apiPort: number; zk: boolean; zkCircuit: string; consumers?: number; consumerApiPort?: number; consumerP2pPort?: number }>();

const devnet = new Devnet({
  home: o.home,
  validators: o.validators,
  chainId: o.chainId,
  host: o.host,
  p2pBasePort: o.p2pPort,
  apiBasePort: o.apiPort,
  zkCircuit: o.zk ? o.zkCircuit : null,
  ...(o.consumers !== undefined ? { consumers: o.consumers } : {}),
  ...(o.consumerApiPort !== undefined ? { consumerApiBasePort: o.consumerApiPort } : {}),
  ...(o.consumerP2pPort !== undefined ? { consumerP2pBasePort: o.consumerP2pPort } : {}),
});
let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping ${o.validators} nodes…`);
  await devnet.stop();
  console.log("devnet stopped; run the same command again to resume");
  process.exit(0);
};
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));

try {
  const file = await devnet.start();
  console.log(`devnet ${file.chainId} is running (${file.home}/devnet.json):`);
  for (const n of file.nodes) console.log(`  ${n.moniker.padEnd(7)} api ${n.api}  rpc ${n.rpc}  p2p ${n.p2p}`);
  if (file.zk) console.log(`ZK certificates: ${file.zk.circuit} (${file.zk.capacity} slots), proved by ${file.zk.provers.join(", ")} — curl ${file.nodes[0]!.api}/zk`);
  for (const c of file.consumers ?? []) console.log(`  consumer ${c.id.padEnd(9)} (${c.vm}) api ${c.api}  full node ${c.nodes[1]?.api ?? "-"}  — curl ${c.api}/finality`);
  if (file.faucet) console.log(`faucet ${file.faucet.address} (mnemonic in devnet.json), denom ${file.denom}`);
  console.log(`try: curl ${file.nodes[0]!.api}/status   — Ctrl-C stops`);
} catch (e) {
  console.error(`devnet: ${(e as Error).message}`);
  await devnet.stop(2000);
  process.exit(1);
}
