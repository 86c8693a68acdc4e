import { isPortFree } from "@aegis/hub";
import { DevnetError } from "./errors.js";

export { isPortFree };

/** A port the devnet is about to listen on, and what for (named in the refusal). */
export interface PlannedPort {
  port: number;
  what: string;
}

/**
 * Refuses with DEVNET_PORT_TAKEN, naming every taken port and its use, when any planned port cannot
 * be listened on, so that nothing starts half-way. (A port can still be taken between this check and
 * the node's own listen; the node then fails loudly and the supervisor says so.)
 */
export async function assertPortsFree(host: string, ports: PlannedPort[]): Promise<void> {
  const dup = ports.find((p, i) => ports.findIndex((q) => q.port === p.port) !== i);
  if (dup) throw new DevnetError("DEVNET_PORT_TAKEN", `port ${dup.port} is planned twice (${ports.filter((p) => p.port === dup.port).map((p) => p.what).join(" and ")}): choose base ports further apart`);
  const taken: PlannedPort[] = [];
  for (const p of ports) if (!(await isPortFree(host, p.port))) taken.push(p);
  if (taken.length > 0) {
    const list = taken.map((p) => `${p.port} (${p.what})`).join(", ");
    throw new DevnetError(
      "DEVNET_PORT_TAKEN",
      `port${taken.length > 1 ? "s" : ""} ${list} on ${host} ${taken.length > 1 ? "are" : "is"} in use: stop what uses ${taken.length > 1 ? "them" : "it"} (\`npm run devnet -- status\` shows a devnet of another --home), or choose other ports (--p2p-port, --api-port, --consumer-api-port, --consumer-p2p-port, --dashboard-port). Nothing was started.`,
    );
  }
}

/** The port of `http://host:port` or `/ip4/host/tcp/port/...`. */
export function portOf(addr: string): number {
  const m = /\/tcp\/(\d+)/.exec(addr) ?? /:(\d+)\/?$/.exec(addr);
  if (!m) throw new Error(`no port in ${addr}`);
  return Number(m[1]);
}
