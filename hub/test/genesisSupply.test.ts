/**
 * parseGenesis refuses a genesis whose accounts hold more of the staking denom than may ever be
 * staked (computeMaxStakedTokens: total power = tokens / powerReduction at most MAX_TOTAL_POWER),
 * with GENESIS_ERROR_SUPPLY_TOO_LARGE: from such a genesis a delegation could take the validator set
 * over the cap.
 */
import { createBlsKeyPair, createBlsProofOfPossession, MAX_TOTAL_POWER, toHex } from "@aegis/consumer-sdk";
import { toBech32 } from "@cosmjs/encoding";
import { computeMaxStakedTokens, DEFAULT_STAKING_PARAMS } from "../src/app/modules/staking/index.js";
import { GenesisError, parseGenesis, type GenesisFile } from "../src/genesis.js";

const operator = new Uint8Array(20).fill(0x41);
const key = createBlsKeyPair(new Uint8Array(32).fill(1));
const MAX = computeMaxStakedTokens(DEFAULT_STAKING_PARAMS.powerReduction);

function withAccounts(coins: { denom: string; amount: bigint }[][]): GenesisFile {
  return {
    chainId: "aegis-supply-1",
    genesisTime: 1_700_000_000_000,
    validators: [
      {
        moniker: "v0",
        operator: toBech32("aegis", operator),
        blsPublicKey: toHex(key.publicKey),
        proofOfPossession: toHex(createBlsProofOfPossession(key.secretKey, operator)),
        power: "10",
      },
    ],
    appState: {
      denom: "uaeg",
      accounts: coins.map((c, i) => ({
        address: toBech32("aegis", new Uint8Array(20).fill(0x80 + i)),
        coins: c.map((x) => ({ denom: x.denom, amount: x.amount.toString() })),
      })),
    },
  };
}

function genesisError(raw: GenesisFile): GenesisError | undefined {
  try {
    parseGenesis(raw);
  } catch (e) {
    if (e instanceof GenesisError) return e;
    throw e;
  }
  return undefined;
}

test("the most that may be staked is (2^60 − 1) × 10^6 + 999 999 uaeg (power = tokens / 10^6)", () => {
  expect(DEFAULT_STAKING_PARAMS.powerReduction).toBe(1_000_000n);
  expect(MAX).toBe(1_152_921_504_606_846_975_999_999n);
  expect(MAX / DEFAULT_STAKING_PARAMS.powerReduction).toBe(MAX_TOTAL_POWER);
});

test("a supply of exactly the most is accepted, in one account or spread over several", () => {
  expect(genesisError(withAccounts([[{ denom: "uaeg", amount: MAX }]]))).toBeUndefined();
  expect(genesisError(withAccounts([[{ denom: "uaeg", amount: MAX - 5n }], [{ denom: "uaeg", amount: 5n }]]))).toBeUndefined();
});

test("one token more is refused with GENESIS_ERROR_SUPPLY_TOO_LARGE, however it is spread", () => {
  for (const accounts of [
    [[{ denom: "uaeg", amount: MAX + 1n }]],
    [[{ denom: "uaeg", amount: MAX }], [{ denom: "uaeg", amount: 1n }]],
  ]) {
    const err = genesisError(withAccounts(accounts));
    expect(err).toBeInstanceOf(GenesisError);
    expect(err!.type).toEqual({ code: "GENESIS_ERROR_SUPPLY_TOO_LARGE", denom: "uaeg", supply: MAX + 1n, max: MAX });
    expect(err!.message).toMatch(/^genesis\.appState\.accounts: 1152921504606846976000000uaeg in total is more than 1152921504606846975999999uaeg, the most that may be staked/);
  }
});

test("other denoms do not count (they cannot be staked)", () => {
  expect(genesisError(withAccounts([[{ denom: "other", amount: MAX * 10n }, { denom: "uaeg", amount: MAX }]]))).toBeUndefined();
});
