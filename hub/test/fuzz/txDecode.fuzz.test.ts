/**
 * Fuzzing transaction decoding and admission (issue 18, "Fuzzing every input"): what reaches the hub
 * as a transaction (POST /txs, JSON-RPC broadcast_tx_*, gossiped TxBatch entries) goes through decodeTx
 * (hub/src/tx), the message registry's strict decoding (prepareTx) and HubApplication.checkTx.
 * Inputs: random bytes; TxRaw / TxBody / AuthInfo / message encodings generated from the wire schemas
 * the hub checks them with (every registered message type); transactions signed by cosmjs, mutated.
 *
 * - decodeTx and prepareTx throw only TxError, whose ABCI form is a non-zero SDK code with a log;
 * - checkTx (a real LevelDB, the hub's genesis) answers every input with an ABCI code and log, never
 *   an exception; a refused input leaves the account's sequence, the check state's balances, the
 *   committed state and the mempool unchanged; nothing but a transaction its signer signed is admitted
 *   (a mutated signed transaction never is); a valid transaction is still admitted after the fuzzing;
 * - the size limits are the constants in the code.
 *
 * `npm test` runs a bounded number of cases per property; `npm run fuzz` many more (fuzzParams).
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { toBech32 as cosmjsToBech32 } from "@cosmjs/encoding";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { MsgWithdrawDelegatorReward } from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import { MsgDelegate } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { sha256, toHex } from "@aegis/consumer-sdk";
import { fuzzParams } from "../../../test/helpers/fuzz.js";
import { MAX_TX_BYTES } from "../../src/codec/index.js";
import { computeModuleAddress, FEE_COLLECTOR, getBalance, HubApplication, parseGasPrice, prepareTx, type MsgRegistry } from "../../src/app/index.js";
import { HubDb } from "../../src/db/index.js";
import { nullLogger } from "../../src/logger.js";
import { Mempool } from "../../src/node/mempool.js";
import type { StateView } from "../../src/state/index.js";
import {
  COSMOS_SDK_ERRORS,
  decodeTx,
  DEFAULT_DECODE_TX_LIMITS,
  fromBech32,
  SECP256K1_PUBKEY_TYPE_URL,
  TX_ERROR_SDK_ERRORS,
  TxError,
  type FieldSpec,
  type MessageSpec,
} from "../../src/tx/index.js";
import { AUTH_INFO_SCHEMA, TX_BODY_SCHEMA, TX_RAW_SCHEMA } from "../../src/tx/txWireSchemas.js";
import { msgSend, signWithClient, testSigners, type Signer } from "../tx/txFixtures.js";
import { anyInputArbitrary, concatBytes, encodeVarint, HANG_MS, mutationParamsArbitrary, applyMutation, sameBytes, timed, utf8StringArbitrary, wireMessageArbitrary } from "./protoArbitraries.js";

const here = dirname(fileURLToPath(import.meta.url));
const vector = JSON.parse(readFileSync(join(here, "..", "..", "..", "test", "vectors", "zkCertificates.json"), "utf8"));

const CHAIN_ID = "aegis-fuzz-tx-1";
const DENOM = "uaeg";
const FEE = { amount: [{ denom: DENOM, amount: "5000" }], gas: "200000" };
const SDK_CODES = new Set<number>(Object.values(COSMOS_SDK_ERRORS).map((e) => e.code));

let alice: Signer;
let bob: Signer;
let dir: string;
let db: HubDb;
let app: HubApplication;
let registry: MsgRegistry;
let typeUrls: string[];
/** Transactions alice signed (cosmjs) with a sequence she never reaches: valid bytes that checkTx still refuses. */
let signedPool: Uint8Array[];

