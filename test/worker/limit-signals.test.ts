/**
 * What a limit firing leaves behind (edge/abuse/signals.ts), through the real Worker, room,
 * directory and D1: a chat flood's mute and kick are "system" rows in the audit log (not one
 * per dropped line), a refused login moves myth_limits_fired_total on /metrics, a locked account
 * is audited once however often it is tried, and a flood of limit events logs a line a second.
 */
import { createExecutionContext, env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createAccount } from "../../edge/accounts.ts";
import { logThrottled } from "../../edge/log.ts";
import worker from "../../worker/index.ts";
import {
  Conn,
  mythLogin,
  mythPassword,
  serverMessage,
  TUNNEL_HEADERS,
  versionControl,
} from "../support/login-packets.ts";
import { chatBody, join, leaveAll, textOf } from "./room-helpers.ts";

vi.setConfig({ testTimeout: 60_000 });

const AUTH = { Authorization: "Bearer test-admin" };

interface SystemRow {
  action: string;
  target: string;
  reason: string;
  room_id: number | null;
  detail: string;
}

async function systemRows(target: string): Promise<SystemRow[]> {
  const rows = await env.DB.prepare(
    "SELECT action, target, reason, room_id, detail FROM audit_log WHERE actor = 'system' AND target = ? ORDER BY id",
  )
    .bind(target)
    .all<SystemRow>();
  return rows.results;
}

async function limitSample(limit: string): Promise<number> {
  const res = await SELF.fetch("http://edge/metrics", { headers: AUTH });
  expect(res.status).toBe(200);
  const m = new RegExp(`^myth_limits_fired_total\\{limit="${limit}"\\} (\\d+)$`, "m").exec(await res.text());
  if (!m) throw new Error(`no myth_limits_fired_total sample for ${limit}`);
  return Number(m[1]);
}

/** One GoS login through the Worker's login tunnel; the server_message code, or 0 when let in. */
async function loginCode(vars: Record<string, string>, address: string, username: string, password: string) {
  const req = new Request("http://edge/tunnel/login", {
    headers: { ...TUNNEL_HEADERS, "X-Client-Address": `${address}:4000` },
  });
  const res = await worker.fetch(req, { ...env, ...vars }, createExecutionContext());
  if (!res.webSocket) throw new Error("no WebSocket in the response");
  const conn = new Conn(res.webSocket).encrypted();
  conn.send(mythLogin({ username }), mythPassword(password), versionControl(201, 2180, 0, 428));
  await conn.expect(6);
  await conn.expect(12);
  const e = await conn.next();
  if (e.kind !== "packet") throw new Error(`closed early: ${e.reason}`);
  conn.ws.close();
  return e.packet.type === 7 ? 0 : serverMessage(e.packet).code;
}

beforeAll(async () => {
  const r = await createAccount(env.DB, { username: "sig-a", password: "right" });
  if (!r.ok) throw new Error(r.message);
});

describe("chat flood", () => {
  it("the mute and the kick are system rows in the audit log, with room and address; dropped lines are not", async () => {
    const flooder = await join(0, { nick: "Flooder" }, "198.51.100.40:5000");
    await flooder.client.types(5);
    // Default budgets: 20 at once, a mute at 10 strikes, the kick at 30.
    for (let i = 0; i < 60; i++) flooder.client.send(200, chatBody(flooder.userId, "Flooder", `spam ${i}`));
    const blam = await flooder.client.nextOfType(21);
    expect(textOf(blam)).toBe("Kicked for flooding the room.");
    await flooder.client.waitClosed();
    const target = `user:${flooder.userId}`;
    await vi.waitFor(async () => expect(await systemRows(target)).toHaveLength(2), { timeout: 5000 });
    const [mute, kick] = await systemRows(target);
    expect(mute).toMatchObject({ action: "limit.chat_mute", room_id: 0 });
    expect(kick).toMatchObject({ action: "limit.chat_kick", room_id: 0, reason: "flooding the room" });
    expect(JSON.parse(kick?.detail ?? "{}")).toMatchObject({ limit: "chat_kicked", address: "198.51.100.40" });
    // The admin API shows it as any other action.
    const res = await SELF.fetch(`http://edge/admin/audit?actor=system&target=${target}`, { headers: AUTH });
    const page = (await res.json()) as { entries: { actor: string; action: string; roomId: number }[] };
    expect(page.entries.map((e) => [e.actor, e.action, e.roomId])).toEqual([
      ["system", "limit.chat_kick", 0],
      ["system", "limit.chat_mute", 0],
    ]);
    await leaveAll(0);
  });

  it("the room's chat limits reach /metrics (forwarded from the room within seconds)", async () => {
    const before = await limitSample("chat_dropped");
    const a = await join(1, { nick: "Chatty" }, "198.51.100.41:5000");
    await a.client.types(5);
    for (let i = 0; i < 25; i++) a.client.send(200, chatBody(a.userId, "Chatty", `line ${i}`));
    await vi.waitFor(async () => expect(await limitSample("chat_dropped")).toBeGreaterThan(before), {
      timeout: 8000,
      interval: 250,
    });
    await leaveAll(1, a.client);
  });
});

describe("refused logins", () => {
  it("a locked account moves myth_limits_fired_total and is audited once, however often it is tried", async () => {
    const vars = { LOGIN_ACCOUNT_FREE_FAILURES: "1", LOGIN_ACCOUNT_DELAY_SECONDS: "60", LOGIN_MAX_FAILURES: "100" };
    const before = await limitSample("login_account_delay");
    expect(await loginCode(vars, "10.8.0.1", "sig-a", "wrong")).toBe(3);
    expect(await loginCode(vars, "10.8.0.2", "sig-a", "wrong")).toBe(3);
    expect(await loginCode(vars, "10.8.0.3", "sig-a", "right")).toBe(14);
    await vi.waitFor(async () => expect(await limitSample("login_account_delay")).toBe(before + 1), { timeout: 5000 });
    expect(await loginCode(vars, "10.8.0.4", "sig-a", "right")).toBe(14);
    await vi.waitFor(async () => expect(await limitSample("login_account_delay")).toBe(before + 2), { timeout: 5000 });
    const rows = await systemRows("account:sig-a");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: "limit.login_lockout", reason: "account locked after failed logins" });
    expect(JSON.parse(rows[0]?.detail ?? "{}")).toMatchObject({ address: "10.8.0.3" });
  });
});

describe("limit logs", () => {
  it("a flood of one event logs one line a second, the next says how many were held back", () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, "warn").mockImplementation((line: string) => void lines.push(line));
    try {
      for (let i = 0; i < 500; i++) logThrottled("warn", "limits", "limit.fired", { limit: "x" }, "test:x", 1_000 + i);
      logThrottled("warn", "limits", "limit.fired", { limit: "x" }, "test:x", 2_001);
    } finally {
      spy.mockRestore();
    }
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ component: "limits", event: "limit.fired", limit: "x" });
    expect(JSON.parse(lines[1] as string)).toMatchObject({ suppressed: 499 });
  });
});
