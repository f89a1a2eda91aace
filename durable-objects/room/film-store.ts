/**
 * Where a room keeps films: the pieces in its SQLite while the game goes (so a long film
 * never sits in memory and survives hibernation), then at the end the file in R2 (streamed
 * part by part with its SHA-256) and its row in D1 (migrations/0006_films.sql). A film's row
 * is written after its file, so a row never names a file that is not there. The end of a film
 * is recorded in SQLite first (film_pending) and its pieces are dropped only after the row is
 * in D1: a room evicted in between finishes the film when it wakes (`resume`). Once its row is
 * written the film is linked to its game's result row (edge/films.ts `linkFilm`).
 */

import { linkFilm } from "../../edge/films.ts";
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

/** A film whose end is recorded and whose file and row are being written. */
interface PendingFilm {
  readonly id: string;
  /** Its pieces: this host's chunks with from < seq ≤ upTo. */
  readonly from: number;
  readonly upTo: number;
  readonly end: FilmEnd;
}

export interface FilmStoreEnv {
  readonly DB: D1Database;
  readonly FILMS: R2Bucket;
}

export class FilmStore {
  /**
   * Films this instance is writing now. finish() records the end, then writes without being
   * awaited (the room goes on); at wake-up the room ends a gone host's film that way and then
   * resumes pending films, which would find that same film and write it a second time, each
   * write with its own random subgroup tag: the R2 file of one and the row (sha256) of the
   * other then disagree.
   */
  private readonly writing = new Set<string>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly env: FilmStoreEnv,
    private readonly roomId: number,
    private readonly retentionDays: () => number,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS film_chunks (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, host_id INTEGER NOT NULL, kind INTEGER NOT NULL, data BLOB NOT NULL)`);
    sql.exec("CREATE INDEX IF NOT EXISTS film_chunks_by_host ON film_chunks (host_id, kind, seq)");
    sql.exec(`CREATE TABLE IF NOT EXISTS film_pending (
      id TEXT PRIMARY KEY, host_id INTEGER NOT NULL, from_seq INTEGER NOT NULL, up_to INTEGER NOT NULL, film TEXT NOT NULL)`);
  }

  append(hostId: number, kind: "header" | "command", bytes: Uint8Array): void {
    this.sql.exec(
      "INSERT INTO film_chunks (host_id, kind, data) VALUES (?, ?, ?)",
      hostId,
      kind === "header" ? HEADER : COMMAND,
      bytes,
    );
  }

  /** Drops the host's current recording (not the pieces of an earlier film still being written). */
  discard(hostId: number): void {
    const kept =
      this.sql
        .exec<{ seq: number | null }>("SELECT MAX(up_to) AS seq FROM film_pending WHERE host_id = ?", hostId)
        .one().seq ?? 0;
    this.sql.exec("DELETE FROM film_chunks WHERE host_id = ? AND seq > ?", hostId, kept);
  }

  /**
   * Records the film's end (durably, at once) and writes it out; resolves with its row's id.
   * The film is what arrived so far: a new recording by the same host may start meanwhile.
   */
  finish(end: FilmEnd): Promise<string> {
    const upTo = this.sql.exec<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM film_chunks").one().seq ?? 0;
    const from =
      this.sql
        .exec<{ seq: number | null }>("SELECT MAX(up_to) AS seq FROM film_pending WHERE host_id = ?", end.hostId)
        .one().seq ?? 0;
    const pending: PendingFilm = { id: crypto.randomUUID(), from, upTo, end };
    this.sql.exec(
      "INSERT INTO film_pending (id, host_id, from_seq, up_to, film) VALUES (?, ?, ?, ?, ?)",
      pending.id,
      end.hostId,
      from,
      upTo,
      JSON.stringify(end),
    );
    return this.write(pending);
  }

  /** Films whose end was recorded but not written out (the room was evicted meanwhile). */
  async resume(): Promise<void> {
    const rows = this.sql
      .exec<{ id: string; from_seq: number; up_to: number; film: string }>("SELECT * FROM film_pending ORDER BY up_to")
      .toArray();
    for (const row of rows) {
      if (this.writing.has(row.id)) continue; // finish() is writing it
      await this.write({ id: row.id, from: row.from_seq, upTo: row.up_to, end: JSON.parse(row.film) as FilmEnd });
    }
  }

  private async write(pending: PendingFilm): Promise<string> {
    this.writing.add(pending.id);
    try {
      return await this.writeOnce(pending);
    } finally {
      this.writing.delete(pending.id);
    }
  }

  private async writeOnce({ id, from, upTo, end }: PendingFilm): Promise<string> {
    let file: { key: string; name: string; bytes: number; sha256: string } | null = null;
    if (end.status === "complete" || end.status === "partial") file = await this.upload(id, end, from, upTo);
    const days = this.retentionDays();
    // OR IGNORE: a film resumed after its row was written but before its pieces were dropped.
    await this.env.DB.prepare(
      `INSERT OR IGNORE INTO films (id, room_id, room_game_id, host_user_id, started_at, ended_at, bytes, sha256, status, r2_key, file_name, expires_at)
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
    // The game's result row (Results) is usually there already: link them now. Best effort —
    // Results links the films it finds when it writes a game, and a film never holds up a result.
    try {
      await linkFilm(this.env.DB, id);
    } catch (e) {
      console.error("room: linking a film to its game failed", e);
    }
    this.sql.exec("DELETE FROM film_chunks WHERE host_id = ? AND seq > ? AND seq <= ?", end.hostId, from, upTo);
    this.sql.exec("DELETE FROM film_pending WHERE id = ?", id);
    await this.expire(end.endedAt);
    return id;
  }

  private async upload(id: string, end: FilmEnd, from: number, upTo: number) {
    const header = this.concat(
      this.sql.exec<{ data: ArrayBuffer }>(
        "SELECT data FROM film_chunks WHERE host_id = ? AND kind = ? AND seq > ? AND seq <= ? ORDER BY seq",
        end.hostId,
        HEADER,
        from,
        upTo,
      ),
    );
    const finished = finishRecordingHeader(header, end.endTime);
    if (!finished.ok) return null;
    const sizes = this.sql
      .exec<{ n: number }>(
        "SELECT length(data) AS n FROM film_chunks WHERE host_id = ? AND kind = ? AND seq > ? AND seq <= ? ORDER BY seq",
        end.hostId,
        COMMAND,
        from,
        upTo,
      )
      .toArray()
      .map((r) => r.n);
    const length = filmLength(finished.value.byteLength, sizes);
    const sql = this.sql;
    // Page by page: each page is read at once, so no cursor lives across the writes' awaits.
    const commands = function* () {
      let after = from;
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
