/**
 * Fuzzing every gossip topic (issue 18, "Fuzzing every input"): for each GossipKind, the decoder the
 * node runs on a message of that topic and the validation behind it, fed random bytes, valid messages
 * built by reflection from the proto schema, real signed messages, and mutations of all of them
 * (protoArbitraries.ts). Properties:
 *
 * - decoding throws only CodecError (CODEC_ERROR_MALFORMED / CODEC_ERROR_INVALID_FIELD), or returns a
 *   value whose encoding decodes to it again and is a fixed point (canonical);
 * - validation never throws anything but its typed error: validateVoteMessage / validateProposalMessage
 *   throw GossipError only (mapped to reject / ignore by getGossipAction), ZkService's validators and
 *   the double-attestation check return a verdict and never throw; what they accept is validly signed
 *   (votes, proposals, attestations) or proved (certificates), never a forgery;
 * - every call ends in bounded time (HANG_MS; ZkService waits at most AHEAD_WAIT_MS for a height that
 *   is about to commit, by design), whatever length prefixes the bytes announce;
 * - the size and count limits are the constants in the code.
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
import { aegis } from "@aegis/proto";
import {
  blsSign,
  blsVerify,
  BN254_SCALAR_FIELD,
  bytesEqual,
  computeBlockHash,
  computeFinalityMessage,
  computeProposalSignBytes,
  computeVoteSignBytes,
  computeZkValidatorSetRoot,
  createBlsKeyPair,
  createValidatorSet,
  decodeZkAttestationSignature,
  fromHex,
  HUB_ATTESTATION_SIGNATURE_LENGTH,
  HUB_MAX_EVIDENCE_PER_BLOCK,
  HUB_MAX_TX_BYTES,
  HUB_MAX_TXS_PER_BLOCK,
  toHex,
  VoteType,
  ZK_MAX_CAPACITY,
  ZK_PROOF_LENGTH,
  type BlockHeader,
  type ZkCertificate,
} from "@aegis/consumer-sdk";
import { fuzzParams } from "../../../test/helpers/fuzz.js";
import type { Application } from "../../src/app/index.js";
import { createAttestationKeyPair, isValidFinalitySignature, signFinalityMessage } from "../../src/attestation/index.js";
import {
  ATTESTATION_SIGNATURE_BYTES,
  CodecError,
  decodeBlock,
  decodeDoubleAttestationEvidence,
  decodeDuplicateVoteEvidence,
  decodeFinalityAttestation,
  decodeProposalMessage,
  decodeTxBatch,
  decodeVote,
  decodeZkCertificate,
  encodeBlock,
  encodeDoubleAttestationEvidence,
  encodeDuplicateVoteEvidence,
  encodeFinalityAttestation,
  encodeProposalMessage,
  encodeTxBatch,
  encodeVote,
  encodeZkCertificate,
  MAX_EVIDENCE_PER_BLOCK,
  MAX_TX_BYTES,
  MAX_TXS_PER_BATCH,
  MAX_TXS_PER_BLOCK,
  type FinalityAttestation,
} from "../../src/codec/index.js";
import type { ConsensusEngine } from "../../src/consensus/consensusEngine.js";
import { isConflictingAttestationPair, isConflictingVotePair } from "../../src/consensus/evidence.js";
import type { Block, DoubleAttestationEvidence, DuplicateVoteEvidence, ProposalMessage, Vote } from "../../src/consensus/types.js";
import { VoteBatchVerifier } from "../../src/consensus/voteBatchVerifier.js";
import { HubDb } from "../../src/db/hubDb.js";
import { nullLogger } from "../../src/logger.js";
import { DEFAULT_MAX_MESSAGE_BYTES, GOSSIP_KINDS, GOSSIP_MAX_PAYLOAD_BYTES, type GossipKind } from "../../src/network/index.js";
import { NodeEvidence } from "../../src/node/nodeEvidence.js";
import { getGossipAction, GossipError, validateProposalMessage, validateVoteMessage, VerifiedCache, type MessageValidationContext } from "../../src/node/messageValidation.js";
import { computeZkValidatorSlots } from "../../src/zk/zkValidatorSet.js";
import { ZkService, type ZkGenesisConfig } from "../../src/zk/zkService.js";
import { anyInputArbitrary, concatBytes, encodedMessageArbitrary, encodeVarint, HANG_MS, listAegisMessageTypes, timed, timedAsync } from "./protoArbitraries.js";

const here = dirname(fileURLToPath(import.meta.url));
const vector = JSON.parse(readFileSync(join(here, "..", "..", "..", "test", "vectors", "zkCertificates.json"), "utf8"));

// ---------------------------------------------------------------------------------------------
// A consensus context: four BLS validators, deciding height 10
// ---------------------------------------------------------------------------------------------

const CHAIN_ID = "aegis-fuzz-gossip-1";
const CURRENT_HEIGHT = 10;
/** hubNode.ts MAX_HEIGHT_AHEAD and its validation context's maxMessageBytes. */
const MAX_HEIGHT_AHEAD = 2;
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

