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
  type RoomCounts,
  type SessionUser,
} from "../../edge/contracts.ts";
import { newToken } from "../../edge/handoff-token.ts";
import { roomStub, tryCall } from "../../edge/objects.ts";
import { ServerMessageCode } from "../../protocol/messages.ts";
import { type DirectoryCounters, DirectoryMetrics, type MinuteBucket } from "./metrics.ts";
import { RoomCountTable } from "./room-counts.ts";
import { SessionTable } from "./sessions.ts";

export class Directory extends DurableObject<Env> {
  private readonly sessions: SessionTable;
  private readonly counts: RoomCountTable;
  private readonly metrics = new DirectoryMetrics();
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
    this.metrics.granted(request.guest);
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
    if (!session) {
      this.metrics.joined(false);
      return null;
    }
    const userId = session.user.userId;
    if (session.roomId === null && session.expiresAt !== null && session.expiresAt <= Date.now()) {
      this.sessions.delete(userId);
      return null;
    }
    this.sessions.enterRoom(userId, roomId);
    this.metrics.joined(true);
    if (session.roomId !== null && session.roomId !== roomId)
      await this.kick(userId, session.roomId, "Joined another room");
    return session.user;
  }

  /** The user's connection to roomId ended. Ignored if the user has since moved elsewhere. */
  async left(userId: number, roomId: number): Promise<void> {
    const expiresAt = Date.now() + this.graceMs();
    if (this.sessions.leaveRoom(userId, roomId, expiresAt)) await this.armAlarm(expiresAt);
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

  /** The login server refused a client (code = the server_message it sent): counted for /metrics. */
  async noteLoginRefused(code: number): Promise<void> {
    this.metrics.refused(code);
  }

  /** An unexpected failure somewhere on the edge (counted for /metrics and the dashboard). */
  async noteError(where: string): Promise<void> {
    this.metrics.failed(String(where));
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
