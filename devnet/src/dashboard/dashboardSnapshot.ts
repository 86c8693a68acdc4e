/**
 * What the dashboard server sends its page: a full snapshot on connect, then updates. Plain JSON
 * (bigints as decimal strings, times as Unix ms of the dashboard's clock unless named otherwise).
 * Types only: the browser bundle imports this file too.
 *
 * Nothing secret is in here: devnet.json's mnemonics and secret keys are never copied.
 */

/** How many items each list keeps (server and page alike). */
export interface DashboardLimits {
  blocks: number;
  heightSamples: number;
  events: number;
  evidence: number;
}

export interface DevnetView {
  chainId: string;
  home: string;
  denom: string | null;
  zk: { circuit: string; capacity: number; provers: string[] } | null;
}

/** One hub node as the dashboard sees it (GET /status polled about every second, its certificate stream). */
export interface NodeView {
  moniker: string;
  api: string;
  /** null until the first poll answered or failed. */
  up: boolean | null;
  height: number | null;
  round: number | null;
  peers: number | null;
  /** The node's latest block's header time (Unix ms, the proposer's clock). */
  latestBlockTime: number | null;
  /** When the node was last seen answering / first seen down (null while up). */
  lastSeenAt: number | null;
  downSince: number | null;
  /** Whether the dashboard's certificate stream from this node is open. */
  streamConnected: boolean;
  lastError: string | null;
}

export interface BlockView {
  height: number;
  blockHash: string;
  /** Header time (Unix ms, the proposer's clock; null until the header was fetched). */
  headerTime: number | null;
  proposer: string | null;
  /** When the dashboard received the block's BLS commit certificate (null: it missed it). */
  blsArrivalMs: number | null;
  round: number;
  signerCount: number;
  signedPower: string;
  totalPower: string;
  /** Certificate arrival − header time (computeFinalityLatencyMs). */
  finalityLatencyMs: number | null;
  /** The succinct certificate of this very height, when one was stored. */
  zk: { arrivalMs: number; signerCount: number; circuit: string; prover: string; provingLagMs: number | null; lagFrom: "bls" | "header" | null } | null;
  /** Another certificate seen for this height with a different block hash (a fork). */
  conflictingBlockHash: string | null;
}

/** Max height per node at one moment (null: node down or unknown). */
export interface HeightSample {
  t: number;
  heights: (number | null)[];
}

export type ValidatorStatus = "active" | "jailed" | "tombstoned" | "inactive";

export interface ValidatorView {
  moniker: string | null;
  /** 20-byte hex: sha256(BLS key)[0..20] (the hub's validator address, the valcons bytes). */
  address: string;
  operatorAddress: string | null;
  /** Bonded tokens (decimal), from the staking module; null when the staking query failed. */
  tokens: string | null;
  /** Consensus power in the set that signs the next height (decimal), null when not in it. */
  power: string | null;
  status: ValidatorStatus;
  /** cosmos BondStatus name (BOND_STATUS_BONDED, …) or null. */
  bondStatus: string | null;
  missedBlocks: number | null;
}

export interface ValidatorsView {
  list: ValidatorView[];
  /** Sum of the set's power (decimal). */
  totalPower: string;
  /** computeNakamotoCoefficient over the set that signs the next height. */
  nakamotoCoefficient: number;
  /** Whether stake and status came from the staking/slashing queries (else: the consensus set only). */
  fromStaking: boolean;
  updatedAt: number;
}

export interface ConsumerView {
  id: string;
  vm: string;
  api: string;
  producerUp: boolean | null;
  fullNodeUp: boolean | null;
  height: number | null;
  hubFinalHeight: number | null;
  /** Hub height of the certified header that holds the final checkpoint. */
  hubHeight: number | null;
  tier: string | null;
  zkFinalHeight: number | null;
  checkpointsSent: number | null;
  /** The hub's view: registration status and latest checkpointed height. */
  hubStatus: string | null;
  hubCheckpointHeight: number | null;
  /** Latest and mean (last 20) hub-finality latency, ms (computeConsumerFinality). */
  lastFinalityLatencyMs: number | null;
  meanFinalityLatencyMs: number | null;
  misbehaviour: string | null;
}

export interface EvidenceView {
  kind: string;
  height: number;
  validatorIndex: number;
  round: number | null;
  blockHashA: string | null;
  blockHashB: string | null;
  /** Unix ms (the node's clock). */
  time: number;
}

export interface ForkCaseView {
  id: number;
  height: number;
  kind: string;
  openedMs: number;
  obligations: { status: string; owers: number[] }[];
  convicted: number[];
}

export type DashboardEventKind = "node-down" | "node-up" | "jailed" | "unjailed" | "tombstoned" | "slashed" | "evidence" | "fork-case" | "conflict" | "consumer-misbehaviour";

export interface DashboardEvent {
  id: number;
  t: number;
  kind: DashboardEventKind;
  message: string;
}

export interface DashboardSnapshot {
  version: 1;
  at: number;
  limits: DashboardLimits;
  devnet: DevnetView | null;
  /** Why there is no devnet (devnet.json missing or unreadable), else null. */
  devnetError: string | null;
  nodes: NodeView[];
  blocks: BlockView[];
  heightSeries: HeightSample[];
  validators: ValidatorsView | null;
  consumers: ConsumerView[];
  evidence: EvidenceView[];
  forkCases: ForkCaseView[];
  events: DashboardEvent[];
}

/**
 * What changed since the last message: whole sections replaced, `blocks` upserted by height,
 * `heightSeries` and `events` appended (the page trims every list to `limits`).
 */
export interface DashboardUpdate {
  at: number;
  devnet?: DevnetView | null;
  devnetError?: string | null;
  nodes?: NodeView[];
  blocks?: BlockView[];
  heightSeries?: HeightSample[];
  validators?: ValidatorsView | null;
  consumers?: ConsumerView[];
  evidence?: EvidenceView[];
  forkCases?: ForkCaseView[];
  events?: DashboardEvent[];
}

export type DashboardMessage = { type: "snapshot"; snapshot: DashboardSnapshot } | { type: "update"; update: DashboardUpdate };
