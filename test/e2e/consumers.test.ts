/**
 * Consumer checkpoints through real consensus: four in-process validators (libp2p and LevelDB on
 * loopback). A consumer registers with a bond and a producer key; a relayer submits its checkpoint
 * chain with cosmjs; every validator executes the blocks and agrees on the header's
 * consumer-checkpoint root. A checkpoint is then proved from outside, as a consumer would: the hub
 * header that recorded it is certified by its BLS commit certificate (the SDK's rule), and the
 * checkpoint is in that header's root (the SDK's inclusion rule). A checkpoint that does not extend
 * the chain is refused and changes nothing.
 */
import { jest } from "@jest/globals";
import { DirectSecp256k1HdWallet, Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes, GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import {
  assertValidCommitCertificate,
  blsAggregateSignatures,
  blsSign,
  computeValidatorAddress,
  computeVoteSignBytes,
  createSignerBitmap,
  VoteType,
  type BlockHeader,
  type CommitCertificate,
  bytesEqual,
  computeBlockHash,
  computeCheckpointHash,
  computeConsumerCheckpointRoot,
  decodeConsumerJson,
  decodeConsumersJson,
  decodeInclusionProofJson,
  EMPTY_MERKLE_ROOT,
  getCheckpointProducerPublicKey,
  signCheckpoint,
  toHex,
  verifyCheckpointInclusion,
  ZERO_CHECKPOINT_HASH,
  CheckpointError,
  type ConsumerCheckpoint,
} from "@aegis/consumer-sdk";
import { nullLogger } from "@aegis/p2p";
import { EvidenceSubmitter } from "@aegis/consumer-runtime";
import { QuerySigningInfoRequest, QuerySigningInfoResponse } from "cosmjs-types/cosmos/slashing/v1beta1/query";
import {
  consensusBech32,
  CONSUMER_COSMJS_TYPES,
  getHomePaths,
  initHomes,
  readValidatorKeyFile,
  MSG_REGISTER_CONSUMER_TYPE_URL,
  MSG_SUBMIT_CHECKPOINT_TYPE_URL,
  startNodeFromHome,
  type HubNode,
  type RunningNode,
} from "@aegis/hub";
import { HOST, makeTempDir, removeDir, reservePortRange, waitFor } from "../helpers/e2eUtils.js";

jest.setTimeout(120_000);

const N = 4;
const CHAIN_ID = "aegis-e2e-consumers";
const DENOM = "uaeg";
const CONSUMER = "demo-ledger";
const PRODUCER_SECRET = new Uint8Array(32).fill(0x5a);

let dir: string | undefined;
const running: RunningNode[] = [];
let client: SigningStargateClient;
let faucet: string;
let faucetMnemonic: string;
let homes: string[] = [];
const nodes = (): HubNode[] => running.map((r) => r.node);

function checkpointAfter(parent: ConsumerCheckpoint | undefined, height: number, salt = 0): ConsumerCheckpoint {
  return {
    consumerId: CONSUMER,
    height,
    blockHash: new Uint8Array(32).fill((height * 11 + salt) & 0xff),
    parentCheckpointHash: parent ? computeCheckpointHash(parent) : ZERO_CHECKPOINT_HASH,
    stateRoot: new Uint8Array(32).fill((height * 13 + 1 + salt) & 0xff),
  };
}

/** A fixed fee, not "auto": a refused checkpoint must reach a block (simulation would refuse it first). */
const FEE = { amount: [{ denom: DENOM, amount: "10000" }], gas: "400000" };
const submit = (cp: ConsumerCheckpoint) =>
  client.signAndBroadcast(
    faucet,
    [{ typeUrl: MSG_SUBMIT_CHECKPOINT_TYPE_URL, value: { relayer: faucet, checkpoint: cp, producerIndex: 0, signature: signCheckpoint(PRODUCER_SECRET, CHAIN_ID, cp) } }],
    FEE,
  );

beforeAll(async () => {
  dir = await makeTempDir("consumers");
  const res = await initHomes({
    home: dir,
    validators: N,
    chainId: CHAIN_ID,
    host: HOST,
    p2pBasePort: await reservePortRange(N),
    apiBasePort: 1, // port 0 at start
    consensus: { createEmptyBlocksIntervalMs: 150, rebroadcastIntervalMs: 500 },
  });
  for (const n of res.nodes) running.push(await startNodeFromHome(n.home, { config: (c) => ({ ...c, api: { host: HOST, port: 0 } }) }));
  homes = res.nodes.map((n) => n.home);
  faucetMnemonic = res.faucet!.mnemonic;
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(res.faucet!.mnemonic, { prefix: "aegis" });
  faucet = res.faucet!.address;
  const registry = new Registry([...defaultRegistryTypes, ...(CONSUMER_COSMJS_TYPES as never)]);
  client = await SigningStargateClient.connectWithSigner(running[0]!.api.url, wallet, { registry, gasPrice: GasPrice.fromString(`0.025${DENOM}`), broadcastPollIntervalMs: 200 });
  await waitFor(() => nodes().every((n) => n.engine.height >= 2) || undefined, 30_000, "every node at height 2");
});

afterAll(async () => {
  client?.disconnect();
  for (const r of running.reverse()) await r.stop().catch(() => {});
  await removeDir(dir);
});

test("a consumer registers, its checkpoints are ordered into headers every validator agrees on, and a checkpoint is proved from a certified header", async () => {
  // Before any consumer: headers carry the empty root.
  const early = (await nodes()[1]!.db.blocks.getBlock(1))!;
  expect(toHex(early.header.consumerCheckpointRoot)).toBe(toHex(EMPTY_MERKLE_ROOT));

  const reg = await client.signAndBroadcast(
    faucet,
    [
      {
        typeUrl: MSG_REGISTER_CONSUMER_TYPE_URL,
        value: {
          owner: faucet,
          consumerId: CONSUMER,
          vm: "accounts",
          genesisHash: new Uint8Array(32).fill(1),
          producerKeys: [getCheckpointProducerPublicKey(PRODUCER_SECRET)],
          bond: { denom: DENOM, amount: "10000000" },
        },
      },
    ],
    "auto",
  );
  expect(reg.code).toBe(0);

  const cp1 = checkpointAfter(undefined, 1);
  const cp2 = checkpointAfter(cp1, 2);
  expect((await submit(cp1)).code).toBe(0);
  const second = await submit(cp2);
  expect(second.code).toBe(0);

  // A checkpoint that does not extend the chain (its parent is not cp2) is refused in its block.
  const fork = checkpointAfter(cp1, 3, 7);
  const refused = await submit(fork);
  expect(refused.code).toBe(18);
  expect(refused.rawLog).toMatch(/parent/);

  // Every validator recorded cp2 at the same hub height and computed the same root for it.
  const hubHeight = second.height;
  await waitFor(() => nodes().every((n) => n.engine.height >= hubHeight + 1) || undefined, 30_000, "every node past the checkpoint's block");
  const headers = await Promise.all(nodes().map(async (n) => (await n.db.blocks.getBlock(hubHeight))!.header));
  for (const h of headers) expect(toHex(h.consumerCheckpointRoot)).toBe(toHex(headers[0]!.consumerCheckpointRoot));
  expect(toHex(headers[0]!.consumerCheckpointRoot)).toBe(toHex(computeConsumerCheckpointRoot([cp2])));
  for (const n of nodes()) {
    const at = (await n.app.consumerCheckpoint!(CONSUMER, 2))!;
    expect(at.record.hubHeight).toBe(hubHeight);
    expect(at.rootCheckpoints.map(computeCheckpointHash).map(toHex)).toEqual([toHex(computeCheckpointHash(cp2))]);
    expect(await n.app.consumerCheckpoint!(CONSUMER, 3)).toBeUndefined(); // the refused fork left nothing
    expect(n.app.consumers!().map((c) => [c.consumerId, c.latestHeight, c.frozen])).toEqual([[CONSUMER, 2, false]]);
  }

  // From outside, as a consumer, over HTTP with the SDK's decoders: the header is certified by the
  // BLS commit certificate of its height (the set is the genesis set: one epoch), and the checkpoint
  // is in its root.
  const node = nodes()[2]!;
  const api = running[2]!.api.url;
  const listed = decodeConsumersJson(await (await fetch(`${api}/consumers`)).json());
  expect(listed.map((c) => [c.consumerId, c.vm, c.status, c.latestHeight, c.bond.amount])).toEqual([[CONSUMER, "accounts", "active", 2, 10_000_000n]]);
  expect(decodeConsumerJson(await (await fetch(`${api}/consumers/${CONSUMER}`)).json()).producerKeys.map(toHex)).toEqual([toHex(getCheckpointProducerPublicKey(PRODUCER_SECRET))]);
  const inclusion = decodeInclusionProofJson(await (await fetch(`${api}/consumers/${CONSUMER}/inclusion/2`)).json(), { chainId: CHAIN_ID });
  expect(inclusion.hubHeight).toBe(hubHeight);
  expect(bytesEqual(computeCheckpointHash(inclusion.checkpoint), computeCheckpointHash(cp2))).toBe(true);
  const { header, blockHash } = inclusion.header;
  assertValidCommitCertificate(inclusion.certificates.bls.certificate, { chainId: CHAIN_ID, validatorSet: node.genesis.validatorSet, expectedHeight: hubHeight, expectedBlockHash: blockHash });
  expect(() => verifyCheckpointInclusion(inclusion.checkpoint, inclusion.proof, header)).not.toThrow();
  expect(toHex(computeBlockHash(header))).toBe(toHex((await node.db.blocks.getBlockHashAt(hubHeight))!));
  // The same proof for the refused fork, against a header before the checkpoint, or tampered, fails.
  // (one consumer: its leaf is the whole tree; a proof for a larger tree is no proof of it)
  const tampered = { ...inclusion.proof, total: 2, siblings: [new Uint8Array(32)] };
  expect(() => verifyCheckpointInclusion(fork, inclusion.proof, header)).toThrow(CheckpointError);
  expect(() => verifyCheckpointInclusion(cp2, inclusion.proof, early.header)).toThrow(CheckpointError);
  expect(() => verifyCheckpointInclusion(cp2, tampered, header)).toThrow(CheckpointError);
  // The first checkpoint is proved against the header that recorded it, with the root of that height.
  const first = decodeInclusionProofJson(await (await fetch(`${api}/consumers/${CONSUMER}/inclusion/1`)).json(), { chainId: CHAIN_ID });
  expect(first.hubHeight).toBeLessThan(hubHeight);
  expect(() => verifyCheckpointInclusion(cp1, first.proof, first.header.header)).not.toThrow();

  // Against a later header (as a ZK-certified one would be): the latest checkpoint is still cp2 there.
  const later = hubHeight + 2;
  await waitFor(() => node.engine.height >= later || undefined, 30_000, `hub height ${later}`);
  for (const which of ["2", "latest"]) {
    const p = decodeInclusionProofJson(await (await fetch(`${api}/consumers/${CONSUMER}/inclusion/${which}?hubHeight=${later}`)).json(), { chainId: CHAIN_ID });
    expect(p.hubHeight).toBe(later);
    expect(p.header.header.height).toBe(later);
    expect(() => verifyCheckpointInclusion(cp2, p.proof, p.header.header)).not.toThrow();
  }
  expect(decodeInclusionProofJson(await (await fetch(`${api}/consumers/${CONSUMER}/inclusion/latest`)).json(), { chainId: CHAIN_ID }).hubHeight).toBe(hubHeight);

  // Bad requests: clear 4xx JSON errors.
  for (const [path, status, code] of [
    [`/consumers/${CONSUMER}/inclusion/1?hubHeight=${later}`, 404, "API_ERROR_NOT_FOUND"], // cp1 is no longer the latest there
    [`/consumers/${CONSUMER}/inclusion/2?hubHeight=${first.hubHeight}`, 404, "API_ERROR_NOT_FOUND"], // not recorded yet there
    [`/consumers/${CONSUMER}/inclusion/2?hubHeight=99999999`, 404, "API_ERROR_NOT_FOUND"],
    [`/consumers/${CONSUMER}/inclusion/2?hubHeight=x`, 400, "API_ERROR_INVALID_HEIGHT"],
    [`/consumers/${CONSUMER}/inclusion/3`, 404, "API_ERROR_NOT_FOUND"],
    [`/consumers/other-chain/inclusion/1`, 404, "API_ERROR_NOT_FOUND"],
    [`/consumers/other-chain`, 404, "API_ERROR_NOT_FOUND"],
    [`/consumers/${CONSUMER}/inclusion/0`, 400, "API_ERROR_INVALID_HEIGHT"],
    [`/consumers/${CONSUMER}/inclusion/abc`, 400, "API_ERROR_INVALID_HEIGHT"],
    [`/consumers/Not%20An%20Id/inclusion/1`, 400, "API_ERROR_BAD_REQUEST"],
  ] as const) {
    const r = await fetch(`${api}${path}`);
    expect([path, r.status, ((await r.json()) as { error: { code: string } }).error.code]).toEqual([path, status, code]);
  }
});

// Last: it slashes two of the four validators.
test("a fork's evidence, sent by a consumer node's EvidenceSubmitter to every hub node, slashes and tombstones exactly the validators who signed both sides, once", async () => {
  const node = nodes()[0]!;
  const h = 3;
  const header = (await node.db.blocks.getBlock(h))!.header;
  const set = node.engine.getValidatorSet(h);
  const keys = await Promise.all(homes.map((home) => readValidatorKeyFile(getHomePaths(home).validatorKey)));
  const indexOfNode = (i: number) => set.validators.findIndex((v) => bytesEqual(v.blsPublicKey, keys[i]!.blsPublicKey));
  /** A certificate of `hd` by the validators of nodes `who` (their real keys), round 0. */
  const certify = (hd: BlockHeader, who: number[]): CommitCertificate => {
    const blockHash = computeBlockHash(hd);
    const msg = computeVoteSignBytes({ chainId: CHAIN_ID, height: h, round: 0, type: VoteType.Precommit, blockHash });
    return { height: h, round: 0, blockHash, signers: createSignerBitmap(set.validators.length, who.map(indexOfNode)), signature: blsAggregateSignatures(who.map((i) => blsSign(keys[i]!.blsSecretKey, msg))) };
  };
  // Nodes 1 and 2 sign both the real block and another one at height 3; node 3 signs only the real one, node 0 only the other.
  const forkHeader = { ...header, stateRoot: new Uint8Array(32).fill(0xfe) };
  const evidence = { bls: { a: { header, certificate: certify(header, [1, 2, 3]) }, b: { header: forkHeader, certificate: certify(forkHeader, [0, 1, 2]) } } };
  const fee = { amount: [{ denom: DENOM, amount: "50000" }], gas: "2000000" };
  const submitter = new EvidenceSubmitter({ hubChainId: CHAIN_ID, hubRpcUrls: running.map((r) => r.api.url), mnemonic: faucetMnemonic, fee, retryMs: 300 }, nullLogger);
  await submitter.start();
  try {
    submitter.submit(evidence);
    submitter.submit(evidence); // the same evidence is kept once
    await waitFor(() => submitter.statuses[0]?.state !== "pending" || undefined, 60_000, "the evidence on chain");
    expect(submitter.statuses).toHaveLength(1);
    expect(submitter.statuses[0]).toMatchObject({ tier: "bls", hubHeight: h, state: "slashed" });
    const tombstoned = (i: number) => {
      const consAddress = consensusBech32(computeValidatorAddress(keys[i]!.blsPublicKey));
      const q = node.app.query!("/cosmos.slashing.v1beta1.Query/SigningInfo", QuerySigningInfoRequest.encode({ consAddress }).finish());
      return q.code === 0 && QuerySigningInfoResponse.decode(q.value!).valSigningInfo!.tombstoned;
    };
    await waitFor(() => [1, 2].every(tombstoned) || undefined, 30_000, "validators 1 and 2 tombstoned");
    expect([0, 1, 2, 3].map(tombstoned)).toEqual([false, true, true, false]);
  } finally {
    submitter.stop();
  }
  // Someone else's copy of the same evidence: the hub refuses it (already tombstoned) and the submitter is done too.
  const late = new EvidenceSubmitter({ hubChainId: CHAIN_ID, hubRpcUrls: running.map((r) => r.api.url), mnemonic: faucetMnemonic, fee, retryMs: 300 }, nullLogger);
  await late.start();
  try {
    late.submit({ bls: { a: evidence.bls.b, b: evidence.bls.a } });
    await waitFor(() => late.statuses[0]?.state !== "pending" || undefined, 60_000, "the second copy settled");
    expect(late.statuses[0]!.state).toBe("already");
  } finally {
    late.stop();
  }
});

