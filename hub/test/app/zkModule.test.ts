// The zk module's state rules, the message's stateless checks, and MsgSubmitZkCertificate on a state
// that holds the committed vector's block (test/vectors/zkCertificates.json: a real quorum4 proof of
// height 42 on "aegis-vectors-1", proved for the prover account a0a1…b3): who is paid, and each
// refused claim (a copied proof re-addressed to the copier, a time that is not the block's) failing
// with TX_ERROR_INVALID_MESSAGE and no state change; and the prover shares of checkpoint fees (the
// consumers module's prover pool, accrued by real MsgSubmitCheckpoints): a certificate of height H
// with a named prover pays exactly the shares of hub heights <= H, an all-zero prover leaves them,
// a second certificate pays what accrued since (fresh proofs of heights 42 and 50 with the circuit's
// own setup). The full path between nodes runs in test/e2e/zkFinality.test.ts.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { toBech32 } from "@cosmjs/encoding";
import { Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes, SigningStargateClient, type StdFee } from "@cosmjs/stargate";
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import * as snarkjs from "snarkjs";
import { aegis } from "@aegis/proto";
import {
  computeFinalityMessage,
  computeQuorumCircuitInput,
  computeZkSignerBitmap,
  encodeZkProof,
  fromHex,
  initZkCertificateVerifier,
  verifyZkCertificate,
  type Groth16VerificationKey,
  type ZkCertificate,
} from "@aegis/consumer-sdk";
import { ModelStore } from "../state/fixtures.js";
import { acc, addr, blsKey, emptyState, mustRun, snapshot } from "./staking/stakingFixtures.js";
import { checkpoint, fill, producerKey, signed } from "./consumers/consumerFixtures.js";
import {
  CONSUMERS_PROVER_POOL_ADDRESS,
  listProverPoolShares,
  msgRegisterConsumerHandler,
  msgSubmitCheckpointHandler,
  processConsumersGenesis,
} from "../../src/app/modules/consumers/index.js";
import { testSigners, type Signer } from "../tx/txFixtures.js";
import {
  AegisMsgSubmitZkCertificate,
  createZkHandlers,
  getLastCertifiedHeight,
  getRecordedBlockHash,
  getRecordedBlockTime,
  processRecordBlock,
  ZK_BLOCK_HASH_WINDOW,
  type MsgSubmitZkCertificate,
} from "../../src/app/modules/zk/index.js";
import { executeTx, type TxResult } from "../../src/app/executeTx.js";
import { getAccount, processEnsureAccount } from "../../src/app/modules/auth.js";
import { getBalance, getSupply, processMint } from "../../src/app/modules/bank.js";
import { LAST_EPOCH_KEY, validatorSetByEpochKey, validatorSetByHeightKey } from "../../src/app/modules/staking/keys.js";
import { getValidatorSetForHeight } from "../../src/app/modules/staking/validatorSet.js";
import { DEFAULT_HANDLERS, MsgRegistry, type MsgHandler } from "../../src/app/msgRegistry.js";
import { encodeU64 } from "../../src/app/storeKeys.js";
import type { TxEvent } from "../../src/app/txEvents.js";
import { createAttestationKeyPair, decodeFinalitySignature, getAttestationPoint, signFinalityMessage } from "../../src/attestation/index.js";
import type { StateView } from "../../src/state/index.js";
import { fromBech32 } from "../../src/tx/index.js";
import { computeZkValidatorSetRootOf } from "../../src/zk/zkValidatorSet.js";
import { TxError } from "../../src/index.js";
import { getCircuit, setupCircuit, terminateCurve } from "../../../circuits/scripts/build.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const vector = JSON.parse(readFileSync(join(here, "..", "..", "..", "test", "vectors", "zkCertificates.json"), "utf8"));
const cert: ZkCertificate = {
  ...vector.certificate,
  blockHash: fromHex(vector.certificate.blockHash),
  validatorSetRoot: BigInt(vector.certificate.validatorSetRoot),
  nextValidatorSetRoot: BigInt(vector.certificate.nextValidatorSetRoot),
  signers: BigInt(vector.certificate.signers),
  prover: fromHex(vector.certificate.prover),
  proof: fromHex(vector.certificate.proof),
};
const CHAIN_ID: string = vector.certificate.chainId;
const DENOM = "uaeg";
const REWARD = 1_000_000n;
const zk = { circuit: cert.circuit, capacity: vector.capacity, verificationKey: vector.verificationKey, attestationIntervalMs: 1000, proverReward: String(REWARD), epochLength: 10, authority: null };
const SUBMITTER = toBech32("aegis", new Uint8Array(20).fill(1));
/** The account the vector's proof was made for. */
const PROVER = cert.prover;
const PROVER_ADDRESS = toBech32("aegis", PROVER);
/** The height of the block that carries the submission (the certificate's block is committed). */
const HEIGHT = cert.height + 8;

