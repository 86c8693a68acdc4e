import type { Command } from "commander";
import { calculateFee, GasPrice, SigningStargateClient, StargateClient, parseCoins as parseCosmjsCoins } from "@cosmjs/stargate";
import { defaultKeyringDir, Keyring, type KeyringBackend } from "./keyring.js";

/** Default RPC endpoint: node0 of `aegis init` / the devnet. */
export const DEFAULT_NODE_RPC = "http://127.0.0.1:26756/rpc";
export const DEFAULT_GAS_PRICES = "0.025uaeg";

interface KeyringOpts {
  keyringDir?: string;
  keyringBackend?: KeyringBackend;
}

function keyring(o: KeyringOpts): Keyring {
  return new Keyring(o.keyringDir ?? defaultKeyringDir(), async () => process.env.AEGIS_KEYRING_PASSWORD ?? "");
}

function keyringOptions(cmd: Command): Command {
  return cmd
    .option("--keyring-dir <dir>", "keyring folder", defaultKeyringDir())
    .option("--keyring-backend <backend>", "file (encrypted with $AEGIS_KEYRING_PASSWORD) | test (plain text, devnets)", "file");
}

function print(x: unknown): void {
  console.log(JSON.stringify(x, (_k, v) => (typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v), 2));
}

/** `aegis keys …`, `aegis tx …`, `aegis query …`: client commands built on cosmjs, talking to a node's RPC. */
export function addClientCommands(program: Command): void {
  const keys = program.command("keys").description("manage local keys (secp256k1, bech32 prefix aegis)");
  keyringOptions(keys.command("add <name>").description("create a key (prints its mnemonic once) or recover one with --recover"))
    .option("--recover", "read a mnemonic from $AEGIS_MNEMONIC instead of generating one")
    .action(async (name: string, o: KeyringOpts & { recover?: boolean }) => {
      const mnemonic = o.recover ? process.env.AEGIS_MNEMONIC : undefined;
      if (o.recover && !mnemonic) throw new Error("--recover reads the mnemonic from $AEGIS_MNEMONIC, which is empty");
      const r = await keyring(o).add(name, { mnemonic, backend: o.keyringBackend ?? "file" });
      print(o.recover ? { name, address: r.address } : { name, address: r.address, mnemonic: r.mnemonic, note: "write the mnemonic down: it is the only way to recover this key" });
    });
  keyringOptions(keys.command("list").description("list keys")).action(async (o: KeyringOpts) => print(await keyring(o).list()));
  keyringOptions(keys.command("show <name>").description("show a key's address")).action(async (name: string, o: KeyringOpts) => {
    const { address } = await keyring(o).wallet(name);
    print({ name, address });
  });

  const tx = program.command("tx").description("sign and broadcast transactions");
  const bank = tx.command("bank").description("bank transactions");
  keyringOptions(bank.command("send <from-key> <to-address> <amount>").description('send coins, e.g. aegis tx bank send alice aegis1… 1000uaeg'))
    .option("--node <url>", "a node's CometBFT-compatible RPC", DEFAULT_NODE_RPC)
    .option("--gas <gas>", '"auto" (simulate × 1.4) or a number', "auto")
    .option("--gas-prices <price>", "gas price", DEFAULT_GAS_PRICES)
    .option("--memo <text>", "memo", "")
    .action(async (from: string, to: string, amount: string, o: KeyringOpts & { node: string; gas: string; gasPrices: string; memo: string }) => {
      const { wallet, address } = await keyring(o).wallet(from);
      const coins = parseCosmjsCoins(amount);
      if (coins.length === 0) throw new Error(`invalid amount ${JSON.stringify(amount)} (e.g. 1000uaeg)`);
      const client = await SigningStargateClient.connectWithSigner(o.node, wallet, { gasPrice: GasPrice.fromString(o.gasPrices) });
      try {
        const fee = o.gas === "auto" ? "auto" : Number(o.gas);
        if (fee !== "auto" && !(Number.isInteger(fee) && fee > 0)) throw new Error('--gas must be "auto" or a positive integer');
        const r = await client.sendTokens(address, to, coins, fee === "auto" ? "auto" : calculateFee(fee, GasPrice.fromString(o.gasPrices)), o.memo);
        print({ txhash: r.transactionHash, height: r.height, code: r.code, gasUsed: r.gasUsed, gasWanted: r.gasWanted, rawLog: r.rawLog });
        if (r.code !== 0) process.exitCode = 1;
      } finally {
        client.disconnect();
      }
    });

  const query = program.command("query").alias("q").description("query a node");
  const node = (c: Command) => c.option("--node <url>", "a node's CometBFT-compatible RPC", DEFAULT_NODE_RPC);
  node(query.command("account <address>").description("account number and sequence")).action(async (address: string, o: { node: string }) => {
    const client = await StargateClient.connect(o.node);
    try {
      const a = await client.getAccount(address);
      if (!a) throw new Error(`account ${address} does not exist on chain`);
      print(a);
    } finally {
      client.disconnect();
    }
  });
  const qbank = query.command("bank").description("bank queries");
  node(qbank.command("balances <address>").description("all balances of an address")).action(async (address: string, o: { node: string }) => {
    const client = await StargateClient.connect(o.node);
    try {
      print({ address, balances: await client.getAllBalances(address) });
    } finally {
      client.disconnect();
    }
  });
  node(query.command("tx <hash>").description("a committed transaction and its result")).action(async (hash: string, o: { node: string }) => {
    const client = await StargateClient.connect(o.node);
    try {
      const t = await client.getTx(hash);
      if (!t) throw new Error(`transaction ${hash} not found`);
      print({ hash: t.hash, height: t.height, code: t.code, gasUsed: t.gasUsed, gasWanted: t.gasWanted, rawLog: t.rawLog, events: t.events });
    } finally {
      client.disconnect();
    }
  });
}
