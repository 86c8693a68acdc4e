/**
 * Fuzzing a consumer node's p2p surfaces (consumer-runtime/src/consumerNetwork.ts), the inputs any
 * stranger on the network reaches:
 *
 * - gossip `blocks` (validateBlock → ConsumerChain.addEncodedBlock) and `txs` (validateTx →
 *   Mempool.add → the environment's checkTx), called as P2pNetwork calls a validator (the payload and
 *   the relaying peer), several messages at once as gossipsub validates them: a verdict, never a
 *   throw, in bounded time; what is accepted is valid by the chain's rules (checked here again from the
 *   rules, not from the code under test) and is never a changed copy of a signed block; what is refused
 *   changes nothing (head, canonical chain, stored blocks, final height, mempool);
 * - the responder (`status`, `blocks`) over real libp2p on loopback: a malformed request is refused
 *   (CanonicalReadError, which P2pNetwork answers as a handler error: NETWORK_ERROR_REMOTE at the
 *   requester), a valid one gets the canonical blocks asked for, at most SYNC_BATCH of them, in an
 *   answer the requester decodes and the transport carries;
 * - the requester (syncOnce → fetchFrom) against a hostile peer on loopback that answers `status` and
 *   `blocks` from a script: lies about its head, blocks other than those asked for, forks, mutated
 *   blocks and frames, counts over SYNC_BATCH, answers over the size limit, handler errors. The sync
 *   ends, within a bounded number of requests, without a throw, and only validly signed blocks of real
 *   chains are stored; the final block stays final.
 *
 * Inputs are random bytes, real blocks (signed by the test producer key over the test KvEnvironment)
 * and transactions, and their mutations: bit flips, truncation, fields replaced through the block codec
 * (re-signed or not), length prefixes and counts that lie at any depth (consumerWireArbitraries.ts).
 * `npm test` runs a bounded number of cases per property; `npm run fuzz` many more (fuzzParams).
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import fc from "fast-check";
import { bytesEqual, CanonicalReadError, toHex, utf8 } from "@aegis/consumer-sdk";
import { DEFAULT_MAX_MESSAGE_BYTES, NetworkError, P2pNetwork, type Logger } from "@aegis/p2p";
import { fuzzParams } from "../../../test/helpers/fuzz.js";
import {
  BlockError,
  computeBlockHash,
  computeTxRoot,
  CONSUMER_GOSSIP_KINDS,
  ConsumerNetwork,
  consumerNetworkId,
  decodeBlock,
  decodeSyncBlocksRequest,
  decodeSyncBlocksResponse,
  decodeSyncStatus,
  encodeBlock,
  encodeBlockHeader,
  encodeSyncBlocksRequest,
  encodeSyncBlocksResponse,
  encodeSyncStatus,
  isValidBlockSignature,
  MAX_BLOCK_BYTES,
  MAX_SYNC_RESPONSE_BYTES,
  MAX_TX_BYTES,
  Mempool,
  signBlockHeader,
  SYNC_BATCH,
  type ConsumerBlock,
  type ConsumerBlockHeader,
  type ConsumerChain,
  type ConsumerGossipKind,
} from "../../src/index.js";
import { buildOn, CONSUMER, finalInput, openChain, OTHER_SK, PRODUCER_PK, PRODUCER_SK, removeDir, type OpenChain } from "../helpers/chainFixtures.js";
import {
  applyByteMutation,
  blocksRequestWire,
  blocksResponseWire,
  blockWire,
  concatBytes,
  EDGE_U64,
  HANG_MS,
  hostileBytesArbitrary,
  LYING_U32,
  mutateWire,
  rawBlocksResponseWire,
  serializeWire,
  statusWire,
  timed,
  timedAsync,
  wireMutationArbitrary,
  wireMutationsArbitrary,
  type WireMutation,
} from "./consumerWireArbitraries.js";

const LOOPBACK = "/ip4/127.0.0.1/tcp/0";
/** Timers the tests drive themselves (setInterval's largest delay). */
const NEVER_MS = 2 ** 31 - 1;
/** The producer's chain: what honest peers serve. */
const CHAIN_LENGTH = 160;
/** Heights of blocks of ~1.2 MB each ("fail:" transactions of 120 KiB): 64 blocks from below them do not fit one answer. */
const BIG_BLOCKS = [120, 121, 122, 123];
const BIG_TX = (h: number, i: number) => utf8(`fail:${h}.${i}:`.padEnd(120 * 1024, "x"));
/** Nodes under test start with the producer's chain up to BASE, hub-final up to FINAL. */
const BASE = 24;
const FINAL = BASE - 4;
const VERDICTS = ["accept", "ignore", "reject"];
/** The gossip node's mempool size: small, so that it fills up between blocks. */
const MEMPOOL_SIZE = 16;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A logger that keeps what the node says at warn and error level. */
function recordingLogger(): { logger: Logger; warnings: { msg: string; fields: Record<string, unknown> }[]; errors: { msg: string; fields: Record<string, unknown> }[] } {
  const warnings: { msg: string; fields: Record<string, unknown> }[] = [];
  const errors: { msg: string; fields: Record<string, unknown> }[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (msg, fields) => void warnings.push({ msg, fields: fields ?? {} }),
    error: (msg, fields) => void errors.push({ msg, fields: fields ?? {} }),
    child: () => logger,
  };
  return { logger, warnings, errors };
}

// ---------------------------------------------------------------------------------------------
// Blocks: the producer's chain, forks of it, and blocks made on demand on a node's head
// ---------------------------------------------------------------------------------------------

interface Made {
  block: ConsumerBlock;
  bytes: Uint8Array;
  hash: Uint8Array;
}
const made = (block: ConsumerBlock): Made => ({ block, bytes: encodeBlock(block), hash: computeBlockHash(block.header) });

/**
 * A block on `parent` with `txs`, its state root from `chain`'s environment (the parent's state when a
 * transaction is invalid: the block is invalid anyway), signed with `sk`. `parentHash` overrides the
 * parent's hash (a block whose parent nobody has).
 */
async function makeBlock(
  chain: ConsumerChain,
  parent: { hash: Uint8Array; header: ConsumerBlockHeader },
  txs: Uint8Array[],
  opts: { timeStep?: number; sk?: Uint8Array; parentHash?: Uint8Array } = {},
): Promise<ConsumerBlock> {
  const parentHash = opts.parentHash ?? parent.hash;
  const ctx = { consumerId: CONSUMER, height: parent.header.height + 1, time: Math.max(0, parent.header.time + (opts.timeStep ?? 1000)), parentHash };
  let stateRoot = parent.header.stateRoot;
  try {
    stateRoot = (await chain.env.executeBlock(parent.header.stateRoot, txs, ctx)).stateRoot;
  } catch {
    // an invalid transaction: the block keeps the parent's root
  }
  const header: ConsumerBlockHeader = { ...ctx, txRoot: computeTxRoot(txs), stateRoot, producerIndex: 0 };
  return { header, txs, signature: signBlockHeader(opts.sk ?? PRODUCER_SK, header) };
}

/** A chain as a peer sees it: its blocks by height (1 to tip). */
interface ChainView {
  name: string;
  at: (height: number) => Made | undefined;
  tip: number;
}

let producerBlocks: Made[] = []; // index = height (0 unused)
const forks: ChainView[] = [];
/** Hashes of every real block (the producer's chain and the forks): the only blocks a node may store. */
const realBlocks = new Map<string, Uint8Array>();

const producerView: ChainView = { name: "producer", at: (h) => producerBlocks[h], tip: CHAIN_LENGTH };

