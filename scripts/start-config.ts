/**
 * What `npm start` is told: its own flags, every Worker var (the EDGE_VARS table in
 * edge/config.ts) and every bridge limit (bridge/limits.ts). A Worker var is taken, strongest
 * first, from its flag (`--allow-guests false`), the environment (`ALLOW_GUESTS=false`),
 * wrangler.toml [vars] of the chosen environment, then its default — the same var and the same
 * parser as on Cloudflare, so a setting that works here works deployed.
 *
 * Everything is checked before anything starts; a problem is a StartError: one line naming the
 * flag, var, room or port, exit code 2.
 */
import { readFileSync } from "node:fs";
import { createServer, isIPv4 } from "node:net";
import { parseArgs } from "node:util";
import { isLoopbackHost } from "../bridge/config.ts";
import { BRIDGE_LIMIT_FLAGS, limitArgOptions, limitHelp, readLimits } from "../bridge/limits.ts";
import { LOG_FORMATS, type LogFormat } from "../bridge/log.ts";
import { listenFailure } from "../bridge/server.ts";
import { CONFIG_VARS, ConfigError, type ConfigVar, EDGE_VARS, type EdgeConfig, loadConfig } from "../edge/config.ts";

export class StartError extends Error {}

/** Worker vars with a flag of their own in `npm start` (the others take `--<var-in-kebab-case>`). */
const OWN_FLAG: Partial<Record<ConfigVar, string>> = { ROOM_CONFIG: "room-config", LOGIN_PORT: "login-port" };

export function varFlag(name: ConfigVar): string {
  return OWN_FLAG[name] ?? name.toLowerCase().replaceAll("_", "-");
}

const START_FLAGS = {
  host: { type: "string" },
  "http-port": { type: "string" },
  "login-port": { type: "string" },
  "ephemeral-ports": { type: "boolean" },
  "room-config": { type: "string" },
  "state-dir": { type: "string" },
  config: { type: "string" },
  env: { type: "string" },
  "log-format": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Flags a user would pass, wrongly, to npm itself: `npm start --port` sets npm_config_port. */
const HINTS: Record<string, string> = {
  port: "the edge's HTTP port is `npm start -- --http-port N`, the login port `--login-port N`",
  "edge-port": "the edge's HTTP port is --http-port",
  token: "tokens come from ADMIN_TOKEN / BRIDGE_TOKEN in the environment or <state-dir>/tokens.json",
};

export interface StartArgs {
  readonly help: boolean;
  readonly host: string;
  readonly httpPort: number;
  readonly ephemeralPorts: boolean;
  readonly stateDir: string;
  readonly wranglerConfig: string | undefined;
  readonly wranglerEnv: string;
  /** Worker vars given as flags or in the environment, with where each came from. */
  readonly vars: Readonly<Record<string, { value: string; source: string }>>;
  readonly bridgeLimits: ReturnType<typeof readLimits>;
  /** The bridge's log lines (bridge/log.ts). */
  readonly logFormat: LogFormat;
}

function edgeVarOptions(): Record<string, { type: "string" }> {
  return Object.fromEntries(
    CONFIG_VARS.filter((v) => !OWN_FLAG[v]).map((v) => [varFlag(v), { type: "string" as const }]),
  );
}

/** Parses argv and the environment; touches nothing. */
export function parseStartArgs(argv: readonly string[], env: NodeJS.ProcessEnv): StartArgs {
  swallowedByNpm(env);
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { ...START_FLAGS, ...edgeVarOptions(), ...limitArgOptions() },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '--?([^']+)'/.exec(message)?.[1];
    if (unknown) {
      throw new StartError(`unknown option --${unknown}${HINTS[unknown] ? ` (${HINTS[unknown]})` : ""}`);
    }
    throw new StartError(message.split(". ")[0] ?? message);
  }
  const str = (name: string) => values[name] as string | undefined;

  const host = str("host") ?? env.HOST ?? "127.0.0.1";
  if (!isIPv4(host)) {
    throw new StartError(
      `--host must be an IPv4 address (legacy clients carry 32-bit addresses only), got ${JSON.stringify(host)}` +
        (host === "localhost" ? "; use 127.0.0.1" : ""),
    );
  }

  const vars: Record<string, { value: string; source: string }> = {};
  for (const name of CONFIG_VARS) {
    const flag = varFlag(name);
    if (name === "ROOM_CONFIG") continue;
    const fromFlag = str(flag);
    if (fromFlag !== undefined) vars[name] = { value: fromFlag, source: `--${flag}` };
    else if (env[name] !== undefined && env[name] !== "")
      vars[name] = { value: env[name], source: `${name} in the environment` };
  }
  const roomFile = str("room-config") ?? (env.ROOM_CONFIG_FILE || undefined);
  if (roomFile !== undefined) {
    const source = str("room-config") ? `--room-config ${roomFile}` : `ROOM_CONFIG_FILE ${roomFile}`;
    vars.ROOM_CONFIG = { value: readRoomFile(roomFile), source };
  } else if (env.ROOM_CONFIG) {
    vars.ROOM_CONFIG = { value: env.ROOM_CONFIG, source: "ROOM_CONFIG in the environment" };
  }

  let bridgeLimits: ReturnType<typeof readLimits>;
  try {
    bridgeLimits = readLimits(values, env);
  } catch (error) {
    throw new StartError((error as Error).message);
  }
  const logFormat = (str("log-format") ?? env.BRIDGE_LOG_FORMAT ?? "pretty") as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) throw new StartError(`--log-format must be pretty or json, got ${logFormat}`);
  return {
    logFormat,
    help: values.help === true,
    host,
    httpPort: port(str("http-port") ?? env.HTTP_PORT, 8787, str("http-port") ? "--http-port" : "HTTP_PORT"),
    ephemeralPorts: values["ephemeral-ports"] === true,
    stateDir: str("state-dir") ?? env.STATE_DIR ?? ".state",
    wranglerConfig: str("config"),
    wranglerEnv: str("env") ?? "",
    vars,
    bridgeLimits,
  };
}

