/**
 * Fake hub nodes for the runtime's hub-follower tests: a synthetic hub chain with real BLS signatures
 * (consumer-sdk/test/helpers/hubChain.ts) whose headers' consumer-checkpoint roots commit to real
 * checkpoints, served as the hub API's JSON (the SDK's encoders, the routes of hubApiRoutes.ts) by an
 * injected `fetch`. A node is honest (a HubView up to its tip) or a liar: the honest answer passed
 * through a `lie` that may replace it (another JSON, a status, raw text, a timeout). A hub whose
 * succinct tier was activated after genesis (decision 58; createZkActivatedHubView) has headers whose
 * `stateRoot` is the root of a real Merkle Patricia trie, and answers /zk and /zk/activation.
 */
import { createMerkleProof, createMPT } from "@ethereumjs/mpt";
import {
  computeBlockHash,
  computeCheckpointInclusionProof,
  computeConsumerCheckpointRoot,
  encodeApiErrorJson,
  encodeCertificateResponseJson,
  encodeConsumerJson,
  encodeHeaderResponseJson,
  encodeInclusionProofJson,
  encodeStatusJson,
  encodeValidatorSetJson,
  encodeZkActivation,
  encodeZkActivationProofJson,
  encodeZkInfoJson,
  parseZkVerificationKey,
  ZK_ACTIVATION_STATE_KEY,
  type BlockHeader,
  type CommitCertificate,
  type ConsumerCheckpoint,
  type MerkleProof,
  type ValidatorSet,
  type Groth16VerificationKey,
  type ZkActivation,
} from "@aegis/consumer-sdk";
import { buildHubChain, hubKeys, makeValidatorSet, outsiderKeys, type HubChain } from "../../../consumer-sdk/test/helpers/hubChain.js";
import type { HubTrust } from "../../src/index.js";

export const HUB_CHAIN_ID = "aegis-fake-hub";
export const EPOCH_LENGTH = 4;
export const HUB_GENESIS_TIME = 1_750_000_000_000;
/** The follower's clock: hub height 30's time (every served header is older). */
export const HUB_NOW = HUB_GENESIS_TIME + 30_000;
export const TRUSTING_PERIOD_MS = 60_000;

export const setA = makeValidatorSet(hubKeys.slice(0, 4), [10n, 10n, 10n, 10n]);
export const setB = makeValidatorSet(hubKeys.slice(2, 7), [40n, 10n, 10n, 10n, 10n]);
export const setC = makeValidatorSet(hubKeys.slice(7, 10), [5n, 5n, 5n]);
/** A set of keys outside every honest set: what a forger's own chain is signed by. */
export const setM = makeValidatorSet(outsiderKeys.slice(0, 4), [10n, 10n, 10n, 10n]);
/** Epochs of 4: set A signs heights 1-4, B 5-8, C from 9. */
export const honestSetAt = (h: number): ValidatorSet => (h <= 4 ? setA : h <= 8 ? setB : setC);

export const trustRoot: HubTrust = {
  chainId: HUB_CHAIN_ID,
  genesisTime: HUB_GENESIS_TIME,
  validatorSet: setA,
  epochLength: EPOCH_LENGTH,
  unbondingPeriodMs: 2 * TRUSTING_PERIOD_MS,
  trustingPeriodMs: TRUSTING_PERIOD_MS,
};

/** A checkpoint recorded by the hub at `hubHeight` (the consumer's latest from there on). */
export interface CheckpointRecord {
  hubHeight: number;
  checkpoint: ConsumerCheckpoint;
}

/** Everything an inclusion answer is made of, as objects (what a liar edits before encoding). */
export interface InclusionParts {
  checkpoint: ConsumerCheckpoint;
  hubHeight: number;
  header: BlockHeader;
  proof: MerkleProof;
  certificate: CommitCertificate;
  /** The set that signs `hubHeight` (for the certificate's powers). */
  set: ValidatorSet;
}

export const encodeInclusionParts = (p: InclusionParts) =>
  encodeInclusionProofJson({
    checkpoint: p.checkpoint,
    hubHeight: p.hubHeight,
    header: encodeHeaderResponseJson(p.header),
    proof: p.proof,
    certificates: encodeCertificateResponseJson({ certificate: p.certificate, validatorSet: p.set, zk: null, zkFinalizedBy: null }),
  });

/** A state trie's root and the proof of ZK_ACTIVATION_STATE_KEY in it (root first); `value` the record's bytes, null when absent. */
export interface FakeStateProof {
  root: Uint8Array;
  value: Uint8Array | null;
  proof: Uint8Array[];
}