beforeAll(() => initZkCertificateVerifier());

test("each block records its parent's hash and its own time, and forgets those that leave the window", () => {
  const model = new ModelStore();
  const store = model.asKVStore();
  const W = ZK_BLOCK_HASH_WINDOW;
  const hash = (h: number) => new Uint8Array(32).fill(h % 251);
  const time = (h: number) => 1_700_000_000_000 + h * 1000;
  processRecordBlock(store, 1, undefined, time(1)); // height 1 has no parent
  expect(model.map.size).toBe(1);
  expect(getRecordedBlockTime(store, 1)).toBe(time(1));
  for (let h = 2; h <= W + 3; h++) processRecordBlock(store, h, hash(h - 1), time(h));
  // At the start of block W + 3: the hashes of heights 3 ..= W + 2, the times of heights 3 ..= W + 3
  // (every height whose hash is kept can be certified).
  expect(getRecordedBlockHash(store, 1)).toBeUndefined();
  expect(getRecordedBlockHash(store, 2)).toBeUndefined();
  expect(getRecordedBlockHash(store, 3)).toEqual(hash(3));
  expect(getRecordedBlockHash(store, W + 2)).toEqual(hash(W + 2));
  expect(getRecordedBlockTime(store, 2)).toBeUndefined();
  expect(getRecordedBlockTime(store, 3)).toBe(time(3));
  expect(getRecordedBlockTime(store, W + 3)).toBe(time(W + 3));
  expect(model.map.size).toBe(2 * W + 1);
  expect(getLastCertifiedHeight(store)).toBe(0);
});

test("the message round-trips through its cosmjs codec, with the certificate's time and prover", () => {
  const bytes = AegisMsgSubmitZkCertificate.encode(AegisMsgSubmitZkCertificate.fromPartial({ submitter: SUBMITTER, certificate: cert })).finish();
  const back = AegisMsgSubmitZkCertificate.decode(bytes);
  expect(back.submitter).toBe(SUBMITTER);
  expect({ ...back.certificate!, chainId: cert.chainId }).toEqual(cert);
  expect(back.certificate!.time).toBe(vector.certificate.time);
  expect(back.certificate!.prover).toEqual(PROVER);
  // field 1 of the wire form is the submitter (it was `prover` before the reward went to the proof's prover)
  expect(aegis.zk.v1.MsgSubmitZkCertificate.decode(bytes).submitter).toBe(SUBMITTER);
});

