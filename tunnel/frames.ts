/**
 * Packet frames: a binary frame carries exactly one whole legacy packet (8-byte header +
 * plaintext payload) in either direction; the bridge encrypts and decrypts, the edge never
 * sees ciphertext. This module is where frames are made and checked on both sides, so a
 * change of framing (several packets or recipients per frame) touches this file only.
 */
import { decodeHeader, HEADER_SIZE } from "../protocol/header.ts";
import { fail, ok, type Result } from "../protocol/result.ts";

/** The packet a binary frame carries, checked to be exactly one whole packet. */
export function packetOfFrame(frame: ArrayBuffer | Uint8Array): Result<Uint8Array> {
  const packet = frame instanceof Uint8Array ? frame : new Uint8Array(frame);
  const header = decodeHeader(packet, Math.max(packet.byteLength, HEADER_SIZE));
  if (!header.ok) return { ok: false, error: header.error };
  if (header.value.length !== packet.byteLength) {
    return fail("bad-length", `frame of ${packet.byteLength} bytes is not exactly one packet (${header.value.length})`);
  }
  return ok(packet);
}

/** The frame that carries one packet. */
export function frameOfPacket(packet: Uint8Array): Uint8Array {
  return packet;
}
