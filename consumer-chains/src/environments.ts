import type { ExecutionEnvironment } from "@aegis/consumer-runtime";
import { EvmEnvironment } from "./evm/index.js";
import { LedgerEnvironment } from "./ledger/index.js";
import { UtxoEnvironment } from "./utxo/index.js";

/** The reference chains' execution-environment labels. */
export const REFERENCE_VMS = ["ledger", "utxo", "evm"] as const;
export type ReferenceVm = (typeof REFERENCE_VMS)[number];

/** The environment of a reference chain from its configuration's `vm` and `genesis` (each validates its genesis). */
export function createReferenceEnvironment(vm: string, consumerId: string, genesis: unknown): ExecutionEnvironment {
  switch (vm) {
    case "ledger":
      return new LedgerEnvironment({ consumerId, genesis: genesis as never });
    case "utxo":
      return new UtxoEnvironment({ consumerId, genesis: genesis as never });
    case "evm":
      return new EvmEnvironment({ consumerId, genesis: genesis as never });
    default:
      throw new Error(`no reference chain with vm "${vm}" (known: ${REFERENCE_VMS.join(", ")})`);
  }
}
