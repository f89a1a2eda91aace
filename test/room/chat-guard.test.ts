/**
 * Chat budgets in the room core (issue 10, finding 1), with a hand clock: a flooder is warned,
 * muted, then kicked (21) while the others' chat goes on; repeats cost more; many sessions
 * from one address share a bounded budget; a whisper bomb is cut at the victim's budget and
 * the victim stays; request_full_update is limited per connection.
 */
import { describe, expect, it } from "vitest";
import { KICK_REASON, muteText, WARN_TEXT } from "../../durable-objects/room/chat-guard.ts";
import { limitCount } from "../../edge/abuse/counters.ts";
import type { DirectedDataMessage, Message, RoomBroadcastMessage } from "../../protocol/messages.ts";
import { FakeRoom } from "./fake-room.ts";

const header = {
  chatType: 0,
  color: { red: 0, green: 0, blue: 0, flags: 0 },
  flags: 0,
  playerId: 0,
  selectedPlayerId: 0,
};
const line = (text: string): RoomBroadcastMessage => ({ type: 200, header, senderName: "?", text });
const whisper = (to: number, text: string): DirectedDataMessage => ({
  type: 201,
  targetPlayerId: to,
  echo: false,
  header,
  senderName: "?",
  text,
});
const chatTexts = (got: readonly Message[]) => got.flatMap((m) => (m.type === 200 || m.type === 201 ? [m.text] : []));
const blue = (got: readonly Message[]) => got.flatMap((m) => (m.type === 10 ? [m.text] : []));

// Tight, round numbers: 5 lines at once, then one a second; mute after 3 strikes, kick after 6.
const VARS = {
  CHAT_BURST: "5",
  CHAT_LINES_PER_MINUTE: "60",
  CHAT_MUTE_AFTER: "3",
  CHAT_MUTE_SECONDS: "10",
  CHAT_KICK_AFTER: "6",
  CHAT_REPEAT_COST: "3",
};

describe("chat budget per user", () => {
  it("drops over-budget lines with one warning, then mutes, then kicks with 21; others chat on", async () => {
    const room = new FakeRoom(0, VARS);
    const flooder = await room.join(11, "Flood", "myth2", true, 0, "203.0.113.1");
    const honest = await room.join(12, "Honest", "myth2", true, 0, "203.0.113.2");
    room.take(flooder);
    room.take(honest);
    const kicked = limitCount("chat_kicked");

    for (let i = 0; i < 5; i++) await room.send(flooder, line(`spam ${i}`));
    expect(chatTexts(room.take(honest))).toHaveLength(5);
    // Strike 1: dropped, one warning.
    await room.send(flooder, line("spam 5"));
    expect(blue(room.take(flooder))).toEqual([WARN_TEXT]);
    expect(chatTexts(room.take(honest))).toEqual([]);
    // Strike 2: dropped silently; strike 3: muted, told for how long.
    await room.send(flooder, line("spam 6"));
    await room.send(flooder, line("spam 7"));
    expect(blue(room.take(flooder))).toEqual([muteText(10)]);
    // Muted: even after the bucket refilled, lines are dropped (and are strikes).
    room.now += 3_000;
    await room.send(flooder, line("muted 1"));
    expect(chatTexts(room.take(honest))).toEqual([]);
    // The honest player is not touched.
    await room.send(honest, line("hello"));
    expect(chatTexts(room.take(flooder))).toContain("hello");
    // Strikes 5 and 6: kicked with 21, then closed.
    await room.send(flooder, line("muted 2"));
    await room.send(flooder, line("muted 3"));
    const last = room.take(flooder);
    expect(last.at(-1)).toMatchObject({ type: 21, reason: KICK_REASON });
    expect(room.closed(flooder)).toBe(true);
    expect(limitCount("chat_kicked")).toBe(kicked + 1);
  });

  it("a user within budget is never warned; the mute ends; strikes are forgotten after quiet", async () => {
    const room = new FakeRoom(0, { ...VARS, CHAT_STRIKE_MEMORY_SECONDS: "30" });
    const a = await room.join(21, "Typist", "myth2", true, 0, "203.0.113.3");
    room.take(a);
    for (let i = 0; i < 20; i++) {
      await room.send(a, line(`line ${i}`));
      room.now += 1_000;
    }
    expect(blue(room.take(a))).toEqual([]);
    // Mute, wait it out, talk again.
    for (let i = 0; i < 9; i++) await room.send(a, line(`burst ${i}`));
    expect(blue(room.take(a))).toEqual([WARN_TEXT, muteText(10)]);
    room.now += 31_000;
    await room.send(a, line("back"));
    expect(chatTexts(room.take(a))).toEqual(["back"]);
  });

  it("a repeated line costs more", async () => {
    const room = new FakeRoom(0, VARS);
    const a = await room.join(31, "Parrot", "myth2", true, 0, "203.0.113.4");
    room.take(a);
    // 1 + 3 = 4 tokens for two lines; the third repeat (3 more) does not fit in 5.
    for (let i = 0; i < 3; i++) await room.send(a, line("same"));
    const got = room.take(a);
    expect(chatTexts(got)).toEqual(["same", "same"]);
    expect(blue(got)).toEqual([WARN_TEXT]);
  });
});

