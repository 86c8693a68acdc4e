import { toBech32 as cosmjsToBech32, toHex as cosmjsToHex } from "@cosmjs/encoding";
import { sha256 as cosmjsSha256 } from "@cosmjs/crypto";
import { makeAuthInfoBytes, makeSignBytes, makeSignDoc } from "@cosmjs/proto-signing";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, Tx, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import {
  computeAccountAddress,
  computeDirectSignBytes,
  decodeTx,
  fromBech32,
  isTxError,
  toBech32,
  TxError,
  validateBasicTx,
  verifyDirectSignature,
  verifyTxSignatures,
  type DecodedTx,
  type TxErrorCode,
} from "../../src/tx/index.js";
import {
  ACCOUNT_NUMBER,
  anyPubkey,
  CHAIN_ID,
  concat,
  encodeTxRaw,
  lengthDelimited,
  msgSend,
  RECIPIENT,
  registry,
  signManually,
  signWithClient,
  testSigners,
  varint,
  type Signer,
} from "./txFixtures.js";

let alice: Signer;
let bob: Signer;

beforeAll(async () => {
  [alice, bob] = await testSigners();
});

/** Run `fn`, expect a TxError with `code`, and return it. */
function expectTxError(fn: () => unknown, code: TxErrorCode, abciCode?: number): TxError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(TxError);
  const err = caught as TxError;
  expect(err.type.code).toBe(code);
  if (abciCode !== undefined) {
    expect(err.toAbci()).toEqual({ code: abciCode, codespace: "sdk", log: err.log });
  }
  return err;
}

