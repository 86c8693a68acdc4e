/**
 * Unknown fields inside a transaction's messages (security issue 7). The SDK's RejectUnknownFields
 * resolves every Any in TxBody.messages and checks the message's bytes, and every message nested in
 * it, against its descriptor (with TxBody's allowUnknownNonCriticals = true passed down): a signer
 * must never approve bytes that a later version reads differently. Before this check the hub scanned
 * TxBody but decoded each message with a lenient decoder that skips unknown fields.
 *
 * Transactions are signed by cosmjs (SigningStargateClient.offline, SIGN_MODE_DIRECT); the
 * application is a real HubApplication over LevelDB in a temp folder.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import protobuf from "protobufjs";
import { toBech32 } from "@cosmjs/encoding";
import { Registry, type GeneratedType } from "@cosmjs/proto-signing";
import { defaultRegistryTypes, SigningStargateClient, type StdFee } from "@cosmjs/stargate";
import { createBlsProofOfPossession } from "@aegis/consumer-sdk";
import { descriptor } from "@aegis/proto/descriptor";
import { BinaryWriter } from "cosmjs-types/binary";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { QueryBalanceRequest, QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { MsgSetWithdrawAddress, MsgWithdrawDelegatorReward, MsgWithdrawValidatorCommission } from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import { MsgUnjail } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { MsgBeginRedelegate, MsgDelegate, MsgUndelegate } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import {
  AegisMsgCreateValidator,
  AegisMsgEditValidator,
  AegisMsgSubmitEvidence,
  ApplicationError,
  createZkHandlers,
  DEFAULT_HANDLERS,
  DISTRIBUTION_HANDLERS,
  executeTx,
  HubApplication,
  MsgRegistry,
  parseGasPrice,
  setStakingParams,
  SLASHING_HANDLERS,
  STAKING_HANDLERS,
  type BlockExecutionContext,
  type MsgHandler,
  type MsgCreateValidator,
} from "../../src/app/index.js";
import { processEnsureAccount } from "../../src/app/modules/auth.js";
import { getBalance, processMint } from "../../src/app/modules/bank.js";
import { getValidator } from "../../src/app/modules/staking/index.js";
import { createAttestationProofOfPossession } from "../../src/attestation/index.js";
import { HubDb } from "../../src/db/index.js";
import { nullLogger } from "../../src/logger.js";
import type { StateView } from "../../src/state/index.js";
import { decodeTx, fromBech32, TxError, type MessageSpec } from "../../src/tx/index.js";
import { concat, lengthDelimited, testSigners, varint, type Signer } from "../tx/txFixtures.js";
import { CONSUMER_HANDLERS } from "../../src/app/modules/consumers/index.js";
import { attestationKeyPair, blsKey, createValidatorMsg, emptyState, T0, TEST_PARAMS } from "./staking/stakingFixtures.js";
import { hash, vote } from "./slashing/slashingFixtures.js";

const CHAIN_ID = "aegis-wire-test";
const DENOM = "uaeg";
const GENESIS_AMOUNT = 10n ** 15n;
const FEE: StdFee = { amount: [{ denom: DENOM, amount: "15000" }], gas: "600000" };
const MSG_SEND = "/cosmos.bank.v1beta1.MsgSend";

let alice: Signer;
let bob: Signer;
const dirs: string[] = [];
const dbs: HubDb[] = [];

beforeAll(async () => {
  [alice, bob] = await testSigners();
});

afterAll(async () => {
  for (const db of dbs) if (db.isOpen) await db.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function openApp(): Promise<HubApplication> {
  const dir = await mkdtemp(join(tmpdir(), "aegis-wire-"));
  dirs.push(dir);
  const db = await HubDb.open(dir);
  dbs.push(db);
  const genesis = { denom: DENOM, accounts: [{ address: alice.address, coins: [{ denom: DENOM, amount: GENESIS_AMOUNT.toString() }] }] };
  return HubApplication.open({ chainId: CHAIN_ID, genesis, minGasPrices: [parseGasPrice("0.025uaeg")] }, { db, logger: nullLogger });
}

const ctx = (height: number): BlockExecutionContext => ({ chainId: CHAIN_ID, height, time: 1_700_000_000_000 + height * 1000, proposer: new Uint8Array(20).fill(7), lastCommit: null, evidence: [] });

/** A cosmjs type that writes the message's bytes as given (so a test signs exactly the bytes it built). */
const RAW_TYPE = {
  fromPartial: (v: Uint8Array) => v,
  encode: (v: Uint8Array) => ({ finish: () => v }),
  decode: (b: Uint8Array) => b,
} as unknown as GeneratedType;

