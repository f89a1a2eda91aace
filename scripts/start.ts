/**
 * `npm start`: the whole metaserver on this machine — the edge (local workerd, in a child
 * process of its own: scripts/edge-process.ts) and the TCP bridge (in this process).
 * `npm start -- --help` lists every flag, Worker var and bridge limit with its default
 * (scripts/start-config.ts).
 *
 * Run as a service: SIGTERM or SIGINT, to this process or its group, stops the bridge first
 * (every session ends with a clean close), then the edge; a second signal forces it. Every
 * setting is checked before anything starts, and a bad one is a single line and exit code 2.
 *
 * State (accounts, rooms, games) persists under the state directory (.state/, mode 700, files
 * 600). The admin and bridge tokens are generated on the first start into tokens.json there;
 * ADMIN_TOKEN / BRIDGE_TOKEN in the environment replace them.
 */

import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { log, logFormat, setLogFormat, withoutSecrets } from "../bridge/log.ts";
import { type Bridge, startBridge } from "../bridge/server.ts";
import { handleShutdownSignals } from "../bridge/shutdown.ts";
import type { EdgeReply, EdgeRequest } from "./edge-process.ts";
import { readWranglerEdge, type WranglerEdge } from "./local-edge.ts";
import {
  checkPortsFree,
  exposureWarning,
  parseStartArgs,
  resolveEdgeVars,
  StartError,
  startHelp,
} from "./start-config.ts";

const EDGE_START_TIMEOUT_MS = 120_000;

