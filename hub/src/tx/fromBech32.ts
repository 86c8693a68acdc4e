import { bech32 } from "@scure/base";
import { DEFAULT_ADDRESS_LENGTHS, MAX_BECH32_LENGTH } from "./addressPrefixes.js";
import { TxError } from "./txError.js";

const CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const DATA_RE = new RegExp(`^[${CHARSET}]+$`);
const PREFIX_RE = /^[\x21-\x7e]+$/;

export interface FromBech32Options {
  /** Accepted decoded lengths in bytes; default 20 and 32. */
  readonly lengths?: readonly number[];
}

/**
 * Decode a bech32 address and check its prefix and length. Only the canonical lowercase form is
 * accepted (the SDK also folds all-uppercase input; cosmjs never produces it), so an address has a
 * single string form. Errors (all ErrInvalidAddress to clients):
 * TX_ERROR_ADDRESS_MALFORMED, TX_ERROR_ADDRESS_BAD_CHECKSUM, TX_ERROR_ADDRESS_WRONG_PREFIX,
 * TX_ERROR_ADDRESS_WRONG_LENGTH.
 */
export function fromBech32(address: string, expectedPrefix: string, options: FromBech32Options = {}): Uint8Array {
  const lengths = options.lengths ?? DEFAULT_ADDRESS_LENGTHS;
  const malformed = (reason: string): never => {
    throw new TxError({ code: "TX_ERROR_ADDRESS_MALFORMED", address: String(address), reason });
  };
  if (typeof address !== "string") return malformed("address must be a string");
  if (address.length === 0) return malformed("empty address string is not allowed");
  if (address.length < 8 || address.length > MAX_BECH32_LENGTH) {
    return malformed(`length ${address.length} is outside 8..${MAX_BECH32_LENGTH}`);
  }
  if (address !== address.toLowerCase()) return malformed("address must be lowercase");
  const sep = address.lastIndexOf("1");
  if (sep < 1) return malformed('missing separator "1"');
  const prefix = address.slice(0, sep);
  const data = address.slice(sep + 1);
  if (!PREFIX_RE.test(prefix)) return malformed("prefix has characters outside US-ASCII 33..126");
  if (data.length < 6) return malformed("data part shorter than the checksum");
  if (!DATA_RE.test(data)) return malformed("data part has characters outside the bech32 alphabet");

  // The string is structurally valid, so a failure here is the checksum.
  let words: number[];
  try {
    words = Array.from(bech32.decode(address, MAX_BECH32_LENGTH).words);
  } catch {
    throw new TxError({ code: "TX_ERROR_ADDRESS_BAD_CHECKSUM", address });
  }
  if (prefix !== expectedPrefix) {
    throw new TxError({ code: "TX_ERROR_ADDRESS_WRONG_PREFIX", address, expected: expectedPrefix, actual: prefix });
  }
  let bytes: Uint8Array;
  try {
    bytes = bech32.fromWords(words);
  } catch {
    return malformed("invalid 5-bit to 8-bit padding");
  }
  if (!lengths.includes(bytes.length)) {
    throw new TxError({ code: "TX_ERROR_ADDRESS_WRONG_LENGTH", address, expected: lengths, actual: bytes.length });
  }
  return bytes;
}
