/**
 * GET /metrics — Prometheus text for the edge, from what the Directory aggregates anyway (room
 * counts, sessions, its login and join counters, the limits every isolate forwards to it):
 * one RPC, no room is woken. Bearer METRICS_TOKEN when set (give the scraper that, not the
 * admin token), else ADMIN_TOKEN.
 */
import { Hono } from "hono";
import { LIMIT_NAMES } from "../../edge/abuse/counters.ts";
import { D1_BUCKETS, D1_OPS } from "../../edge/d1-histogram.ts";
import { directoryStub } from "../../edge/objects.ts";
import { secretsEqual } from "../../edge/passwords.ts";
import { histogramSamples, type Metric, PROMETHEUS_CONTENT_TYPE, renderMetrics } from "../../edge/prometheus.ts";
import { withConfig } from "../config-middleware.ts";
import type { AppEnv } from "../context.ts";

export const metrics = new Hono<AppEnv>().get(
  "/metrics",
  async (c, next) => {
    const expected = c.env.METRICS_TOKEN || c.env.ADMIN_TOKEN;
    if (!expected) return c.json({ error: "METRICS_TOKEN (or ADMIN_TOKEN) is not configured on this server" }, 503);
    const m = /^Bearer\s+(.+)$/i.exec(c.req.header("Authorization") ?? "");
    if (!m || !(await secretsEqual((m[1] as string).trim(), expected))) {
      return c.json({ error: "missing or wrong bearer token" }, 401, { "WWW-Authenticate": "Bearer" });
    }
    return withConfig(c, next);
  },
  async (c) => {
    const config = c.var.config;
    const snap = await directoryStub(c.env).metricsSnapshot();
    const perRoom = (pick: (counts: { players: number; games: number }) => number) =>
      config.rooms.map((r) => ({
        labels: { room: r.id, room_name: r.name, game: r.game, type: r.type },
        value: pick(snap.rooms[r.id] ?? { players: 0, games: 0 }),
      }));
    const { counters } = snap;
    const list: Metric[] = [
      {
        name: "myth_players_online",
        help: "Players in each room (as the room reports them)",
        type: "gauge",
        samples: perRoom((x) => x.players),
      },
      { name: "myth_games_open", help: "Games listed in each room", type: "gauge", samples: perRoom((x) => x.games) },
      {
        name: "myth_sessions",
        help: "Login sessions alive (in a room, or between login and room)",
        type: "gauge",
        samples: [{ value: snap.sessions }],
      },
      {
        name: "myth_logins_total",
        help: "Logins granted by the login server, by kind",
        type: "counter",
        samples: Object.entries(counters.loginsGranted).map(([kind, value]) => ({ labels: { kind }, value })),
      },
      {
        name: "myth_logins_refused_total",
        help: "Logins refused, by the server_message code sent (protocol/structs/constants.ts)",
        type: "counter",
        samples: Object.entries(counters.loginsRefused).map(([reason, value]) => ({ labels: { reason }, value })),
      },
      {
        name: "myth_room_joins_total",
        help: "Room logins checked at the directory, by result",
        type: "counter",
        samples: Object.entries(counters.roomJoins).map(([result, value]) => ({ labels: { result }, value })),
      },
      {
        name: "myth_room_list_fanouts_total",
        help: "Room-list re-sends to every occupied room",
        type: "counter",
        samples: [{ value: counters.roomListFanOuts }],
      },
      {
        name: "myth_errors_total",
        help: "Unexpected failures on the edge, by where: worker (an HTTP 500), room (a message handler)",
        type: "counter",
        samples: Object.entries(counters.errors).map(([where, value]) => ({ labels: { where }, value })),
      },
      {
        name: "myth_protocol_errors_total",
        help: "Malformed packets answered with server_message 0 (syntax error) and a closed connection, by where (login, room) and decode error kind",
        type: "counter",
        samples: Object.entries(counters.protocolErrors).map(([key, value]) => {
          const [where, kind] = key.split(" ");
          return { labels: { where: where ?? "", kind: kind ?? "" }, value };
        }),
      },
      {
        name: "myth_d1_query_seconds",
        help: "D1 round trips (one statement or one batch), by op: login (the login server's account queries), results (the Results object's)",
        type: "histogram",
        samples: D1_OPS.flatMap((op) => histogramSamples({ op }, D1_BUCKETS, counters.d1Latency[op])),
      },
      {
        name: "myth_room_starts_total",
        help: "Room objects that rebuilt their state from storage: first contact, then every wake-up after hibernation or eviction",
        type: "counter",
        samples: Object.entries(counters.roomStarts).map(([room, value]) => ({ labels: { room }, value })),
      },
      {
        // Every name from the start (0 until it fires), so rate() sees a series before the first.
        // status_cache_hit is not here: a cache statistic per Worker isolate (GET /admin/limits).
        name: "myth_limits_fired_total",
        help: "Abuse limits fired, every isolate summed at the directory (docs/admin.md, Limits under abuse)",
        type: "counter",
        samples: LIMIT_NAMES.filter((l) => l !== "status_cache_hit").map((limit) => ({
          labels: { limit },
          value: counters.limitsFired[limit] ?? 0,
        })),
      },
      {
        name: "myth_directory_counters_start_time_seconds",
        help: "When the directory's counters last started from zero (unix seconds)",
        type: "gauge",
        samples: [{ value: Math.floor(counters.since / 1000) }],
      },
      {
        name: "myth_rooms_configured",
        help: "Rooms in the configuration",
        type: "gauge",
        samples: [{ value: config.rooms.length }],
      },
    ];
    return c.body(renderMetrics(list), 200, { "Content-Type": PROMETHEUS_CONTENT_TYPE, "Cache-Control": "no-store" });
  },
);
