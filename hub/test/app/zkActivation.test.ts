// A ZK tier that starts after genesis (decision 58): a genesis whose zk section names an authority
// instead of a verification key (parsing, the genesis hash), then MsgActivateZk through a real
// HubApplication over a level database in a temp folder, with transactions signed by cosmjs
// (SigningStargateClient.offline): each refusal (in CheckTx, or in its block with code 18) leaves no
// key and no record; the one accepted activation stores the record (consumer-sdk encodeZkActivation)
// whose trusted point is the block two below the activation's (the newest whose hash the state holds
// when the transaction is also simulated or checked on the committed state) and whose next root is
// the ZK root of the set that signs the height after it (here a set that changed at that epoch
// boundary); a simulation stores nothing; app.zkKey() before and after; MsgSubmitZkCertificate before
// activation and below fromHeight; and
// the state proofs of app.zkActivationProof(h), checked with verifyZkActivationProof against each
// committed root. Last, a running one-validator node: GET /zk and GET /zk/activation before and after
// the cosmjs helper activateZk sends the message.
import { zkCertificateOfVector } from "../../../consumer-sdk/test/helpers/zkVectors.js";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { toBech32 } from "@cosmjs/encoding";
import { Registry, type EncodeObject } from "@cosmjs/proto-signing";
import { defaultRegistryTypes, SigningStargateClient, type StdFee } from "@cosmjs/stargate";
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { MsgDelegate } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { SimulateRequest, SimulateResponse } from "cosmjs-types/cosmos/tx/v1beta1/service";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { aegis } from "@aegis/proto";
import {
  computeHubApiPath,
  decodeApiErrorJson,
  decodeHeaderResponseJson,
  decodeZkActivation,
  decodeZkActivationProofJson,
  decodeZkInfoJson,
  encodeZkActivation,
  parseZkVerificationKey,
  sha256,
  StateProofError,
  toHex,
  verifyZkActivationProof,
  ZERO_HASH,
  ZK_ACTIVATION_STATE_KEY,
  ZK_MAX_VERIFICATION_KEY_JSON_LENGTH,
  type Groth16VerificationKey,
  type ZkCertificate,
} from "@aegis/consumer-sdk";
import { ApplicationError, HubApplication, parseGasPrice, type BlockExecutionContext } from "../../src/app/index.js";
import { getBalance } from "../../src/app/modules/bank.js";
import {
  AegisMsgActivateZk,
  AegisMsgSubmitZkCertificate,
  getRecordedBlockHash,
  getRecordedBlockTime,
  getZkActivation,
  MSG_ACTIVATE_ZK_RESPONSE_TYPE_URL,
  MSG_ACTIVATE_ZK_TYPE_URL,
  MSG_SUBMIT_ZK_CERTIFICATE_TYPE_URL,
  type MsgActivateZk,
  type MsgSubmitZkCertificate,
} from "../../src/app/modules/zk/index.js";
import type { TxResult } from "../../src/app/executeTx.js";
import { HubDb } from "../../src/db/index.js";
import { GenesisError, parseGenesis, type Genesis, type GenesisFile, type ZkGenesis } from "../../src/genesis.js";
import { nullLogger } from "../../src/logger.js";
import { activateZk } from "../../src/node/activateZk.js";
import { initHomes } from "../../src/node/initHomes.js";
import { startNodeFromHome, type RunningNode } from "../../src/node/runNode.js";
import type { StateView } from "../../src/state/index.js";
import { fromBech32, TxError } from "../../src/tx/index.js";
import { computeZkValidatorSetRootOf } from "../../src/zk/zkValidatorSet.js";
import { MNEMONIC, testSigners, type Signer } from "../tx/txFixtures.js";
import { acc, attestationKey, attestationKeyPair, blsKey, valoper } from "./staking/stakingFixtures.js";

const here = dirname(fileURLToPath(import.meta.url));
const vector = JSON.parse(readFileSync(join(here, "..", "..", "..", "test", "vectors", "zkCertificates.json"), "utf8"));
/** The vector's quorum4 key as snarkjs exports it (with vk_alphabeta_12, which a verifier does not read). */
const VK = vector.verificationKey as Groth16VerificationKey;
/** The same key as the hub keeps it: only the fields a verifier reads, in a fixed order. */
const KEY = parseZkVerificationKey(VK);
const CERT: ZkCertificate = zkCertificateOfVector(vector.certificate);

const CHAIN_ID = "aegis-zk-activation-1";
const DENOM = "uaeg";
const T0 = 1_700_000_000_000;
const CAPACITY = 4;
const EPOCH = 3;
const SELF_DELEGATION = 10_000_000n; // power 10
const FUNDS = 10n ** 12n;
const FEE: StdFee = { amount: [{ denom: DENOM, amount: "15000" }], gas: "600000" };
const FEE_AMOUNT = 15_000n;
const INVALID_REQUEST = new TxError({ code: "TX_ERROR_INVALID_MESSAGE", typeUrl: "", reason: "" }).abciCode;
const INVALID_ADDRESS = new TxError({ code: "TX_ERROR_INVALID_MESSAGE_ADDRESS", typeUrl: "", field: "", reason: "" }).abciCode;
const VALIDATORS = [1, 2, 3];

let alice: Signer; // the genesis's zk.authority in the application tests
let bob: Signer;
beforeAll(async () => {
  [alice, bob] = await testSigners();
});

