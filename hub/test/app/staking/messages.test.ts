/**
 * Every staking message: what it does, and every rule it enforces. Each refused message leaves the
 * state exactly as it was (it runs on a branch that is discarded, as executeTx does).
 */
import { MsgBeginRedelegateResponse, MsgUndelegateResponse } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { Validator as CosmosValidator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { aegis } from "@aegis/proto";
import { getBalance } from "../../../src/app/modules/bank.js";
import {
  AegisMsgCreateValidator,
  AegisMsgEditValidator,
  BLS_PUBLIC_KEY_TYPE_URL,
  BONDED_POOL_ADDRESS,
  DEC_ONE,
  getDelegation,
  getRedelegation,
  getUnbondingDelegation,
  getValidator,
  getValidatorBytes,
  msgBeginRedelegateHandler,
  msgCreateValidatorHandler,
  msgDelegateHandler,
  msgEditValidatorHandler,
  msgUndelegateHandler,
  NOT_BONDED_POOL_ADDRESS,
  processEpochEnd,
  processSlash,
  setValidator,
  STAKING_HANDLERS,
  tokensFromSharesTruncated,
  type MsgCreateValidator,
  type MsgEditValidator,
} from "../../../src/app/modules/staking/index.js";
import type { StateView } from "../../../src/state/index.js";
import type { TxErrorCode } from "../../../src/tx/index.js";
import {
  acc,
  addr,
  BondStatus,
  checkInvariants,
  createValidatorMsg,
  DAY,
  DENOM,
  mustRun,
  run,
  setup,
  snapshot,
  T0,
  valoper,
  type RunOutcome,
} from "./stakingFixtures.js";
import { attestationKeyPair, blsKey } from "./stakingFixtures.js";
import { blsSign, CanonicalWriter, createBlsProofOfPossession } from "@aegis/consumer-sdk";
import { createAttestationProofOfPossession } from "../../../src/attestation/index.js";
import { IDENTITY_POINT, LOW_ORDER_POINT, NOT_A_POINT } from "../../attestation/attestationFixtures.js";

const coin = (amount: bigint | string, denom = DENOM) => ({ denom, amount: amount.toString() });
const create = (s: StateView, m: MsgCreateValidator, ctx = {}) => run(s, msgCreateValidatorHandler, m, ctx);
const edit = (s: StateView, m: Partial<MsgEditValidator> & { validatorAddress: string }, ctx = {}) =>
  run(s, msgEditValidatorHandler, { commissionRate: "", minSelfDelegation: "", ...m }, ctx);
const delegate = (s: StateView, d: number, v: number, amount: bigint | string, ctx = {}, denom = DENOM) =>
  run(s, msgDelegateHandler, { delegatorAddress: acc(d), validatorAddress: valoper(v), amount: coin(amount, denom) }, ctx);
const undelegate = (s: StateView, d: number, v: number, amount: bigint | string, ctx = {}, denom = DENOM) =>
  run(s, msgUndelegateHandler, { delegatorAddress: acc(d), validatorAddress: valoper(v), amount: coin(amount, denom) }, ctx);
const redelegate = (s: StateView, d: number, src: number, dst: number, amount: bigint | string, ctx = {}) =>
  run(s, msgBeginRedelegateHandler, { delegatorAddress: acc(d), validatorSrcAddress: valoper(src), validatorDstAddress: valoper(dst), amount: coin(amount) }, ctx);

/** Validators 1 (10 M) and 2 (8 M), account 5 delegating 1 M to validator 1; nothing bonded yet. */
function base(): StateView {
  const s = setup();
  mustRun(s, msgCreateValidatorHandler, createValidatorMsg(1, 10_000_000n));
  mustRun(s, msgCreateValidatorHandler, createValidatorMsg(2, 8_000_000n));
  mustRun(s, msgDelegateHandler, { delegatorAddress: acc(5), validatorAddress: valoper(1), amount: coin(1_000_000n) });
  return s;
}

/** base() with validators 1 and 2 bonded (epoch 0 ends at height 1). */
function bonded(): StateView {
  const s = base();
  processEpochEnd(s, { height: 1, time: T0 });
  return s;
}

interface ErrorCase {
  name: string;
  state?: () => StateView;
  run: (s: StateView) => RunOutcome;
  code: TxErrorCode;
  reason?: RegExp;
  /** The prepared state is deliberately inconsistent (a hand-set exchange rate). */
  skipInvariants?: boolean;
}

const cv = (i: number, over: Partial<MsgCreateValidator> = {}, amount = 5_000_000n) => createValidatorMsg(i, amount, over);

const ERROR_CASES: ErrorCase[] = [
  // MsgCreateValidator
  { name: "create: malformed delegator", run: (s) => create(s, cv(3, { delegatorAddress: "aegis1xyz" })), code: "TX_ERROR_INVALID_MESSAGE_ADDRESS", reason: /delegator_address/ },
  { name: "create: operator bytes differ from delegator", run: (s) => create(s, cv(3, { validatorAddress: valoper(4) })), code: "TX_ERROR_INVALID_MESSAGE", reason: /same|bytes/ },
  { name: "create: operator with account prefix", run: (s) => create(s, cv(3, { validatorAddress: acc(3) })), code: "TX_ERROR_INVALID_MESSAGE_ADDRESS", reason: /validator_address/ },
  { name: "create: empty moniker", run: (s) => create(s, cv(3, { description: { moniker: "", identity: "", website: "", securityContact: "", details: "" } })), code: "TX_ERROR_INVALID_MESSAGE", reason: /moniker/ },
  { name: "create: moniker too long", run: (s) => create(s, cv(3, { description: { moniker: "m".repeat(71), identity: "", website: "", securityContact: "", details: "" } })), code: "TX_ERROR_INVALID_MESSAGE", reason: /moniker length/ },
  { name: "create: details too long", run: (s) => create(s, cv(3, { description: { moniker: "m", identity: "", website: "", securityContact: "", details: "d".repeat(281) } })), code: "TX_ERROR_INVALID_MESSAGE", reason: /details length/ },
  { name: "create: rate above max rate", run: (s) => create(s, cv(3, { commission: { rate: "0.3", maxRate: "0.2", maxChangeRate: "0.01" } })), code: "TX_ERROR_INVALID_MESSAGE", reason: /more than the max rate/ },
  { name: "create: max rate above 1", run: (s) => create(s, cv(3, { commission: { rate: "0.3", maxRate: "1.000000000000000001", maxChangeRate: "0.01" } })), code: "TX_ERROR_INVALID_MESSAGE", reason: /100%/ },
  { name: "create: max change rate above max rate", run: (s) => create(s, cv(3, { commission: { rate: "0.1", maxRate: "0.2", maxChangeRate: "0.3" } })), code: "TX_ERROR_INVALID_MESSAGE", reason: /change rate/ },
  { name: "create: rate not a decimal", run: (s) => create(s, cv(3, { commission: { rate: "ten", maxRate: "0.2", maxChangeRate: "0.01" } })), code: "TX_ERROR_INVALID_MESSAGE", reason: /commission.rate/ },
  { name: "create: negative rate", run: (s) => create(s, cv(3, { commission: { rate: "-0.1", maxRate: "0.2", maxChangeRate: "0.01" } })), code: "TX_ERROR_INVALID_MESSAGE", reason: /commission.rate/ },
  { name: "create: zero min self delegation", run: (s) => create(s, cv(3, { minSelfDelegation: "0" })), code: "TX_ERROR_INVALID_MESSAGE", reason: /positive/ },
  { name: "create: malformed min self delegation", run: (s) => create(s, cv(3, { minSelfDelegation: "1.5" })), code: "TX_ERROR_INVALID_MESSAGE", reason: /min_self_delegation/ },
  { name: "create: self delegation below min", run: (s) => create(s, cv(3, { minSelfDelegation: "5000001" })), code: "TX_ERROR_INVALID_MESSAGE", reason: /minimum self delegation/ },
  { name: "create: zero self delegation", run: (s) => create(s, cv(3, { value: coin(0n) })), code: "TX_ERROR_INVALID_COINS" },
  { name: "create: wrong denom", run: (s) => create(s, cv(3, { value: coin(5_000_000n, "uother") })), code: "TX_ERROR_INVALID_MESSAGE", reason: /denomination/ },
  { name: "create: BLS key of 47 bytes", run: (s) => create(s, cv(3, { blsPublicKey: new Uint8Array(47) })), code: "TX_ERROR_INVALID_MESSAGE", reason: /bls_public_key/ },
  { name: "create: BLS proof of 95 bytes", run: (s) => create(s, cv(3, { blsProofOfPossession: new Uint8Array(95) })), code: "TX_ERROR_INVALID_MESSAGE", reason: /bls_proof_of_possession/ },
  { name: "create: BLS proof for another key", run: (s) => create(s, cv(3, { blsProofOfPossession: createValidatorMsg(4, 1n).blsProofOfPossession })), code: "TX_ERROR_INVALID_MESSAGE", reason: /possession/ },
  {
    // Front-running: validator 4's pending key and proof, copied under operator 3.
    name: "create: another operator's BLS key and proof (front-running)",
    run: (s) => create(s, cv(3, { blsPublicKey: blsKey(4).publicKey, blsProofOfPossession: blsKey(4).pop })),
    code: "TX_ERROR_INVALID_MESSAGE",
    reason: /bls_proof_of_possession does not prove possession of bls_public_key for this operator/,
  },
  { name: "create: BLS proof of its own key made for another operator", run: (s) => create(s, cv(3, { blsProofOfPossession: createBlsProofOfPossession(blsKey(3).secretKey, addr(4)) })), code: "TX_ERROR_INVALID_MESSAGE", reason: /for this operator/ },
  {
    name: "create: the old unbound BLS proof (domain ‖ key)",
    run: (s) => create(s, cv(3, { blsProofOfPossession: blsSign(blsKey(3).secretKey, new CanonicalWriter().string("aegis/bls-pop/v1").fixed(blsKey(3).publicKey, 48, "pk").finish()) })),
    code: "TX_ERROR_INVALID_MESSAGE",
    reason: /bls_proof_of_possession/,
  },
  { name: "create: attestation key of 31 bytes", run: (s) => create(s, cv(3, { attestationPublicKey: new Uint8Array(31) })), code: "TX_ERROR_INVALID_MESSAGE", reason: /attestation_public_key/ },
  { name: "create: attestation proof of 63 bytes", run: (s) => create(s, cv(3, { attestationProofOfPossession: new Uint8Array(63) })), code: "TX_ERROR_INVALID_MESSAGE", reason: /attestation_proof_of_possession/ },
  { name: "create: attestation key that is not a curve point", run: (s) => create(s, cv(3, { attestationPublicKey: NOT_A_POINT })), code: "TX_ERROR_INVALID_MESSAGE", reason: /attestation_public_key: not a point/ },
  { name: "create: attestation key outside the prime-order subgroup", run: (s) => create(s, cv(3, { attestationPublicKey: LOW_ORDER_POINT })), code: "TX_ERROR_INVALID_MESSAGE", reason: /subgroup/ },
  { name: "create: attestation key = the identity", run: (s) => create(s, cv(3, { attestationPublicKey: IDENTITY_POINT })), code: "TX_ERROR_INVALID_MESSAGE", reason: /not a point|identity/ },
  { name: "create: attestation proof signed for another operator", run: (s) => create(s, cv(3, { attestationProofOfPossession: createAttestationProofOfPossession(attestationKeyPair(3).secretKey, addr(4)) })), code: "TX_ERROR_INVALID_MESSAGE", reason: /attestation_proof_of_possession/ },
  { name: "create: attestation proof of another key", run: (s) => create(s, cv(3, { attestationProofOfPossession: attestationKeyPair(4).pop })), code: "TX_ERROR_INVALID_MESSAGE", reason: /attestation_proof_of_possession/ },
  { name: "create: duplicate operator", run: (s) => create(s, cv(1, { blsPublicKey: createValidatorMsg(7, 1n).blsPublicKey, blsProofOfPossession: createValidatorMsg(7, 1n).blsProofOfPossession, attestationPublicKey: new Uint8Array(32).fill(99) })), code: "TX_ERROR_INVALID_MESSAGE", reason: /operator address/ },
  { name: "create: duplicate BLS key", run: (s) => create(s, cv(3, { blsPublicKey: createValidatorMsg(1, 1n).blsPublicKey, blsProofOfPossession: createValidatorMsg(1, 1n).blsProofOfPossession })), code: "TX_ERROR_INVALID_MESSAGE", reason: /pubkey/ },
  { name: "create: duplicate attestation key", run: (s) => create(s, cv(3, { attestationPublicKey: createValidatorMsg(2, 1n).attestationPublicKey })), code: "TX_ERROR_INVALID_MESSAGE", reason: /attestation key/ },
  { name: "create: unfunded delegator", run: (s) => create(s, cv(11)), code: "TX_ERROR_INSUFFICIENT_FUNDS" },
  { name: "create: more than the balance", run: (s) => create(s, cv(3, {}, 1_000_000_000_001n)), code: "TX_ERROR_INSUFFICIENT_FUNDS" },
  {
    name: "create: min self delegation below the params floor",
    state: () => setup({ params: { minSelfDelegation: 1000n } }),
    run: (s) => create(s, cv(3, { minSelfDelegation: "999" })),
    code: "TX_ERROR_INVALID_MESSAGE",
    reason: /at least 1000/,
  },
  {
    name: "create: commission below the params floor",
    state: () => setup({ params: { minCommissionRate: DEC_ONE / 20n } }),
    run: (s) => create(s, cv(3, { commission: { rate: "0.04", maxRate: "0.2", maxChangeRate: "0.01" } })),
    code: "TX_ERROR_INVALID_MESSAGE",
    reason: /minimum commission rate/,
  },

  // MsgEditValidator
  { name: "edit: unknown validator", run: (s) => edit(s, { validatorAddress: valoper(3), commissionRate: "0.1" }, { time: T0 + 2 * DAY }), code: "TX_ERROR_INVALID_MESSAGE", reason: /does not exist/ },
  { name: "edit: nothing to change", run: (s) => edit(s, { validatorAddress: valoper(1) }), code: "TX_ERROR_INVALID_MESSAGE", reason: /empty description/ },
  { name: "edit: commission within 24 h of creation", run: (s) => edit(s, { validatorAddress: valoper(1), commissionRate: "0.105" }, { time: T0 + DAY - 1 }), code: "TX_ERROR_INVALID_MESSAGE", reason: /24h/ },
  { name: "edit: commission above max change rate", run: (s) => edit(s, { validatorAddress: valoper(1), commissionRate: "0.110000000000000001" }, { time: T0 + DAY }), code: "TX_ERROR_INVALID_MESSAGE", reason: /max change rate/ },
  { name: "edit: commission above max rate", run: (s) => edit(s, { validatorAddress: valoper(1), commissionRate: "0.21" }, { time: T0 + DAY }), code: "TX_ERROR_INVALID_MESSAGE", reason: /max rate/ },
  { name: "edit: commission above 1", run: (s) => edit(s, { validatorAddress: valoper(1), commissionRate: "1.5" }, { time: T0 + DAY }), code: "TX_ERROR_INVALID_MESSAGE", reason: /100%/ },
  { name: "edit: min self delegation not increasing", run: (s) => edit(s, { validatorAddress: valoper(1), minSelfDelegation: "1" }), code: "TX_ERROR_INVALID_MESSAGE", reason: /cannot be decrease/ },
  { name: "edit: min self delegation above tokens", run: (s) => edit(s, { validatorAddress: valoper(1), minSelfDelegation: "11000001" }), code: "TX_ERROR_INVALID_MESSAGE", reason: /greater than their minimum/ },
  { name: "edit: moniker emptied", run: (s) => edit(s, { validatorAddress: valoper(1), description: { moniker: "", identity: "", website: "", securityContact: "", details: "" } }), code: "TX_ERROR_INVALID_MESSAGE", reason: /moniker/ },
  { name: "edit: website too long", run: (s) => edit(s, { validatorAddress: valoper(1), description: { moniker: "x", identity: "", website: "w".repeat(141), securityContact: "", details: "" } }), code: "TX_ERROR_INVALID_MESSAGE", reason: /website/ },

  // MsgDelegate
  { name: "delegate: unknown validator", run: (s) => delegate(s, 5, 9, 100n), code: "TX_ERROR_INVALID_MESSAGE", reason: /does not exist/ },
  { name: "delegate: wrong denom", run: (s) => delegate(s, 5, 1, 100n, {}, "uother"), code: "TX_ERROR_INVALID_MESSAGE", reason: /denomination/ },
  { name: "delegate: zero amount", run: (s) => delegate(s, 5, 1, 0n), code: "TX_ERROR_INVALID_COINS" },
  { name: "delegate: malformed amount", run: (s) => delegate(s, 5, 1, "-5"), code: "TX_ERROR_INVALID_COINS" },
  { name: "delegate: validator address with account prefix", run: (s) => run(s, msgDelegateHandler, { delegatorAddress: acc(5), validatorAddress: acc(1), amount: coin(5n) }), code: "TX_ERROR_INVALID_MESSAGE_ADDRESS", reason: /validator_address/ },
  { name: "delegate: more than the balance", run: (s) => delegate(s, 5, 1, 1_000_000_000_000n), code: "TX_ERROR_INSUFFICIENT_FUNDS" },
  {
    name: "delegate: validator slashed to zero tokens (invalid exchange rate)",
    state: () => {
      const s = bonded();
      processSlash(s, addr(1), 1, DEC_ONE, { height: 1, time: T0 }, { power: 11n });
      return s;
    },
    run: (s) => delegate(s, 5, 1, 100n),
    code: "TX_ERROR_INVALID_MESSAGE",
    reason: /exchange rate/,
  },
  {
    name: "delegate: amount worth no shares",
    state: () => {
      const s = base();
      const v = getValidator(s, addr(1))!;
      setValidator(s, { ...v, tokens: 10n ** 30n, delegatorShares: 1n }); // 1 atomic share for 10^30 tokens
      return s;
    },
    run: (s) => delegate(s, 5, 1, 100n),
    code: "TX_ERROR_INVALID_MESSAGE",
    reason: /no shares/,
    skipInvariants: true,
  },

  // MsgUndelegate
  { name: "undelegate: no delegation", run: (s) => undelegate(s, 6, 1, 100n), code: "TX_ERROR_INVALID_MESSAGE", reason: /no delegation/ },
  { name: "undelegate: unknown validator", run: (s) => undelegate(s, 5, 9, 100n), code: "TX_ERROR_INVALID_MESSAGE", reason: /does not exist/ },
  { name: "undelegate: more than delegated", run: (s) => undelegate(s, 5, 1, 1_000_001n), code: "TX_ERROR_INVALID_MESSAGE", reason: /invalid shares amount/ },
  { name: "undelegate: wrong denom", run: (s) => undelegate(s, 5, 1, 100n, {}, "uother"), code: "TX_ERROR_INVALID_MESSAGE", reason: /denomination/ },
  { name: "undelegate: zero", run: (s) => undelegate(s, 5, 1, 0n), code: "TX_ERROR_INVALID_COINS" },
  {
    name: "undelegate: max entries",
    state: () => {
      const s = base();
      for (let h = 1; h <= 7; h++) expect(undelegate(s, 5, 1, 10n, { height: h, time: T0 + h }).ok).toBe(true);
      return s;
    },
    run: (s) => undelegate(s, 5, 1, 10n, { height: 8, time: T0 + 8 }),
    code: "TX_ERROR_INVALID_MESSAGE",
    reason: /too many unbonding delegation entries/,
  },

  // MsgBeginRedelegate
  { name: "redelegate: to the same validator", run: (s) => redelegate(s, 5, 1, 1, 100n), code: "TX_ERROR_INVALID_MESSAGE", reason: /same validator/ },
  { name: "redelegate: unknown destination", run: (s) => redelegate(s, 5, 1, 9, 100n), code: "TX_ERROR_INVALID_MESSAGE", reason: /destination/ },
  { name: "redelegate: unknown source", run: (s) => redelegate(s, 5, 9, 1, 100n), code: "TX_ERROR_INVALID_MESSAGE", reason: /source/ },
  { name: "redelegate: no delegation", run: (s) => redelegate(s, 6, 1, 2, 100n), code: "TX_ERROR_INVALID_MESSAGE", reason: /no delegation/ },
  { name: "redelegate: more than delegated", run: (s) => redelegate(s, 5, 1, 2, 1_000_001n), code: "TX_ERROR_INVALID_MESSAGE", reason: /invalid shares amount/ },
  { name: "redelegate: zero", run: (s) => redelegate(s, 5, 1, 2, 0n), code: "TX_ERROR_INVALID_COINS" },
  {
    name: "redelegate: transitive (out of a validator still receiving a redelegation)",
    state: () => {
      const s = bonded();
      mustRun(s, msgCreateValidatorHandler, createValidatorMsg(3, 5_000_000n));
      expect(redelegate(s, 5, 1, 2, 500_000n, { height: 2, time: T0 + 2 }).ok).toBe(true);
      return s;
    },
    run: (s) => redelegate(s, 5, 2, 3, 100n, { height: 3, time: T0 + 3 }),
    code: "TX_ERROR_INVALID_MESSAGE",
    reason: /already in progress/,
  },
  {
    name: "redelegate: max entries",
    state: () => {
      const s = bonded();
      for (let h = 2; h <= 8; h++) expect(redelegate(s, 5, 1, 2, 10n, { height: h, time: T0 + h }).ok).toBe(true);
      return s;
    },
    run: (s) => redelegate(s, 5, 1, 2, 10n, { height: 9, time: T0 + 9 }),
    code: "TX_ERROR_INVALID_MESSAGE",
    reason: /too many redelegation entries/,
  },
];

describe("refused messages leave the state unchanged", () => {
  test.each(ERROR_CASES.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const s = (c.state ?? base)();
    const before = snapshot(s);
    const out = c.run(s);
    expect(out.ok).toBe(false);
    expect(out.error!.type.code).toBe(c.code);
    if (c.reason) expect(out.error!.log).toMatch(c.reason);
    expect(out.events).toEqual([]);
    expect(snapshot(s)).toEqual(before);
    if (!c.skipInvariants) checkInvariants(s);
  });
});

