import { describe, expect, it } from "vitest";
import { OutboundMeter } from "../../durable-objects/room/outbound-meter.ts";

describe("outbound meter per bridge socket", () => {
  const limits = () => ({ maxBytesPerSecond: 1000, overSeconds: 3 });

  it("trips after the budget is passed in each of `overSeconds` consecutive seconds", () => {
    const m = new OutboundMeter(limits);
    expect(m.sent(1500, 10_000)).toBe(false);
    expect(m.sent(1500, 11_000)).toBe(false);
    expect(m.sent(500, 12_000)).toBe(false);
    expect(m.sent(600, 12_500)).toBe(true);
  });

  it("a second under budget, or a quiet gap, starts the count over; bursts within budget never trip", () => {
    const m = new OutboundMeter(limits);
    m.sent(1500, 10_000);
    m.sent(1500, 11_000);
    expect(m.sent(900, 12_000)).toBe(false); // under budget: the run ends
    expect(m.sent(1500, 13_000)).toBe(false);
    expect(m.sent(1500, 15_000)).toBe(false); // a gap at 14 s
    for (let s = 20; s < 40; s++) expect(m.sent(1000, s * 1000)).toBe(false);
  });
});
