/**
 * Every D1 query of ranked play, in one module: the Results object (writes), the rooms
 * (castes, player info, profile strings), the public API and the admin routes (reads). Pages
 * and dashboards read through the same functions.
 */
import type { Standings } from "./standings.ts";

export type GameStatus = "playing" | "reported" | "rated" | "unrated" | "disputed" | "abandoned";

export interface GameRow {
  id: number;
  room_id: number;
  room_type: string;
  host_id: number;
  name: string;
  map: string;
  scoring: number;
  difficulty: number;
  time_limit: number;
  option_flags: number;
  teams: number;
  alliances: number;
  veterans: number;
  unit_trading: number;
  cooperative: number;
  client: string;
  started_at: number;
  ended_at: number | null;
  ended_code: number | null;
  duration: number | null;
  status: GameStatus;
  unrated_reason: string | null;
  flagged: number;
  result_report_id: number | null;
  film_status: string | null;
  roster: string;
  resolved_by: string | null;
  resolved_at: number | null;
}

export interface NewGame {
  roomId: number;
  roomType: string;
  hostId: number;
  name: string;
  map: string;
  scoring: number;
  difficulty: number;
  timeLimit: number;
  optionFlags: number;
  teams: boolean;
  alliances: boolean;
  veterans: boolean;
  unitTrading: boolean;
  cooperative: boolean;
  client: string;
  startedAt: number;
}

export interface GamePlayerIn {
  userId: number;
  name: string;
  guest: boolean;
}

export interface GamePlayerRow {
  game_id: number;
  user_id: number;
  name: string;
  guest: number;
  host: number;
  team_index: number | null;
  captain: number;
  units_killed: number | null;
  units_lost: number | null;
  damage_given: number | null;
  damage_taken: number | null;
  time_played: number | null;
  finished: number | null;
  rating_before: number | null;
  rating_after: number | null;
}

export interface TeamRow {
  game_id: number;
  team_index: number;
  place: number;
  tie: number;
  eliminated: number;
  time_of_elimination: number;
  captain_index: number;
  spectators: number;
}

export interface ReportRow {
  id: number;
  game_id: number;
  reporter_id: number;
  at: number;
  standings: string;
  placings: string;
}

export interface RatingRow {
  user_id: number;
  category: number;
  mu: number;
  sigma: number;
  games: number;
  last_game_at: number | null;
  caste: number;
  position: number;
}

export interface StatsRow {
  user_id: number;
  category: number;
  games_played: number;
  wins: number;
  losses: number;
  ties: number;
  damage_inflicted: number;
  damage_received: number;
  disconnects: number;
  highest_points: number;
  highest_rank: number;
}

const b = (v: boolean) => (v ? 1 : 0);

// ------------------------------------------------------------------------------ games

