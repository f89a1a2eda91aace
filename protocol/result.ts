/**
 * Decoders never throw on bad input: they return a Result whose error says what was wrong.
 * The caller decides how to answer (usually server_message + close).
 */
export type DecodeErrorKind =
  | "truncated" // fewer bytes than the layout needs
  | "trailing" // more bytes than the layout allows
  | "bad-magic" // header identifier is not 0xDEAD
  | "bad-length" // header length field is impossible or over the limit
  | "unterminated" // a C string with no NUL before the end of its field or payload
  | "too-long" // a string or blob over its protocol limit
  | "out-of-range" // an enum or count outside its legal values
  | "unknown-type" // a message type this dialect/direction does not have
  | "bad-checksum"; // session cipher check bytes did not match

export interface DecodeError {
  readonly kind: DecodeErrorKind;
  readonly message: string;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DecodeError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(kind: DecodeErrorKind, message: string): Result<T> => ({
  ok: false,
  error: { kind, message },
});

/** Thrown only inside a decoder and turned into a Result at its boundary by `decodeWith`. */
export class DecodeFailure extends Error {
  constructor(readonly error: DecodeError) {
    super(error.message);
  }
}

/** Runs a decoder that may throw DecodeFailure (from PayloadReader) and returns a Result. */
export function decodeWith<T>(fn: () => T): Result<T> {
  try {
    return ok(fn());
  } catch (e) {
    if (e instanceof DecodeFailure) return { ok: false, error: e.error };
    throw e; // a programming error, not bad input
  }
}
