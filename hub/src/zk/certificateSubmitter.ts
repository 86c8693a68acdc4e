import { DirectSecp256k1HdWallet, encodePubkey, makeAuthInfoBytes, makeSignDoc, Registry } from "@cosmjs/proto-signing";
import type { ZkCertificate } from "@aegis/consumer-sdk";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { AegisMsgSubmitZkCertificate } from "../app/modules/zk/index.js";
import { ACCOUNT_ADDRESS_PREFIX, fromBech32 } from "../tx/index.js";

/** Gas limit of a MsgSubmitZkCertificate transaction (verification ~300k, the rest store access and ante). */
export const SUBMIT_ZK_CERTIFICATE_GAS = 600_000n;

/**
 * Signs MsgSubmitZkCertificate transactions (SIGN_MODE_DIRECT, the same bytes cosmjs makes) for a
 * prover's account: how a prover node claims the reward for the certificates it proves.
 */
export class ZkCertificateSubmitter {
  private readonly registry = new Registry([[AegisMsgSubmitZkCertificate.typeUrl, AegisMsgSubmitZkCertificate as never]]);

  private constructor(
    private readonly wallet: DirectSecp256k1HdWallet,
    readonly address: string,
    readonly addressBytes: Uint8Array,
    private readonly pubkey: Uint8Array,
  ) {}

  static async fromMnemonic(mnemonic: string): Promise<ZkCertificateSubmitter> {
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: ACCOUNT_ADDRESS_PREFIX });
    const [account] = await wallet.getAccounts();
    return new ZkCertificateSubmitter(wallet, account!.address, fromBech32(account!.address, ACCOUNT_ADDRESS_PREFIX, { lengths: [20] }), account!.pubkey);
  }

  /** The signed TxRaw bytes submitting `cert`, paying `fee` (may be empty) from this account. */
  async signSubmission(
    cert: ZkCertificate,
    opts: { chainId: string; accountNumber: bigint; sequence: bigint; fee: { denom: string; amount: string }[] },
  ): Promise<Uint8Array> {
    const bodyBytes = this.registry.encodeTxBody({ messages: [{ typeUrl: AegisMsgSubmitZkCertificate.typeUrl, value: { submitter: this.address, certificate: cert } }], memo: "" });
    const authInfoBytes = makeAuthInfoBytes([{ pubkey: encodePubkey({ type: "tendermint/PubKeySecp256k1", value: Buffer.from(this.pubkey).toString("base64") }), sequence: opts.sequence }], opts.fee, Number(SUBMIT_ZK_CERTIFICATE_GAS), undefined, undefined);
    const signDoc = makeSignDoc(bodyBytes, authInfoBytes, opts.chainId, opts.accountNumber);
    const { signature, signed } = await this.wallet.signDirect(this.address, signDoc);
    return TxRaw.encode(TxRaw.fromPartial({ bodyBytes: signed.bodyBytes, authInfoBytes: signed.authInfoBytes, signatures: [new Uint8Array(Buffer.from(signature.signature, "base64"))] })).finish();
  }
}
