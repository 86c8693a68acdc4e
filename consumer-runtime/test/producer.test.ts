/**
 * The producer's byte budget: a block must travel whole in one gossip message and one sync answer, so
 * the producer takes transactions in arrival order up to MAX_BLOCK_BYTES and leaves the rest for the
 * next block. Before the budget, 40 transactions of 120 KiB made a 4.9 MB block that no peer could
 * receive (publishing it failed, and serving it in sync answered nothing), and every full node stalled.
 */
import { GOSSIP_MAX_PAYLOAD_BYTES, nullLogger } from "@aegis/p2p";
import { BlockProducer, decodeBlock, MAX_BLOCK_BYTES, Mempool } from "../src/index.js";
import { GENESIS_TIME, openChain, PRODUCER_SK, removeDir, type OpenChain } from "./helpers/chainFixtures.js";

let c: OpenChain;
beforeEach(async () => {
  c = await openChain();
});
afterEach(async () => {
  await c.close();
  await removeDir(c.dir);
});

test("a block is at most MAX_BLOCK_BYTES, in arrival order; what did not fit goes in the next block", async () => {
  expect(MAX_BLOCK_BYTES).toBeLessThan(GOSSIP_MAX_PAYLOAD_BYTES - 8);
  const mempool = new Mempool(c.chain, 1000);
  const pad = (i: number) => new TextEncoder().encode(`fail:${i}:`.padEnd(120 * 1024, "x"));
  for (let i = 0; i < 40; i++) expect((await mempool.add(pad(i))).added).toBe(true);
  const published: Uint8Array[] = [];
  let now = GENESIS_TIME + 1000;
  const producer = new BlockProducer(c.chain, mempool, { producerIndex: 0, secretKey: PRODUCER_SK }, (b) => published.push(b), () => now, nullLogger);
  const included: string[] = [];
  while (included.length < 40) {
    now += 1000;
    const block = await producer.produce();
    if (!block) throw new Error("nothing produced");
    expect(block.txs.length).toBeGreaterThan(0);
    for (const tx of block.txs) included.push(new TextDecoder().decode(tx.subarray(0, 12)));
  }
  expect(published.length).toBe(2);
  for (const bytes of published) {
    expect(bytes.length).toBeLessThanOrEqual(MAX_BLOCK_BYTES);
    expect(decodeBlock(bytes).txs.length).toBeGreaterThan(0);
  }
  // In arrival order, none lost or repeated.
  expect(included).toEqual(Array.from({ length: 40 }, (_, i) => `fail:${i}:`.padEnd(12, "x")));
  expect(mempool.size).toBe(0);
});
