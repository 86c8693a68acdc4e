// Types of build.mjs, for the TypeScript tests and the hub.
export interface CircuitDeclaration {
  name: string;
  template: string;
  source: string;
  params: number[];
  public: string[];
  ptau: string | null;
  use?: string;
}
export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}
export interface CompiledCircuit {
  dir: string;
  r1cs: string;
  wasm: string;
  constraints: number | null;
  sha256: { r1cs: string; wasm: string };
}
export interface SetUpCircuit extends CompiledCircuit {
  zkey: string;
  vkeyPath: string;
  vkey: Record<string, unknown>;
}
export class CircuitBuildError extends Error {
  readonly code: string;
}
export const CIRCUITS_DIR: string;
export function cacheDir(): string;
export function loadCircuits(): Promise<CircuitDeclaration[]>;
export function parseCircuits(json: unknown): CircuitDeclaration[];
export function getCircuit(name: string): Promise<CircuitDeclaration>;
export function sourceHash(c: CircuitDeclaration): Promise<string>;
export function compileCircuit(c: CircuitDeclaration, opts?: { logger?: Logger; updateManifest?: boolean }): Promise<CompiledCircuit>;
export function setupCircuit(c: CircuitDeclaration, opts?: { logger?: Logger; updateManifest?: boolean; ptau?: { path: string } }): Promise<SetUpCircuit>;
/** Whether the cache holds the circuit's phase 2 for its current sources (a quick look; setupCircuit checks the hashes). */
export function isCircuitSetUp(c: CircuitDeclaration): Promise<boolean>;
export function terminateCurve(): Promise<void>;