/**
 * A hub's succinct tier activated after genesis (MsgActivateZk in block `height`, decision 58): the
 * state committed at each height below it (the header's `stateRoot`) is `before`, from it on `after`
 * (the same trie with the activation record). What /zk and /zk/activation answer.
 */
export interface FakeZk {
  circuit: string;
  capacity: number;
  /** The activation block: the /zk `fromHeight` (the record's trust height + 1) of a node at or above it. */
  height: number;
  activation: ZkActivation;
  before: FakeStateProof;
  after: FakeStateProof;
}

export interface HubViewOptions {
  /** Header h's stateRoot (default: the chain helper's). */
  stateRootAt?: (h: number) => Uint8Array;
  /** The hub's succinct tier (activated after genesis); without it /zk and /zk/activation are 404. */
  zk?: FakeZk;
}

/**
 * What one hub knows: its chain (heights 1..`height`, signed by `setAt`), each header's
 * consumerCheckpointRoot over the latest checkpoint of every consumer recorded at or below it, and the
 * registry entry of each consumer.
 */
export class HubView {
  readonly chain: HubChain;

  constructor(
    readonly records: readonly CheckpointRecord[],
    readonly height: number,
    readonly consumerInfo: { genesisHash: Uint8Array; producerKeys: Uint8Array[] },
    readonly setAt: (h: number) => ValidatorSet = honestSetAt,
    readonly opts: HubViewOptions = {},
  ) {
    const stateRootAt = opts.stateRootAt;
    this.chain = buildHubChain(
      {
        chainId: HUB_CHAIN_ID,
        genesisTime: HUB_GENESIS_TIME,
        setAt,
        fieldsAt: (h) => ({ consumerCheckpointRoot: computeConsumerCheckpointRoot(this.leavesAt(h)), ...(stateRootAt ? { stateRoot: stateRootAt(h) } : {}) }),
      },
      height,
    );
  }

  get zk(): FakeZk | undefined {
    return this.opts.zk;
  }

  /** The latest checkpoint of each consumer at hub height `h`. */
  leavesAt(h: number): ConsumerCheckpoint[] {
    const latest = new Map<string, CheckpointRecord>();
    for (const r of this.records) if (r.hubHeight <= h) latest.set(r.checkpoint.consumerId, r);
    return [...latest.values()].map((r) => r.checkpoint);
  }

  latestOf(consumerId: string, tip: number): CheckpointRecord | undefined {
    return this.records.filter((r) => r.checkpoint.consumerId === consumerId && r.hubHeight <= tip).at(-1);
  }

  /** The inclusion of `consumerId`'s checkpoint of consumer height `height` in the header that recorded it. */
  inclusionParts(consumerId: string, height: number, tip: number): InclusionParts | undefined {
    const r = this.records.find((x) => x.checkpoint.consumerId === consumerId && x.checkpoint.height === height && x.hubHeight <= tip);
    if (!r) return undefined;
    const { checkpoint, proof } = computeCheckpointInclusionProof(this.leavesAt(r.hubHeight), consumerId);
    return { checkpoint, hubHeight: r.hubHeight, header: this.chain.headers[r.hubHeight]!, proof, certificate: this.chain.certs[r.hubHeight]!, set: this.setAt(r.hubHeight) };
  }
}

/** Other state of the synthetic hub (so that the activation record's proof has branches to walk). */
const OTHER_STATE: [Uint8Array, Uint8Array][] = [
  [Uint8Array.of(0x01), new Uint8Array(40).fill(0x11)],
  [Uint8Array.of(0x50, 0x01), new Uint8Array(40).fill(0x22)],
  [Uint8Array.of(0x52), new Uint8Array(40).fill(0x33)],
  [Uint8Array.of(0x54, 0x07), new Uint8Array(40).fill(0x44)],
];

/** A plain (unhashed-key) trie of OTHER_STATE and `entries`, and its proof of ZK_ACTIVATION_STATE_KEY. */
export async function makeStateProof(entries: [Uint8Array, Uint8Array][] = []): Promise<FakeStateProof> {
  const trie = await createMPT({ useKeyHashing: false });
  for (const [k, v] of [...OTHER_STATE, ...entries]) await trie.put(k, v);
  const value = (await trie.get(ZK_ACTIVATION_STATE_KEY)) ?? null;
  return { root: trie.root(), value, proof: await createMerkleProof(trie, ZK_ACTIVATION_STATE_KEY) };
}

/** The state of a hub whose record is `activation`: OTHER_STATE and the record under ZK_ACTIVATION_STATE_KEY. */
export const makeActivatedStateProof = (activation: ZkActivation): Promise<FakeStateProof> => makeStateProof([[ZK_ACTIVATION_STATE_KEY, encodeZkActivation(activation)]]);

