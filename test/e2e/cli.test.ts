/**
 * The aegis CLI as a user runs it (built code, child processes) against a 4-validator devnet started
 * with the Devnet class: keys (test and file keyrings, passwords asked on a terminal), bank sends with
 * --fees / --chain-id / confirmation, queries (staking, rewards; Dec values as decimals), --node taken
 * from devnet.json, clear failures that change nothing, and `aegis init --zk-circuit`.
 * Terminal sessions run under util-linux `script` (a pseudo-terminal); answers are typed when the
 * prompt appears, never after a delay.
 */
import { execFile, spawn } from "node:child_process";
import { copyFile, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { jest } from "@jest/globals";
import { loadGenesis, loadNodeConfig, toBech32 } from "@aegis/hub";
import { Devnet, type DevnetFile } from "../../devnet/src/devnet.js";
import { HOST, makeTempDir, removeDir, reservePort, reservePortRange } from "../helpers/e2eUtils.js";

jest.setTimeout(120_000);
const run = promisify(execFile);
const AEGIS = resolve("hub/bin/aegis.js");
const CHAIN_ID = "aegis-cli-1";
/** A well-formed operator address no validator has. */
const NO_VALIDATOR = toBech32("aegisvaloper", new Uint8Array(20).fill(9));

let dir: string | undefined;
let devnet: Devnet | undefined;
let file: DevnetFile;
let keyringDir: string;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without a terminal; `AEGIS_DEVNET` is cleared unless given, so --node defaults stay predictable. */
async function aegis(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<Result> {
  try {
    const r = await run(process.execPath, [AEGIS, ...args], { env: { ...process.env, AEGIS_DEVNET: "", ...env }, timeout: 60_000, cwd });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");

/**
 * Runs the CLI on a pseudo-terminal (stdin and stdout are TTYs). Each step waits until its prompt
 * appears in the output after the previous one, then types its answer and Enter.
 */
async function aegisTty(args: string[], steps: { prompt: RegExp; answer: string }[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; output: string }> {
  const command = [process.execPath, AEGIS, ...args].map(shellQuote).join(" ");
  const child = spawn("script", ["-qec", command, "/dev/null"], { env: { ...process.env, AEGIS_DEVNET: "", AEGIS_KEYRING_PASSWORD: "", ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  let from = 0;
  const pending = [...steps];
  const onData = (d: Buffer) => {
    output += d.toString();
    const text = stripAnsi(output);
    const step = pending[0];
    if (!step) return;
    const m = step.prompt.exec(text.slice(from));
    if (m) {
      from += m.index + m[0].length;
      pending.shift();
      child.stdin.write(`${step.answer}\r`);
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const code = await new Promise<number>((res) => child.on("close", (c) => res(c ?? 1)));
  child.stdin.destroy();
  return { code, output: stripAnsi(output) };
}

let base: number;
const kr = () => ["--keyring-dir", keyringDir, "--keyring-backend", "test"];
const node = (i = 0) => ["--node", file.nodes[i]!.rpc];

async function balance(address: string): Promise<bigint> {
  const r = await aegis(["q", "bank", "balances", address, ...node(1)]);
  expect(r.code).toBe(0);
  const coins = JSON.parse(r.stdout).balances as { denom: string; amount: string }[];
  return BigInt(coins.find((c) => c.denom === "uaeg")?.amount ?? "0");
}

async function sequence(address: string): Promise<number> {
  const r = await aegis(["q", "account", address, ...node(1)]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout).sequence as number;
}

/** A new test-backend key funded by the faucet with `amount` uaeg. */
async function fundedKey(name: string, amount: bigint): Promise<string> {
  const made = await aegis(["keys", "add", name, ...kr()]);
  expect(made.code).toBe(0);
  const address = JSON.parse(made.stdout).address as string;
  const sent = await aegis(["tx", "bank", "send", "faucet", address, `${amount}uaeg`, ...kr(), ...node()]);
  expect(sent.code).toBe(0);
  return address;
}

beforeAll(async () => {
  dir = await makeTempDir("cli");
  keyringDir = join(dir, "keyring");
  // Room for more processes than the validators (the devnet may add a prover node). No ZK
  // certificates, consumer chains or dashboard: the CLI needs none of them.
  base = await reservePortRange(16);
  devnet = new Devnet({
    home: join(dir, "net"),
    validators: 4,
    chainId: CHAIN_ID,
    host: HOST,
    p2pBasePort: base,
    apiBasePort: base + 8,
    // A block a second when idle (transactions are proposed at once); epochs of 20 blocks, so a
    // joining validator signs within about 20 s, as with 100-block epochs at 5 blocks a second
    // (what this devnet ran before, at five times the CPU).
    createEmptyBlocksIntervalMs: 1000,
    epochLength: 20,
    zkCircuit: null,
    consumers: 0,
    dashboardPort: null,
    log: () => {},
  });
  file = await devnet.start();
  expect(JSON.parse(await readFile(join(dir, "net", "devnet.json"), "utf8")).faucet.address).toBe(file.faucet!.address);
  const faucet = await aegis(["keys", "add", "faucet", "--recover", ...kr()], { AEGIS_MNEMONIC: file.faucet!.mnemonic });
  expect(faucet.code).toBe(0);
  expect(JSON.parse(faucet.stdout).address).toBe(file.faucet!.address);
});

afterAll(async () => {
  await devnet?.stop();
  await removeDir(dir);
});

test("keys, a bank send and queries through the CLI; --version", async () => {
  const version = await aegis(["--version"]);
  expect(version.code).toBe(0);
  expect(version.stdout.trim()).toBe(JSON.parse(await readFile("hub/package.json", "utf8")).version);

  const bob = await aegis(["keys", "add", "bob", ...kr()]);
  expect(bob.code).toBe(0);
  const bobAddress = JSON.parse(bob.stdout).address as string;
  expect(JSON.parse(bob.stdout).mnemonic.split(" ")).toHaveLength(24);
  const list = JSON.parse((await aegis(["keys", "list", "--keyring-dir", keyringDir])).stdout);
  expect(list.map((k: { name: string }) => k.name)).toEqual(["bob", "faucet"]);

  // --chain-id matching the node's, -y (no terminal: nothing would be asked anyway).
  const send = await aegis(["tx", "bank", "send", "faucet", bobAddress, "4321uaeg", "--chain-id", CHAIN_ID, "-y", ...kr(), ...node()]);
  expect(send.code).toBe(0);
  expect(JSON.parse(send.stdout).code).toBe(0);
  const balances = JSON.parse((await aegis(["query", "bank", "balances", bobAddress, "--node", file.nodes[2]!.rpc])).stdout);
  expect(balances.balances).toEqual([{ denom: "uaeg", amount: "4321" }]);
  const account = JSON.parse((await aegis(["q", "account", bobAddress, ...node()])).stdout);
  expect(account.address).toBe(bobAddress);
  const tx = JSON.parse((await aegis(["q", "tx", JSON.parse(send.stdout).txhash, ...node()])).stdout);
  expect(tx.code).toBe(0);
  // The genesis validators (created like gentxs) are the bonded set.
  const validators = JSON.parse((await aegis(["q", "staking", "validators", ...node()])).stdout) as { moniker: string; status: string; commission: string }[];
  expect(validators.map((v) => v.moniker).sort()).toEqual(["node0", "node1", "node2", "node3"]);
  expect(new Set(validators.map((v) => v.status))).toEqual(new Set(["BOND_STATUS_BONDED"]));
  for (const v of validators) expect(v.commission).toMatch(/^\d+(\.\d{1,18})?$/); // a decimal, not 18-decimal atomics
});

test("--fees pays exactly that fee; --chain-id of another chain is refused and nothing is broadcast", async () => {
  const payer = await fundedKey("payer", 1_000_000n);
  const to = JSON.parse((await aegis(["keys", "show", "bob", "--keyring-dir", keyringDir])).stdout).address as string;
  expect((await aegis(["keys", "show", "bob", "--address", "--keyring-dir", keyringDir])).stdout).toBe(`${to}\n`);
  const before = await balance(to);
  const paid = await aegis(["tx", "bank", "send", "payer", to, "1000uaeg", "--fees", "5000uaeg", "--chain-id", CHAIN_ID, ...kr(), ...node()]);
  expect(paid.stderr).toBe("");
  expect(JSON.parse(paid.stdout).code).toBe(0);
  expect(await balance(payer)).toBe(1_000_000n - 1000n - 5000n);
  expect(await balance(to)).toBe(before + 1000n);

  const seq = await sequence(payer);
  const wrongChain = await aegis(["tx", "bank", "send", "payer", to, "1000uaeg", "--chain-id", "aegis-mainnet-1", ...kr(), ...node()]);
  expect(wrongChain.code).not.toBe(0);
  expect(wrongChain.stderr).toContain(`--chain-id aegis-mainnet-1 does not match the chain of the node at ${file.nodes[0]!.rpc} (${CHAIN_ID}); nothing was broadcast [CLI_ERROR_CHAIN_ID_MISMATCH]`);
  const both = await aegis(["tx", "bank", "send", "payer", to, "1000uaeg", "--fees", "5000uaeg", "--gas-prices", "0.1uaeg", ...kr(), ...node()]);
  expect(both.stderr).toContain("pass --fees or --gas-prices, not both [CLI_ERROR_INVALID_OPTION]");
  expect(await sequence(payer)).toBe(seq);
  expect(await balance(payer)).toBe(1_000_000n - 1000n - 5000n);
});

test("--node defaults to node0 of $AEGIS_DEVNET or ./.devnet/devnet.json, and --help says which", async () => {
  const address = file.faucet!.address;
  // $AEGIS_DEVNET: the devnet's folder or its devnet.json.
  for (const where of [join(dir!, "net"), join(dir!, "net", "devnet.json")]) {
    const r = await aegis(["q", "bank", "balances", address], { AEGIS_DEVNET: where });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).address).toBe(address);
  }
  // ./.devnet/devnet.json of the working folder.
  const cwd = join(dir!, "workdir");
  await mkdir(join(cwd, ".devnet"), { recursive: true });
  await copyFile(join(dir!, "net", "devnet.json"), join(cwd, ".devnet", "devnet.json"));
  const fromCwd = await aegis(["q", "bank", "balances", address], {}, cwd);
  expect(fromCwd.code).toBe(0);
  const help = await aegis(["tx", "bank", "send", "--help"], {}, cwd);
  expect(help.stdout.replace(/\s+/g, " ")).toContain(`now ${file.nodes[0]!.rpc} from ${join(cwd, ".devnet", "devnet.json")}`);
  // An $AEGIS_DEVNET naming nothing is an error, not another node.
  const missing = await aegis(["q", "bank", "balances", address], { AEGIS_DEVNET: join(dir!, "nowhere") });
  expect(missing.code).not.toBe(0);
  expect(missing.stderr).toContain("[CLI_ERROR_DEVNET_FILE]");
});

test("a new validator through the CLI: validator keys, create-validator, its queries, unjail refused while not jailed", async () => {
  const keyFile = join(dir!, "val", "priv_validator_key.json");
  // The keys' proofs of possession are bound to the operator: its account comes first.
  const op = JSON.parse((await aegis(["keys", "add", "operator", ...kr()])).stdout).address as string;
  const made = await aegis(["keys", "validator-key", keyFile, "--operator", op]);
  expect(made.code).toBe(0);
  const pub = JSON.parse(made.stdout) as { blsPublicKey: string; attestationPublicKey: string; operatorAddress: string };
  expect(pub.blsPublicKey).toMatch(/^[0-9a-f]{96}$/);
  expect(pub.attestationPublicKey).toMatch(/^[0-9a-f]{64}$/);
  expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
  const again = await aegis(["keys", "validator-key", keyFile, "--operator", op]);
  expect(again.code).not.toBe(0);
  expect(again.stderr).toMatch(/exists.*\[CLI_ERROR_FILE_EXISTS\]/);
  expect(JSON.parse(await readFile(keyFile, "utf8")).blsPublicKey).toBe(pub.blsPublicKey); // not overwritten

  expect(JSON.parse((await aegis(["tx", "bank", "send", "faucet", op, "30000000uaeg", ...kr(), ...node(1)])).stdout).code).toBe(0);
  const created = await aegis(["tx", "staking", "create-validator", "operator", "10000000uaeg", "--validator-key", keyFile, "--moniker", "cli-validator", "--details", "made by the CLI test", ...kr(), ...node(1)]);
  expect(created.code).toBe(0);
  expect(JSON.parse(created.stdout).code).toBe(0);
  const validators = JSON.parse((await aegis(["q", "staking", "validators", "--node", file.nodes[3]!.rpc])).stdout) as { moniker: string; status: string; tokens: string; commission: string; operatorAddress: string }[];
  const mine = validators.find((v) => v.moniker === "cli-validator")!;
  expect(mine).toBeDefined();
  expect(mine.tokens).toBe("10000000");
  expect(mine.commission).toBe("0.1");
  // One validator, its delegations and rewards; Dec values as decimals.
  const valoper = pub.operatorAddress;
  expect((await aegis(["keys", "show", "operator", "-a", "--bech", "val", ...kr()])).stdout.trim()).toBe(valoper);
  expect(validators.find((v) => v.moniker === "cli-validator")).toMatchObject({ operatorAddress: valoper });
  const one = await aegis(["q", "staking", "validator", valoper, ...node(2)]);
  expect(one.code).toBe(0);
  expect(JSON.parse(one.stdout)).toMatchObject({
    operatorAddress: valoper,
    moniker: "cli-validator",
    details: "made by the CLI test",
    tokens: "10000000",
    delegatorShares: "10000000",
    commission: { rate: "0.1", maxRate: "0.2", maxChangeRate: "0.01" },
    jailed: false,
  });
  const delegations = await aegis(["q", "staking", "delegations", op, ...node(2)]);
  expect(delegations.code).toBe(0);
  expect(JSON.parse(delegations.stdout)).toEqual({ delegator: op, delegations: [{ validator: valoper, shares: "10000000", balance: { denom: "uaeg", amount: "10000000" } }] });
  const delegation = JSON.parse((await aegis(["q", "staking", "delegation", op, valoper, ...node(2)])).stdout);
  expect(delegation).toEqual({ delegator: op, validator: valoper, shares: "10000000", balance: { denom: "uaeg", amount: "10000000" } });
  const total = await aegis(["q", "distribution", "rewards", op, ...node(2)]);
  expect(total.code).toBe(0);
  const t = JSON.parse(total.stdout) as { rewards: { validator: string; reward: { amount: string }[] }[]; total: { amount: string }[] };
  expect(t.rewards.map((r) => r.validator)).toEqual([valoper]);
  for (const c of [...t.total, ...t.rewards.flatMap((r) => r.reward)]) expect(c.amount).toMatch(/^\d+(\.\d{1,18})?$/);
  const perValidator = await aegis(["q", "distribution", "rewards", op, valoper, ...node(2)]);
  expect(perValidator.code).toBe(0);
  expect(JSON.parse(perValidator.stdout)).toMatchObject({ delegator: op, validator: valoper });
  const noValidator = await aegis(["q", "staking", "validator", NO_VALIDATOR, ...node(2)]);
  expect(noValidator.code).not.toBe(0);
  expect(noValidator.stderr).toMatch(/\[CLI_ERROR_NOT_FOUND\]/);

  // The same keys cannot serve another operator: the CLI refuses before sending (the hub would refuse
  // the proofs, bound to the first operator, and the key, already registered).
  const other = JSON.parse((await aegis(["keys", "add", "operator2", ...kr()])).stdout).address as string;
  expect(JSON.parse((await aegis(["tx", "bank", "send", "faucet", other, "30000000uaeg", ...kr(), ...node(1)])).stdout).code).toBe(0);
  const dup = await aegis(["tx", "staking", "create-validator", "operator2", "10000000uaeg", "--validator-key", keyFile, "--moniker", "copy", ...kr(), ...node(1)]);
  expect(dup.code).not.toBe(0);
  expect(dup.stderr).toMatch(/holds keys for operator/);
  // A key file without an attestation key (made before they existed) is refused before anything is sent.
  const blsOnly = join(dir!, "val", "bls-only.json");
  const full = JSON.parse(await readFile(keyFile, "utf8")) as Record<string, string>;
  await writeFile(blsOnly, JSON.stringify({ blsSecretKey: full.blsSecretKey, blsPublicKey: full.blsPublicKey }));
  const noAttestation = await aegis(["tx", "staking", "create-validator", "operator2", "10000000uaeg", "--validator-key", blsOnly, "--moniker", "old", ...kr(), ...node(1)]);
  expect(noAttestation.code).not.toBe(0);
  expect(noAttestation.stderr).toMatch(/no attestation key/);
  // Unjail is refused while the validator is not jailed.
  const unjail = await aegis(["tx", "slashing", "unjail", "operator", ...kr(), ...node(1)]);
  expect(unjail.code).not.toBe(0);
  expect(unjail.stderr).toMatch(/not jailed/);
});

test("aegis validator join: the node syncs first, create-validator only then; it signs from the next epoch, never jailed; a rerun sends nothing", async () => {
  const op = await fundedKey("joiner", 30_000_000n);
  const home = join(dir!, "joined");
  const args = ["validator", "join", "joiner", "10000000uaeg", "--moniker", "joined", "--home", home, "--p2p-port", String(base + 5), "--api-port", String(base + 13), ...kr()];
  const start = () => {
    const p = spawn(process.execPath, [AEGIS, ...args], { env: { ...process.env, AEGIS_DEVNET: join(dir!, "net", "devnet.json") }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.stderr.on("data", (d: Buffer) => (out += d.toString()));
    return { p, out: () => out };
  };
  const until = async (cond: () => boolean | Promise<boolean>, ms: number, what: string) => {
    const deadline = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const stop = async (j: ReturnType<typeof start>) => {
    if (j.p.exitCode === null) j.p.kill("SIGINT");
    await until(() => j.p.exitCode !== null || j.p.signalCode !== null, 20_000, "the join process to stop");
    return j.p.exitCode;
  };
  const first = start();
  try {
    await until(() => /created validator/.test(first.out()) || first.p.exitCode !== null, 180_000, "created validator");
    const out = first.out();
    const hubAt = Number(/syncing: the hub is at height (\d+)/.exec(out)![1]);
    const m = /created validator (aegisvaloper1\w+) \(tx \w+, height (\d+)\); it signs from height (\d+)/.exec(out)!;
    const [valoper, txHeight, from] = [m[1]!, Number(m[2]), Number(m[3])];
    // Sent only after the node had reached the hub's height (and committed blocks of its own).
    expect(/synced to height (\d+) of/.exec(out)).not.toBeNull();
    expect(txHeight).toBeGreaterThan(hubAt);
    expect(out).toMatch(new RegExp(`made ${home} \\(node 12D3\\w+, operator ${op}\\)`));
    // The node's logs go to its home, not the terminal.
    expect(out).not.toMatch(/"level":/);
    expect(existsSync(join(home, "node.log"))).toBe(true);
    // From the next epoch it is in the set and its node signs: a certificate above `from` counts it.
    const api = file.nodes[0]!.api;
    const indexAt = async (h: number) => {
      // A height the hub has not reached yet is a 4xx (no set known for it): not yet.
      const set = (await (await fetch(`${api}/validators?height=${h}`)).json()) as { validators?: { index: number; moniker: string | null }[] };
      return set.validators?.find((v) => v.moniker === "joined")?.index;
    };
    await until(async () => (await indexAt(from)) !== undefined, 120_000, `the joined validator in the set of height ${from}`);
    await until(async () => {
      const h = ((await (await fetch(`${api}/status`)).json()) as { height: number }).height - 1;
      if (h <= from) return false;
      const index = await indexAt(h);
      const c = (await (await fetch(`${api}/certificates/${h}`)).json()) as { bls: { signerIndices: number[] } };
      return index !== undefined && c.bls.signerIndices.includes(index);
    }, 60_000, "a certificate signed by the joined validator");
    const v = JSON.parse((await aegis(["q", "staking", "validator", valoper, ...node(2)])).stdout);
    expect(v).toMatchObject({ moniker: "joined", status: "BOND_STATUS_BONDED", jailed: false, tokens: "10000000" });
    expect(await stop(first)).toBe(0);
  } finally {
    await stop(first);
  }
  // The same command again: the home is kept (same peer id) and nothing is sent again.
  const peerId = JSON.parse(await readFile(join(home, "keys", "node_key.json"), "utf8")).peerId as string;
  const second = start();
  try {
    await until(() => /exists already/.test(second.out()) || second.p.exitCode !== null, 60_000, "exists already");
    expect(second.out()).toMatch(new RegExp(`using ${home} \\(node ${peerId}\\)`));
    expect(await stop(second)).toBe(0);
  } finally {
    await stop(second);
  }
  // Another operator's key on that home is refused before anything starts.
  await fundedKey("intruder", 1_000_000n);
  const intruder = await aegis(["validator", "join", "intruder", "10000000uaeg", "--moniker", "x", "--home", home, ...kr()], { AEGIS_DEVNET: join(dir!, "net", "devnet.json") });
  expect(intruder.code).not.toBe(0);
  expect(intruder.stderr).toMatch(/holds the validator keys of another operator/);
});

test("failures are clear, exit non-zero and change nothing", async () => {
  const faucet = file.faucet!.address;
  const to = JSON.parse((await aegis(["keys", "show", "bob", "--keyring-dir", keyringDir])).stdout).address as string;
  // A file-keyring key without $AEGIS_KEYRING_PASSWORD and without a terminal.
  const noPassword = await aegis(["keys", "add", "carol", "--keyring-dir", keyringDir], { AEGIS_KEYRING_PASSWORD: "" });
  expect(noPassword.code).not.toBe(0);
  expect(noPassword.stderr).toContain("set AEGIS_KEYRING_PASSWORD, or use --keyring-backend test");
  expect(noPassword.stderr).toContain("[KEYRING_ERROR_NO_PASSWORD]");
  expect(existsSync(join(keyringDir, "carol.json"))).toBe(false);

  const faucetSeq = await sequence(faucet);
  const unknownKey = await aegis(["tx", "bank", "send", "nobody", faucet, "1uaeg", ...kr(), ...node()]);
  expect(unknownKey.stderr).toContain("KEYRING_ERROR_NOT_FOUND");
  const badAmount = await aegis(["tx", "bank", "send", "faucet", faucet, "lots", ...kr(), ...node()]);
  expect(badAmount.code).not.toBe(0);
  expect(badAmount.stderr).toContain('<amount> "lots": expected an integer amount and a denom, e.g. 1000uaeg [CLI_ERROR_INVALID_AMOUNT]');
  // Addresses: which argument and why.
  const mistyped = to.slice(0, -1) + (to.endsWith("q") ? "p" : "q");
  const badChecksum = await aegis(["tx", "bank", "send", "faucet", mistyped, "1000uaeg", ...kr(), ...node()]);
  expect(badChecksum.code).not.toBe(0);
  expect(badChecksum.stderr).toContain(`<to-address> "${mistyped}" is not a valid aegis1… address: bad checksum`);
  expect(badChecksum.stderr).toContain("[CLI_ERROR_INVALID_ADDRESS]");
  const valoper = NO_VALIDATOR;
  const wrongPrefix = await aegis(["tx", "bank", "send", "faucet", valoper, "1000uaeg", ...kr(), ...node()]);
  expect(wrongPrefix.stderr).toContain('wrong prefix "aegisvaloper" (a validator operator address); expected an aegis1… address');
  const badQuery = await aegis(["q", "bank", "balances", mistyped, ...node()]);
  expect(badQuery.stderr).toContain(`<address> "${mistyped}" is not a valid aegis1… address: bad checksum`);
  // No node listening: the URL and what to do.
  const closed = `http://127.0.0.1:${await reservePort()}/rpc`;
  const unreachable = await aegis(["tx", "bank", "send", "faucet", to, "1000uaeg", ...kr(), "--node", closed]);
  expect(unreachable.code).not.toBe(0);
  expect(unreachable.stderr).toContain(`cannot reach the node at ${closed} (connect ECONNREFUSED`);
  expect(unreachable.stderr).toContain("start the devnet (npm run devnet) or a node (aegis hub start), or pass --node <rpc url> [CLI_ERROR_NODE_UNREACHABLE]");
  const unreachableQuery = await aegis(["q", "account", faucet, "--node", closed]);
  expect(unreachableQuery.stderr).toContain("[CLI_ERROR_NODE_UNREACHABLE]");
  // Delegating to a validator that does not exist fails in simulation, with the node's code.
  const delegate = await aegis(["tx", "staking", "delegate", "faucet", valoper, "1000uaeg", ...kr(), ...node()]);
  expect(delegate.code).not.toBe(0);
  expect(delegate.stderr).toMatch(/the node refused the transaction in simulation \(code \d+\): .*; nothing was broadcast \[CLI_ERROR_TX_REFUSED\]/);
  expect(await sequence(faucet)).toBe(faucetSeq);

  // Too little balance: what the account has and needs, checked before anything is broadcast.
  const poor = await fundedKey("poor", 1000n);
  const tooMuch = await aegis(["tx", "bank", "send", "poor", to, "5000uaeg", ...kr(), ...node()]);
  expect(tooMuch.code).not.toBe(0);
  expect(tooMuch.stderr).toContain(`insufficient funds: poor (${poor}) has 1000uaeg but needs 5000uaeg plus the fee; nothing was broadcast [CLI_ERROR_INSUFFICIENT_FUNDS]`);
  const noRoomForFee = await aegis(["tx", "bank", "send", "poor", to, "900uaeg", ...kr(), ...node()]);
  expect(noRoomForFee.stderr).toMatch(new RegExp(`insufficient funds: poor \\(${poor}\\) has 1000uaeg but needs \\d+uaeg \\(900uaeg \\+ \\d+uaeg fee\\); nothing was broadcast`));
  const feeTooHigh = await aegis(["tx", "bank", "send", "poor", to, "1uaeg", "--fees", "5000uaeg", ...kr(), ...node()]);
  expect(feeTooHigh.stderr).toContain(`has 1000uaeg but needs 5001uaeg (1uaeg + 5000uaeg fee)`);
  expect(await balance(poor)).toBe(1000n);

  // A file-keyring key: signing needs its password; a wrong one is refused.
  const dave = await aegis(["keys", "add", "dave", "--keyring-dir", keyringDir], { AEGIS_KEYRING_PASSWORD: "correct horse" });
  expect(dave.code).toBe(0);
  const show = await aegis(["keys", "show", "dave", "--keyring-dir", keyringDir], { AEGIS_KEYRING_PASSWORD: "" });
  expect(JSON.parse(show.stdout).address).toBe(JSON.parse(dave.stdout).address); // no password to read an address
  await aegis(["tx", "bank", "send", "faucet", JSON.parse(dave.stdout).address, "100000uaeg", ...kr(), ...node()]);
  const wrong = await aegis(["tx", "bank", "send", "dave", to, "1uaeg", "--keyring-dir", keyringDir, ...node()], { AEGIS_KEYRING_PASSWORD: "wrong" });
  expect(wrong.stderr).toContain("wrong password for key dave");
  const noPasswordToSign = await aegis(["tx", "bank", "send", "dave", to, "1uaeg", "--keyring-dir", keyringDir, ...node()], { AEGIS_KEYRING_PASSWORD: "" });
  expect(noPasswordToSign.stderr).toContain("key dave is encrypted");
  expect(noPasswordToSign.stderr).toContain("set AEGIS_KEYRING_PASSWORD, or use --keyring-backend test");
  expect(await balance(JSON.parse(dave.stdout).address)).toBe(100000n);
});

test("on a terminal: passwords are asked (twice for a new key), and a transaction is confirmed before it is broadcast", async () => {
  const PASSWORD = "correct horse battery";
  const kd = ["--keyring-dir", keyringDir];
  const erin = await aegisTty(["keys", "add", "erin", ...kd], [
    { prompt: /Password to encrypt key erin/, answer: PASSWORD },
    { prompt: /Repeat the password:/, answer: PASSWORD },
  ]);
  expect(erin.code).toBe(0);
  const erinAddress = /"address": "(aegis1[a-z0-9]+)"/.exec(erin.output)![1]!;
  expect(JSON.parse((await aegis(["keys", "list", ...kd])).stdout)).toContainEqual({ name: "erin", address: erinAddress, backend: "file" });
  const mismatch = await aegisTty(["keys", "add", "frank", ...kd], [
    { prompt: /Password to encrypt key frank/, answer: PASSWORD },
    { prompt: /Repeat the password:/, answer: "something else" },
  ]);
  expect(mismatch.code).not.toBe(0);
  expect(mismatch.output).toContain("the passwords do not match; nothing was written [KEYRING_ERROR_PASSWORD_MISMATCH]");
  expect(existsSync(join(keyringDir, "frank.json"))).toBe(false);

  expect(JSON.parse((await aegis(["tx", "bank", "send", "faucet", erinAddress, "1000000uaeg", ...kr(), ...node()])).stdout).code).toBe(0);
  const to = JSON.parse((await aegis(["keys", "show", "bob", ...kd])).stdout).address as string;
  const before = await balance(to);
  const send = ["tx", "bank", "send", "erin", to, "1000uaeg", ...kd, ...node()];
  const declined = await aegisTty(send, [
    { prompt: /Password of key erin:/, answer: PASSWORD },
    { prompt: /confirm transaction before signing and broadcasting \[y\/N\]:/, answer: "n" },
  ]);
  expect(declined.code).not.toBe(0);
  expect(declined.output).toContain("/cosmos.bank.v1beta1.MsgSend");
  expect(declined.output).toMatch(/fee \d+uaeg, gas limit \d+/);
  expect(declined.output).toContain("canceled transaction: nothing was broadcast [CLI_ERROR_TX_CANCELED]");
  expect(await balance(to)).toBe(before);

  const confirmed = await aegisTty(send, [
    { prompt: /Password of key erin:/, answer: PASSWORD },
    { prompt: /confirm transaction before signing and broadcasting \[y\/N\]:/, answer: "y" },
  ]);
  expect(confirmed.code).toBe(0);
  expect(confirmed.output).toMatch(/"code": 0/);
  expect(await balance(to)).toBe(before + 1000n);

  // -y: no question (the password is still asked).
  const yes = await aegisTty([...send, "-y"], [{ prompt: /Password of key erin:/, answer: PASSWORD }]);
  expect(yes.code).toBe(0);
  expect(yes.output).not.toContain("confirm transaction");
  expect(await balance(to)).toBe(before + 2000n);
});

test("aegis init --zk-circuit quorum4 --prover 1: a genesis zk section and each node's proving files", async () => {
  const home = join(dir!, "zk-init");
  const ports = ["--p2p-port", "40100", "--api-port", "40200"];
  // Refused before anything is built or written.
  const tooSmall = await aegis(["init", "--home", home, "--validators", "5", "--zk-circuit", "quorum4", ...ports]);
  expect(tooSmall.code).not.toBe(0);
  expect(tooSmall.stderr).toContain("--zk-circuit quorum4 has 4 validator slots, fewer than --validators 5");
  expect(tooSmall.stderr).toContain("[CLI_ERROR_ZK_CIRCUIT]");
  const proverWithoutZk = await aegis(["init", "--home", home, "--validators", "2", "--prover", "1", ...ports]);
  expect(proverWithoutZk.stderr).toContain("--prover needs --zk-circuit <name>");
  const badProver = await aegis(["init", "--home", home, "--validators", "2", "--zk-circuit", "quorum4", "--prover", "2", ...ports]);
  expect(badProver.stderr).toContain('--prover "2": a node index from 0 to 1');
  expect(existsSync(home)).toBe(false);

  const made = await aegis(["init", "--home", home, "--validators", "2", "--chain-id", "aegis-zk-init-1", "--zk-circuit", "quorum4", "--prover", "1", ...ports]);
  expect(made.stderr).not.toMatch(/aegis:/);
  expect(made.code).toBe(0);
  expect(made.stdout).toContain("ZK certificates: circuit quorum4 (4 slots); provers: node1");
  const genesisFile = JSON.parse(await readFile(join(home, "genesis.json"), "utf8"));
  expect(genesisFile.zk).toMatchObject({ circuit: "quorum4", capacity: 4, proverReward: "1000000" });
  expect(genesisFile.zk.verificationKey.protocol).toBe("groth16");
  expect(genesisFile.appState.staking.maxValidators).toBe(4);
  // The cached circuit's verification key, and the node's own loaders accept what was written.
  const cache = join(process.env.AEGIS_CIRCUITS_CACHE ?? join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "aegis", "circuits"), "quorum4");
  expect(genesisFile.zk.verificationKey).toEqual(JSON.parse(await readFile(join(cache, "quorum4.vkey.json"), "utf8")));
  for (const i of [0, 1]) {
    const nodeHome = join(home, `node${i}`);
    const genesis = await loadGenesis(nodeHome);
    expect(genesis.zk?.circuit).toBe("quorum4");
    const config = await loadNodeConfig(nodeHome);
    expect(config.zk).toEqual({ prover: i === 1, wasm: join(nodeHome, "zk", "quorum4.wasm"), zkey: join(nodeHome, "zk", "quorum4.zkey") });
    expect((await stat(config.zk.zkey)).size).toBe((await stat(join(cache, "quorum4.zkey"))).size);
    expect((await stat(config.zk.wasm)).size).toBe((await stat(join(cache, "quorum4.wasm"))).size);
    expect(existsSync(join(nodeHome, "keys", "prover.json"))).toBe(i === 1);
  }
  const again = await aegis(["init", "--home", home, "--validators", "2", "--zk-circuit", "quorum4", ...ports]);
  expect(again.stderr).toContain("exists; pass --force");
});
