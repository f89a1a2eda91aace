/**
 * The directory's sessions table: one row per online user with the handoff token (§6.3) and
 * the room the user is in. Plain SQL over the object's storage, no RPC.
 */
import { FIRST_GUEST_ID, LAST_GUEST_ID, type SessionUser } from "../../edge/contracts.ts";
import type { Dialect } from "../../protocol/dialect.ts";

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
  issued_at: number;
}

export interface Session {
  readonly user: SessionUser;
  readonly roomId: number | null;
  readonly expiresAt: number | null;
  /** When the token was issued: it dies TOKEN_MAX_AGE_SECONDS later whatever happens. */
  readonly issuedAt: number;
  /** When the user passed the login server (epoch ms; the token's issue time); null for rows older than the column. */
  readonly since: number | null;
}

/** The guest-id counter is written to storage this often (it only shortens the search after a restart). */
const GUEST_ID_SAVE_EVERY = 64;

export class SessionTable {
  private nextGuest: number | null = null;
  private guestIdsSinceSave = GUEST_ID_SAVE_EVERY - 1;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
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
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
    `);
    // Added for the tokens' absolute expiry: rows of an older object count as issued now.
    const columns = sql.exec<{ name: string }>("PRAGMA table_info(sessions)").toArray();
    if (!columns.some((c) => c.name === "issued_at")) {
      sql.exec("ALTER TABLE sessions ADD COLUMN issued_at INTEGER NOT NULL DEFAULT 0");
      sql.exec("UPDATE sessions SET issued_at = ?", Date.now());
    }
  }

  byUser(userId: number): Session | undefined {
    return toSession(this.sql.exec<SessionRow>("SELECT * FROM sessions WHERE user_id = ?", userId).toArray()[0]);
  }

  byToken(token: string): Session | undefined {
    return toSession(this.sql.exec<SessionRow>("SELECT * FROM sessions WHERE token = ?", token).toArray()[0]);
  }

  /** A new session, in no room yet, with its token valid until `expiresAt`. */
  insert(user: SessionUser, token: string, expiresAt: number, issuedAt = Date.now()): void {
    this.sql.exec(
      `INSERT INTO sessions (user_id, token, user_name, guest, admin_level, dialect, encrypted, build, app_version,
         player_data, client_address, room_id, expires_at, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
      user.userId,
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
      issuedAt,
    );
  }

  /** Every session (moderation scans: rare, and bounded by the players online). */
  all(): Session[] {
    return this.sql
      .exec<SessionRow>("SELECT * FROM sessions ORDER BY user_id")
      .toArray()
      .map((row) => toSession(row) as Session);
  }

  delete(userId: number): void {
    this.sql.exec("DELETE FROM sessions WHERE user_id = ?", userId);
  }

  /** The user is in roomId: its token lives as long as that lasts. */
  enterRoom(userId: number, roomId: number): void {
    this.sql.exec("UPDATE sessions SET room_id = ?, expires_at = NULL WHERE user_id = ?", roomId, userId);
  }

  /** The room holds this user: record it there if the session still exists (it may have been timed out meanwhile). */
  enterRoomIfKnown(userId: number, roomId: number): void {
    this.sql.exec("UPDATE sessions SET room_id = ?, expires_at = NULL WHERE user_id = ?", roomId, userId);
  }

  /** The user left roomId (ignored if it has moved on): the token now expires at `expiresAt`. */
  leaveRoom(userId: number, roomId: number, expiresAt: number): boolean {
    return (
      this.sql.exec(
        "UPDATE sessions SET room_id = NULL, expires_at = ? WHERE user_id = ? AND room_id = ?",
        expiresAt,
        userId,
        roomId,
      ).rowsWritten > 0
    );
  }

  /** User ids the directory believes are in roomId. */
  inRoom(roomId: number): number[] {
    return this.sql
      .exec<{ user_id: number }>("SELECT user_id FROM sessions WHERE room_id = ?", roomId)
      .toArray()
      .map((r) => r.user_id);
  }

  /** Rooms the directory believes someone is in. */
  roomsInUse(): number[] {
    return this.sql
      .exec<{ room_id: number }>("SELECT DISTINCT room_id FROM sessions WHERE room_id IS NOT NULL")
      .toArray()
      .map((r) => r.room_id);
  }

  /**
   * Drops sessions in no room whose token expired by `now`, and every token issued before
   * `issuedBefore` that is in no room; returns the next expiry, if any.
   */
  sweep(now: number, issuedBefore = 0): number | null {
    this.sql.exec(
      "DELETE FROM sessions WHERE room_id IS NULL AND (expires_at <= ? OR issued_at < ?)",
      now,
      issuedBefore,
    );
    return this.sql
      .exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM sessions WHERE room_id IS NULL")
      .one().at;
  }

  /** Sessions of these users that are in a room now (order not kept). */
  present(userIds: readonly number[]): Session[] {
    const out: Session[] = [];
    // SQLite's bound-parameter limit is far above a buddy list; chunk anyway for callers with more.
    for (let i = 0; i < userIds.length; i += 100) {
      const chunk = userIds.slice(i, i + 100);
      const rows = this.sql.exec<SessionRow>(
        `SELECT * FROM sessions WHERE room_id IS NOT NULL AND user_id IN (${chunk.map(() => "?").join(",")})`,
        ...chunk,
      );
      for (const row of rows) out.push(toSession(row) as Session);
    }
    return out;
  }

  /** Every session in a room (player search reads them all: bounded by who is online). */
  *inRooms(): Generator<Session> {
    for (const row of this.sql.exec<SessionRow>("SELECT * FROM sessions WHERE room_id IS NOT NULL")) {
      yield toSession(row) as Session;
    }
  }

  /** User ids present in each room. */
  /** Open sessions (handoff tokens alive, in a room or within their grace). */
  count(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM sessions").one().n;
  }

  online(): Record<number, number[]> {
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
   * The next guest id not online (GoS: from int.max / 2 upward, wrapping). The counter lives in
   * memory and is stored every GUEST_ID_SAVE_EVERY ids: after an eviction the search resumes from
   * the last stored value and skips ids still online, so nothing is handed out twice.
   */
  nextGuestId(): number {
    if (this.nextGuest === null) {
      const stored = this.sql.exec<{ v: number }>("SELECT v FROM meta WHERE k = 'next_guest_id'").toArray()[0];
      this.nextGuest = stored?.v ?? FIRST_GUEST_ID;
    }
    let id = this.nextGuest;
    const start = id;
    while (this.sql.exec("SELECT 1 FROM sessions WHERE user_id = ?", id).toArray().length > 0) {
      id = id >= LAST_GUEST_ID ? FIRST_GUEST_ID : id + 1;
      if (id === start) throw new Error("no free guest id");
    }
    this.nextGuest = id >= LAST_GUEST_ID ? FIRST_GUEST_ID : id + 1;
    if (++this.guestIdsSinceSave >= GUEST_ID_SAVE_EVERY) {
      this.guestIdsSinceSave = 0;
      this.sql.exec(
        "INSERT INTO meta (k, v) VALUES ('next_guest_id', ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
        this.nextGuest,
      );
    }
    return id;
  }
}

function toSession(row: SessionRow | undefined): Session | undefined {
  if (!row) return undefined;
  return {
    user: {
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
    },
    roomId: row.room_id,
    expiresAt: row.expires_at,
    issuedAt: row.issued_at,
    since: row.issued_at || null,
  };
}