export interface ZkActivationSpec {
  circuit: string;
  capacity: number;
  verificationKey: Groth16VerificationKey;
  /** The activation block (MsgActivateZk's): the record's trust point is its parent (height ≥ 1). */
  height: number;
  /** The Poseidon root of the set that signs the activation block (any field element: the synthetic sets have no ZK keys). */
  nextValidatorSetRoot: bigint;
}

/**
 * A HubView (as `new HubView(records, height, info, setAt)`) whose succinct tier was activated in block
 * `spec.height`: headers below it commit to a state without the record, from it on to the same state
 * with the record, whose trust point is block `spec.height - 1` of this very chain.
 */
export async function createZkActivatedHubView(
  records: readonly CheckpointRecord[],
  height: number,
  consumerInfo: { genesisHash: Uint8Array; producerKeys: Uint8Array[] },
  spec: ZkActivationSpec,
  setAt: (h: number) => ValidatorSet = honestSetAt,
): Promise<HubView> {
  const before = await makeStateProof();
  const t = spec.height - 1;
  // The chain up to the trust point is the same with or without the record (it is only in later states).
  const prefix = t > 0 ? new HubView(records, t, consumerInfo, setAt, { stateRootAt: () => before.root }).chain : undefined;
  const activation: ZkActivation = {
    circuit: spec.circuit,
    capacity: spec.capacity,
    verificationKey: parseZkVerificationKey(spec.verificationKey),
    trust: { height: t, time: prefix ? prefix.timeOf(t) : HUB_GENESIS_TIME, blockHash: prefix ? prefix.hashOf(t) : new Uint8Array(32), nextValidatorSetRoot: spec.nextValidatorSetRoot },
  };
  const after = await makeActivatedStateProof(activation);
  const zk: FakeZk = { circuit: spec.circuit, capacity: spec.capacity, height: spec.height, activation, before, after };
  return new HubView(records, height, consumerInfo, setAt, { stateRootAt: (h) => (h < spec.height ? before.root : after.root), zk });
}

export type FakeAnswer = { status: number; json?: unknown; text?: string } | "timeout";

export interface FakeRequest {
  route: "status" | "consumer" | "inclusion" | "header" | "certificates" | "validators" | "zk" | "zkActivation" | "unknown";
  params: Record<string, string>;
  query: URLSearchParams;
}

/** A node's behaviour: the request and the honest answer in, the answer to send out. */
export type Lie = (req: FakeRequest, honest: FakeAnswer) => FakeAnswer;

const notFound = (what: string): FakeAnswer => ({ status: 404, json: encodeApiErrorJson("API_ERROR_NOT_FOUND", what) });

/** A hub node's answers from `view` at `tip` (its latest height). */
export function honestAnswer(view: HubView, tip: number, req: FakeRequest): FakeAnswer {
  const c = view.chain;
  const height = (s: string | undefined | null) => (s && /^[0-9]+$/.test(s) ? Number(s) : NaN);
  switch (req.route) {
    case "status":
      return {
        status: 200,
        json: encodeStatusJson({ chainId: HUB_CHAIN_ID, moniker: "fake", height: tip, latestBlockHash: c.hashOf(tip), latestBlockTime: c.timeOf(tip), validatorSetSize: 4, validatorIndex: null, round: 0, peerId: "12D3KooWFake", peers: 3, mempoolSize: 0 }),
      };
    case "consumer": {
      const id = req.params.id!;
      if (!view.records.some((r) => r.checkpoint.consumerId === id)) return notFound(`no consumer ${id}`);
      const latest = view.latestOf(id, tip);
      return {
        status: 200,
        json: encodeConsumerJson({
          consumerId: id,
          owner: "aegis1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
          vm: "kv",
          genesisHash: view.consumerInfo.genesisHash,
          producerKeys: view.consumerInfo.producerKeys,
          bond: { denom: "uaeg", amount: 10_000_000n },
          status: "active",
          registeredHeight: 1,
          latestHeight: latest?.checkpoint.height ?? 0,
        }),
      };
    }
    case "inclusion": {
      const p = view.inclusionParts(req.params.id!, height(req.params.height), tip);
      return p ? { status: 200, json: encodeInclusionParts(p) } : notFound("no such checkpoint");
    }
    case "header": {
      const h = height(req.params.height);
      return h >= 1 && h <= tip ? { status: 200, json: encodeHeaderResponseJson(c.headers[h]!) } : notFound(`no header ${h}`);
    }
    case "certificates": {
      const h = height(req.params.height);
      return h >= 1 && h <= tip ? { status: 200, json: encodeCertificateResponseJson({ certificate: c.certs[h]!, validatorSet: view.setAt(h), zk: null, zkFinalizedBy: null }) } : notFound(`no certificate ${h}`);
    }
    case "validators": {
      const h = height(req.query.get("height")) || tip + 1;
      return h >= 1 && h <= tip + 1 ? { status: 200, json: encodeValidatorSetJson(view.setAt(h), new Map()) } : notFound(`no set for ${h}`);
    }
    case "zk": {
      const zk = view.zk;
      if (!zk) return notFound("this chain makes no ZK certificates");
      const active = tip >= zk.height;
      return {
        status: 200,
        json: encodeZkInfoJson({
          circuit: zk.circuit,
          capacity: zk.capacity,
          attestationIntervalMs: 1000,
          verificationKey: active ? zk.activation.verificationKey : null,
          fromHeight: active ? zk.height : null,
          prover: false,
          latestCertifiedHeight: null,
          recordedHeight: null,
          proverReward: 0n,
          height: tip + 1,
          validatorSetRoot: null,
        }),
      };
    }
    case "zkActivation": {
      const zk = view.zk;
      if (!zk) return notFound("this chain makes no ZK certificates");
      const q = req.query.get("height");
      const h = q === null ? tip : height(q);
      if (!(h >= 1 && h <= tip)) return notFound(`no state of height ${h}`);
      const s = h < zk.height ? zk.before : zk.after;
      return { status: 200, json: encodeZkActivationProofJson({ height: h, stateRoot: s.root, activation: s.value, proof: s.proof }) };
    }
    default:
      return notFound("no route");
  }
}

