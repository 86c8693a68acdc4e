// Consumer nodes on loopback libp2p (ConsumerChain + Mempool + ConsumerNetwork) and raw attacker
// peers (P2pNetwork with the consumer's network id and gossip kinds). Malformed or invalid gossip is
// refused (the sender's score drops) and changes nothing; malformed sync requests get a typed error;
// the honest producer's blocks still reach the full node; a full node that starts late syncs the whole
// chain over the `blocks` protocol; a full node on a shorter fork above its final height moves to the
// producer's longer chain.
import { CanonicalReader, CanonicalWriter, HASH_LENGTH, toHex, utf8 } from "@aegis/consumer-sdk";
import { NetworkError, nullLogger, P2pNetwork, type ValidationResult } from "@aegis/p2p";
import {
  BlockError,
  computeBlockHash,
  computeTxRoot,
  CONSUMER_GOSSIP_KINDS,
  ConsumerNetwork,
  consumerNetworkId,
  decodeBlock,
  encodeBlock,
  ExecutionError,
  MAX_TX_BYTES,
  Mempool,
  signBlockHeader,
  SYNC_BATCH,
  type ConsumerBlock,
  type ConsumerChain,
  type ConsumerGossipKind,
} from "../src/index.js";
import { buildOn, CONSUMER, extend, finalInput, openChain, OTHER_SK, PRODUCER_SK, removeDir, type OpenChain } from "./helpers/chainFixtures.js";

const LOOPBACK = "/ip4/127.0.0.1/tcp/0";
const INITIAL = 140; // more than two sync batches

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

interface TestNode {
  o: OpenChain;
  chain: ConsumerChain;
  mempool: Mempool;
  network: ConsumerNetwork;
}

const nodes: TestNode[] = [];
const attackers: P2pNetwork<ConsumerGossipKind>[] = [];

/** `txRebroadcastMs`: long by default, so the tests that watch each validation see no repeats. */
async function startNode(bootstrap: string[] = [], prepare?: (chain: ConsumerChain) => Promise<void>, txRebroadcastMs = 600_000): Promise<TestNode> {
  const o = await openChain();
  if (prepare) await prepare(o.chain);
  const mempool = new Mempool(o.chain);
  const network = new ConsumerNetwork(o.chain, mempool, { listen: [LOOPBACK], bootstrap, syncIntervalMs: 200, txRebroadcastMs }, () => Date.now(), nullLogger);
  const n = { o, chain: o.chain, mempool, network };
  nodes.push(n);
  await network.start();
  return n;
}

/** A raw peer speaking the consumer's topics and protocols, bootstrapped to `target`, once it sees `target` subscribed. */
async function startAttacker(target: TestNode): Promise<P2pNetwork<ConsumerGossipKind>> {
  const a = new P2pNetwork<ConsumerGossipKind>({ chainId: consumerNetworkId(CONSUMER), kinds: CONSUMER_GOSSIP_KINDS, listen: [LOOPBACK], bootstrap: target.network.p2p.multiaddrs, bootstrapRedialMs: 200 });
  attackers.push(a);
  await a.start();
  const id = target.network.p2p.peerId;
  await waitFor("the attacker to see the target's topics", () => a.topicPeers("blocks").includes(id) && a.topicPeers("txs").includes(id));
  return a;
}

afterAll(async () => {
  for (const a of attackers) await a.stop().catch(() => {});
  for (const n of nodes) {
    await n.network.stop().catch(() => {});
    await n.chain.exclusive(async () => {});
    await n.o.close();
    await removeDir(n.o.dir);
  }
});

/** Builds a block on the head, adds it and gossips it. */
async function produce(p: TestNode, txs: string[] = []): Promise<ConsumerBlock> {
  const b = await buildOn(p.chain, p.chain.head.hash, txs);
  await p.chain.addBlock(b, Date.now());
  p.network.publishBlock(encodeBlock(b));
  return b;
}

async function snapshot(n: TestNode) {
  let stored = 0;
  for await (const _ of n.chain.store.iterateHeaders()) stored++;
  return { head: toHex(n.chain.head.hash), height: n.chain.head.header.height, stored, mempool: n.mempool.size, final: n.chain.finalHeight, halted: n.chain.misbehaviour };
}

const sameChain = (a: ConsumerChain, b: ConsumerChain, upTo: number) => {
  for (let h = 0; h <= upTo; h++) if (toHex(a.canonicalNodeAt(h)!.hash) !== toHex(b.canonicalNodeAt(h)!.hash)) return false;
  return true;
};

