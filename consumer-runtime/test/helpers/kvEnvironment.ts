import { toHex, utf8 } from "@aegis/consumer-sdk";
import { executionError, type BlockContext, type BuiltBlock, type ExecutionEnvironment, type ExecutionResult, type StateDb } from "../../src/index.js";

/**
 * A minimal environment for the runtime's tests: a transaction is "key=value" (ASCII, key 1-32
 * characters of a-z0-9), written into the trie; "fail:<anything>" is a valid transaction whose
 * receipt fails; anything else is malformed (a block containing it is invalid).
 */
export class KvEnvironment implements ExecutionEnvironment {
  readonly vm = "kv";
  private db!: StateDb;

  async open(db: StateDb): Promise<void> {
    this.db = db;
  }

  async initGenesis(): Promise<Uint8Array> {
    const t = await this.db.openTrie();
    await t.put(utf8("genesis"), utf8("1"));
    return t.root();
  }

  private parse(tx: Uint8Array): { key: string; value: string } | "fail" {
    const s = new TextDecoder().decode(tx);
    if (s.startsWith("fail:")) return "fail";
    const m = /^([a-z0-9]{1,32})=(.{0,256})$/s.exec(s);
    if (!m) throw executionError({ code: "EXECUTION_ERROR_MALFORMED_TX", reason: "not key=value" });
    return { key: m[1]!, value: m[2]! };
  }

  async checkTx(_root: Uint8Array, tx: Uint8Array): Promise<void> {
    this.parse(tx);
  }

  async executeBlock(parentStateRoot: Uint8Array, txs: readonly Uint8Array[], ctx: BlockContext): Promise<ExecutionResult> {
    const t = await this.db.openTrie(parentStateRoot);
    const receipts = [];
    for (const tx of txs) {
      const p = this.parse(tx);
      if (p === "fail") {
        receipts.push({ code: 1, log: "failed on purpose" });
        continue;
      }
      await t.put(utf8(p.key), utf8(p.value));
      receipts.push({ code: 0, log: "", data: { height: ctx.height } });
    }
    return { stateRoot: t.root(), receipts };
  }

  async buildBlock(parentStateRoot: Uint8Array, candidates: readonly Uint8Array[], ctx: BlockContext): Promise<BuiltBlock> {
    const ok: Uint8Array[] = [];
    const rejected = [];
    for (const tx of candidates) {
      try {
        this.parse(tx);
        ok.push(tx);
      } catch (e) {
        rejected.push({ tx, error: e as never });
      }
    }
    const r = await this.executeBlock(parentStateRoot, ok, ctx);
    return { ...r, txs: ok, rejected };
  }

  async query(stateRoot: Uint8Array, path: readonly string[]): Promise<unknown> {
    if (path.length !== 2 || path[0] !== "kv") throw executionError({ code: "EXECUTION_ERROR_BAD_QUERY", reason: "kv/<key>" });
    const t = await this.db.openTrie(stateRoot);
    const v = await t.get(utf8(path[1]!));
    return v ? { key: path[1], value: new TextDecoder().decode(v), root: toHex(stateRoot) } : undefined;
  }
}
