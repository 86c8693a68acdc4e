/**
 * SIGN_MODE_LEGACY_AMINO_JSON sign bytes, byte for byte: for every message type the hub takes (read
 * from a real HubApplication's registry), the bytes the hub verifies an amino signature over
 * (computeAminoSignBytes, from the transaction's bytes) equal cosmjs's own
 * `serializeSignDoc(makeSignDoc(aminoTypes.toAmino(...), ...))`, with AminoTypes =
 * createDefaultAminoConverters() + consumer-sdk's createAegisAminoConverters(); the transaction is
 * made by SigningStargateClient with an amino-only wallet (Secp256k1HdWallet), as a Ledger user's is,
 * and its signature verifies. A few sign docs are frozen as text.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeSignDoc, serializeSignDoc, type Secp256k1HdWallet, type StdFee } from "@cosmjs/amino";
import { type EncodeObject } from "@cosmjs/proto-signing";
import { createDefaultAminoConverters, SigningStargateClient, type AminoTypes } from "@cosmjs/stargate";
import { createAegisAminoConverters, encodeAminoMsgFromProto, HUB_AMINO_TYPES } from "@aegis/consumer-sdk/hub-tx";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { HubApplication, parseGasPrice, type MsgRegistry } from "../../src/app/index.js";
import { HubDb } from "../../src/db/index.js";
import { nullLogger } from "../../src/logger.js";
import { computeAminoSignBytes, decodeTx, fromBech32, verifyTxSignatures } from "../../src/tx/index.js";
import { aminoSamples, aminoWallet, createAegisAminoTypes, createAegisRegistry } from "./aminoFixtures.js";

const here = dirname(fileURLToPath(import.meta.url));
const vector = JSON.parse(readFileSync(join(here, "..", "..", "..", "test", "vectors", "zkCertificates.json"), "utf8"));

const CHAIN_ID = "aegis-amino-1";
const FEE: StdFee = { amount: [{ denom: "uaeg", amount: "5000" }], gas: "200000" };
const text = (b: Uint8Array) => new TextDecoder().decode(b);

let wallet: Secp256k1HdWallet;
let signer: string;
let aminoTypes: AminoTypes;
let client: SigningStargateClient;
let hubTypeUrls: string[];

beforeAll(async () => {
  wallet = await aminoWallet();
  signer = (await wallet.getAccounts())[0]!.address;
  aminoTypes = createAegisAminoTypes();
  client = await SigningStargateClient.offline(wallet, { registry: createAegisRegistry(), aminoTypes });
  // Every message type a hub with every module (a ZK section included) registers.
  const dir = await mkdtemp(join(tmpdir(), "aegis-amino-"));
  const db = await HubDb.open(dir);
  try {
    const app = await HubApplication.open(
      {
        chainId: CHAIN_ID,
        genesis: { denom: "uaeg", accounts: [{ address: signer, coins: [{ denom: "uaeg", amount: "1000" }] }] },
        minGasPrices: [parseGasPrice("0.025uaeg")],
        zk: { circuit: vector.certificate.circuit, capacity: vector.capacity, verificationKey: null, authority: fromBech32(signer, "aegis"), attestationIntervalMs: 1000, proverReward: "0", epochLength: 10 },
      },
      { db, logger: nullLogger },
    );
    const registry = (app as unknown as { registry: MsgRegistry }).registry;
    hubTypeUrls = [...(registry as unknown as { handlers: Map<string, unknown> }).handlers.keys()].sort();
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
});

interface SignParams {
  messages: readonly EncodeObject[];
  fee?: StdFee;
  memo?: string;
  accountNumber?: number;
  sequence?: number;
  timeoutHeight?: bigint;
}

/** What cosmjs signs, and the transaction SigningStargateClient builds from the signature. */
async function signAmino(p: SignParams): Promise<{ expected: Uint8Array; bytes: Uint8Array }> {
  const fee = p.fee ?? FEE;
  const memo = p.memo ?? "";
  const accountNumber = p.accountNumber ?? 7;
  const sequence = p.sequence ?? 3;
  const msgs = p.messages.map((m) => aminoTypes.toAmino(m));
  const expected = serializeSignDoc(makeSignDoc(msgs, fee, CHAIN_ID, memo, accountNumber, sequence, p.timeoutHeight));
  const raw = await client.sign(signer, [...p.messages], fee, memo, { accountNumber: BigInt(accountNumber), sequence, chainId: CHAIN_ID }, p.timeoutHeight);
  return { expected, bytes: TxRaw.encode(raw).finish() };
}

