import { createServer } from "node:net";

/** Finds `count` consecutive free ports on 127.0.0.1 (node i uses base + i). */
export async function freePortRange(count) {
  // Find `count` consecutive free ports for p2p and API (probe each; retry on a collision).
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    const ok = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        new Promise((res) => {
          const s = createServer().once("error", () => res(false)).listen(base + i, "127.0.0.1", () => s.close(() => res(true)));
        }),
      ),
    );
    if (ok.every(Boolean)) return base;
  }
  throw new Error("no free port range");
}

/** Whether the `count` ports from `base` on 127.0.0.1 are all free now. */
export async function portsFree(base, count) {
  const ok = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      new Promise((res) => {
        const s = createServer().once("error", () => res(false)).listen(base + i, "127.0.0.1", () => s.close(() => res(true)));
      }),
    ),
  );
  return ok.every(Boolean);
}