function parseRequest(url: URL): FakeRequest {
  const seg = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const q = url.searchParams;
  if (seg.length === 1 && seg[0] === "status") return { route: "status", params: {}, query: q };
  if (seg.length === 2 && seg[0] === "consumers") return { route: "consumer", params: { id: seg[1]! }, query: q };
  if (seg.length === 4 && seg[0] === "consumers" && seg[2] === "inclusion") return { route: "inclusion", params: { id: seg[1]!, height: seg[3]! }, query: q };
  if (seg.length === 2 && seg[0] === "headers") return { route: "header", params: { height: seg[1]! }, query: q };
  if (seg.length === 2 && seg[0] === "certificates") return { route: "certificates", params: { height: seg[1]! }, query: q };
  if (seg.length === 1 && seg[0] === "validators") return { route: "validators", params: {}, query: q };
  if (seg.length === 1 && seg[0] === "zk") return { route: "zk", params: {}, query: q };
  if (seg.length === 2 && seg[0] === "zk" && seg[1] === "activation") return { route: "zkActivation", params: {}, query: q };
  return { route: "unknown", params: {}, query: q };
}

/** One fake node: a view, its tip, and how it lies (honest when `lie` is absent). Mutable: tests move the tip or turn a node bad. */
export interface FakeNode {
  view: HubView;
  tip: number;
  lie?: Lie;
}

export interface FakeNetwork {
  fetch: typeof fetch;
  /** Every request, as `<node index> <path+query>`. */
  log: string[];
  urls: string[];
}

/** A `fetch` serving `nodes` at http://hub<i>.test. A "timeout" answer never comes: it rejects when the caller's signal aborts. */
export function fakeHubNetwork(nodes: FakeNode[]): FakeNetwork {
  const urls = nodes.map((_, i) => `http://hub${i}.test`);
  const log: string[] = [];
  const f = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const i = urls.indexOf(url.origin);
    log.push(`${i} ${url.pathname}${url.search}`);
    const node = nodes[i];
    if (!node) throw new TypeError(`fetch failed: no host ${url.origin}`);
    const req = parseRequest(url);
    const honest = honestAnswer(node.view, node.tip, req);
    const a = node.lie ? node.lie(req, honest) : honest;
    if (a === "timeout") {
      return new Promise<Response>((_, reject) => {
        const signal = init?.signal;
        if (!signal) return;
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      });
    }
    const body = a.text ?? (a.json === undefined ? "" : JSON.stringify(a.json));
    return new Response(body, { status: a.status, headers: { "content-type": "application/json" } });
  };
  return { fetch: f as typeof fetch, log, urls };
}

/** A header changed after signing, and its certificate re-pointed at the new hash (the old signature kept): self-consistent JSON that only the signature betrays. */
export function forgeHeader(p: InclusionParts, over: Partial<BlockHeader>): InclusionParts {
  const header = { ...p.header, ...over };
  return { ...p, header, certificate: { ...p.certificate, blockHash: computeBlockHash(header) } };
}
