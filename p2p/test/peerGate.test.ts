import { mkdtemp, rm, writeFile, rename, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createPeerPrivateKey,
  NetworkError,
  P2pNetwork,
  parseDenyPeersFile,
  PeerGate,
  peerIdFromPrivateKey,
  type Logger,
  type P2pNetworkOpts,
} from "../src/index.js";

const CHAIN_ID = "aegis-gate-test";
const LOOPBACK = "/ip4/127.0.0.1/tcp/0";

let dir: string;
let nodes: P2pNetwork[] = [];
let gates: PeerGate[] = [];
let timers: NodeJS.Timeout[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "aegis-peer-gate-"));
});

afterEach(async () => {
  for (const t of timers) clearInterval(t);
  timers = [];
  for (const g of gates) g.stop();
  gates = [];
  await Promise.all(nodes.map((n) => n.stop()));
  nodes = [];
  await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(25);
  }
}

/** Written the way a controller should (temp file + rename), so a reader never sees half of it. */
async function writeDenyFile(path: string, peers: string[] | string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, typeof peers === "string" ? peers : JSON.stringify(peers));
  await rename(tmp, path);
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger & { warnings: string[] } = {
    warnings,
    debug: () => {},
    info: () => {},
    warn: (msg) => warnings.push(msg),
    error: (msg) => warnings.push(msg),
    child: () => logger,
  };
  return logger;
}

async function startNode(opts: Partial<P2pNetworkOpts> = {}): Promise<P2pNetwork> {
  const node = new P2pNetwork({ chainId: CHAIN_ID, kinds: ["vote"], listen: [LOOPBACK], bootstrap: [], bootstrapRedialMs: 200, ...opts });
  nodes.push(node);
  await node.start();
  return node;
}

const connected = (a: P2pNetwork, b: P2pNetwork): boolean => a.connectedPeers().includes(b.peerId) && b.connectedPeers().includes(a.peerId);
const apart = (a: P2pNetwork, b: P2pNetwork): boolean => !a.connectedPeers().includes(b.peerId) && !b.connectedPeers().includes(a.peerId);

/**
 * Watches `gated` (the node with the deny list) for connections from `peer`. The gated node refuses
 * a denied peer after the encryption handshake, so the dialler may see a connection for a few
 * milliseconds before it is closed; the gated node never does.
 */
function watchConnects(gated: P2pNetwork, peer: P2pNetwork): { count: number; sampledConnected: number } {
  const w = { count: 0, sampledConnected: 0 };
  gated.on("peer:connect", (p) => {
    if (p === peer.peerId) w.count++;
  });
  const timer = setInterval(() => {
    if (gated.connectedPeers().includes(peer.peerId)) w.sampledConnected++;
  }, 10);
  timers.push(timer);
  return w;
}

describe("parseDenyPeersFile", () => {
  let ids: string[];
  beforeAll(async () => {
    ids = await Promise.all([1, 2].map(async () => peerIdFromPrivateKey(await createPeerPrivateKey())));
  });

  test("a JSON array of peer ids, duplicates collapsed", () => {
    expect([...parseDenyPeersFile("[]")]).toEqual([]);
    expect([...parseDenyPeersFile(JSON.stringify([ids[0], ids[1], ids[0]]))]).toEqual([ids[0], ids[1]]);
  });

  test.each([
    ["not JSON", "[12D3"],
    ["not an array", '{"peers":[]}'],
    ["a string", '"12D3KooW"'],
    ["a non-string item", "[1]"],
    ["not a peer id", '["not-a-peer-id"]'],
  ])("%s: NETWORK_ERROR_INVALID_ARGUMENT", (_what, text) => {
    let err: unknown;
    try {
      parseDenyPeersFile(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).type).toEqual({ code: "NETWORK_ERROR_INVALID_ARGUMENT", field: "denyPeersFile" });
  });
});

