/**
 * The hub API's consumer-chain routes: the registry (`GET /consumers`, `/consumers/:id`) and a
 * checkpoint with its inclusion proof (`GET /consumers/:id/inclusion/:height`): the checkpoint, the
 * hub header whose consumer-checkpoint root holds it, the Merkle path, and the certificates of that
 * header (BLS always, the ZK certificate that finalizes it once proved). A consumer checks the
 * certificate with the SDK's rules, then `verifyCheckpointInclusion(checkpoint, proof, header)`.
 */
import { isConsumerId, type ConsumerCheckpoint } from "../checkpoint.js";
import type { MerkleProof } from "../merkleProof.js";
import { MAX_MERKLE_PROOF_DEPTH } from "../merkleProof.js";
import {
  decodeCertificateResponseJson,
  decodeHeaderResponseJson,
  type CertificateResponseJson,
  type HeaderResponseJson,
  type HubCertificateResponse,
  type HubHeaderResponse,
  type ZkCertificateJsonContext,
} from "./chainJson.js";
import { encodeHex, inconsistent, malformed, readArray, readDecimal, readHex, readInt, readLiteral, readObject, readString } from "./jsonCodec.js";

/** At most this many producer keys per consumer (the hub's rule). */
export const HUB_MAX_CONSUMER_PRODUCERS = 16;
const MAX_CONSUMERS_LISTED = 100_000;

export type ConsumerStatusJson = "active" | "frozen" | "deregistered";

export interface ConsumerJson {
  consumerId: string;
  /** aegis1… */
  owner: string;
  /** Execution-environment label, e.g. "evm", "utxo", "accounts". */
  vm: string;
  genesisHash: string;
  /** ed25519 keys (hex) that sign its checkpoints. */
  producerKeys: string[];
  bond: { denom: string; amount: string };
  status: ConsumerStatusJson;
  registeredHeight: number;
  /** Consumer height of its latest checkpoint (0: none). */
  latestHeight: number;
}

export interface HubConsumer {
  consumerId: string;
  owner: string;
  vm: string;
  genesisHash: Uint8Array;
  producerKeys: Uint8Array[];
  bond: { denom: string; amount: bigint };
  status: ConsumerStatusJson;
  registeredHeight: number;
  latestHeight: number;
}

export interface ConsumersJson {
  consumers: ConsumerJson[];
}

export function encodeConsumerJson(c: HubConsumer): ConsumerJson {
  return {
    consumerId: c.consumerId,
    owner: c.owner,
    vm: c.vm,
    genesisHash: encodeHex(c.genesisHash),
    producerKeys: c.producerKeys.map(encodeHex),
    bond: { denom: c.bond.denom, amount: c.bond.amount.toString() },
    status: c.status,
    registeredHeight: c.registeredHeight,
    latestHeight: c.latestHeight,
  };
}

function readConsumerId(v: unknown, path: string): string {
  if (!isConsumerId(v)) throw malformed(path, "not a consumer id (1-64 of a-z 0-9 - _ .)");
  return v;
}

export function decodeConsumerJson(json: unknown, path = "$"): HubConsumer {
  const o = readObject(json, path, ["consumerId", "owner", "vm", "genesisHash", "producerKeys", "bond", "status", "registeredHeight", "latestHeight"]);
  const bond = readObject(o.bond, `${path}.bond`, ["denom", "amount"]);
  return {
    consumerId: readConsumerId(o.consumerId, `${path}.consumerId`),
    owner: readString(o.owner, `${path}.owner`, 128, 1),
    vm: readString(o.vm, `${path}.vm`, 32, 1),
    genesisHash: readHex(o.genesisHash, `${path}.genesisHash`, 32),
    producerKeys: readArray(o.producerKeys, `${path}.producerKeys`, HUB_MAX_CONSUMER_PRODUCERS, (x, p) => readHex(x, p, 32), 1),
    bond: { denom: readString(bond.denom, `${path}.bond.denom`, 128, 1), amount: readDecimal(bond.amount, `${path}.bond.amount`, (1n << 256n) - 1n) },
    status: readLiteral(o.status, `${path}.status`, ["active", "frozen", "deregistered"] as const),
    registeredHeight: readInt(o.registeredHeight, `${path}.registeredHeight`, 0),
    latestHeight: readInt(o.latestHeight, `${path}.latestHeight`, 0),
  };
}

export function encodeConsumersJson(cs: readonly HubConsumer[]): ConsumersJson {
  return { consumers: cs.map(encodeConsumerJson) };
}

