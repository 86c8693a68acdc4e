import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  assertValidCommitCertificate,
  assertValidZkCertificate,
  blsSign,
  computeBlockHash,
  computeCommitCertificateHash,
  computeHubApiPath,
  computeValidatorSetRoot,
  computeVoteSignBytes,
  createValidatorSet,
  decodeApiErrorJson,
  decodeBlockHeaderJson,
  decodeBlockJson,
  decodeBlsCertificateJson,
  decodeCertificateResponseJson,
  decodeCertificateStreamMessageJson,
  decodeCommitCertificateJson,
  decodeCommitsJson,
  decodeEvidenceListJson,
  decodeHeaderResponseJson,
  decodeHubTrustRootJson,
  decodeStatusJson,
  decodeSubmitTxRequestJson,
  decodeSubmitTxResponseJson,
  decodeValidatorSetJson,
  decodeZkActivationProofJson,
  decodeZkCertificateJson,
  decodeZkInfoJson,
  EMPTY_TRIE_ROOT,
  encodeApiErrorJson,
  encodeBlockHeaderJson,
  encodeBlockJson,
  encodeBlsCertificateJson,
  encodeBlsStreamMessageJson,
  encodeCertificateResponseJson,
  encodeCommitsJson,
  encodeEvidenceListJson,
  encodeHeaderResponseJson,
  encodeHexPrefix,
  encodeHubTrustRootJson,
  encodeRlpBytes,
  encodeRlpList,
  encodeStatusJson,
  encodeSubmitTxRequestJson,
  encodeSubmitTxResponseJson,
  encodeValidatorSetJson,
  encodeZkActivation,
  encodeZkActivationProofJson,
  encodeZkCertificateJson,
  encodeZkInfoJson,
  encodeZkStreamMessageJson,
  fromHex,
  HUB_API_ROUTES,
  HubApiError,
  initZkCertificateVerifier,
  keccak256,
  MAX_TOTAL_POWER,
  sha256,
  toHex,
  toNibbles,
  verifyZkActivationProof,
  VoteType,
  ZERO_HASH,
  ZK_ACTIVATION_STATE_KEY,
  ZK_MAX_CAPACITY,
  type BlockHeader,
  type BlockJson,
  type CommitCertificate,
  type Groth16VerificationKey,
  type HubApiResponseJson,
  type HubBlock,
  type HubEvidence,
  type HubStatus,
  type HubTrustRoot,
  type HubZkActivationProof,
  type HubZkInfo,
  type ZkActivation,
  type ZkCertificate,
} from "../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const vectorsDir = join(here, "..", "..", "test", "vectors");
const v = JSON.parse(readFileSync(join(vectorsDir, "commitCertificates.json"), "utf8"));
const zv = JSON.parse(readFileSync(join(vectorsDir, "zkCertificates.json"), "utf8"));
const CHAIN_ID: string = v.chainId;

// ---- real objects: the vectors' set, header and certificate; a block that carries them ----

const validatorSet = createValidatorSet(
  v.validators.map((x: { blsPublicKey: string; power: string; operator: string; proofOfPossession: string }) => ({
    blsPublicKey: fromHex(x.blsPublicKey),
    power: BigInt(x.power),
    operator: fromHex(x.operator),
    proofOfPossession: fromHex(x.proofOfPossession),
  })),
);
const secretKeyOf = (i: number): Uint8Array => {
  const pk = toHex(validatorSet.validators[i]!.blsPublicKey);
  return fromHex(v.validators.find((x: { blsPublicKey: string }) => x.blsPublicKey === pk).blsSecretKey);
};
const hashFields = ["parentHash", "txRoot", "stateRoot", "consumerCheckpointRoot", "validatorSetRoot", "nextValidatorSetRoot", "proposer", "lastCommitHash", "evidenceRoot"] as const;
const header42: BlockHeader = { ...v.header, ...Object.fromEntries(hashFields.map((f) => [f, fromHex(v.header[f])])) };
const cert42: CommitCertificate = (({ height, round, blockHash, signers, signature }) => ({ height, round, blockHash: fromHex(blockHash), signers: fromHex(signers), signature: fromHex(signature) }))(
  v.certificates.valid[0].cert,
);

const vote = (i: number, blockHash: Uint8Array | null) => {
  const f = { type: VoteType.Precommit, height: 40, round: 1, blockHash };
  return { ...f, validatorIndex: i, signature: blsSign(secretKeyOf(i), computeVoteSignBytes({ chainId: CHAIN_ID, ...f })) };
};
const attestation = (blockHash: Uint8Array) => ({
  height: 41,
  time: 1764028700000,
  blockHash,
  validatorSetRoot: BigInt(zv.certificate.validatorSetRoot),
  nextValidatorSetRoot: BigInt(zv.certificate.nextValidatorSetRoot),
  validatorIndex: 2,
  signature: new Uint8Array(randomBytes(64)),
});
const evidence: HubEvidence[] = [
  { voteA: vote(1, sha256(Uint8Array.of(1))), voteB: vote(1, null), time: 1764028799000 },
  { attestationA: attestation(sha256(Uint8Array.of(2))), attestationB: attestation(sha256(Uint8Array.of(3))), time: 1764028799500 },
];
const block43: HubBlock = {
  header: { ...header42, height: 43, time: header42.time + 1000, parentHash: computeBlockHash(header42), lastCommitHash: computeCommitCertificateHash(cert42) },
  txs: [new Uint8Array(0), Uint8Array.of(0xff), new Uint8Array(randomBytes(2)), new Uint8Array(randomBytes(301))],
  lastCommit: cert42,
  evidence,
};
const block1: HubBlock = { header: { ...header42, height: 1, parentHash: ZERO_HASH, lastCommitHash: ZERO_HASH }, txs: [], lastCommit: null, evidence: [] };

