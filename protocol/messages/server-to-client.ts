import { DIALECT_TRAITS } from "../dialect.ts";
import { familyTraits } from "../families.ts";
import type { PayloadReader } from "../reader.ts";
import { readBuddyEntry, readOrderMember, writeBuddyEntry, writeOrderMember } from "../structs/buddy.ts";
import { type GameListEntry, readGameListEntry, writeGameListEntry } from "../structs/game-aux.ts";
import {
  type PlayerSearchEntry,
  readPlayerListEntry,
  readPlayerSearchEntry,
  writePlayerListEntry,
  writePlayerSearchEntry,
} from "../structs/player-aux.ts";
import { readPlayerInfo, writePlayerInfo } from "../structs/player-info.ts";
import { readRoomInfo, writeRoomInfo } from "../structs/room-info.ts";
import type { PayloadWriter } from "../writer.ts";
import {
  type Codec,
  checkLength,
  empty,
  exactBytes,
  expectLength,
  MAX_TEXT_LENGTH,
  readAll,
  TO_CLIENT,
} from "./codec.ts";
import type {
  MessageOf,
  RemoteHubEntry,
  RemoteHubListMessage,
  ServerMessageMessage,
  ServerToClientMessage,
  UpdateInfoMessage,
} from "./types.ts";

/** GoS writes server_message text into a fixed 128-byte field, the bytes after the NUL 0xFF. */
export const GOS_SERVER_MESSAGE_FIELD = 128;

/** Reads a payload that is exactly one C string (MOTD, kick reason). */
function readTextPayload(r: PayloadReader, what: string): string {
  const text = r.cString(what, MAX_TEXT_LENGTH);
  r.end(what);
  return text;
}

function writeSearchEntries(w: PayloadWriter, entries: readonly PlayerSearchEntry[]): void {
  for (const e of entries) writePlayerSearchEntry(w, e);
}
function readSearchEntries(r: PayloadReader): PlayerSearchEntry[] {
  return readAll(r, () => readPlayerSearchEntry(r));
}
function writeGames(w: PayloadWriter, games: readonly GameListEntry[]): void {
  for (const e of games) writeGameListEntry(w, e);
}
function readGames(r: PayloadReader): GameListEntry[] {
  return readAll(r, () => readGameListEntry(r));
}

/** Bungie style for every dialect except myth2 (GoS style). */
function encodeServerMessage(w: PayloadWriter, msg: ServerMessageMessage, gos: boolean): void {
  w.i32(msg.code);
  if (gos)
    w.fixedString(
      checkLength(msg.text, GOS_SERVER_MESSAGE_FIELD - 1, "server message"),
      GOS_SERVER_MESSAGE_FIELD,
      0xff,
    );
  else w.cString(checkLength(msg.text, MAX_TEXT_LENGTH, "server message"));
}

function decodeServerMessage(r: PayloadReader): ServerMessageMessage {
  const gosStyle = r.remaining === 4 + GOS_SERVER_MESSAGE_FIELD;
  const code = r.i32("server message code");
  const text = r.cString("server message", MAX_TEXT_LENGTH);
  // GoS pads the fixed field after the NUL; anything after a Bungie-style string is garbage.
  if (gosStyle) r.skip(r.remaining);
  r.end("server message");
  return { type: 3, code, text };
}

/** A1 remote hub list entry: u16 id, IPv4, u16 port. */
const REMOTE_HUB_ENTRY_SIZE = 8;

function decodeUpdateInfo(r: PayloadReader, remoteHubs: boolean): UpdateInfoMessage | RemoteHubListMessage {
  if (remoteHubs) {
    // 8 bytes per hub and nothing else: a partial entry is a truncated list, not garbage to skip.
    if (r.remaining % REMOTE_HUB_ENTRY_SIZE !== 0) {
      r.fail("truncated", `remote hub list: ${r.remaining} bytes is not a whole number of 8-byte entries`);
    }
    const hubs: RemoteHubEntry[] = [];
    while (r.remaining > 0)
      hubs.push({ id: r.u16("remote hub"), host: r.u32("remote hub"), port: r.u16("remote hub") });
    return { type: 18, variant: "remote-hub-list", hubs };
  }
  expectLength(r, 12, "update info");
  const size = r.i32("update info");
  const host = r.u32("update info");
  const port = r.u16("update info");
  r.skip(2);
  return { type: 18, variant: "update-info", size, host, port };
}

