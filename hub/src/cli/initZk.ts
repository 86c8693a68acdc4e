/**
 * `aegis init --zk-circuit <name>`: the circuit of the chain's succinct certificates, built (or taken
 * from the cache) by the circuits package as the devnet does, for the genesis `zk` section and the
 * nodes' proving artifacts.
 *
 * @aegis/circuits is loaded with a dynamic import, not declared as a dependency: it is a private
 * workspace package (the hub is publishable, with the `aegis` bin), it pulls circom for a build only
 * this option needs, and its tests import @aegis/hub (a declared hub → circuits dependency would make
 * the two a cycle at test time). Its package.json declares only @aegis/consumer-sdk.
 */
import type { ZkGenesis } from "../genesis.js";
import { CliError } from "./cliError.js";

export interface InitZk extends ZkGenesis {
  /** The cached artifacts (initHomes copies them into every node's home). */
  wasm: string;
  zkey: string;
  provers: number[];
}

/** Minted to the prover of each recorded certificate, as on the devnet (1 AEG). */
export const DEFAULT_INIT_PROVER_REWARD = "1000000";

/** `--prover <i...>`: node indexes, each in 0..validators-1, at least one, no repeats. */
export function parseProverIndexes(values: readonly string[], validators: number): number[] {
  const out: number[] = [];
  for (const v of values) {
    for (const part of v.split(",").map((p) => p.trim())) {
      const n = Number(part);
      if (!/^[0-9]+$/.test(part) || n >= validators) {
        throw new CliError(
          { code: "CLI_ERROR_INVALID_OPTION", option: "--prover", value: part, reason: `a node index from 0 to ${validators - 1}` },
          `--prover ${JSON.stringify(part)}: a node index from 0 to ${validators - 1} (node<i> of --validators ${validators})`,
        );
      }
      if (!out.includes(n)) out.push(n);
    }
  }
  return out;
}

interface CircuitsModule {
  getCircuit(name: string): Promise<{ name: string; params: number[] }>;
  setupCircuit(c: { name: string; params: number[] }, opts?: { logger?: unknown }): Promise<{ wasm: string; zkey: string; vkey: Record<string, unknown> }>;
  terminateCurve(): Promise<void>;
}

async function loadCircuits(circuit: string): Promise<{ build: CircuitsModule; createProgressLogger: () => unknown }> {
  const specifier = "@aegis/circuits/scripts/build.mjs";
  const progressSpecifier = "@aegis/circuits/scripts/progress.mjs";
  try {
    const build = (await import(specifier)) as CircuitsModule;
    const progress = (await import(progressSpecifier)) as { createProgressLogger: () => unknown };
    return { build, createProgressLogger: progress.createProgressLogger };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw e;
    throw new CliError(
      { code: "CLI_ERROR_ZK_CIRCUIT", circuit, reason: "the @aegis/circuits package is not installed" },
      `--zk-circuit needs the @aegis/circuits package (the circuits/ workspace of the Aegis repository); run aegis from a checkout after npm install`,
    );
  }
}

/**
 * The circuit `name` of circuits/circuits.json, compiled and set up (or taken from
 * ~/.cache/aegis/circuits, checked against the manifest), with progress on stderr.
 */
export async function prepareInitZk(name: string, o: { validators: number; provers: number[]; proverReward?: string; log?: (line: string) => void }): Promise<InitZk> {
  const { build, createProgressLogger } = await loadCircuits(name);
  let circuit;
  try {
    circuit = await build.getCircuit(name);
  } catch (e) {
    const reason = (e as Error).message;
    throw new CliError({ code: "CLI_ERROR_ZK_CIRCUIT", circuit: name, reason }, `--zk-circuit ${name}: ${reason}`);
  }
  const capacity = circuit.params[0]!;
  if (o.validators > capacity) {
    const reason = `${capacity} validator slots, fewer than --validators ${o.validators}`;
    throw new CliError({ code: "CLI_ERROR_ZK_CIRCUIT", circuit: name, reason }, `--zk-circuit ${name} has ${reason}: pick a larger circuit (circuits/circuits.json)`);
  }
  o.log?.(`preparing ZK circuit ${name} (compiled and set up once, then cached in ~/.cache/aegis/circuits)…`);
  let built;
  try {
    built = await build.setupCircuit(circuit, { logger: createProgressLogger() });
  } catch (e) {
    const reason = (e as Error).message;
    throw new CliError({ code: "CLI_ERROR_ZK_CIRCUIT", circuit: name, reason }, `--zk-circuit ${name}: ${reason}`);
  } finally {
    await build.terminateCurve();
  }
  return {
    circuit: name,
    capacity,
    verificationKey: built.vkey as unknown as ZkGenesis["verificationKey"],
    proverReward: o.proverReward ?? DEFAULT_INIT_PROVER_REWARD,
    wasm: built.wasm,
    zkey: built.zkey,
    provers: o.provers,
  };
}
