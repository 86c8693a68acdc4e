import { StrictNoSign, type GossipsubOpts } from "@libp2p/gossipsub";
import { createHash } from "node:crypto";
import { createTopicScoreParams } from "@libp2p/gossipsub/score";
import { gossipTopic } from "./gossipTopic.js";

/** Gossipsub heartbeat; small so meshes form and repair quickly (consensus is latency-sensitive). */
export const GOSSIP_HEARTBEAT_MS = 500;

/**
 * Largest gossip payload gossipsub can carry: its outbound RPC encoder uses it-length-prefixed's
 * default 4 MiB frame limit, and a message travels inside an RPC (topic, from, seqno, signature,
 * piggybacked control), so leave generous headroom.
 */
export const GOSSIP_MAX_PAYLOAD_BYTES = 4 * 1024 * 1024 - 64 * 1024;

/**
 * Per-topic peer-score parameters. Only P4 (invalid message deliveries) is meant to bite:
 * - P1 (time in mesh) and P2 (first deliveries) give small positive credit (capped by topicScoreCap).
 * - P3/P3b (mesh delivery deficit) are disabled: consensus topics are bursty and sometimes silent,
 *   so a quiet-but-honest peer must not be penalised.
 * - P4: score -= 10 * count^2, decaying 10 %/s. One rejected message => about -10 (gossip
 *   threshold), three => about -90 (below graylistThreshold -80: all its RPCs are ignored until
 *   the counter decays, roughly 30-40 s).
 */
const TOPIC_SCORE_PARAMS = {
  topicWeight: 1,
  timeInMeshWeight: 0.1,
  timeInMeshQuantum: 1000,
  timeInMeshCap: 100,
  firstMessageDeliveriesWeight: 1,
  firstMessageDeliveriesDecay: 0.9,
  firstMessageDeliveriesCap: 20,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  invalidMessageDeliveriesWeight: -10,
  invalidMessageDeliveriesDecay: 0.9,
} as const;

const SEPARATOR = Uint8Array.of(0);

/**
 * Message id: the first 20 bytes of SHA-256(topic || 0x00 || data), streamed: every received copy of a
 * message is hashed (duplicates included), and copying a 100+ KB proposal into one buffer first cost
 * a large allocation per copy.
 */
export function computeGossipMessageId(topic: string, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(topic, "utf8").update(SEPARATOR).update(data).digest().subarray(0, 20));
}

/** The gossipsub configuration used by P2pNetwork (exported for documentation and tests). */
export function gossipsubOptions(chainId: string, kinds: readonly string[]): Partial<GossipsubOpts> {
  const topics = kinds.map((kind) => gossipTopic(chainId, kind));
  return {
    // Publisher sends its own messages to every topic peer immediately (not only to its mesh).
    floodPublish: true,
    // Publishing before any peer is connected must not throw (NoPeersSubscribedToTopic).
    allowPublishToZeroTopicPeers: true,
    emitSelf: false,
    // All Aegis nodes speak gossipsub; no floodsub fallback, no peer exchange.
    fallbackToFloodsub: false,
    doPX: false,
    // Aegis messages authenticate themselves (BLS signatures checked by the validators), so libp2p's
    // per-message Ed25519 signature is pure cost: it was the largest CPU item with 16 validators.
    // Unsigned messages get a content-addressed id (as Ethereum's gossip does); P2pNetwork prefixes
    // every publish with its own sequence number, so a deliberate re-send gets a fresh id.
    globalSignaturePolicy: StrictNoSign,
    msgIdFn: (msg) => computeGossipMessageId(msg.topic, msg.data),
    heartbeatInterval: GOSSIP_HEARTBEAT_MS,
    // The publisher floods its own messages to every topic peer (floodPublish), and validators keep
    // connections to each other, so the mesh only relays to peers the origin is not connected to.
    // A narrow mesh keeps duplicates down: with D=8 each vote reached each node ~8 times in a
    // 16-validator network, and decrypting and decoding those copies was most of the CPU.
    D: 4,
    Dlo: 3,
    Dhi: 8,
    Dscore: 2,
    Dout: 1,
    Dlazy: 4,
    // Ignore subscriptions/messages for topics that are not ours.
    allowedTopics: topics,
    scoreParams: {
      // Devnets run every node on one host: IP colocation would graylist honest nodes.
      IPColocationFactorWeight: 0,
      topics: Object.fromEntries(topics.map((topic) => [topic, createTopicScoreParams(TOPIC_SCORE_PARAMS)])),
    },
  };
}