describe("chat budget per address", () => {
  it("16 sessions from one address share a budget larger than one user's but bounded", async () => {
    const room = new FakeRoom(0, { CHAT_BURST: "5", CHAT_ADDRESS_BURST: "20", CHAT_ADDRESS_LINES_PER_MINUTE: "60" });
    const ids: string[] = [];
    for (let i = 0; i < 16; i++) ids.push(await room.join(100 + i, `Lan${i}`, "myth2", true, 0, "192.0.2.50"));
    const other = await room.join(200, "Elsewhere", "myth2", true, 0, "192.0.2.51");
    room.take(other);
    for (const id of ids) for (let n = 0; n < 5; n++) await room.send(id, line(`${id} ${n}`));
    // 16 × 5 = 80 lines within every user's own budget; the address lets 20 through.
    expect(chatTexts(room.take(other))).toHaveLength(20);
    // Another address still has its own budget.
    await room.send(other, line("mine"));
    expect(chatTexts(room.take(ids[0] as string))).toContain("mine");
  });
});

describe("chat budget per address across all rooms (leased from the ChatLimiter)", () => {
  it("asks once per lease, drops with a warning when refused, asks again after the retry time", async () => {
    const room = new FakeRoom(0, { CHAT_ALL_ROOMS_LEASE: "4" });
    const asks: number[] = [];
    let left = 6;
    room.chatLease = async (_address, want) => {
      asks.push(want);
      const granted = Math.min(want, left);
      left -= granted;
      return { granted, retryAfterMs: granted ? 0 : 1000 };
    };
    const a = await room.join(400, "LanA", "myth2", true, 0, "203.0.113.7");
    const b = await room.join(401, "LanB", "myth2", true, 0, "203.0.113.7");
    room.take(a);
    for (let n = 0; n < 4; n++) await room.send(b, line(`b ${n}`));
    for (let n = 0; n < 4; n++) await room.send(a, line(`a ${n}`));
    // 6 lines granted (4, then 2): the 7th asks once more and is refused; the 8th waits for the retry.
    const got = room.take(a);
    expect(chatTexts(got)).toEqual(["b 0", "b 1", "b 2", "b 3", "a 0", "a 1"]);
    expect(asks).toEqual([4, 4, 4]);
    expect(blue(got)).toEqual([WARN_TEXT]);
    left = 4;
    room.now += 1000;
    await room.send(a, line("later"));
    expect(asks).toHaveLength(4);
    expect(chatTexts(room.take(b))).toContain("later");
  });

  it("fails open when the limiter cannot be reached (the room's own budgets still hold)", async () => {
    const room = new FakeRoom(0, { CHAT_ALL_ROOMS_LEASE: "4" });
    room.chatLease = async () => {
      throw new Error("limiter down");
    };
    const a = await room.join(410, "Alone", "myth2", true, 0, "203.0.113.8");
    const b = await room.join(411, "Other", "myth2", true, 0, "203.0.113.9");
    room.take(b);
    await room.send(a, line("still heard"));
    expect(chatTexts(room.take(b))).toEqual(["still heard"]);
  });
});

describe("directed messages (201)", () => {
  it("a whisper bomb from many senders is cut at the victim's budget; the victim stays", async () => {
    const room = new FakeRoom(0, { WHISPER_TARGET_BURST: "10", WHISPER_TARGET_PER_MINUTE: "60", CHAT_BURST: "5" });
    const victim = await room.join(300, "Victim", "myth2", true, 0, "198.51.100.1");
    const bombers: string[] = [];
    for (let i = 0; i < 8; i++)
      bombers.push(await room.join(301 + i, `B${i}`, "myth2", true, 0, `198.51.100.${10 + i}`));
    room.take(victim);
    const dropped = limitCount("whisper_dropped");
    for (const b of bombers) for (let n = 0; n < 5; n++) await room.send(b, whisper(300, `${b} ${n}`));
    expect(chatTexts(room.take(victim))).toHaveLength(10);
    expect(limitCount("whisper_dropped") - dropped).toBe(30);
    expect(room.closed(victim)).toBe(false);
  });
});

describe("request_full_update (110)", () => {
  it("is limited per connection, with one note per strike period", async () => {
    const room = new FakeRoom(0, { FULL_UPDATE_BURST: "2", FULL_UPDATES_PER_MINUTE: "6" });
    const a = await room.join(400, "Puller", "myth2", true, 0, "198.51.100.99");
    room.take(a);
    for (let i = 0; i < 5; i++) await room.send(a, { type: 110 });
    const got = room.take(a);
    expect(got.filter((m) => m.type === 1)).toHaveLength(2);
    expect(blue(got)).toHaveLength(1);
    room.now += 10_000;
    await room.send(a, { type: 110 });
    expect(room.take(a).filter((m) => m.type === 1)).toHaveLength(1);
  });
});
