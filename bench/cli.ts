/**
 * `npm run bench -- <scenario…> [flags]`: legacy-protocol load generator (docs/performance.md).
 *
 * Scenarios: smoke, seed, scale, logins, bigroom, onebig, scale10k, all (= seed scale logins bigroom),
 * and results (ranked play, bench/results.ts: --clients games, --rooms rooms, --duration report spread),
 * and abuse (honest chat with and without flooders, bench/abuse.ts: --clients honest, --rooms, --duration per phase).
 * Flags override the scenario's values:
 *   --clients N --rooms N --capacity N --rate MSGS_PER_S --duration S
 *   --steps R1,R2,…        chat at each rate in turn (stepped scenarios such as onebig)
 *   --dialects myth2[=w],myth2-legacy[=w],…   dialect mix (default myth2, i.e. Myth II 1.8)
 *   --encrypt on|off       session encryption for every client (default: the dialect's usual)
 *   --guests / --accounts  log in as guests / as registered accounts (created via the admin API)
 *   --workers N            client processes (default 2)
 *   --concurrency N        logins/joins in flight at once (all client processes)
 *   --target T             what to measure: self (default), HOST:PORT (a running metaserver's login
 *                          port) or git:REV (this project at another commit, in a temporary worktree)
 *   --server-pid PID,…     with a running target: its processes, sampled for CPU and memory
 *   --versus T             peer mode: run each scenario against --target and T alternately
 *   --versus-pid PID,…     the --versus target's processes, as --server-pid
 *   --rounds N             peer mode: how many A, B pairs (default 2)
 *   --admin URL --token T  its admin API, for account creation
 *   --json FILE            write the results (one object per scenario, a JSON array)
 *   --profile DIR          CPU profiles of the measured phase: workerd (via its inspector), bridge, clients
 *   --timeout S            hard bound per scenario
 *   --verbose              forward server and client logs
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { ABUSE_DEFAULTS, runAbuseBench } from "./abuse.ts";
import { formatComparison, type PreparedTarget, parseTarget, prepareTarget } from "./peer.ts";
import { formatResult } from "./report.ts";
import { RESULTS_DEFAULTS, runResultsBench } from "./results.ts";
import { runScenario, type ScenarioResult } from "./run.ts";
import { ALL, type BenchOptions, parseDialects, SCENARIOS, scenarioOptions } from "./scenarios.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    clients: { type: "string" },
    rooms: { type: "string" },
    capacity: { type: "string" },
    rate: { type: "string" },
    steps: { type: "string" },
    duration: { type: "string" },
    dialects: { type: "string" },
    encrypt: { type: "string" },
    guests: { type: "boolean" },
    accounts: { type: "boolean" },
    workers: { type: "string" },
    concurrency: { type: "string" },
    target: { type: "string" },
    "server-pid": { type: "string" },
    versus: { type: "string" },
    "versus-pid": { type: "string" },
    rounds: { type: "string" },
    admin: { type: "string" },
    token: { type: "string" },
    json: { type: "string" },
    profile: { type: "string" },
    timeout: { type: "string" },
    verbose: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
});

if (values.help) {
  console.log(
    `usage: npm run bench -- <${[...Object.keys(SCENARIOS), "all", "results", "abuse"].join("|")}>… [--clients N] [--rooms N] [--capacity N] [--rate R] [--duration S]
       [--dialects myth2=3,myth2-legacy=1] [--encrypt on|off] [--guests|--accounts] [--workers N] [--concurrency N]
       [--target self|HOST:PORT|git:REV [--server-pid PID,…] [--admin URL --token T]]
       [--versus self|HOST:PORT|git:REV [--versus-pid PID,…] [--rounds N]] [--json FILE] [--profile DIR] [--timeout S] [--verbose]`,
  );
  process.exit(0);
}

const names = (positionals.length ? positionals : ["smoke"]).flatMap((n) => (n === "all" ? ALL : [n]));

// `results` (ranked play, bench/results.ts) runs its own games against a self-started stack:
// --clients is the number of games, --rooms the ranked rooms, --duration the spread of the reports.
if (names.includes("results")) {
  const pass = await runResultsBench({
    ...RESULTS_DEFAULTS,
    games: int(values.clients, "clients") ?? RESULTS_DEFAULTS.games,
    rooms: int(values.rooms, "rooms") ?? RESULTS_DEFAULTS.rooms,
    spreadS: num(values.duration, "duration") ?? RESULTS_DEFAULTS.spreadS,
    timeoutS: num(values.timeout, "timeout") ?? RESULTS_DEFAULTS.timeoutS,
  });
  process.exit(pass ? 0 : 1);
}
// `abuse` (bench/abuse.ts): honest chat with and without flooders, in one self-started stack.
if (names.includes("abuse")) {
  const pass = await runAbuseBench({
    ...ABUSE_DEFAULTS,
    clients: int(values.clients, "clients") ?? ABUSE_DEFAULTS.clients,
    rooms: int(values.rooms, "rooms") ?? ABUSE_DEFAULTS.rooms,
    durationS: num(values.duration, "duration") ?? ABUSE_DEFAULTS.durationS,
    timeoutS: num(values.timeout, "timeout") ?? ABUSE_DEFAULTS.timeoutS,
  });
  process.exit(pass ? 0 : 1);
}
const overrides: Partial<BenchOptions> = {
  clients: int(values.clients, "clients"),
  rooms: int(values.rooms, "rooms"),
  capacity: int(values.capacity, "capacity"),
  rate: num(values.rate, "rate"),
  steps: values.steps ? values.steps.split(",").map((r) => num(r, "steps") as number) : undefined,
  durationS: num(values.duration, "duration"),
  dialects: values.dialects ? parseDialects(values.dialects) : undefined,
  encrypt: values.encrypt === undefined ? undefined : onOff(values.encrypt),
  guests: values.guests ? true : values.accounts ? false : undefined,
  workers: int(values.workers, "workers"),
  concurrency: int(values.concurrency, "concurrency"),
  admin: values.admin ? { url: values.admin, token: values.token ?? "" } : undefined,
  profileDir: values.profile ? resolve(values.profile) : undefined,
  timeoutS: num(values.timeout, "timeout"),
  verbose: values.verbose,
};

const targetA = prepare(values.target ?? "self", values["server-pid"]);
const targetB = values.versus ? prepare(values.versus, values["versus-pid"]) : null;
const rounds = int(values.rounds, "rounds") ?? 2;

const results: ScenarioResult[] = [];
let failed = false;
const once = async (name: string, target: PreparedTarget): Promise<ScenarioResult | null> => {
  const options = scenarioOptions(name, { ...overrides, ...target.overrides });
  try {
    const result = await runScenario(options);
    results.push(result);
    console.log(targetB ? `[${target.label}] ${formatResult(result)}` : formatResult(result));
    if (!result.pass) failed = true;
    return result;
  } catch (err) {
    failed = true;
    console.error(`== ${name} [${target.label}]: ERROR ${(err as Error).message}`);
    return null;
  } finally {
    if (values.json) writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
  }
};
try {
  for (const name of names) {
    if (!targetB) {
      await once(name, targetA);
      continue;
    }
    // Peer mode: A, B, A, B … so that drift of the machine hits both alike.
    const a: ScenarioResult[] = [];
    const b: ScenarioResult[] = [];
    for (let round = 0; round < Math.max(1, rounds); round++) {
      const ra = await once(name, targetA);
      if (ra) a.push(ra);
      const rb = await once(name, targetB);
      if (rb) b.push(rb);
    }
    console.log(
      `== ${name}: ${targetA.label} (A) versus ${targetB.label} (B), ${rounds} rounds, medians\n${formatComparison(targetA.label, a, targetB.label, b)}`,
    );
  }
} finally {
  targetA.cleanup();
  targetB?.cleanup();
}
process.exit(failed ? 1 : 0);

function prepare(text: string, pids: string | undefined): PreparedTarget {
  const spec = parseTarget(text);
  if (typeof spec === "string") return fail(spec);
  const serverPids = pids ? pids.split(",").map((p) => int(p, "server-pid") as number) : undefined;
  return prepareTarget(spec, serverPids);
}

function int(value: string | undefined, name: string): number | undefined {
  const n = num(value, name);
  if (n !== undefined && !Number.isInteger(n)) fail(`--${name} must be an integer`);
  return n;
}

function num(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) fail(`--${name} must be a non-negative number, got ${value}`);
  return n;
}

function onOff(value: string): boolean {
  if (value === "on" || value === "true") return true;
  if (value === "off" || value === "false") return false;
  return fail(`--encrypt must be on or off, got ${value}`);
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}
