/**
 * What the overview and room pages show, as escaped HTML fragments: rendered once into the page
 * and again into each server-sent event (events.ts), so the live update and the first render are
 * the same code. Player counts come from the directory's aggregates (idle rooms stay asleep);
 * a room's players from the room itself.
 */
import { html } from "hono/html";
import { LIMIT_NAMES } from "../../../edge/abuse/counters.ts";
import type { EdgeConfig } from "../../../edge/config.ts";
import type { RoomCountsById, RoomStatus } from "../../../edge/contracts.ts";
import { directoryStub, roomStub, tryCall } from "../../../edge/objects.ts";
import * as q from "../../../edge/results/queries.ts";
import { type GameSummaryView, summaryView } from "../../../edge/results/views.ts";
import { csrfField, when } from "./layout.ts";

export interface RoomLine {
  id: number;
  name: string;
  game: string;
  type: string;
  players: number;
  games: number;
}

export async function roomLines(env: Env, config: EdgeConfig): Promise<RoomLine[]> {
  const counts: RoomCountsById =
    (await tryCall("dashboard: directory.roomCounts", () => directoryStub(env).roomCounts())) ?? {};
  return config.rooms.map((r) => ({
    id: r.id,
    name: r.name,
    game: r.game,
    type: r.type,
    players: counts[r.id]?.players ?? 0,
    games: counts[r.id]?.games ?? 0,
  }));
}

export interface LoginMinute {
  minute: number;
  granted: number;
  refused: number;
  errors: number;
}

export interface Overview {
  lines: RoomLine[];
  /** Logins per minute over the last hour, oldest first (empty when the directory did not answer). */
  hour: LoginMinute[];
  /** Abuse limits fired since the directory's counters started: the counts /metrics reads (myth_limits_fired_total). */
  limits: Record<string, number>;
  /** Recorded games still being played (games.status "playing"), newest first, at most PLAYING_SHOWN. */
  playing: GameSummaryView[];
}

const PLAYING_SHOWN = 20;

export async function overviewData(env: Env, config: EdgeConfig): Promise<Overview> {
  const [lines, hour, snapshot, playing] = await Promise.all([
    roomLines(env, config),
    tryCall("dashboard: directory.loginsLastHour", () => directoryStub(env).loginsLastHour()),
    tryCall("dashboard: directory.metricsSnapshot", () => directoryStub(env).metricsSnapshot()),
    tryCall("dashboard: D1 games playing", () => q.listGames(env.DB, { status: ["playing"], limit: PLAYING_SHOWN })),
  ]);
  return {
    lines,
    hour: hour ?? [],
    limits: snapshot?.counters.limitsFired ?? {},
    playing: (playing ?? []).map(summaryView),
  };
}

function limitsCard(limits: Record<string, number>) {
  // Every limit by name, as /metrics lists them (status_cache_hit is a per-isolate cache statistic).
  const rows = LIMIT_NAMES.filter((l) => l !== "status_cache_hit").map((l) => [l, limits[l] ?? 0] as const);
  const fired = rows.filter(([, n]) => n > 0);
  return html`<div class="card">
    <h2>Limits fired</h2>
    ${
      fired.length === 0
        ? html`<p class="note" data-testid="limits-fired">No limit has fired since the counters started.</p>`
        : html`<table data-testid="limits-fired">
          <thead><tr><th>Limit</th><th>Times</th></tr></thead>
          <tbody>${fired.map(([l, n]) => html`<tr><td><code>${l}</code></td><td>${n}</td></tr>`)}</tbody>
        </table>`
    }
    <p class="note">Since the directory's counters last started (the same as <code>myth_limits_fired_total</code>).</p>
  </div>`;
}

function playingCard(config: EdgeConfig, playing: readonly GameSummaryView[]) {
  const roomName = (id: number) => config.rooms.find((r) => r.id === id)?.name ?? `room ${id}`;
  return html`<div class="card">
    <h2>Games in progress (${playing.length === PLAYING_SHOWN ? `${PLAYING_SHOWN}+` : playing.length})</h2>
    ${
      playing.length === 0
        ? html`<p class="note" data-testid="games-playing">No recorded game is being played.</p>`
        : html`<table data-testid="games-playing">
          <thead><tr><th>#</th><th>Game</th><th>Type</th><th>Map</th><th>Room</th><th>Started (UTC)</th></tr></thead>
          <tbody>
            ${playing.map(
              (g) => html`<tr>
                <td>${g.id}</td><td>${g.name}</td><td>${g.gameTypeName}</td><td>${g.map}</td>
                <td><a href="/admin/dashboard/rooms/${g.roomId}">${roomName(g.roomId)}</a></td><td>${when(g.startedAt)}</td>
              </tr>`,
            )}
          </tbody>
        </table>`
    }
  </div>`;
}

