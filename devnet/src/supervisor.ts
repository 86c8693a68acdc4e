import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";

/**
 * One supervised node process: stdout and stderr appended to `logPath`, restarted when it exits
 * (backing off 1, 2, 4 … 30 s on a crash loop; at once again after it ran for 10 s), stopped with
 * SIGTERM then SIGKILL.
 */
export class SupervisedProcess {
  private proc: ChildProcess | null = null;
  private restarts = 0;
  private startedAt = 0;
  private stopping = false;

  constructor(
    readonly name: string,
    private readonly args: readonly string[],
    private readonly logPath: string,
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
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
      this.restarts = Date.now() - this.startedAt > 10_000 ? 1 : this.restarts + 1;
      const delay = Math.min(30_000, 1000 * 2 ** Math.min(this.restarts - 1, 5));
      this.log(`${this.name} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms — see ${this.logPath}`);
      setTimeout(() => !this.stopping && this.start(), delay).unref();
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs: number): Promise<void> {
    this.stopping = true;
    return new Promise<void>((res) => {
      const p = this.proc;
      if (!p || p.exitCode !== null) return res();
      const kill = setTimeout(() => p.kill("SIGKILL"), graceMs);
      p.once("exit", () => {
        clearTimeout(kill);
        res();
      });
      p.kill("SIGTERM");
    });
  }
}
