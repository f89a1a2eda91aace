import { DIALECT_TRAITS } from "../dialect.ts";
import type { PayloadReader } from "../reader.ts";
import { MAX_GAME_DATA_SIZE } from "../structs/game-aux.ts";
import { readPlayerData, writePlayerData } from "../structs/player-data.ts";
import { MAX_QUOTE_LENGTH } from "../structs/player-info.ts";
import {
  EMPTY_PLAYER_STANDING,
  EMPTY_TEAM_STANDING,
  MAX_PLAYERS,
  MAX_TEAMS,
  PLAYER_STANDING_SIZE,
  readPlayerStanding,
  readTeamStanding,
  writeFixedArray,
  writePlayerStanding,
  writeTeamStanding,
} from "../structs/scores.ts";
import type { PayloadWriter } from "../writer.ts";
import {
  type Codec,
  checkLength,
  empty,
  exactBytes,
  expectLength,
  MAX_LONG_NAME_LENGTH,
  MAX_NAME_LENGTH,
  readAll,
  TO_SERVER,
} from "./codec.ts";
import { LOGIN_CODEC } from "./login.ts";
import type { ClientToServerMessage, GameScoreMessage, MessageOf } from "./types.ts";

/** password_response: char[16] in Bungie's struct; A1 always sends 16 bytes. */
export const MAX_PASSWORD_RESPONSE_SIZE = 16;
/** recording_stream_command: GoS's limit for one film command. */
export const MAX_RECORDING_COMMAND_SIZE = 2048;

/** GoS and Bungie drop a client that sends anything but 0 (listening) or 1 (deaf). */
function readPlayerMode(r: PayloadReader): 0 | 1 {
  const mode = r.i16("player mode");
  if (mode === 0 || mode === 1) return mode;
  return r.fail("out-of-range", `player mode ${mode} is not 0 or 1`);
}

function encodeGameScore(w: PayloadWriter, m: GameScoreMessage, fixed16: boolean): void {
  w.u32(m.gameId).i16(m.gameEndedCode).i16(m.gameScoring).i32(m.gameVersion).i32(m.timeLimit);
  w.i32(m.actualTimeElapsed).u32(m.reportingPlayerId).i16(m.numberOfPlayers).i16(m.numberOfTeams);
  writeFixedArray(m.teams, MAX_TEAMS, (t) => writeTeamStanding(w, t), EMPTY_TEAM_STANDING);
  if (fixed16) {
    // Bungie's struct always carries 16 player records; unused ones are zero.
    writeFixedArray(m.players, MAX_PLAYERS, (p) => writePlayerStanding(w, p), EMPTY_PLAYER_STANDING);
  } else {
    if (m.players.length < m.numberOfPlayers) throw new RangeError("game score: fewer records than numberOfPlayers");
    for (const p of m.players) writePlayerStanding(w, p);
  }
}

function decodeGameScore(r: PayloadReader, fixed16: boolean): GameScoreMessage {
  const what = "game score";
  const gameId = r.u32(what);
  const gameEndedCode = r.i16(what);
  const gameScoring = r.i16(what);
  const gameVersion = r.i32(what);
  const timeLimit = r.i32(what);
  const actualTimeElapsed = r.i32(what);
  const reportingPlayerId = r.u32(what);
  const numberOfPlayers = r.i16(what);
  const numberOfTeams = r.i16(what);
  if (numberOfTeams < 0 || numberOfTeams > MAX_TEAMS) r.fail("out-of-range", `${what}: ${numberOfTeams} teams`);
  if (numberOfPlayers < 0 || (fixed16 && numberOfPlayers > MAX_PLAYERS)) {
    r.fail("out-of-range", `${what}: ${numberOfPlayers} players`);
  }
  const teams = Array.from({ length: MAX_TEAMS }, () => readTeamStanding(r));
  if (fixed16) expectLength(r, MAX_PLAYERS * PLAYER_STANDING_SIZE, `${what} players`);
  // Myth II 1.8 sends a variable number of records (GoS): at least numberOfPlayers, whole records.
  else if (r.remaining % PLAYER_STANDING_SIZE !== 0 || r.remaining < numberOfPlayers * PLAYER_STANDING_SIZE) {
    r.fail("truncated", `${what}: ${r.remaining} bytes of player records for ${numberOfPlayers} players`);
  }
  const players = readAll(r, () => readPlayerStanding(r));
  return {
    type: 112,
    gameId,
    gameEndedCode,
    gameScoring,
    gameVersion,
    timeLimit,
    actualTimeElapsed,
    reportingPlayerId,
    numberOfPlayers,
    numberOfTeams,
    teams,
    players,
  };
}

