// The FinalityGuard: final checkpoints accepted in order and across gaps, known and stale ones ignored,
// every kind of conflict returned as a misbehaviour event with the state unchanged, isFinal and
// canReorgTo over a simulated consumer block tree (a main chain and forks below, at and above the final
// height), the bounded window, and the persisted bytes: layout, a fast-check round trip of random
// state sequences byte for byte, corrupt bytes refused with the typed error, and a restart (encode,
// decode) that answers every question the same.
import fc from "fast-check";
import {
  assertCanReorgTo,
  canFollowChain,
  canReorgTo,
  computeCheckpointHash,
  createFinalityGuardState,
  decodeFinalityGuardState,
  encodeFinalityGuardState,
  FINALITY_GUARD_MAX_CHECKPOINTS,
  FinalityGuardError,
  getConflictingCertificatesEvent,
  getAnchorCheckpoint,
  getFinalCheckpoint,
  getFinalHeight,
  isFinal,
  processFinalCheckpoint,
  sha256,
  toHex,
  utf8,
  ZERO_CHECKPOINT_HASH,
  type AncestorHashAt,
  type ConsumerCheckpoint,
  type FinalCheckpointInput,
  type FinalityGuardState,
  type FinalityTier,
} from "../src/index.js";

const ID = "utxo-1";
const hashOf = (label: string) => sha256(utf8(label));
const hubHash = (h: number, fork = "") => hashOf(`hub${fork}/${h}`);

/** A consumer block tree: hash → (height, parent). */
class BlockTree {
  readonly blocks = new Map<string, { height: number; parent: Uint8Array | null; hash: Uint8Array }>();
  /** Blocks `${name}/1..to` on top of `base` (a hash at height from-1), returns hashes by height. */
  grow(name: string, from: number, to: number, base: Uint8Array | null): Map<number, Uint8Array> {
    const out = new Map<number, Uint8Array>();
    let parent = base;
    for (let h = from; h <= to; h++) {
      const hash = hashOf(`${name}/${h}`);
      this.blocks.set(toHex(hash), { height: h, parent, hash });
      out.set(h, hash);
      parent = hash;
    }
    return out;
  }
  readonly ancestorHashAt: AncestorHashAt = (blockHash, height) => {
    let b = this.blocks.get(toHex(blockHash));
    while (b && b.height > height) b = b.parent ? this.blocks.get(toHex(b.parent)) : undefined;
    return b && b.height === height ? b.hash : undefined;
  };
}

/** The accessor of a store that holds only `hashes` of `t` (a node that has not received the rest). */
function storeOf(t: BlockTree, hashes: Uint8Array[]): AncestorHashAt {
  const have = new Set(hashes.map(toHex));
  return (blockHash, height) => {
    if (!have.has(toHex(blockHash))) return undefined;
    const h = t.ancestorHashAt(blockHash, height);
    return h && have.has(toHex(h)) ? h : undefined;
  };
}

// Main chain 1..40; fork A branches after 5 (6..30); fork B branches after 12 (13..30); fork C after 20.
const tree = new BlockTree();
const main = tree.grow("main", 1, 40, null);
const forkA = tree.grow("forkA", 6, 30, main.get(5)!);
const forkB = tree.grow("forkB", 13, 30, main.get(12)!);
const forkC = tree.grow("forkC", 21, 30, main.get(20)!);
const M = (h: number) => main.get(h)!;
const unknownBlock = hashOf("never-seen");

/** Checkpoints along `chain` at `heights`, each naming the previous as parent (the first: zeros or `parent`). */
function checkpoints(chain: Map<number, Uint8Array>, heights: number[], parent: Uint8Array = ZERO_CHECKPOINT_HASH): ConsumerCheckpoint[] {
  const out: ConsumerCheckpoint[] = [];
  for (const height of heights) {
    const cp: ConsumerCheckpoint = { consumerId: ID, height, blockHash: chain.get(height)!, parentCheckpointHash: parent, stateRoot: hashOf(`state/${height}`) };
    out.push(cp);
    parent = computeCheckpointHash(cp);
  }
  return out;
}

// The consumer's checkpoint chain on main at 4, 8, ..., 36; cp(h) is the one at height h.
const MAIN_CPS = checkpoints(main, [4, 8, 12, 16, 20, 24, 28, 32, 36]);
const cp = (h: number) => MAIN_CPS.find((c) => c.height === h)!;
/** The hub records cp(h) at hub height 10·h (so hub order follows consumer order). */
const input = (checkpoint: ConsumerCheckpoint, hubHeight = checkpoint.height * 10, tier: FinalityTier = "bls", fork = ""): FinalCheckpointInput => ({
  checkpoint,
  hubHeight,
  hubBlockHash: hubHash(hubHeight, fork),
  tier,
});

function feed(inputs: FinalCheckpointInput[], state = createFinalityGuardState(ID)): FinalityGuardState {
  for (const i of inputs) {
    const r = processFinalCheckpoint(state, i, tree.ancestorHashAt);
    expect(r.status).toBe("ACCEPTED");
    state = r.state;
  }
  return state;
}

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    if (e instanceof FinalityGuardError) return e.code;
    throw e;
  }
  return undefined;
};