describe("MsgCreateValidator", () => {
  test("creates an UNBONDED validator holding its self-delegation in the not-bonded pool", () => {
    const s = setup();
    const out = mustRun(s, msgCreateValidatorHandler, createValidatorMsg(1, 10_000_000n), { time: T0 });
    expect(out.result!.response.typeUrl).toBe("/aegis.staking.v1.MsgCreateValidatorResponse");
    const v = getValidator(s, addr(1))!;
    expect(v.status).toBe(BondStatus.BOND_STATUS_UNBONDED);
    expect(v.tokens).toBe(10_000_000n);
    expect(v.delegatorShares).toBe(10_000_000n * DEC_ONE);
    expect(v.commission).toEqual({ rate: DEC_ONE / 10n, maxRate: DEC_ONE / 5n, maxChangeRate: DEC_ONE / 100n, updateTimeMs: T0 });
    expect(v.attestationPublicKey).toEqual(createValidatorMsg(1, 1n).attestationPublicKey);
    expect(getDelegation(s, addr(1), addr(1))!.shares).toBe(10_000_000n * DEC_ONE);
    expect(getBalance(s, NOT_BONDED_POOL_ADDRESS, DENOM)).toBe(10_000_000n);
    expect(getBalance(s, BONDED_POOL_ADDRESS, DENOM)).toBe(0n);
    expect(getBalance(s, addr(1), DENOM)).toBe(1_000_000_000_000n - 10_000_000n);
    expect(out.events.map((e) => e.type)).toEqual(["message", "coin_spent", "coin_received", "transfer", "create_validator"]);
    checkInvariants(s);
  });

  test("front-running: a copied key and proof are refused under the attacker's operator; the owner then registers", () => {
    const s = setup();
    const victim = createValidatorMsg(4, 10_000_000n); // pending, seen by the attacker
    const before = snapshot(s);
    const attack = create(s, cv(3, { blsPublicKey: victim.blsPublicKey, blsProofOfPossession: victim.blsProofOfPossession }));
    expect(attack.ok).toBe(false);
    expect(attack.error!.type.code).toBe("TX_ERROR_INVALID_MESSAGE");
    expect(attack.error!.log).toMatch(/bls_proof_of_possession .* for this operator/);
    expect(snapshot(s)).toEqual(before);
    expect(getValidator(s, addr(3))).toBeUndefined();
    // The owner's registration is unaffected.
    mustRun(s, msgCreateValidatorHandler, victim);
    expect(getValidator(s, addr(4))!.blsPublicKey).toEqual(victim.blsPublicKey);
    checkInvariants(s);
  });

  test("stores a cosmos.staking.v1beta1.Validator with the BLS key in consensus_pubkey and Dec atomics", () => {
    const s = setup();
    mustRun(s, msgCreateValidatorHandler, createValidatorMsg(1, 10_000_000n), { time: T0 });
    const c = CosmosValidator.decode(getValidatorBytes(s, addr(1))!);
    expect(c.operatorAddress).toBe(valoper(1));
    expect(c.consensusPubkey!.typeUrl).toBe(BLS_PUBLIC_KEY_TYPE_URL);
    expect(aegis.staking.v1.BlsPublicKey.decode(c.consensusPubkey!.value).key).toEqual(createValidatorMsg(1, 1n).blsPublicKey);
    expect(c.tokens).toBe("10000000");
    expect(c.delegatorShares).toBe("10000000000000000000000000");
    expect(c.commission.commissionRates.rate).toBe("100000000000000000");
    expect(c.description.moniker).toBe("val-1");
  });

  test("accepts commission as atomics (the SDK's protobuf form) or with a point", () => {
    const s = setup();
    mustRun(s, msgCreateValidatorHandler, createValidatorMsg(1, 10_000_000n, { commission: { rate: "50000000000000000", maxRate: "1000000000000000000", maxChangeRate: "0" } }));
    expect(getValidator(s, addr(1))!.commission.rate).toBe(DEC_ONE / 20n);
    expect(getValidator(s, addr(1))!.commission.maxRate).toBe(DEC_ONE);
    // digits only are atomics: "1" is 10^-18, so a 5% rate is above it
    expect(create(s, createValidatorMsg(2, 10n, { commission: { rate: "0.05", maxRate: "1", maxChangeRate: "0" } })).error!.log).toMatch(/max rate/);
  });

  test("round-trips through its protobuf codec (cosmjs Registry shape)", () => {
    const m = createValidatorMsg(1, 10_000_000n);
    const bytes = AegisMsgCreateValidator.encode(AegisMsgCreateValidator.fromPartial(m)).finish();
    expect(AegisMsgCreateValidator.decode(bytes)).toEqual(m);
    expect(msgCreateValidatorHandler.decode(bytes)).toEqual(m);
    expect(msgCreateValidatorHandler.getSigners(m)).toEqual([addr(1)]);
    const e: MsgEditValidator = { validatorAddress: valoper(1), commissionRate: "0.1", minSelfDelegation: "", description: undefined };
    expect(AegisMsgEditValidator.decode(AegisMsgEditValidator.encode(e).finish())).toEqual(e);
  });

  test("the handlers array covers the five message types", () => {
    expect(STAKING_HANDLERS.map((h) => h.typeUrl).sort()).toEqual([
      "/aegis.staking.v1.MsgCreateValidator",
      "/aegis.staking.v1.MsgEditValidator",
      "/cosmos.staking.v1beta1.MsgBeginRedelegate",
      "/cosmos.staking.v1beta1.MsgDelegate",
      "/cosmos.staking.v1beta1.MsgUndelegate",
    ]);
  });
});

