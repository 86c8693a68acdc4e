/**
 * Fuzzing the SDK's hub API JSON decoders (issue 18, "Fuzzing every input"): what a consumer, relayer
 * or dashboard reads from a hub node it does not trust. For every JSON type a route of HUB_API_ROUTES
 * answers or takes (and the trust root), its decoder is fed random JSON values, valid encodings of
 * random domain values, and mutations of those (a field replaced, removed, added, retyped, a number
 * or string nudged, an array item repeated or dropped, at any depth).
 *
 * Property: the decoder throws only HubApiError (HUB_API_ERROR_MALFORMED or _INCONSISTENT), or
 * returns a value whose encoding is the JSON it was given (up to base64 padding, which the decoder
 * documents as optional), in bounded time.
 *
 * `npm test` runs a bounded number of cases per property; `npm run fuzz` many more (fuzzParams).
 */
import fc from "fast-check";
import { fuzzParams } from "../../../test/helpers/fuzz.js";
import {
  API_ERROR_CODES,
  BN254_BASE_FIELD,
  BN254_SCALAR_FIELD,
  computeBlockHash,
  computeCommitCertificateHash,
  computeValidatorAddress,
  decodeApiErrorJson,
  decodeBlockJson,
  decodeCertificateResponseJson,
  decodeCertificateStreamMessageJson,
  decodeCommitsJson,
  decodeConsumerJson,
  decodeConsumersJson,
  decodeEvidenceListJson,
  decodeForkCasesJson,
  decodeHeaderResponseJson,
  decodeHubTrustRootJson,
  decodeInclusionProofJson,
  decodePolkasJson,
  decodeStatusJson,
  decodeSubmitTxRequestJson,
  decodeSubmitTxResponseJson,
  decodeValidatorSetJson,
  decodeZkActivationProofJson,
  decodeZkInfoJson,
  encodeApiErrorJson,
  encodeBlockJson,
  encodeCommitCertificateJson,
  encodeCommitsJson,
  encodeConsumerJson,
  encodeConsumersJson,
  encodeEvidenceJson,
  encodeForkCasesJson,
  encodeHeaderResponseJson,
  encodeHex,
  encodeHubTrustRootJson,
  encodeInclusionProofJson,
  encodeIsoTime,
  encodePolkasJson,
  encodeStatusJson,
  encodeSubmitTxRequestJson,
  encodeSubmitTxResponseJson,
  encodeValidatorSetJson,
  encodeZkActivationProofJson,
  encodeZkCertificateJson,
  encodeZkInfoJson,
  encodeZkStreamMessageJson,
  HUB_API_ROUTES,
  HUB_MAX_EVIDENCE_PER_BLOCK,
  HUB_MAX_SIGNER_BITMAP_BYTES,
  HUB_MAX_TX_BYTES,
  HubApiError,
  MAX_MERKLE_PROOF_DEPTH,
  MAX_TOTAL_POWER,
  VoteType,
  ZK_MAX_CAPACITY,
  ZK_PROOF_LENGTH,
  ZK_PUBLIC_INPUTS,
  type ApiErrorCode,
  type BlockHeader,
  type CommitCertificate,
  type ConsumerCheckpoint,
  type ForkCase,
  type ForkCommitRef,
  type Groth16VerificationKey,
  type HubApiJsonTypeName,
  type HubBlock,
  type HubBlsCertificate,
  type HubCertificateResponse,
  type HubCertificateStreamMessage,
  type HubConsumer,
  type HubEvidence,
  type HubEvidenceSummary,
  type HubFinalityAttestation,
  type HubStatus,
  type HubTrustRoot,
  type HubVote,
  type HubZkInfo,
  type MerkleProof,
  type PolkaCertificate,
  type ValidatorSet,
  type ZkCertificate,
} from "../../src/index.js";

const CHAIN_ID = "aegis-fuzz-json-1";
const ctx = { chainId: CHAIN_ID };
/** Hang detector, not a timing assertion: one decode of a fuzz input takes microseconds to a few ms. */
const HANG_MS = 2000;
const U32 = 0xffffffff;

// ---------------------------------------------------------------------------------------------
// Domain values
// ---------------------------------------------------------------------------------------------

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const hash = bytes(32);
const smallInt = (min: number) => fc.oneof(fc.integer({ min, max: min + 100 }), fc.integer({ min, max: Number.MAX_SAFE_INTEGER }));
const u32 = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: U32 }));
/** Unix ms that Date can show (up to year 275760), from 1970. */
const time = fc.oneof(fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }), fc.integer({ min: 0, max: 8.64e15 }));
const field = fc.oneof(fc.bigInt({ min: 0n, max: BN254_SCALAR_FIELD - 1n }), fc.constantFrom(0n, 1n, BN254_SCALAR_FIELD - 1n));
const chainId = fc.stringMatching(/^[a-zA-Z0-9._-]{1,50}$/);
const circuit = fc.stringMatching(/^[a-z0-9_-]{1,64}$/);
const text = (max: number, min = 0) => fc.string({ minLength: min, maxLength: Math.min(max, 40) });

