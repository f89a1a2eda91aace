/**
 * `npm start`: the whole metaserver on this machine — local edge (workerd) plus the TCP bridge.
 *
 * State (accounts, rooms, games) persists under .state/ (gitignored). Local admin and bridge
 * tokens are generated once and kept in .state/tokens.json; ADMIN_TOKEN / BRIDGE_TOKEN in the
 * environment replace them.
 *
 * Flags (env in brackets):
 *   --host H            address to listen on [HOST], default 127.0.0.1
 *   --http-port N       edge HTTP port [HTTP_PORT], default 8787
 *   --login-port N      login port [LOGIN_PORT], default 6321
 *   --room-config FILE  JSON array of rooms (edge/config.ts RoomConfigInput; each room's
 *                       "port" is where the bridge listens for it) [ROOM_CONFIG_FILE]
 *   --state-dir DIR     where state lives [STATE_DIR], default .state
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startLocalStack } from "./local-stack.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string" },
    "http-port": { type: "string" },
    "login-port": { type: "string" },
    "room-config": { type: "string" },
    "state-dir": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});

if (values.help) {
  console.log("usage: npm start -- [--host H] [--http-port N] [--login-port N] [--room-config FILE] [--state-dir DIR]");
  process.exit(0);
}

const env = process.env;
const stateDir = resolve(values["state-dir"] ?? env.STATE_DIR ?? ".state");
mkdirSync(stateDir, { recursive: true, mode: 0o700 });

const tokens = loadTokens(join(stateDir, "tokens.json"));
const adminToken = env.ADMIN_TOKEN || tokens.adminToken;
const bridgeToken = env.BRIDGE_TOKEN || tokens.bridgeToken;

const roomConfigFile = values["room-config"] ?? env.ROOM_CONFIG_FILE;
const roomConfig = roomConfigFile ? readRoomConfig(roomConfigFile) : undefined;

const stack = await startLocalStack({
  persistDir: join(stateDir, "edge"),
  host: values.host ?? env.HOST ?? "127.0.0.1",
  httpPort: port(values["http-port"] ?? env.HTTP_PORT, 8787),
  loginPort: optionalPort(values["login-port"] ?? env.LOGIN_PORT),
  adminToken,
  bridgeToken,
  roomConfig,
});

const roomLines = [...stack.roomPorts].map(([id, p]) => `    room ${id}: port ${p}`).join("\n");
console.log(`Myth metaserver running (state in ${stateDir})
  HTTP (edge):  ${stack.httpUrl}   status: ${stack.httpUrl}/status.json
  login port:   ${stack.loginPort}
  rooms:
${roomLines}
  admin token:  ${stack.adminToken}
Create an account:
  curl -X POST ${stack.httpUrl}/admin/users -H 'Authorization: Bearer ${stack.adminToken}' \\
    -H 'Content-Type: application/json' -d '{"username":"alice","password":"secret"}'
Press Ctrl-C to stop.`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  const force = setTimeout(() => {
    console.error("did not stop within 10 s; exiting");
    process.exit(1);
  }, 10_000);
  force.unref();
  try {
    await stack.stop();
    process.exit(0);
  } catch (err) {
    console.error("error while stopping:", err);
    process.exit(1);
  }
};
// Miniflare installs an exit hook that exits at once on a signal; take the signals over so the
// bridge ends its sessions before the edge goes (Miniflare's "exit" hook still cleans up workerd).
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.removeAllListeners(signal);
  process.on(signal, () => void stop(signal));
}

/** Reads the generated tokens, creating them (random, 32 bytes hex, file mode 600) on first start. */
function loadTokens(path: string): { adminToken: string; bridgeToken: string } {
  try {
    const saved = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    if (typeof saved.adminToken === "string" && typeof saved.bridgeToken === "string") {
      return { adminToken: saved.adminToken, bridgeToken: saved.bridgeToken };
    }
  } catch {
    // first start (or unreadable file): generate fresh tokens below
  }
  const fresh = { adminToken: randomBytes(32).toString("hex"), bridgeToken: randomBytes(32).toString("hex") };
  writeFileSync(path, `${JSON.stringify(fresh, null, 2)}\n`, { mode: 0o600 });
  return fresh;
}

function readRoomConfig(path: string): string {
  const text = readFileSync(path, "utf8");
  try {
    JSON.parse(text);
  } catch (err) {
    console.error(`room config ${path} is not valid JSON: ${(err as Error).message}`);
    process.exit(2);
  }
  return text;
}

function port(value: string | undefined, fallback: number): number {
  return optionalPort(value) ?? fallback;
}

function optionalPort(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`not a port number: ${value}`);
    process.exit(2);
  }
  return n;
}
