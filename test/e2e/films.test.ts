/**
 * Films end to end: a scripted Myth II 1.8 host streams its recording (204–206) over real TCP
 * through the real bridge into local workerd; the film is downloaded over HTTP and compared
 * byte for byte with the reco file built here from the same script (GoS game_recording.d's
 * layout, written out independently of protocol/film.ts).
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MessageType } from "../../protocol/message-types.ts";
import type { LocalStack } from "../../scripts/local-stack.ts";
import { joinAs, type Player, startTestStack } from "./stack.ts";

let stack: LocalStack;
let users = 0;

beforeAll(async () => {
  // The bridge's own packet rate limit would hold a flood back before the room sees it; lift
  // it here so the room's film limits are what is tested.
  stack = await startTestStack({ bridge: { maxPacketsPerSecond: 50_000, packetBurst: 50_000 } });
});
afterAll(async () => {
  await stack?.stop();
});

async function host(): Promise<Player> {
  const user = `film${++users}`;
  await stack.createUser(user, "pw");
  // Room 1 ("Unranked (films)") requires films.
  return joinAs(stack, { user, password: "pw", nick: user, roomId: 1 });
}

function command(verb: number, time: number, detail: number): Uint8Array {
  const c = new Uint8Array(16);
  const v = new DataView(c.buffer);
  v.setInt16(0, 16);
  v.setInt8(2, verb);
  v.setInt8(3, 0);
  v.setInt32(4, time);
  c.fill(detail & 0xff, 8);
  return c;
}

/** The recording header a host would send: i16 version, i16 type, i32 data offset, i32 ending time, then opaque. */
function recordingHeader(): Uint8Array {
  const h = new Uint8Array(300);
  for (let i = 0; i < h.length; i++) h[i] = (i * 7) & 0xff;
  const v = new DataView(h.buffer);
  v.setInt16(0, 2180);
  v.setInt32(8, -1);
  return h;
}

interface FilmInfo {
  id: string;
  status: string;
  bytes: number;
  sha256: string | null;
  startedAt: string;
  fileName: string | null;
  download: string | null;
  gameId: number | null;
}

async function filmsOf(userId: number): Promise<FilmInfo[]> {
  const res = await fetch(new URL(`/api/films?host=${userId}`, stack.httpUrl));
  expect(res.status).toBe(200);
  return ((await res.json()) as { films: FilmInfo[] }).films;
}