const zkCert: ZkCertificate = {
  ...zv.certificate,
  blockHash: fromHex(zv.certificate.blockHash),
  validatorSetRoot: BigInt(zv.certificate.validatorSetRoot),
  nextValidatorSetRoot: BigInt(zv.certificate.nextValidatorSetRoot),
  signers: BigInt(zv.certificate.signers),
  prover: fromHex(zv.certificate.prover),
  proof: fromHex(zv.certificate.proof),
};
const { vk_alphabeta_12: _unused, ...verificationKey } = zv.verificationKey;
const zkCtx = { chainId: zkCert.chainId };

/** What goes over the wire: JSON text, parsed again. */
const wire = <T>(x: T): any => JSON.parse(JSON.stringify(x));

function expectHubApiError(fn: () => unknown, code: "HUB_API_ERROR_MALFORMED" | "HUB_API_ERROR_INCONSISTENT", path: string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(HubApiError);
  expect({ code: (err as HubApiError).code, path: (err as HubApiError).type.path }).toEqual({ code, path });
}

// ---------------------------------------------------------------------------------------------

describe("round trips: encode (the hub's view) → JSON text → decode gives the same domain objects", () => {
  test("header and /headers", () => {
    const json = wire(encodeBlockHeaderJson(header42));
    expect(json.time).toBe("2025-11-25T00:00:00.123Z");
    expect(json.proposer).toBe(v.header.proposer);
    expect(decodeBlockHeaderJson(json)).toEqual(header42);
    expect(decodeHeaderResponseJson(wire(encodeHeaderResponseJson(header42)))).toEqual({ header: header42, blockHash: fromHex(v.blockHash) });
  });

  test("block with transactions, last commit and both kinds of evidence; the decoded last commit verifies", () => {
    const json = wire(encodeBlockJson(block43));
    expect(json.txs).toEqual(block43.txs.map((t) => Buffer.from(t).toString("base64")));
    expect(json.evidence.map((e: { kind: string }) => e.kind)).toEqual(["duplicate_vote", "double_attestation"]);
    const decoded = decodeBlockJson(json);
    expect(decoded).toEqual({ blockHash: computeBlockHash(block43.header), block: block43 });
    assertValidCommitCertificate(decoded.block.lastCommit!, { chainId: CHAIN_ID, validatorSet, expectedHeight: 42, expectedBlockHash: fromHex(v.blockHash) });
    expect(decodeBlockJson(wire(encodeBlockJson(block1)))).toEqual({ blockHash: computeBlockHash(block1.header), block: block1 });
  });

  test("BLS certificate with its powers; it verifies after decoding", () => {
    const json = wire(encodeBlsCertificateJson(cert42, validatorSet));
    expect(json).toMatchObject({ signerIndices: [0, 1], signedPower: "70", totalPower: "100" });
    const d = decodeBlsCertificateJson(json);
    expect(d).toEqual({ certificate: cert42, signedPower: 70n, totalPower: 100n });
    assertValidCommitCertificate(d.certificate, { chainId: CHAIN_ID, validatorSet });
    expect(decodeCommitCertificateJson(wire(encodeBlockJson(block43)).lastCommit)).toEqual(cert42);
  });

  test("ZK certificate (the committed quorum4 proof): decodes with the chain id and still verifies", async () => {
    const json = wire(encodeZkCertificateJson(zkCert));
    expect(json.publicSignals).toEqual(zv.publicSignals);
    const d = decodeZkCertificateJson(json, zkCtx);
    expect(d).toEqual(zkCert);
    await initZkCertificateVerifier();
    expect(assertValidZkCertificate(d, zkCert.validatorSetRoot, { chainId: zkCert.chainId, verificationKeys: { quorum4: verificationKey }, capacities: { quorum4: 4 } }).signers).toEqual(json.signerIndices);
  });

  test("/certificates and both stream messages", () => {
    const zk42 = { ...zkCert, height: 42, blockHash: cert42.blockHash };
    const r = wire(encodeCertificateResponseJson({ certificate: cert42, validatorSet, zk: zk42, zkFinalizedBy: 42 }));
    expect(decodeCertificateResponseJson(r, zkCtx)).toEqual({ height: 42, blockHash: cert42.blockHash, bls: { certificate: cert42, signedPower: 70n, totalPower: 100n }, zk: zk42, zkFinalizedBy: 42 });
    const none = wire(encodeCertificateResponseJson({ certificate: cert42, validatorSet, zk: null, zkFinalizedBy: null }));
    expect(decodeCertificateResponseJson(none, zkCtx)).toMatchObject({ zk: null, zkFinalizedBy: null });
    expect(decodeCertificateStreamMessageJson(wire(encodeBlsStreamMessageJson(cert42, validatorSet)), zkCtx)).toEqual({
      type: "bls",
      height: 42,
      blockHash: cert42.blockHash,
      bls: { certificate: cert42, signedPower: 70n, totalPower: 100n },
    });
    expect(decodeCertificateStreamMessageJson(wire(encodeZkStreamMessageJson(zkCert)), zkCtx)).toEqual({ type: "zk", height: zkCert.height, zk: zkCert });
  });

  test("/validators: the same set, the same root, monikers by position", () => {
    const monikers = new Map([[toHex(validatorSet.validators[1]!.blsPublicKey), "node1"]]);
    const d = decodeValidatorSetJson(wire(encodeValidatorSetJson(validatorSet, monikers)));
    expect(d.validatorSet).toEqual(validatorSet);
    expect(toHex(computeValidatorSetRoot(d.validatorSet))).toBe(v.validatorSetRoot);
    expect(d.monikers).toEqual([null, "node1", null, null]);
  });

  test("/status, /zk, /commits, /evidence, POST /txs, error bodies", () => {
    const status: HubStatus = {
      chainId: CHAIN_ID,
      moniker: "node0",
      height: 42,
      latestBlockHash: cert42.blockHash,
      latestBlockTime: header42.time,
      validatorSetSize: 4,
      validatorIndex: 0,
      round: 0,
      peerId: "12D3KooWabc",
      peers: 3,
      mempoolSize: 7,
    };
    expect(decodeStatusJson(wire(encodeStatusJson(status)))).toEqual(status);
    const fresh = { ...status, height: 0, latestBlockHash: null, latestBlockTime: null, validatorIndex: null };
    expect(decodeStatusJson(wire(encodeStatusJson(fresh)))).toEqual(fresh);

    const zk: HubZkInfo = {
      circuit: "quorum4",
      capacity: 4,
      attestationIntervalMs: 5000,
      verificationKey: verificationKey as Groth16VerificationKey,
      fromHeight: 1,
      prover: true,
      latestCertifiedHeight: 40,
      recordedHeight: null,
      proverReward: 1_000_000n,
      height: 43,
      validatorSetRoot: zkCert.validatorSetRoot,
    };
    expect(decodeZkInfoJson(wire(encodeZkInfoJson(zk)))).toEqual(zk);
    // A chain waiting for MsgActivateZk (decision 58): no key, no first height.
    const pending: HubZkInfo = { ...zk, verificationKey: null, fromHeight: null, latestCertifiedHeight: null };
    expect(decodeZkInfoJson(wire(encodeZkInfoJson(pending)))).toEqual(pending);

    const commits = [{ height: 42, round: 0, time: header42.time, finalityMs: 212, txCount: 3 }, { height: 43, round: 1, time: header42.time + 1000, finalityMs: null, txCount: 0 }];
    expect(decodeCommitsJson(wire(encodeCommitsJson(commits)))).toEqual(commits);

    const list = decodeEvidenceListJson(wire(encodeEvidenceListJson(evidence)));
    expect(list).toEqual([
      { kind: "duplicate_vote", height: 40, round: 1, type: VoteType.Precommit, validatorIndex: 1, blockHashA: sha256(Uint8Array.of(1)), blockHashB: null, time: 1764028799000 },
      { kind: "double_attestation", height: 41, validatorIndex: 2, blockHashA: sha256(Uint8Array.of(2)), blockHashB: sha256(Uint8Array.of(3)), time: 1764028799500 },
    ]);

    for (let n = 1; n < 40; n++) {
      const tx = new Uint8Array(randomBytes(n));
      const body = wire(encodeSubmitTxRequestJson(tx));
      expect(body.tx).toBe(Buffer.from(tx).toString("base64"));
      expect(decodeSubmitTxRequestJson(body)).toEqual(tx);
      expect(decodeSubmitTxRequestJson({ tx: body.tx.replace(/=+$/, "") })).toEqual(tx); // padding is optional
    }
    const res = { hash: sha256(Uint8Array.of(9)), added: false };
    expect(decodeSubmitTxResponseJson(wire(encodeSubmitTxResponseJson(res)))).toEqual(res);
    expect(decodeApiErrorJson(wire(encodeApiErrorJson("API_ERROR_NOT_FOUND", "no block")))).toEqual({ code: "API_ERROR_NOT_FOUND", message: "no block" });
    expect(decodeApiErrorJson({ error: { code: "API_ERROR_FROM_A_NEWER_HUB", message: "" } }).code).toBe("API_ERROR_FROM_A_NEWER_HUB");
  });
});