beforeAll(async () => {
  [alice, bob] = await testSigners();
  dir = await mkdtemp(join(tmpdir(), "aegis-fuzz-tx-"));
  db = await HubDb.open(dir);
  app = await HubApplication.open(
    {
      chainId: CHAIN_ID,
      genesis: { denom: DENOM, accounts: [{ address: alice.address, coins: [{ denom: DENOM, amount: (10n ** 15n).toString() }] }] },
      minGasPrices: [parseGasPrice("0.025uaeg")],
      // With a ZK section (a key set later by alice): every message type the hub has is registered.
      zk: { circuit: vector.certificate.circuit, capacity: vector.capacity, verificationKey: null, authority: fromBech32(alice.address, "aegis"), attestationIntervalMs: 1000, proverReward: "0", epochLength: 10 },
    },
    { db, logger: nullLogger },
  );
  // The application's own registry (every handler it registers), read for the type URLs to generate.
  registry = (app as unknown as { registry: MsgRegistry }).registry;
  typeUrls = [...(registry as unknown as { handlers: Map<string, unknown> }).handlers.keys()];
  const valoper = cosmjsToBech32("aegisvaloper", fromBech32(bob.address, "aegis"));
  const messages = [
    [msgSend(alice.address, bob.address, [{ denom: DENOM, amount: "1000" }])],
    [msgSend(alice.address, bob.address, [{ denom: DENOM, amount: "1" }, { denom: "uatom", amount: "2" }]), msgSend(alice.address, alice.address, [{ denom: DENOM, amount: "3" }])],
    [{ typeUrl: "/cosmos.staking.v1beta1.MsgDelegate", value: MsgDelegate.fromPartial({ delegatorAddress: alice.address, validatorAddress: valoper, amount: { denom: DENOM, amount: "10" } }) }],
    [{ typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward", value: MsgWithdrawDelegatorReward.fromPartial({ delegatorAddress: alice.address, validatorAddress: valoper }) }],
  ];
  signedPool = [];
  for (const [i, m] of messages.entries()) {
    const { bytes } = await signWithClient({ signer: alice, messages: m, fee: FEE, memo: "pool ".repeat(i), sequence: 1_000_000 + i, accountNumber: 0, chainId: CHAIN_ID, timeoutHeight: i % 2 ? 1000n : undefined });
    signedPool.push(bytes);
  }
  generators = buildGenerators();
});

afterAll(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Generators: transactions from the hub's wire schemas
// ---------------------------------------------------------------------------------------------

/** Field names that hold a bech32 account: often the funded account's address, so checks go past the address. */
const ADDRESS_FIELD = /address|addr$|^from|^to_|submitter|owner|relayer|authority|delegator|payer|granter|tipper/;

function fieldArbitrary(_spec: MessageSpec, f: FieldSpec): fc.Arbitrary<Uint8Array | bigint | string> | undefined {
  if (f.kind === "string" && ADDRESS_FIELD.test(f.name)) {
    return fc.oneof(
      { arbitrary: fc.constant(alice.address), weight: 4 },
      fc.constant(bob.address),
      fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => cosmjsToBech32("aegis", b)),
      utf8StringArbitrary,
    );
  }
  if (f.kind === "string" && (f.name === "denom" || f.name === "bond_denom")) return fc.constantFrom(DENOM, "uatom", "x");
  if (f.kind === "string" && f.name === "amount") return fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String), utf8StringArbitrary);
  return undefined;
}

function field(n: number, content: Uint8Array): Uint8Array {
  return concatBytes(encodeVarint((n << 3) | 2), encodeVarint(content.length), content);
}

