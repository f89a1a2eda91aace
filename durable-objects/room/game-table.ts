/**
 * The room's games in its SQLite storage, so they survive hibernation and
 * eviction. The shell loads them into the room core at wake and writes what the core changes.
 */
import type { FilmProgress, Game } from "./games.ts";

interface GameRow extends Record<string, SqlStorageValue> {
  host_id: number;
  host: number;
  port: number;
  order_id: number;
  data: ArrayBuffer;
  created_at: number;
  started_at: number | null;
  time_limit: number;
  players: string;
  proxy: string | null;
  film: string | null;
}

export class GameTable {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS games (
      host_id INTEGER PRIMARY KEY, host INTEGER NOT NULL, port INTEGER NOT NULL, order_id INTEGER NOT NULL,
      data BLOB NOT NULL, created_at INTEGER NOT NULL, started_at INTEGER, time_limit INTEGER NOT NULL,
      players TEXT NOT NULL DEFAULT '[]')`);
    // Score reports now go to D1 through the Results object; rooms that kept them before
    // have a `scores` table nobody reads any more.
    // Rooms created before the host proxy have no proxy column yet.
    const columns = sql.exec<{ name: string }>("PRAGMA table_info(games)").toArray();
    if (!columns.some((c) => c.name === "proxy")) sql.exec("ALTER TABLE games ADD COLUMN proxy TEXT");
    if (!columns.some((c) => c.name === "film")) sql.exec("ALTER TABLE games ADD COLUMN film TEXT");
  }

  all(): Game[] {
    return this.sql
      .exec<GameRow>("SELECT * FROM games ORDER BY created_at, host_id")
      .toArray()
      .map((row) => ({
        hostId: row.host_id,
        host: row.host,
        port: row.port,
        order: row.order_id,
        data: new Uint8Array(row.data),
        createdAt: row.created_at,
        startedAt: row.started_at,
        timeLimit: row.time_limit,
        players: parseIds(row.players),
        ...(row.proxy === "checking" || row.proxy === "proxied" ? { proxy: row.proxy } : {}),
        ...(row.film ? { film: JSON.parse(row.film) as FilmProgress } : {}),
      }));
  }

  save(game: Game): void {
    this.sql.exec(
      `INSERT INTO games (host_id, host, port, order_id, data, created_at, started_at, time_limit, players, proxy, film)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (host_id) DO UPDATE SET host = excluded.host, port = excluded.port,
       order_id = excluded.order_id, data = excluded.data, started_at = excluded.started_at,
       time_limit = excluded.time_limit, players = excluded.players, proxy = excluded.proxy,
       film = excluded.film`,
      game.hostId,
      game.host,
      game.port,
      game.order,
      game.data,
      game.createdAt,
      game.startedAt,
      game.timeLimit,
      JSON.stringify(game.players),
      game.proxy ?? null,
      game.film ? JSON.stringify(game.film) : null,
    );
  }

  delete(hostId: number): void {
    this.sql.exec("DELETE FROM games WHERE host_id = ?", hostId);
  }
}

function parseIds(json: string): number[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is number => typeof x === "number") : [];
  } catch {
    return [];
  }
}
