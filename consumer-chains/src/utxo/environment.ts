import type { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { bytesEqual, fromHex, isStrictEd25519PublicKey, toHex, verifyEd25519Strict } from "@aegis/consumer-sdk";
import type { BlockContext, BuiltBlock, ExecutionEnvironment, ExecutionError, ExecutionResult, StateDb, TxReceipt } from "@aegis/consumer-runtime";
import { badQuery, invalidTx, isTxRejection, unauthorizedTx } from "../common/errors.js";
import { checkConsumerId } from "../common/genesis.js";
import { addressOf, parseAddressHex, parseHashHex } from "../common/keys.js";
import { validateUtxoGenesis, type UtxoGenesis, type UtxoGenesisConfig } from "./genesis.js";
import { deleteOutput, ownerOutputs, readOutput, writeOutput } from "./state.js";
import { computeUtxoTxHash, decodeUtxoTx, sumOutputs, utxoGenesisTxHash, utxoSighash, type UtxoTx } from "./tx.js";

export interface UtxoEnvironmentOptions {
  /** The chain's consumer id: transactions must carry it as their chainId. */
  consumerId: string;
  /** Validated here (GenesisError). */
  genesis: UtxoGenesisConfig | UtxoGenesis;
}

/** An unspent output in ["utxos", address]. */
export interface UtxoView {
  txHash: string;
  index: number;
  /** Decimal. */
  amount: string;
}

/** The answer to ["outputs", txHash, index]. */
export interface UtxoOutputView extends UtxoView {
  owner: string;
}

/** The answer to ["balances", address]: the sum of its unspent outputs. */
export interface UtxoBalanceView {
  address: string;
  amount: string;
}

/**
 * A UTXO chain (`vm: "utxo"`). An output locks an amount to an address (sha256(publicKey)[0..20]); a
 * transaction spends outputs and creates new ones, which are (txHash, 0..m-1) with txHash the sha256 of
 * its bytes. Genesis outputs are those of a pseudo-transaction whose hash is utxoGenesisTxHash(consumerId).
 *
 * Validity of a transaction, checked in this order:
 *  1. it decodes exactly, with 1..64 distinct inputs and 1..64 outputs of amounts ≥ 1 (EXECUTION_ERROR_MALFORMED_TX);
 *  2. its chainId is this chain's consumer id (EXECUTION_ERROR_INVALID_TX);
 *  3. every witness's key is strict (canonical, not of small order) and its signature of the sighash
 *     verifies strictly (EXECUTION_ERROR_UNAUTHORIZED);
 *  4. every input is an unspent output (EXECUTION_ERROR_INVALID_TX) whose owner is the address of its
 *     witness's key (EXECUTION_ERROR_UNAUTHORIZED), and sum(inputs) ≥ sum(outputs) (EXECUTION_ERROR_INVALID_TX).
 * Then the inputs are deleted and the outputs created; sum(inputs) - sum(outputs) is the fee, burned.
 * Within a block, transactions apply in order: a later one may spend an earlier one's outputs, and a
 * second spend of an output finds it gone (a double spend is an unknown input).
 */
export class UtxoEnvironment implements ExecutionEnvironment {
  readonly vm = "utxo";
  readonly consumerId: string;
  readonly genesis: UtxoGenesis;
  /** The hash of the genesis pseudo-transaction: genesis output i is (genesisTxHash, i). */
  readonly genesisTxHash: Uint8Array;
  #db: StateDb | undefined;

  constructor(opts: UtxoEnvironmentOptions) {
    this.consumerId = checkConsumerId(opts.consumerId);
    this.genesis = validateUtxoGenesis(opts.genesis);
    this.genesisTxHash = utxoGenesisTxHash(this.consumerId);
  }

  async open(db: StateDb): Promise<void> {
    this.#db = db;
  }

  private get db(): StateDb {
    if (!this.#db) throw new Error("UtxoEnvironment: open() has not been called");
    return this.#db;
  }

  /** The genesis outputs (genesisTxHash, i) in an empty trie. */
  async initGenesis(): Promise<Uint8Array> {
    const trie = await this.db.openTrie();
    trie.checkpoint();
    for (const [index, o] of this.genesis.outputs.entries()) {
      await writeOutput(trie, { txHash: this.genesisTxHash, index }, { owner: fromHex(o.owner), amount: o.amount });
    }
    await trie.commit();
    return Uint8Array.from(trie.root());
  }

  /** Admits a transaction valid on `stateRoot` (its inputs unspent there). */
  async checkTx(stateRoot: Uint8Array, tx: Uint8Array): Promise<void> {
    const t = this.verify(tx);
    const trie = await this.db.openTrie(stateRoot);
    await this.check(trie, t);
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
        receipts.push(await this.apply(trie, this.verify(tx), tx));
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

  /** Executes every transaction in order; the first invalid one makes the block invalid (throws, writes nothing). */
  async executeBlock(parentStateRoot: Uint8Array, txs: readonly Uint8Array[], _ctx: BlockContext): Promise<ExecutionResult> {
    const trie = await this.db.openTrie(parentStateRoot);
    trie.checkpoint();
    const receipts: TxReceipt[] = [];
    for (const tx of txs) receipts.push(await this.apply(trie, this.verify(tx), tx));
    await trie.commit();
    return { stateRoot: Uint8Array.from(trie.root()), receipts };
  }

  /**
   * ["utxos", <address>] → UtxoView[] in (txHash, index) order ([] when none);
   * ["balances", <address>] → UtxoBalanceView ("0" when none);
   * ["outputs", <txHash: 64 hex digits>, <index: decimal u32>] → UtxoOutputView, undefined when not unspent.
   */
  async query(stateRoot: Uint8Array, path: readonly string[]): Promise<UtxoView[] | UtxoBalanceView | UtxoOutputView | undefined> {
    const [kind, a, b] = path;
    if ((kind === "utxos" || kind === "balances") && path.length === 2) {
      const owner = parseAddressHex(a);
      if (!owner) throw badQuery(`${kind}/${a}: not an address (40 hex digits)`);
      const trie = await this.db.openTrie(stateRoot);
      const list: UtxoView[] = [];
      let total = 0n;
      for await (const o of ownerOutputs(trie, owner)) {
        if (kind === "utxos") list.push({ txHash: toHex(o.txHash), index: o.index, amount: o.amount.toString() });
        total += o.amount;
      }
      return kind === "utxos" ? list : { address: toHex(owner), amount: total.toString() };
    }
    if (kind === "outputs" && path.length === 3) {
      const txHash = parseHashHex(a);
      if (!txHash) throw badQuery(`outputs/${a}: not a transaction hash (64 hex digits)`);
      if (!/^(0|[1-9][0-9]{0,9})$/.test(b!) || Number(b) > 0xffffffff) throw badQuery(`outputs/${a}/${b}: not an output index (a decimal u32)`);
      const index = Number(b);
      const trie = await this.db.openTrie(stateRoot);
      const o = await readOutput(trie, { txHash, index });
      return o && { txHash: toHex(txHash), index, owner: toHex(o.owner), amount: o.amount.toString() };
    }
    throw badQuery(`unknown path /${path.join("/")} (the UTXO chain answers utxos/<address>, balances/<address>, outputs/<txHash>/<index>)`);
  }

  /** Steps 1-3 (decoding, chain, keys and signatures): what needs no state. */
  private verify(bytes: Uint8Array): UtxoTx {
    const t = decodeUtxoTx(bytes);
    if (t.chainId !== this.consumerId) throw invalidTx(`chainId: ${t.chainId} is not this chain (${this.consumerId})`);
    const sighash = utxoSighash(t);
    t.witnesses.forEach((w, i) => {
      if (!isStrictEd25519PublicKey(w.publicKey)) throw unauthorizedTx(`witnesses[${i}].publicKey: not a strict ed25519 public key (non-canonical or of small order)`);
      if (!verifyEd25519Strict(w.publicKey, sighash, w.signature)) throw unauthorizedTx(`witnesses[${i}].signature: does not verify`);
    });
    return t;
  }

  /** Step 4 against the state. Returns the spent outputs' owners. */
  private async check(trie: MerklePatriciaTrie, t: UtxoTx): Promise<Uint8Array[]> {
    const owners: Uint8Array[] = [];
    let sumIn = 0n;
    for (const [i, input] of t.inputs.entries()) {
      const o = await readOutput(trie, input);
      if (!o) throw invalidTx(`inputs[${i}]: ${toHex(input.txHash)}:${input.index} is not an unspent output`);
      if (!bytesEqual(o.owner, addressOf(t.witnesses[i]!.publicKey))) {
        throw unauthorizedTx(`inputs[${i}]: ${toHex(input.txHash)}:${input.index} is owned by ${toHex(o.owner)}, not by witnesses[${i}]'s key`);
      }
      owners.push(o.owner);
      sumIn += o.amount;
    }
    const sumOut = sumOutputs(t.outputs);
    if (sumIn < sumOut) throw invalidTx(`outputs: ${sumOut} is more than the inputs' ${sumIn}`);
    return owners;
  }

  /** Checks the transaction against the state and applies it. Writes nothing unless it is valid. */
  private async apply(trie: MerklePatriciaTrie, t: UtxoTx, bytes: Uint8Array): Promise<TxReceipt> {
    const owners = await this.check(trie, t);
    const txHash = computeUtxoTxHash(bytes);
    // Cannot happen (the same bytes would spend the same, now spent, inputs): refused all the same.
    if (await readOutput(trie, { txHash, index: 0 })) throw invalidTx(`transaction ${toHex(txHash)}: its outputs exist already`);
    for (const [i, input] of t.inputs.entries()) await deleteOutput(trie, input, owners[i]!);
    for (const [index, o] of t.outputs.entries()) await writeOutput(trie, { txHash, index }, o);
    return { code: 0, log: "" };
  }
}
