/**
 * Moderation end to end: real clients over TCP through the bridge into local workerd, staff
 * made through the admin API. Kicks, bans (dot command and admin API, by account, address and
 * guest), gags, `.help` per level, `.who` across rooms, expiry, and the audit rows they leave.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RoomSession, ServerRefusal } from "../../client/flows.ts";
import type { Dialect } from "../../protocol/dialect.ts";
import type { LocalStack } from "../../scripts/local-stack.ts";
import { joinAs, loginAs, type Player, startTestStack } from "./stack.ts";

let stack: LocalStack;
let n = 0;

async function account(prefix: string, adminLevel = 0): Promise<{ user: string; password: string; id: number }> {
  const user = `${prefix}${++n}`;
  const password = `pw${n}`;
  const id = await stack.createUser(user, password);
  if (adminLevel > 0) {
    const res = await stack.admin("PATCH", `/admin/users/${id}`, { adminLevel });
    expect(res.status).toBe(200);
  }
  return { user, password, id };
}

async function member(prefix: string, options: { adminLevel?: number; roomId?: number; dialect?: Dialect } = {}) {
  const a = await account(prefix, options.adminLevel);
  const player = await joinAs(stack, { user: a.user, password: a.password, nick: a.user, ...options });
  return { ...player, account: a };
}

/** Waits for a blue-bar line matching `pattern` that arrived after `from` lines. */
async function blueLine(session: RoomSession, pattern: RegExp, from = 0): Promise<string> {
  const find = () => session.messagesOfTheDay.slice(from).find((l) => pattern.test(l));
  await session.waitFor(() => find() !== undefined, 5_000, `a blue line matching ${pattern}`);
  return find() as string;
}

/** Runs a command and returns the blue lines it answered with (they arrive together). */
async function command(p: Player, text: string, target?: number): Promise<string[]> {
  const from = p.session.messagesOfTheDay.length;
  if (target === undefined) p.session.chat(text);
  else p.session.whisper(target, text, false);
  await p.session.waitFor(() => p.session.messagesOfTheDay.length > from, 5_000, `an answer to ${text}`);
  await p.session.quiet(100, 1_000);
  return p.session.messagesOfTheDay.slice(from);
}

async function auditRows(query: string): Promise<Record<string, unknown>[]> {
  const res = await stack.admin("GET", `/admin/audit?${query}`);
  return ((await res.json()) as { entries: Record<string, unknown>[] }).entries;
}

async function refusal(promise: Promise<unknown>): Promise<ServerRefusal> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ServerRefusal);
  return err as ServerRefusal;
}

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe("kicks", () => {
  it("GoS: a moderator's .kick (as a private message) sends 21 with the reason, the room sees the player leave, the audit row exists", async () => {
    const mod = await member("mod", { adminLevel: 1 });
    const target = await member("kickee");
    const watcher = await member("watch");
    await mod.session.waitForPlayer(watcher.userId);

    const answer = await command(mod, ".kick stop spamming", target.userId);
    expect(answer).toEqual([`${target.session.nick} was kicked.`]);
    await target.session.client.closed;
    expect(target.session.kickedReason).toBe("stop spamming");
    await watcher.session.waitForPlayerGone(target.userId);

    const rows = await auditRows(`action=kick&target=user:${target.userId}`);
    expect(rows).toEqual([
      expect.objectContaining({
        actor: `user:${mod.userId}`,
        reason: "stop spamming",
        roomId: 0,
        actorAddress: "127.0.0.1",
      }),
    ]);
    await Promise.all([mod.session.leave(), watcher.session.leave()]);
  });

  it("Bungie-era: the chat header's selected player is the target", async () => {
    const mod = await member("bmod", { adminLevel: 1, dialect: "myth2-legacy" });
    const target = await member("bkick", { dialect: "myth2-legacy" });
    await mod.session.waitForPlayer(target.userId);
    mod.session.chat(".kick bye", { selectedPlayerId: target.userId });
    await target.session.client.closed;
    expect(target.session.kickedReason).toBe("bye");
    await mod.session.leave();
  });

  it("Aleph One: a moderator kicks the player selected in the list; the others see them leave", async () => {
    const mod = await member("amod", { adminLevel: 1, dialect: "marathon" });
    const target = await member("akick", { dialect: "marathon" });
    const watcher = await member("awatch", { dialect: "marathon" });
    await mod.session.waitForPlayer(target.userId);
    mod.session.chat(".kick lag switch", { selectedPlayerId: target.userId });
    await target.session.client.closed;
    expect(target.session.kickedReason).toBe("lag switch");
    await watcher.session.waitForPlayerGone(target.userId);
    await Promise.all([mod.session.leave(), watcher.session.leave()]);
  });

  it("a player's .kick is refused and the target stays", async () => {
    const player = await member("pleb");
    const other = await member("other");
    expect(await command(player, ".kick", other.userId)).toEqual(["Only moderators may use '.kick'."]);
    expect(other.session.client.isOpen).toBe(true);
    await Promise.all([player.session.leave(), other.session.leave()]);
  });

  it("the admin API lists a player online and kicks them wherever they are", async () => {
    const target = await member("apikick", { roomId: 1, dialect: "myth2-legacy" });
    const online = (await (await stack.admin("GET", "/admin/online")).json()) as { players: Record<string, unknown>[] };
    expect(online.players.find((p) => p.userId === target.userId)).toMatchObject({
      roomId: 1,
      family: "bungie",
      dialect: "myth2-legacy",
      address: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      since: expect.any(Number),
    });
    const res = await stack.admin("POST", `/admin/sessions/${target.userId}/kick`, { reason: "maintenance" });
    expect(res.status).toBe(200);
    await target.session.client.closed;
    expect(target.session.kickedReason).toBe("maintenance");
  });
});

