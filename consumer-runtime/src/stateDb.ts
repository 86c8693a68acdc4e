import { createMPT, type MerklePatriciaTrie } from "@ethereumjs/mpt";
import { ValueEncoding, type BatchDBOp, type DB } from "@ethereumjs/util";
import { bytesEqual, concatBytes, toHex, utf8 } from "@aegis/consumer-sdk";
import type { AbstractSublevel } from "abstract-level";
import { executionError } from "./executionEnvironment.js";

/** The level sublevel the runtime gives an environment: binary keys and values. */
export type StateSublevel = AbstractSublevel<any, any, Uint8Array, Uint8Array>;

/** The root of the empty Merkle Patricia trie (keccak256(rlp(""))). */
export const EMPTY_STATE_ROOT = Uint8Array.from(Buffer.from("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421", "hex"));

/**
 * An environment's state storage: a `level` sublevel holding content-addressed trie nodes, shaped as
 * @ethereumjs/util's `DB` so that @ethereumjs/mpt (and the EVM's state manager on top of it) store
 * into it directly. Nodes are never deleted (no pruning yet), so every root a block recorded stays
 * readable; that is what lets a reorg execute from any retained parent.
 *
 * Writes are not synced: a process killed with SIGKILL loses nothing the OS has accepted, and a node
 * whose write was lost is only unreferenced, because the runtime records a block after its state.
 */
export class StateDb implements DB<string | Uint8Array, string | Uint8Array> {
  constructor(readonly level: StateSublevel) {}

  /** Keys from @ethereumjs come as bytes (node hashes) or strings (its own metadata): kept apart by a tag byte. */
  private static key(key: string | Uint8Array): Uint8Array {
    return typeof key === "string" ? concatBytes(Uint8Array.of(1), utf8(key)) : concatBytes(Uint8Array.of(0), key);
  }

  async get(key: string | Uint8Array): Promise<Uint8Array | undefined> {
    return (await this.level.get(StateDb.key(key))) ?? undefined;
  }

  async put(key: string | Uint8Array, value: string | Uint8Array): Promise<void> {
    await this.level.put(StateDb.key(key), typeof value === "string" ? utf8(value) : value);
  }

  async del(key: string | Uint8Array): Promise<void> {
    await this.level.del(StateDb.key(key));
  }

  async batch(ops: BatchDBOp<string | Uint8Array, string | Uint8Array>[]): Promise<void> {
    await this.level.batch(
      ops.map((op) =>
        op.type === "put"
          ? { type: "put" as const, key: StateDb.key(op.key), value: typeof op.value === "string" ? utf8(op.value) : (op.value as Uint8Array) }
          : { type: "del" as const, key: StateDb.key(op.key) },
      ),
    );
  }

  shallowCopy(): StateDb {
    return new StateDb(this.level);
  }

  async open(): Promise<void> {}

  /**
   * A Merkle Patricia trie over this storage at `root` (the empty trie when omitted). Keys are used as
   * given (no hashing): an environment that wants Ethereum's secure trie hashes them itself. Throws
   * EXECUTION_ERROR_MISSING_STATE when the root's node is not stored.
   */
  async openTrie(root?: Uint8Array): Promise<MerklePatriciaTrie> {
    const trie = await createMPT({ db: this, valueEncoding: ValueEncoding.Bytes, useKeyHashing: false });
    if (root && !bytesEqual(root, EMPTY_STATE_ROOT)) {
      if (!(await trie.checkRoot(root))) throw executionError({ code: "EXECUTION_ERROR_MISSING_STATE", root: toHex(root) });
      trie.root(root);
    }
    return trie;
  }
}
