/** The film routes over the real app, D1 and R2 (Miniflare's): listing, info, downloads, expiry, deletion. */
import { env, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { deleteFilmsOfGame, linkFilm, linkFilmsOfGame } from "../../edge/films.ts";
import { resultsStub } from "../../edge/objects.ts";
import { insertGame, statusStatement } from "../../edge/results/queries.ts";

const ADMIN = { Authorization: "Bearer test-admin" };
const FILE = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
const ids = {
  complete: "00000000-0000-4000-8000-000000000001",
  cut: "00000000-0000-4000-8000-000000000002",
  expired: "00000000-0000-4000-8000-000000000003",
  linked: "00000000-0000-4000-8000-000000000004",
};

async function film(
  id: string,
  fields: { status: string; key?: string; host?: number; expires?: number; game?: number },
) {
  if (fields.key) await env.FILMS.put(fields.key, FILE);
  await env.DB.prepare(
    `INSERT INTO films (id, room_id, room_game_id, host_user_id, started_at, ended_at, bytes, sha256, status, r2_key, file_name, expires_at, game_id)
     VALUES (?, 1, ?, ?, 1000, 2000, ?, ?, ?, ?, ?, ?, ?)`,
  )
    .bind(
      id,
      fields.host ?? 7,
      fields.host ?? 7,
      fields.key ? FILE.byteLength : 0,
      fields.key ? "ab".repeat(32) : null,
      fields.status,
      fields.key ?? null,
      fields.key ? "1970_01_01__00_00_01_7.m2rec" : null,
      fields.expires ?? null,
      fields.game ?? null,
    )
    .run();
}

beforeAll(async () => {
  await film(ids.complete, { status: "complete", key: "films/1/a.m2rec", host: 70 });
  await film(ids.cut, { status: "cut", host: 70 });
  await film(ids.expired, { status: "complete", key: "films/1/b.m2rec", host: 71, expires: Date.now() - 1 });
  await film(ids.linked, { status: "partial", key: "films/1/c.m2rec", host: 72, game: 4242 });
});

describe("film routes", () => {
  it("lists a host's films, newest first, without expired ones; a bad filter is 400", async () => {
    const res = await SELF.fetch("http://edge/api/films?host=70");
    expect(res.status).toBe(200);
    const { films } = (await res.json()) as { films: { id: string; status: string; download: string | null }[] };
    expect(films.map((f) => [f.id, f.status, f.download]).sort()).toEqual([
      [ids.complete, "complete", `/api/films/${ids.complete}`],
      [ids.cut, "cut", null],
    ]);
    expect(((await (await SELF.fetch("http://edge/api/films?host=71")).json()) as { films: [] }).films).toEqual([]);
    const bad = await SELF.fetch("http://edge/api/films?room=x");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toHaveProperty("error");
  });

  it("downloads a film as a file; a film without a file, an expired or unknown one is 404 JSON", async () => {
    const res = await SELF.fetch(`http://edge/api/films/${ids.complete}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="1970_01_01__00_00_01_7.m2rec"');
    expect(res.headers.get("x-film-sha256")).toBe("ab".repeat(32));
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(FILE);
    for (const id of [ids.cut, ids.expired, "00000000-0000-4000-8000-00000000ffff", "nope"]) {
      const gone = await SELF.fetch(`http://edge/api/films/${id}`);
      expect(gone.status).toBe(404);
      expect(await gone.json()).toHaveProperty("error");
    }
  });

  it("a game's film by the game it is linked to; deleting the game's films removes file and row", async () => {
    const res = await SELF.fetch("http://edge/api/games/4242/film");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-film-status")).toBe("partial");
    await res.arrayBuffer();
    expect(await deleteFilmsOfGame(env, 4242)).toBe(1);
    expect(await env.FILMS.get("films/1/c.m2rec")).toBeNull();
    expect((await SELF.fetch("http://edge/api/games/4242/film")).status).toBe(404);
  });

  it("DELETE /admin/films/:id needs the admin token and removes the film", async () => {
    expect((await SELF.fetch(`http://edge/admin/films/${ids.complete}`, { method: "DELETE" })).status).toBe(401);
    const res = await SELF.fetch(`http://edge/admin/films/${ids.complete}`, { method: "DELETE", headers: ADMIN });
    expect(res.status).toBe(200);
    expect(await env.FILMS.get("films/1/a.m2rec")).toBeNull();
    expect((await SELF.fetch(`http://edge/api/films/${ids.complete}/info`)).status).toBe(404);
    const again = await SELF.fetch(`http://edge/admin/films/${ids.complete}`, { method: "DELETE", headers: ADMIN });
    expect(again.status).toBe(404);
  });

  it("films are linked to their game's row whichever comes second; the game's JSON shows the film or null", async () => {
    const game = (hostId: number, startedAt: number) =>
      insertGame(env.DB, {
        roomId: 1,
        roomType: "unranked",
        hostId,
        name: "",
        map: "",
        scoring: 0,
        difficulty: 0,
        timeLimit: 0,
        optionFlags: 0,
        teams: false,
        alliances: false,
        veterans: false,
        unitTrading: false,
        cooperative: false,
        client: "myth2",
        startedAt,
      });
    // started_at 1000, ended_at 2000 (film() above); the game started 400 ms after the first header chunk.
    const after = await game(80, 1400);
    await film("00000000-0000-4000-8000-000000000080", { status: "complete", key: "films/1/d.m2rec", host: 80 });
    expect(await linkFilm(env.DB, "00000000-0000-4000-8000-000000000080")).toBe(after);
    await film("00000000-0000-4000-8000-000000000081", { status: "missing", host: 81 });
    const before = await game(81, 1000);
    await linkFilmsOfGame(env.DB, before);
    // A film of another host, or of a game started after the film ended, is not linked.
    const other = await game(82, 5000);
    await film("00000000-0000-4000-8000-000000000082", { status: "complete", key: "films/1/e.m2rec", host: 82 });
    expect(await linkFilm(env.DB, "00000000-0000-4000-8000-000000000082")).toBeNull();

    const json = async (id: number) =>
      (await (await SELF.fetch(`http://edge/api/games/${id}`)).json()) as Record<string, unknown>;
    expect(await json(after)).toMatchObject({
      filmStatus: "complete",
      film: { status: "complete", download: `/api/games/${after}/film`, bytes: FILE.byteLength },
    });
    expect(new Uint8Array(await (await SELF.fetch(`http://edge/api/games/${after}/film`)).arrayBuffer())).toEqual(FILE);
    expect(await json(before)).toMatchObject({ filmStatus: "missing", film: { status: "missing", download: null } });
    expect(await json(other)).toMatchObject({ filmStatus: null, film: null });
    const none = await SELF.fetch(`http://edge/api/games/${other}/film`);
    expect(none.status).toBe(404);
    expect(await none.json()).toEqual({ error: "this game has no film" });
  });

  it("DELETE /admin/games/:id deletes a settled game and its film (R2 and API), audited; an open game is 409", async () => {
    const gameId = await insertGame(env.DB, {
      roomId: 1,
      roomType: "unranked",
      hostId: 90,
      name: "doomed",
      map: "",
      scoring: 0,
      difficulty: 0,
      timeLimit: 0,
      optionFlags: 0,
      teams: false,
      alliances: false,
      veterans: false,
      unitTrading: false,
      cooperative: false,
      client: "myth2",
      startedAt: 1000,
    });
    const filmId = "00000000-0000-4000-8000-000000000090";
    await film(filmId, { status: "complete", key: "films/1/g.m2rec", host: 90, game: gameId });
    const del = () => SELF.fetch(`http://edge/admin/games/${gameId}`, { method: "DELETE", headers: ADMIN });
    expect((await SELF.fetch(`http://edge/admin/games/${gameId}`, { method: "DELETE" })).status).toBe(401);
    const open = await del();
    expect(open.status).toBe(409);
    expect(await open.json()).toEqual({ error: "the game is not settled yet" });
    expect((await SELF.fetch(`http://edge/api/games/${gameId}/film`)).status).toBe(200);

    await statusStatement(env.DB, gameId, "abandoned", null).run();
    const res = await del();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ deleted: gameId, films: 1 });
    expect(await env.FILMS.get("films/1/g.m2rec")).toBeNull();
    expect((await SELF.fetch(`http://edge/api/games/${gameId}`)).status).toBe(404);
    expect((await SELF.fetch(`http://edge/api/games/${gameId}/film`)).status).toBe(404);
    expect((await SELF.fetch(`http://edge/api/films/${filmId}/info`)).status).toBe(404);
    const audit = await env.DB.prepare(
      "SELECT actor, detail FROM audit_log WHERE action = 'game.delete' AND target = ?",
    )
      .bind(`game:${gameId}`)
      .first<{ actor: string; detail: string }>();
    expect(audit?.actor).toBe("admin-token");
    expect(JSON.parse(audit?.detail ?? "{}")).toMatchObject({ films: 1, status: "abandoned" });
    const again = await del();
    expect(again.status).toBe(404);
    expect(await again.json()).toEqual({ error: "no such game" });
  });

  it("the Results object's alarm sweeps expired films (file and row) without the room saving another", async () => {
    const past = "00000000-0000-4000-8000-000000000091";
    const future = "00000000-0000-4000-8000-000000000092";
    await film(past, { status: "complete", key: "films/9/old.m2rec", host: 91, expires: Date.now() - 1000 });
    await film(future, { status: "complete", key: "films/9/new.m2rec", host: 91, expires: Date.now() + 3_600_000 });
    const stub = resultsStub(env);
    await runInDurableObject(stub, (_o, state) => state.storage.setAlarm(Date.now() + 60_000));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await env.FILMS.get("films/9/old.m2rec")).toBeNull();
    expect(await env.DB.prepare("SELECT id FROM films WHERE id = ?").bind(past).first()).toBeNull();
    expect(await env.FILMS.get("films/9/new.m2rec")).not.toBeNull();
    expect((await SELF.fetch(`http://edge/api/films/${future}/info`)).status).toBe(200);
  });
});