describe("bans", () => {
  it(".ban by dot command kicks the player, and their next login gets code 14 with the reason and the expiry", async () => {
    const admin = await member("admin", { adminLevel: 2 });
    const target = await member("cheat");
    const answer = await command(admin, ".ban 3 wallhack", target.userId);
    expect(answer[0]).toMatch(/banned\. Banned until \d{4}-\d\d-\d\d \d\d:\d\d UTC: wallhack$/);
    await target.session.client.closed;
    expect(target.session.kickedReason).toMatch(/wallhack/);

    const err = await refusal(loginAs(stack, { user: target.account.user, password: target.account.password }));
    expect(err.code).toBe(14);
    expect(err.text).toMatch(/^Banned until \d{4}-\d\d-\d\d \d\d:\d\d UTC: wallhack$/);
    const expiry = Date.parse(`${/until (\S+ \S+) UTC/.exec(err.text)?.[1]?.replace(" ", "T")}Z`);
    expect(Math.abs(expiry - (Date.now() + 3 * 86_400_000))).toBeLessThan(120_000);

    // An older client family hears the same.
    const legacy = await refusal(
      loginAs(stack, { user: target.account.user, password: target.account.password, dialect: "myth2-legacy" }),
    );
    expect(legacy.code).toBe(14);
    expect(await auditRows(`action=ban.create&actor=user:${admin.userId}`)).toHaveLength(1);

    expect(await command(admin, `.unban ${target.account.user}`)).toEqual([
      `'${target.account.user}' is no longer banned.`,
    ]);
    const back = await loginAs(stack, { user: target.account.user, password: target.account.password });
    expect(back.userId).toBe(target.userId);
    await admin.session.leave();
  });

  it("a ban through the admin API disconnects a player already in a room", async () => {
    const target = await member("apiban", { roomId: 1 });
    const res = await stack.admin("POST", "/admin/bans", { kind: "account", userId: target.userId, reason: "abuse" });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ kicked: 1 });
    await target.session.client.closed;
    expect(target.session.kickedReason).toBe("Banned permanently: abuse");
  });

  it("an address ban refuses a guest from that address, and not one from elsewhere", async () => {
    const res = await stack.admin("POST", "/admin/bans", { kind: "address", address: "127.0.0.77", reason: "botnet" });
    expect(res.status).toBe(201);
    const err = await refusal(loginAs(stack, { user: "", nick: "Drifter", localAddress: "127.0.0.77" }));
    expect(err.code).toBe(14);
    expect(err.text).toBe("Banned permanently: botnet");
    const elsewhere = await loginAs(stack, { user: "", nick: "Drifter", localAddress: "127.0.0.78" });
    expect(elsewhere.userId).toBeGreaterThan(0);
  });

  it(".banip bans the selected player's address: they are kicked and a guest from it is refused; lifting it lets them in", async () => {
    const admin = await member("ipadmin", { adminLevel: 2 });
    const a = await account("ipplayer");
    const target = await joinAs(stack, { ...a, nick: a.user, localAddress: "127.0.0.91" });
    const answer = await command(admin, ".banip 1 proxy abuse", target.userId);
    expect(answer[0]).toMatch(/address banned\. Banned until .* UTC: proxy abuse$/);
    await target.session.client.closed;
    const err = await refusal(loginAs(stack, { user: "", nick: "Other", localAddress: "127.0.0.91" }));
    expect(err.code).toBe(14);
    const bans = (await (await stack.admin("GET", "/admin/bans?active=true")).json()) as {
      bans: { id: number; address: string | null }[];
    };
    const ban = bans.bans.find((b) => b.address === "127.0.0.91");
    expect(ban).toBeDefined();
    expect((await stack.admin("DELETE", `/admin/bans/${ban?.id}`)).status).toBe(200);
    expect((await loginAs(stack, { user: "", nick: "Other", localAddress: "127.0.0.91" })).userId).toBeGreaterThan(0);
    await admin.session.leave();
  });

  it("disabling an account through the admin API ends its session and refuses its logins", async () => {
    const target = await member("disabled");
    const res = await stack.admin("PATCH", `/admin/users/${target.userId}`, { disabled: true });
    expect(res.status).toBe(200);
    await target.session.client.closed;
    expect(target.session.kickedReason).toBe("This account is disabled.");
    const err = await refusal(loginAs(stack, { user: target.account.user, password: target.account.password }));
    expect(err.code).toBe(14);
    expect(err.text).toBe("This account is disabled.");
  });

  it("an expired ban no longer applies", async () => {
    const a = await account("brief");
    await stack.admin("POST", "/admin/bans", { kind: "account", userId: a.id, durationSeconds: 1 });
    expect((await refusal(loginAs(stack, { user: a.user, password: a.password }))).code).toBe(14);
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await loginAs(stack, { user: a.user, password: a.password })).userId).toBe(a.id);
  });
});

