/**
 * Recorded results on the public pages: game lists, one game (teams, players, stats, its film),
 * a player's ratings and castes per game type, and the leaderboards. The data are the views of
 * ranked play (edge/results/views.ts, over edge/results/queries.ts); this file only lays them
 * out. hono/html escapes every interpolated value; links take encodeURIComponent'd names.
 */
import { html } from "hono/html";
import type { EdgeConfig } from "../../../edge/config.ts";
import { Caste } from "../../../edge/results/ratings.ts";
import type { GameSummaryView, GameView, PlayerView, RankingsView } from "../../../edge/results/views.ts";
import { when } from "../dashboard/layout.ts";

const CASTE_NAME = new Map<number, string>(
  Object.entries(Caste).map(([key, n]) => [n, key.replace(/(?<=[a-z])(?=[A-Z])/g, " ").toLowerCase()]),
);

/** "Crossed swords (4)": the caste icon's name and number (§4.10). */
export function casteName(caste: number): string {
  const name = CASTE_NAME.get(caste) ?? "caste";
  return `${name.charAt(0).toUpperCase()}${name.slice(1)} (${caste})`;
}

/** What became of a recorded game, in words (disputed and abandoned games say so). */
export function statusText(g: GameSummaryView): string {
  switch (g.status) {
    case "playing":
      return "in progress";
    case "reported":
      return "reported, waiting for the other players' reports";
    case "rated":
      return "rated";
    case "unrated":
      return `recorded, not rated${g.unratedReason ? ` (${g.unratedReason})` : ""}${g.flagged ? ", flagged for an admin" : ""}`;
    case "disputed":
      return `disputed: ${g.unratedReason ?? "the reports disagree"}; not rated until an admin decides`;
    case "abandoned":
      return `abandoned${g.unratedReason ? ` (${g.unratedReason})` : ""}`;
  }
}

const FILM_TEXT: Record<string, string> = {
  complete: "complete",
  partial: "partial (the recording stopped early)",
  missing: "missing (the host sent none)",
  cut: "cut (the recording broke the server's limits)",
};

function filmText(status: string | null): string {
  return status === null ? "none" : (FILM_TEXT[status] ?? status);
}

const roomName = (config: EdgeConfig, id: number) => config.rooms.find((r) => r.id === id)?.name ?? `room ${id}`;

const duration = (s: number | null) => (s === null ? "—" : `${Math.floor(s / 60)} min ${s % 60} s`);

