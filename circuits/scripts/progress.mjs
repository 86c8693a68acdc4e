// A snarkjs logger that draws progress bars (cli-progress) from the "<what>: i/n" debug lines snarkjs
// prints while it works, and prints its info lines. On a terminal the bar redraws in place; elsewhere
// (CI, a log file) it prints a line at every 10 % of a step.
import cliProgress from "cli-progress";

const STEP = /^(.*?):?\s*(\d+)\/(\d+)\s*$/;

export function createProgressLogger({ quiet = false, stream = process.stderr } = {}) {
  const tty = Boolean(stream.isTTY);
  let bar = null;
  let label = "";
  let lastDecile = -1;
  const stop = () => {
    if (bar) bar.stop();
    bar = null;
    label = "";
  };
  const step = (what, i, n) => {
    if (quiet) return;
    if (what !== label) {
      stop();
      label = what;
      lastDecile = -1;
      if (tty) {
        bar = new cliProgress.SingleBar(
          { format: `  ${what.padEnd(36).slice(0, 36)} [{bar}] {percentage}% {value}/{total}`, stream, hideCursor: true, clearOnComplete: false },
          cliProgress.Presets.shades_classic,
        );
        bar.start(n, i);
      }
    }
    if (bar) bar.update(i);
    else {
      const decile = Math.floor((10 * i) / Math.max(1, n));
      if (decile !== lastDecile) {
        lastDecile = decile;
        stream.write(`  ${what}: ${Math.round((100 * i) / Math.max(1, n))}%\n`);
      }
    }
  };
  // Work without a count (FFT stages, sections): the latest message, at most every 2 s on a terminal
  // (in place) and every 15 s elsewhere, so a long step still shows it is moving.
  let lastActivity = 0;
  const started = Date.now();
  const activity = (text) => {
    if (quiet || bar) return;
    const now = Date.now();
    if (now - lastActivity < (tty ? 2000 : 15000)) return;
    lastActivity = now;
    const line = `  … ${Math.round((now - started) / 1000)} s: ${text.replace(/\s+/g, " ").slice(0, 70)}`;
    stream.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
  };
  const line = (level) => (msg) => {
    const text = String(msg);
    const m = STEP.exec(text);
    // Steps over few items (FFT stages, multiexp chunks) would only flicker: bars are for point counts.
    if (m && level === "debug" && Number(m[3]) >= 256 && !/^Multiexp/.test(m[1])) return step(m[1].trim(), Number(m[2]), Number(m[3]));
    if (level === "debug") return activity(text);
    if (quiet) return;
    stop();
    if (tty && lastActivity) stream.write("\r\x1b[K"); // clear an in-place activity line
    stream.write(`${level === "info" || level === "log" ? "" : level + ": "}${text}\n`);
  };
  return {
    debug: line("debug"),
    info: line("info"),
    log: line("log"),
    warn: line("warn"),
    error: line("error"),
    /** A step of our own (compiling, hashing): same bar, same rules. */
    step,
    done: stop,
  };
}
