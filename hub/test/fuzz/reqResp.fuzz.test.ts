/**
 * Fuzzing the request/response protocols (issue 18, "Fuzzing every input"): `status` and `blocks`
 * (SyncService), `zk-certificates` (ZkService), and the framing under them (p2p readFrame, P2pNetwork's
 * inbound streams). Both sides are strangers to each other:
 *
 * - responder: a malformed request gets a typed error (CodecError, which P2pNetwork answers with
 *   STATUS_HANDLER_ERROR), a valid one an answer within the caps (MAX_BATCH blocks, CATCH_UP_BATCH
 *   certificates) that the requester's decoder accepts;
 * - requester: a malformed or hostile response is refused with a typed error (SyncError, CodecError),
 *   never fed to the engine unless its certificate is valid, never stored unless proved, and never
 *   keeps the requester asking forever;
 * - framing: a frame whose prefix announces more than the limit is refused before its body is read
 *   (readFrame pulls nothing after the prefix), every other malformed framing gets a typed error, and a
 *   P2pNetwork never hands such a frame to its handler.
 *
 * `npm test` runs a bounded number of cases per property; `npm run fuzz` many more (fuzzParams).
 */
import { zkCertificateOfVector } from "../../../consumer-sdk/test/helpers/zkVectors.js";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import type { Libp2p, Stream } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import {
  assertValidCommitCertificate,
  blsAggregateSignatures,
  blsSign,
  computeBlockHash,
  computeVoteSignBytes,
  createBlsKeyPair,
  createSignerBitmap,
  createValidatorSet,
  fromHex,
  toHex,
  VoteType,
  ZERO_HASH,
  type BlockHeader,
  type ZkCertificate,
} from "@aegis/consumer-sdk";
import { readFrame, StreamEndedError } from "@aegis/p2p";
import { fuzzParams } from "../../../test/helpers/fuzz.js";
import type { Application } from "../../src/app/index.js";
import {
  CodecError,
  decodeBlocksRequest,
  decodeBlocksResponse,
  decodeStatusResponse,
  decodeZkCertificatesRequest,
  decodeZkCertificatesResponse,
  encodeBlocksRequest,
  encodeBlocksResponse,
  encodeStatusResponse,
  encodeZkCertificatesRequest,
  encodeZkCertificatesResponse,
  MAX_BLOCKS_PER_RESPONSE,
  MAX_ZK_CERTIFICATES_PER_RESPONSE,
  type BlocksRequest,
  type StatusResponse,
} from "../../src/codec/index.js";
import type { ConsensusEngine } from "../../src/consensus/consensusEngine.js";
import type { CertifiedBlock } from "../../src/consensus/types.js";
import { HubDb } from "../../src/db/hubDb.js";
import { nullLogger, type Logger } from "../../src/logger.js";
import { HubNetwork, NetworkError, requestProtocol, type RequestHandler } from "../../src/network/index.js";
import { BLOCKS_PROTOCOL, STATUS_PROTOCOL, SyncService } from "../../src/sync/syncService.js";
import { ZK_CERTIFICATES_PROTOCOL, ZkService, type ZkGenesisConfig } from "../../src/zk/zkService.js";
import { createAttestationKeyPair } from "../../src/attestation/index.js";
import { anyInputArbitrary, concatBytes, encodedMessageArbitrary, encodeVarint, HANG_MS, LYING_LENGTHS, timed, timedAsync } from "./protoArbitraries.js";

const here = dirname(fileURLToPath(import.meta.url));
const vector = JSON.parse(readFileSync(join(here, "..", "..", "..", "test", "vectors", "zkCertificates.json"), "utf8"));

/** syncService.ts MAX_BATCH and zkService.ts CATCH_UP_BATCH: what a responder answers at most. */
const MAX_BLOCKS_PER_ANSWER = 100;
const MAX_CERTIFICATES_PER_ANSWER = 64;

function expectCodecError(e: unknown): void {
  if (!(e instanceof CodecError)) throw e;
  expect(["CODEC_ERROR_MALFORMED", "CODEC_ERROR_INVALID_FIELD"]).toContain(e.code);
}