describe("MsgEditValidator", () => {
  test("changes the commission within max_change_rate once per 24 h", () => {
    const s = base();
    const out = edit(s, { validatorAddress: valoper(1), commissionRate: "0.11" }, { time: T0 + DAY });
    expect(out.ok).toBe(true);
    expect(getValidator(s, addr(1))!.commission).toMatchObject({ rate: (DEC_ONE * 11n) / 100n, updateTimeMs: T0 + DAY });
    expect(edit(s, { validatorAddress: valoper(1), commissionRate: "0.12" }, { time: T0 + 2 * DAY - 1 }).error!.log).toMatch(/24h/);
    expect(edit(s, { validatorAddress: valoper(1), commissionRate: "0" }, { time: T0 + 2 * DAY }).ok).toBe(true); // decreases are not bounded
    expect(getValidator(s, addr(1))!.commission.rate).toBe(0n);
  });

  test("keeps [do-not-modify] description fields and raises min self delegation", () => {
    const s = base();
    const out = edit(s, {
      validatorAddress: valoper(1),
      description: { moniker: "[do-not-modify]", identity: "id", website: "[do-not-modify]", securityContact: "sec", details: "" },
      minSelfDelegation: "2000000",
    });
    expect(out.ok).toBe(true);
    const v = getValidator(s, addr(1))!;
    expect(v.description).toEqual({ moniker: "val-1", identity: "id", website: "", securityContact: "sec", details: "" });
    expect(v.minSelfDelegation).toBe(2_000_000n);
    expect(msgEditValidatorHandler.getSigners({ validatorAddress: valoper(1), commissionRate: "", minSelfDelegation: "" })).toEqual([addr(1)]);
  });
});

