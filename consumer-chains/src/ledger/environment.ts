import type { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { bytesEqual, fromHex, isStrictEd25519PublicKey, toHex, verifyEd25519Strict } from "@aegis/consumer-sdk";
import type { BlockContext, BuiltBlock, ExecutionEnvironment, ExecutionError, ExecutionResult, StateDb, TxReceipt } from "@aegis/consumer-runtime";
import { U64_MAX } from "../common/encoding.js";
import { badQuery, invalidTx, isTxRejection, unauthorizedTx } from "../common/errors.js";
import { checkConsumerId } from "../common/genesis.js";
import { addressOf, parseAddressHex } from "../common/keys.js";
import { validateLedgerGenesis, type LedgerGenesis, type LedgerGenesisConfig } from "./genesis.js";
import { readAccount, writeAccount } from "./state.js";
import { decodeLedgerTx, ledgerSignBytes, LEDGER_MAX_NONCE, type LedgerTx } from "./tx.js";

/**
 * How far ahead of its account's nonce a transfer may be and still enter the mempool (checkTx), so a
 * client can send several transfers before the first is in a block. Blocks take exact nonces only.
 */
export const LEDGER_MAX_NONCE_AHEAD = 16;

export interface LedgerEnvironmentOptions {
  /** The chain's consumer id: transfers must carry it as their chainId. */
  consumerId: string;
  /** Validated here (GenesisError). */
  genesis: LedgerGenesisConfig | LedgerGenesis;
}

/** The answer to ["accounts", address]. */
export interface LedgerAccountView {
  address: string;
  /** Decimal. */
  balance: string;
  nonce: number;
}

/**
 * An account-model token ledger (`vm: "ledger"`). Accounts are ed25519 keys, addressed by
 * sha256(publicKey)[0..20]. A transfer moves `amount` from the signer to an address and burns `fee`
 * (the supply only shrinks, so with a genesis supply within a u64 no balance can overflow).
 *
 * Validity of a transfer, checked in this order:
 *  1. it decodes exactly (EXECUTION_ERROR_MALFORMED_TX);
 *  2. its chainId is this chain's consumer id (EXECUTION_ERROR_INVALID_TX);
 *  3. `from` is a strict ed25519 key (canonical, not of small order) and the signature over the
 *     domain-separated sign bytes verifies strictly (EXECUTION_ERROR_UNAUTHORIZED);
 *  4. the sender's account exists, the nonce is the account's nonce and the balance covers
 *     amount + fee (EXECUTION_ERROR_INVALID_TX).
 * Then the sender pays amount + fee and its nonce goes up by one, and the recipient (created if new)
 * receives amount.
 */
export class LedgerEnvironment implements ExecutionEnvironment {
  readonly vm = "ledger";
  readonly consumerId: string;
  readonly genesis: LedgerGenesis;
  #db: StateDb | undefined;

  constructor(opts: LedgerEnvironmentOptions) {
    this.consumerId = checkConsumerId(opts.consumerId);
    this.genesis = validateLedgerGenesis(opts.genesis);
  }

  async open(db: StateDb): Promise<void> {
    this.#db = db;
  }

  private get db(): StateDb {
    if (!this.#db) throw new Error("LedgerEnvironment: open() has not been called");
    return this.#db;
  }

  /** The genesis accounts (nonce 0) in an empty trie. The root depends on the allocations only, not on their order. */
  async initGenesis(): Promise<Uint8Array> {
    const trie = await this.db.openTrie();
    trie.checkpoint();
    for (const a of this.genesis.allocations) await writeAccount(trie, fromHex(a.address), { balance: a.amount, nonce: 0 });
    await trie.commit();
    return Uint8Array.from(trie.root());
  }

  /** Admits a transfer valid on `stateRoot`, or up to LEDGER_MAX_NONCE_AHEAD nonces ahead of its account. */
  async checkTx(stateRoot: Uint8Array, tx: Uint8Array): Promise<void> {
    const t = this.verify(tx);
    const trie = await this.db.openTrie(stateRoot);
    await this.check(trie, t, LEDGER_MAX_NONCE_AHEAD);
  }

  async buildBlock(parentStateRoot: Uint8Array, candidates: readonly Uint8Array[], _ctx: BlockContext): Promise<BuiltBlock> {
    const trie = await this.db.openTrie(parentStateRoot);
    trie.checkpoint();
    const txs: Uint8Array[] = [];
    const receipts: TxReceipt[] = [];
    const rejected: { tx: Uint8Array; error: ExecutionError }[] = [];
    for (const tx of candidates) {
      trie.checkpoint();
      try {
        receipts.push(await this.apply(trie, this.verify(tx)));
        await trie.commit();
        txs.push(tx);
      } catch (e) {
        await trie.revert();
        if (!isTxRejection(e)) throw e;
        rejected.push({ tx, error: e });
      }
    }
    await trie.commit();
    return { stateRoot: Uint8Array.from(trie.root()), receipts, txs, rejected };
  }

  /** Executes every transfer in order; the first invalid one makes the block invalid (throws, writes nothing). */
  async executeBlock(parentStateRoot: Uint8Array, txs: readonly Uint8Array[], _ctx: BlockContext): Promise<ExecutionResult> {
    const trie = await this.db.openTrie(parentStateRoot);
    trie.checkpoint();
    const receipts: TxReceipt[] = [];
    for (const tx of txs) receipts.push(await this.apply(trie, this.verify(tx)));
    await trie.commit();
    return { stateRoot: Uint8Array.from(trie.root()), receipts };
  }

  /** ["accounts", <address: 40 hex digits>] → LedgerAccountView, undefined when the account does not exist. */
  async query(stateRoot: Uint8Array, path: readonly string[]): Promise<LedgerAccountView | undefined> {
    if (path.length !== 2 || path[0] !== "accounts") throw badQuery(`unknown path /${path.join("/")} (the ledger answers accounts/<address>)`);
    const address = parseAddressHex(path[1]);
    if (!address) throw badQuery(`accounts/${path[1]}: not an address (40 hex digits)`);
    const trie = await this.db.openTrie(stateRoot);
    const a = await readAccount(trie, address);
    return a && { address: toHex(address), balance: a.balance.toString(), nonce: a.nonce };
  }

  /** Steps 1-3 (decoding, chain, key and signature): what needs no state. */
  private verify(bytes: Uint8Array): LedgerTx {
    const t = decodeLedgerTx(bytes);
    if (t.chainId !== this.consumerId) throw invalidTx(`chainId: ${t.chainId} is not this chain (${this.consumerId})`);
    if (!isStrictEd25519PublicKey(t.from)) throw unauthorizedTx("from: not a strict ed25519 public key (non-canonical or of small order)");
    if (!verifyEd25519Strict(t.from, ledgerSignBytes(t), t.signature)) throw unauthorizedTx("signature: does not verify for from");
    return t;
  }

  /** Step 4 against the state, allowing the nonce to be up to `nonceAhead` past the account's. Returns the sender's account. */
  private async check(trie: MerklePatriciaTrie, t: LedgerTx, nonceAhead: number) {
    const sender = addressOf(t.from);
    const account = await readAccount(trie, sender);
    if (!account) throw invalidTx(`from: account ${toHex(sender)} does not exist`);
    if (t.nonce < account.nonce || t.nonce > account.nonce + nonceAhead) {
      throw invalidTx(`nonce: ${t.nonce}, the account's is ${account.nonce}`);
    }
    const cost = t.amount + t.fee;
    if (account.balance < cost) throw invalidTx(`insufficient balance: ${account.balance} < amount + fee = ${cost}`);
    return { sender, account };
  }

  /** Checks the transfer against the state (exact nonce) and applies it. Writes nothing unless it is valid. */
  private async apply(trie: MerklePatriciaTrie, t: LedgerTx): Promise<TxReceipt> {
    const { sender, account } = await this.check(trie, t, 0);
    if (account.nonce >= LEDGER_MAX_NONCE) throw invalidTx("nonce: the account's nonce is exhausted");
    const senderAfter = { balance: account.balance - t.amount - t.fee, nonce: account.nonce + 1 };
    const self = bytesEqual(sender, t.to);
    const recipient = self ? senderAfter : ((await readAccount(trie, t.to)) ?? { balance: 0n, nonce: 0 });
    const recipientAfter = { balance: recipient.balance + t.amount, nonce: recipient.nonce };
    if (recipientAfter.balance > U64_MAX) throw invalidTx("amount: the recipient's balance would exceed 2^64-1");
    if (!self) await writeAccount(trie, sender, senderAfter);
    await writeAccount(trie, t.to, recipientAfter);
    return { code: 0, log: "" };
  }
}
