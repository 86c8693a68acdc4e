import { bytesEqual } from "@aegis/consumer-sdk";
import { ACCOUNT_ADDRESS_PREFIX } from "./addressPrefixes.js";
import { computeAccountAddress } from "./computeAccountAddress.js";
import type { DecodedTx } from "./decodeTx.js";
import { fromBech32 } from "./fromBech32.js";
import { toBech32 } from "./toBech32.js";
import { TxError } from "./txError.js";

/** The SDK's MaxGasWanted: gas limits above 2^63 - 1 are rejected. */
export const MAX_GAS_WANTED = (1n << 63n) - 1n;

/** CometBFT `MaxChainIDLen`. */
export const MAX_CHAIN_ID_LENGTH = 50;

export interface ValidateBasicTxOptions {
  /** The hub's chain id; checked for well-formedness (non-empty, printable ASCII, at most 50 chars). */
  readonly chainId?: string;
  /**
   * The distinct signer addresses required by the messages, in order of first appearance (the SDK's
   * `GetSigners()`), as computed by the message handlers. When given, there must be exactly one
   * signer info per signer and each included public key must derive that signer's address.
   */
  readonly signers?: readonly Uint8Array[];
  /** Bech32 prefix of account addresses (fee payer/granter); default "aegis". */
  readonly addressPrefix?: string;
}

/**
 * The stateless checks decodeTx does not do: gas limit bound, fee payer/granter address format,
 * chain-id format and (optionally) the signer ↔ signer-info correspondence. Pure; throws TxError.
 */
export function validateBasicTx(tx: DecodedTx, options: ValidateBasicTxOptions = {}): void {
  const prefix = options.addressPrefix ?? ACCOUNT_ADDRESS_PREFIX;

  if (options.chainId !== undefined) {
    const chainId = options.chainId;
    const bad = (reason: string): never => {
      throw new TxError({ code: "TX_ERROR_INVALID_CHAIN_ID", chainId, reason });
    };
    if (chainId.length === 0) bad("must not be empty");
    if (chainId.length > MAX_CHAIN_ID_LENGTH) bad(`longer than ${MAX_CHAIN_ID_LENGTH} characters`);
    if (!/^[\x21-\x7e]+$/.test(chainId)) bad("must be printable ASCII without spaces");
  }

  if (tx.fee.gasLimit > MAX_GAS_WANTED) {
    throw new TxError({ code: "TX_ERROR_INVALID_GAS", gasLimit: tx.fee.gasLimit, max: MAX_GAS_WANTED });
  }
  if (tx.fee.payer !== "") fromBech32(tx.fee.payer, prefix);
  if (tx.fee.granter !== "") fromBech32(tx.fee.granter, prefix);

  const signers = options.signers;
  if (signers !== undefined) {
    if (signers.length !== tx.signerInfos.length) {
      throw new TxError({
        code: "TX_ERROR_SIGNER_COUNT_MISMATCH",
        what: "signers",
        expected: signers.length,
        actual: tx.signerInfos.length,
      });
    }
    signers.forEach((signer, i) => {
      const first = signers.findIndex((s) => bytesEqual(s, signer));
      if (first !== i) throw new TxError({ code: "TX_ERROR_DUPLICATE_SIGNER", index: i, firstIndex: first });
      const pk = tx.signerInfos[i]!.publicKey;
      if (pk !== null && !bytesEqual(computeAccountAddress(pk), signer)) {
        throw new TxError({ code: "TX_ERROR_PUBKEY_SIGNER_MISMATCH", signerIndex: i, signer: toBech32(prefix, signer) });
      }
    });
  }
}
