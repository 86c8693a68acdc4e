import { createBlsKeyPair, createBlsProofOfPossession, toHex } from "@aegis/consumer-sdk";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_ATTESTATION_INTERVAL_MS, DEFAULT_EPOCH_LENGTH, GenesisError, parseGenesis, type GenesisFile } from "../src/genesis.js";
import { ValidatorSetError } from "@aegis/consumer-sdk";

const kps = [1, 2].map((i) => createBlsKeyPair(new Uint8Array(32).fill(i)));
const file: GenesisFile = {
  chainId: "aegis-test-1",
  genesisTime: 1_700_000_000_000,
  validators: kps.map((k, i) => ({ moniker: `v${i}`, blsPublicKey: toHex(k.publicKey), proofOfPossession: toHex(createBlsProofOfPossession(k.secretKey)), power: "10" })),
};

test("parses a genesis file and hashes it deterministically", () => {
  const g = parseGenesis(file);
  expect(g.validatorSet.validators).toHaveLength(2);
  expect(g.hash).toEqual(parseGenesis(JSON.parse(JSON.stringify(file))).hash);
  expect(g.hash).not.toEqual(parseGenesis({ ...file, chainId: "aegis-test-2" }).hash);
  expect(g.timeouts.proposeMs).toBeGreaterThan(0);
});

test.each([
  ["bad chain id", { ...file, chainId: "has space" }, "GENESIS_ERROR_INVALID"],
  ["negative time", { ...file, genesisTime: -1 }, "GENESIS_ERROR_INVALID"],
  ["no validators", { ...file, validators: [] }, "GENESIS_ERROR_INVALID"],
  ["power not an integer", { ...file, validators: [{ ...file.validators[0]!, power: "1.5" }] }, "GENESIS_ERROR_INVALID"],
  ["negative timeout", { ...file, consensus: { timeouts: { proposeMs: -5 } } }, "GENESIS_ERROR_INVALID"],
])("rejects %s", (_n, raw, code) => {
  expect(() => parseGenesis(raw)).toThrow(GenesisError);
  try {
    parseGenesis(raw);
  } catch (e) {
    expect((e as GenesisError).code).toBe(code);
  }
});

test("rejects a validator without a valid proof of possession", () => {
  const bad = { ...file, validators: [{ ...file.validators[0]!, proofOfPossession: file.validators[1]!.proofOfPossession }] };
  expect(() => parseGenesis(bad)).toThrow(ValidatorSetError);
});

describe("staking and slashing parameters in the app state", () => {
  const withApp = (extra: object): GenesisFile => ({ ...file, appState: { denom: "uaeg", accounts: [], ...extra } as GenesisFile["appState"] });

  test("known parameters are kept (and change the genesis hash)", () => {
    const g = parseGenesis(withApp({ staking: { unbondingTimeMs: 1000, maxValidators: 4 }, slashing: { signedBlocksWindow: 10, minSignedPerWindow: "0.5", slashFractionDoubleSign: "0.05" } }));
    expect(g.appState!.staking).toEqual({ unbondingTimeMs: 1000, maxValidators: 4 });
    expect(g.appState!.slashing).toEqual({ signedBlocksWindow: 10, minSignedPerWindow: "0.5", slashFractionDoubleSign: "0.05" });
    expect(g.hash).not.toEqual(parseGenesis(withApp({})).hash);
  });

  test.each([
    ["an unknown staking parameter", { staking: { unbonding: 5 } }, "appState.staking.unbonding"],
    ["a negative unbonding time", { staking: { unbondingTimeMs: -1 } }, "appState.staking.unbondingTimeMs"],
    ["no active validators", { staking: { maxValidators: 0 } }, "appState.staking.maxValidators"],
    ["a window of 0 blocks", { slashing: { signedBlocksWindow: 0 } }, "appState.slashing.signedBlocksWindow"],
    ["a fraction without a point (atomics are ambiguous here)", { slashing: { slashFractionDowntime: "1" } }, "appState.slashing.slashFractionDowntime"],
    ["a fraction above 1", { slashing: { minSignedPerWindow: "1.5" } }, "appState.slashing.minSignedPerWindow"],
    ["parameters that are not an object", { slashing: [1] }, "appState.slashing"],
  ])("rejects %s, naming the field", (_n, extra, field) => {
    let err: unknown;
    try {
      parseGenesis(withApp(extra));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GenesisError);
    expect((err as GenesisError).type).toMatchObject({ code: "GENESIS_ERROR_INVALID", field });
  });
});

