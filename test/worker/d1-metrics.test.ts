/**
 * myth_d1_query_seconds on /metrics: the login server's account queries and the Results
 * object's are timed (a histogram by op), summed at the directory, through the real Worker,
 * login gateway, Results object and D1.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createAccount } from "../../edge/accounts.ts";
import { Conn, mythLogin, mythPassword, TUNNEL_HEADERS, versionControl } from "../support/login-packets.ts";

async function scrape(): Promise<string> {
  return (await SELF.fetch("http://edge/metrics", { headers: { Authorization: "Bearer test-admin" } })).text();
}

function value(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(" ")[1]) : 0;
}

describe("D1 latency", () => {
  it("counts the login's D1 round trips and the Results object's, as a cumulative histogram", async () => {
    const made = await createAccount(env.DB, { username: "timed", password: "pw-timed" });
    if (!made.ok) throw new Error(made.message);
    const before = await scrape();
    const res = await SELF.fetch("http://edge/tunnel/login", {
      headers: { ...TUNNEL_HEADERS, "X-Client-Address": "198.51.100.61:4000" },
    });
    if (!res.webSocket) throw new Error("no WebSocket");
    const conn = new Conn(res.webSocket).encrypted();
    conn.send(mythLogin({ username: "timed" }), mythPassword("pw-timed"), versionControl(201, 2180, 0, 428));
    await conn.expect(6);
    await conn.expect(12);
    await conn.expect(7);
    conn.ws.close();
    // Results reads the game (none): one D1 round trip there.
    const resolve = await SELF.fetch("http://edge/admin/games/999999/resolve", {
      method: "POST",
      headers: { Authorization: "Bearer test-admin", "Content-Type": "application/json" },
      body: '{"rate":false}',
    });
    expect(resolve.status).toBe(404);
    const count = (text: string, op: string) => value(text, `myth_d1_query_seconds_count{op="${op}"}`);
    await expect
      .poll(async () => count(await scrape(), "login") > count(before, "login"), { timeout: 8000 })
      .toBe(true);
    await expect
      .poll(async () => count(await scrape(), "results") > count(before, "results"), { timeout: 8000 })
      .toBe(true);
    const text = await scrape();
    expect(text).toContain("# TYPE myth_d1_query_seconds histogram");
    const inf = value(text, 'myth_d1_query_seconds_bucket{op="login",le="+Inf"}');
    expect(inf).toBe(count(text, "login"));
    // Cumulative: every bucket at most the next.
    const buckets = text
      .split("\n")
      .filter((l) => l.startsWith('myth_d1_query_seconds_bucket{op="login"'))
      .map((l) => Number(l.split(" ")[1]));
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    expect(value(text, 'myth_d1_query_seconds_sum{op="login"}')).toBeGreaterThanOrEqual(0);
  }, 20_000);
});