// ---------------------------------------------------------------------------------------------

type Case = [name: string, mutate: (j: any) => unknown, code: "HUB_API_ERROR_MALFORMED" | "HUB_API_ERROR_INCONSISTENT", path: string];
const M = "HUB_API_ERROR_MALFORMED" as const;
const I = "HUB_API_ERROR_INCONSISTENT" as const;

/** Each case changes a fresh wire copy of `valid` in place (or returns a replacement). */
function runCases(valid: () => unknown, decode: (j: unknown) => unknown, cases: Case[]): void {
  test.each(cases)("%s", (_name, mutate, code, path) => {
    const j = wire(valid());
    const replaced = mutate(j);
    expectHubApiError(() => decode(replaced === undefined ? j : replaced), code, path);
  });
}

describe("malformed blocks: HubApiError with the path of the bad field", () => {
  runCases(() => encodeBlockJson(block43), decodeBlockJson, [
    ["not an object", () => null, M, "$"],
    ["an array", () => [], M, "$"],
    ["a string", () => "block", M, "$"],
    ["missing field", (j) => void delete j.header.stateRoot, M, "$.header.stateRoot"],
    ["unknown top-level field", (j) => void (j.extra = 1), M, "$.extra"],
    ["extra nested garbage", (j) => void (j.lastCommit.junk = { a: [1, { b: null }] }), M, "$.lastCommit.junk"],
    ["garbage deep in evidence", (j) => void (j.evidence[0].voteA.x = []), M, "$.evidence[0].voteA.x"],
    ["header is an array", (j) => void (j.header = []), M, "$.header"],
    ["height as a string", (j) => void (j.header.height = "43"), M, "$.header.height"],
    ["height zero", (j) => void (j.header.height = 0), M, "$.header.height"],
    ["negative height", (j) => void (j.header.height = -43), M, "$.header.height"],
    ["height beyond 2^53", (j) => void (j.header.height = 2 ** 53), M, "$.header.height"],
    ["fractional height", (j) => void (j.header.height = 43.5), M, "$.header.height"],
    ["hash of 31 bytes", (j) => void (j.header.parentHash = j.header.parentHash.slice(2)), M, "$.header.parentHash"],
    ["hash of 33 bytes", (j) => void (j.blockHash += "00"), M, "$.blockHash"],
    ["odd-length hex", (j) => void (j.header.txRoot = j.header.txRoot.slice(1) + "0a"), M, "$.header.txRoot"],
    ["uppercase hex", (j) => void (j.header.stateRoot = j.header.stateRoot.toUpperCase().replace(/^03/, "AB")), M, "$.header.stateRoot"],
    ["0x prefix", (j) => void (j.header.proposer = "0x" + j.header.proposer.slice(2)), M, "$.header.proposer"],
    ["non-hex characters", (j) => void (j.header.evidenceRoot = "zz" + j.header.evidenceRoot.slice(2)), M, "$.header.evidenceRoot"],
    ["proposer of 32 bytes", (j) => void (j.header.proposer = j.header.stateRoot), M, "$.header.proposer"],
    ["time as Unix ms", (j) => void (j.header.time = 1764028801123), M, "$.header.time"],
    ["time without milliseconds", (j) => void (j.header.time = "2025-11-25T00:00:01Z"), M, "$.header.time"],
    ["time with an offset", (j) => void (j.header.time = "2025-11-25T01:00:01.123+01:00"), M, "$.header.time"],
    ["impossible date", (j) => void (j.header.time = "2025-02-30T00:00:01.123Z"), M, "$.header.time"],
    ["time before 1970", (j) => void (j.header.time = "1969-12-31T23:59:59.999Z"), M, "$.header.time"],
    ["empty chain id", (j) => void (j.header.chainId = ""), M, "$.header.chainId"],
    ["chain id with a space", (j) => void (j.header.chainId = "aegis 1"), M, "$.header.chainId"],
    ["txs not an array", (j) => void (j.txs = "AA=="), M, "$.txs"],
    ["tx not base64", (j) => void (j.txs[1] = "not base64!"), M, "$.txs[1]"],
    ["tx with bad padding", (j) => void (j.txs[1] = "/w="), M, "$.txs[1]"],
    ["tx with a number", (j) => void (j.txs[2] = 5), M, "$.txs[2]"],
    ["tx with non-canonical trailing bits", (j) => void (j.txs[1] = "/x=="), M, "$.txs[1]"],
    ["lastCommit signature of 95 bytes", (j) => void (j.lastCommit.signature = j.lastCommit.signature.slice(2)), M, "$.lastCommit.signature"],
    ["lastCommit round beyond u32", (j) => void (j.lastCommit.round = 2 ** 32), M, "$.lastCommit.round"],
    ["lastCommit signerIndices not the bitmap's", (j) => void (j.lastCommit.signerIndices = [0, 2]), I, "$.lastCommit.signerIndices"],
    ["lastCommit signer index beyond the bitmap", (j) => void (j.lastCommit.signerIndices = [0, 8]), M, "$.lastCommit.signerIndices[1]"],
    ["evidence of an unknown kind", (j) => void (j.evidence[0].kind = "light_client_attack"), M, "$.evidence[0].kind"],
    ["evidence without kind", (j) => void delete j.evidence[1].kind, M, "$.evidence[1].kind"],
    ["vote type 3", (j) => void (j.evidence[0].voteB.type = 3), M, "$.evidence[0].voteB.type"],
    ["attestation root as a number", (j) => void (j.evidence[1].attestationA.validatorSetRoot = 5), M, "$.evidence[1].attestationA.validatorSetRoot"],
    ["attestation root above the field", (j) => void (j.evidence[1].attestationB.nextValidatorSetRoot = (1n << 254n).toString()), M, "$.evidence[1].attestationB.nextValidatorSetRoot"],
    ["attestation signature of 96 bytes", (j) => void (j.evidence[1].attestationA.signature = j.lastCommit.signature), M, "$.evidence[1].attestationA.signature"],
    ["blockHash not the header's", (j) => void (j.blockHash = j.header.parentHash), I, "$.blockHash"],
    ["lastCommit of another height", (j) => void (j.lastCommit.height = 41), I, "$.lastCommit.height"],
    ["lastCommit the header does not commit to", (j) => void (j.lastCommit.round = 1), I, "$.lastCommit"],
    [
      "no lastCommit above height 1",
      (j) => {
        j.lastCommit = null;
      },
      I,
      "$.lastCommit",
    ],
  ]);
});