const blocksRequest = (from: bigint | number, count: number) => new CanonicalWriter().u64(from, "from").u32(count, "count").finish();
function decodeBlocksResponse(raw: Uint8Array): ConsumerBlock[] {
  const r = new CanonicalReader(raw);
  const n = r.u32("count");
  const out: ConsumerBlock[] = [];
  for (let i = 0; i < n; i++) out.push(decodeBlock(r.bytes("block", 1 << 24)));
  r.end();
  return out;
}
function decodeStatus(raw: Uint8Array): { height: number; hash: string } {
  const r = new CanonicalReader(raw);
  const s = { height: r.u53("height"), hash: toHex(r.fixed(HASH_LENGTH, "hash")) };
  r.end();
  return s;
}

async function expectNetworkError(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NetworkError);
  expect((err as NetworkError).code).toBe(code);
}

// The tests run in order on one producer and one full node.
let producer: TestNode;
let full: TestNode;
const served: { from: number; count: number }[] = [];

beforeAll(async () => {
  producer = await startNode();
  await extend(producer.chain, producer.chain.genesisHash, INITIAL, "p"); // never gossiped
  // Record what the producer serves over `blocks` (its handler calls serveBlocks on each request).
  const net = producer.network as unknown as { serveBlocks(req: Uint8Array): Promise<Uint8Array> };
  const serve = net.serveBlocks.bind(net);
  net.serveBlocks = async (req) => {
    const r = new CanonicalReader(req);
    served.push({ from: r.u53("from"), count: r.u32("count") });
    return serve(req);
  };
});

test("a full node that starts late syncs the whole chain from the producer over the blocks protocol", async () => {
  full = await startNode(producer.network.p2p.multiaddrs);
  await waitFor("the full node at the producer's head", () => full.chain.head.header.height === INITIAL, 20_000);
  expect(sameChain(full.chain, producer.chain, INITIAL)).toBe(true);
  expect(toHex(full.chain.head.hash)).toBe(toHex(producer.chain.head.hash));
  // In batches of SYNC_BATCH from height 1: 1, 65, 129.
  expect(served.slice(0, 3)).toEqual([
    { from: 1, count: SYNC_BATCH },
    { from: 1 + SYNC_BATCH, count: SYNC_BATCH },
    { from: 1 + 2 * SYNC_BATCH, count: SYNC_BATCH },
  ]);
  // Gossip works both ways from now on.
  const id = (n: TestNode) => n.network.p2p.peerId;
  await waitFor("the gossip mesh", () => full.network.p2p.meshPeers("blocks").includes(id(producer)) && producer.network.p2p.meshPeers("blocks").includes(id(full)));
  const b = await produce(producer, ["fresh=1"]);
  await waitFor("the gossiped block", () => toHex(full.chain.head.hash) === toHex(computeBlockHash(b.header)));
});

