import {
  bytesEqual,
  canFollowChain,
  createFinalityGuardState,
  getAnchorCheckpoint,
  getFinalCheckpoint,
  getFinalHeight,
  isFinal,
  processFinalCheckpoint,
  toHex,
  type AncestorHashAt,
  type FinalCheckpointInput,
  type FinalityGuardState,
  type FinalityMisbehaviour,
  type HubForkFreeze,
  type ProcessFinalCheckpointResult,
} from "@aegis/consumer-sdk";
import {
  assertBlockSelfConsistent,
  blockError,
  computeBlockHash,
  computeTxHash,
  createGenesisBlock,
  decodeBlock,
  decodeBlockHeader,
  type ConsumerBlock,
  type ConsumerBlockHeader,
} from "./block.js";
import type { ChainStore, HubFreezeRecord, HubResumeRoot } from "./chainStore.js";
import { ExecutionError, type ExecutionEnvironment, type TxReceipt } from "./executionEnvironment.js";
import { SerialQueue } from "./serialQueue.js";

export interface ConsumerChainOptions {
  consumerId: string;
  /** The consumer's producer keys (ed25519, as registered on the hub), by index. */
  producerKeys: readonly Uint8Array[];
  /** The genesis block's time (Unix ms): part of the genesis hash. */
  genesisTime: number;
  /** How far a block's time may be ahead of this node's clock (default 10 s). */
  maxClockDriftMs?: number;
}

export type AddBlockResult =
  /** Stored and now the head (`reorgDepth` blocks of the old chain left it). */
  | { status: "HEAD"; hash: Uint8Array; reorgDepth: number }
  /** Stored on a branch that is not (yet) longer than the head. */
  | { status: "FORK"; hash: Uint8Array }
  | { status: "KNOWN"; hash: Uint8Array };

interface Node {
  hash: Uint8Array;
  header: ConsumerBlockHeader;
}

export type ChainEvent =
  | { type: "head"; hash: Uint8Array; height: number; removedTxs: Uint8Array[]; addedTxs: Uint8Array[] }
  | { type: "reorg-refused"; hash: Uint8Array; height: number; code: string }
  | { type: "misbehaviour"; event: FinalityMisbehaviour }
  | { type: "resumed"; after: FinalityMisbehaviour; hubHeight: number };

/**
 * One consumer chain's block tree, head and hub finality, over a ChainStore and an environment. The
 * fork choice is the longest chain that keeps every hub-final block: a block whose branch leaves the
 * final chain is refused before it is executed (the FinalityGuard's canFollowChain), so a longer block
 * that becomes the head keeps them; after a new final checkpoint, a head the guard no longer allows
 * moves to the longest stored chain it does. Ties keep the first-seen head. Every mutation runs
 * through one queue, so blocks, production and finality updates never interleave.
 */
export class ConsumerChain {
  private readonly nodes = new Map<string, Node>();
  /** Hashes of the canonical chain by height (genesis to head). */
  private canonical: Uint8Array[] = [];
  private headNode!: Node;
  private guardState!: FinalityGuardState;
  private halted: FinalityMisbehaviour | undefined;
  private frozen: HubFreezeRecord | undefined;
  private readonly queue = new SerialQueue();
  private readonly listeners = new Set<(e: ChainEvent) => void>();
  readonly maxClockDriftMs: number;

  private constructor(
    readonly opts: ConsumerChainOptions,
    readonly env: ExecutionEnvironment,
    readonly store: ChainStore,
  ) {
    this.maxClockDriftMs = opts.maxClockDriftMs ?? 10_000;
  }

  /** Opens the chain: creates the genesis block on first start, else loads the block tree, head and guard. */
  static async open(opts: ConsumerChainOptions, env: ExecutionEnvironment, store: ChainStore): Promise<ConsumerChain> {
    const chain = new ConsumerChain(opts, env, store);
    await env.open(store.state);
    await chain.load();
    return chain;
  }

