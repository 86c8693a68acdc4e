/**
 * Typed errors with stable codes. Callers switch on `err.type.code`; metrics label by it.
 * Never reuse a retired code.
 */
export class AegisError<T extends { code: string }> extends Error {
  constructor(
    readonly type: T,
    message?: string,
  ) {
    super(message ?? type.code);
    this.name = new.target.name;
  }
  get code(): T["code"] {
    return this.type.code;
  }
}

export type EncodingErrorType =
  | { code: "ENCODING_ERROR_INVALID_LENGTH"; field: string; expected: number; actual: number }
  | { code: "ENCODING_ERROR_OUT_OF_RANGE"; field: string; value: string }
  | { code: "ENCODING_ERROR_INVALID_HEX"; field: string };

export class EncodingError extends AegisError<EncodingErrorType> {}
