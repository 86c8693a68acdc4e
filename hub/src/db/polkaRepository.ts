import { BLS_SIGNATURE_LENGTH, HASH_LENGTH, HUB_MAX_SIGNER_BITMAP_BYTES, fromHex, toHex, type PolkaCertificate } from "@aegis/consumer-sdk";
import { DbError } from "./dbError.js";
import type { RepositoryModules, RepositoryOptions } from "./hubDb.js";
import { SerialQueue } from "./serialQueue.js";

export interface PolkaWriteOptions {
  /**
   * fsync before resolving (default: the database's setting, synced). Without it the polka still
   * reaches the operating system before the call resolves (LevelDB writes its log on every write),
   * so it survives a process crash; the next synced write to the database (the signer's guard
   * record, written before any signature leaves) makes it survive a power loss too — as the WAL.
   */
  sync?: boolean;
}

/** Hex digits of each key part: height u64 BE, round u32 BE, block hash. */
const HEIGHT_HEX = 16;
const ROUND_HEX = 8;
const KEY_HEX = HEIGHT_HEX + ROUND_HEX + 2 * HASH_LENGTH;
const KEY_PATTERN = new RegExp(`^[0-9a-f]{${KEY_HEX}}$`);
const U32_MAX = 0xffffffff;

function invalid(field: string, reason: string): DbError {
  return new DbError({ code: "DB_ERROR_INVALID_ARGUMENT", field, reason }, `${field}: ${reason}`);
}

function corrupt(key: string, reason: string): DbError {
  return new DbError({ code: "DB_ERROR_CORRUPT", key, reason }, `stored polka ${key} is corrupt: ${reason}`);
}

function heightHex(height: number, field: string, min: number): string {
  if (!Number.isSafeInteger(height) || height < min) throw invalid(field, `not a safe integer >= ${min}`);
  return height.toString(16).padStart(HEIGHT_HEX, "0");
}

/** The storage key: lowercase hex of height (u64 BE) ‖ round (u32 BE) ‖ block hash, so keys sort by height, round, hash. */
function polkaKey(c: PolkaCertificate): string {
  const h = heightHex(c.height, "height", 1);
  if (!Number.isSafeInteger(c.round) || c.round < 0 || c.round > U32_MAX) throw invalid("round", "not a uint32");
  if (!(c.blockHash instanceof Uint8Array) || c.blockHash.length !== HASH_LENGTH) throw invalid("blockHash", `not ${HASH_LENGTH} bytes`);
  return h + c.round.toString(16).padStart(ROUND_HEX, "0") + toHex(c.blockHash);
}

/** The stored value: signer bitmap ‖ aggregate signature (96 bytes); the bitmap is what precedes the signature. */
function encodeValue(c: PolkaCertificate): Uint8Array {
  if (!(c.signers instanceof Uint8Array) || c.signers.length === 0 || c.signers.length > HUB_MAX_SIGNER_BITMAP_BYTES) {
    throw invalid("signers", `not 1 to ${HUB_MAX_SIGNER_BITMAP_BYTES} bytes`);
  }
  if (!c.signers.some((b) => b !== 0)) throw invalid("signers", "names no signer");
  if (!(c.signature instanceof Uint8Array) || c.signature.length !== BLS_SIGNATURE_LENGTH) throw invalid("signature", `not ${BLS_SIGNATURE_LENGTH} bytes`);
  const value = new Uint8Array(c.signers.length + BLS_SIGNATURE_LENGTH);
  value.set(c.signers, 0);
  value.set(c.signature, c.signers.length);
  return value;
}

/** Decodes the entry at `key`, which the caller found under `height`'s prefix. */
function decode(height: number, key: string, value: Uint8Array): PolkaCertificate {
  if (!KEY_PATTERN.test(key)) throw corrupt(key, "not a polka key");
  const round = Number.parseInt(key.slice(HEIGHT_HEX, HEIGHT_HEX + ROUND_HEX), 16);
  const signersLength = value.length - BLS_SIGNATURE_LENGTH;
  if (signersLength < 1 || signersLength > HUB_MAX_SIGNER_BITMAP_BYTES) throw corrupt(key, `value of ${value.length} bytes is not a signer bitmap and a signature`);
  const signers = value.slice(0, signersLength);
  if (!signers.some((b) => b !== 0)) throw corrupt(key, "the signer bitmap names no signer");
  return { height, round, blockHash: fromHex(key.slice(HEIGHT_HEX + ROUND_HEX)), signers, signature: value.slice(signersLength) };
}

/**
 * Every polka the node saw (decision 52): more than 2/3 of a height's set prevoting one block in one
 * round, as one PolkaCertificate (bitmap and aggregate signature of those prevotes). A fork case
 * across rounds asks validators for the polkas that justified their votes, so they are kept (for
 * at least the unbonding period) and served (`GET /polkas/:height`).
 *
 * Key `hex(height u64 BE ‖ round u32 BE ‖ block hash)` → signer bitmap ‖ aggregate signature. One
 * entry per (height, round, block): the first stored stays. Signatures are not checked here: the
 * engine builds a polka from prevotes verified on arrival.
 */
export class PolkaRepository {
  readonly #writes = new SerialQueue();
  /** Everything below this height is already pruned (in this process): prunes start here, not at the tombstones below. */
  #prunedBelow = 0;

  constructor(
    private readonly opts: RepositoryOptions,
    private readonly m: RepositoryModules,
  ) {}

  /**
   * Stores `cert` unless a polka for its (height, round, block) is stored. Resolves true when stored.
   * Throws DB_ERROR_INVALID_ARGUMENT (nothing written) for a malformed certificate.
   */
  async putPolka(cert: PolkaCertificate, opts?: PolkaWriteOptions): Promise<boolean> {
    const key = polkaKey(cert);
    const value = encodeValue(cert);
    return this.#writes.run(async () => {
      if ((await this.m.sublevel.get(key)) !== undefined) return false;
      await this.m.root.batch([{ type: "put", sublevel: this.m.sublevel, key, value }], { sync: opts?.sync ?? this.opts.sync });
      if (cert.height < this.#prunedBelow) this.#prunedBelow = cert.height;
      return true;
    });
  }

  /** The polkas stored at `height`, by round then block hash. Throws DB_ERROR_CORRUPT for an entry that does not decode. */
  async getPolkas(height: number): Promise<PolkaCertificate[]> {
    const prefix = heightHex(height, "height", 1);
    const out: PolkaCertificate[] = [];
    // Keys are lowercase hex and "g" follows "f": the range holds exactly the keys of this height.
    for await (const [key, value] of this.m.sublevel.iterator({ gte: prefix, lt: `${prefix}g` })) out.push(decode(height, key, value));
    return out;
  }

  /** Deletes the polkas of every height below `belowHeight`. */
  async prunePolkasBelow(belowHeight: number): Promise<void> {
    const lt = heightHex(belowHeight, "belowHeight", 0);
    return this.#writes.run(async () => {
      if (belowHeight <= this.#prunedBelow) return;
      await this.m.sublevel.clear({ gte: heightHex(this.#prunedBelow, "prunedBelow", 0), lt });
      this.#prunedBelow = belowHeight;
    });
  }
}
