/**
 * The ranked-play HTTP API inside workerd: the public views over seeded D1 rows (shape, cache
 * header, JSON errors) and the admin decision on a disputed game through the Results object.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { seedDisputedGame } from "../support/results-fixtures.ts";

const ADMIN = { Authorization: "Bearer test-admin", "Content-Type": "application/json" };

describe("public ranked-play API", () => {
  it("answers JSON errors for bad parameters and unknown things", async () => {
    const bad = await SELF.fetch("http://edge/api/games?type=99");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "type must be an integer from 0 to 15" });
    expect((await SELF.fetch("http://edge/api/games/abc")).status).toBe(400);
    expect((await SELF.fetch("http://edge/api/games/999")).status).toBe(404);
    expect(await (await SELF.fetch("http://edge/api/players/nobody")).json()).toEqual({ error: "no such player" });
    expect((await SELF.fetch("http://edge/api/rankings?gameType=x")).status).toBe(400);
  });

  it("a disputed game: listed for admins, resolved with one report, then rated and public", async () => {
    const id = await seedDisputedGame({ id: 1, name: "ann" }, { id: 2, name: "bob" }, "Duel", 10);

    expect((await SELF.fetch("http://edge/admin/games/disputed")).status).toBe(401);
    const listed = await (await SELF.fetch("http://edge/admin/games/disputed", { headers: ADMIN })).json<{
      games: { id: number; reports: { id: number }[] }[];
    }>();
    expect(listed.games.map((g) => [g.id, g.reports.map((r) => r.id)])).toEqual([[id, [10, 11]]]);

    const wrong = await SELF.fetch(`http://edge/admin/games/${id}/resolve`, {
      method: "POST",
      headers: ADMIN,
      body: JSON.stringify({ reportId: 99, rate: true }),
    });
    expect(wrong.status).toBe(409);
    const res = await SELF.fetch(`http://edge/admin/games/${id}/resolve`, {
      method: "POST",
      headers: ADMIN,
      body: JSON.stringify({ reportId: 11, rate: true }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "rated", game: { id, status: "rated", gameType: 3 } });

    const page = await SELF.fetch("http://edge/api/games?player=bob");
    expect(page.headers.get("Cache-Control")).toBe("public, max-age=15");
    const view = await (await SELF.fetch(`http://edge/api/games/${id}`)).json<{
      teams: { index: number; place: number }[];
      players: { userId: number; team: number; ratingBefore: number; ratingAfter: number }[];
    }>();
    // Bob's report won the decision: Bob on team 0 (first), his rating up, Ann's down.
    const bobLine = view.players.find((p) => p.userId === 2);
    const annLine = view.players.find((p) => p.userId === 1);
    expect(bobLine?.team).toBe(0);
    expect(bobLine && bobLine.ratingAfter > bobLine.ratingBefore).toBe(true);
    expect(annLine && annLine.ratingAfter < annLine.ratingBefore).toBe(true);

    const rankings = await (await SELF.fetch("http://edge/api/rankings?gameType=3")).json<{
      players: { name: string; games: number; caste: number }[];
    }>();
    expect(rankings.players.map((p) => [p.name, p.games, p.caste])).toEqual([
      ["bob", 1, 1],
      ["ann", 1, 1],
    ]);
    const audit = await env.DB.prepare("SELECT actor, target FROM audit_log WHERE action = 'game.resolve'").all();
    expect(audit.results).toEqual([{ actor: "admin-token", target: String(id) }]);
    const again = await SELF.fetch(`http://edge/admin/games/${id}/resolve`, {
      method: "POST",
      headers: ADMIN,
      body: JSON.stringify({ rate: false }),
    });
    expect(again.status).toBe(409);
  });
});
