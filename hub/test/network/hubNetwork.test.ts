import { createServer } from "node:net";
import {
  createPeerPrivateKey,
  DEFAULT_MAX_MESSAGE_BYTES,
  GOSSIP_MAX_PAYLOAD_BYTES,
  HubNetwork,
  NetworkError,
  peerIdFromPrivateKey,
  type GossipKind,
  type HubNetworkOpts,
  type NetworkErrorCode,
} from "../../src/network/index.js";

const CHAIN_ID = "aegis-test";
const LOOPBACK = "/ip4/127.0.0.1/tcp/0";

let nodes: HubNetwork[] = [];

afterEach(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  nodes = [];
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(25);
  }
}

async function startNode(opts: Partial<HubNetworkOpts> = {}): Promise<HubNetwork> {
  const node = new HubNetwork({ chainId: CHAIN_ID, listen: [LOOPBACK], bootstrap: [], bootstrapRedialMs: 500, ...opts });
  nodes.push(node);
  await node.start();
  return node;
}

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

interface Received {
  data: string;
  from: string;
}

/** Subscribes with a validator that rejects payloads starting with "BAD" and records deliveries. */
function record(node: HubNetwork, kind: GossipKind): { received: Received[]; validated: number[] } {
  const received: Received[] = [];
  const validated: number[] = [];
  node.subscribe(
    kind,
    (data) => {
      validated.push(data.byteLength);
      return str(data.subarray(0, 3)) === "BAD" ? "reject" : "accept";
    },
    (data, from) => received.push({ data: str(data), from }),
  );
  return { received, validated };
}

function meshed(a: HubNetwork, b: HubNetwork, kind: GossipKind): boolean {
  return a.meshPeers(kind).includes(b.peerId) && b.meshPeers(kind).includes(a.peerId);
}

async function expectNetworkError(p: Promise<unknown>, code: NetworkErrorCode): Promise<NetworkError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NetworkError);
  expect((err as NetworkError).type.code).toBe(code);
  return err as NetworkError;
}

