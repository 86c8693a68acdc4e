import { bytesEqual, getSignerIndices, isCommitWantedByForkCase, isForkCaseOpen, isPolkaWantedByForkCase, toHex, type CommitCertificate, type ForkCase, type PolkaCertificate } from "@aegis/consumer-sdk";
import { AegisMsgPostCommit, AegisMsgPostPolka } from "@aegis/consumer-sdk/hub-tx";
import type { Logger } from "../logger.js";
import { encodeMessage, type EncodedMessage } from "./accountSigner.js";
import type { NodeTxResult } from "./nodeAccount.js";

/*
 * Gas of a MsgPostPolka. The handler charges FORK_BLS_VERIFY_GAS (100k) for the pairing; the rest is
 * the ante (tx size, signature, fee transfer) and the store: the open cases, the height's set (it grows
 * with the set), the case written back, and each validator the post convicts at once (a double
 * prevote: the polka and one already posted for another block in the same round name it). Measured
 * (hub/test/node/forkCaseResponder.test.ts): 141.5k answering a case in the 4-validator network; with
 * executeTx and no fee, 133k with 4 validators and 180k with 100, 309k with 4 convicting 2, 3.14M
 * with 100 convicting 34 (~87k per conviction). An honest node's post can be the one that convicts
 * (the coalition posted its polka of the same round first), and running out of gas would leave the
 * validator undefended until the resend: the limit is generous (a larger limit only costs a larger
 * fee, 0.025 uaeg per gas at the default price) and each resend doubles it.
 */
/** Gas limit of a MsgPostPolka that convicts nobody, before the set-size term. */
export const POST_POLKA_GAS = 200_000n;
/** Per validator the polka's bitmap can name (8 per byte: an upper bound of the set's size). */
export const POST_POLKA_GAS_PER_VALIDATOR = 1_000n;
/** Per validator the polka may convict at once. */
export const POST_POLKA_GAS_PER_CONVICTION = 150_000n;
/** Resends double the limit, at most this many times. */
const MAX_GAS_DOUBLINGS = 4;

/**
 * The gas limit of posting `polka` to `cases` (the open cases that want it): POST_POLKA_GAS, plus the
 * set-size term, plus a conviction allowance for each of its signers that a polka already posted to
 * one of the cases for the same round and another block also names (they prevoted twice: the post
 * convicts them), not convicted yet.
 */
export function computePostPolkaGas(polka: PolkaCertificate, cases: readonly ForkCase[]): bigint {
  const signers = getSignerIndices(polka.signers);
  let convictions = 0;
  for (const c of cases) {
    const twice = new Set<number>();
    for (const q of c.polkas) if (q.round === polka.round && !bytesEqual(q.blockHash, polka.blockHash)) for (const i of q.signers) twice.add(i);
    convictions += signers.filter((i) => twice.has(i) && !c.convicted.includes(i)).length;
  }
  return POST_POLKA_GAS + POST_POLKA_GAS_PER_VALIDATOR * BigInt(8 * polka.signers.length) + POST_POLKA_GAS_PER_CONVICTION * BigInt(convictions);
}

export interface ForkCaseResponderOpts {
  /** A polka sent that a case still wants this many blocks later is sent again (its transaction may have been dropped, or run out of gas). Default 5. */
  resendAfterBlocks?: number;
}

export interface ForkCaseResponderModules {
  /** The fork cases of the committed state (HubApplication.forkCases). */
  forkCases(): readonly ForkCase[];
  /** The polkas this node stored at a height (HubDb polkas). */
  getPolkas(height: number): Promise<PolkaCertificate[]>;
  /** The commit certificate of this node's block at a height (a case across tiers asks the ZK signers for theirs). */
  getCommit?(height: number): Promise<CommitCertificate | undefined>;
  /** The operator account the node posts with. */
  account: { readonly address: string; send(messages: readonly EncodedMessage[], gasLimit: bigint): Promise<NodeTxResult> };
  logger: Logger;
}

const keyOf = (p: { height: number; round: number; blockHash: Uint8Array }) => `${p.height}/${p.round}/${toHex(p.blockHash)}`;

