/**
 * The certificate stream (`GET /stream/certificates`, a WebSocket) fuzzed against a running
 * one-validator node: handshakes with random headers, random frames from a client (any opcode, RSV
 * bits, masking, declared lengths, fragments, invalid UTF-8, over the 1 KiB message limit, split
 * across writes), and storms of clients that connect and go away at any point. For every case: a
 * handshake is answered in time with 101 or the API's error body; what a client sends closes its own
 * connection with a protocol close code (never 1011, never the server); no subscription outlives its
 * connection (the engine's commit listeners come back to where they were); a well-behaved subscriber
 * opened before it all still gets every new certificate, and the node keeps committing.
 * `npm run fuzz -- hub/test/fuzz/certificateStream.fuzz.test.ts` runs many more cases.
 */
import { randomBytes } from "node:crypto";
import { connect as netConnect, type Socket } from "node:net";
import fc from "fast-check";
import WebSocket from "ws";
import { decodeCertificateStreamMessageJson } from "@aegis/consumer-sdk";
import { fuzzParams } from "../../../test/helpers/fuzz.js";
import { startFuzzHub, type FuzzHub } from "./fuzzNode.js";
import { assertApiError, httpRequestBytes, rawExchange } from "../../../test/helpers/httpFuzz.js";

const CHAIN_ID = "aegis-fuzz-stream-1";
/** The stream's largest client message (apiServer.ts: `maxPayload` of the WebSocket server). */
const STREAM_MAX_PAYLOAD = 1024;

let hub: FuzzHub;
let subscriber: WebSocket;
const received: unknown[] = [];
/** The engine's commit listeners with only the subscriber connected. */
let baselineListeners: number;

beforeAll(async () => {
  hub = await startFuzzHub(CHAIN_ID);
  const before = hub.running.node.engine.listenerCount("commit");
  subscriber = new WebSocket(`${hub.base.replace("http", "ws")}/stream/certificates`);
  subscriber.on("message", (data) => received.push(JSON.parse(String(data))));
  await new Promise<void>((resolve, reject) => (subscriber.once("open", () => resolve()), subscriber.once("error", reject)));
  baselineListeners = hub.running.node.engine.listenerCount("commit");
  expect(baselineListeners).toBe(before + 1);
}, 90_000);
afterAll(async () => {
  subscriber?.terminate();
  await hub?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(10);
  }
}

/** The subscriber gets the next certificates (in height order, one per height) and they decode. */
async function assertSubscriberServed(): Promise<void> {
  expect(subscriber.readyState).toBe(WebSocket.OPEN);
  const from = received.length;
  await until("the subscriber's next two messages", () => received.length >= from + 2);
  const heights = received.slice(from).map((m) => {
    const d = decodeCertificateStreamMessageJson(m, { chainId: CHAIN_ID });
    if (d.type !== "bls") throw new Error(`a ${d.type} message`);
    return d.height;
  });
  heights.forEach((h, i) => i > 0 && expect(h).toBe(heights[i - 1]! + 1));
}

/** No subscription is left behind by clients that have gone. */
async function assertNoLeftoverSubscriptions(): Promise<void> {
  await until(`commit listeners back to ${baselineListeners} (${hub.running.node.engine.listenerCount("commit")})`, () => hub.running.node.engine.listenerCount("commit") === baselineListeners);
}

// ---------------------------------------------------------------------------------------------
// A raw WebSocket client
// ---------------------------------------------------------------------------------------------

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const upgradeHeaders = (over: [string, string][] = []): [string, string][] => {
  const base: [string, string][] = [
    ["Connection", "Upgrade"],
    ["Upgrade", "websocket"],
    ["Sec-WebSocket-Key", KEY],
    ["Sec-WebSocket-Version", "13"],
  ];
  const names = new Set(over.map(([k]) => k.toLowerCase()));
  return [...base.filter(([k]) => !names.has(k.toLowerCase())), ...over];
};

/** Opens a TCP connection, sends the handshake and resolves once the server's 101 is read. */
async function openRaw(): Promise<{ socket: Socket; frames: Buffer[]; closed: Promise<void>; isClosed: () => boolean }> {
  const { hostname, port } = new URL(hub.base);
  const socket = netConnect({ host: hostname, port: Number(port) });
  socket.on("error", () => {});
  let isClosed = false;
  const closed = new Promise<void>((r) => socket.once("close", () => ((isClosed = true), r())));
  const frames: Buffer[] = [];
  let head = Buffer.alloc(0);
  let upgraded = false;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no 101 within 5 s")), 5000);
    socket.on("data", (d) => {
      if (upgraded) return void frames.push(d);
      head = Buffer.concat([head, d]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      clearTimeout(timer);
      if (!head.subarray(0, 12).toString().startsWith("HTTP/1.1 101")) return reject(new Error(`handshake refused: ${head.subarray(0, 80).toString()}`));
      upgraded = true;
      if (head.length > end + 4) frames.push(head.subarray(end + 4));
      resolve();
    });
    socket.once("connect", () => socket.write(httpRequestBytes({ method: "GET", target: "/stream/certificates", headers: upgradeHeaders() })));
  });
  return { socket, frames, closed, isClosed: () => isClosed };
}

