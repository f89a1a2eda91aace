/** The room's side of films (§5.23): what it keeps, when a film is complete, partial, missing or cut. */
import { describe, expect, it } from "vitest";
import type { Message } from "../../protocol/messages.ts";
import { encodeGameData, gameDescription } from "../../protocol/structs/game-description.ts";
import { FakeRoom } from "./fake-room.ts";

const gameData = encodeGameData({ description: gameDescription(), name: "Filmed", map: "Mirror" });
const create: Message = { type: 104, port: 3453, order: 0, gameData };

function command(verb: number, time: number, extra = 4): Uint8Array {
  const c = new Uint8Array(8 + extra);
  const v = new DataView(c.buffer);
  v.setInt16(0, c.byteLength);
  v.setInt8(2, verb);
  v.setInt8(3, 1);
  v.setInt32(4, time);
  return c;
}

async function hosting(roomId = 1) {
  const r = new FakeRoom(roomId);
  const host = await r.join(11, "Host", "myth2");
  const other = await r.join(12, "Other", "myth2");
  await r.send(host, create);
  r.take(host);
  r.take(other);
  return { r, host, other };
}

describe("films: the room", () => {
  it("keeps the header and the non-null commands in order, and ends the film complete at 206", async () => {
    const { r, host } = await hosting();
    r.now = 5_000_000;
    await r.send(host, { type: 204, data: new Uint8Array(20).fill(1) });
    await r.send(host, { type: 204, data: new Uint8Array(10).fill(2) });
    await r.send(host, { type: 205, command: command(3, 30) });
    await r.send(host, { type: 205, command: command(0, 60, 0) });
    await r.send(host, { type: 205, command: command(4, 90) });
    await r.send(host, { type: 206, endTime: 120 });
    expect(r.filmChunks.get(11)?.map((c) => [c.kind, c.bytes.byteLength])).toEqual([
      ["header", 20],
      ["header", 10],
      ["command", 12],
      ["command", 12],
    ]);
    expect(r.filmEnds).toEqual([
      { hostId: 11, status: "complete", startedAt: 5_000_000, endedAt: 5_000_000, endTime: 120 },
    ]);
    // Removing the game afterwards adds nothing.
    await r.send(host, { type: 105 });
    expect(r.filmEnds.length).toBe(1);
  });

  it("a host that drops leaves a partial film ending at its last command's time", async () => {
    const { r, host } = await hosting();
    await r.send(host, { type: 204, data: new Uint8Array(20) });
    await r.send(host, { type: 205, command: command(3, 300) });
    await r.core.gone(host);
    expect(r.filmEnds).toMatchObject([{ hostId: 11, status: "partial", endTime: 300 }]);
  });

  it("a started game without a film in a room that requires films is marked missing", async () => {
    const { r, host } = await hosting(1);
    await r.send(host, { type: 114, gameTime: 600 });
    await r.send(host, { type: 105 });
    expect(r.filmEnds).toMatchObject([{ hostId: 11, status: "missing" }]);
    const optional = await hosting(0);
    await optional.r.send(optional.host, { type: 114, gameTime: 600 });
    await optional.r.send(optional.host, { type: 105 });
    expect(optional.r.filmEnds).toEqual([]);
  });

  it("a flood of commands is cut with a blue message; the game and the room go on", async () => {
    const { r, host, other } = await hosting();
    await r.send(host, { type: 204, data: new Uint8Array(20) });
    // The default rate is 100 a second with bursts of 1000: 1200 at once is a flood.
    for (let i = 0; i < 1200; i++) await r.send(host, { type: 205, command: command(3, i) });
    const blue = r.take(host).filter((m) => m.type === 10);
    expect(blue).toEqual([
      { type: 10, text: "Your game is no longer being recorded: the recording broke the server's limits." },
    ]);
    expect(r.filmChunks.has(11)).toBe(false);
    expect(r.closed(host)).toBe(false);
    expect(r.games.get(11)?.film?.status).toBe("cut");
    // The room still answers the host, and the game is still listed for the others.
    await r.send(other, { type: 110 });
    expect(r.take(other).some((m) => m.type === 2)).toBe(true);
    await r.send(host, { type: 105 });
    expect(r.filmEnds).toMatchObject([{ status: "cut" }]);
  });

  it("a command that is not one (its size field lies) cuts the recording", async () => {
    const { r, host } = await hosting();
    await r.send(host, { type: 204, data: new Uint8Array(20) });
    const bad = command(3, 1);
    new DataView(bad.buffer).setInt16(0, 500);
    await r.send(host, { type: 205, command: bad });
    expect(r.games.get(11)?.film?.status).toBe("cut");
  });

  it("only the host of a game in a room with films records", async () => {
    const { r, other } = await hosting();
    await r.send(other, { type: 204, data: new Uint8Array(20) });
    expect(r.filmChunks.size).toBe(0);
    const none = new FakeRoom(6); // Myth TFL: no films
    const h = await none.join(21, "Tfl", "myth1");
    await none.send(h, create, "myth1");
    await none.send(h, { type: 204, data: new Uint8Array(20) }, "myth1");
    expect(none.filmChunks.size).toBe(0);
  });
});
