/**
 * `npm start` run as a service manager runs it: signals to the process or its group stop
 * everything (bridge first, sessions closed), no child or temporary folder survives; every
 * Worker var reaches the edge from a flag, the environment or wrangler.toml; bad settings are
 * one line and a non-zero exit before anything starts; the admin token is printed once and the
 * state directory is private.
 */
import { chmodSync, lstatSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { joinRoom, login, ServerRefusal } from "../../client/flows.ts";
import { portClosed, printedPorts, processTree, REPO, type Run, run, waitGone } from "./service-helpers.ts";

const runs: Run[] = [];
let root: string;
afterAll(async () => {
  for (const r of runs) r.kill();
  if (root) await rm(root, { recursive: true, force: true });
});

async function scratch(name: string): Promise<string> {
  root ??= await mkdtemp(join(tmpdir(), "service-test-"));
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Starts `npm start -- …` on ephemeral ports with a private TMPDIR; resolves once it is up. */
async function npmStart(args: string[], env: Record<string, string> = {}) {
  const tmp = await scratch(`tmp-${runs.length}`);
  const started = run("npm", ["start", "--", "--ephemeral-ports", ...args], { TMPDIR: tmp, ...env });
  runs.push(started);
  await started.waitFor(/Press Ctrl-C/);
  const ports = printedPorts(started.output());
  return { started, tmp, ports, tree: processTree(started.child.pid as number) };
}

async function guestRefused(loginPort: number): Promise<number | null> {
  try {
    await login("127.0.0.1", loginPort, { dialect: "myth2", user: "someone", password: "", timeoutMs: 15_000 });
    return null;
  } catch (error) {
    if (error instanceof ServerRefusal) return error.code;
    throw error;
  }
}

/** After a stop: every process of the tree gone and every port closed within 10 s, TMPDIR empty. */
async function expectAllGone(started: Run, tree: number[], ports: ReturnType<typeof printedPorts>, tmp: string) {
  expect(await waitGone(tree, 10_000)).toEqual([]);
  await started.exited;
  for (const port of [ports.http, ports.login, ...ports.rooms.values()]) expect(await portClosed(port)).toBe(true);
  // tsx keeps its compile cache in tsx-<uid> on purpose (it is reused by the next start).
  expect(readdirSync(tmp).filter((f) => !f.startsWith("tsx-"))).toEqual([]);
}

function modes(dir: string): { path: string; mode: number }[] {
  const out: { path: string; mode: number }[] = [];
  const walk = (path: string) => {
    const stat = lstatSync(path);
    out.push({ path, mode: stat.mode & 0o777 });
    if (stat.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
  };
  walk(dir);
  return out;
}

describe("npm start as a service", () => {
  let state: string;
  let adminToken: string;

  it("SIGTERM to npm alone ends the sessions, then the edge: no process, port or temp folder left (--allow-guests false)", async () => {
    state = await scratch("state");
    const { started, tmp, ports, tree } = await npmStart(["--state-dir", state, "--allow-guests", "false"]);
    // First start: the generated token is printed, once.
    adminToken = (
      /admin token:\s+([0-9a-f]{64})\s+\(generated now/.exec(started.output()) as RegExpExecArray
    )[1] as string;
    expect(tree.length).toBeGreaterThanOrEqual(4); // npm, node, the edge's node, workerd (and tsx's esbuild)

    const created = await fetch(`http://127.0.0.1:${ports.http}/admin/users`, {
      method: "POST",
      headers: { Authorization: `Bearer ${adminToken}`, "Content-Type": "application/json" },
      body: JSON.stringify({ username: "alice", password: "secret" }),
    });
    expect(created.status).toBe(201);
    expect(await guestRefused(ports.login)).toBe(16); // GoS: guests disallowed (builds ≥ 428)
    const alice = await login("127.0.0.1", ports.login, { dialect: "myth2", user: "alice", password: "secret" });
    const session = await joinRoom("127.0.0.1", ports.rooms.get(0) as number, {
      dialect: "myth2",
      token: alice.token,
      userName: "alice",
      playerData: alice.playerData,
    });

    started.child.kill("SIGTERM");
    await session.client.closed; // the bridge ended the session before the edge went
    await expectAllGone(started, tree, ports, tmp);
    expect(started.output()).toMatch(/npm start: SIGTERM, stopping/);
  });

  it("a second start keeps the token to itself, makes the state private, and takes ALLOW_GUESTS from the environment; SIGTERM to the group stops it", async () => {
    // Loosen what the first run made, as an older version or a careless copy would have left it.
    chmodSync(state, 0o755);
    chmodSync(join(state, "tokens.json"), 0o644);
    for (const { path } of modes(state)) if (statSync(path).isFile()) chmodSync(path, 0o644);

    const { started, tmp, ports, tree } = await npmStart(["--state-dir", state], { ALLOW_GUESTS: "false" });
    expect(started.output()).not.toContain(adminToken);
    expect(started.output()).toContain(`admin token:  in ${join(state, "tokens.json")}`);
    for (const { path, mode } of modes(state)) {
      expect({ path, mode: mode.toString(8) }).toEqual({ path, mode: statSync(path).isDirectory() ? "700" : "600" });
    }

    expect(await guestRefused(ports.login)).toBe(16); // GoS: guests disallowed (builds ≥ 428)
    // The account made in the first run is still there.
    const alice = await login("127.0.0.1", ports.login, { dialect: "myth2", user: "alice", password: "secret" });
    expect(alice.token.length).toBe(32);

    process.kill(-(started.child.pid as number), "SIGTERM");
    await expectAllGone(started, tree, ports, tmp);
  });

  it("takes ALLOW_GUESTS from wrangler.toml [vars] (--config); SIGINT stops it", async () => {
    const dir = await scratch("config");
    const toml = readFileSync(join(REPO, "wrangler.toml"), "utf8")
      .replace('main = "worker/index.ts"', `main = ${JSON.stringify(join(REPO, "worker/index.ts"))}`)
      .replaceAll('migrations_dir = "migrations"', `migrations_dir = ${JSON.stringify(join(REPO, "migrations"))}`)
      .replace(/^\[vars\]$/m, '[vars]\nALLOW_GUESTS = "false"');
    expect(toml).toContain('ALLOW_GUESTS = "false"');
    writeFileSync(join(dir, "wrangler.toml"), toml);

    const { started, tmp, ports, tree } = await npmStart([
      "--state-dir",
      join(dir, "state"),
      "--config",
      join(dir, "wrangler.toml"),
    ]);
    expect(await guestRefused(ports.login)).toBe(16); // GoS: guests disallowed (builds ≥ 428)
    started.child.kill("SIGINT");
    await expectAllGone(started, tree, ports, tmp);
  });
});

describe("npm start --log-format json", () => {
  it("says config, started, stopping and stopped as JSON lines, with the ports and never a token", async () => {
    const tmp = await scratch("json-tmp");
    const state = await scratch("json-state");
    const started = run("npm", ["start", "--", "--ephemeral-ports", "--log-format", "json", "--state-dir", state], {
      TMPDIR: tmp,
    });
    runs.push(started);
    await started.waitFor(/"component":"start","event":"started"/);
    const events = () =>
      started
        .output()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const find = (component: string, event: string) =>
      events().find((e) => e.component === component && e.event === event);
    expect(find("start", "config")).toMatchObject({ stateDir: state, ephemeralPorts: true, rooms: expect.any(Array) });
    const up = find("start", "started") as { loginPort: number; http: string; adminToken: string };
    expect(up.adminToken).toBe(`in ${join(state, "tokens.json")}`);
    // The ports it names are the ones that answer.
    const health = await fetch(`${up.http}/health`);
    expect(health.status).toBe(200);
    await expect(guestRefused(up.loginPort)).resolves.toBeNull();
    const tokens = JSON.parse(readFileSync(join(state, "tokens.json"), "utf8")) as Record<string, string>;
    for (const secret of Object.values(tokens)) expect(started.output()).not.toContain(secret);

    started.child.kill("SIGTERM");
    expect((await started.exited).code).toBe(0);
    expect(find("npm start", "stopping")).toMatchObject({ signal: "SIGTERM" });
    expect(find("npm start", "stopped")).toMatchObject({ ms: expect.any(Number) });
  });
});

describe("npm start refuses bad settings in one line, before starting anything", () => {
  async function refused(args: string[], env: Record<string, string> = {}, npmArgs?: string[]) {
    const started = run("npm", npmArgs ?? ["start", "--", ...args], env);
    runs.push(started);
    const { code } = await started.exited;
    const lines = started
      .output()
      .split("\n")
      .filter((l) => l.startsWith("npm start:"));
    expect(started.output()).not.toMatch(/\n\s+at |Myth metaserver running/);
    return { code, lines };
  }

  it("names the room and the field of a bad room config", async () => {
    const dir = await scratch("bad-rooms");
    const file = join(dir, "rooms.json");
    writeFileSync(
      file,
      JSON.stringify([
        { id: 0, game: "myth2", type: "unranked" },
        { id: 7, game: "myth2", type: "rank" },
      ]),
    );
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const busyPort = (busy.address() as AddressInfo).port;
    try {
      const results = await Promise.all([
        refused(["--room-config", file]),
        refused(["--room-config", join(dir, "missing.json")]),
        refused(["--host", "localhost"]),
        refused(["--port", "8080"]),
        refused(["--http-port", String(busyPort), "--state-dir", join(dir, "state")]),
        refused([], {}, ["start", "--room-config", file]),
      ]);
      const [rooms, missing, host, port, inUse, swallowed] = results;
      for (const r of results) {
        expect(r.code).toBe(2);
        expect(r.lines).toHaveLength(1);
      }
      expect(rooms?.lines[0]).toMatch(
        /ROOM_CONFIG\[1\] \(room 7\)\.type must be one of unranked, ranked, tournament, got "rank" \(from --room-config .*rooms\.json\)/,
      );
      expect(missing?.lines[0]).toMatch(/cannot read the room config .*missing\.json: no such file/);
      expect(host?.lines[0]).toMatch(/--host must be an IPv4 address .*"localhost"; use 127\.0\.0\.1/);
      expect(port?.lines[0]).toMatch(/unknown option --port \(the edge's HTTP port is `npm start -- --http-port N`/);
      expect(inUse?.lines[0]).toMatch(
        new RegExp(`port ${busyPort} on 127\\.0\\.0\\.1 \\(edge HTTP, --http-port\\) is already in use`),
      );
      expect(swallowed?.lines[0]).toMatch(/npm took --room-config for itself: write `npm start -- --room-config/);
    } finally {
      busy.close();
    }
  });
});
