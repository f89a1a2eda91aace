/**
 * The edge (Worker + Durable Objects + D1) in local workerd, started from Node without
 * `wrangler dev`: bundle with `wrangler deploy --dry-run`, run the bundle in Miniflare, apply
 * pending D1 migrations. Nothing leaves this machine (offline env vars, cf: false, loopback).
 *
 * State under persistDir uses wrangler's layout (<dir>/v3/do, <dir>/v3/d1) and the worker's
 * name, so `wrangler dev --persist-to <dir>` sees the same accounts and objects.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Miniflare } from "miniflare";
import type { RoomConfigInput } from "../edge/config.ts";

export interface LocalEdgeOptions {
  /** Folder for D1 and Durable Object state; false/absent ⇒ in memory. */
  persistDir?: string | false | undefined;
  /** Listen address (default 127.0.0.1). */
  host?: string | undefined;
  /** HTTP port; 0 (default) ⇒ ephemeral. */
  port?: number | undefined;
  adminToken: string;
  bridgeToken: string;
  /** Rooms (array or its JSON); absent ⇒ the built-in default set. */
  roomConfig?: RoomConfigInput[] | string | undefined;
  /** Further Worker vars (edge/config.ts lists them), e.g. { ALLOW_GUESTS: "false" }. */
  vars?: Readonly<Record<string, string>> | undefined;
  /** Open workerd's V8 inspector on this port (0 ⇒ ephemeral; see mf.getInspectorURL()), e.g. for CPU profiles. */
  inspectorPort?: number | undefined;
}

export interface LocalEdge {
  /** Base URL with a trailing slash, e.g. "http://127.0.0.1:40123/". */
  url: string;
  mf: Miniflare;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const D1_DATABASE_ID = "00000000-0000-0000-0000-000000000000";
const OFFLINE_ENV = {
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  WRANGLER_SEND_ERROR_REPORTS: "false",
};

export async function startLocalEdge(options: LocalEdgeOptions): Promise<LocalEdge> {
  const wranglerToml = await readFile(join(ROOT, "wrangler.toml"), "utf8");
  const setting = (key: string) => new RegExp(`^${key}\\s*=\\s*(.+)$`, "m").exec(wranglerToml)?.[1];
  const name = JSON.parse(setting("name") ?? '"myth-metaserver"') as string;
  const compatibilityDate = JSON.parse(setting("compatibility_date") ?? '"2026-04-20"') as string;
  const compatibilityFlags = JSON.parse(setting("compatibility_flags") ?? "[]") as string[];

  const buildDir = await mkdtemp(join(tmpdir(), "myth-edge-"));
  try {
    await build(buildDir);
    const roomConfig =
      options.roomConfig === undefined
        ? ""
        : typeof options.roomConfig === "string"
          ? options.roomConfig
          : JSON.stringify(options.roomConfig);
    const persist = options.persistDir ? options.persistDir : false;
    const mf = new Miniflare({
      name,
      modules: true,
      scriptPath: join(buildDir, "index.js"),
      // Module names are paths relative to this root; the bundle lives outside the cwd.
      modulesRoot: buildDir,
      compatibilityDate,
      compatibilityFlags,
      durableObjects: {
        ROOMS: { className: "Room", useSQLite: true },
        DIRECTORY: { className: "Directory", useSQLite: true },
        LOGIN_LIMITER: { className: "LoginLimiter", useSQLite: true },
        LOGIN_GATEWAY: { className: "LoginGateway", useSQLite: true },
      },
      d1Databases: { DB: D1_DATABASE_ID },
      durableObjectsPersist: persist === false ? false : join(persist, "v3", "do"),
      d1Persist: persist === false ? false : join(persist, "v3", "d1"),
      bindings: {
        ...options.vars,
        ROOM_CONFIG: roomConfig,
        ADMIN_TOKEN: options.adminToken,
        BRIDGE_TOKEN: options.bridgeToken,
      },
      host: options.host ?? "127.0.0.1",
      port: options.port ?? 0,
      ...(options.inspectorPort === undefined ? {} : { inspectorPort: options.inspectorPort }),
      cf: false,
    });
    let url: URL;
    try {
      url = await mf.ready;
      await applyMigrations(mf);
    } catch (err) {
      await mf.dispose();
      throw err;
    }
    let stopped: Promise<void> | null = null;
    return {
      url: url.toString(),
      mf,
      stop() {
        stopped ??= mf.dispose().finally(() => rm(buildDir, { recursive: true, force: true }));
        return stopped;
      },
    };
  } catch (err) {
    await rm(buildDir, { recursive: true, force: true });
    throw err;
  }
}

async function build(outdir: string): Promise<void> {
  const wrangler = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
  try {
    await promisify(execFile)(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", outdir], {
      cwd: ROOT,
      env: { ...process.env, ...OFFLINE_ENV },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`building the worker failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}

/** Applies migrations/*.sql not yet recorded in d1_migrations (wrangler's table), in name order. */
export async function applyMigrations(mf: Miniflare, dir = join(ROOT, "migrations")): Promise<string[]> {
  const db = await mf.getD1Database("DB");
  await db
    .prepare(
      `CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE,
         applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)`,
    )
    .run();
  const done = new Set(
    (await db.prepare("SELECT name FROM d1_migrations").all<{ name: string }>()).results.map(
      (r: { name: string }) => r.name,
    ),
  );
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  const applied: string[] = [];
  for (const file of files) {
    if (done.has(file)) continue;
    const statements = splitSql(await readFile(join(dir, file), "utf8")).map((s) => db.prepare(s));
    // One batch = one transaction: a migration is applied whole or not at all.
    await db.batch([...statements, db.prepare("INSERT INTO d1_migrations (name) VALUES (?)").bind(file)]);
    applied.push(file);
  }
  return applied;
}

/** Splits a migration into statements: drops `--` comments, cuts at `;` outside quotes. */
export function splitSql(sql: string): string[] {
  const statements: string[] = [];
  let current = "";
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i] as string;
    if (quote) {
      current += ch;
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      current += ch;
    } else if (ch === "-" && sql[i + 1] === "-") {
      while (i < sql.length && sql[i] !== "\n") i++;
      current += "\n";
    } else if (ch === ";") {
      if (current.trim()) statements.push(current.trim());
      current = "";
    } else {
      current += ch;
    }
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}
