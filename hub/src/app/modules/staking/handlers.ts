import { BLS_PUBLIC_KEY_LENGTH, BLS_SIGNATURE_LENGTH, bytesEqual } from "@aegis/consumer-sdk";
import {
  MsgBeginRedelegate,
  MsgBeginRedelegateResponse,
  MsgDelegate,
  MsgDelegateResponse,
  MsgUndelegate,
  MsgUndelegateResponse,
} from "cosmjs-types/cosmos/staking/v1beta1/tx";
import type { Description } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { ACCOUNT_ADDRESS_PREFIX, parseCoins, TxError, VALIDATOR_OPERATOR_ADDRESS_PREFIX, type Coin } from "../../../tx/index.js";
import { AttestationError, ATTESTATION_PUBLIC_KEY_LENGTH, decodeAttestationPublicKey, isValidAttestationProofOfPossession } from "../../../attestation/index.js";
import type { MsgContext, MsgHandler } from "../../msgRegistry.js";
import { formatCoins, type TxEvent } from "../../txEvents.js";
import { DEC_ONE, formatDec, parseDec } from "./dec.js";
// distribution hook: a new validator starts its reward records
import { afterValidatorCreated } from "../distribution/keeper.js";
import { failMessage, poolAddressOf, processBeginRedelegate, processDelegate, processUndelegate } from "./keeper.js";
import {
  AegisMsgCreateValidator,
  AegisMsgCreateValidatorResponse,
  AegisMsgEditValidator,
  AegisMsgEditValidatorResponse,
  ATTESTATION_PROOF_OF_POSSESSION_LENGTH,
  consensusAddressOf,
  hasValidBlsKey,
  MSG_CREATE_VALIDATOR_RESPONSE_TYPE_URL,
  MSG_CREATE_VALIDATOR_TYPE_URL,
  MSG_EDIT_VALIDATOR_RESPONSE_TYPE_URL,
  MSG_EDIT_VALIDATOR_TYPE_URL,
  type MsgCreateValidator,
  type MsgEditValidator,
} from "./messages.js";
import { getStakingParams, type StakingParams } from "./params.js";
import {
  accountBech32,
  BondStatus,
  getOperatorByAttestationKey,
  getOperatorByConsensusAddress,
  getValidator,
  setValidator,
  setValidatorExtra,
  setValidatorKeyIndexes,
  formatTime,
  msToTimestamp,
  type StakingValidator,
} from "./state.js";
import { parseMessageAddress } from "../../msgAddress.js";

/** Cosmos Description.EnsureLength limits. */
export const DESCRIPTION_LIMITS = { moniker: 70, identity: 3000, website: 140, securityContact: 140, details: 280 } as const;
/** Description fields with this value are left unchanged by MsgEditValidator. */
export const DO_NOT_MODIFY = "[do-not-modify]";
/** A validator's commission rate changes at most once per this period (ms). */
export const COMMISSION_UPDATE_INTERVAL_MS = 24 * 3600 * 1000;

const INT_RE = /^(0|[1-9][0-9]*)$/;


const accAddress = (s: string, field: string, typeUrl: string) => parseMessageAddress(s, ACCOUNT_ADDRESS_PREFIX, field, typeUrl);
const valAddress = (s: string, field: string, typeUrl: string) => parseMessageAddress(s, VALIDATOR_OPERATOR_ADDRESS_PREFIX, field, typeUrl);

/** One strictly positive coin. */
function positiveCoin(c: { denom: string; amount: string } | undefined, field: string): Coin {
  const [coin] = parseCoins([c ?? { denom: "", amount: "" }], field);
  if (coin!.amount === 0n) throw new TxError({ code: "TX_ERROR_INVALID_COINS", field, reason: "must be positive" });
  return coin!;
}

