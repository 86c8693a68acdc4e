import { descriptor } from "@aegis/proto/descriptor";
import { COIN_SCHEMA, createMessageSpecFromDescriptor, type MessageSpec } from "../tx/index.js";

/**
 * Wire schemas of the messages a transaction may carry (TxBody.messages), by type URL: what the
 * strict scan checks each message's bytes against before it is decoded (MsgRegistry.decode), as the
 * SDK's RejectUnknownFields resolves every Any in the body to its message descriptor.
 *
 * - The hub's own messages (/aegis.*) come from @aegis/proto's generated descriptor, i.e. from
 *   proto/src: a field added to a .proto file is accepted as soon as `npm run proto:generate` ran.
 * - The Cosmos SDK messages are decoded by cosmjs-types, which carries no descriptors: their field
 *   numbers are listed here, from the SDK's proto files (cosmos/bank/v1beta1/tx.proto,
 *   cosmos/staking/v1beta1/tx.proto, cosmos/distribution/v1beta1/tx.proto,
 *   cosmos/slashing/v1beta1/tx.proto), which are frozen at these versions.
 */

const str = (name: string) => ({ name, kind: "string" as const });

export const MSG_SEND_SCHEMA: MessageSpec = {
  name: "cosmos.bank.v1beta1.MsgSend",
  fields: { 1: str("from_address"), 2: str("to_address"), 3: { name: "amount", kind: "message", repeated: true, message: () => COIN_SCHEMA } },
};

export const MSG_DELEGATE_SCHEMA: MessageSpec = {
  name: "cosmos.staking.v1beta1.MsgDelegate",
  fields: { 1: str("delegator_address"), 2: str("validator_address"), 3: { name: "amount", kind: "message", message: () => COIN_SCHEMA } },
};

export const MSG_UNDELEGATE_SCHEMA: MessageSpec = {
  name: "cosmos.staking.v1beta1.MsgUndelegate",
  fields: { 1: str("delegator_address"), 2: str("validator_address"), 3: { name: "amount", kind: "message", message: () => COIN_SCHEMA } },
};

export const MSG_BEGIN_REDELEGATE_SCHEMA: MessageSpec = {
  name: "cosmos.staking.v1beta1.MsgBeginRedelegate",
  fields: {
    1: str("delegator_address"),
    2: str("validator_src_address"),
    3: str("validator_dst_address"),
    4: { name: "amount", kind: "message", message: () => COIN_SCHEMA },
  },
};

export const MSG_WITHDRAW_DELEGATOR_REWARD_SCHEMA: MessageSpec = {
  name: "cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward",
  fields: { 1: str("delegator_address"), 2: str("validator_address") },
};

export const MSG_WITHDRAW_VALIDATOR_COMMISSION_SCHEMA: MessageSpec = {
  name: "cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission",
  fields: { 1: str("validator_address") },
};

export const MSG_SET_WITHDRAW_ADDRESS_SCHEMA: MessageSpec = {
  name: "cosmos.distribution.v1beta1.MsgSetWithdrawAddress",
  fields: { 1: str("delegator_address"), 2: str("withdraw_address") },
};

export const MSG_UNJAIL_SCHEMA: MessageSpec = {
  name: "cosmos.slashing.v1beta1.MsgUnjail",
  fields: { 1: str("validator_addr") },
};

const COSMOS_MSG_SCHEMAS: ReadonlyMap<string, MessageSpec> = new Map(
  [
    MSG_SEND_SCHEMA,
    MSG_DELEGATE_SCHEMA,
    MSG_UNDELEGATE_SCHEMA,
    MSG_BEGIN_REDELEGATE_SCHEMA,
    MSG_WITHDRAW_DELEGATOR_REWARD_SCHEMA,
    MSG_WITHDRAW_VALIDATOR_COMMISSION_SCHEMA,
    MSG_SET_WITHDRAW_ADDRESS_SCHEMA,
    MSG_UNJAIL_SCHEMA,
  ].map((s) => [`/${s.name}`, s]),
);

/** The prefix of the type URLs whose schema comes from @aegis/proto's descriptor. */
const AEGIS_TYPE_URL_PREFIX = "/aegis.";

/**
 * The wire schema of the message with type URL `typeUrl` ("/cosmos.bank.v1beta1.MsgSend"), or
 * undefined when the hub knows none (MsgRegistry then refuses to register a handler for it).
 */
export function getMsgWireSchema(typeUrl: string): MessageSpec | undefined {
  const cosmos = COSMOS_MSG_SCHEMAS.get(typeUrl);
  if (cosmos !== undefined) return cosmos;
  if (!typeUrl.startsWith(AEGIS_TYPE_URL_PREFIX)) return undefined;
  return createMessageSpecFromDescriptor(descriptor, typeUrl.slice(1));
}