describe("processFinalCheckpoint", () => {
  test.each([
    ["consecutive checkpoints", [4, 8, 12, 16]],
    ["a gap: finality jumps over checkpoints never seen", [4, 16, 20, 36]],
    ["the first one seen is not the consumer's first", [12, 16]],
    ["one checkpoint", [36]],
  ])("accepted in order: %s", (_, heights) => {
    let state = createFinalityGuardState(ID);
    for (const h of heights) {
      const r = processFinalCheckpoint(state, input(cp(h)), tree.ancestorHashAt);
      expect(r.status).toBe("ACCEPTED");
      expect(getFinalHeight(r.state)).toBe(h);
      expect(state.finalized.length).toBe(r.state.finalized.length - 1); // the old state is not mutated
      state = r.state;
    }
    const f = getFinalCheckpoint(state)!;
    const last = cp(heights[heights.length - 1]!);
    expect(f).toEqual({ height: last.height, blockHash: last.blockHash, checkpointHash: computeCheckpointHash(last), hubHeight: last.height * 10, hubBlockHash: hubHash(last.height * 10), tier: "bls" });
    expect(state.finalized.map((k) => k.height)).toEqual(heights);
  });

  test("accepted without a block store too (the consumer does not know the block yet)", () => {
    const r = processFinalCheckpoint(feed([input(cp(8))]), input(cp(12)));
    expect(r.status).toBe("ACCEPTED");
    const r2 = processFinalCheckpoint(feed([input(cp(8))]), input(cp(12)), () => undefined);
    expect(r2.status).toBe("ACCEPTED");
  });

  test("nothing final yet: getFinalHeight 0", () => {
    const s = createFinalityGuardState(ID);
    expect(getFinalHeight(s)).toBe(0);
    expect(getFinalCheckpoint(s)).toBeUndefined();
  });

  // Lower and equal heights are ignored, never thrown: certificates arrive out of order (ZK lags BLS).
  const base = () => feed([input(cp(8)), input(cp(20))]);
  test.each([
    ["the final checkpoint again", input(cp(20)), "KNOWN"],
    ["the final checkpoint at a later hub height, by the ZK tier", input(cp(20), 230, "zk"), "KNOWN"],
    ["a known lower checkpoint again", input(cp(8), 85, "zk"), "KNOWN"],
    ["a lower checkpoint never seen (between known ones)", input(cp(12)), "STALE"],
    ["a lower checkpoint never seen (below every known one)", input(cp(4)), "STALE"],
  ])("ignored: %s", (_, i, reason) => {
    const s = base();
    const before = toHex(encodeFinalityGuardState(s));
    const r = processFinalCheckpoint(s, i, tree.ancestorHashAt);
    expect(r).toEqual({ status: "IGNORED", state: s, reason });
    expect(r.state).toBe(s);
    expect(toHex(encodeFinalityGuardState(s))).toBe(before);
  });

  // A checkpoint of fork B (branches after 12) at height 16, linked to cp(12): a second final chain.
  const [forkB16] = checkpoints(forkB, [16], computeCheckpointHash(cp(12)));
  const [forkA8] = checkpoints(forkA, [8], computeCheckpointHash(cp(4)));
  const [forkB24] = checkpoints(forkB, [24], computeCheckpointHash(cp(20)));
  const [forkA10] = checkpoints(forkA, [10], computeCheckpointHash(cp(8)));
  const [main9] = checkpoints(main, [9], computeCheckpointHash(cp(8)));
  const conflicts: [string, FinalCheckpointInput[], FinalCheckpointInput, Record<string, unknown>][] = [
    [
      "another checkpoint at the final height",
      [input(cp(12)), input(cp(16))],
      input(forkB16!, 170),
      { kind: "CONFLICTING_FINAL_CHECKPOINT", reason: "SAME_HEIGHT", knownHeight: 16 },
    ],
    [
      "another checkpoint at a known lower height",
      [input(cp(4)), input(cp(8)), input(cp(12))],
      input(forkA8!, 90),
      { kind: "CONFLICTING_FINAL_CHECKPOINT", reason: "SAME_HEIGHT", knownHeight: 8 },
    ],
    [
      "another hub block certified at a known hub height",
      [input(cp(8)), input(cp(12))],
      input(cp(16), 120, "zk", "-other"),
      { kind: "CONFLICTING_CERTIFICATES", hubHeight: 120 },
    ],
    [
      "a higher checkpoint at a lower hub height",
      [input(cp(8)), input(cp(12))],
      input(cp(16), 115),
      { kind: "CONFLICTING_FINAL_CHECKPOINT", reason: "HUB_HEIGHT_ORDER", knownHeight: 12 },
    ],
    [
      "a higher checkpoint at the same hub block",
      [input(cp(8)), input(cp(12))],
      input(cp(16), 120),
      { kind: "CONFLICTING_FINAL_CHECKPOINT", reason: "HUB_HEIGHT_ORDER", knownHeight: 12 },
    ],
    [
      "a known lower checkpoint at a hub height above the final one",
      [input(cp(8)), input(cp(12))],
      input(cp(8), 130),
      { kind: "CONFLICTING_FINAL_CHECKPOINT", reason: "HUB_HEIGHT_ORDER", knownHeight: 12 },
    ],
    [
      "a higher checkpoint whose parent is a known checkpoint below the final one",
      [input(cp(8)), input(cp(12))],
      input(checkpoints(main, [16], computeCheckpointHash(cp(8)))[0]!),
      { kind: "CONFLICTING_FINAL_CHECKPOINT", reason: "CHECKPOINT_CHAIN_FORK", knownHeight: 12 },
    ],
    [
      "a higher checkpoint claiming to be the consumer's first",
      [input(cp(8)), input(cp(12))],
      input(checkpoints(main, [16])[0]!),
      { kind: "CONFLICTING_FINAL_CHECKPOINT", reason: "CHECKPOINT_CHAIN_FORK", knownHeight: 12 },
    ],
    [
      "a stale checkpoint whose parent is known but not the one just below",
      [input(cp(4)), input(cp(8)), input(cp(12))],
      input(checkpoints(main, [10], computeCheckpointHash(cp(4)))[0]!, 100),
      { kind: "CONFLICTING_FINAL_CHECKPOINT", reason: "CHECKPOINT_CHAIN_FORK", knownHeight: 8 },
    ],
    [
      "a higher checkpoint whose block does not descend from the final block (consumer's block store)",
      [input(cp(16)), input(cp(20))],
      input(forkB24!),
      { kind: "CONFLICTING_FINAL_CHECKPOINT", reason: "NOT_ON_FINAL_CHAIN", knownHeight: 20 },
    ],
    [
      "a higher checkpoint on a fork below the final block, after a gap (unknown parent)",
      [input(cp(8)), input(cp(20))],
      input(checkpoints(forkB, [28], hashOf("unknown checkpoint"))[0]!),
      { kind: "CONFLICTING_FINAL_CHECKPOINT", reason: "NOT_ON_FINAL_CHAIN", knownHeight: 20 },
    ],
    [
      "a stale checkpoint whose block is not an ancestor of the final block",
      [input(cp(8)), input(cp(20))],
      input(forkA10!, 100),
      { kind: "CONFLICTING_FINAL_CHECKPOINT", reason: "NOT_ON_FINAL_CHAIN", knownHeight: 20 },
    ],
  ];
  test.each(conflicts)("misbehaviour, state unchanged: %s", (_, before, i, expected) => {
    const s = feed(before);
    const bytes = toHex(encodeFinalityGuardState(s));
    const r = processFinalCheckpoint(s, i, tree.ancestorHashAt);
    expect(r.status).toBe("MISBEHAVIOUR");
    if (r.status !== "MISBEHAVIOUR") return;
    expect(r.state).toBe(s);
    expect(toHex(encodeFinalityGuardState(r.state))).toBe(bytes);
    const e = r.event;
    expect(e.kind).toBe(expected.kind);
    expect(e.consumerId).toBe(ID);
    if (e.kind === "CONFLICTING_FINAL_CHECKPOINT") {
      expect(e.reason).toBe(expected.reason);
      expect(e.known.height).toBe(expected.knownHeight);
      expect(e.conflicting).toBe(i);
      if (e.reason === "NOT_ON_FINAL_CHAIN") expect(e.consumerHash).toBeInstanceOf(Uint8Array);
    } else {
      expect(e.hubHeight).toBe(expected.hubHeight);
      expect(toHex(e.first.hubBlockHash)).toBe(toHex(hubHash(e.hubHeight)));
      expect(toHex(e.second.hubBlockHash)).toBe(toHex(i.hubBlockHash));
      expect(e.second.tier).toBe("zk");
    }
  });

  test("the block store's word is needed for NOT_ON_FINAL_CHAIN: without it the gap is accepted", () => {
    const s = feed([input(cp(16)), input(cp(20))]);
    expect(processFinalCheckpoint(s, input(forkB24!)).status).toBe("ACCEPTED");
    // A consecutive checkpoint on main is consistent by its parent link alone.
    expect(processFinalCheckpoint(feed([input(cp(8))]), input(main9!)).status).toBe("ACCEPTED");
  });

  test.each([
    ["another consumer", { ...input(cp(8)), checkpoint: { ...cp(8), consumerId: "evm-1" } }, "FINALITY_GUARD_ERROR_WRONG_CONSUMER"],
    ["a malformed checkpoint", { ...input(cp(8)), checkpoint: { ...cp(8), blockHash: new Uint8Array(31) } }, "FINALITY_GUARD_ERROR_INVALID_INPUT"],
    ["height 0", { ...input(cp(8)), checkpoint: { ...cp(8), height: 0 } }, "FINALITY_GUARD_ERROR_INVALID_INPUT"],
    ["hub height 0", { ...input(cp(8)), hubHeight: 0 }, "FINALITY_GUARD_ERROR_INVALID_INPUT"],
    ["a fractional hub height", { ...input(cp(8)), hubHeight: 1.5 }, "FINALITY_GUARD_ERROR_INVALID_INPUT"],
    ["a short hub block hash", { ...input(cp(8)), hubBlockHash: new Uint8Array(8) }, "FINALITY_GUARD_ERROR_INVALID_INPUT"],
    ["an unknown tier", { ...input(cp(8)), tier: "fast" as FinalityTier }, "FINALITY_GUARD_ERROR_INVALID_INPUT"],
  ])("refused with a typed error, nothing changed: %s", (_, i, code) => {
    const s = feed([input(cp(4))]);
    const bytes = toHex(encodeFinalityGuardState(s));
    expect(codeOf(() => processFinalCheckpoint(s, i))).toBe(code);
    expect(toHex(encodeFinalityGuardState(s))).toBe(bytes);
  });

  test("createFinalityGuardState refuses a malformed consumer id", () => {
    expect(codeOf(() => createFinalityGuardState("Not An Id"))).toBe("FINALITY_GUARD_ERROR_INVALID_INPUT");
    expect(codeOf(() => createFinalityGuardState(""))).toBe("FINALITY_GUARD_ERROR_INVALID_INPUT");
  });

  test(`keeps at most ${FINALITY_GUARD_MAX_CHECKPOINTS} checkpoints, the highest; older ones answered through the block store`, () => {
    const big = new BlockTree();
    const chain = big.grow("long", 1, 100, null);
    const heights = Array.from({ length: 100 }, (_, i) => i + 1);
    let s = createFinalityGuardState(ID);
    for (const c of checkpoints(chain, heights)) {
      const r = processFinalCheckpoint(s, input(c), big.ancestorHashAt);
      expect(r.status).toBe("ACCEPTED");
      s = r.state;
    }
    expect(s.finalized.length).toBe(FINALITY_GUARD_MAX_CHECKPOINTS);
    expect(s.finalized[0]!.height).toBe(100 - FINALITY_GUARD_MAX_CHECKPOINTS + 1);
    expect(getFinalHeight(s)).toBe(100);
    expect(isFinal(s, { height: 1, hash: chain.get(1)! })).toBe(false); // dropped, and no block store
    expect(isFinal(s, { height: 1, hash: chain.get(1)! }, big.ancestorHashAt)).toBe(true);
    expect(isFinal(s, { height: 50, hash: chain.get(50)! })).toBe(true);
  });

  test("a node far behind the hub keeps the highest checkpoint whose block it has: what it reported final stays final", () => {
    const big = new BlockTree();
    const chain = big.grow("long", 1, 200, null);
    const stored = storeOf(big, [...chain].filter(([h]) => h <= 12).map(([, hash]) => hash));
    let s = createFinalityGuardState(ID);
    const heights = [4, 8, ...Array.from({ length: 100 }, (_, i) => 20 + i)];
    for (const c of checkpoints(chain, heights)) {
      const r = processFinalCheckpoint(s, input(c), stored);
      expect(r.status).toBe("ACCEPTED");
      s = r.state;
      expect(isFinal(s, { height: 6, hash: chain.get(6)! }, stored)).toBe(c.height >= 8);
      expect(isFinal(s, { height: 3, hash: chain.get(3)! }, stored)).toBe(true);
    }
    expect(s.finalized.length).toBe(FINALITY_GUARD_MAX_CHECKPOINTS);
    expect(s.finalized.map((k) => k.height).slice(0, 2)).toEqual([8, 119 - FINALITY_GUARD_MAX_CHECKPOINTS + 2]);
    expect(getFinalHeight(s)).toBe(119);
    expect(decodeFinalityGuardState(encodeFinalityGuardState(s))).toEqual(s); // a valid state
    // Once the node has a block of the window, the kept one leaves with the next trim.
    const caughtUp = storeOf(big, [...chain].filter(([h]) => h <= 60).map(([, hash]) => hash));
    const r = processFinalCheckpoint(s, input(checkpoints(chain, [120], computeCheckpointHash(checkpoints(chain, heights).at(-1)!))[0]!), caughtUp);
    expect(r.status).toBe("ACCEPTED");
    expect(r.state.finalized[0]!.height).toBe(120 - FINALITY_GUARD_MAX_CHECKPOINTS + 1);
    expect(isFinal(r.state, { height: 6, hash: chain.get(6)! }, caughtUp)).toBe(true);
  });
});

