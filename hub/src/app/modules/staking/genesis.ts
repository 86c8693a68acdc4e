import type { KVStore } from "../../../state/index.js";
import type { TxEvent } from "../../txEvents.js";
import { msgCreateValidatorHandler, processCreateValidator } from "./handlers.js";
import type { MsgCreateValidator } from "./messages.js";
import { DEFAULT_STAKING_PARAMS, setStakingParams, type StakingParams } from "./params.js";
import { processEpochEnd, type EpochEndResult } from "./validatorSet.js";

/** Staking part of the app genesis. */
export interface StakingGenesis {
  /** Overrides of DEFAULT_STAKING_PARAMS. */
  params?: Partial<StakingParams>;
  /**
   * Genesis validators (like gentxs): each is created from its self-delegation, which its delegator
   * account must hold (mint the genesis balances first).
   */
  validators?: MsgCreateValidator[];
}

/**
 * Writes the staking genesis state: parameters (validated; StakingParamsError), the genesis
 * validators (TxError as for the message), and, when there are validators, epoch 0's active set
 * (bonded; signs from `startHeight`, default 1), which it returns.
 */
export function processStakingGenesis(
  store: KVStore,
  genesis: StakingGenesis,
  ctx: { chainId: string; time: number; startHeight?: number },
): EpochEndResult | undefined {
  setStakingParams(store, { ...DEFAULT_STAKING_PARAMS, ...(genesis.params ?? {}) });
  const events: TxEvent[] = [];
  for (const m of genesis.validators ?? []) {
    msgCreateValidatorHandler.validateBasic(m);
    processCreateValidator({ store, chainId: ctx.chainId, height: 0, time: ctx.time, events }, m);
  }
  if (!genesis.validators?.length) return undefined;
  return processEpochEnd(store, { height: 0, time: ctx.time, epoch: 0, startHeight: ctx.startHeight ?? 1 });
}