// ---------------------------------------------------------------------------------------------
// A signed hub chain (4 BLS validators) stored in a real LevelDB
// ---------------------------------------------------------------------------------------------

const CHAIN_ID = "aegis-fuzz-reqresp-1";
const CHAIN_LENGTH = 6;
const blsKeys = [1, 2, 3, 4].map((i) => createBlsKeyPair(new Uint8Array(32).fill(i)));
const validatorSet = createValidatorSet(
  blsKeys.map((k, i) => ({ blsPublicKey: k.publicKey, power: BigInt(10 * (i + 1)) })),
  { skipProofOfPossession: true },
);
const secretOf = new Map(blsKeys.map((k) => [toHex(k.publicKey), k.secretKey]));

function certify(header: BlockHeader): CertifiedBlock["certificate"] {
  const blockHash = computeBlockHash(header);
  const msg = computeVoteSignBytes({ chainId: CHAIN_ID, height: header.height, round: 0, type: VoteType.Precommit, blockHash });
  const signature = blsAggregateSignatures(validatorSet.validators.map((v) => blsSign(secretOf.get(toHex(v.blsPublicKey))!, msg)));
  return { height: header.height, round: 0, blockHash, signers: createSignerBitmap(4, [0, 1, 2, 3]), signature };
}

const chain: CertifiedBlock[] = [];
for (let h = 1; h <= CHAIN_LENGTH; h++) {
  const header: BlockHeader = {
    chainId: CHAIN_ID,
    height: h,
    time: 1_700_000_000_000 + h * 1000,
    parentHash: h === 1 ? ZERO_HASH : computeBlockHash(chain[h - 2]!.block.header),
    txRoot: new Uint8Array(32).fill(1),
    stateRoot: new Uint8Array(32).fill(h),
    consumerCheckpointRoot: new Uint8Array(32).fill(3),
    validatorSetRoot: new Uint8Array(32).fill(4),
    nextValidatorSetRoot: new Uint8Array(32).fill(4),
    proposer: new Uint8Array(20).fill(5),
    lastCommitHash: new Uint8Array(32).fill(6),
    evidenceRoot: new Uint8Array(32).fill(7),
  };
  chain.push({ block: { header, txs: [Uint8Array.of(h, 1, 2)], lastCommit: chain.at(-1)?.certificate ?? null, evidence: [] }, certificate: certify(header) });
}

// ---------------------------------------------------------------------------------------------
// ZkService with the committed vector (a real quorum4 certificate of height 42)
// ---------------------------------------------------------------------------------------------

const ZK_CHAIN_ID: string = vector.certificate.chainId;
const vectorCert: ZkCertificate = zkCertificateOfVector(vector.certificate);
const CERT_HEIGHT = vectorCert.height;
const COMMITTED = CERT_HEIGHT + 1;
const zkConfig = { circuit: vectorCert.circuit, capacity: vector.capacity, verificationKey: vector.verificationKey, attestationIntervalMs: 1000, proverReward: "0", epochLength: 100 } as unknown as ZkGenesisConfig;
const set0 = (vector.validators as { attestationSecretKey: string; power: string }[]).map((v) => ({ attestationPublicKey: createAttestationKeyPair(fromHex(v.attestationSecretKey)).publicKey, power: BigInt(v.power) }));
const set1 = set0.map((v, i) => (i === 3 ? { ...v, power: 50n } : v));
const timeAt = (h: number) => vectorCert.time - (CERT_HEIGHT - h) * 1000;
const hashAt = (h: number) => (h === CERT_HEIGHT ? vectorCert.blockHash : new Uint8Array(32).fill(h & 0xff));
const zkApp = { zkValidatorsAt: (h: number) => (h < 1 ? undefined : h <= CERT_HEIGHT ? { validators: set0, startHeight: 1 } : { validators: set1, startHeight: CERT_HEIGHT + 1 }) } as unknown as Application;
/** Stored certificates the responder serves (shapes only; the catch-up checks them). */
const storedCerts = [5, 9, 17].map((height) => ({ ...vectorCert, height, blockHash: new Uint8Array(32).fill(height) }));