describe("malformed certificates", () => {
  runCases(() => encodeBlsCertificateJson(cert42, validatorSet), decodeBlsCertificateJson, [
    ["negative signedPower", (j) => void (j.signedPower = "-70"), M, "$.signedPower"],
    ["signedPower as a number", (j) => void (j.signedPower = 70), M, "$.signedPower"],
    ["signedPower in exponent form", (j) => void (j.signedPower = "7e1"), M, "$.signedPower"],
    ["signedPower with a leading zero", (j) => void (j.signedPower = "070"), M, "$.signedPower"],
    ["totalPower above the cap", (j) => void (j.totalPower = (MAX_TOTAL_POWER + 1n).toString()), M, "$.totalPower"],
    ["totalPower overflowing u64", (j) => void (j.totalPower = "184467440737095516160000"), M, "$.totalPower"],
    ["totalPower zero", (j) => void (j.totalPower = "0"), M, "$.totalPower"],
    ["signedPower above totalPower", (j) => void (j.signedPower = "101"), I, "$.signedPower"],
    ["empty signer bitmap", (j) => void ((j.signers = ""), (j.signerIndices = [])), M, "$.signers"],
  ]);
  runCases(() => encodeZkCertificateJson(zkCert), (j) => decodeZkCertificateJson(j, zkCtx), [
    ["missing proof", (j) => void delete j.proof, M, "$.proof"],
    ["bad circuit name", (j) => void (j.circuit = "Quorum4!"), M, "$.circuit"],
    ["time as ISO (this shape uses Unix ms)", (j) => void (j.time = "2026-01-01T00:00:00.000Z"), M, "$.time"],
    ["negative time", (j) => void (j.time = -1), M, "$.time"],
    ["root equal to the field order", (j) => void (j.validatorSetRoot = "21888242871839275222246405745257275088548364400416034343698204186575808495617"), M, "$.validatorSetRoot"],
    ["signers of 129 bits", (j) => void (j.signers = (1n << 128n).toString()), M, "$.signers"],
    ["prover of 32 bytes", (j) => void (j.prover = j.blockHash), M, "$.prover"],
    ["proof of 255 bytes", (j) => void (j.proof = j.proof.slice(2)), M, "$.proof"],
    ["eight public signals", (j) => void j.publicSignals.pop(), M, "$.publicSignals"],
    ["a public signal as a number", (j) => void (j.publicSignals[3] = 42), M, "$.publicSignals[3]"],
    ["signerIndices not the bitmap's", (j) => void (j.signerIndices = [1, 2]), I, "$.signerIndices"],
    ["a public signal not the certificate's", (j) => void (j.publicSignals[4] = "1"), I, "$.publicSignals[4]"],
    ["a height the signals do not name", (j) => void (j.height = 43), I, "$.publicSignals[3]"],
  ]);
  test("a ZK certificate read as another hub's: its chain id signal disagrees", () => {
    expectHubApiError(() => decodeZkCertificateJson(wire(encodeZkCertificateJson(zkCert)), { chainId: "another-hub" }), I, "$.publicSignals[2]");
  });
  const zk42 = { ...zkCert, height: 42, blockHash: cert42.blockHash };
  runCases(() => encodeCertificateResponseJson({ certificate: cert42, validatorSet, zk: zk42, zkFinalizedBy: 42 }), (j) => decodeCertificateResponseJson(j, zkCtx), [
    ["bls of another height", (j) => void (j.height = 41), I, "$.bls.height"],
    ["bls of another block", (j) => void (j.blockHash = j.zk.blockHash.replace(/^../, "00")), I, "$.bls.blockHash"],
    ["zkFinalizedBy below the height", (j) => void (j.zkFinalizedBy = 41), I, "$.zkFinalizedBy"],
    ["zkFinalizedBy above a height that has one", (j) => void (j.zkFinalizedBy = 50), I, "$.zkFinalizedBy"],
    ["zkFinalizedBy as a string", (j) => void (j.zkFinalizedBy = "42"), M, "$.zkFinalizedBy"],
    ["nested garbage in zk", (j) => void (j.zk.chainId = "aegis-vectors-1"), M, "$.zk.chainId"],
  ]);
  runCases(() => encodeBlsStreamMessageJson(cert42, validatorSet), (j) => decodeCertificateStreamMessageJson(j, zkCtx), [
    ["unknown type", (j) => void (j.type = "checkpoint"), M, "$.type"],
    ["a zk message with a bls body", (j) => void (j.type = "zk"), M, "$.zk"],
    ["height not the certificate's", (j) => void (j.height = 43), I, "$.bls.height"],
  ]);
});

