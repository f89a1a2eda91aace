/**
 * The room's side of the host proxy (§7.6) and `.test`: what it asks the bridge, what it lists
 * while and after the bridge answers, and the blue messages the host sees.
 */
import { describe, expect, it } from "vitest";
import type { Message } from "../../protocol/messages.ts";
import { encodeGameData, gameDescription } from "../../protocol/structs/game-description.ts";
import { FakeRoom } from "./fake-room.ts";

const RED = { red: 0xff00, green: 0, blue: 0, flags: 0 };
const say = (text: string): Message => ({
  type: 200,
  header: { chatType: 0, color: RED, flags: 0, playerId: 0, selectedPlayerId: 0 },
  senderName: "",
  text,
});
const gameData = encodeGameData({ description: gameDescription(), name: "Bagrada", map: "Mirror" });
const create = (port: number): Message => ({ type: 104, port, order: 0, gameData });
const blue = (got: { type: number; text?: string }[]) => got.filter((m) => m.type === 10).map((m) => m.text);

async function room() {
  const r = new FakeRoom(0);
  r.hostChecks = true;
  const host = await r.join(11, "Host", "myth2");
  const other = await r.join(12, "Other", "myth2");
  r.take(host);
  r.take(other);
  return { r, host, other };
}

describe("host proxy: the room", () => {
  it("holds a Myth II 1.8 host's first game until the bridge answers; unreachable ⇒ listed at the proxy", async () => {
    const { r, host, other } = await room();
    await r.send(host, create(3453));
    expect(r.effects).toContainEqual({ kind: "host-check", to: host, port: 3453, mode: "auto" });
    expect(r.take(other)).toEqual([]);
    expect(r.reports.at(-1)).toEqual([2, 0]);

    await r.core.hostResult(host, { mode: "auto", probe: "timeout", port: 3453, proxy: "192.0.2.1:61000" });
    const listed = r.take(other);
    expect(listed.map((m) => m.type)).toEqual([2]);
    expect(listed[0]).toMatchObject({ games: [{ aux: { host: 0xc0000201, port: 61000, gameId: 11 } }] });
    expect(blue(r.take(host))).toEqual(["Your host does not appear to be joinable. Host proxy enabled."]);
    expect(r.reports.at(-1)).toEqual([2, 1]);

    await r.send(other, say(".games"));
    expect(blue(r.take(other))).toEqual(["'Bagrada|p', 0/16, |iHost:|p 'Host|p' |i(proxied)|p"]);

    // The setting stuck: the next game skips the probe and asks for a proxy at once.
    await r.send(host, { type: 105 });
    expect(r.effects).toContainEqual({ kind: "host-release", to: host });
    await r.send(host, create(3453));
    expect(r.effects.filter((e) => e.kind === "host-check").at(-1)).toMatchObject({ mode: "proxy" });
  });

  it("a reachable host is listed with its own address and never probed again", async () => {
    const { r, host, other } = await room();
    await r.send(host, create(3453));
    await r.core.hostResult(host, { mode: "auto", probe: "reachable", port: 3453, proxy: "" });
    expect(r.take(other)[0]).toMatchObject({ games: [{ aux: { host: 0xc6336407, port: 3453 } }] });
    expect(blue(r.take(host))).toEqual([]);
    await r.send(host, { type: 105 });
    expect(r.effects.filter((e) => e.kind === "host-release")).toEqual([]);
    const checks = r.effects.filter((e) => e.kind === "host-check").length;
    await r.send(host, create(3453));
    expect(r.effects.filter((e) => e.kind === "host-check").length).toBe(checks);
    expect(r.take(other).map((m) => m.type)).toEqual([2, 2]);
  });

  it(".proxy off lists at once; .proxy shows the setting as GoS does", async () => {
    const { r, host, other } = await room();
    await r.send(host, say(".proxy"));
    expect(blue(r.take(host))).toEqual(["Your host proxy setting is: |iunknown|p"]);
    await r.send(host, say(".proxy off"));
    expect(blue(r.take(host))).toEqual(["Your host proxy setting is: |ioff|p"]);
    expect(r.saved.get(host)?.player?.hostProxy).toBe("off");
    await r.send(host, create(3453));
    expect(r.effects.some((e) => e.kind === "host-check")).toBe(false);
    expect(r.take(other).map((m) => m.type)).toEqual([2]);
  });

  it("a host that leaves while its port is checked leaves no game; a late proxied answer is released", async () => {
    const { r, host, other } = await room();
    await r.send(host, create(3453));
    await r.send(host, { type: 105 });
    expect(r.take(other)).toEqual([]);
    await r.core.hostResult(host, { mode: "auto", probe: "refused", port: 3453, proxy: "192.0.2.1:61000" });
    expect(r.effects.at(-1)).toEqual({ kind: "host-release", to: host });
    expect(r.take(other)).toEqual([]);
    expect(r.games.size).toBe(0);
  });

  it("a check the bridge never answers does not hide the game past the grace: the next update lists it", async () => {
    const { r, host, other } = await room();
    await r.send(host, create(3453));
    await r.send(host, create(3453));
    expect(r.take(other)).toEqual([]);
    r.now += 20_000;
    await r.send(host, create(3453));
    expect(r.take(other).map((m) => m.type)).toEqual([2]);
    expect(r.reports.at(-1)).toEqual([2, 1]);
  });

  it("no free proxy: the game is listed as it is and the host is told", async () => {
    const { r, host, other } = await room();
    await r.send(host, create(3453));
    await r.core.hostResult(host, { mode: "auto", probe: "refused", port: 3453, proxy: "" });
    expect(r.take(other).map((m) => m.type)).toEqual([2]);
    expect(blue(r.take(host))[0]).toContain("no host proxy is free");
  });

  it("older builds, other families and bridges without the feature list at once", async () => {
    const r = new FakeRoom(8);
    r.hostChecks = true;
    const a1 = await r.join(21, "Gatherer", "marathon");
    await r.send(a1, create(4226), "marathon");
    expect(r.effects.some((e) => e.kind === "host-check")).toBe(false);
    const plain = new FakeRoom(0);
    const host = await plain.join(11, "Host", "myth2");
    await plain.send(host, create(3453));
    expect(plain.games.get(11)?.proxy).toBeUndefined();
  });
});

