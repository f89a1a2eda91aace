import { fail, ok, type Result } from "./result.ts";
import type { PayloadWriter } from "./writer.ts";

/** Every packet starts with this 8-byte header (PROTOCOL.md §1.1). */
export const PACKET_IDENTIFIER = 0xdead;
export const HEADER_SIZE = 8;
/** GoS never builds a packet larger than this: the Myth client keeps lengths in 16-bit shorts. */
export const MAX_OUTBOUND_PACKET_SIZE = 8096;
/** Default inbound limit; configurable per splitter. */
export const DEFAULT_MAX_INBOUND_PACKET_SIZE = 8192;

export interface PacketHeader {
  readonly type: number;
  /** Total length including the header. */
  readonly length: number;
}

/** A whole packet: type plus its payload (plaintext, already decrypted where that applies). */
export interface Packet {
  readonly type: number;
  readonly payload: Uint8Array;
}

export function decodeHeader(bytes: Uint8Array, maxLength = DEFAULT_MAX_INBOUND_PACKET_SIZE): Result<PacketHeader> {
  if (bytes.byteLength < HEADER_SIZE) return fail("truncated", `header needs ${HEADER_SIZE} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_SIZE);
  const magic = view.getUint16(0);
  if (magic !== PACKET_IDENTIFIER) return fail("bad-magic", `packet identifier 0x${magic.toString(16)} is not 0xdead`);
  const type = view.getInt16(2);
  const length = view.getInt32(4);
  if (length < HEADER_SIZE) return fail("bad-length", `length ${length} is shorter than the header`);
  if (length > maxLength) return fail("bad-length", `length ${length} exceeds the limit of ${maxLength}`);
  return ok({ type, length });
}

/** The type field of a raw packet (header included), or null when it is shorter than a header. */
export function packetTypeOf(packet: Uint8Array): number | null {
  if (packet.byteLength < HEADER_SIZE) return null;
  return new DataView(packet.buffer, packet.byteOffset, HEADER_SIZE).getInt16(2);
}

/**
 * Starts a packet at the beginning of an empty writer: the header, its length filled in by
 * finishPacket. Writing the payload straight after it saves copying the payload into a frame.
 */
export function beginPacket(w: PayloadWriter, type: number): void {
  w.u16(PACKET_IDENTIFIER).i16(type).i32(0);
}

/** Fills in the length of the packet begun with beginPacket and returns its bytes. */
export function finishPacket(w: PayloadWriter): Uint8Array {
  return w.setI32(4, w.size).finish();
}

/** Frames a payload: header + payload in one new buffer. */
export function encodePacket(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + payload.byteLength);
  const view = new DataView(out.buffer);
  view.setUint16(0, PACKET_IDENTIFIER);
  view.setInt16(2, type);
  view.setInt32(4, out.byteLength);
  out.set(payload, HEADER_SIZE);
  return out;
}
