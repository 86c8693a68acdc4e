import { encodeBase64, encodeHex, readBase64, readHex, readInt, readLiteral, readNullable, readObject, readString, type FinalityTier } from "@aegis/consumer-sdk";
import { MAX_TX_BYTES, type ConsumerBlock } from "./block.js";
import type { TxReceipt } from "./executionEnvironment.js";

/**
 * JSON of a consumer node's HTTP API (one definition, used by the server, the tests, the devnet and
 * the relayer). Hashes are lowercase hex, transactions base64, times ISO-free Unix ms. Errors are the
 * hub API's body `{ error: { code, message } }` with its API_ERROR_* codes.
 */
export const CONSUMER_API_ROUTES = {
  status: "GET /status",
  block: "GET /blocks/:height (a height or latest)",
  tx: "GET /txs/:hash",
  submitTx: "POST /txs { tx: base64 } → 202 { hash }",
  finality: "GET /finality",
  query: "GET /query/<path…>[?height=n] (the environment's reads)",
  metrics: "GET /metrics",
} as const;

/** GET /finality */
export interface FinalityJson {
  /** The node's head (consumer height). */
  height: number;
  /** The highest consumer height that is hub-final (0: none yet). */
  hubFinalHeight: number;
  /** Its block hash, null when nothing is final. */
  hubFinalBlockHash: string | null;
  /** The hub height whose certified header holds that checkpoint (null: none). */
  hubHeight: number | null;
  /** The certificate tier that made it final. */
  tier: FinalityTier | null;
  /** The highest consumer height a succinct (ZK) certificate made final; null when the node does not follow that tier. */
  zkFinalHeight: number | null;
  /** The hub's latest height as reported by a hub node (unverified, for display); null when not following a hub. */
  hubLatestHeight: number | null;
  /** Set when the node saw hub-final data contradict itself and halted. */
  misbehaviour: string | null;
}

export function decodeFinalityJson(json: unknown, path = "$"): FinalityJson {
  const o = readObject(json, path, ["height", "hubFinalHeight", "hubFinalBlockHash", "hubHeight", "tier", "zkFinalHeight", "hubLatestHeight", "misbehaviour"]);
  return {
    height: readInt(o.height, `${path}.height`, 0),
    hubFinalHeight: readInt(o.hubFinalHeight, `${path}.hubFinalHeight`, 0),
    hubFinalBlockHash: readNullable(o.hubFinalBlockHash, `${path}.hubFinalBlockHash`, (x, p) => encodeHex(readHex(x, p, 32))),
    hubHeight: readNullable(o.hubHeight, `${path}.hubHeight`, (x, p) => readInt(x, p, 1)),
    tier: readNullable(o.tier, `${path}.tier`, (x, p) => readLiteral(x, p, ["bls", "zk"] as const)),
    zkFinalHeight: readNullable(o.zkFinalHeight, `${path}.zkFinalHeight`, (x, p) => readInt(x, p, 0)),
    hubLatestHeight: readNullable(o.hubLatestHeight, `${path}.hubLatestHeight`, (x, p) => readInt(x, p, 0)),
    misbehaviour: readNullable(o.misbehaviour, `${path}.misbehaviour`, (x, p) => readString(x, p, 4096)),
  };
}

/** GET /status */
export interface ConsumerStatusJson {
  consumerId: string;
  vm: string;
  genesisHash: string;
  height: number;
  headHash: string;
  /** Unix ms of the head block. */
  headTime: number;
  hubFinalHeight: number;
  peerId: string;
  peers: number;
  mempoolSize: number;
  /** Whether this node produces blocks. */
  producer: boolean;
  /** Checkpoints this node sent to the hub (producer), else null. */
  checkpointsSent: number | null;
  /** The checkpoint submitter's connection to its hub node (a producer with `hub.checkpoints`), else null. */
  checkpointSubmitter: CheckpointSubmitterStatusJson | null;
}

/** GET /status `checkpointSubmitter`: whether checkpoints can reach the hub, and why not. */
export interface CheckpointSubmitterStatusJson {
  /** Whether it holds a client of its hub node (`hub.checkpoints.rpcUrl`). It connects in its rounds, not at start, and tries again with a growing wait while the hub does not answer. */
  connected: boolean;
  /** Why its last round failed (the hub not reachable, a refused transaction), cut after 300 characters like an error body's message; null after a round that succeeded or before any failed. */
  lastError: string | null;
}

/** GET /blocks/:height */
export interface ConsumerBlockJson {
  hash: string;
  header: { consumerId: string; height: number; time: number; parentHash: string; txRoot: string; stateRoot: string; producerIndex: number };
  signature: string;
  txs: string[];
  receipts: TxReceipt[];
  /** Whether the block is hub-final on this node. */
  final: boolean;
}

export function encodeConsumerBlockJson(hash: Uint8Array, b: ConsumerBlock, receipts: TxReceipt[], final: boolean): ConsumerBlockJson {
  const h = b.header;
  return {
    hash: encodeHex(hash),
    header: { consumerId: h.consumerId, height: h.height, time: h.time, parentHash: encodeHex(h.parentHash), txRoot: encodeHex(h.txRoot), stateRoot: encodeHex(h.stateRoot), producerIndex: h.producerIndex },
    signature: encodeHex(b.signature),
    txs: b.txs.map(encodeBase64),
    receipts,
    final,
  };
}

/** GET /txs/:hash */
export interface ConsumerTxJson {
  hash: string;
  height: number;
  blockHash: string;
  index: number;
  tx: string;
  receipt: TxReceipt;
  final: boolean;
}

/** POST /txs body */
export interface SubmitConsumerTxJson {
  tx: string;
}

export function encodeSubmitConsumerTxJson(tx: Uint8Array): SubmitConsumerTxJson {
  return { tx: encodeBase64(tx) };
}

export function decodeSubmitConsumerTxJson(json: unknown, path = "$"): Uint8Array {
  const o = readObject(json, path, ["tx"]);
  return readBase64(o.tx, `${path}.tx`, 1, MAX_TX_BYTES);
}
