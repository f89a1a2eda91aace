/**
 * Buddies, orders and searches (§4.11, §5.20, §5.22): update_buddy (120) → 19, buddy_query
 * (118) → 15, order_query (119) → 16, player_search_query (117) → 14, game_search_query (116)
 * → 13; and what a room join and the directory's online notices send (19, 20). Stored in D1
 * (edge/social/), online state from the directory, both through RoomServices.social.
 *
 * Guests have no buddy list and no order: they get empty answers, never an error.
 * Choices: buddy_entry.active is 2 (BNG's ACTIVE) online and 0 (INACTIVE) offline; 19 carries
 * the client's number of slots (edge/social/buddies.ts buddyLimit), empty slots id 0; 14/15/16
 * carry room_info.room_id (the wire id) both in the entry and in aux.room_id.
 */
import type { LocatedPlayer, SocialNotice } from "../../../edge/contracts.ts";
import { buddyLimit } from "../../../edge/social/rules.ts";
import { LIST_PAYLOAD_LIMIT } from "../../../protocol/messages/lists.ts";
import {
  CASTE_ADMINISTRATOR,
  CASTE_NONE,
  decodePlayerData,
  encodeMessage,
  encodePlayerSearchList,
  type MessageOf,
  PlayerAuxFlag,
  type PlayerSearchEntry,
  Verb,
} from "../../../protocol/messages.ts";
import type { RoomCore } from "../core.ts";
import { GAME_SEARCH_RESULTS } from "../game-search.ts";
import { BROADCAST_DIALECT, blueMessage } from "../packets.ts";
import type { PlayerConnection, PlayerState } from "../state.ts";
import type { Handler } from "./handler.ts";

export const SOCIAL_QUERY_REFUSED_TEXT = "Too many searches and buddy changes; wait a minute.";

export const BUDDY_ACTIVE = 2;
export const BUDDY_INACTIVE = 0;
/** update_order_member_list entries that fit one packet (i32 count + 8 bytes each). */
const MAX_ORDER_MEMBERS_SHOWN = Math.floor((LIST_PAYLOAD_LIMIT - 4) / 8);

/** update_player_buddy_list (19): `slots` entries, the buddies first. */
export function buddyListPacket(buddies: readonly { playerId: number; online: boolean }[], slots: number): Uint8Array {
  const entries = Array.from({ length: slots }, (_, i) => {
    const b = buddies[i];
    return b ? { playerId: b.playerId, active: b.online ? BUDDY_ACTIVE : BUDDY_INACTIVE } : { playerId: 0, active: 0 };
  });
  return encodeMessage({ type: 19, buddies: entries }, BROADCAST_DIALECT);
}

export function orderMemberListPacket(members: readonly { playerId: number; online: boolean }[]): Uint8Array {
  return encodeMessage({ type: 20, members: members.slice(0, MAX_ORDER_MEMBERS_SHOWN) }, BROADCAST_DIALECT);
}

/** One 14/15/16 entry for an online player (the directory's copy of its player data). */
export function searchEntry(p: LocatedPlayer): PlayerSearchEntry | null {
  const data = decodePlayerData(p.playerData);
  if (!data.ok) return null;
  let flags = 0;
  if (p.adminLevel > 0) flags |= PlayerAuxFlag.Administrator;
  if (p.guest) flags |= PlayerAuxFlag.Anonymous;
  return {
    roomId: p.wireRoomId,
    aux: {
      verb: Verb.Add,
      flags,
      ranking: 0,
      playerId: p.userId,
      roomId: p.wireRoomId,
      caste: p.adminLevel > 0 ? CASTE_ADMINISTRATOR : CASTE_NONE,
      order: data.value.orderIndex,
    },
    player: data.value,
  };
}

function searchList(players: readonly LocatedPlayer[], type: 14 | 15 | 16): Uint8Array[] {
  const entries = players.map(searchEntry).filter((e): e is PlayerSearchEntry => e !== null);
  return encodePlayerSearchList(entries, type);
}

/** Online players of the caller's own game (15 and 16 list only those: the client joins them by room id). */
function sameGame(room: RoomCore, players: readonly LocatedPlayer[]): LocatedPlayer[] {
  const config = room.services.edgeConfig();
  const game = room.config.game;
  const rooms = new Set(config.rooms.filter((r) => r.game === game).map((r) => r.id));
  return players.filter((p) => rooms.has(p.roomId));
}

const slotsOf = (p: PlayerState) => buddyLimit(p.dialect);

type States = { playerId: number; online: boolean }[];

/** Online flags for these ids (one directory call for all of them). */
async function statesOf(room: RoomCore, ids: readonly number[]): Promise<States> {
  if (ids.length === 0) return [];
  const online = new Set((await room.services.social.locate([...ids])).map((o) => o.userId));
  return ids.map((id) => ({ playerId: id, online: online.has(id) }));
}

/** The user's buddy list with online flags, trimmed to the client's slots. */
async function buddyStates(room: RoomCore, p: PlayerState): Promise<States> {
  return statesOf(room, (await room.services.social.buddies(p.userId)).slice(0, slotsOf(p)));
}