function assertBondDenom(coin: Coin, params: StakingParams, typeUrl: string): void {
  if (coin.denom !== params.bondDenom) failMessage(typeUrl, `invalid coin denomination: got ${coin.denom}, expected ${params.bondDenom}`);
}

function parseInt256(s: string, field: string, typeUrl: string): bigint {
  if (typeof s !== "string" || s.length > 78 || !INT_RE.test(s)) failMessage(typeUrl, `${field}: ${JSON.stringify(s)} is not a non-negative integer`);
  return BigInt(s);
}

function parseRate(s: string, field: string, typeUrl: string): bigint {
  const d = parseDec(s);
  if (d === undefined) failMessage(typeUrl, `${field}: ${JSON.stringify(s)} is not a decimal`);
  return d;
}

function checkDescription(d: Description, typeUrl: string, allowDoNotModify: boolean): void {
  for (const [field, limit] of Object.entries(DESCRIPTION_LIMITS) as [keyof typeof DESCRIPTION_LIMITS, number][]) {
    const value = d[field] ?? "";
    if (allowDoNotModify && value === DO_NOT_MODIFY) continue;
    if (value.length > limit) failMessage(typeUrl, `invalid ${field} length; got: ${value.length}, max: ${limit}`);
  }
}

function messageEvent(typeUrl: string, sender: string): TxEvent {
  return { type: "message", attributes: [{ key: "action", value: typeUrl }, { key: "sender", value: sender }, { key: "module", value: "staking" }] };
}

function transferEvents(from: string, to: string, coins: readonly Coin[]): TxEvent[] {
  const amount = formatCoins(coins);
  return [
    { type: "coin_spent", attributes: [{ key: "spender", value: from }, { key: "amount", value: amount }] },
    { type: "coin_received", attributes: [{ key: "receiver", value: to }, { key: "amount", value: amount }] },
    { type: "transfer", attributes: [{ key: "recipient", value: to }, { key: "sender", value: from }, { key: "amount", value: amount }] },
  ];
}

interface CheckedCommission {
  rate: bigint;
  maxRate: bigint;
  maxChangeRate: bigint;
}

/** Cosmos CommissionRates.Validate: 0 <= rate <= max_rate <= 1, max_change_rate <= max_rate. */
function checkCommission(m: MsgCreateValidator, typeUrl: string): CheckedCommission {
  const rate = parseRate(m.commission.rate, "commission.rate", typeUrl);
  const maxRate = parseRate(m.commission.maxRate, "commission.max_rate", typeUrl);
  const maxChangeRate = parseRate(m.commission.maxChangeRate, "commission.max_change_rate", typeUrl);
  if (maxRate > DEC_ONE) failMessage(typeUrl, "commission cannot be more than 100%");
  if (rate > maxRate) failMessage(typeUrl, "commission cannot be more than the max rate");
  if (maxChangeRate > maxRate) failMessage(typeUrl, "commission change rate cannot be more than the max rate");
  return { rate, maxRate, maxChangeRate };
}

// ---------------------------------------------------------------------------------------------------
// /aegis.staking.v1.MsgCreateValidator