describe("getConflictingCertificatesEvent", () => {
  const s = createFinalityGuardState(ID);
  test("two hub block hashes at one hub height: the event", () => {
    const e = getConflictingCertificatesEvent(s, 7, { hubBlockHash: hubHash(7), tier: "bls" }, { hubBlockHash: hubHash(7, "x"), tier: "zk" });
    expect(e).toEqual({ kind: "CONFLICTING_CERTIFICATES", consumerId: ID, hubHeight: 7, first: { hubBlockHash: hubHash(7), tier: "bls" }, second: { hubBlockHash: hubHash(7, "x"), tier: "zk" } });
  });
  test("the same block by both tiers: no conflict", () => {
    expect(getConflictingCertificatesEvent(s, 7, { hubBlockHash: hubHash(7), tier: "bls" }, { hubBlockHash: hubHash(7), tier: "zk" })).toBeNull();
  });
  test("malformed input: typed error", () => {
    expect(codeOf(() => getConflictingCertificatesEvent(s, 0, { hubBlockHash: hubHash(7), tier: "bls" }, { hubBlockHash: hubHash(8), tier: "bls" }))).toBe("FINALITY_GUARD_ERROR_INVALID_INPUT");
    expect(codeOf(() => getConflictingCertificatesEvent(s, 7, { hubBlockHash: new Uint8Array(3), tier: "bls" }, { hubBlockHash: hubHash(8), tier: "bls" }))).toBe("FINALITY_GUARD_ERROR_INVALID_INPUT");
  });
});

