/**
 * Sign modes, signer by signer (pure decodeTx / verifyTxSignatures / computeAminoSignBytes):
 * SIGN_MODE_DIRECT and SIGN_MODE_LEGACY_AMINO_JSON in any mix, as the SDK allows; every other mode is
 * refused with the SDK's ErrUnauthorized (code 4); an amino signature covers the messages, memo, fee,
 * timeout height, chain id, account number and sequence, and nothing it does not cover can be added
 * (unknown non-critical fields, non-critical extension options).
 */
import { makeSignDoc as makeAminoSignDoc, type Secp256k1HdWallet, type StdFee } from "@cosmjs/amino";
import { Secp256k1HdWallet as AminoWallet } from "@cosmjs/amino";
import { makeCosmoshubPath, makeSignDoc, type EncodeObject } from "@cosmjs/proto-signing";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { createAegisAminoTypes } from "./aminoFixtures.js";
import { computeAminoSignBytes, decodeTx, TxError, verifyTxSignatures, type SignerAccount, type TxErrorCode } from "../../src/tx/index.js";
import { anyPubkey, CHAIN_ID, MNEMONIC, msgSend, RECIPIENT, registry, testSigners, type Signer } from "./txFixtures.js";

const DIRECT = SignMode.SIGN_MODE_DIRECT;
const AMINO = SignMode.SIGN_MODE_LEGACY_AMINO_JSON;
const FEE: StdFee = { amount: [{ denom: "uaeg", amount: "5000" }], gas: "200000" };
const aminoTypes = createAegisAminoTypes();

let alice: Signer;
let bob: Signer;
let amino: Secp256k1HdWallet;

beforeAll(async () => {
  [alice, bob] = await testSigners();
  amino = await AminoWallet.fromMnemonic(MNEMONIC, { prefix: "aegis", hdPaths: [makeCosmoshubPath(0), makeCosmoshubPath(1)] });
});

interface Part {
  /** Resolved when the test runs (the wallets are made in beforeAll). */
  who: "alice" | "bob";
  mode: SignMode;
  accountNumber: number;
  sequence: number;
}

interface BuildParams {
  parts: Part[];
  messages?: EncodeObject[];
  memo?: string;
  timeoutHeight?: bigint;
  fee?: StdFee;
  /** What the amino signers sign, when it differs from what the transaction says (a forgery's). */
  aminoSigned?: Partial<{ memo: string; fee: StdFee; timeoutHeight: bigint; sequence: number; accountNumber: number; chainId: string }>;
  nonCriticalExtension?: boolean;
}

/** A transaction of several signers, each in its own mode: direct signers sign the SignDoc of these exact bytes, amino signers cosmjs's amino sign doc. */
async function build(p: BuildParams): Promise<Uint8Array> {
  const messages = p.messages ?? p.parts.map((part) => msgSend(signerOf(part).address, RECIPIENT, [{ denom: "uaeg", amount: "10" }]));
  const memo = p.memo ?? "mixed";
  const fee = p.fee ?? FEE;
  const bodyBytes = TxBody.encode(
    TxBody.fromPartial({
      messages: messages.map((m) => registry.encodeAsAny(m)),
      memo,
      timeoutHeight: p.timeoutHeight ?? 0n,
      nonCriticalExtensionOptions: p.nonCriticalExtension ? [registry.encodeAsAny(msgSend(alice.address, RECIPIENT, []))] : [],
    }),
  ).finish();
  const authInfoBytes = AuthInfo.encode(
    AuthInfo.fromPartial({
      signerInfos: p.parts.map((part) => ({ publicKey: anyPubkey(signerOf(part).pubkey), modeInfo: { single: { mode: part.mode } }, sequence: BigInt(part.sequence) })),
      fee: { amount: fee.amount.map((c) => ({ ...c })), gasLimit: BigInt(fee.gas), payer: fee.payer ?? "", granter: fee.granter ?? "" },
    }),
  ).finish();
  const signatures: Uint8Array[] = [];
  for (const part of p.parts) {
    const signer = signerOf(part);
    if (part.mode === DIRECT) {
      const { signature } = await signer.wallet.signDirect(signer.address, makeSignDoc(bodyBytes, authInfoBytes, CHAIN_ID, part.accountNumber));
      signatures.push(Buffer.from(signature.signature, "base64"));
    } else {
      const s = p.aminoSigned ?? {};
      const doc = makeAminoSignDoc(
        messages.map((m) => aminoTypes.toAmino(m)),
        s.fee ?? fee,
        s.chainId ?? CHAIN_ID,
        s.memo ?? memo,
        s.accountNumber ?? part.accountNumber,
        s.sequence ?? part.sequence,
        s.timeoutHeight ?? p.timeoutHeight,
      );
      const { signature } = await amino.signAmino(signer.address, doc);
      signatures.push(Buffer.from(signature.signature, "base64"));
    }
  }
  return TxRaw.encode(TxRaw.fromPartial({ bodyBytes, authInfoBytes, signatures })).finish();
}

