/**
 * Online notices (Bungie's behaviour, §5.22): when a registered player comes online (enters a
 * room from no room) or leaves its last room, everyone online who has it as a buddy gets a
 * fresh update_player_buddy_list (19), and every online member of its order a fresh
 * update_order_member_list (20), in whatever room they are. The Directory calls this off the
 * login path (waitUntil): D1 says who watches whom, the sessions table who is online where.
 *
 * A player changing rooms leaves one and enters the next, so watchers may see it go inactive
 * and active again within a moment; that is what Bungie's clients saw too.
 */
import type { SocialNotice } from "../../edge/contracts.ts";
import { roomStub, tryCall } from "../../edge/objects.ts";
import { buddiesOfMany } from "../../edge/social/buddies.ts";
import { watchersStanding } from "../../edge/social/standing.ts";
import type { SessionTable } from "./sessions.ts";

export async function notifyPresence(env: Env, sessions: SessionTable, userId: number): Promise<void> {
  const { ids: watchers, order } = await watchersStanding(env.DB, userId);
  const notices = new Map<number, { roomId: number; notice: SocialNotice }>();
  const noticeFor = (id: number, roomId: number) => {
    let entry = notices.get(id);
    if (!entry) {
      entry = { roomId, notice: {} };
      notices.set(id, entry);
    }
    return entry.notice;
  };

  const onlineWatchers = sessions.present(watchers);
  if (onlineWatchers.length > 0) {
    const lists = await buddiesOfMany(
      env.DB,
      onlineWatchers.map((s) => s.user.userId),
    );
    const everyBuddy = [...new Set([...lists.values()].flat())];
    const online = new Set(sessions.present(everyBuddy).map((s) => s.user.userId));
    for (const w of onlineWatchers) {
      const list = lists.get(w.user.userId) ?? [];
      noticeFor(w.user.userId, w.roomId as number).buddies = list.map((id) => ({
        playerId: id,
        online: online.has(id),
      }));
    }
  }

  if (order) {
    const present = sessions.present(order.members);
    const online = new Set(present.map((s) => s.user.userId));
    const members = order.members.map((id) => ({ playerId: id, online: online.has(id) }));
    for (const mate of present) {
      if (mate.user.userId !== userId) noticeFor(mate.user.userId, mate.roomId as number).orderMembers = members;
    }
  }

  await Promise.all(
    [...notices].map(([id, { roomId, notice }]) =>
      tryCall(`room ${roomId}: socialNotice`, () => roomStub(env, roomId).socialNotice(id, notice)),
    ),
  );
}
