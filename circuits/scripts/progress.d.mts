// Types of progress.mjs, for the TypeScript callers (devnet).
import type { Logger } from "./build.mjs";
export function createProgressLogger(opts?: { quiet?: boolean; stream?: NodeJS.WriteStream }): Logger;
