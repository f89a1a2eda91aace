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
});