const header = (height: fc.Arbitrary<number> = smallInt(1)): fc.Arbitrary<BlockHeader> =>
  fc.record({
    chainId,
    height,
    time,
    parentHash: hash,
    txRoot: hash,
    stateRoot: hash,
    consumerCheckpointRoot: hash,
    validatorSetRoot: hash,
    nextValidatorSetRoot: hash,
    proposer: bytes(20),
    lastCommitHash: hash,
    evidenceRoot: hash,
  });

const commitCertificate = (height: fc.Arbitrary<number> = smallInt(1), blockHash: fc.Arbitrary<Uint8Array> = hash): fc.Arbitrary<CommitCertificate> =>
  fc.record({ height, round: u32, blockHash, signers: fc.uint8Array({ minLength: 1, maxLength: 6 }), signature: bytes(96) });

const vote: fc.Arbitrary<HubVote> = fc.record({
  type: fc.constantFrom(VoteType.Prevote, VoteType.Precommit),
  height: smallInt(1),
  round: u32,
  blockHash: fc.option(hash, { nil: null }),
  validatorIndex: u32,
  signature: bytes(96),
});
const attestation: fc.Arbitrary<HubFinalityAttestation> = fc.record({ height: smallInt(1), time, blockHash: hash, validatorSetRoot: field, nextValidatorSetRoot: field, validatorIndex: u32, signature: bytes(64) });
const evidence: fc.Arbitrary<HubEvidence> = fc.oneof(fc.record({ voteA: vote, voteB: vote, time }), fc.record({ attestationA: attestation, attestationB: attestation, time }));

/** A block whose last commit is the one its header commits to (none at height 1). */
const block: fc.Arbitrary<HubBlock> = fc
  .record({
    header: header(fc.oneof(fc.constant(1), smallInt(2))),
    txs: fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 3 }),
    lastCommit: commitCertificate(),
    evidence: fc.array(evidence, { maxLength: 2 }),
  })
  .map(({ header: h, lastCommit, ...rest }) => {
    if (h.height === 1) return { ...rest, header: h, lastCommit: null };
    const lc = { ...lastCommit, height: h.height - 1 };
    return { ...rest, header: { ...h, lastCommitHash: computeCommitCertificateHash(lc) }, lastCommit: lc };
  });