/** cosmjs' MsgSend encoder, then `extra` appended inside the message (an attacker's cosmjs registry). */
function msgSendWithExtra(extra: (w: BinaryWriter) => void): GeneratedType {
  return {
    fromPartial: (p: Partial<MsgSend>) => MsgSend.fromPartial(p),
    decode: (b: Uint8Array) => MsgSend.decode(b),
    encode(m: MsgSend, w: BinaryWriter = BinaryWriter.create()) {
      MsgSend.encode(m, w);
      extra(w);
      return w;
    },
  } as unknown as GeneratedType;
}

async function signWith(
  types: [string, GeneratedType][],
  signer: Signer,
  messages: { typeUrl: string; value: unknown }[],
  o: { sequence: number; accountNumber: number },
): Promise<Uint8Array> {
  const client = await SigningStargateClient.offline(signer.wallet, { registry: new Registry([...defaultRegistryTypes, ...types]) });
  const raw = await client.sign(signer.address, messages, FEE, "", { accountNumber: BigInt(o.accountNumber), sequence: o.sequence, chainId: CHAIN_ID });
  return TxRaw.encode(raw).finish();
}

const sendValue = (amount = "1000") => MsgSend.fromPartial({ fromAddress: alice.address, toAddress: bob.address, amount: [{ denom: DENOM, amount }] });
const sendBytes = (amount = "1000") => MsgSend.encode(sendValue(amount)).finish();
/** MsgSend's bytes, built field by field so a test can put anything anywhere. */
const coin = (...extra: Uint8Array[]) => concat(lengthDelimited(1, Buffer.from(DENOM)), lengthDelimited(2, Buffer.from("1000")), ...extra);
const sendOf = (...parts: Uint8Array[]) => concat(lengthDelimited(1, Buffer.from(alice.address)), lengthDelimited(2, Buffer.from(bob.address)), ...parts);

