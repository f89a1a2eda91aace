import { DurableObject } from "cloudflare:workers";
import type { Dialect } from "../protocol/dialect.ts";
import { DEFAULT_TOKEN_GRACE_SECONDS, loadConfig } from "../worker/config.ts";
import { newToken } from "../worker/handoff-token.ts";
import { roomControl, tryRoomCall } from "../worker/room-control.ts";

/** A logged-in player as the login flow hands it to the rooms (docs/architecture.md). */
export interface SessionUser {
  userId: number;
  userName: string;
  guest: boolean;
  adminLevel: number;
  dialect: Dialect;
  encrypted: boolean;
  build: number;
  appVersion: number;
  /** Encoded player-data block (§4.2: 38 bytes + nick + team). */
  playerData: Uint8Array;
  /** "ipv4:port" as seen by the bridge. */
  clientAddress: string;
}

export type LoginRequest = Omit<SessionUser, "userId"> & { userId?: number };

export interface RoomCounts {
  players: number;
  games: number;
}

/** Guests get ids from int.max / 2 upward; registered ids stay below (GoS login_server.d). */
export const FIRST_GUEST_ID = 1073741823;
const LAST_GUEST_ID = 0x7fffffff;
/** server_message code 6, "User already logged in!" (§9), as GoS kicks duplicates. */
const KICK_DUPLICATE = 6;
/** At most one room-list fan-out per this window (join storms; see roomListsChanged). */
export const ROOM_LIST_WINDOW_MS = 1_000;

interface SessionRow extends Record<string, SqlStorageValue> {
  user_id: number;
  token: string;
  user_name: string;
  guest: number;
  admin_level: number;
  dialect: string;
  encrypted: number;
  build: number;
  app_version: number;
  player_data: ArrayBuffer;
  client_address: string;
  room_id: number | null;
  expires_at: number | null;
}

/** Stub for the one global directory. */
export function directory(env: Env): DurableObjectStub<Directory> {
  return env.DIRECTORY.get(env.DIRECTORY.idFromName("global"));
}

/**
 * Who is online where: handoff tokens (§6.3), presence per room, per-room counts, and the
 * room-list fan-out. Everything lives in SQLite storage so an eviction loses nothing.
 *
 * Token lifetime follows GoS: valid as long as the user is seen in some room; once the user
 * is in no room, it expires after a grace (config tokenGraceSeconds) — long enough to move
 * from the login server to a room or from one room to another.
 */
