import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { gossipsub, TopicValidatorResult, type GossipSub, type Message } from "@libp2p/gossipsub";
import { identify, type Identify } from "@libp2p/identify";
import type { Connection, Libp2p, PeerId, PrivateKey, Stream } from "@libp2p/interface";
import { peerIdFromPrivateKey as libp2pPeerIdFromPrivateKey, peerIdFromString } from "@libp2p/peer-id";
import { tcp } from "@libp2p/tcp";
import { multiaddr, type Multiaddr } from "@multiformats/multiaddr";
import { createLibp2p } from "libp2p";
import { nullLogger, type Logger } from "./logger.js";
import { decodePeerPrivateKey } from "./createPeerPrivateKey.js";
import { NetworkError } from "./errors.js";
import { gossipTopic, requestProtocol } from "./gossipTopic.js";
import { GOSSIP_MAX_PAYLOAD_BYTES, gossipsubOptions } from "./gossipsubOptions.js";
import { PeerGate } from "./peerGate.js";
import { readFrame, StreamEndedError, writeFrame } from "./readFrame.js";

export type ValidationResult = "accept" | "ignore" | "reject";

export type GossipValidator = (data: Uint8Array, fromPeer: string) => ValidationResult | Promise<ValidationResult>;
export type GossipHandler = (data: Uint8Array, fromPeer: string) => void;
export type RequestHandler = (req: Uint8Array, fromPeer: string) => Promise<Uint8Array>;

export interface RequestOptions {
  /** Deadline for dial + request + response; default 5000 ms. */
  timeoutMs?: number;
}

export interface P2pNetworkOpts<K extends string = string> {
  /** Topics are `/aegis/<chainId>/<kind>/1`, protocols `/aegis/<chainId>/<name>/1`. */
  chainId: string;
  /** The gossip kinds (topics) this network speaks; messages on any other topic are ignored. */
  kinds: readonly K[];
  /** Listen multiaddrs, e.g. ["/ip4/127.0.0.1/tcp/0"]. */
  listen: string[];
  /** Multiaddrs including /p2p/<peerId>; dialled at start and re-dialled while disconnected. */
  bootstrap: string[];
  /** Protobuf-encoded libp2p private key; a fresh Ed25519 key is generated at start if absent. */
  privateKey?: Uint8Array;
  /** Default 4 MiB. Gossip payloads are additionally capped at GOSSIP_MAX_PAYLOAD_BYTES. */
  maxMessageBytes?: number;
  /** Bootstrap re-dial period; default 2000 ms. */
  bootstrapRedialMs?: number;
  /**
   * A JSON file holding an array of peer ids this node must not be connected to (peerGate.ts): read
   * at start and again every `denyPeersPollMs` (default 200); connections to a peer that becomes
   * denied are closed, and a peer taken off the list is re-dialled like any bootstrap peer. A missing
   * file denies nobody; a malformed one is logged and the previous list kept.
   */
  denyPeersFile?: string;
  denyPeersPollMs?: number;
}

export interface P2pNetworkModules {
  logger?: Logger;
}

export type P2pNetworkEvent = "peer:connect" | "peer:disconnect";
export type PeerEventListener = (peer: string) => void;

export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
export const DEFAULT_BOOTSTRAP_REDIAL_MS = 2000;

/** Response frame = one status byte followed by the payload. */
const STATUS_OK = 0;
const STATUS_HANDLER_ERROR = 1;
const NO_BYTES = new Uint8Array(0);
const MAX_STREAMS_PER_PROTOCOL = 64;
/**
 * Every gossip payload travels behind an 8-byte publish sequence number (random start, +1 per
 * publish). Message ids are content-addressed (gossipsubOptions), so this is what lets a node re-send
 * the same vote on purpose (liveness after loss) without its own seen-cache swallowing it. Receivers
 * strip it before validation.
 */
export const PUBLISH_SEQ_BYTES = 8;

interface Subscription {
  validate: GossipValidator;
  handle: GossipHandler;
}

interface BootstrapPeer {
  addr: Multiaddr;
  peerId: PeerId;
}

type Services = { identify: Identify; pubsub: GossipSub };

/** Methods of the concrete gossipsub class that are not on its public interface. */
interface GossipSubInternals {
  getScore?(peerId: string): number;
  getMeshPeers?(topic: string): string[];
}

