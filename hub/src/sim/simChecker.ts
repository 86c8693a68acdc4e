import { toHex } from "@aegis/consumer-sdk";

/**
 * The simulation's judge (Jepsen's checker): fed what every node did, it records each invariant the
 * run breaks, in words.
 *   - agreement: no two different blocks committed at one height, by any node, in any incarnation;
 *   - no double sign: an honest validator never signs two different blocks (or a block and nil) for
 *     one height, round and vote type, across crashes and restarts;
 *   - durability: every block a node reported committed is still its block at that height after it
 *     restarts;
 *   - liveness (checked by the caller at the end): every node reaches the target height after GST.
 */
export class SimChecker {
  readonly violations: string[] = [];
  /** The first commit at each height: block hash (hex) and who. */
  readonly committed = new Map<number, { hash: string; node: number }>();
  /** Per node, the highest height it reported committed (kept across its restarts). */
  readonly committedHeight: number[];
  /** validator:height:round:type → block hash (hex, "" for nil) of its first signature. */
  readonly #signed = new Map<string, string>();
  votesSigned = 0;

  constructor(nodes: number) {
    this.committedHeight = new Array<number>(nodes).fill(0);
  }

  onCommit(node: number, height: number, blockHash: Uint8Array): void {
    const hash = toHex(blockHash);
    const first = this.committed.get(height);
    if (!first) this.committed.set(height, { hash, node });
    else if (first.hash !== hash) this.violations.push(`agreement: node ${node} committed ${hash.slice(0, 12)} at height ${height}, node ${first.node} ${first.hash.slice(0, 12)}`);
    if (height > this.committedHeight[node]!) this.committedHeight[node] = height;
  }

  onVoteSigned(validator: number, vote: { height: number; round: number; type: number; blockHash: Uint8Array | null }): void {
    this.votesSigned++;
    const key = `${validator}:${vote.height}:${vote.round}:${vote.type}`;
    const hash = vote.blockHash ? toHex(vote.blockHash) : "";
    const first = this.#signed.get(key);
    if (first === undefined) this.#signed.set(key, hash);
    else if (first !== hash) this.violations.push(`double sign: validator ${validator} signed ${hash.slice(0, 12) || "nil"} and ${first.slice(0, 12) || "nil"} at ${vote.height}/${vote.round} type ${vote.type}`);
  }

  /** After a restart: the node's store at each height it committed must hold the block committed there. */
  onRestored(node: number, blockHashAt: (height: number) => string | undefined): void {
    for (let h = 1; h <= this.committedHeight[node]!; h++) {
      const expected = this.committed.get(h)?.hash;
      const stored = blockHashAt(h);
      if (stored !== expected) this.violations.push(`durability: node ${node} restarted without its committed block at height ${h} (has ${stored?.slice(0, 12) ?? "none"})`);
    }
  }
}