export const msgCreateValidatorHandler: MsgHandler<MsgCreateValidator> = {
  typeUrl: MSG_CREATE_VALIDATOR_TYPE_URL,
  decode: (b) => AegisMsgCreateValidator.decode(b),
  getSigners: (m) => [accAddress(m.delegatorAddress, "delegator_address", MSG_CREATE_VALIDATOR_TYPE_URL)],
  validateBasic(m) {
    const t = MSG_CREATE_VALIDATOR_TYPE_URL;
    const delegator = accAddress(m.delegatorAddress, "delegator_address", t);
    const operator = valAddress(m.validatorAddress, "validator_address", t);
    if (!bytesEqual(delegator, operator)) failMessage(t, "validator_address must be the delegator_address's bytes");
    if (!m.description.moniker) failMessage(t, "description.moniker: empty description");
    checkDescription(m.description, t, false);
    checkCommission(m, t);
    const minSelf = parseInt256(m.minSelfDelegation, "min_self_delegation", t);
    if (minSelf === 0n) failMessage(t, "minimum self delegation must be a positive integer");
    const value = positiveCoin(m.value, "value");
    if (value.amount < minSelf) failMessage(t, "validator's self delegation must be greater than their minimum self delegation");
    if (m.blsPublicKey.length !== BLS_PUBLIC_KEY_LENGTH) failMessage(t, `bls_public_key must be ${BLS_PUBLIC_KEY_LENGTH} bytes, got ${m.blsPublicKey.length}`);
    if (m.blsProofOfPossession.length !== BLS_SIGNATURE_LENGTH) failMessage(t, `bls_proof_of_possession must be ${BLS_SIGNATURE_LENGTH} bytes, got ${m.blsProofOfPossession.length}`);
    // The attestation key's point and proof of possession are checked in processCreateValidator
    // (after the fee is charged: they cost ~25 ms of BabyJubJub arithmetic).
    if (m.attestationPublicKey.length !== ATTESTATION_PUBLIC_KEY_LENGTH) {
      failMessage(t, `attestation_public_key must be ${ATTESTATION_PUBLIC_KEY_LENGTH} bytes, got ${m.attestationPublicKey.length}`);
    }
    if (m.attestationProofOfPossession.length !== ATTESTATION_PROOF_OF_POSSESSION_LENGTH) {
      failMessage(t, `attestation_proof_of_possession must be ${ATTESTATION_PROOF_OF_POSSESSION_LENGTH} bytes, got ${m.attestationProofOfPossession.length}`);
    }
  },
  process(ctx, m) {
    processCreateValidator(ctx, m);
    return { response: { typeUrl: MSG_CREATE_VALIDATOR_RESPONSE_TYPE_URL, value: AegisMsgCreateValidatorResponse.encode().finish() } };
  },
};

/**
 * Creates a validator (UNBONDED until an epoch end puts it in the active set) and its
 * self-delegation. Expects `msgCreateValidatorHandler.validateBasic` to have passed. The BLS proof
 * of possession is verified here, after the ante handler charged the fee (it costs a pairing).
 */
