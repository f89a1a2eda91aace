/**
 * The Directory (one object, edge/objects.ts): who is online where — handoff tokens (§6.3),
 * presence per room (sessions.ts), per-room counts and the room-list fan-out (room-counts.ts).
 * Everything lives in SQLite storage, so an eviction loses nothing.
 *
 * Token lifetime follows GoS: valid as long as the user is seen in some room; once the user
 * is in no room, it expires after a grace (TOKEN_GRACE_SECONDS) — long enough to move from
 * the login server to a room or from one room to another.
 */
import { DurableObject } from "cloudflare:workers";
import { loadConfig } from "../../edge/config.ts";
import {
  FIRST_GUEST_ID,
  type LoginGrant,
  type LoginRequest,
  type OnlinePlayer,
  type RoomCounts,
  type SessionUser,
} from "../../edge/contracts.ts";
import { newToken } from "../../edge/handoff-token.ts";
import { roomStub, tryCall } from "../../edge/objects.ts";
import { decodePlayerData, ServerMessageCode } from "../../protocol/messages.ts";
import { rankPlayers } from "./player-search.ts";
import { notifyPresence } from "./presence-notice.ts";
import { RoomCountTable } from "./room-counts.ts";
import { type Session, SessionTable } from "./sessions.ts";

export class Directory extends DurableObject<Env> {
  private readonly sessions: SessionTable;
  private readonly counts: RoomCountTable;
  /** When the alarm is known to be armed for (null: ask storage). */
  private alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sessions = new SessionTable(ctx.storage.sql);
    this.counts = new RoomCountTable(ctx.storage.sql);
  }

  /**
   * A user passed the login server. Guests get a fresh id; a registered user already online
   * loses the earlier session (its token dies, its room connection is kicked).
   */
  async login(request: LoginRequest): Promise<LoginGrant> {
    let userId: number;
    let kickFrom: number | null = null;
    if (request.guest) {
      userId = this.sessions.nextGuestId();
    } else {
      const id = request.userId;
      if (id === undefined || !Number.isInteger(id) || id < 1 || id >= FIRST_GUEST_ID) {
        throw new RangeError(`registered user id must be 1..${FIRST_GUEST_ID - 1}, got ${id}`);
      }
      userId = id;
      const earlier = this.sessions.byUser(userId);
      if (earlier) {
        kickFrom = earlier.roomId;
        this.sessions.delete(userId);
      }
    }
    const token = newToken();
    const expiresAt = Date.now() + this.graceMs();
    const user: SessionUser = { ...request, userId };
    this.sessions.insert(user, token, expiresAt);
    await this.armAlarm(expiresAt);
    if (kickFrom !== null) await this.kick(userId, kickFrom, "Logged in again from elsewhere");
    return { token, userId, counts: this.counts.all() };
  }

  /**
   * A room checks a token from room_login (101). Records the user as present in roomId and
   * kicks the user's connection in any other room. Null ⇒ unknown or expired token.
   */
  async redeem(token: string, roomId: number): Promise<SessionUser | null> {
    if (typeof token !== "string" || !/^[0-9a-f]{64}$/.test(token)) return null;
    const session = this.sessions.byToken(token);
    if (!session) return null;
    const userId = session.user.userId;
    if (session.roomId === null && session.expiresAt !== null && session.expiresAt <= Date.now()) {
      this.sessions.delete(userId);
      return null;
    }
    this.sessions.enterRoom(userId, roomId);
    if (session.roomId !== null && session.roomId !== roomId)
      await this.kick(userId, session.roomId, "Joined another room");
    // From no room into one: the user came online for its buddies and order mates.
    if (session.roomId === null) this.presenceChanged(session.user);
    return session.user;
  }

  /** The user's connection to roomId ended. Ignored if the user has since moved elsewhere. */
  async left(userId: number, roomId: number): Promise<void> {
    const expiresAt = Date.now() + this.graceMs();
    if (this.sessions.leaveRoom(userId, roomId, expiresAt)) {
      const user = this.sessions.byUser(userId)?.user;
      if (user) this.presenceChanged(user);
      await this.armAlarm(expiresAt);
    }
  }

  /** Online players among these user ids, each with its room (buddy and order queries). */
  async locate(userIds: number[]): Promise<OnlinePlayer[]> {
    if (!Array.isArray(userIds)) return [];
    const ids = userIds.filter((id) => Number.isInteger(id)).slice(0, 1000);
    const rooms = this.roomsOf();
    return this.sessions.present(ids).map((s) => onlinePlayer(s, rooms));
  }

  /** player_search_query (117): online players of `game` matching the query, best first. */
  async searchPlayers(query: string, game: string, limit?: number): Promise<OnlinePlayer[]> {
    if (typeof query !== "string") return [];
    const rooms = this.roomsOf();
    const candidates: (Session & { nick: string; userName: string })[] = [];
    for (const s of this.sessions.inRooms()) {
      if (rooms.get(s.roomId as number)?.game !== game) continue;
      const data = decodePlayerData(s.user.playerData);
      candidates.push({ ...s, nick: data.ok ? data.value.nick : s.user.userName, userName: s.user.userName });
    }
    return rankPlayers(candidates, query, limit).map((s) => onlinePlayer(s, rooms));
  }

  /** A room's own player and game counts; on change every occupied room re-sends room_list. */
  async reportRoom(roomId: number, players: number, games: number): Promise<void> {
    if (!this.counts.report(roomId, players, games)) return;
    // At once if the last fan-out is a window ago, else once when the window ends (the alarm),
    // with the counts as they are then. A newcomer gets its own list from its room at once.
    const due = this.counts.windowEnd();
    if (Date.now() >= due) return this.fanOutRoomLists();
    this.counts.hold();
    await this.armAlarm(due);
  }

  async roomCounts(): Promise<Record<number, RoomCounts>> {
    return this.counts.all();
  }

  /** User ids present in each room (for /status.json). */
  async online(): Promise<Record<number, number[]>> {
    return this.sessions.online();
  }

  /**
   * One alarm serves two timers: a room-list fan-out held back by the window, and tokens whose
   * grace ran out (dropped here). It then re-arms for whichever of the two comes next.
   */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const now = Date.now();
    if (this.counts.pending && now >= this.counts.windowEnd()) await this.fanOutRoomLists();
    const nextExpiry = this.sessions.sweep(now);
    // Read after the fan-out: a change during it (the input gate opens on the room calls) may
    // have opened a new window.
    const listsDue = this.counts.pending ? this.counts.windowEnd() : null;
    const next = Math.min(nextExpiry ?? Number.POSITIVE_INFINITY, listsDue ?? Number.POSITIVE_INFINITY);
    if (next !== Number.POSITIVE_INFINITY) {
      await this.ctx.storage.setAlarm(next);
      this.alarmAt = next;
    }
  }

  private async fanOutRoomLists(): Promise<void> {
    this.counts.sent(Date.now());
    await Promise.all(
      this.counts
        .occupied()
        .map((id) => tryCall(`room ${id}: roomListChanged`, () => roomStub(this.env, id).roomListChanged())),
    );
  }

  /** Buddy and order notices, off the caller's path (guests have neither). */
  private presenceChanged(user: SessionUser): void {
    if (user.guest) return;
    this.ctx.waitUntil(
      tryCall(`directory: presence notice for ${user.userId}`, () =>
        notifyPresence(this.env, this.sessions, user.userId),
      ),
    );
  }

  private roomsOf(): Map<number, { wireId: number; game: string }> {
    return new Map(loadConfig(this.env).rooms.map((r) => [r.id, { wireId: r.wireId, game: r.game }]));
  }

  private graceMs(): number {
    return loadConfig(this.env).tokenGraceSeconds * 1000;
  }

  /**
   * Arms the alarm for `at` unless it is already due earlier (token sweep or room-list fan-out).
   * The armed time is remembered so most logins need no storage call; `alarm()` forgets it.
   */
  private async armAlarm(at: number): Promise<void> {
    if (this.alarmAt !== null && this.alarmAt <= at && this.alarmAt > Date.now()) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) {
      await this.ctx.storage.setAlarm(at);
      this.alarmAt = at;
    } else {
      this.alarmAt = current;
    }
  }

  /** GoS kicks the earlier session of a user with code 6 ("User already logged in!"). */
  private async kick(userId: number, roomId: number, reason: string): Promise<void> {
    await tryCall(`room ${roomId}: kick`, () =>
      roomStub(this.env, roomId).kick(userId, reason, ServerMessageCode.UserAlreadyLoggedIn),
    );
  }
}

function onlinePlayer(s: Session, rooms: Map<number, { wireId: number }>): OnlinePlayer {
  const roomId = s.roomId as number;
  return {
    userId: s.user.userId,
    roomId,
    wireRoomId: rooms.get(roomId)?.wireId ?? roomId,
    guest: s.user.guest,
    adminLevel: s.user.adminLevel,
    playerData: s.user.playerData,
  };
}