const zkCertificate = (height: fc.Arbitrary<number> = smallInt(1), blockHash: fc.Arbitrary<Uint8Array> = hash): fc.Arbitrary<ZkCertificate> =>
  fc.record({
    circuit,
    chainId: fc.constant(CHAIN_ID),
    height,
    time: fc.oneof(time, fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
    blockHash,
    validatorSetRoot: field,
    nextValidatorSetRoot: field,
    signers: fc.bigInt({ min: 0n, max: (1n << BigInt(ZK_MAX_CAPACITY)) - 1n }),
    prover: bytes(20),
    proof: bytes(ZK_PROOF_LENGTH),
  });

const blsCertificate = (height: fc.Arbitrary<number> = smallInt(1), blockHash: fc.Arbitrary<Uint8Array> = hash): fc.Arbitrary<HubBlsCertificate> =>
  fc
    .record({ certificate: commitCertificate(height, blockHash), totalPower: fc.bigInt({ min: 1n, max: MAX_TOTAL_POWER }), share: fc.bigInt({ min: 0n, max: 1000n }) })
    .map(({ certificate, totalPower, share }) => ({ certificate, totalPower, signedPower: (totalPower * share) / 1000n }));

const certificateResponse = (height: fc.Arbitrary<number> = smallInt(1), blockHash: fc.Arbitrary<Uint8Array> = hash): fc.Arbitrary<HubCertificateResponse> =>
  fc.tuple(height, blockHash).chain(([h, bh]) =>
    fc
      .record({ bls: blsCertificate(fc.constant(h), fc.constant(bh)), zk: fc.option(zkCertificate(fc.constant(h), fc.constant(bh)), { nil: null }), later: fc.option(fc.integer({ min: 0, max: 50 }), { nil: null }) })
      .map(({ bls, zk, later }) => ({ height: h, blockHash: bh, bls, zk, zkFinalizedBy: zk ? h : later === null ? null : Math.min(h + later, Number.MAX_SAFE_INTEGER) })),
  );

/** A validator set as the hub orders it (power descending, then address ascending), addresses its keys'. */
const validatorSet: fc.Arbitrary<ValidatorSet> = fc
  .uniqueArray(fc.record({ key: bytes(48), power: fc.oneof(fc.bigInt({ min: 1n, max: 100n }), fc.bigInt({ min: 1n, max: MAX_TOTAL_POWER / 8n })) }), { minLength: 1, maxLength: 6, selector: (v) => encodeHex(v.key) })
  .map((vs) => {
    const validators = vs
      .map((v) => ({ address: computeValidatorAddress(v.key), blsPublicKey: v.key, power: v.power }))
      .sort((a, b) => (a.power !== b.power ? (a.power > b.power ? -1 : 1) : encodeHex(a.address) < encodeHex(b.address) ? -1 : 1));
    return { validators, totalPower: validators.reduce((s, v) => s + v.power, 0n) };
  });

const g1 = fc.array(fc.bigInt({ min: 0n, max: BN254_BASE_FIELD - 1n }).map(String), { minLength: 3, maxLength: 3 });
const g2 = fc.array(fc.array(fc.bigInt({ min: 0n, max: BN254_BASE_FIELD - 1n }).map(String), { minLength: 2, maxLength: 2 }), { minLength: 3, maxLength: 3 });
const verificationKey: fc.Arbitrary<Groth16VerificationKey> = fc.record({
  protocol: fc.constant("groth16" as const),
  curve: fc.constant("bn128" as const),
  nPublic: fc.constant(ZK_PUBLIC_INPUTS.length),
  vk_alpha_1: g1,
  vk_beta_2: g2,
  vk_gamma_2: g2,
  vk_delta_2: g2,
  IC: fc.array(g1, { minLength: ZK_PUBLIC_INPUTS.length + 1, maxLength: ZK_PUBLIC_INPUTS.length + 1 }),
});
const capacity = fc.constantFrom(1, 2, 4, 8, 16, 32, 64, 128);

const forkRef: fc.Arbitrary<ForkCommitRef> = fc.record({ round: u32, blockHash: hash, signers: fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { maxLength: 5 }).map((xs) => xs.sort((a, b) => a - b)) });
const ascending = fc.uniqueArray(u32, { maxLength: 5 }).map((xs) => xs.sort((a, b) => a - b));
const forkCase: fc.Arbitrary<ForkCase> = fc
  .record({
    id: smallInt(1),
    height: smallInt(1),
    kind: fc.constantFrom("rounds" as const, "tiers" as const),
    low: forkRef,
    high: forkRef,
    openedMs: smallInt(0),
    polkas: fc.array(forkRef, { maxLength: 2 }),
    obligations: fc.array(
      fc.record({ blockHash: hash, minRound: u32, span: fc.integer({ min: 0, max: 5 }), owers: ascending, deadlineMs: smallInt(0), status: fc.constantFrom(0, 1, 2) }).map(({ span, minRound, ...o }) => ({ ...o, minRound, maxRound: Math.min(U32, minRound + span) })),
      { maxLength: 2 },
    ),
    convicted: ascending,
  })
  .map((c) => (c.kind === "rounds" && c.low.round >= c.high.round ? { ...c, low: { ...c.low, round: c.high.round === 0 ? 0 : c.high.round - 1 }, high: { ...c.high, round: c.high.round === 0 ? 1 : c.high.round } } : c));

const checkpoint: fc.Arbitrary<ConsumerCheckpoint> = fc.record({ consumerId: fc.stringMatching(/^[a-z0-9_.-]{1,64}$/), height: smallInt(1), blockHash: hash, parentCheckpointHash: hash, stateRoot: hash });
const merkleProof: fc.Arbitrary<MerkleProof> = fc
  .record({ total: fc.integer({ min: 1, max: 1000 }), at: fc.nat(), siblings: fc.array(hash, { maxLength: 4 }) })
  .map(({ total, at, siblings }) => ({ index: at % total, total, siblings }));
const consumer: fc.Arbitrary<HubConsumer> = fc.record({
  consumerId: fc.stringMatching(/^[a-z0-9_.-]{1,64}$/),
  owner: text(128, 1),
  vm: text(32, 1),
  genesisHash: hash,
  producerKeys: fc.array(hash, { minLength: 1, maxLength: 3 }),
  bond: fc.record({ denom: text(128, 1), amount: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }) }),
  status: fc.constantFrom("active" as const, "frozen" as const, "deregistered" as const),
  registeredHeight: smallInt(0),
  latestHeight: smallInt(0),
});

// ---------------------------------------------------------------------------------------------
// Every JSON type: its decoder, the encoder of what it decodes, and valid JSON
// ---------------------------------------------------------------------------------------------