async function awaitFilm(userId: number): Promise<FilmInfo> {
  for (let i = 0; i < 100; i++) {
    const [film] = await filmsOf(userId);
    if (film) return film;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no film for host ${userId}`);
}

/** The reco file GoS would write (see protocol/film.ts for the layout), with the film's own subgroup tag. */
function expectedFile(startedAt: Date, subgroup: Uint8Array, header: Uint8Array, endTime: number, kept: Uint8Array[]) {
  const tag = Buffer.alloc(64);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const name = `${startedAt.getUTCFullYear()}_${p(startedAt.getUTCMonth() + 1)}_${p(startedAt.getUTCDate())}__${p(
    startedAt.getUTCHours(),
  )}_${p(startedAt.getUTCMinutes())}_${p(startedAt.getUTCSeconds())}`;
  tag.write(name, 4, "latin1");
  tag.write("reco", 36, "latin1");
  Buffer.from(subgroup).copy(tag, 40);
  tag.writeInt32BE(64, 44);
  tag.writeInt16BE(3, 56);
  tag.writeInt8(-1, 59);
  tag.write("mth2", 60, "latin1");
  const recording = Buffer.from(header);
  recording.writeInt32BE(endTime, 8);
  const blocks: Buffer[] = [];
  for (let i = 0; i === 0 || i < kept.length; i += 128) {
    const chunk = kept.slice(i, i + 128); // 128 commands of 16 bytes fill a 2048-byte block
    const head = Buffer.alloc(8);
    head.writeUInt32BE(i + 128 >= kept.length ? 1 : 0, 0);
    head.writeInt16BE(chunk.length * 16, 4);
    head.writeInt16BE(chunk.length, 6);
    blocks.push(head, ...chunk.map((c) => Buffer.from(c)));
  }
  return Buffer.concat([tag, recording, ...blocks]);
}

async function download(film: FilmInfo): Promise<{ res: Response; body: Buffer }> {
  const res = await fetch(new URL(film.download ?? `/api/films/${film.id}`, stack.httpUrl));
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

describe("films", () => {
  it("a host's recording is stored as it streams and downloads as the reco file, hash and all", async () => {
    const h = await host();
    h.session.createGame({ name: "Filmed", map: "Mirror" });
    const header = recordingHeader();
    h.session.client.send({ type: MessageType.RecordingStreamHeader, data: header.subarray(0, 100) });
    h.session.client.send({ type: MessageType.RecordingStreamHeader, data: header.subarray(100) });
    const kept: Uint8Array[] = [];
    for (let i = 0; i < 300; i++) {
      // Every third command is a null command (time only): not kept in the file.
      const c = command(i % 3 === 0 ? 0 : 5, i * 10, i);
      if (i % 3 !== 0) kept.push(c);
      h.session.client.send({ type: MessageType.RecordingStreamCommand, command: c });
    }
    h.session.client.send({ type: MessageType.RecordingStreamEnd, endTime: 4242 });
    const film = await awaitFilm(h.userId);
    // Never started (no start_game), so no result row: the film stays unlinked.
    expect(film).toMatchObject({ status: "complete", gameId: null });

    const { res, body } = await download(film);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="${film.fileName}"`);
    expect(film.fileName).toMatch(new RegExp(`^\\d{4}_\\d\\d_\\d\\d__\\d\\d_\\d\\d_\\d\\d_${h.userId}\\.m2rec$`));
    const expected = expectedFile(new Date(film.startedAt), body.subarray(40, 44), header, 4242, kept);
    expect(body.byteLength).toBe(expected.byteLength);
    expect(body.equals(expected)).toBe(true);
    const sha = createHash("sha256").update(body).digest("hex");
    expect(film.sha256).toBe(sha);
    expect(res.headers.get("x-film-sha256")).toBe(sha);
    expect(film.bytes).toBe(body.byteLength);
    await h.session.leave();
  });

  it("a host that drops mid-game leaves a partial film that still plays up to where it stopped", async () => {
    const h = await host();
    h.session.createGame({ name: "Dropped", map: "Mirror" });
    const header = recordingHeader();
    h.session.client.send({ type: MessageType.RecordingStreamHeader, data: header });
    const kept = [command(5, 10, 1), command(5, 20, 2), command(5, 777, 3)];
    for (const c of kept) h.session.client.send({ type: MessageType.RecordingStreamCommand, command: c });
    // Wait until the room has it all (a chat round trip after it), then drop without a goodbye.
    h.session.chat("still here");
    await h.session.nextChat(5_000);
    h.session.client.destroy();
    const film = await awaitFilm(h.userId);
    expect(film.status).toBe("partial");
    const { body } = await download(film);
    expect(body.equals(expectedFile(new Date(film.startedAt), body.subarray(40, 44), header, 777, kept))).toBe(true);
  });

  it("a flood of commands is cut off with a blue message; the host and the room carry on", async () => {
    const h = await host();
    const other = await host();
    h.session.createGame({ name: "Flood", map: "Mirror" });
    await other.session.waitFor(() => other.session.games.has(h.userId), 5_000, "the game");
    h.session.client.send({ type: MessageType.RecordingStreamHeader, data: recordingHeader() });
    const cut = h.session.client.next(
      (m) => m.type === MessageType.MessageOfTheDay && m.text.includes("no longer being recorded"),
      10_000,
    );
    for (let i = 0; i < 2000; i++) {
      h.session.client.send({ type: MessageType.RecordingStreamCommand, command: command(5, i, i) });
    }
    await cut;
    // The room goes on for everyone: chat flows both ways and the game is still listed.
    h.session.chat("after the flood");
    expect((await other.session.nextChat(5_000)).text).toBe("after the flood");
    expect(other.session.games.has(h.userId)).toBe(true);
    h.session.removeGame();
    const film = await awaitFilm(h.userId);
    expect(film).toMatchObject({ status: "cut", download: null });
    const res = await fetch(new URL(`/api/films/${film.id}`, stack.httpUrl));
    expect(res.status).toBe(404);
    expect(await res.json()).toHaveProperty("error");
    await Promise.all([h.session.leave(), other.session.leave()]);
  });
});
