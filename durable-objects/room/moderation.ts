/**
 * The room's side of moderation: its own state (locked, gags — kept by the shell so it survives
 * hibernation), the one chat check for gags, and what the room asks the edge for (bans, the
 * audit log, announcements, who is online). Pure: the shell supplies RoomModeration.
 */
import type { OnlinePlayer, SessionUser } from "../../edge/contracts.ts";
import type { AuditEntry, NewBan } from "../../edge/moderation/rules.ts";
import { formatUtc } from "../../edge/moderation/rules.ts";
import { ServerMessageCode } from "../../protocol/messages.ts";
import type { RoomCore } from "./core.ts";
import { blueMessage } from "./packets.ts";
import type { PlayerConnection } from "./state.ts";

export interface Gag {
  readonly until: number;
  readonly reason: string;
}

export interface RoomModerationState {
  /** No new joins except staff: `.lock`/`.unlock`, or PATCH /admin/rooms/:id `locked` (the dashboard). */
  locked: boolean;
  /** By user id: gags outlive a reconnect to this room. */
  gags: Record<number, Gag>;
}

export const emptyModerationState = (): RoomModerationState => ({ locked: false, gags: {} });

/** What the room asks the edge for (D1 and the directory). Writes resolve once durable. */
export interface RoomModeration {
  /** A registered player's mute and block lists, loaded at room login (bans are checked by the directory's redeem). */
  lists(userId: number): Promise<{ mutes: number[]; blocks: number[] }>;
  /** Adds or removes one entry of a registered player's list (durable before it resolves). */
  setListed(kind: "mutes" | "blocks", userId: number, targetId: number, on: boolean): Promise<void>;
  /** The names on a registered player's list. */
  listNames(kind: "mutes" | "blocks", userId: number): Promise<{ id: number; name: string }[]>;
  audit(entry: AuditEntry): Promise<void>;
  /** Stores the ban and its audit row, then kicks every live session it covers. */
  ban(
    input: NewBan,
    audit: Omit<AuditEntry, "action" | "target" | "reason">,
  ): Promise<{ ok: true; text: string } | { ok: false; message: string }>;
  /** Lifts the account bans in force for a login name; the number lifted, or null for no such account. */
  unban(userName: string, audit: Omit<AuditEntry, "action" | "target">): Promise<number | null>;
  /** The user's session ends everywhere (its token dies; 21 in any room it is still in). */
  endSession(userId: number, reason: string): Promise<void>;
  /** A blue line to every occupied room; the rooms reached. */
  announce(text: string): Promise<number>;
  online(): Promise<OnlinePlayer[]>;
}

/** The caller's gag in force, dropping it once it is over. */
export function gagOf(room: RoomCore, userId: number): Gag | null {
  const gag = room.moderation.gags[userId];
  if (!gag) return null;
  if (gag.until > room.services.now()) return gag;
  delete room.moderation.gags[userId];
  room.saveModeration();
  return null;
}

/** Bungie's gag: the chat is dropped and the player told until when. True when it was dropped. */
export function droppedByGag(room: RoomCore, conn: PlayerConnection): boolean {
  const gag = gagOf(room, conn.player.userId);
  if (!gag) return false;
  room.reply(conn, blueMessage(gagText(gag)));
  return true;
}

/** Longest gag: a day (longer is a ban). */
export const MAX_GAG_MINUTES = 24 * 60;

/**
 * The one way a gag is placed (`.gag` and the dashboard's gag button through the room's RPC):
 * stored in the room's moderation state, the player told on each of their connections here.
 * `minutes` is capped at a day. Over gags go when the next one is stored, so the state stays small.
 */
export function placeGag(room: RoomCore, userId: number, minutes: number, reason: string, now: number): Gag {
  const entry = { until: now + Math.min(minutes, MAX_GAG_MINUTES) * 60_000, reason };
  const gags = room.moderation.gags;
  for (const [id, g] of Object.entries(gags)) if (g.until <= now) delete gags[Number(id)];
  gags[userId] = entry;
  room.saveModeration();
  room.sayToUser(userId, gagText(entry));
  return entry;
}

export function gagText(gag: Gag): string {
  return `You are gagged until ${formatUtc(gag.until)}${gag.reason ? `: ${gag.reason}` : "."}`;
}

/**
 * Room login's moderation step after the directory's ban check (in redeem): a locked room
 * refuses players (code 4, GoS's "not allowed in this room", with the text; staff may still
 * enter) — the one refusal whichever path locked it (`.lock`, the admin API, the dashboard) — else the
 * player's lists (guests have none stored).
 */
export async function admit(
  room: RoomCore,
  user: SessionUser,
): Promise<{ refusal: { code: ServerMessageCode; text: string } } | { lists: { muted: number[]; blocked: number[] } }> {
  if (room.moderation.locked && user.adminLevel < 1)
    return { refusal: { code: ServerMessageCode.UserNotLoggedIn, text: "This room is locked." } };
  if (user.guest) return { lists: { muted: [], blocked: [] } };
  const found = await room.services.moderation.lists(user.userId);
  return { lists: { muted: found.mutes, blocked: found.blocks } };
}

/**
 * A private message's rules: a block refuses it (the sender is told), a mute hides it from the
 * target silently. True when it must not be delivered. An away target's sender hears so.
 */
export function whisperStopped(room: RoomCore, from: PlayerConnection, to: PlayerConnection): boolean {
  const sender = from.player.userId;
  if (to.player.blocked?.includes(sender)) {
    room.say(from, `${to.player.playerData.nick} does not accept your private messages.`);
    return true;
  }
  if (to.player.muted?.includes(sender)) return true;
  if (to.player.away !== undefined)
    room.say(from, `${to.player.playerData.nick} (away)${to.player.away ? `: ${to.player.away}` : ""}`);
  return false;
}
