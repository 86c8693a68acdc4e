import type { Groth16VerificationKey } from "@aegis/consumer-sdk";
import { DirectSecp256k1HdWallet, Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes, GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import { aegis } from "@aegis/proto";
import { AegisMsgActivateZk, MSG_ACTIVATE_ZK_RESPONSE_TYPE_URL } from "../app/modules/zk/index.js";
import { ACCOUNT_ADDRESS_PREFIX } from "../tx/index.js";
import { DEFAULT_MIN_GAS_PRICE } from "./initHomes.js";

export interface ActivateZkOpts {
  /** A hub node's CometBFT JSON-RPC URL (…/rpc). */
  hubRpc: string;
  /** Mnemonic of the genesis's zk.authority account (it signs and pays the fee). */
  mnemonic: string;
  circuit: string;
  /** The circuit's verification key (snarkjs JSON); the provers' proving key must be its. */
  verificationKey: Groth16VerificationKey;
  denom: string;
  /** Default DEFAULT_MIN_GAS_PRICE of `denom`. */
  gasPrice?: string;
}

/**
 * Sets a hub's succinct-certificate key (decision 58): MsgActivateZk from the genesis's zk.authority,
 * broadcast and waited for. Resolves the transaction and `fromHeight`, the first height certificates
 * may be of (MsgActivateZkResponse.from_height). Throws with the hub's reason when it is refused (not the
 * authority, already activated, another circuit, a malformed key).
 */
export async function activateZk(o: ActivateZkOpts): Promise<{ txHash: string; height: number; fromHeight: number }> {
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(o.mnemonic, { prefix: ACCOUNT_ADDRESS_PREFIX });
  const authority = (await wallet.getAccounts())[0]!.address;
  const registry = new Registry([...defaultRegistryTypes, [AegisMsgActivateZk.typeUrl, AegisMsgActivateZk]]);
  const client = await SigningStargateClient.connectWithSigner(o.hubRpc, wallet, {
    registry,
    gasPrice: GasPrice.fromString(o.gasPrice ?? `${DEFAULT_MIN_GAS_PRICE}${o.denom}`),
    broadcastPollIntervalMs: 300,
  });
  try {
    const value = AegisMsgActivateZk.fromPartial({ authority, circuit: o.circuit, verificationKeyJson: JSON.stringify(o.verificationKey) });
    const res = await client.signAndBroadcast(authority, [{ typeUrl: AegisMsgActivateZk.typeUrl, value }], "auto");
    if (res.code !== 0) throw new Error(`MsgActivateZk was refused (code ${res.code}): ${res.rawLog ?? ""}`);
    // The hub's own answer (MsgActivateZkResponse), not a rule worked out again here.
    const answer = res.msgResponses.find((r) => r.typeUrl === MSG_ACTIVATE_ZK_RESPONSE_TYPE_URL);
    if (!answer) throw new Error(`MsgActivateZk was executed (${res.transactionHash}) without its response`);
    return { txHash: res.transactionHash, height: res.height, fromHeight: Number(aegis.zk.v1.MsgActivateZkResponse.decode(answer.value).from_height) };
  } finally {
    client.disconnect();
  }
}