// Final: cp(12) and cp(20) known (heights 12, 20), final block main/20.
const finalState = () => feed([input(cp(12)), input(cp(20))]);

describe("isFinal", () => {
  const A = tree.ancestorHashAt;
  test.each([
    ["below final, a known checkpoint, main", 12, M(12), undefined, true],
    ["below final, a known checkpoint, fork A", 12, forkA.get(12)!, A, false],
    ["below final, between checkpoints, main, with the block store", 15, M(15), A, true],
    ["below final, between checkpoints, main, without the block store", 15, M(15), undefined, false],
    ["below final, fork B (branched after 12)", 15, forkB.get(15)!, A, false],
    ["below final, below the branch point of fork C: main", 3, M(3), A, true],
    ["below final, fork A", 7, forkA.get(7)!, A, false],
    ["at final, the final block", 20, M(20), undefined, true],
    ["at final, fork B", 20, forkB.get(20)!, A, false],
    ["above final, main", 21, M(21), A, false],
    ["above final, fork C", 25, forkC.get(25)!, A, false],
    ["height 0 (no such block in the tree)", 0, M(1), A, false],
    ["an unknown block below final", 15, unknownBlock, A, false],
  ])("%s", (_, height, hash, accessor, expected) => {
    expect(isFinal(finalState(), { height, hash }, accessor)).toBe(expected);
  });
  // A node that learned cp(20) from the hub before receiving main/20: its store has main/1..14 (so
  // cp(12)'s block) and fork A up to 10, nothing above.
  const catchingUp = storeOf(tree, [...[...main].filter(([h]) => h <= 14), ...[...forkA].filter(([h]) => h <= 10)].map(([, hash]) => hash));
  test.each([
    ["an ancestor of an older final checkpoint's block (cp(12)), the newest's (cp(20)) unknown", 10, M(10), catchingUp, true],
    ["far below, the same", 3, M(3), catchingUp, true],
    ["a block on another branch (fork A, branched after 5)", 7, forkA.get(7)!, catchingUp, false],
    ["between cp(12) and cp(20), only cp(20) could answer and its block is unknown", 13, M(13), catchingUp, false],
    ["nothing answers (an empty store)", 10, M(10), storeOf(tree, []), false],
    ["nothing answers (no store)", 10, M(10), undefined, false],
  ])("newest final block not stored: %s", (_, height, hash, accessor, expected) => {
    expect(isFinal(finalState(), { height, hash }, accessor)).toBe(expected);
  });
  test("a block reported final stays final when a checkpoint above the node's blocks is learned", () => {
    const before = feed([input(cp(12))]);
    expect(isFinal(before, { height: 10, hash: M(10) }, catchingUp)).toBe(true);
    let s = before;
    for (const h of [20, 24, 28]) {
      const r = processFinalCheckpoint(s, input(cp(h)), catchingUp);
      expect(r.status).toBe("ACCEPTED");
      s = r.state;
      expect(isFinal(s, { height: 10, hash: M(10) }, catchingUp)).toBe(true);
      expect(isFinal(s, { height: 12, hash: M(12) }, catchingUp)).toBe(true);
      expect(isFinal(s, { height: 10, hash: forkA.get(10)! }, catchingUp)).toBe(false);
    }
    // Once the blocks arrive, the newest answers too: the same answers, and more.
    expect(isFinal(s, { height: 10, hash: M(10) }, tree.ancestorHashAt)).toBe(true);
    expect(isFinal(s, { height: 25, hash: M(25) }, tree.ancestorHashAt)).toBe(true);
  });
  test("nothing final: false; malformed: false, never a throw", () => {
    expect(isFinal(createFinalityGuardState(ID), { height: 1, hash: M(1) }, tree.ancestorHashAt)).toBe(false);
    expect(isFinal(finalState(), { height: -1, hash: M(1) })).toBe(false);
    expect(isFinal(finalState(), { height: 12, hash: new Uint8Array(4) })).toBe(false);
    expect(isFinal(finalState(), null as never)).toBe(false);
  });
});

