import { DbError } from "./dbError.js";

/** Decodes a stored record; a record that no longer decodes is DB_ERROR_CORRUPT. */
export function decodeStored<T>(key: string, decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new DbError({ code: "DB_ERROR_CORRUPT", key, reason }, `stored record ${key} is corrupt: ${reason}`);
  }
}
