/**
 * /metrics on the edge and on the bridge, read the way Prometheus reads them, while real
 * legacy clients log in through the real bridge: the counters move with what the clients do.
 * The bridge's refusals show in its log lines and its counters.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setLogSink } from "../../bridge/log.ts";
import { type MetricsServer, startMetricsServer } from "../../bridge/metrics.ts";
import { type Bridge, startBridge } from "../../bridge/server.ts";
import { login } from "../../client/flows.ts";
import type { LocalStack } from "../../scripts/local-stack.ts";
import { joinAs, loginAs, startTestStack } from "./stack.ts";

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** The value of one sample (`name{labels} value`), 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split("\n")) {
    if (!line.startsWith(name) || line.startsWith("#")) continue;
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}

async function edgeMetrics(): Promise<string> {
  const res = await fetch(`${stack.httpUrl}/metrics`, { headers: { Authorization: `Bearer ${stack.adminToken}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get("Content-Type")).toContain("text/plain; version=0.0.4");
  return res.text();
}

describe("edge /metrics", () => {
  it("needs the token", async () => {
    const res = await fetch(`${stack.httpUrl}/metrics`);
    expect(res.status).toBe(401);
    expect(await res.json()).toHaveProperty("error");
  });

  it("counts logins granted and refused, room joins and players online as clients do them", async () => {
    const before = await edgeMetrics();
    await stack.createUser("counted", "pw-counted");
    const player = await joinAs(stack, { user: "counted", password: "pw-counted" });
    await expect(loginAs(stack, { user: "counted", password: "wrong" })).rejects.toThrow();
    let after = "";
    await expect
      .poll(
        async () => {
          after = await edgeMetrics();
          return sample(after, "myth_players_online", { room: "0" });
        },
        { timeout: 10_000 },
      )
      .toBe(1);
    expect(sample(after, "myth_logins_total", { kind: "registered" })).toBe(
      sample(before, "myth_logins_total", { kind: "registered" }) + 1,
    );
    expect(sample(after, "myth_room_joins_total", { result: "ok" })).toBe(
      sample(before, "myth_room_joins_total", { result: "ok" }) + 1,
    );
    await expect
      .poll(async () =>
        sample(await edgeMetrics(), "myth_logins_refused_total", { reason: "LoginFailedBadUserOrPassword" }),
      )
      .toBe(sample(before, "myth_logins_refused_total", { reason: "LoginFailedBadUserOrPassword" }) + 1);
    expect(after).toMatch(/# TYPE myth_logins_total counter/);
    expect(sample(after, "myth_room_starts_total", { room: "0" })).toBeGreaterThanOrEqual(1);
    await player.session.leave();
    await expect.poll(async () => sample(await edgeMetrics(), "myth_players_online", { room: "0" })).toBe(0);
  });
});

describe("bridge /metrics and refusal logs", () => {
  let bridge: Bridge;
  let metrics: MetricsServer;
  const lines: string[] = [];
  let restore: () => void = () => {};

  beforeAll(async () => {
    restore = setLogSink((line) => lines.push(line));
    bridge = await startBridge({
      edgeUrl: stack.httpUrl,
      bridgeToken: stack.bridgeToken,
      ephemeralPorts: true,
      maxConnectionsPerIp: 1,
    });
    metrics = await startMetricsServer(bridge, "127.0.0.1", 0);
  });
  afterAll(async () => {
    restore();
    await metrics?.close();
    await bridge?.close();
  });

  const scrape = async () => (await fetch(`http://127.0.0.1:${metrics.port}/metrics`)).text();

  it("counts and logs a connection refused by the per-address cap; shows Node's event-loop delay", async () => {
    const first = connect(bridge.loginPort, "127.0.0.1");
    await new Promise((resolve) => first.once("connect", resolve));
    await expect.poll(async () => sample(await scrape(), "myth_bridge_connections", { target: "login" })).toBe(1);
    // Read what the bridge says (a socket nobody reads never sees the close).
    const second = connect(bridge.loginPort, "127.0.0.1").resume();
    await new Promise((resolve) => second.once("close", resolve));
    const text = await scrape();
    expect(sample(text, "myth_bridge_connections_refused_total", { reason: "per_address_cap" })).toBe(1);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(text).toMatch(/^myth_bridge_tunnel_bytes_total\{direction="out"\} \d+/m);
    expect(
      lines.some((l) => /connection\.refused/.test(l) && /per_address_cap/.test(l) && /127\.0\.0\.1/.test(l)),
    ).toBe(true);
    first.destroy();
  });

  it("counts packets by message type both ways", async () => {
    await expect.poll(async () => sample(await scrape(), "myth_bridge_connections", { target: "login" })).toBe(0);
    await login("127.0.0.1", bridge.loginPort, { dialect: "myth2", user: "typed", password: "", timeoutMs: 15_000 });
    const text = await scrape();
    expect(sample(text, "myth_bridge_packets_total", { direction: "in", type: "Login" })).toBe(1);
    expect(sample(text, "myth_bridge_packets_total", { direction: "in", type: "SessionKey" })).toBe(1);
    expect(sample(text, "myth_bridge_packets_total", { direction: "out", type: "UserSuccessfulLogin" })).toBe(1);
  });
});

describe("bridge /metrics: admission budgets", () => {
  let bridge: Bridge;
  let metrics: MetricsServer;

  beforeAll(async () => {
    bridge = await startBridge({
      edgeUrl: stack.httpUrl,
      bridgeToken: stack.bridgeToken,
      ephemeralPorts: true,
      maxHalfOpenPerIp: 1,
      roomLoginDeadlineMs: 400,
    });
    metrics = await startMetricsServer(bridge, "127.0.0.1", 0);
  });
  afterAll(async () => {
    await metrics?.close();
    await bridge?.close();
  });

  it("counts a half-open refusal and a room-login deadline once each", async () => {
    const scrape = async () => (await fetch(`http://127.0.0.1:${metrics.port}/metrics`)).text();
    const roomPort = bridge.roomPorts.get(0) as number;
    // A room connection that never sends room_login: half-open until the deadline closes it.
    const silent = connect(roomPort, "127.0.0.1").resume();
    const silentClosed = new Promise((resolve) => silent.once("close", resolve));
    await new Promise((resolve) => silent.once("connect", resolve));
    await expect.poll(async () => sample(await scrape(), "myth_bridge_connections", { target: "room:0" })).toBe(1);
    const second = connect(bridge.loginPort, "127.0.0.1").resume();
    second.on("error", () => {});
    await new Promise((resolve) => second.once("close", resolve));
    await silentClosed;
    const text = await scrape();
    expect(sample(text, "myth_bridge_connections_refused_total", { reason: "half_open_cap" })).toBe(1);
    expect(sample(text, "myth_bridge_connections_refused_total", { reason: "per_address_cap" })).toBe(0);
    expect(sample(text, "myth_bridge_connections_refused_total", { reason: "bridge_cap" })).toBe(0);
    expect(sample(text, "myth_bridge_connections_dropped_total", { reason: "room_login_deadline" })).toBe(1);
    expect(sample(text, "myth_bridge_connections_dropped_total", { reason: "idle_timeout" })).toBe(0);
  });
});