describe("canReorgTo / assertCanReorgTo", () => {
  const A = tree.ancestorHashAt;
  test.each([
    ["above final, on the final chain", 30, M(30), A, null],
    ["above final, a fork branching above the final block", 25, M(25), A, null],
    ["exactly at final, the final block (keeps it)", 20, M(20), undefined, null],
    ["exactly at final, another block", 20, forkB.get(20)!, A, "FINALITY_GUARD_ERROR_REORG_OFF_FINAL_CHAIN"],
    ["below final, on the final chain", 19, M(19), A, "FINALITY_GUARD_ERROR_REORG_BELOW_FINAL"],
    ["below final, far below", 3, M(3), A, "FINALITY_GUARD_ERROR_REORG_BELOW_FINAL"],
    ["above final, fork C (branched after the final block)", 25, forkC.get(25)!, A, null],
    ["above final, fork B (branched after 12)", 25, forkB.get(25)!, A, "FINALITY_GUARD_ERROR_REORG_OFF_FINAL_CHAIN"],
    ["above final, an unknown block", 25, unknownBlock, A, "FINALITY_GUARD_ERROR_UNKNOWN_ANCESTRY"],
    ["above final, no block store", 25, M(25), undefined, "FINALITY_GUARD_ERROR_UNKNOWN_ANCESTRY"],
    ["a malformed hash", 25, new Uint8Array(5), A, "FINALITY_GUARD_ERROR_INVALID_INPUT"],
    ["a negative height", -1, M(1), A, "FINALITY_GUARD_ERROR_INVALID_INPUT"],
  ])("%s", (_, height, hash, accessor, code) => {
    const s = finalState();
    const r = canReorgTo(s, { height, hash }, accessor);
    expect(r.ok).toBe(code === null);
    if (!r.ok) expect(r.error.code).toBe(code);
    expect(codeOf(() => assertCanReorgTo(s, { height, hash }, accessor))).toBe(code ?? undefined);
  });

  test("the refusal names the heights", () => {
    try {
      assertCanReorgTo(finalState(), { height: 7, hash: M(7) }, tree.ancestorHashAt);
      throw new Error("not refused");
    } catch (e) {
      expect(e).toBeInstanceOf(FinalityGuardError);
      expect((e as FinalityGuardError).type).toEqual({ code: "FINALITY_GUARD_ERROR_REORG_BELOW_FINAL", forkHeight: 7, finalHeight: 20 });
      expect((e as Error).message).toBe("reorg to height 7 would drop hub-final blocks up to height 20");
    }
  });

  test("the head of the final chain lets a node on a non-final branch move onto it", () => {
    // The node sits on fork B (fork point with main at 12 < final 20), the new head main/30 keeps main/20.
    expect(canReorgTo(finalState(), { height: 12, hash: M(12) }, tree.ancestorHashAt).ok).toBe(false);
    expect(canReorgTo(finalState(), { height: 30, hash: M(30) }, tree.ancestorHashAt).ok).toBe(true);
  });

  test("nothing final: every reorg allowed", () => {
    expect(canReorgTo(createFinalityGuardState(ID), { height: 0, hash: M(1) })).toEqual({ ok: true });
  });
});

