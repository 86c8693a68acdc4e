/**
 * What the HTTP fuzz suites of the hub (hub/test/fuzz) and of the consumer runtime
 * (consumer-runtime/test/fuzz) share: a raw HTTP/1.1 client (any bytes on the wire, one answer read
 * within a bound, optionally the server's close awaited), structure-aware fast-check arbitraries for
 * what a stranger sends (parameters near the valid ones, percent-encodings, methods, headers, content
 * types, bodies that are not JSON or not UTF-8), and the check of the API's error body
 * (`{ error: { code, message } }`, ApiErrorJson). Only node:*, fast-check and the SDK.
 */
import { connect as netConnect } from "node:net";
import fc from "fast-check";
import { API_ERROR_CODES, decodeApiErrorJson } from "@aegis/consumer-sdk";

/** What every request must be answered within (the fuzz property "no hang"). */
export const ANSWER_BOUND_MS = 5000;

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Milliseconds from the first byte sent to the whole answer read. */
  ms: number;
}

/** An HTTP/1.1 request as bytes; `Content-Length` is added for a body unless a framing header is given. */
export function httpRequestBytes(r: { method: string; target: string; headers?: [string, string][]; body?: Buffer | string; host?: string }): Buffer {
  const body = r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, "utf8");
  const headers = [...(r.headers ?? [])];
  const has = (n: string) => headers.some(([k]) => k.toLowerCase() === n);
  if (!has("host")) headers.unshift(["Host", r.host ?? "127.0.0.1"]);
  if (!has("connection")) headers.push(["Connection", "close"]);
  if (body !== undefined && !has("content-length") && !has("transfer-encoding")) headers.push(["Content-Length", String(body.length)]);
  const head = Buffer.from(`${r.method} ${r.target} HTTP/1.1\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`, "latin1");
  return body === undefined ? head : Buffer.concat([head, body]);
}

/** Parses one HTTP/1.1 answer from `buf`; null while it is incomplete (`ended`: the server closed, so what is there is all). */
function parseAnswer(buf: Buffer, ended: boolean, headRequest: boolean): Omit<RawAnswer, "ms"> | null {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]!);
  if (!m) throw new Error(`not an HTTP answer: ${JSON.stringify(lines[0]!.slice(0, 80))}`);
  const status = Number(m[1]);
  // An interim answer (100 Continue to `Expect: 100-continue`): the answer follows it.
  if (status >= 100 && status < 200 && status !== 101) return parseAnswer(buf.subarray(end + 4), ended, headRequest);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(":");
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const rest = buf.subarray(end + 4);
  if (headRequest || status === 101 || status === 204 || status === 304) return { status, headers, body: Buffer.alloc(0) };
  if (headers["transfer-encoding"]?.toLowerCase().includes("chunked")) {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const lineEnd = rest.indexOf("\r\n", at);
      if (lineEnd < 0) return null;
      const size = parseInt(rest.subarray(at, lineEnd).toString("latin1"), 16);
      if (!Number.isFinite(size)) throw new Error("bad chunk size");
      if (size === 0) return { status, headers, body: Buffer.concat(parts) };
      if (rest.length < lineEnd + 2 + size + 2) return null;
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  if (headers["content-length"] !== undefined) {
    const n = Number(headers["content-length"]);
    return rest.length >= n ? { status, headers, body: rest.subarray(0, n) } : null;
  }
  return ended ? { status, headers, body: rest } : null;
}

/**
 * Sends `request` (any bytes) over a new TCP connection and reads one answer. Rejects when no whole
 * answer came within `timeoutMs`, or when the server closed the connection without one; with
 * `awaitClose`, also when the server has not closed the connection `awaitClose` ms after answering
 * (a request that said `Connection: close`, or one the server cannot serve more on) and
 * `mayStayOpen` does not excuse the answer. A 101 (a WebSocket handshake accepted) is returned at once.
 */
