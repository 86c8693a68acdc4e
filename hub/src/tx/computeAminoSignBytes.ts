import { encodeAminoMsgFromProto, makeAminoSignDoc, serializeAminoSignDoc, type AminoMsg } from "@aegis/consumer-sdk/hub-tx";
import type { DecodedTx } from "./decodeTx.js";
import { TxError } from "./txError.js";

export interface AminoSignBytesInput {
  readonly tx: Pick<DecodedTx, "messages" | "memo" | "timeoutHeight" | "fee" | "hasNonCriticalExtensions">;
  readonly chainId: string;
  /** The signer's account number. */
  readonly accountNumber: bigint;
  /** The signer's sequence (the account's, which the signer info's must equal). */
  readonly sequence: bigint;
  /** Which signer, for the error. */
  readonly signerIndex: number;
}

/**
 * SIGN_MODE_LEGACY_AMINO_JSON sign bytes of one signer, as the Cosmos SDK (x/tx/signing/aminojson
 * GetSignBytes, legacytx StdSignBytes) and cosmjs (`serializeSignDoc(makeSignDoc(...))`) make them:
 * the key-sorted JSON StdSignDoc {account_number, chain_id, fee {amount, gas, granter/payer when set},
 * memo, msgs [{type, value}], sequence, timeout_height when non-zero}. Each message's amino JSON is
 * rendered from the bytes the transaction carries by consumer-sdk's `encodeAminoMsgFromProto`, the
 * definition cosmjs clients sign with (`createAegisAminoConverters`).
 *
 * As in the SDK, a transaction with unknown non-critical fields or non-critical extension options
 * cannot be signed in this mode: their bytes are not in the JSON, so anyone could change them under
 * the signature. Pure; throws TX_ERROR_AMINO_SIGN_DOC (ErrUnauthorized, as the SDK's signature check
 * reports a sign doc it cannot build).
 */
export function computeAminoSignBytes(input: AminoSignBytesInput): Uint8Array {
  const { tx, signerIndex } = input;
  if (tx.hasNonCriticalExtensions) {
    throw new TxError({
      code: "TX_ERROR_AMINO_SIGN_DOC",
      signerIndex,
      reason: "the transaction carries unknown non-critical fields or non-critical extension options, which SIGN_MODE_LEGACY_AMINO_JSON does not sign (a malleability issue)",
    });
  }
  const msgs: AminoMsg[] = tx.messages.map((m, i) => {
    try {
      return encodeAminoMsgFromProto(m.typeUrl, m.value);
    } catch (e) {
      // AminoJsonError: bytes that do not decode, or a type without an amino encoding.
      const reason = e instanceof Error ? e.message : String(e);
      throw new TxError({ code: "TX_ERROR_AMINO_SIGN_DOC", signerIndex, reason: `message ${i} (${m.typeUrl}): ${reason}` });
    }
  });
  const doc = makeAminoSignDoc({
    msgs,
    fee: tx.fee,
    chainId: input.chainId,
    memo: tx.memo,
    accountNumber: input.accountNumber,
    sequence: input.sequence,
    timeoutHeight: tx.timeoutHeight,
  });
  return serializeAminoSignDoc(doc);
}