interface JsonType<D> {
  decode(json: unknown): D;
  encode(value: D): unknown;
  valid: fc.Arbitrary<unknown>;
  /** What the decoder documents it drops or normalizes, applied to the given JSON before comparing. */
  normalize?: (json: unknown) => unknown;
}
const jt = <D>(t: JsonType<D>) => t as unknown as JsonType<unknown>;

const blsJson = (b: HubBlsCertificate) => ({ ...encodeCommitCertificateJson(b.certificate), signedPower: b.signedPower.toString(), totalPower: b.totalPower.toString() });
const certificateResponseJson = (r: HubCertificateResponse) => ({ height: r.height, blockHash: encodeHex(r.blockHash), bls: blsJson(r.bls), zk: r.zk && encodeZkCertificateJson(r.zk), zkFinalizedBy: r.zkFinalizedBy });
const streamJson = (m: HubCertificateStreamMessage) => (m.type === "bls" ? { type: "bls", height: m.height, blockHash: encodeHex(m.blockHash), bls: blsJson(m.bls) } : encodeZkStreamMessageJson(m.zk));
const evidenceSummaryJson = (e: HubEvidenceSummary) =>
  e.kind === "double_attestation"
    ? { ...e, blockHashA: encodeHex(e.blockHashA), blockHashB: encodeHex(e.blockHashB), time: encodeIsoTime(e.time) }
    : { ...e, blockHashA: e.blockHashA && encodeHex(e.blockHashA), blockHashB: e.blockHashB && encodeHex(e.blockHashB), time: encodeIsoTime(e.time) };
const monikersOf = (set: ValidatorSet, monikers: (string | null)[]) => new Map(set.validators.flatMap((v, i) => (monikers[i] === null ? [] : [[encodeHex(v.blsPublicKey), monikers[i]!] as const])));

/** Evidence summaries as GET /evidence lists them (from evidence, through the hub's encoder). */
const evidenceListJson = fc.array(evidence, { maxLength: 3 }).map((list) => ({ evidence: list.map((e) => evidenceSummaryJson(decodeEvidenceListJson({ evidence: [summaryOf(e)] })[0]!)) }));
function summaryOf(e: HubEvidence): unknown {
  const j = encodeEvidenceJson(e) as { kind: string; voteA?: { height: number; round: number; type: number; validatorIndex: number; blockHash: string | null }; voteB?: { blockHash: string | null }; attestationA?: { height: number; validatorIndex: number; blockHash: string }; attestationB?: { blockHash: string }; time: string };
  return j.kind === "duplicate_vote"
    ? { kind: j.kind, height: j.voteA!.height, round: j.voteA!.round, type: j.voteA!.type, validatorIndex: j.voteA!.validatorIndex, blockHashA: j.voteA!.blockHash, blockHashB: j.voteB!.blockHash, time: j.time }
    : { kind: j.kind, height: j.attestationA!.height, validatorIndex: j.attestationA!.validatorIndex, blockHashA: j.attestationA!.blockHash, blockHashB: j.attestationB!.blockHash, time: j.time };
}

const statusValue: fc.Arbitrary<HubStatus> = fc
  .record({
    chainId,
    moniker: text(256),
    height: fc.oneof(fc.constant(0), smallInt(1)),
    latestBlockHash: hash,
    latestBlockTime: time,
    validatorSetSize: smallInt(1),
    validatorIndex: fc.option(u32, { nil: null }),
    round: u32,
    peerId: text(128, 1),
    peers: smallInt(0),
    mempoolSize: smallInt(0),
  })
  .map((s) => (s.height === 0 ? { ...s, latestBlockHash: null, latestBlockTime: null } : s));

const zkInfoValue: fc.Arbitrary<HubZkInfo> = fc
  .record({
    circuit,
    capacity,
    attestationIntervalMs: smallInt(1),
    verificationKey: fc.option(verificationKey, { nil: null }),
    fromHeight: smallInt(1),
    prover: fc.boolean(),
    latestCertifiedHeight: fc.option(smallInt(1), { nil: null }),
    recordedHeight: fc.option(smallInt(1), { nil: null }),
    proverReward: fc.bigInt({ min: 0n, max: 10n ** 31n - 1n }),
    height: smallInt(1),
    validatorSetRoot: fc.option(field, { nil: null }),
  })
  .map((z) => ({ ...z, fromHeight: z.verificationKey === null ? null : z.fromHeight }));

const inclusionProof = fc
  .record({ checkpoint, header: header(), proof: merkleProof })
  .chain(({ checkpoint: cp, header: h, proof }) => certificateResponse(fc.constant(h.height), fc.constant(computeBlockHash(h))).map((certs) => ({ checkpoint: cp, hubHeight: h.height, header: encodeHeaderResponseJson(h), proof, certificates: certificateResponseJson(certs) })));

