/**
 * Typed network errors with stable codes. Callers switch on `err.type.code`.
 * Never reuse a retired code.
 */
export type NetworkErrorType =
  /** The request did not complete (dial + write + response) within the deadline. */
  | { code: "NETWORK_ERROR_TIMEOUT"; timeoutMs: number }
  /** A payload (gossip message, request or response frame) exceeded `maxMessageBytes`. */
  | { code: "NETWORK_ERROR_MESSAGE_TOO_LARGE"; size?: number; limit: number }
  /** The peer could not be dialled (no known address, connection refused, ...). */
  | { code: "NETWORK_ERROR_PEER_UNREACHABLE"; peer: string }
  /** The peer does not serve the requested protocol. */
  | { code: "NETWORK_ERROR_UNSUPPORTED_PROTOCOL"; peer: string; protocol: string }
  /** The remote handler failed (threw, or produced an oversized response). */
  | { code: "NETWORK_ERROR_REMOTE"; peer: string; protocol: string }
  /** Malformed framing, stream reset, premature end of stream, ... */
  | { code: "NETWORK_ERROR_PROTOCOL"; peer?: string; protocol?: string }
  /** A bad argument such as an unparsable peer id or multiaddr. */
  | { code: "NETWORK_ERROR_INVALID_ARGUMENT"; field: string }
  /** The network has not been started, or has been stopped. */
  | { code: "NETWORK_ERROR_NOT_STARTED" };

export type NetworkErrorCode = NetworkErrorType["code"];

export class NetworkError extends Error {
  constructor(
    readonly type: NetworkErrorType,
    message?: string,
    options?: { cause?: unknown },
  ) {
    super(message ?? type.code, options);
    this.name = "NetworkError";
  }

  get code(): NetworkErrorCode {
    return this.type.code;
  }
}

export function isNetworkError(err: unknown, code?: NetworkErrorCode): err is NetworkError {
  return err instanceof NetworkError && (code === undefined || err.type.code === code);
}
