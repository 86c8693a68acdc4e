import type { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { concatBytes } from "@aegis/consumer-sdk";
import { ADDRESS_LENGTH, TX_HASH_LENGTH } from "../common/keys.js";
import { iteratePrefix } from "../common/triePrefix.js";
import type { UtxoOutPoint, UtxoOutput } from "./tx.js";

/**
 * The UTXO chain's state trie holds the unspent outputs only (a spent output is deleted), twice:
 *  - by id:    0x01 ‖ txHash[32] ‖ u32 index            → owner[20] ‖ u64 amount
 *  - by owner: 0x02 ‖ owner[20] ‖ txHash[32] ‖ u32 index → u64 amount
 * The second is the index that answers an address's outputs by walking its prefix, in (txHash, index)
 * order, without reading the rest of the state. Integers are big-endian, so key order is numeric order.
 */
export const OUTPUT_KEY_PREFIX = 0x01;
export const OWNER_INDEX_KEY_PREFIX = 0x02;

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

function u64(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n);
  return b;
}

export function outputKey(p: UtxoOutPoint): Uint8Array {
  return concatBytes(Uint8Array.of(OUTPUT_KEY_PREFIX), p.txHash, u32(p.index));
}

export function ownerIndexKey(owner: Uint8Array, p: UtxoOutPoint): Uint8Array {
  return concatBytes(Uint8Array.of(OWNER_INDEX_KEY_PREFIX), owner, p.txHash, u32(p.index));
}

function decodeOutput(b: Uint8Array): UtxoOutput {
  if (b.length !== ADDRESS_LENGTH + 8) throw new Error(`utxo state: an output value of ${b.length} bytes`);
  return { owner: b.slice(0, ADDRESS_LENGTH), amount: new DataView(b.buffer, b.byteOffset + ADDRESS_LENGTH, 8).getBigUint64(0) };
}

/** The unspent output `p`, or undefined (never created, or spent). */
export async function readOutput(trie: MerklePatriciaTrie, p: UtxoOutPoint): Promise<UtxoOutput | undefined> {
  const b = await trie.get(outputKey(p));
  return b === null ? undefined : decodeOutput(b);
}

/** Creates the unspent output `p` (both entries). */
export async function writeOutput(trie: MerklePatriciaTrie, p: UtxoOutPoint, o: UtxoOutput): Promise<void> {
  await trie.put(outputKey(p), concatBytes(o.owner, u64(o.amount)));
  await trie.put(ownerIndexKey(o.owner, p), u64(o.amount));
}

/** Spends the output `p` owned by `owner` (deletes both entries). */
export async function deleteOutput(trie: MerklePatriciaTrie, p: UtxoOutPoint, owner: Uint8Array): Promise<void> {
  await trie.del(outputKey(p));
  await trie.del(ownerIndexKey(owner, p));
}

/** `owner`'s unspent outputs in (txHash, index) order, walking its part of the owner index only. */
export async function* ownerOutputs(trie: MerklePatriciaTrie, owner: Uint8Array): AsyncGenerator<UtxoOutPoint & { amount: bigint }> {
  const prefix = concatBytes(Uint8Array.of(OWNER_INDEX_KEY_PREFIX), owner);
  for await (const { key, value } of iteratePrefix(trie, prefix)) {
    if (key.length !== 1 + ADDRESS_LENGTH + TX_HASH_LENGTH + 4 || value.length !== 8) throw new Error("utxo state: a malformed owner-index entry");
    const at = 1 + ADDRESS_LENGTH;
    yield {
      txHash: key.slice(at, at + TX_HASH_LENGTH),
      index: new DataView(key.buffer, key.byteOffset + at + TX_HASH_LENGTH, 4).getUint32(0),
      amount: new DataView(value.buffer, value.byteOffset, 8).getBigUint64(0),
    };
  }
}
