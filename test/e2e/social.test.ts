/**
 * Social features over real TCP through the bridge into local workerd (PROTOCOL.md §4.11,
 * §5.20, §5.22): buddies with online notices, orders seen in 20 and 16, player search across
 * rooms, game search with required options, and revocable game passwords at login.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServerRefusal } from "../../client/flows.ts";
import { MessageType } from "../../protocol/message-types.ts";
import type { Message, PlayerSearchEntry } from "../../protocol/messages.ts";
import { GameOption } from "../../protocol/structs/game-description.ts";
import type { LocalStack } from "../../scripts/local-stack.ts";
import { joinAs, loginAs, type Player, startTestStack } from "./stack.ts";

let stack: LocalStack;
let userCount = 0;

/** Two unranked Myth II rooms (wire ids 0 and 1) and a Myth TFL room (another game). */
const ROOMS = [
  { id: 0, name: "One", game: "myth2", type: "unranked" },
  { id: 1, name: "Two", game: "myth2", type: "unranked" },
  { id: 2, wireId: 0, name: "Elsewhere", game: "myth1", type: "unranked" },
];

async function newUser(prefix: string): Promise<{ user: string; password: string; id: number }> {
  const user = `${prefix}${++userCount}`;
  const password = `pw-${userCount}`;
  const id = await stack.createUser(user, password);
  return { user, password, id };
}

async function member(account: { user: string; password: string }, roomId = 0): Promise<Player> {
  return joinAs(stack, { ...account, nick: account.user, roomId });
}

type Msg<T extends Message["type"]> = Extract<Message, { type: T }>;

/** The next message of a type that satisfies `check` (earlier ones of that type are skipped). */
function nextWhere<T extends Message["type"]>(
  p: Player,
  type: T,
  check: (m: Msg<T>) => boolean,
  timeoutMs = 10_000,
): Promise<Msg<T>> {
  return p.session.client.next((m) => m.type === type && check(m as Msg<T>), timeoutMs) as Promise<Msg<T>>;
}

const activeOf = (m: Msg<19>, id: number) => m.buddies.find((b) => b.playerId === id)?.active;
const ids = (results: readonly PlayerSearchEntry[]) => results.map((r) => r.aux.playerId);

beforeAll(async () => {
  stack = await startTestStack({ roomConfig: JSON.stringify(ROOMS) });
});
afterAll(async () => {
  await stack?.stop();
});

describe("buddies", () => {
  it("A adds B; B comes online in another room (19 active, 15 with B's room); B leaves (19 inactive)", async () => {
    const accountA = await newUser("bud");
    const accountB = await newUser("bud");
    const a = await member(accountA, 0);

    a.session.client.send({ type: MessageType.UpdateBuddy, buddyId: accountB.id, add: true });
    const added = await nextWhere(a, 19, (m) => activeOf(m, accountB.id) !== undefined);
    expect(added.buddies).toHaveLength(16); // Myth II 1.8: 16 slots
    expect(activeOf(added, accountB.id)).toBe(0);

    const b = await member(accountB, 1);
    const online = await nextWhere(a, 19, (m) => activeOf(m, accountB.id) === 2);
    expect(online.buddies[0]).toEqual({ playerId: accountB.id, active: 2 });

    a.session.client.send({ type: MessageType.BuddyQuery });
    const query = await a.session.client.next(MessageType.BuddyList, 10_000);
    expect(query.results).toHaveLength(1);
    expect(query.results[0]).toMatchObject({ roomId: 1, aux: { playerId: accountB.id, roomId: 1 } });
    expect(query.results[0]?.player.nick).toBe(b.session.nick);

    await b.session.leave();
    await nextWhere(a, 19, (m) => activeOf(m, accountB.id) === 0);

    // Removing answers the list without B.
    a.session.client.send({ type: MessageType.UpdateBuddy, buddyId: accountB.id, add: false });
    const removed = await nextWhere(a, 19, (m) => activeOf(m, accountB.id) === undefined);
    expect(removed.buddies.every((e) => e.playerId === 0)).toBe(true);
    await a.session.leave();
  });

  it("guests get empty answers, not errors", async () => {
    const g = await joinAs(stack, { user: "", password: "", nick: "guesty", roomId: 0 });
    g.session.client.send({ type: MessageType.UpdateBuddy, buddyId: 1, add: true });
    const list = await g.session.client.next(MessageType.UpdatePlayerBuddyList, 10_000);
    expect(list.buddies.every((e) => e.playerId === 0)).toBe(true);
    g.session.client.send({ type: MessageType.BuddyQuery });
    expect((await g.session.client.next(MessageType.BuddyList, 10_000)).results).toEqual([]);
    g.session.client.send({ type: MessageType.OrderQuery });
    expect((await g.session.client.next(MessageType.OrderList, 10_000)).results).toEqual([]);
    expect(g.session.client.isOpen).toBe(true);
    await g.session.leave();
  });
});

