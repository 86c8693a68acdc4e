import { computeFeeAmount, type GasPrice } from "../app/index.js";
import { SerialQueue } from "../db/index.js";
import type { AccountSigner, EncodedMessage } from "./accountSigner.js";

/** What a node's own transaction came to: in the mempool (and gossiped), refused by it, or not signed because the account does not exist. */
export type NodeTxResult =
  | { status: "submitted"; hash: string; sequence: bigint }
  | { status: "refused"; hash: string; code: number; log: string }
  | { status: "no_account" };

export interface NodeAccountOpts {
  chainId: string;
  /** The node's own minimum gas price (its first one); null: the node asks no fee, the transaction pays none. */
  gasPrice: GasPrice | null;
}

export interface NodeAccountModules {
  signer: AccountSigner;
  /** The account as CheckTx sees it (committed state plus admitted transactions): the sequence to sign with. */
  checkAccount(address: Uint8Array): { accountNumber: bigint; sequence: bigint } | undefined;
  /** Admission to the node's mempool (CheckTx) and gossip, as a client's transaction. */
  submitTx(tx: Uint8Array): Promise<{ hash: string; code: number; log: string }>;
}

/**
 * An account a node sends its own transactions from: each is signed with the account's next sequence
 * as CheckTx sees it and a fee at the node's own minimum gas price, then submitted like any client
 * transaction. One at a time, so two senders sharing the account (a prover that is also a validator's
 * operator) never sign the same sequence.
 */
export class NodeAccount {
  private readonly queue = new SerialQueue();

  constructor(
    private readonly opts: NodeAccountOpts,
    private readonly modules: NodeAccountModules,
  ) {}

  get address(): string {
    return this.modules.signer.address;
  }

  get addressBytes(): Uint8Array {
    return this.modules.signer.addressBytes;
  }

  /** The fee for `gasLimit` at the node's price (empty without one). */
  computeFee(gasLimit: bigint): { denom: string; amount: string }[] {
    const p = this.opts.gasPrice;
    return p ? [{ denom: p.denom, amount: computeFeeAmount(p, gasLimit) }] : [];
  }

  /** Signs `messages` with `gasLimit` and submits them; throws only when signing does. */
  send(messages: readonly EncodedMessage[], gasLimit: bigint): Promise<NodeTxResult> {
    return this.queue.run(async () => {
      const account = this.modules.checkAccount(this.addressBytes);
      if (!account) return { status: "no_account" } as const;
      const tx = await this.modules.signer.signTx(messages, {
        chainId: this.opts.chainId,
        accountNumber: account.accountNumber,
        sequence: account.sequence,
        fee: this.computeFee(gasLimit),
        gasLimit,
      });
      const res = await this.modules.submitTx(tx);
      if (res.code !== 0) return { status: "refused", hash: res.hash, code: res.code, log: res.log } as const;
      return { status: "submitted", hash: res.hash, sequence: account.sequence } as const;
    });
  }
}
