/**
 * `aegis init`'s homes: every genesis validator's BLS proof of possession is bound to its operator
 * account, in the consensus list and in the staking genesis alike, and each node's key file names
 * that operator; the staking genesis (run by HubApplication over a real LevelDB) gives the consensus
 * set's root.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeValidatorSetRoot, fromHex, isValidBlsProofOfPossession, toHex } from "@aegis/consumer-sdk";
import { HubApplication } from "../../src/app/index.js";
import { HubDb } from "../../src/db/index.js";
import { parseGenesis, type GenesisFile } from "../../src/genesis.js";
import { nullLogger } from "../../src/logger.js";
import { initHomes } from "../../src/node/initHomes.js";
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