const polkas = fc
  .record({ height: smallInt(1), list: fc.array(commitCertificate(), { maxLength: 4 }) })
  .map(({ height, list }) => {
    const sorted = list.map((p) => ({ ...p, height })).sort((a, b) => a.round - b.round || (encodeHex(a.blockHash) < encodeHex(b.blockHash) ? -1 : 1));
    const unique = sorted.filter((p, i) => i === 0 || p.round !== sorted[i - 1]!.round || encodeHex(p.blockHash) !== encodeHex(sorted[i - 1]!.blockHash));
    return encodePolkasJson(height, unique as PolkaCertificate[]);
  });

const trustRoot: fc.Arbitrary<HubTrustRoot> = fc
  .record({
    chainId,
    genesisTime: smallInt(0),
    validatorSet,
    epochLength: smallInt(1),
    trustingPeriodMs: fc.integer({ min: 1, max: 2 ** 40 }),
    extra: fc.integer({ min: 1, max: 2 ** 40 }),
    zk: fc.option(fc.oneof(fc.record({ kind: fc.constant("zk" as const), circuit, capacity, verificationKey, root: field }), fc.record({ kind: fc.constant("activation" as const), circuit, capacity })), { nil: undefined }),
  })
  .map(({ trustingPeriodMs, extra, zk, ...t }) => ({
    ...t,
    trustingPeriodMs,
    unbondingPeriodMs: trustingPeriodMs + extra,
    ...(zk?.kind === "zk" ? { zk: { verificationKeys: { [zk.circuit]: zk.verificationKey }, capacities: { [zk.circuit]: zk.capacity }, genesisValidatorSetRoot: zk.root } } : {}),
    ...(zk?.kind === "activation" ? { zkActivation: { circuit: zk.circuit, capacity: zk.capacity } } : {}),
  }));

const JSON_TYPES: Record<HubApiJsonTypeName, JsonType<unknown>> = {
  StatusJson: jt({ decode: decodeStatusJson, encode: encodeStatusJson, valid: statusValue.map(encodeStatusJson) }),
  BlockJson: jt({ decode: decodeBlockJson, encode: (r) => encodeBlockJson(r.block, r.blockHash), valid: block.map((b) => encodeBlockJson(b)) }),
  HeaderResponseJson: jt({ decode: decodeHeaderResponseJson, encode: (r) => encodeHeaderResponseJson(r.header, r.blockHash), valid: header().map((h) => encodeHeaderResponseJson(h)) }),
  CertificateResponseJson: jt({ decode: (j) => decodeCertificateResponseJson(j, ctx), encode: certificateResponseJson, valid: certificateResponse().map(certificateResponseJson) }),
  ValidatorSetJson: jt({
    decode: decodeValidatorSetJson,
    encode: (r) => encodeValidatorSetJson(r.validatorSet, monikersOf(r.validatorSet, r.monikers)),
    valid: fc.tuple(validatorSet, fc.array(fc.option(text(256), { nil: null }), { minLength: 6, maxLength: 6 })).map(([set, names]) => encodeValidatorSetJson(set, monikersOf(set, names))),
  }),
  ZkInfoJson: jt({ decode: decodeZkInfoJson, encode: encodeZkInfoJson, valid: zkInfoValue.map(encodeZkInfoJson) }),
  ZkActivationProofJson: jt({
    decode: decodeZkActivationProofJson,
    encode: encodeZkActivationProofJson,
    valid: fc.record({ height: smallInt(1), stateRoot: hash, activation: fc.option(fc.uint8Array({ minLength: 1, maxLength: 80 }), { nil: null }), proof: fc.array(fc.uint8Array({ minLength: 1, maxLength: 80 }), { maxLength: 4 }) }).map(encodeZkActivationProofJson),
  }),
  CommitsJson: jt({
    decode: decodeCommitsJson,
    encode: encodeCommitsJson,
    valid: fc.array(fc.record({ height: smallInt(1), round: u32, time, finalityMs: fc.option(fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e9, noNaN: true })), { nil: null }), txCount: smallInt(0) }), { maxLength: 4 }).map(encodeCommitsJson),
  }),
  EvidenceListJson: jt({ decode: decodeEvidenceListJson, encode: (list) => ({ evidence: list.map(evidenceSummaryJson) }), valid: evidenceListJson }),
  SubmitTxRequestJson: jt({ decode: decodeSubmitTxRequestJson, encode: encodeSubmitTxRequestJson, valid: fc.uint8Array({ minLength: 1, maxLength: 300 }).map(encodeSubmitTxRequestJson) }),
  SubmitTxResponseJson: jt({ decode: decodeSubmitTxResponseJson, encode: encodeSubmitTxResponseJson, valid: fc.record({ hash, added: fc.boolean() }).map(encodeSubmitTxResponseJson) }),
  CertificateStreamMessageJson: jt({
    decode: (j) => decodeCertificateStreamMessageJson(j, ctx),
    encode: streamJson,
    valid: fc.oneof(
      blsCertificate().map((b) => ({ type: "bls", height: b.certificate.height, blockHash: encodeHex(b.certificate.blockHash), bls: blsJson(b) })),
      zkCertificate().map(encodeZkStreamMessageJson),
    ),
  }),
  ApiErrorJson: jt({
    decode: decodeApiErrorJson,
    encode: (e) => encodeApiErrorJson(e.code as ApiErrorCode, e.message),
    valid: fc.record({ code: fc.oneof(fc.constantFrom(...API_ERROR_CODES), fc.stringMatching(/^API_ERROR_[A-Z0-9_]{1,64}$/)), message: fc.string({ maxLength: 80 }) }).map((e) => encodeApiErrorJson(e.code as ApiErrorCode, e.message)),
  }),
  ConsumersJson: jt({ decode: decodeConsumersJson, encode: encodeConsumersJson, valid: fc.array(consumer, { maxLength: 3 }).map(encodeConsumersJson) }),
  ConsumerJson: jt({ decode: decodeConsumerJson, encode: encodeConsumerJson, valid: consumer.map(encodeConsumerJson) }),
  InclusionProofJson: jt({
    decode: (j) => decodeInclusionProofJson(j, ctx),
    encode: (p) => encodeInclusionProofJson({ checkpoint: p.checkpoint, hubHeight: p.hubHeight, header: encodeHeaderResponseJson(p.header.header, p.header.blockHash), proof: p.proof, certificates: certificateResponseJson(p.certificates) }),
    valid: inclusionProof.map(encodeInclusionProofJson),
  }),
  PolkasJson: jt({ decode: decodePolkasJson, encode: (r) => encodePolkasJson(r.height, r.polkas), valid: polkas }),
  ForkCasesJson: jt({ decode: decodeForkCasesJson, encode: encodeForkCasesJson, valid: fc.array(forkCase, { maxLength: 3 }).map(encodeForkCasesJson) }),
};