/**
 * Bytes-only p2p layer: gossipsub for broadcast, one-frame request/response streams for queries.
 * The one module of the project that imports libp2p (the hub and the consumer runtime both use it).
 */
export class P2pNetwork<GossipKind extends string = string> {
  private readonly log: Logger;
  private readonly chainId: string;
  private readonly kinds: readonly GossipKind[];
  private readonly listen: string[];
  private readonly bootstrapPeers: BootstrapPeer[];
  private readonly maxMessageBytes: number;
  private readonly gossipMaxBytes: number;
  private readonly redialMs: number;
  private readonly topicToKind = new Map<string, GossipKind>();
  private readonly subscriptions = new Map<GossipKind, Subscription>();
  /** Validated payload (sequence prefix stripped) and relaying peer of each gossip message, for its handler. */
  private readonly payloads = new WeakMap<Message, { payload: Uint8Array; from: string }>();
  private publishSeq = BigInt.asUintN(64, BigInt(Math.floor(Math.random() * 2 ** 52)) << 11n);
  private readonly requestHandlers = new Map<string, RequestHandler>();
  private readonly registeredProtocols = new Set<string>();
  private readonly listeners = new Map<P2pNetworkEvent, Set<PeerEventListener>>();
  private readonly dialing = new Set<string>();
  private readonly gate: PeerGate | undefined;
  private privateKey: PrivateKey | undefined;
  private peerIdStr: string | undefined;
  private node: Libp2p<Services> | undefined;
  private starting: Promise<void> | undefined;
  private redialTimer: NodeJS.Timeout | undefined;

