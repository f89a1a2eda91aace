/**
 * The player web account in a real browser (headless Chromium, test/e2e/browser.ts) against the
 * real local stack: a player signs in, changes the profile and sees it in player_info (17) from
 * a game client through the bridge; creates a game password (shown once), logs in with it,
 * revokes it, and the next login with it is refused with code 3; three accounts form an order
 * on the web page and see each other in 20 and 16. The markup a player types is shown as text.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServerRefusal } from "../../client/flows.ts";
import { MessageType } from "../../protocol/message-types.ts";
import type { Message } from "../../protocol/messages.ts";
import type { LocalStack } from "../../scripts/local-stack.ts";
import { launchChromium, submitSignIn } from "./browser.ts";
import { joinAs, loginAs, startTestStack } from "./stack.ts";

let stack: LocalStack;
let browser: Browser;

beforeAll(async () => {
  stack = await startTestStack();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function signIn(page: Page, name: string, password: string): Promise<void> {
  await page.goto(`${stack.httpUrl}/account/`);
  expect(new URL(page.url()).pathname).toBe("/account/signin");
  await submitSignIn(page, name, password, `${stack.httpUrl}/account/`);
}

describe("player web account (headless Chromium)", () => {
  it("signs in, edits the profile, and a game client sees it in player_info", async () => {
    const userId = await stack.createUser("Wanderer", "pw-wander");
    const player = await joinAs(stack, { user: "wanderer", password: "pw-wander" });
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } }); // a phone
    await signIn(page, "wanderer", "pw-wander");
    const cookie = (await page.context().cookies()).find((c) => c.name === "myth_session");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict" });

    await page.fill("input[name=city]", "Madrigal");
    await page.fill("input[name=state]", "Cloudspine");
    await page.fill("input[name=country]", "<i>The Wild</i>");
    await page.fill("textarea[name=quote]", "Bring the dwarves.");
    await Promise.all([page.waitForURL(/done=/), page.click("button:has-text('Save profile')")]);
    expect(await page.textContent("[role=status]")).toBe("Profile saved.");
    // Shown back as typed, as text (no <i> element on the page).
    expect(await page.inputValue("input[name=country]")).toBe("<i>The Wild</i>");
    expect(await page.locator("main i").count()).toBe(0);

    const info = player.session.client.next(MessageType.PlayerInfo, 5_000);
    player.session.client.send({ type: MessageType.PlayerInfoQuery, userId } as Message);
    expect(await info).toMatchObject({
      city: "Madrigal",
      state: "Cloudspine",
      country: "<i>The Wild</i>",
      quote: "Bring the dwarves.",
    });
    await player.session.leave();
    await page.close();
  });

  it("three accounts form an order on the web page; a member joining a room is seen in 20 and 16", async () => {
    const names = ["raven1", "raven2", "raven3"];
    const ids: number[] = [];
    for (const n of names) ids.push(await stack.createUser(n, `pw-${n}`));
    const contexts = await Promise.all(names.map(() => browser.newContext()));
    const pages = await Promise.all(contexts.map((ctx) => ctx.newPage()));
    for (const [i, page] of pages.entries()) await signIn(page, names[i] as string, `pw-${names[i]}`);

    const [founder, ...joiners] = pages as [Page, Page, Page];
    await founder.goto(`${stack.httpUrl}/account/order`);
    const create = "form[action='/account/order/create']";
    await founder.fill(`${create} input[name=name]`, "Ravens");
    await founder.fill(`${create} input[name=motto]`, "Nevermore");
    await founder.fill(`${create} input[name=memberPassword]`, "croak");
    await founder.fill(`${create} input[name=maintenancePassword]`, "keep");
    await Promise.all([founder.waitForURL(/done=/), founder.click("button:has-text('Found the order')")]);
    expect(await founder.textContent("[data-testid=order-name]")).toBe("Ravens");
    for (const page of joiners) {
      await page.goto(`${stack.httpUrl}/account/order`);
      const join = "form[action='/account/order/join']";
      await page.fill(`${join} input[name=name]`, "ravens");
      await page.fill(`${join} input[name=password]`, "croak");
      await Promise.all([page.waitForURL(/done=/), page.click("button:has-text('Join')")]);
      expect(await page.textContent("[data-testid=order-name]")).toBe("Ravens");
    }

    const [x, y] = [
      await joinAs(stack, { user: "raven1", password: "pw-raven1" }),
      await joinAs(stack, { user: "raven2", password: "pw-raven2" }),
    ];
    const z = await joinAs(stack, { user: "raven3", password: "pw-raven3" });
    for (const p of [x, y]) {
      const list = (await p.session.client.next(
        (m) =>
          m.type === MessageType.UpdateOrderMemberList && m.members.some((e) => e.playerId === z.userId && e.online),
        10_000,
      )) as Extract<Message, { type: 20 }>;
      expect(list.members.map((e) => e.playerId).sort()).toEqual([...ids].sort());
    }
    x.session.client.send({ type: MessageType.OrderQuery } as Message);
    const online = await x.session.client.next(MessageType.OrderList, 10_000);
    expect(online.results.map((r) => r.aux.playerId).sort()).toEqual([...ids].sort());
    for (const p of [x, y, z]) await p.session.leave();
    for (const ctx of contexts) await ctx.close();
  });

  it("creates a game password, logs in with it, revokes it: the next login is refused with code 3", async () => {
    const userId = await stack.createUser("Gamer", "pw-gamer");
    const page = await browser.newPage();
    await signIn(page, "gamer", "pw-gamer");
    await page.click("a:has-text('Game passwords')");
    await page.fill("input[name=label]", "laptop");
    await page.click("button:has-text('Create a game password')");
    const password = (await page.textContent("[data-testid=new-game-password]")) ?? "";
    expect(password).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(await page.textContent("[data-testid=game-passwords]")).toContain("laptop");

    expect((await loginAs(stack, { user: "gamer", password })).userId).toBe(userId);
    // Shown once: a fresh visit lists it but never shows it again.
    await page.goto(`${stack.httpUrl}/account/game-passwords`);
    expect(await page.locator("[data-testid=new-game-password]").count()).toBe(0);
    expect(await page.content()).not.toContain(password);

    await Promise.all([page.waitForURL(/done=/), page.click("button:has-text('Revoke')")]);
    expect(await page.textContent("[data-testid=game-passwords]")).toContain("revoked");
    const refused = await loginAs(stack, { user: "gamer", password }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ServerRefusal);
    expect((refused as ServerRefusal).code).toBe(3);
    // The account password still works, and both changes are in the audit log under the player.
    expect((await loginAs(stack, { user: "gamer", password: "pw-gamer" })).userId).toBe(userId);
    const audit = await stack.admin("GET", `/admin/audit?actor=user:${userId}`);
    const { entries } = (await audit.json()) as { entries: { action: string }[] };
    const actions = entries.map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(["account.game-password.create", "account.game-password.revoke"]));
    await page.close();
  });
  it("a buddy or order change on the web page reaches the online game client (19 / 20) and its order mates", async () => {
    const [mageId, palId, elderId] = [
      await stack.createUser("Webmage", "pw-webmage"),
      await stack.createUser("Webpal", "pw-webpal"),
      await stack.createUser("Webelder", "pw-webelder"),
    ];
    const created = await stack.admin("POST", "/admin/orders", {
      name: "Owls",
      founderId: elderId,
      memberPassword: "hoot",
      maintenancePassword: "keep",
    });
    expect(created.status).toBe(201);
    const mage = await joinAs(stack, { user: "webmage", password: "pw-webmage" });
    const elder = await joinAs(stack, { user: "webelder", password: "pw-webelder" });
    type List = Extract<Message, { type: 19 | 20 }>;
    const next = (p: typeof mage, type: 19 | 20, check: (m: List) => boolean) =>
      p.session.client.next((m) => m.type === type && check(m as List), 10_000) as Promise<List>;
    const buddyIds = (m: List) => ("buddies" in m ? m.buddies.map((b) => b.playerId).filter((id) => id !== 0) : []);
    const memberIds = (m: List) => ("members" in m ? m.members.map((e) => e.playerId).sort() : []);
    // The elder's own list at its join (alone) is taken first, so later waits see only pushes.
    expect(memberIds(await next(elder, 20, () => true))).toEqual([elderId]);

    const page = await browser.newPage();
    await signIn(page, "webmage", "pw-webmage");
    await page.goto(`${stack.httpUrl}/account/buddies`);
    const buddy = next(mage, 19, (m) => buddyIds(m).includes(palId));
    await page.fill("input[name=name]", "webpal");
    await Promise.all([page.waitForURL(/done=/), page.click("button:has-text('Add buddy')")]);
    expect(buddyIds(await buddy)).toEqual([palId]);

    await page.goto(`${stack.httpUrl}/account/order`);
    const mine = next(mage, 20, (m) => memberIds(m).includes(mageId));
    const mates = next(elder, 20, (m) => memberIds(m).includes(mageId));
    const join = "form[action='/account/order/join']";
    await page.fill(`${join} input[name=name]`, "owls");
    await page.fill(`${join} input[name=password]`, "hoot");
    await Promise.all([page.waitForURL(/done=/), page.click("button:has-text('Join')")]);
    const sorted = [mageId, elderId].sort();
    expect(memberIds(await mine)).toEqual(sorted);
    expect(memberIds(await mates)).toEqual(sorted);

    const emptied = next(mage, 20, (m) => memberIds(m).length === 0);
    const without = next(elder, 20, (m) => !memberIds(m).includes(mageId));
    await Promise.all([page.waitForURL(/done=/), page.click("button:has-text('Leave')")]);
    await emptied;
    expect(memberIds(await without)).toEqual([elderId]);
    for (const p of [mage, elder]) await p.session.leave();
    await page.close();
  });
});