export function rawExchange(url: string, request: Buffer, opts: { timeoutMs?: number; headRequest?: boolean; awaitClose?: number; mayStayOpen?: (a: Omit<RawAnswer, "ms">) => boolean } = {}): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  const timeoutMs = opts.timeoutMs ?? ANSWER_BOUND_MS;
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = netConnect({ host: hostname, port: Number(port) });
    let buf = Buffer.alloc(0);
    let answer: Omit<RawAnswer, "ms"> | null = null;
    let ms = 0;
    let closed = false;
    let done = false;
    let closeTimer: NodeJS.Timeout | undefined;
    const finish = (err: Error | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(closeTimer);
      socket.destroy();
      if (err) reject(err);
      else resolve({ ...answer!, ms });
    };
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms (${buf.length} bytes read: ${JSON.stringify(buf.subarray(0, 120).toString("latin1"))})`)), timeoutMs);
    const answered = (a: Omit<RawAnswer, "ms">) => {
      answer = a;
      ms = Date.now() - started;
      if (opts.awaitClose === undefined || closed || a.status === 101 || opts.mayStayOpen?.(a)) return finish(null);
      clearTimeout(timer);
      const what = JSON.stringify(buf.subarray(0, 80).toString("latin1"));
      closeTimer = setTimeout(() => finish(new Error(`the server answered ${a.status} but kept the connection open ${opts.awaitClose} ms after (${what})`)), opts.awaitClose);
    };
    const tryParse = (ended: boolean) => {
      if (ended) closed = true;
      if (answer) return ended ? finish(null) : undefined;
      try {
        const a = parseAnswer(buf, ended, opts.headRequest ?? false);
        if (a) answered(a);
        else if (ended) finish(new Error(`the connection closed without a whole answer (${buf.length} bytes: ${JSON.stringify(buf.subarray(0, 120).toString("latin1"))})`));
      } catch (e) {
        finish(e as Error);
      }
    };
    socket.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      tryParse(false);
    });
    // A server may answer and close before it read the whole request: what was read still counts.
    socket.on("error", () => tryParse(true));
    socket.on("end", () => tryParse(true));
    socket.on("close", () => tryParse(true));
    socket.once("connect", () => socket.write(request));
  });
}

/** A JSON body of an answer, or what went wrong reading it (for a failure message). */
export function jsonOf(a: RawAnswer): unknown {
  try {
    return JSON.parse(a.body.toString("utf8"));
  } catch {
    throw new Error(`status ${a.status}: the body is not JSON: ${JSON.stringify(a.body.subarray(0, 200).toString("utf8"))}`);
  }
}

/** The codes each status may carry (API_ERROR_* are stable: a status never changes meaning). */
const CODES_BY_STATUS: Record<number, readonly string[]> = {
  400: ["API_ERROR_INVALID_HEIGHT", "API_ERROR_INVALID_LIMIT", "API_ERROR_INVALID_TX", "API_ERROR_BAD_REQUEST"],
  404: ["API_ERROR_NOT_FOUND"],
  408: ["API_ERROR_REQUEST_TIMEOUT"],
  413: ["API_ERROR_BODY_TOO_LARGE", "API_ERROR_BAD_REQUEST"],
  414: ["API_ERROR_URI_TOO_LONG"],
  415: ["API_ERROR_BAD_REQUEST"],
  417: ["API_ERROR_BAD_REQUEST"],
  422: ["API_ERROR_TX_REJECTED"],
  426: ["API_ERROR_UPGRADE_REQUIRED"],
  429: ["API_ERROR_TOO_MANY_CONNECTIONS", "API_ERROR_TOO_MANY_SUBSCRIBERS"],
  431: ["API_ERROR_BAD_REQUEST"],
};

/**
 * A non-2xx answer of the REST API: below 500, JSON, `{ error: { code, message } }` with a code the
 * SDK lists and that fits the status, and a message clipped (no whole over-long input echoed).
 * Returns the code.
 */
export function assertApiError(a: RawAnswer, opts: { maxMessage?: number } = {}): string {
  if (a.status >= 500) throw new Error(`status ${a.status}: ${a.body.subarray(0, 300).toString("utf8")}`);
  if (!/^application\/json/.test(a.headers["content-type"] ?? "")) throw new Error(`status ${a.status}: content-type ${a.headers["content-type"]} (${a.body.subarray(0, 200).toString("utf8")})`);
  const { code, message } = decodeApiErrorJson(jsonOf(a));
  if (!(API_ERROR_CODES as readonly string[]).includes(code)) throw new Error(`status ${a.status}: code ${code} is not one the SDK lists`);
  const allowed = CODES_BY_STATUS[a.status];
  if (!allowed) throw new Error(`status ${a.status} (${code}) is not a status the API answers with`);
  if (!allowed.includes(code)) throw new Error(`status ${a.status} with code ${code} (expected one of ${allowed.join(", ")})`);
  const max = opts.maxMessage ?? 400;
  if (message.length > max) throw new Error(`status ${a.status}: a ${message.length}-character message (at most ${max}): ${message.slice(0, 100)}…`);
  return code;
}

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

/** Strings a stranger puts where a number goes: signs, spaces, exponents, other digits, overflow. */
export const numberishArb: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: -5, max: 12 }).map(String),
  fc.constantFrom(
    "0",
    "-0",
    "-1",
    "+1",
    " 1",
    "1 ",
    "01",
    "1.0",
    "1.5",
    "1e3",
    "1E2",
    "0x10",
    "0b1",
    "1_000",
    "NaN",
    "Infinity",
    "-Infinity",
    "null",
    "undefined",
    "true",
    "[]",
    "{}",
    "9007199254740991",
    "9007199254740992",
    "9999999999999999",
    "10000000000000000",
    "18446744073709551616",
    "99999999999999999999999999",
    "1e308",
    "\u0661", // Arabic-Indic 1
    "\uff11", // fullwidth 1
    "latest",
    "LATEST",
    "latest ",
    "Latest",
    "",
  ),
  fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }).map(String),
  fc.double({ noNaN: false }).map(String),
);

/** Any string, in the shapes that break parsers: unicode, lone surrogates, control characters, long. */
export const stringishArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.string({ unit: fc.constantFrom("%", "/", "?", "#", "&", "=", ";", "\\", "\0", " ", "\r", "\n", "..", "\ud800", "é", "\u202e"), maxLength: 8 }),
  fc.integer({ min: 90, max: 130 }).map((n) => "7".repeat(n)),
  fc.integer({ min: 95, max: 400 }).chain((n) => fc.string({ minLength: n, maxLength: n })),
  fc.constantFrom("..", ".", "%", "%%", "%2", "%zz", "%E0%A4%A", "%C0%AF", "%00", "__proto__", "constructor", "prototype", "toString"),
);

/** A value for a path or query parameter: the valid ones, near them, or anything. */
export function paramValueArb(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 3, arbitrary: numberishArb }, { weight: 2, arbitrary: stringishArb });
}

export type Encoding = "component" | "every-byte" | "double" | "as-is" | "broken";
export const encodingArb: fc.Arbitrary<Encoding> = fc.constantFrom<Encoding>("component", "component", "every-byte", "double", "as-is", "broken");

/** `value` as it goes into a URL: `component` and `every-byte` decode back to it, the others do not (or are not valid URLs). */
export function encodeParam(value: string, how: Encoding, salt = 0): string {
  switch (how) {
    case "component":
      return encodeURIComponent(value.replace(/[\ud800-\udfff]/g, "\ufffd"));
    case "every-byte":
      return [...Buffer.from(value.replace(/[\ud800-\udfff]/g, "\ufffd"), "utf8")].map((b, i) => `%${(i % 2 ? b.toString(16) : b.toString(16).toUpperCase()).padStart(2, "0")}`).join("");
    case "double":
      return encodeURIComponent(encodeURIComponent(value.replace(/[\ud800-\udfff]/g, "\ufffd")));
    case "as-is":
      // Raw bytes on the request line (latin1 of the UTF-8): spaces and control characters make it
      // an invalid request, which the HTTP server itself answers.
      return Buffer.from(value, "utf8").toString("latin1");
    case "broken": {
      const enc = encodeURIComponent(value.replace(/[\ud800-\udfff]/g, "\ufffd"));
      const at = enc.length === 0 ? 0 : salt % (enc.length + 1);
      return `${enc.slice(0, at)}${["%", "%z", "%zz", "%E0%A4%A", "%C3", "%ED%A0%80"][salt % 6]}${enc.slice(at)}`;
    }
  }
}

/** Whether `encodeParam(value, how)` is a URL whose parameter decodes back to `value` (so the route's own check is what answers). */
export function decodesBack(value: string, how: Encoding): boolean {
  return (how === "component" || how === "every-byte") && !/[\ud800-\udfff]/.test(value);
}

/** A query string: the route's own parameters (maybe repeated), unknown ones, and odd syntax. */
export function queryArb(known: readonly string[], value: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const key = fc.oneof(fc.constantFrom(...(known.length ? known : ["x"])), fc.constantFrom("x", "height[]", "height[0]", "__proto__", "", "limit", "hubHeight", "HEIGHT"), fc.string({ maxLength: 8 }));
  const pair = fc.tuple(key, value, encodingArb, fc.nat()).map(([k, v, how, salt]) => `${encodeURIComponent(k)}=${encodeParam(v, how, salt)}`);
  return fc.oneof(
    fc.constant(""),
    fc.array(pair, { minLength: 1, maxLength: 4 }).map((ps) => `?${ps.join("&")}`),
    fc.constantFrom("?", "?&", "?=", "?height", "?height=", "?&&height=1", "?height=1#frag", "?limit=1;limit=2"),
  );
}

export const HTTP_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT", "PROPFIND", "SEARCH", "QUERY"] as const;

/** Request methods: the usual ones, odd case, and tokens no server knows. */
export const methodArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("GET", "GET", "POST", "POST", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH") },
  { weight: 1, arbitrary: fc.constantFrom(...HTTP_METHODS, "get", "Get", "FOO", "M-SEARCH", "PRI") },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Z]{1,12}$/) },
);

export const contentTypeArb: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=latin1",
    "APPLICATION/JSON",
    "application/json;",
    "application/jsonx",
    "text/plain",
    "text/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/octet-stream",
    "application/*",
    "*/*",
    "",
    ";",
    "application/json; charset=\u00e9",
  ),
);

/** Header lines besides the ones a request needs: harmless, odd or contradictory. */
export const extraHeadersArb: fc.Arbitrary<[string, string][]> = fc.array(
  fc.oneof(
    fc.constantFrom<[string, string]>(
      ["Accept", "*/*"],
      ["Accept", "application/x-nothing"],
      ["Accept-Encoding", "gzip, br, zstd"],
      ["Accept-Version", "1.2.3"],
      ["Origin", "http://evil.example"],
      ["Expect", "100-continue"],
      ["Expect", "nonsense"],
      ["X-Forwarded-For", "1.2.3.4, 5.6.7.8"],
      ["Cookie", "a=b; c=d"],
      ["Range", "bytes=0-1"],
      ["If-None-Match", "*"],
      ["Sec-WebSocket-Version", "13"],
      ["Transfer-Encoding", "gzip"],
      ["TE", "trailers"],
    ),
    fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,20}$/), fc.string({ unit: fc.constantFrom(..."abc 0123=;,/\"'\t%é"), maxLength: 40 })),
  ),
  { maxLength: 4 },
);

/** JSON texts of any shape (valid JSON), with the occasional huge number or deep nesting. */
export const jsonTextArb: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.constantFrom("null", "0", "-1", "1e400", '""', "[]", "{}", "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]", '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', '"\\ud800"'),
  fc.integer({ min: 500, max: 5000 }).map((n) => `${"[".repeat(n)}${"]".repeat(n)}`),
);

/** Bodies that are not JSON: truncated, trailing junk, not UTF-8, NUL bytes, BOMs. */
export const badBodyArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom("{", "{oops", '{"tx":', '{"tx":"AQ=="', '{"tx":"AQ=="}}', "'single'", "[1,]", "{,}", "undefined", "NaN", '{"a":1}{"b":2}', "\ufeff{}", "\u0000", " ").map((s) => Buffer.from(s, "utf8")),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b)),
  fc.constantFrom(Buffer.from([0x7b, 0x22, 0x74, 0x78, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), Buffer.from([0xc3, 0x28]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d])),
);

export const bodyArb: fc.Arbitrary<Buffer | undefined> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: jsonTextArb.map((s) => Buffer.from(s, "utf8")) },
  { weight: 3, arbitrary: badBodyArb },
  { weight: 1, arbitrary: fc.integer({ min: 10_000, max: 200_000 }).map((n) => Buffer.alloc(n, "a")) },
);
