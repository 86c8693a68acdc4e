import { Level, type BatchOperation } from "level";
import { BlockRepository } from "./blockRepository.js";
import { CheckpointHistoryRepository } from "./checkpointHistoryRepository.js";
import { DbError } from "./dbError.js";
import { EvidenceRepository } from "./evidenceRepository.js";
import { MetaRepository } from "./metaRepository.js";
import { PolkaRepository } from "./polkaRepository.js";
import { SignerGuardRepository } from "./signerGuardRepository.js";
import { WalRepository } from "./walRepository.js";
import { TxIndexRepository } from "./txIndexRepository.js";
import { ZkCertificateRepository } from "./zkCertificateRepository.js";

/** The root database: utf8 keys, binary (Uint8Array) values. */
export type HubLevel = Level<string, Uint8Array>;

function openSublevel(root: HubLevel, name: string) {
  return root.sublevel<string, Uint8Array>(name, { keyEncoding: "utf8", valueEncoding: "view" });
}

/** One named key space inside the root database. */
export type HubSublevel = ReturnType<typeof openSublevel>;

/** A batch operation on the root database; set `sublevel` to write into a key space atomically with others. */
export type HubBatchOperation = BatchOperation<HubLevel, string, Uint8Array>;

/** What every repository gets: the root (for atomic, synced batches across key spaces) and its own sublevel. */
export interface RepositoryModules {
  root: HubLevel;
  sublevel: HubSublevel;
}

export interface RepositoryOptions {
  /** fsync each write before resolving (LevelDB `sync`). HubDb always sets it. */
  sync: boolean;
}

export const HUB_DB_SUBLEVELS = ["meta", "blocks", "wal", "evidence", "guard", "state", "txindex", "zkcerts", "checkpoints", "polkas"] as const;

/**
 * The hub's single on-disk LevelDB database. Every key space is a sublevel, and a write that spans key
 * spaces (a block with the latest-height record) is one batch. Writes are synced (fsync) before they
 * resolve, so what a caller awaited survives a crash.
 */
export class HubDb {
  readonly path: string;
  readonly meta: MetaRepository;
  readonly blocks: BlockRepository;
  readonly wal: WalRepository;
  readonly evidence: EvidenceRepository;
  readonly guard: SignerGuardRepository;
  readonly txs: TxIndexRepository;
  readonly zkCertificates: ZkCertificateRepository;
  /** Every consumer checkpoint the hub accepted (the state holds each consumer's latest only). */
  readonly checkpoints: CheckpointHistoryRepository;
  /** Every polka (more than 2/3 prevotes for one block in one round) the node saw, for fork cases across rounds. */
  readonly polkas: PolkaRepository;
  readonly #root: HubLevel;
  readonly #state: HubSublevel;

  private constructor(opts: { path: string }, modules: { root: HubLevel }) {
    this.path = opts.path;
    this.#root = modules.root;
    const root = modules.root;
    const repo = { sync: true };
    this.meta = new MetaRepository(repo, { root, sublevel: openSublevel(root, "meta") });
    this.blocks = new BlockRepository(repo, { root, sublevel: openSublevel(root, "blocks"), meta: this.meta });
    this.wal = new WalRepository(repo, { root, sublevel: openSublevel(root, "wal") });
    this.evidence = new EvidenceRepository(repo, { root, sublevel: openSublevel(root, "evidence") });
    this.guard = new SignerGuardRepository(repo, { root, sublevel: openSublevel(root, "guard") });
    this.txs = new TxIndexRepository(repo, { root, sublevel: openSublevel(root, "txindex") });
    this.zkCertificates = new ZkCertificateRepository(repo, { root, sublevel: openSublevel(root, "zkcerts") });
    this.checkpoints = new CheckpointHistoryRepository(repo, { root, sublevel: openSublevel(root, "checkpoints") });
    this.polkas = new PolkaRepository(repo, { root, sublevel: openSublevel(root, "polkas") });
    this.#state = openSublevel(root, "state");
  }

  /** Root and `state` sublevel for the state store (hub/src/state), which writes its own synced batches. */
  get stateModules(): RepositoryModules {
    return { root: this.#root, sublevel: this.#state };
  }

  /** Opens (creating if needed) the database at `path`. Throws DB_ERROR_OPEN_FAILED, e.g. when another handle holds it. */
  static async open(path: string): Promise<HubDb> {
    const root: HubLevel = new Level<string, Uint8Array>(path, { keyEncoding: "utf8", valueEncoding: "view" });
    try {
      await root.open();
    } catch (e) {
      const cause = (e as { cause?: unknown }).cause;
      const reason = [e, cause]
        .filter((x): x is Error => x instanceof Error)
        .map((x) => x.message)
        .join(": ");
      throw new DbError({ code: "DB_ERROR_OPEN_FAILED", path, reason }, `cannot open hub database at ${path}: ${reason}`);
    }
    return new HubDb({ path }, { root });
  }

  /**
   * A database over a level the caller opened (the simulator's in-memory disk, hub/src/sim/simDisk.ts):
   * the same repositories as open() gives. `label` stands for the path in messages.
   */
  static fromLevel(root: HubLevel, label: string): HubDb {
    if (root.status !== "open") throw new DbError({ code: "DB_ERROR_OPEN_FAILED", path: label, reason: `the level is ${root.status}` }, `cannot use the level ${label}: it is ${root.status}`);
    return new HubDb({ path: label }, { root });
  }

  get isOpen(): boolean {
    return this.#root.status === "open";
  }

  async close(): Promise<void> {
    await this.#root.close();
  }
}