/**
 * The Worker vars the edge will run with: the flags and environment over wrangler.toml's
 * [vars], validated by the Worker's own parser. Throws StartError naming the var, room and
 * where the value came from.
 */
export function resolveEdgeVars(
  args: StartArgs,
  wranglerVars: Readonly<Record<string, string>>,
  wranglerLabel: string,
): { vars: Record<string, string>; config: EdgeConfig } {
  const vars: Record<string, string> = {};
  const sources: Record<string, string> = {};
  for (const name of CONFIG_VARS) {
    const given = args.vars[name];
    if (given) {
      vars[name] = given.value;
      sources[name] = given.source;
    } else if (wranglerVars[name] !== undefined) {
      vars[name] = wranglerVars[name];
      sources[name] = `${wranglerLabel} [vars]`;
    }
  }
  try {
    return { vars, config: loadConfig(vars) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const name = /^([A-Z][A-Z0-9_]+)/.exec(error.message)?.[1];
    const source = name ? sources[name] : undefined;
    throw new StartError(source ? `${error.message} (from ${source})` : error.message);
  }
}

/** Fails with one line if a port the stack needs is taken (before anything starts). */
export async function checkPortsFree(host: string, ports: readonly { port: number; what: string }[]): Promise<void> {
  for (const { port, what } of ports) {
    if (port === 0) continue;
    await new Promise<void>((resolve, reject) => {
      const probe = createServer();
      probe.once("error", (error: NodeJS.ErrnoException) =>
        reject(new StartError(listenFailure(error, host, port, what))),
      );
      probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
    });
  }
}

/** A warning line when the stack listens beyond this machine, or null. */
export function exposureWarning(host: string, httpPort: number): string | null {
  if (isLoopbackHost(host)) return null;
  return (
    `warning: the edge listens on ${host}:${httpPort} in plain HTTP: the admin API, its token and the tunnels ` +
    "cross that network unencrypted. Deployed, Cloudflare serves them over HTTPS; locally keep --host 127.0.0.1 " +
    "or put a TLS proxy in front."
  );
}

export function startHelp(): string {
  const edgeVars = CONFIG_VARS.map((name) => {
    const spec = EDGE_VARS[name];
    const placeholder = spec.kind === "int" ? "N" : spec.kind === "bool" ? "true|false" : "TEXT";
    const flag = name === "ROOM_CONFIG" ? "--room-config FILE" : `--${varFlag(name)} ${placeholder}`;
    const fallback = spec.default === "" ? "unset" : String(spec.default);
    return `  ${flag.padEnd(36)}${spec.help} (default ${fallback}) [${name}]`;
  }).join("\n");
  return `usage: npm start -- [options]     (npm needs the "--" before them)

Runs the edge (local workerd) and the bridge. Stops cleanly on SIGTERM or Ctrl-C, bridge first;
a second signal forces it.

  --host H                            IPv4 address both listen on (default 127.0.0.1) [HOST]
  --http-port N                       edge HTTP port: admin API, status, tunnels (default 8787) [HTTP_PORT]
  --ephemeral-ports                   every port ephemeral, printed at start (tests, several stacks)
  --state-dir DIR                     accounts, rooms and generated tokens (default .state) [STATE_DIR]
  --config FILE                       wrangler configuration (default wrangler.toml)
  --env NAME                          its environment (default: the top level, local)
  --log-format pretty|json            the bridge's log lines (default pretty) [BRIDGE_LOG_FORMAT]

Worker vars (also in wrangler.toml [vars]; a flag beats the environment, which beats the file):
${edgeVars}
  --room-config FILE may also be ROOM_CONFIG_FILE, or the JSON itself in ROOM_CONFIG.

Bridge limits (flag or environment variable):
${limitHelp("  ", 36)}

Secrets: ADMIN_TOKEN and BRIDGE_TOKEN from the environment, else generated once into
<state-dir>/tokens.json.`;
}

function readRoomFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a folder" : code;
    throw new StartError(`cannot read the room config ${path}: ${why}`);
  }
}

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new StartError(`${name} must be a port number, got ${value}`);
  return n;
}

/** `npm start --room-config x` (without `--`) gives the flag to npm, which hands it on as npm_config_room_config. */
function swallowedByNpm(env: NodeJS.ProcessEnv): void {
  const ours = [
    ...Object.keys(START_FLAGS).filter((f) => f !== "help" && f !== "config" && f !== "env"),
    ...CONFIG_VARS.map(varFlag),
    ...BRIDGE_LIMIT_FLAGS.map((l) => l.flag),
    "port",
  ];
  for (const flag of ours) {
    if (env[`npm_config_${flag.replaceAll("-", "_")}`] !== undefined) {
      const hint = HINTS[flag] ?? `write \`npm start -- --${flag} …\` (with the --)`;
      throw new StartError(`npm took --${flag} for itself: ${hint}`);
    }
  }
}
