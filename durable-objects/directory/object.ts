/**
 * The Directory (one object, edge/objects.ts): who is online where — handoff tokens (§6.3),
 * presence per room (sessions.ts), per-room counts and the room-list fan-out (room-counts.ts).
 * Everything lives in SQLite storage, so an eviction loses nothing.
 *
 * Token lifetime follows GoS: valid as long as the user is seen in some room; once the user
 * is in no room, it expires after a grace (TOKEN_GRACE_SECONDS) — long enough to move from
 * the login server to a room or from one room to another. On top of that (issue 10): a token
 * is redeemed only from the address that logged in, and never TOKEN_MAX_AGE_SECONDS after it
 * was issued.
 *
 * Presence is reconciled with the rooms (reconcile.ts): at the object's start (after a crash or
 * a restart the rooms' sockets are gone, but the rows say "in room 0") and on a heartbeat
 * (RECONCILE_SECONDS) while anyone is in a room. A room reports who it really holds; everyone
 * else leaves, and the counts follow.
 */
import { DurableObject } from "cloudflare:workers";
import { addressOf } from "../../edge/abuse/address.ts";
import { LIMIT_NAMES, limitHit } from "../../edge/abuse/counters.ts";
import { loadConfig } from "../../edge/config.ts";
import {
  FIRST_GUEST_ID,
  type LocatedPlayer,
  type LoginGrant,
  type LoginRefused,
  type LoginRequest,
  type OnlinePlayer,
  type RoomCounts,
  type SessionUser,
} from "../../edge/contracts.ts";
import type { D1Histogram } from "../../edge/d1-histogram.ts";
import { newToken } from "../../edge/handoff-token.ts";
import { type Ban, banText } from "../../edge/moderation/rules.ts";
import { roomStub, tryCall } from "../../edge/objects.ts";
import { decodePlayerData, ServerMessageCode } from "../../protocol/messages.ts";
import { BanCache } from "./ban-cache.ts";
import { type DirectoryCounters, DirectoryMetrics, type MinuteBucket } from "./metrics.ts";
import { onlinePlayers, sessionsCoveredBy } from "./moderation.ts";
import { rankPlayers } from "./player-search.ts";
import { notifyPresence, notifySocialChange, type SocialChange } from "./presence-notice.ts";
import { reconcilePresence } from "./reconcile.ts";
import { RoomCountTable } from "./room-counts.ts";
import { type Session, SessionTable } from "./sessions.ts";

/** A room join takes a directory round trip and a few packets: well under this. */
const JOIN_IN_FLIGHT_MS = 10_000;

export class Directory extends DurableObject<Env> {
  private readonly sessions: SessionTable;
  private readonly counts: RoomCountTable;
  private readonly bans = new BanCache(() => this.env.DB);
  private readonly metrics = new DirectoryMetrics();
  /** When the alarm is known to be armed for (null: ask storage). */
  private alarmAt: number | null = null;

