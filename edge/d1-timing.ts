/**
 * D1 query latency for /metrics (`myth_d1_query_seconds{op}`, a histogram): `timedDb` wraps a
 * D1Database so every statement's first/all/run/raw and every batch is timed, by operation —
 * "login" (the login server's account reads and writes) and "results" (the Results object's
 * reads and writes). Only the D1 round trips are timed: a password hash between two queries is
 * not. Observations are bucketed in this isolate and sent to the directory (which sums every
 * isolate, as for limits): a login's in the same turn (its request may end with it), the
 * Results object's at most every FLUSH_MS; a failed send keeps them for the next.
 */
import { type D1Histogram, type D1Op, emptyHistogram, merge, observe } from "./d1-histogram.ts";
import { directoryStub } from "./objects.ts";

const FLUSH_MS = 2000;
const pending = new Map<D1Op, D1Histogram>();
let armed: ReturnType<typeof setTimeout> | null = null;
let armedAt = 0;
let soon = false;
let flushEnv: Env | null = null;

function record(env: Env, op: D1Op, seconds: number): void {
  let h = pending.get(op);
  if (!h) {
    h = emptyHistogram();
    pending.set(op, h);
  }
  observe(h, seconds);
  flushEnv = env;
  if (op === "login") {
    // A login's queries run in a Worker request or a login gateway that ends with the login: a
    // timer may die with it. They go in the same turn, as the login's limit counts do (signals.ts).
    if (!soon) {
      soon = true;
      queueMicrotask(flush);
    }
    return;
  }
  const now = Date.now();
  // A timer that died with its request context: a later record flushes instead.
  if (armed !== null && now - armedAt > 2 * FLUSH_MS) {
    clearTimeout(armed);
    flush();
    return;
  }
  if (armed === null) {
    armedAt = now;
    armed = setTimeout(flush, FLUSH_MS);
  }
}

function flush(): void {
  if (armed !== null) clearTimeout(armed);
  armed = null;
  soon = false;
  const env = flushEnv;
  if (!env || pending.size === 0) return;
  const batch = Object.fromEntries(pending) as Partial<Record<D1Op, D1Histogram>>;
  pending.clear();
  void Promise.resolve()
    .then(() => directoryStub(env).noteD1Latency(batch))
    .catch(() => {
      // Put them back: the next flush carries them (a histogram may lag, never lose).
      for (const [op, h] of Object.entries(batch) as [D1Op, D1Histogram][]) {
        const mine = pending.get(op) ?? emptyHistogram();
        merge(mine, h);
        pending.set(op, mine);
      }
    });
}

async function timed<T>(env: Env, op: D1Op, call: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await call();
  } finally {
    // Workers' clock moves on I/O: around a D1 round trip it is the round trip.
    record(env, op, (performance.now() - start) / 1000);
  }
}

const TIMED_STATEMENT_METHODS = new Set(["first", "all", "run", "raw"]);
/** D1's batch wants its own statement objects, not proxies: a proxy hands back its target here. */
const TARGET = Symbol("d1-timing target");

function timedStatement(env: Env, op: D1Op, stmt: D1PreparedStatement): D1PreparedStatement {
  return new Proxy(stmt, {
    get(target, prop) {
      if (prop === TARGET) return target;
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop === "bind") return (...args: unknown[]) => timedStatement(env, op, value.apply(target, args));
      if (typeof prop === "string" && TIMED_STATEMENT_METHODS.has(prop))
        return (...args: unknown[]) => timed(env, op, () => value.apply(target, args));
      return value.bind(target);
    },
  });
}

/** `env.DB` with its queries timed under `op`. Statements it prepares still batch on the real D1. */
export function timedDb(env: Env, op: D1Op): D1Database {
  const db = env.DB;
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop === "prepare") return (sql: string) => timedStatement(env, op, target.prepare(sql));
      if (prop === "batch")
        return (stmts: D1PreparedStatement[]) => timed(env, op, () => target.batch(stmts.map(unwrap)));
      return value.bind(target);
    },
  });
}

function unwrap(stmt: D1PreparedStatement): D1PreparedStatement {
  return (stmt as unknown as Record<symbol, D1PreparedStatement | undefined>)[TARGET] ?? stmt;
}