/** Waits (up to `ms`) for the server's close frame or the end of the connection; its close code, if any. */
async function serverCloseCode(c: { frames: Buffer[]; isClosed: () => boolean }, ms: number): Promise<number | undefined> {
  const deadline = Date.now() + ms;
  while (closeCodeOf(c.frames) === undefined && !c.isClosed() && Date.now() < deadline) await sleep(10);
  return closeCodeOf(c.frames);
}

interface Frame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  /** Declare a different length than the payload has (a frame cut short or followed by junk). */
  lengthDelta: number;
  /** Force the 16- or 64-bit length form for a short payload (non-minimal, which RFC 6455 forbids). */
  lengthForm: "minimal" | "16" | "64";
  payload: Uint8Array;
}

function encodeFrame(f: Frame): Buffer {
  const len = Math.max(0, f.payload.length + f.lengthDelta);
  const form = f.lengthForm !== "minimal" ? f.lengthForm : len < 126 ? "7" : len < 65536 ? "16" : "64";
  const head = [((f.fin ? 1 : 0) << 7) | ((f.rsv & 7) << 4) | (f.opcode & 15)];
  const maskBit = f.masked ? 0x80 : 0;
  if (form === "7") head.push(maskBit | len);
  else if (form === "16") head.push(maskBit | 126, (len >> 8) & 0xff, len & 0xff);
  else {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(len));
    head.push(maskBit | 127, ...b);
  }
  let payload = Buffer.from(f.payload);
  if (f.masked) {
    const key = randomBytes(4);
    head.push(...key);
    payload = Buffer.from(payload.map((x, i) => x ^ key[i % 4]!));
  }
  return Buffer.concat([Buffer.from(head), payload]);
}

/** The close code of the first close frame in what the server sent (undefined: none). */
function closeCodeOf(frames: Buffer[]): number | undefined {
  const all = Buffer.concat(frames);
  let at = 0;
  while (at + 2 <= all.length) {
    const opcode = all[at]! & 15;
    let len = all[at + 1]! & 127;
    let off = at + 2;
    if (len === 126) {
      len = all.readUInt16BE(off);
      off += 2;
    } else if (len === 127) {
      len = Number(all.readBigUInt64BE(off));
      off += 8;
    }
    if (opcode === 8) return len >= 2 ? all.readUInt16BE(off) : 1005;
    at = off + len;
  }
  return undefined;
}

const payloadArb = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.string({ maxLength: 40 }).map((s) => new Uint8Array(Buffer.from(s, "utf8"))),
  fc.constantFrom(new Uint8Array([0xff, 0xfe]), new Uint8Array([0xc3, 0x28]), new Uint8Array([0xed, 0xa0, 0x80]), new Uint8Array(Buffer.from('{"subscribe":"certificates"}'))),
  fc.integer({ min: STREAM_MAX_PAYLOAD - 2, max: STREAM_MAX_PAYLOAD + 2 }).map((n) => new Uint8Array(n).fill(0x61)),
  fc.integer({ min: 126, max: 300 }).map((n) => new Uint8Array(n)),
);
const frameArb: fc.Arbitrary<Frame> = fc.record({
  fin: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  rsv: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 7 }) }),
  // Text, binary, close, ping, pong, continuation, and the reserved ones.
  opcode: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(1, 2, 8, 9, 10, 0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) }),
  masked: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  lengthDelta: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -5, max: 5 }) }),
  lengthForm: fc.oneof({ weight: 8, arbitrary: fc.constant("minimal" as const) }, { weight: 1, arbitrary: fc.constantFrom("16" as const, "64" as const) }),
  payload: payloadArb,
});

/** Close codes the server may send for what a client sent (ws: protocol error, unsupported data, invalid data, too big). */
const PROTOCOL_CLOSE_CODES = [1002, 1003, 1007, 1009];