/** JSON a consumer reads that no route serves: the trust root from the hub's genesis (the light client's start). */
const OTHER_TYPES: Record<string, JsonType<unknown>> = {
  HubTrustRootJson: jt({
    decode: decodeHubTrustRootJson,
    encode: encodeHubTrustRootJson,
    valid: trustRoot.map(encodeHubTrustRootJson),
    // A trust root is a set, not names: the validators' monikers are read (ValidatorSetJson) and dropped.
    normalize: (json) => {
      const j = structuredClone(json) as { validators?: { validators?: { moniker?: unknown }[] } };
      for (const v of j.validators?.validators ?? []) if (v && typeof v === "object") v.moniker = null;
      return j;
    },
  }),
};

const ALL_TYPES = Object.entries({ ...JSON_TYPES, ...OTHER_TYPES });

// ---------------------------------------------------------------------------------------------
// Mutations of JSON values
// ---------------------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const JSON_MUTATIONS = ["replace", "remove", "addKey", "null", "number", "string", "retype", "array", "wrap"] as const;
interface JsonMutation {
  kind: (typeof JSON_MUTATIONS)[number];
  at: number;
  choice: number;
  value: Json;
}
const jsonMutation: fc.Arbitrary<JsonMutation> = fc.record({ kind: fc.constantFrom(...JSON_MUTATIONS), at: fc.nat(), choice: fc.nat(), value: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json> });

/** Every place of `v` (the root too), as a getter and a setter on its parent. */
function places(root: { v: Json }): { get: () => Json; set: (x: Json | undefined) => void }[] {
  const out: { get: () => Json; set: (x: Json | undefined) => void }[] = [];
  const walk = (parent: Record<string, Json> | Json[], key: string | number): void => {
    const get = () => (parent as Record<string, Json>)[key as string]!;
    out.push({
      get,
      set: (x) => {
        if (x !== undefined) (parent as Record<string, Json>)[key as string] = x;
        else if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete (parent as Record<string, Json>)[key as string];
      },
    });
    const v = get();
    if (Array.isArray(v)) v.forEach((_, i) => walk(v, i));
    else if (v !== null && typeof v === "object") for (const k of Object.keys(v)) walk(v as Record<string, Json>, k);
  };
  walk(root as unknown as Record<string, Json>, "v");
  return out;
}

const pick = <T>(xs: readonly T[], i: number): T => xs[i % xs.length]!;

function nudgeNumber(n: number, choice: number): Json {
  return pick([n + 1, n - 1, -n, n + 0.5, n * 2 ** 32, 2 ** 53, -1, 0, -0, 1e308, Number.MAX_SAFE_INTEGER + 2], choice);
}

