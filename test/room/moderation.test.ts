/**
 * Moderation in the room's rules (§8.1): staff levels, target selection per family, kicks,
 * gags, the room lock and the ban check at room login, with the audit row written before the
 * action. The edge's side (D1, the directory) is covered by test/worker and test/e2e.
 */
import { describe, expect, it } from "vitest";
import type { DirectedDataMessage, RoomBroadcastMessage } from "../../protocol/messages.ts";
import { FakeRoom } from "./fake-room.ts";

const RED = { red: 0xff00, green: 0, blue: 0, flags: 0 };

function chat(text: string, selectedPlayerId = 0): RoomBroadcastMessage {
  return {
    type: 200,
    header: { chatType: 0, color: RED, flags: 0, playerId: 0, selectedPlayerId },
    senderName: "?",
    text,
  };
}

function whisper(targetPlayerId: number, text: string): DirectedDataMessage {
  return {
    type: 201,
    targetPlayerId,
    echo: false,
    header: { chatType: 0, color: RED, flags: 0, playerId: 0, selectedPlayerId: targetPlayerId },
    senderName: "?",
    text,
  };
}

const blue = (room: FakeRoom, id: string) =>
  room.take(id).flatMap((m) => (m.type === 10 ? [m.text] : m.type === 21 ? [`21:${m.reason}`] : []));

async function setup(dialect: "myth2" | "myth2-legacy" = "myth2") {
  const room = new FakeRoom(0);
  const mod = await room.join(1, "Mod", dialect, false, 1);
  const admin = await room.join(2, "Boss", dialect, false, 2);
  const player = await room.join(3, "Pat", dialect);
  for (const id of [mod, admin, player]) room.take(id);
  return { room, mod, admin, player };
}

describe("levels", () => {
  it(".help lists only what the caller may use", async () => {
    const { room, admin, player } = await setup();
    await room.send(player, chat(".help"));
    const mine = blue(room, player).join("\n");
    expect(mine).toContain(".who / .online");
    expect(mine).not.toContain(".kick");
    await room.send(admin, chat(".help"));
    const staff = blue(room, admin).join("\n");
    expect(staff).toContain(".kick [player] [reason]");
    expect(staff).toContain(".ban [player] [days] [reason]");
  });

  it("a player's .kick is refused and kicks nobody; unknown commands answer as GoS", async () => {
    const { room, mod, player } = await setup();
    await room.send(player, whisper(1, ".kick bye"));
    expect(blue(room, player)).toEqual(["Only moderators may use '.kick'."]);
    expect(room.closed(mod)).toBe(false);
    expect(room.audit).toEqual([]);
    await room.send(player, chat(".frobnicate"));
    expect(blue(room, player)).toEqual(["Unknown command '.frobnicate'."]);
  });

  it("a moderator cannot kick an admin", async () => {
    const { room, mod, admin } = await setup();
    await room.send(mod, whisper(2, ".kick"));
    expect(blue(room, mod)).toEqual(["You cannot do that to a staff member of your level or above."]);
    expect(room.closed(admin)).toBe(false);
  });
});

describe("target selection (§8.1)", () => {
  it("GoS: a .kick sent as 200 has no target even with a selected player; as 201 it does", async () => {
    const { room, mod, player } = await setup("myth2");
    await room.send(mod, chat(".kick", 3));
    expect(blue(room, mod)[0]).toMatch(/^You must first select a player/);
    expect(room.closed(player)).toBe(false);
    await room.send(mod, whisper(3, ".kick flooding"));
    expect(blue(room, player)).toEqual(["21:flooding"]);
    expect(room.closed(player)).toBe(true);
    expect(blue(room, mod)).toEqual(["Pat was kicked."]);
    expect(room.audit).toEqual([
      expect.objectContaining({ actor: "user:1", action: "kick", target: "user:3", reason: "flooding", roomId: 0 }),
    ]);
    expect(room.ended).toEqual([3]);
  });

  it("Bungie-era clients aim with the chat header's selected player", async () => {
    const { room, mod, player } = await setup("myth2-legacy");
    await room.send(mod, chat(".kick spam", 3), "myth2-legacy");
    expect(blue(room, player)).toEqual(["21:spam"]);
  });

  it("a player name argument works for every family", async () => {
    const { room, mod, player } = await setup("myth2");
    await room.send(mod, chat(".kick pat go away"));
    expect(blue(room, player)).toEqual(["21:go away"]);
  });
});

