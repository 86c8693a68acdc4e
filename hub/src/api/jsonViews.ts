import { getSignerIndices, getZkPublicSignals, getZkSigners, toHex, ZK_MAX_CAPACITY, type BlockHeader, type CommitCertificate, type ValidatorSet, type ZkCertificate } from "@aegis/consumer-sdk";
import type { FinalityAttestation } from "../codec/codec.js";
import { isDoubleAttestationEvidence } from "../consensus/evidence.js";
import type { Block, Evidence, Vote } from "../consensus/types.js";

/** JSON shapes of the HTTP API. Bytes are hex (transactions base64), times ISO-8601 with milliseconds. */
export function headerToJson(h: BlockHeader) {
  return {
    chainId: h.chainId,
    height: h.height,
    time: new Date(h.time).toISOString(),
    parentHash: toHex(h.parentHash),
    txRoot: toHex(h.txRoot),
    stateRoot: toHex(h.stateRoot),
    consumerCheckpointRoot: toHex(h.consumerCheckpointRoot),
    validatorSetRoot: toHex(h.validatorSetRoot),
    nextValidatorSetRoot: toHex(h.nextValidatorSetRoot),
    proposer: toHex(h.proposer),
    lastCommitHash: toHex(h.lastCommitHash),
    evidenceRoot: toHex(h.evidenceRoot),
  };
}

export function blockToJson(block: Block, blockHash: Uint8Array) {
  return {
    blockHash: toHex(blockHash),
    header: headerToJson(block.header),
    txs: block.txs.map((t) => Buffer.from(t).toString("base64")),
    lastCommit: block.lastCommit
      ? {
          height: block.lastCommit.height,
          round: block.lastCommit.round,
          blockHash: toHex(block.lastCommit.blockHash),
          signers: toHex(block.lastCommit.signers),
          signerIndices: getSignerIndices(block.lastCommit.signers),
          signature: toHex(block.lastCommit.signature),
        }
      : null,
    evidence: block.evidence.map(evidenceToJson),
  };
}

function attestationToJson(a: FinalityAttestation) {
  return {
    height: a.height,
    time: new Date(a.time).toISOString(),
    blockHash: toHex(a.blockHash),
    validatorSetRoot: a.validatorSetRoot.toString(),
    nextValidatorSetRoot: a.nextValidatorSetRoot.toString(),
    validatorIndex: a.validatorIndex,
    signature: toHex(a.signature),
  };
}

/** A block's evidence: `kind` "duplicate_vote" (voteA, voteB) or "double_attestation" (attestationA, attestationB). */
export function evidenceToJson(e: Evidence) {
  if (isDoubleAttestationEvidence(e)) {
    return { kind: "double_attestation" as const, attestationA: attestationToJson(e.attestationA), attestationB: attestationToJson(e.attestationB), time: new Date(e.time).toISOString() };
  }
  const vote = (v: Vote) => ({
    type: v.type,
    height: v.height,
    round: v.round,
    blockHash: v.blockHash ? toHex(v.blockHash) : null,
    validatorIndex: v.validatorIndex,
    signature: toHex(v.signature),
  });
  return { kind: "duplicate_vote" as const, voteA: vote(e.voteA), voteB: vote(e.voteB), time: new Date(e.time).toISOString() };
}

/**
 * One line of GET /evidence: the offence (kind, height, validator index; round and type for votes)
 * and the two block hashes it signed.
 */
export function evidenceSummaryToJson(e: Evidence) {
  if (isDoubleAttestationEvidence(e)) {
    const a = e.attestationA;
    const b = e.attestationB;
    return {
      kind: "double_attestation" as const,
      height: a.height,
      validatorIndex: a.validatorIndex,
      blockHashA: toHex(a.blockHash),
      blockHashB: toHex(b.blockHash),
      time: new Date(e.time).toISOString(),
    };
  }
  return {
    kind: "duplicate_vote" as const,
    height: e.voteA.height,
    round: e.voteA.round,
    type: e.voteA.type,
    validatorIndex: e.voteA.validatorIndex,
    blockHashA: e.voteA.blockHash ? toHex(e.voteA.blockHash) : null,
    blockHashB: e.voteB.blockHash ? toHex(e.voteB.blockHash) : null,
    time: new Date(e.time).toISOString(),
  };
}

export function blsCertificateToJson(c: CommitCertificate, set: ValidatorSet) {
  const indices = getSignerIndices(c.signers);
  const signedPower = indices.reduce((s, i) => s + (set.validators[i]?.power ?? 0n), 0n);
  return {
    height: c.height,
    round: c.round,
    blockHash: toHex(c.blockHash),
    signers: toHex(c.signers),
    signerIndices: indices,
    signature: toHex(c.signature),
    signedPower: signedPower.toString(),
    totalPower: set.totalPower.toString(),
  };
}

export function validatorSetToJson(set: ValidatorSet, monikers: Map<string, string>) {
  return {
    totalPower: set.totalPower.toString(),
    validators: set.validators.map((v, index) => ({
      index,
      moniker: monikers.get(toHex(v.blsPublicKey)) ?? null,
      address: toHex(v.address),
      blsPublicKey: toHex(v.blsPublicKey),
      power: v.power.toString(),
    })),
  };
}

/** A succinct certificate as the API shows it: decimal field elements, hex bytes, the signers' slots, the public signals. */
export function zkCertificateToJson(c: ZkCertificate) {
  return {
    circuit: c.circuit,
    height: c.height,
    time: c.time,
    blockHash: toHex(c.blockHash),
    validatorSetRoot: c.validatorSetRoot.toString(),
    nextValidatorSetRoot: c.nextValidatorSetRoot.toString(),
    signers: c.signers.toString(),
    signerIndices: getZkSigners(c.signers, ZK_MAX_CAPACITY),
    prover: toHex(c.prover),
    proof: toHex(c.proof),
    publicSignals: getZkPublicSignals(c),
  };
}