/** The generators (built once the signers and the registry are known). */
function buildGenerators() {
  /** A message of a registered type (or, sometimes, of an unknown one), its value from the type's wire schema. */
  const message: fc.Arbitrary<{ typeUrl: string; value: Uint8Array }> = fc
    .oneof(
      { arbitrary: fc.constantFrom(...typeUrls), weight: 12 },
      // The one message every account can send: most often, so that checks go on to fees, sequences and signatures.
      { arbitrary: fc.constant("/cosmos.bank.v1beta1.MsgSend"), weight: 8 },
      { arbitrary: fc.oneof(fc.constant("/cosmos.gov.v1.MsgVote"), fc.constant(""), fc.constant("/"), utf8StringArbitrary), weight: 1 },
    )
    .chain((typeUrl) => {
      const schema = typeUrls.includes(typeUrl) ? registry.getWireSchema(typeUrl) : undefined;
      const value = schema ? wireMessageArbitrary(schema, { maxDepth: 5, maxRepeated: 2, fieldArbitrary }) : fc.uint8Array({ maxLength: 64 });
      return value.map((v) => ({ typeUrl, value: v }));
    });
  /** The same as google.protobuf.Any bytes. */
  const anyMessage = message.map((m) => concatBytes(field(1, new TextEncoder().encode(m.typeUrl)), field(2, m.value)));

  /** TxBody from its schema, with registered messages in `messages`. */
  const schemaBody: fc.Arbitrary<Uint8Array> = wireMessageArbitrary(TX_BODY_SCHEMA, {
    maxDepth: 2,
    maxRepeated: 3,
    fieldArbitrary: (spec, f) => (spec.name === "TxBody" && f.name === "messages" ? anyMessage : spec.name === "TxBody" && f.name === "timeout_height" ? fc.bigInt({ min: 0n, max: 100n }) : fieldArbitrary(spec, f)),
  });
  /** TxBody as a client makes one: 1-3 messages, a memo, rarely a timeout height or a non-critical extension. */
  const plausibleBody: fc.Arbitrary<Uint8Array> = fc
    .record({
      messages: fc.oneof({ arbitrary: fc.tuple(message), weight: 4 }, fc.array(message, { minLength: 1, maxLength: 3 })),
      memo: fc.string({ maxLength: 40 }),
      timeoutHeight: fc.oneof({ arbitrary: fc.constant(0n), weight: 6 }, fc.bigInt({ min: 1n, max: 1000n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
      nonCriticalExtensionOptions: fc.array(message, { maxLength: 1 }),
    })
    .map((b) => TxBody.encode(TxBody.fromPartial(b)).finish());
  const bodyBytes = fc.oneof({ arbitrary: schemaBody, weight: 1 }, { arbitrary: plausibleBody, weight: 4 });

  /** One signer info: the funded account's key (or none, or another), a sign mode, a fee of plausible and bad coins. */
  const plausibleAuthInfo: fc.Arbitrary<Uint8Array> = fc
    .record({
      key: fc.oneof({ arbitrary: fc.constant("alice"), weight: 4 }, fc.constant(undefined), fc.uint8Array({ minLength: 33, maxLength: 33 })),
      mode: fc.oneof({ arbitrary: fc.constant(SignMode.SIGN_MODE_DIRECT), weight: 6 }, fc.constantFrom(SignMode.SIGN_MODE_LEGACY_AMINO_JSON, SignMode.SIGN_MODE_UNSPECIFIED, 999)),
      sequence: fc.bigInt({ min: 0n, max: 3n }),
      fee: fc.oneof(
        { arbitrary: fc.constant<{ denom: string; amount: string }[]>([{ denom: DENOM, amount: "5000" }]), weight: 3 },
        { arbitrary: fc.array(fc.record({ denom: fc.constantFrom(DENOM, "uatom", "Bad Denom"), amount: fc.constantFrom("0", "5000", "-1", "1e3", "9".repeat(80)) }), { maxLength: 2 }), weight: 1 },
      ),
      gasLimit: fc.oneof(fc.constant(200_000n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
      payer: fc.oneof(fc.constant(""), fc.constant(""), fc.constant("alice"), utf8StringArbitrary),
    })
    .map(({ key, mode, sequence, fee, gasLimit, payer }) =>
      AuthInfo.encode(
        AuthInfo.fromPartial({
          signerInfos: [
            {
              publicKey: key === undefined ? undefined : { typeUrl: SECP256K1_PUBKEY_TYPE_URL, value: PubKey.encode({ key: key === "alice" ? alice.pubkey : key }).finish() },
              modeInfo: { single: { mode } },
              sequence,
            },
          ],
          fee: { amount: fee, gasLimit, payer: payer === "alice" ? alice.address : payer, granter: "" },
        }),
      ).finish(),
    );

  /** AuthInfo: from its schema, or one signer of the funded account's key, DIRECT, with a plausible fee. */
  const authInfoBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
    { arbitrary: wireMessageArbitrary(AUTH_INFO_SCHEMA, { maxDepth: 5, maxRepeated: 2, fieldArbitrary }), weight: 1 },
    { arbitrary: plausibleAuthInfo, weight: 4 },
  );

  /** TxRaw of a generated body and auth info and 0-2 signatures (64 random bytes mostly). */
  const generatedTx: fc.Arbitrary<Uint8Array> = fc
    .record({
      body: bodyBytes,
      authInfo: authInfoBytes,
      signatures: fc.oneof(
        { arbitrary: fc.tuple(fc.uint8Array({ minLength: 64, maxLength: 64 })), weight: 4 },
        { arbitrary: fc.array(fc.oneof(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.uint8Array({ maxLength: 70 })), { maxLength: 2 }), weight: 1 },
      ),
    })
    .map(({ body, authInfo, signatures }) => TxRaw.encode({ bodyBytes: body, authInfoBytes: authInfo, signatures }).finish());

  /** TxRaw straight from its schema (body and auth info from theirs). */
  const schemaTx: fc.Arbitrary<Uint8Array> = wireMessageArbitrary(TX_RAW_SCHEMA, {
    maxRepeated: 2,
    fieldArbitrary: (spec, f) => (f.name === "body_bytes" ? bodyBytes : f.name === "auth_info_bytes" ? authInfoBytes : undefined),
  });

  return { generatedTx, schemaTx, txInputs: () => anyInputArbitrary(fc.oneof(generatedTx, schemaTx, fc.constantFrom(...signedPool))) };
}
let generators: ReturnType<typeof buildGenerators>;
const txInputs = () => generators.txInputs();

/** A signed MsgSend of alice (sequence `sequence`), as cosmjs broadcasts it. */
async function signedSend(sequence: bigint, amount = 1000n, memo = ""): Promise<Uint8Array> {
  const { bytes } = await signWithClient({
    signer: alice,
    messages: [msgSend(alice.address, bob.address, [{ denom: DENOM, amount: amount.toString() }])],
    fee: FEE,
    memo,
    sequence: Number(sequence),
    accountNumber: 0,
    chainId: CHAIN_ID,
  });
  return bytes;
}

function expectTxError(e: unknown): TxError {
  if (!(e instanceof TxError)) throw e;
  expect(Object.keys(TX_ERROR_SDK_ERRORS)).toContain(e.code);
  const abci = e.toAbci();
  expect(abci.code).toBeGreaterThan(0);
  expect(SDK_CODES.has(abci.code)).toBe(true);
  expect(typeof abci.log).toBe("string");
  return e;
}

// ---------------------------------------------------------------------------------------------
// decodeTx and prepareTx
// ---------------------------------------------------------------------------------------------

test("the signed pool decodes and prepares (what the mutations start from)", () => {
  for (const tx of signedPool) expect(prepareTx(tx, { chainId: CHAIN_ID, registry, simulate: false }).tx.size).toBe(tx.length);
});

test("decodeTx: TxError, or a transaction within the limits, decoded the same way every time", () => {
  fc.assert(
    fc.property(txInputs(), (bytes) => {
      const r = timed(() => decodeTx(bytes));
      expect(r.ms).toBeLessThan(HANG_MS);
      if (r.error !== undefined) return void expectTxError(r.error);
      const tx = r.value!;
      expect(tx.size).toBe(bytes.length);
      expect(tx.hashHex).toBe(toHex(sha256(bytes)).toUpperCase());
      expect(tx.messages.length).toBeGreaterThanOrEqual(1);
      expect(tx.messages.length).toBeLessThanOrEqual(DEFAULT_DECODE_TX_LIMITS.maxMessages);
      expect(new TextEncoder().encode(tx.memo).length).toBeLessThanOrEqual(DEFAULT_DECODE_TX_LIMITS.maxMemoBytes);
      expect(tx.signatures.length).toBe(tx.signerInfos.length);
      expect(tx.signatures.length).toBeLessThanOrEqual(DEFAULT_DECODE_TX_LIMITS.maxSignatures);
      for (const s of tx.signatures) expect(s.length).toBe(64);
      expect(decodeTx(bytes)).toEqual(tx);
    }),
    fuzzParams(500),
  );
});

test("prepareTx (the registry's strict message decoding and checks): TxError only", () => {
  fc.assert(
    fc.property(txInputs(), fc.boolean(), (bytes, simulate) => {
      const r = timed(() => prepareTx(bytes, { chainId: CHAIN_ID, registry, simulate }));
      expect(r.ms).toBeLessThan(HANG_MS);
      if (r.error !== undefined) return void expectTxError(r.error);
      expect(r.value!.signers.length).toBeGreaterThanOrEqual(1);
      expect(r.value!.payerIndex).toBeLessThan(r.value!.signers.length);
    }),
    fuzzParams(400),
  );
});

test("every registered message type: its bytes from its wire schema decode strictly or fail with TxError", () => {
  expect(typeUrls.length).toBeGreaterThanOrEqual(20);
  for (const url of typeUrls) {
    const schema = registry.getWireSchema(url);
    fc.assert(
      fc.property(anyInputArbitrary(wireMessageArbitrary(schema, { maxDepth: 5, maxRepeated: 2, fieldArbitrary })), (value) => {
        const r = timed(() => {
          const d = registry.decode(url, value);
          d.handler.validateBasic(d.msg);
          return d.handler.getSigners(d.msg);
        });
        expect(r.ms).toBeLessThan(HANG_MS);
        if (r.error !== undefined) expectTxError(r.error);
      }),
      fuzzParams(25),
    );
  }
});

// ---------------------------------------------------------------------------------------------
// checkTx over a real LevelDB
// ---------------------------------------------------------------------------------------------

const aliceAddress = () => fromBech32(alice.address, "aegis");
/** The check state (committed state plus admitted transactions' ante effects): no public API shows its balances. */
const checkView = () => (app as unknown as { checkView: StateView }).checkView;

function snapshot(mempool: Mempool) {
  const a = app.checkAccount(aliceAddress());
  return {
    sequence: a?.sequence,
    accountNumber: a?.accountNumber,
    checkBalance: getBalance(checkView(), aliceAddress(), DENOM),
    checkFees: getBalance(checkView(), computeModuleAddress(FEE_COLLECTOR), DENOM),
    height: app.height,
    root: toHex(app.stateRoot),
    mempool: mempool.size,
  };
}

/** What the node does with a submitted or gossiped transaction (hubNode.ts): mempool refusal, CheckTx, then the mempool. */
function admit(mempool: Mempool, tx: Uint8Array): { code: number; log: string; codespace: string } {
  const refusal = mempool.refusal(tx);
  if (refusal) return { code: -1, log: refusal, codespace: "mempool" };
  const r = app.checkTx(tx);
  if (r.code === 0) mempool.add(tx);
  return r;
}

test("checkTx: an ABCI code and log for every input; refused ones change nothing; only what alice signed is admitted", async () => {
  const mempool = new Mempool();
  const step = fc.oneof(
    { arbitrary: txInputs().map((bytes) => ({ kind: "hostile" as const, bytes })), weight: 3 },
    // A transaction alice signs now (her current sequence), mutated 1-3 times.
    { arbitrary: fc.record({ kind: fc.constant("mutated" as const), amount: fc.bigInt({ min: 1n, max: 10n ** 6n }), memo: fc.string({ maxLength: 20 }), mutations: fc.array(mutationParamsArbitrary, { minLength: 1, maxLength: 3 }) }), weight: 3 },
    { arbitrary: fc.record({ kind: fc.constant("valid" as const), amount: fc.bigInt({ min: 1n, max: 10n ** 6n }) }), weight: 1 },
  );
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 5 }), async (steps) => {
      for (const s of steps) {
        const before = snapshot(mempool);
        if (s.kind === "valid") {
          const tx = await signedSend(before.sequence!, s.amount);
          const r = admit(mempool, tx);
          expect(r).toMatchObject({ code: 0 });
          const after = snapshot(mempool);
          expect(after).toMatchObject({ sequence: before.sequence! + 1n, mempool: before.mempool + 1, root: before.root, height: before.height });
          expect(after.checkBalance).toBe(before.checkBalance - 5000n);
          continue;
        }
        let bytes: Uint8Array;
        let original: Uint8Array | undefined;
        if (s.kind === "mutated") {
          original = await signedSend(before.sequence!, s.amount, s.memo);
          bytes = s.mutations.reduce(applyMutation, original);
          if (sameBytes(bytes, original)) continue;
        } else {
          bytes = s.bytes;
        }
        const r = timed(() => admit(mempool, bytes));
        expect(r.ms).toBeLessThan(HANG_MS);
        expect(r.error).toBeUndefined();
        const { code, log, codespace } = r.value!;
        expect(Number.isInteger(code)).toBe(true);
        expect(typeof log).toBe("string");
        expect(typeof codespace).toBe("string");
        // Nothing alice did not sign gets in: not a generated transaction, not a mutation of a signed one.
        expect(code).not.toBe(0);
        if (code > 0) expect(SDK_CODES.has(code)).toBe(true);
        expect(snapshot(mempool)).toEqual(before);
      }
    }),
    fuzzParams(120),
  );
  // After all that, a valid transaction is still admitted.
  const seq = app.checkAccount(aliceAddress())!.sequence;
  expect(admit(mempool, await signedSend(seq, 7n, "after the fuzzing"))).toMatchObject({ code: 0 });
  expect(app.checkAccount(aliceAddress())!.sequence).toBe(seq + 1n);
});

