/**
 * The hub's API against the SDK's shared decoders (consumer-sdk/src/hubApi): the JSON views of the
 * hub's own types decode back to them, and every route of a running one-validator node (with the
 * application and a ZK genesis) answers JSON that the SDK decodes and whose certificates verify.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { once } from "node:events";
import { connect as netConnect } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import {
  assertValidCommitCertificate,
  blsSign,
  computeBlockHash,
  computeCommitCertificateHash,
  computeFinalityMessage,
  computeHubApiPath,
  computeValidatorSetRoot,
  computeVoteSignBytes,
  createBlsKeyPair,
  createSignerBitmap,
  createValidatorSet,
  decodeApiErrorJson,
  decodeBlockJson,
  decodeCertificateResponseJson,
  decodeCertificateStreamMessageJson,
  decodeCommitsJson,
  decodeEvidenceListJson,
  decodeEvidenceSummaryJson,
  decodeHeaderResponseJson,
  decodeStatusJson,
  decodeValidatorSetJson,
  decodeZkActivationProofJson,
  decodeZkInfoJson,
  encodeBlockJson,
  encodeEvidenceSummaryJson,
  encodeSubmitTxRequestJson,
  encodeValidatorSetJson,
  fromHex,
  sha256,
  verifyZkActivationProof,
  VoteType,
  type BlockHeader,
  type HubApiRouteName,
  type ZkCertificate,
} from "@aegis/consumer-sdk";
import { ApiServer } from "../../src/api/index.js";
import { createAttestationKeyPair, signFinalityMessage } from "../../src/attestation/index.js";
import type { FinalityAttestation } from "../../src/codec/index.js";
import type { Block, Evidence, Vote } from "../../src/consensus/types.js";
import { nullLogger } from "../../src/logger.js";
import { initHomes } from "../../src/node/initHomes.js";
import { startNodeFromHome, type RunningNode } from "../../src/node/runNode.js";

const here = dirname(fileURLToPath(import.meta.url));
const zkVectors = JSON.parse(readFileSync(join(here, "..", "..", "..", "test", "vectors", "zkCertificates.json"), "utf8"));
const { vk_alphabeta_12: _unused, ...verificationKey } = zkVectors.verificationKey;

describe("jsonViews of the hub's own types decode back to them", () => {
  const CHAIN_ID = "aegis-views-1";
  const keys = [createBlsKeyPair(), createBlsKeyPair(), createBlsKeyPair()];
  const set = createValidatorSet(keys.map((k) => ({ blsPublicKey: k.publicKey, power: 10n })), { skipProofOfPossession: true });
  const sk = (i: number) => keys.find((k) => k.publicKey === set.validators[i]!.blsPublicKey)!.secretKey;
  const header: BlockHeader = {
    chainId: CHAIN_ID,
    height: 7,
    time: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
    parentHash: sha256(Uint8Array.of(6)),
    txRoot: sha256(Uint8Array.of(1)),
    stateRoot: sha256(Uint8Array.of(2)),
    consumerCheckpointRoot: sha256(Uint8Array.of(3)),
    validatorSetRoot: computeValidatorSetRoot(set),
    nextValidatorSetRoot: computeValidatorSetRoot(set),
    proposer: set.validators[0]!.address,
    lastCommitHash: new Uint8Array(32),
    evidenceRoot: sha256(Uint8Array.of(4)),
  };
  const prevHash = sha256(Uint8Array.of(5));
  const precommit = { chainId: CHAIN_ID, height: 6, round: 0, type: VoteType.Precommit, blockHash: prevHash };
  const signers = [0, 2];
  const lastCommit = {
    height: 6,
    round: 0,
    blockHash: prevHash,
    signers: createSignerBitmap(3, signers),
    signature: blsSign(sk(0), computeVoteSignBytes(precommit)), // one signer is enough for a shape test
  };
  header.lastCommitHash = computeCommitCertificateHash(lastCommit);
  const vote = (blockHash: Uint8Array | null): Vote => {
    const f = { type: VoteType.Prevote, height: 5, round: 2, blockHash };
    return { ...f, validatorIndex: 1, signature: blsSign(sk(1), computeVoteSignBytes({ chainId: CHAIN_ID, ...f })) };
  };
  const attester = createAttestationKeyPair();
  const attestation = (blockHash: Uint8Array): FinalityAttestation => {
    const statement = { chainId: CHAIN_ID, height: 4, time: header.time - 3000, blockHash, validatorSetRoot: 11n, nextValidatorSetRoot: 12n };
    return { ...statement, validatorIndex: 2, signature: signFinalityMessage(attester.secretKey, computeFinalityMessage(statement)) };
  };
  const strip = ({ chainId: _c, ...a }: FinalityAttestation & { chainId?: string }): FinalityAttestation => a;
  const evidence: Evidence[] = [
    { voteA: vote(sha256(Uint8Array.of(9))), voteB: vote(null), time: header.time - 100 },
    { attestationA: strip(attestation(sha256(Uint8Array.of(7)))), attestationB: strip(attestation(sha256(Uint8Array.of(8)))), time: header.time - 50 },
  ];
  const block: Block = { header, txs: [new Uint8Array(randomBytes(100)), new Uint8Array(randomBytes(1))], lastCommit, evidence };

  test("a block: JSON text → decodeBlockJson gives the same Block", () => {
    const hash = computeBlockHash(header);
    const decoded = decodeBlockJson(JSON.parse(JSON.stringify(encodeBlockJson(block, hash))));
    expect(decoded).toEqual({ blockHash: hash, block });
    const asHub: Block = decoded.block; // the SDK's HubBlock is the hub's Block
    expect(asHub.evidence).toHaveLength(2);
  });

  test("evidence summaries and the validator set", () => {
    expect(evidence.map((e) => decodeEvidenceSummaryJson(JSON.parse(JSON.stringify(encodeEvidenceSummaryJson(e)))))).toEqual([
      { kind: "duplicate_vote", height: 5, round: 2, type: VoteType.Prevote, validatorIndex: 1, blockHashA: sha256(Uint8Array.of(9)), blockHashB: null, time: header.time - 100 },
      { kind: "double_attestation", height: 4, validatorIndex: 2, blockHashA: sha256(Uint8Array.of(7)), blockHashB: sha256(Uint8Array.of(8)), time: header.time - 50 },
    ]);
    const json = encodeValidatorSetJson(set, new Map());
    expect(decodeValidatorSetJson(JSON.parse(JSON.stringify(json))).validatorSet).toEqual(set);
  });
});

describe("a running node's API, read with the SDK's decoders", () => {
  const CHAIN_ID = "aegis-api-1";
  let dir: string;
  let running: RunningNode;
  let base: string;
  const get = async (path: string): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(base + path, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: await res.json() };
  };
  const route = async (name: HubApiRouteName, params: Record<string, string | number> = {}, query: Record<string, string | number> = {}) => {
    const r = await get(computeHubApiPath(name, params as never, query));
    expect({ name, status: r.status }).toEqual({ name, status: 200 });
    return r.body;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "aegis-api-"));
    const res = await initHomes({
      home: dir,
      validators: 1,
      chainId: CHAIN_ID,
      consensus: { createEmptyBlocksIntervalMs: 50, rebroadcastIntervalMs: 500 },
      zk: { circuit: "quorum4", capacity: 4, verificationKey, attestationIntervalMs: 1000, proverReward: "1000000", wasm: "", zkey: "", provers: [] },
    });
    running = await startNodeFromHome(res.nodes[0]!.home, {
      logger: nullLogger,
      config: (c) => ({ ...c, api: { host: "127.0.0.1", port: 0 }, p2p: { listen: ["/ip4/127.0.0.1/tcp/0"], bootstrap: [] } }),
    });
    base = running.api.url;
    const deadline = Date.now() + 30_000;
    while (running.node.engine.height < 3) {
      if (Date.now() > deadline) throw new Error(`the node did not reach height 3 (at ${running.node.engine.height})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 60_000);

  afterAll(async () => {
    await running?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("status, blocks, headers, certificates, validators, zk, commits, evidence", async () => {
    const genesis = running.node.genesis;
    const status = decodeStatusJson(await route("status"));
    expect(status).toMatchObject({ chainId: CHAIN_ID, validatorSetSize: 1, validatorIndex: 0 });
    expect(status.height).toBeGreaterThanOrEqual(3);

    const b1 = decodeBlockJson(await route("block", { height: 1 }));
    expect(b1.block.lastCommit).toBeNull();
    const b2 = decodeBlockJson(await route("block", { height: 2 }));
    expect(b2.block.header.parentHash).toEqual(b1.blockHash);
    // The last commit the block carries is height 1's certificate, valid for the genesis set.
    assertValidCommitCertificate(b2.block.lastCommit!, { chainId: CHAIN_ID, validatorSet: genesis.validatorSet, expectedHeight: 1, expectedBlockHash: b1.blockHash });
    expect(decodeBlockJson(await route("block", { height: "latest" })).block.header.height).toBeGreaterThanOrEqual(3);
    expect(decodeHeaderResponseJson(await route("header", { height: 2 }))).toEqual({ blockHash: b2.blockHash, header: b2.block.header });

    const c2 = decodeCertificateResponseJson(await route("certificates", { height: 2 }), { chainId: CHAIN_ID });
    expect(c2).toMatchObject({ height: 2, blockHash: b2.blockHash, zk: null });
    expect(c2.bls.signedPower).toBe(c2.bls.totalPower);
    assertValidCommitCertificate(c2.bls.certificate, { chainId: CHAIN_ID, validatorSet: genesis.validatorSet, expectedHeight: 2, expectedBlockHash: b2.blockHash });

    const validators = decodeValidatorSetJson(await route("validators"));
    expect(validators.monikers).toEqual(["node0"]);
    expect(computeValidatorSetRoot(validators.validatorSet)).toEqual(b2.block.header.nextValidatorSetRoot);
    // A past height's set: the one its header names.
    const at1 = decodeValidatorSetJson(await route("validators", {}, { height: 1 }));
    expect(computeValidatorSetRoot(at1.validatorSet)).toEqual(b1.block.header.validatorSetRoot);

    const zk = decodeZkInfoJson(await route("zk", {}, { height: 1 }));
    expect(zk).toMatchObject({ circuit: "quorum4", capacity: 4, prover: false, proverReward: 1_000_000n, height: 1, validatorSetRoot: running.node.zk!.validatorSetRootAt(1) });
    expect(zk.verificationKey).toEqual(verificationKey);

    const commits = decodeCommitsJson(await route("commits", {}, { limit: 2 }));
    expect(commits.length).toBeGreaterThanOrEqual(1);
    expect(commits.length).toBeLessThanOrEqual(2);
    expect(decodeEvidenceListJson(await route("evidence"))).toEqual([]);
  });

  test("error bodies decode: 404, 400 and a rejected transaction (422)", async () => {
    const notFound = await get("/blocks/999999");
    expect(notFound.status).toBe(404);
    expect(decodeApiErrorJson(notFound.body).code).toBe("API_ERROR_NOT_FOUND");
    expect(decodeApiErrorJson((await get("/headers/abc")).body).code).toBe("API_ERROR_INVALID_HEIGHT");
    expect(decodeApiErrorJson((await get("/validators?height=0")).body).code).toBe("API_ERROR_INVALID_HEIGHT");
    const future = await get("/validators?height=999999");
    expect({ status: future.status, code: decodeApiErrorJson(future.body).code }).toEqual({ status: 404, code: "API_ERROR_NOT_FOUND" });
    const post = async (body: string) => {
      const res = await fetch(`${base}/txs`, { method: "POST", body, headers: { "content-type": "application/json" } });
      return { status: res.status, body: await res.json() };
    };
    const garbage = await post(JSON.stringify(encodeSubmitTxRequestJson(new Uint8Array(randomBytes(40)))));
    expect(garbage.status).toBe(422);
    expect(decodeApiErrorJson(garbage.body).code).toBe("API_ERROR_TX_REJECTED");
    for (const body of ['{"tx":""}', '{"tx":"AQ==","mode":"sync"}', '{"tx":"/x=="}', "[]"]) {
      const r = await post(body);
      expect({ body, status: r.status, code: decodeApiErrorJson(r.body).code }).toEqual({ body, status: 400, code: "API_ERROR_INVALID_TX" });
    }
  });

  test("the certificate stream's messages decode, both tiers", async () => {
    const socket = new WebSocket(`${base.replace("http", "ws")}/stream/certificates`);
    const messages: unknown[] = [];
    socket.on("message", (data) => messages.push(JSON.parse(String(data))));
    await new Promise<void>((resolve, reject) => (socket.once("open", () => resolve()), socket.once("error", reject)));
    try {
      const until = async (what: (m: unknown[]) => boolean) => {
        const deadline = Date.now() + 15_000;
        while (!what(messages)) {
          if (Date.now() > deadline) throw new Error(`stream: timed out (${messages.length} messages)`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      await until((m) => m.length >= 1);
      const bls = decodeCertificateStreamMessageJson(messages[0], { chainId: CHAIN_ID });
      if (bls.type !== "bls") throw new Error("expected a BLS message first");
      assertValidCommitCertificate(bls.bls.certificate, { chainId: CHAIN_ID, validatorSet: running.node.engine.getValidatorSet(bls.height), expectedHeight: bls.height });
      // A stored succinct certificate (the committed vector's proof, filed at height 2) is announced.
      const v = zkVectors.certificate;
      const zkCert: ZkCertificate = {
        ...v,
        chainId: CHAIN_ID,
        height: 2,
        blockHash: (await running.node.db.blocks.getBlockHashAt(2))!, // as a node stores only certificates of its own blocks
        validatorSetRoot: BigInt(v.validatorSetRoot),
        nextValidatorSetRoot: BigInt(v.nextValidatorSetRoot),
        signers: BigInt(v.signers),
        prover: fromHex(v.prover),
        proof: fromHex(v.proof),
      };
      expect(await running.node.db.zkCertificates.put(zkCert)).toBe(true);
      await until((m) => m.some((x) => (x as { type: string }).type === "zk"));
      const zkMessage = decodeCertificateStreamMessageJson(
        messages.find((x) => (x as { type: string }).type === "zk"),
        { chainId: CHAIN_ID },
      );
      expect(zkMessage).toEqual({ type: "zk", height: 2, zk: zkCert });
      // /certificates shows it with the same decoder (and names it as what finalizes height 1).
      expect(decodeCertificateResponseJson((await get("/certificates/2")).body, { chainId: CHAIN_ID }).zk).toEqual(zkCert);
      expect(decodeCertificateResponseJson((await get("/certificates/1")).body, { chainId: CHAIN_ID })).toMatchObject({ zk: null, zkFinalizedBy: 2 });
    } finally {
      socket.close();
    }
  });

  test("a genesis key: GET /zk names it from height 1; GET /zk/activation proves there is no activation record under a header's stateRoot", async () => {
    const zk = decodeZkInfoJson(await route("zk"));
    expect(zk.verificationKey).toEqual(verificationKey);
    expect(zk.fromHeight).toBe(1);
    const proof = decodeZkActivationProofJson(await route("zkActivation", {}, { height: 2 }));
    const h2 = decodeHeaderResponseJson(await route("header", { height: 2 }));
    expect(proof).toMatchObject({ height: 2, activation: null });
    expect(proof.stateRoot).toEqual(h2.header.stateRoot);
    expect(await verifyZkActivationProof(h2.header.stateRoot, proof.proof)).toBeNull();
    for (const [q, status, code] of [
      ["x", 400, "API_ERROR_INVALID_HEIGHT"],
      ["0", 400, "API_ERROR_INVALID_HEIGHT"],
      ["999999", 404, "API_ERROR_NOT_FOUND"],
    ] as const) {
      const r = await get(`/zk/activation?height=${q}`);
      expect({ q, status: r.status, code: decodeApiErrorJson(r.body).code }).toEqual({ q, status, code });
    }
  });
});

/**
 * One raw HTTP/1.1 exchange over a TCP socket: writes `head`, then `next()` every `paceMs` while it
 * returns a chunk and the server has sent nothing (a client that dribbles its request), and collects
 * what the server answers until it closes the connection.
 */
