import { SELF } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
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
    expect(text).toContain("Game results are not recorded yet");

    const game = await get(`/games/0-${host.userId}`);
    expect(game.status).toBe(200);
    expect(await game.text()).toContain("Forest Heart");
    expect((await get("/games/0-999999")).status).toBe(404);
    expect((await get("/games/nonsense")).status).toBe(404);

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
    expect(text).toContain("No ranked results are recorded yet");
    expect((await get("/players/nobody-here")).status).toBe(404);
    const rankings = await get("/rankings");
    expect(rankings.status).toBe(200);
    expect(await rankings.text()).toContain("No rankings yet");
  });
});
