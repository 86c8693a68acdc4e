/**
 * `aegis keys validator-key` as a user runs it (built code, child processes; no network): the key
 * file's proofs of possession are for its --operator and verify only for it, and `aegis tx staking
 * create-validator` refuses, before anything is sent, a file for another operator or one whose
 * proof was made for another operator.
 */
import { execFile } from "node:child_process";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { jest } from "@jest/globals";
import { toBech32 } from "@cosmjs/encoding";
import { createBlsProofOfPossession, fromHex, isValidBlsProofOfPossession } from "@aegis/consumer-sdk";
import { isValidAttestationProofOfPossession } from "../../hub/src/attestation/index.js";
import { ConfigError, readValidatorKeyFile } from "../../hub/src/node/nodeConfig.js";
import { fromBech32 } from "../../hub/src/tx/index.js";
import { makeTempDir, removeDir } from "../helpers/e2eUtils.js";

jest.setTimeout(120_000);
const run = promisify(execFile);
const AEGIS = resolve("hub/bin/aegis.js");
const NO_NODE = ["--node", "http://127.0.0.1:9/rpc"]; // nothing listens: the refusals must come first

let dir: string | undefined;
let kr: string[];

async function aegis(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [AEGIS, ...args], { timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

beforeAll(async () => {
  dir = await makeTempDir("valkey");
  kr = ["--keyring-dir", join(dir, "keyring"), "--keyring-backend", "test"];
});
afterAll(async () => {
  await removeDir(dir);
});

const bytesOf = (address: string) => fromBech32(address, "aegis", { lengths: [20] });

test("validator-key: proofs of possession for --operator, refused for any other", async () => {
  const owner = JSON.parse((await aegis(["keys", "add", "owner", ...kr])).stdout).address as string;
  const other = JSON.parse((await aegis(["keys", "add", "other", ...kr])).stdout).address as string;

  const missing = await aegis(["keys", "validator-key", join(dir!, "none.json")]);
  expect(missing.code).not.toBe(0);
  expect(missing.stderr).toMatch(/--operator/);
  const bad = await aegis(["keys", "validator-key", join(dir!, "none.json"), "--operator", "aegis1notanaddress"]);
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toMatch(/--operator/);

  const keyFile = join(dir!, "priv_validator_key.json");
  const made = await aegis(["keys", "validator-key", keyFile, "--operator", owner]);
  expect(made.code).toBe(0);
  expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
  const out = JSON.parse(made.stdout) as Record<string, string>;
  const file = JSON.parse(await readFile(keyFile, "utf8")) as Record<string, string>;
  expect(out.operator).toBe(owner);
  expect(out.operatorAddress).toBe(toBech32("aegisvaloper", bytesOf(owner)));
  expect(file.operator).toBe(owner);
  expect(out.blsProofOfPossession).toBe(file.blsProofOfPossession);
  expect(out).not.toHaveProperty("blsSecretKey");
  const pk = fromHex(file.blsPublicKey!);
  expect(isValidBlsProofOfPossession(pk, bytesOf(owner), fromHex(file.blsProofOfPossession!))).toBe(true);
  expect(isValidBlsProofOfPossession(pk, bytesOf(other), fromHex(file.blsProofOfPossession!))).toBe(false);
  expect(isValidAttestationProofOfPossession(fromHex(file.attestationPublicKey!), bytesOf(owner), fromHex(file.attestationProofOfPossession!))).toBe(true);
  expect((await readValidatorKeyFile(keyFile)).operator).toEqual(bytesOf(owner));

  // The aegisvaloper form names the same operator.
  const valoperFile = join(dir!, "valoper.json");
  expect((await aegis(["keys", "validator-key", valoperFile, "--operator", toBech32("aegisvaloper", bytesOf(owner))])).code).toBe(0);
  expect(JSON.parse(await readFile(valoperFile, "utf8")).operator).toBe(owner);

  // create-validator from another operator's key: refused before anything is sent, with the way out.
  const fromOther = await aegis(["tx", "staking", "create-validator", "other", "10000000uaeg", "--validator-key", keyFile, "--moniker", "m", ...kr, ...NO_NODE]);
  expect(fromOther.code).not.toBe(0);
  expect(fromOther.stderr).toContain(`holds keys for operator ${owner}, not other (${other})`);
  expect(fromOther.stderr).toContain(`--operator ${other}`);

  // A file whose operator was changed: its proof is for another operator.
  const moved = join(dir!, "moved.json");
  await writeFile(moved, JSON.stringify({ ...file, operator: other }), { mode: 0o600 });
  const err = await readValidatorKeyFile(moved).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).type).toMatchObject({ code: "CONFIG_ERROR_INVALID", field: "blsProofOfPossession" });
  const movedTx = await aegis(["tx", "staking", "create-validator", "other", "10000000uaeg", "--validator-key", moved, "--moniker", "m", ...kr, ...NO_NODE]);
  expect(movedTx.code).not.toBe(0);
  expect(movedTx.stderr).toMatch(/blsProofOfPossession is not a proof of possession of the key for operator/);

  // A proof made for another operator, stored under this one.
  const wrongProof = join(dir!, "wrong-proof.json");
  const stolen = createBlsProofOfPossession(fromHex(file.blsSecretKey!), bytesOf(other));
  await writeFile(wrongProof, JSON.stringify({ ...file, blsProofOfPossession: Buffer.from(stolen).toString("hex") }), { mode: 0o600 });
  expect(((await readValidatorKeyFile(wrongProof).catch((e: unknown) => e)) as ConfigError).type).toMatchObject({ field: "blsProofOfPossession" });

  // A file made before keys were bound to an operator.
  const old = join(dir!, "old.json");
  await writeFile(old, JSON.stringify({ blsSecretKey: file.blsSecretKey, blsPublicKey: file.blsPublicKey, attestationSecretKey: file.attestationSecretKey, attestationPublicKey: file.attestationPublicKey }));
  const oldTx = await aegis(["tx", "staking", "create-validator", "owner", "10000000uaeg", "--validator-key", old, "--moniker", "m", ...kr, ...NO_NODE]);
  expect(oldTx.code).not.toBe(0);
  expect(oldTx.stderr).toMatch(/names no operator/);
});
