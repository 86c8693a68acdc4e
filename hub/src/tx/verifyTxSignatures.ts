import { computeAminoSignBytes } from "./computeAminoSignBytes.js";
import { computeDirectSignBytes } from "./computeDirectSignBytes.js";
import type { DecodedTx } from "./decodeTx.js";
import { TxError } from "./txError.js";
import { verifyDirectSignature } from "./verifyDirectSignature.js";

/** What the caller reads from state for the signer at the same index. */
export interface SignerAccount {
  readonly accountNumber: bigint;
  /** The key stored on the account, or null/undefined when none is set yet. */
  readonly publicKey?: Uint8Array | null;
}

export interface VerifyTxSignaturesOptions {
  readonly chainId: string;
  /** One entry per signer info, in order. */
  readonly accounts: readonly SignerAccount[];
}

/**
 * Verify every signature of `tx`, each in its signer's mode (the SDK allows a mix):
 * SIGN_MODE_DIRECT over the SignDoc of the exact body and auth-info bytes, SIGN_MODE_LEGACY_AMINO_JSON
 * over the amino JSON sign doc (computeAminoSignBytes) with the signer info's sequence, which the
 * caller has already checked equals the account's (executeTx, as the SDK's ante handler does before
 * it verifies). As in the SDK's SigVerificationDecorator, the key stored on the account takes
 * precedence; the signer info's key is used when the account has none (its address must already
 * have been matched, see validateBasicTx `signers`). Pure; throws TX_ERROR_MISSING_PUBKEY,
 * TX_ERROR_AMINO_SIGN_DOC or TX_ERROR_SIGNATURE_VERIFICATION_FAILED (all but the first
 * ErrUnauthorized, the last with the SDK's "please verify account number (N) and chain-id (C)" log).
 */
export function verifyTxSignatures(tx: DecodedTx, options: VerifyTxSignaturesOptions): void {
  const { chainId, accounts } = options;
  if (accounts.length !== tx.signerInfos.length) {
    throw new TxError({
      code: "TX_ERROR_INTERNAL",
      reason: `verifyTxSignatures: ${accounts.length} accounts for ${tx.signerInfos.length} signers`,
    });
  }
  const directSignBytesByAccount = new Map<bigint, Uint8Array>();
  tx.signerInfos.forEach((info, i) => {
    const account = accounts[i]!;
    const pubkey = account.publicKey ?? info.publicKey;
    if (pubkey === null) throw new TxError({ code: "TX_ERROR_MISSING_PUBKEY", signerIndex: i });
    let signBytes: Uint8Array | undefined;
    if (info.signMode === "SIGN_MODE_DIRECT") {
      signBytes = directSignBytesByAccount.get(account.accountNumber);
      if (signBytes === undefined) {
        signBytes = computeDirectSignBytes({
          bodyBytes: tx.bodyBytes,
          authInfoBytes: tx.authInfoBytes,
          chainId,
          accountNumber: account.accountNumber,
        });
        directSignBytesByAccount.set(account.accountNumber, signBytes);
      }
    } else if (info.signMode === "SIGN_MODE_LEGACY_AMINO_JSON") {
      signBytes = computeAminoSignBytes({ tx, chainId, accountNumber: account.accountNumber, sequence: info.sequence, signerIndex: i });
    }
    // SIGN_MODE_UNSPECIFIED (a simulation's placeholder) never verifies.
    const ok = signBytes !== undefined && verifyDirectSignature(pubkey, signBytes, tx.signatures[i]!);
    if (!ok) {
      throw new TxError({
        code: "TX_ERROR_SIGNATURE_VERIFICATION_FAILED",
        signerIndex: i,
        accountNumber: account.accountNumber,
        chainId,
      });
    }
  });
}
