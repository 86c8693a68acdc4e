/**
 * What a block carries besides its transactions, through HubApplication (real LevelDB in a temp
 * folder, genesis validators with real BLS keys): the previous height's certificate feeds liveness,
 * double-sign evidence slashes and tombstones, and the same evidence submitted in a transaction
 * (/aegis.slashing.v1.MsgSubmitEvidence, signed as cosmjs signs) does the same; so does double-attestation
 * evidence (two finality attestations of one validator and height). Bad evidence refuses the block
 * (executeBlock) or is left out (prepareBlock), and changes nothing.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toBech32 } from "@cosmjs/encoding";
import { Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes, SigningStargateClient } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { QueryBalanceRequest, QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import {
  blsPublicKeyFromSecret,
  blsSign,
  computeFinalityMessage,
  computeVoteSignBytes,
  createBlsKeyPair,
  createBlsProofOfPossession,
  createSignerBitmap,
  sha256,
  toHex,
  VoteType,
} from "@aegis/consumer-sdk";
import { ApplicationError, HubApplication, parseGasPrice, type BlockExecutionContext } from "../../src/app/index.js";
import { AegisMsgSubmitEvidence, getSigningInfo, type MsgSubmitEvidence } from "../../src/app/modules/slashing/index.js";
import { getValidator } from "../../src/app/modules/staking/index.js";
import type { DoubleAttestationEvidence, DuplicateVoteEvidence } from "../../src/consensus/types.js";
import { HubDb } from "../../src/db/index.js";
import type { AppGenesis } from "../../src/genesis.js";
import { nullLogger } from "../../src/logger.js";
import { createAttestationKeyPair, createAttestationProofOfPossession, signFinalityMessage, type AttestationKeyPair } from "../../src/attestation/index.js";
import { testSigners, type Signer } from "../tx/txFixtures.js";

const CHAIN_ID = "aegis-begin-test";
const DENOM = "uaeg";
const TOKENS = 100_000_000n;
const T0 = 1_700_000_000_000;
const secretKeys = [1, 2, 3, 4].map((i) => createBlsKeyPair(new Uint8Array(32).fill(i)).secretKey);
const operators = [1, 2, 3, 4].map((i) => new Uint8Array(20).fill(0x10 + i));
const FEE = { amount: [{ denom: DENOM, amount: "10000" }], gas: "400000" };

let alice: Signer;
const dirs: string[] = [];
const dbs: HubDb[] = [];

let attestationKeys: AttestationKeyPair[] = [];

beforeAll(async () => {
  [alice] = await testSigners();
  attestationKeys = [1, 2, 3, 4].map((i) => createAttestationKeyPair(new Uint8Array(32).fill(i)));
});
afterAll(async () => {
  for (const db of dbs) if (db.isOpen) await db.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function genesis(): AppGenesis {
  return {
    denom: DENOM,
    epochLength: 100,
    accounts: [
      { address: alice.address, coins: [{ denom: DENOM, amount: "1000000000" }] },
      ...operators.map((o) => ({ address: toBech32("aegis", o), coins: [{ denom: DENOM, amount: TOKENS.toString() }] })),
    ],
    validators: secretKeys.map((sk, i) => ({
      moniker: `v${i}`,
      operator: toBech32("aegis", operators[i]!),
      blsPublicKey: toHex(blsPublicKeyFromSecret(sk)),
      blsProofOfPossession: toHex(createBlsProofOfPossession(sk, operators[i]!)),
      attestationPublicKey: toHex(attestationKeys[i]!.publicKey),
      attestationProofOfPossession: toHex(createAttestationProofOfPossession(attestationKeys[i]!.secretKey, operators[i]!)),
      selfDelegation: TOKENS.toString(),
    })),
    slashing: { signedBlocksWindow: 10, minSignedPerWindow: "0.5" },
  };
}

async function openApp(): Promise<HubApplication> {
  const d = await mkdtemp(join(tmpdir(), "aegis-begin-"));
  dirs.push(d);
  const db = await HubDb.open(d);
  dbs.push(db);
  return HubApplication.open({ chainId: CHAIN_ID, genesis: genesis(), genesisTime: T0, minGasPrices: [parseGasPrice("0.025uaeg")] }, { db, logger: nullLogger });
}

function balanceOf(app: HubApplication, address: string): bigint {
  const r = app.query("/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address, denom: DENOM }).finish());
  return BigInt(QueryBalanceResponse.decode(r.value!).balance!.amount);
}

const ctx = (height: number, over: Partial<BlockExecutionContext> = {}): BlockExecutionContext => ({
  chainId: CHAIN_ID,
  height,
  time: T0 + height * 1000,
  proposer: new Uint8Array(20).fill(7),
  lastCommit: null,
  evidence: [],
  ...over,
});

/** Index in the set signing `height`, and the secret key, of genesis validator `i`. */
function member(app: HubApplication, i: number, height = 1): { index: number; sk: Uint8Array; operator: Uint8Array; consensusAddress: Uint8Array } {
  const set = app.validatorSetAt(height)!.set;
  const pub = toHex(blsPublicKeyFromSecret(secretKeys[i]!));
  const index = set.validators.findIndex((v) => toHex(v.blsPublicKey) === pub);
  return { index, sk: secretKeys[i]!, operator: operators[i]!, consensusAddress: set.validators[index]!.address };
}

