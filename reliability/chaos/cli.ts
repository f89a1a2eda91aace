/**
 * `npm run chaos`: the scripted failure checks of issue 16, one after another, each on its
 * own reliability stack (edge and bridge as killable children, loopback only) and under its
 * own deadline. Prints pass/fail per check with its figures; exits 1 if any check fails.
 *
 *   npm run chaos -- [--only bridge-kill,slow-consumer] [--seed N] [--json FILE] [--verbose]
 */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { bridgeKill } from "./bridge-kill.ts";
import { type Check, type CheckResult, runCheck } from "./check.ts";
import { edgeKillResults } from "./edge-kill-results.ts";
import { roomEviction } from "./room-eviction.ts";
import { slowConsumer } from "./slow-consumer.ts";
import { tunnelCuts } from "./tunnel-cuts.ts";

const CHECKS: readonly Check[] = [bridgeKill, edgeKillResults, roomEviction, tunnelCuts, slowConsumer];

function usage(): string {
  return [
    "usage: npm run chaos -- [--only NAME,...] [--seed N] [--json FILE] [--verbose]",
    "checks:",
    ...CHECKS.map((c) => `  ${c.name.padEnd(20)} ${c.description} (deadline ${c.deadlineMs / 1000} s)`),
  ].join("\n");
}

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    seed: { type: "string" },
    json: { type: "string" },
    verbose: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(usage());
  process.exit(0);
}
const seed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed);
if (!Number.isInteger(seed) || seed < 0) {
  console.error(`--seed must be a non-negative integer\n${usage()}`);
  process.exit(2);
}
const wanted = values.only
  ?.split(",")
  .map((s) => s.trim())
  .filter(Boolean);
const unknown = wanted?.filter((n) => !CHECKS.some((c) => c.name === n)) ?? [];
if (unknown.length > 0) {
  console.error(`unknown check(s): ${unknown.join(", ")}\n${usage()}`);
  process.exit(2);
}
const selected = wanted ? CHECKS.filter((c) => wanted.includes(c.name)) : CHECKS;

const started = performance.now();
console.log(`chaos: ${selected.length} check(s), seed ${seed}`);
const results: CheckResult[] = [];
for (const check of selected) {
  const result = await runCheck(check, {
    seed,
    verbose: values.verbose,
    log: (line) => console.error(`  … ${line}`),
  });
  results.push(result);
  printResult(result);
}
const wallMs = Math.round(performance.now() - started);
const failed = results.filter((r) => !r.pass);
console.log(
  `chaos: ${results.length - failed.length}/${results.length} passed in ${(wallMs / 1000).toFixed(1)} s (seed ${seed})`,
);
if (values.json) {
  await writeFile(values.json, `${JSON.stringify({ seed, wallMs, results }, null, 2)}\n`);
}
process.exit(failed.length > 0 ? 1 : 0);

function printResult(r: CheckResult): void {
  console.log(`${r.pass ? "PASS" : "FAIL"} ${r.name} (${(r.wallMs / 1000).toFixed(1)} s)`);
  for (const [k, value] of Object.entries(r.figures)) console.log(`    ${k}: ${value}`);
  for (const n of r.notes) console.log(`    ! ${n}`);
}
