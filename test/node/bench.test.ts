/**
 * The load generator end to end on its smoke scenario: its own edge and bridge processes,
 * client processes speaking the real protocol (Myth II 1.8, encrypted, registered accounts),
 * so the tool cannot rot. No timing thresholds: only that every message reached every member.
 */
import { describe, expect, it } from "vitest";
import { runScenario } from "../../bench/run.ts";
import { scenarioOptions } from "../../bench/scenarios.ts";

describe("bench smoke scenario", () => {
  it("delivers every chat line to every room member and reports the numbers", async () => {
    const result = await runScenario(scenarioOptions("smoke", { quiet: true, durationS: 3 }));

    expect(result.scenario).toBe("smoke");
    expect(result.clients).toBe(6);
    expect(result.rooms).toBe(2);
    // Six clients over two rooms: three members each, and the sender gets its own copy.
    expect(Object.values(result.roomMembers)).toEqual([3, 3]);
    expect(result.offered).toBeGreaterThan(0);
    expect(result.expected).toBe(result.offered * 3);
    expect(result.delivered).toBe(result.offered * 3);
    expect(result.lost).toBe(0);
    expect(result.extra).toBe(0);
    expect(result.loginFailures).toBe(0);
    expect(result.joinFailures).toBe(0);
    expect(result.disconnects).toBe(0);
    for (const q of ["p50", "p95", "p99", "max"] as const) {
      expect(result.latencyMs[q]).toBeGreaterThan(0);
      expect(Number.isFinite(result.latencyMs[q])).toBe(true);
    }
    expect(result.latencyMs.p50).toBeLessThanOrEqual(result.latencyMs.p99);
    expect(result.latencyMs.p99).toBeLessThanOrEqual(result.latencyMs.max);
    expect(result.loginsPerSec).toBeGreaterThan(0);
    expect(result.edgePeakRssBytes).toBeGreaterThan(0);
    expect(result.bridgePeakRssBytes).toBeGreaterThan(0);
    expect(result.bridgeConnections).toBe(6);
    expect(typeof result.bridgeBytesPerConnection).toBe("number");
    expect(result.pass).toBe(true);
  }, 180_000);
});