const dirs: string[] = [];
const dbs: HubDb[] = [];
afterAll(async () => {
  for (const db of dbs) if (db.isOpen) await db.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/**
 * A genesis with validators 1..3 of the staking fixtures (BLS and attestation keys with proofs of
 * possession bound to their operators, power 10 each), epochs of EPOCH blocks, `funded` accounts,
 * and the given zk section (none when undefined).
 */
function genesisFile(zk: Partial<ZkGenesis> | undefined, funded: string[] = [], opts: { stakingValidators?: boolean } = {}): GenesisFile {
  const staked = opts.stakingValidators ?? true;
  return {
    chainId: CHAIN_ID,
    genesisTime: T0,
    validators: VALIDATORS.map((i) => ({ moniker: `v${i}`, operator: acc(i), blsPublicKey: toHex(blsKey(i).publicKey), proofOfPossession: toHex(blsKey(i).pop), power: "10" })),
    appState: {
      denom: DENOM,
      epochLength: EPOCH,
      accounts: [
        ...funded.map((address) => ({ address, coins: [{ denom: DENOM, amount: FUNDS.toString() }] })),
        ...VALIDATORS.map((i) => ({ address: acc(i), coins: [{ denom: DENOM, amount: (SELF_DELEGATION + 10n ** 9n).toString() }] })),
      ],
      validators: (staked ? VALIDATORS : []).map((i) => ({
        moniker: `v${i}`,
        operator: acc(i),
        blsPublicKey: toHex(blsKey(i).publicKey),
        blsProofOfPossession: toHex(blsKey(i).pop),
        attestationPublicKey: toHex(attestationKey(i)),
        attestationProofOfPossession: toHex(attestationKeyPair(i).pop),
        selfDelegation: SELF_DELEGATION.toString(),
      })),
      staking: { maxValidators: CAPACITY },
    },
    ...(zk ? { zk: { circuit: "quorum4", capacity: CAPACITY, ...zk } as ZkGenesis } : {}),
  };
}

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

describe("the genesis zk section: a verification key, or an authority that sets it later", () => {
  const AUTHORITY = new Uint8Array(20).fill(0x5a);
  const OTHER = new Uint8Array(20).fill(0x5b);

  test("an authority (aegis1…) instead of a key is accepted: the parsed section has its 20 bytes and no key", () => {
    const g = parseGenesis(genesisFile({ authority: toBech32("aegis", AUTHORITY) }));
    expect(g.zk).toEqual({ circuit: "quorum4", capacity: CAPACITY, verificationKey: null, authority: AUTHORITY, attestationIntervalMs: 2000, proverReward: "0", epochLength: EPOCH });
    // And a key without an authority, as before.
    const k = parseGenesis(genesisFile({ verificationKey: VK }));
    expect(k.zk).toMatchObject({ verificationKey: KEY, authority: null });
  });

  test.each<[string, Partial<ZkGenesis>]>([
    ["both a key and an authority", { verificationKey: VK, authority: toBech32("aegis", AUTHORITY) }],
    ["neither a key nor an authority", {}],
  ])("%s: refused with GENESIS_ERROR_INVALID on zk, saying it is one or the other", (_n, zk) => {
    const err = genesisError(genesisFile(zk));
    expect(err).toBeInstanceOf(GenesisError);
    expect(err!.type).toMatchObject({ code: "GENESIS_ERROR_INVALID", field: "zk" });
    expect(err!.message).toMatch(/^genesis\.zk: either verificationKey .* or authority/);
  });

  test.each<[string, unknown, RegExp]>([
    ["a validator operator address (aegisvaloper1…)", toBech32("aegisvaloper", AUTHORITY), /invalid Bech32 prefix; expected aegis, got aegisvaloper/],
    ["another chain's prefix", toBech32("cosmos", AUTHORITY), /expected aegis, got cosmos/],
    ["a 32-byte address", toBech32("aegis", new Uint8Array(32).fill(0x5a)), /decodes to 32 bytes, expected 20/],
    ["a bad checksum", toBech32("aegis", AUTHORITY).slice(0, -1) + (toBech32("aegis", AUTHORITY).endsWith("q") ? "p" : "q"), /checksum/],
    ["an empty string", "", /bech32/],
    ["a hex string", toHex(AUTHORITY), /bech32/],
    ["a number", 12345, /bech32/],
    ["null", null, /bech32/],
  ])("an authority that is %s: refused with GENESIS_ERROR_INVALID naming zk.authority", (_n, authority, reason) => {
    const err = genesisError(genesisFile({ authority: authority as string }));
    expect(err).toBeInstanceOf(GenesisError);
    expect(err!.type).toMatchObject({ code: "GENESIS_ERROR_INVALID", field: "zk.authority" });
    expect(err!.message).toMatch(/^genesis\.zk\.authority: an account address \(aegis1…, 20 bytes\): /);
    expect(err!.message).toMatch(reason);
  });

  test("the genesis hash covers the authority: it differs from the same genesis with a key, and between two authorities", () => {
    const a = parseGenesis(genesisFile({ authority: toBech32("aegis", AUTHORITY) }));
    const again = parseGenesis(JSON.parse(JSON.stringify(genesisFile({ authority: toBech32("aegis", AUTHORITY) }))));
    const b = parseGenesis(genesisFile({ authority: toBech32("aegis", OTHER) }));
    const keyed = parseGenesis(genesisFile({ verificationKey: VK }));
    const none = parseGenesis(genesisFile(undefined));
    expect(toHex(again.hash)).toBe(toHex(a.hash));
    expect(new Set([a, b, keyed, none].map((g) => toHex(g.hash))).size).toBe(4);
  });
});

// ---------------------------------------------------------------------------------------------
// Through HubApplication
// ---------------------------------------------------------------------------------------------

const cosmjsRegistry = new Registry([
  ...defaultRegistryTypes,
  [AegisMsgActivateZk.typeUrl, AegisMsgActivateZk],
  [AegisMsgSubmitZkCertificate.typeUrl, AegisMsgSubmitZkCertificate],
] as never);

/** A stand-in block hash of height h (the application stores what the header's parentHash says). */
const blockHashOf = (h: number): Uint8Array => sha256(Uint8Array.of(0xb1, h));
const timeOf = (h: number): number => T0 + h * 1000;
const ctx = (h: number): BlockExecutionContext => ({
  chainId: CHAIN_ID,
  height: h,
  time: timeOf(h),
  proposer: new Uint8Array(20).fill(7),
  parentHash: h === 1 ? ZERO_HASH : blockHashOf(h - 1),
  lastCommit: null,
  evidence: [],
});

interface Chain {
  g: Genesis;
  app: HubApplication;
  db: HubDb;
  dir: string;
  /** State root committed at each height (0: the genesis). */
  roots: Map<number, Uint8Array>;
  store(): StateView;
  /** A transaction of `messages` signed by `signer` with the sequence CheckTx expects now. */
  sign(signer: Signer, messages: EncodeObject[]): Promise<Uint8Array>;
  /** Admits each through CheckTx (code 0 expected), commits the next block, returns their results. */
  block(...txs: Uint8Array[]): Promise<TxResult[]>;
}

async function openChain(zk: Partial<ZkGenesis> | undefined, opts: { dir?: string; stakingValidators?: boolean } = {}): Promise<Chain> {
  const g = parseGenesis(genesisFile(zk, [alice.address, bob.address], { stakingValidators: opts.stakingValidators }));
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), "aegis-zk-activation-")));
  if (!opts.dir) dirs.push(dir);
  const db = await HubDb.open(dir);
  dbs.push(db);
  const app = await HubApplication.open(
    { chainId: CHAIN_ID, genesis: g.appState!, genesisTime: g.genesisTime, minGasPrices: [parseGasPrice("0.025uaeg")], ...(g.zk ? { zk: g.zk } : {}) },
    { db, logger: nullLogger },
  );
  const roots = new Map<number, Uint8Array>([[app.height, app.stateRoot]]);
  const chain: Chain = {
    g,
    app,
    db,
    dir,
    roots,
    store: () => (app as unknown as { state: { committed: StateView } }).state.committed,
    async sign(signer, messages) {
      const a = app.checkAccount(fromBech32(signer.address, "aegis", { lengths: [20] }))!;
      const client = await SigningStargateClient.offline(signer.wallet, { registry: cosmjsRegistry });
      const raw = await client.sign(signer.address, messages, FEE, "", { accountNumber: a.accountNumber, sequence: Number(a.sequence), chainId: CHAIN_ID });
      return TxRaw.encode(raw).finish();
    },
    async block(...txs) {
      for (const tx of txs) expect(app.checkTx(tx)).toMatchObject({ code: 0, log: "" });
      const h = app.height + 1;
      const { stateRoot } = await app.commitBlock(ctx(h), txs);
      roots.set(h, stateRoot);
      return Promise.all(txs.map(async (tx) => (await db.txs.getByHash(toHex(sha256(tx)).toUpperCase()))!.result));
    },
  };
  return chain;
}

