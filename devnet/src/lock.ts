import { readFileSync, rmSync } from "node:fs";
import { mkdir, open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { DevnetError } from "./errors.js";

/** `<home>/devnet.pid`: the supervisor that runs the devnet of this home, while it runs. */
export const DEVNET_PID_FILE = "devnet.pid";

export interface DevnetLockInfo {
  pid: number;
  startedAt: string;
}

/** Whether `pid` is a live process that is a devnet supervisor (guards against a reused pid on Linux). */
export function isDevnetProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: alive but someone else's: treat as running (we cannot tell, and must not take its home).
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return /devnet/.test(cmd);
  } catch {
    return true; // no /proc (not Linux): trust kill(pid, 0)
  }
}

/** The live supervisor holding `home`, or null (no pid file, or a stale one left by a crash). */
export async function readDevnetLock(home: string): Promise<DevnetLockInfo | null> {
  let info: DevnetLockInfo;
  try {
    info = JSON.parse(await readFile(join(home, DEVNET_PID_FILE), "utf8")) as DevnetLockInfo;
  } catch {
    return null;
  }
  return Number.isSafeInteger(info.pid) && info.pid > 0 && info.pid !== process.pid && isDevnetProcess(info.pid) ? info : null;
}

/**
 * Takes `home` for this process: writes `devnet.pid` exclusively. A pid file whose process is gone
 * (kill -9, a power cut) is stale and replaced; a live one is refused with DEVNET_ALREADY_RUNNING
 * before anything starts. Returns the release function (idempotent; also run at process exit).
 */
export async function acquireDevnetLock(home: string): Promise<() => void> {
  await mkdir(home, { recursive: true });
  const path = join(home, DEVNET_PID_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, "wx", 0o644);
      await fh.writeFile(JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() } satisfies DevnetLockInfo) + "\n");
      await fh.sync();
      await fh.close();
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off("exit", release);
        try {
          // Only our own file: never remove a lock another process took after a stale one of ours.
          const cur = JSON.parse(readFileSync(path, "utf8")) as DevnetLockInfo;
          if (cur.pid === process.pid) rmSyncQuiet(path);
        } catch {
          /* already gone */
        }
      };
      process.on("exit", release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const held = await readDevnetLock(home);
      if (held) {
        throw new DevnetError(
          "DEVNET_ALREADY_RUNNING",
          `a devnet is already running on ${home} (pid ${held.pid}, since ${held.startedAt}): stop it with \`npm run devnet -- stop --home ${home}\`, or pass another --home`,
        );
      }
      await rm(path, { force: true }); // stale: its process is gone
    }
  }
  throw new DevnetError("DEVNET_ALREADY_RUNNING", `could not take ${path}: another devnet keeps starting on ${home}`);
}

/** fs.rmSync: an exit handler must be synchronous. */
function rmSyncQuiet(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    /* nothing to do at exit */
  }
}
