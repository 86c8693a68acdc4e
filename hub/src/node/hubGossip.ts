import { CodecError, decodeTxBatch } from "../codec/index.js";
import type { ConsensusEngine } from "../consensus/consensusEngine.js";
import type { ProposalMessage, Vote } from "../consensus/types.js";
import type { VoteBatchVerifier } from "../consensus/voteBatchVerifier.js";
import type { Logger } from "../logger.js";
import type { HubNetwork, ValidationResult } from "../network/index.js";
import { ZK_CERTIFICATES_PROTOCOL, type ZkService } from "../zk/zkService.js";
import { GossipError, getGossipAction, validateProposalMessage, validateVoteMessage, VerifiedCache, type MessageValidationContext } from "./messageValidation.js";
import type { NodeEvidence } from "./nodeEvidence.js";
import type { NodeMetrics } from "./nodeMetrics.js";
import type { TxAdmission } from "./txAdmission.js";

/** Votes and proposals more than this many heights above the next one are ignored (the node syncs instead). */
export const MAX_HEIGHT_AHEAD = 2;
/** Largest consensus message validated (the gossip layer's own bound is GOSSIP_MAX_PAYLOAD_BYTES). */
export const MAX_CONSENSUS_MESSAGE_BYTES = 4 * 1024 * 1024;

export interface HubGossipModules {
  chainId: string;
  network: HubNetwork;
  engine: ConsensusEngine;
  verifier: VoteBatchVerifier;
  txs: TxAdmission;
  evidence: NodeEvidence;
  zk: ZkService | null;
  metrics: NodeMetrics;
  logger: Logger;
  /** Asks the sync service to catch up (a message from too far ahead). */
  triggerSync: () => void;
}

/**
 * The node's gossip topics and what each does with a message: validation (accept, ignore or reject,
 * as messageValidation.ts rules), then delivery to the engine, the mempool, the ZK service or the
 * evidence store. Validation and delivery are separate steps of the network: a message is decoded and
 * checked once, in validation, and delivered from that result.
 */
export class HubGossip {
  private readonly verified = new VerifiedCache();
  private readonly decodedVotes = new WeakMap<Uint8Array, Vote>();
  private readonly decodedProposals = new WeakMap<Uint8Array, { msg: ProposalMessage; blockHash: Uint8Array }>();

  constructor(private readonly modules: HubGossipModules) {}

  private validationContext(): MessageValidationContext {
    const { engine } = this.modules;
    return {
      chainId: this.modules.chainId,
      currentHeight: engine.height + 1,
      maxHeightAhead: MAX_HEIGHT_AHEAD,
      getValidatorSet: (h) => engine.getValidatorSet(h),
      getProposerIndex: (h, r) => engine.getProposerIndex(h, r),
      verifier: this.modules.verifier,
      maxMessageBytes: MAX_CONSENSUS_MESSAGE_BYTES,
    };
  }

  /** A validation failure as the network's verdict, counted in the metrics. */
  private result(kind: string, e: unknown): ValidationResult {
    if (e instanceof GossipError) {
      const action = getGossipAction(e.code);
      this.modules.metrics.gossip.inc({ kind, result: action, code: e.code });
      if (e.code === "GOSSIP_ERROR_TOO_FAR_AHEAD") this.modules.triggerSync();
      if (action === "reject") this.modules.logger.debug("rejected gossip", { kind, code: e.code });
      return action;
    }
    this.modules.logger.warn("gossip validation failed unexpectedly", { kind, error: (e as Error).message });
    return "ignore";
  }

  private accepted(kind: string): ValidationResult {
    this.modules.metrics.gossip.inc({ kind, result: "accept", code: "" });
    return "accept";
  }

  /** Validates a vote message as gossip validation does (the vote, or a GossipError). */
  validateVote(data: Uint8Array): Promise<Vote> {
    return validateVoteMessage(data, this.validationContext(), this.verified);
  }

  /** Validates a proposal message as gossip validation does (the proposal and its block hash, or a GossipError). */
  validateProposal(data: Uint8Array): { msg: ProposalMessage; blockHash: Uint8Array } {
    return validateProposalMessage(data, this.validationContext());
  }

  /** Subscribes every topic (and the ZK certificates protocol when the chain has the succinct tier). */
  subscribe(): void {
    const { network: net, engine, txs, evidence, zk } = this.modules;
    net.subscribe(
      "vote",
      async (data) => {
        try {
          this.decodedVotes.set(data, await this.validateVote(data));
          return this.accepted("vote");
        } catch (e) {
          return this.result("vote", e);
        }
      },
      (data) => {
        const vote = this.decodedVotes.get(data);
        if (vote) engine.submitVote(vote);
      },
    );
    net.subscribe(
      "proposal",
      (data) => {
        try {
          this.decodedProposals.set(data, this.validateProposal(data));
          return this.accepted("proposal");
        } catch (e) {
          return this.result("proposal", e);
        }
      },
      (data) => {
        const p = this.decodedProposals.get(data);
        if (p) engine.submitProposal(p.msg, p.blockHash);
      },
    );
    net.subscribe(
      "tx",
      async (data) => {
        let batch: Uint8Array[];
        try {
          batch = decodeTxBatch(data);
        } catch (e) {
          if (e instanceof CodecError) return "reject";
          throw e;
        }
        // Forwarded when it brought at least one new admissible transaction.
        return (await txs.admitGossiped(batch)) > 0 ? "accept" : "ignore";
      },
      () => engine.notifyTx(),
    );
    net.subscribe("evidence", (data) => evidence.onGossipedDuplicateVote(data), () => {});
    if (zk) {
      net.subscribe("attestation", (data) => zk.validateAttestation(data), () => {});
      net.subscribe("certificate", (data) => zk.validateCertificate(data), () => {});
      net.subscribe("attestation-evidence", (data) => evidence.onGossipedDoubleAttestation(data), () => {});
      net.handle(ZK_CERTIFICATES_PROTOCOL, (req) => zk.serveCertificates(req));
    }
  }
}
