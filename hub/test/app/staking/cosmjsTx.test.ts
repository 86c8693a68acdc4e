/**
 * Staking transactions signed by cosmjs 0.39 (SigningStargateClient, offline, with the Aegis types
 * registered) and executed by executeTx with a registry that has the staking handlers: what
 * delegateTokens / undelegateTokens send, the responses cosmjs decodes, failure semantics.
 */
import { toBech32 } from "@cosmjs/encoding";
import { Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes, SigningStargateClient, type StdFee } from "@cosmjs/stargate";
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { MsgDelegate, MsgUndelegate, MsgUndelegateResponse } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { aegis } from "@aegis/proto";
import { createBlsProofOfPossession } from "@aegis/consumer-sdk";
import { executeTx, type TxResult } from "../../../src/app/executeTx.js";
import { processEnsureAccount } from "../../../src/app/modules/auth.js";
import { getBalance, processMint } from "../../../src/app/modules/bank.js";
import {
  AegisMsgCreateValidator,
  AegisMsgEditValidator,
  DEC_ONE,
  getDelegation,
  getValidator,
  setStakingParams,
  STAKING_HANDLERS,
  type MsgCreateValidator,
} from "../../../src/app/modules/staking/index.js";
import { DEFAULT_HANDLERS, MsgRegistry } from "../../../src/app/msgRegistry.js";
import type { StateView } from "../../../src/state/index.js";
import { fromBech32 } from "../../../src/tx/index.js";
import { testSigners, type Signer } from "../../tx/txFixtures.js";
import { attestationKeyPair, blsKey, createValidatorMsg, DENOM, emptyState, T0, TEST_PARAMS } from "./stakingFixtures.js";
import { createAttestationProofOfPossession } from "../../../src/attestation/index.js";

const CHAIN_ID = "aegis-staking-test";
const FEE: StdFee = { amount: [{ denom: DENOM, amount: "5000" }], gas: "600000" };
const registry = new MsgRegistry([...DEFAULT_HANDLERS, ...STAKING_HANDLERS]);
const cosmjsRegistry = new Registry([...defaultRegistryTypes, [AegisMsgCreateValidator.typeUrl, AegisMsgCreateValidator], [AegisMsgEditValidator.typeUrl, AegisMsgEditValidator]]);

let alice: Signer;
let bob: Signer;
beforeAll(async () => {
  [alice, bob] = await testSigners();
});

function genesis(): StateView {
  const s = emptyState();
  setStakingParams(s, TEST_PARAMS);
  for (const who of [alice, bob]) {
    const a = fromBech32(who.address, "aegis", { lengths: [20] });
    processEnsureAccount(s, a, who.address);
    processMint(s, a, [{ denom: DENOM, amount: 1_000_000_000n }]);
  }
  return s;
}

const sequences = new Map<string, number>();
async function sign(signer: Signer, messages: { typeUrl: string; value: unknown }[], accountNumber: number): Promise<Uint8Array> {
  const client = await SigningStargateClient.offline(signer.wallet, { registry: cosmjsRegistry });
  const sequence = sequences.get(signer.address) ?? 0;
  const raw = await client.sign(signer.address, messages, FEE, "", { accountNumber: BigInt(accountNumber), sequence, chainId: CHAIN_ID });
  sequences.set(signer.address, sequence + 1);
  return TxRaw.encode(raw).finish();
}

function deliver(s: StateView, tx: Uint8Array, height: number): TxResult {
  const out = executeTx(s, tx, { chainId: CHAIN_ID, height, time: T0 + height, mode: "deliver", registry, minGasPrices: [] });
  if (out.kind !== "included") throw new Error(`rejected: ${out.error.log}`);
  return out.result;
}

function aliceValidator(): MsgCreateValidator {
  const bytes = fromBech32(alice.address, "aegis", { lengths: [20] });
  // The attestation key's proof of possession names the operator: alice's address here.
  const attestationProofOfPossession = createAttestationProofOfPossession(attestationKeyPair(1).secretKey, bytes);
  const blsProofOfPossession = createBlsProofOfPossession(blsKey(1).secretKey, bytes); // so is the BLS key's
  return createValidatorMsg(1, 5_000_000n, { delegatorAddress: alice.address, validatorAddress: toBech32("aegisvaloper", bytes), blsProofOfPossession, attestationProofOfPossession });
}

