import { MsgUnjail, MsgUnjailResponse } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { VALIDATOR_OPERATOR_ADDRESS_PREFIX } from "../../../tx/index.js";
import { parseMessageAddress } from "../../msgAddress.js";
import type { MsgContext, MsgHandler, MsgResult } from "../../msgRegistry.js";
import { failMessage, formatTime, getValidator, MSG_UNJAIL_TYPE_URL, processUnjail } from "../staking/index.js";
import { clearMissedBlocks, getSigningInfo, setSigningInfo } from "./state.js";
import { msgSubmitEvidenceHandler } from "./submitEvidence.js";

function operatorOf(m: MsgUnjail): Uint8Array {
  return parseMessageAddress(m.validatorAddr, VALIDATOR_OPERATOR_ADDRESS_PREFIX, "validator_addr", MSG_UNJAIL_TYPE_URL);
}

/**
 * Unjails a validator as the SDK's Keeper.Unjail: refused unless it is jailed, not tombstoned, past
 * its jail time and self-delegating at least min_self_delegation. Its liveness window starts again
 * at this height.
 */
export function processUnjailMessage(ctx: MsgContext, operator: Uint8Array): void {
  const v = getValidator(ctx.store, operator) ?? failMessage(MSG_UNJAIL_TYPE_URL, "address is not associated with any known validator");
  if (!v.jailed) failMessage(MSG_UNJAIL_TYPE_URL, "validator not jailed; cannot be unjailed");
  const info = getSigningInfo(ctx.store, v.consensusAddress);
  if (v.tombstoned || info?.tombstoned) failMessage(MSG_UNJAIL_TYPE_URL, "validator is tombstoned; cannot be unjailed");
  if (info && ctx.time < info.jailedUntilMs) failMessage(MSG_UNJAIL_TYPE_URL, `validator still jailed until ${formatTime(info.jailedUntilMs)}; cannot be unjailed`);
  processUnjail(ctx.store, operator, MSG_UNJAIL_TYPE_URL); // self-delegation check, then jailed = false
  if (info) {
    clearMissedBlocks(ctx.store, v.consensusAddress);
    setSigningInfo(ctx.store, { ...info, startHeight: ctx.height, indexOffset: 0, missedBlocksCounter: 0 });
  }
}

export const msgUnjailHandler: MsgHandler<MsgUnjail> = {
  typeUrl: MsgUnjail.typeUrl,
  decode: (b) => MsgUnjail.decode(b),
  // The operator address bytes are the operator account's address.
  getSigners: (m) => [operatorOf(m)],
  validateBasic(m) {
    operatorOf(m);
  },
  process(ctx, m): MsgResult {
    processUnjailMessage(ctx, operatorOf(m));
    ctx.events.push(
      { type: "message", attributes: [{ key: "action", value: MsgUnjail.typeUrl }, { key: "sender", value: m.validatorAddr }, { key: "module", value: "slashing" }] },
    );
    return { response: { typeUrl: MsgUnjailResponse.typeUrl, value: MsgUnjailResponse.encode({}).finish() } };
  },
};

/** The slashing message handlers, for MsgRegistry: MsgUnjail and /aegis.slashing.v1.MsgSubmitEvidence. */
export const SLASHING_HANDLERS: MsgHandler<never>[] = [msgUnjailHandler as unknown as MsgHandler<never>, msgSubmitEvidenceHandler as unknown as MsgHandler<never>];
