import { createBlsKeyPair, createBlsProofOfPossession, toHex } from "@aegis/consumer-sdk";
import { GenesisError, parseGenesis, type GenesisFile } from "../src/genesis.js";
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
