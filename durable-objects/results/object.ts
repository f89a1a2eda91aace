/**
 * Results: the one object that settles games and updates ratings (edge/objects.ts names it).
 * Rooms tell it when a game starts (114), who plays (111), each score report (112) and when a
 * host's game goes away; it writes D1 first and answers after. Every change runs one at a
 * time through one queue, so two games ending at the same moment with a shared player both
 * apply, one after the other, and neither update is lost.
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
import { linkFilmsOfGame } from "../../edge/films.ts";
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

const DAY_MS = 86_400_000;

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
      const reportId = await q.insertReport(db, game.id, r.reporterId, r.at, r.standings, placingsKey(r.standings));
      if (reportId === null) return { ok: true }; // a second report of the same player: the first counts
      reporters.add(r.reporterId);
      if (r.reporterId === game.host_id) {
        // The host's report is taken as it arrives; the others only confirm or dispute it.
        await db.batch([
          ...q.resultStatements(db, game, reportId, r.standings, names, r.at),
          q.statusStatement(db, game.id, "reported", null),
        ]);
      }
      if ([...participants].every((p) => reporters.has(p))) await this.serial(() => this.settle(game.id, r.at));
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
      await db.batch(q.resultStatements(db, game, chosen.id, standings, namesOf(listed), game.ended_at ?? now));
      const status = how.rate
        ? await this.outcome(game, standings, listed, { cleared: true, actor: how.actor })
        : await this.finish(game.id, "unrated", "resolved unrated by an admin", { resolvedBy: how.actor, at: now });
      await db
        .prepare("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, 'game.resolve', ?, ?)")
        .bind(now, how.actor, String(gameId), JSON.stringify({ reportId: chosen.id, rate: how.rate, status }))
        .run();
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
      for (const { game_id } of due) await this.settle(game_id, now);
      const next = this.meta("next_recompute");
      if (next === null || next <= now) {
        await this.recomputeAll();
        this.setMeta("next_recompute", now + this.config().recomputeMs);
      }
      await this.arm();
    });
  }

  // ------------------------------------------------------------------ settling

  private async settle(gameId: number, now: number): Promise<void> {
    this.sql.exec("DELETE FROM pending WHERE game_id = ?", gameId);
    const db = this.db;
    // Side by side: the round trips overlap (D1 answers them in order).
    const [game, reports, listed] = await Promise.all([
      q.gameById(db, gameId),
      q.reportsOf(db, gameId),
      q.playersOf(db, gameId),
    ]);
    if (!game || (game.status !== "playing" && game.status !== "reported")) return;
    // Reports after this are late (a reload from D1 no longer finds the game open).
    this.open.delete(`${game.room_id}:${game.host_id}`);
    if (reports.length === 0) {
      await this.finish(gameId, "abandoned", "the host left and nobody reported");
      return;
    }
    const base = reports.find((r) => r.reporter_id === game.host_id) ?? reports[0];
    if (!base) return;
    const standings = JSON.parse(base.standings) as Standings;
    if (base.reporter_id !== game.host_id || game.result_report_id !== base.id) {
      await db.batch(q.resultStatements(db, game, base.id, standings, namesOf(listed), base.at));
    }
    if (reports.some((r) => r.placings !== base.placings)) {
      await this.finish(gameId, "disputed", "the reports disagree on placings");
      return;
    }
    await this.outcome({ ...game, ended_at: game.ended_at ?? now }, standings, listed, { cleared: false });
  }

  /** A settled, undisputed game: rated, or recorded with the reason it is not. */
  private async outcome(
    game: q.GameRow,
    s: Standings,
    listed: readonly q.GamePlayerRow[],
    how: { cleared: boolean; actor?: string },
  ): Promise<q.GameStatus> {
    const guests = new Set(listed.filter((p) => p.guest).map((p) => p.user_id));
    const addresses = this.addressesOf(game.id);
    const reason = unratedReason(s, { roomType: game.room_type, guests, addresses });
    const resolved = how.actor ? { resolvedBy: how.actor, at: Date.now() } : {};
    if (reason) {
      if (game.room_type === "unranked") await this.unrankedStats(s, guests);
      return this.finish(game.id, "unrated", reason, resolved);
    }
    if (!how.cleared && sharedAddress(s, addresses)) {
      return this.finish(game.id, "unrated", "opponents share a client address", { flagged: true });
    }
    await this.rate(game, s, resolved);
    return "rated";
  }

  private async finish(
    gameId: number,
    status: q.GameStatus,
    reason: string | null,
    extra: { flagged?: boolean; resolvedBy?: string; at?: number } = {},
  ): Promise<q.GameStatus> {
    await q.statusStatement(this.db, gameId, status, reason, extra).run();
    return status;
  }

  private async unrankedStats(s: Standings, guests: ReadonlySet<number>): Promise<void> {
    const db = this.db;
    const statements = playing(s)
      .filter((p) => !guests.has(p.userId))
      .map((p) => q.statsStatement(db, p.userId, UNRANKED, delta(s, p.userId, 0)));
    if (statements.length > 0) await db.batch(statements);
  }

  /** Overall and game-type ratings of every playing player, their stats, then the caste passes. */
  private async rate(game: q.GameRow, s: Standings, resolved: { resolvedBy?: string; at?: number }): Promise<void> {
    const db = this.db;
    const now = game.ended_at ?? Date.now();
    const teams = teamsByPlace(s);
    const ids = teams.flatMap((t) => t.players.map((p) => p.userId));
    const roster = [...ids].sort((a, b) => a - b).join(",");
    const categories = [OVERALL, s.scoring];
    const [earlier, rows] = await Promise.all([
      q.recentRosterGames(db, roster, game.started_at - DAY_MS, game.id),
      q.ratingsOf(db, ids, categories),
    ]);
    const weight = farmingWeight(earlier);
    const tau = this.config().inactivityTau;
    const statements: D1PreparedStatement[] = [
      db.prepare("UPDATE games SET roster = ? WHERE id = ?").bind(roster, game.id),
    ];
    for (const category of categories) {
      const current = (userId: number): Skill => {
        const row = rows.find((r) => r.user_id === userId && r.category === category);
        return row ? widen({ mu: row.mu, sigma: row.sigma }, row.last_game_at, now, tau) : INITIAL;
      };
      const before = teams.map((t) => t.players.map((p) => current(p.userId)));
      const after = rateTeams(
        before,
        teams.map((t) => t.place),
        weight,
      );
      for (const [i, t] of teams.entries()) {
        for (const [j, p] of t.players.entries()) {
          const next = after[i]?.[j] ?? INITIAL;
          statements.push(q.ratingStatement(db, p.userId, category, next.mu, next.sigma, now));
          statements.push(q.statsStatement(db, p.userId, category, delta(s, p.userId, points(next))));
          if (category === OVERALL) {
            statements.push(
              q.ratingChangeStatement(db, game.id, p.userId, displayed(before[i]?.[j] ?? INITIAL), displayed(next)),
            );
          }
        }
      }
    }
    statements.push(q.statusStatement(db, game.id, "rated", null, resolved));
    await db.batch(statements);
    // The two categories touch different rows: their passes may overlap.
    const [changed] = await Promise.all([this.castes(OVERALL, now, ids), this.castes(s.scoring, now, ids)]);
    if (changed.length > 0) {
      // Not awaited: the next game's rating must not wait for a busy room.
      this.ctx.waitUntil(
        tryCall("results: room.castesChanged", () => roomStub(this.env, game.room_id).castesChanged(changed)),
      );
    }
  }

  /** One caste pass over a category; writes the rows that changed and returns them. */
  /**
   * One caste pass over a category; writes the rows that changed and returns them. After a
   * game (`involved`) it is cheap: a player with three rated games or fewer has the caste of
   * its game count whatever the others do, so only the game's players and the active players
   * (who rank among each other) are read; the full pass reads every row.
   */
  private async castes(
    category: number,
    now: number,
    involved?: readonly number[],
  ): Promise<{ userId: number; caste: number }[]> {
    const db = this.db;
    const tau = this.config().inactivityTau;
    const rows = involved ? await q.castePassRows(db, category, involved) : await q.categoryRatings(db, category);
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
    if (changes.length > 0) await db.batch(q.placeStatements(db, category, changes));
    const casteChanged = new Set(rows.filter((r) => placed.get(r.user_id)?.caste !== r.caste).map((r) => r.user_id));
    return changes.filter((c) => casteChanged.has(c.userId)).map(({ userId, caste }) => ({ userId, caste }));
  }

  private async recomputeAll(): Promise<void> {
    const now = Date.now();
    for (let category = OVERALL; category < 16; category++) await this.castes(category, now);
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
      const [listed, reports] = await Promise.all([q.playersOf(db, row.id), q.reportsOf(db, row.id)]);
      return {
        row,
        participants: new Set([row.host_id, ...listed.map((p) => p.user_id)]),
        reporters: new Set(reports.map((r) => r.reporter_id)),
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