describe("keys", () => {
  test("a node started with a private key has the matching peer id and /p2p/ multiaddrs", async () => {
    const key = await createPeerPrivateKey();
    const id = peerIdFromPrivateKey(key);
    expect(id).toMatch(/^12D3KooW/);
    const node = await startNode({ privateKey: key });
    expect(node.peerId).toBe(id);
    expect(node.multiaddrs.length).toBeGreaterThan(0);
    for (const ma of node.multiaddrs) expect(ma).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${id}$`));
  });

  test("invalid configuration is rejected with NetworkError", () => {
    expect(() => new HubNetwork({ chainId: CHAIN_ID, listen: [], bootstrap: ["/ip4/127.0.0.1/tcp/1"] })).toThrow(NetworkError);
    expect(() => new HubNetwork({ chainId: CHAIN_ID, listen: [], bootstrap: [], privateKey: new Uint8Array(5) })).toThrow(NetworkError);
  });
});

describe("gossip", () => {
  test("4 nodes in a chain: every message reaches every other node exactly once", async () => {
    const net: HubNetwork[] = [];
    const logs: Received[][] = [];
    const connects: string[] = [];
    for (let i = 0; i < 4; i++) {
      const node = new HubNetwork({
        chainId: CHAIN_ID,
        listen: [LOOPBACK],
        bootstrap: i === 0 ? [] : net[i - 1]!.multiaddrs,
        bootstrapRedialMs: 500,
      });
      nodes.push(node);
      if (i === 0) node.on("peer:connect", (p) => connects.push(p));
      logs.push(record(node, "vote").received); // subscribe before start
      await node.start();
      net.push(node);
    }

    for (let i = 0; i < 3; i++) await waitFor(`mesh ${i}-${i + 1}`, () => meshed(net[i]!, net[i + 1]!, "vote"));

    for (let i = 0; i < 4; i++) await net[i]!.publish("vote", text(`vote-from-${i}`));
    // identical bytes published twice are two distinct messages (each publish carries its own sequence number)
    await net[3]!.publish("vote", text("dup"));
    await net[3]!.publish("vote", text("dup"));

    await waitFor("all deliveries", () => logs.every((log, i) => log.length === (i === 3 ? 3 : 5)));
    await sleep(800); // give any duplicate a chance to show up
    for (let i = 0; i < 4; i++) {
      const expected = [0, 1, 2, 3].filter((j) => j !== i).map((j) => `vote-from-${j}`);
      if (i !== 3) expected.push("dup", "dup");
      expect(logs[i]!.map((r) => r.data).sort()).toEqual(expected.sort());
      // `from` is the relaying peer: in a chain, always a direct neighbour
      const neighbours = [net[i - 1]?.peerId, net[i + 1]?.peerId].filter(Boolean);
      for (const r of logs[i]!) expect(neighbours).toContain(r.from);
    }
    // a chain: node 0 only knows node 1, so messages from nodes 2 and 3 were relayed
    expect(connects).toEqual([net[1]!.peerId]);
    expect(net[0]!.connectedPeers()).toEqual([net[1]!.peerId]);
  });

  test("16 nodes in a full mesh: every message reaches every other node exactly once", async () => {
    const N = 16;
    const net: HubNetwork[] = [];
    const logs: Received[][] = [];
    for (let i = 0; i < N; i++) {
      const node = await startNode({ bootstrap: net.flatMap((n) => n.multiaddrs) });
      logs.push(record(node, "attestation").received); // subscribe after start
      net.push(node);
    }
    await waitFor("full mesh of subscribed peers", () => net.every((n) => n.topicPeers("attestation").length === N - 1), 60_000);
    await Promise.all(net.map((n, i) => n.publish("attestation", text(`att-${i}`))));
    await waitFor("all deliveries", () => logs.every((log) => log.length === N - 1));
    await sleep(500);
    for (let i = 0; i < N; i++) {
      const expected = net.flatMap((_n, j) => (j === i ? [] : [`att-${j}`]));
      expect(logs[i]!.map((r) => r.data).sort()).toEqual(expected.sort());
      // `from` is the peer that delivered the message first: in a full mesh usually its origin, but a
      // relayed copy can win the race (messages are unsigned; Aegis messages carry their own signatures).
      const others = new Set(net.filter((_n, j) => j !== i).map((n) => n.peerId));
      for (const r of logs[i]!) expect(others.has(r.from)).toBe(true);
    }
  }, 120_000);

  test("publishing with no peers does not throw; publishing before start does", async () => {
    const lonely = new HubNetwork({ chainId: CHAIN_ID, listen: [LOOPBACK], bootstrap: [] });
    await expectNetworkError(lonely.publish("tx", text("x")), "NETWORK_ERROR_NOT_STARTED");
    nodes.push(lonely);
    await lonely.start();
    await expect(lonely.publish("tx", text("x"))).resolves.toBeUndefined();
  });

  test("a rejected message reaches no handler and lowers the relaying peer's score", async () => {
    const a = await startNode();
    const b = await startNode({ bootstrap: a.multiaddrs });
    const c = await startNode({ bootstrap: b.multiaddrs });
    const logA = record(a, "proposal");
    const logB = record(b, "proposal");
    const logC = record(c, "proposal");
    await waitFor("mesh a-b", () => meshed(a, b, "proposal"));
    await waitFor("mesh b-c", () => meshed(b, c, "proposal"));
    expect(b.peerScore(a.peerId)).toBeGreaterThanOrEqual(0);

    await a.publish("proposal", text("BAD proposal"));
    await a.publish("proposal", text("good proposal"));
    await waitFor("good proposal at c", () => logC.received.length === 1);
    await waitFor("b penalised a", () => b.peerScore(a.peerId) < 0);
    await sleep(300);

    expect(logB.validated).toContain("BAD proposal".length); // b's validator saw and rejected it
    for (const log of [logA, logB, logC]) expect(log.received.map((r) => r.data)).not.toContain("BAD proposal");
    expect(logB.received).toEqual([{ data: "good proposal", from: a.peerId }]);
    expect(logC.received).toEqual([{ data: "good proposal", from: b.peerId }]); // relayed by b
    expect(logC.validated).toEqual(["good proposal".length]); // b never forwarded the rejected one
  });

  test("an oversized message is dropped before the validator and the sender is penalised", async () => {
    const a = await startNode({ maxMessageBytes: 1024 * 1024 });
    const b = await startNode({ bootstrap: a.multiaddrs, maxMessageBytes: 1000 });
    const logB = record(b, "tx");
    record(a, "tx");
    await waitFor("mesh a-b", () => meshed(a, b, "tx"));

    await a.publish("tx", new Uint8Array(2000).fill(65));
    await a.publish("tx", text("small tx"));
    await waitFor("small tx at b", () => logB.received.length >= 1);
    await waitFor("b penalised a", () => b.peerScore(a.peerId) < 0);
    expect(logB.received).toEqual([{ data: "small tx", from: a.peerId }]);
    expect(logB.validated).toEqual(["small tx".length]);

    // the publisher refuses payloads above its own limit
    const err = await expectNetworkError(b.publish("tx", new Uint8Array(1001)), "NETWORK_ERROR_MESSAGE_TOO_LARGE");
    expect(err.type).toEqual({ code: "NETWORK_ERROR_MESSAGE_TOO_LARGE", size: 1001, limit: 1000 });
  });

  test("a node that starts after the others is found by bootstrap re-dial and receives gossip", async () => {
    const lateKey = await createPeerPrivateKey();
    const latePort = await freeLoopbackPort();
    const lateAddr = `/ip4/127.0.0.1/tcp/${latePort}/p2p/${peerIdFromPrivateKey(lateKey)}`;

    const a = await startNode({ bootstrap: [lateAddr] }); // its first dials fail: nobody listens yet
    const b = await startNode({ bootstrap: a.multiaddrs });
    const logA = record(a, "certificate");
    record(b, "certificate");
    const connected: string[] = [];
    a.on("peer:connect", (p) => connected.push(p));
    await waitFor("mesh a-b", () => meshed(a, b, "certificate"));
    await sleep(700); // at least one failed re-dial round

    const late = new HubNetwork({ chainId: CHAIN_ID, listen: [`/ip4/127.0.0.1/tcp/${latePort}`], bootstrap: [], privateKey: lateKey });
    nodes.push(late);
    const logLate = record(late, "certificate");
    await late.start();

    await waitFor("a re-dialled late node", () => a.connectedPeers().includes(late.peerId));
    expect(connected).toContain(late.peerId);
    await waitFor("mesh a-late", () => meshed(a, late, "certificate"));

    await b.publish("certificate", text("cert-1"));
    await waitFor("cert at late node", () => logLate.received.length === 1);
    expect(logLate.received).toEqual([{ data: "cert-1", from: a.peerId }]); // relayed by a, its only peer
    expect(logA.received).toEqual([{ data: "cert-1", from: b.peerId }]);
  });
});

describe("request/response", () => {
  test("roundtrips, remote failures, unknown protocols, timeouts and size limits", async () => {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));

    const server = new HubNetwork({ chainId: CHAIN_ID, listen: [LOOPBACK], bootstrap: [], maxMessageBytes: 1024 * 1024 });
    nodes.push(server);
    const seenFrom: string[] = [];
    // registered before start
    server.handle("echo", async (req, from) => {
      seenFrom.push(from);
      return new Uint8Array([...req].reverse());
    });
    await server.start();
    // registered after start
    server.handle("fail", async () => {
      throw new Error("boom");
    });
    server.handle("slow", async () => {
      await released;
      return text("late");
    });
    server.handle("big", async () => new Uint8Array(150_000));
    server.handle("huge", async () => new Uint8Array(1024 * 1024 + 1));
    server.handle("empty", async () => new Uint8Array(0));

    const client = await startNode({ bootstrap: server.multiaddrs, maxMessageBytes: 100_000 });
    await waitFor("connected", () => client.connectedPeers().includes(server.peerId));

    expect(str(await client.request(server.peerId, "echo", text("hello")))).toBe("olleh");
    expect(seenFrom).toEqual([client.peerId]);
    const payload = new Uint8Array(90_000).map((_, i) => i % 251);
    expect(await client.request(server.peerId, "echo", payload)).toEqual(new Uint8Array([...payload].reverse()));
    expect(await client.request(server.peerId, "empty", new Uint8Array(0))).toEqual(new Uint8Array(0));
    // several in parallel over the same connection
    const parallel = await Promise.all([1, 2, 3, 4, 5].map((i) => client.request(server.peerId, "echo", text(`r${i}`))));
    expect(parallel.map(str)).toEqual(["1r", "2r", "3r", "4r", "5r"]);

    await expectNetworkError(client.request(server.peerId, "fail", text("x")), "NETWORK_ERROR_REMOTE");
    await expectNetworkError(server.request(client.peerId, "echo", text("x")), "NETWORK_ERROR_UNSUPPORTED_PROTOCOL");
    await expectNetworkError(client.request(server.peerId, "nope", text("x")), "NETWORK_ERROR_UNSUPPORTED_PROTOCOL");
    const started = Date.now();
    const timeout = await expectNetworkError(client.request(server.peerId, "slow", text("x"), { timeoutMs: 300 }), "NETWORK_ERROR_TIMEOUT");
    expect(timeout.type).toEqual({ code: "NETWORK_ERROR_TIMEOUT", timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(3000);
    // response bigger than the requester's limit aborts the stream
    await expectNetworkError(client.request(server.peerId, "big", text("x")), "NETWORK_ERROR_MESSAGE_TOO_LARGE");
    // response bigger than the responder's own limit is reported as a remote failure
    await expectNetworkError(client.request(server.peerId, "huge", text("x")), "NETWORK_ERROR_REMOTE");
    // request bigger than our own limit is refused locally
    await expectNetworkError(client.request(server.peerId, "echo", new Uint8Array(100_001)), "NETWORK_ERROR_MESSAGE_TOO_LARGE");

    // the connection still works after all of that
    expect(str(await client.request(server.peerId, "echo", text("again")))).toBe("niaga");

    const stranger = peerIdFromPrivateKey(await createPeerPrivateKey());
    await expectNetworkError(client.request(stranger, "echo", text("x"), { timeoutMs: 2000 }), "NETWORK_ERROR_PEER_UNREACHABLE");
    await expectNetworkError(client.request("not-a-peer-id", "echo", text("x")), "NETWORK_ERROR_INVALID_ARGUMENT");
    release();
  });

  test("payloads at the default limits go through (4 MiB request/response, max gossip payload)", async () => {
    const a = await startNode();
    a.handle("echo", async (req) => req);
    const b = await startNode({ bootstrap: a.multiaddrs });
    const logB = record(b, "checkpoint");
    record(a, "checkpoint");
    await waitFor("mesh a-b", () => meshed(a, b, "checkpoint"));

    const big = new Uint8Array(DEFAULT_MAX_MESSAGE_BYTES).map((_, i) => i & 0xff);
    const echoed = await b.request(a.peerId, "echo", big, { timeoutMs: 15_000 });
    expect(echoed.byteLength).toBe(big.byteLength);
    expect(Buffer.compare(echoed, big)).toBe(0);

    const gossip = new Uint8Array(GOSSIP_MAX_PAYLOAD_BYTES).fill(7);
    await a.publish("checkpoint", gossip);
    await waitFor("big gossip at b", () => logB.received.length === 1);
    expect(logB.received[0]!.data.length).toBe(GOSSIP_MAX_PAYLOAD_BYTES);
    await expectNetworkError(a.publish("checkpoint", new Uint8Array(GOSSIP_MAX_PAYLOAD_BYTES + 1)), "NETWORK_ERROR_MESSAGE_TOO_LARGE");
  });

  test("an oversized request frame makes the server abort the stream", async () => {
    const server = await startNode({ maxMessageBytes: 1000 });
    server.handle("echo", async (req) => req);
    const client = await startNode({ bootstrap: server.multiaddrs, maxMessageBytes: 1024 * 1024 });
    await waitFor("connected", () => client.connectedPeers().includes(server.peerId));
    await expectNetworkError(client.request(server.peerId, "echo", new Uint8Array(5000)), "NETWORK_ERROR_PROTOCOL");
    expect((await client.request(server.peerId, "echo", text("ok"))).byteLength).toBe(2);
  });

  test("request before start fails with NETWORK_ERROR_NOT_STARTED", async () => {
    const n = new HubNetwork({ chainId: CHAIN_ID, listen: [LOOPBACK], bootstrap: [] });
    await expectNetworkError(n.request("x", "echo", text("x")), "NETWORK_ERROR_NOT_STARTED");
  });
});

describe("lifecycle", () => {
  test("stop() disconnects peers, emits peer:disconnect and is idempotent", async () => {
    const a = await startNode();
    const b = await startNode({ bootstrap: a.multiaddrs });
    const disconnected: string[] = [];
    a.on("peer:disconnect", (p) => disconnected.push(p));
    await waitFor("connected", () => a.connectedPeers().includes(b.peerId));
    expect(b.connectedPeers()).toEqual([a.peerId]);

    await a.start(); // idempotent
    await b.stop();
    await b.stop();
    await waitFor("a saw b leave", () => disconnected.includes(b.peerId));
    expect(a.connectedPeers()).toEqual([]);
    expect(b.connectedPeers()).toEqual([]);
    expect(b.multiaddrs).toEqual([]);
    await expectNetworkError(b.publish("vote", text("x")), "NETWORK_ERROR_NOT_STARTED");
  });
});
