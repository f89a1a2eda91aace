/**
 * The public pages, no sign-in (what Gate of Storms's site and Mariusnet's feeds give players):
 * `/` who is online and the games open, `/players/:name`, `/games`, `/games/:id`, `/rankings`,
 * and `/ServerStatus.xml` in the shape of Mariusnet's public feed. Each is cached a few seconds
 * (cache.ts). Everything shown is escaped. Recorded games, castes, stats and rankings are ranked
 * play's (read through edge/results/views.ts and queries.ts, laid out in results.ts); a game's
 * film is the one linked to its result (edge/films.ts). Addresses of players are never shown here.
 */
import { Hono } from "hono";
import { html } from "hono/html";
import * as q from "../../../edge/results/queries.ts";
import { OVERALL } from "../../../edge/results/ratings.ts";
import { categoryName, gameView, playerViewOf, rankingsView, summaryView } from "../../../edge/results/views.ts";
import { normalizeUserName } from "../../../protocol/text.ts";
import { withConfig } from "../../config-middleware.ts";
import type { AppEnv } from "../../context.ts";
import { page, when } from "../dashboard/layout.ts";
import { cachedPublic } from "./cache.ts";
import { GAME_NAME, type LiveRoom, liveGameId, liveRooms } from "./live.ts";
import { playerResults, rankingsBody, recordedGameBody, recordedGamesTable } from "./results.ts";
import { serverStatusXml } from "./server-status-xml.ts";

export const publicPages = new Hono<AppEnv>();

const HISTORY_PAGE = 50;