function balance(app: HubApplication, address: string): bigint {
  const r = app.query("/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address, denom: DENOM }).finish());
  return BigInt(QueryBalanceResponse.decode(r.value!).balance!.amount);
}

function sequenceOf(app: HubApplication, address: string): bigint | null {
  const r = app.query("/cosmos.auth.v1beta1.Query/Account", QueryAccountRequest.encode({ address }).finish());
  if (r.code !== 0) return null;
  return BaseAccount.decode(QueryAccountResponse.decode(r.value!).account!.value).sequence;
}

const snapshot = (app: HubApplication) => ({ height: app.height, root: Buffer.from(app.stateRoot).toString("hex"), alice: balance(app, alice.address), bob: balance(app, bob.address), seq: sequenceOf(app, alice.address) });

describe("the attack: a cosmjs-signed MsgSend with field 99 inside the message", () => {
  test("is refused by CheckTx and by block execution with ErrTxDecode (code 2), and nothing changes", async () => {
    const app = await openApp();
    const attack = await signWith([[MSG_SEND, msgSendWithExtra((w) => w.uint32((99 << 3) | 2).string("approve-later"))]], alice, [{ typeUrl: MSG_SEND, value: sendValue() }], { sequence: 0, accountNumber: 0 });
    // The signature is valid and TxBody is well-formed: the extra field is inside the Any's value.
    const decoded = decodeTx(attack);
    expect(decoded.messages[0]!.typeUrl).toBe(MSG_SEND);
    expect(Buffer.from(decoded.messages[0]!.value).includes(Buffer.from("approve-later"))).toBe(true);
    const before = snapshot(app);

    const r = app.checkTx(attack);
    expect({ code: r.code, codespace: r.codespace }).toEqual({ code: 2, codespace: "sdk" });
    expect(r.log).toMatch(/^cosmos\.bank\.v1beta1\.MsgSend: unknown field 99 \(wire type 2\): tx parse error$/);

    await expect(app.executeBlock(ctx(1), [attack])).rejects.toBeInstanceOf(ApplicationError);
    await expect(app.executeBlock(ctx(1), [attack])).rejects.toMatchObject({ code: "APP_ERROR_INVALID_BLOCK", type: { reason: expect.stringContaining("MsgSend: unknown field 99") } });
    await expect(app.commitBlock(ctx(1), [attack])).rejects.toMatchObject({ code: "APP_ERROR_INVALID_BLOCK" });
    expect((await app.prepareBlock(ctx(1), [attack])).txs).toEqual([]);
    expect(snapshot(app)).toEqual(before);

    // Sequence 0 is still free: the same transfer without the field is admitted and executed.
    const honest = await signWith([], alice, [{ typeUrl: MSG_SEND, value: sendValue() }], { sequence: 0, accountNumber: 0 });
    expect(app.checkTx(honest)).toMatchObject({ code: 0 });
    await app.commitBlock(ctx(1), [honest]);
    expect(balance(app, bob.address)).toBe(1000n);
    expect(sequenceOf(app, alice.address)).toBe(1n);
  });

  test("the deliver path (executeTx in a block) rejects it as a TxError TX_ERROR_DECODE and leaves the state as it was", async () => {
    const s = emptyState();
    const a = fromBech32(alice.address, "aegis", { lengths: [20] });
    processEnsureAccount(s, a, alice.address);
    processMint(s, a, [{ denom: DENOM, amount: 1_000_000n }]);
    const attack = await signWith([[MSG_SEND, msgSendWithExtra((w) => w.uint32(99 << 3).uint64(1n))]], alice, [{ typeUrl: MSG_SEND, value: sendValue() }], { sequence: 0, accountNumber: 0 });
    const out = executeTx(s, attack, { chainId: CHAIN_ID, height: 1, time: T0, mode: "deliver", registry: new MsgRegistry(), minGasPrices: [] });
    expect(out.kind).toBe("rejected");
    if (out.kind !== "rejected") return;
    expect(out.error).toBeInstanceOf(TxError);
    expect(out.error.type).toEqual({ code: "TX_ERROR_DECODE", reason: "cosmos.bank.v1beta1.MsgSend: unknown field 99 (wire type 0)" });
    expect(getBalance(s, a, DENOM)).toBe(1_000_000n);
  });
});

describe("inside messages: unknown fields, wrong wire types and repeated singular fields are refused; non-critical ones skipped as in the SDK", () => {
  const refused: [string, () => Uint8Array, RegExp][] = [
    ["unknown field inside Coin (MsgSend.amount)", () => sendOf(lengthDelimited(3, coin(lengthDelimited(99, [1])))), /MsgSend\.amount: unknown field 99/],
    ["unknown varint field inside Coin", () => sendOf(lengthDelimited(3, coin(Uint8Array.of(0x98, 0x06, 0x01)))), /MsgSend\.amount: unknown field 99 \(wire type 0\)/],
    ["field 2048 (no non-critical bit) inside the message", () => concat(sendBytes(), lengthDelimited(2048, [1])), /MsgSend: unknown field 2048/],
    ["from_address sent as a varint", () => concat([0x08, 0x01], lengthDelimited(2, Buffer.from(bob.address)), lengthDelimited(3, coin())), /MsgSend\.from_address: wire type 0, expected 2/],
    ["Coin.amount sent as a varint", () => sendOf(lengthDelimited(3, concat(lengthDelimited(1, Buffer.from(DENOM)), [0x10, 0x05]))), /MsgSend\.amount\.amount: wire type 0, expected 2/],
    ["to_address twice (a second recipient the wallet never showed)", () => concat(sendBytes(), lengthDelimited(2, Buffer.from(alice.address))), /MsgSend\.to_address: singular field appears more than once/],
    ["invalid UTF-8 in Coin.denom", () => sendOf(lengthDelimited(3, concat(lengthDelimited(1, [0xc3, 0x28]), lengthDelimited(2, Buffer.from("1"))))), /MsgSend\.amount\.denom: string is not valid UTF-8/],
    ["a non-minimal varint in an unknown non-critical field", () => concat(sendBytes(), [...varint((1025 << 3) | 0), 0x81, 0x00]), /MsgSend\.1025: varint is not minimally encoded/],
  ];
  test.each(refused)("%s: CheckTx code 2", async (_name, build, log) => {
    const app = await openApp();
    const before = snapshot(app);
    const tx = await signWith([[MSG_SEND, RAW_TYPE]], alice, [{ typeUrl: MSG_SEND, value: build() }], { sequence: 0, accountNumber: 0 });
    const r = app.checkTx(tx);
    expect({ code: r.code, codespace: r.codespace }).toEqual({ code: 2, codespace: "sdk" });
    expect(r.log).toMatch(log);
    await expect(app.executeBlock(ctx(1), [tx])).rejects.toMatchObject({ code: "APP_ERROR_INVALID_BLOCK" });
    expect(snapshot(app)).toEqual(before);
  });

  test("unknown non-critical fields (number & 1024) in the message and in Coin are skipped: admitted and executed, as in the SDK", async () => {
    const app = await openApp();
    const value = concat(sendOf(lengthDelimited(3, coin(lengthDelimited(1025, [7])))), lengthDelimited(1026, [1]));
    const tx = await signWith([[MSG_SEND, RAW_TYPE]], alice, [{ typeUrl: MSG_SEND, value }], { sequence: 0, accountNumber: 0 });
    expect(app.checkTx(tx)).toMatchObject({ code: 0 });
    await app.commitBlock(ctx(1), [tx]);
    expect(balance(app, bob.address)).toBe(1000n);
    expect(sequenceOf(app, alice.address)).toBe(1n);
  });
});

describe("MsgCreateValidator signed by cosmjs with an unknown field inside its Description", () => {
  function genesis(): StateView {
    const s = emptyState();
    setStakingParams(s, TEST_PARAMS);
    const a = fromBech32(alice.address, "aegis", { lengths: [20] });
    processEnsureAccount(s, a, alice.address);
    processMint(s, a, [{ denom: TEST_PARAMS.bondDenom, amount: 1_000_000_000n }]);
    return s;
  }

  function aliceValidator(): MsgCreateValidator {
    const bytes = fromBech32(alice.address, "aegis", { lengths: [20] });
    const attestationProofOfPossession = createAttestationProofOfPossession(attestationKeyPair(1).secretKey, bytes);
    const blsProofOfPossession = createBlsProofOfPossession(blsKey(1).secretKey, bytes);
    return createValidatorMsg(1, 5_000_000n, { delegatorAddress: alice.address, validatorAddress: toBech32("aegisvaloper", bytes), blsProofOfPossession, attestationProofOfPossession });
  }

  test("is refused in the block (TX_ERROR_DECODE naming the path); without the field it creates the validator", async () => {
    const registry = new MsgRegistry([...DEFAULT_HANDLERS, ...STAKING_HANDLERS]);
    const m = aliceValidator();
    const good = AegisMsgCreateValidator.encode(m).finish();
    const schema = registry.getWireSchema(AegisMsgCreateValidator.typeUrl);
    const bad = injectInto(good, schema, [1], lengthDelimited(99, Buffer.from("hidden")))!;
    const url = AegisMsgCreateValidator.typeUrl;
    const run = async (value: Uint8Array) => {
      const s = genesis();
      const tx = await signWith([[url, RAW_TYPE]], alice, [{ typeUrl: url, value }], { sequence: 0, accountNumber: 0 });
      return { s, out: executeTx(s, tx, { chainId: CHAIN_ID, height: 1, time: T0 + 1, mode: "deliver", registry, minGasPrices: [] }) };
    };
    const operator = fromBech32(m.validatorAddress, "aegisvaloper", { lengths: [20] });
    const refused = await run(bad);
    expect(refused.out.kind).toBe("rejected");
    if (refused.out.kind === "rejected") {
      expect(refused.out.error.type).toEqual({ code: "TX_ERROR_DECODE", reason: "aegis.staking.v1.MsgCreateValidator.description: unknown field 99 (wire type 2)" });
    }
    expect(getValidator(refused.s, operator)).toBeUndefined();
    const accepted = await run(good);
    expect(accepted.out).toMatchObject({ kind: "included", result: { code: 0 } });
    expect(getValidator(accepted.s, operator)!.tokens).toBe(5_000_000n);
  });
});

// ---------------------------------------------------------------------------------------------------
// Every registered message type

/** Every handler the hub registers (HubApplication's list; the zk handler with a placeholder key). */
function allHandlers(): MsgHandler<never>[] {
  // The handlers only close over the genesis: a placeholder verification key is enough to register them.
  const genesis = { circuit: "quorum8", capacity: 8, verificationKey: {}, proverReward: "0", attestationIntervalMs: 2000, epochLength: 100 };
  const zk = createZkHandlers(genesis as unknown as Parameters<typeof createZkHandlers>[0], DENOM, 0);
  return [...DEFAULT_HANDLERS, ...STAKING_HANDLERS, ...DISTRIBUTION_HANDLERS, ...SLASHING_HANDLERS, ...CONSUMER_HANDLERS, ...zk];
}

const reflection = protobuf.Root.fromJSON(descriptor as protobuf.INamespace);
reflection.resolveAll();

/** A message of type `t` with every field set (the first member of each oneof), encoded by protobufjs reflection. */
function fillAll(t: protobuf.Type, depth = 0): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const oneofs = new Set<string>();
  for (const f of t.fieldsArray) {
    if (f.partOf) {
      if (oneofs.has(f.partOf.name)) continue;
      oneofs.add(f.partOf.name);
    }
    let v: unknown;
    if (f.resolvedType instanceof protobuf.Type) {
      if (depth > 5) continue;
      v = fillAll(f.resolvedType, depth + 1);
    } else if (f.resolvedType instanceof protobuf.Enum) v = 1;
    else if (f.type === "string") v = "s";
    else if (f.type === "bytes") v = Uint8Array.of(1, 2, 3);
    else if (f.type === "bool") v = true;
    else v = 3;
    o[f.name] = f.repeated ? [v, v] : v;
  }
  return o;
}

