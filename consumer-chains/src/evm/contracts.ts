/**
 * The hub-finality contracts for the EVM chain, compiled here (solc from npm) rather than shipped as
 * bytecode: the Groth16 verifier is snarkjs' `verifier_groth16.sol.ejs` template rendered with the
 * hub's verification key, which exists only once the hub's circuit is built (its phase 2). Sources:
 * consumer-sdk/contracts (AegisFinality.sol, CheckpointInclusion.sol) and consumer-chains/contracts
 * (HubFinalEscrow.sol).
 *
 * Cache: with a `cacheDir`, the creation bytecode of a compilation is kept in
 * `<cacheDir>/solc-<sha256>.json`, the hash over the solc package version and the whole standard-JSON
 * input (every source's text, the rendered verifier included, and the settings). A file is reused only
 * under that name, written under a temporary name and renamed into place (concurrent writers are
 * safe), and recompiled when unreadable. solc itself (~8 MB of WebAssembly) is loaded only on a miss.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fromHex, type Groth16VerificationKey } from "@aegis/consumer-sdk";
import { EVM_SOLC_EVM_VERSION } from "./evmConfig.js";

const require = createRequire(import.meta.url);

/** consumer-sdk/contracts: AegisFinality.sol and CheckpointInclusion.sol. */
export function getFinalityContractsDir(): string {
  return join(dirname(dirname(require.resolve("@aegis/consumer-sdk"))), "contracts");
}

/** consumer-chains/contracts (this file is in src/evm or dist/evm). */
export function getConsumerChainsContractsDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..", "..", "contracts");
}

/** snarkjs' Groth16 verifier template (snarkjs exports no package.json: found from its main file). */
function verifierTemplatePath(): string {
  return join(dirname(dirname(require.resolve("snarkjs"))), "templates", "verifier_groth16.sol.ejs");
}

/** The settings of every compilation: optimizer on (200 runs), the chain's EVM version. */
export const SOLC_SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: EVM_SOLC_EVM_VERSION,
  outputSelection: { "*": { "*": ["evm.bytecode.object"] } },
} as const;

export class SolidityCompileError extends Error {
  override name = "SolidityCompileError";
}

/**
 * Compiles Solidity source units ({ "Unit.sol": text }; `import "./X.sol"` resolves to unit "X.sol")
 * and returns the creation bytecode of every contract that has any, by contract name (names must be
 * unique). Cached under `cacheDir` when given (see above). Throws SolidityCompileError with solc's
 * messages.
 */
export async function compileSolidity(sources: Record<string, string>, cacheDir?: string): Promise<Record<string, Uint8Array>> {
  const input = JSON.stringify({
    language: "Solidity",
    sources: Object.fromEntries(Object.entries(sources).sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, content]) => [name, { content }])),
    settings: SOLC_SETTINGS,
  });
  const solcVersion = (require("solc/package.json") as { version: string }).version;
  const key = createHash("sha256").update(JSON.stringify({ format: 1, solc: solcVersion, input })).digest("hex");
  const file = cacheDir ? join(cacheDir, `solc-${key}.json`) : undefined;
  if (file) {
    const cached = await readCache(file);
    if (cached) return cached;
  }
  const solc = require("solc") as { compile(input: string): string };
  const out = JSON.parse(solc.compile(input)) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts?: Record<string, Record<string, { evm: { bytecode: { object: string } } }>>;
  };
  const errors = (out.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length) throw new SolidityCompileError(errors.map((e) => e.formattedMessage).join("\n"));
  const result: Record<string, string> = {};
  for (const [unit, contracts] of Object.entries(out.contracts ?? {})) {
    for (const [name, c] of Object.entries(contracts)) {
      const object = c.evm.bytecode.object;
      if (!object) continue; // interfaces, abstract contracts
      if (name in result) throw new SolidityCompileError(`two contracts named ${name} (${unit})`);
      result[name] = object;
    }
  }
  if (file) await writeCache(file, result);
  return decode(result)!;
}

function decode(json: unknown): Record<string, Uint8Array> | undefined {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  const out: Record<string, Uint8Array> = {};
  for (const [name, code] of Object.entries(json)) {
    if (typeof code !== "string" || code.length === 0 || code.length % 2 !== 0 || !/^[0-9a-f]*$/.test(code)) return undefined;
    out[name] = fromHex(code);
  }
  return out;
}

async function readCache(file: string): Promise<Record<string, Uint8Array> | undefined> {
  try {
    return decode(JSON.parse(await readFile(file, "utf8")));
  } catch {
    return undefined; // absent or unreadable: compile again
  }
}

async function writeCache(file: string, result: Record<string, string>): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(result));
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Creation bytecode of the hub-finality contracts (no constructor arguments appended). */
export interface FinalityContracts {
  /** snarkjs' Groth16Verifier for the key (no constructor arguments). */
  verifier: Uint8Array;
  /** AegisFinality: append encodeFinalityConstructorArgs. */
  finality: Uint8Array;
}

/** Solidity source of the Groth16 verifier for `vkey` (snarkjs' template, rendered with ejs). */
export function renderGroth16Verifier(vkey: Groth16VerificationKey): string {
  const ejs = require("ejs") as { render(template: string, data: object): string };
  return ejs.render(readFileSync(verifierTemplatePath(), "utf8"), vkey);
}

const finalitySources = (): Record<string, string> => {
  const dir = getFinalityContractsDir();
  return { "AegisFinality.sol": readFileSync(join(dir, "AegisFinality.sol"), "utf8"), "CheckpointInclusion.sol": readFileSync(join(dir, "CheckpointInclusion.sol"), "utf8") };
};

/**
 * The Groth16 verifier for the hub's verification key (GET /zk's `verificationKey`) and
 * AegisFinality, compiled together; cached under `cacheDir` when given.
 */
export async function compileFinalityContracts(vkey: Groth16VerificationKey, cacheDir?: string): Promise<FinalityContracts> {
  const out = await compileSolidity({ "Groth16Verifier.sol": renderGroth16Verifier(vkey), ...finalitySources() }, cacheDir);
  return { verifier: out.Groth16Verifier!, finality: out.AegisFinality! };
}

/** HubFinalEscrow's creation bytecode (append encodeHubFinalEscrowConstructorArgs); cached under `cacheDir` when given. */
export async function compileHubFinalEscrow(cacheDir?: string): Promise<Uint8Array> {
  const source = readFileSync(join(getConsumerChainsContractsDir(), "HubFinalEscrow.sol"), "utf8");
  return (await compileSolidity({ "HubFinalEscrow.sol": source }, cacheDir)).HubFinalEscrow!;
}