// ---------------------------------------------------------------------------------------------
// Nodes: the producer (serves its chain), a hostile raw peer, a sync victim, a gossip victim
// ---------------------------------------------------------------------------------------------

interface TestNode {
  o: OpenChain;
  chain: ConsumerChain;
  mempool: Mempool;
  network: ConsumerNetwork;
  log: ReturnType<typeof recordingLogger>;
  started: boolean;
}

const opened: TestNode[] = [];

/** A node with the producer's chain up to BASE (hub-final up to FINAL); its network started when `bootstrap` is given. */
async function openNode(opts: { bootstrap?: string[]; mempoolSize?: number; upTo?: number } = {}): Promise<TestNode> {
  const o = await openChain();
  for (let h = 1; h <= (opts.upTo ?? BASE); h++) await o.chain.addBlock(producerBlocks[h]!.block, Date.now());
  if ((opts.upTo ?? BASE) >= FINAL) expect((await o.chain.applyFinalCheckpoint(finalInput(o.chain, producerBlocks[FINAL]!.hash).input)).status).toBe("ACCEPTED");
  const mempool = new Mempool(o.chain, opts.mempoolSize);
  const log = recordingLogger();
  const network = new ConsumerNetwork(o.chain, mempool, { listen: [LOOPBACK], bootstrap: opts.bootstrap ?? [], syncIntervalMs: NEVER_MS, txRebroadcastMs: NEVER_MS }, () => Date.now(), log.logger);
  const n: TestNode = { o, chain: o.chain, mempool, network, log, started: false };
  opened.push(n);
  if (opts.bootstrap) {
    await network.start();
    n.started = true;
  }
  return n;
}

async function closeNode(n: TestNode): Promise<void> {
  if (n.started) await n.network.stop().catch(() => {});
  await n.chain.exclusive(async () => {});
  await n.o.close();
  await removeDir(n.o.dir);
  opened.splice(opened.indexOf(n), 1);
}

interface Snapshot {
  head: string;
  height: number;
  canonical: string;
  stored: string[];
  final: number;
  finalHash: string;
  mempool: number;
  halted: unknown;
}

async function snapshot(n: TestNode): Promise<Snapshot> {
  const stored: string[] = [];
  for await (const [k] of n.chain.store.iterateHeaders()) stored.push(toHex(k));
  const canonical: string[] = [];
  for (let h = 0; h <= n.chain.head.header.height; h++) canonical.push(toHex(n.chain.canonicalNodeAt(h)!.hash).slice(0, 16));
  return {
    head: toHex(n.chain.head.hash),
    height: n.chain.head.header.height,
    canonical: canonical.join(","),
    stored: stored.sort(),
    final: n.chain.finalHeight,
    finalHash: toHex(n.chain.finalCheckpoint?.blockHash ?? new Uint8Array(0)),
    mempool: n.mempool.size,
    halted: n.chain.misbehaviour,
  };
}

/** The canonical chain links (each block's parent is the block below), and every block is stored and decodes. */
async function expectCanonicalLinked(n: TestNode): Promise<void> {
  const top = n.chain.head.header.height;
  expect(toHex(n.chain.canonicalNodeAt(top)!.hash)).toBe(toHex(n.chain.head.hash));
  expect(n.chain.canonicalNodeAt(top + 1)).toBeUndefined();
  for (let h = 1; h <= top; h++) {
    const node = n.chain.canonicalNodeAt(h)!;
    expect(node.header.height).toBe(h);
    expect(toHex(node.header.parentHash)).toBe(toHex(n.chain.canonicalNodeAt(h - 1)!.hash));
  }
}

/**
 * The chain's rules for a block received from a peer (chain.ts addBlock's doc), checked here from the
 * rules themselves: strict decoding, this consumer, a producer key that signed the header, the
 * transactions' root, a stored parent one height below and earlier in time, not ahead of `now` by more
 * than the drift, and the state root of the transactions executed over the parent's state.
 */
async function expectValidByRules(chain: ConsumerChain, bytes: Uint8Array, now: number): Promise<void> {
  const b = decodeBlock(bytes);
  const h = b.header;
  expect(h.consumerId).toBe(CONSUMER);
  expect(h.producerIndex).toBe(0);
  expect(isValidBlockSignature(PRODUCER_PK, h, b.signature)).toBe(true);
  expect(ed25519.verify(b.signature, concatBytes(Uint8Array.of(0, 0, 0, 23), utf8("aegis/consumer-block/v1"), serializeWire([{ t: "lp", bytes: encodeBlockHeader(h) }])), PRODUCER_PK)).toBe(true);
  expect(toHex(computeTxRoot(b.txs))).toBe(toHex(h.txRoot));
  const parent = chain.header(h.parentHash);
  expect(parent).toBeDefined();
  expect(h.height).toBe(parent!.height + 1);
  expect(h.time).toBeGreaterThan(parent!.time);
  expect(h.time).toBeLessThanOrEqual(now + chain.maxClockDriftMs);
  const r = await chain.env.executeBlock(parent!.stateRoot, b.txs, { consumerId: h.consumerId, height: h.height, time: h.time, parentHash: h.parentHash });
  expect(toHex(r.stateRoot)).toBe(toHex(h.stateRoot));
  // Stored exactly as received.
  const stored = await chain.getBlock(computeBlockHash(h));
  expect(stored && toHex(encodeBlock(stored))).toBe(toHex(bytes));
}

/** The transactions (hex) of stored blocks, by block hash (blocks never change). */
const txsByBlock = new Map<string, string[]>();
async function txsOf(n: TestNode, hash: Uint8Array): Promise<string[]> {
  const key = toHex(hash);
  let txs = txsByBlock.get(key);
  if (!txs) {
    txs = ((await n.chain.getBlock(hash))?.txs ?? []).map((t) => toHex(t));
    txsByBlock.set(key, txs);
  }
  return txs;
}

/** The canonical chain's block hashes (hex) from genesis to the head. */
function canonicalHashes(n: TestNode): string[] {
  const out: string[] = [];
  for (let h = 0; h <= n.chain.head.header.height; h++) out.push(toHex(n.chain.canonicalNodeAt(h)!.hash));
  return out;
}

/**
 * The mempool after a change of the chain: none of its transactions is in a block that joined the
 * canonical chain meanwhile (it left when the block was added; a reorg brings back a dropped block's
 * transactions only when the new branch does not have them too), and each is one it held before or one
 * of a block that left the chain. (A transaction of an older block may come back: the test environment
 * has no replay protection, and the mempool leaves that to the environment.)
 */
async function expectMempoolConsistent(n: TestNode, before: { pooled: Set<string>; canonical: string[] }): Promise<void> {
  const now = canonicalHashes(n);
  const was = new Set(before.canonical);
  const included = new Set<string>();
  for (const h of now) if (!was.has(h)) for (const t of await txsOf(n, Buffer.from(h, "hex"))) included.add(t);
  const kept = new Set(now);
  const dropped = new Set<string>();
  for (const h of before.canonical) if (!kept.has(h)) for (const t of await txsOf(n, Buffer.from(h, "hex"))) dropped.add(t);
  for (const tx of n.mempool.candidates(100_000).map((t) => toHex(t))) {
    expect({ tx: Buffer.from(tx, "hex").toString().slice(0, 40), included: included.has(tx) }).toEqual({ tx: Buffer.from(tx, "hex").toString().slice(0, 40), included: false });
    expect(before.pooled.has(tx) || dropped.has(tx)).toBe(true);
  }
}
const mempoolBefore = (n: TestNode) => ({ pooled: new Set(n.mempool.candidates(100_000).map((t) => toHex(t))), canonical: canonicalHashes(n) });

