/**
 * Results: the one object that settles games and updates ratings (edge/objects.ts names it).
 * Rooms tell it when a game starts (114), who plays (111), each score report (112) and when a
 * host's game goes away; it writes D1 first and answers after. Every change runs one at a
 * time through one queue, so two games ending at the same moment with a shared player both
 * apply, one after the other, and neither update is lost. Under load the queue works in
 * passes: the games completed meanwhile are settled together (few D1 round trips for all of
 * them), and reports arriving together share D1 batches (batcher.ts).
 *
 * Which report counts: every participant may report. The host's report is taken when it
 * arrives (the result rows are written at once); the game is settled when every participant
 * has reported or the report window (RESULTS_REPORT_WINDOW_SECONDS) has passed since the first
 * report or since the host left. Reports that disagree on placings make the game disputed (no
 * rating until an admin resolves it); without the host's report the others decide if they
 * agree; with no report at all the game is abandoned. The window and the periodic full caste
 * pass live in this object's alarm, so they survive eviction.
 *
 * Client addresses (anti-farming) stay in this object's SQLite, never in D1.
 */
import { DurableObject } from "cloudflare:workers";
import { loadConfig, type ResultsConfig } from "../../edge/config.ts";
import { timedDb } from "../../edge/d1-timing.ts";
import { linkFilmsOfGame, sweepExpiredFilms } from "../../edge/films.ts";
import { roomStub, tryCall } from "../../edge/objects.ts";
import type { GameStart, ReportAnswer, Resolution, ResultPlayer, ScoreReportIn } from "../../edge/results/contracts.ts";
import * as q from "../../edge/results/queries.ts";
import {
  castePass,
  displayed,
  farmingWeight,
  INITIAL,
  OVERALL,
  points,
  rateTeams,
  type Skill,
  UNRANKED,
  widen,
} from "../../edge/results/ratings.ts";
import {
  placingsKey,
  playing,
  type Standings,
  sharedAddress,
  teamsByPlace,
  unratedReason,
} from "../../edge/results/standings.ts";
import { decodeGameData, GameOption } from "../../protocol/structs/game-description.ts";
import { D1Batcher } from "./batcher.ts";

const DAY_MS = 86_400_000;
/**
 * Games settled in one pass: one D1 batch of reads, one of ratings reads, one write batch and
 * one caste pass for all of them (~50 statements a rated game of 8, well under D1's limits).
 */
const SETTLE_GROUP = 8;

/** What one settle pass writes: every game's statements go in one D1 batch (one transaction). */
interface Settlement {
  readonly statements: D1PreparedStatement[];
  readonly toRate: { game: q.GameRow; s: Standings; resolved: { resolvedBy?: string; at?: number } }[];
}

/** What the caste passes after a settle need: the rated players by category. */
interface Rated {
  readonly now: number;
  readonly involved: ReadonlyMap<number, ReadonlySet<number>>;
  readonly rooms: ReadonlySet<number>;
}

interface OpenGame {
  readonly row: q.GameRow;
  readonly participants: Set<number>;
  readonly reporters: Set<number>;
  readonly names: Map<number, { name: string; guest: boolean }>;
}