export const SERVER_TO_CLIENT_CODECS = {
  0: {
    directions: TO_CLIENT,
    encode(w, msg) {
      for (const room of msg.rooms) writeRoomInfo(w, room);
    },
    decode(r) {
      return { type: 0, rooms: readAll(r, () => readRoomInfo(r)) };
    },
  },
  1: {
    directions: TO_CLIENT,
    encode(w, msg) {
      for (const e of msg.players) writePlayerListEntry(w, e);
    },
    decode(r) {
      return { type: 1, players: readAll(r, () => readPlayerListEntry(r)) };
    },
  },
  2: {
    directions: TO_CLIENT,
    encode: (w, msg) => writeGames(w, msg.games),
    decode: (r) => ({ type: 2, games: readGames(r) }),
  },
  3: {
    directions: TO_CLIENT,
    encode(w, msg, dialect) {
      encodeServerMessage(w, msg, familyTraits(dialect).serverMessage === "gos-fixed");
    },
    decode: decodeServerMessage,
  },
  4: {
    directions: TO_CLIENT,
    encode(w, msg) {
      w.i32(msg.code).cString(checkLength(msg.message, MAX_TEXT_LENGTH, "url message"));
      w.cString(checkLength(msg.url, MAX_TEXT_LENGTH, "url"));
    },
    decode(r) {
      const code = r.i32("url code");
      const message = r.cString("url message", MAX_TEXT_LENGTH);
      const url = r.cString("url", MAX_TEXT_LENGTH);
      r.end("url");
      return { type: 4, code, message, url };
    },
  },
  5: {
    directions: TO_CLIENT,
    encode(w, msg) {
      w.i32(msg.flags).i32(msg.chunkType).i32(msg.offset).i32(msg.length).bytes(msg.data);
    },
    decode(r) {
      const flags = r.i32("data chunk");
      const chunkType = r.i32("data chunk");
      const offset = r.i32("data chunk");
      const length = r.i32("data chunk");
      return { type: 5, flags, chunkType, offset, length, data: r.rest() };
    },
  },
  6: {
    directions: TO_CLIENT,
    encode(w, msg) {
      w.i16(msg.authenticationType);
      exactBytes(w, msg.salt, 16, "salt");
    },
    decode(r) {
      expectLength(r, 18, "password challenge");
      return { type: 6, authenticationType: r.i16(), salt: r.bytesOf(16, "salt") };
    },
  },
  7: {
    directions: TO_CLIENT,
    encode(w, msg) {
      // Bungie appends the order twice; Myth calls the second one "unused_short".
      w.u32(msg.userId).i16(msg.order).i16(msg.order);
      exactBytes(w, msg.token, 32, "token");
    },
    decode(r) {
      expectLength(r, 40, "user successful login");
      const userId = r.u32();
      const order = r.i16();
      r.skip(2);
      return { type: 7, userId, order, token: r.bytesOf(32, "token") };
    },
  },
  8: {
    directions: TO_CLIENT,
    encode(w, msg) {
      writePlayerListEntry(w, msg);
    },
    decode(r) {
      const entry = readPlayerListEntry(r, "set player data");
      r.end("set player data");
      return { type: 8, ...entry };
    },
  },
  9: {
    directions: TO_CLIENT,
    encode(w, msg) {
      w.u32(msg.userId).i16(msg.maximumPlayersPerRoom).i16(0);
    },
    decode(r) {
      expectLength(r, 8, "room login successful");
      const userId = r.u32();
      const maximumPlayersPerRoom = r.i16();
      r.skip(2);
      return { type: 9, userId, maximumPlayersPerRoom };
    },
  },
  10: {
    directions: TO_CLIENT,
    encode(w, msg) {
      w.cString(checkLength(msg.text, MAX_TEXT_LENGTH, "message of the day"));
    },
    decode(r) {
      return { type: 10, text: readTextPayload(r, "message of the day") };
    },
  },
  11: {
    directions: TO_CLIENT,
    encode(w, msg) {
      w.bytes(msg.data);
    },
    decode(r) {
      return { type: 11, data: r.rest() };
    },
  },
  12: empty(TO_CLIENT, () => ({ type: 12 })),
  13: {
    directions: TO_CLIENT,
    encode: (w, msg) => writeGames(w, msg.games),
    decode: (r) => ({ type: 13, games: readGames(r) }),
  },
  14: {
    directions: TO_CLIENT,
    encode: (w, msg) => writeSearchEntries(w, msg.results),
    decode: (r) => ({ type: 14, results: readSearchEntries(r) }),
  },
  15: {
    directions: TO_CLIENT,
    encode: (w, msg) => writeSearchEntries(w, msg.results),
    decode: (r) => ({ type: 15, results: readSearchEntries(r) }),
  },
  16: {
    directions: TO_CLIENT,
    encode: (w, msg) => writeSearchEntries(w, msg.results),
    decode: (r) => ({ type: 16, results: readSearchEntries(r) }),
  },
  17: {
    directions: TO_CLIENT,
    encode(w, msg) {
      writePlayerInfo(w, msg);
    },
    decode(r) {
      const info = readPlayerInfo(r);
      r.end("player info");
      return { type: 17, ...info };
    },
  },
  18: {
    directions: TO_CLIENT,
    encode(w, msg, dialect) {
      if (msg.variant === "remote-hub-list") {
        if (!DIALECT_TRAITS[dialect].remoteHubs) throw new RangeError("remote hub list is Aleph One only");
        for (const hub of msg.hubs) w.u16(hub.id).u32(hub.host).u16(hub.port);
      } else {
        w.i32(msg.size).u32(msg.host).u16(msg.port).u16(0);
      }
    },
    decode(r, dialect) {
      return decodeUpdateInfo(r, DIALECT_TRAITS[dialect].remoteHubs);
    },
  },
  19: {
    directions: TO_CLIENT,
    encode(w, msg) {
      for (const b of msg.buddies) writeBuddyEntry(w, b);
    },
    decode(r) {
      return { type: 19, buddies: readAll(r, () => readBuddyEntry(r)) };
    },
  },
  20: {
    directions: TO_CLIENT,
    encode(w, msg) {
      w.i32(msg.members.length);
      for (const m of msg.members) writeOrderMember(w, m);
    },
    decode(r) {
      const count = r.i32("order member count");
      if (count < 0 || count * 8 !== r.remaining) {
        r.fail(
          count * 8 > r.remaining ? "truncated" : "out-of-range",
          `order member count ${count} does not match ${r.remaining} bytes`,
        );
      }
      return { type: 20, members: readAll(r, () => readOrderMember(r)) };
    },
  },
  21: {
    directions: TO_CLIENT,
    encode(w, msg) {
      w.cString(checkLength(msg.reason, MAX_TEXT_LENGTH, "blammed reason"));
    },
    decode(r) {
      return { type: 21, reason: readTextPayload(r, "blammed reason") };
    },
  },
  22: {
    directions: TO_CLIENT,
    encode(w, msg) {
      // GoS leaves D's default 0xFF after the host's NUL and in the unused token.
      w.u16(msg.port).fixedString(checkLength(msg.host, 47, "proxy host"), 48, 0xff);
      exactBytes(w, msg.authToken, 16, "proxy auth token");
    },
    decode(r) {
      expectLength(r, 66, "proxy client join");
      const port = r.u16();
      const host = r.fixedString(48, "proxy host");
      return { type: 22, port, host, authToken: r.bytesOf(16) };
    },
  },
} satisfies { [N in ServerToClientMessage["type"]]: Codec<MessageOf<N>> };
