import type { Dialect } from "../dialect.ts";
import type { PayloadReader } from "../reader.ts";
import type { PayloadWriter } from "../writer.ts";
import type { Direction, Message, MessageOf } from "./types.ts";

/**
 * One message's codec. `decode` gets a reader over exactly the payload and must consume all
 * of it (fixed layouts call `r.end`); it reports bad input by throwing DecodeFailure through
 * the reader, which the caller turns into a Result.
 */
export interface Codec<M extends Message> {
  /** Which way the message travels; decoding it the other way is "unknown-type". */
  readonly directions: readonly Direction[];
  encode(w: PayloadWriter, msg: M, dialect: Dialect): void;
  decode(r: PayloadReader, dialect: Dialect): M;
}

export type CodecTable = { readonly [N in Message["type"]]: Codec<MessageOf<N>> };

export const TO_CLIENT: readonly Direction[] = ["to-client"];
export const TO_SERVER: readonly Direction[] = ["to-server"];
export const BOTH: readonly Direction[] = ["to-client", "to-server"];

/** A message with no payload. */
export function empty<M extends Message>(directions: readonly Direction[], make: () => M): Codec<M> {
  return {
    directions,
    encode() {},
    decode(r) {
      r.end("empty message");
      return make();
    },
  };
}

/** Fails unless exactly `n` bytes remain. */
export function expectLength(r: PayloadReader, n: number, what: string): void {
  if (r.remaining < n) r.fail("truncated", `${what}: payload is ${r.remaining} bytes, need ${n}`);
  if (r.remaining > n) r.fail("trailing", `${what}: payload is ${r.remaining} bytes, expected ${n}`);
}

/** Reads entries until the payload is used up. */
export function readAll<T>(r: PayloadReader, read: () => T): T[] {
  const out: T[] = [];
  while (r.remaining > 0) out.push(read());
  return out;
}

/** Copies `n` raw bytes, insisting on the exact size (tokens, salts, keys). */
export function exactBytes(w: PayloadWriter, bytes: Uint8Array, n: number, what: string): void {
  if (bytes.byteLength !== n) throw new RangeError(`${what} must be ${n} bytes, got ${bytes.byteLength}`);
  w.bytes(bytes);
}

/** Throws RangeError for a string over its limit (encoding it would be a programming error). */
export function checkLength(text: string, max: number, what: string): string {
  if (text.length > max) throw new RangeError(`${what}: ${text.length} characters, limit ${max}`);
  if (text.includes("\0")) throw new RangeError(`${what}: contains a NUL character`);
  return text;
}

/** Free text (MOTD, chat, kick reasons, server messages): generous, well under a packet. */
export const MAX_TEXT_LENGTH = 1023;
/** Names in fixed 32-byte fields and most short strings. */
export const MAX_NAME_LENGTH = 31;
/** Map names, order names, profile strings, A1 chat names with an away prefix. */
export const MAX_LONG_NAME_LENGTH = 63;
