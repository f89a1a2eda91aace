/** Ranked play's pure rules: standings checks, placings, rating updates and Bungie's caste passes. */
import { describe, expect, it } from "vitest";
import { Caste, castePass, displayed, farmingWeight, INITIAL, rateTeams, widen } from "../../edge/results/ratings.ts";
import { checkStandings, placingsKey, sharedAddress, unratedReason } from "../../edge/results/standings.ts";
import type { GameScoreMessage } from "../../protocol/messages.ts";

function report(teamOf: readonly number[], places: readonly number[], overrides: Partial<GameScoreMessage> = {}) {
  const msg: GameScoreMessage = {
    type: 112,
    gameId: 1,
    gameEndedCode: 0,
    gameScoring: 0,
    gameVersion: 0,
    timeLimit: 0,
    actualTimeElapsed: 100,
    reportingPlayerId: 1,
    numberOfPlayers: teamOf.length,
    numberOfTeams: places.length,
    teams: places.map((place, i) => ({
      place,
      captainPlayerIndex: teamOf.indexOf(i),
      valid: true,
      eliminated: false,
      timeOfElimination: 0,
    })),
    players: teamOf.map((teamIndex, i) => ({
      teamIndex,
      finishedGame: true,
      timePlayed: 100,
      unitsKilled: i,
      unitsLost: 0,
      pointsKilled: 0,
      pointsLost: 0,
      playerId: i + 1,
    })),
    ...overrides,
  };
  return msg;
}

describe("standings", () => {
  it("accepts consistent reports and refuses inconsistent counts and indices", () => {
    expect(checkStandings(report([0, 1], [0, 1])).ok).toBe(true);
    expect(checkStandings(report([0, 2], [0, 1]))).toMatchObject({ ok: false, error: "player 2 on team 2 of 2" });
    expect(checkStandings(report([0, 1], [0, 1], { numberOfTeams: 0 })).ok).toBe(false);
    expect(checkStandings(report([0, 1], [0, 5])).ok).toBe(false);
    expect(checkStandings(report([0, 1], [0, 1], { gameEndedCode: 9 })).ok).toBe(false);
    const dup = report([0, 1], [0, 1]);
    expect(checkStandings({ ...dup, players: dup.players.map((p) => ({ ...p, playerId: 7 })) }).ok).toBe(false);
  });

  it("compares reports by placings only, marks ties, and keeps invalid teams as spectators", () => {
    const a = checkStandings(report([0, 1, 1], [0, 1]));
    const b = checkStandings({ ...report([0, 1, 1], [0, 1]), actualTimeElapsed: 999 });
    const c = checkStandings(report([0, 1, 1], [1, 0]));
    if (!a.ok || !b.ok || !c.ok) throw new Error("valid");
    expect(placingsKey(a.value)).toBe(placingsKey(b.value));
    expect(placingsKey(a.value)).not.toBe(placingsKey(c.value));
    const tie = checkStandings(report([0, 1], [0, 0]));
    expect(tie.ok && tie.value.teams.every((t) => t.tie)).toBe(true);
    const watched = report([0, 1, 2], [0, 1, 2]);
    const spectating = checkStandings({ ...watched, teams: watched.teams.map((t, i) => ({ ...t, valid: i < 2 })) });
    if (!spectating.ok) throw new Error("valid");
    expect(spectating.value.teams[2]?.spectators).toBe(true);
    expect(placingsKey(spectating.value)).toBe("1:0,2:1");
  });

  it("says why a game is not rated", () => {
    const s = checkStandings(report([0, 1], [0, 1]));
    const one = checkStandings(report([0, 0], [0]));
    if (!s.ok || !one.ok) throw new Error("valid");
    const ctx = { roomType: "ranked", guests: new Set<number>(), addresses: new Map<number, string>() };
    expect(unratedReason(s.value, ctx)).toBeNull();
    expect(unratedReason(s.value, { ...ctx, roomType: "unranked" })).toBe("unranked room");
    expect(unratedReason(s.value, { ...ctx, guests: new Set([2]) })).toBe("a guest played");
    expect(unratedReason(one.value, ctx)).toBe("fewer than two teams");
    expect(
      sharedAddress(
        s.value,
        new Map([
          [1, "10.0.0.1"],
          [2, "10.0.0.1"],
        ]),
      ),
    ).toBe(true);
    const mates = checkStandings(report([0, 0, 1], [0, 1]));
    if (!mates.ok) throw new Error("valid");
    // Teammates on one address (a LAN party) are no farming.
    expect(
      sharedAddress(
        mates.value,
        new Map([
          [1, "10.0.0.1"],
          [2, "10.0.0.1"],
          [3, "10.0.0.2"],
        ]),
      ),
    ).toBe(false);
  });
});

describe("ratings", () => {
  it("winners rise, losers fall; a repeated pairing moves them less", () => {
    const rated = rateTeams([[INITIAL], [INITIAL]], [0, 1], 1);
    const win = rated[0]?.[0];
    const lose = rated[1]?.[0];
    expect(displayed(win ?? INITIAL)).toBeGreaterThan(displayed(INITIAL));
    expect(displayed(lose ?? INITIAL)).toBeLessThan(displayed(INITIAL));
    const half = rateTeams([[INITIAL], [INITIAL]], [0, 1], farmingWeight(1))[0]?.[0];
    expect((half?.mu ?? 0) - INITIAL.mu).toBeCloseTo(((win?.mu ?? 0) - INITIAL.mu) / 2, 9);
    expect([farmingWeight(0), farmingWeight(1), farmingWeight(3)]).toEqual([1, 0.5, 0.25]);
  });

  it("inactivity widens uncertainty with time, never past a new player's", () => {
    const sure = { mu: 30, sigma: 2 };
    const day = 86_400_000;
    expect(widen(sure, 0, 0, 1)).toEqual(sure);
    expect(widen(sure, 0, 4 * day, 1).sigma).toBeCloseTo(Math.sqrt(4 + 4), 9);
    expect(widen(sure, 0, 10_000 * day, 1).sigma).toBe(INITIAL.sigma);
    expect(widen(sure, 0, 4 * day, 0)).toEqual(sure);
  });
});

describe("caste passes (§4.10, Bungie rank.c)", () => {
  it("new players by games played; active players by place, then by share", () => {
    const players = [
      { userId: 1, games: 0, rating: 50 },
      { userId: 2, games: 1, rating: 50 },
      { userId: 3, games: 3, rating: 50 },
      ...Array.from({ length: 108 }, (_, i) => ({ userId: 100 + i, games: 10, rating: 1000 - i })),
    ];
    const placed = castePass(players);
    expect([1, 2, 3].map((u) => placed.get(u)?.caste)).toEqual([Caste.Dagger, Caste.DaggerWithHilt, Caste.KrisKnife]);
    const byRank = Array.from({ length: 108 }, (_, i) => placed.get(100 + i)?.caste);
    expect(byRank.slice(0, 8)).toEqual([16, 15, 14, 13, 13, 12, 12, 12]);
    // 100 below the top eight: 6 nice crowns, 7 crowns, 9 simple crowns … 16 swords and daggers.
    const counts = new Map<number, number>();
    for (const c of byRank.slice(8)) counts.set(c ?? -1, (counts.get(c ?? -1) ?? 0) + 1);
    expect([11, 10, 9, 8, 7, 6, 5, 4, 3].map((c) => counts.get(c))).toEqual([6, 7, 9, 10, 11, 12, 14, 15, 16]);
    expect(placed.get(100)?.position).toBe(1);
    expect(placed.get(1)?.position).toBe(0);
  });
});
