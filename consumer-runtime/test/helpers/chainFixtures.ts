import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ed25519 } from "@noble/curves/ed25519.js";
import { computeCheckpointHash, utf8, ZERO_CHECKPOINT_HASH, type ConsumerCheckpoint, type FinalCheckpointInput } from "@aegis/consumer-sdk";
import { ChainStore, ConsumerChain, computeBlockHash, computeTxRoot, signBlockHeader, type ConsumerBlock, type ConsumerBlockHeader } from "../../src/index.js";
import { KvEnvironment } from "./kvEnvironment.js";

export const CONSUMER = "kv-test";
export const GENESIS_TIME = 1_700_000_000_000;
export const PRODUCER_SK = new Uint8Array(32).fill(7);
export const OTHER_SK = new Uint8Array(32).fill(9);
export const PRODUCER_PK = ed25519.getPublicKey(PRODUCER_SK);

export interface OpenChain {
  chain: ConsumerChain;
  store: ChainStore;
  dir: string;
  close(): Promise<void>;
}

export async function openChain(dir?: string, producerKeys: Uint8Array[] = [PRODUCER_PK]): Promise<OpenChain> {
  const d = dir ?? (await mkdtemp(join(tmpdir(), "aegis-consumer-")));
  const store = await ChainStore.open(join(d, "data"));
  const chain = await ConsumerChain.open({ consumerId: CONSUMER, producerKeys, genesisTime: GENESIS_TIME }, new KvEnvironment(), store);
  return { chain, store, dir: d, close: () => store.close() };
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/**
 * A block on `parent` (a hash `chain` knows, or a block not added anywhere) with `txs` (strings),
 * executed by `chain`'s environment for its root, signed with `sk`.
 */
export async function buildOn(chain: ConsumerChain, parentRef: Uint8Array | ConsumerBlock, txs: string[], opts: { sk?: Uint8Array; timeStep?: number; producerIndex?: number } = {}): Promise<ConsumerBlock> {
  const parent = parentRef instanceof Uint8Array ? chain.header(parentRef)! : parentRef.header;
  const parentHash = parentRef instanceof Uint8Array ? parentRef : computeBlockHash(parentRef.header);
  const bytes = txs.map(utf8);
  const time = parent.time + (opts.timeStep ?? 1000);
  const ctx = { consumerId: CONSUMER, height: parent.height + 1, time, parentHash };
  const r = await chain.env.executeBlock(parent.stateRoot, bytes, ctx);
  const header: ConsumerBlockHeader = { ...ctx, txRoot: computeTxRoot(bytes), stateRoot: r.stateRoot, producerIndex: opts.producerIndex ?? 0 };
  return { header, txs: bytes, signature: signBlockHeader(opts.sk ?? PRODUCER_SK, header) };
}

/** Builds and adds `n` blocks on `parentHash`; returns their hashes. */
export async function extend(chain: ConsumerChain, parentHash: Uint8Array, n: number, tag: string): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  let p = parentHash;
  for (let i = 0; i < n; i++) {
    const b = await buildOn(chain, p, [`${tag}${i}=x`]);
    await chain.addBlock(b, b.header.time);
    p = computeBlockHash(b.header);
    out.push(p);
  }
  return out;
}

let hubHeight = 100;
/** A final-checkpoint input for the block `hash` of `chain` (as if the hub certified it). */
export function finalInput(chain: ConsumerChain, hash: Uint8Array, parent?: ConsumerCheckpoint): { input: FinalCheckpointInput; checkpoint: ConsumerCheckpoint } {
  const h = chain.header(hash)!;
  const checkpoint: ConsumerCheckpoint = { consumerId: CONSUMER, height: h.height, blockHash: hash, parentCheckpointHash: parent ? computeCheckpointHash(parent) : ZERO_CHECKPOINT_HASH, stateRoot: h.stateRoot };
  hubHeight += 1;
  return { input: { checkpoint, hubHeight, hubBlockHash: new Uint8Array(32).fill(hubHeight & 0xff), tier: "bls" }, checkpoint };
}
