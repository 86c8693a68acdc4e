import { pubkeyToAddress, encodeSecp256k1Pubkey, rawSecp256k1PubkeyToRawAddress } from "@cosmjs/amino";
import { toBech32 as cosmjsToBech32, fromBech32 as cosmjsFromBech32 } from "@cosmjs/encoding";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { bech32m } from "@scure/base";
import fc from "fast-check";
import {
  ACCOUNT_ADDRESS_PREFIX,
  computeAccountAddress,
  fromBech32,
  toBech32,
  TxError,
  VALIDATOR_OPERATOR_ADDRESS_PREFIX,
  type TxErrorCode,
} from "../../src/tx/index.js";
import { RECIPIENT, RECIPIENT_BYTES, testSigners } from "./txFixtures.js";

function codeOf(fn: () => unknown): TxErrorCode | "none" {
  try {
    fn();
    return "none";
  } catch (err) {
    if (!(err instanceof TxError)) throw err;
    expect(err.toAbci()).toMatchObject({ code: 7, codespace: "sdk" });
    return err.type.code;
  }
}

test("prefixes", () => {
  expect(ACCOUNT_ADDRESS_PREFIX).toBe("aegis");
  expect(VALIDATOR_OPERATOR_ADDRESS_PREFIX).toBe("aegisvaloper");
});

test("address derived from a wallet pubkey equals the wallet's own address (and cosmjs' derivation)", async () => {
  for (const s of await testSigners()) {
    const raw = computeAccountAddress(s.pubkey);
    expect(raw).toHaveLength(20);
    expect(raw).toEqual(rawSecp256k1PubkeyToRawAddress(s.pubkey));
    expect(toBech32("aegis", raw)).toBe(s.address);
    expect(pubkeyToAddress(encodeSecp256k1Pubkey(s.pubkey), "aegis")).toBe(s.address);
    expect(fromBech32(s.address, "aegis")).toEqual(raw);
    // Same key as a validator operator address.
    const valoper = toBech32("aegisvaloper", raw);
    expect(valoper.startsWith("aegisvaloper1")).toBe(true);
    expect(fromBech32(valoper, "aegisvaloper")).toEqual(raw);
  }
});

test("computeAccountAddress agrees with cosmjs for random keys", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
      fc.pre(secp256k1.utils.isValidSecretKey(seed));
      const pub = secp256k1.getPublicKey(seed, true);
      expect(computeAccountAddress(pub)).toEqual(rawSecp256k1PubkeyToRawAddress(pub));
    }),
    { numRuns: 50 },
  );
});

test("bech32 round-trips and matches cosmjs encoding", () => {
  expect(fromBech32(RECIPIENT, "aegis")).toEqual(RECIPIENT_BYTES);
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.uint8Array({ minLength: 32, maxLength: 32 })), (bytes) => {
      const s = toBech32("aegis", bytes);
      expect(s).toBe(cosmjsToBech32("aegis", bytes));
      expect(fromBech32(s, "aegis")).toEqual(bytes);
      // cosmjs 0.39 fromBech32's default limit (Infinity) is rejected by @scure/base 2; pass one.
      expect(cosmjsFromBech32(s, 1023).data).toEqual(bytes);
    }),
    { numRuns: 100 },
  );
});

test("wrong prefix", () => {
  const cosmos = cosmjsToBech32("cosmos", RECIPIENT_BYTES);
  expect(codeOf(() => fromBech32(cosmos, "aegis"))).toBe("TX_ERROR_ADDRESS_WRONG_PREFIX");
  const valoper = toBech32("aegisvaloper", RECIPIENT_BYTES);
  expect(codeOf(() => fromBech32(valoper, "aegis"))).toBe("TX_ERROR_ADDRESS_WRONG_PREFIX");
  expect(codeOf(() => fromBech32(RECIPIENT, "aegisvaloper"))).toBe("TX_ERROR_ADDRESS_WRONG_PREFIX");
  try {
    fromBech32(cosmos, "aegis");
  } catch (err) {
    expect((err as TxError).log).toBe("invalid Bech32 prefix; expected aegis, got cosmos: invalid address");
  }
});

test("bad checksum", () => {
  const last = RECIPIENT.at(-1)!;
  const flipped = RECIPIENT.slice(0, -1) + (last === "q" ? "p" : "q");
  expect(codeOf(() => fromBech32(flipped, "aegis"))).toBe("TX_ERROR_ADDRESS_BAD_CHECKSUM");
  // A swapped data character.
  const mid = RECIPIENT.length - 10;
  const swapped = RECIPIENT.slice(0, mid) + (RECIPIENT[mid] === "z" ? "x" : "z") + RECIPIENT.slice(mid + 1);
  expect(codeOf(() => fromBech32(swapped, "aegis"))).toBe("TX_ERROR_ADDRESS_BAD_CHECKSUM");
  // A bech32m checksum over the same data is not a bech32 checksum.
  const m = bech32m.encode("aegis", bech32m.toWords(RECIPIENT_BYTES));
  expect(codeOf(() => fromBech32(m, "aegis"))).toBe("TX_ERROR_ADDRESS_BAD_CHECKSUM");
});

test("wrong length", () => {
  expect(codeOf(() => fromBech32(cosmjsToBech32("aegis", new Uint8Array(19)), "aegis"))).toBe("TX_ERROR_ADDRESS_WRONG_LENGTH");
  expect(codeOf(() => fromBech32(cosmjsToBech32("aegis", new Uint8Array(33)), "aegis"))).toBe("TX_ERROR_ADDRESS_WRONG_LENGTH");
  const long = toBech32("aegis", new Uint8Array(32).fill(7));
  expect(fromBech32(long, "aegis")).toHaveLength(32);
  expect(codeOf(() => fromBech32(long, "aegis", { lengths: [20] }))).toBe("TX_ERROR_ADDRESS_WRONG_LENGTH");
});

test("malformed strings", () => {
  for (const bad of [
    "",
    "aegis",
    "aegis1",
    "hello world",
    RECIPIENT.toUpperCase(), // canonical lowercase only
    RECIPIENT.slice(0, 8) + RECIPIENT.slice(8, 9).toUpperCase() + RECIPIENT.slice(9), // mixed case
    "aegis1bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", // 'b' is not in the bech32 alphabet
    "1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5f3mw4e", // empty prefix
    "aegis1" + "q".repeat(1100),
  ]) {
    expect([bad, codeOf(() => fromBech32(bad, "aegis"))]).toEqual([bad, "TX_ERROR_ADDRESS_MALFORMED"]);
  }
  expect(codeOf(() => fromBech32(undefined as unknown as string, "aegis"))).toBe("TX_ERROR_ADDRESS_MALFORMED");
});

test("toBech32 rejects bad arguments", () => {
  expect(() => toBech32("Aegis", RECIPIENT_BYTES)).toThrow(TxError);
  expect(() => toBech32("aegis", new Uint8Array(0))).toThrow(TxError);
  expect(() => toBech32("aegis", new Uint8Array(256))).toThrow(TxError);
});