// ---------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------

describe("limits", () => {
  const code = (name: keyof typeof COSMOS_SDK_ERRORS) => COSMOS_SDK_ERRORS[name].code;

  test("transaction size: decodeTx's maxTxBytes, the mempool's, under the block codec's MAX_TX_BYTES", async () => {
    expect(DEFAULT_DECODE_TX_LIMITS).toEqual({ maxTxBytes: 64 * 1024, maxMessages: 32, maxMemoBytes: 256, maxSignatures: 7 });
    expect(DEFAULT_DECODE_TX_LIMITS.maxTxBytes).toBeLessThanOrEqual(MAX_TX_BYTES);
    const mempool = new Mempool();
    const big = new Uint8Array(DEFAULT_DECODE_TX_LIMITS.maxTxBytes + 1);
    expect(mempool.refusal(big)).toBe("too_large");
    expect(mempool.refusal(new Uint8Array(DEFAULT_DECODE_TX_LIMITS.maxTxBytes))).toBeNull();
    expect(app.checkTx(big)).toMatchObject({ code: code("ErrTxTooLarge") });
    expect(() => decodeTx(big)).toThrow(expect.objectContaining({ type: { code: "TX_ERROR_TOO_LARGE", size: big.length, limit: DEFAULT_DECODE_TX_LIMITS.maxTxBytes } }));
    expect(app.checkTx(new Uint8Array(0))).toMatchObject({ code: code("ErrTxDecode") });
  });

  test("messages, memo and signatures: at most 32, 256 bytes and 7", async () => {
    const send = msgSend(alice.address, bob.address, [{ denom: DENOM, amount: "1" }]);
    const sign = (messages: (typeof send)[], memo = "") => signWithClient({ signer: alice, messages, fee: FEE, memo, sequence: 0, accountNumber: 0, chainId: CHAIN_ID }).then((r) => r.bytes);
    expect(decodeTx(await sign(Array.from({ length: 32 }, () => send))).messages).toHaveLength(32);
    const tooMany = await sign(Array.from({ length: 33 }, () => send));
    expect(() => decodeTx(tooMany)).toThrow(expect.objectContaining({ type: { code: "TX_ERROR_TOO_MANY_MESSAGES", count: 33, limit: 32 } }));
    expect(decodeTx(await sign([send], "m".repeat(256))).memo).toHaveLength(256);
    await expect(sign([send], "é".repeat(129)).then(decodeTx)).rejects.toMatchObject({ type: { code: "TX_ERROR_MEMO_TOO_LARGE", length: 258, limit: 256 } });
    // Eight signer infos and signatures.
    const raw = TxRaw.decode(await sign([send]));
    const auth = AuthInfo.decode(raw.authInfoBytes);
    const eight = TxRaw.encode({ ...raw, authInfoBytes: AuthInfo.encode({ ...auth, signerInfos: Array.from({ length: 8 }, () => auth.signerInfos[0]!) }).finish(), signatures: Array.from({ length: 8 }, () => raw.signatures[0]!) }).finish();
    expect(() => decodeTx(eight)).toThrow(expect.objectContaining({ type: { code: "TX_ERROR_TOO_MANY_SIGNATURES", count: 8, limit: 7 } }));
  });

  test("nesting: the strict scan refuses messages nested deeper than 16", () => {
    // TxBody.messages[0] = Any whose value is an Any whose value is ... (every level a valid Any prefix).
    let nested: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < 40; i++) nested = TxBody.encode({ messages: [{ typeUrl: "/x", value: nested }], memo: "", timeoutHeight: 0n, unordered: false, extensionOptions: [], nonCriticalExtensionOptions: [] }).finish();
    const r = timed(() => decodeTx(TxRaw.encode({ bodyBytes: nested, authInfoBytes: new Uint8Array(0), signatures: [] }).finish()));
    expect(r.ms).toBeLessThan(HANG_MS);
    expectTxError(r.error);
  });
});