  private async load(): Promise<void> {
    const { consumerId, genesisTime } = this.opts;
    const genesis = createGenesisBlock(consumerId, genesisTime, await this.env.initGenesis());
    const genesisHash = computeBlockHash(genesis.header);
    let head = await this.store.getHead();
    if (!head) {
      await this.store.putBlock(genesisHash, genesis, []);
      await this.store.setHead(genesisHash, [], [{ hash: genesisHash, header: genesis.header, txHashes: [] }]);
      head = genesisHash;
    } else {
      const stored = await this.store.getCanonicalHash(0);
      if (!stored || !bytesEqual(stored, genesisHash)) {
        throw new Error(`the data folder holds another chain: its genesis is ${stored ? toHex(stored) : "missing"}, this configuration's is ${toHex(genesisHash)}`);
      }
    }
    for await (const [k, v] of this.store.iterateHeaders()) this.nodes.set(toHex(k), { hash: k, header: decodeBlockHeader(v) });
    const h = this.nodes.get(toHex(head));
    if (!h) throw new Error(`the head ${toHex(head)} is not among the stored blocks`);
    this.headNode = h;
    for (let n: Node | undefined = h; n; n = n.header.height === 0 ? undefined : this.nodes.get(toHex(n.header.parentHash))) this.canonical[n.header.height] = n.hash;
    this.guardState = (await this.store.getGuard()) ?? createFinalityGuardState(consumerId);
    // A halt survives a restart: the node comes back as frozen as it went down.
    this.frozen = await this.store.getFreeze();
    this.halted = this.frozen?.event;
  }

  get consumerId(): string {
    return this.opts.consumerId;
  }
  get genesisHash(): Uint8Array {
    return this.canonicalNodeAt(0)!.hash;
  }
  get head(): { hash: Uint8Array; header: ConsumerBlockHeader } {
    return this.headNode;
  }
  get guard(): FinalityGuardState {
    return this.guardState;
  }
  get finalHeight(): number {
    return getFinalHeight(this.guardState);
  }
  /** Set when the node saw hub-final data contradict itself: it then accepts no block and no finality. */
  get misbehaviour(): FinalityMisbehaviour | undefined {
    return this.halted;
  }
  /** The halt as kept on disk: with a proved hub fork, the set that signed its height and who signed both sides. */
  get freeze(): HubFreezeRecord | undefined {
    return this.frozen;
  }

