import { createServer, type Server } from "node:http";
import { connect, type Socket } from "node:net";
import { HttpConnectionLimiter } from "../src/httpConnectionLimiter.js";

let server: Server;
let limiter: HttpConnectionLimiter;
let port: number;
const sockets: Socket[] = [];

beforeEach(async () => {
  server = createServer((req, res) => res.end(limiter.isOverLimit(req.socket) ? "over" : "ok"));
  limiter = new HttpConnectionLimiter(server, { maxConnections: 10, maxConnectionsPerClient: 2 }, 300);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as { port: number }).port;
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function open(localAddress = "127.0.0.1"): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port, localAddress });
    sockets.push(s);
    s.on("error", () => {});
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
}

function ask(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    const onData = (d: Buffer) => {
      text += d;
      if (/\r\n\r\n(ok|over)$/.test(text)) {
        s.off("data", onData);
        resolve(text.slice(-text.length + text.lastIndexOf("\r\n\r\n") + 4));
      }
    };
    s.on("data", onData);
    s.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  });
}

const until = async (cond: () => boolean) => {
  const deadline = Date.now() + 3000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

test("counts connections per client address, marks those beyond the client's limit, and frees the count on close", async () => {
  const [a, b, c] = [await open(), await open(), await open()];
  expect([await ask(a), await ask(b), await ask(c)]).toEqual(["ok", "ok", "over"]);
  expect(limiter.connectionsOf("127.0.0.1")).toBe(3);
  const d = await open("127.0.0.2");
  expect(await ask(d)).toBe("ok");
  expect(limiter.connectionsOf("127.0.0.2")).toBe(1);
  a.destroy();
  await until(() => limiter.connectionsOf("127.0.0.1") === 2);
  // A connection marked stays marked; once the count is below the limit the next one is served.
  expect(await ask(c)).toBe("over");
  c.destroy();
  await until(() => limiter.connectionsOf("127.0.0.1") === 1);
  expect(await ask(await open())).toBe("ok");
  for (const s of [b, d]) s.destroy();
  await until(() => limiter.connectionsOf("127.0.0.2") === 0);
});

test("a connection beyond the limit that stays silent is closed after the idle bound", async () => {
  await open();
  await open();
  const third = await open();
  const started = Date.now();
  await new Promise((r) => third.once("close", r));
  expect(Date.now() - started).toBeGreaterThanOrEqual(250);
});

test("the total is Node's maxConnections; limits must be positive integers", () => {
  expect(server.maxConnections).toBe(10);
  expect(HttpConnectionLimiter.clientOf({ remoteAddress: "::ffff:10.0.0.1" } as Socket)).toBe("10.0.0.1");
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    expect(() => new HttpConnectionLimiter(createServer(), { maxConnections: bad, maxConnectionsPerClient: 1 })).toThrow(RangeError);
    expect(() => new HttpConnectionLimiter(createServer(), { maxConnections: 1, maxConnectionsPerClient: bad })).toThrow(RangeError);
  }
});
