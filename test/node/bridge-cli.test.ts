import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import { portClosed, processTree, run, waitGone } from "../e2e/service-helpers.ts";

const TOKEN = "cli-token";
const REPO = fileURLToPath(new URL("../..", import.meta.url));
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A minimal edge: /tunnel/config and tunnels, both behind the bridge token. */
async function startEdge(): Promise<{ url: string; tunnels: Promise<[WebSocket, { url?: string }]> }> {
  const http = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401).end();
    res.writeHead(200).end(
      JSON.stringify({
        loginPort: 6321,
        tunnelVersions: [1, 2],
        rooms: [{ id: 1, port: 6323, game: "myth2", name: "R" }],
      }),
    );
  });
  const wss = new WebSocketServer({
    server: http,
    verifyClient: (info: { req: { headers: Record<string, unknown> } }) =>
      info.req.headers.authorization === `Bearer ${TOKEN}`,
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  );
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    tunnels: once(wss, "connection") as Promise<[WebSocket, { url?: string }]>,
  };
}

function runCli(args: string[], env: Record<string, string> = {}): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ["--import", "tsx", "bridge/cli.ts", ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  cleanups.push(() => child.kill("SIGKILL"));
  return { child, output: () => output };
}

async function waitForOutput(run: ReturnType<typeof runCli>, pattern: RegExp): Promise<RegExpMatchArray> {
  for (;;) {
    const match = run.output().match(pattern);
    if (match) return match;
    if (run.child.exitCode !== null) throw new Error(`bridge exited: ${run.output()}`);
    await once(run.child.stdout ?? run.child, "data");
  }
}

describe("bridge cli", () => {
  it("prints where it listens, tunnels a client, and closes cleanly on SIGTERM", async () => {
    const edge = await startEdge();
    const run = runCli(["--edge", edge.url, "--ephemeral-ports"], { BRIDGE_TOKEN: TOKEN });
    const [, port] = await waitForOutput(run, /login on 127\.0\.0\.1:(\d+)/);
    await waitForOutput(run, /room 1 .* on 127\.0\.0\.1:\d+/);

    const socket = connect({ host: "127.0.0.1", port: Number(port) });
    socket.on("error", () => {});
    const socketClosed = once(socket, "close");
    const [ws, request] = await edge.tunnels;
    expect(request.url).toBe("/tunnel/v2/login");
    const wsClosed = once(ws, "close");

    const exited = once(run.child, "exit");
    run.child.kill("SIGTERM");
    expect(await exited).toEqual([0, null]);
    await socketClosed;
    expect((await wsClosed)[0]).toBe(1001);
  });

  it("--log-format json: config, started, stopping and stopped are JSON lines, and no line holds the token", async () => {
    const edge = await startEdge();
    const run = runCli(["--edge", edge.url, "--ephemeral-ports", "--log-format", "json"], { BRIDGE_TOKEN: TOKEN });
    await waitForOutput(run, /"event":"started"/);
    const exited = once(run.child, "exit");
    run.child.kill("SIGTERM");
    expect(await exited).toEqual([0, null]);
    const lines = run
      .output()
      .split("\n")
      .filter((l) => l.trim() !== "");
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const named = (event: string) => events.find((e) => e.component === "bridge" && e.event === event);
    expect(named("config")).toMatchObject({ level: "info", edgeUrl: edge.url, ephemeralPorts: true });
    expect(named("config")).not.toHaveProperty("bridgeToken");
    expect(named("started")).toMatchObject({ loginPort: expect.any(Number), rooms: { 1: expect.any(Number) } });
    expect(named("stopping")).toMatchObject({ signal: "SIGTERM" });
    expect(named("stopped")).toMatchObject({ signal: "SIGTERM", ms: expect.any(Number) });
    expect(run.output()).not.toContain(TOKEN);
  });

  it("npm run bridge: SIGTERM to npm alone closes the sessions and leaves no process or port", async () => {
    const edge = await startEdge();
    const dir = await mkdtemp(join(tmpdir(), "bridge-token-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, "token"), `${TOKEN}\n`, { mode: 0o600 });
    const bridge = run("npm", ["run", "bridge", "--", "--edge", edge.url, "--ephemeral-ports"], {
      BRIDGE_TOKEN: "",
      BRIDGE_TOKEN_FILE: join(dir, "token"),
    });
    cleanups.push(() => bridge.kill());
    const login = Number((await bridge.waitFor(/login on 127\.0\.0\.1:(\d+)/))[1]);
    const room = Number((await bridge.waitFor(/room 1 .* on 127\.0\.0\.1:(\d+)/))[1]);
    const socket = connect({ host: "127.0.0.1", port: login });
    socket.on("error", () => {});
    const socketClosed = once(socket, "close");
    const [ws] = await edge.tunnels;
    const wsClosed = once(ws, "close");
    const tree = processTree(bridge.child.pid as number);

    bridge.child.kill("SIGTERM");
    await socketClosed;
    expect((await wsClosed)[0]).toBe(1001); // "bridge shutting down", not a dropped tunnel
    expect(await waitGone(tree, 10_000)).toEqual([]);
    expect(await portClosed(login)).toBe(true);
    expect(await portClosed(room)).toBe(true);
  });

  it("refuses a plain-http edge that is not on loopback, and warns about --token", async () => {
    const insecure = runCli(["--edge", "http://192.0.2.1:8787", "--token", TOKEN]);
    const [code] = await once(insecure.child, "exit");
    expect(code).toBe(1);
    expect(insecure.output()).toMatch(/--token shows the token to anyone running ps/);
    expect(insecure.output()).toMatch(/refusing plain http to 192\.0\.2\.1:8787.*--allow-insecure-edge/);
  });

  it("exits non-zero when the edge refuses the token", async () => {
    const edge = await startEdge();
    const run = runCli(["--edge", edge.url, "--token", "wrong", "--ephemeral-ports"]);
    const [code] = await once(run.child, "exit");
    expect(code).toBe(1);
    expect(run.output()).toMatch(/401/);
  });

  it("explains its usage when the edge or token is missing", async () => {
    const run = runCli([], { BRIDGE_TOKEN: "", EDGE_URL: "" });
    const [code] = await once(run.child, "exit");
    expect(code).toBe(2);
    expect(run.output()).toMatch(
      /the edge is required: --edge <url> or EDGE_URL\n\(myth-bridge --help lists the options\)/,
    );
  });
});