describe("an attacker peer next to the full node", () => {
  type Seen = { kind: ConsumerGossipKind; result: ValidationResult; code: string | undefined; size: number };
  const seen: Seen[] = [];

  beforeAll(() => {
    // What the full node decided about each gossip message, and the typed error behind it.
    let code: string | undefined;
    const chain = full.chain;
    const addEncoded = chain.addEncodedBlock.bind(chain);
    chain.addEncodedBlock = async (bytes, now) => {
      code = undefined;
      try {
        return await addEncoded(bytes, now);
      } catch (e) {
        code = e instanceof BlockError ? e.code : `untyped: ${String(e)}`;
        throw e;
      }
    };
    const add = full.mempool.add.bind(full.mempool);
    full.mempool.add = async (tx) => {
      code = undefined;
      try {
        return await add(tx);
      } catch (e) {
        code = e instanceof ExecutionError ? e.code : `untyped: ${String(e)}`;
        throw e;
      }
    };
    const net = full.network as unknown as { validateBlock(d: Uint8Array, from: string): Promise<ValidationResult>; validateTx(d: Uint8Array): Promise<ValidationResult> };
    const vb = net.validateBlock.bind(net);
    const vt = net.validateTx.bind(net);
    net.validateBlock = async (d, from) => {
      const result = await vb(d, from);
      seen.push({ kind: "blocks", result, code, size: d.length });
      return result;
    };
    net.validateTx = async (d) => {
      const result = await vt(d);
      seen.push({ kind: "txs", result, code, size: d.length });
      return result;
    };
  });

  /** A block on the full node's head as the producer would make it. */
  const goodNext = () => buildOn(full.chain, full.chain.head.hash, ["next=1"]);
  const resign = (b: ConsumerBlock, sk = PRODUCER_SK): ConsumerBlock => ({ ...b, signature: signBlockHeader(sk, b.header) });

  const gossipAttacks: [string, ConsumerGossipKind, () => Promise<Uint8Array>, string][] = [
    ["garbage bytes as a block", "blocks", async () => utf8("this is not a block at all, just some garbage bytes"), "BLOCK_ERROR_MALFORMED"],
    ["an empty block message", "blocks", async () => new Uint8Array(0), "BLOCK_ERROR_MALFORMED"],
    [
      "a truncated block",
      "blocks",
      async () => {
        const bytes = encodeBlock(await goodNext());
        return bytes.subarray(0, bytes.length - 7);
      },
      "BLOCK_ERROR_MALFORMED",
    ],
    ["a block signed by a key that is not a producer's", "blocks", async () => encodeBlock(resign(await goodNext(), OTHER_SK)), "BLOCK_ERROR_BAD_SIGNATURE"],
    [
      "a block of another consumer (signed by the producer key)",
      "blocks",
      async () => {
        const b = await goodNext();
        return encodeBlock(resign({ ...b, header: { ...b.header, consumerId: "other-chain" } }));
      },
      "BLOCK_ERROR_WRONG_CONSUMER",
    ],
    [
      "a block with a wrong state root (signed by the producer key)",
      "blocks",
      async () => {
        const b = await goodNext();
        return encodeBlock(resign({ ...b, header: { ...b.header, stateRoot: new Uint8Array(32).fill(0xee) } }));
      },
      "BLOCK_ERROR_WRONG_STATE_ROOT",
    ],
    [
      "a block whose transaction is not valid (signed by the producer key)",
      "blocks",
      async () => {
        const b = await goodNext();
        const txs = [utf8("NOT VALID")];
        return encodeBlock(resign({ ...b, txs, header: { ...b.header, txRoot: computeTxRoot(txs) } }));
      },
      "BLOCK_ERROR_INVALID_TX",
    ],
    ["a garbage transaction", "txs", async () => utf8("NOT VALID"), "EXECUTION_ERROR_MALFORMED_TX"],
    ["an empty transaction", "txs", async () => new Uint8Array(0), "EXECUTION_ERROR_MALFORMED_TX"],
    ["an oversized transaction", "txs", async () => new Uint8Array(MAX_TX_BYTES + 1).fill(0x61), "EXECUTION_ERROR_MALFORMED_TX"],
  ];

  test.each(gossipAttacks.map(([name, kind, make, code]) => ({ name, kind, make, code })))("$name: rejected ($code), nothing stored, nothing relayed", async ({ kind, make, code }) => {
    const before = await snapshot(full);
    const producerBefore = await snapshot(producer);
    // A fresh attacker each time: three rejected messages would graylist it, and the next would not even be validated.
    const a = await startAttacker(full);
    const payload = await make();
    const n = seen.length;
    await a.publish(kind, payload);
    await waitFor("the full node to validate the message", () => seen.length > n);
    expect(seen.slice(n)).toEqual([{ kind, result: "reject", code, size: payload.length }]);
    await sleep(100);
    expect(await snapshot(full)).toEqual(before);
    // Rejected messages are not relayed: the producer saw nothing either.
    expect(await snapshot(producer)).toEqual(producerBefore);
    await a.stop();
  });

  test("malformed status and blocks requests: a typed error or an answer that changes nothing", async () => {
    const before = await snapshot(full);
    const a = await startAttacker(full);
    const peer = full.network.p2p.peerId;
    // status carries no request: whatever is sent, the answer is the head.
    for (const req of [new Uint8Array(0), utf8("garbage"), new Uint8Array(1 << 16).fill(0xff)]) {
      expect(decodeStatus(await a.request(peer, "status", req))).toEqual({ height: before.height, hash: before.head });
    }
    // blocks: (u64 from, u32 count), nothing else.
    const malformed = [
      new Uint8Array(0),
      utf8("garbage"),
      new CanonicalWriter().u64(1, "from").finish(), // no count
      Uint8Array.from([...blocksRequest(1, 3), 0]), // a trailing byte
      blocksRequest(2n ** 64n - 1n, 1), // beyond any safe height
    ];
    for (const req of malformed) await expectNetworkError(a.request(peer, "blocks", req), "NETWORK_ERROR_REMOTE");
    // A huge count: at most one batch, the canonical blocks from `from`.
    const batch = decodeBlocksResponse(await a.request(peer, "blocks", blocksRequest(1, 0xffff_ffff)));
    expect(batch).toHaveLength(SYNC_BATCH);
    expect(batch.map((b) => toHex(computeBlockHash(b.header)))).toEqual(Array.from({ length: SYNC_BATCH }, (_, i) => toHex(full.chain.canonicalNodeAt(i + 1)!.hash)));
    // From beyond the head (or at the very end of the range): nothing.
    expect(decodeBlocksResponse(await a.request(peer, "blocks", blocksRequest(before.height + 1, 10)))).toEqual([]);
    expect(decodeBlocksResponse(await a.request(peer, "blocks", blocksRequest(before.height + 1_000_000, 0xffff_ffff)))).toEqual([]);
    expect(decodeBlocksResponse(await a.request(peer, "blocks", blocksRequest(Number.MAX_SAFE_INTEGER, 0xffff_ffff)))).toEqual([]);
    expect(decodeBlocksResponse(await a.request(peer, "blocks", blocksRequest(5, 0)))).toEqual([]);
    // And a protocol it does not speak.
    await expectNetworkError(a.request(peer, "debug", new Uint8Array(1)), "NETWORK_ERROR_UNSUPPORTED_PROTOCOL");
    expect(await snapshot(full)).toEqual(before);
    await a.stop();
  });

  test("after all that, the honest producer's transactions and blocks still reach the full node", async () => {
    const tx = utf8("honest=1");
    await producer.mempool.add(tx);
    producer.network.publishTx(tx);
    await waitFor("the transaction in the full node's mempool", () => full.mempool.size === 1);
    expect(seen.at(-1)).toMatchObject({ kind: "txs", result: "accept" });
    const b = await produce(producer, ["honest=1"]);
    await waitFor("the producer's block on the full node", () => toHex(full.chain.head.hash) === toHex(computeBlockHash(b.header)));
    expect(seen.at(-1)).toMatchObject({ kind: "blocks", result: "accept", code: undefined });
    expect(full.mempool.size).toBe(0); // included: it left the mempool
    expect(sameChain(full.chain, producer.chain, producer.chain.head.header.height)).toBe(true);
  });
});

