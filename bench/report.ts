/** The short summary table printed after each scenario. */
import type { ScenarioResult } from "./run.ts";

const MB = 1024 * 1024;

export function formatResult(r: ScenarioResult): string {
  const rows: [string, string][] = [
    ["clients / rooms", `${r.clients} / ${r.rooms}${r.mode === "logins" ? " (log in only)" : ""}`],
    ["dialects, encryption, accounts", `${r.dialects}, ${r.encrypt}, ${r.guests ? "guests" : "registered"}`],
  ];
  if (r.mode === "chat") {
    rows.push(
      ["chat rate × duration", `${r.rate} msgs/s × ${r.durationS} s`],
      ["offered / expected / delivered", `${r.offered} / ${r.expected} / ${r.delivered}`],
      ["lost (extra)", `${r.lost} (${r.extra})`],
      ["latency p50 / p95 / p99 / max", ms(r.latencyMs)],
    );
  }
  rows.push(
    ["logins/s (setup)", `${r.loginsPerSec} in ${r.setupSeconds} s`],
    ["login time p50 / p95 / p99 / max", ms(r.loginMs)],
  );
  if (r.mode === "chat") rows.push(["join time p50 / p95 / p99 / max", ms(r.joinMs)]);
  rows.push(
    ["failures: login / join / dropped", `${r.loginFailures} / ${r.joinFailures} / ${r.disconnects}`],
    [
      "bridge: slow-client drops / rate-limit pauses",
      `${r.bridgeSlowClientDrops ?? "n/a"} / ${r.bridgeRateLimited ?? "n/a"}`,
    ],
    [
      "CPU % of a core: edge / bridge / clients",
      `${pct(r.edgeCpuPercent)} / ${pct(r.bridgeCpuPercent)} / ${pct(r.clientCpuPercent)}`,
    ],
    [
      `CPU µs per ${r.mode === "chat" ? "delivery" : "login"}: edge / bridge / clients`,
      `${r.cpuUsPerUnit.edge ?? "n/a"} / ${r.cpuUsPerUnit.bridge ?? "n/a"} / ${r.cpuUsPerUnit.clients ?? "n/a"}`,
    ],
    [
      "machine CPU % / others' share / load",
      `${pct(r.machineCpuPercent)} / ${pct(r.otherCpuPercent)} / ${r.loadAverageAtStart}`,
    ],
    ["peak RSS: edge (workerd) / bridge", `${mb(r.edgePeakRssBytes)} / ${mb(r.bridgePeakRssBytes)}`],
    [
      "edge per connection: RSS / JS heap",
      r.edgeBytesPerConnection === null
        ? "n/a"
        : `${kb(r.edgeBytesPerConnection)} / ${kb(r.edgeHeapBytesPerConnection)}`,
    ],
    [
      "bridge per connection: RSS / heap",
      r.bridgeBytesPerConnection === null
        ? "n/a"
        : `${kb(r.bridgeBytesPerConnection)} / ${kb(r.bridgeHeapBytesPerConnection)} (${r.bridgeConnections} connections)`,
    ],
  );
  for (const step of r.steps) {
    const cpu = step.cpuUsPerDelivery;
    rows.push([
      `step ${step.rate} msgs/s ${step.pass ? "ok" : "FAIL"}`,
      `lost ${step.lost} of ${step.expected}, p50/p99 ${step.latencyMs.p50}/${step.latencyMs.p99} ms, µs/delivery ${cpu.edge ?? "n/a"}/${cpu.bridge ?? "n/a"}/${cpu.clients ?? "n/a"}, machine ${pct(step.machineCpuPercent)} %`,
    ]);
  }
  if (r.sustainedRate !== null) rows.push(["sustained rate", `${r.sustainedRate} msgs/s`]);
  for (const c of r.checks) rows.push([`${c.ok ? "PASS" : "FAIL"} ${c.name}`, c.detail]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
  const head = `== ${r.scenario}: ${r.pass ? "PASS" : "FAIL"}`;
  const errors = r.errors.length
    ? `\n  errors (first ${r.errors.length}):\n${r.errors.map((e) => `    ${e}`).join("\n")}`
    : "";
  return `${head}\n${lines.join("\n")}${errors}`;
}

function ms(s: { p50: number; p95: number; p99: number; max: number }): string {
  return `${s.p50} / ${s.p95} / ${s.p99} / ${s.max} ms`;
}

function pct(v: number | null): string {
  return v === null ? "n/a" : `${v}`;
}

function mb(v: number | null): string {
  return v === null ? "n/a" : `${(v / MB).toFixed(0)} MB`;
}

function kb(v: number | null): string {
  return v === null ? "n/a" : `${(v / 1024).toFixed(1)} KB`;
}
