import type { PayloadReader } from "../reader.ts";
import type { PayloadWriter } from "../writer.ts";
import { type RgbColor, readRgbColor, writeRgbColor } from "./rgb-color.ts";

export const CHAT_HEADER_SIZE = 24;
/** chat header type 0 = plain chat; A1 drops anything else. */
export const CHAT_TYPE_CHAT = 0;
/** Chat header flags (A1). */
export const ChatFlag = { Directed: 0x1 } as const;

/** Chat header (§5.17), 24 bytes, before the sender name and message C strings. */
export interface ChatHeader {
  readonly chatType: number;
  /**
   * The length field as received. Never trusted (the A1 client sends 0) and ignored on encode:
   * the encoder writes 24 + name + 1 + text + 1.
   */
  readonly length?: number;
  readonly color: RgbColor;
  readonly flags: number;
  readonly playerId: number;
  /** The player the sender has selected (target of dot commands). */
  readonly selectedPlayerId: number;
}

export function readChatHeader(r: PayloadReader, what = "chat header"): ChatHeader {
  const chatType = r.i16(what);
  const length = r.u16(what);
  const color = readRgbColor(r, what);
  const flags = r.u16(what);
  r.skip(2, what);
  const playerId = r.u32(what);
  const selectedPlayerId = r.u32(what);
  return { chatType, length, color, flags, playerId, selectedPlayerId };
}

export function writeChatHeader(w: PayloadWriter, h: ChatHeader, bodyLength: number): void {
  w.i16(h.chatType).u16(CHAT_HEADER_SIZE + bodyLength);
  writeRgbColor(w, h.color);
  w.u16(h.flags).u16(0).u32(h.playerId).u32(h.selectedPlayerId);
}
