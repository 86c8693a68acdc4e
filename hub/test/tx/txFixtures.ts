import { encodeSecp256k1Pubkey } from "@cosmjs/amino";
import {
  DirectSecp256k1HdWallet,
  encodePubkey,
  makeAuthInfoBytes,
  makeCosmoshubPath,
  makeSignDoc,
  Registry,
  type EncodeObject,
} from "@cosmjs/proto-signing";
import { toBech32 } from "@cosmjs/encoding";
import { defaultRegistryTypes, SigningStargateClient, type StdFee } from "@cosmjs/stargate";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";

/** Public test mnemonics (cosmjs test vectors); never hold value. */
export const MNEMONIC =
  "surround miss nominee dream gap cross assault thank captain prosper drop duty group candy wealth weather scale put";
export const CHAIN_ID = "aegis-test-1";
export const ACCOUNT_NUMBER = 7;
export const RECIPIENT_BYTES = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
export const RECIPIENT = toBech32("aegis", RECIPIENT_BYTES);

export const registry = new Registry(defaultRegistryTypes);

export interface Signer {
  readonly wallet: DirectSecp256k1HdWallet;
  readonly address: string;
  readonly pubkey: Uint8Array;
}

let walletPromise: Promise<DirectSecp256k1HdWallet> | undefined;

/** Wallet with two accounts (HD paths m/44'/118'/0'/0/0 and .../1), prefix "aegis". */
export function testWallet(): Promise<DirectSecp256k1HdWallet> {
  walletPromise ??= DirectSecp256k1HdWallet.fromMnemonic(MNEMONIC, {
    prefix: "aegis",
    hdPaths: [makeCosmoshubPath(0), makeCosmoshubPath(1)],
  });
  return walletPromise;
}

export async function testSigners(): Promise<[Signer, Signer]> {
  const wallet = await testWallet();
  const [a, b] = await wallet.getAccounts();
  return [
    { wallet, address: a!.address, pubkey: a!.pubkey },
    { wallet, address: b!.address, pubkey: b!.pubkey },
  ];
}

export function msgSend(from: string, to: string, amount: { denom: string; amount: string }[]): EncodeObject {
  return { typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: MsgSend.fromPartial({ fromAddress: from, toAddress: to, amount }) };
}

export const DEFAULT_FEE: StdFee = { amount: [{ denom: "uaeg", amount: "5000" }], gas: "200000" };

export interface ClientTxParams {
  readonly signer: Signer;
  readonly messages?: readonly EncodeObject[];
  readonly fee?: StdFee;
  readonly memo?: string;
  readonly sequence?: number;
  readonly accountNumber?: number;
  readonly chainId?: string;
  readonly timeoutHeight?: bigint;
}

/**
 * Sign exactly as an application does: SigningStargateClient (offline, no RPC) `sign()` with explicit
 * signer data, then `TxRaw.encode(txRaw).finish()` as `signAndBroadcast` does before broadcasting.
 */
export async function signWithClient(p: ClientTxParams): Promise<{ txRaw: TxRaw; bytes: Uint8Array }> {
  const client = await SigningStargateClient.offline(p.signer.wallet);
  const messages = p.messages ?? [msgSend(p.signer.address, RECIPIENT, [{ denom: "uaeg", amount: "1234" }])];
  const txRaw = await client.sign(
    p.signer.address,
    messages,
    p.fee ?? DEFAULT_FEE,
    p.memo ?? "",
    { accountNumber: BigInt(p.accountNumber ?? ACCOUNT_NUMBER), sequence: p.sequence ?? 0, chainId: p.chainId ?? CHAIN_ID },
    p.timeoutHeight,
  );
  return { txRaw, bytes: TxRaw.encode(txRaw).finish() };
}

export function anyPubkey(pubkey: Uint8Array): Any {
  return encodePubkey(encodeSecp256k1Pubkey(pubkey));
}

export interface ManualTxParams {
  readonly signers: readonly Signer[];
  readonly bodyBytes?: Uint8Array;
  readonly messages?: readonly EncodeObject[];
  readonly memo?: string;
  readonly timeoutHeight?: bigint;
  readonly fee?: { amount: { denom: string; amount: string }[]; gasLimit: number; payer?: string; granter?: string };
  readonly sequences?: readonly number[];
  readonly signMode?: SignMode;
  readonly authInfoBytes?: Uint8Array;
  readonly accountNumber?: number;
  readonly chainId?: string;
}

/**
 * The same construction spelled out with the proto-signing primitives (registry TxBody encoding,
 * makeAuthInfoBytes, makeSignDoc, wallet.signDirect), so tests can vary each part. Every signer signs
 * the same SignDoc (same account number), which is enough for decoding tests.
 */
export async function signManually(p: ManualTxParams): Promise<{ bodyBytes: Uint8Array; authInfoBytes: Uint8Array; signatures: Uint8Array[]; bytes: Uint8Array }> {
  const first = p.signers[0]!;
  const bodyBytes =
    p.bodyBytes ??
    registry.encode({
      typeUrl: "/cosmos.tx.v1beta1.TxBody",
      value: {
        messages: p.messages ?? [msgSend(first.address, RECIPIENT, [{ denom: "uaeg", amount: "1234" }])],
        memo: p.memo ?? "",
        timeoutHeight: p.timeoutHeight,
      },
    });
  const fee = p.fee ?? { amount: [{ denom: "uaeg", amount: "5000" }], gasLimit: 200000 };
  const authInfoBytes =
    p.authInfoBytes ??
    makeAuthInfoBytes(
      p.signers.map((s, i) => ({ pubkey: anyPubkey(s.pubkey), sequence: p.sequences?.[i] ?? 0 })),
      fee.amount,
      fee.gasLimit,
      fee.granter,
      fee.payer,
      p.signMode ?? SignMode.SIGN_MODE_DIRECT,
    );
  const signDoc = makeSignDoc(bodyBytes, authInfoBytes, p.chainId ?? CHAIN_ID, p.accountNumber ?? ACCOUNT_NUMBER);
  const signatures: Uint8Array[] = [];
  for (const s of p.signers) {
    const { signature } = await s.wallet.signDirect(s.address, signDoc);
    signatures.push(Uint8Array.from(Buffer.from(signature.signature, "base64")));
  }
  const bytes = TxRaw.encode(TxRaw.fromPartial({ bodyBytes, authInfoBytes, signatures })).finish();
  return { bodyBytes, authInfoBytes, signatures, bytes };
}

export function encodeTxRaw(bodyBytes: Uint8Array, authInfoBytes: Uint8Array, signatures: Uint8Array[]): Uint8Array {
  return TxRaw.encode(TxRaw.fromPartial({ bodyBytes, authInfoBytes, signatures })).finish();
}

/** Hand-rolled protobuf helpers for wire-level corruption tests. */
export function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

export function lengthDelimited(field: number, payload: Uint8Array | number[]): Uint8Array {
  const p = Array.from(payload);
  return Uint8Array.from([...varint((field << 3) | 2), ...varint(p.length), ...p]);
}

export function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => Array.from(p)));
}