function nudgeString(s: string, choice: number): Json {
  return pick(
    [s + "0", s.slice(0, -1), s.slice(1), s.toUpperCase(), " " + s, s + "=", s + "==", "0" + s, s.replace(/0/g, "00"), s + s, "", "-" + s, s.replace(/[a-f]/, "g"), s.normalize("NFD") + "\u0301"],
    choice,
  );
}

function retype(v: Json, choice: number): Json {
  if (typeof v === "number") return pick([String(v), [v], { v }, v === 0 ? false : true], choice);
  if (typeof v === "string") return pick([Number(v) || 0, [v], { [v]: v }, v.length > 0], choice);
  if (typeof v === "boolean") return pick([String(v), v ? 1 : 0, [v]], choice);
  if (Array.isArray(v)) return pick([{ ...v }, v.length, JSON.stringify(v)], choice);
  if (v !== null) return pick([Object.values(v), Object.keys(v), JSON.stringify(v)], choice);
  return pick([0, "", false, [], {}], choice);
}

function applyJsonMutation(json: unknown, m: JsonMutation): unknown {
  const root = { v: structuredClone(json) as Json };
  const all = places(root);
  const p = all[m.at % all.length]!;
  const v = p.get();
  switch (m.kind) {
    case "replace":
      p.set(m.value);
      break;
    case "remove":
      if (all.length > 1) all[1 + (m.at % (all.length - 1))]!.set(undefined); // anything but the value itself
      break;
    case "addKey": {
      const objects = all.map((x) => x.get()).filter((x): x is Record<string, Json> => x !== null && typeof x === "object" && !Array.isArray(x));
      if (objects.length > 0) pick(objects, m.at)[pick(["extra", "__proto__", "constructor", "toString", "0", ""], m.choice)] = m.value;
      break;
    }
    case "null":
      p.set(null);
      break;
    case "number":
      if (typeof v === "number") p.set(nudgeNumber(v, m.choice));
      else p.set(nudgeNumber(m.choice % 100, m.choice));
      break;
    case "string":
      if (typeof v === "string") p.set(nudgeString(v, m.choice));
      break;
    case "retype":
      p.set(retype(v, m.choice));
      break;
    case "array":
      if (Array.isArray(v)) {
        const i = m.choice % Math.max(1, v.length);
        p.set(pick([v.length > 0 ? [...v, v[i]!] : [m.value], v.filter((_, j) => j !== i), [...v].reverse(), [], v.length > 0 ? [v[i]!, ...v] : v], m.choice));
      }
      break;
    case "wrap":
      p.set(pick([[v], { v }], m.choice));
      break;
  }
  return root.v;
}

const mutatedJson = (valid: fc.Arbitrary<unknown>) => fc.tuple(valid, fc.array(jsonMutation, { minLength: 1, maxLength: 3 })).map(([j, ms]) => ms.reduce(applyJsonMutation, j));

// ---------------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------------

/** Structural JSON equality; a base64 string may come back padded where it was given without. */
function jsonEqual(given: unknown, encoded: unknown): boolean {
  if (typeof given === "string" && typeof encoded === "string") {
    return given === encoded || (given.length % 4 !== 0 && encoded.length % 4 === 0 && /^=+$/.test(encoded.slice(given.length)) && encoded.startsWith(given));
  }
  if (Array.isArray(given)) return Array.isArray(encoded) && given.length === encoded.length && given.every((x, i) => jsonEqual(x, encoded[i]));
  if (given !== null && typeof given === "object") {
    if (encoded === null || typeof encoded !== "object" || Array.isArray(encoded)) return false;
    const a = Object.keys(given).filter((k) => (given as Record<string, unknown>)[k] !== undefined);
    const b = Object.keys(encoded).filter((k) => (encoded as Record<string, unknown>)[k] !== undefined);
    return a.length === b.length && a.every((k) => Object.hasOwn(encoded, k) && jsonEqual((given as Record<string, unknown>)[k], (encoded as Record<string, unknown>)[k]));
  }
  return given === encoded;
}

function checkDecoder(t: JsonType<unknown>, json: unknown): "decoded" | "refused" {
  const start = performance.now();
  let decoded: unknown;
  try {
    decoded = t.decode(json);
  } catch (e) {
    expect(performance.now() - start).toBeLessThan(HANG_MS);
    if (!(e instanceof HubApiError)) throw e;
    expect(["HUB_API_ERROR_MALFORMED", "HUB_API_ERROR_INCONSISTENT"]).toContain(e.code);
    expect(e.type.path.startsWith("$")).toBe(true);
    return "refused";
  }
  expect(performance.now() - start).toBeLessThan(HANG_MS);
  const again = t.encode(decoded);
  if (!jsonEqual(t.normalize ? t.normalize(json) : json, again)) throw new Error(`decoded to something that encodes otherwise:\n given   ${JSON.stringify(json)}\n encoded ${JSON.stringify(again)}`);
  return "decoded";
}

