/** The room's film store in a real Durable Object, with Miniflare's D1 and R2: writing out, and finishing after an eviction. */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { FilmStore } from "../../durable-objects/room/film-store.ts";
import type { FilmEnd } from "../../durable-objects/room/games.ts";
import { roomStub } from "../../edge/objects.ts";

const header = () => {
  const h = new Uint8Array(40);
  new DataView(h.buffer).setInt16(0, 2180);
  return h;
};
const command = (time: number) => {
  const c = new Uint8Array(12);
  const v = new DataView(c.buffer);
  v.setInt16(0, 12);
  v.setInt8(2, 5);
  v.setInt32(4, time);
  return c;
};

async function row(id: string) {
  return env.DB.prepare("SELECT * FROM films WHERE id = ?")
    .bind(id)
    .first<{ status: string; bytes: number; r2_key: string | null; sha256: string }>();
}

describe("film store", () => {
  it("writes the file and the row, then drops the pieces; a second recording of the host is left alone", async () => {
    await runInDurableObject(roomStub(env, 901), async (_room, state) => {
      const store = new FilmStore(state.storage.sql, env, 901, () => 0);
      store.append(5, "header", header());
      store.append(5, "command", command(10));
      const end: FilmEnd = { hostId: 5, status: "complete", startedAt: 1_000, endedAt: 2_000, endTime: 30 };
      const finishing = store.finish(end);
      // The host starts another recording while the first is being written.
      store.append(5, "header", header());
      const id = await finishing;
      const film = await row(id);
      expect(film).toMatchObject({ status: "complete", bytes: 64 + 40 + 8 + 12 });
      const object = await env.FILMS.get(film?.r2_key ?? "");
      const bytes = new Uint8Array((await object?.arrayBuffer()) ?? new ArrayBuffer(0));
      expect(bytes.byteLength).toBe(124);
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
      expect(film?.sha256).toBe([...digest].map((b) => b.toString(16).padStart(2, "0")).join(""));
      const left = state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM film_chunks").one().n;
      expect(left).toBe(1);
    });
  });

  it("a film whose end was recorded before an eviction is written when the room wakes", async () => {
    let id = "";
    await runInDurableObject(roomStub(env, 902), async (_room, state) => {
      const store = new FilmStore(state.storage.sql, env, 902, () => 0);
      store.append(6, "header", header());
      store.append(6, "command", command(99));
      // As finish() leaves it if the object is evicted right after recording the end.
      id = crypto.randomUUID();
      const end: FilmEnd = { hostId: 6, status: "partial", startedAt: 1_000, endedAt: 2_000, endTime: 99 };
      state.storage.sql.exec(
        "INSERT INTO film_pending (id, host_id, from_seq, up_to, film) VALUES (?, 6, 0, 1000, ?)",
        id,
        JSON.stringify(end),
      );
    });
    expect(await row(id)).toBeNull();
    await runInDurableObject(roomStub(env, 902), async (_room, state) => {
      await new FilmStore(state.storage.sql, env, 902, () => 0).resume();
      expect(state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM film_pending").one().n).toBe(0);
      expect(state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM film_chunks").one().n).toBe(0);
    });
    expect(await row(id)).toMatchObject({ status: "partial", bytes: 64 + 40 + 8 + 12 });
  });

  it("a film being written when resume() runs (a host gone at wake-up) is written once: file and row agree", async () => {
    await runInDurableObject(roomStub(env, 903), async (_room, state) => {
      const store = new FilmStore(state.storage.sql, env, 903, () => 0);
      store.append(7, "header", header());
      for (let t = 1; t <= 50; t++) store.append(7, "command", command(t));
      // As the room does at wake-up: the host's stale connection ends its film (not awaited,
      // waitUntil), then the films whose writing an eviction interrupted are resumed.
      const end: FilmEnd = { hostId: 7, status: "partial", startedAt: 1_000, endedAt: 2_000, endTime: 50 };
      const finishing = store.finish(end);
      await store.resume();
      const id = await finishing;
      const film = await row(id);
      const object = await env.FILMS.get(film?.r2_key ?? "");
      const bytes = new Uint8Array((await object?.arrayBuffer()) ?? new ArrayBuffer(0));
      expect(bytes.byteLength).toBe(film?.bytes);
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
      expect(film?.sha256).toBe([...digest].map((b) => b.toString(16).padStart(2, "0")).join(""));
      const films = await env.DB.prepare("SELECT COUNT(*) AS n FROM films WHERE room_id = 903").first<{ n: number }>();
      expect(films?.n).toBe(1);
    });
  });
});
