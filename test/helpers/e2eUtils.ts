/**
 * Helpers shared by the end-to-end tests: free ports on loopback, temp folders, polling, HTTP JSON,
 * a capturing logger and child-process bookkeeping. Nothing here asserts on timings.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "@aegis/hub";

export const HOST = "127.0.0.1";

function listen(port: number): Promise<Server | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(null));
    srv.listen({ host: HOST, port, exclusive: true }, () => resolve(srv));
  });
}

function close(srv: Server): Promise<void> {
  return new Promise((resolve) => srv.close(() => resolve()));
}

/** A free TCP port on 127.0.0.1 (listen on port 0, read it, close). */
export async function reservePort(): Promise<number> {
  const srv = await listen(0);
  if (!srv) throw new Error("cannot listen on 127.0.0.1:0");
  const port = (srv.address() as { port: number }).port;
  await close(srv);
  return port;
}

const usedBases = new Set<number>();

/**
 * `count` consecutive free ports (base, base+1, ...), for configs that derive node i's port as base + i.
 * Picks bases below the kernel's ephemeral range (32768+) so outbound connections cannot take them.
 */
export async function reservePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (12_000 - count));
    if ([...usedBases].some((b) => Math.abs(b - base) < 64)) continue;
    const servers: Server[] = [];
    let ok = true;
    for (let i = 0; i < count; i++) {
      const srv = await listen(base + i);
      if (!srv) {
        ok = false;
        break;
      }
      servers.push(srv);
    }
    await Promise.all(servers.map(close));
    if (ok) {
      usedBases.add(base);
      return base;
    }
  }
  throw new Error(`no range of ${count} free ports found`);
}

export async function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `aegis-e2e-${prefix}-`));
}

/** Removes a temp folder (kept, and its path printed, when AEGIS_E2E_KEEP=1: for debugging). */
export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir && process.env.AEGIS_E2E_KEEP === "1") {
    process.stderr.write(`AEGIS_E2E_KEEP: kept ${dir}\n`);
    return;
  }
  if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `cond` until it returns a truthy value (returned) or the deadline passes (throws, naming
 * `what` and the last error/value). `cond` may throw: that counts as "not yet".
 */
export async function waitFor<T>(cond: () => T | Promise<T>, timeoutMs = 30_000, what = "condition", intervalMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${detail})`);
    }
    await sleep(intervalMs);
  }
}

export interface HttpResult<T = any> {
  status: number;
  body: T;
}

/** GET/POST returning status and parsed JSON body (text when not JSON). */
export async function http<T = any>(url: string, init: { method?: string; body?: string; contentType?: string; timeoutMs?: number } = {}): Promise<HttpResult<T>> {
  const res = await fetch(url, {
    method: init.method ?? "GET",
    body: init.body,
    headers: init.body !== undefined ? { "content-type": init.contentType ?? "application/json" } : undefined,
    signal: AbortSignal.timeout(init.timeoutMs ?? 5000),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: body as T };
}

/** GET json, or undefined when the server does not answer (or answers non-2xx). */
export async function tryGetJson<T = any>(url: string): Promise<T | undefined> {
  try {
    const r = await http<T>(url, { timeoutMs: 3000 });
    return r.status >= 200 && r.status < 300 ? r.body : undefined;
  } catch {
    return undefined;
  }
}

export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export interface LogRecord {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

/** A Logger that keeps every record (and prints them when AEGIS_E2E_LOG=1). */
export function createCaptureLogger(bound: Record<string, unknown> = {}, sink: LogRecord[] = []): Logger & { records: LogRecord[] } {
  const print = process.env.AEGIS_E2E_LOG === "1";
  const write = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    const rec = { level, msg, fields: { ...bound, ...(fields ?? {}) } };
    if (sink.length < 200_000) sink.push(rec);
    if (print) process.stderr.write(`${level} ${msg} ${safeJson(rec.fields)}\n`);
  };
  return {
    records: sink,
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    child: (fields) => createCaptureLogger({ ...bound, ...fields }, sink),
  };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x instanceof Uint8Array ? Buffer.from(x).toString("hex") : x));
  } catch {
    return "{}";
  }
}

/** A spawned child process whose stdout+stderr go to a log file, with an exit promise. */
export interface SpawnedProcess {
  proc: ChildProcess;
  logPath: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything written to stdout so far (also in the log file). */
  stdout(): string;
  stderr(): string;
}

export function spawnLogged(args: string[], logPath: string, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): SpawnedProcess {
  const log: WriteStream = createWriteStream(logPath, { flags: "a" });
  const proc = spawn(process.execPath, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    log.write(d);
  });
  proc.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
    log.write(d);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once("close", (code, signal) => {
      log.end(() => resolve({ code, signal }));
    });
  });
  return { proc, logPath, exited, stdout: () => out, stderr: () => err };
}

/** Resolves with the exit result, or null when the process is still running after `ms`. */
export async function exitWithin(p: SpawnedProcess, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)));
  try {
    return await Promise.race([p.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Ends a child that is still running: SIGTERM, then SIGKILL after `graceMs`. Safe to call twice. */
export async function ensureStopped(p: SpawnedProcess | undefined, graceMs = 10_000): Promise<void> {
  if (!p) return;
  if (p.proc.exitCode === null && p.proc.signalCode === null) {
    p.proc.kill("SIGTERM");
    if ((await exitWithin(p, graceMs)) === null) p.proc.kill("SIGKILL");
  }
  await p.exited;
}

/** True when `pid` names a live process. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