/** The hub's side: decode, sign bytes from the transaction's own bytes, and the signature check. */
function hubSignBytes(bytes: Uint8Array, accountNumber = 7n): Uint8Array {
  const tx = decodeTx(bytes);
  expect(tx.signerInfos.map((s) => s.signMode)).toEqual(["SIGN_MODE_LEGACY_AMINO_JSON"]);
  verifyTxSignatures(tx, { chainId: CHAIN_ID, accounts: [{ accountNumber, publicKey: null }] });
  return computeAminoSignBytes({ tx, chainId: CHAIN_ID, accountNumber, sequence: tx.signerInfos[0]!.sequence, signerIndex: 0 });
}

test("every message type the hub takes has an amino name, and cosmjs's AminoTypes converts it", () => {
  expect(hubTypeUrls.length).toBeGreaterThanOrEqual(21);
  expect(Object.keys(HUB_AMINO_TYPES).sort()).toEqual(hubTypeUrls);
  expect(Object.keys(aminoSamples()).sort()).toEqual(hubTypeUrls);
  // Amino names are unique (AminoTypes.fromAmino refuses a name registered twice).
  const names = Object.values(HUB_AMINO_TYPES);
  expect(new Set(names).size).toBe(names.length);
  // cosmjs's defaults and the Aegis converters together cover every type, with the hub's names.
  const converters: Record<string, { aminoType: string } | undefined> = { ...createDefaultAminoConverters(), ...createAegisAminoConverters() };
  for (const url of hubTypeUrls) expect({ url, aminoType: converters[url]?.aminoType }).toEqual({ url, aminoType: HUB_AMINO_TYPES[url] });
  expect(Object.keys(createAegisAminoConverters()).every((url) => url.startsWith("/aegis.") || url === "/cosmos.slashing.v1beta1.MsgUnjail")).toBe(true);
});

describe("the hub's sign bytes are cosmjs's, byte for byte", () => {
  const samples = aminoSamples();
  const cases = Object.entries(samples).flatMap(([url, values]) => values.map((v, i) => [`${url} #${i}`, v] as const));

  test.each(cases)("%s", async (_name, message) => {
    const { expected, bytes } = await signAmino({ messages: [message] });
    expect(text(hubSignBytes(bytes))).toBe(text(expected));
    // The JSON the signer saw names the message's amino type, and reads back to the same value.
    const amino = aminoTypes.toAmino(message);
    expect(amino.type).toBe(HUB_AMINO_TYPES[message.typeUrl]);
    expect(aminoTypes.toAmino(aminoTypes.fromAmino(amino))).toEqual(amino);
  });

  test("every message in one transaction, a memo cosmjs escapes, a timeout height, another account number and sequence", async () => {
    const all = Object.values(samples).flat();
    const { expected, bytes } = await signAmino({
      messages: all,
      memo: "a & b <c> \"d\" \\ é 🚀 \u2028",
      timeoutHeight: 123_456n,
      accountNumber: 4_294_967_296,
      sequence: 2 ** 40,
      fee: { amount: [{ denom: "uatom", amount: "1" }, { denom: "uaeg", amount: "999999999999999999999" }], gas: "9007199254740991" },
    });
    const hub = text(hubSignBytes(bytes, 4_294_967_296n));
    expect(hub).toBe(text(expected));
    expect(hub).toContain('"memo":"a \\u0026 b \\u003cc\\u003e \\"d\\" \\\\ é 🚀 \u2028"');
    expect(hub).toContain('"timeout_height":"123456"');
  });

  test("fee payer and granter are in the doc only when the transaction sets them", async () => {
    const send = samples["/cosmos.bank.v1beta1.MsgSend"]![0]!;
    for (const fee of [
      { ...FEE, payer: "aegis1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5w4fqsp" },
      { ...FEE, granter: "aegis1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5w4fqsp" },
      { amount: [], gas: "1" },
    ]) {
      const { expected, bytes } = await signAmino({ messages: [send], fee });
      expect(text(hubSignBytes(bytes))).toBe(text(expected));
    }
  });
});

