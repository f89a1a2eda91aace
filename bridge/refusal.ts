/**
 * Tells a client it was refused for a limit, in a form it can show (§9 server_message), then
 * closes. The bridge cannot know the client's family before its first packet, so it waits for
 * one (briefly): a 203 session key gets our key back and an encrypted message in the Gate of
 * Storms layout; anything else a plaintext message in the Bungie layout (Aleph One shows its
 * text). Refusals in progress are bounded; past that a refused socket is just closed.
 */
import type { Socket } from "node:net";
import { createKeyPair, deriveSessionKey, SessionCipher } from "../protocol/cipher.ts";
import type { Dialect } from "../protocol/dialect.ts";
import { encodePacket, HEADER_SIZE, packetTypeOf } from "../protocol/header.ts";
import { MessageType } from "../protocol/message-types.ts";
import { encodeMessage, type ServerMessageCode } from "../protocol/messages.ts";
import { PacketSplitter } from "../protocol/splitter.ts";

/** How long a refused client has to send its first packet. */
const FIRST_PACKET_MS = 5_000;
const LINGER_MS = 2_000;
const KEY_GAP_MS = 50;
const MAX_REFUSALS_IN_PROGRESS = 256;
let inProgress = 0;

const allocate = (size: number): Uint8Array => Buffer.allocUnsafe(size);

/** A server_message for a client in this dialect. */
export function serverMessagePacket(code: ServerMessageCode, text: string, dialect: Dialect): Uint8Array {
  return encodeMessage({ type: MessageType.ServerMessage, code, text: text.slice(0, 127) }, dialect);
}

export function refuse(socket: Socket, code: ServerMessageCode, text: string): void {
  if (inProgress >= MAX_REFUSALS_IN_PROGRESS) {
    socket.destroy();
    return;
  }
  inProgress++;
  socket.once("close", () => inProgress--);
  socket.on("error", () => {});
  const splitter = new PacketSplitter({ maxPacketSize: 1024 });
  let answered = false;
  const done = (bytes: Uint8Array) => {
    clearTimeout(timer);
    socket.resume();
    socket.end(bytes);
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
  const plain = () => {
    if (answered) return;
    answered = true;
    done(serverMessagePacket(code, text, "myth2-legacy"));
  };
  const timer = setTimeout(plain, FIRST_PACKET_MS);
  timer.unref();
  socket.on("data", (chunk: Buffer) => {
    if (answered) return;
    const split = splitter.push(chunk);
    if (!split.ok) return plain();
    const first = split.value[0];
    if (!first) return;
    if (packetTypeOf(first) !== MessageType.SessionKey) return plain();
    const keys = createKeyPair();
    const key = deriveSessionKey(keys.privateKey, first.subarray(HEADER_SIZE));
    if (!key.ok) return plain();
    answered = true;
    clearTimeout(timer);
    const cipher = new SessionCipher(key.value);
    socket.write(encodePacket(MessageType.SessionKey, keys.publicKey));
    // A moment later, in a segment of its own: a client switches to its cipher after reading
    // the key, and may not if both arrive in one read.
    setTimeout(
      () => done(cipher.encryptPacket(serverMessagePacket(code, text, "myth2"), allocate)),
      KEY_GAP_MS,
    ).unref();
  });
}