describe("decodeTx on transactions produced by cosmjs SigningStargateClient", () => {
  test("decodes, reproduces the sign bytes, verifies, and derives the wallet's address", async () => {
    const { txRaw, bytes } = await signWithClient({ signer: alice, memo: "hello aegis", sequence: 3, timeoutHeight: 900n });
    const tx = decodeTx(bytes);

    expect(tx.size).toBe(bytes.length);
    expect(tx.bodyBytes).toEqual(txRaw.bodyBytes);
    expect(tx.authInfoBytes).toEqual(txRaw.authInfoBytes);
    expect(tx.memo).toBe("hello aegis");
    expect(tx.timeoutHeight).toBe(900);
    expect(tx.hasNonCriticalExtensions).toBe(false);

    // The message is the MsgSend the client encoded.
    expect(tx.messages).toHaveLength(1);
    expect(tx.messages[0]!.typeUrl).toBe("/cosmos.bank.v1beta1.MsgSend");
    expect(MsgSend.decode(tx.messages[0]!.value)).toEqual({
      fromAddress: alice.address,
      toAddress: RECIPIENT,
      amount: [{ denom: "uaeg", amount: "1234" }],
    });

    expect(tx.fee).toEqual({ amount: [{ denom: "uaeg", amount: 5000n }], gasLimit: 200000n, payer: "", granter: "" });
    expect(tx.signerInfos).toEqual([{ publicKey: alice.pubkey, sequence: 3n, signMode: "SIGN_MODE_DIRECT" }]);
    expect(tx.signatures).toHaveLength(1);
    expect(tx.signatures[0]).toHaveLength(64);

    // Hash: what cosmjs reports as transactionHash and CometBFT shows.
    expect(tx.hash).toEqual(cosmjsSha256(bytes));
    expect(tx.hashHex).toBe(cosmjsToHex(cosmjsSha256(bytes)).toUpperCase());
    expect(tx.hashHex).toMatch(/^[0-9A-F]{64}$/);

    // Sign bytes equal cosmjs makeSignBytes for the same SignDoc.
    const signBytes = computeDirectSignBytes({
      bodyBytes: tx.bodyBytes,
      authInfoBytes: tx.authInfoBytes,
      chainId: CHAIN_ID,
      accountNumber: BigInt(ACCOUNT_NUMBER),
    });
    expect(signBytes).toEqual(makeSignBytes(makeSignDoc(tx.bodyBytes, tx.authInfoBytes, CHAIN_ID, ACCOUNT_NUMBER)));
    expect(verifyDirectSignature(tx.signerInfos[0]!.publicKey!, signBytes, tx.signatures[0]!)).toBe(true);

    // Address from the pubkey equals the wallet's address.
    const address = computeAccountAddress(tx.signerInfos[0]!.publicKey!);
    expect(toBech32("aegis", address)).toBe(alice.address);
    expect(fromBech32(alice.address, "aegis")).toEqual(address);

    validateBasicTx(tx, { chainId: CHAIN_ID, signers: [address] });
    verifyTxSignatures(tx, { chainId: CHAIN_ID, accounts: [{ accountNumber: BigInt(ACCOUNT_NUMBER) }] });
  });

  test("the manual proto-signing construction yields the client's exact bytes", async () => {
    const viaClient = await signWithClient({ signer: alice, memo: "same", sequence: 5 });
    const manual = await signManually({ signers: [alice], memo: "same", sequences: [5] });
    expect(manual.bytes).toEqual(viaClient.bytes);
    expect(decodeTx(manual.bytes).hashHex).toBe(decodeTx(viaClient.bytes).hashHex);
  });

  test("uses the account's stored pubkey when the signer info omits it", async () => {
    const bodyBytes = registry.encode({
      typeUrl: "/cosmos.tx.v1beta1.TxBody",
      value: { messages: [msgSend(alice.address, RECIPIENT, [{ denom: "uaeg", amount: "1" }])], memo: "" },
    });
    const authInfoBytes = AuthInfo.encode(
      AuthInfo.fromPartial({
        signerInfos: [{ sequence: 1n, modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } } }],
        fee: { amount: [], gasLimit: 100000n },
      }),
    ).finish();
    const { bytes } = await signManually({ signers: [alice], bodyBytes, authInfoBytes });
    const tx = decodeTx(bytes);
    expect(tx.signerInfos[0]!.publicKey).toBeNull();
    const accounts = [{ accountNumber: BigInt(ACCOUNT_NUMBER), publicKey: alice.pubkey }];
    verifyTxSignatures(tx, { chainId: CHAIN_ID, accounts });
    expectTxError(
      () => verifyTxSignatures(tx, { chainId: CHAIN_ID, accounts: [{ accountNumber: BigInt(ACCOUNT_NUMBER) }] }),
      "TX_ERROR_MISSING_PUBKEY",
      8,
    );
    // An account key that is not the signer's fails verification.
    expectTxError(
      () => verifyTxSignatures(tx, { chainId: CHAIN_ID, accounts: [{ accountNumber: BigInt(ACCOUNT_NUMBER), publicKey: bob.pubkey }] }),
      "TX_ERROR_SIGNATURE_VERIFICATION_FAILED",
      4,
    );
  });

  test("two distinct signers, one signer info and signature each", async () => {
    const { bytes } = await signManually({
      signers: [alice, bob],
      messages: [
        msgSend(alice.address, RECIPIENT, [{ denom: "uaeg", amount: "1" }]),
        msgSend(bob.address, RECIPIENT, [{ denom: "uaeg", amount: "2" }]),
      ],
      sequences: [0, 4],
    });
    const tx = decodeTx(bytes);
    expect(tx.signerInfos.map((s) => s.sequence)).toEqual([0n, 4n]);
    const signers = [fromBech32(alice.address, "aegis"), fromBech32(bob.address, "aegis")];
    validateBasicTx(tx, { signers });
    verifyTxSignatures(tx, { chainId: CHAIN_ID, accounts: [{ accountNumber: 7n }, { accountNumber: 7n }] });
    // Signers listed in the wrong order: the pubkey at index 0 does not derive signers[0].
    const err = expectTxError(() => validateBasicTx(tx, { signers: [signers[1]!, signers[0]!] }), "TX_ERROR_PUBKEY_SIGNER_MISMATCH", 8);
    expect(err.log).toBe(`pubKey does not match signer address ${bob.address} with signer index: 0: invalid pubkey`);
    expectTxError(() => validateBasicTx(tx, { signers: [signers[0]!] }), "TX_ERROR_SIGNER_COUNT_MISMATCH", 4);
    expectTxError(() => validateBasicTx(tx, { signers: [signers[0]!, signers[0]!] }), "TX_ERROR_DUPLICATE_SIGNER", 4);
    expectTxError(() => decodeTx(bytes, { maxSignatures: 1 }), "TX_ERROR_TOO_MANY_SIGNATURES", 14);
  });

  test("accepts cosmjs simulate() requests only with simulate: true", async () => {
    // Byte-for-byte what @cosmjs/stargate's tx query extension sends to Simulate.
    const simulateBytes = Tx.encode(
      Tx.fromPartial({
        authInfo: AuthInfo.fromPartial({
          fee: {},
          signerInfos: [{ publicKey: anyPubkey(alice.pubkey), sequence: 2n, modeInfo: { single: { mode: SignMode.SIGN_MODE_UNSPECIFIED } } }],
        }),
        body: TxBody.fromPartial({ messages: [registry.encodeAsAny(msgSend(alice.address, RECIPIENT, [{ denom: "uaeg", amount: "9" }]))], memo: "sim" }),
        signatures: [new Uint8Array()],
      }),
    ).finish();
    const tx = decodeTx(simulateBytes, { simulate: true });
    expect(tx.signerInfos[0]).toEqual({ publicKey: alice.pubkey, sequence: 2n, signMode: "SIGN_MODE_UNSPECIFIED" });
    expect(tx.fee).toEqual({ amount: [], gasLimit: 0n, payer: "", granter: "" });
    expect(tx.signatures[0]).toHaveLength(0);
    const err = expectTxError(() => decodeTx(simulateBytes), "TX_ERROR_UNSUPPORTED_SIGN_MODE", 4);
    expect(err.message).toContain("SIGN_MODE_UNSPECIFIED");
    // Simulated txs never verify.
    expectTxError(() => verifyTxSignatures(tx, { chainId: CHAIN_ID, accounts: [{ accountNumber: 7n }] }), "TX_ERROR_SIGNATURE_VERIFICATION_FAILED");
  });
});

