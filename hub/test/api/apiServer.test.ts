/**
 * The hub's API against the SDK's shared decoders (consumer-sdk/src/hubApi): the JSON views of the
 * hub's own types decode back to them, and every route of a running one-validator node (with the
 * application and a ZK genesis) answers JSON that the SDK decodes and whose certificates verify.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
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
  decodeZkInfoJson,
  encodeBlockJson,
  encodeEvidenceSummaryJson,
  encodeSubmitTxRequestJson,
  encodeValidatorSetJson,
  fromHex,
  sha256,
  VoteType,
  type BlockHeader,
  type HubApiRouteName,
  type ZkCertificate,
} from "@aegis/consumer-sdk";
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
});