function doubleSign(app: HubApplication, i: number, height: number, over: { badSignature?: boolean } = {}): DuplicateVoteEvidence {
  const m = member(app, i);
  const vote = (blockHash: Uint8Array) => {
    const v = { type: VoteType.Prevote, height, round: 0, blockHash };
    return { ...v, validatorIndex: m.index, signature: blsSign(m.sk, computeVoteSignBytes({ chainId: CHAIN_ID, ...v })) };
  };
  const a = vote(new Uint8Array(32).fill(1));
  const b = vote(new Uint8Array(32).fill(2));
  if (over.badSignature) b.signature = a.signature;
  return { voteA: a, voteB: b, time: T0 + height * 1000 };
}

/** Commits empty blocks 1..n, every validator signing. */
async function commitEmpty(app: HubApplication, n: number): Promise<void> {
  for (let h = app.height + 1; h <= n; h++) {
    const all = createSignerBitmap(4, [0, 1, 2, 3]);
    await app.commitBlock(ctx(h, { lastCommit: h > 1 ? { height: h - 1, signers: all } : null }), []);
  }
}

test("the last commit feeds liveness: a validator missing from it gets a missed block, the others none", async () => {
  const app = await openApp();
  await commitEmpty(app, 2);
  const absent = member(app, 2);
  const signers = createSignerBitmap(4, [0, 1, 2, 3].filter((i) => i !== absent.index));
  await app.commitBlock(ctx(3, { lastCommit: { height: 2, signers } }), []);
  const store = (app as unknown as { state: { committed: never } }).state.committed;
  expect(getSigningInfo(store, absent.consensusAddress)!.missedBlocksCounter).toBe(1);
  expect(getSigningInfo(store, member(app, 0).consensusAddress)!.missedBlocksCounter).toBe(0);
  // Same block, other signer bitmap: another state root (who signed is part of the state).
  const app2 = await openApp();
  await commitEmpty(app2, 2);
  const r2 = await app2.executeBlock(ctx(3, { lastCommit: { height: 2, signers: createSignerBitmap(4, [0, 1, 2, 3]) } }), []);
  expect(toHex(r2.stateRoot)).not.toBe(toHex(app.stateRoot));
});

test("evidence in a block slashes 5 % and tombstones; the same evidence again refuses the block and changes nothing", async () => {
  const app = await openApp();
  await commitEmpty(app, 3);
  const ev = doubleSign(app, 1, 2);
  const m = member(app, 1);
  await app.commitBlock(ctx(4, { evidence: [ev] }), []);
  const store = () => (app as unknown as { state: { committed: never } }).state.committed;
  const v = getValidator(store(), m.operator)!;
  expect(v.tokens).toBe(TOKENS - TOKENS / 20n);
  expect(v.jailed).toBe(true);
  expect(getSigningInfo(store(), m.consensusAddress)!.tombstoned).toBe(true);

  const root = toHex(app.stateRoot);
  let err: unknown;
  try {
    await app.executeBlock(ctx(5, { evidence: [ev] }), []);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ApplicationError);
  expect((err as ApplicationError).code).toBe("APP_ERROR_INVALID_BLOCK");
  expect((err as ApplicationError).type).toMatchObject({ reason: expect.stringMatching(/evidence 0: .*already tombstoned/) });
  expect(toHex(app.stateRoot)).toBe(root);
  expect(app.height).toBe(4);
});

test("prepareBlock keeps valid evidence and leaves out the invalid (bad signature, unknown height, duplicate)", async () => {
  const app = await openApp();
  await commitEmpty(app, 3);
  const good = doubleSign(app, 0, 3);
  const badSig = doubleSign(app, 3, 3, { badSignature: true });
  const future = doubleSign(app, 2, 9);
  const prepared = await app.prepareBlock(ctx(4), []);
  expect(prepared.evidence).toEqual([]);
  const withEvidence = await app.prepareBlock(ctx(4, { evidence: [badSig, good, future, good] }), []);
  expect(withEvidence.evidence).toEqual([good]);
  // What prepare kept executes to the same root.
  expect(toHex((await app.executeBlock(ctx(4, { evidence: [good] }), [])).stateRoot)).toBe(toHex(withEvidence.stateRoot));
  // Each of the others refuses a block.
  for (const bad of [badSig, future]) {
    await expect(app.executeBlock(ctx(4, { evidence: [bad] }), [])).rejects.toMatchObject({ code: "APP_ERROR_INVALID_BLOCK" });
  }
  expect(app.height).toBe(3);
});

