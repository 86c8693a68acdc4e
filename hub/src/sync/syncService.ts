import { AegisError, assertValidCommitCertificate, computeBlockHash } from "@aegis/consumer-sdk";
import {
  CodecError,
  decodeBlocksRequest,
  decodeBlocksResponse,
  decodeStatusResponse,
  encodeBlocksRequest,
  encodeBlocksResponse,
  encodeStatusResponse,
  type StatusResponse,
} from "../codec/index.js";
import type { ConsensusEngine } from "../consensus/consensusEngine.js";
import type { CertifiedBlock } from "../consensus/types.js";
import type { HubDb } from "../db/index.js";
import type { Logger } from "../logger.js";
import type { HubNetwork } from "../network/index.js";

export const STATUS_PROTOCOL = "status";
export const BLOCKS_PROTOCOL = "blocks";

export interface SyncServiceOpts {
  /** Blocks asked for per request (the responder caps it too). */
  batchSize?: number;
  /** How often to compare heights with peers while nothing else triggers it. */
  intervalMs?: number;
  /** Largest response the blocks handler builds. */
  maxResponseBytes?: number;
}

export interface SyncServiceModules {
  network: HubNetwork;
  engine: ConsensusEngine;
  db: HubDb;
  logger: Logger;
}

export type SyncErrorType =
  | { code: "SYNC_ERROR_WRONG_CHAIN"; peer: string; chainId: string }
  | { code: "SYNC_ERROR_BAD_RESPONSE"; peer: string; reason: string }
  | { code: "SYNC_ERROR_INVALID_CERTIFICATE"; peer: string; height: number; reason: string };
export class SyncError extends AegisError<SyncErrorType> {}

const MAX_BATCH = 100;

/**
 * Catch-up: serves `status` and `blocks` (by range, with certificates) and, when behind, fetches the
 * missing blocks from the highest peer, checks each certificate with the SDK's rule and hands the
 * block to the consensus engine, which commits it like one it decided itself.
 */
export class SyncService {
  private readonly batchSize: number;
  private readonly intervalMs: number;
  private readonly maxResponseBytes: number;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | null = null;
  private syncing = false;
  private again = false;
  private running = false;

  constructor(
    opts: SyncServiceOpts,
    private readonly modules: SyncServiceModules,
  ) {
    this.batchSize = Math.min(opts.batchSize ?? 50, MAX_BATCH);
    this.intervalMs = opts.intervalMs ?? 2000;
    this.maxResponseBytes = opts.maxResponseBytes ?? 3 * 1024 * 1024;
    this.log = modules.logger.child({ module: "sync" });
  }

  /** Registers the request handlers (call before the network starts). */
  registerHandlers(): void {
    const { network } = this.modules;
    network.handle(STATUS_PROTOCOL, async () => encodeStatusResponse(await this.getStatus()));
    network.handle(BLOCKS_PROTOCOL, async (req) => {
      const r = decodeBlocksRequest(req);
      const blocks = await this.modules.db.blocks.getRange(r.fromHeight, Math.min(r.count, MAX_BATCH));
      const out: CertifiedBlock[] = [];
      let size = 0;
      for (const b of blocks) {
        const bytes = b.block.txs.reduce((s, t) => s + t.length, 512);
        if (out.length > 0 && size + bytes > this.maxResponseBytes) break;
        out.push(b);
        size += bytes;
      }
      return encodeBlocksResponse(out);
    });
  }

  start(): void {
    this.running = true;
    this.timer = setInterval(() => this.trigger(), this.intervalMs);
    this.modules.network.on("peer:connect", () => this.trigger());
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async getStatus(): Promise<StatusResponse> {
    const tip = this.modules.engine.chainTip;
    return { chainId: tip.chainId, height: tip.height, latestBlockHash: tip.height === 0 ? new Uint8Array(0) : tip.blockHash, earliestHeight: tip.height === 0 ? 0 : 1 };
  }

  /** Asks peers for their height and catches up if behind; coalesces concurrent triggers. */
  trigger(): void {
    if (!this.running) return;
    if (this.syncing) {
      this.again = true;
      return;
    }
    this.syncing = true;
    void this.run().finally(() => {
      this.syncing = false;
      if (this.again && this.running) {
        this.again = false;
        this.trigger();
      }
    });
  }

  private async run(): Promise<void> {
    const { network, engine } = this.modules;
    const statuses: { peer: string; status: StatusResponse }[] = [];
    await Promise.all(
      network.connectedPeers().map(async (peer) => {
        try {
          const status = decodeStatusResponse(await network.request(peer, STATUS_PROTOCOL, new Uint8Array(0), { timeoutMs: 2000 }));
          if (status.chainId !== engine.chainId) throw new SyncError({ code: "SYNC_ERROR_WRONG_CHAIN", peer, chainId: status.chainId });
          statuses.push({ peer, status });
        } catch (e) {
          this.log.debug("status request failed", { peer, error: (e as Error).message });
        }
      }),
    );
    statuses.sort((a, b) => b.status.height - a.status.height);
    for (const { peer, status } of statuses) {
      if (status.height <= engine.height) return;
      try {
        await this.fetchFrom(peer, status.height);
      } catch (e) {
        this.log.warn("sync from peer failed", { peer, error: (e as Error).message, code: (e as AegisError<{ code: string }>).type?.code });
      }
    }
  }

  private async fetchFrom(peer: string, targetHeight: number): Promise<void> {
    const { network, engine } = this.modules;
    while (this.running && engine.height < targetHeight) {
      const from = engine.height + 1;
      const count = Math.min(this.batchSize, targetHeight - from + 1);
      let blocks: CertifiedBlock[];
      try {
        blocks = decodeBlocksResponse(await network.request(peer, BLOCKS_PROTOCOL, encodeBlocksRequest({ fromHeight: from, count }), { timeoutMs: 10_000 }));
      } catch (e) {
        if (e instanceof CodecError) throw new SyncError({ code: "SYNC_ERROR_BAD_RESPONSE", peer, reason: e.message });
        throw e;
      }
      if (blocks.length === 0) return;
      for (const cb of blocks) {
        const h = cb.block.header.height;
        if (h < engine.height + 1) continue;
        if (h !== engine.height + 1) throw new SyncError({ code: "SYNC_ERROR_BAD_RESPONSE", peer, reason: `expected height ${engine.height + 1}, got ${h}` });
        try {
          assertValidCommitCertificate(cb.certificate, {
            chainId: engine.chainId,
            validatorSet: engine.getValidatorSet(h),
            expectedHeight: h,
            expectedBlockHash: computeBlockHash(cb.block.header),
          });
        } catch (e) {
          throw new SyncError({ code: "SYNC_ERROR_INVALID_CERTIFICATE", peer, height: h, reason: (e as Error).message });
        }
        await engine.submitCertifiedBlock(cb);
      }
      // An answer without the block asked for (only blocks this node has) would be asked for again forever.
      if (engine.height < from) throw new SyncError({ code: "SYNC_ERROR_BAD_RESPONSE", peer, reason: `no block at height ${from}` });
    }
  }
}
