/**
 * The aegis CLI as a user runs it (built code, child processes) against a 4-validator devnet started
 * with the Devnet class: keys (test and file keyrings), a bank send, queries, and clear failures.
 */
import { execFile } from "node:child_process";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { jest } from "@jest/globals";
import { Devnet, type DevnetFile } from "../../devnet/src/devnet.js";
import { HOST, makeTempDir, removeDir, reservePortRange } from "../helpers/e2eUtils.js";

jest.setTimeout(120_000);
const run = promisify(execFile);
const AEGIS = resolve("hub/bin/aegis.js");

let dir: string | undefined;
let devnet: Devnet | undefined;
let file: DevnetFile;
let keyringDir: string;

async function aegis(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [AEGIS, ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

beforeAll(async () => {
  dir = await makeTempDir("cli");
  keyringDir = join(dir, "keyring");
  const base = await reservePortRange(8);
  devnet = new Devnet({ home: join(dir, "net"), validators: 4, chainId: "aegis-cli-1", host: HOST, p2pBasePort: base, apiBasePort: base + 4, createEmptyBlocksIntervalMs: 200, log: () => {} });
  file = await devnet.start();
  expect(JSON.parse(await readFile(join(dir, "net", "devnet.json"), "utf8")).faucet.address).toBe(file.faucet!.address);
});

afterAll(async () => {
  await devnet?.stop();
  await removeDir(dir);
});

test("keys, a bank send and queries through the CLI", async () => {
  const node = ["--node", file.nodes[0]!.rpc];
  const kr = ["--keyring-dir", keyringDir, "--keyring-backend", "test"];
  const faucet = await aegis(["keys", "add", "faucet", "--recover", ...kr], { AEGIS_MNEMONIC: file.faucet!.mnemonic });
  expect(faucet.code).toBe(0);
  expect(JSON.parse(faucet.stdout).address).toBe(file.faucet!.address);
  const bob = await aegis(["keys", "add", "bob", ...kr]);
  expect(bob.code).toBe(0);
  const bobAddress = JSON.parse(bob.stdout).address as string;
  expect(JSON.parse(bob.stdout).mnemonic.split(" ")).toHaveLength(24);
  const list = JSON.parse((await aegis(["keys", "list", "--keyring-dir", keyringDir])).stdout);
  expect(list.map((k: { name: string }) => k.name)).toEqual(["bob", "faucet"]);

  const send = await aegis(["tx", "bank", "send", "faucet", bobAddress, "4321uaeg", ...kr, ...node]);
  expect(send.code).toBe(0);
  expect(JSON.parse(send.stdout).code).toBe(0);
  const balances = JSON.parse((await aegis(["query", "bank", "balances", bobAddress, "--node", file.nodes[2]!.rpc])).stdout);
  expect(balances.balances).toEqual([{ denom: "uaeg", amount: "4321" }]);
  const account = JSON.parse((await aegis(["q", "account", bobAddress, ...node])).stdout);
  expect(account.address).toBe(bobAddress);
  const tx = JSON.parse((await aegis(["q", "tx", JSON.parse(send.stdout).txhash, ...node])).stdout);
  expect(tx.code).toBe(0);
  // The genesis validators (created like gentxs) are the bonded set.
  const validators = JSON.parse((await aegis(["q", "staking", "validators", ...node])).stdout) as { moniker: string; status: string }[];
  expect(validators.map((v) => v.moniker).sort()).toEqual(["node0", "node1", "node2", "node3"]);
  expect(new Set(validators.map((v) => v.status))).toEqual(new Set(["BOND_STATUS_BONDED"]));
});

test("a new validator through the CLI: validator keys, create-validator, unjail refused while not jailed", async () => {
  const node = ["--node", file.nodes[1]!.rpc];
  const kr = ["--keyring-dir", keyringDir, "--keyring-backend", "test"];
  const keyFile = join(dir!, "val", "priv_validator_key.json");
  // The keys' proofs of possession are bound to the operator: its account comes first.
  const op = JSON.parse((await aegis(["keys", "add", "operator", ...kr])).stdout).address as string;
  const made = await aegis(["keys", "validator-key", keyFile, "--operator", op]);
  expect(made.code).toBe(0);
  const pub = JSON.parse(made.stdout) as { blsPublicKey: string; attestationPublicKey: string };
  expect(pub.blsPublicKey).toMatch(/^[0-9a-f]{96}$/);
  expect(pub.attestationPublicKey).toMatch(/^[0-9a-f]{64}$/);
  expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
  const again = await aegis(["keys", "validator-key", keyFile, "--operator", op]);
  expect(again.code).not.toBe(0);
  expect(again.stderr).toMatch(/exists/);
  expect(JSON.parse(await readFile(keyFile, "utf8")).blsPublicKey).toBe(pub.blsPublicKey); // not overwritten

  // "faucet" is in the keyring since the first test.
  expect(JSON.parse((await aegis(["tx", "bank", "send", "faucet", op, "30000000uaeg", ...kr, ...node])).stdout).code).toBe(0);
  const created = await aegis(["tx", "staking", "create-validator", "operator", "10000000uaeg", "--validator-key", keyFile, "--moniker", "cli-validator", "--details", "made by the CLI test", ...kr, ...node]);
  expect(created.code).toBe(0);
  expect(JSON.parse(created.stdout).code).toBe(0);
  const validators = JSON.parse((await aegis(["q", "staking", "validators", "--node", file.nodes[3]!.rpc])).stdout) as { moniker: string; status: string; tokens: string }[];
  const mine = validators.find((v) => v.moniker === "cli-validator")!;
  expect(mine).toBeDefined();
  expect(mine.tokens).toBe("10000000");
  // The same keys cannot serve another operator: the CLI refuses before sending (the hub would refuse
  // the proofs, bound to the first operator, and the key, already registered).
  const other = JSON.parse((await aegis(["keys", "add", "operator2", ...kr])).stdout).address as string;
  expect(JSON.parse((await aegis(["tx", "bank", "send", "faucet", other, "30000000uaeg", ...kr, ...node])).stdout).code).toBe(0);
  const dup = await aegis(["tx", "staking", "create-validator", "operator2", "10000000uaeg", "--validator-key", keyFile, "--moniker", "copy", ...kr, ...node]);
  expect(dup.code).not.toBe(0);
  expect(dup.stderr).toMatch(/holds keys for operator/);
  // A key file without an attestation key (made before they existed) is refused before anything is sent.
  const blsOnly = join(dir!, "val", "bls-only.json");
  const full = JSON.parse(await readFile(keyFile, "utf8")) as Record<string, string>;
  await writeFile(blsOnly, JSON.stringify({ blsSecretKey: full.blsSecretKey, blsPublicKey: full.blsPublicKey }));
  const noAttestation = await aegis(["tx", "staking", "create-validator", "operator2", "10000000uaeg", "--validator-key", blsOnly, "--moniker", "old", ...kr, ...node]);
  expect(noAttestation.code).not.toBe(0);
  expect(noAttestation.stderr).toMatch(/no attestation key/);
  // Unjail is refused while the validator is not jailed.
  const unjail = await aegis(["tx", "slashing", "unjail", "operator", ...kr, ...node]);
  expect(unjail.code).not.toBe(0);
  expect(unjail.stdout + unjail.stderr).toMatch(/not jailed/);
});

test("failures are clear and exit non-zero", async () => {
  const kr = ["--keyring-dir", keyringDir, "--keyring-backend", "test"];
  const noPassword = await aegis(["keys", "add", "carol", "--keyring-dir", keyringDir], { AEGIS_KEYRING_PASSWORD: "" });
  expect(noPassword.code).not.toBe(0);
  expect(noPassword.stderr).toContain("KEYRING_ERROR_NO_PASSWORD");
  const unknownKey = await aegis(["tx", "bank", "send", "nobody", file.faucet!.address, "1uaeg", ...kr, "--node", file.nodes[0]!.rpc]);
  expect(unknownKey.code).not.toBe(0);
  expect(unknownKey.stderr).toContain("KEYRING_ERROR_NOT_FOUND");
  const badAmount = await aegis(["tx", "bank", "send", "faucet", file.faucet!.address, "lots", ...kr, "--node", file.nodes[0]!.rpc]);
  expect(badAmount.code).not.toBe(0);
  // Delegating to a validator that does not exist fails in simulation with the SDK's code.
  const valoper = "aegisvaloper1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqtrk9lf";
  const delegate = await aegis(["tx", "staking", "delegate", "faucet", valoper, "1000uaeg", ...kr, "--node", file.nodes[0]!.rpc]);
  expect(delegate.code).not.toBe(0);
  expect(delegate.stderr).toMatch(/Query failed with \(\d+\)/);
  // A file keyring key works with its password.
  const file1 = await aegis(["keys", "add", "dave", "--keyring-dir", keyringDir], { AEGIS_KEYRING_PASSWORD: "correct horse" });
  expect(file1.code).toBe(0);
  const show = await aegis(["keys", "show", "dave", "--keyring-dir", keyringDir], { AEGIS_KEYRING_PASSWORD: "wrong" });
  expect(show.code).not.toBe(0);
});
