/**
 * `npm run fuzz`: mutated packets of every client family, from every state, through the real
 * bridge into the real edge, with honest players in the same rooms (docs/reliability.md).
 * Loopback only, bounded in packets and time, reproducible from --seed.
 *
 *   --packets N        mutants per family (default 4000; the campaign target is 1,000,000)
 *   --seed N           default: from the clock, printed
 *   --families a,b     dialects (default all five: myth2,myth2-legacy,myth1,myth3,marathon)
 *   --lanes N          sessions side by side per family (default 3)
 *   --stacks N         independent stacks (edge + bridge each) sharing the families out, so a
 *                      long campaign uses more than one core (default 1)
 *   --honest N         honest players per room (default 4)
 *   --max-seconds N    stop starting sessions after this (default 7200)
 *   --out DIR          reproducers of failing sessions (default fuzz-out/)
 *   --json FILE        the whole report as JSON
 *   --verbose          the servers' logs on stderr
 * Exits 1 when any figure that must be zero is not.
 */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { DIALECTS, type Dialect } from "../../protocol/dialect.ts";
import type { FamilyReport } from "./campaign.ts";
import { FAMILY_ROOMS, type FuzzRunReport, runFuzz } from "./run.ts";

const { values } = parseArgs({
  options: {
    packets: { type: "string", default: "4000" },
    seed: { type: "string" },
    families: { type: "string", default: DIALECTS.join(",") },
    lanes: { type: "string", default: "3" },
    stacks: { type: "string", default: "1" },
    honest: { type: "string", default: "4" },
    "max-seconds": { type: "string", default: "7200" },
    out: { type: "string", default: "fuzz-out" },
    json: { type: "string" },
    verbose: { type: "boolean", default: false },
  },
});

const int = (name: string, text: string | undefined): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name}: expected a non-negative integer, got ${text}`);
    process.exit(2);
  }
  return n;
};
const families = (values.families ?? "").split(",").filter(Boolean) as Dialect[];
const unknown = families.filter((f) => !DIALECTS.includes(f));
if (unknown.length) {
  console.error(`--families: unknown ${unknown.join(", ")} (known: ${DIALECTS.join(", ")})`);
  process.exit(2);
}
const seed = values.seed === undefined ? Date.now() % 0x1_0000_0000 : int("seed", values.seed);
const packets = int("packets", values.packets);
const started = Date.now();
console.log(`fuzz: seed ${seed}, ${packets.toLocaleString("en")} packets per family, families ${families.join(", ")}`);

const stacks = Math.max(1, Math.min(families.length, int("stacks", values.stacks)));
// Round robin, so each stack gets a mix of families (and of rooms).
const groups = Array.from({ length: stacks }, (_, i) => families.filter((_, f) => f % stacks === i));
const reports = await Promise.all(
  groups.map((group, i) =>
    runFuzz({
      packetsPerFamily: packets,
      seed: (seed + i) >>> 0,
      families: group,
      lanesPerFamily: Math.max(1, int("lanes", values.lanes)),
      honestPerRoom: Math.max(2, int("honest", values.honest)),
      maxSeconds: int("max-seconds", values["max-seconds"]),
      reproducerDir: values.out ?? null,
      verbose: values.verbose,
      onProgress: (r, s) =>
        console.log(`  ${stacks > 1 ? `stack ${i + 1}, ` : ""}${s.toFixed(0)} s: ${progress(r, s)}`),
    }),
  ),
);
reports.forEach((report, i) => {
  if (stacks > 1) console.log(`\n## stack ${i + 1} of ${stacks}: ${groups[i]?.join(", ")}`);
  printReport(report, (Date.now() - started) / 1000);
});
const passed = reports.every((r) => r.passed);
if (stacks > 1) console.log(passed ? "\nfuzz: PASS (every stack)" : "\nfuzz: FAIL");
if (values.json) await writeFile(values.json, `${JSON.stringify(reports, null, 2)}\n`);
process.exit(passed ? 0 : 1);

function progress(reports: readonly FamilyReport[], s: number): string {
  const total = reports.reduce((n, r) => n + r.packets, 0);
  return `${reports.map((r) => `${r.dialect} ${r.packets}`).join(", ")} (${Math.round(total / s)}/s)`;
}

function printReport(r: FuzzRunReport, wallS: number): void {
  const c = r.campaign;
  const label = (d: Dialect) => FAMILY_ROOMS.find((f) => f.dialect === d)?.label ?? d;
  console.log(`\nfuzz: ${c.seconds} s of fuzzing (${wallS.toFixed(0)} s with setup), seed ${c.seed}`);
  console.log(
    "| family | packets | decodable | undecodable | sessions | closed after bad | not closed after bad | hung | alive | closed by server | setup failed |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const f of c.families) {
    const o = f.outcomes;
    console.log(
      `| ${label(f.dialect)} | ${f.packets} | ${f.decodable} | ${f.undecodable} | ${f.sessions} | ${o["closed-after-bad"]} | ${o["not-closed-after-bad"]} | ${o.hung} | ${o.alive} | ${o["closed-by-server"]} | ${o["setup-failed"]} |`,
    );
  }
  for (const f of c.families) {
    const states = Object.entries(f.byState).map(([s, v]) => `${s} ${v.sessions}/${v.packets}`);
    console.log(`  ${f.dialect}: sessions/packets by state: ${states.join(", ")}`);
    console.log(
      `  ${f.dialect}: operators: ${Object.entries(f.ops)
        .map(([op, n]) => `${op} ${n}`)
        .join(", ")}`,
    );
    const closers = Object.entries(f.closedAfterType).sort((a, b) => b[1] - a[1]);
    console.log(`  ${f.dialect}: closed by server after type: ${closers.map(([t, n]) => `${t}×${n}`).join(", ")}`);
    if (f.setupErrors.length) console.log(`  ${f.dialect}: setup failures, e.g. ${f.setupErrors.join(" | ")}`);
  }
  const h = r.honest;
  console.log(
    `honest: ${h.players} players, ${h.disconnected} disconnected${h.disconnected ? ` (${h.disconnectedNames.join(", ")})` : ""}, ` +
      `${h.linesSent} lines → ${h.delivered}/${h.expected} deliveries, lost ${h.lost}, duplicates ${h.duplicates}, ` +
      `out of order ${h.outOfOrder}, over 1 s ${h.delayedOver1s}, latency p50 ${h.latencyMs.p50} ms p99 ${h.latencyMs.p99} ms max ${h.latencyMs.max} ms, games hosted ${h.gamesHosted}`,
  );
  console.log(`crashes: ${r.crashes.length}${r.crashes.length ? ` ${JSON.stringify(r.crashes)}` : ""}`);
  console.log(`server log errors: ${r.logErrors}`);
  for (const line of r.logErrorSamples) console.log(`  ${line.slice(0, 300)}`);
  const m = (x: FuzzRunReport["memoryBefore"]) =>
    `edge RSS ${x.edgeRssMb} MB, bridge RSS ${x.bridgeRssMb} MB (heap ${x.bridgeHeapMb} MB)`;
  console.log(`memory before: ${m(r.memoryBefore)}`);
  console.log(`memory after:  ${m(r.memoryAfter)}`);
  if (c.timedOut) console.log("timed out: --max-seconds ended the campaign before every family sent its packets");
  if (c.reproducerFiles.length) console.log(`reproducers: ${c.reproducerFiles.join(", ")}`);
  console.log(r.passed ? "fuzz: PASS" : "fuzz: FAIL");
}