export async function insertGame(db: D1Database, g: NewGame): Promise<number> {
  const row = await db
    .prepare(
      `INSERT INTO games (room_id, room_type, host_id, name, map, scoring, difficulty, time_limit, option_flags,
        teams, alliances, veterans, unit_trading, cooperative, client, started_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    )
    .bind(
      g.roomId,
      g.roomType,
      g.hostId,
      g.name,
      g.map,
      g.scoring,
      g.difficulty,
      g.timeLimit,
      g.optionFlags,
      b(g.teams),
      b(g.alliances),
      b(g.veterans),
      b(g.unitTrading),
      b(g.cooperative),
      g.client,
      g.startedAt,
    )
    .first<{ id: number }>();
  if (!row) throw new Error("insert into games returned no id");
  return row.id;
}

/** The game's players from game_player_list (111); the host is always one of them. */
export function setGamePlayersStatements(
  db: D1Database,
  gameId: number,
  hostId: number,
  players: readonly GamePlayerIn[],
): D1PreparedStatement[] {
  const roster = [...new Set(players.map((p) => p.userId))].sort((x, y) => x - y).join(",");
  return [
    db.prepare("DELETE FROM game_players WHERE game_id = ?").bind(gameId),
    ...players.map((p) =>
      db
        .prepare("INSERT OR REPLACE INTO game_players (game_id, user_id, name, guest, host) VALUES (?, ?, ?, ?, ?)")
        .bind(gameId, p.userId, p.name, b(p.guest), b(p.userId === hostId)),
    ),
    db.prepare("UPDATE games SET roster = ? WHERE id = ?").bind(roster, gameId),
  ];
}

/** The host's newest game in a room that is not settled yet. */
export function openGameOf(db: D1Database, roomId: number, hostId: number): Promise<GameRow | null> {
  return db
    .prepare(
      "SELECT * FROM games WHERE room_id = ? AND host_id = ? AND status IN ('playing', 'reported') ORDER BY id DESC LIMIT 1",
    )
    .bind(roomId, hostId)
    .first<GameRow>();
}

/** The host's newest game in a room, settled or not. */
export function lastGameOf(db: D1Database, roomId: number, hostId: number): Promise<GameRow | null> {
  return db
    .prepare("SELECT * FROM games WHERE room_id = ? AND host_id = ? ORDER BY id DESC LIMIT 1")
    .bind(roomId, hostId)
    .first<GameRow>();
}

export async function isPlayerOf(db: D1Database, gameId: number, userId: number): Promise<boolean> {
  const row = await db
    .prepare("SELECT 1 AS x FROM game_players WHERE game_id = ? AND user_id = ?")
    .bind(gameId, userId)
    .first<{ x: number }>();
  return row !== null;
}

/**
 * Deletes a game's rows (reports, teams, players, the game). Ratings and stats it changed stay
 * as they are: nothing is recomputed retroactively.
 */
export function deleteGameStatements(db: D1Database, gameId: number): D1PreparedStatement[] {
  return ["game_reports", "game_teams", "game_players", "games"].map((table) =>
    db.prepare(`DELETE FROM ${table} WHERE ${table === "games" ? "id" : "game_id"} = ?`).bind(gameId),
  );
}

export function gameById(db: D1Database, id: number): Promise<GameRow | null> {
  return gameByIdStatement(db, id).first<GameRow>();
}

export function gameByIdStatement(db: D1Database, id: number): D1PreparedStatement {
  return db.prepare("SELECT * FROM games WHERE id = ?").bind(id);
}

export async function playersOf(db: D1Database, gameId: number): Promise<GamePlayerRow[]> {
  return (await playersOfStatement(db, gameId).all<GamePlayerRow>()).results;
}

export function playersOfStatement(db: D1Database, gameId: number): D1PreparedStatement {
  return db.prepare("SELECT * FROM game_players WHERE game_id = ?").bind(gameId);
}

export async function teamsOf(db: D1Database, gameId: number): Promise<TeamRow[]> {
  return (
    await db
      .prepare("SELECT * FROM game_teams WHERE game_id = ? ORDER BY place, team_index")
      .bind(gameId)
      .all<TeamRow>()
  ).results;
}

/** Stores a report; null when this reporter already reported this game (the first one counts). */
export async function insertReport(
  db: D1Database,
  gameId: number,
  reporterId: number,
  at: number,
  standings: Standings,
  placings: string,
): Promise<number | null> {
  const row = await insertReportStatement(db, gameId, reporterId, at, standings, placings).first<{ id: number }>();
  return row?.id ?? null;
}

/** The statement of insertReport: its one result row is `{ id }`, none for a second report. */
export function insertReportStatement(
  db: D1Database,
  gameId: number,
  reporterId: number,
  at: number,
  standings: Standings,
  placings: string,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO game_reports (game_id, reporter_id, at, standings, placings) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (game_id, reporter_id) DO NOTHING RETURNING id`,
    )
    .bind(gameId, reporterId, at, JSON.stringify(standings), placings);
}

export async function reportsOf(db: D1Database, gameId: number): Promise<ReportRow[]> {
  return (await reportsOfStatement(db, gameId).all<ReportRow>()).results;
}

export function reportsOfStatement(db: D1Database, gameId: number): D1PreparedStatement {
  return db.prepare("SELECT * FROM game_reports WHERE game_id = ? ORDER BY at, id").bind(gameId);
}

/**
 * The standings of one report become the game's result: teams, each player's line (players
 * the host did not list are added), ended code and duration. Status is set separately.
 */