export function processCreateValidator(ctx: MsgContext, m: MsgCreateValidator): StakingValidator {
  const t = MSG_CREATE_VALIDATOR_TYPE_URL;
  const { store } = ctx;
  const params = getStakingParams(store);
  const operator = valAddress(m.validatorAddress, "validator_address", t);
  const delegator = accAddress(m.delegatorAddress, "delegator_address", t);
  const value = positiveCoin(m.value, "value");
  assertBondDenom(value, params, t);
  const commission = checkCommission(m, t);
  if (commission.rate < params.minCommissionRate) failMessage(t, `commission rate cannot be less than the minimum commission rate ${formatDec(params.minCommissionRate)}`);
  const minSelfDelegation = parseInt256(m.minSelfDelegation, "min_self_delegation", t);
  if (minSelfDelegation < params.minSelfDelegation) failMessage(t, `minimum self delegation must be at least ${params.minSelfDelegation}`);
  if (value.amount < minSelfDelegation) failMessage(t, "validator's self delegation must be greater than their minimum self delegation");
  if (getValidator(store, operator)) failMessage(t, "validator already exist for this operator address; must use new validator operator address");
  const consensusAddress = consensusAddressOf(m.blsPublicKey);
  if (getOperatorByConsensusAddress(store, consensusAddress)) failMessage(t, "validator already exist for this pubkey; must use new validator pubkey");
  if (getOperatorByAttestationKey(store, m.attestationPublicKey)) failMessage(t, "validator already exist for this attestation key; must use new attestation key");
  if (!hasValidBlsKey(m, operator)) failMessage(t, "bls_proof_of_possession does not prove possession of bls_public_key for this operator");
  try {
    decodeAttestationPublicKey(m.attestationPublicKey);
  } catch (e) {
    if (e instanceof AttestationError && e.type.code === "ATTESTATION_ERROR_INVALID_KEY") failMessage(t, `attestation_public_key: ${e.type.reason}`);
    throw e;
  }
  if (!isValidAttestationProofOfPossession(m.attestationPublicKey, operator, m.attestationProofOfPossession)) {
    failMessage(t, "attestation_proof_of_possession does not prove possession of attestation_public_key for this operator");
  }

  const v: StakingValidator = {
    operator,
    operatorAddress: m.validatorAddress,
    blsPublicKey: new Uint8Array(m.blsPublicKey),
    consensusAddress,
    attestationPublicKey: new Uint8Array(m.attestationPublicKey),
    jailed: false,
    tombstoned: false,
    status: BondStatus.BOND_STATUS_UNBONDED,
    tokens: 0n,
    delegatorShares: 0n,
    description: { ...m.description },
    unbondingHeight: 0n,
    unbondingTimeMs: 0,
    commission: { ...commission, updateTimeMs: ctx.time },
    minSelfDelegation,
  };
  setValidator(store, v);
  setValidatorExtra(store, v);
  setValidatorKeyIndexes(store, v);
  afterValidatorCreated(store, operator); // distribution hook
  processDelegate(store, params, delegator, value.amount, operator, "account", t);
  ctx.events.push(
    messageEvent(t, m.delegatorAddress),
    ...transferEvents(m.delegatorAddress, accountBech32(poolAddressOf(v.status)), [value]),
    { type: "create_validator", attributes: [{ key: "validator", value: m.validatorAddress }, { key: "amount", value: formatCoins([value]) }] },
  );
  return getValidator(store, operator)!;
}

// ---------------------------------------------------------------------------------------------------
// /aegis.staking.v1.MsgEditValidator

export const msgEditValidatorHandler: MsgHandler<MsgEditValidator> = {
  typeUrl: MSG_EDIT_VALIDATOR_TYPE_URL,
  decode: (b) => AegisMsgEditValidator.decode(b),
  getSigners: (m) => [valAddress(m.validatorAddress, "validator_address", MSG_EDIT_VALIDATOR_TYPE_URL)],
  validateBasic(m) {
    const t = MSG_EDIT_VALIDATOR_TYPE_URL;
    valAddress(m.validatorAddress, "validator_address", t);
    if (m.description) checkDescription(m.description, t, true);
    if (m.commissionRate !== "") {
      const r = parseRate(m.commissionRate, "commission_rate", t);
      if (r > DEC_ONE) failMessage(t, "commission cannot be more than 100%");
    }
    if (m.minSelfDelegation !== "" && parseInt256(m.minSelfDelegation, "min_self_delegation", t) === 0n) {
      failMessage(t, "minimum self delegation must be a positive integer");
    }
    if (!m.description && m.commissionRate === "" && m.minSelfDelegation === "") failMessage(t, "empty description");
  },
  process(ctx, m) {
    const t = MSG_EDIT_VALIDATOR_TYPE_URL;
    const { store } = ctx;
    const params = getStakingParams(store);
    const operator = valAddress(m.validatorAddress, "validator_address", t);
    const v = getValidator(store, operator) ?? failMessage(t, "validator does not exist");
    let description = v.description;
    if (m.description) {
      const d = m.description;
      const keep = (nv: string, old: string) => (nv === DO_NOT_MODIFY ? old : nv);
      description = {
        moniker: keep(d.moniker, v.description.moniker),
        identity: keep(d.identity, v.description.identity),
        website: keep(d.website, v.description.website),
        securityContact: keep(d.securityContact, v.description.securityContact),
        details: keep(d.details, v.description.details),
      };
      if (!description.moniker) failMessage(t, "description.moniker: empty description");
    }
    let commission = v.commission;
    if (m.commissionRate !== "") {
      const rate = parseRate(m.commissionRate, "commission_rate", t);
      if (rate < params.minCommissionRate) failMessage(t, `commission rate cannot be less than the minimum commission rate ${formatDec(params.minCommissionRate)}`);
      if (rate > v.commission.maxRate) failMessage(t, "commission cannot be more than the max rate");
      if (ctx.time - v.commission.updateTimeMs < COMMISSION_UPDATE_INTERVAL_MS) failMessage(t, "commission cannot be changed more than once in 24h");
      if (rate - v.commission.rate > v.commission.maxChangeRate) failMessage(t, "commission cannot be changed more than max change rate");
      commission = { ...v.commission, rate, updateTimeMs: ctx.time };
    }
    let minSelfDelegation = v.minSelfDelegation;
    if (m.minSelfDelegation !== "") {
      const n = parseInt256(m.minSelfDelegation, "min_self_delegation", t);
      if (n <= v.minSelfDelegation) failMessage(t, "minimum self delegation cannot be decrease");
      if (n > v.tokens) failMessage(t, "validator's self delegation must be greater than their minimum self delegation");
      minSelfDelegation = n;
    }
    setValidator(store, { ...v, description, commission, minSelfDelegation });
    ctx.events.push(messageEvent(t, accountBech32(operator)), {
      type: "edit_validator",
      attributes: [
        { key: "commission_rate", value: formatDec(commission.rate) },
        { key: "min_self_delegation", value: minSelfDelegation.toString() },
      ],
    });
    return { response: { typeUrl: MSG_EDIT_VALIDATOR_RESPONSE_TYPE_URL, value: AegisMsgEditValidatorResponse.encode().finish() } };
  },
};

