import { P2pNetwork, type P2pNetworkModules, type P2pNetworkOpts } from "@aegis/p2p";
import { GOSSIP_KINDS, type GossipKind } from "./gossipTopic.js";

export {
  createPeerPrivateKey,
  decodePeerPrivateKey,
  peerIdFromPrivateKey,
  isNetworkError,
  NetworkError,
  type NetworkErrorCode,
  type NetworkErrorType,
  GOSSIP_HEARTBEAT_MS,
  GOSSIP_MAX_PAYLOAD_BYTES,
  DEFAULT_BOOTSTRAP_REDIAL_MS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type GossipHandler,
  type GossipValidator,
  type PeerEventListener,
  type RequestHandler,
  type RequestOptions,
  type ValidationResult,
} from "@aegis/p2p";
export { GOSSIP_KINDS, gossipTopic, requestProtocol, type GossipKind } from "./gossipTopic.js";

export type HubNetworkOpts = Omit<P2pNetworkOpts<GossipKind>, "kinds">;
export type HubNetworkModules = P2pNetworkModules;
export type { P2pNetworkEvent as HubNetworkEvent } from "@aegis/p2p";

/** The hub's gossip network: the shared p2p layer (@aegis/p2p) with the hub's topics. */
export class HubNetwork extends P2pNetwork<GossipKind> {
  constructor(opts: HubNetworkOpts, modules: HubNetworkModules = {}) {
    super({ ...opts, kinds: GOSSIP_KINDS }, modules);
  }
}