describe("MsgDelegate", () => {
  test("issues shares at the exchange rate and moves tokens to the validator's pool", () => {
    const s = base();
    expect(getDelegation(s, addr(5), addr(1))!.shares).toBe(1_000_000n * DEC_ONE);
    expect(getBalance(s, NOT_BONDED_POOL_ADDRESS, DENOM)).toBe(19_000_000n);
    processEpochEnd(s, { height: 1, time: T0 });
    const out = delegate(s, 6, 1, 500n, { height: 2 });
    expect(out.ok).toBe(true);
    expect(out.result!.response.typeUrl).toBe("/cosmos.staking.v1beta1.MsgDelegateResponse");
    expect(out.events.find((e) => e.type === "delegate")!.attributes).toEqual([
      { key: "validator", value: valoper(1) },
      { key: "delegator", value: acc(6) },
      { key: "amount", value: "500uaeg" },
      { key: "new_shares", value: "500.000000000000000000" },
    ]);
    expect(getBalance(s, BONDED_POOL_ADDRESS, DENOM)).toBe(19_000_500n);
    checkInvariants(s);
  });

  test("to a jailed validator is allowed", () => {
    const s = bonded();
    const v = getValidator(s, addr(1))!;
    setValidator(s, { ...v, jailed: true });
    expect(delegate(s, 6, 1, 500n).ok).toBe(true);
    checkInvariants(s);
  });
});