const dirs: string[] = [];
const dbs: HubDb[] = [];
async function openDb(): Promise<HubDb> {
  const dir = await mkdtemp(join(tmpdir(), "aegis-fuzz-reqresp-"));
  dirs.push(dir);
  const db = await HubDb.open(dir);
  dbs.push(db);
  return db;
}

afterAll(async () => {
  for (const db of dbs) if (db.isOpen) await db.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Codecs of the protocols
// ---------------------------------------------------------------------------------------------

interface ProtocolCodec<T> {
  name: string;
  protoType: string;
  decode(b: Uint8Array): T;
  encode(v: T): Uint8Array;
  valid: fc.Arbitrary<Uint8Array>;
}
const pc = <T>(c: ProtocolCodec<T>) => c as unknown as ProtocolCodec<unknown>;
const blocksRequest: fc.Arbitrary<BlocksRequest> = fc.record({ fromHeight: fc.integer({ min: 1, max: 2 ** 53 - 1 }), count: fc.integer({ min: 1, max: 2 ** 32 - 1 }) });
const statusResponse: fc.Arbitrary<StatusResponse> = fc.record({
  chainId: fc.string({ maxLength: 50 }),
  height: fc.integer({ min: 1, max: 2 ** 53 - 1 }),
  latestBlockHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  earliestHeight: fc.integer({ min: 0, max: 2 ** 53 - 1 }),
});
const someBlocks = fc.integer({ min: 0, max: CHAIN_LENGTH - 1 }).chain((from) => fc.integer({ min: from, max: CHAIN_LENGTH }).map((to) => chain.slice(from, to)));

const CODECS: ProtocolCodec<unknown>[] = [
  pc({ name: "BlocksRequest", protoType: "aegis.v1.BlocksRequest", decode: decodeBlocksRequest, encode: encodeBlocksRequest, valid: blocksRequest.map(encodeBlocksRequest) }),
  pc({ name: "ZkCertificatesRequest", protoType: "aegis.v1.ZkCertificatesRequest", decode: decodeZkCertificatesRequest, encode: encodeZkCertificatesRequest, valid: blocksRequest.map(encodeZkCertificatesRequest) }),
  pc({ name: "StatusResponse", protoType: "aegis.v1.StatusResponse", decode: decodeStatusResponse, encode: encodeStatusResponse, valid: statusResponse.map(encodeStatusResponse) }),
  pc({ name: "BlocksResponse", protoType: "aegis.v1.BlocksResponse", decode: decodeBlocksResponse, encode: encodeBlocksResponse, valid: someBlocks.map(encodeBlocksResponse) }),
  pc({
    name: "ZkCertificatesResponse",
    protoType: "aegis.v1.ZkCertificatesResponse",
    decode: (b) => decodeZkCertificatesResponse(b, ZK_CHAIN_ID),
    encode: encodeZkCertificatesResponse,
    valid: fc.subarray([vectorCert, ...storedCerts]).map(encodeZkCertificatesResponse),
  }),
];

describe.each(CODECS.map((c) => [c.name, c] as const))("%s", (_name, c) => {
  test("random, reflected and mutated bytes: a CodecError or a canonical value, in bounded time", () => {
    fc.assert(
      fc.property(anyInputArbitrary(fc.oneof(c.valid, encodedMessageArbitrary(c.protoType))), (bytes) => {
        const r = timed(() => c.decode(bytes));
        expect(r.ms).toBeLessThan(HANG_MS);
        if (r.error !== undefined) return expectCodecError(r.error);
        const again = c.encode(r.value);
        expect(c.decode(again)).toEqual(r.value);
        expect(c.encode(c.decode(again))).toEqual(again);
      }),
      fuzzParams(300),
    );
  });
});

test("answers carry at most MAX_BLOCKS_PER_RESPONSE blocks and MAX_ZK_CERTIFICATES_PER_RESPONSE certificates, counted before decoding", () => {
  expect(MAX_BLOCKS_PER_RESPONSE).toBeGreaterThanOrEqual(MAX_BLOCKS_PER_ANSWER);
  expect(MAX_ZK_CERTIFICATES_PER_RESPONSE).toBeGreaterThanOrEqual(MAX_CERTIFICATES_PER_ANSWER);
  const empties = (n: number) => new Uint8Array(2 * n).map((_, i) => (i % 2 === 0 ? 0x0a : 0)); // field 1, empty
  const lenField = (content: Uint8Array) => concatBytes(Uint8Array.of(0x0a), encodeVarint(content.length), content); // field 1
  const cases: [() => unknown, string][] = [
    [() => decodeBlocksResponse(empties(MAX_BLOCKS_PER_RESPONSE + 1)), "blocks"],
    [() => decodeZkCertificatesResponse(empties(MAX_ZK_CERTIFICATES_PER_RESPONSE + 1), ZK_CHAIN_ID), "certificates"],
    // A certified block whose block (field 1) carries too many evidence items.
    [() => decodeBlocksResponse(lenField(lenField(new Uint8Array(2 * 65).map((_, i) => (i % 2 === 0 ? 0x22 : 0))))), "evidence"],
  ];
  for (const [decode, field] of cases) {
    const r = timed(decode);
    expect(r.ms).toBeLessThan(HANG_MS);
    expect(r.error).toBeInstanceOf(CodecError);
    expect((r.error as CodecError).type).toMatchObject({ code: "CODEC_ERROR_INVALID_FIELD", field });
  }
  expect(decodeBlocksResponse(encodeBlocksResponse(chain))).toEqual(chain);
});

// ---------------------------------------------------------------------------------------------
// Responders: SyncService's `status` and `blocks`, ZkService's `zk-certificates`
// ---------------------------------------------------------------------------------------------

/** A HubNetwork stand-in that records handlers and answers requests from `respond`. */
function fakeNetwork(respond: (peer: string, name: string, data: Uint8Array) => Promise<Uint8Array> = async () => new Uint8Array(0)) {
  const handlers = new Map<string, RequestHandler>();
  let requests = 0;
  const network = {
    handle: (name: string, h: RequestHandler) => void handlers.set(name, h),
    on: () => undefined,
    connectedPeers: () => ["peer-a"],
    request: async (peer: string, name: string, data: Uint8Array) => {
      requests++;
      await new Promise((r) => setImmediate(r)); // a network answer is never synchronous
      return respond(peer, name, data);
    },
  };
  return { network, handlers, requests: () => requests };
}

/** The part of ConsensusEngine that sync uses: a chain tip that advances with each submitted block. */
function fakeEngine(height: number) {
  const submitted: CertifiedBlock[] = [];
  const engine = {
    chainId: CHAIN_ID,
    get height() {
      return height;
    },
    get chainTip() {
      return { chainId: CHAIN_ID, height, blockHash: height > 0 ? chain[height - 1]!.certificate.blockHash : new Uint8Array(0) };
    },
    getValidatorSet: () => validatorSet,
    submitCertifiedBlock: async (cb: CertifiedBlock) => {
      expect(cb.block.header.height).toBe(height + 1);
      submitted.push(cb);
      height++;
    },
  };
  return { engine: engine as unknown as ConsensusEngine, submitted };
}

describe("responders", () => {
  let blocksHandler: RequestHandler;
  let statusHandler: RequestHandler;
  let zk: ZkService;

  beforeAll(async () => {
    const db = await openDb();
    for (const cb of chain) await db.blocks.putCertified(cb);
    const { network, handlers } = fakeNetwork();
    const sync = new SyncService({}, { network: network as unknown as HubNetwork, engine: fakeEngine(CHAIN_LENGTH).engine, db, logger: nullLogger });
    sync.registerHandlers();
    blocksHandler = handlers.get(BLOCKS_PROTOCOL)!;
    statusHandler = handlers.get(STATUS_PROTOCOL)!;
    for (const c of storedCerts) await db.zkCertificates.put({ ...c, chainId: ZK_CHAIN_ID });
    zk = new ZkService({ chainId: ZK_CHAIN_ID, genesisTime: 0, zk: zkConfig, attestationKey: null, prover: null }, { db, app: zkApp, committedHeight: () => COMMITTED, publish: () => undefined, logger: nullLogger });
    await zk.start();
  });
  afterAll(() => zk.stop());

  const requests = (valid: fc.Arbitrary<Uint8Array>) => anyInputArbitrary(fc.oneof(valid, encodedMessageArbitrary("aegis.v1.BlocksRequest")));
  const smallRequest = fc.record({ fromHeight: fc.integer({ min: 1, max: CHAIN_LENGTH + 20 }), count: fc.integer({ min: 1, max: 300 }) });

  test("blocks: a CodecError, or the stored blocks asked for (at most MAX_BATCH), which the requester's decoder accepts", async () => {
    await fc.assert(
      fc.asyncProperty(requests(smallRequest.map(encodeBlocksRequest)), async (req) => {
        const r = await timedAsync(() => blocksHandler(req, "peer-a"));
        expect(r.ms).toBeLessThan(HANG_MS);
        if (r.error !== undefined) return expectCodecError(r.error);
        const asked = decodeBlocksRequest(req);
        const blocks = decodeBlocksResponse(r.value!);
        const expected = chain.slice(asked.fromHeight - 1, Math.min(asked.fromHeight - 1 + Math.min(asked.count, MAX_BLOCKS_PER_ANSWER), CHAIN_LENGTH));
        expect(blocks).toEqual(expected);
      }),
      fuzzParams(200),
    );
  });

  test("status: the request's bytes are not read; the answer decodes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), async (req) => {
        expect(decodeStatusResponse(await statusHandler(req, "peer-a"))).toMatchObject({ chainId: CHAIN_ID, height: CHAIN_LENGTH, earliestHeight: 1 });
      }),
      fuzzParams(20),
    );
  });

  test("zk-certificates: a CodecError, or the stored certificates from the height asked (at most CATCH_UP_BATCH)", async () => {
    await fc.assert(
      fc.asyncProperty(requests(smallRequest.map(encodeZkCertificatesRequest)), async (req) => {
        const r = await timedAsync(() => zk.serveCertificates(req));
        expect(r.ms).toBeLessThan(HANG_MS);
        if (r.error !== undefined) return expectCodecError(r.error);
        const asked = decodeZkCertificatesRequest(req);
        const certs = decodeZkCertificatesResponse(r.value!, ZK_CHAIN_ID);
        expect(certs.length).toBeLessThanOrEqual(Math.min(asked.count, MAX_CERTIFICATES_PER_ANSWER));
        expect(certs).toEqual(storedCerts.filter((c) => c.height >= asked.fromHeight).slice(0, Math.min(asked.count, MAX_CERTIFICATES_PER_ANSWER)).map((c) => ({ ...c, chainId: ZK_CHAIN_ID })));
      }),
      fuzzParams(150),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Requesters: sync and certificate catch-up against a hostile peer
// ---------------------------------------------------------------------------------------------

/** A logger that keeps the warnings (sync logs each failed fetch with its error's code). */
function recordingLogger(): { logger: Logger; warnings: Record<string, unknown>[] } {
  const warnings: Record<string, unknown>[] = [];
  const logger: Logger = { debug: () => undefined, info: () => undefined, warn: (_m, f) => void warnings.push(f ?? {}), error: () => undefined, child: () => logger };
  return { logger, warnings };
}

/** SyncService's catch-up round (what `trigger` runs): statuses, then blocks from the highest peer. */
const runSync = (sync: SyncService) => (sync as unknown as { run(): Promise<void> }).run();
/** A requester that asks more than this in one round against one peer is looping. */
const MAX_REQUESTS_PER_ROUND = 50;

describe("requesters", () => {
  const responses = anyInputArbitrary(fc.oneof(someBlocks.map(encodeBlocksResponse), encodedMessageArbitrary("aegis.v1.BlocksResponse", { maxDepth: 5 })));

  test("sync: a hostile blocks answer is refused with a typed error; only validly certified blocks reach the engine; the round ends", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 }), fc.array(responses, { minLength: 1, maxLength: 3 }), async (start, answers) => {
        const { engine, submitted } = fakeEngine(start);
        let i = 0;
        const { network, requests } = fakeNetwork(async (_peer, name) => {
          if (name === STATUS_PROTOCOL) return encodeStatusResponse({ chainId: CHAIN_ID, height: CHAIN_LENGTH, latestBlockHash: chain.at(-1)!.certificate.blockHash, earliestHeight: 1 });
          if (requests() > MAX_REQUESTS_PER_ROUND) throw new NetworkError({ code: "NETWORK_ERROR_TIMEOUT", timeoutMs: 0 });
          return answers[i++ % answers.length]!;
        });
        const { logger, warnings } = recordingLogger();
        const sync = new SyncService({ batchSize: 3 }, { network: network as unknown as HubNetwork, engine, db: {} as HubDb, logger });
        sync.start();
        const r = await timedAsync(() => runSync(sync));
        sync.stop();
        expect(r.error).toBeUndefined();
        expect(r.ms).toBeLessThan(HANG_MS);
        expect(requests()).toBeLessThanOrEqual(CHAIN_LENGTH + 2);
        for (const cb of submitted) {
          expect(() => assertValidCommitCertificate(cb.certificate, { chainId: CHAIN_ID, validatorSet, expectedHeight: cb.block.header.height, expectedBlockHash: computeBlockHash(cb.block.header) })).not.toThrow();
        }
        for (const w of warnings) expect(["SYNC_ERROR_BAD_RESPONSE", "SYNC_ERROR_INVALID_CERTIFICATE", "SYNC_ERROR_WRONG_CHAIN"]).toContain(w.code);
      }),
      fuzzParams(120),
    );
  });

  test("sync: a peer that answers only blocks the node has is dropped for the round, not asked again and again", async () => {
    const { engine, submitted } = fakeEngine(3);
    const { network, requests } = fakeNetwork(async (_peer, name) => {
      if (name === STATUS_PROTOCOL) return encodeStatusResponse({ chainId: CHAIN_ID, height: CHAIN_LENGTH, latestBlockHash: chain.at(-1)!.certificate.blockHash, earliestHeight: 1 });
      if (requests() > MAX_REQUESTS_PER_ROUND) throw new NetworkError({ code: "NETWORK_ERROR_TIMEOUT", timeoutMs: 0 });
      return encodeBlocksResponse(chain.slice(0, 2)); // heights 1 and 2, whatever is asked
    });
    const { logger, warnings } = recordingLogger();
    const sync = new SyncService({}, { network: network as unknown as HubNetwork, engine, db: {} as HubDb, logger });
    sync.start();
    await runSync(sync);
    sync.stop();
    expect(submitted).toEqual([]);
    expect(requests()).toBe(2); // status, then one blocks request
    expect(warnings).toEqual([expect.objectContaining({ code: "SYNC_ERROR_BAD_RESPONSE" })]);
  });

  describe("certificate catch-up", () => {
    let db: HubDb;
    let answer: (req: Uint8Array) => Uint8Array;
    let asked = 0;
    let zk: ZkService;

    beforeAll(async () => {
      db = await openDb();
      zk = new ZkService(
        { chainId: ZK_CHAIN_ID, genesisTime: timeAt(0), zk: zkConfig, attestationKey: null, prover: null },
        {
          db,
          app: zkApp,
          committedHeight: () => COMMITTED,
          publish: () => undefined,
          logger: nullLogger,
          peers: () => ["peer-a"],
          request: async (_peer, name, data) => {
            expect(name).toBe(ZK_CERTIFICATES_PROTOCOL);
            if (++asked > MAX_REQUESTS_PER_ROUND) throw new NetworkError({ code: "NETWORK_ERROR_TIMEOUT", timeoutMs: 0 });
            await new Promise((r) => setImmediate(r));
            return answer(data);
          },
        },
      );
      await zk.start();
      for (let h = 1; h <= COMMITTED; h++) await zk.onCommit(h, timeAt(h), hashAt(h), { attest: false });
    });
    afterAll(() => zk.stop());

    const answers = anyInputArbitrary(fc.subarray([vectorCert, ...storedCerts.map((c) => ({ ...c, height: c.height + 30 })), { ...vectorCert, height: CERT_HEIGHT + 3 }]).map(encodeZkCertificatesResponse));

    test("a hostile answer never stores a certificate that is not proved, and the catch-up ends", async () => {
      await fc.assert(
        fc.asyncProperty(answers, async (bytes) => {
          asked = 0;
          answer = () => bytes;
          const r = await timedAsync(() => zk.catchUp());
          expect(r.error).toBeUndefined();
          expect(r.ms).toBeLessThan(HANG_MS);
          expect(asked).toBeLessThanOrEqual(2);
          for (const c of await db.zkCertificates.range(1, 1000, ZK_CHAIN_ID)) expect(c).toEqual(vectorCert);
          const through = await db.meta.getMeta("zkSyncedThrough");
          if (through) expect(Number(Buffer.from(through).readBigUInt64BE())).toBeLessThanOrEqual(COMMITTED);
        }),
        fuzzParams(60),
      );
    });

    // Found by this suite (fixed in hub/src/zk/zkService.ts #catchUp): a full answer (CATCH_UP_BATCH
    // certificates) that the cursor cannot pass (all above the committed height, or not checkable yet)
    // was asked for again, forever, and `catchingUp` never cleared.
    test("a full answer the cursor cannot pass is not asked for again and again", async () => {
      const above = Array.from({ length: MAX_CERTIFICATES_PER_ANSWER }, (_, i) => ({ ...vectorCert, height: COMMITTED + 1 + i }));
      asked = 0;
      answer = () => encodeZkCertificatesResponse(above);
      await zk.catchUp();
      expect(asked).toBeLessThanOrEqual(2);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Framing: p2p readFrame over a stream stand-in, then P2pNetwork over loopback
// ---------------------------------------------------------------------------------------------

const FRAME_ERRORS = ["InvalidDataLengthError", "InvalidDataLengthLengthError", "InvalidMessageLengthError", "UnexpectedEOFError", "StreamEndedError"];

/** A stream stand-in: yields `chunks` one by one and counts how many were pulled. */
function chunkStream(chunks: readonly Uint8Array[]): { stream: Stream; pulled: () => number } {
  let pulled = 0;
  const source = {
    async *[Symbol.asyncIterator]() {
      for (const c of chunks) {
        pulled++;
        yield c;
      }
    },
  };
  return { stream: source as unknown as Stream, pulled: () => pulled };
}

/** `bytes` cut at `cuts` (positions, any order). */
function cut(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    if (c > prev) out.push(bytes.subarray(prev, c));
    prev = c;
  }
  return out;
}

describe("readFrame", () => {
  test("a complete frame within the limit is returned exactly; anything else is a typed error", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 0, max: 400 }),
        fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 310 }), fc.constantFrom(...LYING_LENGTHS)),
        fc.integer({ min: -5, max: 5 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.uint8Array({ maxLength: 8 }),
        async (body, maxBytes, announced, truncate, cuts, trailing) => {
          const length = announced === undefined ? body.length : Number(announced);
          const prefix = encodeVarint(announced ?? body.length);
          const full = concatBytes(prefix, body, trailing);
          const bytes = truncate < 0 ? full.subarray(0, Math.max(0, full.length + truncate)) : full;
          const { stream } = chunkStream(cut(bytes, cuts));
          const r = await timedAsync(() => readFrame(stream, maxBytes));
          if (r.error === undefined) {
            // Only a frame that is there in full and within the limit.
            expect(length).toBeLessThanOrEqual(maxBytes);
            expect(bytes.length).toBeGreaterThanOrEqual(prefix.length + length);
            expect(r.value).toEqual(bytes.subarray(prefix.length, prefix.length + length));
          } else {
            expect(FRAME_ERRORS).toContain((r.error as Error).name);
            // A whole prefix over the limit: refused as such, or (2^53 and up, which the varint reader cannot
            // hold) as a prefix too long once a 9th byte arrives, or as an early end.
            if (length > maxBytes && bytes.length >= prefix.length) {
              expect(length < 2 ** 53 ? ["InvalidDataLengthError"] : ["InvalidDataLengthLengthError", "UnexpectedEOFError"]).toContain((r.error as Error).name);
            }
          }
        },
      ),
      fuzzParams(500),
    );
  });

  test("a prefix that announces more than the limit is refused before any of the body is read", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 4096 }),
        fc.oneof(fc.bigInt({ min: 1n, max: 1n << 40n }), fc.constantFrom(...LYING_LENGTHS.filter((l) => l > 4096n))),
        fc.integer({ min: 1, max: 64 }),
        async (maxBytes, excess, chunkSize) => {
          const announced = BigInt(maxBytes) + excess;
          const body = Array.from({ length: 100 }, () => new Uint8Array(chunkSize));
          const { stream, pulled } = chunkStream([encodeVarint(announced), ...body]);
          const error = await readFrame(stream, maxBytes).then(
            () => undefined,
            (e: Error) => e.name,
          );
          if (announced < 2n ** 53n) {
            expect(error).toBe("InvalidDataLengthError");
            expect(pulled()).toBe(1);
          } else {
            // Too long for the varint reader: refused once one more byte shows the prefix is over 8 bytes.
            expect(error).toBe("InvalidDataLengthLengthError");
            expect(pulled()).toBeLessThanOrEqual(2);
          }
        },
      ),
      fuzzParams(100),
    );
    const { stream } = chunkStream([]);
    await expect(readFrame(stream, 10)).rejects.toBeInstanceOf(StreamEndedError);
  });
});