const activation = (over: Partial<MsgActivateZk> & { authority: string }): EncodeObject => ({
  typeUrl: MSG_ACTIVATE_ZK_TYPE_URL,
  value: AegisMsgActivateZk.fromPartial({ circuit: "quorum4", verificationKeyJson: JSON.stringify(VK), ...over }),
});
const submitCertificate = (submitter: string, certificate: ZkCertificate): EncodeObject => ({
  typeUrl: MSG_SUBMIT_ZK_CERTIFICATE_TYPE_URL,
  value: { submitter, certificate } satisfies MsgSubmitZkCertificate,
});
const delegate = (from: Signer, validator: number, amount: bigint): EncodeObject => ({
  typeUrl: "/cosmos.staking.v1beta1.MsgDelegate",
  value: MsgDelegate.fromPartial({ delegatorAddress: from.address, validatorAddress: valoper(validator), amount: { denom: DENOM, amount: amount.toString() } }),
});
const attribute = (r: TxResult, type: string, key: string) => r.events.find((e) => e.type === type)?.attributes.find((a) => a.key === key)?.value;
const balanceOf = (c: Chain, s: Signer) => getBalance(c.store(), fromBech32(s.address, "aegis", { lengths: [20] }), DENOM);
const zkRootAt = (c: Chain, h: number) => computeZkValidatorSetRootOf(c.app.zkValidatorsAt(h)!.validators, CAPACITY);
/**
 * The trusted point of an activation in block h: two below it (the newest block whose hash the state
 * holds both in the block and when the transaction is checked or simulated on the committed state);
 * certificates are of heights above it.
 */
