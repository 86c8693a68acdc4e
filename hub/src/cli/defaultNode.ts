import { readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { CliError } from "./cliError.js";

/** The RPC of node0 of `aegis init` and the devnet with their default ports. */
export const DEFAULT_NODE_RPC = "http://127.0.0.1:26756/rpc";
/** Where `npm run devnet` writes its description, relative to the working folder. */
export const DEVNET_FILE = join(".devnet", "devnet.json");

/** Where the client commands send to when `--node` is not given, and why. */
export interface DefaultNode {
  rpc: string;
  /** The devnet.json it comes from, or null for DEFAULT_NODE_RPC. */
  file: string | null;
}

/** Reads a text file, or null when there is none. */
export type ReadTextFile = (path: string) => string | null;

export const readTextFileSync: ReadTextFile = (path) => {
  try {
    if (statSync(path).isDirectory()) return readTextFileSync(join(path, "devnet.json"));
    return readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
};

/** Where the devnet description is looked for: `$AEGIS_DEVNET` (a devnet.json, or the folder holding it), else `./.devnet/devnet.json`. */
export function getDevnetFilePath(env: NodeJS.ProcessEnv, cwd: string): { path: string; fromEnv: string | undefined } {
  const fromEnv = env.AEGIS_DEVNET?.trim() || undefined;
  return { path: fromEnv ? (isAbsolute(fromEnv) ? fromEnv : resolve(cwd, fromEnv)) : join(cwd, DEVNET_FILE), fromEnv };
}

/**
 * The node a client command talks to without `--node`: `nodes[0].rpc` of the devnet described by
 * `$AEGIS_DEVNET` (a devnet.json, or the folder holding it), else of `./.devnet/devnet.json`, else
 * DEFAULT_NODE_RPC. A devnet file that exists but is unusable is an error (CLI_ERROR_DEVNET_FILE), and
 * so is an `$AEGIS_DEVNET` naming nothing: silently using another node would send elsewhere.
 */
export function getDefaultNode(env: NodeJS.ProcessEnv, cwd: string, read: ReadTextFile = readTextFileSync): DefaultNode {
  const { path, fromEnv } = getDevnetFilePath(env, cwd);
  let text: string | null;
  try {
    text = read(path);
  } catch (e) {
    throw new CliError({ code: "CLI_ERROR_DEVNET_FILE", path, reason: (e as Error).message }, `cannot read ${path}: ${(e as Error).message}`);
  }
  if (text === null) {
    if (fromEnv) throw new CliError({ code: "CLI_ERROR_DEVNET_FILE", path, reason: "no such file" }, `AEGIS_DEVNET=${fromEnv}: no devnet.json at ${path} (unset it or pass --node <rpc url>)`);
    return { rpc: DEFAULT_NODE_RPC, file: null };
  }
  const bad = (reason: string) => new CliError({ code: "CLI_ERROR_DEVNET_FILE", path, reason }, `${path}: ${reason} (pass --node <rpc url>)`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw bad(`not JSON (${(e as Error).message})`);
  }
  const rpc = (json as { nodes?: { rpc?: unknown }[] } | null)?.nodes?.[0]?.rpc;
  if (typeof rpc !== "string" || !/^https?:\/\/./.test(rpc)) throw bad("nodes[0].rpc is not an http(s) URL");
  return { rpc, file: path };
}

/** The `--node` help text: what is used when the option is not given, read now. */
export function describeDefaultNode(env: NodeJS.ProcessEnv, cwd: string, read: ReadTextFile = readTextFileSync): string {
  const rule = `default: nodes[0].rpc of $AEGIS_DEVNET or ./${DEVNET_FILE.replaceAll("\\", "/")}, else ${DEFAULT_NODE_RPC}`;
  try {
    const d = getDefaultNode(env, cwd, read);
    return `${rule}; now ${d.rpc}${d.file ? ` from ${d.file}` : ""}`;
  } catch (e) {
    return `${rule}; now: ${(e as Error).message}`;
  }
}