async function rawExchange(url: string, head: string, next: () => string | null, paceMs = 20): Promise<{ answer: string; sent: number }> {
  const { hostname, port } = new URL(url);
  const socket = netConnect({ host: hostname, port: Number(port) });
  let answer = "";
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  const stop = () => clearInterval(timer);
  socket.on("data", (d) => {
    answer += d.toString("utf8");
    stop(); // the server answered: stop sending
  });
  await new Promise<void>((resolve, reject) => (socket.once("connect", resolve), socket.once("error", reject)));
  socket.write(head);
  timer = setInterval(() => {
    const chunk = next();
    if (chunk === null) return stop();
    sent += chunk.length;
    socket.write(chunk);
  }, paceMs);
  await new Promise<void>((resolve) => {
    socket.on("error", () => {}); // a reset after the answer (if the server closed first) is not the point here
    socket.once("close", () => resolve());
  });
  stop();
  return { answer, sent };
}

/** The JSON body of a raw HTTP answer. */
const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4));

/**
 * POSTs `size` bytes to `path` over a raw socket, with or without a Content-Length (chunked), like the
 * many clients that send the whole request before they read the answer: the socket is paused until
 * every byte is written. Resolves with the answer, or the error that ended the exchange (a reset
 * discards an answer the client had not read yet).
 */