describe("MsgUndelegate", () => {
  test("answers completion time and amount; the entry completes at time + unbonding time", () => {
    const s = bonded();
    const out = undelegate(s, 5, 1, 400_000n, { height: 3, time: T0 + 50 });
    expect(out.ok).toBe(true);
    const resp = MsgUndelegateResponse.decode(out.result!.response.value);
    expect(out.result!.response.typeUrl).toBe("/cosmos.staking.v1beta1.MsgUndelegateResponse");
    expect(resp.amount).toEqual({ denom: DENOM, amount: "400000" });
    expect(Number(resp.completionTime.seconds) * 1000 + resp.completionTime.nanos / 1e6).toBe(T0 + 50 + 1000);
    const ubd = getUnbondingDelegation(s, addr(5), addr(1))!;
    expect(ubd.entries).toHaveLength(1);
    expect(ubd.entries[0]).toMatchObject({ creationHeight: 3n, initialBalance: "400000", balance: "400000" });
    expect(out.events.find((e) => e.type === "unbond")!.attributes.find((a) => a.key === "completion_time")!.value).toBe(new Date(T0 + 1050).toISOString());
    expect(getBalance(s, NOT_BONDED_POOL_ADDRESS, DENOM)).toBe(400_000n);
    checkInvariants(s);
  });

  test("entries of the same height and completion time are merged", () => {
    const s = bonded();
    undelegate(s, 5, 1, 100n, { height: 3, time: T0 });
    undelegate(s, 5, 1, 50n, { height: 3, time: T0 });
    const ubd = getUnbondingDelegation(s, addr(5), addr(1))!;
    expect(ubd.entries).toHaveLength(1);
    expect(ubd.entries[0]!.balance).toBe("150");
    checkInvariants(s);
  });

  test("the operator undelegating below min self delegation is jailed", () => {
    const s = base();
    expect(edit(s, { validatorAddress: valoper(1), minSelfDelegation: "9000000" }).ok).toBe(true);
    expect(undelegate(s, 1, 1, 1_000_000n).ok).toBe(true);
    expect(getValidator(s, addr(1))!.jailed).toBe(false);
    expect(undelegate(s, 1, 1, 1n).ok).toBe(true);
    expect(getValidator(s, addr(1))!.jailed).toBe(true);
    checkInvariants(s);
  });

  test("undelegating every share removes the delegation", () => {
    const s = base();
    expect(undelegate(s, 5, 1, 1_000_000n).ok).toBe(true);
    expect(getDelegation(s, addr(5), addr(1))).toBeUndefined();
    checkInvariants(s);
  });
});

