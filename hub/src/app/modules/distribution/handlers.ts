import {
  MsgSetWithdrawAddress,
  MsgSetWithdrawAddressResponse,
  MsgWithdrawDelegatorReward,
  MsgWithdrawDelegatorRewardResponse,
  MsgWithdrawValidatorCommission,
  MsgWithdrawValidatorCommissionResponse,
} from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import { ACCOUNT_ADDRESS_PREFIX, TxError, VALIDATOR_OPERATOR_ADDRESS_PREFIX, type Coin } from "../../../tx/index.js";
import type { MsgHandler } from "../../msgRegistry.js";
import { formatCoins, type TxEvent } from "../../txEvents.js";
import { getDelegation, getValidator, accountBech32 } from "../staking/state.js";
import {
  DISTRIBUTION_MODULE_ADDRESS,
  getDelegatorWithdrawAddress,
  initializeDelegation,
  processSetWithdrawAddress,
  processWithdrawDelegationRewards,
  processWithdrawValidatorCommission,
  withdrawRewardsEvent,
} from "./keeper.js";
import { parseMessageAddress } from "../../msgAddress.js";

function fail(typeUrl: string, reason: string): never {
  throw new TxError({ code: "TX_ERROR_INVALID_MESSAGE", typeUrl, reason });
}


function messageEvent(typeUrl: string, sender: string): TxEvent {
  return { type: "message", attributes: [{ key: "action", value: typeUrl }, { key: "sender", value: sender }, { key: "module", value: "distribution" }] };
}

function transferEvents(to: string, coins: readonly Coin[]): TxEvent[] {
  if (coins.length === 0) return [];
  const from = accountBech32(DISTRIBUTION_MODULE_ADDRESS);
  const amount = formatCoins(coins);
  return [
    { type: "coin_spent", attributes: [{ key: "spender", value: from }, { key: "amount", value: amount }] },
    { type: "coin_received", attributes: [{ key: "receiver", value: to }, { key: "amount", value: amount }] },
    { type: "transfer", attributes: [{ key: "recipient", value: to }, { key: "sender", value: from }, { key: "amount", value: amount }] },
  ];
}

const toProtoCoins = (coins: readonly Coin[]) => coins.map((c) => ({ denom: c.denom, amount: c.amount.toString() }));

// /cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward
export const msgWithdrawDelegatorRewardHandler: MsgHandler<MsgWithdrawDelegatorReward> = {
  typeUrl: MsgWithdrawDelegatorReward.typeUrl,
  decode: (b) => MsgWithdrawDelegatorReward.decode(b),
  getSigners: (m) => [parseMessageAddress(m.delegatorAddress, ACCOUNT_ADDRESS_PREFIX, "delegator_address", MsgWithdrawDelegatorReward.typeUrl)],
  validateBasic(m) {
    parseMessageAddress(m.validatorAddress, VALIDATOR_OPERATOR_ADDRESS_PREFIX, "validator_address", MsgWithdrawDelegatorReward.typeUrl);
  },
  process(ctx, m) {
    const t = MsgWithdrawDelegatorReward.typeUrl;
    const delegator = parseMessageAddress(m.delegatorAddress, ACCOUNT_ADDRESS_PREFIX, "delegator_address", t);
    const op = parseMessageAddress(m.validatorAddress, VALIDATOR_OPERATOR_ADDRESS_PREFIX, "validator_address", t);
    if (!getValidator(ctx.store, op)) fail(t, "validator does not exist");
    if (!getDelegation(ctx.store, delegator, op)) fail(t, "delegation does not exist");
    const coins = processWithdrawDelegationRewards(ctx.store, op, delegator);
    initializeDelegation(ctx.store, op, delegator);
    const to = accountBech32(getDelegatorWithdrawAddress(ctx.store, delegator));
    ctx.events.push(messageEvent(t, m.delegatorAddress), ...transferEvents(to, coins), withdrawRewardsEvent(coins, op, delegator));
    return {
      response: { typeUrl: MsgWithdrawDelegatorRewardResponse.typeUrl, value: MsgWithdrawDelegatorRewardResponse.encode({ amount: toProtoCoins(coins) }).finish() },
    };
  },
};