describe("gags, lock, bans at room login", () => {
  it("a gagged player's chat is dropped and they are told until when; .ungag lifts it", async () => {
    const { room, mod, admin, player } = await setup();
    await room.send(mod, chat(".gag pat 10 calm down"));
    expect(blue(room, player)[0]).toMatch(/^You are gagged until \d{4}-\d\d-\d\d \d\d:\d\d UTC: calm down$/);
    expect(room.savedModeration?.gags[3]).toMatchObject({ reason: "calm down" });
    room.take(mod);
    await room.send(player, chat("hello?"));
    expect(blue(room, player)[0]).toMatch(/^You are gagged until/);
    expect(room.take(admin)).toEqual([]);
    // Over by itself once the time has passed.
    room.now += 10 * 60_000 + 1;
    await room.send(player, chat("back"));
    expect(room.take(admin)).toMatchObject([{ type: 200, text: "back" }]);
    await room.send(mod, chat(".gag pat 5"));
    await room.send(mod, chat(".ungag pat"));
    expect(blue(room, mod)).toContain("Pat may chat again.");
    expect(room.audit.map((a) => a.action)).toEqual(["gag", "gag", "ungag"]);
  });

  it(".lock keeps players out but lets staff in; .unlock opens", async () => {
    const { room, admin } = await setup();
    await room.send(admin, chat(".lock"));
    expect(blue(room, admin)).toEqual(["The room is locked: only staff may join."]);
    const late = await room.join(4, "Late", "myth2");
    expect(room.take(late)).toMatchObject([{ type: 3, code: 4, text: "This room is locked." }]);
    const staff = await room.join(5, "Staff", "myth2", false, 1);
    expect(room.types(staff)).toContain(9);
    await room.send(admin, chat(".unlock"));
    const later = await room.join(6, "Later", "myth2");
    expect(room.types(later)).toContain(9);
  });

  it(".ban writes the ban, kicks the player, and its room login is refused with 14", async () => {
    const { room, admin, player } = await setup();
    await room.send(admin, whisper(3, ".ban 3 cheating"));
    expect(blue(room, player)).toEqual(["21:Banned: cheating"]);
    expect(blue(room, admin)[0]).toMatch(/^Pat banned\./);
    const again = await room.join(3, "Pat", "myth2");
    expect(room.take(again)).toMatchObject([{ type: 3, code: 14, text: "Banned: cheating" }]);
  });

  it(".message goes to the selected player only, or to the whole room", async () => {
    const { room, mod, admin, player } = await setup();
    await room.send(mod, whisper(3, ".message read the rules"));
    expect(blue(room, player)).toEqual(["read the rules"]);
    expect(blue(room, admin)).toEqual([]);
    await room.send(mod, chat(".message welcome all"));
    expect(blue(room, player)).toEqual(["welcome all"]);
    expect(blue(room, admin)).toEqual(["welcome all"]);
  });

  it(".info shows staff the id, client and address; players the public part", async () => {
    const { room, mod, player } = await setup();
    await room.send(player, chat(".info mod"));
    expect(blue(room, player)).toEqual(["Mod (Team): registered, moderator"]);
    await room.send(mod, chat(".info pat"));
    expect(blue(room, mod)).toEqual([
      "Pat (Team): registered, player",
      "id 3, login 'pat', client myth2 version 2180 build 428, address 198.51.100.7",
    ]);
  });
});

describe("everyone's commands", () => {
  it(".mute hides that player's chat (stored for registered players); .unmute shows it again", async () => {
    const { room, mod, admin, player } = await setup();
    await room.send(player, chat(".mute boss"));
    expect(blue(room, player)).toEqual(["You no longer see Boss's chat."]);
    expect([...(room.lists.get("mutes:3") ?? [])]).toEqual([2]);
    await room.send(admin, chat("hear me"));
    expect(room.take(player)).toEqual([]);
    expect(room.take(mod)).toMatchObject([{ type: 200, text: "hear me" }]);
    // Whispers of a muted player are hidden too.
    await room.send(admin, whisper(3, "psst"));
    expect(room.take(player)).toEqual([]);
    await room.send(player, chat(".mutelist"));
    expect(blue(room, player)).toEqual(["Muted: 2"]);
    await room.send(player, chat(".unmute boss"));
    room.take(player);
    await room.send(admin, chat("now?"));
    expect(room.take(player)).toMatchObject([{ type: 200, text: "now?" }]);
  });

  it("the lists come back at the next room login", async () => {
    const { room, player } = await setup();
    await room.send(player, chat(".block mod"));
    expect(blue(room, player)).toEqual(["Mod can no longer send you private messages."]);
    const again = await room.join(3, "Pat", "myth2");
    const mod2 = await room.join(1, "Mod", "myth2", false, 1);
    room.take(again);
    room.take(mod2);
    await room.send(mod2, whisper(3, "hello"));
    expect(room.take(again)).toEqual([]);
    expect(blue(room, mod2)).toEqual(["Pat does not accept your private messages."]);
  });

  it(".afk marks an Aleph One player away in the list; a whisper's sender hears (away); .back clears it", async () => {
    const room = new FakeRoom(8);
    const a = await room.join(21, "Ann", "marathon");
    const b = await room.join(22, "Ben", "marathon");
    room.take(a);
    room.take(b);
    await room.send(a, chat(".afk lunch"), "marathon");
    const [entry] = room.take(b);
    expect(entry).toMatchObject({ type: 1 });
    const flags = entry?.type === 1 ? (entry.players[0]?.aux.flags ?? 0) : 0;
    expect(flags & (1 << 14)).toBe(0);
    await room.send(b, whisper(21, "there?"), "marathon");
    expect(blue(room, b)).toEqual(["Ann (away): lunch"]);
    room.take(a);
    await room.send(a, chat(".back"), "marathon");
    const [after] = room.take(b);
    const flagsAfter = after?.type === 1 ? (after.players[0]?.aux.flags ?? 0) : 0;
    expect(flagsAfter & (1 << 14)).not.toBe(0);
  });

  it(".me relays an action line as the player's chat", async () => {
    const { room, admin, player } = await setup();
    await room.send(player, chat(".me waves"));
    expect(room.take(admin)).toMatchObject([
      { type: 200, text: "*waves*", senderName: "Pat", header: { playerId: 3 } },
    ]);
  });
});
