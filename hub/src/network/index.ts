export { createPeerPrivateKey, decodePeerPrivateKey, peerIdFromPrivateKey } from "./createPeerPrivateKey.js";
export { isNetworkError, NetworkError, type NetworkErrorCode, type NetworkErrorType } from "./errors.js";
export { GOSSIP_KINDS, gossipTopic, requestProtocol, type GossipKind } from "./gossipTopic.js";
export { GOSSIP_HEARTBEAT_MS, GOSSIP_MAX_PAYLOAD_BYTES, gossipsubOptions } from "./gossipsubOptions.js";
export {
  DEFAULT_BOOTSTRAP_REDIAL_MS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  HubNetwork,
  type GossipHandler,
  type GossipValidator,
  type HubNetworkEvent,
  type HubNetworkModules,
  type HubNetworkOpts,
  type PeerEventListener,
  type RequestHandler,
  type RequestOptions,
  type ValidationResult,
} from "./hubNetwork.js";