describe("MsgBeginRedelegate", () => {
  test("moves shares between validators with an entry completing after the unbonding period", () => {
    const s = bonded();
    const out = redelegate(s, 5, 1, 2, 300_000n, { height: 4, time: T0 + 10 });
    expect(out.ok).toBe(true);
    const resp = MsgBeginRedelegateResponse.decode(out.result!.response.value);
    expect(Number(resp.completionTime.seconds) * 1000 + resp.completionTime.nanos / 1e6).toBe(T0 + 10 + 1000);
    expect(getDelegation(s, addr(5), addr(1))!.shares).toBe(700_000n * DEC_ONE);
    expect(getDelegation(s, addr(5), addr(2))!.shares).toBe(300_000n * DEC_ONE);
    const red = getRedelegation(s, addr(5), addr(1), addr(2))!;
    expect(red.entries[0]).toMatchObject({ creationHeight: 4n, initialBalance: "300000", sharesDst: (300_000n * DEC_ONE).toString() });
    checkInvariants(s);
  });

  test("out of an UNBONDED validator completes at once (no entry, no transitive block)", () => {
    const s = base(); // nothing bonded
    mustRun(s, msgCreateValidatorHandler, createValidatorMsg(3, 5_000_000n));
    const out = redelegate(s, 5, 1, 2, 300_000n, { height: 4, time: T0 + 10 });
    expect(MsgBeginRedelegateResponse.decode(out.result!.response.value).completionTime.seconds).toBe(BigInt(Math.floor((T0 + 10) / 1000)));
    expect(getRedelegation(s, addr(5), addr(1), addr(2))).toBeUndefined();
    expect(redelegate(s, 5, 2, 3, 100_000n, { height: 5, time: T0 + 11 }).ok).toBe(true);
    checkInvariants(s);
  });

  test("moves tokens between pools when the bonded-ness differs", () => {
    const s = bonded();
    mustRun(s, msgCreateValidatorHandler, createValidatorMsg(3, 5_000_000n)); // unbonded
    const bondedBefore = getBalance(s, BONDED_POOL_ADDRESS, DENOM);
    expect(redelegate(s, 5, 1, 3, 200_000n).ok).toBe(true);
    expect(getBalance(s, BONDED_POOL_ADDRESS, DENOM)).toBe(bondedBefore - 200_000n);
    checkInvariants(s);
  });
});