describe("gags, help, who", () => {
  it("a gag drops the player's chat and tells them until when", async () => {
    const mod = await member("gagger", { adminLevel: 1 });
    const loud = await member("loud");
    await mod.session.waitForPlayer(loud.userId);
    await command(mod, `.gag ${loud.account.user} 5 too loud`);
    await blueLine(loud.session, /^You are gagged until .* UTC: too loud$/);

    const from = loud.session.messagesOfTheDay.length;
    loud.session.chat("can anyone hear me");
    await blueLine(loud.session, /^You are gagged until/, from);
    mod.session.chat("marker");
    expect((await mod.session.nextChat()).text).toBe("marker");
    expect(loud.session.client.peek().some((m) => m.type === 200 && m.text === "can anyone hear me")).toBe(false);
    await Promise.all([mod.session.leave(), loud.session.leave()]);
  });

  it(".help lists staff commands to an admin and not to a player", async () => {
    const admin = await member("helpadmin", { adminLevel: 2 });
    const player = await member("helpplayer");
    const forAdmin = (await command(admin, ".help")).join("\n");
    const forPlayer = (await command(player, ".help")).join("\n");
    expect(forAdmin).toContain(".ban");
    expect(forAdmin).toContain(".kick");
    expect(forPlayer).toContain(".who");
    expect(forPlayer).not.toContain(".kick");
    expect(await command(player, ".nosuch")).toEqual(["Unknown command '.nosuch'."]);
    await Promise.all([admin.session.leave(), player.session.leave()]);
  });

  it(".who lists the players of other rooms of this game and counts the other games", async () => {
    const here = await member("whohere", { roomId: 0 });
    const there = await member("whothere", { roomId: 1 });
    const tfl = await member("whotfl", { dialect: "myth1" });
    const lines = await command(here, ".who");
    expect(lines.find((l) => l.startsWith("Unranked (films)"))).toContain(there.account.user);
    expect(lines.find((l) => l.startsWith("Unranked ("))).toBeDefined();
    expect(lines.at(-1)).toMatch(/^Other games: .*myth1 1/);
    await Promise.all([here.session.leave(), there.session.leave(), tfl.session.leave()]);
  });
});

describe("mute and block", () => {
  it("persist across logins: a muted player's chat stays hidden, a blocked one cannot whisper", async () => {
    const me = await member("quiet");
    const noisy = await member("noisy");
    const pest = await member("pest");
    await me.session.waitForPlayer(pest.userId);
    expect(await command(me, `.mute ${noisy.account.user}`)).toEqual([
      `You no longer see ${noisy.account.user}'s chat.`,
    ]);
    expect(await command(me, `.block ${pest.account.user}`)).toEqual([
      `${pest.account.user} can no longer send you private messages.`,
    ]);
    await me.session.leave();

    // A new login, a new room connection: the lists come from D1.
    const again = await joinAs(stack, { user: me.account.user, password: me.account.password, nick: me.account.user });
    await again.session.waitForPlayer(noisy.userId);
    noisy.session.chat("LOUD NOISES");
    pest.session.chat("visible");
    expect((await again.session.nextChat()).text).toBe("visible");
    expect(again.session.client.peek().some((m) => m.type === 200 && m.text === "LOUD NOISES")).toBe(false);

    const from = pest.session.messagesOfTheDay.length;
    pest.session.whisper(again.userId, "psst", false);
    expect(await blueLine(pest.session, /does not accept your private messages/, from)).toBe(
      `${again.session.nick} does not accept your private messages.`,
    );
    expect(await command(again, ".mutelist")).toEqual([`Muted: ${noisy.account.user}`]);
    expect(await command(again, ".blocklist")).toEqual([`Blocked: ${pest.account.user}`]);
    await Promise.all([again.session.leave(), noisy.session.leave(), pest.session.leave()]);
  });
});
