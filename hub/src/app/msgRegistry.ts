import { MsgSend, MsgSendResponse } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import type { KVStore } from "../state/index.js";
import { ACCOUNT_ADDRESS_PREFIX, parseCoins, TxError } from "../tx/index.js";
import { parseMessageAddress } from "./msgAddress.js";
import { processEnsureAccount } from "./modules/auth.js";
import { processTransfer } from "./modules/bank.js";
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

/** The message types this hub handles, by type URL. */
export class MsgRegistry {
  private readonly handlers = new Map<string, MsgHandler<unknown>>();

  constructor(handlers: MsgHandler<never>[] = DEFAULT_HANDLERS) {
    for (const h of handlers) this.handlers.set(h.typeUrl, h as unknown as MsgHandler<unknown>);
  }

  get(typeUrl: string): MsgHandler<unknown> {
    const h = this.handlers.get(typeUrl);
    if (!h) throw new TxError({ code: "TX_ERROR_UNKNOWN_MESSAGE", typeUrl });
    return h;
  }

  /** Decodes a message; malformed bytes are a TX_ERROR_DECODE. */
  decode(typeUrl: string, value: Uint8Array): { handler: MsgHandler<unknown>; msg: unknown } {
    const handler = this.get(typeUrl);
    try {
      return { handler, msg: handler.decode(value) };
    } catch (e) {
      throw new TxError({ code: "TX_ERROR_DECODE", reason: `${typeUrl}: ${(e as Error).message}` });
    }
  }
}

export const DEFAULT_HANDLERS: MsgHandler<never>[] = [msgSend as unknown as MsgHandler<never>];
