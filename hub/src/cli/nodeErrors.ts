/**
 * What cosmjs throws when talking to a node, as CliErrors a user can act on: an unreachable node names
 * its URL and what to do, the SDK's "insufficient funds" says what the account has and needs.
 */
import { CliError } from "./cliError.js";

/** Where in a command the error came from. */
export interface NodeErrorContext {
  /** The node's RPC URL. */
  url: string;
  /** "query": a plain query; "simulate": the gas estimate of a transaction (an ABCI query too). */
  stage: "query" | "simulate" | "broadcast";
  /** The signer, for insufficient funds: its key name and address. */
  signer?: { name: string; address: string };
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "ECONNRESET", "EPIPE", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_SOCKET", "UND_ERR_HEADERS_TIMEOUT"]);
const SDK_INSUFFICIENT_FUNDS = 5;
const SDK_NOT_FOUND = 22;
const QUERY_FAILED_RE = /^Query failed with \((\d+)\): ([\s\S]*)$/;
const SPENDABLE_RE = /spendable balance ([^\s:]*) is smaller than ([^\s:]+)/;

/** The innermost cause's `code` and message (undici puts the socket error in `cause`). */
function rootCause(e: unknown): { code?: string; message: string } {
  let cur = e as { cause?: unknown; code?: unknown; message?: unknown } | undefined;
  for (let i = 0; i < 5 && cur && typeof cur === "object" && cur.cause && typeof cur.cause === "object"; i++) cur = cur.cause as typeof cur;
  return { code: typeof cur?.code === "string" ? cur.code : undefined, message: typeof cur?.message === "string" ? cur.message : String(cur) };
}

/** An Error from any realm (undici's come from Node's own, not a test VM's). */
function isErrorLike(e: unknown): e is Error {
  return typeof e === "object" && e !== null && typeof (e as Error).message === "string";
}

export function isUnreachableError(e: unknown): boolean {
  if (!isErrorLike(e)) return false;
  const cause = rootCause(e);
  if (cause.code && NETWORK_CODES.has(cause.code)) return true;
  return e.message === "fetch failed" || e.name === "TimeoutError" || /socket hang up|ECONNREFUSED/.test(e.message);
}

export function unreachableError(url: string, reason: string): CliError {
  return new CliError(
    { code: "CLI_ERROR_NODE_UNREACHABLE", url, reason },
    `cannot reach the node at ${url} (${reason}): start the devnet (npm run devnet) or a node (aegis hub start), or pass --node <rpc url>`,
  );
}

function insufficientFunds(log: string, ctx: NodeErrorContext): CliError {
  const m = SPENDABLE_RE.exec(log);
  const have = m?.[1] || "0";
  const need = m?.[2] ?? "more";
  const who = ctx.signer ? `${ctx.signer.name} (${ctx.signer.address})` : "the account";
  return new CliError(
    { code: "CLI_ERROR_INSUFFICIENT_FUNDS", address: ctx.signer?.address ?? "", have, need },
    `insufficient funds: ${who} has ${have} but needs ${need} (the node refused: ${log})`,
  );
}

/** The CliError for `e`, or `e` itself when it is already one or nothing better can be said. */
export function toCliError(e: unknown, ctx: NodeErrorContext): unknown {
  if (e instanceof CliError || !isErrorLike(e)) return e;
  if (/Failed to parse URL|Invalid URL/i.test(e.message) || (e as { code?: string }).code === "ERR_INVALID_URL") {
    return new CliError({ code: "CLI_ERROR_INVALID_OPTION", option: "--node", value: ctx.url, reason: "not a URL" }, `--node ${JSON.stringify(ctx.url)} is not a URL (e.g. http://127.0.0.1:26756/rpc)`);
  }
  if (isUnreachableError(e)) {
    const c = rootCause(e);
    return unreachableError(ctx.url, c.message && c.message !== "undefined" ? c.message : (c.code ?? e.message));
  }
  const status = /^Bad status on response: (\d+)/.exec(e.message);
  if (status) {
    return unreachableError(ctx.url, `it answered HTTP ${status[1]}; is this a node's CometBFT RPC, such as http://127.0.0.1:26756/rpc?`);
  }
  const q = QUERY_FAILED_RE.exec(e.message);
  if (q) {
    const abciCode = Number(q[1]);
    const log = q[2]!;
    if (abciCode === SDK_INSUFFICIENT_FUNDS && ctx.stage !== "query") return insufficientFunds(log, ctx);
    if (ctx.stage === "simulate") {
      return new CliError({ code: "CLI_ERROR_TX_REFUSED", stage: "simulate", abciCode, codespace: "sdk", log }, `the node refused the transaction in simulation (code ${abciCode}): ${log}; nothing was broadcast`);
    }
    if (abciCode === SDK_NOT_FOUND) return new CliError({ code: "CLI_ERROR_NOT_FOUND", what: log }, `not found: ${log.replace(/^rpc error: code = NotFound desc = /, "")}`);
    return new CliError({ code: "CLI_ERROR_QUERY_FAILED", abciCode, log }, `the node refused the query (code ${abciCode}): ${log}`);
  }
  // cosmjs' BroadcastTxError: CheckTx refused the transaction.
  const b = e as Error & { code?: unknown; codespace?: unknown; log?: unknown };
  if (b.name === "BroadcastTxError" || (typeof b.code === "number" && typeof b.codespace === "string")) {
    const abciCode = Number(b.code);
    const log = typeof b.log === "string" ? b.log : e.message;
    if (abciCode === SDK_INSUFFICIENT_FUNDS && b.codespace === "sdk") return insufficientFunds(log, ctx);
    return new CliError(
      { code: "CLI_ERROR_TX_REFUSED", stage: "check", abciCode, codespace: String(b.codespace), log },
      `the node refused the transaction (code ${abciCode}, codespace ${String(b.codespace)}): ${log}`,
    );
  }
  return e;
}

/** A transaction that failed in its block (DeliverTx code ≠ 0): what to tell the user. */
export function getDeliverTxError(r: { code: number; height: number; transactionHash: string; rawLog?: string }, ctx: NodeErrorContext): CliError {
  const log = r.rawLog ?? "";
  if (r.code === SDK_INSUFFICIENT_FUNDS && SPENDABLE_RE.test(log)) return insufficientFunds(log, ctx);
  return new CliError(
    { code: "CLI_ERROR_TX_REFUSED", stage: "deliver", abciCode: r.code, codespace: "", log },
    `transaction ${r.transactionHash} failed in block ${r.height} (code ${r.code}): ${log} (its fee was paid)`,
  );
}