const signerOf = (p: Part): Signer => (p.who === "alice" ? alice : bob);
const accountsOf = (parts: Part[]): SignerAccount[] => parts.map((p) => ({ accountNumber: BigInt(p.accountNumber), publicKey: null }));

function expectTxError(fn: () => unknown, code: TxErrorCode, abciCode: number): TxError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(TxError);
  const err = caught as TxError;
  expect({ code: err.type.code, abci: err.abciCode }).toEqual({ code, abci: abciCode });
  return err;
}

describe("mixes of sign modes", () => {
  const a = (mode: SignMode): Part => ({ who: "alice", mode, accountNumber: 7, sequence: 1 });
  const b = (mode: SignMode): Part => ({ who: "bob", mode, accountNumber: 12, sequence: 4 });

  test.each([
    ["direct", [a(DIRECT)]],
    ["amino", [a(AMINO)]],
    ["direct + amino", [a(DIRECT), b(AMINO)]],
    ["amino + direct", [a(AMINO), b(DIRECT)]],
    ["amino + amino", [a(AMINO), b(AMINO)]],
  ])("%s: every signature verifies", async (_name, parts) => {
    const tx = decodeTx(await build({ parts }));
    expect(tx.signerInfos.map((s) => s.signMode)).toEqual(parts.map((p) => (p.mode === DIRECT ? "SIGN_MODE_DIRECT" : "SIGN_MODE_LEGACY_AMINO_JSON")));
    expect(() => verifyTxSignatures(tx, { chainId: CHAIN_ID, accounts: accountsOf(parts) })).not.toThrow();
  });

  test("a signature checked in the other mode fails, with the signer's index", async () => {
    const parts = [a(DIRECT), b(AMINO)];
    const bytes = await build({ parts });
    const raw = TxRaw.decode(bytes);
    const info = AuthInfo.decode(raw.authInfoBytes);
    // The signer infos claim the other modes; the signatures stay.
    for (const [i, mode] of [[0, AMINO], [1, DIRECT]] as const) {
      const swapped = AuthInfo.fromPartial({ ...info, signerInfos: info.signerInfos.map((s, j) => (j === i ? { ...s, modeInfo: { single: { mode } } } : s)) });
      const tx = decodeTx(TxRaw.encode({ ...raw, authInfoBytes: AuthInfo.encode(swapped).finish() }).finish());
      const err = expectTxError(() => verifyTxSignatures(tx, { chainId: CHAIN_ID, accounts: accountsOf(parts) }), "TX_ERROR_SIGNATURE_VERIFICATION_FAILED", 4);
      // The direct signer's signature covered the auth info, so changing it fails signer 0 first.
      expect(err.type).toMatchObject({ signerIndex: 0 });
    }
  });

  test("the amino signer's account number and the chain id are in its sign doc", async () => {
    const parts = [a(DIRECT), b(AMINO)];
    const tx = decodeTx(await build({ parts }));
    const err = expectTxError(() => verifyTxSignatures(tx, { chainId: CHAIN_ID, accounts: [{ accountNumber: 7n }, { accountNumber: 13n }] }), "TX_ERROR_SIGNATURE_VERIFICATION_FAILED", 4);
    expect(err.log).toBe(`signature verification failed; please verify account number (13) and chain-id (${CHAIN_ID}): unauthorized`);
    expectTxError(() => verifyTxSignatures(tx, { chainId: "other-chain", accounts: accountsOf(parts) }), "TX_ERROR_SIGNATURE_VERIFICATION_FAILED", 4);
  });
});

