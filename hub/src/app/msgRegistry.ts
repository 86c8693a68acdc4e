import { MsgSend, MsgSendResponse } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import type { KVStore } from "../state/index.js";
import { ACCOUNT_ADDRESS_PREFIX, parseCoins, scanProtoMessage, TxError, type MessageSpec } from "../tx/index.js";
import { parseMessageAddress } from "./msgAddress.js";
import { processEnsureAccount } from "./modules/auth.js";
import { processTransfer } from "./modules/bank.js";
import { isModuleAccountAddress } from "./modules/moduleAccounts.js";
import { getMsgWireSchema } from "./msgWireSchemas.js";
import { formatCoins } from "./txEvents.js";
import type { TxEvent } from "./txEvents.js";

export interface MsgContext {
  /** Gas-metered view of the transaction's state branch. */
  store: KVStore;
  chainId: string;
  height: number;
  time: number;
  events: TxEvent[];
  /** Charges gas for work that is not store access (a proof's verification); absent: not metered. */
  consumeGas?: (amount: bigint, descriptor: string) => void;
}

export interface MsgResult {
  /** Any in TxMsgData.msg_responses. */
  response: { typeUrl: string; value: Uint8Array };
}

/** Everything the hub knows about one message type. */
export interface MsgHandler<M> {
  typeUrl: string;
  /**
   * Wire schema of the message's bytes, checked before `decode` (unknown fields, wire types ...).
   * Absent: getMsgWireSchema(typeUrl) (msgWireSchemas.ts: the SDK messages, and every /aegis.*
   * message from proto/src). MsgRegistry refuses a handler that has neither.
   */
  wireSchema?: MessageSpec;
  decode(bytes: Uint8Array): M;
  /** Addresses (20 bytes) whose signatures the message needs, in order. */
  getSigners(msg: M): Uint8Array[];
  /** Checks that need no state; throws TxError. */
  validateBasic(msg: M): void;
  /** Applies the message; throws TxError and the caller discards the branch. */
  process(ctx: MsgContext, msg: M): MsgResult;
}

function address(bech32: string, field: string, typeUrl: string): Uint8Array {
  return parseMessageAddress(bech32, ACCOUNT_ADDRESS_PREFIX, field, typeUrl);
}

const msgSend: MsgHandler<MsgSend> = {
  typeUrl: MsgSend.typeUrl,
  decode: (b) => MsgSend.decode(b),
  getSigners: (m) => [address(m.fromAddress, "from_address", MsgSend.typeUrl)],
  validateBasic(m) {
    address(m.toAddress, "to_address", MsgSend.typeUrl);
    const coins = parseCoins(m.amount, "amount");
    if (coins.length === 0 || coins.some((c) => c.amount === 0n)) {
      throw new TxError({ code: "TX_ERROR_INVALID_COINS", field: "amount", reason: "must be non-empty and positive" });
    }
  },
  process(ctx, m) {
    const from = address(m.fromAddress, "from_address", MsgSend.typeUrl);
    const to = address(m.toAddress, "to_address", MsgSend.typeUrl);
    const coins = parseCoins(m.amount, "amount");
    // As x/bank's msg server: a module account is a blocked address (ErrUnauthorized).
    if (isModuleAccountAddress(to)) throw new TxError({ code: "TX_ERROR_BLOCKED_RECIPIENT", address: m.toAddress, external: false });
    processEnsureAccount(ctx.store, to, m.toAddress);
    processTransfer(ctx.store, from, to, coins);
    const amount = formatCoins(coins);
    ctx.events.push(
      { type: "message", attributes: [{ key: "action", value: MsgSend.typeUrl }, { key: "sender", value: m.fromAddress }, { key: "module", value: "bank" }] },
      { type: "coin_spent", attributes: [{ key: "spender", value: m.fromAddress }, { key: "amount", value: amount }] },
      { type: "coin_received", attributes: [{ key: "receiver", value: m.toAddress }, { key: "amount", value: amount }] },
      { type: "transfer", attributes: [{ key: "recipient", value: m.toAddress }, { key: "sender", value: m.fromAddress }, { key: "amount", value: amount }] },
    );
    return { response: { typeUrl: "/cosmos.bank.v1beta1.MsgSendResponse", value: MsgSendResponse.encode({}).finish() } };
  },
};

export interface DecodedMsg {
  handler: MsgHandler<unknown>;
  msg: unknown;
  /** The message's bytes carried unknown non-critical fields (number & 1024), skipped as in the SDK. */
  hasUnknownNonCritical: boolean;
}

/** The message types this hub handles, by type URL, each with the wire schema its bytes must follow. */
export class MsgRegistry {
  private readonly handlers = new Map<string, { handler: MsgHandler<unknown>; schema: MessageSpec }>();

  /** Throws Error when a handler has no wire schema: a message type is never accepted unchecked. */
  constructor(handlers: MsgHandler<never>[] = DEFAULT_HANDLERS) {
    for (const h of handlers) {
      const schema = h.wireSchema ?? getMsgWireSchema(h.typeUrl);
      if (schema === undefined) throw new Error(`MsgRegistry: no wire schema for ${h.typeUrl} (give the handler a wireSchema or add one to msgWireSchemas.ts)`);
      this.handlers.set(h.typeUrl, { handler: h as unknown as MsgHandler<unknown>, schema });
    }
  }

  get(typeUrl: string): MsgHandler<unknown> {
    return this.entry(typeUrl).handler;
  }

  /** The wire schema the bytes of `typeUrl` messages are checked against. */
  getWireSchema(typeUrl: string): MessageSpec {
    return this.entry(typeUrl).schema;
  }

  private entry(typeUrl: string): { handler: MsgHandler<unknown>; schema: MessageSpec } {
    const e = this.handlers.get(typeUrl);
    if (!e) throw new TxError({ code: "TX_ERROR_UNKNOWN_MESSAGE", typeUrl });
    return e;
  }

  /**
   * Checks a message's bytes against its wire schema, then decodes them; malformed bytes are a
   * TX_ERROR_DECODE (the SDK's ErrTxDecode). As the SDK's RejectUnknownFields does for each Any in
   * TxBody.messages (with TxBody's allowUnknownNonCriticals = true, passed down the whole tree): an
   * unknown field is refused in the message and in every message nested in it, unless its number has
   * the non-critical bit (1024); wire types, minimal varints, repeated singular fields and UTF-8 are
   * checked as in TxBody.
   */
  decode(typeUrl: string, value: Uint8Array): DecodedMsg {
    const { handler, schema } = this.entry(typeUrl);
    const scan = scanProtoMessage(value, schema, { allowUnknownNonCritical: true });
    try {
      return { handler, msg: handler.decode(value), hasUnknownNonCritical: scan.hasUnknownNonCritical };
    } catch (e) {
      throw new TxError({ code: "TX_ERROR_DECODE", reason: `${typeUrl}: ${(e as Error).message}` });
    }
  }
}

export const DEFAULT_HANDLERS: MsgHandler<never>[] = [msgSend as unknown as MsgHandler<never>];
