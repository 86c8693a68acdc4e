import type { Server } from "node:net";
import type { Socket } from "node:net";

export interface HttpConnectionLimits {
  /**
   * Open connections the server holds at most, from all clients together; one more is closed by Node
   * as it is accepted (`server.maxConnections`), before a byte is read.
   */
  maxConnections: number;
  /**
   * Open connections one client (one remote IP address) holds at most. The server answers a request
   * that comes on a connection beyond it with 429 and closes that connection; such a connection that
   * sends nothing is closed after `overLimitIdleMs`.
   */
  maxConnectionsPerClient: number;
}

/** How long a connection beyond its client's limit may stay silent before it is closed. */
export const OVER_LIMIT_IDLE_MS = 2_000;

/**
 * Counts a Node HTTP server's open connections by client address and marks the ones beyond
 * `maxConnectionsPerClient` (the server answers their requests with its own "too many connections"
 * error: see `isOverLimit`). The total is bounded by `maxConnections`, Node's own cap. The hub's API
 * and the consumer node's API both use it, so a client's share is the same rule in both.
 */
export class HttpConnectionLimiter {
  private readonly perClient = new Map<string, number>();
  private readonly over = new WeakSet<Socket>();

  constructor(
    server: Server,
    readonly limits: Readonly<HttpConnectionLimits>,
    private readonly overLimitIdleMs = OVER_LIMIT_IDLE_MS,
  ) {
    for (const [name, n] of Object.entries(limits)) {
      if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${String(n)}`);
    }
    server.maxConnections = limits.maxConnections;
    // Registered after the HTTP server's own listener (which sets the idle timeout), so an
    // over-limit connection's shorter timeout is the one that holds.
    server.on("connection", (socket: Socket) => this.onConnection(socket));
  }

  /** The client's key: its IP address (IPv4-mapped IPv6 folded to IPv4). */
  static clientOf(socket: Socket): string {
    const a = socket.remoteAddress ?? "unknown";
    return a.startsWith("::ffff:") ? a.slice(7) : a;
  }

  /** Connections open now from `client` (an IP address). */
  connectionsOf(client: string): number {
    return this.perClient.get(client) ?? 0;
  }

  /** Whether this connection is beyond its client's limit (its requests are to be refused). */
  isOverLimit(socket: Socket): boolean {
    return this.over.has(socket);
  }

  private onConnection(socket: Socket): void {
    const client = HttpConnectionLimiter.clientOf(socket);
    const n = this.connectionsOf(client) + 1;
    this.perClient.set(client, n);
    socket.once("close", () => {
      const left = this.connectionsOf(client) - 1;
      if (left > 0) this.perClient.set(client, left);
      else this.perClient.delete(client);
    });
    if (n > this.limits.maxConnectionsPerClient) {
      this.over.add(socket);
      socket.setTimeout(this.overLimitIdleMs, () => socket.destroy());
    }
  }
}
