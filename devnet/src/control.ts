/** `npm run devnet -- status | stop | reset`: what runs on a home, stopping it, deleting it. */
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { DevnetFile } from "./devnet.js";
import { assertDevnetHome } from "./devnet.js";
import { DevnetError } from "./errors.js";
import { isDevnetProcess, readDevnetLock, type DevnetLockInfo } from "./lock.js";

export interface NodeStatus {
  name: string;
  url: string;
  up: boolean;
  height: number | null;
  /** Hub nodes: connected peers; consumer nodes: their hub-final height. */
  detail: string;
}

export interface DevnetStatus {
  home: string;
  chainId: string | null;
  running: DevnetLockInfo | null;
  nodes: NodeStatus[];
  dashboard: string | null;
}

async function getJson(url: string, timeoutMs: number): Promise<Record<string, unknown> | null> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!r.ok) return null;
    return (await r.json()) as Record<string, unknown>;
  } catch {
    return null;
  }
}

async function readDevnetFile(home: string): Promise<DevnetFile | null> {
  const path = join(home, "devnet.json");
  if (!existsSync(path)) return null;
  return JSON.parse(await readFile(path, "utf8")) as DevnetFile;
}

/** The devnet of `home`: whether its supervisor runs, and each node's answer (down when it does not answer within 2 s). */
export async function getDevnetStatus(homeArg: string): Promise<DevnetStatus> {
  const home = resolve(homeArg);
  const file = await readDevnetFile(home);
  const running = await readDevnetLock(home);
  const nodes: Promise<NodeStatus>[] = [];
  for (const n of [...(file?.nodes ?? []), ...(file?.prover ? [file.prover] : [])]) {
    nodes.push(
      getJson(`${n.api}/status`, 2000).then((s) => ({
        name: n.moniker,
        url: n.api,
        up: s !== null,
        height: typeof s?.height === "number" ? s.height : null,
        detail: s ? `peers ${String(s.peers)}` : "",
      })),
    );
  }
  for (const c of file?.consumers ?? []) {
    for (const n of c.nodes) {
      nodes.push(
        getJson(`${n.api}/finality`, 2000).then((f) => ({
          name: `${c.id}/${n.role}`,
          url: n.api,
          up: f !== null,
          height: typeof f?.height === "number" ? f.height : null,
          detail: f ? `hub-final ${String(f.hubFinalHeight)}` : "",
        })),
      );
    }
  }
  return { home, chainId: file?.chainId ?? null, running, nodes: await Promise.all(nodes), dashboard: file?.dashboard ?? null };
}

export function formatDevnetStatus(s: DevnetStatus): string {
  if (!s.chainId) return `no devnet in ${s.home} (\`npm run devnet\` creates one)`;
  const lines = [`devnet ${s.chainId} in ${s.home}: ${s.running ? `running (pid ${s.running.pid}, since ${s.running.startedAt})` : "stopped"}`];
  for (const n of s.nodes) {
    lines.push(`  ${n.name.padEnd(18)} ${n.up ? "up  " : "down"}  ${n.height !== null ? `height ${String(n.height).padEnd(8)}` : " ".repeat(15)} ${n.detail.padEnd(16)} ${n.url}`);
  }
  if (s.dashboard && s.running) lines.push(`  dashboard          ${s.dashboard}`);
  return lines.join("\n");
}

/**
 * Stops the devnet running on `home` (SIGTERM to its supervisor, which stops every node cleanly) and
 * waits until it is gone. False when none was running.
 */
export async function stopDevnet(homeArg: string, timeoutMs = 60_000): Promise<boolean> {
  const home = resolve(homeArg);
  const held = await readDevnetLock(home);
  if (!held) return false;
  process.kill(held.pid, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (isDevnetProcess(held.pid)) {
    if (Date.now() > deadline) throw new DevnetError("DEVNET_ALREADY_RUNNING", `the devnet supervisor (pid ${held.pid}) did not stop within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return true;
}

/**
 * Deletes the devnet of `home` (its chain, keys and logs; the circuit cache stays). Refused while it
 * runs, and for a folder that is not a devnet's.
 */
export async function resetDevnet(homeArg: string): Promise<boolean> {
  const home = resolve(homeArg);
  await assertDevnetHome(home);
  const held = await readDevnetLock(home);
  if (held) throw new DevnetError("DEVNET_ALREADY_RUNNING", `the devnet on ${home} is running (pid ${held.pid}): \`npm run devnet -- stop --home ${homeArg}\` first`);
  if (!existsSync(home)) return false;
  await rm(home, { recursive: true, force: true });
  return true;
}