describe("canFollowChain / getAnchorCheckpoint", () => {
  // cp(12) and cp(20) are final. Stores: the whole tree; a node that learned cp(20) before main/20
  // (main/1..14, fork A up to 10: the anchor is cp(12)); one further on (main/1..19, fork B up to 20,
  // still no main/20); one that holds no final block (main/1..10).
  const A = tree.ancestorHashAt;
  const upTo = (chain: Map<number, Uint8Array>, h: number) => [...chain].filter(([height]) => height <= h).map(([, hash]) => hash);
  const catchingUp = storeOf(tree, [...upTo(main, 14), ...upTo(forkA, 10)]);
  const nearly = storeOf(tree, [...upTo(main, 19), ...upTo(forkB, 20)]);
  const noneFinal = storeOf(tree, upTo(main, 10));
  /** A block the store has not seen, at `height` on `parent`. */
  const fresh = (label: string) => hashOf(`fresh/${label}`);
  type Row = [string, number, Uint8Array, Uint8Array | undefined, AncestorHashAt, string | null];
  test.each<Row>([
    // New blocks (the parent stored, the block not yet), the newest final block (main/20) unknown, the anchor cp(12).
    ["new, a fork below the older final block (on fork A/7)", 8, fresh("a8"), forkA.get(7)!, catchingUp, "FINALITY_GUARD_ERROR_REORG_BELOW_FINAL"],
    ["new, a fork from far below (on main/1)", 2, fresh("m2"), M(1), catchingUp, "FINALITY_GUARD_ERROR_REORG_BELOW_FINAL"],
    ["new, another block at the older final height", 12, fresh("m12"), M(11), catchingUp, "FINALITY_GUARD_ERROR_REORG_BELOW_FINAL"],
    ["new, extending fork A (branched below the anchor)", 11, fresh("a11"), forkA.get(10)!, catchingUp, "FINALITY_GUARD_ERROR_REORG_BELOW_FINAL"],
    ["new, the final chain just above the anchor", 13, M(13), M(12), catchingUp, null],
    ["new, the final chain further up", 15, M(15), M(14), catchingUp, null],
    // Decided: a branch through the anchor, below the next final height, cannot be judged yet and is
    // taken; it can never reach height 20 (next rows) and is refused once main/20 is stored (last rows).
    ["new, a fork above the anchor and below the newest final height", 15, fresh("x15"), M(14), catchingUp, null],
    ["new, fork B from the anchor (main/12)", 13, forkB.get(13)!, M(12), catchingUp, null],
    ["new, the missing final block itself", 20, M(20), M(19), nearly, null],
    ["new, another block at the newest final height", 20, fresh("m20"), M(19), nearly, "FINALITY_GUARD_ERROR_REORG_OFF_FINAL_CHAIN"],
    ["new, fork B's block at the newest final height", 20, forkB.get(20)!, forkB.get(19)!, nearly, "FINALITY_GUARD_ERROR_REORG_OFF_FINAL_CHAIN"],
    ["new, above the newest final height on a branch without its block", 21, fresh("b21"), forkB.get(20)!, nearly, "FINALITY_GUARD_ERROR_REORG_OFF_FINAL_CHAIN"],
    ["new, a parent the store cannot walk from", 15, fresh("u15"), unknownBlock, catchingUp, "FINALITY_GUARD_ERROR_UNKNOWN_ANCESTRY"],
    // The newest final block stored: it is the anchor, and what was taken above cp(12) is now refused.
    ["new, once main/20 is stored: the fork above cp(12)", 15, fresh("x15"), M(14), A, "FINALITY_GUARD_ERROR_REORG_BELOW_FINAL"],
    ["new, once main/20 is stored: the final chain below it (never new)", 20, fresh("m20"), M(19), A, "FINALITY_GUARD_ERROR_REORG_BELOW_FINAL"],
    ["new, once main/20 is stored: on it", 21, M(21), M(20), A, null],
    ["new, once main/20 is stored: fork C (branched after it)", 22, forkC.get(22)!, forkC.get(21)!, A, null],
    ["new, once main/20 is stored: fork B above it", 22, forkB.get(22)!, forkB.get(21)!, A, "FINALITY_GUARD_ERROR_REORG_OFF_FINAL_CHAIN"],
    // No final block stored: below the lowest final height nothing can be judged; at it, only its block.
    ["new, no final block stored: below every final height", 11, M(11), M(10), noneFinal, null],
    ["new, no final block stored: the lowest final block", 12, M(12), M(11), noneFinal, null],
    ["new, no final block stored: another block at the lowest final height", 12, fresh("n12"), M(11), noneFinal, "FINALITY_GUARD_ERROR_REORG_OFF_FINAL_CHAIN"],
    // Stored tips (a head candidate), main/20 unknown.
    ["stored, the anchor's block", 12, M(12), undefined, catchingUp, null],
    ["stored, above the anchor on the final chain", 14, M(14), undefined, catchingUp, null],
    ["stored, below the anchor on the final chain (a head there drops it)", 11, M(11), undefined, catchingUp, "FINALITY_GUARD_ERROR_REORG_BELOW_FINAL"],
    ["stored, fork A", 10, forkA.get(10)!, undefined, catchingUp, "FINALITY_GUARD_ERROR_REORG_BELOW_FINAL"],
    ["stored, fork B at the newest final height", 20, forkB.get(20)!, undefined, nearly, "FINALITY_GUARD_ERROR_REORG_OFF_FINAL_CHAIN"],
    // Malformed input.
    ["a malformed hash", 15, new Uint8Array(5), M(14), catchingUp, "FINALITY_GUARD_ERROR_INVALID_INPUT"],
    ["a malformed parent hash", 15, M(15), new Uint8Array(5), catchingUp, "FINALITY_GUARD_ERROR_INVALID_INPUT"],
    ["a new block at height 0", 0, M(1), M(1), catchingUp, "FINALITY_GUARD_ERROR_INVALID_INPUT"],
    ["a negative height", -1, M(1), undefined, catchingUp, "FINALITY_GUARD_ERROR_INVALID_INPUT"],
  ])("%s", (_, height, hash, parentHash, accessor, code) => {
    const r = canFollowChain(finalState(), { height, hash, ...(parentHash ? { parentHash } : {}) }, accessor);
    expect(r.ok ? null : r.error.code).toBe(code);
  });

  test("the anchor is the highest final checkpoint whose block is stored", () => {
    expect(getAnchorCheckpoint(finalState(), A)?.height).toBe(20);
    expect(getAnchorCheckpoint(finalState(), catchingUp)?.height).toBe(12);
    expect(getAnchorCheckpoint(finalState(), noneFinal)).toBeUndefined();
    expect(getAnchorCheckpoint(finalState(), undefined)).toBeUndefined();
    expect(getAnchorCheckpoint(createFinalityGuardState(ID), A)).toBeUndefined();
  });

  test("a refusal names the final height it was judged at", () => {
    expect(canFollowChain(finalState(), { height: 8, hash: fresh("a8"), parentHash: forkA.get(7)! }, catchingUp)).toEqual({
      ok: false,
      error: { code: "FINALITY_GUARD_ERROR_REORG_BELOW_FINAL", forkHeight: 7, finalHeight: 12 },
    });
    expect(canFollowChain(finalState(), { height: 20, hash: forkB.get(20)!, parentHash: forkB.get(19)! }, nearly)).toEqual({
      ok: false,
      error: { code: "FINALITY_GUARD_ERROR_REORG_OFF_FINAL_CHAIN", forkHeight: 19, finalHeight: 20, hashAtFinalHeight: toHex(forkB.get(20)!) },
    });
  });

  test("with the newest final block stored it is canReorgTo: of the tip, or of a new block's parent", () => {
    const s = finalState();
    for (const b of tree.blocks.values()) {
      const stored = canFollowChain(s, { height: b.height, hash: b.hash }, A);
      expect({ at: b.height, r: stored }).toEqual({ at: b.height, r: canReorgTo(s, { height: b.height, hash: b.hash }, A) });
      const child = canFollowChain(s, { height: b.height + 1, hash: fresh(`child-of-${toHex(b.hash)}`), parentHash: b.hash }, A);
      expect({ at: b.height, r: child }).toEqual({ at: b.height, r: canReorgTo(s, { height: b.height, hash: b.hash }, A) });
    }
  });

  test("nothing final: every chain may be followed", () => {
    expect(canFollowChain(createFinalityGuardState(ID), { height: 3, hash: fresh("any"), parentHash: forkA.get(7)! }, A)).toEqual({ ok: true });
  });
});