  constructor(opts: P2pNetworkOpts<GossipKind>, modules: P2pNetworkModules = {}) {
    this.log = (modules.logger ?? nullLogger).child({ module: "network" });
    this.chainId = opts.chainId;
    this.listen = [...opts.listen];
    this.maxMessageBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!Number.isSafeInteger(this.maxMessageBytes) || this.maxMessageBytes <= 0) {
      throw new NetworkError({ code: "NETWORK_ERROR_INVALID_ARGUMENT", field: "maxMessageBytes" });
    }
    this.gossipMaxBytes = Math.min(this.maxMessageBytes, GOSSIP_MAX_PAYLOAD_BYTES);
    this.redialMs = opts.bootstrapRedialMs ?? DEFAULT_BOOTSTRAP_REDIAL_MS;
    this.bootstrapPeers = opts.bootstrap.map(parseBootstrapAddr);
    if (opts.privateKey !== undefined) this.privateKey = decodePeerPrivateKey(opts.privateKey);
    this.kinds = [...opts.kinds];
    for (const kind of this.kinds) this.topicToKind.set(gossipTopic(this.chainId, kind), kind);
    if (opts.denyPeersFile !== undefined) {
      this.gate = new PeerGate({ denyPeersFile: opts.denyPeersFile, pollMs: opts.denyPeersPollMs }, { logger: this.log });
      this.gate.onChange(() => this.closeDeniedConnections());
    }
  }

  // ---------------------------------------------------------------- lifecycle

  async start(): Promise<void> {
    if (this.node !== undefined) return;
    this.starting ??= this.doStart().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async doStart(): Promise<void> {
    this.privateKey ??= await generateKeyPair("Ed25519");
    // The deny list is read before the first connection, so a denied peer is never connected.
    await this.gate?.start();
    let node: Libp2p<Services>;
    try {
      node = await this.createNode();
    } catch (err) {
      this.gate?.stop();
      throw err;
    }

    node.addEventListener("peer:connect", (evt) => {
      // A connection that was being upgraded while its peer became denied got past the gater.
      if (this.gate?.isDenied(evt.detail.toString())) return void this.closeDeniedConnections(node);
      this.emit("peer:connect", evt.detail.toString());
    });
    node.addEventListener("peer:disconnect", (evt) => this.emit("peer:disconnect", evt.detail.toString()));
    node.services.pubsub.addEventListener("message", (evt) => this.onGossipMessage(evt.detail));

    this.registeredProtocols.clear();
    for (const name of this.requestHandlers.keys()) await this.registerProtocol(node, name);

    try {
      await node.start();
    } catch (err) {
      await Promise.resolve(node.stop()).catch(() => {});
      this.gate?.stop();
      throw err;
    }
    this.node = node;
    for (const kind of this.subscriptions.keys()) this.subscribeTopic(node, kind);

    this.log.info("network started", { peerId: this.peerId, multiaddrs: this.multiaddrs });
    this.redialBootstrap();
    this.redialTimer = setInterval(() => this.redialBootstrap(), this.redialMs);
    this.redialTimer.unref();
  }

  private createNode(): Promise<Libp2p<Services>> {
    return createLibp2p<Services>({
      start: false,
      privateKey: this.privateKey,
      addresses: { listen: this.listen },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionManager: {
        // Devnets run many nodes on one loopback host; the default (5/s per host) is too tight.
        inboundConnectionThreshold: 100,
      },
      ...(this.gate !== undefined ? { connectionGater: this.gate.connectionGater } : {}),
      services: {
        identify: identify(),
        pubsub: gossipsub(gossipsubOptions(this.chainId, this.kinds)),
      },
    });
  }

  async stop(): Promise<void> {
    if (this.starting !== undefined) await this.starting.catch(() => {});
    if (this.redialTimer !== undefined) clearInterval(this.redialTimer);
    this.redialTimer = undefined;
    this.gate?.stop();
    const node = this.node;
    this.node = undefined;
    if (node === undefined) return;
    await node.stop();
    this.dialing.clear();
    this.log.info("network stopped");
  }

  get peerId(): string {
    if (this.privateKey === undefined) {
      throw new NetworkError({ code: "NETWORK_ERROR_NOT_STARTED" }, "peer id unknown before start() when no privateKey was given");
    }
    this.peerIdStr ??= libp2pPeerIdFromPrivateKey(this.privateKey).toString();
    return this.peerIdStr;
  }

  /** Dialable listen addresses, each ending in /p2p/<peerId>; empty before start. */
  get multiaddrs(): string[] {
    const node = this.node;
    if (node === undefined) return [];
    const suffix = `/p2p/${node.peerId.toString()}`;
    return node.getMultiaddrs().map((ma) => {
      const s = ma.toString();
      return s.endsWith(suffix) ? s : s + suffix;
    });
  }

  connectedPeers(): string[] {
    return this.node?.getPeers().map((p) => p.toString()) ?? [];
  }

  on(event: P2pNetworkEvent, listener: PeerEventListener): void {
    let set = this.listeners.get(event);
    if (set === undefined) this.listeners.set(event, (set = new Set()));
    set.add(listener);
  }

  off(event: P2pNetworkEvent, listener: PeerEventListener): void {
    this.listeners.get(event)?.delete(listener);
  }

  private emit(event: P2pNetworkEvent, peer: string): void {
    this.log.debug(event, { peer });
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        listener(peer);
      } catch (err) {
        this.log.error("peer event listener threw", { event, peer, err });
      }
    }
  }

  private redialBootstrap(): void {
    const node = this.node;
    if (node === undefined) return;
    for (const { addr, peerId } of this.bootstrapPeers) {
      const id = peerId.toString();
      if (peerId.equals(node.peerId) || this.dialing.has(id) || this.gate?.isDenied(id) || node.getConnections(peerId).length > 0) continue;
      this.dialing.add(id);
      node
        .dial(addr, { signal: AbortSignal.timeout(Math.max(this.redialMs, 1000)) })
        .then(() => this.log.debug("bootstrap peer dialled", { peer: id }))
        .catch((err: unknown) => this.log.debug("bootstrap dial failed", { peer: id, addr: addr.toString(), err: errMessage(err) }))
        .finally(() => this.dialing.delete(id));
    }
  }

  /** Closes every connection to a peer the deny list now names (the gater refuses new ones). */
  private closeDeniedConnections(node: Libp2p<Services> | undefined = this.node): void {
    const gate = this.gate;
    if (node === undefined || gate === undefined) return;
    for (const peer of node.getPeers()) {
      const id = peer.toString();
      if (!gate.isDenied(id)) continue;
      node.hangUp(peer).then(
        () => this.log.debug("denied peer disconnected", { peer: id }),
        (err: unknown) => this.log.warn("failed to disconnect a denied peer", { peer: id, err: errMessage(err) }),
      );
    }
  }

  // ---------------------------------------------------------------- gossip

  /**
   * Subscribes to a gossip kind (before or after start; a second call for the same kind replaces
   * the callbacks). `fromPeer` is the peer that relayed the message (messages are unsigned at the libp2p layer; Aegis
   * messages carry their own BLS signatures).
   * The validator runs before a message is delivered or forwarded; "reject" penalises the relaying
   * peer (gossipsub P4), "ignore" drops silently; a validator that throws counts as "ignore".
   */
  subscribe(kind: GossipKind, validate: GossipValidator, handle: GossipHandler): void {
    if (!this.topicToKind.has(gossipTopic(this.chainId, kind))) {
      throw new NetworkError({ code: "NETWORK_ERROR_INVALID_ARGUMENT", field: "kind" }, `unknown gossip kind ${String(kind)}`);
    }
    const replacing = this.subscriptions.has(kind);
    this.subscriptions.set(kind, { validate, handle });
    if (replacing) this.log.debug("gossip subscription replaced", { kind });
    else if (this.node !== undefined) this.subscribeTopic(this.node, kind);
  }

  private subscribeTopic(node: Libp2p<Services>, kind: GossipKind): void {
    const topic = gossipTopic(this.chainId, kind);
    node.services.pubsub.topicValidators.set(topic, (propagationSource, msg) =>
      this.validateGossip(kind, propagationSource, msg),
    );
    node.services.pubsub.subscribe(topic);
  }

  private async validateGossip(kind: GossipKind, propagationSource: PeerId, msg: Message): Promise<TopicValidatorResult> {
    const from = propagationSource.toString();
    if (msg.data.byteLength < PUBLISH_SEQ_BYTES) return TopicValidatorResult.Reject;
    if (msg.data.byteLength > this.gossipMaxBytes + PUBLISH_SEQ_BYTES) {
      this.log.debug("gossip message too large", { kind, from, size: msg.data.byteLength, limit: this.gossipMaxBytes });
      return TopicValidatorResult.Reject;
    }
    const sub = this.subscriptions.get(kind);
    if (sub === undefined) return TopicValidatorResult.Ignore;
    let result: ValidationResult;
    try {
      const payload = msg.data.subarray(PUBLISH_SEQ_BYTES);
      this.payloads.set(msg, { payload, from });
      result = await sub.validate(payload, from);
    } catch (err) {
      this.log.warn("gossip validator threw; ignoring message", { kind, from, err: errMessage(err) });
      return TopicValidatorResult.Ignore;
    }
    switch (result) {
      case "accept":
        return TopicValidatorResult.Accept;
      case "reject":
        this.log.debug("gossip message rejected", { kind, from, via: propagationSource.toString() });
        return TopicValidatorResult.Reject;
      default:
        return TopicValidatorResult.Ignore;
    }
  }

  private onGossipMessage(msg: Message): void {
    const kind = this.topicToKind.get(msg.topic);
    const sub = kind === undefined ? undefined : this.subscriptions.get(kind);
    const validated = this.payloads.get(msg);
    if (sub === undefined || validated === undefined) return;
    try {
      sub.handle(validated.payload, validated.from);
    } catch (err) {
      this.log.error("gossip handler threw", { kind, from: validated.from, err: errMessage(err) });
    }
  }

  /**
   * Publishes to `/aegis/<chainId>/<kind>/1`. Does not throw when no peer is subscribed yet.
   * Throws NETWORK_ERROR_NOT_STARTED, or NETWORK_ERROR_MESSAGE_TOO_LARGE above the gossip limit.
   */
  async publish(kind: GossipKind, data: Uint8Array): Promise<void> {
    const node = this.requireNode();
    if (data.byteLength > this.gossipMaxBytes) {
      throw new NetworkError(
        { code: "NETWORK_ERROR_MESSAGE_TOO_LARGE", size: data.byteLength, limit: this.gossipMaxBytes },
        `gossip message of ${data.byteLength} bytes exceeds ${this.gossipMaxBytes}`,
      );
    }
    const topic = gossipTopic(this.chainId, kind);
    try {
      const wire = new Uint8Array(PUBLISH_SEQ_BYTES + data.byteLength);
      new DataView(wire.buffer).setBigUint64(0, this.publishSeq++);
      wire.set(data, PUBLISH_SEQ_BYTES);
      const { recipients } = await node.services.pubsub.publish(topic, wire);
      this.log.debug("gossip published", { kind, size: data.byteLength, recipients: recipients.length });
    } catch (err) {
      const message = errMessage(err);
      if (message.startsWith("PublishError.")) {
        this.log.debug("gossip publish not sent", { kind, reason: message });
        return;
      }
      throw new NetworkError({ code: "NETWORK_ERROR_PROTOCOL" }, `publish failed: ${message}`, { cause: err });
    }
  }

  /** Gossipsub score of a connected peer (0 when unknown or not started). Diagnostics/tests. */
  peerScore(peer: string): number {
    const pubsub = this.node?.services.pubsub as (GossipSub & GossipSubInternals) | undefined;
    return pubsub?.getScore?.(peer) ?? 0;
  }

  /** Peers currently in our gossipsub mesh for `kind`. Diagnostics/tests. */
  meshPeers(kind: GossipKind): string[] {
    const pubsub = this.node?.services.pubsub as (GossipSub & GossipSubInternals) | undefined;
    return pubsub?.getMeshPeers?.(gossipTopic(this.chainId, kind)) ?? [];
  }

  /** Peers known to be subscribed to `kind`. Diagnostics/tests. */
  topicPeers(kind: GossipKind): string[] {
    return this.node?.services.pubsub.getSubscribers(gossipTopic(this.chainId, kind)).map((p) => p.toString()) ?? [];
  }

  // ---------------------------------------------------------------- request/response

  /**
   * Serves `/aegis/<chainId>/<name>/1` (before or after start; a second call replaces the handler).
   * If the handler throws or returns more than maxMessageBytes, the requester gets NETWORK_ERROR_REMOTE.
   */
  handle(name: string, handler: RequestHandler): void {
    this.requestHandlers.set(name, handler);
    const node = this.node;
    if (node !== undefined) {
      this.registerProtocol(node, name).catch((err: unknown) =>
        this.log.error("failed to register protocol handler", { name, err: errMessage(err) }),
      );
    }
  }

  private async registerProtocol(node: Libp2p<Services>, name: string): Promise<void> {
    const protocol = requestProtocol(this.chainId, name);
    if (this.registeredProtocols.has(protocol)) return;
    this.registeredProtocols.add(protocol);
    await node.handle(protocol, (stream, connection) => this.onInboundRequest(name, stream, connection), {
      maxInboundStreams: MAX_STREAMS_PER_PROTOCOL,
      maxOutboundStreams: MAX_STREAMS_PER_PROTOCOL,
      force: true,
    });
  }

  private async onInboundRequest(name: string, stream: Stream, connection: Connection): Promise<void> {
    const from = connection.remotePeer.toString();
    const readTimer = setTimeout(() => stream.abort(new Error("request not received in time")), DEFAULT_REQUEST_TIMEOUT_MS);
    let req: Uint8Array;
    try {
      req = await readFrame(stream, this.maxMessageBytes);
    } catch (err) {
      this.log.debug("bad inbound request", { name, from, err: errMessage(err) });
      stream.abort(err instanceof Error ? err : new Error(String(err)));
      return;
    } finally {
      clearTimeout(readTimer);
    }

    let status = STATUS_OK;
    let body: Uint8Array = NO_BYTES;
    const handler = this.requestHandlers.get(name);
    try {
      if (handler === undefined) throw new Error("no handler");
      body = await handler(req, from);
      if (body.byteLength > this.maxMessageBytes) {
        this.log.warn("response exceeds maxMessageBytes", { name, from, size: body.byteLength, limit: this.maxMessageBytes });
        status = STATUS_HANDLER_ERROR;
        body = NO_BYTES;
      }
    } catch (err) {
      this.log.debug("request handler threw", { name, from, err: errMessage(err) });
      status = STATUS_HANDLER_ERROR;
      body = NO_BYTES;
    }

    try {
      await writeFrame(stream, [Uint8Array.of(status), body]);
      await stream.close();
    } catch (err) {
      this.log.debug("failed to send response", { name, from, err: errMessage(err) });
      stream.abort(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /**
   * Sends one request frame to `peer` on `/aegis/<chainId>/<name>/1` and returns the response
   * frame. Dials the peer if needed (it must be connected or have known addresses).
   * Throws NetworkError: TIMEOUT, MESSAGE_TOO_LARGE, PEER_UNREACHABLE, UNSUPPORTED_PROTOCOL,
   * REMOTE (handler failed), PROTOCOL (reset/malformed), INVALID_ARGUMENT, NOT_STARTED.
   */
  async request(peer: string, name: string, req: Uint8Array, opts: RequestOptions = {}): Promise<Uint8Array> {
    const node = this.requireNode();
    const protocol = requestProtocol(this.chainId, name);
    const timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    if (req.byteLength > this.maxMessageBytes) {
      throw new NetworkError(
        { code: "NETWORK_ERROR_MESSAGE_TOO_LARGE", size: req.byteLength, limit: this.maxMessageBytes },
        `request of ${req.byteLength} bytes exceeds ${this.maxMessageBytes}`,
      );
    }
    let remote: PeerId;
    try {
      remote = peerIdFromString(peer);
    } catch (err) {
      throw new NetworkError({ code: "NETWORK_ERROR_INVALID_ARGUMENT", field: "peer" }, `invalid peer id ${peer}`, { cause: err });
    }

    const timeoutError = new NetworkError({ code: "NETWORK_ERROR_TIMEOUT", timeoutMs }, `request ${protocol} to ${peer} timed out after ${timeoutMs} ms`);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(timeoutError), timeoutMs);
    const signal = controller.signal;
    let stream: Stream | undefined;
    const abortStream = (): void => stream?.abort(timeoutError);
    try {
      try {
        stream = await node.dialProtocol(remote, protocol, { signal });
      } catch (err) {
        if (signal.aborted) throw timeoutError;
        if (errName(err) === "UnsupportedProtocolError") {
          throw new NetworkError({ code: "NETWORK_ERROR_UNSUPPORTED_PROTOCOL", peer, protocol }, `${peer} does not support ${protocol}`, { cause: err });
        }
        throw new NetworkError({ code: "NETWORK_ERROR_PEER_UNREACHABLE", peer }, `cannot reach ${peer}: ${errMessage(err)}`, { cause: err });
      }
      signal.addEventListener("abort", abortStream, { once: true });

      let frame: Uint8Array;
      try {
        await writeFrame(stream, [req], { signal });
        await stream.close({ signal });
        frame = await readFrame(stream, this.maxMessageBytes + 1);
      } catch (err) {
        if (signal.aborted) throw timeoutError;
        stream.abort(err instanceof Error ? err : new Error(String(err)));
        if (errName(err) === "InvalidDataLengthError") {
          throw new NetworkError({ code: "NETWORK_ERROR_MESSAGE_TOO_LARGE", limit: this.maxMessageBytes }, `response from ${peer} exceeds ${this.maxMessageBytes} bytes`, { cause: err });
        }
        if (errName(err) === "UnsupportedProtocolError") {
          throw new NetworkError({ code: "NETWORK_ERROR_UNSUPPORTED_PROTOCOL", peer, protocol }, `${peer} does not support ${protocol}`, { cause: err });
        }
        const what = err instanceof StreamEndedError ? err.message : `stream failed: ${errMessage(err)}`;
        throw new NetworkError({ code: "NETWORK_ERROR_PROTOCOL", peer, protocol }, `${protocol} to ${peer}: ${what}`, { cause: err });
      }

      switch (frame[0]) {
        case STATUS_OK:
          return frame.subarray(1);
        case STATUS_HANDLER_ERROR:
          throw new NetworkError({ code: "NETWORK_ERROR_REMOTE", peer, protocol }, `${peer} failed to handle ${protocol}`);
        default:
          throw new NetworkError({ code: "NETWORK_ERROR_PROTOCOL", peer, protocol }, `malformed response from ${peer} on ${protocol}`);
      }
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", abortStream);
    }
  }

  private requireNode(): Libp2p<Services> {
    if (this.node === undefined) throw new NetworkError({ code: "NETWORK_ERROR_NOT_STARTED" }, "network not started");
    return this.node;
  }
}

function parseBootstrapAddr(addr: string): BootstrapPeer {
  let ma: Multiaddr;
  try {
    ma = multiaddr(addr);
  } catch (err) {
    throw new NetworkError({ code: "NETWORK_ERROR_INVALID_ARGUMENT", field: "bootstrap" }, `invalid multiaddr ${addr}`, { cause: err });
  }
  const p2p = ma.getComponents().findLast((c) => c.name === "p2p")?.value;
  if (p2p === undefined) {
    throw new NetworkError({ code: "NETWORK_ERROR_INVALID_ARGUMENT", field: "bootstrap" }, `bootstrap address ${addr} lacks /p2p/<peerId>`);
  }
  try {
    return { addr: ma, peerId: peerIdFromString(p2p) };
  } catch (err) {
    throw new NetworkError({ code: "NETWORK_ERROR_INVALID_ARGUMENT", field: "bootstrap" }, `invalid peer id in ${addr}`, { cause: err });
  }
}

function errName(err: unknown): string {
  return err instanceof Error ? err.name : "";
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