export const CLIENT_TO_SERVER_CODECS = {
  100: LOGIN_CODEC,
  101: {
    directions: TO_SERVER,
    encode(w, msg) {
      exactBytes(w, msg.token, 32, "room login token");
      w.cString(checkLength(msg.userName, MAX_NAME_LENGTH, "room login name"));
    },
    decode(r) {
      const token = r.bytesOf(32, "room login token");
      const userName = r.cString("room login name", MAX_NAME_LENGTH);
      r.end("room login");
      return { type: 101, token, userName };
    },
  },
  102: empty(TO_SERVER, () => ({ type: 102 })),
  103: {
    directions: TO_SERVER,
    encode: (w, msg) => writePlayerData(w, msg.player),
    decode: (r) => ({ type: 103, player: readPlayerData(r, r.remaining) }),
  },
  104: {
    directions: TO_SERVER,
    encode(w, msg) {
      if (msg.gameData.byteLength > MAX_GAME_DATA_SIZE) throw new RangeError("create game: game data over 1024 bytes");
      w.u16(msg.port).i16(msg.order).bytes(msg.gameData);
    },
    decode(r) {
      const port = r.u16("create game port");
      const order = r.i16("create game order");
      if (r.remaining > MAX_GAME_DATA_SIZE) r.fail("too-long", `create game: ${r.remaining} bytes of game data`);
      return { type: 104, port, order, gameData: r.rest() };
    },
  },
  105: empty(TO_SERVER, () => ({ type: 105 })),
  106: {
    directions: TO_SERVER,
    encode: (w, msg) => w.i16(msg.roomId),
    decode(r) {
      expectLength(r, 2, "change room");
      return { type: 106, roomId: r.i16() };
    },
  },
  107: {
    directions: TO_SERVER,
    encode(w, msg, dialect) {
      w.i16(msg.mode);
      if (dialect === "marathon") w.bytes(msg.sessionId ?? new Uint8Array());
      else if (msg.sessionId?.byteLength) throw new RangeError("set player mode: session id is Aleph One only");
    },
    decode(r, dialect) {
      const mode = readPlayerMode(r);
      if (dialect === "marathon") return { type: 107, mode, sessionId: r.rest() };
      r.end("set player mode");
      return { type: 107, mode };
    },
  },
  108: {
    directions: TO_SERVER,
    encode: (w, msg) => w.bytes(msg.data),
    decode: (r) => ({ type: 108, data: r.rest() }),
  },
  109: {
    directions: TO_SERVER,
    encode(w, msg) {
      if (msg.password.byteLength > MAX_PASSWORD_RESPONSE_SIZE) throw new RangeError("password response over 16 bytes");
      w.bytes(msg.password);
    },
    decode(r) {
      if (r.remaining > MAX_PASSWORD_RESPONSE_SIZE) r.fail("too-long", `password response of ${r.remaining} bytes`);
      return { type: 109, password: r.rest() };
    },
  },
  110: empty(TO_SERVER, () => ({ type: 110 })),
  111: {
    directions: TO_SERVER,
    encode(w, msg) {
      w.u32(msg.gameId);
      for (const id of msg.playerIds) w.u32(id);
    },
    decode(r) {
      const gameId = r.u32("game player list");
      return { type: 111, gameId, playerIds: readAll(r, () => r.u32("game player list id")) };
    },
  },
  112: {
    directions: TO_SERVER,
    encode: (w, msg, dialect) => encodeGameScore(w, msg, DIALECT_TRAITS[dialect].scorePlayers === "fixed16"),
    decode: (r, dialect) => decodeGameScore(r, DIALECT_TRAITS[dialect].scorePlayers === "fixed16"),
  },
  113: empty(TO_SERVER, () => ({ type: 113 })),
  114: {
    directions: TO_SERVER,
    encode: (w, msg) => w.i32(msg.gameTime).i32(0).i32(0),
    decode(r) {
      // Bungie requires exactly 12 bytes.
      expectLength(r, 12, "start game");
      const gameTime = r.i32();
      r.skip(8);
      return { type: 114, gameTime };
    },
  },
  115: {
    directions: TO_SERVER,
    encode: (w, msg) => w.i32(msg.platformType).i32(msg.applicationVersion).i32(msg.patchNumber).i32(msg.build),
    decode(r) {
      expectLength(r, 16, "version control");
      return { type: 115, platformType: r.i32(), applicationVersion: r.i32(), patchNumber: r.i32(), build: r.i32() };
    },
  },
  116: {
    directions: TO_SERVER,
    encode(w, m) {
      w.i16(m.gameType).i16(m.gameScoring).i16(m.veterans).i16(m.unitTrading);
      w.i16(m.teams).i16(m.alliances).i16(m.enemyVisibility).i16(0);
      w.cString(checkLength(m.gameName, MAX_NAME_LENGTH, "search game name"));
      w.cString(checkLength(m.mapName, MAX_LONG_NAME_LENGTH, "search map name"));
    },
    decode(r) {
      const what = "game search query";
      const gameType = r.i16(what);
      const gameScoring = r.i16(what);
      const veterans = r.i16(what);
      const unitTrading = r.i16(what);
      const teams = r.i16(what);
      const alliances = r.i16(what);
      const enemyVisibility = r.i16(what);
      r.skip(2, what);
      const gameName = r.cString(`${what} game name`, MAX_NAME_LENGTH);
      const mapName = r.cString(`${what} map name`, MAX_LONG_NAME_LENGTH);
      r.end(what);
      return {
        type: 116,
        gameType,
        gameScoring,
        veterans,
        unitTrading,
        teams,
        alliances,
        enemyVisibility,
        gameName,
        mapName,
      };
    },
  },
  117: {
    directions: TO_SERVER,
    encode: (w, msg) => w.cString(checkLength(msg.query, MAX_LONG_NAME_LENGTH, "player search")),
    decode(r) {
      const query = r.cString("player search", MAX_LONG_NAME_LENGTH);
      r.end("player search");
      return { type: 117, query };
    },
  },
  118: empty(TO_SERVER, () => ({ type: 118 })),
  119: empty(TO_SERVER, () => ({ type: 119 })),
  120: {
    directions: TO_SERVER,
    encode: (w, msg) => w.u32(msg.buddyId).i32(msg.add ? 1 : 0),
    decode(r) {
      expectLength(r, 8, "update buddy");
      return { type: 120, buddyId: r.u32(), add: r.i32() !== 0 };
    },
  },
  121: {
    directions: TO_SERVER,
    encode: (w, msg) => w.u32(msg.userId),
    decode(r) {
      expectLength(r, 4, "player info query");
      return { type: 121, userId: r.u32() };
    },
  },
  122: {
    directions: TO_SERVER,
    encode(w, msg, dialect) {
      const remoteHubs = DIALECT_TRAITS[dialect].remoteHubs;
      if (remoteHubs !== (msg.variant === "remote-hub-request")) {
        throw new RangeError(`message 122 variant ${msg.variant} does not exist in dialect ${dialect}`);
      }
      if (msg.variant === "remote-hub-request") {
        w.cString(checkLength(msg.protocolVersion, MAX_LONG_NAME_LENGTH, "remote hub protocol version"));
        return;
      }
      w.cString(checkLength(msg.city, MAX_LONG_NAME_LENGTH, "city"));
      w.cString(checkLength(msg.state, MAX_LONG_NAME_LENGTH, "state"));
      w.cString(checkLength(msg.country, MAX_LONG_NAME_LENGTH, "country"));
      w.cString(checkLength(msg.quote, MAX_QUOTE_LENGTH, "quote"));
    },
    decode(r, dialect) {
      if (DIALECT_TRAITS[dialect].remoteHubs) {
        const protocolVersion = r.cString("remote hub protocol version", MAX_LONG_NAME_LENGTH);
        r.end("remote hub request");
        return { type: 122, variant: "remote-hub-request", protocolVersion };
      }
      const city = r.cString("city", MAX_LONG_NAME_LENGTH);
      const state = r.cString("state", MAX_LONG_NAME_LENGTH);
      const country = r.cString("country", MAX_LONG_NAME_LENGTH);
      const quote = r.cString("quote", MAX_QUOTE_LENGTH);
      r.end("update player information");
      return { type: 122, variant: "player-information", city, state, country, quote };
    },
  },
  204: {
    directions: TO_SERVER,
    encode: (w, msg) => w.bytes(msg.data),
    decode: (r) => ({ type: 204, data: r.rest() }),
  },
  205: {
    directions: TO_SERVER,
    encode(w, msg) {
      if (msg.command.byteLength > MAX_RECORDING_COMMAND_SIZE)
        throw new RangeError("recording command over 2048 bytes");
      w.bytes(msg.command);
    },
    decode(r) {
      if (r.remaining > MAX_RECORDING_COMMAND_SIZE) r.fail("too-long", `recording command of ${r.remaining} bytes`);
      return { type: 205, command: r.rest() };
    },
  },
  206: {
    directions: TO_SERVER,
    encode: (w, msg) => w.i32(msg.endTime),
    decode(r) {
      expectLength(r, 4, "recording stream end");
      return { type: 206, endTime: r.i32() };
    },
  },
} satisfies { [N in ClientToServerMessage["type"]]: Codec<MessageOf<N>> };