describe("malformed node answers", () => {
  const monikers = new Map([[toHex(validatorSet.validators[0]!.blsPublicKey), "node0"]]);
  runCases(() => encodeValidatorSetJson(validatorSet, monikers), decodeValidatorSetJson, [
    ["no validators", (j) => void (j.validators = []), M, "$.validators"],
    ["index not the position", (j) => void (j.validators[1].index = 2), I, "$.validators[1].index"],
    ["power zero", (j) => void (j.validators[3].power = "0"), M, "$.validators[3].power"],
    ["BLS key of 47 bytes", (j) => void (j.validators[2].blsPublicKey = j.validators[2].blsPublicKey.slice(2)), M, "$.validators[2].blsPublicKey"],
    ["moniker as a number", (j) => void (j.validators[0].moniker = 1), M, "$.validators[0].moniker"],
    ["address not the key's", (j) => void (j.validators[1].address = j.validators[0].address), I, "$.validators[1].address"],
    ["out of canonical order", (j) => void ([j.validators[0].power, j.validators[1].power] = [j.validators[1].power, j.validators[0].power]), I, "$.validators[1]"],
    ["totalPower not the sum", (j) => void (j.totalPower = "99"), I, "$.totalPower"],
  ]);
  const status: HubStatus = { chainId: CHAIN_ID, moniker: "n", height: 3, latestBlockHash: cert42.blockHash, latestBlockTime: 5, validatorSetSize: 1, validatorIndex: null, round: 0, peerId: "p", peers: 0, mempoolSize: 0 };
  runCases(() => encodeStatusJson(status), decodeStatusJson, [
    ["no latest hash after the first block", (j) => void (j.latestBlockHash = null), I, "$.latestBlockHash"],
    ["a latest time at height 0", (j) => void ((j.height = 0), (j.latestBlockHash = null)), I, "$.latestBlockTime"],
    ["negative peers", (j) => void (j.peers = -1), M, "$.peers"],
    ["validatorIndex as a string", (j) => void (j.validatorIndex = "0"), M, "$.validatorIndex"],
  ]);
  const zkInfo: HubZkInfo = { circuit: "quorum4", capacity: 4, attestationIntervalMs: 1, verificationKey, fromHeight: 1, prover: false, latestCertifiedHeight: null, recordedHeight: null, proverReward: 0n, height: 1, validatorSetRoot: null };
  runCases(() => encodeZkInfoJson(zkInfo), decodeZkInfoJson, [
    ["capacity not a power of two", (j) => void (j.capacity = 3), M, "$.capacity"],
    ["key for 8 public inputs", (j) => void (j.verificationKey.nPublic = 8), M, "$.verificationKey.nPublic"],
    ["IC one short", (j) => void j.verificationKey.IC.pop(), M, "$.verificationKey.IC"],
    ["a G2 coordinate out of the base field", (j) => void (j.verificationKey.vk_delta_2[0][1] = (1n << 254n).toString()), M, "$.verificationKey.vk_delta_2[0][1]"],
    ["snarkjs' extra vk_alphabeta_12", (j) => void (j.verificationKey.vk_alphabeta_12 = []), M, "$.verificationKey.vk_alphabeta_12"],
    ["prover as a string", (j) => void (j.prover = "true"), M, "$.prover"],
    ["negative reward", (j) => void (j.proverReward = "-1"), M, "$.proverReward"],
  ]);
  runCases(() => encodeCommitsJson([{ height: 1, round: 0, time: 0, finalityMs: 1.5, txCount: 0 }]), decodeCommitsJson, [
    ["negative finalityMs", (j) => void (j.commits[0].finalityMs = -1), M, "$.commits[0].finalityMs"],
    ["time as Unix ms", (j) => void (j.commits[0].time = 0), M, "$.commits[0].time"],
  ]);
  runCases(() => encodeEvidenceListJson(evidence), decodeEvidenceListJson, [
    ["a double attestation without block hash B", (j) => void (j.evidence[1].blockHashB = null), M, "$.evidence[1].blockHashB"],
    ["a vote summary with a round field missing", (j) => void delete j.evidence[0].round, M, "$.evidence[0].round"],
  ]);
  runCases(() => encodeSubmitTxRequestJson(Uint8Array.of(1, 2, 3)), decodeSubmitTxRequestJson, [
    ["empty tx", (j) => void (j.tx = ""), M, "$.tx"],
    ["whitespace in base64", (j) => void (j.tx = "AQID\n"), M, "$.tx"],
    ["base64url alphabet", (j) => void (j.tx = "-_8="), M, "$.tx"],
    ["too much padding", (j) => void (j.tx = "AQ==="), M, "$.tx"],
    ["over 1 MiB, refused before decoding", (j) => void (j.tx = "A".repeat(1_500_000)), M, "$.tx"],
    ["another field", (j) => void (j.mode = "sync"), M, "$.mode"],
  ]);
  runCases(() => encodeApiErrorJson("API_ERROR_INTERNAL", "x"), decodeApiErrorJson, [
    ["code not API_ERROR_*", (j) => void (j.error.code = "oops"), M, "$.error.code"],
    ["message missing", (j) => void delete j.error.message, M, "$.error.message"],
  ]);
});