export function decodeConsumersJson(json: unknown, path = "$"): HubConsumer[] {
  const o = readObject(json, path, ["consumers"]);
  return readArray(o.consumers, `${path}.consumers`, MAX_CONSUMERS_LISTED, (x, p) => decodeConsumerJson(x, p));
}

export interface CheckpointJson {
  consumerId: string;
  height: number;
  blockHash: string;
  parentCheckpointHash: string;
  stateRoot: string;
}

export function encodeCheckpointJson(cp: ConsumerCheckpoint): CheckpointJson {
  return { consumerId: cp.consumerId, height: cp.height, blockHash: encodeHex(cp.blockHash), parentCheckpointHash: encodeHex(cp.parentCheckpointHash), stateRoot: encodeHex(cp.stateRoot) };
}

export function decodeCheckpointJson(json: unknown, path = "$"): ConsumerCheckpoint {
  const o = readObject(json, path, ["consumerId", "height", "blockHash", "parentCheckpointHash", "stateRoot"]);
  return {
    consumerId: readConsumerId(o.consumerId, `${path}.consumerId`),
    height: readInt(o.height, `${path}.height`, 1),
    blockHash: readHex(o.blockHash, `${path}.blockHash`, 32),
    parentCheckpointHash: readHex(o.parentCheckpointHash, `${path}.parentCheckpointHash`, 32),
    stateRoot: readHex(o.stateRoot, `${path}.stateRoot`, 32),
  };
}

export interface MerkleProofJson {
  index: number;
  total: number;
  siblings: string[];
}

export function encodeMerkleProofJson(p: MerkleProof): MerkleProofJson {
  return { index: p.index, total: p.total, siblings: p.siblings.map(encodeHex) };
}

export function decodeMerkleProofJson(json: unknown, path = "$"): MerkleProof {
  const o = readObject(json, path, ["index", "total", "siblings"]);
  const total = readInt(o.total, `${path}.total`, 1);
  const index = readInt(o.index, `${path}.index`, 0);
  if (index >= total) throw malformed(`${path}.index`, `must be below total (${total})`);
  return { index, total, siblings: readArray(o.siblings, `${path}.siblings`, MAX_MERKLE_PROOF_DEPTH, (x, p) => readHex(x, p, 32)) };
}

/** GET /consumers/:id/inclusion/:height */
export interface InclusionProofJson {
  checkpoint: CheckpointJson;
  /** The hub height of the header whose root holds the checkpoint (the block that recorded it, unless asked for a later one). */
  hubHeight: number;
  header: HeaderResponseJson;
  proof: MerkleProofJson;
  /** The certificates of `hubHeight` (as GET /certificates/:height): BLS, and the ZK one that finalizes it once proved. */
  certificates: CertificateResponseJson;
}

export interface HubInclusionProof {
  checkpoint: ConsumerCheckpoint;
  hubHeight: number;
  header: HubHeaderResponse;
  proof: MerkleProof;
  certificates: HubCertificateResponse;
}

export function encodeInclusionProofJson(p: { checkpoint: ConsumerCheckpoint; hubHeight: number; header: HeaderResponseJson; proof: MerkleProof; certificates: CertificateResponseJson }): InclusionProofJson {
  return { checkpoint: encodeCheckpointJson(p.checkpoint), hubHeight: p.hubHeight, header: p.header, proof: encodeMerkleProofJson(p.proof), certificates: p.certificates };
}

/**
 * Shapes and consistency only (the header is the one the certificates name, at `hubHeight`): whether
 * the certificates are valid and the checkpoint is in the root is for the SDK's rules to say.
 */
export function decodeInclusionProofJson(json: unknown, ctx: ZkCertificateJsonContext, path = "$"): HubInclusionProof {
  const o = readObject(json, path, ["checkpoint", "hubHeight", "header", "proof", "certificates"]);
  const checkpoint = decodeCheckpointJson(o.checkpoint, `${path}.checkpoint`);
  const hubHeight = readInt(o.hubHeight, `${path}.hubHeight`, 1);
  const proof = decodeMerkleProofJson(o.proof, `${path}.proof`);
  const header = decodeHeaderResponseJson(o.header, `${path}.header`);
  const certificates = decodeCertificateResponseJson(o.certificates, ctx, `${path}.certificates`);
  if (header.header.height !== hubHeight) throw inconsistent(`${path}.header`, `not the header of hub height ${hubHeight}`);
  if (certificates.height !== hubHeight || encodeHex(certificates.blockHash) !== encodeHex(header.blockHash)) throw inconsistent(`${path}.certificates`, "not the certificates of that header");
  return { checkpoint, hubHeight, header, proof, certificates };
}