async function postLarge(url: string, path: string, size: number, opts: { contentLength: boolean; contentType?: string }): Promise<{ status: number; body: string } | { error: string }> {
  const { hostname, port } = new URL(url);
  const socket = netConnect({ host: hostname, port: Number(port) });
  socket.pause();
  let failed: string | null = null;
  socket.on("error", (e: NodeJS.ErrnoException) => (failed ??= e.code ?? e.message));
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  let isClosed = false;
  void closed.then(() => (isClosed = true));
  const drained = () =>
    new Promise<void>((resolve) => {
      const done = () => (socket.off("drain", done), socket.off("close", done), resolve());
      socket.on("drain", done);
      socket.on("close", done);
    });
  const write = async (b: Buffer | string) => {
    if (failed || isClosed) return;
    if (!socket.write(b)) await drained();
  };
  await once(socket, "connect");
  const framing = opts.contentLength ? `Content-Length: ${size}` : "Transfer-Encoding: chunked";
  await write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${opts.contentType ?? "application/json"}\r\n${framing}\r\n\r\n`);
  const chunk = Buffer.alloc(64 * 1024, "a");
  for (let left = size; left > 0 && !failed; left -= chunk.length) {
    const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
    await write(opts.contentLength ? part : Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from("\r\n")]));
  }
  if (!opts.contentLength) await write("0\r\n\r\n");
  let answer = "";
  socket.on("data", (d) => (answer += d.toString("utf8")));
  socket.resume();
  await closed;
  const m = /^HTTP\/1\.1 (\d{3}) /.exec(answer);
  if (!m) return { error: failed ?? "no answer" };
  return { status: Number(m[1]), body: answer.slice(answer.indexOf("\r\n\r\n") + 4) };
}

describe("a running node's API at its limits: refusals keep the error body, nothing changes", () => {
  const CHAIN_ID = "aegis-api-limits-1";
  let dir: string;
  let running: RunningNode;
  let base: string;
  /** A second server over the same node with short bounds, for the timeouts and the discard bound. */
  let tight: ApiServer;
  const TIGHT = { headersTimeoutMs: 1000, requestTimeoutMs: 1000, keepAliveTimeoutMs: 200, connectionTimeoutMs: 2000, timeoutCheckIntervalMs: 100, maxBodyBytes: 1024, maxDiscardedBodyBytes: 64 * 1024 };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "aegis-api-limits-"));
    const res = await initHomes({ home: dir, validators: 1, chainId: CHAIN_ID, consensus: { createEmptyBlocksIntervalMs: 50, rebroadcastIntervalMs: 500 } });
    running = await startNodeFromHome(res.nodes[0]!.home, {
      logger: nullLogger,
      config: (c) => ({ ...c, api: { host: "127.0.0.1", port: 0 }, p2p: { listen: ["/ip4/127.0.0.1/tcp/0"], bootstrap: [] } }),
    });
    base = running.api.url;
    tight = new ApiServer({ host: "127.0.0.1", port: 0, limits: TIGHT }, { node: running.node, logger: nullLogger });
    await tight.start();
    const deadline = Date.now() + 30_000;
    while (running.node.engine.height < 1) {
      if (Date.now() > deadline) throw new Error("no first block");
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 60_000);

  afterAll(async () => {
    await tight?.stop();
    await running?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const getText = async (path: string, init?: RequestInit) => {
    const r = await fetch(base + path, { ...init, signal: AbortSignal.timeout(5000) });
    return { status: r.status, headers: r.headers, text: await r.text() };
  };

  test("the router's refusals (bad URL, over-long parameter, no route) have the error body and quote a short prefix at most", async () => {
    const long = "7".repeat(5000);
    const cases: [string, number, string][] = [
      ["/blocks/%zz", 400, "API_ERROR_BAD_REQUEST"],
      ["/certificates/%E0%A4%A", 400, "API_ERROR_BAD_REQUEST"],
      [`/blocks/${long}`, 414, "API_ERROR_URI_TOO_LONG"],
      [`/headers/${long}`, 414, "API_ERROR_URI_TOO_LONG"],
      [`/consumers/${"a".repeat(5000)}`, 414, "API_ERROR_URI_TOO_LONG"],
      [`/consumers/${"a".repeat(5000)}/inclusion/1`, 414, "API_ERROR_URI_TOO_LONG"],
      [`/no-such-route/${long}`, 404, "API_ERROR_NOT_FOUND"],
      [`/blocks/${"8".repeat(100)}`, 400, "API_ERROR_INVALID_HEIGHT"], // at the limit: the route's own check
    ];
    for (const [path, status, code] of cases) {
      const r = await getText(path);
      expect({ path: path.slice(0, 40), status: r.status, code: decodeApiErrorJson(JSON.parse(r.text)).code }).toEqual({ path: path.slice(0, 40), status, code });
      expect(r.headers.get("content-type")).toMatch(/^application\/json/);
      expect(r.text.length).toBeLessThan(400);
    }
  });

  test("what the HTTP server refuses before routing, and input a decoder quotes, get the error body too, clipped", async () => {
    const malformed = await rawExchange(base, "GET /blocks/1\x01 HTTP/1.1\r\nHost: x\r\n\r\n", () => null);
    expect(malformed.answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(decodeApiErrorJson(bodyOf(malformed.answer)).code).toBe("API_ERROR_BAD_REQUEST");
    const mempool = running.node.mempool.size;
    for (const body of [JSON.stringify({ tx: "AQ==", ["k".repeat(5000)]: 1 }), `{"tx":"${"A".repeat(5000)}`]) {
      const r = await getText("/txs", { method: "POST", headers: { "content-type": "application/json" }, body });
      expect({ status: r.status, code: decodeApiErrorJson(JSON.parse(r.text)).code }).toEqual({ status: 400, code: expect.stringMatching(/^API_ERROR_(INVALID_TX|BAD_REQUEST)$/) });
      expect(r.text.length).toBeLessThan(400);
    }
    expect(running.node.mempool.size).toBe(mempool);
  });

  test("a plain GET of the WebSocket route: 426 Upgrade Required with the error body", async () => {
    const r = await getText("/stream/certificates");
    expect(r.status).toBe(426);
    expect(r.headers.get("upgrade")).toBe("websocket");
    expect(decodeApiErrorJson(JSON.parse(r.text)).code).toBe("API_ERROR_UPGRADE_REQUIRED");
    // The WebSocket itself still opens.
    const socket = new WebSocket(`${base.replace("http", "ws")}/stream/certificates`);
    await new Promise<void>((resolve, reject) => (socket.once("open", () => resolve()), socket.once("error", reject)));
    socket.close();
  });

  test("JSON-RPC on the node: no content type is fine; a body that is not JSON is CometBFT's parse error", async () => {
    const raw = (body: string, headers: Record<string, string>) =>
      new Promise<{ status: number; json: any }>((resolve, reject) => {
        const req = httpRequest(new URL("/", base), { method: "POST", headers: { ...headers, "content-length": Buffer.byteLength(body) }, agent: false }, (res) => {
          let text = "";
          res.on("data", (d) => (text += d));
          res.on("end", () => resolve({ status: res.statusCode!, json: JSON.parse(text) }));
        });
        req.on("error", reject);
        req.end(body);
      });
    const status = await raw(JSON.stringify({ jsonrpc: "2.0", id: 3, method: "status", params: {} }), {});
    expect(status).toMatchObject({ status: 200, json: { id: 3, result: { node_info: { network: CHAIN_ID } } } });
    const bad = await raw("{oops", { "content-type": "application/json" });
    expect(bad).toEqual({ status: 500, json: { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error. Invalid JSON", data: expect.stringMatching(/^error unmarshaling request/) } } });
    const wrongType = await raw(JSON.stringify({ jsonrpc: "2.0", id: 4, method: "tx", params: { hash: { x: 1 } } }), { "content-type": "application/json" });
    expect(wrongType.json.error).toMatchObject({ code: -32602, message: "Invalid params" });
  });

  test("a body over the limit: the client reads its 413 while still sending (REST and JSON-RPC), the mempool is unchanged", async () => {
    const mempool = running.node.mempool.size;
    // More than the kernel buffers on both ends hold, so the client is still sending when the limit is hit.
    const size = running.api.limits.maxBodyBytes + 5 * 1024 * 1024;
    for (const contentLength of [true, false]) {
      const r = await postLarge(base, "/txs", size, { contentLength });
      expect({ contentLength, r: "status" in r ? r.status : r.error }).toEqual({ contentLength, r: 413 });
      if ("status" in r) expect(decodeApiErrorJson(JSON.parse(r.body)).code).toBe("API_ERROR_BODY_TOO_LARGE");
      const rpc = await postLarge(base, "/", size, { contentLength, contentType: "text/plain" });
      expect({ contentLength, rpc: "status" in rpc ? rpc.status : rpc.error }).toEqual({ contentLength, rpc: 413 });
      if ("status" in rpc) expect(JSON.parse(rpc.body)).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32600 } });
    }
    expect(running.node.mempool.size).toBe(mempool);
  });

  test("beyond the discard bound the connection is closed; the server keeps serving", async () => {
    const r = await postLarge(tight.url, "/txs", 8 * 1024 * 1024, { contentLength: true });
    // Either it read the 413 before the close or the close reset the exchange: never a hang, never a 2xx.
    expect("status" in r ? r.status : ["ECONNRESET", "EPIPE"].includes(r.error) ? 413 : r.error).toBe(413);
    expect((await fetch(`${tight.url}/status`)).status).toBe(200);
  });

  test("a client that sends its body or its headers slowly is cut off with a 408 before it is done", async () => {
    const mempool = running.node.mempool.size;
    const length = 100_000;
    const slowBody = await rawExchange(tight.url, `POST /txs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n{"tx":"`, () => "A");
    expect(slowBody.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(decodeApiErrorJson(bodyOf(slowBody.answer)).code).toBe("API_ERROR_REQUEST_TIMEOUT");
    expect(slowBody.sent).toBeLessThan(length);
    let header = 0;
    const slowHeaders = await rawExchange(tight.url, "GET /status HTTP/1.1\r\nHost: x\r\n", () => (header++ < 100_000 ? `X-${header}: y\r\n` : null));
    expect(slowHeaders.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(decodeApiErrorJson(bodyOf(slowHeaders.answer)).code).toBe("API_ERROR_REQUEST_TIMEOUT");
    expect(running.node.mempool.size).toBe(mempool);
  });

  test("idle connections are closed: after a keep-alive answer, and with nothing sent", async () => {
    const afterAnswer = await rawExchange(tight.url, "GET /status HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n", () => null);
    expect(afterAnswer.answer).toMatch(/^HTTP\/1\.1 200 /);
    const silent = await rawExchange(tight.url, "", () => null);
    expect(silent.answer === "" || /^HTTP\/1\.1 408 /.test(silent.answer)).toBe(true);
  });

  test("a chain without a zk section: GET /zk/activation is 404 with the error body, whatever the height", async () => {
    for (const path of ["/zk/activation", "/zk/activation?height=1", "/zk/activation?height=abc"]) {
      const r = await getText(path);
      expect({ path, status: r.status, code: decodeApiErrorJson(JSON.parse(r.text)).code }).toEqual({ path, status: 404, code: "API_ERROR_NOT_FOUND" });
      expect(decodeApiErrorJson(JSON.parse(r.text)).message).toMatch(/no zk section/);
    }
  });
});