/**
 * A validator's defence in a fork case (decision 52): after each commit, the polkas this node stored
 * at an open case's height that the case still wants (the SDK's isPolkaWantedByForkCase, the rule the
 * hub judges MsgPostPolka by) are posted with MsgPostPolka from the operator account, and for a case
 * across tiers that asks for a BLS commit of this node's own block there, that commit (MsgPostCommit),
 * before the deadline would slash the validators that owe them.
 *
 * Cost per block: a case opens only by a transaction, so while no case is open a block without
 * transactions is skipped outright, and one with transactions costs one read of the committed state's
 * cases (`forkCases()`: an empty range when the chain never had a fork). While a case is open: that
 * read plus one read of the stored polkas of each open case's height.
 *
 * A polka sent is not sent again for `resendAfterBlocks` blocks (its transaction may be pending); if a
 * case still wants it then, it is sent again with twice the gas limit (computePostPolkaGas). Every
 * node of the set posts what it holds: the first in a block meets the obligation, the others are
 * refused there (their fee is paid).
 */
export class ForkCaseResponder {
  private readonly resendAfterBlocks: number;
  private readonly log: Logger;
  /** Polkas sent: key → the committed height it was last sent at, and how many times. */
  private readonly sent = new Map<string, { height: number; times: number }>();
  /** Whether the last look found an open case; until the first look, unknown (look). */
  private openSeen = true;
  private stopped = false;
  /** The height to look at next (the newest commit not looked at yet), and the look under way. */
  private next: number | null = null;
  private running: Promise<void> | null = null;

  constructor(
    opts: ForkCaseResponderOpts,
    private readonly modules: ForkCaseResponderModules,
  ) {
    this.resendAfterBlocks = opts.resendAfterBlocks ?? 5;
    if (!Number.isSafeInteger(this.resendAfterBlocks) || this.resendAfterBlocks < 1) throw new RangeError(`resendAfterBlocks must be an integer >= 1, got ${opts.resendAfterBlocks}`);
    this.log = modules.logger;
  }

  get address(): string {
    return this.modules.account.address;
  }

  /** Looks once at the cases already open (a node restarted during a case), at committed height `height`. */
  start(height: number): void {
    this.stopped = false;
    this.schedule(height);
  }

  /** Stops looking; resolves when the look under way is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.next = null;
    await this.running;
  }

  /** Resolves when no look is under way or due (for tests). */
  async whenIdle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** A block was committed (its height and how many transactions it had). */
  onCommit(height: number, txCount: number): void {
    if (this.stopped) return;
    // Nothing open, and a block without transactions cannot have opened a case (only MsgSubmitForkEvidence does).
    if (!this.openSeen && txCount === 0) return;
    this.schedule(height);
  }

  private schedule(height: number): void {
    this.next = Math.max(this.next ?? 0, height);
    if (this.running) return;
    this.running = this.drain().finally(() => {
      this.running = null;
      // A commit that came while the last look was finishing.
      if (this.next !== null && !this.stopped) this.schedule(this.next);
    });
  }

  private async drain(): Promise<void> {
    while (this.next !== null && !this.stopped) {
      const height = this.next;
      this.next = null;
      try {
        await this.look(height);
      } catch (e) {
        // Look again at the next block.
        this.openSeen = true;
        this.log.warn("fork case look failed", { height, error: (e as Error).message });
      }
    }
  }

