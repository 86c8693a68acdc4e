import { blsSign, CanonicalWriter, createBlsKeyPair, createBlsProofOfPossession, toHex } from "@aegis/consumer-sdk";
import { toBech32 } from "@cosmjs/encoding";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_ATTESTATION_INTERVAL_MS, DEFAULT_EPOCH_LENGTH, GenesisError, parseGenesis, parseProverSharePermille, type GenesisFile } from "../src/genesis.js";

const kps = [1, 2].map((i) => createBlsKeyPair(new Uint8Array(32).fill(i)));
const operators = [1, 2].map((i) => new Uint8Array(20).fill(0x40 + i));
const ATTACKER = new Uint8Array(20).fill(0x66);
const account = (bytes: Uint8Array) => toBech32("aegis", bytes);
const file: GenesisFile = {
  chainId: "aegis-test-1",
  genesisTime: 1_700_000_000_000,
  validators: kps.map((k, i) => ({
    moniker: `v${i}`,
    operator: account(operators[i]!),
    blsPublicKey: toHex(k.publicKey),
    proofOfPossession: toHex(createBlsProofOfPossession(k.secretKey, operators[i]!)),
    power: "10",
  })),
};

/** The error parseGenesis throws (undefined when it accepts). */
function genesisError(raw: unknown): GenesisError | undefined {
  try {
    parseGenesis(raw);
  } catch (e) {
    if (e instanceof GenesisError) return e;
    throw e;
  }
  return undefined;
}

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

