import { toHex, utf8 } from "@aegis/consumer-sdk";
import { BlockError, computeBlockHash, decodeBlock, encodeBlock, signBlockHeader, type ConsumerBlock } from "../src/index.js";
import { buildOn, extend, finalInput, GENESIS_TIME, openChain, OTHER_SK, removeDir, type OpenChain } from "./helpers/chainFixtures.js";

describe("ConsumerChain", () => {
  let c: OpenChain;
  beforeEach(async () => {
    c = await openChain();
  });
  afterEach(async () => {
    await c.close();
    await removeDir(c.dir);
  });

  const snapshot = (o: OpenChain) => ({ head: toHex(o.chain.head.hash), height: o.chain.head.header.height, final: o.chain.finalHeight });

  it("starts from a deterministic genesis and follows the longest chain", async () => {
    const other = await openChain();
    try {
      expect(toHex(other.chain.genesisHash)).toBe(toHex(c.chain.genesisHash));
    } finally {
      await other.close();
      await removeDir(other.dir);
    }
    const [b1, b2] = await extend(c.chain, c.chain.genesisHash, 2, "a");
    expect(c.chain.head.header.height).toBe(2);
    expect(toHex(c.chain.canonicalNodeAt(1)!.hash)).toBe(toHex(b1!));
    expect(await c.chain.env.query(c.chain.head.header.stateRoot, ["kv", "a1"])).toMatchObject({ value: "x" });
    // A shorter branch is stored but not followed; a longer one is (no final block yet).
    const f1 = await buildOn(c.chain, b1!, ["f=1"]);
    expect((await c.chain.addBlock(f1, f1.header.time)).status).toBe("FORK");
    expect(toHex(c.chain.head.hash)).toBe(toHex(b2!));
    const [, f3] = await extend(c.chain, computeBlockHash(f1.header), 2, "f");
    expect(toHex(c.chain.head.hash)).toBe(toHex(f3!));
    expect(c.chain.head.header.height).toBe(4);
    expect(c.chain.ancestorHashAt(f3!, 1)).toEqual(b1);
    expect(await c.chain.env.query(c.chain.head.header.stateRoot, ["kv", "a1"])).toBeUndefined();
  });

  it("refuses every kind of bad block with a typed error and leaves the chain unchanged", async () => {
    const [b1] = await extend(c.chain, c.chain.genesisHash, 1, "a");
    const good = await buildOn(c.chain, b1!, ["k=v"]);
    const before = snapshot(c);
    const now = good.header.time;
    const resign = (b: ConsumerBlock): ConsumerBlock => ({ ...b, signature: signBlockHeader(new Uint8Array(32).fill(7), b.header) });
    const cases: [string, ConsumerBlock, string][] = [
      ["another consumer", resign({ ...good, header: { ...good.header, consumerId: "other" } }), "BLOCK_ERROR_WRONG_CONSUMER"],
      ["unknown producer index", resign({ ...good, header: { ...good.header, producerIndex: 3 } }), "BLOCK_ERROR_UNKNOWN_PRODUCER"],
      ["signed by a key that is not the producer's", { ...good, signature: signBlockHeader(OTHER_SK, good.header) }, "BLOCK_ERROR_BAD_SIGNATURE"],
      ["a transaction swapped after signing", { ...good, txs: [utf8("k=w")] }, "BLOCK_ERROR_WRONG_TX_ROOT"],
      ["unknown parent", resign({ ...good, header: { ...good.header, parentHash: new Uint8Array(32).fill(5) } }), "BLOCK_ERROR_UNKNOWN_PARENT"],
      ["wrong height", resign({ ...good, header: { ...good.header, height: 5 } }), "BLOCK_ERROR_WRONG_HEIGHT"],
      ["time not after the parent's", resign({ ...good, header: { ...good.header, time: c.chain.head.header.time } }), "BLOCK_ERROR_TIME_NOT_INCREASING"],
      ["from the future", resign({ ...good, header: { ...good.header, time: now + 60_000 } }), "BLOCK_ERROR_FROM_THE_FUTURE"],
      ["a state root other than the execution's", resign({ ...good, header: { ...good.header, stateRoot: new Uint8Array(32).fill(1) } }), "BLOCK_ERROR_WRONG_STATE_ROOT"],
    ];
    for (const [what, block, code] of cases) {
      const err = await c.chain.addBlock(block, now).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect({ what, code: err instanceof BlockError ? err.code : String(err) }).toEqual({ what, code });
      expect(snapshot(c)).toEqual(before);
    }
    // An invalid transaction (the environment refuses it): the block is invalid.
    const bad = await buildOn(c.chain, b1!, []);
    const withBadTx = resign({ ...bad, txs: [utf8("NOT VALID")], header: { ...bad.header, txRoot: (await import("../src/index.js")).computeTxRoot([utf8("NOT VALID")]) } });
    await expect(c.chain.addBlock(withBadTx, now)).rejects.toMatchObject({ code: "BLOCK_ERROR_INVALID_TX", type: { txCode: "EXECUTION_ERROR_MALFORMED_TX" } });
    expect(snapshot(c)).toEqual(before);
    // Malformed bytes: truncated, a trailing byte, a genesis-height block.
    const bytes = encodeBlock(good);
    for (const b of [bytes.subarray(0, bytes.length - 1), Uint8Array.from([...bytes, 0]), new Uint8Array(3)]) {
      await expect(c.chain.addEncodedBlock(b, now)).rejects.toMatchObject({ code: "BLOCK_ERROR_MALFORMED" });
    }
    expect(decodeBlock(bytes)).toEqual(good);
    expect((await c.chain.addBlock(good, now)).status).toBe("HEAD");
  });

  it("never reorgs below a hub-final block, follows a reorg above it, and remembers after a restart", async () => {
    const main = await extend(c.chain, c.chain.genesisHash, 4, "m");
    const { input } = finalInput(c.chain, main[1]!); // height 2 is hub-final
    expect((await c.chain.applyFinalCheckpoint(input)).status).toBe("ACCEPTED");
    expect(c.chain.finalHeight).toBe(2);
    expect(c.chain.isFinal(2, main[1]!)).toBe(true);
    expect(c.chain.isFinal(1, main[0]!)).toBe(true);
    expect(c.chain.isFinal(3, main[2]!)).toBe(false);

    // A producer builds a longer branch from height 1 (below the final height 2): refused, head kept.
    const events: string[] = [];
    c.chain.on((e) => e.type === "reorg-refused" && events.push(e.code));
    const evil = await buildOn(c.chain, main[0]!, ["evil=1"]);
    await expect(c.chain.addBlock(evil, evil.header.time)).rejects.toMatchObject({ code: "BLOCK_ERROR_BELOW_FINAL", type: { finalHeight: 2, guardCode: "FINALITY_GUARD_ERROR_REORG_BELOW_FINAL" } });
    expect(events).toEqual(["FINALITY_GUARD_ERROR_REORG_BELOW_FINAL"]);
    expect(toHex(c.chain.head.hash)).toBe(toHex(main[3]!));
    // A longer branch from height 2 (the final block) is followed.
    const alt = await extend(c.chain, main[1]!, 3, "alt");
    expect(toHex(c.chain.head.hash)).toBe(toHex(alt[2]!));
    expect(c.chain.head.header.height).toBe(5);

    // Restart: head, final checkpoint and the refusal survive.
    await c.close();
    c = await openChain(c.dir);
    expect(c.chain.head.header.height).toBe(5);
    expect(toHex(c.chain.head.hash)).toBe(toHex(alt[2]!));
    expect(c.chain.finalHeight).toBe(2);
    const evil2 = await buildOn(c.chain, main[0]!, ["evil=2"]);
    await expect(c.chain.addBlock(evil2, evil2.header.time)).rejects.toMatchObject({ code: "BLOCK_ERROR_BELOW_FINAL" });
  });

  it("a node that learns finality before it has the blocks catches up to the final block and refuses another block at its height", async () => {
    const src = await openChain();
    try {
      const blocks = [];
      let p = src.chain.genesisHash;
      for (let i = 0; i < 4; i++) {
        const b = await buildOn(src.chain, p, [`s${i}=1`]);
        await src.chain.addBlock(b, b.header.time);
        blocks.push(b);
        p = computeBlockHash(b.header);
      }
      // The fresh node is told height 3 is hub-final before it has any block.
      const { input } = finalInput(src.chain, computeBlockHash(blocks[2]!.header));
      expect((await c.chain.applyFinalCheckpoint(input)).status).toBe("ACCEPTED");
      for (const b of blocks.slice(0, 2)) expect((await c.chain.addBlock(b, b.header.time)).status).toBe("HEAD");
      // Another block at the final height: refused; the final one: taken, and the chain goes on.
      const other = await buildOn(c.chain, computeBlockHash(blocks[1]!.header), ["x=1"]);
      await expect(c.chain.addBlock(other, other.header.time)).rejects.toMatchObject({ code: "BLOCK_ERROR_BELOW_FINAL", type: { guardCode: "FINALITY_GUARD_ERROR_REORG_OFF_FINAL_CHAIN" } });
      for (const b of blocks.slice(2)) expect((await c.chain.addBlock(b, b.header.time)).status).toBe("HEAD");
      expect(c.chain.head.header.height).toBe(4);
      expect(c.chain.isFinal(3, computeBlockHash(blocks[2]!.header))).toBe(true);
    } finally {
      await src.close();
      await removeDir(src.dir);
    }
  });

  it("a node that learns a checkpoint above its head keeps reporting its earlier final blocks final", async () => {
    const src = await openChain();
    try {
      const blocks: ConsumerBlock[] = [];
      let p = src.chain.genesisHash;
      for (let i = 0; i < 6; i++) {
        const b = await buildOn(src.chain, p, [`s${i}=1`]);
        await src.chain.addBlock(b, b.header.time);
        blocks.push(b);
        p = computeBlockHash(b.header);
      }
      const hashes = blocks.map((b) => computeBlockHash(b.header));
      // The node has blocks 1-4, and height 3 is hub-final: 1-3 are final.
      for (const b of blocks.slice(0, 4)) await c.chain.addBlock(b, b.header.time);
      const { input: at3, checkpoint: cp3 } = finalInput(src.chain, hashes[2]!);
      expect((await c.chain.applyFinalCheckpoint(at3)).status).toBe("ACCEPTED");
      const finalNow = () => hashes.map((h, i) => c.chain.isFinal(i + 1, h));
      expect(finalNow()).toEqual([true, true, true, false, false, false]);
      // It learns from the hub that height 6 is final before it receives blocks 5 and 6.
      const { input: at6 } = finalInput(src.chain, hashes[5]!, cp3);
      expect((await c.chain.applyFinalCheckpoint(at6)).status).toBe("ACCEPTED");
      expect(c.chain.finalHeight).toBe(6);
      expect(c.chain.head.header.height).toBe(4);
      // 1-3 stay final (walked from the block of height 3); 6 is the checkpoint's own block; 4 and 5 are
      // not known to be final until the node has block 6.
      expect(finalNow()).toEqual([true, true, true, false, false, true]);
      // A block of another branch below the older final block is still not final.
      const other = await buildOn(c.chain, hashes[0]!, ["o=1"]);
      expect(c.chain.isFinal(2, computeBlockHash(other.header))).toBe(false);
      // The blocks arrive: everything up to 6 is final.
      for (const b of blocks.slice(4)) expect((await c.chain.addBlock(b, b.header.time)).status).toBe("HEAD");
      expect(finalNow()).toEqual([true, true, true, true, true, true]);
    } finally {
      await src.close();
      await removeDir(src.dir);
    }
  });

  it("a node whose newest final block is unknown still refuses a branch below an older final block it has", async () => {
    const src = await openChain();
    try {
      const blocks: ConsumerBlock[] = [];
      let p = src.chain.genesisHash;
      for (let i = 0; i < 7; i++) {
        const b = await buildOn(src.chain, p, [`s${i}=1`]);
        await src.chain.addBlock(b, b.header.time);
        blocks.push(b);
        p = computeBlockHash(b.header);
      }
      const hashes = blocks.map((b) => computeBlockHash(b.header));
      // A producer's conflicting branch from height 1: x2..x5 (stored on the source, which knows no finality).
      const branch = await Promise.all((await extend(src.chain, hashes[0]!, 4, "x")).map(async (h) => (await src.chain.getBlock(h))!));
      // The node has blocks 1-4; heights 3 and then 6 are hub-final, the block of 6 not received yet.
      for (const b of blocks.slice(0, 4)) await c.chain.addBlock(b, b.header.time);
      const { input: at3, checkpoint: cp3 } = finalInput(src.chain, hashes[2]!);
      expect((await c.chain.applyFinalCheckpoint(at3)).status).toBe("ACCEPTED");
      expect((await c.chain.applyFinalCheckpoint(finalInput(src.chain, hashes[5]!, cp3).input)).status).toBe("ACCEPTED");
      expect(c.chain.finalHeight).toBe(6);
      const before = snapshot(c);
      const events: string[] = [];
      c.chain.on((e) => e.type === "reorg-refused" && events.push(e.code));
      // The branch forks below the final block 3, which the node has: its first block is refused, so the rest has no parent.
      await expect(c.chain.addBlock(branch[0]!, branch[0]!.header.time)).rejects.toMatchObject({
        code: "BLOCK_ERROR_BELOW_FINAL",
        type: { finalHeight: 6, guardCode: "FINALITY_GUARD_ERROR_REORG_BELOW_FINAL" },
      });
      for (const b of branch.slice(1)) await expect(c.chain.addBlock(b, b.header.time)).rejects.toMatchObject({ code: "BLOCK_ERROR_UNKNOWN_PARENT" });
      expect(events).toEqual(["FINALITY_GUARD_ERROR_REORG_BELOW_FINAL"]);
      expect(c.chain.header(computeBlockHash(branch[0]!.header))).toBeUndefined();
      expect(snapshot(c)).toEqual(before);
      expect(toHex(c.chain.head.hash)).toBe(toHex(hashes[3]!));
      expect(c.chain.isFinal(2, hashes[1]!)).toBe(true);
      expect(toHex(c.chain.canonicalNodeAt(2)!.hash)).toBe(toHex(hashes[1]!));

      // A fork above the final block 3 and below 6 cannot be judged yet: it is taken, but can never
      // reach height 6 (only the final block is taken there), and the final chain outgrows it.
      const y5 = await buildOn(c.chain, hashes[3]!, ["y=5"]);
      expect((await c.chain.addBlock(y5, y5.header.time)).status).toBe("HEAD");
      const y6 = await buildOn(c.chain, computeBlockHash(y5.header), ["y=6"]);
      await expect(c.chain.addBlock(y6, y6.header.time)).rejects.toMatchObject({ code: "BLOCK_ERROR_BELOW_FINAL", type: { guardCode: "FINALITY_GUARD_ERROR_REORG_OFF_FINAL_CHAIN" } });
      expect(c.chain.isFinal(2, hashes[1]!)).toBe(true);
      // The final chain arrives (5, the missing final block 6, and 7 above it): followed, everything up to 6 final.
      expect((await c.chain.addBlock(blocks[4]!, blocks[4]!.header.time)).status).toBe("FORK");
      expect(await c.chain.addBlock(blocks[5]!, blocks[5]!.header.time)).toMatchObject({ status: "HEAD", reorgDepth: 1 });
      expect((await c.chain.addBlock(blocks[6]!, blocks[6]!.header.time)).status).toBe("HEAD");
      expect(hashes.map((h, i) => c.chain.isFinal(i + 1, h))).toEqual([true, true, true, true, true, true, false]);
      // Now 6 is the anchor: y5's branch is below it and refused.
      const y6b = await buildOn(c.chain, computeBlockHash(y5.header), ["y=6b"]);
      await expect(c.chain.addBlock(y6b, y6b.header.time)).rejects.toMatchObject({ code: "BLOCK_ERROR_BELOW_FINAL", type: { guardCode: "FINALITY_GUARD_ERROR_REORG_BELOW_FINAL" } });
      expect(toHex(c.chain.head.hash)).toBe(toHex(hashes[6]!));
    } finally {
      await src.close();
      await removeDir(src.dir);
    }
  });

  it("a head above a final height whose block is unknown leaves that branch, so the final block becomes the head when it arrives", async () => {
    const src = await openChain();
    try {
      const blocks: ConsumerBlock[] = [];
      let p = src.chain.genesisHash;
      for (let i = 0; i < 6; i++) {
        const b = await buildOn(src.chain, p, [`s${i}=1`]);
        await src.chain.addBlock(b, b.header.time);
        blocks.push(b);
        p = computeBlockHash(b.header);
      }
      const hashes = blocks.map((b) => computeBlockHash(b.header));
      // The node has 1-4 and a producer's branch y5..y8 on 4 (its head), then learns that 6 is hub-final.
      for (const b of blocks.slice(0, 4)) await c.chain.addBlock(b, b.header.time);
      const y = await extend(c.chain, hashes[3]!, 4, "y");
      expect(toHex(c.chain.head.hash)).toBe(toHex(y[3]!));
      expect((await c.chain.applyFinalCheckpoint(finalInput(src.chain, hashes[5]!).input)).status).toBe("ACCEPTED");
      // y8's chain has y6 at the final height: the head moves to the longest chain that does not contradict it (y5).
      expect(toHex(c.chain.head.hash)).toBe(toHex(y[0]!));
      for (const b of blocks.slice(4)) await c.chain.addBlock(b, b.header.time);
      expect(toHex(c.chain.head.hash)).toBe(toHex(hashes[5]!));
      expect(toHex(c.chain.canonicalNodeAt(6)!.hash)).toBe(toHex(hashes[5]!));
      expect(hashes.map((h, i) => c.chain.isFinal(i + 1, h))).toEqual([true, true, true, true, true, true]);
    } finally {
      await src.close();
      await removeDir(src.dir);
    }
  });

  it("moves onto the final chain when a checkpoint of a branch it left becomes final", async () => {
    const a = await extend(c.chain, c.chain.genesisHash, 2, "a"); // a1 a2
    const b = await extend(c.chain, a[0]!, 3, "b"); // a1 b2 b3 b4: head
    expect(toHex(c.chain.head.hash)).toBe(toHex(b[2]!));
    // The hub finalizes a2 (checkpointed before the producer's reorg): the node returns to a2's branch.
    const { input } = finalInput(c.chain, a[1]!);
    expect((await c.chain.applyFinalCheckpoint(input)).status).toBe("ACCEPTED");
    expect(toHex(c.chain.head.hash)).toBe(toHex(a[1]!));
    expect(c.chain.head.header.height).toBe(2);
  });

  it("halts on conflicting hub-final checkpoints and accepts nothing after", async () => {
    const a = await extend(c.chain, c.chain.genesisHash, 2, "a");
    const b = await extend(c.chain, a[0]!, 1, "b");
    const { input } = finalInput(c.chain, a[1]!);
    await c.chain.applyFinalCheckpoint(input);
    const { input: other } = finalInput(c.chain, b[0]!); // another height-2 block: the hub contradicts itself
    const r = await c.chain.applyFinalCheckpoint(other);
    expect(r.status).toBe("MISBEHAVIOUR");
    expect(c.chain.misbehaviour).toMatchObject({ kind: "CONFLICTING_FINAL_CHECKPOINT", reason: "SAME_HEIGHT" });
    const next = await buildOn(c.chain, a[1]!, ["n=1"]);
    await expect(c.chain.addBlock(next, next.header.time)).rejects.toMatchObject({ code: "BLOCK_ERROR_HALTED", type: { misbehaviour: "CONFLICTING_FINAL_CHECKPOINT" } });
    expect(c.chain.finalHeight).toBe(2);
  });

  it("refuses to open a data folder of another chain", async () => {
    await c.close();
    const { ChainStore, ConsumerChain } = await import("../src/index.js");
    const { KvEnvironment } = await import("./helpers/kvEnvironment.js");
    const { join } = await import("node:path");
    const store = await ChainStore.open(join(c.dir, "data"));
    try {
      await expect(ConsumerChain.open({ consumerId: "kv-test", producerKeys: [], genesisTime: GENESIS_TIME + 1 }, new KvEnvironment(), store)).rejects.toThrow(/holds another chain/);
    } finally {
      await store.close();
    }
    c = await openChain(c.dir);
  });

  it("a halt that comes while a block executes refuses that block: nothing is stored or followed after the halt", async () => {
    const [b1] = await extend(c.chain, c.chain.genesisHash, 1, "a");
    const next = await buildOn(c.chain, b1!, ["late=1"]);
    const env = c.chain.env;
    const execute = env.executeBlock.bind(env);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    env.executeBlock = async (...args) => {
      await gate;
      return execute(...args);
    };
    const adding = c.chain.addBlock(next, next.header.time);
    await new Promise((r) => setTimeout(r, 20)); // the block is executing
    const halted = c.chain.halt({ kind: "CONFLICTING_CERTIFICATES", consumerId: c.chain.consumerId, hubHeight: 9, first: { hubBlockHash: new Uint8Array(32).fill(1), tier: "bls" }, second: { hubBlockHash: new Uint8Array(32).fill(2), tier: "bls" } });
    release();
    await expect(adding).rejects.toMatchObject({ code: "BLOCK_ERROR_HALTED" });
    await halted;
    expect(c.chain.head.header.height).toBe(1);
    expect(c.chain.header(computeBlockHash(next.header))).toBeUndefined();
    env.executeBlock = execute;
  });
});