/** Logins per minute as stacked bars (granted below, refused above): an inline SVG, no script. */
function loginChart(hour: LoginMinute[]) {
  const width = 600;
  const height = 80;
  const peak = Math.max(1, ...hour.map((m) => m.granted + m.refused));
  const bar = width / Math.max(1, hour.length);
  const bars = hour.map((m, i) => {
    const g = (m.granted / peak) * height;
    const r = (m.refused / peak) * height;
    const x = (i * bar).toFixed(1);
    const w = Math.max(1, bar - 1).toFixed(1);
    return html`<rect x="${x}" y="${(height - g).toFixed(1)}" width="${w}" height="${g.toFixed(1)}" fill="#2b6cb0"></rect
      ><rect x="${x}" y="${(height - g - r).toFixed(1)}" width="${w}" height="${r.toFixed(1)}" fill="#b3261e"></rect>`;
  });
  return html`<svg viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" width="100%" height="${height}" role="img"
    aria-label="Logins per minute over the last hour: granted in blue, refused in red">${bars}</svg>
    <p class="note">Logins per minute, last hour (peak ${peak}): <span style="color:#2b6cb0">granted</span>,
      <span style="color:#b3261e">refused</span>.</p>`;
}

export function overviewFragment(config: EdgeConfig, { lines, hour, limits, playing }: Overview) {
  const last = hour[hour.length - 1] ?? { granted: 0, refused: 0 };
  const hourGranted = hour.reduce((n, m) => n + m.granted, 0);
  const hourRefused = hour.reduce((n, m) => n + m.refused, 0);
  const hourErrors = hour.reduce((n, m) => n + m.errors, 0);
  const players = lines.reduce((n, l) => n + l.players, 0);
  const games = lines.reduce((n, l) => n + l.games, 0);
  const perGame = new Map<string, number>();
  for (const l of lines) perGame.set(l.game, (perGame.get(l.game) ?? 0) + l.players);
  return html`<div class="card stats">
      <div><b data-testid="players-online">${players}</b>players online</div>
      <div><b>${games}</b>games open</div>
      ${[...perGame].map(([game, n]) => html`<div><b>${n}</b>${game}</div>`)}
      <div><b data-testid="logins-minute">${last.granted} / ${last.refused}</b>logins this minute, ok / refused</div>
      <div><b>${hourGranted} / ${hourRefused}</b>last hour</div>
      <div><b data-testid="errors-hour">${hourErrors}</b>errors last hour</div>
    </div>
    <div class="card">${loginChart(hour)}</div>
    <div class="card">
      <table>
        <thead>
          <tr><th>Room</th><th>Game</th><th>Type</th><th>Players</th><th>Games</th></tr>
        </thead>
        <tbody>
          ${lines.map(
            (l) =>
              html`<tr>
                <td><a href="/admin/dashboard/rooms/${l.id}">${l.name}</a></td>
                <td>${l.game}</td><td>${l.type}</td><td data-room-players="${l.id}">${l.players}</td><td>${l.games}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${playingCard(config, playing)} ${limitsCard(limits)}`;
}

export async function roomStatus(env: Env, roomId: number): Promise<RoomStatus> {
  return (
    (await tryCall(`dashboard: room ${roomId} status`, () => roomStub(env, roomId).status())) ?? {
      players: [],
      games: [],
      instanceStartedAt: 0,
    }
  );
}

export function roomFragment(roomId: number, status: RoomStatus, csrf: string) {
  return html`<div class="card">
      <h2>Players (${status.players.length})</h2>
      ${
        status.players.length === 0
          ? html`<p class="note">Nobody is in this room.</p>`
          : html`<table>
            <thead>
              <tr><th>Nick</th><th>User id</th><th>Client</th><th>Address</th><th></th></tr>
            </thead>
            <tbody>
              ${status.players.map(
                (p) =>
                  html`<tr data-player="${p.userId}">
                    <td>${p.nick}${p.guest ? " (guest)" : ""}${p.inGame ? " · in game" : ""}</td>
                    <td>${p.userId}</td>
                    <td>${p.dialect} build ${p.build}</td>
                    <td>${p.address}</td>
                    <td>
                      <form class="inline" method="post" action="/admin/dashboard/rooms/${roomId}/kick"
                        data-confirm="Kick ${p.nick}?">
                        ${csrfField(csrf)}<input type="hidden" name="userId" value="${p.userId}" />
                        <input name="reason" placeholder="reason" value="Kicked by staff" maxlength="100" />
                        <button class="danger" name="kick">Kick</button>
                      </form>
                      <form class="inline" method="post" action="/admin/dashboard/rooms/${roomId}/gag"
                        data-confirm="Gag ${p.nick}?">
                        ${csrfField(csrf)}<input type="hidden" name="userId" value="${p.userId}" />
                        <input name="minutes" type="number" min="1" max="1440" value="10" aria-label="minutes" />
                        <button name="gag">Gag</button>
                      </form>
                      ${p.guest ? "" : html` <a href="/admin/dashboard/users/${p.userId}">account</a>`}
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
      }
    </div>
    <div class="card">
      <h2>Games (${status.games.length})</h2>
      ${
        status.games.length === 0
          ? html`<p class="note">No game open.</p>`
          : html`<table>
            <thead>
              <tr><th>Name</th><th>Map</th><th>Players</th><th>Host</th><th>Running</th></tr>
            </thead>
            <tbody>
              ${status.games.map(
                (g) =>
                  html`<tr>
                    <td>${g.name}</td><td>${g.map}</td><td>${g.players}/${g.maxPlayers}</td><td>${g.hostUserId}</td>
                    <td>${g.elapsedSeconds > 0 ? `${g.elapsedSeconds}s` : "not started"}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
      }
    </div>`;
}
