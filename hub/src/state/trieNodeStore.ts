import { decodeNode, type TrieNode } from "@aegis/consumer-sdk";
import type { HubBatchOperation, HubSublevel } from "../db/hubDb.js";
import { LruCache } from "./lruCache.js";
import type { TrieNodeLoader } from "./patriciaTrie.js";
import { StateError } from "./stateError.js";
import { detachChildren } from "./trieNode.js";

/** Key prefix of trie nodes in the `state` sublevel: `n/<hex hash>` -> RLP encoding. */
export const TRIE_NODE_KEY_PREFIX = "n/";

export function trieNodeKey(hash: Uint8Array): string {
  return TRIE_NODE_KEY_PREFIX + hex(hash);
}

export interface TrieNodeStoreOptions {
  /** Decoded nodes kept in memory (least recently used evicted). */
  cacheSize: number;
}

/**
 * The trie's stored nodes: read from the `state` sublevel through an LRU cache of decoded nodes. Writes
 * go into the caller's batch (`putOperations`), and nodes just stored join the cache (`adopt`), so the
 * next block's updates find the upper levels of the trie in memory.
 */
export class TrieNodeStore implements TrieNodeLoader {
  readonly #sublevel: HubSublevel;
  readonly #cache: LruCache<string, TrieNode>;

  constructor(opts: TrieNodeStoreOptions, modules: { sublevel: HubSublevel }) {
    this.#sublevel = modules.sublevel;
    this.#cache = new LruCache({ maxEntries: opts.cacheSize });
  }

  peek(hash: Uint8Array): TrieNode | undefined {
    return this.#cache.get(hex(hash));
  }

  async load(hash: Uint8Array): Promise<TrieNode> {
    const h = hex(hash);
    const cached = this.#cache.get(h);
    if (cached !== undefined) return cached;
    const key = TRIE_NODE_KEY_PREFIX + h;
    const enc = await this.#sublevel.get(key);
    if (enc === undefined) throw new StateError({ code: "STATE_ERROR_CORRUPT", key, reason: "missing trie node" }, `missing trie node ${h}`);
    let node: TrieNode;
    try {
      node = decodeNode(enc, hash.slice());
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      throw new StateError({ code: "STATE_ERROR_CORRUPT", key, reason }, `trie node ${h}: ${reason}`);
    }
    this.#cache.set(h, node);
    return node;
  }

  /** Batch operations that store `nodes` (sealed: hash and enc set). */
  putOperations(nodes: readonly TrieNode[]): HubBatchOperation[] {
    const sublevel = this.#sublevel;
    return nodes.map((n) => ({ type: "put", sublevel, key: trieNodeKey(n.hash!), value: n.enc! }));
  }

  /**
   * Call once `nodes` are stored: their stored children are referenced by hash from now on, and branches
   * and extensions join the cache (leaves are left out: the state store knows them from its key-values).
   */
  adopt(nodes: readonly TrieNode[]): void {
    for (const n of nodes) {
      detachChildren(n);
      if (n.kind !== "leaf") this.#cache.set(hex(n.hash!), n);
    }
  }
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}
