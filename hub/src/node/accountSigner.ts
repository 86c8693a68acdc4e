import { DirectSecp256k1HdWallet, encodePubkey, makeAuthInfoBytes, makeSignDoc } from "@cosmjs/proto-signing";
import { TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { ACCOUNT_ADDRESS_PREFIX, fromBech32 } from "../tx/index.js";

/** A message as it goes into a transaction body: its type URL and its protobuf bytes (a google.protobuf.Any). */
export interface EncodedMessage {
  typeUrl: string;
  value: Uint8Array;
}

/** Encodes a message with its codec (the cosmjs-types shape every Aegis message codec has). */
export function encodeMessage<T>(codec: { typeUrl: string; encode(m: T): { finish(): Uint8Array } }, message: T): EncodedMessage {
  return { typeUrl: codec.typeUrl, value: codec.encode(message).finish() };
}

export interface SignTxOptions {
  chainId: string;
  accountNumber: bigint;
  sequence: bigint;
  /** The fee paid (may be empty). */
  fee: readonly { denom: string; amount: string }[];
  gasLimit: bigint;
  memo?: string;
}

/**
 * One account a node signs its own transactions with (a prover's reward claims, a validator's
 * defence in a fork case): a mnemonic's first secp256k1 key, SIGN_MODE_DIRECT, the bytes cosmjs makes.
 * It only signs: which sequence, fee and gas to use is the caller's (see NodeAccount).
 */
export class AccountSigner {
  private constructor(
    private readonly wallet: DirectSecp256k1HdWallet,
    readonly address: string,
    readonly addressBytes: Uint8Array,
    private readonly pubkey: Uint8Array,
  ) {}

  static async fromMnemonic(mnemonic: string): Promise<AccountSigner> {
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: ACCOUNT_ADDRESS_PREFIX });
    const [account] = await wallet.getAccounts();
    return new AccountSigner(wallet, account!.address, fromBech32(account!.address, ACCOUNT_ADDRESS_PREFIX, { lengths: [20] }), account!.pubkey);
  }

  /** The signed TxRaw bytes of `messages` (this account their only signer and the fee payer). */
  async signTx(messages: readonly EncodedMessage[], opts: SignTxOptions): Promise<Uint8Array> {
    if (messages.length === 0) throw new RangeError("a transaction needs at least one message");
    if (opts.gasLimit <= 0n || opts.gasLimit > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`gas limit ${opts.gasLimit} out of range`);
    const bodyBytes = TxBody.encode(TxBody.fromPartial({ messages: messages.map((m) => ({ typeUrl: m.typeUrl, value: m.value })), memo: opts.memo ?? "" })).finish();
    const pubkey = encodePubkey({ type: "tendermint/PubKeySecp256k1", value: Buffer.from(this.pubkey).toString("base64") });
    const authInfoBytes = makeAuthInfoBytes([{ pubkey, sequence: opts.sequence }], [...opts.fee], Number(opts.gasLimit), undefined, undefined);
    const signDoc = makeSignDoc(bodyBytes, authInfoBytes, opts.chainId, opts.accountNumber);
    const { signature, signed } = await this.wallet.signDirect(this.address, signDoc);
    return TxRaw.encode(TxRaw.fromPartial({ bodyBytes: signed.bodyBytes, authInfoBytes: signed.authInfoBytes, signatures: [new Uint8Array(Buffer.from(signature.signature, "base64"))] })).finish();
  }
}