const trustPointOf = (h: number) => Math.max(0, h - 2);
/** The Simulate query (cosmjs "auto" gas) of a signed transaction, on the committed state. */
function simulate(c: Chain, tx: Uint8Array) {
  return c.app.query("/cosmos.tx.v1beta1.Service/Simulate", SimulateRequest.encode(SimulateRequest.fromPartial({ txBytes: tx })).finish());
}

/** The proof of the activation record at `h`, checked against the root committed at `h`. */
async function provenActivation(c: Chain, h: number) {
  const p = (await c.app.zkActivationProof(h))!;
  expect(p).toBeDefined();
  expect(toHex(p.root)).toBe(toHex(c.roots.get(h)!));
  expect(toHex(p.key)).toBe(toHex(ZK_ACTIVATION_STATE_KEY));
  const proven = await verifyZkActivationProof(c.roots.get(h)!, p.proof);
  // The value the store reports is the one the proof leads to.
  expect(p.value === null ? null : toHex(p.value)).toBe(proven === null ? null : toHex(encodeZkActivation(proven)));
  return { proof: p, proven };
}

/** What a refusal must leave as it was: no record, no key, the committed state's proof of absence. */
async function expectNotActivated(c: Chain): Promise<void> {
  expect(getZkActivation(c.store())).toBeUndefined();
  expect(c.app.zkKey()).toBeUndefined();
  expect((await provenActivation(c, c.app.height)).proven).toBeNull();
}

