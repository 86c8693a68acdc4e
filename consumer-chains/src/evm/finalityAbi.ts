/**
 * ABI encoding of the hub-finality contracts' calls and constructors (AegisFinality,
 * HubFinalEscrow), by hand: a handful of fixed signatures, no ABI library.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { computeZkChainId, concatBytes, fromHex, toHex, utf8, type ConsumerCheckpoint, type MerkleProof, type ZkCertificate } from "@aegis/consumer-sdk";

/** The 4-byte selector of a function or error signature, e.g. "latestHeight()". */
export function computeSelector(signature: string): Uint8Array {
  return keccak_256(utf8(signature)).subarray(0, 4);
}

const MAX_UINT256 = (1n << 256n) - 1n;

/** A uint256 word (big-endian, 32 bytes). */
export function encodeWord(x: bigint | number): Uint8Array {
  const v = BigInt(x);
  if (v < 0n || v > MAX_UINT256) throw new RangeError(`not a uint256: ${v}`);
  return fromHex(v.toString(16).padStart(64, "0"));
}

function bytes32(b: Uint8Array, field: string): Uint8Array {
  if (!(b instanceof Uint8Array) || b.length !== 32) throw new TypeError(`${field}: 32 bytes expected`);
  return b;
}

/** A 20-byte address (bytes or 0x-hex) as a word. */
function addressWord(a: Uint8Array | string, field: string): Uint8Array {
  const b = typeof a === "string" ? fromHex(a, field, 20) : a;
  if (!(b instanceof Uint8Array) || b.length !== 20) throw new TypeError(`${field}: 20 bytes expected`);
  return concatBytes(new Uint8Array(12), b);
}

/** Dynamic `bytes` / `string` tail: length word, data right-padded to whole words. */
function dynamicBytes(b: Uint8Array): Uint8Array {
  return concatBytes(encodeWord(b.length), b, new Uint8Array((32 - (b.length % 32)) % 32));
}

export const SUBMIT_SIGNATURE = "submit(uint64,uint64,bytes32,uint256,uint256,address,uint256[8])";
export const VERIFY_CHECKPOINT_SIGNATURE = "verifyCheckpoint(uint64,bytes,(string,uint64,bytes32,bytes32,bytes32),uint256,uint256,bytes32[])";
export const RELEASE_SIGNATURE = "release(uint64,bytes,(string,uint64,bytes32,bytes32,bytes32),uint256,uint256,bytes32[])";

/**
 * Calldata of AegisFinality.submit(height, time, blockHash, nextValidatorSetRoot, signers, prover,
 * proof) for an SDK ZkCertificate: the proof's 256 bytes are its eight words in the SDK's order (A.x,
 * A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y). The certificate's validatorSetRoot and chain id
 * are not arguments: the contract uses its own (the proof fails for any other).
 */
export function encodeSubmitCall(cert: ZkCertificate): Uint8Array {
  return encodeCertificateCall(SUBMIT_SIGNATURE, cert);
}

export const REPORT_CONFLICT_SIGNATURE = "reportConflict(uint64,uint64,bytes32,uint256,uint256,address,uint256[8])";

/**
 * Calldata of AegisFinality.reportConflict: the same arguments as submit, for a certificate of a
 * height the contract finalized with another statement (a hub fork: the contract freezes).
 */
export function encodeReportConflictCall(cert: ZkCertificate): Uint8Array {
  return encodeCertificateCall(REPORT_CONFLICT_SIGNATURE, cert);
}

function encodeCertificateCall(signature: string, cert: ZkCertificate): Uint8Array {
  if (!(cert.proof instanceof Uint8Array) || cert.proof.length !== 256) throw new TypeError("proof: 256 bytes expected");
  return concatBytes(
    computeSelector(signature),
    encodeWord(cert.height),
    encodeWord(cert.time),
    bytes32(cert.blockHash, "blockHash"),
    encodeWord(cert.nextValidatorSetRoot),
    encodeWord(cert.signers),
    addressWord(cert.prover, "prover"),
    cert.proof,
  );
}

/** What AegisFinality.verifyCheckpoint (and HubFinalEscrow.release) take. */
export interface CheckpointInclusionArgs {
  /** The hub height whose certified block holds the checkpoint. */
  hubHeight: number;
  /** That block's canonical header (SDK encodeHeaderCanonical). */
  header: Uint8Array;
  checkpoint: ConsumerCheckpoint;
  /** The checkpoint's audit path to the header's consumerCheckpointRoot (SDK computeCheckpointInclusionProof). */
  proof: MerkleProof;
}

