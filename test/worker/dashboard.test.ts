/**
 * The dashboard's staff actions and pages over recorded results, through the real Worker, room,
 * directory and Results objects and D1: the gag beside kick (the room's placeGag, as `.gag`),
 * address and guest-name bans, a disputed game decided from the games page, the history paged,
 * a user's stats, and the overview's limits fired and games in progress. Each action is audited
 * as the staff member.
 */
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../../edge/accounts.ts";
import { directoryStub } from "../../edge/objects.ts";
import { seedDisputedGame } from "../support/results-fixtures.ts";
import { chatBody, join, leaveAll, textOf } from "./room-helpers.ts";

let cookie = "";
let csrf = "";

beforeAll(async () => {
  const made = await createAccount(env.DB, { username: "Steward", password: "pw-steward", adminLevel: 1 });
  if (!made.ok) throw new Error(made.message);
  const form = await SELF.fetch("http://edge/admin/signin", { headers: { "CF-Connecting-IP": "192.0.2.91" } });
  const pre = /myth_csrf=([^;]+)/.exec(form.headers.get("Set-Cookie") ?? "")?.[1] ?? "";
  const signed = await SELF.fetch("http://edge/admin/signin", {
    method: "POST",
    redirect: "manual",
    headers: { Cookie: `myth_csrf=${pre}`, "CF-Connecting-IP": "192.0.2.91" },
    body: new URLSearchParams({ username: "steward", password: "pw-steward", _csrf: pre }),
  });
  expect(signed.status).toBe(303);
  cookie = /myth_session=[^;]+/.exec(signed.headers.get("Set-Cookie") ?? "")?.[0] as string;
  const overview = await (await SELF.fetch("http://edge/admin/", { headers: { Cookie: cookie } })).text();
  csrf = /name="_csrf" value="([^"]+)"/.exec(overview)?.[1] as string;
});

function view(path: string): Promise<string> {
  return SELF.fetch(`http://edge${path}`, { headers: { Cookie: cookie } }).then((r) => r.text());
}

