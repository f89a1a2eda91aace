/** The pure parts of `npm run chaos`: the cutting proxy's schedule, the duplicate / order detector, percentiles. */
import { describe, expect, it } from "vitest";
import { cutSchedule } from "../../reliability/chaos/cutting-proxy.ts";
import { percentile, seededRandom } from "../../reliability/chaos/rng.ts";
import { SequenceChecker } from "../../reliability/chaos/sequence.ts";

describe("chaos: cut schedule", () => {
  const options = { durationMs: 20_000, minGapMs: 800, maxGapMs: 3_000, maxBlackoutMs: 1_000 };

  it("is the same for the same seed and differs for another", () => {
    expect(cutSchedule(7, options)).toEqual(cutSchedule(7, options));
    expect(cutSchedule(7, options)).not.toEqual(cutSchedule(8, options));
  });

  it("keeps every cut inside the run, gaps and blackouts within their bounds", () => {
    for (let seed = 0; seed < 50; seed++) {
      const plan = cutSchedule(seed, options);
      expect(plan.length).toBeGreaterThanOrEqual(Math.floor(options.durationMs / options.maxGapMs) - 1);
      let last = 0;
      for (const cut of plan) {
        expect(cut.atMs).toBeLessThan(options.durationMs);
        expect(cut.atMs - last).toBeGreaterThanOrEqual(options.minGapMs);
        expect(cut.atMs - last).toBeLessThanOrEqual(options.maxGapMs);
        expect(cut.blackoutMs).toBeGreaterThanOrEqual(0);
        expect(cut.blackoutMs).toBeLessThanOrEqual(options.maxBlackoutMs);
        expect(cut.pick).toBeGreaterThanOrEqual(0);
        expect(cut.pick).toBeLessThan(1);
        last = cut.atMs;
      }
    }
  });
});

describe("chaos: sequence checker", () => {
  it("allows gaps, counts a repeat as a duplicate and a late lower number as out of order", () => {
    const c = new SequenceChecker();
    for (const n of [1, 2, 4, 7]) c.receive("r", "s/1", n);
    expect(c.counts()).toEqual({ checked: 4, duplicates: 0, outOfOrder: 0 });
    c.receive("r", "s/1", 4);
    c.receive("r", "s/1", 5);
    expect(c.counts()).toEqual({ checked: 6, duplicates: 1, outOfOrder: 1 });
    expect(c.examples).toEqual(["r got s/1#4 twice", "r got s/1#5 after #7"]);
  });

  it("keeps streams apart per receiver and per sender session", () => {
    const c = new SequenceChecker();
    c.receive("a", "s/1", 1);
    c.receive("b", "s/1", 1);
    c.receive("a", "s/2", 1);
    expect(c.counts()).toEqual({ checked: 3, duplicates: 0, outOfOrder: 0 });
  });
});

describe("chaos: helpers", () => {
  it("percentile is nearest-rank, null when empty", () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile([], 99)).toBeNull();
  });

  it("the seeded random numbers repeat and stay in [0, 1)", () => {
    const a = seededRandom(3);
    const b = seededRandom(3);
    for (let i = 0; i < 1000; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});
