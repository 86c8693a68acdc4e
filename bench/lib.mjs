import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const resultsDir = join(dirname(fileURLToPath(import.meta.url)), "results");

export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function machine() {
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform };
}

export function printTable(rows, columns) {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? "").length)));
  const line = (cells) => "| " + cells.map((c, i) => String(c ?? "").padEnd(widths[i])).join(" | ") + " |";
  const out = [line(columns), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...rows.map((r) => line(columns.map((c) => r[c])))].join("\n");
  console.log(out);
  return out;
}

export async function writeResults(name, data) {
  await mkdir(resultsDir, { recursive: true });
  const path = join(resultsDir, `${name}.json`);
  await writeFile(path, JSON.stringify({ benchmark: name, date: new Date().toISOString(), machine: machine(), ...data }, null, 2) + "\n");
  console.log(`\nwrote ${path}`);
}

/** fetch, retried once when a kept-alive connection was closed by the server in between (idle while signing). */
async function fetchRetry(url, init) {
  try {
    return await fetch(url, init);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    return fetch(url, init);
  }
}

export async function postJson(url, body) {
  return (await fetchRetry(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).json();
}

export async function fetchJson(url) {
  const r = await fetchRetry(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.json();
}

/**
 * CPU seconds used so far by the node processes of the devnet whose home path contains `tag`, together
 * (Linux /proc; null where unavailable).
 */
export function nodeCpuSeconds(tag) {
  try {
    const out = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" });
    const pids = out
      .split("\n")
      .filter((l) => l.includes("hub start") && l.includes(tag))
      .map((l) => l.trim().split(/\s+/)[0]);
    let ticks = 0;
    for (const pid of pids) {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    }
    return pids.length > 0 ? ticks / 100 : null;
  } catch {
    return null;
  }
}