describe("an amino signature covers what the SDK's StdSignDoc covers", () => {
  const part: Part = { who: "alice", mode: AMINO, accountNumber: 7, sequence: 5 };
  const verify = async (p: Omit<BuildParams, "parts">) => {
    const tx = decodeTx(await build({ parts: [part], ...p }));
    return () => verifyTxSignatures(tx, { chainId: CHAIN_ID, accounts: accountsOf([part]) });
  };

  test("the same values verify", async () => {
    expect(await verify({ memo: "m", timeoutHeight: 9n })).not.toThrow();
  });

  test.each<[string, Omit<BuildParams, "parts">]>([
    ["another memo", { memo: "m", aminoSigned: { memo: "n" } }],
    ["another fee amount", { aminoSigned: { fee: { ...FEE, amount: [{ denom: "uaeg", amount: "5001" }] } } }],
    ["another gas limit", { aminoSigned: { fee: { ...FEE, gas: "200001" } } }],
    ["a fee payer the tx does not name", { aminoSigned: { fee: { ...FEE, payer: "aegis1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5w4fqsp" } } }],
    ["no timeout height", { timeoutHeight: 9n, aminoSigned: { timeoutHeight: 0n } }],
    ["another sequence", { aminoSigned: { sequence: 4 } }],
    ["another account number", { aminoSigned: { accountNumber: 8 } }],
    ["another chain", { aminoSigned: { chainId: "aegis-other-1" } }],
  ])("signed with %s: refused (code 4)", async (_name, p) => {
    expectTxError(await verify(p), "TX_ERROR_SIGNATURE_VERIFICATION_FAILED", 4);
  });

  test("another message than the one signed: refused", async () => {
    const signed = await build({ parts: [part] });
    const raw = TxRaw.decode(signed);
    const body = TxBody.decode(raw.bodyBytes);
    const other = TxBody.encode({ ...body, messages: [registry.encodeAsAny(msgSend(alice.address, RECIPIENT, [{ denom: "uaeg", amount: "11" }]))] }).finish();
    const tx = decodeTx(TxRaw.encode({ ...raw, bodyBytes: other }).finish());
    expectTxError(() => verifyTxSignatures(tx, { chainId: CHAIN_ID, accounts: accountsOf([part]) }), "TX_ERROR_SIGNATURE_VERIFICATION_FAILED", 4);
  });

  test("non-critical extension options: refused in amino mode (SDK: a malleability issue), fine in direct mode", async () => {
    const tx = decodeTx(await build({ parts: [part], nonCriticalExtension: true }));
    expect(tx.hasNonCriticalExtensions).toBe(true);
    const err = expectTxError(() => verifyTxSignatures(tx, { chainId: CHAIN_ID, accounts: accountsOf([part]) }), "TX_ERROR_AMINO_SIGN_DOC", 4);
    expect(err.log).toContain("signer 0: cannot build the SIGN_MODE_LEGACY_AMINO_JSON sign doc");
    const direct: Part = { ...part, mode: DIRECT };
    const directTx = decodeTx(await build({ parts: [direct], nonCriticalExtension: true }));
    expect(() => verifyTxSignatures(directTx, { chainId: CHAIN_ID, accounts: accountsOf([direct]) })).not.toThrow();
  });

  test("a message without an amino encoding, or whose bytes do not decode: TX_ERROR_AMINO_SIGN_DOC", async () => {
    const tx = decodeTx(await build({ parts: [part] }));
    const unknown = { ...tx, messages: [{ typeUrl: "/unknown.v1.MsgFoo", value: new Uint8Array(0) }] };
    const err = expectTxError(() => computeAminoSignBytes({ tx: unknown, chainId: CHAIN_ID, accountNumber: 7n, sequence: 5n, signerIndex: 0 }), "TX_ERROR_AMINO_SIGN_DOC", 4);
    expect(err.log).toBe("signer 0: cannot build the SIGN_MODE_LEGACY_AMINO_JSON sign doc: message 0 (/unknown.v1.MsgFoo): no amino JSON encoding for /unknown.v1.MsgFoo: unauthorized");
    for (const typeUrl of ["/cosmos.bank.v1beta1.MsgSend", "/aegis.staking.v1.MsgCreateValidator"]) {
      const broken = { ...tx, messages: [{ typeUrl, value: Uint8Array.of(0x0a, 0x05, 0x61) }] };
      expectTxError(() => computeAminoSignBytes({ tx: broken, chainId: CHAIN_ID, accountNumber: 7n, sequence: 5n, signerIndex: 0 }), "TX_ERROR_AMINO_SIGN_DOC", 4);
    }
  });
});

describe("other sign modes (SDK: ErrUnauthorized, code 4)", () => {
  test.each([
    ["SIGN_MODE_TEXTUAL", SignMode.SIGN_MODE_TEXTUAL],
    ["SIGN_MODE_DIRECT_AUX", SignMode.SIGN_MODE_DIRECT_AUX],
    ["SIGN_MODE_EIP_191", SignMode.SIGN_MODE_EIP_191],
    ["SIGN_MODE_UNSPECIFIED", SignMode.SIGN_MODE_UNSPECIFIED],
    ["SIGN_MODE(42)", 42 as SignMode],
  ])("%s, beside a valid direct signer", async (name, mode) => {
    const parts: Part[] = [{ who: "alice", mode: DIRECT, accountNumber: 7, sequence: 0 }, { who: "bob", mode: DIRECT, accountNumber: 8, sequence: 0 }];
    const raw = TxRaw.decode(await build({ parts }));
    const info = AuthInfo.decode(raw.authInfoBytes);
    info.signerInfos[1]!.modeInfo = { single: { mode } };
    const bytes = TxRaw.encode({ ...raw, authInfoBytes: AuthInfo.encode(info).finish() }).finish();
    const err = expectTxError(() => decodeTx(bytes), "TX_ERROR_UNSUPPORTED_SIGN_MODE", 4);
    expect(err.toAbci()).toEqual({ code: 4, codespace: "sdk", log: `signer 1: unsupported sign mode ${name}: unauthorized` });
  });

  test("a simulation may carry SIGN_MODE_UNSPECIFIED or SIGN_MODE_LEGACY_AMINO_JSON", async () => {
    for (const mode of [SignMode.SIGN_MODE_UNSPECIFIED, AMINO]) {
      const raw = TxRaw.decode(await build({ parts: [{ who: "alice", mode, accountNumber: 7, sequence: 0 }] }));
      const tx = decodeTx(TxRaw.encode({ ...raw, signatures: [new Uint8Array(0)] }).finish(), { simulate: true });
      expect(tx.signerInfos).toHaveLength(1);
    }
  });
});