describe("orders", () => {
  it("three members: a member joining is seen in 20 and 16, with the order in its player data", async () => {
    const [x, y, z] = [await newUser("ord"), await newUser("ord"), await newUser("ord")];
    const created = await stack.admin("POST", "/admin/orders", {
      name: `Crows${userCount}`,
      founderId: x.id,
      memberPassword: "join",
      maintenancePassword: "keep",
      motto: "Caw",
    });
    expect(created.status).toBe(201);
    const order = (await created.json()) as { id: number };
    for (const m of [y, z]) {
      expect((await stack.admin("POST", `/admin/orders/${order.id}/members`, { userId: m.id })).status).toBe(200);
    }

    const px = await member(x, 0);
    const py = await member(y, 1);
    // At its own join a member gets the member list (here: x online, and y itself).
    await nextWhere(py, 20, (m) => m.members.some((e) => e.playerId === x.id && e.online));
    const pz = await member(z, 0);
    for (const p of [px, py]) {
      const list = await nextWhere(p, 20, (m) => m.members.some((e) => e.playerId === z.id && e.online));
      expect(list.members.map((e) => e.playerId).sort()).toEqual([x.id, y.id, z.id].sort());
    }
    expect(pz.login.order).toBe(order.id); // user_successful_login (7) carries it too
    expect(pz.session.players.get(z.id)?.aux.order).toBe(order.id);
    expect(pz.session.players.get(x.id)?.player.orderIndex).toBe(order.id);

    px.session.client.send({ type: MessageType.OrderQuery });
    const online = await px.session.client.next(MessageType.OrderList, 10_000);
    const rooms = Object.fromEntries(online.results.map((r) => [r.aux.playerId, r.roomId]));
    expect(rooms).toEqual({ [x.id]: 0, [y.id]: 1, [z.id]: 0 });
    for (const p of [px, py, pz]) await p.session.leave();
  });
});

describe("search", () => {
  it("player search finds a player in another room, best match first", async () => {
    const seeker = await member(await newUser("seek"), 0);
    const exact = await newUser("zork");
    const longer = await stack.createUser(`${exact.user}able`, "pw-longer");
    const pe = await member(exact, 1);
    const pl = await member({ user: `${exact.user}able`, password: "pw-longer" }, 1);
    seeker.session.client.send({ type: MessageType.PlayerSearchQuery, query: exact.user.toUpperCase() });
    const found = await seeker.session.client.next(MessageType.PlayerSearchList, 10_000);
    expect(ids(found.results)[0]).toBe(exact.id);
    expect(ids(found.results)).toContain(longer);
    expect(found.results[0]).toMatchObject({ roomId: 1 });

    seeker.session.client.send({ type: MessageType.PlayerSearchQuery, query: "nobody-by-this-name" });
    expect((await seeker.session.client.next(MessageType.PlayerSearchList, 10_000)).results).toEqual([]);
    for (const p of [seeker, pe, pl]) await p.session.leave();
  });

  it('game search with "required: teams" finds only team games, across the rooms of the game', async () => {
    const teamHost = await member(await newUser("host"), 1);
    const soloHost = await member(await newUser("host"), 0);
    const tfl = await joinAs(stack, { ...(await newUser("tfl")), dialect: "myth1", roomId: 0 });
    teamHost.session.createGame({ name: "Team game", map: "Shiver", optionFlags: GameOption.AllowTeams });
    soloHost.session.createGame({ name: "Solo game", map: "Shiver", optionFlags: 0 });
    tfl.session.createGame({ name: "TFL team game", map: "Shiver", optionFlags: GameOption.AllowTeams });
    const seeker = await member(await newUser("gseek"), 0);
    await seeker.session.waitFor(() => seeker.session.games.size >= 1, 10_000, "the solo game");

    const query = {
      type: MessageType.GameSearchQuery,
      gameType: 0,
      gameScoring: -1,
      veterans: 2,
      unitTrading: 2,
      teams: 0,
      alliances: 2,
      enemyVisibility: 2,
      gameName: "",
      mapName: "",
    } as const;
    // The team game's room may still be storing it: ask until it shows (bounded).
    let hosts: number[] = [];
    for (let i = 0; i < 20 && !hosts.includes(teamHost.userId); i++) {
      seeker.session.client.send(query);
      hosts = (await seeker.session.client.next(MessageType.GameListPref, 10_000)).games.map((g) => g.aux.gameId);
    }
    expect(hosts).toEqual([teamHost.userId]);

    seeker.session.client.send({ ...query, teams: 1 });
    const despised = await seeker.session.client.next(MessageType.GameListPref, 10_000);
    expect(despised.games.map((g) => g.aux.gameId)).toEqual([soloHost.userId]);

    seeker.session.client.send({ ...query, teams: 2, gameName: "solo" });
    const byName = await seeker.session.client.next(MessageType.GameListPref, 10_000);
    expect(byName.games.map((g) => g.aux.gameId)).toEqual([soloHost.userId]);
    for (const p of [teamHost, soloHost, tfl, seeker]) await p.session.leave();
  });
});

describe("game passwords", () => {
  it("a game password logs in; once revoked it is refused with code 3", async () => {
    const account = await newUser("gpw");
    const res = await stack.admin("POST", `/admin/users/${account.id}/game-passwords`, { label: "laptop" });
    expect(res.status).toBe(201);
    const made = (await res.json()) as { id: number; password: string };
    expect(made.password).toMatch(/^[A-Za-z0-9]{12}$/);

    const ok = await loginAs(stack, { user: account.user, password: made.password });
    expect(ok.userId).toBe(account.id);
    // The account password still works too.
    expect((await loginAs(stack, { user: account.user, password: account.password })).userId).toBe(account.id);

    expect((await stack.admin("DELETE", `/admin/users/${account.id}/game-passwords/${made.id}`)).status).toBe(200);
    const refused = await loginAs(stack, { user: account.user, password: made.password }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ServerRefusal);
    expect((refused as ServerRefusal).code).toBe(3);
  });
});