function encodeFilled(typeUrl: string): Uint8Array {
  const t = reflection.lookupType(typeUrl.slice(1));
  return t.encode(t.fromObject(fillAll(t))).finish();
}

const ADDR = () => alice.address;
const VALOPER = () => toBech32("aegisvaloper", fromBech32(alice.address, "aegis", { lengths: [20] }));
const COIN = { denom: DENOM, amount: "1" };

/** For each type URL: bytes with every field set, and whether registry.decode also turns them into a message (the domain codecs check lengths). */
const SAMPLES: Record<string, () => { bytes: Uint8Array; decodes: boolean }> = {
  "/cosmos.bank.v1beta1.MsgSend": () => ({ bytes: MsgSend.encode(MsgSend.fromPartial({ fromAddress: ADDR(), toAddress: ADDR(), amount: [COIN, COIN] })).finish(), decodes: true }),
  "/cosmos.staking.v1beta1.MsgDelegate": () => ({ bytes: MsgDelegate.encode(MsgDelegate.fromPartial({ delegatorAddress: ADDR(), validatorAddress: VALOPER(), amount: COIN })).finish(), decodes: true }),
  "/cosmos.staking.v1beta1.MsgUndelegate": () => ({ bytes: MsgUndelegate.encode(MsgUndelegate.fromPartial({ delegatorAddress: ADDR(), validatorAddress: VALOPER(), amount: COIN })).finish(), decodes: true }),
  "/cosmos.staking.v1beta1.MsgBeginRedelegate": () => ({
    bytes: MsgBeginRedelegate.encode(MsgBeginRedelegate.fromPartial({ delegatorAddress: ADDR(), validatorSrcAddress: VALOPER(), validatorDstAddress: VALOPER(), amount: COIN })).finish(),
    decodes: true,
  }),
  "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward": () => ({ bytes: MsgWithdrawDelegatorReward.encode({ delegatorAddress: ADDR(), validatorAddress: VALOPER() }).finish(), decodes: true }),
  "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission": () => ({ bytes: MsgWithdrawValidatorCommission.encode({ validatorAddress: VALOPER() }).finish(), decodes: true }),
  "/cosmos.distribution.v1beta1.MsgSetWithdrawAddress": () => ({ bytes: MsgSetWithdrawAddress.encode({ delegatorAddress: ADDR(), withdrawAddress: ADDR() }).finish(), decodes: true }),
  "/cosmos.slashing.v1beta1.MsgUnjail": () => ({ bytes: MsgUnjail.encode({ validatorAddr: VALOPER() }).finish(), decodes: true }),
  "/aegis.staking.v1.MsgCreateValidator": () => ({
    bytes: AegisMsgCreateValidator.encode(createValidatorMsg(1, 1000n, { description: { moniker: "m", identity: "i", website: "w", securityContact: "s", details: "d" } })).finish(),
    decodes: true,
  }),
  "/aegis.staking.v1.MsgEditValidator": () => ({
    bytes: AegisMsgEditValidator.encode({ validatorAddress: VALOPER(), description: { moniker: "m", identity: "i", website: "w", securityContact: "s", details: "d" }, commissionRate: "0.1", minSelfDelegation: "2" }).finish(),
    decodes: true,
  }),
  "/aegis.slashing.v1.MsgSubmitEvidence": () => ({
    bytes: AegisMsgSubmitEvidence.encode({ submitter: ADDR(), evidence: { voteA: vote(1, 0, { height: 5, blockHash: hash(1) }), voteB: vote(1, 0, { height: 5, blockHash: hash(2) }), time: T0 } }).finish(),
    decodes: true,
  }),
};