let producer: TestNode;
let gossipNode: TestNode;
let hostile: P2pNetwork<ConsumerGossipKind>;
let victim: TestNode;
/** What the hostile peer answers (set by each requester case). */
let hostileStatus: () => Uint8Array = () => new Uint8Array(0);
let hostileBlocks: (req: Uint8Array) => Uint8Array = () => new Uint8Array(0);
let hostileRequests = 0;
/**
 * `blocks` requests one sync may make to one peer: each height of the peer's chains asked for once,
 * and the walks back to find where its chain leaves ours (the distance doubles each time).
 */
const MAX_BLOCKS_REQUESTS_PER_SYNC = CHAIN_LENGTH + 2 * Math.ceil(Math.log2(CHAIN_LENGTH)) + 2;
/** Past this the hostile peer fails every request (a requester looping for good still ends the case). */
const HOSTILE_REQUEST_CAP = 2000;

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => void unhandled.push(e);

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  // The producer: its chain (added through the chain's rules, hence valid) is never gossiped, only served.
  producer = await openNode({ upTo: 0, bootstrap: [] });
  const p = producer;
  producerBlocks = [undefined as unknown as Made];
  for (let h = 1; h <= CHAIN_LENGTH; h++) {
    const b = BIG_BLOCKS.includes(h)
      ? await makeBlock(p.chain, p.chain.head, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => BIG_TX(h, i)))
      : await buildOn(p.chain, p.chain.head.hash, [`p${h}=${h}`, ...(h % 7 === 0 ? [`fail:seven${h}`] : [])]);
    await p.chain.addBlock(b, Date.now());
    producerBlocks.push(made(b));
  }
  expect((await p.chain.applyFinalCheckpoint(finalInput(p.chain, producerBlocks[FINAL]!.hash).input)).status).toBe("ACCEPTED");
  for (const m of producerBlocks.slice(1)) realBlocks.set(toHex(m.hash), m.bytes);
  // Forks of it, signed by the producer key too: below the final height, just above it, near the base,
  // and longer ones. Each block carries the transaction of the producer's block at its height too (an
  // equivocating producer includes the same mempool on both sides), and one of its own.
  for (const [from, length] of [
    [FINAL - 3, 6],
    [FINAL + 1, 4],
    [BASE - 1, 12],
    [BASE + 6, 70],
    [BASE + 40, 90],
  ] as const) {
    const blocks: Made[] = [];
    let parent = { hash: producerBlocks[from]!.hash, header: producerBlocks[from]!.block.header };
    for (let i = 0; i < length; i++) {
      const b = made(await makeBlock(p.chain, parent, [utf8(`p${from + i + 1}=${from + i + 1}`), utf8(`f${from}x${i}=fork`)], { timeStep: 900 }));
      blocks.push(b);
      realBlocks.set(toHex(b.hash), b.bytes);
      parent = { hash: b.hash, header: b.block.header };
    }
    forks.push({ name: `fork@${from}`, at: (h) => (h <= from ? producerBlocks[h] : blocks[h - from - 1]), tip: from + length });
  }

  hostile = new P2pNetwork<ConsumerGossipKind>({
    chainId: consumerNetworkId(CONSUMER),
    kinds: CONSUMER_GOSSIP_KINDS,
    listen: [LOOPBACK],
    bootstrap: producer.network.p2p.multiaddrs,
    bootstrapRedialMs: 200,
    // Room for answers over the requester's limit.
    maxMessageBytes: 2 * DEFAULT_MAX_MESSAGE_BYTES,
  });
  hostile.handle("status", async () => hostileStatus());
  hostile.handle("blocks", async (req) => {
    if (++hostileRequests > HOSTILE_REQUEST_CAP) throw new Error("looping");
    return hostileBlocks(req);
  });
  await hostile.start();
  await waitFor("the hostile peer connected to the producer", () => hostile.connectedPeers().includes(producer.network.p2p.peerId));
  victim = await openVictim();
  gossipNode = await openNode({ mempoolSize: MEMPOOL_SIZE });
}, 120_000);

async function openVictim(): Promise<TestNode> {
  const n = await openNode({ bootstrap: hostile.multiaddrs });
  await waitFor("the victim connected to the hostile peer", () => n.network.p2p.connectedPeers().includes(hostile.peerId));
  return n;
}

afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await hostile?.stop().catch(() => {});
  for (const n of [...opened]) await closeNode(n);
});

afterEach(() => {
  expect(unhandled).toEqual([]);
});

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

