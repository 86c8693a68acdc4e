#!/usr/bin/env node
// Bundles the devnet dashboard page (devnet/dashboard/src: Preact + Chart.js) with esbuild into
// devnet/dashboard/dist/ (index.html, app.js, app.css). Quiet on success; exits 1 on any error.
// Usage: node devnet/scripts/build-dashboard.mjs [--dev] (--dev: no minification, inline source maps)
import { copyFile, mkdir, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const dashboard = resolve(dirname(fileURLToPath(import.meta.url)), "../dashboard");
const out = join(dashboard, "dist");
const dev = process.argv.includes("--dev");

try {
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const r = await esbuild.build({
    entryPoints: { app: join(dashboard, "src/main.tsx") },
    outdir: out,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: !dev,
    sourcemap: dev ? "inline" : false,
    legalComments: "none",
    logLevel: "silent",
  });
  if (r.warnings.length > 0) {
    for (const w of r.warnings) console.error(`build-dashboard: warning: ${w.text} (${w.location?.file}:${w.location?.line})`);
    process.exit(1);
  }
  await copyFile(join(dashboard, "index.html"), join(out, "index.html"));
} catch (e) {
  const errors = e?.errors?.length ? e.errors.map((x) => `${x.text} (${x.location?.file}:${x.location?.line})`).join("\n") : String(e?.stack ?? e);
  console.error(`build-dashboard: ${errors}`);
  process.exit(1);
}