const blsKeys = [1, 2, 3, 4].map((i) => createBlsKeyPair(new Uint8Array(32).fill(i)));
const validatorSet = createValidatorSet(
  blsKeys.map((k, i) => ({ blsPublicKey: k.publicKey, power: BigInt(10 * (i + 1)) })),
  { skipProofOfPossession: true },
);
const secretOf = new Map(blsKeys.map((k) => [toHex(k.publicKey), k.secretKey]));
/** The secret key of validator `i` of the (canonically ordered) set. */
const secretAt = (i: number) => secretOf.get(toHex(validatorSet.validators[i]!.blsPublicKey))!;
const proposerOf = (h: number, r: number) => (h + r) % validatorSet.validators.length;

const verifier = new VoteBatchVerifier({ chainId: CHAIN_ID, maxDelayMs: 0 });
const ctx: MessageValidationContext = {
  chainId: CHAIN_ID,
  currentHeight: CURRENT_HEIGHT,
  maxHeightAhead: MAX_HEIGHT_AHEAD,
  getValidatorSet: () => validatorSet,
  getProposerIndex: proposerOf,
  verifier,
  maxMessageBytes: MAX_MESSAGE_BYTES,
};

// ---------------------------------------------------------------------------------------------
// Generators of the domain's valid messages (really signed where the node checks a signature)
// ---------------------------------------------------------------------------------------------

const bytesOf = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const hash = bytesOf(32);
const heightNear = fc.integer({ min: CURRENT_HEIGHT - 2, max: CURRENT_HEIGHT + MAX_HEIGHT_AHEAD + 1 });

/** A vote, signed by its validator (or, sometimes, by another one: a forgery the node must not accept). */
const signedVote: fc.Arbitrary<Vote> = fc
  .record({
    type: fc.constantFrom(VoteType.Prevote, VoteType.Precommit),
    height: heightNear,
    round: fc.integer({ min: 0, max: 3 }),
    blockHash: fc.option(hash, { nil: null }),
    validatorIndex: fc.integer({ min: 0, max: 3 }),
    forger: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined, freq: 5 }),
  })
  .map(({ forger, ...v }) => ({ ...v, signature: blsSign(secretAt(forger ?? v.validatorIndex), computeVoteSignBytes({ chainId: CHAIN_ID, ...v })) }));

const headerArbitrary = (height: fc.Arbitrary<number>): fc.Arbitrary<BlockHeader> =>
  fc.record({
    chainId: fc.constantFrom(CHAIN_ID, CHAIN_ID, "other-chain"),
    height,
    time: fc.integer({ min: 0, max: 2 ** 45 }),
    parentHash: hash,
    txRoot: hash,
    stateRoot: hash,
    consumerCheckpointRoot: hash,
    validatorSetRoot: hash,
    nextValidatorSetRoot: hash,
    proposer: bytesOf(20),
    lastCommitHash: hash,
    evidenceRoot: hash,
  });

const voteFor = (height: number, blockHash: Uint8Array | null, validatorIndex: number, round = 0): Vote => {
  const v = { type: VoteType.Prevote, height, round, blockHash, validatorIndex };
  return { ...v, signature: blsSign(secretAt(validatorIndex), computeVoteSignBytes({ chainId: CHAIN_ID, ...v })) };
};

const duplicateVoteEvidence: fc.Arbitrary<DuplicateVoteEvidence> = fc
  .record({ height: heightNear, index: fc.integer({ min: 0, max: 3 }), a: hash, b: fc.option(hash, { nil: null }), time: fc.integer({ min: 0, max: 2 ** 45 }) })
  .map(({ height, index, a, b, time }) => ({ voteA: voteFor(height, a, index), voteB: voteFor(height, b, index), time }));

const blockArbitrary: fc.Arbitrary<Block> = fc.record({
  header: headerArbitrary(fc.integer({ min: CURRENT_HEIGHT, max: CURRENT_HEIGHT + MAX_HEIGHT_AHEAD })),
  txs: fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 4 }),
  lastCommit: fc.option(
    fc.record({ height: fc.integer({ min: 1, max: 20 }), round: fc.integer({ min: 0, max: 5 }), blockHash: hash, signers: fc.uint8Array({ minLength: 1, maxLength: 2 }), signature: bytesOf(96) }),
    { nil: null },
  ),
  evidence: fc.array(duplicateVoteEvidence, { maxLength: 2 }),
});

