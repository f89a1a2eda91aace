import { env, SELF } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { linkFilm } from "../../edge/films.ts";
import { resultsStub } from "../../edge/objects.ts";
import type { Standings } from "../../edge/results/standings.ts";
import { createGamePayload, gameData, join, leaveAll } from "./room-helpers.ts";

vi.setConfig({ testTimeout: 60_000 });

const ADMIN = { Authorization: "Bearer test-admin", "Content-Type": "application/json" };
const MARKUP = "<img src=x onerror=alert(1)>";

async function get(path: string) {
  return SELF.fetch(`http://edge${path}`);
}

describe("public pages", () => {
  it("/, /games, /games/:id and /ServerStatus.xml show who is online and the games, escaped, cached a few seconds", async () => {
    const host = await join(0, { nick: MARKUP });
    expect((await host.client.next()).type).toBe(9);
    host.client.send(104, createGamePayload(3453, gameData("Big & <Bold>", "Forest Heart", 8, 1)));
    await host.client.nextOfType(2);

    const home = await get("/");
    expect(home.status).toBe(200);
    expect(home.headers.get("Cache-Control")).toBe("public, max-age=5");
    const text = await home.text();
    expect(text).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(text).not.toContain(MARKUP);
    expect(text).toContain("Big &amp; &lt;Bold&gt;");
    expect(text).toContain("No game has been recorded yet.");

    const game = await get(`/games/0-${host.userId}`);
    expect(game.status).toBe(200);
    expect(await game.text()).toContain("Forest Heart");
    expect((await get("/games/0-999999")).status).toBe(404);
    expect((await get("/games/nonsense")).status).toBe(404);

    // The feed's rankicon is the account's overall caste (ratings, category -1).
    await env.DB.prepare(
      "INSERT INTO ratings (user_id, category, mu, sigma, games, caste, position) VALUES (?, -1, 30, 2, 9, 7, 3)",
    )
      .bind(host.userId)
      .run();
    const xml = await get("/ServerStatus.xml");
    expect(xml.headers.get("Content-Type")).toContain("application/xml");
    const body = await xml.text();
    expect(body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<ServerStatus>/);
    const player = /<player>([\s\S]*?)<\/player>/.exec(body)?.[1] ?? "";
    expect(player).toContain("<clienttype>Myth: SB</clienttype>");
    expect(player).toContain("<roomname>Unranked</roomname>");
    expect(player).toContain("<playername>&lt;img src=x onerror=alert(1)&gt;</playername>");
    // playerData() in the helpers: primary red, secondary blue.
    expect(player).toContain("<primarycolors>FF0000</primarycolors>");
    expect(player).toContain("<secondarycolors>0000FF</secondarycolors>");
    expect(player).toContain("<rankicon>7</rankicon>");
    for (const el of ["login", "rankicon", "icon", "afk", "ingame"])
      expect(player).toMatch(new RegExp(`<${el}>[^<]*</${el}>`));
    expect(player).toContain("<afk>0</afk>");
    await leaveAll(0, host.client);
  });

  it("/players/:name shows a registered player's profile; unknown names are 404; /rankings says what is missing", async () => {
    await SELF.fetch("http://edge/admin/users", {
      method: "POST",
      headers: ADMIN,
      body: JSON.stringify({ username: "Profiled", password: "pw", nick: "The <Profiled>", team: "Crows" }),
    });
    const res = await get("/players/Profiled");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("The &lt;Profiled&gt;");
    expect(text).toContain("Crows");
    expect(text).toContain("No rated games yet");
    expect((await get("/players/nobody-here")).status).toBe(404);
    const rankings = await get("/rankings");
    expect(rankings.status).toBe(200);
    expect(await rankings.text()).toContain("Nobody is ranked in overall yet.");
  });

  it("a recorded game shows its teams, stats and film (or that it has none); players their castes; rankings per type", async () => {
    const ids: number[] = [];
    for (const [username, nick] of [
      ["Winner", "The <Winner>"],
      ["Loser", "Loser"],
    ] as const) {
      const res = await SELF.fetch("http://edge/admin/users", {
        method: "POST",
        headers: ADMIN,
        body: JSON.stringify({ username, password: "pw", nick }),
      });
      ids.push(((await res.json()) as { id: number }).id);
    }
    const [w, l] = ids as [number, number];
    const results = resultsStub(env);
    const standings: Standings = {
      endedCode: 0,
      scoring: 0,
      elapsed: 612,
      teams: [0, 1].map((i) => ({
        index: i,
        place: i,
        tie: false,
        eliminated: i === 1,
        timeOfElimination: 0,
        captainIndex: i,
        spectators: false,
      })),
      players: [w, l].map((userId, i) => ({
        userId,
        teamIndex: i,
        captain: true,
        finished: true,
        timePlayed: 600,
        unitsKilled: 40 - i * 30,
        unitsLost: 3,
        damageGiven: 1234 - i,
        damageTaken: 77,
      })),
    };
    const players = [
      { userId: w, name: "The <Winner>", guest: false, address: "192.0.2.1" },
      { userId: l, name: "Loser", guest: false, address: "192.0.2.2" },
    ];
    /** A ranked game in room 2, reported by both; resolves with its id. */
    const playGame = async (startedAt: number) => {
      const id = await results.gameStarted({
        roomId: 2,
        roomType: "ranked",
        hostId: w,
        client: "myth2",
        gameData: gameData("Filmed", "Forest Heart"),
        timeLimit: 0,
        startedAt,
        players,
      });
      for (const reporterId of [w, l]) {
        expect(await results.report({ roomId: 2, hostId: w, reporterId, standings, at: startedAt + 1000 })).toEqual({
          ok: true,
        });
      }
      return id;
    };
    const film = async (id: string, startedAt: number, status: string, key: string | null) => {
      if (key) await env.FILMS.put(key, new Uint8Array([1, 2, 3]));
      await env.DB.prepare(
        `INSERT INTO films (id, room_id, room_game_id, host_user_id, started_at, ended_at, bytes, sha256, status, r2_key, file_name)
         VALUES (?, 2, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
        .bind(
          id,
          w,
          w,
          startedAt + 500,
          startedAt + 2000,
          key ? 3 : 0,
          key ? "cd".repeat(32) : null,
          status,
          key,
          key ? "f.m2rec" : null,
        )
        .run();
    };

    // The film written after the game's row links itself (as the room does after writing it).
    const t1 = Date.now() - 60_000;
    const filmed = await playGame(t1);
    await film("00000000-0000-4000-8000-0000000000a1", t1, "complete", "films/2/a1.m2rec");
    expect(await linkFilm(env.DB, "00000000-0000-4000-8000-0000000000a1")).toBe(filmed);
    // A film written before its game's row is linked when the row is (Results links it).
    const t2 = Date.now() - 30_000;
    await film("00000000-0000-4000-8000-0000000000a2", t2, "cut", null);
    const cut = await playGame(t2);
    // And a game with no film at all.
    const plain = await playGame(Date.now() - 10_000);

    const json = async (id: number) =>
      (await (await get(`/api/games/${id}`)).json()) as { status: string; filmStatus: string | null; film: unknown };
    expect(await json(filmed)).toMatchObject({
      status: "rated",
      filmStatus: "complete",
      film: { status: "complete", download: `/api/games/${filmed}/film`, bytes: 3 },
    });
    expect(await json(cut)).toMatchObject({ filmStatus: "cut", film: { status: "cut", download: null } });
    expect(await json(plain)).toMatchObject({ filmStatus: null, film: null });
    expect((await get(`/api/games/${filmed}/film`)).status).toBe(200);

    const page = await (await get(`/games/${filmed}`)).text();
    expect(page).toContain(`<a href="/api/games/${filmed}/film">download the film</a>`);
    expect(page).toContain("The &lt;Winner&gt;");
    expect(page).not.toContain("The <Winner>");
    expect(page).toContain(`href="/players/winner"`);
    expect(page).toContain("<td>1234</td>"); // damage given
    expect(page).toContain("Team 1: place 1");
    expect(await (await get(`/games/${cut}`)).text()).toContain(
      "cut (the recording broke the server&#39;s limits); no film file",
    );
    expect(await (await get(`/games/${plain}`)).text()).toContain("this game has no film");
    expect((await get("/games/99999999")).status).toBe(404);

    const list = await (await get("/games")).text();
    for (const id of [filmed, cut, plain]) expect(list).toContain(`href="/games/${id}"`);
    const profile = await (await get("/players/Winner")).text();
    expect(profile).toContain("Overall caste:");
    expect(profile).toContain(`href="/games/${plain}"`);
    const rankings = await (await get("/rankings?gameType=0")).text();
    expect(rankings).toContain(`href="/players/winner"`);
    expect(rankings).toContain(`href="/players/loser"`);
    expect(rankings).toContain('href="/rankings?gameType=overall"');
    expect((await get("/rankings?gameType=99")).status).toBe(404);
  });
});