// ---------------------------------------------------------------------------------------------------
// /cosmos.staking.v1beta1.MsgDelegate

export const msgDelegateHandler: MsgHandler<MsgDelegate> = {
  typeUrl: MsgDelegate.typeUrl,
  decode: (b) => MsgDelegate.decode(b),
  getSigners: (m) => [accAddress(m.delegatorAddress, "delegator_address", MsgDelegate.typeUrl)],
  validateBasic(m) {
    valAddress(m.validatorAddress, "validator_address", MsgDelegate.typeUrl);
    positiveCoin(m.amount, "amount");
  },
  process(ctx, m) {
    const t = MsgDelegate.typeUrl;
    const params = getStakingParams(ctx.store);
    const delegator = accAddress(m.delegatorAddress, "delegator_address", t);
    const operator = valAddress(m.validatorAddress, "validator_address", t);
    const coin = positiveCoin(m.amount, "amount");
    assertBondDenom(coin, params, t);
    const v = getValidator(ctx.store, operator) ?? failMessage(t, "validator does not exist");
    const shares = processDelegate(ctx.store, params, delegator, coin.amount, operator, "account", t);
    ctx.events.push(
      messageEvent(t, m.delegatorAddress),
      ...transferEvents(m.delegatorAddress, accountBech32(poolAddressOf(v.status)), [coin]),
      {
        type: "delegate",
        attributes: [
          { key: "validator", value: m.validatorAddress },
          { key: "delegator", value: m.delegatorAddress },
          { key: "amount", value: formatCoins([coin]) },
          { key: "new_shares", value: formatDec(shares) },
        ],
      },
    );
    return { response: { typeUrl: MsgDelegateResponse.typeUrl, value: MsgDelegateResponse.encode({}).finish() } };
  },
};

// ---------------------------------------------------------------------------------------------------
// /cosmos.staking.v1beta1.MsgUndelegate