/** A proposal of a block, signed by the expected proposer (or by another validator, or for another block). */
const signedProposal: fc.Arbitrary<ProposalMessage> = fc
  .record({ block: blockArbitrary, round: fc.integer({ min: 0, max: 3 }), polRound: fc.integer({ min: -1, max: 2 }), wrongSigner: fc.boolean(), otherHash: fc.option(hash, { nil: undefined, freq: 6 }) })
  .map(({ block, round, polRound, wrongSigner, otherHash }) => {
    const height = block.header.height;
    const blockHash = otherHash ?? computeBlockHash(block.header);
    const proposerIndex = proposerOf(height, round);
    const pol = Math.min(polRound, round - 1);
    const signature = blsSign(secretAt(wrongSigner ? (proposerIndex + 1) % 4 : proposerIndex), computeProposalSignBytes({ chainId: CHAIN_ID, height, round, polRound: pol, blockHash }));
    return { proposal: { height, round, polRound: pol, blockHash, proposerIndex, signature }, block };
  });

const txBatch: fc.Arbitrary<Uint8Array[]> = fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 6 });

// ---------------------------------------------------------------------------------------------
// ZkService with the committed vector: a real quorum4 certificate of height 42 and its set
// ---------------------------------------------------------------------------------------------

const ZK_CHAIN_ID: string = vector.certificate.chainId;
const vectorCert: ZkCertificate = zkCertificateOfVector(vector.certificate);
const CERT_HEIGHT = vectorCert.height;
const COMMITTED = CERT_HEIGHT + 1;
/** zkService.ts AHEAD_WAIT_MS: how long gossip of a height about to commit waits for it. */
const AHEAD_WAIT_MS = 5000;
const zkConfig = { circuit: vectorCert.circuit, capacity: vector.capacity, verificationKey: vector.verificationKey, attestationIntervalMs: 1000, proverReward: "0", epochLength: 100 } as unknown as ZkGenesisConfig;
const attestationKeys = (vector.validators as { attestationSecretKey: string }[]).map((v) => createAttestationKeyPair(fromHex(v.attestationSecretKey)));
const set0 = attestationKeys.map((k, i) => ({ attestationPublicKey: k.publicKey, power: BigInt(vector.validators[i].power) }));
// The vector's next set: the last validator's power grew (test/vectors/generateZk.mjs).
const set1 = set0.map((v, i) => (i === 3 ? { ...v, power: 50n } : v));
const root0 = computeZkValidatorSetRoot(computeZkValidatorSlots(set0), zkConfig.capacity);
const root1 = computeZkValidatorSetRoot(computeZkValidatorSlots(set1), zkConfig.capacity);
const timeAt = (h: number) => vectorCert.time - (CERT_HEIGHT - h) * 1000;
const hashAt = (h: number, fork = 0) => (h === CERT_HEIGHT && fork === 0 ? vectorCert.blockHash : new Uint8Array(32).fill((h + 37 * fork) & 0xff));
const rootAt = (h: number) => (h <= CERT_HEIGHT ? root0 : root1);

function attest(index: number, h: number, fork = 0): FinalityAttestation {
  const st = { height: h, time: timeAt(h), blockHash: hashAt(h, fork), validatorSetRoot: rootAt(h), nextValidatorSetRoot: rootAt(h + 1) };
  return { ...st, validatorIndex: index, signature: signFinalityMessage(attestationKeys[index]!.secretKey, computeFinalityMessage({ chainId: ZK_CHAIN_ID, ...st })) };
}

/** Signed attestations of the committed heights 41 and 42 (and of forks of them): what a validator gossips. */
const attestations: FinalityAttestation[] = [];
const doubleAttestations: DoubleAttestationEvidence[] = [];
for (const h of [CERT_HEIGHT - 1, CERT_HEIGHT]) {
  for (let i = 0; i < attestationKeys.length; i++) {
    const good = attest(i, h);
    const forked = attest(i, h, 1);
    attestations.push(good, forked);
    doubleAttestations.push({ attestationA: good, attestationB: forked, time: 1_700_000_000_000 });
  }
}

function isValidlySigned(a: FinalityAttestation): boolean {
  const key = attestationKeys[a.validatorIndex];
  return key !== undefined && isValidFinalitySignature(key.publicKey, computeFinalityMessage({ chainId: ZK_CHAIN_ID, ...a }), a.signature);
}

/** Certificates of the right shapes (the proof not a real one, except the vector's). */
const zkCertificateArbitrary: fc.Arbitrary<ZkCertificate> = fc.record({
  circuit: fc.constantFrom(vectorCert.circuit, "quorum8", "a", "x".repeat(64)),
  chainId: fc.constant(ZK_CHAIN_ID),
  height: fc.integer({ min: 1, max: COMMITTED + 3 }),
  time: fc.integer({ min: 0, max: 2 ** 45 }),
  blockHash: fc.oneof(hash, fc.constant(vectorCert.blockHash)),
  validatorSetRoot: fc.oneof(fc.bigInt({ min: 0n, max: BN254_SCALAR_FIELD - 1n }), fc.constant(root0)),
  nextValidatorSetRoot: fc.oneof(fc.bigInt({ min: 0n, max: BN254_SCALAR_FIELD - 1n }), fc.constant(root1)),
  signers: fc.bigInt({ min: 0n, max: (1n << BigInt(ZK_MAX_CAPACITY)) - 1n }),
  prover: bytesOf(20),
  proof: fc.oneof(bytesOf(ZK_PROOF_LENGTH), fc.constant(vectorCert.proof)),
});