  on(listener: (e: ChainEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  private emit(e: ChainEvent): void {
    for (const l of this.listeners) l(e);
  }

  header(hash: Uint8Array): ConsumerBlockHeader | undefined {
    return this.nodes.get(toHex(hash))?.header;
  }

  /** The canonical block at `height` (undefined above the head). */
  canonicalNodeAt(height: number): Node | undefined {
    const hash = this.canonical[height];
    return hash ? this.nodes.get(toHex(hash)) : undefined;
  }

  /** The guard's accessor over the block tree: the ancestor at `height` of block `hash`. */
  readonly ancestorHashAt: AncestorHashAt = (hash, height) => {
    let n = this.nodes.get(toHex(hash));
    if (!n || !Number.isSafeInteger(height) || height > n.header.height || height < 0) return undefined;
    // Walk back until the canonical chain (forks are short), then answer from the canonical index.
    while (n && n.header.height > height) {
      const c = this.canonical[n.header.height];
      if (c && bytesEqual(c, n.hash)) return this.canonical[height];
      n = this.nodes.get(toHex(n.header.parentHash));
    }
    return n?.hash;
  };

  async getBlock(hash: Uint8Array): Promise<ConsumerBlock | undefined> {
    return this.store.getBlock(hash);
  }

  async getReceipts(hash: Uint8Array): Promise<TxReceipt[] | undefined> {
    return this.store.getReceipts(hash);
  }

  isFinal(height: number, hash: Uint8Array): boolean {
    return isFinal(this.guardState, { height, hash }, this.ancestorHashAt);
  }

  /**
   * Validates, executes and stores a block received from a peer (or made by this node's producer),
   * then applies the fork choice. Throws BlockError (state unchanged) for: a malformed block, another
   * consumer's, an unknown producer index, a bad signature or transaction root, an unknown parent, a
   * wrong height, a time not after the parent's or ahead of `now` by more than the drift, a branch that
   * would drop a hub-final block (BLOCK_ERROR_BELOW_FINAL with the guard's code), an invalid
   * transaction, a state root other than the execution's, or a node halted by hub misbehaviour
   * (BLOCK_ERROR_HALTED).
   */
  addBlock(block: ConsumerBlock, now: number): Promise<AddBlockResult> {
    return this.queue.run(() => this.addBlockNow(block, now));
  }

  /** addBlock of the wire bytes (decodeBlock first). */
  async addEncodedBlock(bytes: Uint8Array, now: number): Promise<AddBlockResult> {
    return this.addBlock(decodeBlock(bytes), now);
  }

  private async addBlockNow(block: ConsumerBlock, now: number): Promise<AddBlockResult> {
    const h = block.header;
    const hash = computeBlockHash(h);
    if (this.nodes.has(toHex(hash))) return { status: "KNOWN", hash };
    if (this.halted) throw blockError({ code: "BLOCK_ERROR_HALTED", misbehaviour: this.halted.kind }, `the node is halted after hub misbehaviour (${this.halted.kind})`);
    assertBlockSelfConsistent(block, this.opts.consumerId, this.opts.producerKeys);
    const parent = this.nodes.get(toHex(h.parentHash));
    if (!parent) throw blockError({ code: "BLOCK_ERROR_UNKNOWN_PARENT", parentHash: toHex(h.parentHash) });
    if (h.height !== parent.header.height + 1) throw blockError({ code: "BLOCK_ERROR_WRONG_HEIGHT", expected: parent.header.height + 1, actual: h.height });
    if (h.time <= parent.header.time) throw blockError({ code: "BLOCK_ERROR_TIME_NOT_INCREASING", time: h.time, parentTime: parent.header.time });
    if (h.time > now + this.maxClockDriftMs) throw blockError({ code: "BLOCK_ERROR_FROM_THE_FUTURE", time: h.time, now });
    // A branch off the final chain is refused before any execution (the FinalityGuard's rule,
    // canFollowChain): it must pass through the highest final block this node stores — the newest one,
    // or an older one while the node is catching up to finality it learned from the hub — and have each
    // remembered final block up to its own height (the missing final block itself is taken).
    const keep = canFollowChain(this.guardState, { height: h.height, hash, parentHash: parent.hash }, this.ancestorHashAt);
    if (!keep.ok) {
      this.emit({ type: "reorg-refused", hash, height: h.height, code: keep.error.code });
      throw blockError({ code: "BLOCK_ERROR_BELOW_FINAL", finalHeight: this.finalHeight, guardCode: keep.error.code });
    }
    let result;
    try {
      result = await this.env.executeBlock(parent.header.stateRoot, block.txs, { consumerId: h.consumerId, height: h.height, time: h.time, parentHash: h.parentHash });
    } catch (e) {
      if (e instanceof ExecutionError) throw blockError({ code: "BLOCK_ERROR_INVALID_TX", index: -1, txCode: e.code, reason: e.message });
      throw e;
    }
    if (!bytesEqual(result.stateRoot, h.stateRoot)) throw blockError({ code: "BLOCK_ERROR_WRONG_STATE_ROOT", expected: toHex(result.stateRoot), actual: toHex(h.stateRoot) });
    // A halt that came while the block executed (halt() does not wait for the queue): nothing more is accepted.
    const haltedMeanwhile = this.misbehaviour;
    if (haltedMeanwhile) throw blockError({ code: "BLOCK_ERROR_HALTED", misbehaviour: haltedMeanwhile.kind }, `the node is halted after hub misbehaviour (${haltedMeanwhile.kind})`);
    await this.store.putBlock(hash, block, result.receipts);
    const node: Node = { hash, header: h };
    this.nodes.set(toHex(hash), node);
    if (h.height <= this.headNode.header.height) return { status: "FORK", hash };
    const depth = await this.switchHead(node, block);
    return { status: "HEAD", hash, reorgDepth: depth };
  }

  /**
   * Makes `node` the head (the caller checked the guard); `block` is its block when the caller has it
   * at hand (the one just added), so only other blocks of the new branch are read back. Returns how
   * many old blocks left the chain.
   */
  private async switchHead(node: Node, block?: ConsumerBlock): Promise<number> {
    const added: Node[] = [];
    let a: Node | undefined = node;
    let b: Node | undefined = this.headNode;
    while (a && b && a.header.height > b.header.height) (added.push(a), (a = this.nodes.get(toHex(a.header.parentHash))));
    const removed: Node[] = [];
    while (a && b && !bytesEqual(a.hash, b.hash)) {
      added.push(a);
      removed.push(b);
      a = this.nodes.get(toHex(a.header.parentHash));
      b = this.nodes.get(toHex(b.header.parentHash));
    }
    added.reverse();
    const txsOf = async (n: Node) => (block && n === node ? block.txs : ((await this.store.getBlock(n.hash))?.txs ?? []));
    const removedTxs: Uint8Array[] = [];
    const addedTxs: Uint8Array[] = [];
    const rem = [];
    for (const r of removed) {
      const txs = await txsOf(r);
      removedTxs.push(...txs);
      rem.push({ header: r.header, txHashes: txs.map(computeTxHash) });
    }
    const add = [];
    for (const n of added) {
      const txs = await txsOf(n);
      addedTxs.push(...txs);
      add.push({ hash: n.hash, header: n.header, txHashes: txs.map(computeTxHash) });
    }
    await this.store.setHead(node.hash, rem, add);
    this.headNode = node;
    this.canonical.length = node.header.height + 1 - added.length;
    for (const n of added) this.canonical.push(n.hash);
    this.emit({ type: "head", hash: node.hash, height: node.header.height, removedTxs, addedTxs });
    return removed.length;
  }

  /**
   * Applies a checkpoint the caller verified as hub-final (light client + inclusion) through the
   * FinalityGuard, persists the guard (synced) before anything acts on it, and, when the head is not on
   * the final chain (the producer reorged above a checkpoint that then became final), moves the head to
   * the longest known branch that keeps the final block. A misbehaviour halts the node.
   */
  applyFinalCheckpoint(input: FinalCheckpointInput): Promise<ProcessFinalCheckpointResult> {
    return this.queue.run(async () => {
      if (this.halted) return { status: "MISBEHAVIOUR", state: this.guardState, event: this.halted } as const;
      const r = processFinalCheckpoint(this.guardState, input, this.ancestorHashAt);
      if (r.status === "MISBEHAVIOUR") {
        await this.recordHalt({ event: r.event });
        return r;
      }
      if (r.status !== "ACCEPTED") return r;
      await this.store.putGuard(r.state);
      this.guardState = r.state;
      // The same rule as for a new block: a head the guard no longer lets the node follow moves to the
      // longest stored chain it does (there is one: the anchor's block, or, without an anchor, any
      // block below every final height — while the final block is unknown, the head drops below it so
      // that the final block becomes the head when it arrives).
      if (!canFollowChain(r.state, { height: this.headNode.header.height, hash: this.headNode.hash }, this.ancestorHashAt).ok) {
        // Cheap filter only (the guard refuses every chain ending below its anchor); the guard decides.
        const floor = getAnchorCheckpoint(r.state, this.ancestorHashAt)?.height ?? 0;
        let best: Node | undefined;
        for (const n of this.nodes.values()) {
          if (n.header.height < floor || (best && n.header.height <= best.header.height)) continue;
          if (canFollowChain(r.state, { height: n.header.height, hash: n.hash }, this.ancestorHashAt).ok) best = n;
        }
        if (best) await this.switchHead(best);
      }
      return r;
    });
  }

  /**
   * Records a misbehaviour seen elsewhere (the light client: two certificates for one hub height) and
   * halts: at once in memory (nothing is accepted from here on), on disk (synced) when the returned
   * promise resolves. `fork`: what an automatic resume needs (consumer-sdk forkRecovery.ts).
   */
  halt(event: FinalityMisbehaviour, fork?: HubForkFreeze): Promise<void> {
    if (this.halted) return Promise.resolve();
    const record = { event, ...(fork ? { fork } : {}) };
    this.halted = event;
    this.frozen = record;
    this.emit({ type: "misbehaviour", event });
    return this.queue.run(() => this.recordHalt(record, false));
  }

  private async recordHalt(record: HubFreezeRecord, emit = true): Promise<void> {
    this.halted = record.event;
    await this.store.putFreeze(record);
    this.frozen = record;
    if (emit) this.emit({ type: "misbehaviour", event: record.event });
  }

  /**
   * Lifts a halt after the light client resumed from `root` (a post-slash certificate or the operator's
   * trust root): the root is kept for the next start, the halt removed, in one synced write. The
   * FinalityGuard is untouched: every block final before the fork stays final.
   */
  resume(root: HubResumeRoot): Promise<void> {
    return this.queue.run(async () => {
      if (!this.halted) return;
      await this.store.putFreeze(undefined, root);
      const event = this.halted;
      this.halted = undefined;
      this.frozen = undefined;
      this.emit({ type: "resumed", after: event, hubHeight: root.header.height });
    });
  }

  /** The final checkpoint record, if any. */
  get finalCheckpoint() {
    return getFinalCheckpoint(this.guardState);
  }

  /** Runs `fn` in the chain's queue (the producer builds its block there, so nothing moves the head meanwhile). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.queue.run(fn);
  }

  /** addBlock for a caller already inside `exclusive`. */
  addBlockExclusive(block: ConsumerBlock, now: number): Promise<AddBlockResult> {
    return this.addBlockNow(block, now);
  }
}