function gamesTable(rooms: LiveRoom[]) {
  const games = rooms.flatMap((r) => r.status.games.map((g) => ({ room: r.room, game: g })));
  if (games.length === 0) return html`<p class="note">No game is open right now.</p>`;
  return html`<table>
    <thead><tr><th>Game</th><th>Map</th><th>Players</th><th>Room</th><th>State</th></tr></thead>
    <tbody>
      ${games.map(
        ({ room, game }) => html`<tr>
          <td><a href="/games/${liveGameId(room.id, game.hostUserId)}">${game.name}</a></td><td>${game.map}</td>
          <td>${game.players}/${game.maxPlayers}</td><td>${room.name}</td>
          <td>${game.elapsedSeconds > 0 ? `in progress, ${Math.floor(game.elapsedSeconds / 60)} min` : "open"}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

publicPages.get("/", withConfig, (c) =>
  cachedPublic(c, async () => {
    const [rooms, recent] = await Promise.all([liveRooms(c.env, c.var.config), q.listGames(c.env.DB, { limit: 10 })]);
    const total = rooms.reduce((n, r) => n + r.status.players.length, 0);
    return page(
      c,
      { title: "Online now", who: null, public: true },
      html`<div class="card">
          <p><b>${total}</b> ${total === 1 ? "player" : "players"} online.</p>
          ${rooms
            .filter((r) => r.status.players.length > 0)
            .map(
              (r) => html`<h2>${r.room.name} <span class="note">${GAME_NAME[r.room.game]} · ${r.room.type}</span></h2>
                <ul>
                  ${r.status.players.map(
                    (p) =>
                      html`<li>
                        ${p.guest ? html`${p.nick} <span class="note">(guest)</span>` : html`<a href="/players/${encodeURIComponent(p.userName)}">${p.nick}</a>`}
                        ${p.inGame ? html` <span class="note">in a game</span>` : ""}${p.away ? html` <span class="note">away</span>` : ""}
                      </li>`,
                  )}
                </ul>`,
            )}
        </div>
        <div class="card"><h2>Games</h2>${gamesTable(rooms)}</div>
        <div class="card"><h2>Recent games</h2>${recordedGamesTable(c.var.config, recent.map(summaryView))}
          <p class="note"><a href="/games">All games</a></p></div>
        <p class="note">Also as <a href="/status.json">/status.json</a> (Gate of Storms's shape) and
          <a href="/ServerStatus.xml">/ServerStatus.xml</a> (Mariusnet's).</p>`,
    );
  }),
);

publicPages.get("/games", withConfig, (c) =>
  cachedPublic(c, async () => {
    const before = /^\d{1,10}$/.test(c.req.query("before") ?? "") ? Number(c.req.query("before")) : undefined;
    const [rooms, history] = await Promise.all([
      liveRooms(c.env, c.var.config),
      q.listGames(c.env.DB, { before, limit: HISTORY_PAGE }),
    ]);
    const last = history.at(-1);
    return page(
      c,
      { title: "Games", who: null, public: true },
      html`<div class="card"><h2>Live</h2>${gamesTable(rooms)}</div>
        <div class="card"><h2>Recorded</h2>${recordedGamesTable(c.var.config, history.map(summaryView))}
          ${history.length === HISTORY_PAGE && last ? html`<p><a href="/games?before=${last.id}">Older games</a></p>` : ""}
        </div>`,
    );
  }),
);

/** `/games/<id>` a recorded game (games.id); `/games/<room>-<host>` a live one. */
publicPages.get("/games/:id", withConfig, (c) =>
  cachedPublic(c, async () => {
    const id = c.req.param("id");
    if (/^\d{1,10}$/.test(id)) {
      const game = await gameView(c.env.DB, Number(id));
      if (!game)
        return page(
          c,
          { title: "No such game", who: null, public: true },
          html`<p class="card">No game has this number.</p>`,
          404,
        );
      const names = await q.userNamesOf(
        c.env.DB,
        game.players.filter((p) => !p.guest).map((p) => p.userId),
      );
      return page(
        c,
        { title: game.name || `Game ${game.id}`, who: null, public: true },
        recordedGameBody(c.var.config, game, names),
      );
    }
    const m = /^(\d{1,5})-(\d{1,10})$/.exec(id);
    const rooms = m ? await liveRooms(c.env, c.var.config) : [];
    const room = rooms.find((r) => r.room.id === Number(m?.[1]));
    const game = room?.status.games.find((g) => g.hostUserId === Number(m?.[2]));
    if (!room || !game) {
      return page(
        c,
        { title: "No such game", who: null, public: true },
        html`<p class="card">This game is not open any more; finished games are listed under <a href="/games">Games</a>.</p>`,
        404,
      );
    }
    const host = room.status.players.find((p) => p.userId === game.hostUserId);
    // A started game has its result row already (Results writes it at start_game).
    const recorded = game.elapsedSeconds > 0 ? await q.openGameOf(c.env.DB, room.room.id, game.hostUserId) : null;
    return page(
      c,
      { title: game.name, who: null, public: true },
      html`<div class="card">
        <table>
          <tr><th>Map</th><td>${game.map}</td></tr>
          <tr><th>Room</th><td>${room.room.name} (${GAME_NAME[room.room.game]})</td></tr>
          <tr><th>Host</th><td>${host?.nick ?? `player ${game.hostUserId}`}</td></tr>
          <tr><th>Players</th><td>${game.players} of ${game.maxPlayers}</td></tr>
          <tr><th>State</th><td>${game.elapsedSeconds > 0 ? `in progress for ${game.elapsedSeconds} s` : "waiting to start"}</td></tr>
        </table>
        <p class="note">${
          recorded
            ? html`Recorded as <a href="/games/${recorded.id}">game ${recorded.id}</a>: its teams, stats and film appear there when it ends.`
            : "Teams, stats and the film are shown once the game has started and ended."
        }</p>
      </div>`,
    );
  }),
);

/** `/rankings?gameType=overall|0..15`: one leaderboard per game type, with castes. */
publicPages.get("/rankings", withConfig, (c) =>
  cachedPublic(c, async () => {
    const type = c.req.query("gameType") ?? "overall";
    const category = type === "overall" || type === "" ? OVERALL : /^\d{1,2}$/.test(type) ? Number(type) : null;
    if (category === null || category > 15) {
      return page(c, { title: "Rankings", who: null, public: true }, html`<p class="card">No such game type.</p>`, 404);
    }
    const [view, rated] = await Promise.all([rankingsView(c.env.DB, category, 100), q.ratedCategories(c.env.DB)]);
    const categories = [OVERALL, ...rated.filter((k) => k >= 0)].map((k) => ({
      key: k === OVERALL ? "overall" : String(k),
      name: categoryName(k),
    }));
    return page(c, { title: `Rankings: ${view.name}`, who: null, public: true }, rankingsBody(view, categories));
  }),
);

publicPages.get("/players/:name", withConfig, (c) =>
  cachedPublic(c, async () => {
    const name = normalizeUserName(c.req.param("name").slice(0, 64));
    const row = name ? await q.profileByName(c.env.DB, name) : null;
    if (!row) return page(c, { title: "No such player", who: null, public: true }, html``, 404);
    const [rooms, view] = await Promise.all([liveRooms(c.env, c.var.config), playerViewOf(c.env.DB, row)]);
    const here = rooms.find((r) => r.status.players.some((p) => p.userId === row.id));
    const where = [row.city, row.state, row.country].filter((x) => x).join(", ");
    return page(
      c,
      { title: row.nick || row.display_name, who: null, public: true },
      html`<div class="card">
          <table>
            <tr><th>Account</th><td>${row.display_name}</td></tr>
            <tr><th>Team</th><td>${row.team || "—"}</td></tr>
            ${where ? html`<tr><th>From</th><td>${where}</td></tr>` : ""}
            ${row.quote ? html`<tr><th>Quote</th><td>${row.quote}</td></tr>` : ""}
            <tr><th>Member since</th><td>${when(row.created_at).slice(0, 10)}</td></tr>
            <tr><th>Last seen</th><td>${here ? html`online now in ${here.room.name}` : when(row.last_login_at)}</td></tr>
          </table>
        </div>
        ${playerResults(c.var.config, view)}`,
    );
  }),
);

publicPages.get("/ServerStatus.xml", withConfig, (c) =>
  cachedPublic(c, async () => {
    const rooms = await liveRooms(c.env, c.var.config);
    const registered = rooms.flatMap((r) => r.status.players.filter((p) => !p.guest).map((p) => p.userId));
    const castes = await q.castesOf(c.env.DB, [...new Set(registered)]);
    return c.body(serverStatusXml(rooms, castes), 200, { "Content-Type": "application/xml; charset=utf-8" });
  }),
);