/** Every path (field numbers) from the message to a nested message field of `spec`. */
function messagePaths(spec: MessageSpec, depth = 0): number[][] {
  if (depth > 4) return [];
  return Object.entries(spec.fields).flatMap(([n, f]) => (f.kind === "message" ? [[Number(n)], ...messagePaths(f.message!(), depth + 1).map((p) => [Number(n), ...p])] : []));
}

function readVarint(b: Uint8Array, pos: number): [number, number] {
  let v = 0;
  let shift = 1;
  for (;;) {
    const x = b[pos++]!;
    v += (x & 0x7f) * shift;
    shift *= 128;
    if ((x & 0x80) === 0) return [v, pos];
  }
}

/**
 * `bytes` (a `spec` message) with `extra` appended inside the first value at `path` (the message
 * itself when empty); undefined when the bytes have no value there.
 */
function injectInto(bytes: Uint8Array, spec: MessageSpec, path: number[], extra: Uint8Array): Uint8Array | undefined {
  if (path.length === 0) return concat(bytes, extra);
  const out: (Uint8Array | number[])[] = [];
  let pos = 0;
  let done = false;
  while (pos < bytes.length) {
    const start = pos;
    const [tag, afterTag] = readVarint(bytes, pos);
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === 0) pos = readVarint(bytes, afterTag)[1];
    else if (wire === 1) pos = afterTag + 8;
    else if (wire === 5) pos = afterTag + 4;
    else {
      const [len, afterLen] = readVarint(bytes, afterTag);
      pos = afterLen + len;
      if (!done && field === path[0]) {
        const inner = injectInto(bytes.subarray(afterLen, pos), spec.fields[field]!.message!(), path.slice(1), extra);
        if (inner === undefined) return undefined;
        done = true;
        out.push(lengthDelimited(field, inner));
        continue;
      }
    }
    out.push(bytes.subarray(start, pos));
  }
  return done ? concat(...out) : undefined;
}

