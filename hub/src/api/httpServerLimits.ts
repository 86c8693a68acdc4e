import type { IncomingMessage } from "node:http";
import { HUB_MAX_TX_BYTES } from "@aegis/consumer-sdk";

/**
 * What the node's HTTP server (REST API, JSON-RPC and the certificate stream, one port) bounds. Every
 * refusal is answered with a JSON body (`{ error: { code, message } }`, or a JSON-RPC error on the
 * JSON-RPC routes) before the connection is closed.
 */
export interface HttpServerLimits {
  /** The request line and headers must arrive within this (Node's `headersTimeout`); else 408. */
  headersTimeoutMs: number;
  /** The whole request, headers and body, must arrive within this (Node's `requestTimeout`); else 408 and the connection is closed. */
  requestTimeoutMs: number;
  /** A keep-alive connection idle between requests is closed after this (`keepAliveTimeout`). */
  keepAliveTimeoutMs: number;
  /**
   * A socket with no traffic in either direction for this long is destroyed (fastify's
   * `connectionTimeout`, i.e. `socket.setTimeout`). Longer than broadcast_tx_commit's wait, which
   * sends nothing while it waits. WebSocket streams are exempt once upgraded.
   */
  connectionTimeoutMs: number;
  /** How often the header and request timeouts are checked (Node's `connectionsCheckingInterval`): a late request is cut within this after its bound. */
  timeoutCheckIntervalMs: number;
  /** Largest request body (fastify's `bodyLimit`); larger gets 413. */
  maxBodyBytes: number;
  /**
   * After a body goes over `maxBodyBytes`, up to this many more bytes are read and thrown away before
   * the 413 is sent, so that a client still sending reads the answer instead of a connection reset.
   * A client that sends more than that has its connection closed.
   */
  maxDiscardedBodyBytes: number;
  /** Longest route parameter (a path segment such as a height or a consumer id); longer gets 414. */
  maxParamLength: number;
  /** Open connections from all clients together; one more is closed as it is accepted (`server.maxConnections`). */
  maxConnections: number;
  /**
   * Open connections from one client (IP address); a request on one more gets 429
   * API_ERROR_TOO_MANY_CONNECTIONS and its connection is closed (a silent one after 2 s).
   */
  maxConnectionsPerClient: number;
  /** Certificate-stream subscribers from all clients together; one more gets 503 API_ERROR_TOO_MANY_SUBSCRIBERS before the upgrade. */
  maxStreamSubscribers: number;
  /** Certificate-stream subscribers from one client (IP address); one more gets 429 API_ERROR_TOO_MANY_SUBSCRIBERS before the upgrade. */
  maxStreamSubscribersPerClient: number;
}

export const DEFAULT_HTTP_SERVER_LIMITS: Readonly<HttpServerLimits> = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  connectionTimeoutMs: 60_000,
  timeoutCheckIntervalMs: 1_000,
  // A base64 transaction of HUB_MAX_TX_BYTES in JSON is ~4/3 of it: twice leaves room for the envelope.
  maxBodyBytes: HUB_MAX_TX_BYTES * 2,
  maxDiscardedBodyBytes: 8 * 1024 * 1024,
  maxParamLength: 100,
  // Loopback is one client for everything a devnet runs (dashboard, six consumer nodes, relayer,
  // benchmarks' senders): the per-client bounds leave room for that, the totals bound the node.
  maxConnections: 1024,
  maxConnectionsPerClient: 256,
  maxStreamSubscribers: 256,
  maxStreamSubscribersPerClient: 64,
});

/** At most `max` characters of user input, for an error message (never the whole of a long input). */
export function clipUserInput(s: string, max = 80): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} characters)`;
}

/**
 * Reads and throws away the rest of a request body, up to `maxBytes`. Resolves true when the body
 * ended within that, false when it went over (the caller answers and closes the connection) or the
 * connection closed first.
 */
export function drainRequestBody(req: IncomingMessage, maxBytes: number): Promise<boolean> {
  if (req.complete) return Promise.resolve(true);
  if (req.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    let seen = 0;
    const finish = (ended: boolean) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("close", onClose);
      req.off("error", onClose);
      if (!ended) req.pause();
      resolve(ended);
    };
    const onData = (chunk: Buffer | string) => {
      seen += chunk.length;
      if (seen > maxBytes) finish(false);
    };
    const onEnd = () => finish(true);
    const onClose = () => finish(req.complete);
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("close", onClose);
    req.on("error", onClose);
    req.resume();
  });
}
