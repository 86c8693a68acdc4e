import { HubDb } from "../../src/db/hubDb.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeBlockHash, VoteType, type BlockHeader, type ZkCertificate } from "@aegis/consumer-sdk";
import type { FinalityAttestation } from "../../src/codec/codec.js";
import type { Block, CertifiedBlock, DuplicateVoteEvidence, Vote } from "../../src/consensus/types.js";

export const CHAIN_ID = "aegis-test";

export function filled(length: number, byte: number): Uint8Array {
  return new Uint8Array(length).fill(byte);
}

export async function makeTempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "aegis-hubdb-"));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/**
 * A HubDb on a fresh temp directory for every test of the file (registers beforeEach/afterEach):
 * `t.db` is the open database, `t.path` its directory, `t.reopen()` closes and opens it again there.
 */
export function useTempHubDb(): { readonly db: HubDb; readonly path: string; reopen(): Promise<HubDb> } {
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  let db: HubDb;
  beforeEach(async () => {
    dir = await makeTempDir();
    db = await HubDb.open(dir.path);
  });
  afterEach(async () => {
    if (db.isOpen) await db.close();
    await dir.remove();
  });
  return {
    get db() {
      return db;
    },
    get path() {
      return dir.path;
    },
    async reopen() {
      await db.close();
      db = await HubDb.open(dir.path);
      return db;
    },
  };
}

export function makeHeader(height: number, parentHash: Uint8Array, variant = 0): BlockHeader {
  return {
    chainId: CHAIN_ID,
    height,
    time: 1_700_000_000_000 + height * 1000 + variant,
    parentHash,
    txRoot: filled(32, 1),
    stateRoot: filled(32, (height + variant) & 0xff),
    consumerCheckpointRoot: filled(32, 3),
    validatorSetRoot: filled(32, 4),
    nextValidatorSetRoot: filled(32, 4),
    proposer: filled(20, 5),
    lastCommitHash: filled(32, 6),
    evidenceRoot: filled(32, 7),
  };
}

export function certify(block: Block, round = 0): CertifiedBlock {
  const height = block.header.height;
  return {
    block,
    certificate: { height, round, blockHash: computeBlockHash(block.header), signers: Uint8Array.of(0b111), signature: filled(96, 9) },
  };
}

/** A linked chain of certified blocks at heights 1..n. `variant` makes a different chain. */
export function makeChain(n: number, variant = 0): CertifiedBlock[] {
  const out: CertifiedBlock[] = [];
  let parent: Uint8Array = new Uint8Array(32);
  for (let h = 1; h <= n; h++) {
    const block: Block = { header: makeHeader(h, parent, variant), txs: [Uint8Array.of(h, variant)], lastCommit: out.at(-1)?.certificate ?? null, evidence: [] };
    out.push(certify(block));
    parent = computeBlockHash(block.header);
  }
  return out;
}

export function makeVote(over: Partial<Vote> = {}): Vote {
  return { type: VoteType.Prevote, height: 5, round: 1, blockHash: filled(32, 7), validatorIndex: 2, signature: filled(96, 8), ...over };
}

export function makeEvidence(over: Partial<Vote> = {}, time = 1234): DuplicateVoteEvidence {
  return { voteA: makeVote(over), voteB: makeVote({ ...over, blockHash: null }), time };
}

/** A finality attestation of block `height` (shapes only: the signature is not a real one). */
export function makeFinalityAttestation(over: Partial<FinalityAttestation> = {}): FinalityAttestation {
  const height = over.height ?? 9;
  return {
    height,
    time: 1_700_000_000_000 + height * 1000,
    blockHash: filled(32, 0x21),
    validatorSetRoot: 11n,
    nextValidatorSetRoot: 12n,
    validatorIndex: 3,
    signature: filled(64, 0x5a),
    ...over,
  };
}

/** A ZK certificate of block `height` (shapes only: the proof is not a real one). */
export function makeZkCertificate(height: number, over: Partial<ZkCertificate> = {}): ZkCertificate {
  return {
    circuit: "quorum4",
    chainId: CHAIN_ID,
    height,
    time: 1_700_000_000_000 + height * 1000,
    blockHash: filled(32, height & 0xff),
    validatorSetRoot: 11n,
    nextValidatorSetRoot: 12n,
    signers: 7n,
    prover: Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i),
    proof: filled(256, height & 0xff),
    ...over,
  };
}
