/**
 * `npm run bench -- <scenario…> [flags]`: legacy-protocol load generator (docs/performance.md).
 *
 * Scenarios: smoke, seed, scale, logins, bigroom, all (= seed scale logins bigroom).
 * Flags override the scenario's values:
 *   --clients N --rooms N --capacity N --rate MSGS_PER_S --duration S
 *   --dialects myth2[=w],myth2-legacy[=w],…   dialect mix (default myth2, i.e. Myth II 1.8)
 *   --encrypt on|off       session encryption for every client (default: the dialect's usual)
 *   --guests / --accounts  log in as guests / as registered accounts (created via the admin API)
 *   --workers N            client processes (default 2)
 *   --concurrency N        logins/joins in flight at once (all client processes)
 *   --target HOST:PORT     a running metaserver's login port instead of starting our own stack
 *   --admin URL --token T  its admin API, for account creation
 *   --json FILE            write the results (one object per scenario, a JSON array)
 *   --profile DIR          CPU profiles of the measured phase: workerd (via its inspector), bridge, clients
 *   --timeout S            hard bound per scenario
 *   --verbose              forward server and client logs
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { formatResult } from "./report.ts";
import { runScenario, type ScenarioResult } from "./run.ts";
import { ALL, type BenchOptions, parseDialects, SCENARIOS, scenarioOptions } from "./scenarios.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    clients: { type: "string" },
    rooms: { type: "string" },
    capacity: { type: "string" },
    rate: { type: "string" },
    duration: { type: "string" },
    dialects: { type: "string" },
    encrypt: { type: "string" },
    guests: { type: "boolean" },
    accounts: { type: "boolean" },
    workers: { type: "string" },
    concurrency: { type: "string" },
    target: { type: "string" },
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
    `usage: npm run bench -- <${[...Object.keys(SCENARIOS), "all"].join("|")}>… [--clients N] [--rooms N] [--capacity N] [--rate R] [--duration S]
       [--dialects myth2=3,myth2-legacy=1] [--encrypt on|off] [--guests|--accounts] [--workers N] [--concurrency N]
       [--target HOST:PORT [--admin URL --token T]] [--json FILE] [--profile DIR] [--timeout S] [--verbose]`,
  );
  process.exit(0);
}

const names = (positionals.length ? positionals : ["smoke"]).flatMap((n) => (n === "all" ? ALL : [n]));
const overrides: Partial<BenchOptions> = {
  clients: int(values.clients, "clients"),
  rooms: int(values.rooms, "rooms"),
  capacity: int(values.capacity, "capacity"),
  rate: num(values.rate, "rate"),
  durationS: num(values.duration, "duration"),
  dialects: values.dialects ? parseDialects(values.dialects) : undefined,
  encrypt: values.encrypt === undefined ? undefined : onOff(values.encrypt),
  guests: values.guests ? true : values.accounts ? false : undefined,
  workers: int(values.workers, "workers"),
  concurrency: int(values.concurrency, "concurrency"),
  target: values.target ? hostPort(values.target) : undefined,
  admin: values.admin ? { url: values.admin, token: values.token ?? "" } : undefined,
  profileDir: values.profile ? resolve(values.profile) : undefined,
  timeoutS: num(values.timeout, "timeout"),
  verbose: values.verbose,
};

const results: ScenarioResult[] = [];
let failed = false;
for (const name of names) {
  const options = scenarioOptions(name, overrides);
  try {
    const result = await runScenario(options);
    results.push(result);
    console.log(formatResult(result));
    if (!result.pass) failed = true;
  } catch (err) {
    failed = true;
    console.error(`== ${name}: ERROR ${(err as Error).message}`);
  }
  if (values.json) writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
}
process.exit(failed ? 1 : 0);

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

function hostPort(value: string): { host: string; port: number } {
  const m = /^(.+):(\d+)$/.exec(value);
  if (!m) return fail(`--target must be HOST:PORT, got ${value}`);
  return { host: m[1] as string, port: Number(m[2]) };
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}
