// Types of progress.mjs, for the TypeScript callers (devnet).
import type { Logger } from "./build.mjs";
export function createProgressLogger(opts?: { quiet?: boolean; stream?: NodeJS.WriteStream }): Logger;

/** One bar over a whole long job, labelled by the build's own stage lines; `finish` ends it. */
export function createStageProgressLogger(opts: { title: string; estimateSeconds: number; stream?: NodeJS.WriteStream }): Logger & { finish(): void };