export function resultStatements(
  db: D1Database,
  game: GameRow,
  reportId: number,
  s: Standings,
  names: ReadonlyMap<number, { name: string; guest: boolean }>,
  endedAt: number,
): D1PreparedStatement[] {
  const out: D1PreparedStatement[] = [db.prepare("DELETE FROM game_teams WHERE game_id = ?").bind(game.id)];
  for (const t of s.teams) {
    out.push(
      db
        .prepare(
          `INSERT INTO game_teams (game_id, team_index, place, tie, eliminated, time_of_elimination, captain_index, spectators)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .bind(
          game.id,
          t.index,
          t.place,
          b(t.tie),
          b(t.eliminated),
          t.timeOfElimination,
          t.captainIndex,
          b(t.spectators),
        ),
    );
  }
  for (const p of s.players) {
    const who = names.get(p.userId) ?? { name: String(p.userId), guest: false };
    out.push(
      db
        .prepare(
          `INSERT INTO game_players (game_id, user_id, name, guest, host, team_index, captain, units_killed, units_lost,
             damage_given, damage_taken, time_played, finished)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (game_id, user_id) DO UPDATE SET team_index = excluded.team_index, captain = excluded.captain,
             units_killed = excluded.units_killed, units_lost = excluded.units_lost, damage_given = excluded.damage_given,
             damage_taken = excluded.damage_taken, time_played = excluded.time_played, finished = excluded.finished`,
        )
        .bind(
          game.id,
          p.userId,
          who.name,
          b(who.guest),
          b(p.userId === game.host_id),
          p.teamIndex,
          b(p.captain),
          p.unitsKilled,
          p.unitsLost,
          p.damageGiven,
          p.damageTaken,
          p.timePlayed,
          b(p.finished),
        ),
    );
  }
  out.push(
    db
      .prepare("UPDATE games SET ended_at = ?, ended_code = ?, duration = ?, result_report_id = ? WHERE id = ?")
      .bind(endedAt, s.endedCode, s.elapsed, reportId, game.id),
  );
  return out;
}

export function statusStatement(
  db: D1Database,
  gameId: number,
  status: GameStatus,
  reason: string | null,
  extra: { flagged?: boolean; resolvedBy?: string; at?: number } = {},
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE games SET status = ?, unrated_reason = ?, flagged = COALESCE(?, flagged),
         resolved_by = COALESCE(?, resolved_by), resolved_at = COALESCE(?, resolved_at) WHERE id = ?`,
    )
    .bind(
      status,
      reason,
      extra.flagged === undefined ? null : b(extra.flagged),
      extra.resolvedBy ?? null,
      extra.resolvedBy ? (extra.at ?? null) : null,
      gameId,
    );
}

/** Rated games between exactly these players since `since` (anti-farming). */
export async function recentRosterGames(
  db: D1Database,
  roster: string,
  since: number,
  except: number,
): Promise<number> {
  const row = await recentRosterGamesStatement(db, roster, since, except).first<{ n: number }>();
  return row?.n ?? 0;
}

/** The statement of recentRosterGames: one row `{ n }`. */
export function recentRosterGamesStatement(
  db: D1Database,
  roster: string,
  since: number,
  except: number,
): D1PreparedStatement {
  return db
    .prepare("SELECT COUNT(*) AS n FROM games WHERE roster = ? AND status = 'rated' AND started_at >= ? AND id != ?")
    .bind(roster, since, except);
}

// ------------------------------------------------------------------------------ ratings and stats

export async function ratingsOf(
  db: D1Database,
  userIds: readonly number[],
  categories: readonly number[],
): Promise<RatingRow[]> {
  if (userIds.length === 0) return [];
  const u = userIds.map(() => "?").join(",");
  const c = categories.map(() => "?").join(",");
  return (
    await db
      .prepare(`SELECT * FROM ratings WHERE user_id IN (${u}) AND category IN (${c})`)
      .bind(...userIds, ...categories)
      .all<RatingRow>()
  ).results;
}

/**
 * ratingsOf as one statement for any number of players and categories: the ids go in as one
 * JSON array (D1 binds at most 100 parameters, and a settle of several games has more players).
 */
export function ratingsOfStatement(
  db: D1Database,
  userIds: readonly number[],
  categories: readonly number[],
): D1PreparedStatement {
  return db
    .prepare(
      `SELECT * FROM ratings WHERE user_id IN (SELECT value FROM json_each(?1))
         AND category IN (SELECT value FROM json_each(?2))`,
    )
    .bind(JSON.stringify(userIds), JSON.stringify(categories));
}

export function ratingStatement(
  db: D1Database,
  userId: number,
  category: number,
  mu: number,
  sigma: number,
  at: number,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO ratings (user_id, category, mu, sigma, games, last_game_at) VALUES (?, ?, ?, ?, 1, ?)
       ON CONFLICT (user_id, category) DO UPDATE SET mu = excluded.mu, sigma = excluded.sigma, games = games + 1,
         last_game_at = excluded.last_game_at`,
    )
    .bind(userId, category, mu, sigma, at);
}

export interface StatsDelta {
  win: boolean;
  loss: boolean;
  tie: boolean;
  damageInflicted: number;
  damageReceived: number;
  disconnect: boolean;
  points: number;
}

export function statsStatement(db: D1Database, userId: number, category: number, d: StatsDelta): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO player_stats (user_id, category, games_played, wins, losses, ties, damage_inflicted, damage_received,
         disconnects, highest_points) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (user_id, category) DO UPDATE SET games_played = games_played + 1, wins = wins + excluded.wins,
         losses = losses + excluded.losses, ties = ties + excluded.ties,
         damage_inflicted = damage_inflicted + excluded.damage_inflicted,
         damage_received = damage_received + excluded.damage_received, disconnects = disconnects + excluded.disconnects,
         highest_points = MAX(highest_points, excluded.highest_points)`,
    )
    .bind(
      userId,
      category,
      b(d.win),
      b(d.loss),
      b(d.tie),
      d.damageInflicted,
      d.damageReceived,
      b(d.disconnect),
      d.points,
    );
}

export function ratingChangeStatement(
  db: D1Database,
  gameId: number,
  userId: number,
  before: number,
  after: number,
): D1PreparedStatement {
  return db
    .prepare("UPDATE game_players SET rating_before = ?, rating_after = ? WHERE game_id = ? AND user_id = ?")
    .bind(before, after, gameId, userId);
}

export async function categoryRatings(db: D1Database, category: number): Promise<RatingRow[]> {
  return (await db.prepare("SELECT * FROM ratings WHERE category = ?").bind(category).all<RatingRow>()).results;
}

/** The rows a caste pass after a game needs: the game's players and every active player (more than 3 games). */
export async function castePassRows(
  db: D1Database,
  category: number,
  involved: readonly number[],
): Promise<RatingRow[]> {
  const ids = involved.map(() => "?").join(",");
  return (
    await db
      .prepare(`SELECT * FROM ratings WHERE category = ? AND (games > 3 OR user_id IN (${ids}))`)
      .bind(category, ...involved)
      .all<RatingRow>()
  ).results;
}

/** castePassRows as one statement, the players as one JSON array (any number of them). */
export function castePassStatement(db: D1Database, category: number, involved: readonly number[]): D1PreparedStatement {
  return db
    .prepare(
      "SELECT * FROM ratings WHERE category = ?1 AND (games > 3 OR user_id IN (SELECT value FROM json_each(?2)))",
    )
    .bind(category, JSON.stringify(involved));
}

export function placeStatements(
  db: D1Database,
  category: number,
  changes: readonly { userId: number; caste: number; position: number }[],
): D1PreparedStatement[] {
  return changes.flatMap((c) => [
    db
      .prepare("UPDATE ratings SET caste = ?, position = ? WHERE user_id = ? AND category = ?")
      .bind(c.caste, c.position, c.userId, category),
    db
      .prepare("UPDATE player_stats SET highest_rank = MAX(highest_rank, ?) WHERE user_id = ? AND category = ?")
      .bind(c.caste, c.userId, category),
  ]);
}

/** The overall caste of an account (dagger until it has a rating). */
export async function casteOf(db: D1Database, userId: number): Promise<number> {
  const row = await db
    .prepare("SELECT caste FROM ratings WHERE user_id = ? AND category = -1")
    .bind(userId)
    .first<{ caste: number }>();
  return row?.caste ?? 0;
}

/** The overall castes of these accounts (absent: no rating yet, a dagger). */
export async function castesOf(db: D1Database, userIds: readonly number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  // D1 binds at most 100 parameters per statement.
  for (let i = 0; i < userIds.length; i += 90) {
    const ids = userIds.slice(i, i + 90);
    const { results } = await db
      .prepare(
        `SELECT user_id, caste FROM ratings WHERE category = -1 AND user_id IN (${ids.map(() => "?").join(",")})`,
      )
      .bind(...ids)
      .all<{ user_id: number; caste: number }>();
    for (const r of results) out.set(r.user_id, r.caste);
  }
  return out;
}

/** Login names of these accounts (public pages link players by them); guests have none. */
export async function userNamesOf(db: D1Database, userIds: readonly number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (let i = 0; i < userIds.length; i += 90) {
    const ids = userIds.slice(i, i + 90);
    const { results } = await db
      .prepare(`SELECT id, username FROM users WHERE id IN (${ids.map(() => "?").join(",")})`)
      .bind(...ids)
      .all<{ id: number; username: string }>();
    for (const r of results) out.set(r.id, r.username);
  }
  return out;
}

/** The categories that have ratings (overall first), for the rankings' game-type list. */
export async function ratedCategories(db: D1Database): Promise<number[]> {
  return (
    await db.prepare("SELECT DISTINCT category FROM ratings ORDER BY category").all<{ category: number }>()
  ).results.map((r) => r.category);
}

export async function statsOf(db: D1Database, userId: number): Promise<StatsRow[]> {
  return (await db.prepare("SELECT * FROM player_stats WHERE user_id = ?").bind(userId).all<StatsRow>()).results;
}

/**
 * An order's stats per category (player_info's order score datums): its members' stats summed
 * (games, wins, losses, ties, damage, disconnects), their highest points and rank the best of
 * them. A game two members played together counts for each of them, as their own stats do.
 */
export async function orderStatsOf(db: D1Database, orderId: number): Promise<Omit<StatsRow, "user_id">[]> {
  return (
    await db
      .prepare(
        `SELECT s.category AS category, SUM(s.games_played) AS games_played, SUM(s.wins) AS wins,
           SUM(s.losses) AS losses, SUM(s.ties) AS ties, SUM(s.damage_inflicted) AS damage_inflicted,
           SUM(s.damage_received) AS damage_received, SUM(s.disconnects) AS disconnects,
           MAX(s.highest_points) AS highest_points, MAX(s.highest_rank) AS highest_rank
         FROM player_stats s JOIN order_members m ON m.user_id = s.user_id
         WHERE m.order_id = ? GROUP BY s.category`,
      )
      .bind(orderId)
      .all<Omit<StatsRow, "user_id">>()
  ).results;
}

/** The ratings of an order's members, every category (their points make the order's). */
export async function orderRatingsOf(db: D1Database, orderId: number): Promise<RatingRow[]> {
  return (
    await db
      .prepare("SELECT r.* FROM ratings r JOIN order_members m ON m.user_id = r.user_id WHERE m.order_id = ?")
      .bind(orderId)
      .all<RatingRow>()
  ).results;
}

export async function ratingsOfUser(db: D1Database, userId: number): Promise<RatingRow[]> {
  return (await db.prepare("SELECT * FROM ratings WHERE user_id = ? ORDER BY category").bind(userId).all<RatingRow>())
    .results;
}

export interface CategorySummary {
  category: number;
  top_player: string | null;
  avg_points: number;
  best_points: number;
  avg_games: number;
  best_games: number;
  avg_wins: number;
  best_wins: number;
  avg_damage_inflicted: number;
  best_damage_inflicted: number;
  avg_damage_received: number;
  best_damage_received: number;
}

/** Per category: the top-ranked player and the averages and bests (player_info's overall ranking data). */
export async function categorySummaries(db: D1Database): Promise<CategorySummary[]> {
  return (
    await db
      .prepare(
        `SELECT s.category AS category,
           (SELECT u.nick FROM ratings r JOIN users u ON u.id = r.user_id WHERE r.category = s.category AND r.position = 1) AS top_player,
           COALESCE((SELECT AVG((r.mu - 3 * r.sigma) * 100) FROM ratings r WHERE r.category = s.category), 0) AS avg_points,
           COALESCE((SELECT MAX((r.mu - 3 * r.sigma) * 100) FROM ratings r WHERE r.category = s.category), 0) AS best_points,
           AVG(s.games_played) AS avg_games, MAX(s.games_played) AS best_games,
           AVG(s.wins) AS avg_wins, MAX(s.wins) AS best_wins,
           AVG(s.damage_inflicted) AS avg_damage_inflicted, MAX(s.damage_inflicted) AS best_damage_inflicted,
           AVG(s.damage_received) AS avg_damage_received, MAX(s.damage_received) AS best_damage_received
         FROM player_stats s GROUP BY s.category`,
      )
      .all<CategorySummary>()
  ).results;
}

export async function countUsers(db: D1Database): Promise<number> {
  return (await db.prepare("SELECT COUNT(*) AS n FROM users").first<{ n: number }>())?.n ?? 0;
}

// ------------------------------------------------------------------------------ profile strings

export function updateProfile(
  db: D1Database,
  userId: number,
  p: { city: string; state: string; country: string; quote: string },
): Promise<D1Result> {
  return db
    .prepare("UPDATE users SET city = ?, state = ?, country = ?, quote = ? WHERE id = ?")
    .bind(p.city, p.state, p.country, p.quote, userId)
    .run();
}

export interface ProfileRow {
  id: number;
  username: string;
  display_name: string;
  nick: string;
  team: string;
  city: string;
  state: string;
  country: string;
  quote: string;
  created_at: number;
  last_login_at: number | null;
}

export function profileById(db: D1Database, userId: number): Promise<ProfileRow | null> {
  return db
    .prepare(
      "SELECT id, username, display_name, nick, team, city, state, country, quote, created_at, last_login_at FROM users WHERE id = ?",
    )
    .bind(userId)
    .first<ProfileRow>();
}

export function profileByName(db: D1Database, name: string): Promise<ProfileRow | null> {
  return db
    .prepare(
      "SELECT id, username, display_name, nick, team, city, state, country, quote, created_at, last_login_at FROM users WHERE username = ?",
    )
    .bind(name)
    .first<ProfileRow>();
}

// ------------------------------------------------------------------------------ history (public API, admin)

export interface GameFilter {
  playerId?: number;
  roomId?: number;
  scoring?: number;
  /** Games with a smaller id (paging backwards in time). */
  before?: number;
  status?: readonly GameStatus[];
  /** Disputed, or unrated and flagged (shared address): what an admin must decide. */
  needsDecision?: boolean;
  limit: number;
}

export async function listGames(db: D1Database, f: GameFilter): Promise<GameRow[]> {
  const where: string[] = [];
  const args: (number | string)[] = [];
  if (f.playerId !== undefined) {
    where.push("id IN (SELECT game_id FROM game_players WHERE user_id = ?)");
    args.push(f.playerId);
  }
  if (f.roomId !== undefined) {
    where.push("room_id = ?");
    args.push(f.roomId);
  }
  if (f.scoring !== undefined) {
    where.push("scoring = ?");
    args.push(f.scoring);
  }
  if (f.before !== undefined) {
    where.push("id < ?");
    args.push(f.before);
  }
  if (f.status && f.status.length > 0) {
    where.push(`status IN (${f.status.map(() => "?").join(",")})`);
    args.push(...f.status);
  }
  if (f.needsDecision) where.push("(status = 'disputed' OR (status = 'unrated' AND flagged = 1))");
  const sql = `SELECT * FROM games ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`;
  return (
    await db
      .prepare(sql)
      .bind(...args, f.limit)
      .all<GameRow>()
  ).results;
}

export interface LeaderRow extends RatingRow {
  nick: string;
  username: string;
}

export async function leaderboard(db: D1Database, category: number, limit: number): Promise<LeaderRow[]> {
  return (
    await db
      .prepare(
        `SELECT r.*, u.nick AS nick, u.username AS username FROM ratings r JOIN users u ON u.id = r.user_id
         WHERE r.category = ? ORDER BY (r.position = 0), r.position, (r.mu - 3 * r.sigma) DESC LIMIT ?`,
      )
      .bind(category, limit)
      .all<LeaderRow>()
  ).results;
}
