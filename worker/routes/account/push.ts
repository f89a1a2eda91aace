/**
 * A buddy or order change made on the web page reaches the player's game client (and its order
 * mates') as a fresh 19 / 20 through the Directory, which knows who is online where. The D1 write
 * is already done: the push is best effort, after the answer (waitUntil).
 */
import type { Context } from "hono";
import type { SocialChange } from "../../../durable-objects/directory/presence-notice.ts";
import { directoryStub, tryCall } from "../../../edge/objects.ts";
import type { AppEnv } from "../../context.ts";

export function pushSocialChange(c: Context<AppEnv>, userId: number, change: SocialChange): void {
  c.executionCtx.waitUntil(
    tryCall(`account: social notice for ${userId}`, () => directoryStub(c.env).socialChanged(userId, change)),
  );
}
