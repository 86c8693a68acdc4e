/**
 * The shape of the JSON-RPC answers (hub/src/rpc/cometRpc.ts) that the fuzz suites check: JSON-RPC
 * 2.0 response objects whose errors carry CometBFT's codes. HTTP 500 only for the parse error
 * (-32700), as CometBFT answers it; 413 with -32600 for a body over the limit; 200 otherwise.
 */
import type { RawAnswer } from "../../../test/helpers/httpFuzz.js";

export const RPC_ERROR_CODES = [-32700, -32600, -32601, -32602, -32603] as const;
export type RpcErrorCode = (typeof RPC_ERROR_CODES)[number];

export interface RpcResponse {
  jsonrpc: "2.0";
  id: number | string | null;
  result?: unknown;
  error?: { code: RpcErrorCode; message: string; data: string };
}

const MESSAGES: Record<RpcErrorCode, string> = {
  [-32700]: "Parse error. Invalid JSON",
  [-32600]: "Invalid Request",
  [-32601]: "Method not found",
  [-32602]: "Invalid params",
  [-32603]: "Internal error",
};

/** One JSON-RPC response object: jsonrpc "2.0", an id, exactly one of result and error, an error with a known code and its message. */
export function assertRpcResponse(x: unknown): RpcResponse {
  if (typeof x !== "object" || x === null || Array.isArray(x)) throw new Error(`not a JSON-RPC response object: ${JSON.stringify(x)?.slice(0, 200)}`);
  const r = x as Record<string, unknown>;
  const keys = Object.keys(r).sort().join(",");
  if (keys !== "id,jsonrpc,result" && keys !== "error,id,jsonrpc") throw new Error(`JSON-RPC response with keys ${keys}`);
  if (r.jsonrpc !== "2.0") throw new Error(`jsonrpc ${JSON.stringify(r.jsonrpc)}`);
  if (!(r.id === null || typeof r.id === "number" || typeof r.id === "string")) throw new Error(`id ${JSON.stringify(r.id)}`);
  if ("error" in r) {
    const e = r.error as Record<string, unknown>;
    if (typeof e !== "object" || e === null || Object.keys(e).sort().join(",") !== "code,data,message") throw new Error(`error ${JSON.stringify(e)}`);
    if (!(RPC_ERROR_CODES as readonly unknown[]).includes(e.code)) throw new Error(`error code ${JSON.stringify(e.code)}`);
    if (e.message !== MESSAGES[e.code as RpcErrorCode]) throw new Error(`error ${e.code} with message ${JSON.stringify(e.message)}`);
    if (typeof e.data !== "string" || e.data.length > 400) throw new Error(`error data ${JSON.stringify(e.data)?.slice(0, 100)} (a string of at most 400 characters)`);
  }
  return r as unknown as RpcResponse;
}

/** An HTTP answer of the JSON-RPC routes (`json`: its parsed body). */
export function assertRpcAnswer(a: RawAnswer, json: unknown): RpcResponse[] {
  if (!/^application\/json/.test(a.headers["content-type"] ?? "")) throw new Error(`JSON-RPC answer with content-type ${a.headers["content-type"]}`);
  const list = Array.isArray(json) ? json.map(assertRpcResponse) : [assertRpcResponse(json)];
  const codes = list.map((r) => r.error?.code);
  if (a.status === 500 && !(list.length === 1 && codes[0] === -32700)) throw new Error(`HTTP 500 that is not the parse error: ${a.body.subarray(0, 200).toString("utf8")}`);
  if (a.status === 413 && !(list.length === 1 && codes[0] === -32600)) throw new Error(`HTTP 413 without -32600: ${a.body.subarray(0, 200).toString("utf8")}`);
  if (a.status !== 200 && a.status !== 500 && a.status !== 413 && !(a.status >= 400 && a.status < 500 && codes[0] === -32600)) throw new Error(`JSON-RPC answer with HTTP ${a.status}`);
  if (codes[0] === -32700 && a.status !== 500) throw new Error(`parse error with HTTP ${a.status}`);
  return list;
}
