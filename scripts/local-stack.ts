/**
 * The whole metaserver on this machine: the edge in local workerd (startLocalEdge) plus the
 * TCP bridge in front of it (startBridge). Used by `npm start`, the end-to-end tests and the
 * load generator.
 */
import { randomBytes } from "node:crypto";
import type { BridgeOptions } from "../bridge/config.ts";
import { type Bridge, startBridge } from "../bridge/server.ts";
import { startLocalEdge } from "./local-edge.ts";

export interface LocalStackOptions {
  /** Where the edge keeps D1 and Durable Object state; absent ⇒ in memory. */
  readonly persistDir?: string;
  /** Address both the edge and the bridge listen on. */
  readonly host?: string;
  /** Edge HTTP port; default 8787, or ephemeral when roomPorts is "ephemeral". */
  readonly httpPort?: number;
  /** Login port; default from the edge's config (6321), or ephemeral when roomPorts is "ephemeral". */
  readonly loginPort?: number;
  /** Room ports by room id, or "ephemeral" to put everything on ephemeral ports (tests). */
  readonly roomPorts?: "ephemeral" | Readonly<Record<number, number>>;
  /** Generated (random) when absent. */
  readonly adminToken?: string;
  readonly bridgeToken?: string;
  /** ROOM_CONFIG JSON (an array of rooms, edge/config.ts); absent ⇒ the built-in default set. */
  readonly roomConfig?: string;
  /** Extra edge vars, e.g. { ALLOW_GUESTS: "false" }. */
  readonly vars?: Readonly<Record<string, string>>;
  /** Extra bridge options (limits, the host proxy pool). */
  readonly bridge?: Partial<BridgeOptions>;
}

export interface LocalStack {
  readonly httpUrl: string;
  readonly host: string;
  readonly loginPort: number;
  /** roomId → port the bridge listens on. */
  readonly roomPorts: Map<number, number>;
  readonly adminToken: string;
  readonly bridgeToken: string;
  readonly bridge: Bridge;
  /** Creates an account through the admin API; returns its id. Throws with the edge's answer on failure. */
  createUser(username: string, password: string, extra?: { nick?: string; team?: string }): Promise<number>;
  /** Calls an admin route with the bearer token. */
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const host = options.host ?? "127.0.0.1";
  const ephemeral = options.roomPorts === "ephemeral";
  const adminToken = options.adminToken ?? randomBytes(32).toString("hex");
  const bridgeToken = options.bridgeToken ?? randomBytes(32).toString("hex");

  const edge = await startLocalEdge({
    persistDir: options.persistDir,
    host,
    port: options.httpPort ?? (ephemeral ? 0 : 8787),
    adminToken,
    bridgeToken,
    roomConfig: options.roomConfig,
    // The edge reports the login port in /tunnel/config; keep it in step with the bridge.
    vars: options.loginPort ? { LOGIN_PORT: String(options.loginPort), ...options.vars } : options.vars,
  });
  let bridge: Bridge;
  try {
    bridge = await startBridge({
      edgeUrl: edge.url,
      bridgeToken,
      host,
      loginPort: options.loginPort ?? (ephemeral ? 0 : undefined),
      roomPorts: typeof options.roomPorts === "object" ? options.roomPorts : undefined,
      ephemeralPorts: ephemeral,
      // Tests open many connections from 127.0.0.1: lift the per-address cap there.
      maxConnectionsPerIp: ephemeral ? 1024 : undefined,
      ...options.bridge,
    });
  } catch (err) {
    await edge.stop();
    throw err;
  }

  const admin = (method: string, path: string, body?: unknown) =>
    fetch(new URL(path, edge.url), {
      method,
      headers: {
        Authorization: `Bearer ${adminToken}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  let stopped: Promise<void> | null = null;
  return {
    httpUrl: edge.url.replace(/\/$/, ""),
    host,
    loginPort: bridge.loginPort,
    roomPorts: bridge.roomPorts,
    adminToken,
    bridgeToken,
    bridge,
    admin,
    async createUser(username, password, extra = {}) {
      const res = await admin("POST", "/admin/users", { username, password, ...extra });
      const text = await res.text();
      if (!res.ok) throw new Error(`creating account ${username} failed: HTTP ${res.status} ${text}`);
      const json = JSON.parse(text) as { id?: number; account?: { id?: number } };
      const id = json.id ?? json.account?.id;
      if (typeof id !== "number") throw new Error(`creating account ${username}: no id in ${text}`);
      return id;
    },
    stop() {
      // Bridge first so clients see their sessions end, then the edge.
      stopped ??= bridge.close().finally(() => edge.stop());
      return stopped;
    },
  };
}