  /** One look at the committed state's open cases after block `height`; posts what they want of this node's polkas. */
  private async look(height: number): Promise<void> {
    const open = this.modules.forkCases().filter(isForkCaseOpen);
    this.openSeen = open.length > 0;
    if (open.length === 0) {
      this.sent.clear();
      return;
    }
    const wanted = new Set<string>();
    for (const caseHeight of [...new Set(open.map((c) => c.height))]) {
      for (const polka of await this.modules.getPolkas(caseHeight)) {
        const cases = open.filter((c) => c.height === caseHeight && isPolkaWantedByForkCase(c, polka));
        if (cases.length === 0 || this.stopped) continue;
        const key = keyOf(polka);
        wanted.add(key);
        const sent = this.sent.get(key);
        if (sent && height < sent.height + this.resendAfterBlocks) continue;
        const times = sent?.times ?? 0;
        this.sent.set(key, { height, times: times + 1 });
        await this.post(polka, cases, computePostPolkaGas(polka, cases) << BigInt(Math.min(times, MAX_GAS_DOUBLINGS)), times > 0);
      }
    }
    // Cases across tiers ask the ZK certificate's signers for a BLS commit of their block: this node's own, when that is its block.
    for (const caseHeight of [...new Set(open.filter((c) => c.kind === "tiers").map((c) => c.height))]) {
      const commit = await this.modules.getCommit?.(caseHeight);
      if (!commit || this.stopped) continue;
      const cases = open.filter((c) => c.height === caseHeight && isCommitWantedByForkCase(c, commit.blockHash));
      if (cases.length === 0) continue;
      const key = `commit/${keyOf(commit)}`;
      wanted.add(key);
      const sent = this.sent.get(key);
      if (sent && height < sent.height + this.resendAfterBlocks) continue;
      const times = sent?.times ?? 0;
      this.sent.set(key, { height, times: times + 1 });
      // A posted commit is judged at once with the case's own: the same conviction allowance for each signer of both.
      const both = cases.reduce((n, c) => n + c.low.signers.filter((i) => getSignerIndices(commit.signers).includes(i)).length, 0);
      const gas = (POST_POLKA_GAS + POST_POLKA_GAS_PER_VALIDATOR * BigInt(8 * commit.signers.length) + POST_POLKA_GAS_PER_CONVICTION * BigInt(both)) << BigInt(Math.min(times, MAX_GAS_DOUBLINGS));
      await this.postCommit(commit, cases, gas, times > 0);
    }
    // Forget what no case wants any more (posted, or its case closed).
    for (const key of this.sent.keys()) if (!wanted.has(key)) this.sent.delete(key);
  }

  private async postCommit(commit: CommitCertificate, cases: readonly ForkCase[], gasLimit: bigint, again: boolean): Promise<void> {
    const fields = { caseIds: cases.map((c) => c.id), height: commit.height, round: commit.round, blockHash: toHex(commit.blockHash), again, gasLimit: gasLimit.toString() };
    try {
      const res = await this.modules.account.send([encodeMessage(AegisMsgPostCommit, { submitter: this.address, commit })], gasLimit);
      if (res.status === "submitted") this.log.info("posted the commit a fork case asks for", { ...fields, tx: res.hash });
      else if (res.status === "refused") this.log.warn("commit post refused", { ...fields, tx: res.hash, code: res.code, log: res.log });
      else this.log.warn("operator account does not exist on the hub: cannot post the commit a fork case asks for (fund it)", { ...fields, address: this.address });
    } catch (e) {
      this.log.warn("fork case commit not posted", { ...fields, error: (e as Error).message });
    }
  }

  private async post(polka: PolkaCertificate, cases: readonly ForkCase[], gasLimit: bigint, again: boolean): Promise<void> {
    const fields = { caseIds: cases.map((c) => c.id), height: polka.height, round: polka.round, blockHash: toHex(polka.blockHash), again, gasLimit: gasLimit.toString() };
    let res: NodeTxResult;
    try {
      res = await this.modules.account.send([encodeMessage(AegisMsgPostPolka, { submitter: this.address, polka })], gasLimit);
    } catch (e) {
      this.log.warn("fork case polka not posted", { ...fields, error: (e as Error).message });
      return;
    }
    if (res.status === "submitted") this.log.info("posted a polka a fork case asks for", { ...fields, tx: res.hash, submitter: this.address });
    else if (res.status === "refused") this.log.warn("polka post refused", { ...fields, tx: res.hash, code: res.code, log: res.log });
    else this.log.warn("operator account does not exist on the hub: cannot post the polka a fork case asks for (fund it)", { ...fields, address: this.address });
  }
}
