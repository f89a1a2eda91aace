/**
 * Ranked play end to end: real clients over TCP through the bridge into local workerd, games
 * started (114) with their player lists (111) and reported (112) by every player; what D1
 * holds is read back through the public API (and the admin API for disputes).
 * Each player connects from its own 127.0.0.x so no two opponents share a client address.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MessageType } from "../../protocol/message-types.ts";
import type { GameScoreMessage, Message } from "../../protocol/messages.ts";
import type { LocalStack } from "../../scripts/local-stack.ts";
import { joinAs, type Player, startTestStack } from "./stack.ts";

const ROOMS = JSON.stringify([
  { id: 0, name: "Ranked", game: "myth2", type: "ranked", guests: true },
  { id: 1, name: "Unranked", game: "myth2", type: "unranked" },
  { id: 2, name: "Ranked (films)", game: "myth2", type: "ranked", films: "required" },
]);
const WINDOW_SECONDS = 2;

let stack: LocalStack;
let users = 0;

beforeAll(async () => {
  stack = await startTestStack({ roomConfig: ROOMS, vars: { RESULTS_REPORT_WINDOW_SECONDS: String(WINDOW_SECONDS) } });
});
afterAll(async () => {
  await stack?.stop();
});

interface Ranked extends Player {
  readonly name: string;
}

async function ranked(
  prefix: string,
  dialect: "myth2" | "myth2-legacy" = "myth2",
  roomId = 0,
  address?: string,
): Promise<Ranked> {
  const n = ++users;
  const name = `${prefix}${n}`;
  await stack.createUser(name, `pw-${name}`);
  const p = await joinAs(stack, {
    user: name,
    password: `pw-${name}`,
    nick: name,
    dialect,
    roomId,
    localAddress: address ?? `127.0.0.${10 + n}`,
  });
  return { ...p, name };
}

async function api<T = Record<string, unknown>>(path: string): Promise<T> {
  const res = await fetch(`${stack.httpUrl}${path}`);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface GameJson {
  id: number;
  status: string;
  filmStatus: string | null;
  film: { status: string; download: string | null; bytes: number; sha256: string | null } | null;
  unratedReason: string | null;
  gameType: number;
  name: string;
  map: string;
  teams: { index: number; place: number; tie: boolean; spectators: boolean }[];
  players: {
    userId: number;
    name: string;
    team: number | null;
    unitsKilled: number | null;
    unitsLost: number | null;
    damageGiven: number | null;
    damageTaken: number | null;
    timePlayed: number | null;
    finished: boolean | null;
    host: boolean;
    ratingBefore: number | null;
    ratingAfter: number | null;
  }[];
}

async function latestGameOf(player: Ranked): Promise<GameJson> {
  const page = await api<{ games: { id: number }[] }>(`/api/games?player=${player.name}&limit=1`);
  const id = page.games[0]?.id;
  if (id === undefined) throw new Error(`no game for ${player.name}`);
  return api<GameJson>(`/api/games/${id}`);
}

async function settled(player: Ranked, timeoutMs = 10_000): Promise<GameJson> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const game = await latestGameOf(player).catch(() => null);
    if (game && !["playing", "reported"].includes(game.status)) return game;
    if (Date.now() > until) throw new Error(`game of ${player.name} not settled: ${game?.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Host creates and starts a game with these players (114, then 111). */
