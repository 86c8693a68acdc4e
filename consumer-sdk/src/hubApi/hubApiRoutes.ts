/**
 * The hub's HTTP API as data: each route's method, path template and the name of its JSON type, so
 * that a client (the consumer runtime, the dashboard) is written against one table that the server
 * (hub/src/api/apiServer.ts) serves. Every 4xx / 5xx answer is an `ApiErrorJson`.
 * Not listed: `GET /metrics` (Prometheus text) and the CometBFT JSON-RPC of `POST /` and `/rpc`.
 */
import type {
  BlockJson,
  CertificateResponseJson,
  CertificateStreamMessageJson,
  HeaderResponseJson,
  PolkasJson,
} from "./chainJson.js";
import type { ConsumerJson, ConsumersJson, InclusionProofJson } from "./consumersJson.js";
import type { ForkCasesJson } from "./forkCaseJson.js";
import type {
  ApiErrorJson,
  CommitsJson,
  EvidenceListJson,
  StatusJson,
  SubmitTxRequestJson,
  SubmitTxResponseJson,
  ValidatorSetJson,
  ZkActivationProofJson,
  ZkInfoJson,
} from "./nodeJson.js";

/** The JSON types by name (what the route table's `response`, `request` and `message` name). */
export interface HubApiJsonTypes {
  StatusJson: StatusJson;
  BlockJson: BlockJson;
  HeaderResponseJson: HeaderResponseJson;
  CertificateResponseJson: CertificateResponseJson;
  ValidatorSetJson: ValidatorSetJson;
  ZkInfoJson: ZkInfoJson;
  ZkActivationProofJson: ZkActivationProofJson;
  CommitsJson: CommitsJson;
  EvidenceListJson: EvidenceListJson;
  SubmitTxRequestJson: SubmitTxRequestJson;
  SubmitTxResponseJson: SubmitTxResponseJson;
  CertificateStreamMessageJson: CertificateStreamMessageJson;
  ApiErrorJson: ApiErrorJson;
  ConsumersJson: ConsumersJson;
  ConsumerJson: ConsumerJson;
  InclusionProofJson: InclusionProofJson;
  PolkasJson: PolkasJson;
  ForkCasesJson: ForkCasesJson;
}

export type HubApiJsonTypeName = keyof HubApiJsonTypes;

export interface HubApiRoute {
  readonly method: "GET" | "POST" | "WS";
  /** `:name` segments are path parameters. */
  readonly path: string;
  readonly query?: readonly string[];
  readonly request?: HubApiJsonTypeName;
  /** The JSON of a 2xx answer (of each message, for a WebSocket). */
  readonly response: HubApiJsonTypeName;
}

export const HUB_API_ROUTES = {
  /** The node's tip, peers and mempool. */
  status: { method: "GET", path: "/status", response: "StatusJson" },
  /** `:height` a positive integer or `latest`. */
  block: { method: "GET", path: "/blocks/:height", response: "BlockJson" },
  header: { method: "GET", path: "/headers/:height", response: "HeaderResponseJson" },
  certificates: { method: "GET", path: "/certificates/:height", response: "CertificateResponseJson" },
  /**
   * The polkas (more than 2/3 of the prevotes for one block in one round) the node stored at
   * `:height` (a positive integer or `latest`): 404 when it has no block there, an empty list when
   * it has the block but kept no polka (it saw none, or pruned them).
   */
  polkas: { method: "GET", path: "/polkas/:height", response: "PolkasJson" },
  /** The fork cases across rounds in the node's committed state (decision 52), by id; `height`: only that height's. */
  forkCases: { method: "GET", path: "/fork-cases", query: ["height"], response: "ForkCasesJson" },
  /** The set that signs `height` (default: the next height); 404 above the next height. */
  validators: { method: "GET", path: "/validators", query: ["height"], response: "ValidatorSetJson" },
  /** 404 when the chain makes no ZK certificates; `height` defaults to the next height. */
  zk: { method: "GET", path: "/zk", query: ["height"], response: "ZkInfoJson" },
  /**
   * The ZK activation record (decision 58) in the state committed at `height` (default: the latest),
   * with its Merkle proof under that height's header `stateRoot`; 404 without a ZK section or state there.
   */
  zkActivation: { method: "GET", path: "/zk/activation", query: ["height"], response: "ZkActivationProofJson" },
  /** `limit` 1 to 1000, default 100. */
  commits: { method: "GET", path: "/commits", query: ["limit"], response: "CommitsJson" },
  evidence: { method: "GET", path: "/evidence", response: "EvidenceListJson" },
  /** 202; 422 with API_ERROR_TX_REJECTED when CheckTx refuses it. */
  submitTx: { method: "POST", path: "/txs", request: "SubmitTxRequestJson", response: "SubmitTxResponseJson" },
  /** One message per new certificate; nothing replayed; closed with 1008 when the client falls 1 MiB behind. */
  certificateStream: { method: "WS", path: "/stream/certificates", response: "CertificateStreamMessageJson" },
  /** The registered consumer chains (404 when the chain has no application). */
  consumers: { method: "GET", path: "/consumers", response: "ConsumersJson" },
  consumer: { method: "GET", path: "/consumers/:id", response: "ConsumerJson" },
  /**
   * Consumer height `:height`'s checkpoint (`latest`: the consumer's latest), the hub header holding it,
   * the path and the header's certificates. The header is the block that recorded it, or with
   * `hubHeight`, that later header while the checkpoint is still the consumer's latest there (404
   * otherwise): how a checkpoint is proved from a ZK-certified header.
   */
  inclusion: { method: "GET", path: "/consumers/:id/inclusion/:height", query: ["hubHeight"], response: "InclusionProofJson" },
} as const satisfies Record<string, HubApiRoute>;

export type HubApiRouteName = keyof typeof HUB_API_ROUTES;

/** The JSON a route answers with (each message, for the stream). */
export type HubApiResponseJson<R extends HubApiRouteName> = HubApiJsonTypes[(typeof HUB_API_ROUTES)[R]["response"]];

/** The path parameters of a route: `{ height }` for `/blocks/:height`. */
export type HubApiPathParams<R extends HubApiRouteName> = PathParams<(typeof HUB_API_ROUTES)[R]["path"]>;
type PathParams<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? { [K in Name]: string | number } & PathParams<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? { [K in Name]: string | number }
    : Record<never, never>;

/**
 * A route's path with its parameters filled in and its query (only the route's own parameters,
 * undefined ones left out), e.g. `computeHubApiPath("block", { height: 7 })` → `/blocks/7`.
 */
export function computeHubApiPath<R extends HubApiRouteName>(route: R, params: HubApiPathParams<R>, query: Record<string, string | number | undefined> = {}): string {
  const def: HubApiRoute = HUB_API_ROUTES[route];
  const values = params as Record<string, string | number>;
  const path = def.path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new TypeError(`${route}: missing path parameter ${name}`);
    return encodeURIComponent(String(v));
  });
  const q = (def.query ?? []).filter((k) => query[k] !== undefined).map((k) => `${k}=${encodeURIComponent(String(query[k]))}`);
  return q.length ? `${path}?${q.join("&")}` : path;
}
