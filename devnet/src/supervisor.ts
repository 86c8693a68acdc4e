import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";

/** A run shorter than this counts as a crash at start (a crash loop), not as a node that ran and died. */
export const QUICK_EXIT_MS = 10_000;
/** Crashes at start in a row after which the supervisor gives up on a node (and the devnet stops, exit 1). */
export const MAX_QUICK_EXITS = 8;
/** Restart delays: 0.5 s after a node that ran; after crashes at start 1, 2, 4 … up to 30 s. */
export const RESTART_DELAY_MS = 500;
export const MAX_RESTART_DELAY_MS = 30_000;

export interface RestartPolicy {
  quickExitMs: number;
  maxQuickExits: number;
  /** Delay after a node that ran, then died; and the first delay of the backoff after crashes at start. */
  restartDelayMs: number;
  backoffBaseMs: number;
  maxRestartDelayMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  quickExitMs: QUICK_EXIT_MS,
  maxQuickExits: MAX_QUICK_EXITS,
  restartDelayMs: RESTART_DELAY_MS,
  backoffBaseMs: 1000,
  maxRestartDelayMs: MAX_RESTART_DELAY_MS,
};

/** The restart delay after `quickExits` crashes at start in a row (0: the node ran, then died). */
export function restartDelayMs(quickExits: number, policy: RestartPolicy = DEFAULT_RESTART_POLICY): number {
  return quickExits === 0 ? policy.restartDelayMs : Math.min(policy.maxRestartDelayMs, policy.backoffBaseMs * 2 ** (quickExits - 1));
}

/**
 * One supervised node process: stdout and stderr appended to `logPath`, restarted when it exits. A node
 * that ran for QUICK_EXIT_MS and died (kill -9, a crash) is restarted after 0.5 s, whatever happened
 * before, so a validator is back long before it could be jailed for downtime; one that crashes at
 * start is retried with a backoff, and after MAX_QUICK_EXITS in a row `onGiveUp` is called instead
 * (a configuration problem that restarting cannot fix). The restart timer keeps the process alive:
 * the supervisor never exits silently while a node is down.
 */
export class SupervisedProcess {
  private proc: ChildProcess | null = null;
  private quickExits = 0;
  private startedAt = 0;
  private stopping = false;
  private timer: NodeJS.Timeout | null = null;
  /** Times the process was (re)started, the first start included. */
  starts = 0;

  constructor(
    readonly name: string,
    private readonly args: readonly string[],
    readonly logPath: string,
    private readonly log: (line: string) => void,
    private readonly onGiveUp: (p: SupervisedProcess, reason: string) => void = () => {},
    private readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY,
  ) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  start(): void {
    this.timer = null;
    this.starts++;
    const logFile = createWriteStream(this.logPath, { flags: "a" });
    const proc = spawn(process.execPath, [...this.args], { stdio: ["ignore", "pipe", "pipe"] });
    proc.stdout!.pipe(logFile);
    proc.stderr!.pipe(logFile);
    this.proc = proc;
    this.startedAt = Date.now();
    proc.on("exit", (code, signal) => {
      this.proc = null;
      logFile.end();
      if (this.stopping) return;
      const { policy } = this;
      this.quickExits = Date.now() - this.startedAt < policy.quickExitMs ? this.quickExits + 1 : 0;
      const how = signal ?? `code ${code}`;
      if (this.quickExits >= policy.maxQuickExits) {
        this.stopping = true;
        this.onGiveUp(this, `${this.name} exited (${how}) within ${policy.quickExitMs / 1000} s of starting ${this.quickExits} times in a row — see ${this.logPath}`);
        return;
      }
      const delay = restartDelayMs(this.quickExits, policy);
      this.log(`${this.name} exited (${how}); restarting in ${delay} ms — see ${this.logPath}`);
      this.timer = setTimeout(() => !this.stopping && this.start(), delay);
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    return new Promise<void>((res) => {
      const p = this.proc;
      if (!p || p.exitCode !== null || p.signalCode !== null) return res();
      const kill = setTimeout(() => p.kill("SIGKILL"), graceMs);
      p.once("exit", () => {
        clearTimeout(kill);
        res();
      });
      p.kill("SIGTERM");
    });
  }
}
