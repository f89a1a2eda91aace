/**
 * Ranked-play fixtures for the workerd tests: an account row written straight to D1 and the
 * standings JSON the Results object stores for a 1-vs-1 (`winner` on team 0).
 */
import { env } from "cloudflare:test";

export async function seedUser(id: number, name: string): Promise<void> {
  await env.DB.prepare(
    `INSERT INTO users (id, username, display_name, password_hash, password_salt, password_iterations, password_algorithm, nick, created_at)
     VALUES (?, ?, ?, x'00', x'00', 1, 'test', ?, 0)`,
  )
    .bind(id, name, name, name)
    .run();
}

export function standings(winner: number, loser: number) {
  return {
    endedCode: 0,
    scoring: 3,
    elapsed: 300,
    teams: [0, 1].map((index) => ({
      index,
      place: index,
      tie: false,
      eliminated: index === 1,
      timeOfElimination: 0,
      captainIndex: index,
      spectators: false,
    })),
    players: [winner, loser].map((userId, i) => ({
      userId,
      teamIndex: i,
      captain: true,
      finished: true,
      timePlayed: 300,
      unitsKilled: 5,
      unitsLost: 2,
      damageGiven: 100,
      damageTaken: 50,
    })),
  };
}

/**
 * A 1-vs-1 ranked game marked disputed: host `a` (team 0) and `b`, each having reported itself
 * the winner; the reports get ids `firstReportId` and `firstReportId + 1`. Returns the game id.
 */
export async function seedDisputedGame(
  a: { id: number; name: string },
  b: { id: number; name: string },
  gameName: string,
  firstReportId: number,
): Promise<number> {
  await seedUser(a.id, a.name);
  await seedUser(b.id, b.name);
  const game = await env.DB.prepare(
    `INSERT INTO games (room_id, room_type, host_id, name, map, scoring, started_at, status, unrated_reason)
     VALUES (2, 'ranked', ?, ?, 'Bagrada', 3, 1000, 'disputed', 'the reports disagree on placings') RETURNING id`,
  )
    .bind(a.id, gameName)
    .first<{ id: number }>();
  const id = game?.id as number;
  for (const p of [a, b]) {
    await env.DB.prepare("INSERT INTO game_players (game_id, user_id, name, host) VALUES (?, ?, ?, ?)")
      .bind(id, p.id, p.name, p === a ? 1 : 0)
      .run();
  }
  await env.DB.prepare(
    "INSERT INTO game_reports (id, game_id, reporter_id, at, standings, placings) VALUES (?, ?, ?, 2000, ?, ?), (?, ?, ?, 2001, ?, ?)",
  )
    .bind(
      firstReportId,
      id,
      a.id,
      JSON.stringify(standings(a.id, b.id)),
      `${a.id}:0,${b.id}:1`,
      firstReportId + 1,
      id,
      b.id,
      JSON.stringify(standings(b.id, a.id)),
      `${a.id}:1,${b.id}:0`,
    )
    .run();
  return id;
}
