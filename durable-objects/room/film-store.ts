/**
 * Where a room keeps films: the pieces in its SQLite while the game goes (so a long film
 * never sits in memory and survives hibernation), then at the end the file in R2 (streamed
 * part by part with its SHA-256) and its row in D1 (migrations/0006_films.sql). A film's row
 * is written after its file, so a row never names a file that is not there.
 */
import {
  FILM_CONTENT_TYPE,
  filmFileName,
  filmLength,
  filmParts,
  filmTagName,
  finishRecordingHeader,
} from "../../protocol/film.ts";
import type { FilmEnd } from "./games.ts";

const HEADER = 0;
const COMMAND = 1;

export interface FilmStoreEnv {
  readonly DB: D1Database;
  readonly FILMS: R2Bucket;
}

export class FilmStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly env: FilmStoreEnv,
    private readonly roomId: number,
    private readonly retentionDays: () => number,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS film_chunks (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, host_id INTEGER NOT NULL, kind INTEGER NOT NULL, data BLOB NOT NULL)`);
    sql.exec("CREATE INDEX IF NOT EXISTS film_chunks_by_host ON film_chunks (host_id, kind, seq)");
  }

  append(hostId: number, kind: "header" | "command", bytes: Uint8Array): void {
    this.sql.exec(
      "INSERT INTO film_chunks (host_id, kind, data) VALUES (?, ?, ?)",
      hostId,
      kind === "header" ? HEADER : COMMAND,
      bytes,
    );
  }

  discard(hostId: number, upTo = Number.MAX_SAFE_INTEGER): void {
    this.sql.exec("DELETE FROM film_chunks WHERE host_id = ? AND seq <= ?", hostId, upTo);
  }

  /** Writes the film (when there is a usable one) to R2, then its row to D1; returns the row's id. */
  async finish(end: FilmEnd): Promise<string> {
    const id = crypto.randomUUID();
    // The film is what arrived so far: a new recording by the same host may start meanwhile.
    const upTo = this.sql.exec<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM film_chunks").one().seq ?? 0;
    let file: { key: string; name: string; bytes: number; sha256: string } | null = null;
    if (end.status === "complete" || end.status === "partial") file = await this.upload(id, end, upTo);
    this.discard(end.hostId, upTo);
    const days = this.retentionDays();
    await this.env.DB.prepare(
      `INSERT INTO films (id, room_id, room_game_id, host_user_id, started_at, ended_at, bytes, sha256, status, r2_key, file_name, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
      .bind(
        id,
        this.roomId,
        end.hostId,
        end.hostId,
        end.startedAt,
        end.endedAt,
        file?.bytes ?? 0,
        file?.sha256 ?? null,
        // A partial stream too short to have a header has no file: it is missing.
        file || end.status === "cut" ? end.status : "missing",
        file?.key ?? null,
        file?.name ?? null,
        days > 0 ? end.endedAt + days * 86_400_000 : null,
      )
      .run();
    await this.expire(end.endedAt);
    return id;
  }

  private async upload(id: string, end: FilmEnd, upTo: number) {
    const header = this.concat(
      this.sql.exec<{ data: ArrayBuffer }>(
        "SELECT data FROM film_chunks WHERE host_id = ? AND kind = ? AND seq <= ? ORDER BY seq",
        end.hostId,
        HEADER,
        upTo,
      ),
    );
    const finished = finishRecordingHeader(header, end.endTime);
    if (!finished.ok) return null;
    const sizes = this.sql
      .exec<{ n: number }>(
        "SELECT length(data) AS n FROM film_chunks WHERE host_id = ? AND kind = ? AND seq <= ? ORDER BY seq",
        end.hostId,
        COMMAND,
        upTo,
      )
      .toArray()
      .map((r) => r.n);
    const length = filmLength(finished.value.byteLength, sizes);
    const sql = this.sql;
    // Page by page: each page is read at once, so no cursor lives across the writes' awaits.
    const commands = function* () {
      let after = 0;
      for (;;) {
        const page = sql
          .exec<{ seq: number; data: ArrayBuffer }>(
            "SELECT seq, data FROM film_chunks WHERE host_id = ? AND kind = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT 256",
            end.hostId,
            COMMAND,
            after,
            upTo,
          )
          .toArray();
        if (page.length === 0) return;
        for (const row of page) yield new Uint8Array(row.data);
        after = (page[page.length - 1] as { seq: number }).seq;
      }
    };
    const name = filmFileName(end.startedAt, end.hostId);
    const key = `films/${this.roomId}/${id}.m2rec`;
    const stream = new FixedLengthStream(length);
    const digest = new crypto.DigestStream("SHA-256");
    const put = this.env.FILMS.put(key, stream.readable, {
      httpMetadata: { contentType: FILM_CONTENT_TYPE, contentDisposition: `attachment; filename="${name}"` },
    });
    const out = stream.writable.getWriter();
    const hash = digest.getWriter();
    const parts = filmParts({
      name: filmTagName(end.startedAt),
      subgroupTag: crypto.getRandomValues(new Uint32Array(1))[0] as number,
      header: finished.value,
      commands: commands(),
    });
    for (const part of parts) {
      await Promise.all([out.write(part), hash.write(part)]);
    }
    await Promise.all([out.close(), hash.close()]);
    await put;
    const sha256 = [...new Uint8Array(await digest.digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    return { key, name, bytes: length, sha256 };
  }

  /** Retention: films of this room past their time go (file first, then row). */
  private async expire(now: number): Promise<void> {
    const { results } = await this.env.DB.prepare(
      "SELECT id, r2_key FROM films WHERE room_id = ? AND expires_at IS NOT NULL AND expires_at <= ? LIMIT 50",
    )
      .bind(this.roomId, now)
      .all<{ id: string; r2_key: string | null }>();
    for (const row of results) {
      if (row.r2_key) await this.env.FILMS.delete(row.r2_key);
      await this.env.DB.prepare("DELETE FROM films WHERE id = ?").bind(row.id).run();
    }
  }

  private concat(rows: Iterable<{ data: ArrayBuffer }>): Uint8Array {
    const parts = [...rows].map((r) => new Uint8Array(r.data));
    const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  }
}
