/**
 * Per-room player and game counts as the rooms report them, and the window that coalesces the
 * room-list fan-out: at most one fan-out per ROOM_LIST_WINDOW_MS. One fan-out per join would
 * send every client a list per join, N²/2 lists to fill rooms with N players
 * (docs/performance.md, join storm). Kept in SQLite so an eviction keeps a pending fan-out.
 */
import type { RoomCounts } from "../../edge/contracts.ts";

/** At most one room-list fan-out per this window. */
export const ROOM_LIST_WINDOW_MS = 1_000;

export class RoomCountTable {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS rooms (room_id INTEGER PRIMARY KEY, players INTEGER NOT NULL, games INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
    `);
  }

  /** Stores a room's counts; false when they did not change. */
  report(roomId: number, players: number, games: number): boolean {
    const before = this.sql
      .exec<{ players: number; games: number }>("SELECT players, games FROM rooms WHERE room_id = ?", roomId)
      .toArray()[0];
    if (before && before.players === players && before.games === games) return false;
    this.sql.exec(
      "INSERT INTO rooms (room_id, players, games) VALUES (?, ?, ?) ON CONFLICT (room_id) DO UPDATE SET players = excluded.players, games = excluded.games",
      roomId,
      players,
      games,
    );
    return true;
  }

  all(): Record<number, RoomCounts> {
    const counts: Record<number, RoomCounts> = {};
    for (const r of this.sql.exec<{ room_id: number; players: number; games: number }>("SELECT * FROM rooms")) {
      counts[r.room_id] = { players: r.players, games: r.games };
    }
    return counts;
  }

  /** Rooms with players: the ones a fan-out reaches (empty rooms send a fresh list on join). */
  occupied(): number[] {
    return this.sql
      .exec<{ room_id: number }>("SELECT room_id FROM rooms WHERE players > 0")
      .toArray()
      .map((r) => r.room_id);
  }

  /** When the current fan-out window ends. */
  windowEnd(): number {
    return this.meta("room_lists_sent_at") + ROOM_LIST_WINDOW_MS;
  }

  get pending(): boolean {
    return this.meta("room_lists_pending") === 1;
  }

  /** A change waits for the end of the window. */
  hold(): void {
    this.setMeta("room_lists_pending", 1);
  }

  /** A fan-out starts now: a new window opens. */
  sent(now: number): void {
    this.setMeta("room_lists_sent_at", now);
    this.setMeta("room_lists_pending", 0);
  }

  private meta(key: string): number {
    return this.sql.exec<{ v: number }>("SELECT v FROM meta WHERE k = ?", key).toArray()[0]?.v ?? 0;
  }

  private setMeta(key: string, value: number): void {
    this.sql.exec("INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v", key, value);
  }
}
