import { readFile } from "node:fs/promises";
import type { ConnectionGater, PeerId } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import { NetworkError } from "./errors.js";
import { nullLogger, type Logger } from "./logger.js";

export interface PeerGateOpts {
  /**
   * A JSON file holding an array of peer ids (`["12D3Koo…", …]`) this node must not be connected
   * to. A missing file denies nobody; a malformed one is reported and the previous list kept.
   */
  denyPeersFile: string;
  /** How often the file is read again; default 200 ms. */
  pollMs?: number;
}

export interface PeerGateModules {
  logger?: Logger;
}

/** Called after the deny list changed, with the peers it now denies. */
export type DenyListListener = (denied: ReadonlySet<string>) => void;

export const DEFAULT_DENY_PEERS_POLL_MS = 200;

/**
 * The peer ids of a deny file's text: a JSON array of strings, each a valid peer id (duplicates
 * collapse). Throws NETWORK_ERROR_INVALID_ARGUMENT (field "denyPeersFile") for anything else.
 */
export function parseDenyPeersFile(text: string): Set<string> {
  const bad = (reason: string): NetworkError =>
    new NetworkError({ code: "NETWORK_ERROR_INVALID_ARGUMENT", field: "denyPeersFile" }, `deny list ${reason}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw bad(`is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Array.isArray(json)) throw bad("must be a JSON array of peer ids");
  const out = new Set<string>();
  for (const [i, item] of json.entries()) {
    if (typeof item !== "string") throw bad(`[${i}] must be a string`);
    let id: PeerId;
    try {
      id = peerIdFromString(item);
    } catch {
      throw bad(`[${i}] is not a peer id: ${JSON.stringify(item.slice(0, 80))}`);
    }
    out.add(id.toString());
  }
  return out;
}

/**
 * A deny list of peers read from a file and re-read while it runs: the libp2p connection gater of a
 * node refuses to dial a denied peer and drops its connections, inbound and outbound, as soon as the
 * peer is known (after the encryption handshake). Listeners hear about every change, so the network
 * can close the connections it already has. Used to cut links between nodes on one host (chaos
 * bench) without touching their sockets.
 */
export class PeerGate {
  private readonly log: Logger;
  private readonly path: string;
  private readonly pollMs: number;
  private denied: ReadonlySet<string> = new Set();
  /** The file's text at the last read (null: missing), to skip parsing when nothing changed. */
  private lastText: string | null = null;
  private readonly listeners = new Set<DenyListListener>();
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;

  constructor(opts: PeerGateOpts, modules: PeerGateModules = {}) {
    this.log = (modules.logger ?? nullLogger).child({ module: "peer-gate" });
    this.path = opts.denyPeersFile;
    this.pollMs = opts.pollMs ?? DEFAULT_DENY_PEERS_POLL_MS;
    if (typeof this.path !== "string" || this.path.length === 0) {
      throw new NetworkError({ code: "NETWORK_ERROR_INVALID_ARGUMENT", field: "denyPeersFile" }, "denyPeersFile must be a path");
    }
    if (!Number.isSafeInteger(this.pollMs) || this.pollMs <= 0) {
      throw new NetworkError({ code: "NETWORK_ERROR_INVALID_ARGUMENT", field: "denyPollMs" });
    }
  }

  /** Reads the file once (so the first connections are already gated), then every pollMs. */
  async start(): Promise<void> {
    if (this.timer !== undefined) return;
    await this.reload();
    this.timer = setInterval(() => void this.reload(), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  isDenied(peer: string): boolean {
    return this.denied.has(peer);
  }

  get deniedPeers(): ReadonlySet<string> {
    return this.denied;
  }

  onChange(listener: DenyListListener): void {
    this.listeners.add(listener);
  }

  /** The libp2p connection gater: refuses denied peers when dialling and once a connection's peer is known. */
  get connectionGater(): ConnectionGater {
    const denied = (peerId: PeerId): boolean => this.denied.has(peerId.toString());
    return {
      denyDialPeer: denied,
      denyInboundEncryptedConnection: denied,
      denyOutboundEncryptedConnection: denied,
      denyInboundUpgradedConnection: denied,
      denyOutboundUpgradedConnection: denied,
    };
  }

  /** Reads the file now (one read at a time); resolves when the list is up to date. Never throws. */
  reload(): Promise<void> {
    this.reading ??= this.read().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async read(): Promise<void> {
    let text: string | null;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
        this.log.warn("deny list unreadable; keeping the previous one", { path: this.path, err: errMessage(err) });
        return;
      }
      text = null;
    }
    if (text === this.lastText) return;
    this.lastText = text;
    let next: Set<string>;
    try {
      next = text === null ? new Set() : parseDenyPeersFile(text);
    } catch (err) {
      this.log.warn("malformed deny list; keeping the previous one", { path: this.path, err: errMessage(err) });
      return;
    }
    if (next.size === this.denied.size && [...next].every((p) => this.denied.has(p))) return;
    this.denied = next;
    this.log.info("deny list changed", { path: this.path, denied: [...next] });
    for (const listener of this.listeners) {
      try {
        listener(next);
      } catch (err) {
        this.log.error("deny list listener threw", { err: errMessage(err) });
      }
    }
  }
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
