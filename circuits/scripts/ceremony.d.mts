// Types of ceremony.mjs.
import type { Logger } from "./build.mjs";
export function sha256File(path: string, algorithm?: string): Promise<string>;
export function atomically(path: string, write: (tmp: string) => Promise<unknown>): Promise<void>;
export function terminateCurve(): Promise<void>;
/** Throws (code CEREMONY_ERROR_DEGENERATE_KEY) for a verification key whose delta is gamma or the G2 generator. */
export function assertUsableVerificationKey(vkey: unknown): Promise<void>;
export function phase1(opts: { power: number; out: string; contributions?: number; beacon?: string; logger: Logger & { log(msg: string): void } }): Promise<{ sha256: string }>;
/** Where `phase1` keeps the steps of an unfinished run for `out` (resumed by running it again). */
export function phase1WorkDir(out: string): string;
/** snarkjs' `prepare phase 2`, byte for byte, going on after the last complete level of a partial `newFile`. */
export function preparePhase2Resumable(oldFile: string, newFile: string, logger: Logger & { log(msg: string): void }): Promise<void>;
export function phase1Check(opts: { ptau: string; sha256?: string; blake2b?: string; logger: Logger & { log(msg: string): void } }): Promise<{ sha256: string; blake2b: string }>;
export function main(argv: string[]): Promise<unknown>;