function post(path: string, fields: Record<string, string>): Promise<Response> {
  return SELF.fetch(`http://edge${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { Cookie: cookie },
    body: new URLSearchParams({ ...fields, _csrf: csrf }),
  });
}

const doneOf = (res: Response) => new URL(res.headers.get("Location") ?? "", "http://edge").searchParams.get("done");

describe("the gag beside kick", () => {
  it("gags the player where they are: told, their chat dropped, audited as the staff member", async () => {
    const player = await join(0, { nick: "Chatter" });
    const listener = await join(0, { nick: "Listener" });
    expect((await player.client.next()).type).toBe(9);
    expect((await listener.client.next()).type).toBe(9);
    const page = await view("/admin/dashboard/rooms/0");
    expect(page).toContain('action="/admin/dashboard/rooms/0/gag"');

    expect((await post("/admin/dashboard/rooms/0/gag", { userId: String(player.userId), minutes: "0" })).status).toBe(
      400,
    );
    const res = await post("/admin/dashboard/rooms/0/gag", {
      userId: String(player.userId),
      minutes: "5",
      reason: "cool down",
    });
    expect(res.status).toBe(303);
    expect(doneOf(res)).toBe(`Gagged user ${player.userId} for 5 min`);
    let told = "";
    for (let i = 0; i < 20 && !told.startsWith("You are gagged"); i++)
      told = textOf(await player.client.nextOfType(10));
    expect(told).toMatch(/^You are gagged until .*: cool down$/);

    // The gagged chat is dropped (told again); the listener hears the next player's line, not it.
    player.client.send(200, chatBody(player.userId, "Chatter", "can you hear me"));
    expect(textOf(await player.client.nextOfType(10))).toMatch(/^You are gagged until/);
    listener.client.send(200, chatBody(listener.userId, "Listener", "anyone?"));
    const heard = await listener.client.nextOfType(200);
    expect(new TextDecoder().decode(heard.payload)).toContain("anyone?");

    const row = await env.DB.prepare("SELECT actor, target, reason, detail FROM audit_log WHERE action = 'gag'").first<{
      actor: string;
      target: string;
      reason: string;
      detail: string;
    }>();
    expect(row).toMatchObject({ actor: "staff:steward", target: `user:${player.userId}`, reason: "cool down" });
    expect(JSON.parse(row?.detail ?? "{}")).toMatchObject({ minutes: 5 });
    await leaveAll(0, player.client, listener.client);

    const gone = await post("/admin/dashboard/rooms/0/gag", { userId: "987654", minutes: "5" });
    expect(doneOf(gone)).toBe("User 987654 is not in a room");
  });
});

describe("address and guest-name bans from the bans page", () => {
  it("places them through placeBan (audited), lists them, and refuses bad input with 400", async () => {
    expect(await view("/admin/dashboard/bans")).toContain('action="/admin/dashboard/bans"');
    const res = await post("/admin/dashboard/bans", {
      kind: "address",
      subject: "203.0.113.0/24",
      hours: "2",
      reason: "flooding",
    });
    expect(res.status).toBe(303);
    expect(doneOf(res)).toMatch(/^Ban \d+ placed$/);
    const guest = await post("/admin/dashboard/bans", {
      kind: "guest",
      subject: "Griefer",
      hours: "0",
      reason: "abuse",
    });
    expect(guest.status).toBe(303);
    const page = await view("/admin/dashboard/bans");
    expect(page).toContain("address <code>203.0.113.0/24</code>");
    expect(page).toMatch(/guest name griefer<\/td><td>permanent/);
    const audit = await env.DB.prepare(
      "SELECT actor, target FROM audit_log WHERE action = 'ban.create' ORDER BY id",
    ).all<{ actor: string; target: string }>();
    expect(audit.results).toEqual([
      { actor: "staff:steward", target: "address:203.0.113.0/24" },
      { actor: "staff:steward", target: "guest:griefer" },
    ]);
    const bad = await post("/admin/dashboard/bans", { kind: "address", subject: "not-an-ip", hours: "1", reason: "x" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: expect.stringContaining("not an IPv4 address") });
    expect((await post("/admin/dashboard/bans", { kind: "account", subject: "1", reason: "x" })).status).toBe(400);
    expect((await post("/admin/dashboard/bans", { kind: "guest", subject: "x", hours: "1" })).status).toBe(400);
  });
});

describe("games: history, disputed games decided, a user's stats, the overview", () => {
  it("a disputed game is listed with its reports and resolved from the page (audited as staff)", async () => {
    const id = await seedDisputedGame({ id: 501, name: "dana" }, { id: 502, name: "eric" }, "Quarrel", 40);

    const page = await view("/admin/dashboard/games");
    expect(page).toContain("To decide (1)");
    expect(page).toContain(`action="/admin/dashboard/games/${id}/resolve"`);
    expect(page).toContain("<code>501:1,502:0</code>");

    expect((await post(`/admin/dashboard/games/${id}/resolve`, { reportId: "41" })).status).toBe(400);
    const wrong = await post(`/admin/dashboard/games/${id}/resolve`, { reportId: "99", rate: "1" });
    expect(wrong.status).toBe(409);
    expect(await wrong.json()).toEqual({ error: "no such report for this game" });
    const res = await post(`/admin/dashboard/games/${id}/resolve`, { reportId: "41", rate: "1" });
    expect(res.status).toBe(303);
    expect(doneOf(res)).toBe(`Game ${id} is rated`);
    expect((await view("/admin/dashboard/games")).includes("To decide (0)")).toBe(true);
    const audit = await env.DB.prepare("SELECT actor, target FROM audit_log WHERE action = 'game.resolve'").all();
    expect(audit.results).toEqual([{ actor: "staff:steward", target: String(id) }]);
    expect((await post(`/admin/dashboard/games/${id}/resolve`, { rate: "0" })).status).toBe(409);
    expect((await post("/admin/dashboard/games/999999/resolve", { rate: "0" })).status).toBe(404);

    // The user page shows the player view: Eric's report won, so he has a rated game and stats.
    const eric = await view("/admin/dashboard/users/502");
    expect(eric).toContain("Caste and ratings");
    expect(eric).toContain("<th>Rated games</th>"); // the ratings table shows only once a game is rated
    expect(eric).toContain(`href="/games/${id}"`);
  });

  it("the history pages backwards by id", async () => {
    const ids: number[] = [];
    for (let i = 0; i < 51; i++) {
      const row = await env.DB.prepare(
        `INSERT INTO games (room_id, room_type, host_id, name, map, scoring, started_at, status)
         VALUES (0, 'unranked', 1, ?, 'Map', 0, 5000, 'rated') RETURNING id`,
      )
        .bind(`Paged ${i}`)
        .first<{ id: number }>();
      ids.push(row?.id as number);
    }
    const first = await view("/admin/dashboard/games");
    expect(first).toContain(`Paged 50`);
    const older = /href="(\/admin\/dashboard\/games\?before=\d+)"/.exec(first)?.[1] as string;
    expect(older).toBeDefined();
    const second = await view(older);
    expect(second).not.toContain("Paged 50");
    expect(second).toContain("Quarrel");
  });

  it("the overview shows the limits fired and the recorded games being played", async () => {
    await env.DB.prepare(
      `INSERT INTO games (room_id, room_type, host_id, name, map, scoring, started_at, status)
       VALUES (0, 'unranked', 1, 'Still Going', 'Shiver', 0, 9000, 'playing')`,
    ).run();
    await directoryStub(env).noteLimits({ chat_muted: 3 });
    const page = await view("/admin/");
    const playing = /data-testid="games-playing">([\s\S]*?)<\/table>/.exec(page)?.[1] ?? "";
    expect(playing).toContain("Still Going");
    const limits = /data-testid="limits-fired">([\s\S]*?)<\/table>/.exec(page)?.[1] ?? "";
    expect(limits).toMatch(/<code>chat_muted<\/code><\/td><td>3<\/td>/);
  });
});