test.each([
  ["no certificate", { submitter: SUBMITTER, certificate: undefined }, /certificate: missing/],
  ["another circuit", { submitter: SUBMITTER, certificate: { ...cert, circuit: "quorum64" } }, /circuit quorum64 is not the chain's/],
  ["a bad submitter address", { submitter: toBech32("cosmos", new Uint8Array(20).fill(1)), certificate: cert }, /submitter/],
  ["no submitter", { submitter: "", certificate: cert }, /submitter/],
])("validateBasic refuses %s", (_n, msg, reason) => {
  const [handler] = createZkHandlers(zk, DENOM, 0) as unknown as [{ validateBasic(m: unknown): void }];
  let err: unknown;
  try {
    handler.validateBasic(msg);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TxError);
  expect((err as TxError).log).toMatch(reason);
});

test("the signer is the submitter, not the certificate's prover", () => {
  const [handler] = createZkHandlers(zk, DENOM, 0) as unknown as [MsgHandler<MsgSubmitZkCertificate>];
  expect(handler.getSigners({ submitter: SUBMITTER, certificate: cert })).toEqual([new Uint8Array(20).fill(1)]);
});

// ---------- on a state holding the vector's block

/** Writes an epoch's set record as staking's processEpochEnd does (slot i = validator i: the vector's slot order). */
function writeEpochSet(s: StateView, epoch: number, startHeight: number, members: { attestationPublicKey: Uint8Array; power: bigint }[]): void {
  const record = aegis.staking.v1.ValidatorSetRecord.encode({
    epoch,
    start_height: startHeight,
    computed_height: startHeight - 1,
    root: new Uint8Array(32), // the BLS set root: not read by the zk module
    validators: members.map((m, i) => ({
      operator: new Uint8Array(20).fill(0x70 + i),
      bls_public_key: blsKey(i + 1).publicKey,
      attestation_public_key: m.attestationPublicKey,
      power: m.power.toString(),
      tokens: (m.power * 1_000_000n).toString(),
    })),
  }).finish();
  s.set(validatorSetByEpochKey(epoch), record);
  s.set(validatorSetByHeightKey(startHeight), encodeU64(BigInt(epoch)));
  s.set(LAST_EPOCH_KEY, encodeU64(BigInt(epoch)));
}

const attestationKeys = (vector.validators as { attestationSecretKey: string }[]).map((v) => createAttestationKeyPair(fromHex(v.attestationSecretKey)));
const powers = (vector.validators as { power: string }[]).map((v) => BigInt(v.power));

/**
 * The hub's state after block cert.height: the vector's set signs it (epoch 0), the next set (the
 * last validator's power 50) signs from cert.height + 1, the block's hash and time are recorded as
 * the start of blocks cert.height and cert.height + 1 record them. `blockTime`: the header time the
 * hub's block cert.height had (default: the certificate's).
 */
function chainState(opts: { blockTime?: number } = {}): StateView {
  const s = emptyState();
  writeEpochSet(s, 0, 1, attestationKeys.map((k, i) => ({ attestationPublicKey: k.publicKey, power: powers[i]! })));
  writeEpochSet(s, 1, cert.height + 1, attestationKeys.map((k, i) => ({ attestationPublicKey: k.publicKey, power: i === 3 ? 50n : powers[i]! })));
  const blockTime = opts.blockTime ?? cert.time;
  processRecordBlock(s, cert.height, new Uint8Array(32).fill(0x41), blockTime);
  processRecordBlock(s, cert.height + 1, cert.blockHash, blockTime + 1000);
  return s;
}

interface Outcome {
  ok: boolean;
  error?: TxError;
  events: TxEvent[];
  response?: { height: number; reward: string };
  /** The response's checkpoint_fees. */
  checkpointFees?: string;
}

/** The message as executeTx runs it (validateBasic, then process on a branch: committed on success, discarded on a TxError). */
function submit(s: StateView, msg: MsgSubmitZkCertificate, handlerZk = zk, height = HEIGHT): Outcome {
  const [handler] = createZkHandlers(handlerZk, DENOM, 0) as unknown as [MsgHandler<MsgSubmitZkCertificate>];
  const events: TxEvent[] = [];
  const branch = s.branch();
  try {
    handler.getSigners(msg);
    handler.validateBasic(msg);
    const r = handler.process({ store: branch, chainId: CHAIN_ID, height, time: cert.time + (height - cert.height) * 1000, events }, msg);
    branch.commit();
    const resp = aegis.zk.v1.MsgSubmitZkCertificateResponse.decode(r.response.value);
    return { ok: true, events, response: { height: Number(resp.height), reward: resp.reward }, checkpointFees: resp.checkpoint_fees };
  } catch (e) {
    branch.discard();
    if (e instanceof TxError) return { ok: false, error: e, events };
    throw e;
  }
}

const attribute = (events: TxEvent[], type: string, key: string) => events.find((e) => e.type === type)?.attributes.find((a) => a.key === key)?.value;

/**
 * Checkpoint fees at the given hub heights, as the consumers module takes them: the consumers
 * genesis with its defaults (fee 1000, prover share 200 ‰), a consumer registered, and one
 * MsgSubmitCheckpoint of its chain per height, relayed by account 2. Each accrues 200 in the pool
 * under its hub height.
 */
function accrueCheckpointFees(s: StateView, hubHeights: number[]): void {
  processConsumersGenesis(s, { bondDenom: DENOM });
  for (const i of [1, 2]) processMint(s, addr(i), [{ denom: DENOM, amount: 1_000_000_000n }]);
  mustRun(s, msgRegisterConsumerHandler, { owner: acc(1), consumerId: "evm-1", vm: "evm", genesisHash: fill(1), producerKeys: [producerKey(1)], bond: { denom: DENOM, amount: "10000000" } });
  let parent: ReturnType<typeof checkpoint> | undefined;
  for (const height of hubHeights) {
    const cp = checkpoint("evm-1", (parent?.height ?? 0) + 1, parent);
    mustRun(s, msgSubmitCheckpointHandler, { relayer: acc(2), ...signed("aegis-test", cp, 1, 0) }, { height });
    parent = cp;
  }
}
const SHARE = 200n;
const poolShares = (s: StateView) => listProverPoolShares(s).map((e) => [e.hubHeight, e.amount]);

test("the fixture state holds the vector's block: its signing and next sets have the certificate's roots", () => {
  const s = chainState();
  attestationKeys.forEach((k, i) => expect(getAttestationPoint(k.publicKey)).toEqual({ ax: BigInt(vector.validators[i].ax), ay: BigInt(vector.validators[i].ay) }));
  expect(computeZkValidatorSetRootOf(getValidatorSetForHeight(s, cert.height)!.validators, zk.capacity)).toBe(cert.validatorSetRoot);
  expect(computeZkValidatorSetRootOf(getValidatorSetForHeight(s, cert.height + 1)!.validators, zk.capacity)).toBe(cert.nextValidatorSetRoot);
  expect(getRecordedBlockHash(s, cert.height)).toEqual(cert.blockHash);
  expect(getRecordedBlockTime(s, cert.height)).toBe(cert.time);
});

describe("the reward goes to the account the proof commits to (certificate.prover), never to the submitter", () => {
  let q: Signer; // the relayer / would-be thief
  let qBytes: Uint8Array;
  beforeAll(async () => {
    [q] = await testSigners();
    qBytes = fromBech32(q.address, "aegis", { lengths: [20] });
  });

  test("submitted by another account, the certificate pays its prover; the submitter gets nothing", () => {
    const s = chainState();
    const out = submit(s, { submitter: q.address, certificate: cert });
    expect(out.error?.log).toBeUndefined();
    expect(out.ok).toBe(true);
    expect(out.response).toEqual({ height: cert.height, reward: `${REWARD}${DENOM}` });
    expect(getLastCertifiedHeight(s)).toBe(cert.height);
    expect(getBalance(s, PROVER, DENOM)).toBe(REWARD);
    expect(getAccount(s, PROVER)?.bech32).toBe(PROVER_ADDRESS); // created for the reward
    expect(getBalance(s, qBytes, DENOM)).toBe(0n);
    expect(getSupply(s, DENOM)).toBe(REWARD);
    expect(attribute(out.events, "zk_certificate", "prover")).toBe(PROVER_ADDRESS);
    expect(attribute(out.events, "zk_certificate", "submitter")).toBe(q.address);
    expect(attribute(out.events, "zk_certificate", "reward")).toBe(`${REWARD}${DENOM}`);
    expect(attribute(out.events, "message", "sender")).toBe(q.address);
    expect(out.checkpointFees).toBe("");
    expect(attribute(out.events, "zk_certificate", "checkpoint_fees")).toBe("");
  });

  test("with the reward, the prover is paid exactly the checkpoint-fee shares of hub heights <= the certificate's (42); those above stay in the pool", () => {
    const s = chainState();
    accrueCheckpointFees(s, [40, 42, 42, 43]);
    expect(poolShares(s)).toEqual([[40, SHARE], [42, 2n * SHARE], [43, SHARE]]);
    const supply = getSupply(s, DENOM);
    const out = submit(s, { submitter: q.address, certificate: cert });
    expect(out.error?.log).toBeUndefined();
    expect(getBalance(s, PROVER, DENOM)).toBe(REWARD + 3n * SHARE);
    expect(getBalance(s, qBytes, DENOM)).toBe(0n);
    expect(poolShares(s)).toEqual([[43, SHARE]]);
    expect(getBalance(s, CONSUMERS_PROVER_POOL_ADDRESS, DENOM)).toBe(SHARE);
    expect(getSupply(s, DENOM)).toBe(supply + REWARD); // the shares moved, only the reward is new
    expect(out.response).toEqual({ height: cert.height, reward: `${REWARD}${DENOM}` });
    expect(out.checkpointFees).toBe(`${3n * SHARE}${DENOM}`);
    expect(attribute(out.events, "zk_certificate", "checkpoint_fees")).toBe(`${3n * SHARE}${DENOM}`);
  });

  test("the theft: the same proof with its prover set to the submitter's address does not verify; the state is unchanged", () => {
    const s = chainState();
    const before = snapshot(s);
    const stolen = { ...cert, prover: qBytes };
    expect(verifyZkCertificate(stolen, cert.validatorSetRoot, { chainId: CHAIN_ID, verificationKeys: { [zk.circuit]: zk.verificationKey }, capacities: { [zk.circuit]: zk.capacity } })).toBe(false);
    const out = submit(s, { submitter: q.address, certificate: stolen });
    expect(out.ok).toBe(false);
    expect(out.error!.code).toBe("TX_ERROR_INVALID_MESSAGE");
    expect(out.error!.log).toMatch(/ZK_CERT_ERROR_INVALID_PROOF/);
    expect(snapshot(s)).toEqual(before);
    expect(getLastCertifiedHeight(s)).toBe(0);
    expect(getBalance(s, qBytes, DENOM)).toBe(0n);
    expect(getSupply(s, DENOM)).toBe(0n);
    expect(out.events).toEqual([]);
    // The refused copy used nothing up: the honest certificate of that height still pays its prover.
    expect(submit(s, { submitter: q.address, certificate: cert }).ok).toBe(true);
    expect(getBalance(s, PROVER, DENOM)).toBe(REWARD);
    expect(getBalance(s, qBytes, DENOM)).toBe(0n);
  });

  test.each([
    ["the prover's bytes with one bit flipped", () => Uint8Array.from(PROVER, (b, i) => (i === 19 ? b ^ 1 : b))],
    ["an all-zero prover (a proof for an account, replayed as no one's)", () => new Uint8Array(20)],
  ])("%s: refused, the state unchanged", (_name, prover) => {
    const s = chainState();
    const before = snapshot(s);
    const out = submit(s, { submitter: q.address, certificate: { ...cert, prover: prover() } });
    expect(out.error?.code).toBe("TX_ERROR_INVALID_MESSAGE");
    expect(out.error!.log).toMatch(/ZK_CERT_ERROR_INVALID_PROOF/);
    expect(snapshot(s)).toEqual(before);
  });

  describe("as transactions (cosmjs-signed, executeTx): the submitter pays the fee and nothing else", () => {
    const FEE: StdFee = { amount: [{ denom: DENOM, amount: "5000" }], gas: "2000000" };
    const FUNDS = 10_000_000n;
    const registry = new MsgRegistry([...DEFAULT_HANDLERS, ...createZkHandlers(zk, DENOM, 0)]);
    const cosmjsRegistry = new Registry([...defaultRegistryTypes, [AegisMsgSubmitZkCertificate.typeUrl, AegisMsgSubmitZkCertificate]]);

    function fundedChain(): StateView {
      const s = chainState();
      processEnsureAccount(s, qBytes, q.address);
      processMint(s, qBytes, [{ denom: DENOM, amount: FUNDS }]);
      return s;
    }

    async function deliver(s: StateView, certificate: ZkCertificate): Promise<TxResult> {
      const account = getAccount(s, qBytes)!;
      const client = await SigningStargateClient.offline(q.wallet, { registry: cosmjsRegistry });
      const value: MsgSubmitZkCertificate = { submitter: q.address, certificate };
      const raw = await client.sign(q.address, [{ typeUrl: AegisMsgSubmitZkCertificate.typeUrl, value }], FEE, "", {
        accountNumber: account.accountNumber,
        sequence: Number(account.sequence),
        chainId: CHAIN_ID,
      });
      const out = executeTx(s, TxRaw.encode(raw).finish(), { chainId: CHAIN_ID, height: HEIGHT, time: cert.time + 8000, mode: "deliver", registry, minGasPrices: [] });
      if (out.kind !== "included") throw new Error(`rejected: ${out.error.log}`);
      return out.result;
    }

    test("relayed: code 0, the prover is paid the reward, the submitter only pays the fee", async () => {
      const s = fundedChain();
      const r = await deliver(s, cert);
      expect(r.log).toBe("");
      expect(r.code).toBe(0);
      expect(TxMsgData.decode(r.data).msgResponses.map((m) => m.typeUrl)).toEqual(["/aegis.zk.v1.MsgSubmitZkCertificateResponse"]);
      expect(getBalance(s, PROVER, DENOM)).toBe(REWARD);
      expect(getBalance(s, qBytes, DENOM)).toBe(FUNDS - 5000n);
      expect(getSupply(s, DENOM)).toBe(FUNDS + REWARD);
      expect(getLastCertifiedHeight(s)).toBe(cert.height);
    });

    test("stolen (prover re-addressed to the submitter): refused in the block, nothing recorded or minted; the submitter loses the fee", async () => {
      const s = fundedChain();
      const r = await deliver(s, { ...cert, prover: qBytes });
      expect(r.code).toBe(new TxError({ code: "TX_ERROR_INVALID_MESSAGE", typeUrl: "", reason: "" }).abciCode);
      expect(r.log).toMatch(/ZK_CERT_ERROR_INVALID_PROOF/);
      expect(TxMsgData.decode(r.data).msgResponses).toEqual([]);
      expect(getLastCertifiedHeight(s)).toBe(0);
      expect(getBalance(s, qBytes, DENOM)).toBe(FUNDS - 5000n);
      expect(getAccount(s, PROVER)).toBeUndefined();
      expect(getSupply(s, DENOM)).toBe(FUNDS);
      expect(r.events.map((e) => e.type)).toEqual(["tx"]); // the fee's event only
    });
  });
});

describe("the certificate's time must be the hub's recorded time of its block", () => {
  test.each<[string, { blockTime?: number }, Partial<ZkCertificate>, RegExp]>([
    ["the hub recorded another time for the block (a valid proof of a statement with the wrong time)", { blockTime: cert.time + 1000 }, {}, new RegExp(`time ${cert.time} is not the hub's block time at height 42`)],
    ["the hub recorded the time 1 ms later", { blockTime: cert.time + 1 }, {}, /is not the hub's block time at height 42/],
    ["the certificate's time moved by 1 ms", {}, { time: cert.time + 1 }, /is not the hub's block time at height 42/],
    ["the certificate's time set to the next block's", {}, { time: cert.time + 1000 }, /is not the hub's block time at height 42/],
    ["the certificate's time 0", {}, { time: 0 }, /is not the hub's block time at height 42/],
  ])("refused: %s; the state is unchanged", (_name, state, change, reason) => {
    const s = chainState(state);
    const before = snapshot(s);
    const out = submit(s, { submitter: SUBMITTER, certificate: { ...cert, ...change } });
    expect(out.ok).toBe(false);
    expect(out.error!.code).toBe("TX_ERROR_INVALID_MESSAGE");
    expect(out.error!.log).toMatch(reason);
    expect(snapshot(s)).toEqual(before);
    expect(getLastCertifiedHeight(s)).toBe(0);
    expect(getSupply(s, DENOM)).toBe(0n);
  });

  test("refused once the block has left the window (its hash and time no longer kept); the state is unchanged", () => {
    const s = chainState();
    const last = cert.height + ZK_BLOCK_HASH_WINDOW + 1;
    for (let h = cert.height + 2; h <= last; h++) processRecordBlock(s, h, new Uint8Array(32).fill(h % 251), cert.time + (h - cert.height) * 1000);
    expect(getRecordedBlockTime(s, cert.height)).toBeUndefined();
    const before = snapshot(s);
    const out = submit(s, { submitter: SUBMITTER, certificate: cert }, zk, last);
    expect(out.error?.code).toBe("TX_ERROR_INVALID_MESSAGE");
    expect(out.error!.log).toMatch(/no longer kept/);
    expect(snapshot(s)).toEqual(before);
    expect(getLastCertifiedHeight(s)).toBe(0);
  });
});

describe("a certificate proved for the all-zero prover (no account): the height is recorded, nothing is paid", () => {
  let zeroCert: ZkCertificate;
  /** The vector's statement (height 42) proved for PROVER with the build's keys. */
  let namedCert: ZkCertificate;
  /** Height 50 (epoch 1's set signs it and the next height) proved for OTHER_PROVER with the build's keys. */
  let laterCert: ZkCertificate;
  let zkOfBuild: typeof zk;
  const OTHER_PROVER = new Uint8Array(20).fill(0xb7);
  const LATER = 50;
  const blockHashOf = (h: number) => new Uint8Array(32).fill(h & 0xff);
  const blockTimeOf = (h: number) => cert.time + (h - cert.height) * 1000;
  /** chainState() run on to the start of block `upTo` (the hash of upTo - 1 recorded). */
  const chainStateTo = (upTo: number): StateView => {
    const s = chainState();
    for (let h = cert.height + 2; h <= upTo; h++) processRecordBlock(s, h, blockHashOf(h - 1), blockTimeOf(h));
    return s;
  };

  type FinalityStatement = { chainId: string; height: number; time: number; blockHash: Uint8Array; validatorSetRoot: bigint; nextValidatorSetRoot: bigint };

  beforeAll(async () => {
    // Fresh proofs with the circuit's own setup (circuit input as test/vectors/generateZk.mjs builds it).
    const built = await setupCircuit(await getCircuit("quorum4"));
    zkOfBuild = { ...zk, verificationKey: built.vkey as unknown as Groth16VerificationKey };
    const prove = async (statement: FinalityStatement, setPowers: bigint[], signers: number[], prover: Uint8Array): Promise<ZkCertificate> => {
      const message = computeFinalityMessage(statement);
      const signatures = new Map(signers.map((i) => [i, decodeFinalitySignature(signFinalityMessage(attestationKeys[i]!.secretKey, message))!]));
      const slots = attestationKeys.map((k, i) => ({ ...getAttestationPoint(k.publicKey), power: setPowers[i]! }));
      const input = computeQuorumCircuitInput(slots, signatures, statement, zk.capacity, prover);
      const { proof } = await snarkjs.groth16.fullProve(input, built.wasm, built.zkey);
      return { ...cert, ...statement, signers: computeZkSignerBitmap(signers, zk.capacity), prover, proof: encodeZkProof(proof as never) };
    };
    const statement = { chainId: CHAIN_ID, height: cert.height, time: cert.time, blockHash: cert.blockHash, validatorSetRoot: cert.validatorSetRoot, nextValidatorSetRoot: cert.nextValidatorSetRoot };
    zeroCert = await prove(statement, powers, [1, 2, 3], new Uint8Array(20));
    namedCert = await prove(statement, powers, [1, 2, 3], PROVER);
    // Height 50: epoch 1 (the last validator's power 50) signs it and height 51.
    const epoch1 = powers.map((p, i) => (i === 3 ? 50n : p));
    const later = { chainId: CHAIN_ID, height: LATER, time: blockTimeOf(LATER), blockHash: blockHashOf(LATER), validatorSetRoot: cert.nextValidatorSetRoot, nextValidatorSetRoot: cert.nextValidatorSetRoot };
    laterCert = await prove(later, epoch1, [0, 1, 2, 3], OTHER_PROVER);
  }, 300_000);
  afterAll(() => terminateCurve());

  test("recorded, no mint, no account created; the event names no prover", () => {
    const s = chainState();
    const out = submit(s, { submitter: SUBMITTER, certificate: zeroCert }, zkOfBuild);
    expect(out.error?.log).toBeUndefined();
    expect(out.response).toEqual({ height: cert.height, reward: "" });
    expect(getLastCertifiedHeight(s)).toBe(cert.height);
    expect(getSupply(s, DENOM)).toBe(0n);
    expect(getAccount(s, new Uint8Array(20))).toBeUndefined();
    expect(getBalance(s, new Uint8Array(20), DENOM)).toBe(0n);
    expect(attribute(out.events, "zk_certificate", "prover")).toBe("");
    expect(attribute(out.events, "zk_certificate", "reward")).toBe("");
    // The height is taken: the same block's certificate for a named prover is no longer paid.
    const again = submit(s, { submitter: SUBMITTER, certificate: cert }, zkOfBuild);
    expect(again.error?.log).toMatch(/not above the last recorded certificate/);
    expect(getSupply(s, DENOM)).toBe(0n);
  });

  test("checkpoint-fee shares: an all-zero prover leaves them in the pool; the next certificate with a named prover (height 50) takes all up to its height", () => {
    const s = chainStateTo(LATER + 2);
    accrueCheckpointFees(s, [41, 42, 45, 50, 51]);
    const out = submit(s, { submitter: SUBMITTER, certificate: zeroCert }, zkOfBuild, LATER + 2);
    expect(out.error?.log).toBeUndefined();
    expect(out.checkpointFees).toBe("");
    expect(attribute(out.events, "zk_certificate", "checkpoint_fees")).toBe("");
    expect(poolShares(s)).toEqual([[41, SHARE], [42, SHARE], [45, SHARE], [50, SHARE], [51, SHARE]]);
    expect(getBalance(s, CONSUMERS_PROVER_POOL_ADDRESS, DENOM)).toBe(5n * SHARE);
    const next = submit(s, { submitter: SUBMITTER, certificate: laterCert }, zkOfBuild, LATER + 2);
    expect(next.error?.log).toBeUndefined();
    expect(getLastCertifiedHeight(s)).toBe(LATER);
    expect(getBalance(s, OTHER_PROVER, DENOM)).toBe(REWARD + 4n * SHARE);
    expect(next.checkpointFees).toBe(`${4n * SHARE}${DENOM}`);
    expect(poolShares(s)).toEqual([[51, SHARE]]);
    expect(getBalance(s, CONSUMERS_PROVER_POOL_ADDRESS, DENOM)).toBe(SHARE);
  });

  test("checkpoint-fee shares: a second certificate pays its prover what accrued since the first", () => {
    const s = chainStateTo(LATER + 2);
    accrueCheckpointFees(s, [30, 42, 43, 49, 50, 50]);
    const first = submit(s, { submitter: SUBMITTER, certificate: namedCert }, zkOfBuild, LATER + 2);
    expect(first.error?.log).toBeUndefined();
    expect(first.checkpointFees).toBe(`${2n * SHARE}${DENOM}`);
    expect(getBalance(s, PROVER, DENOM)).toBe(REWARD + 2n * SHARE);
    expect(poolShares(s)).toEqual([[43, SHARE], [49, SHARE], [50, 2n * SHARE]]);
    const second = submit(s, { submitter: SUBMITTER, certificate: laterCert }, zkOfBuild, LATER + 2);
    expect(second.error?.log).toBeUndefined();
    expect(second.checkpointFees).toBe(`${4n * SHARE}${DENOM}`);
    expect(attribute(second.events, "zk_certificate", "checkpoint_fees")).toBe(`${4n * SHARE}${DENOM}`);
    expect(getBalance(s, OTHER_PROVER, DENOM)).toBe(REWARD + 4n * SHARE);
    expect(getBalance(s, PROVER, DENOM)).toBe(REWARD + 2n * SHARE); // the first prover got nothing more
    expect(poolShares(s)).toEqual([]);
    expect(getBalance(s, CONSUMERS_PROVER_POOL_ADDRESS, DENOM)).toBe(0n);
  });

  test("the zero prover is bound too: the proof re-addressed to an account does not verify", () => {
    const s = chainState();
    const before = snapshot(s);
    const out = submit(s, { submitter: SUBMITTER, certificate: { ...zeroCert, prover: new Uint8Array(20).fill(1) } }, zkOfBuild);
    expect(out.error?.code).toBe("TX_ERROR_INVALID_MESSAGE");
    expect(out.error!.log).toMatch(/ZK_CERT_ERROR_INVALID_PROOF/);
    expect(snapshot(s)).toEqual(before);
  });
});