export class Results extends DurableObject<Env> {
  private queue: Promise<unknown> = Promise.resolve();
  /** Unsettled games by "room:host" (a cache; D1 holds the truth). */
  private readonly open = new Map<string, Promise<OpenGame | null>>();
  private readonly sql: SqlStorage;
  /** Score reports of many games, written together (durable before each report is answered). */
  private readonly writes = new D1Batcher(() => this.db);
  /** Games that everybody reported, waiting for the next settle pass (which takes them all). */
  private nextSettle: { due: Map<number, number>; done: Promise<void> } | null = null;
  /** D1, its round trips timed for /metrics (myth_d1_query_seconds{op="results"}). */
  private readonly db: D1Database;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.db = timedDb(env, "results");
    this.sql.exec("CREATE TABLE IF NOT EXISTS pending (game_id INTEGER PRIMARY KEY, deadline INTEGER NOT NULL)");
    this.sql.exec(
      "CREATE TABLE IF NOT EXISTS addresses (game_id INTEGER NOT NULL, user_id INTEGER NOT NULL, ip TEXT NOT NULL, PRIMARY KEY (game_id, user_id))",
    );
    this.sql.exec("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL)");
  }

  // ------------------------------------------------------------------ RPC (rooms, admin)

  gameStarted(start: GameStart): Promise<number> {
    return this.serial(async () => {
      const db = this.db;
      // A host starting again leaves its previous unsettled game to the window.
      const previous = await q.openGameOf(db, start.roomId, start.hostId);
      if (previous) this.schedule(previous.id, start.startedAt);
      const decoded = decodeGameData(start.gameData);
      const d = decoded.ok ? decoded.value.description : null;
      const flags = d?.optionFlags ?? 0;
      const id = await q.insertGame(db, {
        roomId: start.roomId,
        roomType: start.roomType,
        hostId: start.hostId,
        name: decoded.ok ? decoded.value.name : "",
        map: decoded.ok ? decoded.value.map : "",
        scoring: d?.scoring ?? 0,
        difficulty: d?.difficulty ?? 0,
        timeLimit: start.timeLimit,
        optionFlags: flags,
        teams: (flags & GameOption.AllowTeams) !== 0,
        alliances: (flags & GameOption.Alliances) !== 0,
        veterans: (flags & GameOption.Veterans) !== 0,
        unitTrading: (flags & GameOption.UnitTrading) !== 0,
        cooperative: (flags & GameOption.Cooperative) !== 0,
        client: start.client,
        startedAt: start.startedAt,
      });
      await this.setPlayers(id, start.hostId, start.players);
      // A film written before this row (the start reached us late) is linked now; never fatal.
      await tryCall("results: linking films", () => linkFilmsOfGame(db, id));
      // The alarm's periodic pass (castes, film retention) runs from the first game on.
      await this.arm();
      return id;
    });
  }

  gamePlayers(roomId: number, hostId: number, players: readonly ResultPlayer[]): Promise<void> {
    return this.serial(async () => {
      const game = await q.openGameOf(this.db, roomId, hostId);
      if (game && game.status === "playing") await this.setPlayers(game.id, hostId, players);
    });
  }

  /**
   * Reports are stored as they come, side by side (D1 first, then the answer); only settling
   * and rating go through the one queue, so a burst of reports does not wait behind ratings.
   */
  async report(r: ScoreReportIn): Promise<ReportAnswer> {
    {
      const db = this.db;
      const open = await this.openGame(r.roomId, r.hostId);
      if (!open) {
        // A report that comes after its game was settled is late, not malformed: ignored.
        const last = await q.lastGameOf(db, r.roomId, r.hostId);
        const late = last && (last.host_id === r.reporterId || (await q.isPlayerOf(db, last.id, r.reporterId)));
        return late ? { ok: true } : { ok: false, error: "no such game" };
      }
      const { row: game, participants, reporters, names } = open;
      if (!participants.has(r.reporterId)) return { ok: false, error: "the reporter was not in the game" };
      // With a player list from the host, every reported player must be on it.
      if (participants.size > 1) {
        const stranger = r.standings.players.find((p) => !participants.has(p.userId));
        if (stranger) return { ok: false, error: `player ${stranger.userId} was not in the game` };
      }
      const [inserted] = await this.writes.run([
        q.insertReportStatement(db, game.id, r.reporterId, r.at, r.standings, placingsKey(r.standings)),
      ]);
      const reportId = (inserted?.results[0] as { id: number } | undefined)?.id ?? null;
      if (reportId === null) return { ok: true }; // a second report of the same player: the first counts
      reporters.add(r.reporterId);
      if (r.reporterId === game.host_id) {
        // The host's report is taken as it arrives; the others only confirm or dispute it.
        await this.writes.run([
          ...q.resultStatements(db, game, reportId, r.standings, names, r.at),
          q.statusStatement(db, game.id, "reported", null),
        ]);
      }
      if ([...participants].every((p) => reporters.has(p))) await this.settleSoon(game.id, r.at);
      else this.schedule(game.id, r.at);
      return { ok: true };
    }
  }

  /** The host's game left the room (removed, or the host dropped): settle after the window. */
  gameGone(roomId: number, hostId: number, at: number): Promise<void> {
    return this.serial(async () => {
      const game = await q.openGameOf(this.db, roomId, hostId);
      if (game) this.schedule(game.id, at);
    });
  }

  /** Admin: decide a disputed or flagged game. */
  resolve(gameId: number, how: Resolution): Promise<{ ok: true; status: q.GameStatus } | { ok: false; error: string }> {
    return this.serial(async () => {
      const db = this.db;
      const game = await q.gameById(db, gameId);
      if (!game) return { ok: false, error: "no such game" };
      if (game.status !== "disputed" && !(game.status === "unrated" && game.flagged)) {
        return { ok: false, error: `game is ${game.status}, not disputed or flagged` };
      }
      const reports = await q.reportsOf(db, gameId);
      const chosen = reports.find((r) => r.id === (how.reportId ?? game.result_report_id));
      if (!chosen) return { ok: false, error: "no such report for this game" };
      const standings = JSON.parse(chosen.standings) as Standings;
      const listed = await q.playersOf(db, gameId);
      const now = Date.now();
      const work: Settlement = {
        statements: q.resultStatements(db, game, chosen.id, standings, namesOf(listed), game.ended_at ?? now),
        toRate: [],
      };
      const status = how.rate
        ? this.outcome(work, game, standings, listed, { cleared: true, actor: how.actor })
        : this.finish(work, game.id, "unrated", "resolved unrated by an admin", { resolvedBy: how.actor, at: now });
      work.statements.push(
        db
          .prepare("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, 'game.resolve', ?, ?)")
          .bind(now, how.actor, String(gameId), JSON.stringify({ reportId: chosen.id, rate: how.rate, status })),
      );
      // The decision, its ratings and its audit row are one D1 batch.
      const rated = await this.commit(work);
      if (rated) await this.announceCastes(rated);
      return { ok: true, status };
    });
  }

  /** Full caste pass over every category (also run by the alarm). */
  recompute(): Promise<void> {
    return this.serial(() => this.recomputeAll());
  }

  // ------------------------------------------------------------------ alarm: windows and the full pass

  override alarm(): Promise<void> {
    return this.serial(async () => {
      const now = Date.now();
      const due = this.sql.exec<{ game_id: number }>("SELECT game_id FROM pending WHERE deadline <= ?", now).toArray();
      if (due.length > 0) {
        // A failed pass is retried after the window (retry()); the alarm still re-arms.
        await this.settleMany(new Map(due.map((d) => [d.game_id, now]))).catch((error: unknown) => {
          console.error("results: settling due games failed", error);
        });
      }
      const next = this.meta("next_recompute");
      if (next === null || next <= now) {
        await this.recomputeAll();
        this.setMeta("next_recompute", now + this.config().recomputeMs);
      }
      // Film retention rides on this alarm (bounded per run); a failure waits for the next run.
      await tryCall("results: sweeping expired films", () => sweepExpiredFilms(this.env, now));
      await this.arm();
    });
  }

  // ------------------------------------------------------------------ settling

  /** The games everybody reported go to the next settle pass; resolves once they are settled. */
  private settleSoon(gameId: number, now: number): Promise<void> {
    let next = this.nextSettle;
    if (!next) {
      const due = new Map<number, number>();
      const done = this.serial(async () => {
        // From here on, games that complete wait for the pass after this one.
        if (this.nextSettle?.due === due) this.nextSettle = null;
        await this.settleMany(due);
      });
      next = { due, done };
      this.nextSettle = next;
    }
    if (!next.due.has(gameId)) next.due.set(gameId, now);
    return next.done;
  }

  /** Settles these games (id → the time it is settled at), SETTLE_GROUP at a time. */
  private async settleMany(due: ReadonlyMap<number, number>): Promise<void> {
    const all = [...due];
    for (let i = 0; i < all.length; i += SETTLE_GROUP) await this.settleGroup(all.slice(i, i + SETTLE_GROUP));
  }

  /**
   * One pass over a few games: their rows in one read batch, every outcome in one write batch
   * (atomic: all of them or none), then one caste pass per category for all their players.
   */
  private async settleGroup(due: readonly (readonly [number, number])[]): Promise<void> {
    const db = this.db;
    const read = await db.batch(
      due.flatMap(([id]) => [q.gameByIdStatement(db, id), q.reportsOfStatement(db, id), q.playersOfStatement(db, id)]),
    );
    const work: Settlement = { statements: [], toRate: [] };
    for (const [k, [gameId, now]] of due.entries()) {
      const game = (read[3 * k]?.results[0] as q.GameRow | undefined) ?? null;
      const reports = (read[3 * k + 1]?.results ?? []) as q.ReportRow[];
      const listed = (read[3 * k + 2]?.results ?? []) as q.GamePlayerRow[];
      this.settleOne(work, gameId, game, reports, listed, now);
    }
    let rated: Rated | null;
    try {
      rated = await this.commit(work);
    } catch (error) {
      // Nothing of the pass was written: each game is tried again after the window.
      for (const [gameId] of due) this.retry(gameId);
      throw error;
    }
    for (const [gameId] of due) this.sql.exec("DELETE FROM pending WHERE game_id = ?", gameId);
    if (rated) await this.announceCastes(rated);
  }

  private settleOne(
    work: Settlement,
    gameId: number,
    game: q.GameRow | null,
    reports: readonly q.ReportRow[],
    listed: readonly q.GamePlayerRow[],
    now: number,
  ): void {
    if (!game || (game.status !== "playing" && game.status !== "reported")) return;
    // Reports after this are late (a reload from D1 no longer finds the game open).
    this.open.delete(`${game.room_id}:${game.host_id}`);
    if (reports.length === 0) {
      this.finish(work, gameId, "abandoned", "the host left and nobody reported");
      return;
    }
    const base = reports.find((r) => r.reporter_id === game.host_id) ?? reports[0];
    if (!base) return;
    const standings = JSON.parse(base.standings) as Standings;
    if (base.reporter_id !== game.host_id || game.result_report_id !== base.id) {
      work.statements.push(...q.resultStatements(this.db, game, base.id, standings, namesOf(listed), base.at));
    }
    if (reports.some((r) => r.placings !== base.placings)) {
      this.finish(work, gameId, "disputed", "the reports disagree on placings");
      return;
    }
    this.outcome(work, { ...game, ended_at: game.ended_at ?? now }, standings, listed, { cleared: false });
  }

  /** A settled, undisputed game: rated (in commit()), or recorded with the reason it is not. */
  private outcome(
    work: Settlement,
    game: q.GameRow,
    s: Standings,
    listed: readonly q.GamePlayerRow[],
    how: { cleared: boolean; actor?: string },
  ): q.GameStatus {
    const guests = new Set(listed.filter((p) => p.guest).map((p) => p.user_id));
    const addresses = this.addressesOf(game.id);
    const reason = unratedReason(s, { roomType: game.room_type, guests, addresses });
    const resolved = how.actor ? { resolvedBy: how.actor, at: Date.now() } : {};
    if (reason) {
      if (game.room_type === "unranked") this.unrankedStats(work, s, guests);
      return this.finish(work, game.id, "unrated", reason, resolved);
    }
    if (!how.cleared && sharedAddress(s, addresses)) {
      return this.finish(work, game.id, "unrated", "opponents share a client address", { flagged: true });
    }
    work.toRate.push({ game, s, resolved });
    return "rated";
  }

  private finish(
    work: Settlement,
    gameId: number,
    status: q.GameStatus,
    reason: string | null,
    extra: { flagged?: boolean; resolvedBy?: string; at?: number } = {},
  ): q.GameStatus {
    work.statements.push(q.statusStatement(this.db, gameId, status, reason, extra));
    return status;
  }

  private unrankedStats(work: Settlement, s: Standings, guests: ReadonlySet<number>): void {
    const db = this.db;
    for (const p of playing(s)) {
      if (!guests.has(p.userId)) work.statements.push(q.statsStatement(db, p.userId, UNRANKED, delta(s, p.userId, 0)));
    }
  }

  /** Rates the pass's games (reads once for all of them), then writes the whole pass in one batch. */
  private async commit(work: Settlement): Promise<Rated | null> {
    const rated = work.toRate.length > 0 ? await this.rate(work) : null;
    if (work.statements.length > 0) await this.db.batch(work.statements);
    return rated;
  }

  /**
   * Overall and game-type ratings of every playing player of each game, and their stats, as
   * statements of the pass. The games are rated one after the other as before: a player in two
   * of them enters the second with the rating the first gave (kept here, not yet in D1).
   */
  private async rate(work: Settlement): Promise<Rated> {
    const db = this.db;
    const plans = work.toRate.map(({ game, s, resolved }) => {
      const teams = teamsByPlace(s);
      const ids = teams.flatMap((t) => t.players.map((p) => p.userId));
      const roster = [...ids].sort((a, b) => a - b).join(",");
      return {
        game,
        s,
        resolved,
        teams,
        ids,
        roster,
        categories: [OVERALL, s.scoring],
        now: game.ended_at ?? Date.now(),
      };
    });
    const read = await db.batch([
      q.ratingsOfStatement(
        db,
        [...new Set(plans.flatMap((p) => p.ids))],
        [...new Set(plans.flatMap((p) => p.categories))],
      ),
      ...plans.map((p) => q.recentRosterGamesStatement(db, p.roster, p.game.started_at - DAY_MS, p.game.id)),
    ]);
    const ratings = new Map<string, { mu: number; sigma: number; last_game_at: number | null }>(
      ((read[0]?.results ?? []) as q.RatingRow[]).map((r) => [`${r.user_id}:${r.category}`, r]),
    );
    const tau = this.config().inactivityTau;
    const involved = new Map<number, Set<number>>();
    let latest = 0;
    for (const [k, p] of plans.entries()) {
      // A game of this pass between the same players, rated just before, counts as if in D1.
      const sameRoster = plans
        .slice(0, k)
        .filter((o) => o.roster === p.roster && o.game.started_at >= p.game.started_at - DAY_MS).length;
      const weight = farmingWeight(((read[k + 1]?.results[0] as { n: number } | undefined)?.n ?? 0) + sameRoster);
      work.statements.push(db.prepare("UPDATE games SET roster = ? WHERE id = ?").bind(p.roster, p.game.id));
      for (const category of p.categories) {
        const current = (userId: number): Skill => {
          const row = ratings.get(`${userId}:${category}`);
          return row ? widen({ mu: row.mu, sigma: row.sigma }, row.last_game_at, p.now, tau) : INITIAL;
        };
        const before = p.teams.map((t) => t.players.map((pl) => current(pl.userId)));
        const after = rateTeams(
          before,
          p.teams.map((t) => t.place),
          weight,
        );
        for (const [i, t] of p.teams.entries()) {
          for (const [j, pl] of t.players.entries()) {
            const next = after[i]?.[j] ?? INITIAL;
            ratings.set(`${pl.userId}:${category}`, { mu: next.mu, sigma: next.sigma, last_game_at: p.now });
            work.statements.push(q.ratingStatement(db, pl.userId, category, next.mu, next.sigma, p.now));
            work.statements.push(q.statsStatement(db, pl.userId, category, delta(p.s, pl.userId, points(next))));
            if (category === OVERALL) {
              work.statements.push(
                q.ratingChangeStatement(
                  db,
                  p.game.id,
                  pl.userId,
                  displayed(before[i]?.[j] ?? INITIAL),
                  displayed(next),
                ),
              );
            }
          }
        }
        const set = involved.get(category) ?? new Set<number>();
        for (const id of p.ids) set.add(id);
        involved.set(category, set);
      }
      work.statements.push(q.statusStatement(db, p.game.id, "rated", null, p.resolved));
      latest = Math.max(latest, p.now);
    }
    return { now: latest, involved, rooms: new Set(plans.map((p) => p.game.room_id)) };
  }

  /**
   * The caste passes after a settle, one per category touched, read in one batch and written
   * in one; the rooms of the rated games are told the overall castes that changed.
   */
  private async announceCastes(r: Rated): Promise<void> {
    const db = this.db;
    const categories = [...r.involved.keys()];
    const read = await db.batch(categories.map((c) => q.castePassStatement(db, c, [...(r.involved.get(c) ?? [])])));
    const writes: D1PreparedStatement[] = [];
    let changed: { userId: number; caste: number }[] = [];
    for (const [k, category] of categories.entries()) {
      const placed = this.place(category, (read[k]?.results ?? []) as q.RatingRow[], r.now);
      writes.push(...placed.statements);
      if (category === OVERALL) changed = placed.changed;
    }
    if (writes.length > 0) await db.batch(writes);
    if (changed.length === 0) return;
    for (const roomId of r.rooms) {
      // Not awaited: the next pass must not wait for a busy room.
      this.ctx.waitUntil(
        tryCall("results: room.castesChanged", () => roomStub(this.env, roomId).castesChanged(changed)),
      );
    }
  }

  /**
   * One caste pass over a category's rows: the statements of the rows that changed and the
   * castes that changed. After a game the rows are cheap to read: a player with three rated
   * games or fewer has the caste of its game count whatever the others do, so only the game's
   * players and the active players (who rank among each other) are read; the full pass reads
   * every row.
   */
  private place(
    category: number,
    rows: readonly q.RatingRow[],
    now: number,
  ): { statements: D1PreparedStatement[]; changed: { userId: number; caste: number }[] } {
    const tau = this.config().inactivityTau;
    const placed = castePass(
      rows.map((r) => ({
        userId: r.user_id,
        games: r.games,
        rating: displayed(widen({ mu: r.mu, sigma: r.sigma }, r.last_game_at, now, tau)),
      })),
    );
    const changes: { userId: number; caste: number; position: number }[] = [];
    for (const r of rows) {
      const p = placed.get(r.user_id);
      if (p && (p.caste !== r.caste || p.position !== r.position)) changes.push({ userId: r.user_id, ...p });
    }
    const casteChanged = new Set(rows.filter((r) => placed.get(r.user_id)?.caste !== r.caste).map((r) => r.user_id));
    return {
      statements: changes.length > 0 ? q.placeStatements(this.db, category, changes) : [],
      changed: changes.filter((c) => casteChanged.has(c.userId)).map(({ userId, caste }) => ({ userId, caste })),
    };
  }

  private async recomputeAll(): Promise<void> {
    const now = Date.now();
    for (let category = OVERALL; category < 16; category++) {
      const { statements } = this.place(category, await q.categoryRatings(this.db, category), now);
      if (statements.length > 0) await this.db.batch(statements);
    }
  }

  // ------------------------------------------------------------------ plumbing

  /**
   * The host's unsettled game with its participants and who reported, kept in memory between
   * reports (one D1 write per report instead of four reads); loaded from D1 after a wake-up.
   */
  private openGame(roomId: number, hostId: number): Promise<OpenGame | null> {
    const key = `${roomId}:${hostId}`;
    const cached = this.open.get(key);
    if (cached) return cached;
    // The promise is cached, not its value: reports arriving together share one load (and one
    // set of reporters, which decides when everybody has reported).
    const load = (async () => {
      const db = this.db;
      const row = await q.openGameOf(db, roomId, hostId);
      if (!row) return null;
      const [players, reports] = await db.batch([q.playersOfStatement(db, row.id), q.reportsOfStatement(db, row.id)]);
      const listed = (players?.results ?? []) as q.GamePlayerRow[];
      return {
        row,
        participants: new Set([row.host_id, ...listed.map((p) => p.user_id)]),
        reporters: new Set(((reports?.results ?? []) as q.ReportRow[]).map((r) => r.reporter_id)),
        names: namesOf(listed),
      };
    })();
    this.open.set(key, load);
    void load.then(
      (open) => {
        if (!open && this.open.get(key) === load) this.open.delete(key);
      },
      () => this.open.delete(key),
    );
    return load;
  }

  private async setPlayers(gameId: number, hostId: number, players: readonly ResultPlayer[]): Promise<void> {
    // The cached view of this host's games is out of date now.
    for (const key of [...this.open.keys()]) if (key.endsWith(`:${hostId}`)) this.open.delete(key);
    const list = players.some((p) => p.userId === hostId)
      ? players
      : [{ userId: hostId, name: String(hostId), guest: false, address: "" }, ...players];
    await this.db.batch(q.setGamePlayersStatements(this.db, gameId, hostId, list));
    for (const p of list) {
      if (p.address) {
        this.sql.exec(
          "INSERT OR REPLACE INTO addresses (game_id, user_id, ip) VALUES (?, ?, ?)",
          gameId,
          p.userId,
          p.address,
        );
      }
    }
  }

  private addressesOf(gameId: number): Map<number, string> {
    const rows = this.sql.exec<{ user_id: number; ip: string }>(
      "SELECT user_id, ip FROM addresses WHERE game_id = ?",
      gameId,
    );
    return new Map(rows.toArray().map((r) => [r.user_id, r.ip]));
  }

  /** Settle `gameId` once the window after `from` has passed (the first call sets the deadline). */
  private schedule(gameId: number, from: number): void {
    const deadline = from + this.config().reportWindowMs;
    this.sql.exec(
      "INSERT INTO pending (game_id, deadline) VALUES (?, ?) ON CONFLICT (game_id) DO NOTHING",
      gameId,
      deadline,
    );
    void this.arm();
  }

  /** A pass that failed: the game is settled again a window from now (not at once, in a loop). */
  private retry(gameId: number): void {
    this.sql.exec(
      "INSERT INTO pending (game_id, deadline) VALUES (?, ?) ON CONFLICT (game_id) DO UPDATE SET deadline = excluded.deadline",
      gameId,
      Date.now() + this.config().reportWindowMs,
    );
    void this.arm();
  }

  private async arm(): Promise<void> {
    const row = this.sql.exec<{ d: number | null }>("SELECT MIN(deadline) AS d FROM pending").toArray()[0];
    const next = this.meta("next_recompute") ?? Date.now() + this.config().recomputeMs;
    if (this.meta("next_recompute") === null) this.setMeta("next_recompute", next);
    const at = row?.d != null ? Math.min(row.d, next) : next;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at || current < Date.now() - 1000) await this.ctx.storage.setAlarm(at);
  }

  private meta(k: string): number | null {
    return this.sql.exec<{ v: number }>("SELECT v FROM meta WHERE k = ?", k).toArray()[0]?.v ?? null;
  }

  private setMeta(k: string, v: number): void {
    this.sql.exec("INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v", k, v);
  }

  private config(): ResultsConfig {
    return loadConfig(this.env).results;
  }

  /** One change at a time: the next starts when the previous finished (failed or not). */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => {});
    return run;
  }
}

function namesOf(listed: readonly q.GamePlayerRow[]): Map<number, { name: string; guest: boolean }> {
  return new Map(listed.map((p) => [p.user_id, { name: p.name, guest: p.guest !== 0 }]));
}

function delta(s: Standings, userId: number, pts: number): q.StatsDelta {
  const p = s.players.find((x) => x.userId === userId);
  const team = p ? s.teams[p.teamIndex] : undefined;
  const first = team?.place === 0;
  const tie = team?.tie ?? false;
  return {
    win: first && !tie,
    tie,
    loss: !first && !tie,
    damageInflicted: p?.damageGiven ?? 0,
    damageReceived: p?.damageTaken ?? 0,
    disconnect: p ? !p.finished : false,
    points: pts,
  };
}
