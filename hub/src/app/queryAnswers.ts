import { TxError } from "../tx/index.js";

/**
 * ABCI query answers as the Cosmos SDK's baseapp gives them for a gRPC query path: a handler's gRPC
 * status becomes a root error wrapped with the status text (`gRPCErrorToSDKError`), so the log is
 * "rpc error: code = <Code> desc = <message>: <root description>":
 *
 * | gRPC code | ABCI code | root error |
 * |---|---|---|
 * | NotFound | 22 | key not found |
 * | InvalidArgument, FailedPrecondition | 18 | invalid request |
 * | Unauthenticated | 4 | unauthorized |
 * | anything else (Internal, Unknown …) | 6 | unknown request |
 *
 * An error without a gRPC status (a request that does not decode) is 18 with its own text.
 */
export interface QueryAnswer {
  code: number;
  codespace?: string;
  log?: string;
  value?: Uint8Array;
  height: number;
}

export function answerOk(value: Uint8Array, height: number): QueryAnswer {
  return { code: 0, value, height };
}

/** gRPC NotFound: code 22, "rpc error: code = NotFound desc = <message>: key not found" (what cosmjs's getAccount/getDelegation look for). */
export function answerNotFound(message: string, height: number): QueryAnswer {
  return { code: 22, codespace: "sdk", log: `rpc error: code = NotFound desc = ${message}: key not found`, height };
}

/** gRPC InvalidArgument: code 18. */
export function answerInvalidArgument(message: string, height: number): QueryAnswer {
  return { code: 18, codespace: "sdk", log: `rpc error: code = InvalidArgument desc = ${message}: invalid request`, height };
}

/** gRPC Internal (the SDK wraps some store errors, a missing redelegation among them, as Internal): code 6. */
export function answerInternal(message: string, height: number): QueryAnswer {
  return { code: 6, codespace: "sdk", log: `rpc error: code = Internal desc = ${message}: unknown request`, height };
}

/** An error that is no gRPC status (a request that does not decode): code 18 with its text. */
export function answerInvalidRequest(message: string, height: number): QueryAnswer {
  return { code: 18, codespace: "sdk", log: `${message}: invalid request`, height };
}

/** What a thrown error answers: a TxError (a malformed address: 7) its own code, anything else 18. */
export function answerError(e: unknown, height: number): QueryAnswer {
  if (e instanceof TxError) return { ...e.toAbci(), height };
  return answerInvalidRequest((e as Error).message ?? String(e), height);
}