test("random frames from a client close that client's connection with a protocol code, or leave it open; the server and the subscriber go on", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(frameArb, { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 4 }), fc.boolean(), async (frames, cuts, abort) => {
      const conn = await openRaw();
      const { socket, closed } = conn;
      const bytes = Buffer.concat(frames.map(encodeFrame));
      // Sent in pieces (a frame split across TCP writes), then either kept open or dropped at once.
      let at = 0;
      for (const c of cuts) {
        if (at >= bytes.length) break;
        socket.write(bytes.subarray(at, at + c));
        at += c;
        await sleep(1);
      }
      socket.write(bytes.subarray(at));
      try {
        if (abort) return;
        // The server's close frame, if it sends one (it then waits for the client's, up to ws's closing timeout).
        const code = await serverCloseCode(conn, 1500);
        const clientClosedFirst = frames[0]!.opcode === 8;
        if (code === 1011) throw new Error("the server closed with 1011 (internal error)");
        if (code !== undefined && !clientClosedFirst) expect(PROTOCOL_CLOSE_CODES).toContain(code);
        // A well-formed message is refused at once with 1003; a message over the limit with 1009.
        const f = frames[0]!;
        if (f.fin && f.rsv === 0 && f.masked && f.lengthDelta === 0 && f.lengthForm === "minimal" && (f.opcode === 2 || (f.opcode === 1 && (isUtf8(f.payload) || f.payload.length > STREAM_MAX_PAYLOAD)))) {
          expect(code).toBe(f.payload.length > STREAM_MAX_PAYLOAD ? 1009 : 1003);
        }
      } finally {
        socket.destroy();
        await closed;
      }
    }),
    fuzzParams(60),
  );
  await assertNoLeftoverSubscriptions();
  await assertSubscriberServed();
});

function isUtf8(b: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

type StormClient =
  | { kind: "tcpOnly" }
  | { kind: "halfHandshake"; bytes: number }
  | { kind: "openThenDrop"; afterMs: number }
  | { kind: "openThenClose"; code: number; afterMs: number }
  | { kind: "readOneThenClose" }
  | { kind: "openThenPause"; afterMs: number }
  | { kind: "badHandshake"; header: [string, string] };
const stormClientArb: fc.Arbitrary<StormClient> = fc.oneof(
  fc.constant({ kind: "tcpOnly" as const }),
  fc.record({ kind: fc.constant("halfHandshake" as const), bytes: fc.integer({ min: 1, max: 120 }) }),
  fc.record({ kind: fc.constant("openThenDrop" as const), afterMs: fc.integer({ min: 0, max: 120 }) }),
  fc.record({ kind: fc.constant("openThenClose" as const), code: fc.constantFrom(1000, 1001, 4000, 4999), afterMs: fc.integer({ min: 0, max: 120 }) }),
  fc.constant({ kind: "readOneThenClose" as const }),
  fc.record({ kind: fc.constant("openThenPause" as const), afterMs: fc.integer({ min: 0, max: 200 }) }),
  fc.record({ kind: fc.constant("badHandshake" as const), header: fc.constantFrom<[string, string]>(["Sec-WebSocket-Version", "7"], ["Sec-WebSocket-Key", "x"], ["Upgrade", "h2c"], ["Sec-WebSocket-Protocol", ",,"]) }),
);

async function runStormClient(c: StormClient): Promise<void> {
  const url = `${hub.base.replace("http", "ws")}/stream/certificates`;
  const { hostname, port } = new URL(hub.base);
  switch (c.kind) {
    case "tcpOnly": {
      const s = netConnect({ host: hostname, port: Number(port) });
      s.on("error", () => {});
      await new Promise((r) => s.once("connect", r));
      s.destroy();
      return;
    }
    case "halfHandshake": {
      const s = netConnect({ host: hostname, port: Number(port) });
      s.on("error", () => {});
      await new Promise((r) => s.once("connect", r));
      s.write(httpRequestBytes({ method: "GET", target: "/stream/certificates", headers: upgradeHeaders() }).subarray(0, c.bytes));
      await sleep(5);
      s.destroy();
      return;
    }
    case "badHandshake": {
      const a = await rawExchange(hub.base, httpRequestBytes({ method: "GET", target: "/stream/certificates", headers: upgradeHeaders([c.header]) }), { awaitClose: 2000 });
      expect({ status: a.status, code: assertApiError(a) }).toEqual({ status: 400, code: "API_ERROR_BAD_REQUEST" });
      return;
    }
    default: {
      const ws = new WebSocket(url);
      ws.on("error", () => {});
      const opened = await new Promise<boolean>((resolve) => (ws.once("open", () => resolve(true)), ws.once("close", () => resolve(false))));
      if (!opened) throw new Error("a well-formed handshake was refused");
      const closed = new Promise<void>((r) => (ws.readyState === WebSocket.CLOSED ? r() : ws.once("close", () => r())));
      if (c.kind === "readOneThenClose") {
        await new Promise((r) => ws.once("message", r));
        ws.close();
      } else if (c.kind === "openThenClose") {
        await sleep(c.afterMs);
        ws.close(c.code);
      } else if (c.kind === "openThenPause") {
        // A client that stops reading, then goes away without a close frame.
        (ws as unknown as { _socket: Socket })._socket.pause();
        await sleep(c.afterMs);
        ws.terminate();
      } else {
        await sleep(c.afterMs);
        ws.terminate();
      }
      await closed;
    }
  }
}

test("storms of clients that connect and go away at any point: no subscription outlives its connection, the subscriber is still served", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(stormClientArb, { minLength: 1, maxLength: 30 }), async (clients) => {
      await Promise.all(clients.map(runStormClient));
      await assertNoLeftoverSubscriptions();
    }),
    fuzzParams(15),
  );
  await assertSubscriberServed();
});

