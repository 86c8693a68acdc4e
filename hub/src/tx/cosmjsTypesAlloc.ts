import { BinaryWriter } from "cosmjs-types/binary";

/**
 * cosmjs-types 0.11's `BinaryWriter.alloc` builds a fresh 8 KiB pool on every call, so every
 * `encode(...).finish()` of a small message allocates an 8 KiB slab and returns a view into it: the
 * slab lives as long as the result (a stored account value kept 8 KiB alive) and every transaction
 * produced tens of KiB of garbage. An exact-size allocation returns the same bytes. Installed once,
 * on import, for the whole process (cosmjs' own encoding included); tests check the bytes and sizes.
 */
export function installExactAllocation(): void {
  (BinaryWriter as unknown as { alloc(size: number): Uint8Array }).alloc = (size: number) => new Uint8Array(size);
}

installExactAllocation();
