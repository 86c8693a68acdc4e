// Types of forkNetwork.mjs (see its header for what each part does).
export interface ForkNetworkOptions {
  /** Parent folder of the homes (node i in `<dir>/node<i>`, its twin in `<dir>/node<i>-twin`). */
  dir: string;
  chainId: string;
  /** Staking power of each validator (initHomes' unit: tokens / 10^6); default [30n, 30n, 30n, 10n]. */
  powers?: bigint[];
  epochLength?: number;
  consensus?: Partial<{ createEmptyBlocksIntervalMs: number; rebroadcastIntervalMs: number; maxBlockTxs: number; maxBlockBytes: number }>;
  timeouts?: { timeouts?: Partial<Record<"proposeMs" | "proposeDeltaMs" | "prevoteMs" | "prevoteDeltaMs" | "precommitMs" | "precommitDeltaMs", number>> };
  slashing?: { signedBlocksWindow?: number; minSignedPerWindow?: string; downtimeJailDurationMs?: number; slashFractionDoubleSign?: string; slashFractionDowntime?: string };
  staking?: { unbondingTimeMs?: number; maxValidators?: number; maxEntries?: number };
  /** initHomes' `zk` option (succinct certificates), passed through. */
  zk?: unknown;
  /** How long start() and split() wait for every API (default 60 000 ms). */
  startTimeoutMs?: number;
}

export interface ForkNode {
  /** Position in `net.nodes`: validators first (index = validator), then twins. */
  index: number;
  /** Whose keys it runs. */
  validator: number;
  twin: boolean;
  home: string;
  /** API base URL (also CometBFT JSON-RPC for cosmjs). */
  api: string;
  peerId: string;
  /** Its multiaddr, with /p2p/<peerId>. */
  p2p: string;
  side: "x" | "y" | null;
}

export interface ForkSplit {
  x: string[];
  y: string[];
  /** Each validator's height (its /status) just before the split stopped it; null when it did not answer. */
  heightsBefore: (number | null)[];
}

export interface ForkNetwork {
  readonly chainId: string;
  readonly denom: string;
  readonly faucet: { mnemonic: string; address: string } | null;
  readonly genesisPath: string;
  /** Validator v's keys: BLS public key (hex) and operator account (aegis1…). */
  readonly keys: { blsPublicKey: string; operator: string }[];
  readonly nodes: ForkNode[];
  start(): Promise<void>;
  split(o: { coalition: number[]; x: number[]; y: number[] }): Promise<ForkSplit>;
  status(url: string): Promise<any | undefined>;
  get(url: string): Promise<any | undefined>;
  waitFor<T>(fn: () => T | Promise<T>, ms?: number, what?: string, intervalMs?: number): Promise<NonNullable<T>>;
  logs(i: number): Promise<string>;
  stop(graceMs?: number): Promise<void>;
}

export function createForkNetwork(o: ForkNetworkOptions): Promise<ForkNetwork>;