describe("decodeTx rejects malformed bytes with ErrTxDecode", () => {
  let good: { bytes: Uint8Array; txRaw: TxRaw };
  beforeAll(async () => {
    good = await signWithClient({ signer: alice, memo: "m" });
  });

  test("garbage, empty and truncated bytes", () => {
    const e = expectTxError(() => decodeTx(Uint8Array.of(0xff, 0xff, 0xff, 0xff)), "TX_ERROR_DECODE", 2);
    expect(e.log).toMatch(/: tx parse error$/);
    expectTxError(() => decodeTx(new Uint8Array(0)), "TX_ERROR_DECODE", 2);
    expectTxError(() => decodeTx(Uint8Array.from(Buffer.from("not a transaction"))), "TX_ERROR_DECODE", 2);
    for (const cut of [1, 2, 5, 40, good.bytes.length - 1]) {
      expectTxError(() => decodeTx(good.bytes.subarray(0, cut)), "TX_ERROR_DECODE", 2);
    }
  });

  test("unknown fields: rejected in TxRaw and AuthInfo, and critical ones in TxBody", () => {
    const { bodyBytes, authInfoBytes, signatures } = good.txRaw;
    expectTxError(() => decodeTx(concat(good.bytes, lengthDelimited(4, [1, 2]))), "TX_ERROR_DECODE");
    expectTxError(() => decodeTx(encodeTxRaw(concat(bodyBytes, lengthDelimited(6, [1])), authInfoBytes, signatures)), "TX_ERROR_DECODE");
    expectTxError(() => decodeTx(encodeTxRaw(bodyBytes, concat(authInfoBytes, lengthDelimited(9, [1])), signatures)), "TX_ERROR_DECODE");
    // Non-critical (field number has bit 1024 set) unknown fields in TxBody are tolerated, as in the SDK.
    const tx = decodeTx(encodeTxRaw(concat(bodyBytes, lengthDelimited(1025, [1])), authInfoBytes, signatures));
    expect(tx.hasNonCriticalExtensions).toBe(true);
  });

  test("ADR-027 TxRaw: out-of-order and repeated singular fields", () => {
    const { bodyBytes, authInfoBytes, signatures } = good.txRaw;
    const reordered = concat(lengthDelimited(2, authInfoBytes), lengthDelimited(1, bodyBytes), lengthDelimited(3, signatures[0]!));
    expect(expectTxError(() => decodeTx(reordered), "TX_ERROR_DECODE").message).toContain("ascending");
    const repeated = concat(lengthDelimited(1, bodyBytes), lengthDelimited(1, bodyBytes), lengthDelimited(2, authInfoBytes), lengthDelimited(3, signatures[0]!));
    expect(expectTxError(() => decodeTx(repeated), "TX_ERROR_DECODE").message).toContain("more than once");
  });

  test("non-minimal varints, wrong wire types and invalid UTF-8", () => {
    const { bodyBytes, authInfoBytes, signatures } = good.txRaw;
    // body_bytes with its length prefix padded by a 0x80-continued zero byte: same value, other bytes.
    const len = varint(bodyBytes.length);
    len[len.length - 1]! |= 0x80;
    const padded = concat([0x0a, ...len, 0x00], bodyBytes, lengthDelimited(2, authInfoBytes), lengthDelimited(3, signatures[0]!));
    expect(expectTxError(() => decodeTx(padded), "TX_ERROR_DECODE").message).toContain("minimal");
    // The same inside the body: a padded timeout_height varint.
    const paddedBody = concat(bodyBytes, [0x18, 0x85, 0x00]);
    expect(expectTxError(() => decodeTx(encodeTxRaw(paddedBody, authInfoBytes, signatures)), "TX_ERROR_DECODE").message).toContain("minimal");
    // memo (field 2, a string) sent as a varint.
    const wrongWire = concat(bodyBytes, [0x10, 0x01]);
    expectTxError(() => decodeTx(encodeTxRaw(wrongWire, authInfoBytes, signatures)), "TX_ERROR_DECODE");
    // memo bytes that are not UTF-8 (cosmjs-types would silently decode them to U+FFFD).
    const messagesOnly = TxBody.encode(TxBody.fromPartial({ messages: TxBody.decode(bodyBytes).messages })).finish();
    const badUtf8 = concat(messagesOnly, lengthDelimited(2, [0xc3, 0x28]));
    expect(expectTxError(() => decodeTx(encodeTxRaw(badUtf8, authInfoBytes, signatures)), "TX_ERROR_DECODE").message).toContain("UTF-8");
  });

  test("cosmjs-types 0.11 corrupts uint64 values in [2^31, 2^32): such cosmjs-signed txs are rejected, not misread", async () => {
    // The writer emits one truncated byte plus four zero bytes; Go and this decoder both see a field-0 tag.
    const { bytes } = await signWithClient({ signer: alice, sequence: 2 ** 31 });
    expect(expectTxError(() => decodeTx(bytes), "TX_ERROR_DECODE", 2).message).toContain("field number 0");
    // Just below and above the range encode correctly.
    expect(decodeTx((await signWithClient({ signer: alice, sequence: 2 ** 31 - 1 })).bytes).signerInfos[0]!.sequence).toBe(2n ** 31n - 1n);
    expect(decodeTx((await signWithClient({ signer: alice, sequence: 2 ** 32 })).bytes).signerInfos[0]!.sequence).toBe(2n ** 32n);
  });

  test("missing fee, oversized timeout height, bad message type URL", async () => {
    const authNoFee = AuthInfo.encode(
      AuthInfo.fromPartial({ signerInfos: [{ publicKey: anyPubkey(alice.pubkey), modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } } }] }),
    ).finish();
    expect(expectTxError(() => decodeTx(encodeTxRaw(good.txRaw.bodyBytes, authNoFee, good.txRaw.signatures)), "TX_ERROR_DECODE").message).toContain(
      "missing fee",
    );
    const farTimeout = await signManually({ signers: [alice], timeoutHeight: 1n << 60n });
    expectTxError(() => decodeTx(farTimeout.bytes), "TX_ERROR_DECODE");
    const noSlash = TxBody.encode(TxBody.fromPartial({ messages: [{ typeUrl: "cosmos.bank.v1beta1.MsgSend", value: new Uint8Array() }] })).finish();
    expectTxError(() => decodeTx(encodeTxRaw(noSlash, good.txRaw.authInfoBytes, good.txRaw.signatures)), "TX_ERROR_DECODE");
  });
});

