export * from "./logger.js";
export { createPeerPrivateKey, decodePeerPrivateKey, peerIdFromPrivateKey } from "./createPeerPrivateKey.js";
export { isNetworkError, NetworkError, type NetworkErrorCode, type NetworkErrorType } from "./errors.js";
export { gossipTopic, requestProtocol } from "./gossipTopic.js";
export { computeGossipMessageId, GOSSIP_HEARTBEAT_MS, GOSSIP_MAX_PAYLOAD_BYTES, gossipsubOptions } from "./gossipsubOptions.js";
export { DEFAULT_DENY_PEERS_POLL_MS, parseDenyPeersFile, PeerGate, type DenyListListener, type PeerGateModules, type PeerGateOpts } from "./peerGate.js";
export { readFrame, StreamEndedError, writeFrame } from "./readFrame.js";
export {
  DEFAULT_BOOTSTRAP_REDIAL_MS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  P2pNetwork,
  type GossipHandler,
  type GossipValidator,
  type P2pNetworkEvent,
  type P2pNetworkModules,
  type P2pNetworkOpts,
  type PeerEventListener,
  type RequestHandler,
  type RequestOptions,
  type ValidationResult,
} from "./p2pNetwork.js";
export { HttpConnectionLimiter, OVER_LIMIT_IDLE_MS, type HttpConnectionLimits } from "./httpConnectionLimiter.js";