// /cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission (signed by the operator account)
export const msgWithdrawValidatorCommissionHandler: MsgHandler<MsgWithdrawValidatorCommission> = {
  typeUrl: MsgWithdrawValidatorCommission.typeUrl,
  decode: (b) => MsgWithdrawValidatorCommission.decode(b),
  getSigners: (m) => [parseMessageAddress(m.validatorAddress, VALIDATOR_OPERATOR_ADDRESS_PREFIX, "validator_address", MsgWithdrawValidatorCommission.typeUrl)],
  validateBasic() {},
  process(ctx, m) {
    const t = MsgWithdrawValidatorCommission.typeUrl;
    const op = parseMessageAddress(m.validatorAddress, VALIDATOR_OPERATOR_ADDRESS_PREFIX, "validator_address", t);
    if (!getValidator(ctx.store, op)) fail(t, "validator does not exist");
    const coins = processWithdrawValidatorCommission(ctx.store, op);
    if (coins.length === 0) fail(t, "no validator commission to withdraw");
    const opAccount = accountBech32(op);
    ctx.events.push(messageEvent(t, opAccount), ...transferEvents(accountBech32(getDelegatorWithdrawAddress(ctx.store, op)), coins), {
      type: "withdraw_commission",
      attributes: [{ key: "amount", value: formatCoins(coins) }],
    });
    return {
      response: { typeUrl: MsgWithdrawValidatorCommissionResponse.typeUrl, value: MsgWithdrawValidatorCommissionResponse.encode({ amount: toProtoCoins(coins) }).finish() },
    };
  },
};

// /cosmos.distribution.v1beta1.MsgSetWithdrawAddress: where the delegator's rewards (and, for an
// operator account, its commission) are paid from now on (the SDK's SetWithdrawAddr rules).
export const msgSetWithdrawAddressHandler: MsgHandler<MsgSetWithdrawAddress> = {
  typeUrl: MsgSetWithdrawAddress.typeUrl,
  decode: (b) => MsgSetWithdrawAddress.decode(b),
  getSigners: (m) => [parseMessageAddress(m.delegatorAddress, ACCOUNT_ADDRESS_PREFIX, "delegator_address", MsgSetWithdrawAddress.typeUrl)],
  validateBasic(m) {
    parseMessageAddress(m.withdrawAddress, ACCOUNT_ADDRESS_PREFIX, "withdraw_address", MsgSetWithdrawAddress.typeUrl);
  },
  process(ctx, m) {
    const t = MsgSetWithdrawAddress.typeUrl;
    const delegator = parseMessageAddress(m.delegatorAddress, ACCOUNT_ADDRESS_PREFIX, "delegator_address", t);
    const withdraw = parseMessageAddress(m.withdrawAddress, ACCOUNT_ADDRESS_PREFIX, "withdraw_address", t);
    processSetWithdrawAddress(ctx.store, delegator, withdraw);
    ctx.events.push(messageEvent(t, m.delegatorAddress), { type: "set_withdraw_address", attributes: [{ key: "withdraw_address", value: m.withdrawAddress }] });
    return { response: { typeUrl: MsgSetWithdrawAddressResponse.typeUrl, value: MsgSetWithdrawAddressResponse.encode({}).finish() } };
  },
};

/** Every distribution message handler, for MsgRegistry. */
export const DISTRIBUTION_HANDLERS: MsgHandler<never>[] = [
  msgWithdrawDelegatorRewardHandler as unknown as MsgHandler<never>,
  msgWithdrawValidatorCommissionHandler as unknown as MsgHandler<never>,
  msgSetWithdrawAddressHandler as unknown as MsgHandler<never>,
];