describe("decodeTx limits and transaction rules", () => {
  test("no messages", async () => {
    const { bytes } = await signManually({ signers: [alice], messages: [] });
    const err = expectTxError(() => decodeTx(bytes), "TX_ERROR_NO_MESSAGES", 18);
    expect(err.log).toBe("must contain at least one message: invalid request");
  });

  test("too many messages", async () => {
    const msgs = Array.from({ length: 33 }, () => msgSend(alice.address, RECIPIENT, [{ denom: "uaeg", amount: "1" }]));
    const { bytes } = await signManually({ signers: [alice], messages: msgs });
    expectTxError(() => decodeTx(bytes), "TX_ERROR_TOO_MANY_MESSAGES", 18);
    expect(decodeTx(bytes, { maxMessages: 33 }).messages).toHaveLength(33);
  });

  test("no signatures", async () => {
    const { bodyBytes, authInfoBytes } = await signManually({ signers: [alice] });
    const err = expectTxError(() => decodeTx(encodeTxRaw(bodyBytes, authInfoBytes, [])), "TX_ERROR_NO_SIGNATURES", 15);
    expect(err.log).toBe("no signatures supplied");
  });

  test("two signatures for one signer", async () => {
    const { bodyBytes, authInfoBytes, signatures } = await signManually({ signers: [alice] });
    // One signer info, two signatures.
    const e1 = expectTxError(() => decodeTx(encodeTxRaw(bodyBytes, authInfoBytes, [signatures[0]!, signatures[0]!])), "TX_ERROR_SIGNER_COUNT_MISMATCH", 4);
    expect(e1.log).toBe("wrong number of signatures; expected 1, got 2: unauthorized");
    // Two signer infos for the same key, each with a (valid) signature.
    const twice = await signManually({ signers: [alice, alice] });
    expectTxError(() => decodeTx(twice.bytes), "TX_ERROR_DUPLICATE_SIGNER", 4);
  });

  test("wrong chain id or account number: the signature does not verify", async () => {
    const { bytes } = await signWithClient({ signer: alice });
    const tx = decodeTx(bytes);
    const ok = { chainId: CHAIN_ID, accounts: [{ accountNumber: BigInt(ACCOUNT_NUMBER) }] };
    verifyTxSignatures(tx, ok);
    const e1 = expectTxError(() => verifyTxSignatures(tx, { ...ok, chainId: "aegis-test-2" }), "TX_ERROR_SIGNATURE_VERIFICATION_FAILED", 4);
    expect(e1.log).toBe("signature verification failed; please verify account number (7) and chain-id (aegis-test-2): unauthorized");
    expectTxError(() => verifyTxSignatures(tx, { ...ok, accounts: [{ accountNumber: 8n }] }), "TX_ERROR_SIGNATURE_VERIFICATION_FAILED", 4);
    // The same tx signed for another chain id decodes fine but fails here.
    const other = decodeTx((await signWithClient({ signer: alice, chainId: "other-chain" })).bytes);
    expectTxError(() => verifyTxSignatures(other, ok), "TX_ERROR_SIGNATURE_VERIFICATION_FAILED", 4);
  });

  test("tampered body or auth info", async () => {
    const { txRaw } = await signWithClient({ signer: alice, memo: "pay 1" });
    const verify = (tx: DecodedTx): void => verifyTxSignatures(tx, { chainId: CHAIN_ID, accounts: [{ accountNumber: 7n }] });
    verify(decodeTx(TxRaw.encode(txRaw).finish()));
    // Change the memo inside the signed body: still well-formed, no longer signed.
    const body = Uint8Array.from(txRaw.bodyBytes);
    const at = Buffer.from(body).indexOf("pay 1");
    body[at + 4] = "9".charCodeAt(0);
    const tamperedBody = decodeTx(encodeTxRaw(body, txRaw.authInfoBytes, txRaw.signatures));
    expect(tamperedBody.memo).toBe("pay 9");
    expectTxError(() => verify(tamperedBody), "TX_ERROR_SIGNATURE_VERIFICATION_FAILED", 4);
    // Raise the fee in the auth info.
    const auth = AuthInfo.decode(txRaw.authInfoBytes);
    auth.fee!.amount = [{ denom: "uaeg", amount: "1" }];
    const tamperedAuth = decodeTx(encodeTxRaw(txRaw.bodyBytes, AuthInfo.encode(auth).finish(), txRaw.signatures));
    expectTxError(() => verify(tamperedAuth), "TX_ERROR_SIGNATURE_VERIFICATION_FAILED", 4);
  });

  test("high-S signature (s' = n - s) is rejected; its low-S twin is accepted", async () => {
    const { txRaw } = await signWithClient({ signer: alice });
    const sig = txRaw.signatures[0]!;
    const n = secp256k1.Point.CURVE().n;
    const s = BigInt("0x" + Buffer.from(sig.subarray(32)).toString("hex"));
    expect(s <= n / 2n).toBe(true); // cosmjs produces low-S
    const highS = Uint8Array.from([...sig.subarray(0, 32), ...Buffer.from((n - s).toString(16).padStart(64, "0"), "hex")]);
    const signBytes = computeDirectSignBytes({ bodyBytes: txRaw.bodyBytes, authInfoBytes: txRaw.authInfoBytes, chainId: CHAIN_ID, accountNumber: 7n });
    const digest = Uint8Array.from(cosmjsSha256(signBytes));
    // The twin is a mathematically valid ECDSA signature (noble accepts it with lowS: false)...
    expect(secp256k1.verify(highS, digest, alice.pubkey, { prehash: false, lowS: false })).toBe(true);
    // ...but Cosmos requires low-S.
    expect(verifyDirectSignature(alice.pubkey, signBytes, highS)).toBe(false);
    expect(verifyDirectSignature(alice.pubkey, signBytes, sig)).toBe(true);
    const tx = decodeTx(encodeTxRaw(txRaw.bodyBytes, txRaw.authInfoBytes, [highS]));
    expectTxError(() => verifyTxSignatures(tx, { chainId: CHAIN_ID, accounts: [{ accountNumber: 7n }] }), "TX_ERROR_SIGNATURE_VERIFICATION_FAILED", 4);
  });

  test("signatures that are not 64 bytes", async () => {
    const { bodyBytes, authInfoBytes, signatures } = await signManually({ signers: [alice] });
    expectTxError(() => decodeTx(encodeTxRaw(bodyBytes, authInfoBytes, [signatures[0]!.subarray(0, 63)])), "TX_ERROR_MALFORMED_SIGNATURE", 4);
    expectTxError(() => decodeTx(encodeTxRaw(bodyBytes, authInfoBytes, [new Uint8Array(0)])), "TX_ERROR_MALFORMED_SIGNATURE", 4);
  });

  test("SIGN_MODE_LEGACY_AMINO_JSON is decoded (its signature is verified over the amino sign doc: signModes.test.ts)", async () => {
    const { bytes } = await signManually({ signers: [alice], signMode: SignMode.SIGN_MODE_LEGACY_AMINO_JSON });
    expect(decodeTx(bytes).signerInfos.map((s) => s.signMode)).toEqual(["SIGN_MODE_LEGACY_AMINO_JSON"]);
  });

  // As the SDK answers a mode it cannot verify: ErrUnauthorized (its SigVerificationDecorator).
  test.each([
    ["SIGN_MODE_TEXTUAL", SignMode.SIGN_MODE_TEXTUAL],
    ["SIGN_MODE_DIRECT_AUX", SignMode.SIGN_MODE_DIRECT_AUX],
    ["SIGN_MODE_EIP_191", SignMode.SIGN_MODE_EIP_191],
    ["SIGN_MODE_UNSPECIFIED", SignMode.SIGN_MODE_UNSPECIFIED],
    ["SIGN_MODE(42)", 42 as SignMode],
  ])("sign mode %s is not supported", async (name, mode) => {
    const { bytes } = await signManually({ signers: [alice], signMode: mode });
    const err = expectTxError(() => decodeTx(bytes), "TX_ERROR_UNSUPPORTED_SIGN_MODE", 4);
    expect(err.log).toBe(`signer 0: unsupported sign mode ${name}: unauthorized`);
  });

  test("multisig mode info is not supported", async () => {
    const authInfoBytes = AuthInfo.encode(
      AuthInfo.fromPartial({
        signerInfos: [{ publicKey: anyPubkey(alice.pubkey), modeInfo: { multi: { bitarray: { extraBitsStored: 1, elems: Uint8Array.of(0x80) }, modeInfos: [{ single: { mode: SignMode.SIGN_MODE_DIRECT } }] } } }],
        fee: { amount: [], gasLimit: 1n },
      }),
    ).finish();
    const { bytes } = await signManually({ signers: [alice], authInfoBytes });
    expectTxError(() => decodeTx(bytes), "TX_ERROR_UNSUPPORTED_SIGN_MODE", 4);
  });

  test("bad public keys", async () => {
    const authWith = (publicKey: { typeUrl: string; value: Uint8Array }): Uint8Array =>
      AuthInfo.encode(AuthInfo.fromPartial({ signerInfos: [{ publicKey, modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } } }], fee: { gasLimit: 1n } })).finish();
    const secpAny = (key: Uint8Array): { typeUrl: string; value: Uint8Array } => ({
      typeUrl: "/cosmos.crypto.secp256k1.PubKey",
      value: Uint8Array.from(lengthDelimited(1, key)),
    });
    // x = 5: 5^3 + 7 = 132 is not a square mod p, so no curve point has this x.
    const offCurve = new Uint8Array(33);
    offCurve[0] = 0x02;
    offCurve[32] = 5;
    const uncompressed = secp256k1.Point.fromBytes(alice.pubkey).toBytes(false);
    const bad: [string, { typeUrl: string; value: Uint8Array }][] = [
      ["not on the curve", secpAny(offCurve)],
      ["65-byte uncompressed", secpAny(uncompressed)],
      ["wrong prefix byte", secpAny(Uint8Array.from([0x04, ...alice.pubkey.subarray(1)]))],
      ["ed25519 key type", { typeUrl: "/cosmos.crypto.ed25519.PubKey", value: Uint8Array.from(lengthDelimited(1, new Uint8Array(32))) }],
      ["garbage PubKey message", { typeUrl: "/cosmos.crypto.secp256k1.PubKey", value: Uint8Array.of(0xff, 0x01) }],
    ];
    for (const [label, pk] of bad) {
      const { bytes } = await signManually({ signers: [alice], authInfoBytes: authWith(pk) });
      const err = expectTxError(() => decodeTx(bytes), "TX_ERROR_INVALID_PUBKEY", 8);
      expect([label, err.log]).toEqual([label, expect.stringMatching(/^signer 0: .*: invalid pubkey$/)]);
    }
    expectTxError(() => computeAccountAddress(offCurve), "TX_ERROR_INVALID_PUBKEY", 8);
    expectTxError(() => computeAccountAddress(uncompressed), "TX_ERROR_INVALID_PUBKEY", 8);
    expect(verifyDirectSignature(offCurve, new Uint8Array(1), new Uint8Array(64))).toBe(false);
  });

  test("oversize tx", async () => {
    const { bytes } = await signWithClient({ signer: alice });
    const err = expectTxError(() => decodeTx(bytes, { maxTxBytes: bytes.length - 1 }), "TX_ERROR_TOO_LARGE", 21);
    expect(err.log).toBe(`tx size ${bytes.length} bytes exceeds the limit of ${bytes.length - 1} bytes: tx too large`);
    expect(decodeTx(bytes, { maxTxBytes: bytes.length }).size).toBe(bytes.length);
    // Default limit 64 KiB, checked before parsing.
    expectTxError(() => decodeTx(new Uint8Array(64 * 1024 + 1)), "TX_ERROR_TOO_LARGE", 21);
    const big = await signManually({
      signers: [alice],
      messages: [msgSend(alice.address, RECIPIENT, Array.from({ length: 1600 }, (_, i) => ({ denom: `denom${i}`, amount: "1000000000000000000000000000000" })))],
    });
    expect(big.bytes.length).toBeGreaterThan(64 * 1024);
    expectTxError(() => decodeTx(big.bytes), "TX_ERROR_TOO_LARGE", 21);
  });

  test("memo too long (counted in UTF-8 bytes, as the SDK's len(memo))", async () => {
    expect(decodeTx((await signWithClient({ signer: alice, memo: "x".repeat(256) })).bytes).memo).toHaveLength(256);
    const long = await signWithClient({ signer: alice, memo: "x".repeat(257) });
    const err = expectTxError(() => decodeTx(long.bytes), "TX_ERROR_MEMO_TOO_LARGE", 12);
    expect(err.log).toBe("maximum number of characters is 256 but received 257 characters: memo too large");
    expect(decodeTx(long.bytes, { maxMemoBytes: 257 }).memo).toHaveLength(257);
    // 128 two-byte characters are 256 bytes (accepted); 129 are 258 bytes (rejected).
    expect(decodeTx((await signWithClient({ signer: alice, memo: "é".repeat(128) })).bytes).memo).toBe("é".repeat(128));
    const multi = await signWithClient({ signer: alice, memo: "é".repeat(129) });
    expect(expectTxError(() => decodeTx(multi.bytes), "TX_ERROR_MEMO_TOO_LARGE", 12).type).toMatchObject({ length: 258, limit: 256 });
  });

  test("invalid fee coins", async () => {
    const withFee = (amount: { denom: string; amount: string }[]) => signManually({ signers: [alice], fee: { amount, gasLimit: 200000 } });
    const cases: [string, { denom: string; amount: string }[], RegExp][] = [
      ["negative", [{ denom: "uaeg", amount: "-1" }], /negative amount "-1"uaeg/],
      ["non-numeric", [{ denom: "uaeg", amount: "abc" }], /invalid amount/],
      ["leading zero", [{ denom: "uaeg", amount: "01" }], /invalid amount/],
      ["hex", [{ denom: "uaeg", amount: "0x10" }], /invalid amount/],
      ["empty amount", [{ denom: "uaeg", amount: "" }], /invalid amount/],
      ["over 256 bits", [{ denom: "uaeg", amount: (1n << 256n).toString() }], /256 bits/],
      ["denom starts with digit", [{ denom: "1aeg", amount: "1" }], /invalid denom/],
      ["denom too short", [{ denom: "ua", amount: "1" }], /invalid denom/],
      ["denom with space", [{ denom: "u aeg", amount: "1" }], /invalid denom/],
      ["duplicate denom", [{ denom: "uaeg", amount: "1" }, { denom: "uaeg", amount: "2" }], /duplicate denomination uaeg/],
    ];
    for (const [label, amount, pattern] of cases) {
      const { bytes } = await withFee(amount);
      const err = expectTxError(() => decodeTx(bytes), "TX_ERROR_INVALID_FEE", 13);
      expect([label, err.log]).toEqual([label, expect.stringMatching(pattern)]);
      expect(err.log).toMatch(/^invalid fee provided: .*: insufficient fee$/);
    }
    // Zero, IBC-style and maximal amounts are fine.
    const ok = await withFee([
      { denom: "uaeg", amount: "0" },
      { denom: "ibc/27394FB092D2ECCD56123C74F36E4C1F926001CEADA9CA97EA622B25F41E5EB2", amount: ((1n << 256n) - 1n).toString() },
    ]);
    expect(decodeTx(ok.bytes).fee.amount.map((c) => c.amount)).toEqual([0n, (1n << 256n) - 1n]);
  });

  test("unsupported transaction features", async () => {
    const { txRaw } = await signWithClient({ signer: alice });
    const body = TxBody.decode(txRaw.bodyBytes);
    const withBody = (b: Partial<TxBody>): Uint8Array => encodeTxRaw(TxBody.encode(TxBody.fromPartial({ ...body, ...b })).finish(), txRaw.authInfoBytes, txRaw.signatures);
    expectTxError(() => decodeTx(withBody({ unordered: true })), "TX_ERROR_UNSUPPORTED_FEATURE", 37);
    expectTxError(() => decodeTx(withBody({ timeoutTimestamp: { seconds: 1n, nanos: 0 } })), "TX_ERROR_UNSUPPORTED_FEATURE", 37);
    const ext = expectTxError(() => decodeTx(withBody({ extensionOptions: [{ typeUrl: "/ethermint.types.v1.ExtensionOptionsWeb3Tx", value: new Uint8Array() }] })), "TX_ERROR_UNKNOWN_EXTENSION_OPTIONS", 31);
    expect(ext.log).toBe("unknown extension options: /ethermint.types.v1.ExtensionOptionsWeb3Tx: unknown extension options");
    // Non-critical extension options are ignored, as in the SDK.
    expect(decodeTx(withBody({ nonCriticalExtensionOptions: [{ typeUrl: "/x.Y", value: new Uint8Array() }] })).hasNonCriticalExtensions).toBe(true);
    const auth = AuthInfo.decode(txRaw.authInfoBytes);
    const withTip = AuthInfo.encode({ ...auth, tip: { amount: [{ denom: "uaeg", amount: "1" }], tipper: alice.address } }).finish();
    expectTxError(() => decodeTx(encodeTxRaw(txRaw.bodyBytes, withTip, txRaw.signatures)), "TX_ERROR_UNSUPPORTED_FEATURE", 37);
  });
});

