import { describe, expect, it } from "vitest";
import { formatLine, logThrottled, setLogFormat, setLogSink, withoutSecrets } from "../../bridge/log.ts";
import { DirectoryMetrics } from "../../durable-objects/directory/metrics.ts";
import { renderMetrics } from "../../edge/prometheus.ts";

describe("bridge log lines", () => {
  it("a config event keeps what runs and drops every key naming a secret, at any depth", () => {
    const config = {
      edgeUrl: "https://edge.example",
      bridgeToken: "s3cret",
      limits: { maxConnectionsPerIp: 8, adminPassword: "pw", nested: [{ apiSecret: "x", port: 1 }] },
      rooms: new Map([[1, 6323]]),
      unset: undefined,
    };
    const line = JSON.stringify(withoutSecrets(config));
    expect(JSON.parse(line)).toEqual({
      edgeUrl: "https://edge.example",
      limits: { maxConnectionsPerIp: 8, nested: [{ port: 1 }] },
      rooms: { 1: 6323 },
    });
    expect(line).not.toMatch(/s3cret|"pw"|"x"/);
  });

  const at = new Date("2026-12-02T03:00:00.000Z");

  it("json: one object per line with time, level, component, event and the fields", () => {
    const line = formatLine("json", "warn", "bridge", "connection.refused", { client: "203.0.113.5", limit: 16 }, at);
    expect(JSON.parse(line)).toEqual({
      time: "2026-12-02T03:00:00.000Z",
      level: "warn",
      component: "bridge",
      event: "connection.refused",
      client: "203.0.113.5",
      limit: 16,
    });
    expect(line).not.toContain("\n");
  });

  it("pretty: readable, values with spaces quoted", () => {
    expect(formatLine("pretty", "info", "bridge", "connection.dropped", { reason: "idle timeout", n: 2 }, at)).toBe(
      '2026-12-02T03:00:00.000Z info  bridge: connection.dropped reason="idle timeout" n=2',
    );
  });

  it("a flood of one event logs one line a second and counts what it held back", () => {
    const lines: string[] = [];
    const restore = setLogSink((l) => lines.push(l));
    setLogFormat("json");
    try {
      for (let i = 0; i < 50; i++) logThrottled("warn", "test", "flood", { i }, 1_000_000 + i);
      logThrottled("warn", "test", "flood", { i: 99 }, 1_001_500);
    } finally {
      restore();
      setLogFormat("pretty");
    }
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1] as string)).toMatchObject({ i: 99, suppressed: 49 });
  });
});

describe("edge Prometheus text", () => {
  it("writes HELP, TYPE and samples with escaped label values", () => {
    const text = renderMetrics([
      {
        name: "myth_players_online",
        help: "Players",
        type: "gauge",
        samples: [{ labels: { room: 0, room_name: 'Say "hi"\\' }, value: 3 }],
      },
      { name: "myth_logins_total", help: "Logins", type: "counter", samples: [{ value: 7 }] },
    ]);
    expect(text).toBe(
      [
        "# HELP myth_players_online Players",
        "# TYPE myth_players_online gauge",
        'myth_players_online{room="0",room_name="Say \\"hi\\"\\\\"} 3',
        "# HELP myth_logins_total Logins",
        "# TYPE myth_logins_total counter",
        "myth_logins_total 7",
        "",
      ].join("\n"),
    );
  });
});

describe("the directory's counters", () => {
  it("keep the last hour per minute (logins granted, refused, errors) and totals by kind", () => {
    const m = new DirectoryMetrics();
    const t0 = Date.UTC(2026, 11, 2, 3, 0, 10);
    m.granted(true, t0);
    m.granted(false, t0 + 1_000);
    m.refused(3, t0 + 2_000);
    m.failed("room", t0 + 61_000);
    m.refused(999, t0 + 61_500);
    const hour = m.lastHour(t0 + 62_000);
    expect(hour).toHaveLength(60);
    expect(hour.slice(-2)).toEqual([
      { minute: Date.UTC(2026, 11, 2, 3, 0), granted: 2, refused: 1, errors: 0 },
      { minute: Date.UTC(2026, 11, 2, 3, 1), granted: 0, refused: 1, errors: 1 },
    ]);
    const snap = m.snapshot();
    expect(snap.loginsGranted).toEqual({ guest: 1, registered: 1 });
    expect(snap.loginsRefused).toEqual({ LoginFailedBadUserOrPassword: 1, code_999: 1 });
    expect(snap.errors).toEqual({ room: 1 });
    // An hour later the old minutes have aged out.
    expect(m.lastHour(t0 + 3_700_000).every((b) => b.granted === 0 && b.refused === 0)).toBe(true);
  });
});
