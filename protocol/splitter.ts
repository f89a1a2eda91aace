import { DEFAULT_MAX_INBOUND_PACKET_SIZE, decodeHeader, HEADER_SIZE } from "./header.ts";
import { type DecodeError, ok, type Result } from "./result.ts";

export interface PacketSplitterOptions {
  /** Largest total packet length (header included) accepted; longer announcements fail. */
  readonly maxPacketSize?: number;
}

/**
 * Cuts a TCP byte stream into whole raw packets (8-byte header included), PROTOCOL.md §1.1.
 *
 * Each packet is assembled in its own buffer, sized from the header once the header is
 * complete, so nothing is ever re-concatenated and at most one packet (≤ maxPacketSize) is
 * held between pushes. A bad identifier or an impossible length poisons the splitter: the
 * stream can no longer be resynchronised, so every later push returns the same error.
 */
export class PacketSplitter {
  readonly maxPacketSize: number;
  private readonly header = new Uint8Array(HEADER_SIZE);
  private headerFilled = 0;
  /** The packet being assembled once its header is known (header already copied in). */
  private packet: Uint8Array | null = null;
  private packetFilled = 0;
  private error: DecodeError | null = null;

  constructor(options: PacketSplitterOptions = {}) {
    const max = options.maxPacketSize ?? DEFAULT_MAX_INBOUND_PACKET_SIZE;
    if (!Number.isInteger(max) || max < HEADER_SIZE) {
      throw new RangeError(`maxPacketSize must be an integer ≥ ${HEADER_SIZE}, got ${max}`);
    }
    this.maxPacketSize = max;
  }

  /** True once the stream was found corrupt; the connection should be closed. */
  get failed(): boolean {
    return this.error !== null;
  }

  /** Bytes held for an incomplete packet. */
  get buffered(): number {
    return this.packet ? this.packetFilled : this.headerFilled;
  }

  push(chunk: Uint8Array): Result<Uint8Array[]> {
    if (this.error) return { ok: false, error: this.error };
    const packets: Uint8Array[] = [];
    let at = 0;
    while (at < chunk.byteLength) {
      if (this.packet === null) {
        // Fast path: a whole header sits in the chunk and nothing is pending.
        let headerBytes: Uint8Array;
        if (this.headerFilled === 0 && chunk.byteLength - at >= HEADER_SIZE) {
          headerBytes = chunk.subarray(at, at + HEADER_SIZE);
          at += HEADER_SIZE;
        } else {
          const n = Math.min(HEADER_SIZE - this.headerFilled, chunk.byteLength - at);
          this.header.set(chunk.subarray(at, at + n), this.headerFilled);
          this.headerFilled += n;
          at += n;
          if (this.headerFilled < HEADER_SIZE) break;
          headerBytes = this.header;
        }
        this.headerFilled = 0;
        const header = decodeHeader(headerBytes, this.maxPacketSize);
        if (!header.ok) {
          this.error = header.error;
          return { ok: false, error: header.error };
        }
        this.packet = new Uint8Array(header.value.length);
        this.packet.set(headerBytes);
        this.packetFilled = HEADER_SIZE;
      }
      const n = Math.min(this.packet.byteLength - this.packetFilled, chunk.byteLength - at);
      this.packet.set(chunk.subarray(at, at + n), this.packetFilled);
      this.packetFilled += n;
      at += n;
      if (this.packetFilled === this.packet.byteLength) {
        packets.push(this.packet);
        this.packet = null;
        this.packetFilled = 0;
      }
    }
    return ok(packets);
  }
}
