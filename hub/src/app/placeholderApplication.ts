import { computeMerkleRoot, concatBytes, sha256, ZERO_HASH } from "@aegis/consumer-sdk";
import { ApplicationError, type Application, type BlockExecutionContext } from "./application.js";

/**
 * Opaque transactions, no state: the root chains the previous root with the block's transaction root
 * (deterministic, covers every transaction ever committed). Used until a node runs the real state
 * machine, and by tests of consensus alone.
 */
export class PlaceholderApplication implements Application {
  private _height: number;
  private _root: Uint8Array;

  /** `latest`: the last committed header's height and state root (none: start from the genesis). */
  constructor(opts: { genesisHash: Uint8Array; latest?: { height: number; stateRoot: Uint8Array } }) {
    this._height = opts.latest?.height ?? 0;
    this._root = opts.latest?.stateRoot ?? sha256(concatBytes(ZERO_HASH, opts.genesisHash));
  }

  get height(): number {
    return this._height;
  }
  get stateRoot(): Uint8Array {
    return this._root;
  }

  private next(txs: readonly Uint8Array[]): Uint8Array {
    return sha256(concatBytes(this._root, computeMerkleRoot(txs.map((t) => sha256(t)))));
  }

  async prepareBlock(_ctx: BlockExecutionContext, candidates: readonly Uint8Array[]) {
    // No stake to slash: evidence is not carried.
    return { txs: [...candidates], evidence: [], stateRoot: this.next(candidates) };
  }

  async executeBlock(ctx: BlockExecutionContext, txs: readonly Uint8Array[]) {
    if (ctx.evidence.length > 0) throw new ApplicationError({ code: "APP_ERROR_INVALID_BLOCK", reason: "this chain has no staking state: blocks carry no evidence" });
    return { stateRoot: this.next(txs) };
  }

  async commitBlock(ctx: BlockExecutionContext, txs: readonly Uint8Array[]) {
    if (ctx.height !== this._height + 1) throw new ApplicationError({ code: "APP_ERROR_HEIGHT", expected: this._height + 1, actual: ctx.height });
    this._root = this.next(txs);
    this._height = ctx.height;
    return { stateRoot: this._root };
  }
}
