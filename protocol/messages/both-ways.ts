import { encodeMacRoman } from "../macroman.ts";
import type { PayloadReader } from "../reader.ts";
import { type ChatHeader, readChatHeader, writeChatHeader } from "../structs/chat.ts";
import type { PayloadWriter } from "../writer.ts";
import {
  BOTH,
  type Codec,
  checkLength,
  empty,
  exactBytes,
  expectLength,
  MAX_LONG_NAME_LENGTH,
  MAX_TEXT_LENGTH,
} from "./codec.ts";
import type { BothWaysMessage, MessageOf } from "./types.ts";

/** Chat body: header, then sender name and text; the header length is computed here. */
function writeChat(w: PayloadWriter, header: ChatHeader, senderName: string, text: string): void {
  const name = encodeMacRoman(checkLength(senderName, MAX_LONG_NAME_LENGTH, "chat sender name"));
  const body = encodeMacRoman(checkLength(text, MAX_TEXT_LENGTH, "chat text"));
  writeChatHeader(w, header, name.byteLength + 1 + body.byteLength + 1);
  w.bytes(name).u8(0).bytes(body).u8(0);
}

/** The header length is reported as received but never used: the A1 client sends 0. */
function readChat(r: PayloadReader): { header: ChatHeader; senderName: string; text: string } {
  const header = readChatHeader(r);
  const senderName = r.cString("chat sender name", MAX_LONG_NAME_LENGTH);
  const text = r.cString("chat text", MAX_TEXT_LENGTH);
  r.end("chat");
  return { header, senderName, text };
}

export const BOTH_WAYS_CODECS = {
  200: {
    directions: BOTH,
    encode: (w, msg) => writeChat(w, msg.header, msg.senderName, msg.text),
    decode: (r) => ({ type: 200, ...readChat(r) }),
  },
  201: {
    directions: BOTH,
    encode(w, msg) {
      w.u32(msg.targetPlayerId).i32(msg.echo ? 1 : 0);
      writeChat(w, msg.header, msg.senderName, msg.text);
    },
    decode(r) {
      const targetPlayerId = r.u32("directed data target");
      const echo = r.i32("directed data echo") !== 0;
      return { type: 201, targetPlayerId, echo, ...readChat(r) };
    },
  },
  202: empty(BOTH, () => ({ type: 202 })),
  203: {
    directions: BOTH,
    encode: (w, msg) => exactBytes(w, msg.publicKey, 8, "session key"),
    decode(r) {
      expectLength(r, 8, "session key");
      return { type: 203, publicKey: r.bytesOf(8) };
    },
  },
} satisfies { [N in BothWaysMessage["type"]]: Codec<MessageOf<N>> };
