import { pino, type Logger as PinoLogger } from "pino";

/**
 * Minimal structured logger used across the hub. Implementations must never throw.
 */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const noop = (): void => {};

export const nullLogger: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => nullLogger,
};

export type LogLevel = "debug" | "info" | "warn" | "error";


/** Field values JSON cannot carry as they are: bigints as decimal strings, bytes as hex, errors as objects. */
function jsonSafe(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

function safeFields(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!fields) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = jsonSafe(v);
  return out;
}

function wrap(p: PinoLogger): Logger {
  return {
    debug: (msg, fields) => p.debug(safeFields(fields), msg),
    info: (msg, fields) => p.info(safeFields(fields), msg),
    warn: (msg, fields) => p.warn(safeFields(fields), msg),
    error: (msg, fields) => p.error(safeFields(fields), msg),
    child: (fields) => wrap(p.child(safeFields(fields))),
  };
}

/**
 * Logger writing one JSON object per line (pino) to stderr (or the file `dest`, appended), synchronously, so the last lines before a
 * crash are in the log: `{"level":"info","time":"2026-…Z","msg":"…",…fields}`. The level is a label
 * and the time ISO-8601; `npx pino-pretty < node.log` reads it.
 */
export function createConsoleLogger(level: LogLevel = "info", bound: Record<string, unknown> = {}, dest: number | string = 2): Logger {
  const p = pino(
    {
      level,
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest, sync: true, ...(typeof dest === "string" ? { mkdir: true, append: true } : {}) }),
  );
  return wrap(Object.keys(bound).length > 0 ? p.child(safeFields(bound)) : p);
}
