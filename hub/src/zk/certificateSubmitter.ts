import type { ZkCertificate } from "@aegis/consumer-sdk";
import { AegisMsgSubmitZkCertificate } from "../app/modules/zk/index.js";
import { AccountSigner, encodeMessage, type EncodedMessage } from "../node/accountSigner.js";

/** Gas limit of a MsgSubmitZkCertificate transaction (verification ~300k, the rest store access and ante). */
export const SUBMIT_ZK_CERTIFICATE_GAS = 600_000n;

/** The MsgSubmitZkCertificate of `cert`, submitted by `submitter` (bech32). */
export function createZkCertificateSubmission(submitter: string, cert: ZkCertificate): EncodedMessage {
  return encodeMessage(AegisMsgSubmitZkCertificate, { submitter, certificate: cert });
}

/**
 * Signs MsgSubmitZkCertificate transactions (SIGN_MODE_DIRECT, the same bytes cosmjs makes) for a
 * prover's account: how a prover node claims the reward for the certificates it proves. The signing
 * is the node's generic AccountSigner's; a node sends its claims through its NodeAccount.
 */
export class ZkCertificateSubmitter {
  private constructor(readonly signer: AccountSigner) {}

  static async fromMnemonic(mnemonic: string): Promise<ZkCertificateSubmitter> {
    return new ZkCertificateSubmitter(await AccountSigner.fromMnemonic(mnemonic));
  }

  get address(): string {
    return this.signer.address;
  }

  get addressBytes(): Uint8Array {
    return this.signer.addressBytes;
  }

  /** The signed TxRaw bytes submitting `cert`, paying `fee` (may be empty) from this account. */
  signSubmission(
    cert: ZkCertificate,
    opts: { chainId: string; accountNumber: bigint; sequence: bigint; fee: { denom: string; amount: string }[] },
  ): Promise<Uint8Array> {
    return this.signer.signTx([createZkCertificateSubmission(this.address, cert)], { ...opts, gasLimit: SUBMIT_ZK_CERTIFICATE_GAS });
  }
}
