/**
 * The browser of the web tests (dashboard, player account): Debian's headless Chromium driven by
 * playwright-core, and the sign-in form both sites share (worker/web/session.ts).
 */
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
}

/** Fills the sign-in form the page shows and waits until the site lands on `landing` (a full URL). */
export async function submitSignIn(page: Page, name: string, password: string, landing: string): Promise<void> {
  await page.fill("input[name=username]", name);
  await page.fill("input[name=password]", password);
  await Promise.all([page.waitForURL(landing), page.click("button:has-text('Sign in')")]);
}
