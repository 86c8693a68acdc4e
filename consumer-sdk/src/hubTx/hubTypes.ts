import { aegis } from "@aegis/proto";
import type { CommitCertificate } from "../commitCertificate.js";
import type { BlockHeader } from "../header.js";
import type { ZkCertificate } from "../zkCertificate.js";

/**
 * The proto forms (proto/src/aegis/v1/types.proto) of the hub's headers and certificates, written
 * once: the hub encodes its blocks and messages with them and a consumer its evidence. Decoding, with
 * every length and range checked, is the hub's codec (hub/src/codec) for what it receives.
 */
export function headerToProto(h: BlockHeader): aegis.v1.BlockHeader.$Properties {
  return {
    chain_id: h.chainId,
    height: h.height,
    time: h.time,
    parent_hash: h.parentHash,
    tx_root: h.txRoot,
    state_root: h.stateRoot,
    consumer_checkpoint_root: h.consumerCheckpointRoot,
    validator_set_root: h.validatorSetRoot,
    next_validator_set_root: h.nextValidatorSetRoot,
    proposer: h.proposer,
    last_commit_hash: h.lastCommitHash,
    evidence_root: h.evidenceRoot,
  };
}

export function certificateToProto(c: CommitCertificate): aegis.v1.CommitCertificate.$Properties {
  return { height: c.height, round: c.round, block_hash: c.blockHash, signers: c.signers, signature: c.signature };
}

/** A field element (or a signer bitmap) as 32 big-endian bytes. RangeError outside [0, 2^256). */
export function fieldToBytes(x: bigint): Uint8Array {
  if (typeof x !== "bigint" || x < 0n || x >= 1n << 256n) throw new RangeError("a field element is 32 bytes");
  const out = new Uint8Array(32);
  let v = x;
  for (let i = 31; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/** The wire form carries no chain id: a verifier checks a certificate against the chain it follows. */
export function zkCertificateToProto(c: ZkCertificate): aegis.v1.ZkFinalityCertificate.$Properties {
  return {
    circuit: c.circuit,
    height: c.height,
    block_hash: c.blockHash,
    validator_set_root: fieldToBytes(c.validatorSetRoot),
    next_validator_set_root: fieldToBytes(c.nextValidatorSetRoot),
    signers: fieldToBytes(c.signers),
    proof: c.proof,
    time: c.time,
    prover: c.prover,
  };
}