describe("persistence", () => {
  const u32 = (n: number) => n.toString(16).padStart(8, "0");
  const u64 = (n: number) => n.toString(16).padStart(16, "0");
  const str = (s: string) => u32(s.length) + toHex(utf8(s));

  test("layout: domain, version, id, count, records", () => {
    const s = feed([input(cp(4)), input(cp(8), 80, "zk")]);
    const rec = (c: ConsumerCheckpoint, hub: number, tier: number) =>
      u64(c.height) + toHex(c.blockHash) + toHex(computeCheckpointHash(c)) + u64(hub) + toHex(hubHash(hub)) + tier.toString(16).padStart(2, "0");
    const expected = str("aegis/finality-guard-state") + "01" + str(ID) + u32(2) + rec(cp(4), 40, 0) + rec(cp(8), 80, 1);
    expect(toHex(encodeFinalityGuardState(s))).toBe(expected);
    expect(toHex(encodeFinalityGuardState(createFinalityGuardState(ID)))).toBe(str("aegis/finality-guard-state") + "01" + str(ID) + u32(0));
  });

  // Random valid sequences: a checkpoint chain with random height steps, fed with random gaps, hub
  // heights with random steps, random tiers; every intermediate state round-trips byte for byte.
  test("property: random valid state sequences round-trip byte for byte", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9._-]{1,64}$/),
        fc.array(fc.record({ step: fc.integer({ min: 1, max: 1000 }), hubStep: fc.integer({ min: 1, max: 2 ** 20 }), seen: fc.boolean(), zk: fc.boolean(), seed: fc.integer() }), { maxLength: 90 }),
        (consumerId, steps) => {
          let state = createFinalityGuardState(consumerId);
          let parent = ZERO_CHECKPOINT_HASH;
          let height = 0;
          let hub = 0;
          for (const st of steps) {
            height += st.step;
            hub += st.hubStep;
            const checkpoint: ConsumerCheckpoint = { consumerId, height, blockHash: hashOf(`b${st.seed}/${height}`), parentCheckpointHash: parent, stateRoot: hashOf(`s${st.seed}`) };
            parent = computeCheckpointHash(checkpoint);
            if (!st.seen) continue;
            const r = processFinalCheckpoint(state, { checkpoint, hubHeight: hub, hubBlockHash: hashOf(`h${hub}`), tier: st.zk ? "zk" : "bls" });
            expect(r.status).toBe("ACCEPTED");
            state = r.state;
            const bytes = encodeFinalityGuardState(state);
            const decoded = decodeFinalityGuardState(bytes);
            expect(decoded).toEqual(state);
            expect(toHex(encodeFinalityGuardState(decoded))).toBe(toHex(bytes));
          }
          expect(state.finalized.length).toBeLessThanOrEqual(FINALITY_GUARD_MAX_CHECKPOINTS);
        },
      ),
      { numRuns: 150 },
    );
  });

  const valid = () => encodeFinalityGuardState(feed([input(cp(4)), input(cp(8), 80, "zk"), input(cp(12))]));
  const D = "aegis/finality-guard-state".length;
  const headerLength = 4 + D + 1 + 4 + ID.length + 4;
  const recordLength = 8 + 32 + 32 + 8 + 32 + 1;
  const patched = (f: (b: Uint8Array, view: DataView) => void) => () => {
    const b = valid();
    f(b, new DataView(b.buffer, b.byteOffset, b.byteLength));
    return b;
  };
  const rec = (i: number) => headerLength + i * recordLength; // start of record i
  const corrupt: [string, () => Uint8Array][] = [
    ["empty", () => new Uint8Array(0)],
    ["truncated in the header", () => valid().slice(0, 10)],
    ["truncated in a record", () => valid().slice(0, rec(1) + 40)],
    ["one byte short", () => valid().slice(0, -1)],
    ["a trailing byte", () => Uint8Array.from([...valid(), 0])],
    ["another domain", patched((b) => (b[4] = "A".charCodeAt(0)))],
    ["a domain length past the end", patched((_, d) => d.setUint32(0, 0xffffffff))],
    ["wrong version 2", patched((b) => (b[4 + D] = 2))],
    ["wrong version 0", patched((b) => (b[4 + D] = 0))],
    ["a consumer id length past the end", patched((_, d) => d.setUint32(4 + D + 1, 1000))],
    ["a consumer id that is not one", patched((b) => (b[4 + D + 1 + 4] = "U".charCodeAt(0)))],
    ["a count above the maximum", patched((_, d) => d.setUint32(headerLength - 4, FINALITY_GUARD_MAX_CHECKPOINTS + 1))],
    ["a count the bytes do not hold", patched((_, d) => d.setUint32(headerLength - 4, 4))],
    ["a count below the records", patched((_, d) => d.setUint32(headerLength - 4, 2))],
    ["tier 2", patched((b) => (b[rec(1) + recordLength - 1] = 2))],
    ["height 0", patched((_, d) => d.setBigUint64(rec(0), 0n))],
    ["a height above 2^53 - 1", patched((_, d) => d.setBigUint64(rec(2), 2n ** 53n))],
    ["heights not ascending", patched((_, d) => d.setBigUint64(rec(1), 4n))],
    ["hub heights not ascending", patched((_, d) => d.setBigUint64(rec(2) + 72, 80n))],
    ["hub height 0", patched((_, d) => d.setBigUint64(rec(0) + 72, 0n))],
  ];
  test.each(corrupt)("corrupt bytes refused with the typed error: %s", (_, bytes) => {
    expect(codeOf(() => decodeFinalityGuardState(bytes()))).toBe("FINALITY_GUARD_ERROR_CORRUPT_STATE");
  });

  test("every truncation of valid bytes is refused", () => {
    const b = valid();
    for (let n = 0; n < b.length; n++) expect(codeOf(() => decodeFinalityGuardState(b.slice(0, n)))).toBe("FINALITY_GUARD_ERROR_CORRUPT_STATE");
  });

  test("property: random and mutated bytes: a typed error or a state that re-encodes to the same bytes", () => {
    const b = valid();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 400 }),
          fc.tuple(fc.nat({ max: b.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([i, v]) => {
            const c = b.slice();
            c[i] = v;
            return c;
          }),
        ),
        (bytes) => {
          let s: FinalityGuardState;
          try {
            s = decodeFinalityGuardState(bytes);
          } catch (e) {
            expect(e).toBeInstanceOf(FinalityGuardError);
            expect((e as FinalityGuardError).code).toBe("FINALITY_GUARD_ERROR_CORRUPT_STATE");
            return;
          }
          expect(toHex(encodeFinalityGuardState(s))).toBe(toHex(bytes));
        },
      ),
      { numRuns: 500 },
    );
  });

  test("encoding an invalid state is refused", () => {
    const s = finalState();
    expect(codeOf(() => encodeFinalityGuardState({ ...s, finalized: [...s.finalized].reverse() }))).toBe("FINALITY_GUARD_ERROR_INVALID_INPUT");
    expect(codeOf(() => encodeFinalityGuardState({ ...s, consumerId: "" }))).toBe("FINALITY_GUARD_ERROR_INVALID_INPUT");
  });

  test("a restart forgets nothing: encode, decode, the same answers", () => {
    const before = feed([input(cp(4)), input(cp(12), 120, "zk"), input(cp(20))]);
    const after = decodeFinalityGuardState(encodeFinalityGuardState(before));
    const A = tree.ancestorHashAt;
    const blocks = [...[main, forkA, forkB, forkC].flatMap((c) => [...c].map(([height, hash]) => ({ height, hash }))), { height: 20, hash: unknownBlock }];
    for (const b of blocks) {
      for (const acc of [undefined, A]) {
        expect(isFinal(after, b, acc)).toBe(isFinal(before, b, acc));
        expect(canReorgTo(after, b, acc)).toEqual(canReorgTo(before, b, acc));
      }
    }
    expect(getFinalCheckpoint(after)).toEqual(getFinalCheckpoint(before));
    const [forkB16b] = checkpoints(forkB, [16], computeCheckpointHash(cp(12)));
    const [forkA12] = checkpoints(forkA, [12], computeCheckpointHash(cp(8)));
    const cases: [FinalCheckpointInput, string][] = [
      [input(cp(8)), "IGNORED"],
      [input(cp(20), 999, "zk"), "IGNORED"],
      [input(cp(24)), "ACCEPTED"],
      [input(forkB16b!, 160), "MISBEHAVIOUR"],
      [input(forkA12!, 120), "MISBEHAVIOUR"],
      [input(cp(28), 120, "bls", "-x"), "MISBEHAVIOUR"],
    ];
    for (const [i, status] of cases) {
      const r1 = processFinalCheckpoint(before, i, A);
      const r2 = processFinalCheckpoint(after, i, A);
      expect(r1.status).toBe(status);
      expect(r2.status).toBe(r1.status);
      expect(toHex(encodeFinalityGuardState(r2.state))).toBe(toHex(encodeFinalityGuardState(r1.state)));
      if (r1.status === "MISBEHAVIOUR" && r2.status === "MISBEHAVIOUR") expect(r2.event).toEqual(r1.event);
    }
  });
});
