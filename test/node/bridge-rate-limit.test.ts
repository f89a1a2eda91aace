import { describe, expect, it } from "vitest";
import { PacketRateLimit } from "../../bridge/rate-limit.ts";

describe("PacketRateLimit", () => {
  it("lets a burst through, then asks for a pause proportional to the debt, and refills over time", () => {
    let now = 0;
    const limit = new PacketRateLimit(10, 5, () => now);
    expect(limit.take(5)).toBe(0);
    expect(limit.take(3)).toBe(300); // 3 packets of debt at 10/s
    now += 300;
    expect(limit.take(0)).toBe(0);
    now += 10_000; // refills to the burst, not beyond
    expect(limit.take(5)).toBe(0);
    expect(limit.take(1)).toBe(100);
  });
});
