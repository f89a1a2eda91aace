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