describe("BLS proofs of possession are bound to the operator", () => {
  const v0 = file.validators[0]!;
  test.each<[string, GenesisFile["validators"][number], string, RegExp]>([
    ["a proof of another key", { ...v0, proofOfPossession: file.validators[1]!.proofOfPossession }, "validators[0].proofOfPossession", /does not prove possession .* for operator aegis1/],
    ["a proof for another operator", { ...v0, operator: account(ATTACKER) }, "validators[0].proofOfPossession", /does not prove possession .* for operator aegis1/],
    ["a proof made for another operator, under this one", { ...v0, proofOfPossession: toHex(createBlsProofOfPossession(kps[0]!.secretKey, ATTACKER)) }, "validators[0].proofOfPossession", /possession/],
    [
      "the old unbound proof (domain ‖ key)",
      { ...v0, proofOfPossession: toHex(blsSign(kps[0]!.secretKey, new CanonicalWriter().string("aegis/bls-pop/v1").fixed(kps[0]!.publicKey, 48, "pk").finish())) },
      "validators[0].proofOfPossession",
      /possession/,
    ],
    ["no operator (a genesis made before proofs were bound)", { ...v0, operator: undefined as unknown as string }, "validators[0].operator", /aegis1/],
    ["an operator address of 32 bytes", { ...v0, operator: account(new Uint8Array(32).fill(1)) }, "validators[0].operator", /aegis1/],
    ["an operator with the aegisvaloper prefix", { ...v0, operator: toBech32("aegisvaloper", operators[0]!) }, "validators[0].operator", /aegis1/],
  ])("refuses %s, naming the field", (_n, validator, field, reason) => {
    const err = genesisError({ ...file, validators: [validator, file.validators[1]!] });
    expect(err).toBeDefined();
    expect(err!.type).toMatchObject({ code: "GENESIS_ERROR_INVALID", field });
    expect((err!.type as { reason: string }).reason).toMatch(reason);
  });

  const withStaking = (over: Partial<NonNullable<NonNullable<GenesisFile["appState"]>["validators"]>[number]> = {}): GenesisFile => ({
    ...file,
    appState: {
      denom: "uaeg",
      accounts: [],
      validators: [
        {
          moniker: "v0",
          operator: account(operators[0]!),
          blsPublicKey: v0.blsPublicKey,
          blsProofOfPossession: v0.proofOfPossession,
          attestationPublicKey: "00".repeat(32), // checked when the staking genesis runs, not here
          attestationProofOfPossession: "00".repeat(64),
          selfDelegation: "10000000",
          ...over,
        },
      ],
    },
  });

  test("the staking genesis' proof must be for its operator, who must be the consensus entry's", () => {
    expect(genesisError(withStaking())).toBeUndefined();
    // The victim's key and proof listed under another operator in the staking genesis.
    const stolen = genesisError(withStaking({ operator: account(ATTACKER) }));
    expect(stolen!.type).toMatchObject({ code: "GENESIS_ERROR_INVALID", field: "appState.validators[0].blsProofOfPossession" });
    expect(stolen!.message).toMatch(/for operator aegis1/);
    // A valid proof for the attacker, but the consensus entry names the owner: one set, two operators.
    const twoOperators = genesisError(withStaking({ operator: account(ATTACKER), blsProofOfPossession: toHex(createBlsProofOfPossession(kps[0]!.secretKey, ATTACKER)) }));
    expect(twoOperators!.type).toMatchObject({ code: "GENESIS_ERROR_INVALID", field: "validators[0].operator" });
    expect(twoOperators!.message).toMatch(/appState.validators\[0\] has the same BLS key with operator/);
  });
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
      authority: null,
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

  test("a verification key whose delta is gamma (it proves anything) is refused with a clear error on zk.verificationKey", () => {
    const degenerate = { ...verificationKey, vk_delta_2: verificationKey.vk_gamma_2 };
    const err = genesisError(withZk({ verificationKey: degenerate }));
    expect(err).toBeInstanceOf(GenesisError);
    expect(err!.type).toMatchObject({ code: "GENESIS_ERROR_INVALID", field: "zk.verificationKey" });
    expect(err!.message).toMatch(/delta equals gamma/);
    expect(err!.message).toMatch(/proves anything/);
    // The same key with its real delta is a valid genesis.
    expect(genesisError(withZk({ verificationKey: { ...degenerate, vk_delta_2: verificationKey.vk_delta_2 } }))).toBeUndefined();
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

describe("consumers parameters in the app state (minBond, checkpointFee, proverShare)", () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const verificationKey = JSON.parse(readFileSync(join(here, "..", "..", "test", "vectors", "zkCertificates.json"), "utf8")).verificationKey;
  const withConsumers = (consumers: unknown, zk = true): GenesisFile =>
    ({
      ...file,
      appState: { denom: "uaeg", accounts: [], staking: { maxValidators: 4 }, consumers },
      ...(zk ? { zk: { circuit: "quorum4", capacity: 4, verificationKey } } : {}),
    }) as GenesisFile;

  test("given ones are kept in a fixed order (only those given) and change the genesis hash; \"0\" fee and share allowed", () => {
    const g = parseGenesis(withConsumers({ proverShare: "0.25", checkpointFee: "5000", minBond: "7" }));
    expect(g.appState!.consumers).toEqual({ minBond: "7", checkpointFee: "5000", proverShare: "0.25" });
    expect(Object.keys(g.appState!.consumers!)).toEqual(["minBond", "checkpointFee", "proverShare"]);
    expect(parseGenesis(withConsumers({ checkpointFee: "5000", minBond: "7", proverShare: "0.25" })).hash).toEqual(g.hash);
    expect(parseGenesis(withConsumers({ minBond: "7", checkpointFee: "5000" })).hash).not.toEqual(g.hash);
    expect(parseGenesis(withConsumers({ minBond: "7", checkpointFee: "5001", proverShare: "0.25" })).hash).not.toEqual(g.hash);
    expect(parseGenesis(withConsumers({ checkpointFee: "0", proverShare: "0" })).appState!.consumers).toEqual({ checkpointFee: "0", proverShare: "0" });
    expect(parseGenesis(withConsumers({ proverShare: "1.000" })).appState!.consumers).toEqual({ proverShare: "1.000" });
    // Without a zk section nobody proves: only a 0 share.
    expect(parseGenesis(withConsumers({ checkpointFee: "10", proverShare: "0.0" }, false)).appState!.consumers).toEqual({ checkpointFee: "10", proverShare: "0.0" });
  });

  test("proverShare in per mille", () => {
    expect(["0", "0.2", "0.25", "0.125", "0.001", "1", "1.0", "1.000", "0.000"].map(parseProverSharePermille)).toEqual([0, 200, 250, 125, 1, 1000, 1000, 1000, 0]);
    for (const bad of ["", ".2", "0.", "0.1234", "1.001", "1.5", "2", "-0.1", "0,2", " 0.2", "0.2 ", "00.2", "0x1", "1e-1"]) expect([bad, parseProverSharePermille(bad)]).toEqual([bad, undefined]);
  });

  test.each<[string, unknown, boolean, string]>([
    ["a checkpoint fee as a number", { checkpointFee: 1000 }, true, "appState.consumers.checkpointFee"],
    ["a negative checkpoint fee", { checkpointFee: "-1" }, true, "appState.consumers.checkpointFee"],
    ["a checkpoint fee with a denom", { checkpointFee: "1000uaeg" }, true, "appState.consumers.checkpointFee"],
    ["a checkpoint fee with a leading zero", { checkpointFee: "01000" }, true, "appState.consumers.checkpointFee"],
    ["a fractional checkpoint fee", { checkpointFee: "1.5" }, true, "appState.consumers.checkpointFee"],
    ["a prover share as a number", { proverShare: 0.2 }, true, "appState.consumers.proverShare"],
    ["a prover share above 1", { proverShare: "1.5" }, true, "appState.consumers.proverShare"],
    ["a prover share just above 1", { proverShare: "1.001" }, true, "appState.consumers.proverShare"],
    ["a prover share with 4 decimals", { proverShare: "0.1234" }, true, "appState.consumers.proverShare"],
    ["a negative prover share", { proverShare: "-0.2" }, true, "appState.consumers.proverShare"],
    ["a prover share as a percentage", { proverShare: "20%" }, true, "appState.consumers.proverShare"],
    ["a prover share without a zk section (nobody proves)", { proverShare: "0.2" }, false, "appState.consumers.proverShare"],
    ["a zero min bond", { minBond: "0" }, true, "appState.consumers.minBond"],
    ["an unknown parameter", { proverReward: "5" }, true, "appState.consumers.proverReward"],
    ["parameters that are not an object", [], true, "appState.consumers"],
  ])("rejects %s (GENESIS_ERROR_INVALID naming the field)", (_n, consumers, zk, field) => {
    const err = genesisError(withConsumers(consumers, zk));
    expect(err).toBeInstanceOf(GenesisError);
    expect(err!.type).toMatchObject({ code: "GENESIS_ERROR_INVALID", field });
    expect(err!.message).toMatch(new RegExp(`^genesis\\.${field.replace(/\./g, "\\.")}: `));
  });
});