describe("MsgActivateZk through HubApplication (a real level database, cosmjs-signed transactions)", () => {
  describe("refused in CheckTx (the message's stateless checks): code 18 (a bad authority address: 7, ErrInvalidAddress), nothing admitted, nothing changed", () => {
    const degenerate = { ...VK, vk_delta_2: VK.vk_gamma_2 };
    const padded = JSON.stringify(VK) + " ".repeat(ZK_MAX_VERIFICATION_KEY_JSON_LENGTH + 1 - JSON.stringify(VK).length);
    test.each<[string, () => Partial<MsgActivateZk>, RegExp]>([
      ["another circuit", () => ({ circuit: "quorum64" }), /circuit: "quorum64" is not the genesis's \(quorum4\)/],
      ["no circuit", () => ({ circuit: "" }), /circuit: "" is not the genesis's \(quorum4\)/],
      ["a key that is not JSON", () => ({ verificationKeyJson: "{not json" }), /verification_key_json: not JSON/],
      ["no key", () => ({ verificationKeyJson: "" }), /verification_key_json: not JSON/],
      ["a PLONK key", () => ({ verificationKeyJson: JSON.stringify({ ...VK, protocol: "plonk" }) }), /verification_key_json: not a snarkjs Groth16 bn128 verification key with 9 public inputs/],
      ["a key for another number of inputs", () => ({ verificationKeyJson: JSON.stringify({ ...VK, nPublic: 6 }) }), /verification_key_json: not a snarkjs Groth16 bn128 verification key/],
      ["a key with a missing IC point", () => ({ verificationKeyJson: JSON.stringify({ ...VK, IC: VK.IC.slice(1) }) }), /verification_key_json: not a snarkjs Groth16/],
      ["a key with a hex coordinate", () => ({ verificationKeyJson: JSON.stringify({ ...VK, vk_alpha_1: ["0x1", "2", "1"] }) }), /verification_key_json: not a snarkjs Groth16/],
      ["a JSON array", () => ({ verificationKeyJson: "[]" }), /verification_key_json: not a snarkjs Groth16/],
      ["a degenerate key (delta = gamma: it proves anything)", () => ({ verificationKeyJson: JSON.stringify(degenerate) }), /delta equals gamma/],
      [`the valid key padded to ${ZK_MAX_VERIFICATION_KEY_JSON_LENGTH + 1} characters`, () => ({ verificationKeyJson: padded }), new RegExp(`verification_key_json: ${ZK_MAX_VERIFICATION_KEY_JSON_LENGTH + 1} characters, at most ${ZK_MAX_VERIFICATION_KEY_JSON_LENGTH}`)],
      ["an authority with the validator prefix", () => ({ authority: toBech32("aegisvaloper", fromBech32(alice.address, "aegis", { lengths: [20] })) }), /authority: invalid Bech32 prefix; expected aegis, got aegisvaloper/],
      ["no authority", () => ({ authority: "" }), /authority: invalid bech32 address ""/],
    ])("%s", async (name, over, reason) => {
      const c = await openChain({ authority: alice.address });
      await c.block();
      const before = { height: c.app.height, root: toHex(c.app.stateRoot), account: c.app.checkAccount(fromBech32(alice.address, "aegis", { lengths: [20] })) };
      const msg = activation({ authority: alice.address, ...over() });
      // Signed by alice whatever the message names (its signer field decides who must sign; a bad one fails first).
      const client = await SigningStargateClient.offline(alice.wallet, { registry: cosmjsRegistry });
      const tx = TxRaw.encode(await client.sign(alice.address, [msg], FEE, "", { accountNumber: before.account!.accountNumber, sequence: 0, chainId: CHAIN_ID })).finish();
      const r = c.app.checkTx(tx);
      expect(r.code).toBe(name.includes("authority") ? INVALID_ADDRESS : INVALID_REQUEST);
      expect(r.log).toMatch(new RegExp(`^${MSG_ACTIVATE_ZK_TYPE_URL.replace(/\./g, "\\.")}: `));
      expect(r.log).toMatch(reason);
      // Not admitted: the CheckTx account is as it was, nothing committed.
      expect(c.app.checkAccount(fromBech32(alice.address, "aegis", { lengths: [20] }))).toEqual(before.account);
      expect({ height: c.app.height, root: toHex(c.app.stateRoot) }).toEqual({ height: before.height, root: before.root });
      // Nor can a block carry it: executing one that does is refused.
      await expect(c.app.executeBlock(ctx(c.app.height + 1), [tx])).rejects.toThrow(ApplicationError);
      await expectNotActivated(c);
    });

    test("a transaction naming the authority but signed by another account fails its signature check; nothing changes", async () => {
      const c = await openChain({ authority: alice.address });
      await c.block();
      const root = toHex(c.app.stateRoot);
      const client = await SigningStargateClient.offline(bob.wallet, { registry: cosmjsRegistry });
      const tx = TxRaw.encode(await client.sign(bob.address, [activation({ authority: alice.address })], FEE, "", { accountNumber: 0n, sequence: 0, chainId: CHAIN_ID })).finish();
      const r = c.app.checkTx(tx);
      expect(r.code).not.toBe(0);
      expect(r.log).toMatch(/pubKey does not match signer address|signature verification failed/);
      await expect(c.app.executeBlock(ctx(c.app.height + 1), [tx])).rejects.toThrow(ApplicationError);
      expect(toHex(c.app.stateRoot)).toBe(root);
      await expectNotActivated(c);
    });

    test("a chain without a zk section does not know the message (code 6); nothing changes", async () => {
      const c = await openChain(undefined);
      const root = toHex(c.app.stateRoot);
      const tx = await c.sign(alice, [activation({ authority: alice.address })]);
      const r = c.app.checkTx(tx);
      expect(r.code).toBe(new TxError({ code: "TX_ERROR_UNKNOWN_MESSAGE", typeUrl: "" }).abciCode);
      expect(r.log).toMatch(/unrecognized message type: \/aegis\.zk\.v1\.MsgActivateZk/);
      expect(toHex(c.app.stateRoot)).toBe(root);
      expect(c.app.zkKey()).toBeUndefined();
      expect(getZkActivation(c.store())).toBeUndefined();
    });
  });

  test("a chain whose genesis has the key: the authority's activation is refused in its block (code 18); the genesis key stays, from height 1", async () => {
    const c = await openChain({ verificationKey: VK });
    expect(c.app.zkKey()).toEqual({ verificationKey: KEY, fromHeight: 1 });
    await c.block();
    const funds = balanceOf(c, alice);
    const [r] = await c.block(await c.sign(alice, [activation({ authority: alice.address })]));
    expect(r!.code).toBe(INVALID_REQUEST);
    expect(r!.log).toMatch(/\/aegis\.zk\.v1\.MsgActivateZk: this chain's verification key is in its genesis: there is nothing to activate/);
    expect(TxMsgData.decode(r!.data).msgResponses).toEqual([]);
    expect(r!.events.map((e) => e.type)).toEqual(["tx"]);
    expect(balanceOf(c, alice)).toBe(funds - FEE_AMOUNT); // the fee only
    expect(getZkActivation(c.store())).toBeUndefined();
    expect(c.app.zkKey()).toEqual({ verificationKey: KEY, fromHeight: 1 });
    expect((await provenActivation(c, 2)).proven).toBeNull();
  });

  test("another account naming itself as the authority: refused in its block (code 18), it pays the fee and nothing else", async () => {
    const c = await openChain({ authority: alice.address });
    await c.block();
    const funds = balanceOf(c, bob);
    const [r] = await c.block(await c.sign(bob, [activation({ authority: bob.address })]));
    expect(r!.code).toBe(INVALID_REQUEST);
    expect(r!.log).toBe(`${MSG_ACTIVATE_ZK_TYPE_URL}: authority: ${bob.address} is not the genesis's zk.authority (${alice.address}): invalid request`);
    expect(r!.events.map((e) => e.type)).toEqual(["tx"]);
    expect(balanceOf(c, bob)).toBe(funds - FEE_AMOUNT);
    await expectNotActivated(c);
  });

  test("a chain with no staking set (no ZK root to start from): the authority's activation is refused in its block; nothing stored", async () => {
    const c = await openChain({ authority: alice.address }, { stakingValidators: false });
    await c.block();
    await c.block();
    expect(c.app.zkValidatorsAt(1)).toBeUndefined();
    const [r] = await c.block(await c.sign(alice, [activation({ authority: alice.address })]));
    expect(r!.code).toBe(INVALID_REQUEST);
    expect(r!.log).toMatch(/no validator set at height 2/);
    expect(r!.events.map((e) => e.type)).toEqual(["tx"]);
    await expectNotActivated(c);
  });

  test("MsgSubmitZkCertificate before activation: refused in its block because the certificates have not started", async () => {
    const c = await openChain({ authority: alice.address });
    await c.block();
    await c.block();
    const [r] = await c.block(await c.sign(bob, [submitCertificate(bob.address, { ...CERT, height: 2 })]));
    expect(r!.code).toBe(INVALID_REQUEST);
    expect(r!.log).toMatch(/\/aegis\.zk\.v1\.MsgSubmitZkCertificate: this chain's ZK certificates have not started: its verification key is set by MsgActivateZk, not yet sent/);
    expect(c.app.zkRecordedHeight()).toBe(0);
    await expectNotActivated(c);
  });

  describe("activation just after an epoch boundary that changed the set", () => {
    /**
     * Height 1: bob delegates 5 M to validator 1 (power 10 -> 15 at the end of epoch 0, block 3: the
     * new set signs from height 4); heights 2-4 empty; height 5: alice activates. The trusted point is
     * height 3 (two below the activation block), so certificates start at 4, signed by the new set.
     */
    let c: Chain;
    let activationResult: TxResult;
    const H = 5;
    const P = trustPointOf(H);
    const F = P + 1;
    beforeAll(async () => {
      c = await openChain({ authority: alice.address });
      const [d] = await c.block(await c.sign(bob, [delegate(bob, 1, 5_000_000n)]));
      expect(d!.log).toBe("");
      for (let h = 2; h < H; h++) {
        await c.block();
        expect(c.app.zkKey()).toBeUndefined();
      }
      [activationResult] = (await c.block(await c.sign(alice, [activation({ authority: alice.address })]))) as [TxResult];
    });

    test("the fixture: the set that signs the first certifiable height (4) is not the one that signed the trusted point (3)", () => {
      expect([P, F]).toEqual([3, 4]);
      expect(c.app.zkValidatorsAt(F)!.startHeight).toBe(F);
      expect(c.app.zkValidatorsAt(P)!.startHeight).toBe(1);
      expect(zkRootAt(c, F)).not.toBe(zkRootAt(c, P));
    });

    test("accepted: code 0, MsgActivateZkResponse{from_height: 4}, the zk_activated event", () => {
      expect(activationResult.log).toBe("");
      expect(activationResult.code).toBe(0);
      const [response] = TxMsgData.decode(activationResult.data).msgResponses;
      expect(response!.typeUrl).toBe(MSG_ACTIVATE_ZK_RESPONSE_TYPE_URL);
      expect(Number(aegis.zk.v1.MsgActivateZkResponse.decode(response!.value).from_height)).toBe(F);
      expect(attribute(activationResult, "zk_activated", "from_height")).toBe(String(F));
      expect(attribute(activationResult, "zk_activated", "circuit")).toBe("quorum4");
      expect(attribute(activationResult, "message", "sender")).toBe(alice.address);
    });

    test("the stored record: circuit, capacity, the key, and the trusted point (height 3: its time, hash, and the root of the set after it)", () => {
      const raw = c.store().get(ZK_ACTIVATION_STATE_KEY)!;
      const record = decodeZkActivation(raw);
      expect(record.circuit).toBe("quorum4");
      expect(record.capacity).toBe(CAPACITY);
      expect(record.verificationKey).toEqual(KEY);
      expect(record.verificationKey).not.toHaveProperty("vk_alphabeta_12");
      expect(record.trust.height).toBe(P);
      // Time and hash: what the state recorded for height 3, i.e. block 3's header time and block 4's parentHash.
      expect(record.trust.time).toBe(getRecordedBlockTime(c.store(), P));
      expect(record.trust.time).toBe(timeOf(P));
      expect(toHex(record.trust.blockHash)).toBe(toHex(getRecordedBlockHash(c.store(), P)!));
      expect(toHex(record.trust.blockHash)).toBe(toHex(ctx(P + 1).parentHash!));
      // The set that signs height 4 (the new one), not the one that signed 3.
      expect(record.trust.nextValidatorSetRoot).toBe(zkRootAt(c, F));
      expect(getZkActivation(c.store())).toEqual(record);
      expect(toHex(encodeZkActivation(record))).toBe(toHex(raw));
    });

    test("app.zkKey(): undefined before, then the key from height 4 (also after the database is reopened)", async () => {
      expect(c.app.zkKey()).toEqual({ verificationKey: KEY, fromHeight: F });
      await c.db.close();
      const again = await openChain({ authority: alice.address }, { dir: c.dir });
      expect(again.app.height).toBe(H);
      expect(again.app.zkKey()).toEqual({ verificationKey: KEY, fromHeight: F });
      // The tests below use the reopened application.
      again.roots.clear();
      for (const [h, r] of c.roots) again.roots.set(h, r);
      c = again;
    });

    test("zkActivationProof(h) verifies against the root committed at h: absent at 0..4, the record at 5", async () => {
      for (let h = 0; h < H; h++) expect({ h, proven: (await provenActivation(c, h)).proven }).toEqual({ h, proven: null });
      const { proof, proven } = await provenActivation(c, H);
      expect(proven).toEqual(getZkActivation(c.store()));
      expect(proven!.trust.height).toBe(P);
      expect(await c.app.zkActivationProof(H + 1)).toBeUndefined(); // no such version
      // Against another height's root, or with a node changed, the proof does not verify.
      await expect(verifyZkActivationProof(c.roots.get(H - 1)!, proof.proof)).rejects.toThrow(StateProofError);
      const tampered = proof.proof.map((n, i) => (i === proof.proof.length - 1 ? Uint8Array.from(n, (b, j) => (j === n.length - 1 ? b ^ 1 : b)) : n));
      await expect(verifyZkActivationProof(c.roots.get(H)!, tampered)).rejects.toThrow(StateProofError);
    });

    test("a second activation (even with the same key) is refused in simulation and in its block; the record and key are unchanged", async () => {
      const record = toHex(c.store().get(ZK_ACTIVATION_STATE_KEY)!);
      const tx = await c.sign(alice, [activation({ authority: alice.address })]);
      const reason = new RegExp(`MsgActivateZk: the chain's ZK certificates started already, from height ${F}: the key is set once`);
      const simulated = simulate(c, tx);
      expect(simulated.code).toBe(INVALID_REQUEST);
      expect(simulated.log).toMatch(reason);
      const [r] = await c.block(tx);
      expect(r!.code).toBe(INVALID_REQUEST);
      expect(r!.log).toMatch(reason);
      expect(r!.events.map((e) => e.type)).toEqual(["tx"]);
      expect(toHex(c.store().get(ZK_ACTIVATION_STATE_KEY)!)).toBe(record);
      expect(c.app.zkKey()).toEqual({ verificationKey: KEY, fromHeight: F });
      expect(toHex((await provenActivation(c, c.app.height)).proof.value!)).toBe(record);
    });

    test("MsgSubmitZkCertificate of a height below fromHeight (the trusted point itself): refused, nothing recorded", async () => {
      const [r] = await c.block(await c.sign(bob, [submitCertificate(bob.address, { ...CERT, height: P })]));
      expect(r!.code).toBe(INVALID_REQUEST);
      expect(r!.log).toMatch(new RegExp(`certificate height ${P} is before the chain's ZK certificates start \\(${F}\\)`));
      expect(c.app.zkRecordedHeight()).toBe(0);
    });
  });

  test("simulated (what cosmjs \"auto\" gas sends before broadcasting): accepted with its gas, and nothing is stored", async () => {
    const c = await openChain({ authority: alice.address });
    for (let h = 1; h <= 3; h++) await c.block();
    const root = toHex(c.app.stateRoot);
    const r = simulate(c, await c.sign(alice, [activation({ authority: alice.address })]));
    expect(r.log ?? "").toBe("");
    expect(r.code).toBe(0);
    expect(SimulateResponse.decode(r.value!).gasInfo!.gasUsed).toBeGreaterThan(0n);
    expect(toHex(c.app.stateRoot)).toBe(root);
    await expectNotActivated(c);
  });

  test.each([1, 2])("activation in block %i: the trusted point is the genesis (height 0, the genesis time, the zero hash) and the genesis set's root", async (H) => {
    const c = await openChain({ authority: alice.address });
    for (let h = 1; h < H; h++) await c.block();
    const [r] = await c.block(await c.sign(alice, [activation({ authority: alice.address })]));
    expect(r!.log).toBe("");
    expect(trustPointOf(H)).toBe(0);
    expect(Number(aegis.zk.v1.MsgActivateZkResponse.decode(TxMsgData.decode(r!.data).msgResponses[0]!.value).from_height)).toBe(1);
    const record = getZkActivation(c.store())!;
    expect(record.trust).toEqual({ height: 0, time: T0, blockHash: ZERO_HASH, nextValidatorSetRoot: zkRootAt(c, 1) });
    expect(c.app.zkKey()).toEqual({ verificationKey: KEY, fromHeight: 1 });
    expect((await provenActivation(c, H)).proven).toEqual(record);
    for (let h = 0; h < H; h++) expect((await provenActivation(c, h)).proven).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// A running node's API
// ---------------------------------------------------------------------------------------------

describe("a running node with an authority genesis: GET /zk and /zk/activation before and after activateZk", () => {
  const API_CHAIN_ID = "aegis-zk-activation-api-1";
  let dir: string;
  let running: RunningNode;
  let base: string;
  const get = async (path: string): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(base + path, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: await res.json() };
  };
  const ok = async (path: string) => {
    const r = await get(path);
    expect({ path, status: r.status }).toEqual({ path, status: 200 });
    return r.body;
  };
  const header = async (h: number) => decodeHeaderResponseJson(await ok(computeHubApiPath("header", { height: h })));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "aegis-zk-activation-api-"));
    const res = await initHomes({
      home: dir,
      validators: 1,
      chainId: API_CHAIN_ID,
      consensus: { createEmptyBlocksIntervalMs: 50, rebroadcastIntervalMs: 500 },
      faucetMnemonic: MNEMONIC, // the faucet is alice: the authority, funded
      zk: { circuit: "quorum4", capacity: CAPACITY, authority: alice.address, attestationIntervalMs: 1000, wasm: "", zkey: "", provers: [] },
    });
    expect(res.faucet!.address).toBe(alice.address);
    running = await startNodeFromHome(res.nodes[0]!.home, {
      logger: nullLogger,
      config: (cfg) => ({ ...cfg, api: { host: "127.0.0.1", port: 0 }, p2p: { listen: ["/ip4/127.0.0.1/tcp/0"], bootstrap: [] } }),
    });
    base = running.api.url;
    const deadline = Date.now() + 30_000;
    while (running.node.engine.height < 2) {
      if (Date.now() > deadline) throw new Error(`the node did not reach height 2 (at ${running.node.engine.height})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 60_000);

  afterAll(async () => {
    await running?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("the flow: no key and a proof of absence; refusals of bad heights; activateZk; the key from its block and a proof of the record", async () => {
    expect(running.node.genesis.zk).toMatchObject({ verificationKey: null, authority: fromBech32(alice.address, "aegis", { lengths: [20] }) });
    const before = decodeZkInfoJson(await ok(computeHubApiPath("zk", {})));
    expect(before).toMatchObject({ circuit: "quorum4", capacity: CAPACITY, verificationKey: null, fromHeight: null, prover: false, latestCertifiedHeight: null });

    // Before: the proof at a committed height shows no record under that header's stateRoot.
    const absent = decodeZkActivationProofJson(await ok(computeHubApiPath("zkActivation", {}, { height: 2 })));
    expect(absent.height).toBe(2);
    expect(absent.activation).toBeNull();
    const h2 = await header(2);
    expect(toHex(absent.stateRoot)).toBe(toHex(h2.header.stateRoot));
    expect(await verifyZkActivationProof(h2.header.stateRoot, absent.proof)).toBeNull();
    // Default height: the latest.
    const latest = decodeZkActivationProofJson(await ok("/zk/activation"));
    expect(latest.height).toBeGreaterThanOrEqual(2);

    // Bad heights: 400; a height above the latest: 404; each with the error body.
    for (const [q, status, code] of [
      ["abc", 400, "API_ERROR_INVALID_HEIGHT"],
      ["0", 400, "API_ERROR_INVALID_HEIGHT"],
      ["-1", 400, "API_ERROR_INVALID_HEIGHT"],
      ["1.5", 400, "API_ERROR_INVALID_HEIGHT"],
      ["99999999999999999", 400, "API_ERROR_INVALID_HEIGHT"],
      ["999999", 404, "API_ERROR_NOT_FOUND"],
    ] as const) {
      const r = await get(`/zk/activation?height=${q}`);
      expect({ q, status: r.status, code: decodeApiErrorJson(r.body).code }).toEqual({ q, status, code });
    }
    const above = await get(`/zk/activation?height=${running.node.engine.height + 1000}`);
    expect({ status: above.status, code: decodeApiErrorJson(above.body).code }).toEqual({ status: 404, code: "API_ERROR_NOT_FOUND" });

    // The authority activates with the cosmjs helper.
    const done = await activateZk({ hubRpc: `${base}/rpc`, mnemonic: MNEMONIC, circuit: "quorum4", verificationKey: VK, denom: DENOM });
    const H = done.height; // the block that executed it (at least 3: the proofs above were of height 2)
    const P = trustPointOf(H);
    expect(H).toBeGreaterThanOrEqual(3);
    expect(done.fromHeight).toBe(P + 1);
    expect(done.txHash).toMatch(/^[0-9A-F]{64}$/);

    const after = decodeZkInfoJson(await ok(computeHubApiPath("zk", {})));
    expect(after.verificationKey).toEqual(KEY);
    expect(after.fromHeight).toBe(P + 1);
    expect(running.node.zk!.key).toEqual({ verificationKey: KEY, fromHeight: P + 1 });

    const atH = decodeZkActivationProofJson(await ok(computeHubApiPath("zkActivation", {}, { height: H })));
    const hH = await header(H);
    const hPoint = await header(P);
    const hAfterPoint = await header(P + 1);
    expect(toHex(atH.stateRoot)).toBe(toHex(hH.header.stateRoot));
    const record = (await verifyZkActivationProof(hH.header.stateRoot, atH.proof))!;
    expect(record).not.toBeNull();
    expect(toHex(atH.activation!)).toBe(toHex(encodeZkActivation(record)));
    expect(record.circuit).toBe("quorum4");
    expect(record.capacity).toBe(CAPACITY);
    expect(record.verificationKey).toEqual(KEY);
    // The trusted point is a block the node has: its height, header time and hash, and the root of the set of the next height.
    expect(record.trust.height).toBe(P);
    expect(record.trust.time).toBe(hPoint.header.time);
    expect(toHex(record.trust.blockHash)).toBe(toHex(hPoint.blockHash));
    expect(toHex(record.trust.blockHash)).toBe(toHex(hAfterPoint.header.parentHash));
    expect(record.trust.nextValidatorSetRoot).toBe(running.node.zk!.validatorSetRootAt(P + 1));
    // The state before the activation's block still proves absence.
    const hBefore = await header(H - 1);
    const atBefore = decodeZkActivationProofJson(await ok(computeHubApiPath("zkActivation", {}, { height: H - 1 })));
    expect(atBefore.activation).toBeNull();
    expect(await verifyZkActivationProof(hBefore.header.stateRoot, atBefore.proof)).toBeNull();
    // A proof is only good under its own header's root.
    await expect(verifyZkActivationProof(hBefore.header.stateRoot, atH.proof)).rejects.toThrow(StateProofError);

    // Once is all: the helper reports the hub's refusal; the key stays.
    await expect(activateZk({ hubRpc: `${base}/rpc`, mnemonic: MNEMONIC, circuit: "quorum4", verificationKey: VK, denom: DENOM })).rejects.toThrow(/started already, from height/);
    expect(decodeZkInfoJson(await ok(computeHubApiPath("zk", {}))).fromHeight).toBe(P + 1);
  }, 60_000);
});
