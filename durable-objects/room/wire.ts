/**
 * The room's own view of the wire: decoders for what a client may send to a room and encoders
 * for what the room sends back (PROTOCOL.md §4, §5). Each encoder returns one whole raw packet
 * (header + plaintext payload), so a broadcast is encoded once and the same bytes go to every
 * recipient.
 */
import type { Dialect } from "../../protocol/dialect.ts";
import { encodePacket, HEADER_SIZE, MAX_OUTBOUND_PACKET_SIZE } from "../../protocol/header.ts";
import { MessageType } from "../../protocol/message-types.ts";
import { PayloadReader } from "../../protocol/reader.ts";
import { decodeWith, type Result } from "../../protocol/result.ts";
import { type ChatHeader, readChatHeader, writeChatHeader } from "../../protocol/structs/chat.ts";
import { SERVER_MESSAGE_TEXT, type ServerMessageCode } from "../../protocol/structs/constants.ts";
import { type RgbColor, writeRgbColor } from "../../protocol/structs/rgb-color.ts";
import { PayloadWriter } from "../../protocol/writer.ts";

/** Longest chat text we relay: a whole inbound packet could not hold more. */
const MAX_CHAT_TEXT = 1024;
const MAX_NAME = 255;

// ---------------------------------------------------------------------------------------------
// Client → room

export interface ChatBody {
  readonly header: ChatHeader;
  readonly name: string;
  readonly text: string;
}

export type RoomRequest =
  | { readonly type: typeof MessageType.RoomLogin; readonly token: Uint8Array; readonly userName: string }
  | { readonly type: typeof MessageType.Logout }
  | { readonly type: typeof MessageType.SetPlayerData; readonly playerData: Uint8Array }
  | {
      readonly type: typeof MessageType.CreateGame;
      readonly port: number;
      readonly order: number;
      readonly gameData: Uint8Array;
    }
  | { readonly type: typeof MessageType.RemoveGame }
  | { readonly type: typeof MessageType.SetPlayerMode; readonly mode: number }
  | { readonly type: typeof MessageType.RequestFullUpdate }
  | { readonly type: typeof MessageType.GamePlayerList; readonly gameId: number; readonly userIds: number[] }
  | { readonly type: typeof MessageType.GameScore; readonly gameId: number; readonly report: Uint8Array }
  | { readonly type: typeof MessageType.ResetGame }
  | { readonly type: typeof MessageType.StartGame; readonly gameTime: number }
  | { readonly type: typeof MessageType.GameSearchQuery }
  | { readonly type: typeof MessageType.PlayerSearchQuery }
  | { readonly type: typeof MessageType.BuddyQuery }
  | { readonly type: typeof MessageType.OrderQuery }
  | { readonly type: typeof MessageType.UpdateBuddy; readonly buddyId: number; readonly add: boolean }
  | { readonly type: typeof MessageType.PlayerInfoQuery; readonly userId: number }
  | { readonly type: typeof MessageType.UpdatePlayerInformation; readonly strings: string[] }
  | { readonly type: typeof MessageType.RoomBroadcast; readonly chat: ChatBody }
  | {
      readonly type: typeof MessageType.DirectedData;
      readonly target: number;
      readonly echo: boolean;
      readonly chat: ChatBody;
    }
  | { readonly type: typeof MessageType.Keepalive }
  | { readonly type: 204 | 205 | 206 };

const MAX_PLAYER_DATA = 128;
const MIN_PLAYER_DATA = 40; // 38-byte struct + two NULs
const MAX_GAME_DATA = 1024;

