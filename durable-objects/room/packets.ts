/**
 * What the room sends (PROTOCOL.md §5, §9), built as Message objects and encoded by
 * protocol/messages.ts. Each function returns one whole raw packet, so a broadcast is encoded
 * once and the same bytes go to every recipient; replies that never change are encoded once.
 */
import type { PlayerStats } from "../../edge/results/contracts.ts";
import type { Dialect } from "../../protocol/dialect.ts";
import {
  type DirectedDataMessage,
  EMPTY_GAME_RANK_DATA,
  EMPTY_SCORE_DATUM,
  encodeMessage,
  GOS_SERVER_MESSAGE_FIELD,
  MAX_TEXT_LENGTH,
  type PlayerInfo,
  type RoomBroadcastMessage,
  SERVER_MESSAGE_TEXT,
  type ServerMessageCode,
} from "../../protocol/messages.ts";

/**
 * The dialect for messages every client family reads the same way (lists, chat, blue
 * messages): one encoding serves a whole room, whatever mix of families is in it.
 */
export const BROADCAST_DIALECT: Dialect = "myth2";

/** Before room_login the family is unknown: Bungie's style (code + C string), which every client reads. */
const UNKNOWN_CLIENT: Dialect = "myth2-legacy";

/**
 * server_message (3): GoS style (fixed 128-byte field) for Myth II 1.8, Bungie style for the
 * others. Text that does not fit the field is cut, as GoS's fixed field does.
 */
export function serverMessage(
  code: ServerMessageCode,
  dialect: Dialect | null,
  text: string = SERVER_MESSAGE_TEXT[code],
): Uint8Array {
  const d = dialect ?? UNKNOWN_CLIENT;
  const limit = d === "myth2" ? GOS_SERVER_MESSAGE_FIELD - 1 : MAX_TEXT_LENGTH;
  return encodeMessage({ type: 3, code, text: clip(text, limit) }, d);
}

export function roomLoginSuccessful(userId: number, capacity: number): Uint8Array {
  return encodeMessage({ type: 9, userId, maximumPlayersPerRoom: capacity }, BROADCAST_DIALECT);
}

/** message_of_the_day (10): one blue-bar line. */
export function blueMessage(text: string): Uint8Array {
  return encodeMessage({ type: 10, text: clip(text, MAX_TEXT_LENGTH) }, BROADCAST_DIALECT);
}

/** you_just_got_blammed_sucka (21): the kick reason; the room closes the connection after it. */
export function blammed(reason: string): Uint8Array {
  return encodeMessage({ type: 21, reason: clip(reason, MAX_TEXT_LENGTH) }, BROADCAST_DIALECT);
}

/** A chat (200) or private message (201) as relayed: sender id and name are the ones the room vouches for (GoS). */
export function relayedChat(
  msg: RoomBroadcastMessage | DirectedDataMessage,
  senderId: number,
  senderName: string,
): Uint8Array {
  return encodeMessage({ ...msg, header: { ...msg.header, playerId: senderId }, senderName }, BROADCAST_DIALECT);
}

export type PlayerInfoShown = Pick<
  PlayerInfo,
  "administrator" | "orderIndex" | "iconIndex" | "primaryColor" | "secondaryColor" | "login" | "name"
>;

/**
 * player_info (17, §5.13): what the room shows of the player, and its stats and profile strings
 * from D1 when there are any (guests and failures: zeros and empty strings).
 */
export function playerInfoPacket(shown: PlayerInfoShown, stats: PlayerStats | null = null): Uint8Array {
  if (stats) {
    return encodeMessage(
      {
        type: 17,
        ...shown,
        bungieEmployee: false,
        unrankedScore: stats.unrankedScore,
        rankedScore: stats.rankedScore,
        rankedScoreByGameType: stats.rankedScoreByGameType,
        orderUnrankedScore: stats.orderScores.unranked,
        orderRankedScore: stats.orderScores.ranked,
        orderRankedScoreByGameType: stats.orderScores.byGameType,
        overallRankData: stats.overallRankData,
        orderName: stats.orderName,
        city: stats.city,
        state: stats.state,
        country: stats.country,
        quote: stats.quote,
      },
      BROADCAST_DIALECT,
    );
  }
  return encodeMessage(
    {
      type: 17,
      ...shown,
      bungieEmployee: false,
      unrankedScore: EMPTY_SCORE_DATUM,
      rankedScore: EMPTY_SCORE_DATUM,
      rankedScoreByGameType: [],
      orderUnrankedScore: EMPTY_SCORE_DATUM,
      orderRankedScore: EMPTY_SCORE_DATUM,
      orderRankedScoreByGameType: [],
      overallRankData: {
        totalUsers: 0,
        totalOrders: 0,
        unranked: EMPTY_GAME_RANK_DATA,
        ranked: EMPTY_GAME_RANK_DATA,
        rankedByGameType: [],
        orderUnranked: EMPTY_GAME_RANK_DATA,
        orderRanked: EMPTY_GAME_RANK_DATA,
        orderRankedByGameType: [],
      },
      orderName: "",
      city: "",
      state: "",
      country: "",
      quote: "",
    },
    BROADCAST_DIALECT,
  );
}

/** Text we send must fit its field (the encoder refuses more): cut at a NUL and at the limit. */
function clip(text: string, limit: number): string {
  const nul = text.indexOf("\0");
  return (nul < 0 ? text : text.slice(0, nul)).slice(0, limit);
}
