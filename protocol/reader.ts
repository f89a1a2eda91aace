import { decodeMacRoman } from "./macroman.ts";
import { type DecodeErrorKind, DecodeFailure } from "./result.ts";

/**
 * Bounds-checked big-endian reader over one payload. Every read past the end raises a
 * DecodeFailure, which `decodeWith` turns into a typed error; nothing here allocates more
 * than the bytes it was given.
 */
export class PayloadReader {
  private readonly view: DataView;
  offset = 0;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.byteLength - this.offset;
  }

  fail(kind: DecodeErrorKind, message: string): never {
    throw new DecodeFailure({ kind, message });
  }

  private need(n: number, what: string): void {
    if (this.remaining < n) {
      this.fail("truncated", `${what}: need ${n} bytes at offset ${this.offset}, have ${this.remaining}`);
    }
  }

  u8(what = "u8"): number {
    this.need(1, what);
    return this.view.getUint8(this.offset++);
  }
  i8(what = "i8"): number {
    this.need(1, what);
    return this.view.getInt8(this.offset++);
  }
  u16(what = "u16"): number {
    this.need(2, what);
    const v = this.view.getUint16(this.offset);
    this.offset += 2;
    return v;
  }
  i16(what = "i16"): number {
    this.need(2, what);
    const v = this.view.getInt16(this.offset);
    this.offset += 2;
    return v;
  }
  u32(what = "u32"): number {
    this.need(4, what);
    const v = this.view.getUint32(this.offset);
    this.offset += 4;
    return v;
  }
  i32(what = "i32"): number {
    this.need(4, what);
    const v = this.view.getInt32(this.offset);
    this.offset += 4;
    return v;
  }

  /** A copy of the next n bytes. */
  bytesOf(n: number, what = "bytes"): Uint8Array {
    this.need(n, what);
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  skip(n: number, what = "padding"): void {
    this.need(n, what);
    this.offset += n;
  }

  /** Everything left, copied. */
  rest(): Uint8Array {
    return this.bytesOf(this.remaining, "rest");
  }

  /** A NUL-terminated Mac Roman string; `max` is the most characters allowed before the NUL. */
  cString(what: string, max = 255): string {
    const end = this.bytes.indexOf(0, this.offset);
    if (end < 0) this.fail("unterminated", `${what}: no NUL terminator`);
    const length = end - this.offset;
    if (length > max) this.fail("too-long", `${what}: ${length} characters, limit ${max}`);
    const text = decodeMacRoman(this.bytes.subarray(this.offset, end));
    this.offset = end + 1;
    return text;
  }

  /**
   * A C string that may also end at the end of the payload without a NUL (GoS reads the
   * password this way).
   */
  cStringOrEnd(what: string, max = 255): string {
    let end = this.bytes.indexOf(0, this.offset);
    const terminated = end >= 0;
    if (!terminated) end = this.bytes.byteLength;
    const length = end - this.offset;
    if (length > max) this.fail("too-long", `${what}: ${length} characters, limit ${max}`);
    const text = decodeMacRoman(this.bytes.subarray(this.offset, end));
    this.offset = terminated ? end + 1 : end;
    return text;
  }

  /** A fixed-size NUL-padded field: the text up to the first NUL (the field must hold one). */
  fixedString(size: number, what: string): string {
    this.need(size, what);
    const field = this.bytes.subarray(this.offset, this.offset + size);
    const nul = field.indexOf(0);
    if (nul < 0) this.fail("unterminated", `${what}: ${size}-byte field has no NUL`);
    this.offset += size;
    return decodeMacRoman(field.subarray(0, nul));
  }

  /** Fails if bytes remain: layouts with a fixed size reject trailing garbage. */
  end(what: string): void {
    if (this.remaining !== 0) this.fail("trailing", `${what}: ${this.remaining} unexpected trailing bytes`);
  }
}
