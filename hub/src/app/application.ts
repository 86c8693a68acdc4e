import { AegisError, type ConsumerCheckpoint, type ForkCase, type Groth16VerificationKey, type ValidatorSet } from "@aegis/consumer-sdk";
import type { StateProof } from "../state/index.js";
import type { Evidence } from "../consensus/types.js";
import type { CheckpointRecord, Consumer } from "./modules/consumers/index.js";

/** What a block's execution may depend on besides its transactions. */
export interface BlockExecutionContext {
  chainId: string;
  height: number;
  /** Unix ms from the header. */
  time: number;
  /** Proposer address (20 bytes). */
  proposer: Uint8Array;
  /** The header's parentHash: the hash of block height - 1 (ZERO_HASH at height 1); absent in contexts made by hand. */
  parentHash?: Uint8Array;
  /**
   * Who signed the previous height, from the certificate the block carries (null at height 1): the
   * liveness rule reads it. Already checked against that height's set by the block rules.
   */
  lastCommit: { height: number; signers: Uint8Array } | null;
  /**
   * Double-sign and double-attestation evidence: in executeBlock the block's (each must be valid, else
   * the block is refused); in prepareBlock the candidates (the application keeps the valid ones and
   * returns them).
   */
  evidence: readonly Evidence[];
}

export type ApplicationErrorType =
  | { code: "APP_ERROR_INVALID_BLOCK"; reason: string }
  | { code: "APP_ERROR_HEIGHT"; expected: number; actual: number };
export class ApplicationError extends AegisError<ApplicationErrorType> {}

/** What executing a block yields for its header. */
export interface ExecutionResult {
  stateRoot: Uint8Array;
  /**
   * Root of the set that signs the next height, when this block ends an epoch and the set changes;
   * absent: the next height is signed by this height's set.
   */
  nextValidatorSetRoot?: Uint8Array;
  /**
   * Root of the latest checkpoint of every consumer after this block (the header's
   * consumerCheckpointRoot, consumer-sdk computeConsumerCheckpointRoot); absent: no consumers
   * (EMPTY_MERKLE_ROOT).
   */
  consumerCheckpointRoot?: Uint8Array;
}

/**
 * The state machine behind consensus (immediate execution): the proposer executes the transactions it
 * proposes and puts the resulting state root in the header; every validator executes a proposed block
 * before it prevotes and compares the root; the decided block's execution is persisted at commit.
 * Execution is deterministic: it depends on the committed state, the context and the transactions.
 */
export interface Application {
  /** Height of the last block whose execution is persisted (0: only the genesis state). */
  readonly height: number;
  /** State root after that block (the genesis state root at 0). */
  readonly stateRoot: Uint8Array;
  /** Proposer: picks transactions from `candidates` in order (skipping ones that cannot go in a block) and executes them. */
  prepareBlock(ctx: BlockExecutionContext, candidates: readonly Uint8Array[]): Promise<{ txs: Uint8Array[]; evidence: Evidence[] } & ExecutionResult>;
  /** Executes a block on the committed state; throws ApplicationError when it is not acceptable. The result is kept for commit. */
  executeBlock(ctx: BlockExecutionContext, txs: readonly Uint8Array[]): Promise<ExecutionResult>;
  /** Persists the execution of a decided block (executing it first when needed); height must be `this.height + 1`. */
  commitBlock(ctx: BlockExecutionContext, txs: readonly Uint8Array[]): Promise<{ stateRoot: Uint8Array }>;
  /** Mempool admission; absent: every transaction is admitted. */
  checkTx?(tx: Uint8Array): { code: number; codespace: string; log: string };
  /**
   * The validator set that signs `height` and the first height it signs (its epoch's start), from the
   * committed state; absent or undefined: the genesis set, from height 1.
   */
  validatorSetAt?(height: number): { set: ValidatorSet; startHeight: number } | undefined;
  /**
   * The attestation keys and powers of the set that signs `height`, in consensus order (what the ZK
   * certificates commit to), from the committed state; absent or undefined: not known.
   */
  zkValidatorsAt?(height: number): { validators: readonly { attestationPublicKey: Uint8Array; power: bigint }[]; startHeight: number } | undefined;
  /** An account as CheckTx sees it (committed state plus admitted transactions): what a transaction signed now must use. */
  checkAccount?(address: Uint8Array): { accountNumber: bigint; sequence: bigint } | undefined;
  /**
   * The staking description's moniker (as it is now, in the committed state) of the validator whose
   * BLS key hashes to `consensusAddress` (ValidatorSet.validators[i].address); absent or undefined: not known.
   */
  validatorMoniker?(consensusAddress: Uint8Array): string | undefined;
  /**
   * The chain's ZK verification key and the first height a certificate may be of, from the committed
   * state (the genesis key, or the one MsgActivateZk set); undefined before activation or without ZK.
   */
  zkKey?(): { verificationKey: Groth16VerificationKey; fromHeight: number } | undefined;
  /** Merkle proof of the ZK activation record (or its absence) in the state committed at `height`; undefined: no such version. */
  zkActivationProof?(height: number): Promise<StateProof | undefined>;
  /** Height of the last ZK certificate recorded (and rewarded) in the committed state; 0: none. */
  zkRecordedHeight?(): number;
  /** The registered consumer chains of the committed state, by id (absent: the chain has none). */
  consumers?(): Consumer[];
  /** The fork cases across rounds of the committed state, by id (decision 52; absent: no application). */
  forkCases?(): ForkCase[];
  /** One registered consumer of the committed state (undefined: none with that id). */
  consumer?(consumerId: string): Consumer | undefined;
  /**
   * A consumer's checkpoint at consumer height `height` with the hub height that recorded it, and the
   * checkpoints that hub height's consumer-checkpoint root covers (for its inclusion proof); undefined
   * when there is no such checkpoint.
   */
  /**
   * The checkpoint of `consumerId` at consumer `height` ("latest": its latest) and the checkpoints of the
   * root that holds it: the root of the hub block that recorded it, or with `atHubHeight`, the root of
   * that later header when the checkpoint is still the consumer's latest there (undefined otherwise).
   */
  consumerCheckpoint?(consumerId: string, height: number | "latest", atHubHeight?: number): Promise<{ record: CheckpointRecord; rootHubHeight: number; rootCheckpoints: ConsumerCheckpoint[] } | undefined>;
  /** ABCI queries (Cosmos gRPC paths) over the committed state; absent: none are served. */
  query?(path: string, data: Uint8Array): { code: number; codespace?: string; log?: string; value?: Uint8Array; height: number };
  /**
   * Every ABCI query path, the ones that read the node's block and tx store too (GetTx,
   * HistoricalInfo); absent: `query` answers alone.
   */
  queryAsync?(path: string, data: Uint8Array): Promise<{ code: number; codespace?: string; log?: string; value?: Uint8Array; height: number }>;
}
