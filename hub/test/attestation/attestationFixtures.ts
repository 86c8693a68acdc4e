import { decodeAttestationPublicKey } from "../../src/attestation/index.js";

/** The BN254 scalar field, over which BabyJubJub is defined. */
export const FIELD_P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** A packed point with this y and the sign bit of x clear (32 bytes, little endian). */
export function packedY(y: bigint, xSign = false): Uint8Array {
  const out = Uint8Array.from({ length: 32 }, (_, i) => Number((y >> BigInt(8 * i)) & 0xffn));
  if (xSign) out[31]! |= 0x80;
  return out;
}

/** (1/√a, 0): on the curve, of order 4, outside the prime-order subgroup. */
export const LOW_ORDER_POINT = packedY(0n);
/**
 * (0, 1), the neutral element. circomlibjs cannot unpack a point with x = 0 (it tests x² for a
 * square with Euler's criterion, which gives 0), so it is refused as "not a point" before the
 * explicit identity check; (0, -1), of order 2, likewise.
 */
export const IDENTITY_POINT = packedY(1n);
export const ORDER_TWO_POINT = packedY(FIELD_P - 1n);
/** A y for which no x exists. */
export const NOT_A_POINT = (() => {
  for (let y = 2n; ; y++) {
    try {
      decodeAttestationPublicKey(packedY(y));
    } catch (e) {
      if (/not a point/.test((e as Error).message)) return packedY(y);
    }
  }
})();