/** One whole raw packet from a client → a typed request, or a typed decode error. */
export function decodeRoomRequest(packet: Uint8Array, dialect: Dialect): Result<RoomRequest> {
  return decodeWith((): RoomRequest => {
    const head = new PayloadReader(packet);
    if (head.u16("header") !== 0xdead) head.fail("bad-magic", "packet identifier is not 0xdead");
    const type = head.i16("header");
    const length = head.i32("header");
    if (length !== packet.byteLength) head.fail("bad-length", `header length ${length}, frame ${packet.byteLength}`);
    const r = new PayloadReader(packet.subarray(HEADER_SIZE));
    const done = <T extends RoomRequest>(msg: T): T => {
      r.end(`message ${type}`);
      return msg;
    };
    switch (type) {
      case MessageType.RoomLogin: {
        const token = r.bytesOf(32, "room_login token");
        // The user name is informational (the token decides); accept it unterminated too.
        const userName = r.remaining > 0 ? r.cStringOrEnd("room_login name", 32) : "";
        return { type, token, userName };
      }
      case MessageType.Logout:
      case MessageType.RemoveGame:
      case MessageType.RequestFullUpdate:
      case MessageType.ResetGame:
      case MessageType.BuddyQuery:
      case MessageType.OrderQuery:
        // Empty by the protocol; tolerate stray bytes rather than drop a player over them.
        return { type };
      case MessageType.Keepalive:
        return done({ type });
      case MessageType.SetPlayerData: {
        const n = r.remaining;
        if (n > MAX_PLAYER_DATA) r.fail("too-long", `player data ${n} bytes, limit ${MAX_PLAYER_DATA}`);
        if (n < MIN_PLAYER_DATA) r.fail("truncated", `player data ${n} bytes, need ${MIN_PLAYER_DATA}`);
        const playerData = r.rest();
        validatePlayerData(playerData);
        return { type, playerData };
      }
      case MessageType.CreateGame: {
        const port = r.u16("create_game port");
        const order = r.i16("create_game order");
        if (r.remaining > MAX_GAME_DATA) r.fail("too-long", `game data ${r.remaining} bytes, limit ${MAX_GAME_DATA}`);
        return { type, port, order, gameData: r.rest() };
      }
      case MessageType.SetPlayerMode: {
        const mode = r.i16("set_player_mode");
        // Aleph One appends its game session id; Myth sends exactly the i16.
        if (dialect !== "marathon") r.end("set_player_mode");
        return { type, mode };
      }
      case MessageType.GamePlayerList: {
        const gameId = r.u32("game id");
        if (r.remaining % 4 !== 0) r.fail("trailing", "game_player_list: not a whole number of user ids");
        const userIds: number[] = [];
        while (r.remaining > 0) userIds.push(r.u32("user id"));
        return { type, gameId, userIds };
      }
      case MessageType.GameScore: {
        const gameId = r.u32("game id");
        // Standings header + 16 teams at least; stored opaque for the results pipeline.
        if (r.remaining < 24 + 16 * 12) r.fail("truncated", `game_score: ${r.remaining} bytes of standings`);
        return { type, gameId, report: r.rest() };
      }
      case MessageType.StartGame: {
        const gameTime = r.i32("start_game time");
        // Bungie requires the two unused i32s; A1 and GoS clients send them too. Accept their absence.
        if (r.remaining !== 0 && r.remaining !== 8) r.fail("trailing", "start_game: unexpected length");
        return { type, gameTime };
      }
      case MessageType.GameSearchQuery:
      case MessageType.PlayerSearchQuery:
        return { type };
      case MessageType.UpdateBuddy: {
        const buddyId = r.i32("buddy id");
        const add = r.i32("add flag") !== 0;
        return done({ type, buddyId, add });
      }
      case MessageType.PlayerInfoQuery:
        return done({ type, userId: r.u32("player id") });
      case MessageType.UpdatePlayerInformation: {
        const strings: string[] = [];
        while (r.remaining > 0 && strings.length < 4) strings.push(r.cStringOrEnd("player information", 431));
        return { type, strings };
      }
      case MessageType.RoomBroadcast:
        return done({ type, chat: readChatBody(r) });
      case MessageType.DirectedData: {
        const target = r.u32("directed target");
        const echo = r.i32("directed echo") !== 0;
        return done({ type, target, echo, chat: readChatBody(r) });
      }
      case MessageType.RecordingStreamHeader:
      case MessageType.RecordingStreamCommand:
      case MessageType.RecordingStreamEnd:
        return { type };
      default:
        return r.fail("unknown-type", `message type ${type} is not accepted by a room`);
    }
  });
}

function readChatBody(r: PayloadReader): ChatBody {
  const header = readChatHeader(r);
  const name = r.cString("chat sender name", MAX_NAME);
  const text = r.cString("chat text", MAX_CHAT_TEXT);
  return { header, name, text };
}

/** Checks the player-data layout (§4.2): 38 bytes then two C strings filling the block. */
function validatePlayerData(bytes: Uint8Array): void {
  const r = new PayloadReader(bytes);
  r.skip(38, "player data");
  r.cString("player nick", 31);
  r.cString("player team", 31);
  r.end("player data");
}

// ---------------------------------------------------------------------------------------------
// Room → client

