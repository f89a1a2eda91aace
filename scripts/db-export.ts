/**
 * `npm run db:export -- [--state-dir DIR] --out FILE`: the local D1 database (accounts, bans,
 * audit log, applied migrations) of an `npm start` state directory as SQL, the same dump
 * `wrangler d1 export --remote` makes of a deployed one (wrangler's own --local export only
 * reads .wrangler/state). Restore it with
 *   npx wrangler d1 execute DB --local --persist-to <new state dir>/edge --file FILE
 * into a state directory that has not been started yet (docs/admin.md, "Backups").
 * Safe while the stack runs (SQLite reads a consistent snapshot), but best done stopped.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Miniflare } from "miniflare";
import { inTmpdir, readWranglerEdge } from "./local-edge.ts";

/** Dumps the D1 binding DB under stateDir to SQL text. */
export async function exportLocalD1(stateDir: string, wranglerEnv = ""): Promise<string> {
  const d1Dir = join(stateDir, "edge", "v3", "d1");
  if (!existsSync(d1Dir)) throw new Error(`no local D1 database under ${stateDir} (has npm start run with it?)`);
  const { workerOptions } = await readWranglerEdge(undefined, wranglerEnv);
  const db = (workerOptions.d1Databases as Record<string, { id: string } | string> | undefined)?.DB;
  const id = typeof db === "string" ? db : db?.id;
  if (!id) throw new Error("wrangler.toml has no D1 binding DB");
  const scratch = await mkdtemp(join(tmpdir(), "myth-export-"));
  const mf = inTmpdir(
    scratch,
    () => new Miniflare({ modules: true, script: "export default {}", d1Persist: d1Dir, d1Databases: { DB: id } }),
  );
  try {
    const d1 = await mf.getD1Database("DB");
    // Miniflare's export pragma: schema and data of every table, as wrangler d1 export writes them.
    const dump = await d1.prepare("PRAGMA miniflare_d1_export(?,?,?);").bind(false, false).raw<string[]>();
    return `${(dump[0] ?? []).join("\n")}\n`;
  } finally {
    await mf.dispose();
    await rm(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]).endsWith("db-export.ts")) {
  const { values } = parseArgs({ options: { "state-dir": { type: "string" }, out: { type: "string" } } });
  if (!values.out) {
    console.error("usage: npm run db:export -- [--state-dir DIR] --out FILE");
    process.exit(2);
  }
  try {
    const sql = await exportLocalD1(resolve(values["state-dir"] ?? ".state"));
    await writeFile(values.out, sql, { mode: 0o600 });
    console.log(`exported ${sql.split("\n").filter((l) => l.startsWith("INSERT")).length} rows to ${values.out}`);
  } catch (error) {
    console.error(`db:export: ${(error as Error).message}`);
    process.exit(1);
  }
}