test("create validator, delegate, undelegate as cosmjs signs them", async () => {
  sequences.clear();
  const s = genesis();
  const create = aliceValidator();
  const r1 = deliver(s, await sign(alice, [{ typeUrl: AegisMsgCreateValidator.typeUrl, value: create }], 0), 1);
  expect(r1.log).toBe("");
  expect(r1.code).toBe(0);
  expect(TxMsgData.decode(r1.data).msgResponses.map((r) => r.typeUrl)).toEqual(["/aegis.staking.v1.MsgCreateValidatorResponse"]);
  const operator = fromBech32(create.validatorAddress, "aegisvaloper", { lengths: [20] });
  expect(getValidator(s, operator)!.tokens).toBe(5_000_000n);

  // what SigningStargateClient.delegateTokens builds
  const delegate = { typeUrl: "/cosmos.staking.v1beta1.MsgDelegate", value: MsgDelegate.fromPartial({ delegatorAddress: bob.address, validatorAddress: create.validatorAddress, amount: { denom: DENOM, amount: "250000" } }) };
  const r2 = deliver(s, await sign(bob, [delegate], 1), 2);
  expect(r2.code).toBe(0);
  expect(TxMsgData.decode(r2.data).msgResponses.map((r) => r.typeUrl)).toEqual(["/cosmos.staking.v1beta1.MsgDelegateResponse"]);
  expect(r2.events.map((e) => e.type)).toContain("delegate");
  const bobBytes = fromBech32(bob.address, "aegis", { lengths: [20] });
  expect(getDelegation(s, bobBytes, operator)!.shares).toBe(250_000n * DEC_ONE);

  const undelegate = { typeUrl: "/cosmos.staking.v1beta1.MsgUndelegate", value: MsgUndelegate.fromPartial({ delegatorAddress: bob.address, validatorAddress: create.validatorAddress, amount: { denom: DENOM, amount: "100000" } }) };
  const r3 = deliver(s, await sign(bob, [undelegate], 1), 3);
  expect(r3.code).toBe(0);
  const [resp] = TxMsgData.decode(r3.data).msgResponses;
  expect(resp!.typeUrl).toBe("/cosmos.staking.v1beta1.MsgUndelegateResponse");
  const u = MsgUndelegateResponse.decode(resp!.value);
  expect(u.amount).toEqual({ denom: DENOM, amount: "100000" });
  expect(u.completionTime.seconds).toBe(BigInt(Math.floor((T0 + 3 + TEST_PARAMS.unbondingTimeMs) / 1000)));
  expect(r1.gasUsed).toBeLessThan(600_000n);
});

test("a failing staking message keeps the fee and sequence, drops its effects", async () => {
  sequences.clear();
  const s = genesis();
  const bobBytes = fromBech32(bob.address, "aegis", { lengths: [20] });
  const before = getBalance(s, bobBytes, DENOM);
  const delegate = { typeUrl: "/cosmos.staking.v1beta1.MsgDelegate", value: MsgDelegate.fromPartial({ delegatorAddress: bob.address, validatorAddress: toBech32("aegisvaloper", bobBytes), amount: { denom: DENOM, amount: "1" } }) };
  const r = deliver(s, await sign(bob, [delegate], 1), 1);
  expect(r.code).toBe(18);
  expect(r.log).toMatch(/validator does not exist/);
  expect(getBalance(s, bobBytes, DENOM)).toBe(before - 5000n);
});

test("the codec writes the same bytes as the protobufjs code generated from tx.proto", () => {
  const m = aliceValidator();
  const ours = AegisMsgCreateValidator.encode(m).finish();
  const generated = aegis.staking.v1.MsgCreateValidator.encode({
    description: { moniker: m.description.moniker },
    commission: { rate: m.commission.rate, max_rate: m.commission.maxRate, max_change_rate: m.commission.maxChangeRate },
    min_self_delegation: m.minSelfDelegation,
    delegator_address: m.delegatorAddress,
    validator_address: m.validatorAddress,
    value: m.value,
    bls_public_key: m.blsPublicKey,
    bls_proof_of_possession: m.blsProofOfPossession,
    attestation_public_key: m.attestationPublicKey,
    attestation_proof_of_possession: m.attestationProofOfPossession,
  }).finish();
  expect(ours).toEqual(generated);
  expect(AegisMsgCreateValidator.decode(ours)).toEqual(m);
  expect(blsKey(1).publicKey).toEqual(m.blsPublicKey);
});
