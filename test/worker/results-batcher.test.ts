/**
 * The Results object's write batcher in workerd against the real local D1: writes of callers
 * that arrive together land together, each caller gets its own results once they are stored,
 * and one bad write fails only its own caller.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { D1Batcher } from "../../durable-objects/results/batcher.ts";

describe("D1Batcher", () => {
  it("stores every caller's writes and answers each with its own rows", async () => {
    await env.DB.exec("CREATE TABLE IF NOT EXISTS batcher_t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    let batches = 0;
    const db = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === "batch") {
          return (s: D1PreparedStatement[]) => {
            batches++;
            return target.batch(s);
          };
        }
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const batcher = new D1Batcher(() => db);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, k) =>
        batcher.run([env.DB.prepare("INSERT INTO batcher_t (k, v) VALUES (?, ?) RETURNING k").bind(k, `v${k}`)]),
      ),
    );
    expect(answers.map((a) => (a[0]?.results[0] as { k: number } | undefined)?.k)).toEqual(
      Array.from({ length: 50 }, (_, k) => k),
    );
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM batcher_t").first<{ n: number }>();
    expect(n?.n).toBe(50);
    // Far fewer round trips than callers: those of one turn share the first batch.
    expect(batches).toBeLessThan(5);
  });

  it("a failing write fails its caller only; the others are stored", async () => {
    await env.DB.exec("CREATE TABLE IF NOT EXISTS batcher_u (k INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    const batcher = new D1Batcher(() => env.DB);
    const insert = (k: number, v: string | null) =>
      batcher.run([env.DB.prepare("INSERT INTO batcher_u (k, v) VALUES (?, ?)").bind(k, v)]);
    const results = await Promise.allSettled([insert(1, "a"), insert(2, null), insert(3, "c")]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const rows = await env.DB.prepare("SELECT k FROM batcher_u ORDER BY k").all<{ k: number }>();
    expect(rows.results.map((r) => r.k)).toEqual([1, 3]);
  });
});
