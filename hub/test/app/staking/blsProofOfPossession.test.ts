/**
 * The BLS proof of possession is bound to the operator: the front-running attack on a pending
 * MsgCreateValidator, end to end through HubApplication over a real LevelDB (HubDb in a temp folder)
 * with transactions signed as cosmjs signs them. The attacker copies the victim's BLS key and proof
 * into a MsgCreateValidator of their own (with a valid attestation key of their own): the message
 * fails (code 18, ErrInvalidRequest), only the fee is taken, no validator appears; the victim's own
 * registration then succeeds.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toBech32 } from "@cosmjs/encoding";
import { Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes, SigningStargateClient, type StdFee } from "@cosmjs/stargate";
import { QueryValidatorsRequest, QueryValidatorsResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import { QueryBalanceRequest, QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { createBlsKeyPair, createBlsProofOfPossession } from "@aegis/consumer-sdk";
import { HubApplication, type BlockExecutionContext } from "../../../src/app/index.js";
import { AegisMsgCreateValidator, type MsgCreateValidator } from "../../../src/app/modules/staking/index.js";
import { createAttestationKeyPair, createAttestationProofOfPossession } from "../../../src/attestation/index.js";
import { HubDb } from "../../../src/db/index.js";
import { nullLogger } from "../../../src/logger.js";
import { fromBech32 } from "../../../src/tx/index.js";
import { testSigners, type Signer } from "../../tx/txFixtures.js";

const CHAIN_ID = "aegis-pop-test";
const DENOM = "uaeg";
const FEE: StdFee = { amount: [{ denom: DENOM, amount: "15000" }], gas: "600000" };
const cosmjsRegistry = new Registry([...defaultRegistryTypes, [AegisMsgCreateValidator.typeUrl, AegisMsgCreateValidator]]);

let victim: Signer;
let attacker: Signer;
let dir: string;
let db: HubDb;
let app: HubApplication;

beforeAll(async () => {
  [victim, attacker] = await testSigners();
  dir = await mkdtemp(join(tmpdir(), "aegis-pop-"));
  db = await HubDb.open(dir);
  const coins = [{ denom: DENOM, amount: "1000000000000" }];
  app = await HubApplication.open(
    { chainId: CHAIN_ID, genesis: { denom: DENOM, accounts: [{ address: victim.address, coins }, { address: attacker.address, coins }] } },
    { db, logger: nullLogger },
  );
});

afterAll(async () => {
  if (db?.isOpen) await db.close();
  await rm(dir, { recursive: true, force: true });
});

const ctx = (height: number): BlockExecutionContext => ({ chainId: CHAIN_ID, height, time: 1_700_000_000_000 + height * 1000, proposer: new Uint8Array(20).fill(7), lastCommit: null, evidence: [] });
const operatorOf = (s: Signer) => fromBech32(s.address, "aegis", { lengths: [20] });

function createValidator(operator: Signer, bls: { publicKey: Uint8Array; proof: Uint8Array }, seed: number): MsgCreateValidator {
  const op = operatorOf(operator);
  const attestation = createAttestationKeyPair(new Uint8Array(32).fill(seed));
  return {
    description: { moniker: `v${seed}`, identity: "", website: "", securityContact: "", details: "" },
    commission: { rate: "0.1", maxRate: "0.2", maxChangeRate: "0.01" },
    minSelfDelegation: "1",
    delegatorAddress: operator.address,
    validatorAddress: toBech32("aegisvaloper", op),
    value: { denom: DENOM, amount: "5000000" },
    blsPublicKey: bls.publicKey,
    blsProofOfPossession: bls.proof,
    attestationPublicKey: attestation.publicKey,
    attestationProofOfPossession: createAttestationProofOfPossession(attestation.secretKey, op),
  };
}

async function sign(signer: Signer, msg: MsgCreateValidator, accountNumber: number, sequence: number): Promise<Uint8Array> {
  const client = await SigningStargateClient.offline(signer.wallet, { registry: cosmjsRegistry });
  const raw = await client.sign(signer.address, [{ typeUrl: AegisMsgCreateValidator.typeUrl, value: msg }], FEE, "", { accountNumber: BigInt(accountNumber), sequence, chainId: CHAIN_ID });
  return TxRaw.encode(raw).finish();
}

function validators(): string[] {
  const r = app.query("/cosmos.staking.v1beta1.Query/Validators", QueryValidatorsRequest.encode({ status: "", pagination: undefined }).finish());
  expect(r.code).toBe(0);
  return QueryValidatorsResponse.decode(r.value!).validators.map((v) => v.operatorAddress);
}

function balance(address: string): bigint {
  const r = app.query("/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address, denom: DENOM }).finish());
  return BigInt(QueryBalanceResponse.decode(r.value!).balance!.amount);
}

test("a copied BLS key and proof are refused under the attacker's operator; the victim then registers", async () => {
  const bls = createBlsKeyPair(new Uint8Array(32).fill(42));
  const victimMsg = createValidator(victim, { publicKey: bls.publicKey, proof: createBlsProofOfPossession(bls.secretKey, operatorOf(victim)) }, 1);
  const victimTx = await sign(victim, victimMsg, 0, 0); // pending in the mempool, visible to everyone

  // The attacker copies bls_public_key and bls_proof_of_possession out of the pending message.
  const attackMsg = createValidator(attacker, { publicKey: victimMsg.blsPublicKey, proof: victimMsg.blsProofOfPossession }, 2);
  const attackTx = await sign(attacker, attackMsg, 1, 0);
  const attackerBalance = balance(attacker.address);
  const rootBefore = app.stateRoot;

  await app.commitBlock(ctx(1), [attackTx]);
  const [attack] = await db.txs.listByHeight(1);
  expect(attack!.result).toMatchObject({ code: 18, codespace: "sdk" });
  expect(attack!.result.log).toMatch(/bls_proof_of_possession does not prove possession of bls_public_key for this operator/);
  expect(attack!.result.events.map((e) => e.type)).toEqual(["tx"]); // the message's effects are dropped
  // Only the fee and the sequence: no validator, no delegation, the key is still free.
  expect(validators()).toEqual([]);
  expect(balance(attacker.address)).toBe(attackerBalance - 15_000n);
  expect(app.stateRoot).not.toEqual(rootBefore);

  await app.commitBlock(ctx(2), [victimTx]);
  const [registered] = await db.txs.listByHeight(2);
  expect(registered!.result.log).toBe("");
  expect(registered!.result.code).toBe(0);
  expect(validators()).toEqual([victimMsg.validatorAddress]);

  // Afterwards the copy is refused as a duplicate key, whatever its proof.
  const late = await sign(attacker, createValidator(attacker, { publicKey: bls.publicKey, proof: createBlsProofOfPossession(bls.secretKey, operatorOf(attacker)) }, 3), 1, 1);
  await app.commitBlock(ctx(3), [late]);
  const [dup] = await db.txs.listByHeight(3);
  expect(dup!.result.code).toBe(18);
  expect(dup!.result.log).toMatch(/already exist for this pubkey/);
  expect(validators()).toEqual([victimMsg.validatorAddress]);
});