async function play(host: Ranked, others: readonly Ranked[], scoring = 0): Promise<void> {
  host.session.createGame({ name: `g${host.userId}`, map: "The Barrier", scoring });
  await host.session.waitFor(() => host.session.games.has(host.userId), 5_000, "own game");
  host.session.startGame(null);
  host.session.client.send({
    type: MessageType.GamePlayerList,
    gameId: host.userId,
    playerIds: [host.userId, ...others.map((o) => o.userId)],
  } as Message);
  // The row exists once start_game was handled; the API shows it.
  const until = Date.now() + 5_000;
  while (Date.now() < until) {
    const page = await api<{ games: { status: string }[] }>(`/api/games?player=${host.name}&limit=1`);
    if (page.games[0]?.status === "playing") return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("game row not created");
}

interface Line {
  readonly player: Ranked;
  readonly kills?: number;
  readonly finished?: boolean;
}

/** game_score with teams in the given order of places (first = winner). */
function score(hostId: number, reporter: Ranked, teams: readonly (readonly Line[])[], scoring = 0): GameScoreMessage {
  const players = teams.flatMap((team, t) =>
    team.map((l, i) => ({
      teamIndex: t,
      finishedGame: l.finished ?? true,
      timePlayed: 600 + i,
      unitsKilled: l.kills ?? 10 * (teams.length - t),
      unitsLost: 3 + t,
      pointsKilled: 1000 + l.player.userId,
      pointsLost: 500 + t,
      playerId: l.player.userId,
    })),
  );
  return {
    type: 112,
    gameId: hostId,
    gameEndedCode: 0,
    gameScoring: scoring,
    gameVersion: 0,
    timeLimit: 0,
    actualTimeElapsed: 612,
    reportingPlayerId: reporter.userId,
    numberOfPlayers: players.length,
    numberOfTeams: teams.length,
    teams: teams.map((team, t) => ({
      place: t,
      captainPlayerIndex: players.findIndex((p) => p.playerId === team[0]?.player.userId),
      valid: true,
      eliminated: t > 0,
      timeOfElimination: t > 0 ? 500 : 0,
    })),
    players,
  };
}

async function rankedPlayer(prefix: string, dialect: "myth2" | "myth2-legacy" = "myth2", roomId = 0, address?: string) {
  return ranked(prefix, dialect, roomId, address);
}

function report(p: Ranked, msg: GameScoreMessage): void {
  p.session.client.send(msg);
}

describe("ranked games", () => {
  it("1-vs-1 (Myth II 1.8 variable layout): rows exactly as reported, winner rises, loser falls", async () => {
    const a = await rankedPlayer("duel");
    const b = await rankedPlayer("duel");
    await play(a, [b]);
    const teams = [[{ player: a }], [{ player: b, finished: false }]];
    report(a, score(a.userId, a, teams));
    report(b, score(a.userId, b, teams));
    const game = await settled(a);
    expect(game.status).toBe("rated");
    expect(game.name).toBe(`g${a.userId}`);
    expect(game.map).toBe("The Barrier");
    expect(game.teams.map((t) => [t.index, t.place, t.tie, t.spectators])).toEqual([
      [0, 0, false, false],
      [1, 1, false, false],
    ]);
    const pa = game.players.find((p) => p.userId === a.userId);
    const pb = game.players.find((p) => p.userId === b.userId);
    expect(pa).toMatchObject({
      name: a.name,
      host: true,
      team: 0,
      unitsKilled: 20,
      unitsLost: 3,
      damageGiven: 1000 + a.userId,
      damageTaken: 500,
      timePlayed: 600,
      finished: true,
    });
    expect(pb).toMatchObject({ team: 1, unitsKilled: 10, unitsLost: 4, finished: false, host: false });
    expect(pa?.ratingAfter ?? 0).toBeGreaterThan(pa?.ratingBefore ?? 0);
    expect(pb?.ratingAfter ?? 0).toBeLessThan(pb?.ratingBefore ?? 0);
  });

  it("2-vs-2 with every player reporting rates all four by team placing", async () => {
    const [a, b, c, d] = await Promise.all([1, 2, 3, 4].map(() => rankedPlayer("team")));
    if (!a || !b || !c || !d) throw new Error("players");
    await play(a, [b, c, d], 5);
    const teams = [
      [{ player: c }, { player: d }],
      [{ player: a }, { player: b }],
    ];
    for (const p of [a, b, c, d]) report(p, score(a.userId, p, teams, 5));
    const game = await settled(a);
    expect(game.status).toBe("rated");
    expect(game.gameType).toBe(5);
    for (const p of game.players) {
      const won = p.userId === c.userId || p.userId === d.userId;
      expect(p.team).toBe(won ? 0 : 1);
      if (won) expect(p.ratingAfter ?? 0).toBeGreaterThan(p.ratingBefore ?? 0);
      else expect(p.ratingAfter ?? 0).toBeLessThan(p.ratingBefore ?? 0);
    }
    const profile = await api<{ ratings: { category: string | number; games: number }[] }>(`/api/players/${c.name}`);
    expect(profile.ratings.map((r) => [r.category, r.games])).toEqual([
      ["overall", 1],
      [5, 1],
    ]);
  });

  it("Bungie's fixed 16-record layout from older clients is recorded the same way", async () => {
    const a = await rankedPlayer("fixed", "myth2-legacy");
    const b = await rankedPlayer("fixed", "myth2-legacy");
    await play(a, [b]);
    const teams = [[{ player: b }], [{ player: a }]];
    report(a, score(a.userId, a, teams));
    report(b, score(a.userId, b, teams));
    const game = await settled(a);
    expect(game.status).toBe("rated");
    expect(game.players).toHaveLength(2);
    expect(game.players.find((p) => p.userId === b.userId)).toMatchObject({ team: 0, unitsKilled: 20 });
  });

  it("a game with a guest is recorded and not rated", async () => {
    const a = await rankedPlayer("gh");
    const guest: Ranked = {
      ...(await joinAs(stack, { user: "", nick: "Visitor", roomId: 0, localAddress: "127.0.0.250" })),
      name: "",
    };
    await play(a, [guest]);
    const teams = [[{ player: a }], [{ player: guest }]];
    report(a, score(a.userId, a, teams));
    report(guest, score(a.userId, guest, teams));
    const game = await settled(a);
    expect(game.status).toBe("unrated");
    expect(game.unratedReason).toBe("a guest played");
    expect(game.players.find((p) => p.userId === guest.userId)?.name).toBe("Visitor");
  });

  it("disagreeing reports mark the game disputed until an admin resolves it", async () => {
    const a = await rankedPlayer("disp");
    const b = await rankedPlayer("disp");
    await play(a, [b]);
    report(a, score(a.userId, a, [[{ player: a }], [{ player: b }]]));
    report(b, score(a.userId, b, [[{ player: b }], [{ player: a }]]));
    const game = await settled(a);
    expect(game.status).toBe("disputed");
    expect(game.players.every((p) => p.ratingAfter === null)).toBe(true);

    const listed = (await (await stack.admin("GET", "/admin/games/disputed")).json()) as {
      games: { id: number; reports: { id: number; reporterId: number }[] }[];
    };
    const entry = listed.games.find((g) => g.id === game.id);
    expect(entry?.reports).toHaveLength(2);
    const hostReport = entry?.reports.find((r) => r.reporterId === a.userId);
    const res = await stack.admin("POST", `/admin/games/${game.id}/resolve`, { reportId: hostReport?.id, rate: true });
    expect(res.status).toBe(200);
    const after = await api<GameJson>(`/api/games/${game.id}`);
    expect(after.status).toBe("rated");
    expect(after.teams.find((t) => t.place === 0)?.index).toBe(0);
    const again = await stack.admin("POST", `/admin/games/${game.id}/resolve`, { rate: true });
    expect(again.status).toBe(409);
  });

  it("opponents from one client address are flagged, not rated, until an admin clears the game", async () => {
    const a = await rankedPlayer("farm", "myth2", 0, "127.0.0.240");
    const b = await rankedPlayer("farm", "myth2", 0, "127.0.0.240");
    await play(a, [b]);
    const teams = [[{ player: a }], [{ player: b }]];
    report(a, score(a.userId, a, teams));
    report(b, score(a.userId, b, teams));
    const game = await settled(a);
    expect(game).toMatchObject({ status: "unrated", unratedReason: "opponents share a client address" });
    const listed = (await (await stack.admin("GET", "/admin/games/disputed")).json()) as {
      games: { id: number; flagged: boolean }[];
    };
    expect(listed.games.find((g) => g.id === game.id)?.flagged).toBe(true);
    const res = await stack.admin("POST", `/admin/games/${game.id}/resolve`, { rate: true });
    expect(res.status).toBe(200);
    expect((await api<GameJson>(`/api/games/${game.id}`)).status).toBe("rated");
  });

  it("a host that drops before reporting is settled by the others' reports after the window", async () => {
    const a = await rankedPlayer("drop");
    const b = await rankedPlayer("drop");
    const c = await rankedPlayer("drop");
    await play(a, [b, c]);
    const teams = [[{ player: b }], [{ player: c }], [{ player: a, finished: false }]];
    report(b, score(a.userId, b, teams));
    report(c, score(a.userId, c, teams));
    await a.session.leave();
    const game = await settled(b, 10_000);
    expect(game.status).toBe("rated");
    expect(game.teams.find((t) => t.index === 0)?.place).toBe(0);
    expect(game.players.find((p) => p.userId === a.userId)?.finished).toBe(false);
  });

  it("a host that vanishes with nobody reporting leaves an abandoned game", async () => {
    const a = await rankedPlayer("aban");
    const b = await rankedPlayer("aban");
    await play(a, [b]);
    await a.session.leave();
    const game = await settled(b, 10_000);
    expect(game.status).toBe("abandoned");
  });

  it("a malformed report answers code 0, ends that connection and stores nothing", async () => {
    const a = await rankedPlayer("bad");
    const b = await rankedPlayer("bad");
    await play(a, [b]);
    const bad = score(a.userId, b, [[{ player: a }], [{ player: b }]]);
    const broken: GameScoreMessage = {
      ...bad,
      players: bad.players.map((p, i) => (i === 1 ? { ...p, teamIndex: 7 } : p)),
    };
    const answer = b.session.client.next(MessageType.ServerMessage, 5_000);
    report(b, broken);
    expect((await answer).code).toBe(0);
    await b.session.waitFor(() => !b.session.client.isOpen, 5_000, "the connection to close");
    const game = await latestGameOf(a);
    expect(game.status).toBe("playing");
    expect(game.teams).toEqual([]);
    expect(game.players.every((p) => p.team === null)).toBe(true);
  });

  it("two games ending at the same moment with a shared player both update its rating", async () => {
    const s = await rankedPlayer("conc");
    const [h1, o1, h2, o2] = await Promise.all([1, 2, 3, 4].map(() => rankedPlayer("conc")));
    if (!h1 || !o1 || !h2 || !o2) throw new Error("players");
    await play(h1, [s, o1]);
    await play(h2, [s, o2]);
    const t1 = [[{ player: s }, { player: h1 }], [{ player: o1 }]];
    const t2 = [[{ player: s }, { player: h2 }], [{ player: o2 }]];
    // Everything at once: both games complete in the same instant.
    for (const p of [h1, o1]) report(p, score(h1.userId, p, t1));
    for (const p of [h2, o2]) report(p, score(h2.userId, p, t2));
    report(s, score(h1.userId, s, t1));
    report(s, score(h2.userId, s, t2));
    const [g1, g2] = [await settled(h1), await settled(h2)];
    expect([g1.status, g2.status]).toEqual(["rated", "rated"]);
    const profile = await api<{ ratings: { category: string | number; games: number }[] }>(`/api/players/${s.name}`);
    expect(profile.ratings.find((r) => r.category === "overall")?.games).toBe(2);
    // The second game started from the first one's result.
    const first = g1.players.find((p) => p.userId === s.userId);
    const second = g2.players.find((p) => p.userId === s.userId);
    const ratings = [first, second].sort((x, y) => (x?.ratingBefore ?? 0) - (y?.ratingBefore ?? 0));
    expect(ratings[1]?.ratingBefore).toBeCloseTo(ratings[0]?.ratingAfter ?? Number.NaN, 6);
  });
});

describe("castes, player info and profiles", () => {
  it("after enough wins the best player's caste changes in the list others see; player_info shows games and wins", async () => {
    const a = await rankedPlayer("cast");
    const b = await rankedPlayer("cast");
    const watcher = await rankedPlayer("cast");
    const casteSeen = () => watcher.session.players.get(a.userId)?.aux.caste;
    expect(casteSeen()).toBe(0); // dagger: no rated game yet
    for (let i = 0; i < 4; i++) {
      await play(a, [b]);
      const teams = [[{ player: a }], [{ player: b }]];
      report(a, score(a.userId, a, teams));
      report(b, score(a.userId, b, teams));
      expect((await settled(a)).status).toBe("rated");
    }
    // More than three rated games make both active; the better is the comet (16), the other the sun (15).
    await watcher.session.waitFor(() => casteSeen() === 16, 5_000, "the comet in the player list");
    expect(watcher.session.players.get(b.userId)?.aux.caste).toBe(15);

    const info = watcher.session.client.next(MessageType.PlayerInfo, 5_000);
    watcher.session.client.send({ type: MessageType.PlayerInfoQuery, userId: a.userId } as Message);
    const shown = (await info) as Extract<Message, { type: 17 }>;
    expect(shown.rankedScore.gamesPlayed).toBe(4);
    expect(shown.rankedScore.wins).toBe(4);
    expect(shown.rankedScore.rank).toBe(16);
    expect(shown.rankedScoreByGameType[0]?.wins).toBe(4);
    expect(shown.overallRankData.ranked.topRankedPlayer).toBe(a.name);
  });

  it("player_info shows the player's order name and the order's stats (its members' summed); none outside an order", async () => {
    const a = await rankedPlayer("orda");
    const b = await rankedPlayer("orda");
    const loner = await rankedPlayer("orda");
    const created = await stack.admin("POST", "/admin/orders", {
      name: "Stats Order",
      founderId: a.userId,
      memberPassword: "join",
      maintenancePassword: "keep",
    });
    expect(created.status).toBe(201);
    const order = (await created.json()) as { id: number };
    expect((await stack.admin("POST", `/admin/orders/${order.id}/members`, { userId: b.userId })).status).toBe(200);
    // a beats b, then a beats the loner: the order has played 3 member-games, 2 won, 1 lost.
    for (const other of [b, loner]) {
      await play(a, [other]);
      const teams = [[{ player: a }], [{ player: other }]];
      report(a, score(a.userId, a, teams));
      report(other, score(a.userId, other, teams));
      expect((await settled(a)).status).toBe("rated");
    }
    const infoOf = async (userId: number) => {
      const info = loner.session.client.next(MessageType.PlayerInfo, 5_000);
      loner.session.client.send({ type: MessageType.PlayerInfoQuery, userId } as Message);
      return (await info) as Extract<Message, { type: 17 }>;
    };
    const shown = await infoOf(b.userId);
    expect(shown.orderName).toBe("Stats Order");
    expect(shown.orderRankedScore).toMatchObject({ gamesPlayed: 3, wins: 2, losses: 1, ties: 0 });
    expect(shown.orderRankedScoreByGameType[0]).toMatchObject({ gamesPlayed: 3, wins: 2 });
    expect(shown.rankedScore).toMatchObject({ gamesPlayed: 1, wins: 0, losses: 1 });
    expect(shown.overallRankData.totalOrders).toBeGreaterThanOrEqual(1);
    const alone = await infoOf(loner.userId);
    expect(alone.orderName).toBe("");
    expect(alone.orderRankedScore.gamesPlayed).toBe(0);
    // The ranked room is shared by the file's tests: free the seats.
    for (const p of [a, b, loner]) await p.session.leave();
  });

  it("update_player_information (122) is stored and shown in player_info and the public profile", async () => {
    const a = await rankedPlayer("prof");
    const b = await rankedPlayer("prof");
    a.session.client.send({
      type: MessageType.UpdatePlayerInformation,
      variant: "player-information",
      city: "Madrigal",
      state: "Province",
      country: "The Wild",
      quote: "Bring the dwarves.",
    } as Message);
    const until = Date.now() + 5_000;
    let profile: { city?: string; quote?: string } = {};
    while (Date.now() < until && profile.city !== "Madrigal") {
      profile = await api(`/api/players/${a.name}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(profile).toMatchObject({ city: "Madrigal", quote: "Bring the dwarves." });
    const info = b.session.client.next(MessageType.PlayerInfo, 5_000);
    b.session.client.send({ type: MessageType.PlayerInfoQuery, userId: a.userId } as Message);
    expect(await info).toMatchObject({ city: "Madrigal", state: "Province", country: "The Wild" });
  });

  it("unranked rooms show no caste and their games are recorded, not rated", async () => {
    const a = await rankedPlayer("unr", "myth2", 1);
    const b = await rankedPlayer("unr", "myth2", 1);
    expect(b.session.players.get(a.userId)?.aux.caste).toBe(-1);
    await play(a, [b]);
    const teams = [[{ player: a }], [{ player: b }]];
    report(a, score(a.userId, a, teams));
    report(b, score(a.userId, b, teams));
    const game = await settled(a);
    expect(game).toMatchObject({ status: "unrated", unratedReason: "unranked room" });
  });
});

describe("films of recorded games", () => {
  /** The recording header of a Myth II 1.8 host: i16 version, i16 type, i32 data offset, i32 ending time, opaque. */
  function recordingHeader(): Uint8Array {
    const h = new Uint8Array(200);
    const v = new DataView(h.buffer);
    v.setInt16(0, 2180);
    v.setInt32(8, -1);
    return h;
  }
  function command(time: number): Uint8Array {
    const c = new Uint8Array(16);
    const v = new DataView(c.buffer);
    v.setInt16(0, 16);
    v.setInt8(2, 5);
    v.setInt32(4, time);
    return c;
  }
  async function page(path: string): Promise<string> {
    const res = await fetch(`${stack.httpUrl}${path}`);
    expect(res.status).toBe(200);
    return res.text();
  }
  /** The film row is written after the game's end, on its own: wait until the game shows it. */
  async function withFilm(id: number): Promise<GameJson> {
    const until = Date.now() + 10_000;
    for (;;) {
      const game = await api<GameJson>(`/api/games/${id}`);
      if (game.film) return game;
      if (Date.now() > until) throw new Error(`game ${id} has no film`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it("a recorded game with its film shows both on its page and in the API; games without one say so", async () => {
    // Filmed: the host streams its recording (204-206) during the game, then both report.
    const a = await rankedPlayer("film", "myth2", 2);
    const b = await rankedPlayer("film", "myth2", 2);
    await play(a, [b]);
    a.session.client.send({ type: MessageType.RecordingStreamHeader, data: recordingHeader() });
    for (let i = 1; i <= 20; i++)
      a.session.client.send({ type: MessageType.RecordingStreamCommand, command: command(i * 30) });
    a.session.client.send({ type: MessageType.RecordingStreamEnd, endTime: 900 });
    const teams = [[{ player: a }], [{ player: b }]];
    report(a, score(a.userId, a, teams));
    report(b, score(a.userId, b, teams));
    const rated = await settled(a);
    expect(rated.status).toBe("rated");
    const filmed = await withFilm(rated.id);
    expect(filmed.filmStatus).toBe("complete");
    expect(filmed.film).toMatchObject({ status: "complete", download: `/api/games/${rated.id}/film` });
    const file = await fetch(`${stack.httpUrl}${filmed.film?.download}`);
    expect(file.status).toBe(200);
    expect(file.headers.get("x-film-status")).toBe("complete");
    expect(file.headers.get("x-film-sha256")).toBe(filmed.film?.sha256);
    expect((await file.arrayBuffer()).byteLength).toBe(filmed.film?.bytes);
    const filmedPage = await page(`/games/${rated.id}`);
    expect(filmedPage).toContain(`href="/api/games/${rated.id}/film"`);
    expect(filmedPage).toContain("complete");
    expect(filmedPage).toContain(a.name);
    expect(filmedPage).toContain("rated");

    // Required but never sent: the game is recorded, its film is missing, and both say so.
    const c = await rankedPlayer("nofilm", "myth2", 2);
    const d = await rankedPlayer("nofilm", "myth2", 2);
    await play(c, [d]);
    const teams2 = [[{ player: c }], [{ player: d }]];
    report(c, score(c.userId, c, teams2));
    report(d, score(c.userId, d, teams2));
    c.session.removeGame();
    const missing = await withFilm((await settled(c)).id);
    expect(missing.status).toBe("rated");
    expect(missing.film).toMatchObject({ status: "missing", download: null });
    expect((await fetch(`${stack.httpUrl}/api/games/${missing.id}/film`)).status).toBe(404);
    expect(await page(`/games/${missing.id}`)).toContain("missing (the host sent none); no film file for this game");

    // A room without films: no film row at all.
    const e = await rankedPlayer("plain");
    const f = await rankedPlayer("plain");
    await play(e, [f]);
    const teams3 = [[{ player: e }], [{ player: f }]];
    report(e, score(e.userId, e, teams3));
    report(f, score(e.userId, f, teams3));
    const plain = await settled(e);
    expect(plain.film).toBeNull();
    expect(await page(`/games/${plain.id}`)).toContain("this game has no film");

    // The lists and the profile show the recorded games; the rankings the players with castes.
    const list = await page("/games");
    expect(list).toContain(`href="/games/${rated.id}"`);
    expect(await page(`/players/${a.name}`)).toContain(`href="/games/${rated.id}"`);
    expect(await page("/rankings")).toContain(`href="/players/${a.name}"`);
  });
});
