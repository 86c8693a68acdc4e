import { blsSign, computeBlockHash, computeVoteSignBytes, toHex, VoteType } from "@aegis/consumer-sdk";
import type { ProposalMessage, Vote } from "../consensus/types.js";
import type { Prng } from "./random.js";

/** A Byzantine validator the adversary plays: its index among the nodes, in the set, and its key. */
export interface DoubleVoterNode {
  index: number;
  validatorIndex: number;
  secretKey: Uint8Array;
}

/** One vote the adversary sends, and the nodes it sends it to. */
export interface AdversaryVote {
  vote: Vote;
  to: number[];
}

/**
 * The engine simulation's adversary: double voters. Each answers every proposal it receives once
 * with a prevote and a precommit for its block to a random part of the other nodes and for nil to the
 * rest, really signed (its votes are slashable evidence). Gossip floods: the first honest node that
 * takes in one of its votes relays it to all (`shouldRelay`), as gossipsub does; after that, only what
 * the engines themselves re-send travels again.
 */
export class DoubleVoterAdversary {
  /** Proposals a double voter has answered (node:height:round:block). */
  private readonly answered = new Set<string>();
  private readonly votes = new WeakSet<Vote>();
  private readonly relayed = new WeakSet<Vote>();

  constructor(
    private readonly chainId: string,
    private readonly rng: Prng,
  ) {}

  /** The votes `node` sends on receiving `proposal` (none for a proposal it already answered). */
  answer(node: DoubleVoterNode, proposal: ProposalMessage, others: readonly number[]): AdversaryVote[] {
    const { height, round } = proposal.proposal;
    const blockHash = computeBlockHash(proposal.block.header);
    const key = `${node.index}:${height}:${round}:${toHex(blockHash)}`;
    if (this.answered.has(key)) return [];
    this.answered.add(key);
    const order = this.rng.shuffle([...others]);
    const cut = this.rng.int(1, Math.max(1, order.length - 1));
    const out: AdversaryVote[] = [];
    for (const type of [VoteType.Prevote, VoteType.Precommit]) {
      for (const [to, hash] of [
        [order.slice(0, cut), blockHash],
        [order.slice(cut), null],
      ] as const) {
        const signature = blsSign(node.secretKey, computeVoteSignBytes({ chainId: this.chainId, height, round, type, blockHash: hash }));
        const vote: Vote = { type, height, round, blockHash: hash, validatorIndex: node.validatorIndex, signature };
        this.votes.add(vote);
        out.push({ vote, to });
      }
    }
    return out;
  }

  /** Whether an honest node that just took in `vote` relays it to all: the first time a double voter's vote is taken in. */
  shouldRelay(vote: Vote): boolean {
    if (!this.votes.has(vote) || this.relayed.has(vote)) return false;
    this.relayed.add(vote);
    return true;
  }
}
