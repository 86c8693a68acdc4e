import { TxError } from "./txError.js";

const MAX_UINT64 = (1n << 64n) - 1n;
const textEncoder = new TextEncoder();

export interface DirectSignDocInput {
  /** TxRaw.body_bytes exactly as received (never re-encoded). */
  readonly bodyBytes: Uint8Array;
  /** TxRaw.auth_info_bytes exactly as received. */
  readonly authInfoBytes: Uint8Array;
  readonly chainId: string;
  /** The signer's account number (0 for genesis transactions, as in the SDK). */
  readonly accountNumber: bigint;
}

function varint(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

/** A proto3 length-delimited field, omitted when empty (proto3 default), as gogoproto and cosmjs-types do. */
function lengthDelimited(tag: number, data: Uint8Array): Uint8Array[] {
  return data.length === 0 ? [] : [Uint8Array.from([tag, ...varint(BigInt(data.length))]), data];
}

/**
 * SIGN_MODE_DIRECT sign bytes: the canonical protobuf encoding of
 * `cosmos.tx.v1beta1.SignDoc { body_bytes = 1, auth_info_bytes = 2, chain_id = 3, account_number = 4 }`
 * with proto3 defaults omitted — byte-for-byte what the Cosmos SDK and cosmjs `makeSignBytes` produce.
 * The signature is ECDSA over SHA-256 of these bytes.
 *
 * Encoded by hand rather than with cosmjs-types' `SignDoc.encode`: the cosmjs-types 0.11 BinaryWriter
 * mis-encodes uint64 values in [2^31, 2^32) (it writes a truncated first byte followed by zero
 * padding), which would make account numbers in that range disagree with every other SDK client.
 */
export function computeDirectSignBytes(input: DirectSignDocInput): Uint8Array {
  const { bodyBytes, authInfoBytes, chainId, accountNumber } = input;
  if (typeof accountNumber !== "bigint" || accountNumber < 0n || accountNumber > MAX_UINT64) {
    throw new TxError({ code: "TX_ERROR_INTERNAL", reason: "accountNumber must be a uint64 bigint" });
  }
  if (typeof chainId !== "string") {
    throw new TxError({ code: "TX_ERROR_INTERNAL", reason: "chainId must be a string" });
  }
  if (!(bodyBytes instanceof Uint8Array) || !(authInfoBytes instanceof Uint8Array)) {
    throw new TxError({ code: "TX_ERROR_INTERNAL", reason: "bodyBytes and authInfoBytes must be bytes" });
  }
  const parts = [
    ...lengthDelimited(0x0a, bodyBytes),
    ...lengthDelimited(0x12, authInfoBytes),
    ...lengthDelimited(0x1a, textEncoder.encode(chainId)),
    ...(accountNumber === 0n ? [] : [Uint8Array.from([0x20, ...varint(accountNumber)])]),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
