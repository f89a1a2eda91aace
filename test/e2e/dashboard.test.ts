/**
 * The staff dashboard in a real browser: Debian's headless Chromium driven by playwright-core,
 * against the real local stack (workerd edge + TCP bridge). A staff member signs in, sees a
 * player a legacy client put into a room through the bridge (the name is markup and must show
 * as text), kicks them (the client gets 21 and is disconnected), bans them (their next login is
 * refused), finds both in the audit log, and lifts the ban from the bans page (they log in
 * again), and gags a player from the room page (the client is told). The screenshots in
 * docs/screenshots/ come from here.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../scripts/local-stack.ts";
import { launchChromium, submitSignIn } from "./browser.ts";
import { joinAs, loginAs, startTestStack } from "./stack.ts";

/**
 * The screenshots in docs/ are refreshed with UPDATE_SCREENSHOTS=1; otherwise they go to a
 * temporary folder, so a test run leaves the checkout clean (they change with every run).
 */
const SHOTS =
  process.env.UPDATE_SCREENSHOTS === "1"
    ? fileURLToPath(new URL("../../docs/screenshots/", import.meta.url))
    : `${mkdtempSync(join(tmpdir(), "dashboard-shots-"))}/`;
/** A player name that is markup: the page must show it, never run it. */
const HOSTILE_NICK = "<script>boo</script>";

let stack: LocalStack;
let browser: Browser;

beforeAll(async () => {
  stack = await startTestStack();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (process.env.UPDATE_SCREENSHOTS !== "1") rmSync(SHOTS, { recursive: true, force: true });
});

async function staffAccount(name: string, password: string): Promise<number> {
  const id = await stack.createUser(name, password);
  const res = await stack.admin("PATCH", `/admin/users/${id}`, { adminLevel: 1 });
  expect(res.status).toBe(200);
  return id;
}

async function signIn(page: Page, name: string, password: string): Promise<void> {
  await page.goto(`${stack.httpUrl}/admin/`);
  expect(new URL(page.url()).pathname).toBe("/admin/signin");
  await submitSignIn(page, name, password, `${stack.httpUrl}/admin/`);
}

