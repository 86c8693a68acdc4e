import {
  BLS_SECRET_KEY_LENGTH,
  blsPublicKeyFromSecret,
  blsSign,
  computeProposalSignBytes,
  computeVoteSignBytes,
  VoteType,
} from "@aegis/consumer-sdk";
import type { HubDb } from "../db/hubDb.js";
import { SerialQueue } from "../db/serialQueue.js";
import { SignStep } from "../db/signerGuardRecord.js";
import { SignerError, type SignPosition } from "./signerError.js";
import { SignerGuard } from "./signerGuard.js";

export interface VoteToSign {
  type: VoteType;
  height: number;
  round: number;
  /** null = nil vote. */
  blockHash: Uint8Array | null;
}

export interface ProposalToSign {
  height: number;
  round: number;
  polRound: number;
  blockHash: Uint8Array;
}

const MAX_ROUND = 0xffffffff;

/**
 * The validator's BLS key behind a double-sign guard (CometBFT's FilePV). Every signature is checked
 * against, and recorded in, the SignerGuard before it is returned; sign calls run one at a time.
 */
export class PrivValidator {
  readonly #secretKey: Uint8Array;
  readonly #publicKey: Uint8Array;
  readonly #guard: SignerGuard;
  readonly #queue = new SerialQueue();

  private constructor(opts: { secretKey: Uint8Array; publicKey: Uint8Array }, modules: { guard: SignerGuard }) {
    this.#secretKey = opts.secretKey;
    this.#publicKey = opts.publicKey;
    this.#guard = modules.guard;
  }

  /** Loads the guard record from `db`. Throws SIGNER_ERROR_INVALID_KEY for a bad secret key. */
  static async load(opts: { blsSecretKey: Uint8Array }, modules: { db: HubDb }): Promise<PrivValidator> {
    const sk = opts.blsSecretKey;
    if (!(sk instanceof Uint8Array) || sk.length !== BLS_SECRET_KEY_LENGTH) {
      throw new SignerError({ code: "SIGNER_ERROR_INVALID_KEY", reason: `expected ${BLS_SECRET_KEY_LENGTH} bytes` });
    }
    let publicKey: Uint8Array;
    try {
      publicKey = blsPublicKeyFromSecret(sk);
    } catch (e) {
      throw new SignerError({ code: "SIGNER_ERROR_INVALID_KEY", reason: e instanceof Error ? e.message : String(e) });
    }
    const guard = await SignerGuard.load({}, modules);
    return new PrivValidator({ secretKey: new Uint8Array(sk), publicKey }, { guard });
  }

  get publicKey(): Uint8Array {
    return new Uint8Array(this.#publicKey);
  }

  /** The last (height, round, step) signed, if any. */
  get lastSigned(): SignPosition | undefined {
    const last = this.#guard.last;
    return last && { height: last.height, round: last.round, step: last.step };
  }

  /**
   * Signs the canonical vote sign bytes. Throws SIGNER_ERROR_REGRESSION below the last signed position,
   * SIGNER_ERROR_CONFLICT for other bytes at it; the same vote again returns the stored signature.
   */
  signVote(chainId: string, vote: VoteToSign): Promise<Uint8Array> {
    return this.#queue.run(() => {
      const step = vote.type === VoteType.Prevote ? SignStep.Prevote : vote.type === VoteType.Precommit ? SignStep.Precommit : undefined;
      if (step === undefined) throw invalidArgument("type", "must be Prevote or Precommit");
      const position = checkedPosition(vote.height, vote.round, step);
      const signBytes = computeVoteSignBytes({ chainId, height: vote.height, round: vote.round, type: vote.type, blockHash: vote.blockHash });
      return this.#sign(position, signBytes);
    });
  }

  /** Signs the canonical proposal sign bytes, under the same rules as `signVote` (step Propose). */
  signProposal(chainId: string, p: ProposalToSign): Promise<Uint8Array> {
    return this.#queue.run(() => {
      const position = checkedPosition(p.height, p.round, SignStep.Propose);
      if (!Number.isSafeInteger(p.polRound) || p.polRound < -1 || p.polRound >= p.round) {
        throw invalidArgument("polRound", "must be -1 or below round");
      }
      const signBytes = computeProposalSignBytes({ chainId, height: p.height, round: p.round, polRound: p.polRound, blockHash: p.blockHash });
      return this.#sign(position, signBytes);
    });
  }

  async #sign(position: SignPosition, signBytes: Uint8Array): Promise<Uint8Array> {
    const decision = this.#guard.check(position, signBytes);
    if (decision.kind === "resign") return decision.signature;
    const signature = blsSign(this.#secretKey, signBytes);
    // Persisted (synced) before the signature leaves: after a crash the guard knows what was released.
    await this.#guard.record({ ...position, signBytes, signature });
    return new Uint8Array(signature);
  }
}

function checkedPosition(height: number, round: number, step: SignStep): SignPosition {
  if (!Number.isSafeInteger(height) || height < 1) throw invalidArgument("height", "not a safe integer >= 1");
  if (!Number.isSafeInteger(round) || round < 0 || round > MAX_ROUND) throw invalidArgument("round", "not a uint32");
  return { height, round, step };
}

function invalidArgument(field: string, reason: string): SignerError {
  return new SignerError({ code: "SIGNER_ERROR_INVALID_ARGUMENT", field, reason }, `${field}: ${reason}`);
}
