import { clipUserInput } from "../httpServerLimits.js";

/** gRPC status codes (google.golang.org/grpc/codes), the `code` of a gateway error body. */
export const GrpcCode = {
  OK: 0,
  Canceled: 1,
  Unknown: 2,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  Aborted: 10,
  OutOfRange: 11,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
  DataLoss: 15,
  Unauthenticated: 16,
} as const;
export type GrpcCode = (typeof GrpcCode)[keyof typeof GrpcCode];

/**
 * The HTTP status the SDK's gateway (grpc-gateway v1.16, runtime.HTTPStatusFromCode) answers each
 * gRPC code with.
 */
export const GATEWAY_HTTP_STATUS: Readonly<Record<GrpcCode, number>> = {
  0: 200,
  1: 408,
  2: 500,
  3: 400,
  4: 504,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 412,
  10: 409,
  11: 400,
  12: 501,
  13: 500,
  14: 503,
  15: 500,
  16: 401,
};

/** The gateway's error body: a google.rpc.Status in JSON. */
export interface GatewayErrorJson {
  code: GrpcCode;
  message: string;
  details: unknown[];
}

/** The longest message of a gateway error body: whatever it quotes, no more than this of it is sent. */
const MAX_GATEWAY_MESSAGE = 300;

/** A refusal of a gateway route: its gRPC code, and the HTTP status the gateway gives that code unless `httpStatus` says otherwise. */
export class GatewayError extends Error {
  constructor(
    readonly code: GrpcCode,
    message: string,
    readonly httpStatus: number = GATEWAY_HTTP_STATUS[code],
  ) {
    super(message);
  }

  toJson(): GatewayErrorJson {
    return { code: this.code, message: clipUserInput(this.message, MAX_GATEWAY_MESSAGE), details: [] };
  }
}

/** ABCI codes of the SDK's root codespace that the gateway maps (types/errors/errors.go). */
const SDK_INVALID_ADDRESS = 7;
const SDK_UNKNOWN_REQUEST = 6;
const SDK_UNAUTHORIZED = 4;
const SDK_INVALID_REQUEST = 18;
const SDK_KEY_NOT_FOUND = 22;
const SDK_NOT_FOUND = 38;

/**
 * A failed ABCI query as the gateway reports it. The SDK's gateway reaches its gRPC services through
 * an ABCI query too, and maps the answer's code back with `sdkErrorToGRPCError`
 * (client/grpc_query.go): 18 invalid request → InvalidArgument, 4 unauthorized → Unauthenticated,
 * 22 key not found (and 38 not found) → NotFound, anything else → Unknown; the message is the
 * query's log. Two additions:
 * - 6 "unknown query path": the query is not served, so neither is the route: Unimplemented (501),
 *   what the gateway answers for a service it has no handler of.
 * - 7 invalid address: a query the SDK answers refuses a bad address with InvalidArgument (18); the
 *   hub's queries say 7, so it is mapped where the SDK's code would have been.
 */
export function createGatewayErrorFromAbci(r: { code: number; codespace?: string; log?: string }): GatewayError {
  const log = r.log ?? "";
  if ((r.codespace ?? "sdk") === "sdk") {
    switch (r.code) {
      case SDK_INVALID_REQUEST:
      case SDK_INVALID_ADDRESS:
        return new GatewayError(GrpcCode.InvalidArgument, log);
      case SDK_UNAUTHORIZED:
        return new GatewayError(GrpcCode.Unauthenticated, log);
      case SDK_KEY_NOT_FOUND:
      case SDK_NOT_FOUND:
        return new GatewayError(GrpcCode.NotFound, log);
      case SDK_UNKNOWN_REQUEST:
        if (/^unknown query path /.test(log)) return new GatewayError(GrpcCode.Unimplemented, log);
        break;
    }
  }
  return new GatewayError(GrpcCode.Unknown, log);
}