describe("staff dashboard (headless Chromium)", () => {
  it("refuses a non-staff account and a wrong password, with the reason on the page", async () => {
    await stack.createUser("plainuser", "pw-plain");
    const page = await browser.newPage();
    await page.goto(`${stack.httpUrl}/admin/signin`);
    await page.fill("input[name=username]", "plainuser");
    await page.fill("input[name=password]", "pw-plain");
    await page.click("button:has-text('Sign in')");
    await expect.poll(() => page.textContent("[role=alert]")).toContain("not staff");
    await page.fill("input[name=username]", "plainuser");
    await page.fill("input[name=password]", "wrong");
    await page.click("button:has-text('Sign in')");
    await expect.poll(() => page.textContent("[role=alert]")).toContain("Wrong name or password");
    // Still signed out: the dashboard sends us back to the form.
    await page.goto(`${stack.httpUrl}/admin/`);
    expect(new URL(page.url()).pathname).toBe("/admin/signin");
    await page.close();
  });

  it("signs in, sees a bridged player live, kicks and bans them, and finds both in the audit log", async () => {
    await staffAccount("warden", "pw-warden");
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.accept();
    });
    await signIn(page, "warden", "pw-warden");
    const cookie = (await page.context().cookies()).find((c) => c.name === "myth_session");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict" });

    // The player arrives after the page is open: the overview updates by itself.
    expect(await page.textContent("[data-testid=players-online]")).toBe("0");
    await stack.createUser("mallory", "pw-mallory");
    const player = await joinAs(stack, { user: "mallory", password: "pw-mallory", nick: HOSTILE_NICK });
    await expect.poll(() => page.textContent("[data-testid=players-online]"), { timeout: 15_000 }).toBe("1");
    expect(await page.locator("svg[role=img]").getAttribute("aria-label")).toContain("Logins per minute");
    await page.screenshot({ path: `${SHOTS}overview.png`, fullPage: true });

    // The room page: the name shows as text, nothing ran.
    await page.click("a:has-text('Unranked')");
    await page.waitForSelector(`tr[data-player="${player.userId}"]`);
    const row = page.locator(`tr[data-player="${player.userId}"]`);
    expect(await row.locator("td").first().textContent()).toContain(HOSTILE_NICK);
    expect(await row.textContent()).toContain("myth2 build");
    await page.screenshot({ path: `${SHOTS}room.png`, fullPage: true });

    // A message to the room reaches the player as a blue-bar line.
    await page.fill("input[name=text]", "Hello from staff");
    await Promise.all([page.waitForURL(/done=Sent/), page.click("button:has-text('Send')")]);
    await player.session.waitFor(
      () => player.session.messagesOfTheDay.includes("Hello from staff"),
      10_000,
      "the message",
    );
    await page.waitForSelector(`tr[data-player="${player.userId}"]`);

    // Kick: the legacy client gets 21 with the reason and its connection closes.
    await row.locator("input[name=reason]").fill("Spamming the lobby");
    await Promise.all([page.waitForURL(/done=/), row.locator("button[name=kick]").click()]);
    await player.session.client.closed;
    expect(player.session.kickedReason).toBe("Spamming the lobby");
    expect(dialogs[0]).toContain(HOSTILE_NICK);
    expect(await page.textContent("[role=status]")).toContain(`Kicked user ${player.userId}`);
    await expect.poll(() => page.locator(`tr[data-player="${player.userId}"]`).count(), { timeout: 10_000 }).toBe(0);

    // Ban from the user page; the next game login is refused.
    await page.goto(`${stack.httpUrl}/admin/dashboard/users?q=mall`);
    await Promise.all([page.waitForURL(/users\/\d+$/), page.click("a:has-text('mallory')")]);
    await page.fill("input[name=reason]", "Repeated spam");
    await Promise.all([page.waitForURL(/done=Banned/), page.click("button[name=ban]")]);
    expect(await page.textContent("[data-testid=ban-state]")).toContain("Repeated spam");
    await page.screenshot({ path: `${SHOTS}user.png`, fullPage: true });
    await expect(loginAs(stack, { user: "mallory", password: "pw-mallory" })).rejects.toThrow();
    await page.click("header a:has-text('Bans')");
    expect(await page.textContent("main table")).toContain("Repeated spam");
    // The ban is issue 11's: the admin API lists it, made by the staff member.
    const listed = await (await stack.admin("GET", `/admin/bans?active=true&userId=${player.userId}`)).json();
    expect(listed).toMatchObject({ bans: [{ kind: "account", reason: "Repeated spam", createdBy: "staff:warden" }] });
    await page.click("header a:has-text('Games')");
    expect(await page.textContent("main")).toContain("No game is open");

    // Both actions in the audit log, under the staff member's name.
    await page.goto(`${stack.httpUrl}/admin/dashboard/audit?actor=staff:warden`);
    const audit = (await page.textContent("[data-testid=audit]")) ?? "";
    expect(audit).toContain("kick");
    expect(audit).toContain("ban.create");
    expect(audit).toContain("Spamming the lobby");
    await page.screenshot({ path: `${SHOTS}audit.png`, fullPage: true });

    // Lift the ban from the bans page: the player logs in again, and the lift is audited.
    await page.goto(`${stack.httpUrl}/admin/dashboard/bans`);
    await Promise.all([page.waitForURL(/done=Ban%20lifted/), page.click("[data-testid=bans] button[name=lift]")]);
    expect(await page.textContent("main")).toContain("Nobody is banned");
    const back = await loginAs(stack, { user: "mallory", password: "pw-mallory" });
    expect(back.userId).toBe(player.userId);
    await page.goto(`${stack.httpUrl}/admin/dashboard/audit?action=ban.`);
    const bans = (await page.textContent("[data-testid=audit]")) ?? "";
    expect(bans).toContain("ban.lift");
    expect(bans).toContain("ban.create");

    // Room settings from the dashboard take effect at once: lock the room, a player is refused.
    await page.goto(`${stack.httpUrl}/admin/dashboard/rooms/0`);
    await page.check("input[name=locked]");
    await Promise.all([page.waitForURL(/done=Settings/), page.click("button:has-text('Save')")]);
    expect(await page.textContent("main p.note")).toContain("locked");
    await stack.createUser("latecomer", "pw-late");
    await expect(joinAs(stack, { user: "latecomer", password: "pw-late" })).rejects.toThrow();
    await page.uncheck("input[name=locked]");
    await Promise.all([page.waitForURL(/done=Settings/), page.click("button:has-text('Save')")]);

    // Readable on a phone: nothing wider than the screen but the scrolling tables.
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${stack.httpUrl}/admin/`);
    const width = await page.evaluate<number>("document.documentElement.scrollWidth");
    expect(width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${SHOTS}overview-phone.png`, fullPage: true });
    await page.close();
  });

  it("gags a bridged player from the room page: the legacy client is told, the gag is audited", async () => {
    await staffAccount("gagger", "pw-gagger");
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    page.on("dialog", (d) => void d.accept());
    await signIn(page, "gagger", "pw-gagger");
    await stack.createUser("shouter", "pw-shouter");
    const player = await joinAs(stack, { user: "shouter", password: "pw-shouter" });
    await page.goto(`${stack.httpUrl}/admin/dashboard/rooms/0`);
    const row = page.locator(`tr[data-player="${player.userId}"]`);
    await row.waitFor();
    await row.locator("input[name=minutes]").fill("3");
    await Promise.all([page.waitForURL(/done=Gagged/), row.locator("button[name=gag]").click()]);
    expect(await page.textContent("[role=status]")).toContain(`Gagged user ${player.userId} for 3 min`);
    await player.session.waitFor(
      () => player.session.messagesOfTheDay.some((m) => m.startsWith("You are gagged until")),
      10_000,
      "the gag notice",
    );
    await page.goto(`${stack.httpUrl}/admin/dashboard/audit?action=gag&actor=staff:gagger`);
    expect(await page.textContent("[data-testid=audit]")).toContain(`user:${player.userId}`);
    await player.session.leave();
    await page.close();
  });

  it("refuses a dashboard form without the CSRF token", async () => {
    await staffAccount("warden2", "pw-warden2");
    const page = await browser.newPage();
    await signIn(page, "warden2", "pw-warden2");
    const status = await page.evaluate(async () => {
      const res = await fetch("/admin/dashboard/rooms/0/message", {
        method: "POST",
        body: new URLSearchParams({ text: "forged" }),
      });
      return res.status;
    });
    expect(status).toBe(403);
    await page.close();
  });
});
