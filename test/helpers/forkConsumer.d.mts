// Types of forkConsumer.mjs (see its header for what each part does).
import type { StdFee, DeliverTxResponse } from "@cosmjs/stargate";
import type { BlockHeader, BlsForkEvidence, CommitCertificate, HubTrustRootJson, ValidatorSet } from "@aegis/consumer-sdk";
import type { ConsumerNode, ConsumerNodeConfigJson, ExecutionEnvironment } from "@aegis/consumer-runtime";
import type { Logger } from "@aegis/p2p";
import type { ForkNetwork } from "./forkNetwork.mjs";

export const DEC_ONE: bigint;
export function checkpointFee(denom: string): StdFee;
export function evidenceFee(denom: string): StdFee;

export interface ForkConsumerOptions {
  net: ForkNetwork;
  /** Parent folder of the two homes (`<dir>/producer`, `<dir>/full`). */
  dir: string;
  consumerId: string;
  /** A fresh "kv" execution environment per node start. */
  env: () => ExecutionEnvironment;
  /** The environment's label in the consumer's config and its hub registration (default "kv"). */
  vm?: string;
  /** Hub API URLs the producer follows. */
  producerApis: string[];
  /** The hub node the producer sends checkpoints to (also funds the accounts and registers the consumer). */
  checkpointApi: string;
  /** Hub API URLs the full node follows and cross-checks (its detector), and sends evidence to. */
  fullApis: string[];
  producerLogger?: Logger;
  fullLogger?: Logger;
  /** Both nodes' hub.followIntervalMs (default 200). */
  followIntervalMs?: number;
  /** The full node's hub.evidence.retryMs (default 1000). */
  evidenceRetryMs?: number;
  /** The producer's emptyBlockIntervalMs (default 400): with no transactions, also how often it checkpoints. */
  producerEmptyBlockIntervalMs?: number;
}

export interface ForkConsumer {
  readonly producer: ConsumerNode;
  /** The current full node (restartFull replaces it). */
  full: ConsumerNode;
  readonly trust: HubTrustRootJson;
  /** The full node's evidence account, and the producer's checkpoint account (aegis1…). */
  readonly evidenceAddress: string;
  readonly checkpointAddress: string;
  restartFull(hub?: Partial<NonNullable<ConsumerNodeConfigJson["hub"]>>): Promise<ConsumerNode>;
  stop(): Promise<void>;
}

export function startForkConsumer(o: ForkConsumerOptions): Promise<ForkConsumer>;

export interface ValidatorStanding {
  tokens: bigint;
  jailed: boolean;
  tombstoned: boolean;
}

export interface HubQueries {
  standing(): Promise<ValidatorStanding[]>;
  slashFractionDoubleSign(): Promise<bigint>;
  close(): void;
}

export function connectHubQueries(net: ForkNetwork, url: string): Promise<HubQueries>;

export interface CertifiedBlock {
  header: BlockHeader;
  blockHash: Uint8Array;
  certificate: CommitCertificate;
  set: ValidatorSet;
}

export function getCertifiedBlock(net: ForkNetwork, url: string, h: number): Promise<CertifiedBlock | undefined>;

export interface SameRoundFork {
  height: number;
  set: ValidatorSet;
  evidence: BlsForkEvidence;
  rounds: { height: number; x: number; y: number; differ: boolean }[];
}

export function findSameRoundFork(net: ForkNetwork, xUrl: string, yUrl: string, from: number, o?: { maxHeights?: number; timeoutMs?: number }): Promise<SameRoundFork>;
export function submitForkEvidence(net: ForkNetwork, url: string, evidence: BlsForkEvidence, mnemonic: string): Promise<DeliverTxResponse>;
export function setIndexOf(net: ForkNetwork, set: ValidatorSet, v: number): number;

/** net.split(opts) right after a height committed everywhere, with the producer paused (see forkConsumer.mjs). */
export function splitAtRest(net: ForkNetwork, fc: ForkConsumer, consumerId: string, opts: { coalition: number[]; x: number[]; y: number[] }, o?: { timeoutMs?: number }): Promise<import("./forkNetwork.mjs").ForkSplit>;
/** Each hub process's height and its count of BLOCK_ERROR_WRONG_PROPOSER refusals, one line. */
export function describeHub(net: ForkNetwork): Promise<string>;
/** Bank sends through `url`, one per block, until stop() (see forkConsumer.mjs). */
export function startTraffic(net: ForkNetwork, url: string, mnemonic: string): { stats: { sent: number; failed: number }; stop(): Promise<void> };
