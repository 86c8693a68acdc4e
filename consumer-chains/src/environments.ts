import type { ExecutionEnvironment } from "@aegis/consumer-runtime";
import { LedgerEnvironment } from "./ledger/index.js";
import { UtxoEnvironment } from "./utxo/index.js";

/** The reference chains' execution-environment labels. */
export const REFERENCE_VMS = ["ledger", "utxo"] as const;
export type ReferenceVm = (typeof REFERENCE_VMS)[number];

/** The environment of a reference chain from its configuration's `vm` and `genesis` (each validates its genesis). */
export function createReferenceEnvironment(vm: string, consumerId: string, genesis: unknown): ExecutionEnvironment {
  switch (vm) {
    case "ledger":
      return new LedgerEnvironment({ consumerId, genesis: genesis as never });
    case "utxo":
      return new UtxoEnvironment({ consumerId, genesis: genesis as never });
    default:
      throw new Error(`no reference chain with vm "${vm}" (known: ${REFERENCE_VMS.join(", ")})`);
  }
}