test("MsgSubmitEvidence in a transaction: slashed and tombstoned; a second submission fails with a code, fee charged, validator unchanged", async () => {
  const app = await openApp();
  await commitEmpty(app, 3);
  const ev = doubleSign(app, 3, 2);
  const m = member(app, 3);
  const registry = new Registry([...defaultRegistryTypes, [AegisMsgSubmitEvidence.typeUrl, AegisMsgSubmitEvidence]]);
  const client = await SigningStargateClient.offline(alice.wallet, { registry });
  const sign = async (sequence: number) =>
    TxRaw.encode(
      await client.sign(alice.address, [{ typeUrl: AegisMsgSubmitEvidence.typeUrl, value: AegisMsgSubmitEvidence.fromPartial({ submitter: alice.address, evidence: ev }) }], FEE, "", {
        accountNumber: 0n,
        sequence,
        chainId: CHAIN_ID,
      }),
    ).finish();
  // Without evidence the message is refused at CheckTx (invalid request, code 18): nothing changes.
  const root0 = toHex(app.stateRoot);
  const empty = TxRaw.encode(
    await client.sign(alice.address, [{ typeUrl: AegisMsgSubmitEvidence.typeUrl, value: AegisMsgSubmitEvidence.fromPartial({ submitter: alice.address }) }], FEE, "", {
      accountNumber: 0n,
      sequence: 0,
      chainId: CHAIN_ID,
    }),
  ).finish();
  const refused = app.checkTx(empty);
  expect(refused.code).toBe(18);
  expect(refused.log).toMatch(/evidence: missing/);
  expect(toHex(app.stateRoot)).toBe(root0);
  const tx1 = await sign(0);
  expect(app.checkTx(tx1).code).toBe(0);
  await app.commitBlock(ctx(4), [tx1]);
  const store = () => (app as unknown as { state: { committed: never } }).state.committed;
  expect(getSigningInfo(store(), m.consensusAddress)!.tombstoned).toBe(true);
  const tokens = getValidator(store(), m.operator)!.tokens;
  expect(tokens).toBe(TOKENS - TOKENS / 20n);

  const tx2 = await sign(1);
  const before = balanceOf(app, alice.address);
  await app.commitBlock(ctx(5), [tx2]);
  expect(balanceOf(app, alice.address)).toBe(before - 10_000n);
  const dbIndex = dbs.at(-1)!;
  const rec = (await dbIndex.txs.getByHash(toHex(sha256(tx2)).toUpperCase()))!;
  expect(rec.result.code).not.toBe(0);
  expect(rec.result.log).toMatch(/already tombstoned/);
  expect(getValidator(store(), m.operator)!.tokens).toBe(tokens);
});

/** Genesis validator i attests two blocks (hash 1 and 2) at `height` with its registered attestation key. */
function doubleAttest(app: HubApplication, i: number, height: number, over: { badSignature?: boolean; chainId?: string } = {}): DoubleAttestationEvidence {
  const m = member(app, i, height);
  const attest = (blockHash: Uint8Array) => {
    const st = { height, time: T0 + height * 1000, blockHash, validatorSetRoot: 5n, nextValidatorSetRoot: 6n };
    return { ...st, validatorIndex: m.index, signature: signFinalityMessage(attestationKeys[i]!.secretKey, computeFinalityMessage({ chainId: over.chainId ?? CHAIN_ID, ...st })) };
  };
  const a = attest(new Uint8Array(32).fill(1));
  const b = attest(new Uint8Array(32).fill(2));
  if (over.badSignature) b.signature = a.signature;
  return { attestationA: a, attestationB: b, time: T0 + height * 1000 + 1 };
}

