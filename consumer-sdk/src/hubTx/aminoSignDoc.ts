import { AegisError } from "../errors.js";

/**
 * SIGN_MODE_LEGACY_AMINO_JSON sign docs, as the Cosmos SDK defines them (x/auth/migrations/legacytx
 * StdSignDoc, x/tx/signing/aminojson) and as cosmjs (`@cosmjs/amino` makeSignDoc / serializeSignDoc)
 * and Keplr serialize them: the hub verifies a Ledger's or an amino wallet's signature over exactly
 * these bytes. Pure and browser-safe.
 */

/** What is wrong with a message's amino JSON (or with the bytes or value it is made from). */
export type AminoJsonErrorType =
  /** No amino JSON encoding is defined for this message type URL. */
  | { code: "AMINO_JSON_ERROR_UNKNOWN_TYPE"; typeUrl: string }
  /** A value (bytes, domain object or amino JSON) that does not fit the message's definition; `path` says where. */
  | { code: "AMINO_JSON_ERROR_MALFORMED"; path: string; reason: string };

export class AminoJsonError extends AegisError<AminoJsonErrorType> {}

export function aminoMalformed(path: string, reason: string): AminoJsonError {
  return new AminoJsonError({ code: "AMINO_JSON_ERROR_MALFORMED", path, reason }, `amino JSON ${path}: ${reason}`);
}

/** A JSON value of an amino sign doc. */
export type AminoJsonValue = string | number | boolean | null | AminoJsonValue[] | { [key: string]: AminoJsonValue | undefined };

/** One message in a sign doc: `{ type: <amino name>, value: <the message's amino JSON> }` (cosmjs `AminoMsg`). */
export interface AminoMsg {
  readonly type: string;
  readonly value: { [key: string]: AminoJsonValue | undefined };
}

/** A coin as amino JSON writes it: the amount as a decimal string. */
export interface AminoCoin {
  readonly denom: string;
  readonly amount: string;
}

/** The fee of a sign doc (the SDK's StdFee; cosmjs `StdFee`): `granter` and `payer` only when set. */
export interface AminoFee {
  readonly amount: readonly AminoCoin[];
  readonly gas: string;
  readonly granter?: string;
  readonly payer?: string;
}

/** The SDK's StdSignDoc (cosmjs `StdSignDoc`). */
export interface AminoSignDoc {
  readonly chain_id: string;
  readonly account_number: string;
  readonly sequence: string;
  readonly timeout_height?: string;
  readonly fee: AminoFee;
  readonly msgs: readonly AminoMsg[];
  readonly memo: string;
}

export interface AminoSignDocInput {
  readonly msgs: readonly AminoMsg[];
  /** The transaction's fee: its coins in order, the gas limit, and payer and granter ("" = not set). */
  readonly fee: { readonly amount: readonly { readonly denom: string; readonly amount: string | bigint }[]; readonly gasLimit: bigint; readonly payer?: string; readonly granter?: string };
  readonly chainId: string;
  readonly memo: string;
  readonly accountNumber: bigint;
  readonly sequence: bigint;
  /** 0 = none (then the doc has no timeout_height key). */
  readonly timeoutHeight: bigint | number;
}

/**
 * The sign doc of a transaction, field for field what cosmjs's `makeSignDoc(msgs, fee, chainId, memo,
 * accountNumber, sequence, timeoutHeight)` builds from the fee `{ amount, gas }` that
 * `SigningStargateClient` signs with (`granter` / `payer` added only when the transaction sets them,
 * as the SDK's StdFee omits them when empty), and what the SDK's legacy StdSignBytes writes:
 * 64-bit numbers as decimal strings, `timeout_height` only when non-zero, the memo always.
 */
export function makeAminoSignDoc(input: AminoSignDocInput): AminoSignDoc {
  const { fee } = input;
  const timeout = BigInt(input.timeoutHeight);
  return {
    chain_id: input.chainId,
    account_number: input.accountNumber.toString(),
    sequence: input.sequence.toString(),
    ...(timeout !== 0n ? { timeout_height: timeout.toString() } : {}),
    fee: {
      amount: fee.amount.map((c) => ({ denom: c.denom, amount: c.amount.toString() })),
      gas: fee.gasLimit.toString(),
      ...(fee.granter ? { granter: fee.granter } : {}),
      ...(fee.payer ? { payer: fee.payer } : {}),
    },
    msgs: input.msgs,
    memo: input.memo,
  };
}

function sortedValue(v: unknown): unknown {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) return v.map(sortedValue);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v).sort()) out[key] = sortedValue((v as Record<string, unknown>)[key]);
  return out;
}

/**
 * JSON with every object's keys sorted and no whitespace: cosmjs's `sortedJsonStringify` (the SDK's
 * MustSortJSON gives the same for the ASCII keys of a sign doc). Keys whose value is undefined are
 * left out, as JSON.stringify does.
 */
export function sortedJsonStringify(value: unknown): string {
  return JSON.stringify(sortedValue(value));
}

/**
 * The bytes a signer signs (ECDSA over their SHA-256): the sorted JSON with `&`, `<` and `>` written
 * `\u0026`, `\u003c`, `\u003e` (Go's encoding/json HTML escaping), exactly cosmjs's
 * `serializeSignDoc`, in UTF-8. Go also escapes U+2028 and U+2029, cosmjs and Keplr do not: a memo
 * with those characters signs differently in a Go client (the hub follows cosmjs).
 */
export function serializeAminoSignDoc(doc: AminoSignDoc): Uint8Array {
  const json = sortedJsonStringify(doc).replace(/&/g, "\\u0026").replace(/</g, "\\u003c").replace(/>/g, "\\u003e");
  return new TextEncoder().encode(json);
}
