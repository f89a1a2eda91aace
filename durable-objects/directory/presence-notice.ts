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
import { getOrder } from "../../edge/social/orders.ts";
import { ownStanding, watchersStanding } from "../../edge/social/standing.ts";
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

/** What a player changed on the web page (/account/): its buddy list, and/or the orders it joined or left. */
export interface SocialChange {
  readonly buddies?: boolean;
  /** Orders whose membership changed (the one joined, the one left, the one founded). */
  readonly orders?: readonly number[];
}

/**
 * A change made on the web reaches the game like one made in the game: the player, if online,
 * gets a fresh 19 (buddies) and/or 20 (its order now, empty after leaving), and the online
 * members of each order whose membership changed a fresh 20 of it.
 */
export async function notifySocialChange(
  env: Env,
  sessions: SessionTable,
  userId: number,
  change: SocialChange,
): Promise<void> {
  const calls: Promise<unknown>[] = [];
  const send = (id: number, roomId: number, notice: SocialNotice) =>
    calls.push(tryCall(`room ${roomId}: socialNotice`, () => roomStub(env, roomId).socialNotice(id, notice)));
  const withOnline = (ids: readonly number[]) => {
    const online = new Set(sessions.present(ids).map((s) => s.user.userId));
    return ids.map((id) => ({ playerId: id, online: online.has(id) }));
  };

  const self = sessions.present([userId])[0];
  const orders = change.orders ?? [];
  if (self && (change.buddies || orders.length > 0)) {
    const own = await ownStanding(env.DB, userId);
    const notice: SocialNotice = {};
    if (change.buddies) notice.buddies = withOnline(own.ids);
    if (orders.length > 0) notice.orderMembers = own.order ? withOnline(own.order.members) : [];
    send(userId, self.roomId as number, notice);
  }
  for (const orderId of new Set(orders)) {
    // A lapsed or dissolved order has nobody left to tell.
    const members = (await getOrder(env.DB, orderId))?.members.map((m) => m.userId) ?? [];
    const list = withOnline(members);
    for (const mate of sessions.present(members)) {
      if (mate.user.userId !== userId) send(mate.user.userId, mate.roomId as number, { orderMembers: list });
    }
  }
  await Promise.all(calls);
}