test("every route's JSON type has a fuzzed decoder", () => {
  // Every route's answer and request, and the error body every route answers with.
  const named = new Set<string>(["ApiErrorJson", ...Object.values(HUB_API_ROUTES).flatMap((r) => ["response" in r ? r.response : [], "request" in r ? r.request : []].flat())]);
  expect(Object.keys(JSON_TYPES).sort()).toEqual([...named].sort());
});

describe.each(ALL_TYPES)("%s", (_name, t) => {
  test("valid encodings decode and encode back to themselves", () => {
    fc.assert(
      fc.property(t.valid, (json) => {
        expect(checkDecoder(t, json)).toBe("decoded");
      }),
      fuzzParams(60),
    );
  });

  test("mutated encodings: HubApiError, or a value that encodes back to them", () => {
    fc.assert(
      fc.property(mutatedJson(t.valid), (json) => {
        checkDecoder(t, json);
      }),
      fuzzParams(300),
    );
  });

  test("random JSON values: HubApiError, or a value that encodes back to them", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (json) => {
        checkDecoder(t, json);
      }),
      fuzzParams(100),
    );
  });
});

test("trust root: the genesis set's ZK root is read in the API's one decimal form, below the field order", () => {
  // Found by this suite: "0" + root (or any zero-padded root) decoded to the same root, a second
  // encoding of one trust root, and a root above the field was read as given.
  const json = fc.sample(trustRoot.filter((t) => t.zk !== undefined).map(encodeHubTrustRootJson), { numRuns: 1, seed: 7 })[0]! as { zk: { genesisValidatorSetRoot: string } };
  expect(checkDecoder(OTHER_TYPES.HubTrustRootJson!, json)).toBe("decoded");
  for (const bad of ["0" + json.zk.genesisValidatorSetRoot, BN254_SCALAR_FIELD.toString(), "9".repeat(80), "-1", "1e3"]) {
    expect(() => decodeHubTrustRootJson({ ...json, zk: { ...json.zk, genesisValidatorSetRoot: bad } })).toThrow(expect.objectContaining({ type: expect.objectContaining({ code: "HUB_API_ERROR_MALFORMED", path: "$.zk.genesisValidatorSetRoot" }) }));
  }
});

describe("limits", () => {
  test("the decoders' caps are the hub's own limits", () => {
    const h: BlockHeader = { chainId: CHAIN_ID, height: 1, time: 0, parentHash: new Uint8Array(32), txRoot: new Uint8Array(32), stateRoot: new Uint8Array(32), consumerCheckpointRoot: new Uint8Array(32), validatorSetRoot: new Uint8Array(32), nextValidatorSetRoot: new Uint8Array(32), proposer: new Uint8Array(20), lastCommitHash: new Uint8Array(32), evidenceRoot: new Uint8Array(32) };
    const e: HubEvidence = { voteA: { type: VoteType.Prevote, height: 1, round: 0, blockHash: null, validatorIndex: 0, signature: new Uint8Array(96) }, voteB: { type: VoteType.Prevote, height: 1, round: 0, blockHash: new Uint8Array(32), validatorIndex: 0, signature: new Uint8Array(96) }, time: 0 };
    const json = encodeBlockJson({ header: h, txs: [], lastCommit: null, evidence: Array.from({ length: HUB_MAX_EVIDENCE_PER_BLOCK }, () => e) });
    expect(decodeBlockJson(json).block.evidence).toHaveLength(HUB_MAX_EVIDENCE_PER_BLOCK);
    expect(() => decodeBlockJson({ ...json, evidence: [...json.evidence, json.evidence[0]] })).toThrow(expect.objectContaining({ type: expect.objectContaining({ code: "HUB_API_ERROR_MALFORMED", path: "$.evidence" }) }));
    expect(decodeSubmitTxRequestJson(encodeSubmitTxRequestJson(new Uint8Array(HUB_MAX_TX_BYTES)))).toHaveLength(HUB_MAX_TX_BYTES);
    expect(() => decodeSubmitTxRequestJson(encodeSubmitTxRequestJson(new Uint8Array(HUB_MAX_TX_BYTES + 1)))).toThrow(HubApiError);
    const signers = "ff".repeat(HUB_MAX_SIGNER_BITMAP_BYTES + 1);
    expect(() => decodeBlockJson({ ...json, lastCommit: { height: 1, round: 0, blockHash: "00".repeat(32), signers, signerIndices: [], signature: "00".repeat(96) } })).toThrow(HubApiError);
    expect(MAX_MERKLE_PROOF_DEPTH).toBe(64);
  });
});
