/**
 * Chat floods through the real bridge into local workerd, with the default chat budgets
 * (issue 10, finding 1): a flooder among 30 players is warned, muted and kicked (21) while
 * everyone's honest chat still arrives (the mute and the kick are in the audit log); a whisper
 * bomb leaves its victim connected.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KICK_REASON, muteText, WARN_TEXT } from "../../durable-objects/room/chat-guard.ts";
import type { LocalStack } from "../../scripts/local-stack.ts";
import { joinAs, type Player, startTestStack } from "./stack.ts";

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function inBatches<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += limit) out.push(...(await Promise.all(items.slice(i, i + limit).map(fn))));
  return out;
}

/** Every public chat text a player receives from now on. */
function collectChat(p: Player): string[] {
  const texts: string[] = [];
  p.session.client.on("message", ({ message }) => {
    if (message.type === 200) texts.push(message.text);
  });
  return texts;
}

describe("a flooder among 30 players", () => {
  it("is warned, muted and kicked with 21; the 30 others' chat all arrives", async () => {
    const honest = await inBatches(
      Array.from({ length: 30 }, (_, i) => `Honest${i}`),
      8,
      (user) => joinAs(stack, { user, roomId: 1 }),
    );
    const flooder = await joinAs(stack, { user: "Flooder", roomId: 1 });
    const ids = [...honest, flooder].map((p) => p.userId);
    for (const p of honest) await p.session.waitFor(() => ids.every((id) => p.session.players.has(id)), 15_000, "all");
    const heard = honest.map(collectChat);

    // The bridge holds one client to 100 packets/s; 300 lines is three seconds of flood.
    for (let i = 0; i < 300; i++) flooder.session.chat(`flood ${i}`);
    for (const [i, p] of honest.entries()) p.session.chat(`honest ${i}`);

    await flooder.session.client.closed;
    expect(flooder.session.kickedReason).toBe(KICK_REASON);
    expect(flooder.session.messagesOfTheDay).toEqual(expect.arrayContaining([WARN_TEXT, muteText(30)]));
    // The mute and the kick are the system's rows in the audit log; the dropped lines are not rows.
    await expect
      .poll(async () => {
        const res = await stack.admin("GET", "/admin/audit?actor=system&limit=50");
        const page = (await res.json()) as { entries: { action: string; roomId: number | null }[] };
        return page.entries.filter((e) => e.roomId === 1).map((e) => e.action);
      })
      .toEqual(["limit.chat_kick", "limit.chat_mute"]);
    for (const [i, p] of honest.entries()) {
      await p.session.waitFor(
        () => honest.every((_, j) => heard[i]?.includes(`honest ${j}`)),
        15_000,
        "every honest line",
      );
      // At most the flooder's burst got through.
      expect(heard[i]?.filter((t) => t.startsWith("flood")).length).toBeLessThanOrEqual(20);
      expect(p.session.client.isOpen).toBe(true);
    }
    await Promise.all(honest.map((p) => p.session.leave()));
  });
});

describe("a whisper bomb", () => {
  it("leaves the victim connected and able to chat; the bomber is cut off", async () => {
    const victim = await joinAs(stack, { user: "Victim", roomId: 0 });
    const bystander = await joinAs(stack, { user: "Bystander", roomId: 0 });
    const bomber = await joinAs(stack, { user: "Bomber", roomId: 0 });
    await victim.session.waitForPlayer(bomber.userId);
    let whispers = 0;
    victim.session.client.on("message", ({ message }) => {
      if (message.type === 201) whispers++;
    });
    for (let i = 0; i < 2500; i++) bomber.session.whisper(victim.userId, `bomb ${i}`, false);
    await bomber.session.client.closed;
    expect(bomber.session.kickedReason).toBe(KICK_REASON);
    expect(whispers).toBeLessThanOrEqual(20);
    expect(victim.session.client.isOpen).toBe(true);
    victim.session.chat("still here");
    expect(await bystander.session.nextChat(5_000)).toMatchObject({ text: "still here" });
    await Promise.all([victim.session.leave(), bystander.session.leave()]);
  });
});
