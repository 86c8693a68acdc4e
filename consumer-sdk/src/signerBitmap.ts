/** Signer bitmaps: bit i (LSB-first within each byte) set = validator i signed. Length is ceil(n / 8). */
export function getSignerBitmapLength(validatorCount: number): number {
  return Math.ceil(validatorCount / 8);
}

export function createSignerBitmap(validatorCount: number, signers: Iterable<number>): Uint8Array {
  const out = new Uint8Array(getSignerBitmapLength(validatorCount));
  for (const i of signers) {
    if (!Number.isInteger(i) || i < 0 || i >= validatorCount) throw new RangeError(`signer index ${i} out of range`);
    out[i >> 3]! |= 1 << (i & 7);
  }
  return out;
}

export function isSignerSet(bitmap: Uint8Array, index: number): boolean {
  return ((bitmap[index >> 3] ?? 0) & (1 << (index & 7))) !== 0;
}

export function getSignerIndices(bitmap: Uint8Array): number[] {
  const out: number[] = [];
  for (let byte = 0; byte < bitmap.length; byte++) {
    const b = bitmap[byte]!;
    if (b === 0) continue;
    for (let bit = 0; bit < 8; bit++) if (b & (1 << bit)) out.push(byte * 8 + bit);
  }
  return out;
}