describe("the route table", () => {
  test("paths and queries for a client", () => {
    expect(computeHubApiPath("block", { height: 7 })).toBe("/blocks/7");
    expect(computeHubApiPath("block", { height: "latest" })).toBe("/blocks/latest");
    expect(computeHubApiPath("zk", {}, { height: 12 })).toBe("/zk?height=12");
    expect(computeHubApiPath("commits", {}, { limit: undefined, other: 1 })).toBe("/commits");
    expect(HUB_API_ROUTES.submitTx).toEqual({ method: "POST", path: "/txs", request: "SubmitTxRequestJson", response: "SubmitTxResponseJson" });
    // The table's response names are the JSON types (checked by the compiler).
    const typed: HubApiResponseJson<"block"> = wire(encodeBlockJson(block1)) as BlockJson;
    expect(decodeBlockJson(typed).block).toEqual(block1);
  });
});

test("hubApi stays browser-safe: no Buffer, no node:*, no process", () => {
  const dir = join(here, "..", "src", "hubApi");
  for (const f of readdirSync(dir)) {
    const src = readFileSync(join(dir, f), "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    expect({ f, bad: src.match(/\bBuffer\b|["']node:|\bprocess\./g) }).toEqual({ f, bad: null });
  }
});

// ---------------------------------------------------------------------------------------------
// A ZK tier activated after genesis (decision 58): the trust root's `zkActivation`, /zk before and
// after activation, and /zk/activation (the record with its state proof).

describe("trust root JSON with zkActivation", () => {
  const base: HubTrustRoot = { chainId: CHAIN_ID, genesisTime: 1764028700000, validatorSet, epochLength: 100, unbondingPeriodMs: 1_814_400_000, trustingPeriodMs: 1_209_600_000 };
  const pending: HubTrustRoot = { ...base, zkActivation: { circuit: "quorum4", capacity: 4 } };
  const withKey: HubTrustRoot = {
    ...base,
    zk: { verificationKeys: { quorum4: verificationKey as Groth16VerificationKey }, capacities: { quorum4: 4 }, genesisValidatorSetRoot: zkCert.validatorSetRoot },
  };

  test("round trips, with either zk or zkActivation or neither", () => {
    const json = wire(encodeHubTrustRootJson(pending));
    expect(json.zkActivation).toEqual({ circuit: "quorum4", capacity: 4 });
    expect(Object.hasOwn(json, "zk")).toBe(false);
    expect(decodeHubTrustRootJson(json)).toEqual(pending);
    for (const t of [base, withKey]) {
      const j = wire(encodeHubTrustRootJson(t));
      expect(Object.hasOwn(j, "zkActivation")).toBe(false);
      expect(decodeHubTrustRootJson(j)).toEqual(t);
    }
    for (const capacity of [1, ZK_MAX_CAPACITY]) {
      const t = { ...base, zkActivation: { circuit: "a_b-9", capacity } };
      expect(decodeHubTrustRootJson(wire(encodeHubTrustRootJson(t)))).toEqual(t);
    }
  });

  runCases(() => encodeHubTrustRootJson(pending), decodeHubTrustRootJson, [
    ["both zk and zkActivation", (j) => void (j.zk = wire(encodeHubTrustRootJson(withKey)).zk), I, "$.zkActivation"],
    ["zkActivation null", (j) => void (j.zkActivation = null), M, "$.zkActivation"],
    ["zkActivation an array", (j) => void (j.zkActivation = ["quorum4", 4]), M, "$.zkActivation"],
    ["an uppercase circuit name", (j) => void (j.zkActivation.circuit = "Quorum4"), M, "$.zkActivation.circuit"],
    ["a circuit name with a space", (j) => void (j.zkActivation.circuit = "quorum 4"), M, "$.zkActivation.circuit"],
    ["an empty circuit name", (j) => void (j.zkActivation.circuit = ""), M, "$.zkActivation.circuit"],
    ["a circuit name of 65 characters", (j) => void (j.zkActivation.circuit = "q".repeat(65)), M, "$.zkActivation.circuit"],
    ["a circuit name as a number", (j) => void (j.zkActivation.circuit = 4), M, "$.zkActivation.circuit"],
    ["circuit missing", (j) => void delete j.zkActivation.circuit, M, "$.zkActivation.circuit"],
    ["capacity 0", (j) => void (j.zkActivation.capacity = 0), M, "$.zkActivation.capacity"],
    ["capacity 3 (not a power of two)", (j) => void (j.zkActivation.capacity = 3), M, "$.zkActivation.capacity"],
    ["capacity above the largest circuit", (j) => void (j.zkActivation.capacity = 2 * ZK_MAX_CAPACITY), M, "$.zkActivation.capacity"],
    ["capacity as a string", (j) => void (j.zkActivation.capacity = "4"), M, "$.zkActivation.capacity"],
    ["a fractional capacity", (j) => void (j.zkActivation.capacity = 4.5), M, "$.zkActivation.capacity"],
    ["capacity missing", (j) => void delete j.zkActivation.capacity, M, "$.zkActivation.capacity"],
    ["a key given with it", (j) => void (j.zkActivation.verificationKey = verificationKey), M, "$.zkActivation.verificationKey"],
  ]);
});

describe("ZK info before and after activation", () => {
  const activated: HubZkInfo = { circuit: "quorum4", capacity: 4, attestationIntervalMs: 1, verificationKey, fromHeight: 42, prover: false, latestCertifiedHeight: 42, recordedHeight: null, proverReward: 0n, height: 43, validatorSetRoot: null };
  const waiting: HubZkInfo = { ...activated, verificationKey: null, fromHeight: null, latestCertifiedHeight: null };

  test("a key set later round-trips with the first height it certifies", () => {
    expect(decodeZkInfoJson(wire(encodeZkInfoJson(activated)))).toEqual(activated);
    expect(decodeZkInfoJson(wire(encodeZkInfoJson(waiting)))).toEqual(waiting);
  });

  runCases(() => encodeZkInfoJson(activated), decodeZkInfoJson, [
    ["a key without a first height", (j) => void (j.fromHeight = null), I, "$.fromHeight"],
    ["fromHeight 0", (j) => void (j.fromHeight = 0), M, "$.fromHeight"],
    ["fromHeight as a string", (j) => void (j.fromHeight = "42"), M, "$.fromHeight"],
    ["fromHeight missing", (j) => void delete j.fromHeight, M, "$.fromHeight"],
    ["verificationKey missing", (j) => void delete j.verificationKey, M, "$.verificationKey"],
  ]);
  runCases(() => encodeZkInfoJson(waiting), decodeZkInfoJson, [
    ["a first height without a key", (j) => void (j.fromHeight = 1), I, "$.fromHeight"],
    ["a key that is not a key", (j) => void (j.verificationKey = {}), M, "$.verificationKey.protocol"],
  ]);
});

describe("/zk/activation: the activation record with its state proof", () => {
  const activation: ZkActivation = {
    circuit: "quorum4",
    capacity: 4,
    verificationKey: verificationKey as Groth16VerificationKey,
    trust: { height: 41, time: 1764028700000, blockHash: sha256(Uint8Array.of(41)), nextValidatorSetRoot: zkCert.validatorSetRoot },
  };
  const record = encodeZkActivation(activation);
  // A state of that one key: its root is the leaf's hash, its proof the leaf.
  const leaf = encodeRlpList([encodeRlpBytes(encodeHexPrefix(toNibbles(ZK_ACTIVATION_STATE_KEY), true)), encodeRlpBytes(record)]);
  const proven: HubZkActivationProof = { height: 43, stateRoot: keccak256(leaf), activation: record, proof: [leaf] };
  const absent: HubZkActivationProof = { height: 2, stateRoot: EMPTY_TRIE_ROOT, activation: null, proof: [] };

  test("round trips, and what it decodes to proves the record (or its absence) against the state root", async () => {
    const json = wire(encodeZkActivationProofJson(proven));
    expect(json).toEqual({ height: 43, stateRoot: toHex(proven.stateRoot), activation: toHex(record), proof: [toHex(leaf)] });
    const d = decodeZkActivationProofJson(json);
    expect(d).toEqual(proven);
    expect(await verifyZkActivationProof(d.stateRoot, d.proof)).toEqual(activation);
    const a = decodeZkActivationProofJson(wire(encodeZkActivationProofJson(absent)));
    expect(a).toEqual(absent);
    expect(await verifyZkActivationProof(a.stateRoot, a.proof)).toBeNull();
  });

  test("64 proof nodes are the most", () => {
    const json = wire(encodeZkActivationProofJson({ ...proven, proof: Array.from({ length: 64 }, () => leaf) }));
    expect(decodeZkActivationProofJson(json).proof).toHaveLength(64);
  });

  runCases(() => encodeZkActivationProofJson(proven), decodeZkActivationProofJson, [
    ["an uppercase state root", (j) => void (j.stateRoot = "AB" + j.stateRoot.slice(2)), M, "$.stateRoot"],
    ["an uppercase proof node", (j) => void (j.proof[0] = j.proof[0].toUpperCase()), M, "$.proof[0]"],
    ["an uppercase record", (j) => void (j.activation = j.activation.toUpperCase()), M, "$.activation"],
    ["65 proof nodes", (j) => void (j.proof = Array.from({ length: 65 }, () => j.proof[0])), M, "$.proof"],
    ["a proof node over 64 KiB", (j) => void (j.proof[0] = "00".repeat(64 * 1024 + 1)), M, "$.proof[0]"],
    ["an empty proof node", (j) => void j.proof.push(""), M, "$.proof[1]"],
    ["an odd-length proof node", (j) => void (j.proof[0] = j.proof[0].slice(1)), M, "$.proof[0]"],
    ["a 0x-prefixed proof node", (j) => void (j.proof[0] = "0x" + j.proof[0]), M, "$.proof[0]"],
    ["proof not an array", (j) => void (j.proof = j.proof[0]), M, "$.proof"],
    ["proof missing", (j) => void delete j.proof, M, "$.proof"],
    ["activation missing (null when absent)", (j) => void delete j.activation, M, "$.activation"],
    ["an empty record", (j) => void (j.activation = ""), M, "$.activation"],
    ["stateRoot missing", (j) => void delete j.stateRoot, M, "$.stateRoot"],
    ["a state root of 31 bytes", (j) => void (j.stateRoot = j.stateRoot.slice(2)), M, "$.stateRoot"],
    ["height missing", (j) => void delete j.height, M, "$.height"],
    ["height 0", (j) => void (j.height = 0), M, "$.height"],
    ["height as a string", (j) => void (j.height = "43"), M, "$.height"],
    ["another field", (j) => void (j.valid = true), M, "$.valid"],
  ]);

  test("the route", () => {
    expect(HUB_API_ROUTES.zkActivation).toEqual({ method: "GET", path: "/zk/activation", query: ["height"], response: "ZkActivationProofJson" });
    expect(computeHubApiPath("zkActivation", {}, { height: 43 })).toBe("/zk/activation?height=43");
    expect(computeHubApiPath("zkActivation", {})).toBe("/zk/activation");
    const typed: HubApiResponseJson<"zkActivation"> = wire(encodeZkActivationProofJson(proven));
    expect(decodeZkActivationProofJson(typed)).toEqual(proven);
  });
});
