/**
 * The ChatLimiter object in workerd (issue 10, finding 1): one address's chat budget across all
 * rooms, handed out as leases; two rooms asking for the same address share one bucket.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LEASE_RETRY_MIN_MS } from "../../durable-objects/chat-limiter.ts";
import { chatLimiterStub } from "../../edge/objects.ts";

const rate = { perSecond: 0.001, burst: 12 };

describe("ChatLimiter", () => {
  it("grants leases from one bucket per address, then refuses with a retry time", async () => {
    const roomA = chatLimiterStub(env, "192.0.2.77:5000");
    const roomB = chatLimiterStub(env, "192.0.2.77:6000");
    expect(await roomA.lease(5, rate)).toEqual({ granted: 5, retryAfterMs: 0 });
    expect(await roomB.lease(5, rate)).toEqual({ granted: 5, retryAfterMs: 0 });
    expect(await roomA.lease(5, rate)).toEqual({ granted: 2, retryAfterMs: 0 });
    const refused = await roomB.lease(5, rate);
    expect(refused.granted).toBe(0);
    expect(refused.retryAfterMs).toBeGreaterThanOrEqual(LEASE_RETRY_MIN_MS);
    // Another address has its own bucket.
    expect(await chatLimiterStub(env, "192.0.2.78:5000").lease(5, rate)).toEqual({ granted: 5, retryAfterMs: 0 });
  });
});
