/**
 * Impersonation mid-session (issue 10, finding 5): a guest renaming itself with
 * set_player_data (103) to a registered player's login name or nick, compared normalised
 * (§1.3), is refused as at login: it keeps its guest name, hears why, and nobody sees the
 * registered name on it. A free name still applies; a registered player is never renamed.
 */
import { describe, expect, it } from "vitest";
import { GUEST_RENAME_REFUSED_TEXT } from "../../durable-objects/room/handlers/players.ts";
import type { Dialect } from "../../protocol/dialect.ts";
import type { Message } from "../../protocol/messages.ts";
import { normalizeUserName } from "../../protocol/text.ts";
import { FakeRoom, playerData } from "./fake-room.ts";

const blue = (got: readonly Message[]) => got.flatMap((m) => (m.type === 10 ? [m.text] : []));
const nicks = (room: FakeRoom) => room.core.status().players.map((p) => p.nick);
const listedNicks = (got: readonly Message[]) =>
  got.flatMap((m) => (m.type === 1 ? m.players.map((e) => e.player.nick) : []));

// Rooms of the default set: 6 Myth TFL (Bungie), 8 Aleph One. Myth II 1.8 (GoS) keeps login-time data anyway.
for (const [dialect, roomId] of [
  ["myth1", 6],
  ["marathon", 8],
] as const satisfies readonly (readonly [Dialect, number])[]) {
  describe(`a ${dialect} guest renaming with 103`, () => {
    it("to a registered player's name (any case or spacing) is refused; a free name applies", async () => {
      const room = new FakeRoom(roomId);
      room.registeredNames.add(normalizeUserName("Zeus"));
      const guest = await room.join(1_073_741_900, "Wanderer", dialect, true);
      const owner = await room.join(50, "Watcher", dialect);
      await room.send(guest, { type: 103, player: playerData("Wanderer") }, dialect);
      await room.send(owner, { type: 103, player: playerData("Watcher") }, dialect);
      room.take(owner);
      room.take(guest);

      await room.send(guest, { type: 103, player: playerData(" zEUS ") }, dialect);
      expect(nicks(room)).toContain("Wanderer");
      expect(nicks(room).map(normalizeUserName)).not.toContain("zeus");
      expect(blue(room.take(guest))).toEqual([GUEST_RENAME_REFUSED_TEXT]);
      expect(listedNicks(room.take(owner)).map(normalizeUserName)).not.toContain("zeus");

      await room.send(guest, { type: 103, player: playerData("Rover") }, dialect);
      expect(nicks(room)).toContain("Rover");
      expect(listedNicks(room.take(owner))).toContain("Rover");
    });
  });
}

describe("a registered player", () => {
  it("keeps the account's nick whatever its 103 says", async () => {
    const room = new FakeRoom(8);
    const owner = await room.join(60, "Athena", "marathon");
    await room.send(owner, { type: 103, player: playerData("Athena") }, "marathon");
    await room.send(owner, { type: 103, player: playerData("Someone Else") }, "marathon");
    expect(nicks(room)).toEqual(["Athena"]);
  });
});