describe("PeerGate", () => {
  test("missing file: nothing denied; a malformed file is reported and the previous list kept", async () => {
    const path = join(dir, "deny.json");
    const logger = recordingLogger();
    const gate = new PeerGate({ denyPeersFile: path, pollMs: 20 }, { logger });
    gates.push(gate);
    const changes: string[][] = [];
    gate.onChange((d) => changes.push([...d]));
    await gate.start();
    expect(gate.deniedPeers.size).toBe(0);

    const a = peerIdFromPrivateKey(await createPeerPrivateKey());
    await writeDenyFile(path, [a]);
    await waitFor("a denied", () => gate.isDenied(a));

    await writeDenyFile(path, "[oops");
    await waitFor("warning", () => logger.warnings.some((w) => w.includes("malformed")));
    expect(gate.isDenied(a)).toBe(true);

    await writeDenyFile(path, []);
    await waitFor("a allowed", () => !gate.isDenied(a));
    await writeDenyFile(path, [a]);
    await waitFor("a denied again", () => gate.isDenied(a));
    await unlink(path);
    await waitFor("file removed: nobody denied", () => gate.deniedPeers.size === 0);
    expect(changes).toEqual([[a], [], [a], []]);
  });

  test("an empty path is refused", () => {
    expect(() => new PeerGate({ denyPeersFile: "" })).toThrow(NetworkError);
  });
});

describe("P2pNetwork with a deny list", () => {
  test("denied: disconnected and cannot reconnect either way; healed: reconnects; others unaffected", async () => {
    const path = join(dir, "a-deny.json");
    const a = await startNode({ denyPeersFile: path, denyPeersPollMs: 50 });
    // b and c dial a (and keep re-dialling it every 200 ms while disconnected).
    const b = await startNode({ bootstrap: a.multiaddrs });
    const c = await startNode({ bootstrap: a.multiaddrs });
    await waitFor("a-b and a-c connected", () => connected(a, b) && connected(a, c));

    await writeDenyFile(path, [b.peerId]);
    await waitFor("a-b cut", () => apart(a, b));
    // b keeps dialling a: refused every time (a's inbound gater); a refuses to dial b (outbound).
    const seen = watchConnects(a, b);
    await sleep(1500);
    expect(seen).toEqual({ count: 0, sampledConnected: 0 });
    expect(a.connectedPeers()).not.toContain(b.peerId);
    expect(connected(a, c)).toBe(true);
    let err: unknown;
    try {
      await a.request(b.peerId, "ping", new Uint8Array([1]), { timeoutMs: 2000 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).type.code).toBe("NETWORK_ERROR_PEER_UNREACHABLE");
    expect(seen).toEqual({ count: 0, sampledConnected: 0 });

    await writeDenyFile(path, []);
    await waitFor("a-b reconnected", () => connected(a, b));
    expect(connected(a, c)).toBe(true);
  });

  test("a peer denied before start is never connected; a malformed file keeps it denied", async () => {
    const path = join(dir, "c-deny.json");
    const a = await startNode();
    const bKey = await createPeerPrivateKey();
    await writeDenyFile(path, [peerIdFromPrivateKey(bKey)]);
    const logger = recordingLogger();
    const c = new P2pNetwork(
      { chainId: CHAIN_ID, kinds: ["vote"], listen: [LOOPBACK], bootstrap: a.multiaddrs, bootstrapRedialMs: 200, denyPeersFile: path, denyPeersPollMs: 50 },
      { logger },
    );
    nodes.push(c);
    await c.start();
    // b dials c every 200 ms from its start.
    const b = await startNode({ privateKey: bKey, bootstrap: c.multiaddrs });
    const seen = watchConnects(c, b);
    await waitFor("a-c connected", () => connected(a, c));
    await sleep(1000);
    expect(seen).toEqual({ count: 0, sampledConnected: 0 });

    await writeDenyFile(path, "not json");
    await waitFor("warning", () => logger.warnings.some((w) => w.includes("malformed")));
    await sleep(600);
    expect(seen).toEqual({ count: 0, sampledConnected: 0 });

    await rm(path);
    await waitFor("b-c connected once the file is gone", () => connected(b, c));
  });
});