export function recordedGamesTable(config: EdgeConfig, games: readonly GameSummaryView[]) {
  if (games.length === 0) return html`<p class="note">No game has been recorded yet.</p>`;
  return html`<table>
    <thead><tr><th>#</th><th>Game</th><th>Type</th><th>Map</th><th>Room</th><th>Started</th><th>Result</th><th>Film</th></tr></thead>
    <tbody>
      ${games.map(
        (g) => html`<tr>
          <td><a href="/games/${g.id}">${g.id}</a></td><td><a href="/games/${g.id}">${g.name || `Game ${g.id}`}</a></td>
          <td>${g.gameTypeName}</td><td>${g.map}</td><td>${roomName(config, g.roomId)}</td><td>${when(g.startedAt)}</td>
          <td>${statusText(g)}</td><td>${filmText(g.filmStatus)}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function playerLink(p: { name: string; guest: boolean; userId: number }, userNames: ReadonlyMap<number, string>) {
  const login = userNames.get(p.userId);
  return p.guest || !login
    ? html`${p.name}${p.guest ? html` <span class="note">(guest)</span>` : ""}`
    : html`<a href="/players/${encodeURIComponent(login)}">${p.name}</a>`;
}

const num = (n: number | null) => (n === null ? "—" : String(n));
const rating = (before: number | null, after: number | null) =>
  before === null || after === null ? "—" : `${Math.round(before)} → ${Math.round(after)}`;

/** One recorded game: its settings, result, teams with each player's line, and its film. */
export function recordedGameBody(config: EdgeConfig, g: GameView, userNames: ReadonlyMap<number, string>) {
  const host = g.players.find((p) => p.host);
  const film = g.film
    ? g.film.download
      ? html`${filmText(g.film.status)}: <a href="${g.film.download}">download the film</a> (${g.film.bytes} bytes)`
      : html`${filmText(g.film.status)}; no film file for this game`
    : html`this game has no film`;
  const byTeam = new Map<number | null, GameView["players"]>();
  for (const p of g.players) byTeam.set(p.team, [...(byTeam.get(p.team) ?? []), p]);
  const groups: { title: string; players: GameView["players"] }[] = g.teams.map((t) => ({
    title: `Team ${t.index + 1}: ${t.spectators ? "spectators" : `place ${t.place + 1}${t.tie ? " (tie)" : ""}`}${t.eliminated ? ", eliminated" : ""}`,
    players: byTeam.get(t.index) ?? [],
  }));
  const unplaced = g.players.filter((p) => p.team === null || !g.teams.some((t) => t.index === p.team));
  if (unplaced.length > 0) groups.push({ title: g.teams.length ? "Other players" : "Players", players: unplaced });
  return html`<div class="card">
      <table>
        <tr><th>Game type</th><td>${g.gameTypeName}</td></tr>
        <tr><th>Map</th><td>${g.map}</td></tr>
        <tr><th>Room</th><td>${roomName(config, g.roomId)} (${g.roomType})</td></tr>
        <tr><th>Host</th><td>${host ? playerLink(host, userNames) : `player ${g.hostId}`}</td></tr>
        <tr><th>Started</th><td>${when(g.startedAt)}</td></tr>
        <tr><th>Time elapsed (as the host reported it)</th><td>${g.elapsed ?? "—"}</td></tr>
        <tr><th>Result</th><td>${statusText(g)}</td></tr>
        <tr><th>Film</th><td>${film}</td></tr>
      </table>
    </div>
    ${groups.map(
      (group) => html`<div class="card"><h2>${group.title}</h2>
        <table>
          <thead><tr><th>Player</th><th>Killed</th><th>Lost</th><th>Damage given</th><th>Damage taken</th><th>Time played</th><th>Finished</th><th>Rating</th></tr></thead>
          <tbody>
            ${group.players.map(
              (p) => html`<tr>
                <td>${playerLink(p, userNames)}${p.captain ? html` <span class="note">captain</span>` : ""}</td>
                <td>${num(p.unitsKilled)}</td><td>${num(p.unitsLost)}</td><td>${num(p.damageGiven)}</td><td>${num(p.damageTaken)}</td>
                <td>${p.timePlayed === null ? "—" : duration(p.timePlayed)}</td><td>${p.finished === null ? "—" : p.finished ? "yes" : "dropped"}</td>
                <td>${rating(p.ratingBefore, p.ratingAfter)}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>`,
    )}`;
}

/** A player's castes, ratings and stats per game type, and recent games. */
export function playerResults(config: EdgeConfig, v: PlayerView) {
  const ratings =
    v.ratings.length === 0
      ? html`<p class="note">No rated games yet: ${casteName(v.caste)}.</p>`
      : html`<p>Overall caste: <b>${casteName(v.caste)}</b></p>
          <table>
            <thead><tr><th>Game type</th><th>Caste</th><th>Place</th><th>Rating</th><th>Rated games</th><th>Last game</th></tr></thead>
            <tbody>
              ${v.ratings.map(
                (r) => html`<tr>
                  <td><a href="/rankings?gameType=${String(r.category)}">${r.name}</a></td><td>${casteName(r.caste)}</td>
                  <td>${r.position || "—"}</td><td>${r.rating}</td><td>${r.games}</td><td>${when(r.lastGameAt)}</td>
                </tr>`,
              )}
            </tbody>
          </table>`;
  const stats =
    v.stats.length === 0
      ? ""
      : html`<h3>Stats</h3>
          <table>
            <thead><tr><th>Game type</th><th>Games</th><th>Wins</th><th>Losses</th><th>Ties</th><th>Damage given</th><th>Damage taken</th><th>Disconnects</th></tr></thead>
            <tbody>
              ${v.stats.map(
                (s) => html`<tr>
                  <td>${typeof s.category === "number" ? (v.ratings.find((r) => r.category === s.category)?.name ?? `type ${s.category}`) : s.category}</td>
                  <td>${s.gamesPlayed}</td><td>${s.wins}</td><td>${s.losses}</td><td>${s.ties}</td>
                  <td>${s.damageInflicted}</td><td>${s.damageReceived}</td><td>${s.disconnects}</td>
                </tr>`,
              )}
            </tbody>
          </table>`;
  return html`<div class="card"><h2>Caste and ratings</h2>${ratings}${stats}</div>
    <div class="card"><h2>Recent games</h2>${recordedGamesTable(config, v.recentGames)}</div>`;
}

/** One leaderboard, with links to the other game types that have ratings. */
export function rankingsBody(view: RankingsView, categories: readonly { key: string; name: string }[]) {
  return html`<div class="card">
    <p>${categories.map(
      (c) =>
        html`${c.name === view.name ? html`<b>${c.name}</b>` : html`<a href="/rankings?gameType=${c.key}">${c.name}</a>`} `,
    )}</p>
    ${
      view.players.length === 0
        ? html`<p class="note">Nobody is ranked in ${view.name} yet.</p>`
        : html`<table>
          <thead><tr><th>Place</th><th>Player</th><th>Caste</th><th>Rating</th><th>Rated games</th></tr></thead>
          <tbody>
            ${view.players.map(
              (p) => html`<tr>
                <td>${p.position || "—"}</td><td><a href="/players/${encodeURIComponent(p.name)}">${p.nick || p.name}</a></td>
                <td>${casteName(p.caste)}</td><td>${p.rating}</td><td>${p.games}</td>
              </tr>`,
            )}
          </tbody>
        </table>`
    }
  </div>`;
}