let dir: string;
let db: HubDb;
let zk: ZkService;
const evidenceFound: DoubleAttestationEvidence[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aegis-fuzz-gossip-"));
  db = await HubDb.open(dir);
  const app = { zkValidatorsAt: (h: number) => (h < 1 ? undefined : h <= CERT_HEIGHT ? { validators: set0, startHeight: 1 } : { validators: set1, startHeight: CERT_HEIGHT + 1 }) } as unknown as Application;
  // Certificates are checked against a real store that never keeps them: every case sees "no certificate of this height yet".
  const zkCertificates = { get: async () => undefined, put: async () => true, latest: async () => undefined, range: async () => [] };
  const store = { zkCertificates, blocks: db.blocks, meta: db.meta } as unknown as HubDb;
  zk = new ZkService(
    { chainId: ZK_CHAIN_ID, genesisTime: timeAt(0), zk: zkConfig, attestationKey: null, prover: null },
    { db: store, app, committedHeight: () => COMMITTED, publish: () => undefined, logger: nullLogger, onEvidence: (e) => evidenceFound.push(e) },
  );
  await zk.start();
  for (let h = 1; h <= COMMITTED; h++) await zk.onCommit(h, timeAt(h), hashAt(h), { attest: false });
});

afterAll(async () => {
  await zk.stop();
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Every topic's decoder
// ---------------------------------------------------------------------------------------------

interface TopicCodec<T> {
  /** The proto type of the topic's messages (valid messages are generated from its schema). */
  protoType: string;
  decode(bytes: Uint8Array): T;
  encode(value: T): Uint8Array;
  /** Valid messages of the domain (really signed where the node checks signatures). */
  valid: () => fc.Arbitrary<Uint8Array>;
}

const codec = <T>(c: TopicCodec<T>): TopicCodec<unknown> => c as unknown as TopicCodec<unknown>;

/**
 * What the node decodes each topic's messages with (hubNode.ts subscribeGossip, ZkService). null: the
 * node subscribes to no such topic (P2pNetwork ignores its messages without validating them).
 */
const TOPIC_CODECS: Record<GossipKind, TopicCodec<unknown> | null> = {
  proposal: codec({ protoType: "aegis.v1.ProposalMessage", decode: decodeProposalMessage, encode: encodeProposalMessage, valid: () => signedProposal.map(encodeProposalMessage) }),
  vote: codec({ protoType: "aegis.v1.Vote", decode: decodeVote, encode: encodeVote, valid: () => signedVote.map(encodeVote) }),
  tx: codec({ protoType: "aegis.v1.TxBatch", decode: decodeTxBatch, encode: encodeTxBatch, valid: () => txBatch.map(encodeTxBatch) }),
  evidence: codec({ protoType: "aegis.v1.DuplicateVoteEvidence", decode: decodeDuplicateVoteEvidence, encode: encodeDuplicateVoteEvidence, valid: () => duplicateVoteEvidence.map(encodeDuplicateVoteEvidence) }),
  attestation: codec({ protoType: "aegis.v1.FinalityAttestation", decode: decodeFinalityAttestation, encode: encodeFinalityAttestation, valid: () => fc.constantFrom(...attestations).map(encodeFinalityAttestation) }),
  "attestation-evidence": codec({
    protoType: "aegis.v1.DoubleAttestationEvidence",
    decode: decodeDoubleAttestationEvidence,
    encode: encodeDoubleAttestationEvidence,
    valid: () => fc.constantFrom(...doubleAttestations).map(encodeDoubleAttestationEvidence),
  }),
  certificate: codec({
    protoType: "aegis.v1.ZkFinalityCertificate",
    decode: (b) => decodeZkCertificate(b, ZK_CHAIN_ID),
    encode: encodeZkCertificate,
    valid: () => fc.oneof(fc.constant(vectorCert), zkCertificateArbitrary).map(encodeZkCertificate),
  }),
  // No node subscribes to "checkpoint" (consumer checkpoints reach the hub in transactions).
  checkpoint: null,
};

/** Valid encodings of a topic: by reflection from its proto type, and the domain's own (signed) messages. */
function validOf(c: TopicCodec<unknown>): fc.Arbitrary<Uint8Array> {
  return fc.oneof(encodedMessageArbitrary(c.protoType, { maxDepth: 4, maxRepeated: 3 }), c.valid());
}

function expectCodecError(e: unknown): void {
  if (!(e instanceof CodecError)) throw e;
  expect(["CODEC_ERROR_MALFORMED", "CODEC_ERROR_INVALID_FIELD"]).toContain(e.code);
}

/** Decoding `bytes` throws a CodecError or gives a value that re-encodes canonically. */
function checkDecode(c: TopicCodec<unknown>, bytes: Uint8Array): unknown {
  const r = timed(() => c.decode(bytes));
  expect(r.ms).toBeLessThan(HANG_MS);
  if (r.error !== undefined) {
    expectCodecError(r.error);
    return undefined;
  }
  const again = c.encode(r.value);
  const back = c.decode(again);
  expect(back).toEqual(r.value);
  expect(c.encode(back)).toEqual(again);
  return r.value;
}

test("the generators: every message type of @aegis/proto, built by reflection, is decoded back by the generated codec", () => {
  const types = listAegisMessageTypes();
  expect(types.length).toBeGreaterThan(50);
  for (const name of types) {
    const parts = name.split(".");
    const codec = parts.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], { aegis }) as { decode(b: Uint8Array): unknown; encode(m: unknown): { finish(): Uint8Array } };
    fc.assert(
      fc.property(encodedMessageArbitrary(name, { maxDepth: 3, maxRepeated: 2 }), (bytes) => {
        expect(codec.encode(codec.decode(bytes)).finish()).toEqual(bytes);
      }),
      fuzzParams(5),
    );
  }
});