describe("the zk section", () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const verificationKey = JSON.parse(readFileSync(join(here, "..", "..", "test", "vectors", "zkCertificates.json"), "utf8")).verificationKey;
  const zk = { circuit: "quorum4", capacity: 4, verificationKey };
  const withZk = (over: object = {}, staking: object | null = { maxValidators: 4 }): GenesisFile =>
    ({ ...file, appState: { denom: "uaeg", accounts: [], ...(staking ? { staking } : {}) }, zk: { ...zk, ...over } }) as GenesisFile;

  test("is kept with its defaults, only the key's own fields, and changes the hash", () => {
    const g = parseGenesis(withZk({ verificationKey: { ...verificationKey, vk_alphabeta_12: [["1"]] } }));
    expect(g.zk).toEqual({
      circuit: "quorum4",
      capacity: 4,
      attestationIntervalMs: DEFAULT_ATTESTATION_INTERVAL_MS,
      proverReward: "0",
      epochLength: DEFAULT_EPOCH_LENGTH,
      verificationKey: expect.objectContaining({ IC: verificationKey.IC }),
    });
    expect(g.zk!.verificationKey).not.toHaveProperty("vk_alphabeta_12");
    expect(g.hash).toEqual(parseGenesis(withZk()).hash); // fields a verifier does not read do not count
    expect(g.hash).not.toEqual(parseGenesis(withZk({ attestationIntervalMs: 500 })).hash);
    expect(g.hash).not.toEqual(parseGenesis(withZk({ proverReward: "1000" })).hash);
    expect(parseGenesis(withZk({ proverReward: "1000" })).zk!.proverReward).toBe("1000");
    const noZk = { ...withZk(), zk: undefined };
    expect(parseGenesis(noZk).zk).toBeNull();
    expect(parseGenesis(noZk).hash).not.toEqual(g.hash);
  });

  test.each([
    ["no app state", { ...file, zk } as GenesisFile, "zk"],
    ["not an object", { ...withZk(), zk: [1] } as unknown as GenesisFile, "zk"],
    ["a bad circuit name", withZk({ circuit: "Quorum 4" }), "zk.circuit"],
    ["a capacity that is not a power of two", withZk({ capacity: 6 }), "zk.capacity"],
    ["a capacity above the largest circuit", withZk({ capacity: 256 }), "zk.capacity"],
    ["no maxValidators (the default 100 does not fit)", withZk({}, null), "appState.staking.maxValidators"],
    ["maxValidators above the capacity", withZk({}, { maxValidators: 5 }), "appState.staking.maxValidators"],
    ["an attestation interval of 0", withZk({ attestationIntervalMs: 0 }), "zk.attestationIntervalMs"],
    ["a key for another number of inputs", withZk({ verificationKey: { ...verificationKey, nPublic: 6 } }), "zk.verificationKey"],
    ["a key with a missing IC point", withZk({ verificationKey: { ...verificationKey, IC: verificationKey.IC.slice(1) } }), "zk.verificationKey"],
    ["a key with a non-decimal coordinate", withZk({ verificationKey: { ...verificationKey, vk_alpha_1: ["0x1", "2", "1"] } }), "zk.verificationKey"],
    ["a PLONK key", withZk({ verificationKey: { ...verificationKey, protocol: "plonk" } }), "zk.verificationKey"],
    ["a negative prover reward", withZk({ proverReward: "-5" }), "zk.proverReward"],
    ["a prover reward with a denom", withZk({ proverReward: "5uaeg" }), "zk.proverReward"],
    ["a prover reward as a number", withZk({ proverReward: 5 }), "zk.proverReward"],
  ])("rejects %s, naming the field", (_n, raw, field) => {
    let err: unknown;
    try {
      parseGenesis(raw);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GenesisError);
    expect((err as GenesisError).type).toMatchObject({ code: "GENESIS_ERROR_INVALID", field });
  });
});