export const msgUndelegateHandler: MsgHandler<MsgUndelegate> = {
  typeUrl: MsgUndelegate.typeUrl,
  decode: (b) => MsgUndelegate.decode(b),
  getSigners: (m) => [accAddress(m.delegatorAddress, "delegator_address", MsgUndelegate.typeUrl)],
  validateBasic(m) {
    valAddress(m.validatorAddress, "validator_address", MsgUndelegate.typeUrl);
    positiveCoin(m.amount, "amount");
  },
  process(ctx, m) {
    const t = MsgUndelegate.typeUrl;
    const params = getStakingParams(ctx.store);
    const delegator = accAddress(m.delegatorAddress, "delegator_address", t);
    const operator = valAddress(m.validatorAddress, "validator_address", t);
    const coin = positiveCoin(m.amount, "amount");
    assertBondDenom(coin, params, t);
    const out = processUndelegate(ctx.store, params, ctx, delegator, operator, coin.amount, t);
    const amount = { denom: params.bondDenom, amount: out.amount };
    ctx.events.push(messageEvent(t, m.delegatorAddress), {
      type: "unbond",
      attributes: [
        { key: "validator", value: m.validatorAddress },
        { key: "delegator", value: m.delegatorAddress },
        { key: "amount", value: formatCoins([amount]) },
        { key: "completion_time", value: formatTime(out.completionTimeMs) },
      ],
    });
    return {
      response: {
        typeUrl: MsgUndelegateResponse.typeUrl,
        value: MsgUndelegateResponse.encode({ completionTime: msToTimestamp(out.completionTimeMs), amount: { denom: amount.denom, amount: amount.amount.toString() } }).finish(),
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------------
// /cosmos.staking.v1beta1.MsgBeginRedelegate

export const msgBeginRedelegateHandler: MsgHandler<MsgBeginRedelegate> = {
  typeUrl: MsgBeginRedelegate.typeUrl,
  decode: (b) => MsgBeginRedelegate.decode(b),
  getSigners: (m) => [accAddress(m.delegatorAddress, "delegator_address", MsgBeginRedelegate.typeUrl)],
  validateBasic(m) {
    const t = MsgBeginRedelegate.typeUrl;
    valAddress(m.validatorSrcAddress, "validator_src_address", t);
    valAddress(m.validatorDstAddress, "validator_dst_address", t);
    positiveCoin(m.amount, "amount");
  },
  process(ctx, m) {
    const t = MsgBeginRedelegate.typeUrl;
    const params = getStakingParams(ctx.store);
    const delegator = accAddress(m.delegatorAddress, "delegator_address", t);
    const src = valAddress(m.validatorSrcAddress, "validator_src_address", t);
    const dst = valAddress(m.validatorDstAddress, "validator_dst_address", t);
    const coin = positiveCoin(m.amount, "amount");
    assertBondDenom(coin, params, t);
    const out = processBeginRedelegate(ctx.store, params, ctx, delegator, src, dst, coin.amount, t);
    ctx.events.push(messageEvent(t, m.delegatorAddress), {
      type: "redelegate",
      attributes: [
        { key: "source_validator", value: m.validatorSrcAddress },
        { key: "destination_validator", value: m.validatorDstAddress },
        { key: "amount", value: `${out.amount}${params.bondDenom}` },
        { key: "completion_time", value: formatTime(out.completionTimeMs) },
      ],
    });
    return {
      response: { typeUrl: MsgBeginRedelegateResponse.typeUrl, value: MsgBeginRedelegateResponse.encode({ completionTime: msToTimestamp(out.completionTimeMs) }).finish() },
    };
  },
};

/** Every staking message handler, for MsgRegistry (`new MsgRegistry([...DEFAULT_HANDLERS, ...STAKING_HANDLERS])`). */
export const STAKING_HANDLERS: MsgHandler<never>[] = [
  msgCreateValidatorHandler as unknown as MsgHandler<never>,
  msgEditValidatorHandler as unknown as MsgHandler<never>,
  msgDelegateHandler as unknown as MsgHandler<never>,
  msgUndelegateHandler as unknown as MsgHandler<never>,
  msgBeginRedelegateHandler as unknown as MsgHandler<never>,
];
