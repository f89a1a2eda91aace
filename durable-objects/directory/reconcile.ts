/**
 * Presence reconciled with the rooms (issue 10, finding 3). Each room the directory believes
 * occupied is asked who it really holds (Room.presence wakes it; a room whose sockets did not
 * survive a crash or restart drops those players as it wakes). Users the room does not hold
 * leave it here (their token gets the usual grace, then dies); users it holds are recorded as
 * there; the room's counts replace the stored ones.
 */
import { roomStub, tryCall } from "../../edge/objects.ts";
import type { RoomCountTable } from "./room-counts.ts";
import type { SessionTable } from "./sessions.ts";

/** Returns true when any room's counts changed (the caller fans out room lists). */
export async function reconcilePresence(
  env: Env,
  sessions: SessionTable,
  counts: RoomCountTable,
  graceMs: number,
  /**
   * At the object's start: who its rows said was in which room when it started. A room may
   * wake (and report its ghosts as leaving, with the grace) before we ask it; this keeps them.
   */
  atStart: ReadonlyMap<number, number> | null,
  /** Users who entered a room moments ago: their room may not hold them yet (the join is in flight). */
  joining: (userId: number) => boolean,
): Promise<boolean> {
  const forget = atStart !== null;
  const rooms = new Set([...sessions.roomsInUse(), ...counts.occupied(), ...(atStart?.values() ?? [])]);
  let changed = false;
  await Promise.all(
    [...rooms].map(async (roomId) => {
      // Read first: a room waking without its sockets tells us of the leaves itself (with the grace).
      const believed = new Set(sessions.inRoom(roomId));
      for (const [userId, room] of atStart ?? []) if (room === roomId) believed.add(userId);
      const presence = await tryCall(`room ${roomId}: presence`, () => roomStub(env, roomId).presence());
      // A room that cannot answer keeps what we have: better stale for a beat than emptied by mistake.
      if (!presence) return;
      const held = new Set(presence.userIds);
      const expiresAt = Date.now() + graceMs;
      for (const userId of believed) {
        if (held.has(userId) || joining(userId)) continue;
        const now = sessions.byUser(userId);
        // Moved on to another room meanwhile: not this room's to settle.
        if (!now || (now.roomId !== null && now.roomId !== roomId)) continue;
        if (forget) sessions.delete(userId);
        else if (now.roomId === roomId) sessions.leaveRoom(userId, roomId, expiresAt);
      }
      for (const userId of held) sessions.enterRoomIfKnown(userId, roomId);
      if (counts.report(roomId, presence.userIds.length, presence.games)) changed = true;
    }),
  );
  if (changed) counts.hold();
  return changed;
}
