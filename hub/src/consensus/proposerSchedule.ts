import type { ValidatorSet } from "@aegis/consumer-sdk";

/**
 * Weighted round-robin proposer selection (CometBFT's proposer-priority algorithm without set changes).
 * At every step each validator's priority grows by its power, the highest priority proposes (ties to
 * the lower index, i.e. higher power / lower address) and pays back the total power. Over any window a
 * validator proposes in proportion to its power. Step k of the sequence proposes (height h, round r)
 * with k = (h - firstHeight) + r, so the schedule is a pure function of (set, firstHeight, h, r).
 *
 * The object memoizes its cursor; asking for an earlier step recomputes from the start.
 */
export class ProposerSchedule {
  private priorities: bigint[];
  private cursor = 0; // number of steps already taken
  private readonly recent: number[] = []; // picks of steps [cursor - recent.length, cursor)
  private static readonly WINDOW = 4096;

  constructor(
    private readonly set: ValidatorSet,
    /** The height at which this set's schedule starts (genesis: 1; later: first height of an epoch). */
    readonly firstHeight = 1,
  ) {
    this.priorities = set.validators.map(() => 0n);
  }

  getProposerIndex(height: number, round: number): number {
    if (height < this.firstHeight) throw new RangeError(`height ${height} precedes this schedule (${this.firstHeight})`);
    return this.pickAt(height - this.firstHeight + round);
  }

  private pickAt(step: number): number {
    const oldest = this.cursor - this.recent.length;
    if (step < oldest) this.reset();
    while (this.cursor <= step) this.advance();
    return this.recent[this.recent.length - (this.cursor - step)]!;
  }

  private reset(): void {
    this.priorities = this.set.validators.map(() => 0n);
    this.cursor = 0;
    this.recent.length = 0;
  }

  private advance(): void {
    const vals = this.set.validators;
    let best = 0;
    for (let i = 0; i < vals.length; i++) {
      this.priorities[i]! += vals[i]!.power;
      if (this.priorities[i]! > this.priorities[best]!) best = i;
    }
    this.priorities[best]! -= this.set.totalPower;
    this.recent.push(best);
    if (this.recent.length > ProposerSchedule.WINDOW) this.recent.splice(0, this.recent.length - ProposerSchedule.WINDOW);
    this.cursor++;
  }
}