describe("P2pNetwork inbound requests", () => {
  const MAX = 1024;
  let server: HubNetwork;
  let client: HubNetwork;
  const seen: Uint8Array[] = [];

  beforeAll(async () => {
    server = new HubNetwork({ chainId: CHAIN_ID, listen: ["/ip4/127.0.0.1/tcp/0"], bootstrap: [], maxMessageBytes: MAX });
    server.handle("echo", async (req) => {
      seen.push(req);
      return req;
    });
    await server.start();
    client = new HubNetwork({ chainId: CHAIN_ID, listen: ["/ip4/127.0.0.1/tcp/0"], bootstrap: [server.multiaddrs[0]!], maxMessageBytes: MAX });
    await client.start();
    const deadline = Date.now() + 10_000;
    while (!client.connectedPeers().includes(server.peerId)) {
      if (Date.now() > deadline) throw new Error("no connection");
      await new Promise((r) => setTimeout(r, 25));
    }
  });
  afterAll(async () => {
    await client.stop();
    await server.stop();
  });

  /** Sends `bytes` raw on a new `echo` stream, closes the write side, and reads what comes back (or how it fails). */
  async function raw(bytes: Uint8Array): Promise<{ answer: Uint8Array; error?: string }> {
    const node = (client as unknown as { node: Libp2p }).node;
    const stream = await node.dialProtocol(peerIdFromString(server.peerId), requestProtocol(CHAIN_ID, "echo"));
    const parts: Uint8Array[] = [];
    try {
      if (bytes.length > 0 && !stream.send(bytes)) await stream.onDrain();
      await stream.close();
      for await (const chunk of stream) parts.push(chunk instanceof Uint8Array ? chunk : chunk.subarray());
      return { answer: concatBytes(...parts) };
    } catch (e) {
      return { answer: concatBytes(...parts), error: (e as Error).name };
    }
  }

  test("only a whole frame within maxMessageBytes reaches the handler; the rest is reset unanswered", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 64 }),
        fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 80 }), fc.constantFrom(MAX, MAX + 1, 2 ** 20, 2 ** 31, 2 ** 40)),
        fc.boolean(),
        async (body, announced, truncated) => {
          seen.length = 0;
          const length = announced ?? body.length;
          const sent = truncated ? body.subarray(0, body.length - 1) : body;
          const r = await raw(concatBytes(encodeVarint(length), sent));
          if (length <= MAX && sent.length >= length) {
            const req = sent.subarray(0, length);
            expect(seen).toEqual([req]);
            expect(r.error).toBeUndefined();
            expect(r.answer).toEqual(concatBytes(encodeVarint(length + 1), Uint8Array.of(0), req));
          } else {
            expect(seen).toEqual([]);
            expect(r.answer).toEqual(new Uint8Array(0));
          }
        },
      ),
      fuzzParams(25),
    );
  });

  test("a request over the limit is refused by the requester before sending; a limit is the network's maxMessageBytes", async () => {
    await expect(client.request(server.peerId, "echo", new Uint8Array(MAX + 1))).rejects.toMatchObject({ type: { code: "NETWORK_ERROR_MESSAGE_TOO_LARGE", limit: MAX } });
    expect(await client.request(server.peerId, "echo", new Uint8Array(MAX).fill(1))).toEqual(new Uint8Array(MAX).fill(1));
  });
});