/** Transactions of the test environment: `key=value`, `fail:…` (valid, failing), and invalid ones. */
const txTextArb = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.stringMatching(/^[a-z0-9]{1,8}$/), fc.string({ maxLength: 12 })).map(([k, v]) => `${k}=${v}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }).map((s) => `fail:${s}`) },
  { weight: 1, arbitrary: fc.constantFrom("NOT VALID", "", "=x", "K=v", `${"k".repeat(33)}=v`, `k=${"v".repeat(257)}`) },
);

/** The environment's admission rule (KvEnvironment), written out again: the oracle for transactions. */
function isValidKvTx(tx: Uint8Array): boolean {
  if (tx.length === 0 || tx.length > MAX_TX_BYTES) return false;
  const s = new TextDecoder().decode(tx);
  return s.startsWith("fail:") || /^([a-z0-9]{1,32})=(.{0,256})$/s.test(s);
}

type ParentChoice = { kind: "head" } | { kind: "below"; k: number } | { kind: "unknown"; hash: Uint8Array };
type FieldName = "consumerId" | "height" | "time" | "parentHash" | "txRoot" | "stateRoot" | "producerIndex" | "signature" | "txs";
interface FieldChange {
  field: FieldName;
  choice: number;
  bytes: Uint8Array;
  resign: "none" | "producer" | "other";
}
type Mutation = { kind: "none" } | { kind: "wire"; ms: WireMutation[] } | { kind: "field"; change: FieldChange };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: "none" as const }) },
  { weight: 3, arbitrary: wireMutationsArbitrary(3).map((ms) => ({ kind: "wire" as const, ms })) },
  {
    weight: 3,
    arbitrary: fc
      .record({
        field: fc.constantFrom<FieldName>("consumerId", "height", "time", "parentHash", "txRoot", "stateRoot", "producerIndex", "signature", "txs"),
        choice: fc.nat(),
        bytes: hash32,
        resign: fc.constantFrom<FieldChange["resign"]>("none", "none", "producer", "other"),
      })
      .map((change) => ({ kind: "field" as const, change })),
  },
);

type BlockSource =
  | { src: "new"; parent: ParentChoice; txs: string[]; timeStep: number | "future" }
  | { src: "real"; view: number; height: number }
  | { src: "random"; bytes: Uint8Array };

const blockSourceArb: fc.Arbitrary<BlockSource> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      src: fc.constant("new" as const),
      parent: fc.oneof(
        { weight: 5, arbitrary: fc.constant({ kind: "head" as const }) },
        { weight: 2, arbitrary: fc.integer({ min: 1, max: 8 }).map((k) => ({ kind: "below" as const, k })) },
        { weight: 1, arbitrary: hash32.map((hash) => ({ kind: "unknown" as const, hash })) },
      ),
      txs: fc.array(txTextArb, { maxLength: 3 }),
      timeStep: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 1000 }) }, { weight: 1, arbitrary: fc.constantFrom<number | "future">(0, -1, "future") }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ src: fc.constant("real" as const), view: fc.integer({ min: 0, max: 5 }), height: fc.integer({ min: 1, max: CHAIN_LENGTH + 10 }) }) },
  { weight: 1, arbitrary: hostileBytesArbitrary.map((bytes) => ({ src: "random" as const, bytes })) },
);

/** `b` with one field replaced through the codec, re-signed (by the producer or another key) or not. */
function changeField(b: ConsumerBlock, c: FieldChange, ctx: { genesis: Uint8Array; other: Uint8Array }): ConsumerBlock {
  const h = { ...b.header };
  let txs = b.txs;
  let signature = b.signature;
  const pickOf = <T>(xs: readonly T[]) => xs[c.choice % xs.length]!;
  switch (c.field) {
    case "consumerId":
      h.consumerId = pickOf(["other-chain", "", "KV-TEST", "kv test", "x".repeat(65), `${CONSUMER}\u0000`]);
      break;
    case "height":
      h.height = pickOf([h.height + 1, h.height - 1, 0, h.height + 64, Number.MAX_SAFE_INTEGER]);
      break;
    case "time":
      h.time = pickOf([h.time - 1000, 0, h.time + 3_600_000_000, Number.MAX_SAFE_INTEGER, h.time + 1]);
      break;
    case "parentHash":
      h.parentHash = pickOf([c.bytes, ctx.genesis, ctx.other, new Uint8Array(32)]);
      break;
    case "txRoot":
      h.txRoot = pickOf([c.bytes, computeTxRoot([]), computeTxRoot([...txs, utf8("k=v")])]);
      break;
    case "stateRoot":
      h.stateRoot = pickOf([c.bytes, new Uint8Array(32)]);
      break;
    case "producerIndex":
      h.producerIndex = pickOf([1, 2, 0xffffffff]);
      break;
    case "signature":
      signature = pickOf([c.bytes.length === 32 ? concatBytes(c.bytes, c.bytes) : c.bytes, signBlockHeader(OTHER_SK, h), new Uint8Array(0), signature.subarray(0, 63), concatBytes(signature, Uint8Array.of(0))]);
      break;
    case "txs":
      txs = pickOf([[...txs, utf8("extra=1")], txs.slice(1), [utf8("NOT VALID")], [...txs, ...txs], [new Uint8Array(0)], [new Uint8Array(MAX_TX_BYTES + 1).fill(0x61)]]);
      break;
  }
  if (c.resign !== "none" && c.field !== "signature") signature = signBlockHeader(c.resign === "producer" ? PRODUCER_SK : OTHER_SK, h);
  return { header: h, txs, signature };
}

function mutate(b: ConsumerBlock, m: Mutation, ctx: { genesis: Uint8Array; other: Uint8Array }): Uint8Array {
  switch (m.kind) {
    case "none":
      return encodeBlock(b);
    case "wire":
      return mutateWire(blockWire(b), m.ms);
    case "field":
      return encodeBlock(changeField(b, m.change, ctx));
  }
}

// ---------------------------------------------------------------------------------------------
// Gossip: `blocks`
// ---------------------------------------------------------------------------------------------

describe("gossip", () => {

  /** The block a source names, on `n`'s current head (undefined: none, e.g. a height beyond a chain). */
  /**
   * The block a source names, on `n`'s current head. `valid`: a new block the chain's rules must take
   * (a known parent on the final chain, valid transactions, a time after the parent's and not ahead).
   */
  async function materialize(n: TestNode, s: BlockSource): Promise<{ bytes?: Uint8Array; block?: ConsumerBlock; valid: boolean }> {
    if (s.src === "random") return { bytes: s.bytes, valid: false };
    if (s.src === "real") {
      const v = s.view === 0 ? producerView : forks[(s.view - 1) % forks.length]!;
      return { block: v.at(Math.min(s.height, v.tip))!.block, valid: false };
    }
    const head = n.chain.head;
    const below = s.parent.kind === "below" ? n.chain.canonicalNodeAt(Math.max(0, head.header.height - s.parent.k))! : undefined;
    const parent = below ? { hash: below.hash, header: below.header } : head;
    const timeStep = s.timeStep === "future" ? Date.now() - parent.header.time + 3_600_000 : s.timeStep;
    const block = await makeBlock(n.chain, parent, s.txs.map(utf8), { timeStep, ...(s.parent.kind === "unknown" ? { parentHash: s.parent.hash } : {}) });
    const valid = s.parent.kind !== "unknown" && parent.header.height >= n.chain.finalHeight && block.txs.every(isValidKvTx) && typeof s.timeStep === "number" && s.timeStep >= 1;
    return { block, valid };
  }

  let accepted = 0;
  let ignored = 0;
  let rejected = 0;

  test("blocks: a verdict, never a throw, in bounded time; accepted only when valid by the chain's rules; refused changes nothing", async () => {
    const n = gossipNode;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(blockSourceArb, mutationArb), { minLength: 1, maxLength: 3 }), async (cases) => {
        const ctx = { genesis: n.chain.genesisHash, other: producerBlocks[BASE + 3]!.hash };
        const messages = [];
        for (const [source, mutation] of cases) {
          const m = await materialize(n, source);
          const bytes = m.bytes ?? mutate(m.block!, mutation, ctx);
          messages.push({ bytes, original: m.block, valid: m.valid && mutation.kind === "none" });
        }
        const before = await snapshot(n);
        const pool = mempoolBefore(n);
        const errorsBefore = n.log.errors.length;
        const now = Date.now();
        // Several at once, as gossipsub validates them.
        const results = await Promise.all(messages.map((msg) => timedAsync(() => n.network.validateBlock(msg.bytes, hostile.peerId))));
        let accepts = 0;
        for (const [i, r] of results.entries()) {
          const { bytes, original, valid } = messages[i]!;
          expect(r.error).toBeUndefined();
          expect(r.ms).toBeLessThan(HANG_MS);
          expect(VERDICTS).toContain(r.value);
          // A valid new block is taken (ignored only as the copy of one taken in the same batch).
          if (valid && r.value !== "accept") expect({ verdict: r.value, copyInBatch: messages.some((m, j) => j !== i && bytesEqual(m.bytes, bytes)) }).toEqual({ verdict: "ignore", copyInBatch: true });
          const decoded = timed(() => decodeBlock(bytes));
          if (decoded.error !== undefined) {
            expect(decoded.error).toBeInstanceOf(BlockError);
            expect(r.value).toBe("reject");
          }
          if (r.value === "accept") {
            accepts++;
            await expectValidByRules(n.chain, bytes, now);
            // Never a copy of a signed block whose signed content changed (a re-signed one is a new block, judged above).
            if (original && decoded.value && !bytesEqual(encodeBlockHeader(decoded.value.header), encodeBlockHeader(original.header))) {
              expect(isValidBlockSignature(PRODUCER_PK, decoded.value.header, original.signature)).toBe(false);
              expect(bytesEqual(decoded.value.signature, original.signature)).toBe(false);
            }
          }
          if (r.value === "accept") accepted++;
          else if (r.value === "ignore") ignored++;
          else rejected++;
        }
        const after = await snapshot(n);
        if (accepts === 0) expect(after).toEqual(before);
        else {
          expect(after.stored.length).toBe(before.stored.length + accepts);
          expect(after.height).toBeGreaterThanOrEqual(before.height);
          expect({ final: after.final, finalHash: after.finalHash }).toEqual({ final: before.final, finalHash: before.finalHash });
          await expectMempoolConsistent(n, pool);
        }
        // Nothing untyped went wrong inside (validateBlock logs an error for an exception that is not a BlockError).
        expect(n.log.errors.slice(errorsBefore)).toEqual([]);
      }),
      { ...fuzzParams(120), endOnFailure: true },
    );
    await expectCanonicalLinked(n);
    // The generators reach every verdict.
    expect({ accepted: accepted > 0, ignored: ignored > 0, rejected: rejected > 0 }).toEqual({ accepted: true, ignored: true, rejected: true });
  });

  // -------------------------------------------------------------------------------------------
  // Gossip: `txs`
  // -------------------------------------------------------------------------------------------

  type TxSource = { src: "text"; text: string } | { src: "bytes"; bytes: Uint8Array } | { src: "pooled"; i: number } | { src: "max"; over: boolean } | { src: "mutated"; text: string; m: WireMutation };
  const txSourceArb: fc.Arbitrary<TxSource> = fc.oneof(
    { weight: 6, arbitrary: txTextArb.map((text) => ({ src: "text" as const, text })) },
    { weight: 2, arbitrary: hostileBytesArbitrary.map((bytes) => ({ src: "bytes" as const, bytes })) },
    { weight: 1, arbitrary: fc.nat().map((i) => ({ src: "pooled" as const, i })) },
    { weight: 1, arbitrary: fc.boolean().map((over) => ({ src: "max" as const, over })) },
    { weight: 2, arbitrary: fc.tuple(txTextArb, wireMutationArbitrary).map(([text, m]) => ({ src: "mutated" as const, text, m })) },
  );
  /**
   * A burst of valid, new transactions, more than the pool holds: the full pool's refusals are reached
   * in every run, not by chance (small cases alone left the pool short of full in some runs).
   */
  const txBurstArb: fc.Arbitrary<TxSource[]> = fc
    .uniqueArray(fc.tuple(fc.stringMatching(/^[a-z0-9]{1,8}$/), fc.nat()), { minLength: MEMPOOL_SIZE, maxLength: MEMPOOL_SIZE + 4, selector: ([k, v]) => `${k}=${v}` })
    .map((kvs) => kvs.map(([k, v]) => ({ src: "text" as const, text: `${k}=${v}` })));
  function txOf(n: TestNode, s: TxSource): Uint8Array {
    switch (s.src) {
      case "text":
        return utf8(s.text);
      case "bytes":
        return s.bytes;
      case "pooled": {
        const pooled = n.mempool.candidates(1000);
        return pooled.length > 0 ? pooled[s.i % pooled.length]! : utf8("pooled=none");
      }
      case "max":
        return utf8("fail:".padEnd(MAX_TX_BYTES + (s.over ? 1 : 0), "m"));
      case "mutated":
        return applyByteMutation(utf8(s.text), s.m);
    }
  }

  test("txs: a verdict, never a throw; accepted only when the environment admits it; the mempool stays within its size, holds nothing a canonical block has; refused changes nothing", async () => {
    const n = gossipNode;
    // The environment's checkTx reads its state (I/O) before it answers, as a real one does: it takes
    // a few milliseconds, as long as a block's execution and storage or longer.
    const env = n.chain.env;
    const checkTx = env.checkTx.bind(env);
    env.checkTx = async (root, tx) => {
      await sleep(tx.length % 5);
      return checkTx(root, tx);
    };
    let txAccepted = 0;
    let produced = 0;
    let full = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.oneof({ weight: 4, arbitrary: fc.array(txSourceArb, { minLength: 1, maxLength: 6 }) }, { weight: 1, arbitrary: txBurstArb }), fc.constantFrom("none", "none", "none", "before", "during"), async (sources, produce) => {
          // The producer's side: a block with some of the mempool's transactions (they then leave it),
          // before the messages or while they are validated (then with some of them too).
          const blockOf = async (extra: Uint8Array[]) => makeBlock(n.chain, n.chain.head, [...n.mempool.candidates(1 + ((sources.length * 7) % 20)), ...extra], { timeStep: 1 });
          if (produce === "before" && n.mempool.size > 0) {
            const b = await blockOf([]);
            expect((await n.chain.addBlock(b, Date.now())).status).toBe("HEAD");
            produced++;
          }
          const txs = sources.map((s) => txOf(n, s));
          const before = await snapshot(n);
          const pool = mempoolBefore(n);
          const during = produce === "during" ? await blockOf(txs.filter(isValidKvTx).slice(0, 2)) : undefined;
          const inBlock = new Set((during?.txs ?? []).map((t) => toHex(t)));
          const [added, ...results] = await Promise.all([
            during ? n.chain.addBlock(during, Date.now()) : Promise.resolve(undefined),
            ...txs.map((tx) => timedAsync(() => n.network.validateTx(tx))),
          ]);
          if (during) {
            expect(added!.status).toBe("HEAD");
            produced++;
          }
          const pooled = new Set(n.mempool.candidates(100_000).map((t) => toHex(t)));
          const accepted = new Set<string>();
          for (const [i, r] of results.entries()) {
            const tx = txs[i]!;
            expect(r.error).toBeUndefined();
            expect(r.ms).toBeLessThan(HANG_MS);
            expect(VERDICTS).toContain(r.value);
            // A full pool refuses before checkTx (ignore); with room, an invalid transaction is rejected.
            if (!isValidKvTx(tx)) expect(pool.pooled.size < n.mempool.maxSize && n.mempool.size < n.mempool.maxSize ? ["reject"] : ["reject", "ignore"]).toContain(r.value);
            else expect(["accept", "ignore"]).toContain(r.value);
            if (r.value === "accept") {
              expect(pool.pooled.has(toHex(tx))).toBe(false);
              accepted.add(toHex(tx));
              txAccepted++;
            }
          }
          if (n.mempool.size >= n.mempool.maxSize) full++;
          // Exactly the accepted ones joined and the block's left; at most maxSize; nothing a canonical block has.
          const expected = [...new Set([...pool.pooled, ...accepted])].filter((t) => !inBlock.has(t)).sort();
          expect([...pooled].sort()).toEqual(expected);
          expect(n.mempool.size).toBeLessThanOrEqual(n.mempool.maxSize);
          await expectMempoolConsistent(n, { pooled: new Set([...pool.pooled, ...accepted]), canonical: pool.canonical });
          if (!during) expect({ ...(await snapshot(n)), mempool: 0 }).toEqual({ ...before, mempool: 0 });
        }),
        { ...fuzzParams(150), endOnFailure: true },
      );
    } finally {
      env.checkTx = checkTx;
    }
    expect(txAccepted).toBeGreaterThan(0);
    expect(produced).toBeGreaterThan(0);
    expect(full).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------
// The protocol codecs (the seams the handlers and the requester use)
// ---------------------------------------------------------------------------------------------

function expectReadError(e: unknown): void {
  if (!(e instanceof CanonicalReadError)) throw e;
}

const blocksRequestWireArb = fc.record({
  from: fc.oneof(
    fc.integer({ min: 0, max: CHAIN_LENGTH + 80 }).map(BigInt),
    // A batch that reaches the big blocks (more than one answer's worth of bytes).
    fc.integer({ min: BIG_BLOCKS[0]! - SYNC_BATCH, max: BIG_BLOCKS.at(-1)! }).map(BigInt),
    fc.constantFrom(...EDGE_U64),
  ),
  count: fc.oneof(fc.integer({ min: 0, max: 300 }).map(BigInt), fc.constantFrom(...LYING_U32)),
});
const blocksRequestArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: blocksRequestWireArb.map(({ from, count }) => serializeWire(blocksRequestWire(from, count))) },
  { weight: 3, arbitrary: fc.tuple(blocksRequestWireArb, wireMutationsArbitrary(2)).map(([{ from, count }, ms]) => mutateWire(blocksRequestWire(from, count), ms)) },
  { weight: 1, arbitrary: hostileBytesArbitrary },
);

describe("protocol codecs", () => {
  test("blocks request: a CanonicalReadError, or (from below 2^53, count) whose encoding is the request", () => {
    fc.assert(
      fc.property(blocksRequestArb, (req) => {
        const r = timed(() => decodeSyncBlocksRequest(req));
        expect(r.ms).toBeLessThan(HANG_MS);
        if (r.error !== undefined) return expectReadError(r.error);
        expect(Number.isSafeInteger(r.value!.from)).toBe(true);
        expect(toHex(encodeSyncBlocksRequest(r.value!))).toBe(toHex(req));
      }),
      fuzzParams(400),
    );
  });

  const someRealBlocks = fc.tuple(fc.integer({ min: 1, max: CHAIN_LENGTH }), fc.integer({ min: 0, max: 4 })).map(([h, k]) => producerBlocks.slice(h, Math.min(h + k, CHAIN_LENGTH + 1)).filter((m) => !BIG_BLOCKS.includes(m.block.header.height)));
  const blocksResponseArb: fc.Arbitrary<Uint8Array> = fc.oneof(
    { weight: 2, arbitrary: someRealBlocks.map((ms) => encodeSyncBlocksResponse(ms.map((m) => m.bytes))) },
    { weight: 3, arbitrary: fc.tuple(someRealBlocks, wireMutationsArbitrary(3)).map(([ms, mut]) => mutateWire(blocksResponseWire(ms.map((m) => m.block)), mut)) },
    { weight: 1, arbitrary: fc.tuple(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 70 }), wireMutationsArbitrary(1)).map(([bs, mut]) => mutateWire(rawBlocksResponseWire(bs), mut)) },
    { weight: 1, arbitrary: hostileBytesArbitrary },
  );

  test("blocks answer: a CanonicalReadError, or at most SYNC_BATCH blocks within MAX_BLOCK_BYTES each, whose encoding is the answer", () => {
    fc.assert(
      fc.property(blocksResponseArb, (raw) => {
        const r = timed(() => decodeSyncBlocksResponse(raw));
        expect(r.ms).toBeLessThan(HANG_MS);
        if (r.error !== undefined) return expectReadError(r.error);
        expect(r.value!.length).toBeLessThanOrEqual(SYNC_BATCH);
        for (const b of r.value!) expect(b.length).toBeLessThanOrEqual(MAX_BLOCK_BYTES);
        expect(toHex(encodeSyncBlocksResponse(r.value!))).toBe(toHex(raw));
      }),
      fuzzParams(300),
    );
    // A count over SYNC_BATCH is refused before any block is read, even when the blocks are there.
    const over = encodeSyncBlocksResponse(Array.from({ length: SYNC_BATCH + 1 }, () => new Uint8Array(1)));
    expect(() => decodeSyncBlocksResponse(over)).toThrow(CanonicalReadError);
  });

  test("status answer: a CanonicalReadError, or (height below 2^53, 32-byte hash) whose encoding is the answer", () => {
    const statusArb = fc.oneof(
      fc.tuple(fc.constantFrom(...EDGE_U64), hash32, wireMutationsArbitrary(2)).map(([h, hash, ms]) => mutateWire(statusWire(h, hash), ms)),
      fc.tuple(fc.constantFrom(...EDGE_U64), hash32).map(([h, hash]) => serializeWire(statusWire(h, hash))),
      hostileBytesArbitrary,
    );
    fc.assert(
      fc.property(statusArb, (raw) => {
        const r = timed(() => decodeSyncStatus(raw));
        if (r.error !== undefined) return expectReadError(r.error);
        expect(Number.isSafeInteger(r.value!.height)).toBe(true);
        expect(toHex(encodeSyncStatus(r.value!))).toBe(toHex(raw));
      }),
      fuzzParams(200),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Responder: `status` and `blocks` over libp2p on loopback
// ---------------------------------------------------------------------------------------------

async function requestOutcome(peer: string, name: string, req: Uint8Array): Promise<{ answer?: Uint8Array; code?: string }> {
  try {
    return { answer: await hostile.request(peer, name, req, { timeoutMs: 10_000 }) };
  } catch (e) {
    if (e instanceof NetworkError) return { code: e.code };
    throw e;
  }
}

describe("responder", () => {
  test("blocks: a malformed request is a handler error (NETWORK_ERROR_REMOTE); a valid one gets the canonical blocks from `from`, at most SYNC_BATCH, in an answer the requester decodes", async () => {
    const peer = producer.network.p2p.peerId;
    const tip = producer.chain.head.header.height;
    await fc.assert(
      fc.asyncProperty(blocksRequestArb, async (req) => {
        const before = producer.chain.head.hash;
        const asked = timed(() => decodeSyncBlocksRequest(req));
        const r = await timedAsync(() => requestOutcome(peer, "blocks", req));
        expect(r.error).toBeUndefined();
        expect(r.ms).toBeLessThan(HANG_MS);
        const { answer, code } = r.value!;
        if (asked.error !== undefined) {
          expectReadError(asked.error);
          return void expect(code).toBe("NETWORK_ERROR_REMOTE");
        }
        expect({ code }).toEqual({ code: undefined });
        expect(answer!.length).toBeLessThanOrEqual(MAX_SYNC_RESPONSE_BYTES);
        const blocks = decodeSyncBlocksResponse(answer!).map(decodeBlock);
        const { from, count } = asked.value!;
        const want = Math.max(0, Math.min(count, SYNC_BATCH, tip - from + 1));
        expect(blocks.length).toBeLessThanOrEqual(want);
        // Fewer than asked only when the next block would not fit the answer.
        if (blocks.length < want) {
          const next = producerBlocks[from + blocks.length]!;
          expect(answer!.length + 4 + next.bytes.length).toBeGreaterThan(MAX_SYNC_RESPONSE_BYTES);
          expect(blocks.length).toBeGreaterThan(0);
        }
        blocks.forEach((b, i) => expect(toHex(computeBlockHash(b.header))).toBe(toHex(producer.chain.canonicalNodeAt(from + i)!.hash)));
        expect(toHex(producer.chain.head.hash)).toBe(toHex(before));
      }),
      fuzzParams(100),
    );
  });

  test("status: whatever the request holds, the answer is the head", async () => {
    const peer = producer.network.p2p.peerId;
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileBytesArbitrary, blocksRequestArb), async (req) => {
        const { answer, code } = await requestOutcome(peer, "status", req);
        expect(code).toBeUndefined();
        expect(decodeSyncStatus(answer!)).toEqual({ height: producer.chain.head.header.height, hash: producer.chain.head.hash });
      }),
      fuzzParams(25),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Requester: syncOnce against a hostile peer over libp2p on loopback
// ---------------------------------------------------------------------------------------------

type StatusPlan =
  | { kind: "view"; view: number; ahead: number }
  | { kind: "lie"; height: bigint; hash: "random" | "head" | "producer"; bytes: Uint8Array }
  | { kind: "raw"; ms: WireMutation[]; bytes: Uint8Array }
  | { kind: "error" };

type AnswerPlan =
  | { kind: "view"; view: number; limit: number; shift: number; budget: boolean }
  | { kind: "mutated"; view: number; limit: number; ms: WireMutation[] }
  | { kind: "blockMutated"; view: number; limit: number; index: number; mutation: Mutation }
  | { kind: "raw"; bytes: Uint8Array }
  | { kind: "oversized"; over: number }
  | { kind: "error" };

/** 0: the producer's chain; 1…: the forks. */
const viewArb = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 5 }) });
const viewOf = (i: number): ChainView => (i === 0 ? producerView : forks[(i - 1) % forks.length]!);
const limitArb = fc.oneof({ weight: 4, arbitrary: fc.constant(SYNC_BATCH) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 8 }) }, { weight: 1, arbitrary: fc.constantFrom(0, SYNC_BATCH - 1, SYNC_BATCH + 1, 200) });

const statusPlanArb: fc.Arbitrary<StatusPlan> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("view" as const), view: viewArb, ahead: fc.oneof(fc.integer({ min: -3, max: 10 }), fc.constantFrom(SYNC_BATCH, SYNC_BATCH + 1, 2 * SYNC_BATCH + 5, 1000)) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("lie" as const),
      height: fc.oneof(fc.integer({ min: 0, max: CHAIN_LENGTH + 300 }).map(BigInt), fc.constantFrom(...EDGE_U64)),
      hash: fc.constantFrom("random" as const, "head" as const, "producer" as const),
      bytes: hash32,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("raw" as const), ms: wireMutationsArbitrary(2), bytes: hash32 }) },
  { weight: 1, arbitrary: fc.constant({ kind: "error" as const }) },
);

const answerPlanArb: fc.Arbitrary<AnswerPlan> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("view" as const),
      view: viewArb,
      limit: limitArb,
      shift: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(-1, 1, 2, -SYNC_BATCH, SYNC_BATCH) }),
      budget: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("mutated" as const), view: viewArb, limit: limitArb, ms: wireMutationsArbitrary(2) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("blockMutated" as const), view: viewArb, limit: limitArb, index: fc.nat(), mutation: mutationArb }) },
  { weight: 1, arbitrary: hostileBytesArbitrary.map((bytes) => ({ kind: "raw" as const, bytes })) },
  { weight: 1, arbitrary: fc.constantFrom(1, 64 * 1024).map((over) => ({ kind: "oversized" as const, over })) },
  { weight: 1, arbitrary: fc.constant({ kind: "error" as const }) },
);

/** The blocks of `view` from `from` on, at most `limit`, and (`budget`) as many as fit one answer. */
function blocksOf(view: ChainView, from: number, limit: number, budget: boolean): Made[] {
  const out: Made[] = [];
  let size = 4;
  for (let h = Math.max(0, from); out.length < limit && h <= view.tip; h++) {
    const m = h === 0 ? undefined : view.at(h);
    if (!m) break;
    if (budget && size + 4 + m.bytes.length > MAX_SYNC_RESPONSE_BYTES) break;
    size += 4 + m.bytes.length;
    out.push(m);
  }
  return out;
}

function statusOf(plan: StatusPlan, headHeight: number, headHash: Uint8Array): Uint8Array {
  switch (plan.kind) {
    case "view": {
      const v = viewOf(plan.view);
      const t = Math.max(1, Math.min(v.tip, headHeight + plan.ahead));
      return encodeSyncStatus({ height: t, hash: v.at(t)!.hash });
    }
    case "lie": {
      const hash = plan.hash === "head" ? headHash : plan.hash === "producer" ? producerBlocks[CHAIN_LENGTH]!.hash : plan.bytes;
      return serializeWire(statusWire(plan.height, hash));
    }
    case "raw":
      return mutateWire(statusWire(BigInt(headHeight + 5), plan.bytes), plan.ms);
    case "error":
      throw new Error("status handler fails");
  }
}

function answerOf(plan: AnswerPlan, req: Uint8Array): Uint8Array {
  const { from, count } = decodeSyncBlocksRequest(req);
  switch (plan.kind) {
    case "view":
      return encodeSyncBlocksResponse(blocksOf(viewOf(plan.view), from + plan.shift, Math.min(plan.limit, plan.limit > SYNC_BATCH ? plan.limit : count), plan.budget).map((m) => m.bytes));
    case "mutated":
      return mutateWire(blocksResponseWire(blocksOf(viewOf(plan.view), from, Math.min(plan.limit, 8), true).map((m) => m.block)), plan.ms);
    case "blockMutated": {
      const ms = blocksOf(viewOf(plan.view), from, Math.min(plan.limit, count), true);
      const bytes = ms.map((m) => m.bytes);
      if (bytes.length > 0) {
        const i = plan.index % bytes.length;
        bytes[i] = mutate(ms[i]!.block, plan.mutation, { genesis: producer.chain.genesisHash, other: producerBlocks[BASE + 3]!.hash });
      }
      return encodeSyncBlocksResponse(bytes);
    }
    case "raw":
      return plan.bytes;
    case "oversized":
      // A well-formed answer of one block-sized junk over the requester's limit.
      return serializeWire([{ t: "count", value: 1 }, { t: "lp", bytes: new Uint8Array(MAX_SYNC_RESPONSE_BYTES - 8 + plan.over) }]);
    case "error":
      throw new Error("blocks handler fails");
  }
}

describe("requester", () => {
  let grew = 0;

  test("syncOnce against a hostile peer: ends without a throw after a bounded number of requests; stores only real, validly signed blocks; keeps the final block", async () => {
    await fc.assert(
      fc.asyncProperty(statusPlanArb, fc.array(answerPlanArb, { minLength: 1, maxLength: 4 }), async (statusPlan, answers) => {
        // Keep room for the producer's chain to be news.
        if (victim.chain.head.header.height > CHAIN_LENGTH - 10) {
          await closeNode(victim);
          victim = await openVictim();
        }
        const n = victim;
        const headHeight = n.chain.head.header.height;
        const headHash = n.chain.head.hash;
        let i = 0;
        hostileRequests = 0;
        hostileStatus = () => statusOf(statusPlan, headHeight, headHash);
        hostileBlocks = (req) => answerOf(answers[i++ % answers.length]!, req);
        const before = await snapshot(n);
        const pool = mempoolBefore(n);
        const errorsBefore = n.log.errors.length;
        const r = await timedAsync(() => n.network.syncOnce(hostile.peerId));
        expect(r.error).toBeUndefined();
        expect(hostileRequests).toBeLessThanOrEqual(MAX_BLOCKS_REQUESTS_PER_SYNC);
        expect(r.ms).toBeLessThan(HANG_MS + hostileRequests * 50);
        const after = await snapshot(n);
        // Only real blocks (of the producer's chain or its forks), stored exactly as signed.
        const known = new Set(before.stored);
        for (const h of after.stored) {
          if (known.has(h)) continue;
          expect(realBlocks.has(h)).toBe(true);
          const stored = await n.chain.getBlock(Buffer.from(h, "hex"));
          expect(toHex(encodeBlock(stored!))).toBe(toHex(realBlocks.get(h)!));
        }
        expect(after.stored.length).toBeGreaterThanOrEqual(before.stored.length);
        if (after.stored.length > before.stored.length) grew++;
        // The head moves only to a longer chain; the final block stays; nothing else changed.
        expect(after.height).toBeGreaterThanOrEqual(before.height);
        expect({ final: after.final, finalHash: after.finalHash, halted: after.halted }).toEqual({ final: before.final, finalHash: before.finalHash, halted: before.halted });
        // The mempool changes only by a reorg (the dropped blocks' transactions come back unless the new branch has them).
        await expectMempoolConsistent(n, pool);
        expect(toHex(n.chain.canonicalNodeAt(FINAL)!.hash)).toBe(toHex(producerBlocks[FINAL]!.hash));
        await expectCanonicalLinked(n);
        if (after.stored.length === before.stored.length) expect(after).toEqual(before);
        expect(n.log.errors.slice(errorsBefore)).toEqual([]);
        // What the node says about the peer names a typed error.
        for (const w of n.log.warnings) if (w.msg === "sync: peer served an invalid block") expect(String(w.fields.code)).toMatch(/^BLOCK_ERROR_/);
      }),
      { ...fuzzParams(80), endOnFailure: true },
    );
    // The hostile peer's real blocks were taken often enough to matter.
    expect(grew).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------
// What the fuzzing found
// ---------------------------------------------------------------------------------------------

describe("what the fuzzing found", () => {
  // consumerNetwork.ts serveBlocks answered SYNC_BATCH blocks whatever their size: over
  // P2pNetwork's maxMessageBytes the answer became a handler error, and no node could sync past them.
  test("a batch of big blocks is answered in parts within MAX_SYNC_RESPONSE_BYTES, and a late node syncs through them", async () => {
    expect(MAX_SYNC_RESPONSE_BYTES).toBe(DEFAULT_MAX_MESSAGE_BYTES);
    const peer = producer.network.p2p.peerId;
    const first = await requestOutcome(peer, "blocks", encodeSyncBlocksRequest({ from: BIG_BLOCKS[0]! - 10, count: SYNC_BATCH }));
    expect(first.code).toBeUndefined();
    expect(first.answer!.length).toBeLessThanOrEqual(MAX_SYNC_RESPONSE_BYTES);
    const heights = decodeSyncBlocksResponse(first.answer!).map((b) => decodeBlock(b).header.height);
    expect(heights[0]).toBe(BIG_BLOCKS[0]! - 10);
    expect(heights.length).toBeGreaterThan(10);
    expect(heights.length).toBeLessThan(10 + BIG_BLOCKS.length);
    const late = await openNode({ bootstrap: producer.network.p2p.multiaddrs });
    try {
      await waitFor("the late node connected", () => late.network.p2p.connectedPeers().includes(peer));
      await late.network.syncOnce(peer);
      expect(late.chain.head.header.height).toBe(CHAIN_LENGTH);
      expect(toHex(late.chain.head.hash)).toBe(toHex(producer.chain.head.hash));
    } finally {
      await closeNode(late);
    }
  });

  // consumerNetwork.ts fetchFrom took each answer on its own: a peer answering from one chain, then
  // from a fork of it, then the first again, made the node step back to its final height and climb
  // again, over and over, until the round limit (10,000 requests in one sync).
  test("a peer that answers from two chains in turn is left after two requests", async () => {
    const n = await openNode({ bootstrap: hostile.multiaddrs, upTo: 100 });
    try {
      await waitFor("the node connected to the hostile peer", () => n.network.p2p.connectedPeers().includes(hostile.peerId));
      const plans: AnswerPlan[] = [
        { kind: "view", view: 0, limit: 8, shift: 0, budget: true },
        { kind: "view", view: forks.findIndex((f) => f.name === `fork@${BASE + 40}`) + 1, limit: 3, shift: 0, budget: true },
      ];
      let i = 0;
      hostileRequests = 0;
      hostileStatus = () => encodeSyncStatus({ height: CHAIN_LENGTH, hash: producerBlocks[CHAIN_LENGTH]!.hash });
      hostileBlocks = (req) => answerOf(plans[i++ % plans.length]!, req);
      await n.network.syncOnce(hostile.peerId);
      expect(hostileRequests).toBe(2);
      expect(n.chain.head.header.height).toBe(108);
      expect(n.log.warnings.map((w) => w.msg)).toEqual(["sync: peer answered blocks that are not one chain"]);
    } finally {
      await closeNode(n);
    }
  });

  describe("mempool admission", () => {
    let o: OpenChain;
    beforeAll(async () => {
      o = await openChain();
    });
    afterAll(async () => {
      await o.close();
      await removeDir(o.dir);
    });

    // A full pool refuses before checkTx (cheap under a flood, as the hub's mempool); with room, an
    // invalid transaction is refused as such (gossip rejects it).
    test("a full pool refuses without checkTx; with room, an invalid transaction is an ExecutionError", async () => {
      const mempool = new Mempool(o.chain, 1);
      await expect(mempool.add(utf8("NOT VALID"))).rejects.toMatchObject({ type: { code: "EXECUTION_ERROR_MALFORMED_TX" } });
      expect((await mempool.add(utf8("a=1"))).added).toBe(true);
      let checks = 0;
      const env = o.chain.env;
      const checkTx = env.checkTx.bind(env);
      env.checkTx = (root, tx) => (checks++, checkTx(root, tx));
      try {
        expect(await mempool.add(utf8("NOT VALID"))).toMatchObject({ added: false, reason: "full" });
        expect(await mempool.add(utf8("b=1"))).toMatchObject({ added: false, reason: "full" });
        expect(checks).toBe(0);
      } finally {
        env.checkTx = checkTx;
      }
    });

    // mempool.ts checked the size and duplicates before awaiting checkTx: admissions running at once
    // (gossipsub validates messages in parallel) all passed the checks, and the pool outgrew maxSize.
    test("admissions at once: never more than maxSize, and one transaction added once", async () => {
      const mempool = new Mempool(o.chain, 4);
      expect((await mempool.add(utf8("z=0"))).added).toBe(true);
      const results = await Promise.all(["a=1", "b=1", "c=1", "d=1", "e=1", "a=1"].map((t) => mempool.add(utf8(t))));
      expect(mempool.size).toBe(4);
      expect(results.filter((r) => r.added)).toHaveLength(3);
      expect(results.filter((r) => !r.added && r.reason === "full")).toHaveLength(2);
      expect(results.filter((r) => !r.added && r.reason === "duplicate")).toHaveLength(1);
    });

    // mempool.ts deleted a head change's added transactions, then put the removed ones back: a
    // transaction on both sides of a reorg (the usual case) stayed in the pool though included.
    test("a reorg to a branch that has the same transaction leaves it out of the pool", async () => {
      const c = await openChain();
      try {
        const mempool = new Mempool(c.chain);
        expect((await mempool.add(utf8("x=1"))).added).toBe(true);
        const a1 = await buildOn(c.chain, c.chain.genesisHash, ["x=1"]);
        await c.chain.addBlock(a1, Date.now());
        expect(mempool.size).toBe(0);
        const b1 = await buildOn(c.chain, c.chain.genesisHash, ["x=1", "y=1"], { timeStep: 900 });
        await c.chain.addBlock(b1, Date.now());
        const b2 = await buildOn(c.chain, computeBlockHash(b1.header), ["z=1"]);
        expect(await c.chain.addBlock(b2, Date.now())).toMatchObject({ status: "HEAD", reorgDepth: 1 });
        expect(mempool.candidates(10).map((t) => new TextDecoder().decode(t))).toEqual([]);
      } finally {
        await c.close();
        await removeDir(c.dir);
      }
    });

    // mempool.ts inserted a transaction once checkTx answered, whatever happened meanwhile: one that a
    // block took while it was checked stayed in the pool for good (and was gossiped again and again).
    test("a transaction that a block takes while its admission runs does not enter after it", async () => {
      const c = await openChain();
      try {
        const mempool = new Mempool(c.chain);
        const env = c.chain.env;
        const checkTx = env.checkTx.bind(env);
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        env.checkTx = async (root, tx) => {
          await gate;
          return checkTx(root, tx);
        };
        const admission = mempool.add(utf8("x=1"));
        const b = await buildOn(c.chain, c.chain.genesisHash, ["x=1"]);
        expect((await c.chain.addBlock(b, Date.now())).status).toBe("HEAD");
        release();
        expect(await admission).toMatchObject({ added: false, reason: "duplicate" });
        expect(mempool.size).toBe(0);
        // Once the admission is over nothing of it is left: the same transaction may be submitted again.
        env.checkTx = checkTx;
        expect((await mempool.add(utf8("x=1"))).added).toBe(true);
      } finally {
        await c.close();
        await removeDir(c.dir);
      }
    });
  });
});
