import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliError } from "../../src/cli/cliError.js";
import { DEFAULT_NODE_RPC, describeDefaultNode, getDefaultNode, readTextFileSync } from "../../src/cli/defaultNode.js";

const devnet = (rpc: unknown) => JSON.stringify({ chainId: "aegis-devnet-1", nodes: [{ moniker: "node0", rpc }, { moniker: "node1", rpc: "http://127.0.0.1:26757/rpc" }] });
/** An in-memory file system for the pure lookup. */
const files = (m: Record<string, string>) => (path: string) => m[path] ?? null;
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof CliError ? e.code : `not a CliError: ${String(e)}`;
  }
  return "no error";
};

describe("getDefaultNode: --node when it is not given", () => {
  test("without $AEGIS_DEVNET and without ./.devnet/devnet.json: the default RPC", () => {
    expect(getDefaultNode({}, "/w", files({}))).toEqual({ rpc: DEFAULT_NODE_RPC, file: null });
  });
  test("./.devnet/devnet.json of the working folder: its first node's rpc", () => {
    const read = files({ "/w/.devnet/devnet.json": devnet("http://127.0.0.1:30000/rpc") });
    expect(getDefaultNode({}, "/w", read)).toEqual({ rpc: "http://127.0.0.1:30000/rpc", file: "/w/.devnet/devnet.json" });
  });
  test("$AEGIS_DEVNET wins over ./.devnet, and a relative path is from the working folder", () => {
    const read = files({ "/w/.devnet/devnet.json": devnet("http://127.0.0.1:30000/rpc"), "/w/other/devnet.json": devnet("http://127.0.0.1:31000/rpc") });
    expect(getDefaultNode({ AEGIS_DEVNET: "other/devnet.json" }, "/w", read)).toEqual({ rpc: "http://127.0.0.1:31000/rpc", file: "/w/other/devnet.json" });
    expect(getDefaultNode({ AEGIS_DEVNET: "/w/other/devnet.json" }, "/elsewhere", read).rpc).toBe("http://127.0.0.1:31000/rpc");
  });
  test("an empty $AEGIS_DEVNET counts as unset", () => {
    expect(getDefaultNode({ AEGIS_DEVNET: "  " }, "/w", files({})).rpc).toBe(DEFAULT_NODE_RPC);
  });
  test.each([
    ["$AEGIS_DEVNET naming nothing", { AEGIS_DEVNET: "/nope/devnet.json" }, {}],
    ["a devnet.json that is not JSON", {}, { "/w/.devnet/devnet.json": "{ not json" }],
    ["a devnet.json without nodes", {}, { "/w/.devnet/devnet.json": JSON.stringify({ chainId: "x", nodes: [] }) }],
    ["a devnet.json whose node has no http rpc", {}, { "/w/.devnet/devnet.json": devnet("127.0.0.1:26756") }],
  ])("%s: CLI_ERROR_DEVNET_FILE, never another node silently", (_name, env, fs) => {
    expect(codeOf(() => getDefaultNode(env, "/w", files(fs)))).toBe("CLI_ERROR_DEVNET_FILE");
  });
  test("the help text says which node is used now, and from where", () => {
    const read = files({ "/w/.devnet/devnet.json": devnet("http://127.0.0.1:30000/rpc") });
    expect(describeDefaultNode({}, "/w", read)).toMatch(/\$AEGIS_DEVNET or \.\/\.devnet\/devnet\.json.*now http:\/\/127\.0\.0\.1:30000\/rpc from \/w\/\.devnet\/devnet\.json/);
    expect(describeDefaultNode({}, "/w", files({}))).toMatch(/now http:\/\/127\.0\.0\.1:26756\/rpc$/);
    expect(describeDefaultNode({ AEGIS_DEVNET: "/nope" }, "/w", files({}))).toMatch(/now: AEGIS_DEVNET=\/nope: no devnet\.json/);
  });
});

test("readTextFileSync: a file, a folder holding devnet.json, or null", async () => {
  const dir = await mkdtemp(join(tmpdir(), "aegis-cli-default-node-"));
  try {
    await mkdir(join(dir, "net"));
    await writeFile(join(dir, "net", "devnet.json"), devnet("http://127.0.0.1:30001/rpc"));
    expect(getDefaultNode({ AEGIS_DEVNET: join(dir, "net") }, dir).rpc).toBe("http://127.0.0.1:30001/rpc");
    expect(getDefaultNode({ AEGIS_DEVNET: join(dir, "net", "devnet.json") }, dir).rpc).toBe("http://127.0.0.1:30001/rpc");
    expect(readTextFileSync(join(dir, "missing.json"))).toBeNull();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
