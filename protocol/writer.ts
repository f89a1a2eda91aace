import { encodeMacRoman } from "./macroman.ts";

/** Growable big-endian writer. `finish()` returns exactly the bytes written. */
export class PayloadWriter {
  private buf: Uint8Array;
  private view: DataView;
  private length = 0;

  constructor(initialSize = 256) {
    this.buf = new Uint8Array(initialSize);
    this.view = new DataView(this.buf.buffer);
  }

  get size(): number {
    return this.length;
  }

  /** Grows the buffer; callers must take `this.buf`/`this.view` only after calling it. */
  private reserve(n: number): number {
    const at = this.length;
    const needed = at + n;
    if (needed > this.buf.byteLength) {
      const next = new Uint8Array(Math.max(needed, this.buf.byteLength * 2));
      next.set(this.buf.subarray(0, at));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.length = needed;
    return at;
  }

  u8(v: number): this {
    const at = this.reserve(1);
    this.view.setUint8(at, v);
    return this;
  }
  i8(v: number): this {
    const at = this.reserve(1);
    this.view.setInt8(at, v);
    return this;
  }
  u16(v: number): this {
    const at = this.reserve(2);
    this.view.setUint16(at, v);
    return this;
  }
  i16(v: number): this {
    const at = this.reserve(2);
    this.view.setInt16(at, v);
    return this;
  }
  u32(v: number): this {
    const at = this.reserve(4);
    this.view.setUint32(at, v >>> 0);
    return this;
  }
  i32(v: number): this {
    const at = this.reserve(4);
    this.view.setInt32(at, v | 0);
    return this;
  }

  bytes(data: Uint8Array): this {
    const at = this.reserve(data.byteLength);
    this.buf.set(data, at);
    return this;
  }

  /** `n` copies of `fill` (zero by default). */
  pad(n: number, fill = 0): this {
    const at = this.reserve(n);
    this.buf.fill(fill, at, at + n);
    return this;
  }

  /** Mac Roman text followed by a NUL. */
  cString(text: string): this {
    return this.bytes(encodeMacRoman(text)).u8(0);
  }

  /**
   * Mac Roman text NUL-padded to exactly `size` bytes; text longer than size-1 is cut so a
   * NUL always ends the field.
   */
  fixedString(text: string, size: number, fill = 0): this {
    const encoded = encodeMacRoman(text).subarray(0, size - 1);
    this.bytes(encoded);
    this.u8(0);
    return this.pad(size - encoded.byteLength - 1, fill);
  }

  /** Overwrites an i16 written earlier at `at` (a length known only once what follows is written). */
  setI16(at: number, v: number): this {
    this.view.setInt16(at, v);
    return this;
  }
  setI32(at: number, v: number): this {
    this.view.setInt32(at, v | 0);
    return this;
  }

  /** Forgets what was written, keeping the buffer, so one writer can serve many short encodes. */
  reset(): this {
    this.length = 0;
    return this;
  }

  /** The bytes written so far, not copied: valid only until the next write or reset. */
  written(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
