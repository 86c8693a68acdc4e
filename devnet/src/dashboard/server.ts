import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import websocket from "@fastify/websocket";
import Fastify from "fastify";
import type { DashboardMessage } from "./dashboardSnapshot.js";
import { NetworkAggregator, type NetworkAggregatorOpts } from "./networkAggregator.js";

export interface DashboardOpts {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The devnet's devnet.json (re-read when it changes). */
  devnetJsonPath: string;
  log?: (line: string) => void;
  /** Polling and memory knobs of the aggregator (defaults: 1 s polls, the last 300 blocks). */
  aggregator?: Omit<NetworkAggregatorOpts, "devnetJsonPath">;
  /** The built page (default: devnet/dashboard/dist, made by devnet/scripts/build-dashboard.mjs). */
  staticDir?: string;
}

export interface DashboardServer {
  /** e.g. http://127.0.0.1:8090 */
  url: string;
  close(): Promise<void>;
}

/** devnet/dashboard/dist, from devnet/src/dashboard (tests) and devnet/dist/dashboard (the build) alike. */
export const DASHBOARD_DIST_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../dashboard/dist");

/** Bytes a page may have unread before it is disconnected (it reconnects and gets a fresh snapshot). */
const MAX_CLIENT_BACKLOG = 8 * 1024 * 1024;

/**
 * Serves the devnet dashboard: the built page at `/`, a WebSocket `/live` (one `{ type: "snapshot" }`
 * message on connect, then `{ type: "update" }` messages, see dashboardSnapshot.ts) and
 * `GET /api/snapshot` (the same snapshot as JSON). The data comes from a NetworkAggregator watching
 * the devnet that `devnetJsonPath` describes. Rejects with a clear error when the port is taken or
 * the page is not built.
 */
export async function startDashboard(opts: DashboardOpts): Promise<DashboardServer> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const root = opts.staticDir ?? DASHBOARD_DIST_DIR;
  if (!existsSync(join(root, "index.html"))) {
    throw new Error(`the dashboard page is not built (${join(root, "index.html")} is missing): run \`node devnet/scripts/build-dashboard.mjs\` (or \`npm run build\`)`);
  }
  const aggregator = new NetworkAggregator({ ...opts.aggregator, devnetJsonPath: resolve(opts.devnetJsonPath) }, { log });
  const app = Fastify({ logger: false });
  await app.register(fastifyStatic, { root, index: "index.html", cacheControl: false });
  await app.register(websocket, { options: { maxPayload: 1024 } });

  app.get("/api/snapshot", async (_req, reply) => {
    reply.header("cache-control", "no-store");
    return aggregator.getSnapshot();
  });

  const sockets = new Set<{ close(code?: number, reason?: string): void }>();
  app.register(async (scope) => {
    scope.get("/live", { websocket: true }, (socket) => {
      sockets.add(socket);
      const send = (m: DashboardMessage) => {
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > MAX_CLIENT_BACKLOG) return socket.close(1008, "too far behind");
        socket.send(JSON.stringify(m));
      };
      send({ type: "snapshot", snapshot: aggregator.getSnapshot() });
      const off = aggregator.onUpdate((update) => send({ type: "update", update }));
      socket.on("close", () => {
        off();
        sockets.delete(socket);
      });
      socket.on("message", () => socket.close(1003, "this socket takes no messages"));
    });
  });

  let address: string;
  try {
    address = await app.listen({ host: opts.host, port: opts.port });
  } catch (e) {
    await app.close().catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw new Error(`dashboard: ${opts.host}:${opts.port} is already in use; pick another port (--port) or stop what listens there`);
    if (code === "EADDRNOTAVAIL") throw new Error(`dashboard: cannot listen on ${opts.host} (not an address of this machine)`);
    throw e;
  }
  await aggregator.start();
  log(`dashboard: ${address} (watching ${opts.devnetJsonPath})`);

  let closed: Promise<void> | null = null;
  return {
    url: address,
    close() {
      closed ??= (async () => {
        await aggregator.stop();
        for (const s of sockets) s.close(1001, "dashboard stopping");
        await app.close();
      })();
      return closed;
    },
  };
}