const updateBuddyHandler: Handler<MessageOf<120>> = async (room, conn, msg) => {
  const p = conn.player;
  if (p.guest) return room.reply(conn, buddyListPacket([], slotsOf(p)));
  // A refused add (full, unknown id, oneself) answers the list as it stands: the client shows it.
  await room.services.social.updateBuddy(p.userId, msg.buddyId, msg.add, slotsOf(p));
  const states = await buddyStates(room, p);
  if (room.isOpen(conn)) room.reply(conn, buddyListPacket(states, slotsOf(p)));
};

const buddyQueryHandler: Handler<MessageOf<118>> = async (room, conn) => {
  const p = conn.player;
  if (p.guest) return replyAll(room, conn, searchList([], 15));
  const ids = (await room.services.social.buddies(p.userId)).slice(0, slotsOf(p));
  const online = ids.length > 0 ? sameGame(room, await room.services.social.locate(ids)) : [];
  const order = new Map(ids.map((id, i) => [id, i]));
  online.sort((a, b) => (order.get(a.userId) ?? 0) - (order.get(b.userId) ?? 0));
  replyAll(room, conn, searchList(online, 15));
};

const orderQueryHandler: Handler<MessageOf<119>> = async (room, conn) => {
  const p = conn.player;
  const order = p.guest ? null : await room.services.social.orderOf(p.userId);
  const online = order ? sameGame(room, await room.services.social.locate(order.members)) : [];
  replyAll(room, conn, searchList(online, 16));
};

const playerSearchHandler: Handler<MessageOf<117>> = async (room, conn, msg) => {
  const found = msg.query.trim().length === 0 ? [] : await room.services.social.searchPlayers(msg.query);
  replyAll(room, conn, searchList(found, 14));
};

const gameSearchHandler: Handler<MessageOf<116>> = async (room, conn, msg) => {
  const { type: _, ...query } = msg;
  const here = room.searchGames(query);
  const elsewhere = here.length < GAME_SEARCH_RESULTS ? await room.services.social.searchOtherRooms(query) : [];
  const games = [...here, ...elsewhere].slice(0, GAME_SEARCH_RESULTS);
  if (room.isOpen(conn)) room.reply(conn, encodeMessage({ type: 13, games }, BROADCAST_DIALECT));
};

/**
 * The budget (SOCIAL_QUERIES_PER_MINUTE): past it a query gets a blue-bar line saying why and
 * its list empty (the client waits for one); nothing reaches D1, the directory or other rooms.
 */
function budgeted<M extends MessageOf<116 | 117 | 118 | 119 | 120>>(
  handler: Handler<M>,
  empty: (() => Uint8Array) | null,
): Handler<M> {
  return (room, conn, msg, packet) => {
    if (room.allowSocialQuery(conn)) return handler(room, conn, msg, packet);
    room.reply(conn, blueMessage(SOCIAL_QUERY_REFUSED_TEXT));
    if (empty) room.reply(conn, empty());
  };
}

const emptyList = (type: 13 | 14 | 15 | 16) => () =>
  type === 13 ? encodeMessage({ type: 13, games: [] }, BROADCAST_DIALECT) : (searchList([], type)[0] as Uint8Array);

// A refused 120 gets no 19: an empty one would clear the client's buddy window.
export const updateBuddy = budgeted(updateBuddyHandler, null);
export const buddyQuery = budgeted(buddyQueryHandler, emptyList(15));
export const orderQuery = budgeted(orderQueryHandler, emptyList(16));
export const playerSearch = budgeted(playerSearchHandler, emptyList(14));
export const gameSearch = budgeted(gameSearchHandler, emptyList(13));

/**
 * After a registered player's room join: its buddy list (19) and order member list (20), each
 * only when there is one (clients without buddies or an order get nothing new).
 */
export async function afterJoin(room: RoomCore, conn: PlayerConnection): Promise<void> {
  const p = conn.player;
  if (p.guest || slotsOf(p) === 0) return;
  // One D1 batch; the directory only when there is someone to look up (most players: nobody).
  const standing = await room.services.social.standing(p.userId);
  const buddyIds = standing.buddies.slice(0, slotsOf(p));
  const memberIds = standing.order?.members ?? [];
  if (buddyIds.length === 0 && memberIds.length === 0) return;
  const all = await statesOf(room, [...new Set([...buddyIds, ...memberIds])]);
  const online = new Set(all.filter((s) => s.online).map((s) => s.playerId));
  if (!room.isOpen(conn)) return;
  const flag = (id: number) => ({ playerId: id, online: online.has(id) });
  if (buddyIds.length > 0) room.reply(conn, buddyListPacket(buddyIds.map(flag), slotsOf(p)));
  if (standing.order) room.reply(conn, orderMemberListPacket(memberIds.map(flag)));
}

/** The directory's notice (directory/presence-notice.ts) for a player in this room. */
export function sendSocialNotice(room: RoomCore, conn: PlayerConnection, notice: SocialNotice): void {
  const p = conn.player;
  if (p.guest || slotsOf(p) === 0) return;
  if (notice.buddies) room.reply(conn, buddyListPacket(notice.buddies.slice(0, slotsOf(p)), slotsOf(p)));
  if (notice.orderMembers) room.reply(conn, orderMemberListPacket(notice.orderMembers));
}

function replyAll(room: RoomCore, conn: PlayerConnection, packets: Uint8Array[]): void {
  if (!room.isOpen(conn)) return;
  for (const packet of packets) room.reply(conn, packet);
}
