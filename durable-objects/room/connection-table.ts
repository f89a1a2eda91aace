/**
 * The room's connections in its SQLite storage, one row per open connection with its whole
 * state (the player included) as JSON, so they survive hibernation and eviction. A closed
 * connection's row is deleted.
 */
import type { Connection } from "./state.ts";

export class ConnectionTable {
  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS connections (id TEXT PRIMARY KEY, state TEXT NOT NULL)");
  }

  all(): Connection[] {
    return this.sql
      .exec<{ state: string }>("SELECT state FROM connections ORDER BY rowid")
      .toArray()
      .map((row) => JSON.parse(row.state) as Connection);
  }

  save(conn: Connection): void {
    if (conn.closed) {
      this.sql.exec("DELETE FROM connections WHERE id = ?", conn.id);
      return;
    }
    this.sql.exec(
      "INSERT INTO connections (id, state) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state",
      conn.id,
      JSON.stringify(conn),
    );
  }
}