async function main(): Promise<void> {
  const args = parseStartArgs(process.argv.slice(2), process.env);
  setLogFormat(args.logFormat);
  if (args.help) {
    console.log(startHelp());
    return;
  }
  const env = process.env;

  let wrangler: WranglerEdge;
  try {
    wrangler = await readWranglerEdge(args.wranglerConfig && resolve(args.wranglerConfig), args.wranglerEnv);
  } catch (error) {
    throw new StartError(`cannot read the wrangler configuration: ${oneLine(error)}`);
  }
  const label = relative(process.cwd(), wrangler.configPath) + (args.wranglerEnv ? ` [env.${args.wranglerEnv}]` : "");
  const { vars, config } = resolveEdgeVars(args, wrangler.vars, label);

  const ephemeral = args.ephemeralPorts;
  await checkPortsFree(args.host, [
    { port: ephemeral ? 0 : args.httpPort, what: "edge HTTP, --http-port" },
    { port: ephemeral ? 0 : config.loginPort, what: "the login port, --login-port" },
    ...config.rooms.map((r) => ({ port: ephemeral ? 0 : r.port, what: `room ${r.id}, its "port" in the room config` })),
  ]);
  const json = args.logFormat === "json";
  const warning = exposureWarning(args.host, args.httpPort);
  if (warning) {
    if (json) log("warn", "start", "exposure", { warning });
    else console.error(`npm start: ${warning}`);
  }

  const stateDir = resolve(args.stateDir);
  // Files made from here on (D1, Durable Object state, tokens) are for this user only.
  process.umask(0o077);
  prepareStateDir(stateDir);
  const tokens = loadTokens(join(stateDir, "tokens.json"));
  const adminToken = env.ADMIN_TOKEN || tokens.adminToken;
  const bridgeToken = env.BRIDGE_TOKEN || tokens.bridgeToken;

  if (json) {
    // What runs (ports, state, the bridge's limits, which Worker vars are set): never a token.
    log("info", "start", "config", {
      host: args.host,
      httpPort: ephemeral ? 0 : args.httpPort,
      loginPort: ephemeral ? 0 : config.loginPort,
      ephemeralPorts: ephemeral,
      stateDir,
      wranglerConfig: wrangler.configPath,
      ...(wrangler.env ? { wranglerEnv: wrangler.env } : {}),
      rooms: config.rooms.map((r) => ({ id: r.id, game: r.game, name: r.name, port: r.port })),
      varsSet: Object.keys(vars).sort(),
      bridgeLimits: withoutSecrets(args.bridgeLimits),
      adminToken: env.ADMIN_TOKEN ? "from the environment" : `in ${tokens.path}`,
    });
  }
  const edge = await startEdgeProcess({
    persistDir: join(stateDir, "edge"),
    host: args.host,
    port: ephemeral ? 0 : args.httpPort,
    adminToken,
    bridgeToken,
    wrangler,
    vars,
  });
  let bridge: Bridge;
  try {
    bridge = await startBridge({
      edgeUrl: edge.url,
      bridgeToken,
      host: args.host,
      // Its own edge on this machine, on the same address; the exposure warning above said the rest.
      allowInsecureEdge: true,
      ephemeralPorts: ephemeral,
      ...args.bridgeLimits,
    });
  } catch (error) {
    await edge.stop();
    throw new StartError(`the bridge did not start: ${firstLine(error)}`);
  }

  handleShutdownSignals({
    name: "npm start",
    stop: async () => {
      await bridge.close(); // sessions end cleanly while the edge still answers
      await edge.stop();
    },
    force: () => edge.kill(),
  });
  edge.child.once("exit", (code, signal) => {
    if (edge.stopping) return;
    if (json) log("error", "start", "edge.exited", { code, signal });
    else console.error(`npm start: the edge exited (${signal ?? `code ${code}`}); stopping the bridge`);
    void bridge.close().then(() => process.exit(1));
  });

  const httpUrl = edge.url.replace(/\/$/, "");
  if (json) {
    log("info", "start", "started", {
      http: httpUrl,
      dashboard: `${httpUrl}/admin/`,
      metrics: `${httpUrl}/metrics`,
      ...(bridge.metricsPort !== null ? { bridgeMetrics: `http://127.0.0.1:${bridge.metricsPort}/metrics` } : {}),
      loginPort: bridge.loginPort,
      rooms: Object.fromEntries(bridge.roomPorts),
      // Where the admin token is, never the token (a generated one is printed only in the plain banner).
      adminToken: env.ADMIN_TOKEN ? "from the environment" : `in ${tokens.path}`,
    });
    return;
  }
  const roomLines = [...bridge.roomPorts].map(([id, p]) => `    room ${id}: port ${p}`).join("\n");
  const tokenLine = env.ADMIN_TOKEN
    ? "from ADMIN_TOKEN in the environment"
    : tokens.generated
      ? `${adminToken}  (generated now; kept in ${tokens.path}, shown only this once)`
      : `in ${tokens.path} (adminToken)`;
  console.log(`Myth metaserver running (state in ${stateDir}${wrangler.env ? `, env ${wrangler.env}` : ""})
  HTTP (edge):  ${httpUrl}   status: ${httpUrl}/status.json   health: ${httpUrl}/health
  dashboard:    ${httpUrl}/admin/   API reference: ${httpUrl}/admin/docs   metrics: ${httpUrl}/metrics (admin token)${bridge.metricsPort !== null ? `\n  bridge metrics: http://127.0.0.1:${bridge.metricsPort}/metrics` : ""}
  login port:   ${bridge.loginPort}
  rooms:
${roomLines}
  admin token:  ${tokenLine}
Create an account:
  ADMIN_TOKEN=${env.ADMIN_TOKEN ? "…" : `$(node -p 'require(${JSON.stringify(tokens.path)}).adminToken')`}
  curl -X POST ${httpUrl}/admin/users -H "Authorization: Bearer $ADMIN_TOKEN" \\
    -H 'Content-Type: application/json' -d '{"username":"alice","password":"secret"}'
Press Ctrl-C (or send SIGTERM) to stop.`);
}

interface EdgeProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly stopping: boolean;
  stop(): Promise<void>;
  /** Kills the edge and its workerd outright (their own process group). */
  kill(): void;
}

/** Starts scripts/edge-process.ts in its own process group and waits until the edge answers. */
function startEdgeProcess(options: Extract<EdgeRequest, { type: "start" }>["options"]): Promise<EdgeProcess> {
  const child = fork(fileURLToPath(new URL("./edge-process.ts", import.meta.url)), [], {
    execArgv: ["--import", "tsx"],
    detached: true,
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let stopping = false;
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const kill = () => {
    try {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  // If this process ends any other way, the edge must not outlive it (the child also watches its IPC channel).
  process.once("exit", kill);
  return new Promise((resolveStart, rejectStart) => {
    const timer = setTimeout(() => {
      kill();
      rejectStart(new StartError(`the edge did not start within ${EDGE_START_TIMEOUT_MS / 1000} s`));
    }, EDGE_START_TIMEOUT_MS);
    child.once("exit", (code) => {
      clearTimeout(timer);
      rejectStart(new StartError(`the edge exited while starting (code ${code})`));
    });
    child.on("message", (message: EdgeReply) => {
      clearTimeout(timer);
      if (message.type === "failed") return rejectStart(new StartError(`the edge did not start: ${message.message}`));
      resolveStart({
        url: message.url,
        child,
        get stopping() {
          return stopping;
        },
        stop() {
          stopping = true;
          if (child.exitCode === null && child.signalCode === null) child.send({ type: "stop" } satisfies EdgeRequest);
          return exited;
        },
        kill,
      });
    });
    child.send({ type: "start", options } satisfies EdgeRequest);
  });
}

/** Creates the state directory, and forces an existing one (and everything in it) to this user only. */
function prepareStateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const walk = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    if (stat.isDirectory()) {
      chmodSync(path, 0o700);
      for (const entry of readdirSync(path)) walk(join(path, entry));
    } else {
      chmodSync(path, 0o600);
    }
  };
  walk(dir);
}

interface Tokens {
  adminToken: string;
  bridgeToken: string;
  path: string;
  /** Made just now (first start): the only time the admin token is printed. */
  generated: boolean;
}

/** Reads the generated tokens, creating them (random, 32 bytes hex, mode 600) on the first start. */
function loadTokens(path: string): Tokens {
  let text: string | undefined;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new StartError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code}`);
    }
  }
  if (text !== undefined) {
    let saved: Record<string, unknown> = {};
    try {
      saved = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // reported below
    }
    if (typeof saved.adminToken !== "string" || typeof saved.bridgeToken !== "string") {
      throw new StartError(`${path} is not a tokens file (adminToken, bridgeToken): fix or delete it`);
    }
    return { adminToken: saved.adminToken, bridgeToken: saved.bridgeToken, path, generated: false };
  }
  const fresh = { adminToken: randomBytes(32).toString("hex"), bridgeToken: randomBytes(32).toString("hex") };
  writeFileSync(path, `${JSON.stringify(fresh, null, 2)}\n`, { mode: 0o600 });
  return { ...fresh, path, generated: true };
}

/** A multi-line message (wrangler's) as one line. */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .split("\n")
    .map((l) => l.trim().replace(/^- /, ""))
    .filter((l) => l !== "")
    .join(" ");
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (
    message
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l !== "") ?? message
  );
}

main().catch((error: unknown) => {
  if (error instanceof StartError) {
    if (logFormat() === "json") log("error", "start", "start.failed", { error: error.message });
    else console.error(`npm start: ${error.message}`);
    process.exit(2);
  }
  console.error("npm start: unexpected error:", error);
  process.exit(1);
});
