/**
 * Public pages are cached for a few seconds at the edge (the Cache API, keyed by URL) and by
 * browsers (max-age), so a page that many people refresh costs the directory and the rooms one
 * read per few seconds, not one per visitor.
 */
import type { Context } from "hono";
import type { AppEnv } from "../../context.ts";

export const PUBLIC_CACHE_SECONDS = 5;

export async function cachedPublic(c: Context<AppEnv>, build: () => Promise<Response>): Promise<Response> {
  const cache = typeof caches === "undefined" ? undefined : (caches as unknown as { default?: Cache }).default;
  const key = new Request(new URL(c.req.url).toString(), { method: "GET" });
  const hit = await cache?.match(key);
  if (hit) return hit;
  const res = await build();
  if (res.status !== 200) return res;
  const stored = new Response(res.body, res);
  stored.headers.set("Cache-Control", `public, max-age=${PUBLIC_CACHE_SECONDS}`);
  stored.headers.set("Access-Control-Allow-Origin", "*");
  const copy = stored.clone();
  try {
    c.executionCtx.waitUntil(cache?.put(key, copy) ?? Promise.resolve());
  } catch {
    // No execution context (app.request in a unit test): nothing to keep.
  }
  return stored;
}
