/**
 * Bank denom metadata: appState.bank.denomMetadata in the genesis (checked as the SDK's
 * Metadata.Validate), the default for a genesis without it (uaeg: display aeg, exponent 6), and the
 * bank paths of the application (DenomMetadata, DenomsMetadata, SupplyOf, TotalSupply).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBlsKeyPair, createBlsProofOfPossession, toHex } from "@aegis/consumer-sdk";
import { toBech32 } from "@cosmjs/encoding";
import { PageRequest } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import {
  QueryDenomMetadataRequest,
  QueryDenomMetadataResponse,
  QueryDenomsMetadataRequest,
  QueryDenomsMetadataResponse,
  QuerySupplyOfRequest,
  QuerySupplyOfResponse,
  QueryTotalSupplyRequest,
  QueryTotalSupplyResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import { HubApplication } from "../../src/app/index.js";
import { createDefaultDenomMetadata } from "../../src/app/modules/bank.js";
import { HubDb } from "../../src/db/index.js";
import { GenesisError, parseGenesis, type AppGenesis, type GenesisDenomMetadata, type GenesisFile } from "../../src/genesis.js";
import { nullLogger } from "../../src/logger.js";

const operator = new Uint8Array(20).fill(0x41);
const key = createBlsKeyPair(new Uint8Array(32).fill(1));
const ALICE = toBech32("aegis", new Uint8Array(20).fill(0x80));
const dirs: string[] = [];
const dbs: HubDb[] = [];

afterAll(async () => {
  for (const db of dbs) if (db.isOpen) await db.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const AEG: GenesisDenomMetadata = {
  description: "The staking token of Aegis",
  denomUnits: [
    { denom: "uaeg", exponent: 0, aliases: ["microaeg"] },
    { denom: "maeg", exponent: 3 },
    { denom: "aeg", exponent: 6 },
  ],
  base: "uaeg",
  display: "aeg",
  name: "Aegis",
  symbol: "AEG",
};

function file(bank?: unknown): GenesisFile {
  return {
    chainId: "aegis-bank-1",
    genesisTime: 1_700_000_000_000,
    validators: [{ moniker: "v0", operator: toBech32("aegis", operator), blsPublicKey: toHex(key.publicKey), proofOfPossession: toHex(createBlsProofOfPossession(key.secretKey, operator)), power: "10" }],
    appState: { denom: "uaeg", accounts: [{ address: ALICE, coins: [{ denom: "uaeg", amount: "1000" }, { denom: "ufoo", amount: "5" }] }], ...(bank === undefined ? {} : { bank: bank as AppGenesis["bank"] }) },
  };
}

function genesisError(raw: GenesisFile): string | undefined {
  try {
    parseGenesis(raw);
  } catch (e) {
    if (e instanceof GenesisError) return e.message;
    throw e;
  }
  return undefined;
}

async function openApp(genesis: AppGenesis): Promise<HubApplication> {
  const dir = await mkdtemp(join(tmpdir(), "aegis-bank-"));
  dirs.push(dir);
  const db = await HubDb.open(dir);
  dbs.push(db);
  return HubApplication.open({ chainId: "aegis-bank-1", genesis }, { db, logger: nullLogger });
}

describe("genesis appState.bank.denomMetadata", () => {
  test("accepted as given; a genesis without it keeps its hash (the default is applied by the application)", () => {
    const g = parseGenesis(file({ denomMetadata: [AEG] }));
    expect(g.appState!.bank!.denomMetadata).toEqual([{ ...AEG, uri: "", uriHash: "", denomUnits: AEG.denomUnits.map((u) => ({ ...u, aliases: u.aliases ?? [] })) }]);
    expect(toHex(parseGenesis(file()).hash)).not.toBe(toHex(g.hash));
    expect(parseGenesis(file()).appState!.bank).toBeUndefined();
  });

  test.each([
    ["blank name", { ...AEG, name: " " }, /name field cannot be blank/],
    ["first unit not the base", { ...AEG, denomUnits: [AEG.denomUnits[2]!, AEG.denomUnits[0]!] }, /first denomination unit must be the one with base denom 'uaeg'/],
    ["exponents not increasing", { ...AEG, denomUnits: [AEG.denomUnits[0]!, AEG.denomUnits[2]!, AEG.denomUnits[1]!] }, /ascending order of their exponents/],
    ["no display unit", { ...AEG, display: "kaeg" }, /display denom 'kaeg'/],
    ["invalid base", { ...AEG, base: "1x" }, /invalid metadata base denom/],
  ])("refused: %s", (_name, m, re) => {
    expect(genesisError(file({ denomMetadata: [m] }))).toMatch(re);
  });

  test("refused: two for one denom, unknown fields", () => {
    expect(genesisError(file({ denomMetadata: [AEG, AEG] }))).toMatch(/duplicate client metadata for denom uaeg/);
    expect(genesisError(file({ denomMetadata: [{ ...AEG, decimals: 6 }] }))).toMatch(/decimals: unknown field/);
    expect(genesisError(file({ supply: [] }))).toMatch(/appState.bank.supply: unknown field/);
  });
});

describe("bank queries of the application", () => {
  const q = (app: HubApplication, path: string, data: Uint8Array) => app.query(`/cosmos.bank.v1beta1.Query/${path}`, data);

  test("the default metadata for uaeg: base uaeg, display aeg with exponent 6; others NotFound", async () => {
    const app = await openApp({ denom: "uaeg", accounts: [{ address: ALICE, coins: [{ denom: "uaeg", amount: "1000" }] }] });
    const r = q(app, "DenomMetadata", QueryDenomMetadataRequest.encode({ denom: "uaeg" }).finish());
    const m = QueryDenomMetadataResponse.decode(r.value!).metadata;
    expect(m).toEqual(createDefaultDenomMetadata("uaeg"));
    expect(m).toMatchObject({ base: "uaeg", display: "aeg", name: "Aegis", symbol: "AEG" });
    expect(m.denomUnits.map((u) => [u.denom, u.exponent])).toEqual([
      ["uaeg", 0],
      ["aeg", 6],
    ]);
    expect(q(app, "DenomMetadata", QueryDenomMetadataRequest.encode({ denom: "aeg" }).finish())).toMatchObject({
      code: 22,
      codespace: "sdk",
      log: "rpc error: code = NotFound desc = client metadata for denom aeg: key not found",
    });
    expect(q(app, "DenomMetadata", QueryDenomMetadataRequest.encode({ denom: "" }).finish())).toMatchObject({ code: 18, log: "rpc error: code = InvalidArgument desc = invalid denom: : invalid request" });
  });

  test("a denom that is no micro unit gets its base unit only", () => {
    expect(createDefaultDenomMetadata("stake")).toMatchObject({ base: "stake", display: "stake", denomUnits: [{ denom: "stake", exponent: 0, aliases: [] }] });
  });

  test("metadata from the genesis; DenomsMetadata and TotalSupply paginate; SupplyOf", async () => {
    const foo: GenesisDenomMetadata = { denomUnits: [{ denom: "ufoo", exponent: 0 }], base: "ufoo", display: "ufoo", name: "Foo", symbol: "FOO" };
    const g = parseGenesis(file({ denomMetadata: [AEG, foo] })).appState!;
    const app = await openApp(g);
    const aeg = QueryDenomMetadataResponse.decode(q(app, "DenomMetadata", QueryDenomMetadataRequest.encode({ denom: "uaeg" }).finish()).value!).metadata;
    expect(aeg.denomUnits.map((u) => u.denom)).toEqual(["uaeg", "maeg", "aeg"]);
    const page1 = QueryDenomsMetadataResponse.decode(q(app, "DenomsMetadata", QueryDenomsMetadataRequest.encode({ pagination: PageRequest.fromPartial({ limit: 1n, countTotal: true }) }).finish()).value!);
    expect(page1.metadatas.map((m) => m.base)).toEqual(["uaeg"]);
    expect(page1.pagination!.total).toBe(2n);
    const page2 = QueryDenomsMetadataResponse.decode(q(app, "DenomsMetadata", QueryDenomsMetadataRequest.encode({ pagination: PageRequest.fromPartial({ key: page1.pagination!.nextKey }) }).finish()).value!);
    expect(page2.metadatas.map((m) => m.base)).toEqual(["ufoo"]);
    expect(QueryTotalSupplyResponse.decode(q(app, "TotalSupply", QueryTotalSupplyRequest.encode({}).finish()).value!).supply).toEqual([
      { denom: "uaeg", amount: "1000" },
      { denom: "ufoo", amount: "5" },
    ]);
    expect(QuerySupplyOfResponse.decode(q(app, "SupplyOf", QuerySupplyOfRequest.encode({ denom: "ufoo" }).finish()).value!).amount).toEqual({ denom: "ufoo", amount: "5" });
    expect(QuerySupplyOfResponse.decode(q(app, "SupplyOf", QuerySupplyOfRequest.encode({ denom: "ubar" }).finish()).value!).amount).toEqual({ denom: "ubar", amount: "0" });
  });
});
