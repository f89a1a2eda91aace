/**
 * GET /health, for load balancers, uptime checks and `npm start`: 200 `{"ok":true,"checks":{…}}`
 * when the edge can serve players, else 503 `{"ok":false,"error":…,"checks":{…}}` saying what is
 * wrong. Checked: the Worker vars parse (edge/config.ts), both secrets are set, and every D1
 * migration the code needs is applied (edge/schema.ts). Public: it names what is wrong, never a
 * value.
 */
import { Hono } from "hono";
import { loadConfig } from "../../edge/config.ts";
import { isMissingTable, REQUIRED_MIGRATIONS } from "../../edge/schema.ts";
import type { AppEnv } from "../context.ts";

type Check = "ok" | string;

export const health = new Hono<AppEnv>().get("/health", async (c) => {
  const checks: Record<string, Check> = {
    config: configCheck(c.env),
    secrets: secretsCheck(c.env),
    database: await databaseCheck(c.env.DB),
  };
  const problems = Object.values(checks).filter((v) => v !== "ok");
  if (problems.length === 0) return c.json({ ok: true, checks });
  return c.json({ ok: false, error: problems.join("; "), checks }, 503);
});

function configCheck(env: Env): Check {
  try {
    loadConfig(env);
    return "ok";
  } catch (error) {
    return `misconfigured: ${(error as Error).message}`;
  }
}

function secretsCheck(env: Env): Check {
  const unset = (["ADMIN_TOKEN", "BRIDGE_TOKEN"] as const).filter((name) => !env[name]);
  return unset.length === 0 ? "ok" : `not set: ${unset.join(", ")}`;
}

async function databaseCheck(db: D1Database): Promise<Check> {
  try {
    const missing = await missingMigrations(db);
    return missing.length === 0 ? "ok" : `D1 migrations not applied: ${missing.join(", ")}`;
  } catch (error) {
    return `D1 unavailable: ${(error as Error).message}`;
  }
}

/** The required migrations not recorded in the database (all of them when it has no d1_migrations table). */
async function missingMigrations(db: D1Database): Promise<string[]> {
  let applied: Set<string>;
  try {
    const rows = await db.prepare("SELECT name FROM d1_migrations").all<{ name: string }>();
    applied = new Set(rows.results.map((r) => r.name));
  } catch (error) {
    if (isMissingTable(error)) return [...REQUIRED_MIGRATIONS];
    throw error;
  }
  return REQUIRED_MIGRATIONS.filter((name) => !applied.has(name));
}