describe("share rounding", () => {
  /** Validator 1 holding `tokens` tokens for delegations of `shares` (atomics) each, by accounts 1 (operator), 5, 6. */
  function rate(tokens: bigint): StateView {
    const s = setup();
    mustRun(s, msgCreateValidatorHandler, createValidatorMsg(1, 1n));
    expect(delegate(s, 5, 1, 1n).ok).toBe(true);
    expect(delegate(s, 6, 1, 1n).ok).toBe(true);
    const v = getValidator(s, addr(1))!;
    setValidator(s, { ...v, tokens }); // e.g. after a reward; the pools are not kept in step here
    return s;
  }

  test("shares issued are truncated (the delegator never gets more than paid for)", () => {
    const s = rate(10n); // 3 shares for 10 tokens
    expect(delegate(s, 7, 1, 1n).ok).toBe(true);
    expect(getDelegation(s, addr(7), addr(1))!.shares).toBe(3n * 10n ** 17n); // 3e18 × 1 / 10
    expect(delegate(s, 8, 1, 7n).ok).toBe(true);
    expect(getDelegation(s, addr(8), addr(1))!.shares).toBe(21n * 10n ** 17n); // 3.3e18 × 7 / 11
    const s2 = rate(7n); // 3 shares for 7 tokens
    expect(delegate(s2, 7, 1, 1n).ok).toBe(true);
    expect(getDelegation(s2, addr(7), addr(1))!.shares).toBe(428571428571428571n); // floor(3e18 / 7)
  });

  test("1/3 exchange rate: tokens out are truncated and the remainder stays with the validator", () => {
    const s = rate(10n); // each delegation worth 3.333…
    expect(tokensFromSharesTruncated(getValidator(s, addr(1))!, DEC_ONE)).toBe(3n);
    expect(undelegate(s, 5, 1, 4n).error!.log).toMatch(/invalid shares amount/);
    expect(undelegate(s, 5, 1, 3n).ok).toBe(true);
    expect(getDelegation(s, addr(5), addr(1))!.shares).toBe(10n ** 17n); // 1e18 - 0.9e18
    expect(getValidator(s, addr(1))).toMatchObject({ tokens: 7n, delegatorShares: 21n * 10n ** 17n });
    expect(undelegate(s, 6, 1, 3n).ok).toBe(true);
    expect(undelegate(s, 1, 1, 3n).ok).toBe(true);
    // 9 tokens out, 1 left for 0.3 shares that are each worth a third of a token
    const v = getValidator(s, addr(1))!;
    expect(v).toMatchObject({ tokens: 1n, delegatorShares: 3n * 10n ** 17n });
    for (const d of [1, 5, 6]) expect(tokensFromSharesTruncated(v, getDelegation(s, addr(d), addr(1))!.shares)).toBe(0n);
    expect(undelegate(s, 5, 1, 1n).error!.log).toMatch(/invalid shares amount/);
  });

  test("an amount just under a whole share's worth returns one token less (SDK rounding)", () => {
    const s = setup();
    mustRun(s, msgCreateValidatorHandler, createValidatorMsg(1, 10n));
    expect(delegate(s, 5, 1, 10n).ok).toBe(true);
    setValidator(s, { ...getValidator(s, addr(1))!, tokens: 21n }); // 20 shares for 21 tokens
    expect(undelegate(s, 5, 1, 10n).ok).toBe(true);
    // shares = floor(20e18 × 10 / 21); their value 9.99…9 truncates to 9
    expect(getUnbondingDelegation(s, addr(5), addr(1))!.entries[0]!.balance).toBe("9");
    expect(getDelegation(s, addr(5), addr(1))!.shares).toBe(10n * DEC_ONE - (20n * DEC_ONE * 10n) / 21n);
  });

  test("the last shares out take every remaining token", () => {
    const s = setup();
    mustRun(s, msgCreateValidatorHandler, createValidatorMsg(1, 10n));
    setValidator(s, { ...getValidator(s, addr(1))!, tokens: 11n });
    expect(undelegate(s, 1, 1, 11n).ok).toBe(true); // 10e18 × 11 / 11: all the shares
    expect(getUnbondingDelegation(s, addr(1), addr(1))!.entries[0]!.balance).toBe("11");
    expect(getValidator(s, addr(1))).toMatchObject({ tokens: 0n, delegatorShares: 0n });
  });
});
