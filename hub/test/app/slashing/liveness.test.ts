import { consensusBech32, getSigningInfo, getSlashingParams, maxMissedBlocks, MISSED_BLOCK_PREFIX, processBlockSignatures } from "../../../src/app/modules/slashing/index.js";
import { computeNextValidatorSet, DEC_ONE, getValidator } from "../../../src/app/modules/staking/index.js";
import type { StateView } from "../../../src/state/index.js";
import { addr, checkInvariants, T0 } from "../staking/stakingFixtures.js";
import { M, setAt, signersExcept, world } from "./slashingFixtures.js";

const WINDOW = 10;
const params = { signedBlocksWindow: WINDOW, minSignedPerWindow: DEC_ONE / 2n }; // max 5 missed

/** Processes heights from..to with validator 1 absent where `missed(h)`. */
function blocks(s: StateView, from: number, to: number, missed: (h: number) => boolean) {
  const events = [];
  for (let h = from; h <= to; h++) {
    const set = setAt(s, h);
    events.push(...processBlockSignatures(s, { height: h, time: T0 + h * 1000, set, signers: signersExcept(set, missed(h) ? [1] : []) }));
  }
  return events;
}

const cons1 = (s: StateView) => getValidator(s, addr(1))!.consensusAddress;

describe("processBlockSignatures", () => {
  test("defaults and threshold", () => {
    const s = world();
    expect(getSlashingParams(s)).toMatchObject({ signedBlocksWindow: 100, downtimeJailDurationMs: 600_000 });
    expect(maxMissedBlocks(getSlashingParams(s))).toBe(50);
    expect(maxMissedBlocks({ ...getSlashingParams(s), ...params })).toBe(5);
  });

  test("jailed exactly when misses exceed the threshold, not one block before; slash amount at height - 2", () => {
    const s = world(params);
    // signs 1..4, misses 5..9 (5 misses = the maximum): not jailed
    blocks(s, 1, 4, () => false);
    blocks(s, 5, 9, () => true);
    expect(getValidator(s, addr(1))!.jailed).toBe(false);
    expect(getSigningInfo(s, cons1(s))).toMatchObject({ startHeight: 1, indexOffset: 9, missedBlocksCounter: 5 });
    // 6th miss at height 10 (in the set for a whole window): jailed and slashed
    const before = getValidator(s, addr(1))!.tokens;
    const ev = blocks(s, 10, 10, () => true);
    const v = getValidator(s, addr(1))!;
    expect(v.jailed).toBe(true);
    expect(before - v.tokens).toBe((10n * M) / 10_000n); // power 10 × 10^6 × 0.0001
    const slash = ev.find((e) => e.type === "slash")!;
    expect(slash.attributes).toEqual(expect.arrayContaining([
      { key: "reason", value: "missing_signature" },
      { key: "infraction_height", value: "8" },
      { key: "address", value: consensusBech32(cons1(s)) },
    ]));
    expect(getSigningInfo(s, cons1(s))).toMatchObject({ indexOffset: 0, missedBlocksCounter: 0, jailedUntilMs: T0 + 10_000 + 600_000 });
    expect([...s.iterate(MISSED_BLOCK_PREFIX)]).toHaveLength(0);
    expect(computeNextValidatorSet(s).validators.map((x) => x.operatorAddress)).not.toContain(v.operatorAddress);
    checkInvariants(s);
    // jailed validators are not counted any more
    blocks(s, 11, 30, () => true);
    expect(getValidator(s, addr(1))!.tokens).toBe(v.tokens);
    expect(getSigningInfo(s, cons1(s))!.indexOffset).toBe(0);
  });

  test("no jail before a whole window, even with every block missed", () => {
    const s = world(params);
    blocks(s, 1, 9, () => true);
    expect(getValidator(s, addr(1))!.jailed).toBe(false);
    expect(getSigningInfo(s, cons1(s))!.missedBlocksCounter).toBe(9);
    blocks(s, 10, 10, () => true);
    expect(getValidator(s, addr(1))!.jailed).toBe(true);
  });

  test("the window slides: old misses drop out as their slots are signed again", () => {
    const s = world(params);
    // misses 1..5 (max), then signs: the counter falls as slots 0..4 are overwritten
    blocks(s, 1, 5, () => true);
    blocks(s, 6, 10, () => false);
    expect(getSigningInfo(s, cons1(s))!.missedBlocksCounter).toBe(5);
    blocks(s, 11, 13, () => false);
    expect(getSigningInfo(s, cons1(s))!.missedBlocksCounter).toBe(2);
    expect([...s.iterate(MISSED_BLOCK_PREFIX)]).toHaveLength(2);
    // heights 14, 15 overwrite the missed slots 3, 4 with misses: still 2
    blocks(s, 14, 15, () => true);
    expect(getSigningInfo(s, cons1(s))!.missedBlocksCounter).toBe(2);
    // 16..18 miss over signed slots: 5 in the window, still allowed
    blocks(s, 16, 18, () => true);
    expect(getSigningInfo(s, cons1(s))!.missedBlocksCounter).toBe(5);
    expect(getValidator(s, addr(1))!.jailed).toBe(false);
    // height 19 overwrites slot 8 (signed at 9): a 6th miss in the window jails
    blocks(s, 19, 19, () => true);
    expect(getValidator(s, addr(1))!.jailed).toBe(true);
    // other validators never missed
    expect(getValidator(s, addr(2))!.jailed).toBe(false);
    expect(getValidator(s, addr(2))!.tokens).toBe(20n * M);
  });

  test("alternating misses at exactly half never jail", () => {
    const s = world(params);
    blocks(s, 1, 100, (h) => h % 2 === 0);
    expect(getValidator(s, addr(1))!.jailed).toBe(false);
    expect(getSigningInfo(s, cons1(s))).toMatchObject({ indexOffset: 100, missedBlocksCounter: 5 });
  });
});