describe(".test", () => {
  it("probes the gatherer's game port and answers in blue when the bridge has tried", async () => {
    const r = new FakeRoom(8);
    r.hostChecks = true;
    const a1 = await r.join(21, "Gatherer", "marathon");
    r.take(a1);
    await r.send(a1, say(".test"), "marathon");
    expect(r.effects).toContainEqual({ kind: "host-check", to: a1, port: 4226, mode: "probe" });
    expect(blue(r.take(a1))).toEqual(["Testing whether your game port 4226 can be reached..."]);
    await r.core.hostResult(a1, { mode: "probe", probe: "timeout", port: 4226, proxy: "" });
    expect(blue(r.take(a1))[0]).toMatch(/^Your game port 4226 did not answer in 3 seconds: forward port 4226/);
    await r.send(a1, say(".test 5000"), "marathon");
    expect(r.effects.filter((e) => e.kind === "host-check").at(-1)).toMatchObject({ port: 5000 });
    await r.core.hostResult(a1, { mode: "probe", probe: "reachable", port: 5000, proxy: "" });
    expect(blue(r.take(a1)).at(-1)).toBe("Your game port 5000 is reachable: other players can join your games.");
  });

  it("says so when the bridge cannot test", async () => {
    const r = new FakeRoom(8);
    const a1 = await r.join(21, "Gatherer", "marathon");
    r.take(a1);
    await r.send(a1, say(".test"), "marathon");
    expect(blue(r.take(a1))).toEqual(["The connection test is not available through this server."]);
  });
});