export class Directory extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS sessions (
        user_id INTEGER PRIMARY KEY,
        token TEXT NOT NULL UNIQUE,
        user_name TEXT NOT NULL,
        guest INTEGER NOT NULL,
        admin_level INTEGER NOT NULL,
        dialect TEXT NOT NULL,
        encrypted INTEGER NOT NULL,
        build INTEGER NOT NULL,
        app_version INTEGER NOT NULL,
        player_data BLOB NOT NULL,
        client_address TEXT NOT NULL,
        room_id INTEGER,
        expires_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions (expires_at) WHERE room_id IS NULL;
      CREATE TABLE IF NOT EXISTS rooms (
        room_id INTEGER PRIMARY KEY,
        players INTEGER NOT NULL,
        games INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
    `);
  }

  /**
   * A user passed the login server. Guests get a fresh id; a registered user already online
   * loses the earlier session (its token dies, its room connection is kicked).
   */
  async login(user: LoginRequest): Promise<{ token: string; userId: number }> {
    let userId: number;
    let kickFrom: number | null = null;
    if (user.guest) {
      userId = this.nextGuestId();
    } else {
      if (!Number.isInteger(user.userId) || (user.userId as number) < 1 || (user.userId as number) >= FIRST_GUEST_ID) {
        throw new RangeError(`registered user id must be 1..${FIRST_GUEST_ID - 1}, got ${user.userId}`);
      }
      userId = user.userId as number;
      const earlier = this.session(userId);
      if (earlier) {
        kickFrom = earlier.room_id;
        this.sql.exec("DELETE FROM sessions WHERE user_id = ?", userId);
      }
    }
    const token = newToken();
    const expiresAt = Date.now() + this.graceMs();
    this.sql.exec(
      `INSERT INTO sessions (user_id, token, user_name, guest, admin_level, dialect, encrypted, build, app_version,
         player_data, client_address, room_id, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
      userId,
      token,
      user.userName,
      user.guest ? 1 : 0,
      user.adminLevel,
      user.dialect,
      user.encrypted ? 1 : 0,
      user.build,
      user.appVersion,
      user.playerData,
      user.clientAddress,
      expiresAt,
    );
    await this.scheduleSweep(expiresAt);
    if (kickFrom !== null) await this.kick(userId, kickFrom, "Logged in again from elsewhere");
    return { token, userId };
  }

  /**
   * A room checks a token from room_login (101). Records the user as present in roomId and
   * kicks the user's connection in any other room. Null ⇒ unknown or expired token.
   */
  async redeem(token: string, roomId: number): Promise<SessionUser | null> {
    if (typeof token !== "string" || !/^[0-9a-f]{64}$/.test(token)) return null;
    const row = this.sql.exec<SessionRow>("SELECT * FROM sessions WHERE token = ?", token).toArray()[0];
    if (!row) return null;
    if (row.room_id === null && row.expires_at !== null && row.expires_at <= Date.now()) {
      this.sql.exec("DELETE FROM sessions WHERE user_id = ?", row.user_id);
      return null;
    }
    const previousRoom = row.room_id;
    this.sql.exec("UPDATE sessions SET room_id = ?, expires_at = NULL WHERE user_id = ?", roomId, row.user_id);
    if (previousRoom !== null && previousRoom !== roomId) {
      await this.kick(row.user_id, previousRoom, "Joined another room");
    }
    return toSessionUser(row);
  }

  /** The user's connection to roomId ended. Ignored if the user has since moved elsewhere. */
  async left(userId: number, roomId: number): Promise<void> {
    const expiresAt = Date.now() + this.graceMs();
    const changed = this.sql.exec(
      "UPDATE sessions SET room_id = NULL, expires_at = ? WHERE user_id = ? AND room_id = ?",
      expiresAt,
      userId,
      roomId,
    ).rowsWritten;
    if (changed > 0) await this.scheduleSweep(expiresAt);
  }

  /** A room's own player and game counts; on change every occupied room re-sends room_list. */
  async reportRoom(roomId: number, players: number, games: number): Promise<void> {
    const before = this.sql
      .exec<{ players: number; games: number }>("SELECT players, games FROM rooms WHERE room_id = ?", roomId)
      .toArray()[0];
    if (before && before.players === players && before.games === games) return;
    this.sql.exec(
      "INSERT INTO rooms (room_id, players, games) VALUES (?, ?, ?) ON CONFLICT (room_id) DO UPDATE SET players = excluded.players, games = excluded.games",
      roomId,
      players,
      games,
    );
    await this.roomListsChanged();
  }

  /**
   * Tells the occupied rooms to re-send room_list: at once if the last fan-out is a window ago,
   * else once when the window ends (a durable alarm), with the counts as they are then. One
   * fan-out per join would send every client a list per join — N²/2 lists to fill rooms with N
   * players (docs/performance.md, join storm). A newcomer gets its own list from its room at
   * once, so only the others wait, at most ROOM_LIST_WINDOW_MS.
   */
  private async roomListsChanged(): Promise<void> {
    const due = this.roomListsDue();
    if (Date.now() >= due) return this.fanOutRoomLists();
    this.setMeta("room_lists_pending", 1);
    await this.scheduleSweep(due);
  }

  /** When the current window ends (kept in SQLite, so an eviction keeps a pending fan-out). */
  private roomListsDue(): number {
    return this.metaValue("room_lists_sent_at") + ROOM_LIST_WINDOW_MS;
  }

  private roomListsPending(): boolean {
    return this.metaValue("room_lists_pending") === 1;
  }

  private async fanOutRoomLists(): Promise<void> {
    this.setMeta("room_lists_sent_at", Date.now());
    this.setMeta("room_lists_pending", 0);
    // Empty rooms are skipped so they are not woken for nothing; they send a fresh list on join.
    const occupied = this.sql
      .exec<{ room_id: number }>("SELECT room_id FROM rooms WHERE players > 0")
      .toArray()
      .map((r) => r.room_id);
    await Promise.all(
      occupied.map((id) => tryRoomCall("roomListChanged", id, () => roomControl(this.env, id).roomListChanged())),
    );
  }

  private metaValue(key: string): number {
    return this.sql.exec<{ v: number }>("SELECT v FROM meta WHERE k = ?", key).toArray()[0]?.v ?? 0;
  }

  private setMeta(key: string, value: number): void {
    this.sql.exec("INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v", key, value);
  }

  async roomCounts(): Promise<Record<number, RoomCounts>> {
    const counts: Record<number, RoomCounts> = {};
    for (const r of this.sql.exec<{ room_id: number; players: number; games: number }>("SELECT * FROM rooms")) {
      counts[r.room_id] = { players: r.players, games: r.games };
    }
    return counts;
  }

  /** User ids present in each room (for /status.json). */
  async online(): Promise<Record<number, number[]>> {
    const rooms: Record<number, number[]> = {};
    const rows = this.sql.exec<{ user_id: number; room_id: number }>(
      "SELECT user_id, room_id FROM sessions WHERE room_id IS NOT NULL ORDER BY user_id",
    );
    for (const r of rows) {
      const list = rooms[r.room_id] ?? [];
      list.push(r.user_id);
      rooms[r.room_id] = list;
    }
    return rooms;
  }

  /**
   * One alarm serves two timers: a room-list fan-out held back by the window, and tokens whose
   * grace ran out (dropped here). It then re-arms for whichever of the two comes next.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    if (this.roomListsPending() && now >= this.roomListsDue()) await this.fanOutRoomLists();
    this.sql.exec("DELETE FROM sessions WHERE room_id IS NULL AND expires_at <= ?", now);
    const nextExpiry = this.sql
      .exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM sessions WHERE room_id IS NULL")
      .one().at;
    // Read after the fan-out: a change during it (the input gate opens on the room calls) may
    // have opened a new window.
    const listsDue = this.roomListsPending() ? this.roomListsDue() : null;
    const next = Math.min(nextExpiry ?? Number.POSITIVE_INFINITY, listsDue ?? Number.POSITIVE_INFINITY);
    if (next !== Number.POSITIVE_INFINITY) await this.ctx.storage.setAlarm(next);
  }

  private session(userId: number): SessionRow | undefined {
    return this.sql.exec<SessionRow>("SELECT * FROM sessions WHERE user_id = ?", userId).toArray()[0];
  }

  private nextGuestId(): number {
    const stored = this.sql.exec<{ v: number }>("SELECT v FROM meta WHERE k = 'next_guest_id'").toArray()[0];
    let id = stored?.v ?? FIRST_GUEST_ID;
    const start = id;
    while (this.sql.exec("SELECT 1 FROM sessions WHERE user_id = ?", id).toArray().length > 0) {
      id = id >= LAST_GUEST_ID ? FIRST_GUEST_ID : id + 1;
      if (id === start) throw new Error("no free guest id");
    }
    const next = id >= LAST_GUEST_ID ? FIRST_GUEST_ID : id + 1;
    this.sql.exec(
      "INSERT INTO meta (k, v) VALUES ('next_guest_id', ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
      next,
    );
    return id;
  }

  private graceMs(): number {
    try {
      return loadConfig(this.env).tokenGraceSeconds * 1000;
    } catch {
      // A bad ROOM_CONFIG must not stop logins here; the Worker reports it on its own routes.
      return DEFAULT_TOKEN_GRACE_SECONDS * 1000;
    }
  }

  /** Arms the alarm for `at` unless it is already due earlier (token sweep or room-list fan-out). */
  private async scheduleSweep(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  private async kick(userId: number, roomId: number, reason: string): Promise<void> {
    await tryRoomCall("kick", roomId, () => roomControl(this.env, roomId).kick(userId, reason, KICK_DUPLICATE));
  }
}

function toSessionUser(row: SessionRow): SessionUser {
  return {
    userId: row.user_id,
    userName: row.user_name,
    guest: row.guest === 1,
    adminLevel: row.admin_level,
    dialect: row.dialect as Dialect,
    encrypted: row.encrypted === 1,
    build: row.build,
    appVersion: row.app_version,
    playerData: new Uint8Array(row.player_data),
    clientAddress: row.client_address,
  };
}