/** server_message (3): GoS pads its text into a 128-byte field (0xFF after the NUL); Bungie and A1S send a plain C string. */
export function serverMessage(
  code: ServerMessageCode,
  dialect: Dialect | null,
  text: string = SERVER_MESSAGE_TEXT[code],
): Uint8Array {
  const w = new PayloadWriter(140).i32(code);
  if (dialect === "myth2") w.fixedString(text, 128, 0xff);
  else w.cString(text);
  return encodePacket(MessageType.ServerMessage, w.finish());
}

export function roomLoginSuccessful(userId: number, capacity: number): Uint8Array {
  return encodePacket(MessageType.RoomLoginSuccessful, new PayloadWriter(8).u32(userId).i16(capacity).i16(0).finish());
}

/** message_of_the_day (10): one blue-bar line. */
export function blueMessage(text: string): Uint8Array {
  return encodePacket(MessageType.MessageOfTheDay, new PayloadWriter(text.length + 1).cString(text).finish());
}

export function blammed(reason: string): Uint8Array {
  return encodePacket(
    MessageType.YouJustGotBlammedSucka,
    new PayloadWriter(reason.length + 1).cString(reason).finish(),
  );
}

export function emptyPacket(type: number): Uint8Array {
  return encodePacket(type, new Uint8Array(0));
}

/** room_broadcast (200) with the given (already verified) sender id and name. */
export function chatPacket(header: ChatHeader, name: string, text: string): Uint8Array {
  const w = new PayloadWriter(64 + name.length + text.length);
  writeChat(w, header, name, text);
  return encodePacket(MessageType.RoomBroadcast, w.finish());
}

/** directed_data (201): target, echo flag, then the chat body. */
export function directedPacket(
  target: number,
  echo: boolean,
  header: ChatHeader,
  name: string,
  text: string,
): Uint8Array {
  const w = new PayloadWriter(72 + name.length + text.length).u32(target).i32(echo ? 1 : 0);
  writeChat(w, header, name, text);
  return encodePacket(MessageType.DirectedData, w.finish());
}

function writeChat(w: PayloadWriter, header: ChatHeader, name: string, text: string): void {
  const body = new PayloadWriter(name.length + text.length + 2).cString(name).cString(text).finish();
  writeChatHeader(w, header, body.byteLength);
  w.bytes(body);
}

/**
 * List packets (1, 2): entries are concatenated; a new packet of the same type starts before
 * one would pass GoS's limit (8096 - 100 bytes of payload), so no packet exceeds 8096 bytes.
 */
export function listPackets(type: number, entries: readonly Uint8Array[]): Uint8Array[] {
  const limit = MAX_OUTBOUND_PACKET_SIZE - 100;
  const packets: Uint8Array[] = [];
  let parts: Uint8Array[] = [];
  let size = 0;
  const flush = () => {
    if (parts.length === 0) return;
    const payload = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      payload.set(p, at);
      at += p.byteLength;
    }
    packets.push(encodePacket(type, payload));
    parts = [];
    size = 0;
  };
  for (const e of entries) {
    if (size + e.byteLength > limit) flush();
    parts.push(e);
    size += e.byteLength;
  }
  flush();
  return packets;
}

/** update_player_buddy_list (19): 16 buddy entries, all empty (no buddy system yet). */
export function emptyBuddyList(): Uint8Array {
  return encodePacket(MessageType.UpdatePlayerBuddyList, new Uint8Array(16 * 8));
}

export interface PlayerInfo {
  readonly admin: boolean;
  readonly order: number;
  readonly icon: number;
  readonly primary: RgbColor;
  readonly secondary: RgbColor;
  readonly login: string;
  readonly name: string;
}

const PLAYER_INFO_FIXED = 4356;

/** player_info (17) with zero scores (§5.13): fixed block then 7 C strings. */
export function playerInfoPacket(info: PlayerInfo): Uint8Array {
  const w = new PayloadWriter(PLAYER_INFO_FIXED + 64);
  w.i32(info.admin ? 1 : 0)
    .i32(0)
    .i16(info.order)
    .i16(info.icon);
  writeRgbColor(w, info.primary);
  writeRgbColor(w, info.secondary);
  w.pad(PLAYER_INFO_FIXED - 28);
  // login, name, order name, city, state, country, quote
  w.cString(info.login).cString(info.name).cString("").cString("").cString("").cString("").cString("");
  return encodePacket(MessageType.PlayerInfo, w.finish());
}