test("every gossip kind has a fuzzed decoder, or no subscriber", () => {
  expect(Object.keys(TOPIC_CODECS).sort()).toEqual([...GOSSIP_KINDS].sort());
  expect(GOSSIP_KINDS.filter((k) => TOPIC_CODECS[k] === null)).toEqual(["checkpoint"]);
});

describe.each(GOSSIP_KINDS.filter((k) => TOPIC_CODECS[k] !== null))("gossip topic %s", (kind) => {
  const c = TOPIC_CODECS[kind]!;

  test("valid messages round-trip", () => {
    fc.assert(
      fc.property(c.valid(), (bytes) => {
        expect(checkDecode(c, bytes)).toBeDefined();
      }),
      fuzzParams(40),
    );
  });

  test("random, reflected and mutated messages: a CodecError or a canonical value, in bounded time", () => {
    fc.assert(
      fc.property(anyInputArbitrary(validOf(c)), (bytes) => {
        checkDecode(c, bytes);
      }),
      fuzzParams(250),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Validation: typed outcomes only, nothing forged accepted
// ---------------------------------------------------------------------------------------------

function expectGossipError(e: unknown): void {
  if (!(e instanceof GossipError)) throw e;
  expect(["reject", "ignore"]).toContain(getGossipAction(e.code));
}

test("vote validation: GossipError or a vote its validator signed", async () => {
  const cache = new VerifiedCache();
  await fc.assert(
    fc.asyncProperty(anyInputArbitrary(validOf(TOPIC_CODECS.vote!)), async (bytes) => {
      const r = await timedAsync(() => validateVoteMessage(bytes, ctx, cache));
      expect(r.ms).toBeLessThan(HANG_MS);
      if (r.error !== undefined) return expectGossipError(r.error);
      const v = r.value!;
      expect(v.height).toBeGreaterThanOrEqual(CURRENT_HEIGHT - 1);
      expect(v.height).toBeLessThanOrEqual(CURRENT_HEIGHT + MAX_HEIGHT_AHEAD);
      expect(blsVerify(validatorSet.validators[v.validatorIndex]!.blsPublicKey, computeVoteSignBytes({ chainId: CHAIN_ID, ...v }), v.signature)).toBe(true);
    }),
    fuzzParams(150),
  );
});

test("proposal validation: GossipError or a proposal of its block by the expected proposer", async () => {
  await fc.assert(
    fc.asyncProperty(anyInputArbitrary(validOf(TOPIC_CODECS.proposal!)), async (bytes) => {
      const r = await timedAsync(async () => validateProposalMessage(bytes, ctx));
      expect(r.ms).toBeLessThan(HANG_MS);
      if (r.error !== undefined) return expectGossipError(r.error);
      const { msg, blockHash } = r.value!;
      const p = msg.proposal;
      expect(msg.block.header.chainId).toBe(CHAIN_ID);
      expect(blockHash).toEqual(computeBlockHash(msg.block.header));
      expect(p.blockHash).toEqual(blockHash);
      expect(p.proposerIndex).toBe(proposerOf(p.height, p.round));
      expect(blsVerify(validatorSet.validators[p.proposerIndex]!.blsPublicKey, computeProposalSignBytes({ chainId: CHAIN_ID, ...p, blockHash }), p.signature)).toBe(true);
    }),
    fuzzParams(150),
  );
});

test("duplicate-vote evidence: NodeEvidence gives a verdict, never a throw; accepted (stored and offered) only when the votes conflict and both are validly signed", async () => {
  const offered: unknown[] = [];
  const engine = { getValidatorSet: () => validatorSet, submitEvidence: (e: unknown) => offered.push(e) } as unknown as ConsensusEngine;
  const evidence = new NodeEvidence({ db, engine, verifier, zk: null, publishDoubleAttestation: () => undefined, logger: nullLogger });
  let accepted = 0;
  await fc.assert(
    fc.asyncProperty(anyInputArbitrary(validOf(TOPIC_CODECS.evidence!)), async (bytes) => {
      const e = checkDecode(TOPIC_CODECS.evidence!, bytes) as DuplicateVoteEvidence | undefined;
      const offeredBefore = offered.length;
      const r = await timedAsync(() => evidence.onGossipedDuplicateVote(bytes));
      expect(r.error).toBeUndefined();
      expect(r.ms).toBeLessThan(HANG_MS);
      const verdict = r.value;
      if (!e) return void expect(verdict).toBe("reject");
      const signed = (v: Vote) => v.validatorIndex < validatorSet.validators.length && blsVerify(validatorSet.validators[v.validatorIndex]!.blsPublicKey, computeVoteSignBytes({ chainId: CHAIN_ID, ...v }), v.signature);
      const valid = isConflictingVotePair(e.voteA, e.voteB) && signed(e.voteA) && signed(e.voteB);
      expect(verdict).toBe(valid ? "accept" : "reject");
      if (valid) accepted++;
      // Offered to the proposals once: a repeat is accepted again without a second offer.
      expect(offered.length - offeredBefore).toBeLessThanOrEqual(valid ? 1 : 0);
    }),
    fuzzParams(100),
  );
  // The generator's valid evidence (signed conflicting votes) survives often enough to be judged.
  expect(accepted).toBeGreaterThan(0);
  expect(offered.length).toBeGreaterThan(0);
});

/** ZkService waits for a height about to commit (by design); any other call must end at once. */
function boundFor(height: number | undefined): number {
  return height !== undefined && height > COMMITTED && height <= COMMITTED + 2 ? AHEAD_WAIT_MS + HANG_MS : HANG_MS;
}

function decodedHeight<T extends { height: number }>(decode: () => T): number | undefined {
  try {
    return decode().height;
  } catch {
    return undefined;
  }
}

test("attestation validation: a verdict, never a throw; accepted only when validly signed for the committed block", async () => {
  await fc.assert(
    fc.asyncProperty(anyInputArbitrary(validOf(TOPIC_CODECS.attestation!)), async (bytes) => {
      const r = await timedAsync(() => zk.validateAttestation(bytes));
      const height = decodedHeight(() => decodeFinalityAttestation(bytes));
      expect(r.ms).toBeLessThan(boundFor(height));
      expect(r.error).toBeUndefined();
      expect(["accept", "ignore", "reject"]).toContain(r.value);
      if (height === undefined) expect(r.value).toBe("reject"); // malformed
      if (r.value === "accept") {
        const a = decodeFinalityAttestation(bytes);
        expect(isValidlySigned(a)).toBe(true);
        expect(a.blockHash).toEqual(hashAt(a.height));
        expect(a.time).toBe(timeAt(a.height));
        expect(a.validatorSetRoot).toBe(rootAt(a.height));
        expect(a.nextValidatorSetRoot).toBe(rootAt(a.height + 1));
      }
    }),
    fuzzParams(150),
  );
  // Each validator's valid attestation of a committed height is accepted once (fuzzing above may have sent it already).
  for (const a of attestations.filter((x) => bytesEqual(x.blockHash, hashAt(x.height)))) {
    expect(["accept", "ignore"]).toContain(await zk.validateAttestation(encodeFinalityAttestation(a)));
  }
});

test("certificate validation: a verdict, never a throw; only the real certificate is accepted", async () => {
  await fc.assert(
    fc.asyncProperty(anyInputArbitrary(validOf(TOPIC_CODECS.certificate!)), async (bytes) => {
      const r = await timedAsync(() => zk.validateCertificate(bytes));
      const height = decodedHeight(() => decodeZkCertificate(bytes, ZK_CHAIN_ID));
      expect(r.ms).toBeLessThan(boundFor(height));
      expect(r.error).toBeUndefined();
      expect(["accept", "ignore", "reject"]).toContain(r.value);
      if (height === undefined) expect(r.value).toBe("reject");
      if (r.value === "accept") expect(decodeZkCertificate(bytes, ZK_CHAIN_ID)).toEqual(vectorCert);
    }),
    fuzzParams(120),
  );
  expect(await zk.validateCertificate(encodeZkCertificate(vectorCert))).toBe("accept");
});

test("double-attestation evidence: decoded evidence gets a verdict, never a throw; valid only when both are validly signed", () => {
  fc.assert(
    fc.property(anyInputArbitrary(validOf(TOPIC_CODECS["attestation-evidence"]!)), (bytes) => {
      const e = checkDecode(TOPIC_CODECS["attestation-evidence"]!, bytes) as DoubleAttestationEvidence | undefined;
      if (!e) return;
      const r = timed(() => zk.checkDoubleAttestationEvidence(e));
      expect(r.ms).toBeLessThan(HANG_MS);
      expect(r.error).toBeUndefined();
      expect(["valid", "invalid", "unknown"]).toContain(r.value);
      if (r.value === "valid") {
        expect(isConflictingAttestationPair(e.attestationA, e.attestationB)).toBe(true);
        expect(isValidlySigned(e.attestationA) && isValidlySigned(e.attestationB)).toBe(true);
      }
    }),
    fuzzParams(150),
  );
  for (const e of doubleAttestations) expect(zk.checkDoubleAttestationEvidence(e)).toBe("valid");
});

test("attestation signatures: any 64 bytes decode to a signature or to null, never a throw", () => {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.constantFrom(...attestations).map((a) => a.signature)), fc.nat(511), (sig, bit) => {
      const s = Uint8Array.from(sig);
      s[bit >> 3]! ^= 1 << (bit & 7);
      const r = timed(() => decodeZkAttestationSignature(s));
      expect(r.error).toBeUndefined();
    }),
    fuzzParams(300),
  );
});

// ---------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------

describe("limits", () => {
  const invalidField = (fn: () => unknown, field: string) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(CodecError);
      expect((e as CodecError).type).toMatchObject({ code: "CODEC_ERROR_INVALID_FIELD", field });
      return;
    }
    throw new Error("expected a CodecError");
  };

  test("gossip payloads: at most GOSSIP_MAX_PAYLOAD_BYTES (under gossipsub's 4 MiB frame), validated up to 4 MiB", async () => {
    expect(GOSSIP_MAX_PAYLOAD_BYTES).toBe(4 * 1024 * 1024 - 64 * 1024);
    expect(GOSSIP_MAX_PAYLOAD_BYTES).toBeLessThanOrEqual(DEFAULT_MAX_MESSAGE_BYTES);
    expect(DEFAULT_MAX_MESSAGE_BYTES).toBe(MAX_MESSAGE_BYTES);
    const over = new Uint8Array(MAX_MESSAGE_BYTES + 1);
    await expect(validateVoteMessage(over, ctx)).rejects.toMatchObject({ type: { code: "GOSSIP_ERROR_TOO_LARGE", bytes: MAX_MESSAGE_BYTES + 1, max: MAX_MESSAGE_BYTES } });
    expect(() => validateProposalMessage(over, ctx)).toThrow(expect.objectContaining({ type: expect.objectContaining({ code: "GOSSIP_ERROR_TOO_LARGE" }) }));
    // At the limit the size check passes and the decoder judges the bytes.
    await expect(validateVoteMessage(new Uint8Array(MAX_MESSAGE_BYTES), ctx)).rejects.toMatchObject({ type: { code: "GOSSIP_ERROR_MALFORMED" } });
  });

  test("transaction batches: 1 to MAX_TXS_PER_BATCH transactions of 1 to MAX_TX_BYTES bytes", () => {
    expect(MAX_TXS_PER_BATCH).toBe(1024);
    expect(MAX_TX_BYTES).toBe(1 << 20);
    expect(MAX_TX_BYTES).toBe(HUB_MAX_TX_BYTES);
    const one = Uint8Array.of(1);
    expect(decodeTxBatch(encodeTxBatch(Array.from({ length: MAX_TXS_PER_BATCH }, () => one)))).toHaveLength(MAX_TXS_PER_BATCH);
    invalidField(() => decodeTxBatch(encodeTxBatch(Array.from({ length: MAX_TXS_PER_BATCH + 1 }, () => one))), "txs");
    expect(decodeTxBatch(encodeTxBatch([new Uint8Array(MAX_TX_BYTES)]))[0]).toHaveLength(MAX_TX_BYTES);
    invalidField(() => decodeTxBatch(encodeTxBatch([new Uint8Array(MAX_TX_BYTES + 1)])), "txs");
    invalidField(() => decodeTxBatch(encodeTxBatch([new Uint8Array(0)])), "txs");
    invalidField(() => decodeTxBatch(new Uint8Array(0)), "txs");
  });

  test("blocks: at most MAX_TXS_PER_BLOCK transactions and MAX_EVIDENCE_PER_BLOCK evidence items (the SDK's API limits too)", () => {
    expect(MAX_TXS_PER_BLOCK).toBe(HUB_MAX_TXS_PER_BLOCK);
    expect(MAX_EVIDENCE_PER_BLOCK).toBe(HUB_MAX_EVIDENCE_PER_BLOCK);
    expect(ATTESTATION_SIGNATURE_BYTES).toBe(HUB_ATTESTATION_SIGNATURE_LENGTH);
    const header: BlockHeader = {
      chainId: CHAIN_ID,
      height: 1,
      time: 0,
      parentHash: new Uint8Array(32),
      txRoot: new Uint8Array(32),
      stateRoot: new Uint8Array(32),
      consumerCheckpointRoot: new Uint8Array(32),
      validatorSetRoot: new Uint8Array(32),
      nextValidatorSetRoot: new Uint8Array(32),
      proposer: new Uint8Array(20),
      lastCommitHash: new Uint8Array(32),
      evidenceRoot: new Uint8Array(32),
    };
    const block = (txs: number, evidence: number): Block => ({
      header,
      txs: Array.from({ length: txs }, () => Uint8Array.of(7)),
      lastCommit: null,
      evidence: Array.from({ length: evidence }, () => ({ voteA: voteFor(1, new Uint8Array(32), 0), voteB: voteFor(1, null, 0), time: 1 })),
    });
    expect(decodeBlock(encodeBlock(block(MAX_TXS_PER_BLOCK, MAX_EVIDENCE_PER_BLOCK))).txs).toHaveLength(MAX_TXS_PER_BLOCK);
    invalidField(() => decodeBlock(encodeBlock(block(MAX_TXS_PER_BLOCK + 1, 0))), "txs");
    invalidField(() => decodeBlock(encodeBlock(block(0, MAX_EVIDENCE_PER_BLOCK + 1))), "evidence");
  });

  test("a message with more items than allowed is refused from its bytes, before it is decoded (no object per item)", () => {
    // Found by this suite: an empty entry of a repeated field is two bytes, and protobufjs made an
    // object per entry before the count was checked (a gossip-sized TxBatch: 2 million, ~0.5 s, ~250 MB).
    const empties = (field: number, n: number) => {
      const out = new Uint8Array(2 * n);
      for (let i = 0; i < n; i++) out[2 * i] = (field << 3) | 2;
      return out;
    };
    const decoders = [aegis.v1.TxBatch, aegis.v1.Block, aegis.v1.ProposalMessage] as const;
    const saved = decoders.map((t) => t.decode);
    for (const t of decoders) {
      t.decode = () => {
        throw new Error("decoded");
      };
    }
    try {
      invalidField(() => decodeTxBatch(empties(1, MAX_TXS_PER_BATCH + 1)), "txs");
      const gossipSized = empties(1, GOSSIP_MAX_PAYLOAD_BYTES / 2);
      const r = timed(() => decodeTxBatch(gossipSized));
      expect(r.ms).toBeLessThan(HANG_MS);
      expect((r.error as CodecError).type).toMatchObject({ code: "CODEC_ERROR_INVALID_FIELD", field: "txs" });
      invalidField(() => decodeBlock(empties(2, MAX_TXS_PER_BLOCK + 1)), "txs");
      invalidField(() => decodeBlock(concatBytes(empties(4, MAX_EVIDENCE_PER_BLOCK), empties(5, 1))), "evidence");
      const block = empties(5, MAX_EVIDENCE_PER_BLOCK + 1);
      const proposal = concatBytes(Uint8Array.of(0x12), encodeVarint(block.length), block);
      invalidField(() => decodeProposalMessage(proposal), "evidence");
      expect(() => validateProposalMessage(proposal, ctx)).toThrow(expect.objectContaining({ type: expect.objectContaining({ code: "GOSSIP_ERROR_MALFORMED" }) }));
    } finally {
      decoders.forEach((t, i) => (t.decode = saved[i]!));
    }
    // Entries the decoder would skip (not length-delimited) are not counted.
    const skipped = new Uint8Array(2 * (MAX_TXS_PER_BATCH + 1)).map((_, i) => (i % 2 === 0 ? (1 << 3) | 0 : 0));
    expect(decodeTxBatch(concatBytes(skipped, encodeTxBatch([Uint8Array.of(1)])))).toEqual([Uint8Array.of(1)]);
  });

  test("a length prefix that announces more than the message holds is refused at once, whatever it says", () => {
    for (const len of [1n << 31n, 1n << 32n, (1n << 32n) + 6n, 1n << 53n, (1n << 64n) - 1n]) {
      // Vote.block_hash (field 4) announcing `len` bytes, followed by six.
      const bytes = concatBytes(Uint8Array.of(0x22), encodeVarint(len), new Uint8Array(6));
      const r = timed(() => decodeVote(bytes));
      expect(r.ms).toBeLessThan(HANG_MS);
      expectCodecError(r.error);
    }
  });
});
