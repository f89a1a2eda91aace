/**
 * Impersonation (issue 10, finding 5) through the real Worker and D1: a guest may not log in
 * under a registered player's login name or nick, compared in the normalised form (§1.3);
 * Myth II 1.8 builds ≥ 428 get code 17, older clients code 3 with our words.
 */
import { createExecutionContext, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../../edge/accounts.ts";
import { GUEST_NAME_TAKEN_TEXT } from "../../edge/login/session.ts";
import worker from "../../worker/index.ts";
import {
  Conn,
  mythLogin,
  mythPassword,
  playerData,
  serverMessage,
  TUNNEL_HEADERS,
  versionControl,
} from "../support/login-packets.ts";

async function guestLogin(username: string, nick: string, build = 428) {
  const req = new Request("http://edge/tunnel/login", {
    headers: { ...TUNNEL_HEADERS, "X-Client-Address": "10.8.0.1:4000" },
  });
  const res = await worker.fetch(req, env, createExecutionContext());
  if (!res.webSocket) throw new Error("no WebSocket");
  const conn = new Conn(res.webSocket).encrypted();
  conn.send(mythLogin({ username, player: playerData(nick) }), mythPassword(""), versionControl(201, 2180, 0, build));
  await conn.expect(6);
  await conn.expect(12);
  const e = await conn.next();
  if (e.kind !== "packet") throw new Error(`closed: ${e.reason}`);
  if (e.packet.type === 7) {
    conn.ws.close();
    return "logged in";
  }
  await conn.expectClose();
  return serverMessage(e.packet);
}

beforeAll(async () => {
  const r = await createAccount(env.DB, { username: "Realname", password: "pw", nick: "|bHero" });
  if (!r.ok) throw new Error(r.message);
});

describe("guests and registered names", () => {
  it.each([
    ["the login name", "realname", "Someone"],
    ["the login name with formatting codes and spaces", " |iREALNAME ", "Someone"],
    ["the account's nick", "visitor", "hero"],
  ])("a guest under %s is refused with 17", async (_, username, nick) => {
    expect(await guestLogin(username, nick)).toEqual({ code: 17, text: GUEST_NAME_TAKEN_TEXT });
  });

  it("an older build gets code 3 with the reason; a free name logs in", async () => {
    expect(await guestLogin("visitor", "Hero", 427)).toEqual({ code: 3, text: GUEST_NAME_TAKEN_TEXT });
    expect(await guestLogin("visitor", "Wanderer")).toBe("logged in");
  });
});
