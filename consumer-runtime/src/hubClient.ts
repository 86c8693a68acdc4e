import { AegisError, computeHubApiPath, HubApiError, type HubApiPathParams, type HubApiRouteName } from "@aegis/consumer-sdk";

export type HubClientErrorType =
  /** No hub node gave a usable answer (each node's failure is listed). */
  | { code: "HUB_CLIENT_ERROR_UNAVAILABLE"; route: string; failures: string[] };

export class HubClientError extends AegisError<HubClientErrorType> {}

export interface HubClientOptions {
  /** Base URLs of hub nodes' APIs (http://host:port). */
  urls: readonly string[];
  /** Per request (default 5000 ms). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * Reads the hub API from several hub nodes and trusts none of them: every answer is decoded by the
 * SDK's strict decoders here and verified by the light client and the inclusion rule afterwards. A node
 * that fails, times out, answers an error or malformed JSON is skipped for the next one; the node that
 * answered last is asked first next time.
 */
export class HubClient {
  private readonly urls: string[];
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private preferred = 0;

  constructor(opts: HubClientOptions) {
    if (!opts.urls.length) throw new TypeError("HubClient: at least one hub API URL");
    this.urls = opts.urls.map((u) => u.replace(/\/+$/, ""));
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.fetchImpl = opts.fetch ?? fetch;
  }

  /** One node's answer to `path`: decoded, a 404, or why it is unusable. */
  private async ask<T>(url: string, path: string, decode: (json: unknown) => T): Promise<{ kind: "ok"; value: T } | { kind: "not-found" } | { kind: "failed"; reason: string }> {
    try {
      const res = await this.fetchImpl(url + path, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (!res.ok) {
        await res.body?.cancel();
        return res.status === 404 ? { kind: "not-found" } : { kind: "failed", reason: `HTTP ${res.status}` };
      }
      return { kind: "ok", value: decode(await res.json()) };
    } catch (e) {
      return { kind: "failed", reason: e instanceof HubApiError ? `${e.code} ${e.message}` : e instanceof Error ? e.message : String(e) };
    }
  }

  /**
   * GET a route and decode it. Returns undefined when no node gave an answer and at least one said 404 (not there yet),
   * throws HUB_CLIENT_ERROR_UNAVAILABLE when none gave a usable answer.
   */
  async get<R extends HubApiRouteName, T>(route: R, params: HubApiPathParams<R>, query: Record<string, string | number | undefined>, decode: (json: unknown) => T): Promise<T | undefined> {
    const path = computeHubApiPath(route, params, query);
    const failures: string[] = [];
    let notFound = 0;
    for (let i = 0; i < this.urls.length; i++) {
      const idx = (this.preferred + i) % this.urls.length;
      const url = this.urls[idx]!;
      const a = await this.ask(url, path, decode);
      if (a.kind === "ok") {
        this.preferred = idx;
        return a.value;
      }
      if (a.kind === "not-found") notFound++;
      else failures.push(`${url}: ${a.reason}`);
    }
    if (notFound > 0) return undefined;
    throw new HubClientError({ code: "HUB_CLIENT_ERROR_UNAVAILABLE", route: path, failures }, `no hub node answered ${path}: ${failures.join("; ") || "all 404"}`);
  }

  /**
   * GET a route from every node at once; the decoded answers of those that gave one (404s, failures
   * and malformed answers left out). For claims a withholding node could understate (the consumer's
   * latest checkpoint): the caller follows the highest claim it can verify.
   */
  async getEach<R extends HubApiRouteName, T>(route: R, params: HubApiPathParams<R>, query: Record<string, string | number | undefined>, decode: (json: unknown) => T): Promise<T[]> {
    const path = computeHubApiPath(route, params, query);
    const answers = await Promise.all(this.urls.map((url) => this.ask(url, path, decode)));
    return answers.flatMap((a) => (a.kind === "ok" ? [a.value] : []));
  }

  /** The hub nodes this client asks, in configuration order. */
  get nodeUrls(): readonly string[] {
    return this.urls;
  }

  /**
   * GET a route from one node (a witness the caller cross-checks): decoded, or undefined on a 404, a
   * failure or a malformed answer (a witness that cannot answer is simply not heard).
   */
  async getFrom<R extends HubApiRouteName, T>(url: string, route: R, params: HubApiPathParams<R>, query: Record<string, string | number | undefined>, decode: (json: unknown) => T): Promise<T | undefined> {
    const a = await this.ask(url.replace(/\/+$/, ""), computeHubApiPath(route, params, query), decode);
    return a.kind === "ok" ? a.value : undefined;
  }

  /**
   * The caller found an answer unusable after decoding (it failed verification): ask the next node
   * first from now on, so a node that serves well-formed lies cannot stay the preferred one.
   */
  skipPreferred(): void {
    this.preferred = (this.preferred + 1) % this.urls.length;
  }
}