test("a full node on a shorter fork above its final height moves to the producer's longer chain through sync", async () => {
  const P = producer.chain.head.header.height;
  const forkPoint = P - 3;
  const finalHeight = forkPoint - 1;
  let forkTip = "";
  served.length = 0;
  // Its store before it connects: the producer's chain up to the fork point, the block below it
  // hub-final, then two blocks of its own. Then it connects to the producer: the status shows a
  // longer chain it does not know, and sync walks back to the fork point.
  const late = await startNode(producer.network.p2p.multiaddrs, async (chain) => {
    for (let h = 1; h <= forkPoint; h++) {
      const b = (await producer.chain.getBlock(producer.chain.canonicalNodeAt(h)!.hash))!;
      await chain.addBlock(b, b.header.time);
    }
    expect((await chain.applyFinalCheckpoint(finalInput(chain, chain.canonicalNodeAt(finalHeight)!.hash).input)).status).toBe("ACCEPTED");
    const fork = await extend(chain, chain.head.hash, 2, "fork");
    forkTip = toHex(fork[1]!);
    expect(chain.head.header.height).toBe(forkPoint + 2);
    expect(chain.head.header.height).toBeLessThan(P);
  });
  await waitFor("the late node on the producer's chain", () => toHex(late.chain.head.hash) === toHex(producer.chain.head.hash), 20_000);
  expect(sameChain(late.chain, producer.chain, P)).toBe(true);
  expect(late.chain.finalHeight).toBe(finalHeight);
  expect(late.chain.isFinal(finalHeight, producer.chain.canonicalNodeAt(finalHeight)!.hash)).toBe(true);
  // Its own branch is still stored, off the canonical chain.
  expect(late.chain.header(Buffer.from(forkTip, "hex"))).toBeDefined();
  // It asked from its head first (the producer's blocks there did not connect), then from further back.
  expect(served[0]).toEqual({ from: forkPoint + 3, count: SYNC_BATCH });
  expect(served.some((s) => s.from <= forkPoint + 1)).toBe(true);
});

test("a transaction that arrived before any peer was connected is gossiped again and reaches the producer", async () => {
  const full = await startNode([], undefined, 300);
  const tx = utf8("early=1");
  await full.mempool.add(tx);
  full.network.publishTx(tx); // no peer subscribed yet: gossipsub sends it to nobody
  const producer = await startNode(full.network.p2p.multiaddrs);
  await waitFor("the early transaction in the producer's mempool", () => producer.mempool.size === 1);
  expect(producer.mempool.candidates(1)).toEqual([tx]);
});