describe("double-attestation evidence", () => {
  const committed = (app: HubApplication) => (app as unknown as { state: { committed: never } }).state.committed;

  test("in a block: slashed 5 % and tombstoned with the duplicate votes of another validator in the same block; the same double attestation again refuses the block and changes nothing", async () => {
    const app = await openApp();
    await commitEmpty(app, 3);
    const da = doubleAttest(app, 2, 2);
    const dv = doubleSign(app, 0, 2);
    await app.commitBlock(ctx(4, { evidence: [da, dv] }), []);
    for (const i of [0, 2]) {
      const m = member(app, i);
      expect(getValidator(committed(app), m.operator)!.tokens).toBe(TOKENS - TOKENS / 20n);
      expect(getSigningInfo(committed(app), m.consensusAddress)!.tombstoned).toBe(true);
    }
    for (const i of [1, 3]) expect(getValidator(committed(app), member(app, i).operator)!.tokens).toBe(TOKENS);

    const root = toHex(app.stateRoot);
    await expect(app.executeBlock(ctx(5, { evidence: [da] }), [])).rejects.toMatchObject({
      code: "APP_ERROR_INVALID_BLOCK",
      type: { reason: expect.stringMatching(/evidence 0: .*already tombstoned/) },
    });
    expect(toHex(app.stateRoot)).toBe(root);
    expect(app.height).toBe(4);
  });

  test("a block carrying invalid double-attestation evidence is invalid; prepareBlock leaves such evidence out", async () => {
    const app = await openApp();
    await commitEmpty(app, 3);
    const good = doubleAttest(app, 1, 3);
    const bad = [
      doubleAttest(app, 3, 3, { badSignature: true }),
      doubleAttest(app, 3, 3, { chainId: "other-chain" }),
      doubleAttest(app, 2, 9), // from the future
      { ...doubleAttest(app, 3, 3), attestationB: doubleAttest(app, 3, 3).attestationA }, // one statement twice
    ];
    const root = toHex(app.stateRoot);
    for (const ev of bad) {
      await expect(app.executeBlock(ctx(4, { evidence: [ev] }), [])).rejects.toMatchObject({ code: "APP_ERROR_INVALID_BLOCK" });
    }
    const prepared = await app.prepareBlock(ctx(4, { evidence: [...bad, good, good] }), []);
    expect(prepared.evidence).toEqual([good]);
    expect(toHex((await app.executeBlock(ctx(4, { evidence: [good] }), [])).stateRoot)).toBe(toHex(prepared.stateRoot));
    expect(toHex(app.stateRoot)).toBe(root);
    expect(app.height).toBe(3);
  });

  test("MsgSubmitEvidence with a double attestation: anyone submits it, pays the fee, the validator is slashed once; twice: refused with a code, fee charged, nothing else", async () => {
    const app = await openApp();
    await commitEmpty(app, 3);
    const ev = doubleAttest(app, 3, 2);
    const m = member(app, 3);
    const registry = new Registry([...defaultRegistryTypes, [AegisMsgSubmitEvidence.typeUrl, AegisMsgSubmitEvidence]]);
    const client = await SigningStargateClient.offline(alice.wallet, { registry });
    const sign = async (sequence: number, value: Partial<MsgSubmitEvidence>) =>
      TxRaw.encode(
        await client.sign(alice.address, [{ typeUrl: AegisMsgSubmitEvidence.typeUrl, value: AegisMsgSubmitEvidence.fromPartial({ submitter: alice.address, ...value }) }], FEE, "", {
          accountNumber: 0n,
          sequence,
          chainId: CHAIN_ID,
        }),
      ).finish();
    // Both kinds in one message: refused at CheckTx (invalid request, code 18).
    const both = app.checkTx(await sign(0, { evidence: doubleSign(app, 0, 2), doubleAttestation: ev }));
    expect(both.code).toBe(18);
    expect(both.log).toMatch(/exactly one/);

    const balance0 = balanceOf(app, alice.address);
    const tx1 = await sign(0, { doubleAttestation: ev });
    expect(app.checkTx(tx1).code).toBe(0);
    await app.commitBlock(ctx(4), [tx1]);
    expect(balanceOf(app, alice.address)).toBe(balance0 - 10_000n);
    const rec1 = (await dbs.at(-1)!.txs.getByHash(toHex(sha256(tx1)).toUpperCase()))!;
    expect(rec1.result.code).toBe(0);
    expect(JSON.stringify(rec1.result.events)).toMatch(/double_attestation/);
    expect(getSigningInfo(committed(app), m.consensusAddress)!.tombstoned).toBe(true);
    const tokens = getValidator(committed(app), m.operator)!.tokens;
    expect(tokens).toBe(TOKENS - TOKENS / 20n);

    const tx2 = await sign(1, { doubleAttestation: ev });
    await app.commitBlock(ctx(5), [tx2]);
    expect(balanceOf(app, alice.address)).toBe(balance0 - 20_000n);
    const rec2 = (await dbs.at(-1)!.txs.getByHash(toHex(sha256(tx2)).toUpperCase()))!;
    expect(rec2.result.code).not.toBe(0);
    expect(rec2.result.log).toMatch(/already tombstoned/);
    expect(getValidator(committed(app), m.operator)!.tokens).toBe(tokens);
  });
});