  /** When presence was last reconciled with the rooms by this instance (0: not yet). */
  private reconciledAt = 0;
  /** user id → room, as the rows said when this instance started (cleared by the first reconciliation). */
  private believedAtStart = new Map<number, number>();
  /** user id → when it entered a room here; reconciliation leaves recent joins alone. */
  private readonly entered = new Map<number, number>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sessions = new SessionTable(ctx.storage.sql);
    this.counts = new RoomCountTable(ctx.storage.sql);
    // A new instance may follow a crash: note who the rows say is in a room, and reconcile right
    // away (the alarm does it, outside any caller's request).
    for (const roomId of this.sessions.roomsInUse()) {
      for (const userId of this.sessions.inRoom(roomId)) this.believedAtStart.set(userId, roomId);
    }
    ctx.blockConcurrencyWhile(() => this.armAlarm(Date.now()));
  }

  /**
   * A user passed the login server. Guests get a fresh id; a registered user already online
   * loses the earlier session (its token dies, its room connection is kicked).
   */
  async login(request: LoginRequest): Promise<LoginGrant> {
    const ban = await this.bans.find({
      userId: request.guest ? null : (request.userId ?? null),
      guest: request.guest,
      userName: request.userName,
      clientAddress: request.clientAddress,
    });
    if (ban) return { token: "", userId: 0, refused: banText(ban) };
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
    this.metrics.granted(request.guest);
    if (kickFrom !== null) await this.kick(userId, kickFrom, "Logged in again from elsewhere");
    return { token, userId, counts: this.counts.all() };
  }

  /**
   * A room checks a token from room_login (101). Records the user as present in roomId and
   * kicks the user's connection in any other room. Null ⇒ unknown or expired token.
   */
  async redeem(token: string, roomId: number, clientAddress?: string): Promise<SessionUser | null> {
    const entered = await this.enterRoom(token, roomId, clientAddress ?? "");
    return entered && "refused" in entered ? null : entered;
  }

  /**
   * redeem for a room's login: the token must come from the address that logged in (when the
   * room names one), and a ban in force covering the player refuses it (code 14 with the ban's
   * text), checking the room connection's own address too.
   */
  async enterRoom(token: string, roomId: number, clientAddress: string): Promise<SessionUser | LoginRefused | null> {
    if (typeof token !== "string" || !/^[0-9a-f]{64}$/.test(token)) return null;
    const session = this.sessions.byToken(token);
    if (!session) {
      this.metrics.joined(false);
      return null;
    }
    const userId = session.user.userId;
    const now = Date.now();
    const tooOld = now - session.issuedAt >= loadConfig(this.env).tokenMaxAgeSeconds * 1000;
    if (tooOld || (session.roomId === null && session.expiresAt !== null && session.expiresAt <= now)) {
      this.sessions.delete(userId);
      return null;
    }
    // Bound to the address that logged in: a token seen elsewhere is refused (and stays valid for its owner).
    if (clientAddress !== "" && addressOf(clientAddress) !== addressOf(session.user.clientAddress)) {
      // Counted here for /metrics (it fires here; edge/abuse/signals.ts does not forward it).
      this.metrics.limitsFired({ token_wrong_address: 1 });
      limitHit({
        limit: "token_wrong_address",
        subject: String(userId),
        detail: { address: addressOf(clientAddress) },
      });
      return null;
    }
    // A ban made since the login applies here too (its enforcement normally ended the session
    // already); the room's connection may come from another address than the login's.
    const user = session.user;
    const ban = await this.bans.find({
      userId: user.guest ? null : userId,
      guest: user.guest,
      userName: user.userName,
      clientAddress: clientAddress || user.clientAddress,
    });
    if (ban) {
      this.sessions.delete(userId);
      return { refused: banText(ban) };
    }
    this.sessions.enterRoom(userId, roomId);
    this.entered.set(userId, now);
    // Someone is in a room: keep the presence heartbeat going.
    await this.armAlarm(Math.max(now, this.reconciledAt + loadConfig(this.env).reconcileSeconds * 1000));
    this.metrics.joined(true);
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

  /** The player changed its buddies or order on the web page: fresh 19 / 20 to whoever is online. */
  async socialChanged(userId: number, change: SocialChange): Promise<void> {
    if (!Number.isInteger(userId)) return;
    await notifySocialChange(this.env, this.sessions, userId, change);
  }

  /** Online players among these user ids, each with its room (buddy and order queries). */
  async locate(userIds: number[]): Promise<LocatedPlayer[]> {
    if (!Array.isArray(userIds)) return [];
    const ids = userIds.filter((id) => Number.isInteger(id)).slice(0, 1000);
    const rooms = this.roomsOf();
    return this.sessions.present(ids).map((s) => onlinePlayer(s, rooms));
  }

  /** player_search_query (117): online players of `game` matching the query, best first. */
  async searchPlayers(query: string, game: string, limit?: number): Promise<LocatedPlayer[]> {
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

  // ------------------------------------------------------------------ moderation

  /** Every logged-in player, with the room each is in (null between login and a room). */
  async onlinePlayers(): Promise<OnlinePlayer[]> {
    return onlinePlayers(this.sessions);
  }

  /**
   * Ends a user's session wherever it is: 21 with the reason in its room, and its token dies
   * so it cannot enter another. False when the user is not online.
   */
  async kickUser(userId: number, reason: string): Promise<boolean> {
    const session = this.sessions.byUser(userId);
    if (!session) return false;
    this.sessions.delete(userId);
    if (session.roomId !== null) await this.blam(userId, session.roomId, reason);
    return true;
  }

  /**
   * A new ban takes effect at once: logins and room logins from now on are refused, and every
   * live session it covers is kicked with `reason`. Returns how many.
   */
  async enforceBan(ban: Ban, reason: string): Promise<number> {
    this.bans.added(ban);
    const covered = sessionsCoveredBy(this.sessions, ban);
    for (const s of covered) this.sessions.delete(s.user.userId);
    await Promise.all(
      covered.filter((s) => s.roomId !== null).map((s) => this.blam(s.user.userId, s.roomId as number, reason)),
    );
    return covered.length;
  }

  /** A ban was lifted: logins it covered are let in again. */
  async banLifted(banId: number): Promise<void> {
    this.bans.lifted(banId);
  }

  /** A blue line to every occupied room of every game. Returns the rooms reached. */
  async announce(text: string): Promise<number> {
    const rooms = this.counts.occupied();
    await Promise.all(rooms.map((id) => tryCall(`room ${id}: message`, () => roomStub(this.env, id).message(text))));
    return rooms.length;
  }

  /** 21 (you_just_got_blammed_sucka) with the reason, then close (GoS dot_kick). */
  private async blam(userId: number, roomId: number, reason: string): Promise<void> {
    await tryCall(`room ${roomId}: kick`, () => roomStub(this.env, roomId).kick(userId, reason));
  }

  /**
   * One alarm serves two timers: a room-list fan-out held back by the window, and tokens whose
   * grace ran out (dropped here). It then re-arms for whichever of the two comes next.
   */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const config = loadConfig(this.env);
    const heartbeatMs = config.reconcileSeconds * 1000;
    if (Date.now() - this.reconciledAt >= heartbeatMs) {
      const atStart = this.reconciledAt === 0 ? this.believedAtStart : null;
      this.believedAtStart = new Map();
      this.reconciledAt = Date.now();
      const recent = this.reconciledAt - JOIN_IN_FLIGHT_MS;
      for (const [userId, at] of this.entered) if (at < recent) this.entered.delete(userId);
      const joining = (userId: number) => this.entered.has(userId);
      await reconcilePresence(this.env, this.sessions, this.counts, this.graceMs(), atStart, joining);
    }
    const now = Date.now();
    if (this.counts.pending && now >= this.counts.windowEnd()) await this.fanOutRoomLists();
    const nextExpiry = this.sessions.sweep(now, now - config.tokenMaxAgeSeconds * 1000);
    // Read after the fan-out: a change during it (the input gate opens on the room calls) may
    // have opened a new window.
    const listsDue = this.counts.pending ? this.counts.windowEnd() : null;
    // The heartbeat runs while anyone is in a room (or a room still reports players).
    const occupied = this.sessions.roomsInUse().length > 0 || this.counts.occupied().length > 0;
    const heartbeat = occupied ? this.reconciledAt + heartbeatMs : Number.POSITIVE_INFINITY;
    const next = Math.min(nextExpiry ?? Number.POSITIVE_INFINITY, listsDue ?? Number.POSITIVE_INFINITY, heartbeat);
    if (next !== Number.POSITIVE_INFINITY) {
      await this.ctx.storage.setAlarm(next);
      this.alarmAt = next;
    }
  }

  /** The login server refused a client (code = the server_message it sent): counted for /metrics. */
  async noteLoginRefused(code: number): Promise<void> {
    this.metrics.refused(code);
  }

  /** Abuse limits fired in some isolate since its last call (edge/abuse/signals.ts): counted for /metrics. */
  async noteLimits(deltas: Record<string, number>): Promise<void> {
    const known: Record<string, number> = {};
    for (const name of LIMIT_NAMES) {
      const n = deltas?.[name];
      if (typeof n === "number" && Number.isSafeInteger(n) && n > 0) known[name] = n;
    }
    this.metrics.limitsFired(known);
  }

  /** An unexpected failure somewhere on the edge (counted for /metrics and the dashboard). */
  async noteError(where: string): Promise<void> {
    this.metrics.failed(String(where));
  }

  /** A malformed packet answered with server_message 0 at the login server or a room (for /metrics). */
  async noteProtocolError(where: string, kind: string): Promise<void> {
    this.metrics.protocolError(String(where), String(kind));
  }

  /** D1 latency histograms from some isolate (edge/d1-timing.ts), for /metrics. */
  async noteD1Latency(batch: Partial<Record<string, D1Histogram>>): Promise<void> {
    this.metrics.d1Latency(batch);
  }

  /** A room object rebuilt its state (first contact or a wake-up): counted for /metrics. */
  async noteRoomStarted(roomId: number): Promise<void> {
    this.metrics.roomStarted(roomId);
  }

  /** For /metrics: the counters, the room counts and how many sessions are open. */
  async metricsSnapshot(): Promise<{
    counters: DirectoryCounters;
    rooms: Record<number, RoomCounts>;
    sessions: number;
  }> {
    return { counters: this.metrics.snapshot(), rooms: this.counts.all(), sessions: this.sessions.count() };
  }

  /** Logins granted and refused per minute over the last hour (the dashboard's overview). */
  async loginsLastHour(): Promise<MinuteBucket[]> {
    return this.metrics.lastHour();
  }

  private async fanOutRoomLists(): Promise<void> {
    this.metrics.fannedOut();
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

function onlinePlayer(s: Session, rooms: Map<number, { wireId: number }>): LocatedPlayer {
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
