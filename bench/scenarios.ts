/**
 * Named bench scenarios and the options a run takes (flags override a scenario's values).
 * Targets are the numbers a scenario must meet on the 2-core reference machine.
 */
import type { Dialect } from "../protocol/dialect.ts";

export interface DialectShare {
  dialect: Dialect;
  weight: number;
}

export interface Targets {
  /** Every receiver gets every message. */
  noLoss?: boolean;
  maxP99Ms?: number;
  minLoginsPerSec?: number;
  maxBridgeBytesPerConnection?: number;
  maxEdgeBytesPerConnection?: number;
  noLoginFailures?: boolean;
  /** Stepped scenarios: the highest step that passes must be at least this rate. */
  minSustainedRate?: number;
}

export interface BenchOptions {
  scenario: string;
  /** "chat": log in, join, chat at `rate`; "logins": log in only, as fast as the server allows. */
  mode: "chat" | "logins";
  clients: number;
  /** Rooms per game in the dialect mix (clients are spread evenly over them). */
  rooms: number;
  /** Room capacity configured on the self-started edge. */
  capacity: number;
  /** Chat messages per second, all clients together. */
  rate: number;
  /** Stepped: chat at each of these rates in turn (durationS each), stopping at the first that fails. */
  steps?: number[] | undefined;
  durationS: number;
  dialects: DialectShare[];
  /** Session encryption; undefined ⇒ each dialect's usual (Myth II 1.8: on). */
  encrypt?: boolean | undefined;
  /** Log in as guests (no accounts needed: works against any metaserver). */
  guests: boolean;
  /** Client processes. */
  workers: number;
  /** Logins/joins in flight at once, all client processes together. */
  concurrency: number;
  /** Running metaserver's login port (HOST:PORT); absent ⇒ start our own stack. */
  target?: { host: string; port: number } | undefined;
  /** With a running target: its processes, sampled for CPU and memory like a self-started edge. */
  serverPids?: number[] | undefined;
  /** Start the servers from this checkout instead of this one (peer mode, git:REV). */
  serverRoot?: string | undefined;
  /** Admin API for account creation on a running target. */
  admin?: { url: string; token: string } | undefined;
  profileDir?: string | undefined;
  /** Hard bound for the whole scenario, seconds. */
  timeoutS: number;
  /** How long to wait for stragglers after the last message is sent. */
  drainS: number;
  targets: Targets;
  quiet?: boolean;
  verbose?: boolean;
}

type ScenarioDefaults = Omit<
  BenchOptions,
  "target" | "admin" | "profileDir" | "quiet" | "verbose" | "encrypt" | "serverPids" | "serverRoot"
>;

const MYTH2: DialectShare[] = [{ dialect: "myth2", weight: 1 }];

const base = {
  dialects: MYTH2,
  workers: 2,
  concurrency: 32,
  drainS: 10,
  capacity: 32,
} as const;

export const SCENARIOS: Record<string, ScenarioDefaults> = {
  smoke: {
    ...base,
    scenario: "smoke",
    mode: "chat",
    clients: 6,
    rooms: 2,
    rate: 20,
    durationS: 3,
    guests: false,
    concurrency: 6,
    drainS: 5,
    timeoutS: 120,
    targets: { noLoss: true, noLoginFailures: true },
  },
  seed: {
    ...base,
    scenario: "seed",
    mode: "chat",
    clients: 128,
    rooms: 4,
    capacity: 32,
    rate: 1000,
    durationS: 30,
    guests: true,
    timeoutS: 300,
    targets: { noLoss: true, maxP99Ms: 50, noLoginFailures: true },
  },
  scale: {
    ...base,
    scenario: "scale",
    mode: "chat",
    clients: 2000,
    rooms: 20,
    capacity: 100,
    rate: 200,
    durationS: 30,
    guests: true,
    timeoutS: 900,
    targets: { noLoss: true, maxP99Ms: 100, maxBridgeBytesPerConnection: 50 * 1024, noLoginFailures: true },
  },
  logins: {
    ...base,
    scenario: "logins",
    mode: "logins",
    clients: 500,
    rooms: 1,
    rate: 0,
    durationS: 0,
    guests: false,
    concurrency: 32,
    timeoutS: 600,
    targets: { minLoginsPerSec: 50, noLoginFailures: true },
  },
  onebig: {
    ...base,
    scenario: "onebig",
    mode: "chat",
    clients: 100,
    rooms: 1,
    capacity: 100,
    rate: 300,
    steps: [300, 600, 900, 1200, 1500, 1800, 2100, 2400, 3000, 3600, 4200],
    durationS: 10,
    drainS: 5,
    guests: true,
    timeoutS: 600,
    targets: { noLoss: true, maxP99Ms: 100, minSustainedRate: 1500, noLoginFailures: true },
  },
  scale10k: {
    ...base,
    scenario: "scale10k",
    mode: "chat",
    clients: 10_000,
    rooms: 100,
    capacity: 100,
    rate: 500,
    durationS: 30,
    guests: true,
    workers: 4,
    concurrency: 64,
    timeoutS: 1200,
    targets: {
      noLoss: true,
      maxP99Ms: 200,
      maxBridgeBytesPerConnection: 20 * 1024,
      maxEdgeBytesPerConnection: 20 * 1024,
      noLoginFailures: true,
    },
  },
  bigroom: {
    ...base,
    scenario: "bigroom",
    mode: "chat",
    clients: 999,
    rooms: 1,
    capacity: 999,
    rate: 20,
    durationS: 30,
    guests: true,
    timeoutS: 900,
    targets: { noLoss: true, maxP99Ms: 50, noLoginFailures: true },
  },
};

/** The scenarios `all` runs, in order. */
export const ALL = ["seed", "scale", "logins", "bigroom"];

export function scenarioOptions(name: string, overrides: Partial<BenchOptions> = {}): BenchOptions {
  const defaults = SCENARIOS[name];
  if (!defaults) throw new Error(`unknown scenario ${name} (known: ${Object.keys(SCENARIOS).join(", ")})`);
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { ...defaults, ...defined };
}

/** "myth2", "myth2=3,myth2-legacy=1" → shares. */
export function parseDialects(spec: string): DialectShare[] {
  const known: Dialect[] = ["myth2", "myth2-legacy", "myth1", "myth3", "marathon"];
  return spec.split(",").map((part) => {
    const [name, weight = "1"] = part.trim().split("=");
    if (!known.includes(name as Dialect)) throw new Error(`unknown dialect ${name} (known: ${known.join(", ")})`);
    const w = Number(weight);
    if (!(w > 0)) throw new Error(`bad weight in ${part}`);
    return { dialect: name as Dialect, weight: w };
  });
}
