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

/**
 * A quieter logger for one long job seen from outside (the devnet's first start): one progress bar
 * over the whole job, filled by elapsed time against `estimateSeconds` (held at 99 % until `finish`),
 * labelled with the current stage — the build's own "<circuit>: …" lines. snarkjs's own lines (its
 * parallel chunks report out of order) are dropped; warnings and errors are printed. Without a
 * terminal it prints each stage once, with the elapsed time.
 */
export function createStageProgressLogger({ title, estimateSeconds, stream = process.stderr }) {
  const tty = Boolean(stream.isTTY);
  const started = Date.now();
  const elapsed = () => Math.round((Date.now() - started) / 1000);
  let stage = "starting";
  let bar = null;
  let timer = null;
  if (tty) {
    bar = new cliProgress.SingleBar(
      { format: `  ${title} [{bar}] {percentage}% {elapsed_s} s (est. ${estimateSeconds} s) {stage}`, stream, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    bar.start(100, 0, { stage, elapsed_s: 0 });
    timer = setInterval(() => bar.update(Math.min(99, Math.floor((100 * elapsed()) / Math.max(1, estimateSeconds))), { stage, elapsed_s: elapsed() }), 500);
    timer.unref?.();
  } else {
    stream.write(`  ${title} (est. ${estimateSeconds} s)\n`);
  }
  const setStage = (text) => {
    stage = text.replace(/^[^:]+:\s*/, "").slice(0, 60);
    if (!tty) stream.write(`  ${elapsed()} s: ${stage}\n`);
  };
  const finish = () => {
    if (timer) clearInterval(timer);
    timer = null;
    if (bar) {
      bar.update(100, { stage: "done", elapsed_s: elapsed() });
      bar.stop();
      bar = null;
    }
  };
  const ours = /^\S+: /;
  const info = (msg) => {
    const text = String(msg);
    if (ours.test(text) && !/^(Reading|Writing|Applying|Circuit|Contribution)/.test(text)) setStage(text);
  };
  const loud = (level) => (msg) => {
    if (bar) stream.write("\n");
    stream.write(`${level}: ${String(msg)}\n`);
  };
  // `done` ends a build step (the build calls it between stages); `finish` ends the whole bar.
  return { debug: () => {}, info, log: info, warn: loud("warning"), error: loud("error"), step: () => {}, done: () => {}, finish };
}