describe("every registered message type", () => {
  test("has a wire schema; the registry refuses a handler that has none", () => {
    const registry = new MsgRegistry(allHandlers());
    const urls = allHandlers().map((h) => h.typeUrl);
    expect(urls.sort()).toEqual([
      "/aegis.consumers.v1.MsgDeregisterConsumer",
      "/aegis.consumers.v1.MsgRegisterConsumer",
      "/aegis.consumers.v1.MsgSubmitCheckpoint",
      "/aegis.consumers.v1.MsgSubmitConsumerEvidence",
      "/aegis.consumers.v1.MsgUpdateConsumer",
      "/aegis.slashing.v1.MsgSubmitEvidence",
      "/aegis.staking.v1.MsgCreateValidator",
      "/aegis.staking.v1.MsgEditValidator",
      "/aegis.zk.v1.MsgActivateZk",
      "/aegis.zk.v1.MsgSubmitZkCertificate",
      "/cosmos.bank.v1beta1.MsgSend",
      "/cosmos.distribution.v1beta1.MsgSetWithdrawAddress",
      "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward",
      "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission",
      "/cosmos.slashing.v1beta1.MsgUnjail",
      "/cosmos.staking.v1beta1.MsgBeginRedelegate",
      "/cosmos.staking.v1beta1.MsgDelegate",
      "/cosmos.staking.v1beta1.MsgUndelegate",
    ]);
    for (const url of urls) expect(registry.getWireSchema(url).name).toBe(url.slice(1));

    const handler = { ...DEFAULT_HANDLERS[0]!, typeUrl: "/example.v1.MsgNew" } as MsgHandler<never>;
    expect(() => new MsgRegistry([handler])).toThrow(/no wire schema for \/example\.v1\.MsgNew/);
    const withSchema = { ...handler, wireSchema: { name: "example.v1.MsgNew", fields: {} } } as MsgHandler<never>;
    expect(new MsgRegistry([withSchema]).getWireSchema("/example.v1.MsgNew").name).toBe("example.v1.MsgNew");
  });

  test.each(allHandlers().map((h) => h.typeUrl))("%s: a message with every field set passes; field 99 at the top and inside each nested message is refused", (url) => {
    const registry = new MsgRegistry(allHandlers());
    const schema = registry.getWireSchema(url);
    const samples = [...(url.startsWith("/aegis.") ? [{ bytes: encodeFilled(url), decodes: false }] : []), ...(SAMPLES[url] ? [SAMPLES[url]()] : [])];
    expect(samples.length).toBeGreaterThan(0);
    for (const { bytes, decodes } of samples) {
      if (decodes) expect(registry.decode(url, bytes).hasUnknownNonCritical).toBe(false);
      else expectNotRefusedByScan(() => registry.decode(url, bytes));
      for (const path of [[], ...messagePaths(schema)]) {
        const injected = injectInto(bytes, schema, path, lengthDelimited(99, [1]));
        // The filled sample has every field; a realistic one may leave a oneof's other members out.
        if (injected === undefined && decodes) continue;
        expect({ path, present: injected !== undefined }).toEqual({ path, present: true });
        let err: unknown;
        try {
          registry.decode(url, injected!);
        } catch (e) {
          err = e;
        }
        expect({ path, err: err instanceof TxError ? err.type : err }).toEqual({ path, err: { code: "TX_ERROR_DECODE", reason: expect.stringMatching(/: unknown field 99 \(wire type 2\)$/) } });
        // A non-critical field in the same place is skipped (then the domain codec may still refuse placeholder values).
        const nonCritical = injectInto(bytes, schema, path, lengthDelimited(1025, [1]))!;
        if (decodes) expect(registry.decode(url, nonCritical).hasUnknownNonCritical).toBe(true);
        else expectNotRefusedByScan(() => registry.decode(url, nonCritical));
      }
    }
  });
});

/** The scan accepted the bytes: decode succeeds, or fails in the domain codec (lengths of placeholder values), not in the scan. */
function expectNotRefusedByScan(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TxError);
    const reason = (e as TxError).type.code === "TX_ERROR_DECODE" ? ((e as TxError).type as { reason: string }).reason : "";
    expect(reason).not.toMatch(/unknown field|wire type|more than once|UTF-8|minimal|oneof|truncated|length prefix/);
  }
}
