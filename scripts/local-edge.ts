/**
 * The edge (Worker + Durable Objects + D1 + R2) in local workerd, started from Node without
 * `wrangler dev`: bundle with `wrangler deploy --dry-run`, run the bundle in Miniflare with the
 * bindings and vars wrangler.toml declares (read by wrangler itself, so a binding added there
 * needs nothing here), apply pending D1 migrations. Nothing leaves this machine (offline env
 * vars, cf: false, loopback).
 *
 * State under persistDir uses wrangler's layout (<dir>/v3/do, <dir>/v3/d1, <dir>/v3/r2) and the
 * worker's name, so `wrangler dev --persist-to <dir>` and `wrangler d1 export --local
 * --persist-to <dir>` see the same accounts and objects.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Miniflare, type WorkerOptions } from "miniflare";
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
  /** Worker vars over wrangler.toml's [vars] (edge/config.ts lists them), e.g. { ALLOW_GUESTS: "false" }. */
  vars?: Readonly<Record<string, string>> | undefined;
  /** The wrangler configuration (default: the repository's wrangler.toml), already read or a path. */
  wrangler?: WranglerEdge | string | undefined;
  /** Its environment ("" or absent: the top level, i.e. local). */
  wranglerEnv?: string | undefined;
  /** Apply pending D1 migrations at start (default true; false shows an edge whose schema is behind). */
  migrate?: boolean | undefined;
  /** Open workerd's V8 inspector on this port (0 ⇒ ephemeral; see mf.getInspectorURL()), e.g. for CPU profiles. */
  inspectorPort?: number | undefined;
}

export interface LocalEdge {
  /** Base URL with a trailing slash, e.g. "http://127.0.0.1:40123/". */
  url: string;
  mf: Miniflare;
  stop(): Promise<void>;
}

/** What the local edge takes from a wrangler configuration. */
export interface WranglerEdge {
  readonly configPath: string;
  readonly env: string;
  /** The Worker's name in that environment (names its Durable Object state). */
  readonly name: string;
  /** Bindings, vars, compatibility settings, as wrangler hands them to Miniflare. */
  readonly workerOptions: Omit<WorkerOptions, "script" | "scriptPath" | "modules" | "modulesRoot">;
  /** [vars] of that environment. */
  readonly vars: Readonly<Record<string, string>>;
}

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const DEFAULT_WRANGLER_CONFIG = join(ROOT, "wrangler.toml");
const OFFLINE_ENV = {
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  WRANGLER_SEND_ERROR_REPORTS: "false",
};

const wranglerReads = new Map<string, Promise<WranglerEdge>>();

/**
 * Reads a wrangler configuration the way `wrangler dev` would (throws wrangler's own message if
 * it is broken). Read once per process and file: tests start many edges.
 */
export function readWranglerEdge(configPath = DEFAULT_WRANGLER_CONFIG, env = ""): Promise<WranglerEdge> {
  const key = `${configPath}\0${env}`;
  let read = wranglerReads.get(key);
  if (!read) {
    read = readWranglerConfig(configPath, env);
    read.catch(() => wranglerReads.delete(key));
    wranglerReads.set(key, read);
  }
  return read;
}

async function readWranglerConfig(configPath: string, env: string): Promise<WranglerEdge> {
  Object.assign(process.env, { ...OFFLINE_ENV, ...process.env });
  const wrangler = await import("wrangler");
  const config = wrangler.unstable_readConfig({ config: configPath, env: env || undefined });
  const { workerOptions } = wrangler.unstable_getMiniflareWorkerOptions(configPath, env || undefined);
  const vars = Object.fromEntries(
    Object.entries(config.vars ?? {}).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
  return { configPath, env, name: config.name ?? "myth-metaserver", workerOptions, vars };
}

export async function startLocalEdge(options: LocalEdgeOptions): Promise<LocalEdge> {
  const buildDir = await mkdtemp(join(tmpdir(), "myth-edge-"));
  try {
    // Reading the configuration (wrangler's module, in this process) overlaps with the bundle (a wrangler child).
    const source = options.wrangler;
    const [wrangler] = await Promise.all([
      typeof source === "object" ? source : readWranglerEdge(source, options.wranglerEnv),
      build(
        buildDir,
        typeof source === "object" ? source.configPath : (source ?? DEFAULT_WRANGLER_CONFIG),
        typeof source === "object" ? source.env : (options.wranglerEnv ?? ""),
      ),
    ]);
    const persist = options.persistDir ? options.persistDir : false;
    // Miniflare makes a scratch folder in os.tmpdir() and removes it on dispose without waiting
    // (so a process that exits right after leaves it behind): have it made in ours, removed below.
    const mf = inTmpdir(
      buildDir,
      () =>
        new Miniflare({
          ...wrangler.workerOptions,
          name: wrangler.name,
          modules: true,
          scriptPath: join(buildDir, "index.js"),
          // Module names are paths relative to this root; the bundle lives outside the cwd.
          modulesRoot: buildDir,
          durableObjectsPersist: persist === false ? false : join(persist, "v3", "do"),
          d1Persist: persist === false ? false : join(persist, "v3", "d1"),
          r2Persist: persist === false ? false : join(persist, "v3", "r2"),
          bindings: {
            ...wrangler.workerOptions.bindings,
            ...options.vars,
            ...(options.roomConfig === undefined
              ? {}
              : {
                  ROOM_CONFIG:
                    typeof options.roomConfig === "string" ? options.roomConfig : JSON.stringify(options.roomConfig),
                }),
            ADMIN_TOKEN: options.adminToken,
            BRIDGE_TOKEN: options.bridgeToken,
          },
          host: options.host ?? "127.0.0.1",
          port: options.port ?? 0,
          ...(options.inspectorPort === undefined ? {} : { inspectorPort: options.inspectorPort }),
          cf: false,
        }),
    );
    let url: URL;
    try {
      url = await mf.ready;
      if (options.migrate !== false) await applyMigrations(mf);
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

/** Runs make() with os.tmpdir() pointing at dir (where Miniflare puts its scratch folder). */
export function inTmpdir<T>(dir: string, make: () => T): T {
  const before = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return make();
  } finally {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
  }
}

async function build(outdir: string, configPath: string, env: string): Promise<void> {
  const wrangler = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
  const args = ["deploy", "--dry-run", "--outdir", outdir, "--config", configPath, `--env=${env}`];
  try {
    await promisify(execFile)(process.execPath, [wrangler, ...args], {
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

/**
 * Splits a migration into statements: drops `--` comments, cuts at `;` outside quotes. A
 * CREATE TRIGGER runs to its END: the `;` inside its body do not end it (as wrangler splits).
 */
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
    } else if (
      ch === ";" &&
      /^\s*CREATE\s+(TEMP\s+|TEMPORARY\s+)?TRIGGER\b/i.test(current) &&
      !/\bEND\s*$/i.test(current)
    ) {
      current += ch;
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