test("handshakes with random headers and paths: 101 for a valid one, the error body otherwise, in time", async () => {
  const headerArb = fc.oneof(
    fc.constantFrom<[string, string]>(
      ["Sec-WebSocket-Version", "8"],
      ["Sec-WebSocket-Version", "12"],
      ["Sec-WebSocket-Version", "13, 8"],
      ["Sec-WebSocket-Version", ""],
      ["Sec-WebSocket-Key", ""],
      ["Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAA=="],
      ["Sec-WebSocket-Key", "!!!!!!!!!!!!!!!!!!!!!!=="],
      ["Sec-WebSocket-Protocol", "certificates"],
      ["Sec-WebSocket-Protocol", "a, b"],
      ["Sec-WebSocket-Protocol", "a b"],
      ["Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"],
      ["Sec-WebSocket-Extensions", "permessage-deflate; server_max_window_bits=99"],
      ["Sec-WebSocket-Extensions", ";;;"],
      ["Upgrade", "WEBSOCKET"],
      ["Upgrade", "websocket, h2c"],
      ["Connection", "keep-alive, Upgrade"],
      ["Origin", "http://evil.example"],
    ),
    fc.tuple(fc.constantFrom("Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions", "Upgrade"), fc.string({ unit: fc.constantFrom(..."aZ09+/=,; -"), maxLength: 30 })),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.array(headerArb, { maxLength: 3 }),
      fc.constantFrom("/stream/certificates", "/stream/certificates?x=1", "/stream/certificates/", "/stream/Certificates", "/stream/%63ertificates", "/stream"),
      fc.constantFrom("GET", "GET", "POST", "HEAD"),
      async (headers, target, method) => {
        // A request Node does not take for an upgrade (an empty Upgrade header, no "upgrade" in Connection)
        // is a plain request: its answer may keep the connection, under the server's keep-alive timeout.
        const all = upgradeHeaders(headers);
        const last = (name: string) => all.filter(([k]) => k.toLowerCase() === name).pop()?.[1] ?? "";
        const isUpgrade = last("upgrade").trim() !== "" && /(^|[\s,])upgrade($|[\s,])/i.test(last("connection"));
        const a = await rawExchange(hub.base, httpRequestBytes({ method, target, headers: all }), { awaitClose: 2000, headRequest: method === "HEAD", mayStayOpen: () => !isUpgrade });
        if (a.status === 101) return; // rawExchange closes it
        if (method === "HEAD") expect(a.status).toBeLessThan(500);
        else assertApiError(a);
      },
    ),
    fuzzParams(100),
  );
  await assertNoLeftoverSubscriptions();
  await assertSubscriberServed();
});

describe("the stream's limits", () => {
  test(`a message of ${STREAM_MAX_PAYLOAD} bytes is refused as unwanted (1003); one byte more as too big (1009)`, async () => {
    for (const [n, code] of [
      [STREAM_MAX_PAYLOAD, 1003],
      [STREAM_MAX_PAYLOAD + 1, 1009],
    ] as const) {
      const conn = await openRaw();
      conn.socket.write(encodeFrame({ fin: true, rsv: 0, opcode: 2, masked: true, lengthDelta: 0, lengthForm: "minimal", payload: new Uint8Array(n) }));
      expect({ n, code: await serverCloseCode(conn, 3000) }).toEqual({ n, code });
      conn.socket.destroy();
      await conn.closed;
    }
  });

  test("a ping is answered with a pong and the connection stays open (control frames are not messages)", async () => {
    const { socket, frames, closed } = await openRaw();
    socket.write(encodeFrame({ fin: true, rsv: 0, opcode: 9, masked: true, lengthDelta: 0, lengthForm: "minimal", payload: new Uint8Array([1, 2, 3]) }));
    await until("a pong", () => Buffer.concat(frames).includes(Buffer.from([0x8a, 3, 1, 2, 3])), 3000);
    let isClosed = false;
    void closed.then(() => (isClosed = true));
    await sleep(200);
    expect(isClosed).toBe(false);
    socket.destroy();
    await closed;
    await assertNoLeftoverSubscriptions();
  });
});