/** The arguments of verifyCheckpoint / release after the selector. */
function encodeInclusionArgs(a: CheckpointInclusionArgs): Uint8Array {
  const cp = a.checkpoint;
  const headerPart = dynamicBytes(a.header);
  // The tuple (string, uint64, bytes32, bytes32, bytes32): its head (the string's offset first), then the string.
  const checkpointPart = concatBytes(
    encodeWord(5 * 32),
    encodeWord(cp.height),
    bytes32(cp.blockHash, "checkpoint.blockHash"),
    bytes32(cp.parentCheckpointHash, "checkpoint.parentCheckpointHash"),
    bytes32(cp.stateRoot, "checkpoint.stateRoot"),
    dynamicBytes(utf8(cp.consumerId)),
  );
  const siblingsPart = concatBytes(encodeWord(a.proof.siblings.length), ...a.proof.siblings.map((s, i) => bytes32(s, `proof.siblings[${i}]`)));
  const headerAt = 6 * 32;
  const checkpointAt = headerAt + headerPart.length;
  const siblingsAt = checkpointAt + checkpointPart.length;
  return concatBytes(
    encodeWord(a.hubHeight),
    encodeWord(headerAt),
    encodeWord(checkpointAt),
    encodeWord(a.proof.index),
    encodeWord(a.proof.total),
    encodeWord(siblingsAt),
    headerPart,
    checkpointPart,
    siblingsPart,
  );
}

/** Calldata of AegisFinality.verifyCheckpoint (a view: an eth_call; it reverts unless the checkpoint is hub-final). */
export function encodeVerifyCheckpointCall(a: CheckpointInclusionArgs): Uint8Array {
  return concatBytes(computeSelector(VERIFY_CHECKPOINT_SIGNATURE), encodeInclusionArgs(a));
}

/** Calldata of HubFinalEscrow.release (the same arguments as verifyCheckpoint). */
export function encodeReleaseCall(a: CheckpointInclusionArgs): Uint8Array {
  return concatBytes(computeSelector(RELEASE_SIGNATURE), encodeInclusionArgs(a));
}

/** AegisFinality's constructor arguments. */
export interface FinalityDeployment {
  /** The deployed Groth16Verifier. */
  verifier: Uint8Array | string;
  /** The hub's chain id (string): the contract keeps computeZkChainId of it. */
  hubChainId: string;
  /** The trusted ZK validator-set root: the set that signs trustedHeight + 1. */
  validatorSetRoot: bigint;
  trustedHeight: number;
  /** Hub time (Unix ms) the trusted root was signed at (the trusted header's time). */
  trustedTime: number;
  /** Shorter than the hub's unbonding period. */
  trustingPeriodMs: number;
}

/** ABI-encoded constructor arguments of AegisFinality (append to its creation bytecode). */
export function encodeFinalityConstructorArgs(d: FinalityDeployment): Uint8Array {
  return concatBytes(
    addressWord(d.verifier, "verifier"),
    encodeWord(computeZkChainId(d.hubChainId)),
    encodeWord(d.validatorSetRoot),
    encodeWord(d.trustedHeight),
    encodeWord(d.trustedTime),
    encodeWord(d.trustingPeriodMs),
  );
}

/** HubFinalEscrow's constructor arguments (the payment is the deployment's value). */
export interface HubFinalEscrowDeployment {
  /** The AegisFinality to ask. */
  finality: Uint8Array | string;
  /** The awaited block of another consumer chain. */
  consumerId: string;
  height: number;
  blockHash: Uint8Array;
  beneficiary: Uint8Array | string;
}

/** ABI-encoded constructor arguments of HubFinalEscrow (append to its creation bytecode). */
export function encodeHubFinalEscrowConstructorArgs(d: HubFinalEscrowDeployment): Uint8Array {
  return concatBytes(
    addressWord(d.finality, "finality"),
    encodeWord(5 * 32),
    encodeWord(d.height),
    bytes32(d.blockHash, "blockHash"),
    addressWord(d.beneficiary, "beneficiary"),
    dynamicBytes(utf8(d.consumerId)),
  );
}

/** A uint256 return value (0x-hex or bytes, the first word); throws when shorter than a word. */
export function decodeUint256(returnData: string | Uint8Array): bigint {
  const b = typeof returnData === "string" ? fromHex(returnData, "returnData") : returnData;
  if (b.length < 32) throw new RangeError("return data shorter than a word");
  return BigInt(`0x${toHex(b.subarray(0, 32))}`);
}
