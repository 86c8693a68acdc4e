/**
 * `aegis init`'s homes: every genesis validator's BLS proof of possession is bound to its operator
 * account, in the consensus list and in the staking genesis alike, and each node's key file names
 * that operator; the staking genesis (run by HubApplication over a real LevelDB) gives the consensus
 * set's root. `powers` gives each validator its own stake; a wrong count or a power that is not > 0
 * is refused before anything is written.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeValidatorSetRoot, fromHex, isValidBlsProofOfPossession, toHex } from "@aegis/consumer-sdk";
import { HubApplication } from "../../src/app/index.js";
import { HubDb } from "../../src/db/index.js";
import { parseGenesis, type GenesisFile } from "../../src/genesis.js";
import { nullLogger } from "../../src/logger.js";
import { initHomes, POWER_REDUCTION } from "../../src/node/initHomes.js";
import { getHomePaths, readValidatorKeyFile } from "../../src/node/nodeConfig.js";
import { fromBech32 } from "../../src/tx/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aegis-init-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const operatorBytes = (address: string) => fromBech32(address, "aegis", { lengths: [20] });

test.each([true, false])("withApp %s: proofs of possession for each validator's operator", async (withApp) => {
  const home = join(dir, `app-${withApp}`);
  const res = await initHomes({ home, validators: 2, chainId: "aegis-init-1", withApp });
  const file = JSON.parse(await readFile(res.genesisPath, "utf8")) as GenesisFile;
  const genesis = parseGenesis(file);
  for (const [i, v] of file.validators.entries()) {
    const operator = operatorBytes(v.operator);
    expect(isValidBlsProofOfPossession(fromHex(v.blsPublicKey), operator, fromHex(v.proofOfPossession))).toBe(true);
    expect(isValidBlsProofOfPossession(fromHex(v.blsPublicKey), operatorBytes(file.validators[1 - i]!.operator), fromHex(v.proofOfPossession))).toBe(false);
    const keys = await readValidatorKeyFile(getHomePaths(res.nodes[i]!.home).validatorKey);
    expect(toHex(keys.blsPublicKey)).toBe(v.blsPublicKey);
    expect(toHex(keys.operator!)).toBe(toHex(operator));
    const account = JSON.parse(await readFile(join(res.nodes[i]!.home, "keys", "operator.json"), "utf8")) as { address: string };
    expect(account.address).toBe(v.operator);
    if (withApp) {
      const staking = file.appState!.validators![i]!;
      expect(staking.operator).toBe(v.operator);
      expect(staking.blsProofOfPossession).toBe(v.proofOfPossession);
    }
  }
  if (!withApp) return;
  // The staking genesis accepts the proofs (as MsgCreateValidators) and gives the consensus root.
  const db = await HubDb.open(join(home, "db"));
  try {
    const app = await HubApplication.open(
      { chainId: genesis.chainId, genesis: genesis.appState!, genesisTime: genesis.genesisTime, consensusGenesisRoot: computeValidatorSetRoot(genesis.validatorSet) },
      { db, logger: nullLogger },
    );
    expect(toHex(computeValidatorSetRoot(app.validatorSetAt(1)!.set))).toBe(toHex(computeValidatorSetRoot(genesis.validatorSet)));
  } finally {
    await db.close();
  }
});

test("powers: each genesis validator stakes its own power, in the consensus list, the staking genesis and the set it gives", async () => {
  const home = join(dir, "powers");
  const powers = [30n, 30n, 30n, 10n];
  const res = await initHomes({ home, validators: 4, chainId: "aegis-init-1", powers });
  const file = JSON.parse(await readFile(res.genesisPath, "utf8")) as GenesisFile;
  expect(file.validators.map((v) => BigInt(v.power))).toEqual(powers);
  expect(file.appState!.validators!.map((v) => BigInt(v.selfDelegation))).toEqual(powers.map((p) => p * POWER_REDUCTION));
  // Each operator can pay its self-delegation (and fees).
  for (const [i, v] of file.appState!.validators!.entries()) {
    const account = file.appState!.accounts!.find((a) => a.address === v.operator)!;
    expect(BigInt(account.coins[0]!.amount)).toBeGreaterThan(powers[i]! * POWER_REDUCTION);
  }
  // The staking genesis, run by the application, gives the consensus set with those powers (sorted by power).
  const genesis = parseGenesis(file);
  const db = await HubDb.open(join(home, "db"));
  try {
    const app = await HubApplication.open(
      { chainId: genesis.chainId, genesis: genesis.appState!, genesisTime: genesis.genesisTime, consensusGenesisRoot: computeValidatorSetRoot(genesis.validatorSet) },
      { db, logger: nullLogger },
    );
    const set = app.validatorSetAt(1)!.set;
    expect(set.totalPower).toBe(100n);
    expect(set.validators.map((v) => v.power)).toEqual([30n, 30n, 30n, 10n]);
    const keys = await Promise.all(res.nodes.map((n) => readValidatorKeyFile(getHomePaths(n.home).validatorKey)));
    const powerOfNode = keys.map((k) => set.validators.find((v) => toHex(v.blsPublicKey) === toHex(k.blsPublicKey))!.power);
    expect(powerOfNode).toEqual(powers);
  } finally {
    await db.close();
  }
});

test.each([
  { what: "too few", powers: [30n, 30n, 30n], message: /one power per validator \(4\), got 3/ },
  { what: "too many", powers: [1n, 1n, 1n, 1n, 1n], message: /one power per validator \(4\), got 5/ },
  { what: "a zero", powers: [30n, 0n, 30n, 10n], message: /powers\[1\]: must be a bigint > 0/ },
  { what: "a negative", powers: [30n, 30n, 30n, -10n], message: /powers\[3\]: must be a bigint > 0/ },
  { what: "a number", powers: [30n, 30n, 30 as unknown as bigint, 10n], message: /powers\[2\]: must be a bigint > 0/ },
])("powers: $what is refused and nothing is written", async ({ what, powers, message }) => {
  const home = join(dir, `bad-powers-${what.replace(/ /g, "-")}`);
  await expect(initHomes({ home, validators: 4, chainId: "aegis-init-1", powers })).rejects.toThrow(message);
  await expect(readFile(join(home, "genesis.json"), "utf8")).rejects.toMatchObject({ code: "ENOENT" });
});
