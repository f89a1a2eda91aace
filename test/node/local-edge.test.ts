import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { REQUIRED_MIGRATIONS } from "../../edge/schema.ts";
import { exportLocalD1 } from "../../scripts/db-export.ts";
import { type LocalEdge, splitSql, startLocalEdge } from "../../scripts/local-edge.ts";
import { OFFLINE_ENV, REPO } from "../e2e/service-helpers.ts";

const tokens = { adminToken: "admin-secret", bridgeToken: "bridge-secret" };

function createUser(edge: LocalEdge, body: unknown, token: string | null = tokens.adminToken) {
  return fetch(new URL("/admin/users", edge.url), {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

describe("startLocalEdge", () => {
  const started: LocalEdge[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(started.map((e) => e.stop()));
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it("serves the admin API and the tunnel config from memory", async () => {
    const edge = await startLocalEdge({
      ...tokens,
      roomConfig: [{ id: 3, game: "myth2", type: "unranked", name: "Test room", port: 7003 }],
    });
    started.push(edge);
    expect(edge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    expect((await createUser(edge, { username: "ann", password: "pw" })).status).toBe(201);
    expect((await createUser(edge, { username: "ann", password: "pw" })).status).toBe(409);
    expect((await createUser(edge, { username: "bea", password: "pw" }, null)).status).toBe(401);

    const noToken = await fetch(new URL("/tunnel/config", edge.url));
    expect(noToken.status).toBe(401);
    const res = await fetch(new URL("/tunnel/config", edge.url), {
      headers: { Authorization: `Bearer ${tokens.bridgeToken}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      loginPort: 6321,
      tunnelVersions: [1, 2],
      rooms: [{ id: 3, port: 7003, game: "myth2", name: "Test room" }],
    });
  });

  it("keeps accounts across a restart with the same persistDir", async () => {
    const dir = await mkdtemp(join(tmpdir(), "edge-persist-"));
    dirs.push(dir);
    const first = await startLocalEdge({ ...tokens, persistDir: dir });
    started.push(first);
    expect((await createUser(first, { username: "cat", password: "pw" })).status).toBe(201);
    await first.stop();

    const second = await startLocalEdge({ ...tokens, persistDir: dir });
    started.push(second);
    expect((await createUser(second, { username: "cat", password: "pw" })).status).toBe(409);
    expect((await createUser(second, { username: "dan", password: "pw" })).status).toBe(201);
  });
});

describe("the restore drill of docs/admin.md (Backups)", () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it("an exported D1 restored with wrangler d1 execute into a fresh state brings the accounts back", async () => {
    const root = await mkdtemp(join(tmpdir(), "edge-restore-"));
    dirs.push(root);
    const first = await startLocalEdge({ ...tokens, persistDir: join(root, "a", "edge") });
    expect((await createUser(first, { username: "fay", password: "pw" })).status).toBe(201);
    await first.stop();

    const sql = await exportLocalD1(join(root, "a"));
    expect(sql).toMatch(/INSERT INTO "?users"?/);
    await writeFile(join(root, "backup.sql"), sql);
    const wrangler = join(REPO, "node_modules", "wrangler", "bin", "wrangler.js");
    await promisify(execFile)(
      process.execPath,
      [
        wrangler,
        "d1",
        "execute",
        "DB",
        "--local",
        "--persist-to",
        join(root, "b", "edge"),
        "--file",
        join(root, "backup.sql"),
      ],
      { cwd: REPO, env: { ...process.env, ...OFFLINE_ENV } },
    );

    const restored = await startLocalEdge({ ...tokens, persistDir: join(root, "b", "edge") });
    try {
      expect((await createUser(restored, { username: "fay", password: "pw" })).status).toBe(409);
      const health = await fetch(new URL("/health", restored.url));
      expect(health.status).toBe(200); // the restored migrations table says the schema is current
    } finally {
      await restored.stop();
    }
  });
});

describe("an edge whose D1 migrations are not applied", () => {
  let edge: LocalEdge | undefined;
  afterAll(() => edge?.stop());

  it("is not healthy, and an account cannot be created (503 JSON saying why)", async () => {
    edge = await startLocalEdge({ ...tokens, migrate: false });
    const health = await fetch(new URL("/health", edge.url));
    expect(health.status).toBe(503);
    const body = (await health.json()) as { ok: boolean; checks: { database: string } };
    expect(body.ok).toBe(false);
    expect(body.checks.database).toBe(`D1 migrations not applied: ${REQUIRED_MIGRATIONS.join(", ")}`);

    const res = await createUser(edge, { username: "eve", password: "pw" });
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(((await res.json()) as { error: string }).error).toMatch(/apply the D1 migrations/);
  });
});

describe("splitSql", () => {
  it("cuts at semicolons outside quotes and drops comments", () => {
    expect(
      splitSql("-- a; comment\nCREATE TABLE t (x TEXT DEFAULT ';'); -- tail\nINSERT INTO t VALUES ('a--b');\n"),
    ).toEqual(["CREATE TABLE t (x TEXT DEFAULT ';')", "INSERT INTO t VALUES ('a--b')"]);
  });
});
