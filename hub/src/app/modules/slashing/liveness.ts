import { isSignerSet } from "@aegis/consumer-sdk";
import type { KVStore } from "../../../state/index.js";
import type { TxEvent } from "../../txEvents.js";
import { formatDec, getStakingParams, getValidator, processJail, processSlash, type EpochValidatorSet } from "../staking/index.js";
import { decodeU64, encodeU64 } from "../../storeKeys.js";
import {
  BLOCK_TIME_PREFIX,
  blockTimeKey,
  clearMissedBlocks,
  consensusBech32,
  getSigningInfo,
  getSlashingParams,
  maxMissedBlocks,
  missedBlockKey,
  newSigningInfo,
  setSigningInfo,
} from "./state.js";

export interface BlockSignaturesContext {
  /** Height the certificate commits (the height the set signed). */
  height: number;
  /** Block time (Unix ms) of the block processing it: jail times count from it. */
  time: number;
  /** The set that signed `height` (staking getValidatorSetForHeight). */
  set: EpochValidatorSet;
  /** Signer bitmap of the hub's commit certificate for `height` (bit i = set.validators[i]). */
  signers: Uint8Array;
}

/** Where a downtime slash lands: the SDK's height − ValidatorUpdateDelay − 1. */
export function downtimeInfractionHeight(height: number): number {
  return Math.max(0, height - 2);
}

/**
 * Liveness, once per committed height: for each member of the set, records signed/missed in its
 * window slot (indexOffset % window) and keeps the missed counter, O(set size). A validator already
 * jailed or tombstoned is skipped. When it has been counted for at least a whole window and its
 * misses exceed window − round(window × minSignedPerWindow), it is slashed slashFractionDowntime at
 * height − 2 (power of the set that signed that height), jailed until time + downtimeJailDuration,
 * and its window starts again. Also records `time` as the block time of `height` (for evidence age)
 * and prunes block times older than the unbonding period.
 */
export function processBlockSignatures(store: KVStore, ctx: BlockSignaturesContext): TxEvent[] {
  const params = getSlashingParams(store);
  const window = params.signedBlocksWindow;
  const maxMissed = maxMissedBlocks(params);
  const events: TxEvent[] = [];
  recordBlockTime(store, ctx.height, ctx.time);

  ctx.set.validators.forEach((member, i) => {
    const v = getValidator(store, member.operator);
    if (!v || v.jailed || v.tombstoned) return;
    const info = getSigningInfo(store, member.consensusAddress) ?? newSigningInfo(member.consensusAddress, ctx.height);
    const index = info.indexOffset % window;
    info.indexOffset += 1;
    const key = missedBlockKey(member.consensusAddress, index);
    const wasMissed = store.has(key);
    const missed = !isSignerSet(ctx.signers, i);
    if (missed && !wasMissed) {
      store.set(key, Uint8Array.of(1));
      info.missedBlocksCounter += 1;
    } else if (!missed && wasMissed) {
      store.delete(key);
      info.missedBlocksCounter -= 1;
    }
    const cons = consensusBech32(member.consensusAddress);
    if (missed) {
      events.push({
        type: "liveness",
        attributes: [
          { key: "address", value: cons },
          { key: "missed_blocks", value: String(info.missedBlocksCounter) },
          { key: "height", value: String(ctx.height) },
        ],
      });
    }
    if (info.indexOffset >= window && info.missedBlocksCounter > maxMissed) {
      const infraction = downtimeInfractionHeight(ctx.height);
      const r = processSlash(store, member.operator, infraction, params.slashFractionDowntime, { height: ctx.height, time: ctx.time });
      processJail(store, member.operator);
      info.jailedUntilMs = ctx.time + params.downtimeJailDurationMs;
      info.missedBlocksCounter = 0;
      info.indexOffset = 0;
      clearMissedBlocks(store, member.consensusAddress);
      events.push({
        type: "slash",
        attributes: [
          { key: "address", value: cons },
          { key: "power", value: String(member.power) },
          { key: "reason", value: "missing_signature" },
          { key: "jailed", value: cons },
          { key: "burned_coins", value: r.burned.toString() },
          { key: "infraction_height", value: String(infraction) },
          { key: "slash_fraction", value: formatDec(params.slashFractionDowntime) },
        ],
      });
    }
    setSigningInfo(store, info);
  });
  return events;
}

/** Stores the block time of `height` and drops those older than the unbonding period (amortized O(1)). */
function recordBlockTime(store: KVStore, height: number, time: number): void {
  store.set(blockTimeKey(height), encodeU64(BigInt(time)));
  const cutoff = time - getStakingParams(store).unbondingTimeMs;
  const old: Uint8Array[] = [];
  for (const [k, v] of store.iterate(BLOCK_TIME_PREFIX)) {
    if (Number(decodeU64(v)) >= cutoff || old.length >= 16) break;
    old.push(k);
  }
  for (const k of old) store.delete(k);
}
