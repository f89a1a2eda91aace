/**
 * The packets a real client of each family sends in each state, encoded by the same codecs and
 * flows the test clients use: the seeds the fuzzer mutates. They are what a capture of one
 * honest session shows, one packet per message the state allows (and a few variants).
 */
import {
  buildGameData,
  defaultPlayerData,
  type LoginOptions,
  loginMessage,
  passwordResponseMessage,
  versionControlMessage,
} from "../../client/flows.ts";
import { DIALECT_TRAITS, type Dialect } from "../../protocol/dialect.ts";
import { MessageType } from "../../protocol/message-types.ts";
import { encodeMessage, type Message } from "../../protocol/messages.ts";
import { twoPlayerScore } from "../score.ts";

/** Where a fuzz session is when it starts sending mutants. */
export type FuzzState = "pre-login" | "mid-login" | "in-room" | "hosting" | "film";
export const FUZZ_STATES: readonly FuzzState[] = ["pre-login", "mid-login", "in-room", "hosting", "film"];

export interface CorpusContext {
  readonly dialect: Dialect;
  readonly nick: string;
  /** The session's own player id in its room (0 before a room login). */
  readonly userId: number;
  /** Another player in the room (an honest one), for whispers, buddies and info queries. */
  readonly otherId: number;
  readonly token: Uint8Array;
  /** Room ids that exist, for change_room. */
  readonly roomIds: readonly number[];
}

export type Corpus = Readonly<Record<FuzzState, readonly Uint8Array[]>>;

/** The valid packets of every state for one session. */
export function corpusFor(ctx: CorpusContext): Corpus {
  const d = ctx.dialect;
  const enc = (m: Message) => encodeMessage(m, d);
  const login: LoginOptions = { dialect: d, user: "", password: "", nick: ctx.nick };
  const player = defaultPlayerData(d, ctx.nick);
  const header = { chatType: 0, color: player.primaryColor, flags: 0, playerId: ctx.userId, selectedPlayerId: 0 };
  const aleph = DIALECT_TRAITS[d].loginLayout === "aleph-one";
  const gameData = buildGameData({ name: `${ctx.nick} game`, map: "Fuzzed Plains" });
  return {
    "pre-login": [
      enc(loginMessage(login)),
      enc(loginMessage({ ...login, user: ctx.nick, password: "secret" })),
      // An application the server does not serve (Myth layout: "MARATHON" alone picks Aleph One's).
      ...(aleph ? [] : [enc(loginMessage({ ...login, application: "UNKNOWNAPP" }))]),
    ],
    "mid-login": [
      enc(passwordResponseMessage(login, { authenticationType: 0, salt: new Uint8Array(16) })),
      enc(
        passwordResponseMessage(
          { ...login, password: "x".repeat(15) },
          { authenticationType: 1, salt: new Uint8Array(16).fill(7) },
        ),
      ),
      enc(versionControlMessage(login)),
      enc(versionControlMessage({ ...login, build: 1, patch: 0 })),
    ],
    "in-room": [
      enc({ type: MessageType.RoomBroadcast, header, senderName: ctx.nick, text: "a fuzzed line of chat" }),
      enc({ type: MessageType.RoomBroadcast, header, senderName: ctx.nick, text: ".who" }),
      enc({
        type: MessageType.DirectedData,
        targetPlayerId: ctx.otherId,
        echo: true,
        header: { ...header, selectedPlayerId: ctx.otherId },
        senderName: ctx.nick,
        text: "a fuzzed whisper",
      }),
      enc({ type: MessageType.SetPlayerData, player }),
      enc({ type: MessageType.SetPlayerMode, mode: 0 }),
      enc({ type: MessageType.SetPlayerMode, mode: 1 }),
      enc({ type: MessageType.RequestFullUpdate }),
      enc({
        type: MessageType.GameSearchQuery,
        gameType: 0,
        gameScoring: 0,
        veterans: 0,
        unitTrading: 0,
        teams: 0,
        alliances: 0,
        enemyVisibility: 0,
        gameName: "",
        mapName: "",
      }),
      enc({ type: MessageType.PlayerSearchQuery, query: "hon" }),
      enc({ type: MessageType.BuddyQuery }),
      enc({ type: MessageType.OrderQuery }),
      enc({ type: MessageType.UpdateBuddy, buddyId: ctx.otherId, add: true }),
      enc({ type: MessageType.PlayerInfoQuery, userId: ctx.otherId }),
      enc(
        aleph
          ? { type: MessageType.UpdatePlayerInformation, variant: "remote-hub-request", protocolVersion: "1" }
          : {
              type: MessageType.UpdatePlayerInformation,
              variant: "player-information",
              city: "Madrigal",
              state: "",
              country: "Province",
              quote: "fuzz",
            },
      ),
      enc({ type: MessageType.Keepalive }),
      enc({ type: MessageType.DataChunkReply, data: new Uint8Array(16) }),
      enc({ type: MessageType.ChangeRoom, roomId: ctx.roomIds[ctx.roomIds.length - 1] ?? 0 }),
      enc({ type: MessageType.Logout }),
      enc({ type: MessageType.CreateGame, port: 3453, order: 0, gameData }),
    ],
    hosting: [
      enc({ type: MessageType.CreateGame, port: 3453, order: 0, gameData }),
      enc({ type: MessageType.StartGame, gameTime: aleph ? 600 * 30 : 600 }),
      enc({ type: MessageType.GamePlayerList, gameId: ctx.userId, playerIds: [ctx.userId, ctx.otherId] }),
      enc(twoPlayerScore(ctx.userId, [ctx.otherId, ctx.userId], 612)),
      enc({ type: MessageType.ResetGame }),
      enc({ type: MessageType.RemoveGame }),
    ],
    film: [
      enc({ type: MessageType.RecordingStreamHeader, data: filmHeader() }),
      enc({ type: MessageType.RecordingStreamCommand, command: filmCommand(5, 300) }),
      enc({ type: MessageType.RecordingStreamCommand, command: filmCommand(0, 330) }),
      enc({ type: MessageType.RecordingStreamEnd, endTime: 900 }),
    ],
  };
}

/** A film header as Myth II 1.8 streams it (opaque to the server beyond its first fields). */
export function filmHeader(): Uint8Array {
  const h = new Uint8Array(300);
  for (let i = 0; i < h.length; i++) h[i] = (i * 7) & 0xff;
  const v = new DataView(h.buffer);
  v.setInt16(0, 2180);
  v.setInt32(8, -1);
  return h;
}

/** One film command: size, verb, flags, time, detail bytes. */
export function filmCommand(verb: number, time: number): Uint8Array {
  const c = new Uint8Array(16);
  const v = new DataView(c.buffer);
  v.setInt16(0, 16);
  v.setInt8(2, verb);
  v.setInt32(4, time);
  c.fill(time & 0xff, 8);
  return c;
}
