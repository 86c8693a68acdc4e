import { concatBytes } from "@aegis/consumer-sdk";
import type { PageRequest, PageResponse } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import type { ReadonlyKVStore } from "../state/index.js";

/** Items per page when the request gives no limit, and the most a page holds (as the SDK's defaults). */
export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;

export interface Page<T> {
  items: T[];
  pagination: PageResponse;
}

/**
 * Pagination over one prefix: `key` (the next_key of the previous page: the key suffix after the
 * prefix) or `offset`, `limit` (0: 100), `count_total` (only without a key, as the SDK). As the SDK's
 * query.Paginate, a request without a limit (cosmjs never sends one) counts the total too. Items that
 * `map` turns into undefined are skipped (filters). `reverse` is not supported.
 */
export function paginate<T>(store: ReadonlyKVStore, prefix: Uint8Array, page: PageRequest | undefined, map: (suffix: Uint8Array, value: Uint8Array) => T | undefined): Page<T> {
  const limitReq = page?.limit ?? 0n;
  const limit = limitReq === 0n ? DEFAULT_PAGE_LIMIT : limitReq > BigInt(MAX_PAGE_LIMIT) ? MAX_PAGE_LIMIT : Number(limitReq);
  const hasKey = !!page && page.key.length > 0;
  const offsetReq = hasKey ? 0n : (page?.offset ?? 0n);
  const offset = offsetReq > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(offsetReq);
  const countTotal = !hasKey && (!!page?.countTotal || limitReq === 0n);
  const items: T[] = [];
  let nextKey = new Uint8Array(0);
  let seen = 0;
  const opts = hasKey ? { start: concatBytes(prefix, page!.key) } : undefined;
  for (const [k, v] of store.iterate(prefix, opts)) {
    const suffix = k.slice(prefix.length);
    const item = map(suffix, v);
    if (item === undefined) continue;
    seen++;
    if (seen <= offset) continue;
    if (items.length < limit) {
      items.push(item);
      continue;
    }
    if (nextKey.length === 0) nextKey = suffix;
    if (!countTotal) break;
  }
  return { items, pagination: { nextKey, total: countTotal ? BigInt(seen) : 0n } };
}