describe("frozen sign docs", () => {
  const samples = aminoSamples();
  const docOf = async (message: EncodeObject) => text(hubSignBytes((await signAmino({ messages: [message] })).bytes));

  test("cosmos-sdk/MsgDelegate", async () => {
    expect(await docOf(samples["/cosmos.staking.v1beta1.MsgDelegate"]![0]!)).toBe(
      '{"account_number":"7","chain_id":"aegis-amino-1","fee":{"amount":[{"amount":"5000","denom":"uaeg"}],"gas":"200000"},"memo":"",' +
        '"msgs":[{"type":"cosmos-sdk/MsgDelegate","value":{"amount":{"amount":"500","denom":"uaeg"},"delegator_address":"aegis1runz6dpmgfy4q467v4k8x75p3z8ed8dy47y8lc",' +
        '"validator_address":"aegisvaloper1t4jxkuneszrca9vu5w4trw9lcmxafklzepa6ug"}}],"sequence":"3"}',
    );
  });

  test("cosmos-sdk/MsgUnjail: the SDK's amino field name, address", async () => {
    const msg = encodeAminoMsgFromProto("/cosmos.slashing.v1beta1.MsgUnjail", createAegisRegistry().encode(samples["/cosmos.slashing.v1beta1.MsgUnjail"]![0]!));
    expect(msg).toEqual({ type: "cosmos-sdk/MsgUnjail", value: { address: "aegisvaloper1t4jxkuneszrca9vu5w4trw9lcmxafklzepa6ug" } });
  });

  test("aegis/MsgSubmitCheckpoint: proto field names, zero values left out (producer_index 0), uint64 as strings, bytes as base64", () => {
    const [zeroIndex] = samples["/aegis.consumers.v1.MsgSubmitCheckpoint"]!;
    expect(JSON.stringify(createAegisAminoTypes().toAmino(zeroIndex!))).toBe(
      '{"type":"aegis/MsgSubmitCheckpoint","value":{"relayer":"aegis18ez5c566v95x7anasj9e9xdq57htt0xrtzpxhm","checkpoint":{"consumer_id":"evm-1","height":"1060",' +
        '"block_hash":"REtSWWBnbnV8g4qRmJ+mrbS7wsnQ197l7PP6AQgPFh0=","parent_checkpoint_hash":"Y2pxeH+GjZSboqmwt77FzNPa4ejv9v0ECxIZICcuNTw=",' +
        '"state_root":"gomQl56lrLO6wcjP1t3k6/L5AAcOFRwjKjE4P0ZNVFs="},' +
        '"signature":"Y2pxeH+GjZSboqmwt77FzNPa4ejv9v0ECxIZICcuNTxDSlFYX2ZtdHuCiZCXnqWss7rByM/W3eTr8vkABw4VHA=="}}',
    );
  });

  test("aegis/MsgSubmitEvidence: enums and 32-bit integers as numbers, a nil vote's block hash and a zero index left out, field elements as 32 bytes", () => {
    const [, doubleAttestation] = samples["/aegis.slashing.v1.MsgSubmitEvidence"]!;
    const value = createAegisAminoTypes().toAmino(samples["/aegis.slashing.v1.MsgSubmitEvidence"]![0]!).value;
    expect(value.evidence.vote_a).toMatchObject({ type: 1, height: "9007199254740991", round: 3, validator_index: 2 });
    expect(Object.keys(value.evidence.vote_b).sort()).toEqual(["height", "round", "signature", "type", "validator_index"]);
    const a = createAegisAminoTypes().toAmino(doubleAttestation!).value.double_attestation.attestation_a;
    expect(a).not.toHaveProperty("validator_index");
    expect(a.validator_set_root).toBe("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAs=");
    expect(a.next_validator_set_root).toBe("gAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAw=");
  });
});
