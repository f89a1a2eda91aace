/**
 * The bridge as an operator installs it: `npm run build:bridge`, then `npm ci --omit=dev` in the
 * result, run with plain node (no tsx, no dev toolchain) against a real local edge, the token
 * from a file. Its systemd unit passes `systemd-analyze verify` (when the machine has it) and
 * its Dockerfile passes a linter and the rules we hold it to (no Docker daemon here to build it).
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { validate } from "dockerfile-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login } from "../../client/flows.ts";
import { buildBridge } from "../../scripts/build-bridge.ts";
import { type LocalEdge, startLocalEdge } from "../../scripts/local-edge.ts";
import { portClosed, REPO, type Run, run } from "./service-helpers.ts";

const exec = promisify(execFile);
const TOKENS = { adminToken: "package-admin", bridgeToken: "package-bridge-token" };

let dir: string;
let out: string;
let edge: LocalEdge | undefined;
const runs: Run[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bridge-package-"));
  out = join(dir, "myth-bridge");
  [edge] = await Promise.all([
    startLocalEdge(TOKENS),
    (async () => {
      await buildBridge(out);
      await exec("npm", ["ci", "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: out });
    })(),
  ]);
});

afterAll(async () => {
  for (const r of runs) r.kill();
  await edge?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A port nothing listens on right now (the bridge's --metrics-port takes no 0). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function files(root: string, under = ""): string[] {
  return readdirSync(join(root, under), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(root, join(under, e.name)) : [join(under, e.name)],
  );
}

describe("the bridge package", () => {
  it("is plain JavaScript whose only dependencies are ws and prom-client (its /metrics)", () => {
    const shipped = files(out).filter((f) => !f.startsWith("node_modules"));
    expect(shipped.filter((f) => f.endsWith(".ts"))).toEqual([]);
    expect(shipped).toEqual(expect.arrayContaining(["bridge/cli.js", "package.json", "myth-bridge.service"]));
    expect(
      readdirSync(join(out, "node_modules"))
        .filter((f) => !f.startsWith("."))
        .sort(),
    ).toEqual(["@opentelemetry", "bintrees", "prom-client", "tdigest", "ws"]);
    const pkg = JSON.parse(readFileSync(join(out, "package.json"), "utf8"));
    expect(pkg.bin).toEqual({ "myth-bridge": "bridge/cli.js" });
    expect(readFileSync(join(out, "bridge/cli.js"), "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
    // The same versions the checkout runs and tests with.
    const root = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
    expect(pkg.dependencies).toEqual({ ws: root.dependencies.ws, "prom-client": root.dependencies["prom-client"] });
    expect(pkg.version).toBe(root.version);
  });

  it("runs with plain node, the token from a file: a player logs in through it, /health answers, SIGTERM exits 0", async () => {
    const tokenFile = join(dir, "bridge-token");
    await writeFile(tokenFile, `${TOKENS.bridgeToken}\n`, { mode: 0o600 });
    const metricsPort = await freePort();
    const bridge = run(
      process.execPath,
      [join(out, "bridge/cli.js"), "--ephemeral-ports", "--health-port", "0", "--metrics-port", String(metricsPort)],
      // Nothing of the checkout: no NODE_OPTIONS loader, not even its node_modules on the path.
      { NODE_OPTIONS: "", BRIDGE_TOKEN: "", EDGE_URL: edge?.url, BRIDGE_TOKEN_FILE: tokenFile },
    );
    runs.push(bridge);
    const loginPort = Number((await bridge.waitFor(/login on 127\.0\.0\.1:(\d+)/))[1]);
    const healthPort = Number((await bridge.waitFor(/health on http:\/\/127\.0\.0\.1:(\d+)\/health/))[1]);

    const result = await login("127.0.0.1", loginPort, { dialect: "myth2", user: "pkg", password: "" });
    expect(result.rooms.length).toBeGreaterThan(0);
    const health = await fetch(`http://127.0.0.1:${healthPort}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, loginPort });
    await bridge.waitFor(/metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^myth_bridge_tunnels_opened_total 1$/m);

    bridge.child.kill("SIGTERM");
    expect(await bridge.exited).toEqual({ code: 0, signal: null });
    expect(await portClosed(loginPort)).toBe(true);
    expect(await portClosed(healthPort)).toBe(true);
  });

  it.runIf(existsSync("/usr/bin/systemd-analyze"))(
    "its systemd unit passes systemd-analyze verify without a warning",
    async () => {
      const unit = readFileSync(join(REPO, "packaging/bridge/myth-bridge.service"), "utf8")
        // The unit names the installed paths; point them at this build so verify can check them.
        .replace("/usr/bin/node", process.execPath)
        .replace("/opt/myth-bridge/", `${out}/`);
      const path = join(dir, "myth-bridge.service");
      await writeFile(path, unit);
      const { stdout, stderr } = await exec("systemd-analyze", ["verify", path]);
      expect(`${stdout}${stderr}`.trim()).toBe("");
    },
  );
});

describe("the bridge's Dockerfile", () => {
  const text = readFileSync(join(REPO, "packaging/bridge/Dockerfile"), "utf8");
  // Instructions with their continuation lines joined, comments dropped.
  const instructions = text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const lastFrom = instructions.map((l) => l.startsWith("FROM ")).lastIndexOf(true);
  const runtime = instructions.slice(lastFrom);

  it("passes the linter", () => {
    expect(validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it("runs the built JavaScript as a non-root user, with a health check", () => {
    const user = runtime.filter((l) => l.startsWith("USER ")).pop();
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)\b/);
    expect(runtime.some((l) => /^HEALTHCHECK .*\/health/.test(l))).toBe(true);
    expect(runtime.find((l) => l.startsWith("ENTRYPOINT "))).toBe('ENTRYPOINT ["node", "bridge/cli.js"]');
    expect(runtime.join("\n")).not.toMatch(/tsx|typescript/);
    expect(runtime).toContain("RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force");
  });

  it("copies only files that exist, and the context leaves state and secrets out", () => {
    for (const line of instructions.filter((l) => l.startsWith("COPY ") && !l.includes("--from="))) {
      const sources = line.split(/\s+/).slice(1, -1);
      for (const source of sources) expect(existsSync(join(REPO, source)), `${line}: ${source}`).toBe(true);
    }
    const ignored = readFileSync(join(REPO, ".dockerignore"), "utf8").split("\n");
    expect(ignored).toEqual(expect.arrayContaining([".state", "node_modules", ".dev.vars"]));
  });
});