describe("validateBasicTx", () => {
  test("gas limit, fee payer/granter addresses and chain id", async () => {
    const base = (fee: { payer?: string; granter?: string; gasLimit?: number }) =>
      signManually({ signers: [alice], fee: { amount: [{ denom: "uaeg", amount: "1" }], gasLimit: fee.gasLimit ?? 100000, payer: fee.payer, granter: fee.granter } });
    validateBasicTx(decodeTx((await base({ payer: alice.address, granter: bob.address })).bytes), { chainId: CHAIN_ID });

    const plain = await base({});
    const bigGas = decodeTx(
      encodeTxRaw(
        plain.bodyBytes,
        makeAuthInfoBytes([{ pubkey: anyPubkey(alice.pubkey), sequence: 0 }], [], Number.MAX_SAFE_INTEGER, undefined, undefined),
        plain.signatures,
      ),
    );
    validateBasicTx(bigGas);
    const hugeGasAuth = AuthInfo.encode(
      AuthInfo.fromPartial({ signerInfos: [{ publicKey: anyPubkey(alice.pubkey), modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } } }], fee: { gasLimit: 1n << 63n } }),
    ).finish();
    const huge = decodeTx(encodeTxRaw(plain.bodyBytes, hugeGasAuth, plain.signatures));
    const gasErr = expectTxError(() => validateBasicTx(huge), "TX_ERROR_INVALID_GAS", 18);
    expect(gasErr.log).toBe("invalid gas supplied; 9223372036854775808 > 9223372036854775807: invalid request");

    const cosmosAddr = cosmjsToBech32("cosmos", fromBech32(alice.address, "aegis"));
    const wrongPayer = decodeTx((await base({ payer: cosmosAddr })).bytes);
    expectTxError(() => validateBasicTx(wrongPayer), "TX_ERROR_ADDRESS_WRONG_PREFIX", 7);
    const badGranter = decodeTx((await base({ granter: "aegis1notanaddress" })).bytes);
    expectTxError(() => validateBasicTx(badGranter), "TX_ERROR_ADDRESS_MALFORMED", 7);

    const tx = decodeTx(plain.bytes);
    expectTxError(() => validateBasicTx(tx, { chainId: "" }), "TX_ERROR_INVALID_CHAIN_ID", 28);
    expectTxError(() => validateBasicTx(tx, { chainId: "a".repeat(51) }), "TX_ERROR_INVALID_CHAIN_ID", 28);
    expectTxError(() => validateBasicTx(tx, { chainId: "has space" }), "TX_ERROR_INVALID_CHAIN_ID", 28);
  });
});

test("isTxError narrows by code", () => {
  expect(isTxError(new TxError({ code: "TX_ERROR_NO_MESSAGES" }), "TX_ERROR_NO_MESSAGES")).toBe(true);
  expect(isTxError(new TxError({ code: "TX_ERROR_NO_MESSAGES" }), "TX_ERROR_DECODE")).toBe(false);
  expect(isTxError(new Error("x"))).toBe(false);
});
