/**
 * GET /tunnel/login: one WebSocket per TCP connection the bridge accepted on the login port
 * (docs/architecture.md, "Tunnel"). The Worker holds the socket for the few seconds a login
 * takes and runs a LoginSession over it; no Durable Object is involved.
 *
 * Binary frames carry exactly one whole plaintext packet each way. Text frames are JSON
 * control messages; the only one so far is {"t":"encrypted"} (the bridge did the 203 key
 * exchange). The bridge's token was already checked by the /tunnel/* middleware.
 */
import type { Context } from "hono";
import { directory } from "../../durable-objects/directory.ts";
import { loginLimiter, loginLimits } from "../../durable-objects/login-limiter.ts";
import { decodeHeader } from "../../protocol/header.ts";
import { encodeMessage, encodeRoomList } from "../../protocol/messages.ts";
import { recordLogin, verifyLogin } from "../accounts.ts";
import { ConfigError, type EdgeConfig, loadConfig } from "../config.ts";
import { buildRoomList } from "../room-list.ts";
import {
  DEFAULT_LINGER_TIMEOUT_MS,
  DEFAULT_LOGIN_TIMEOUT_MS,
  type LoginAction,
  type LoginDeps,
  type LoginPolicy,
  LoginSession,
} from "./session.ts";

/** WebSocket close codes: normal end, and "the server hit an unexpected condition". */
const CLOSE_NORMAL = 1000;
const CLOSE_INTERNAL_ERROR = 1011;

export function loginPolicy(config: EdgeConfig, env: object = {}): LoginPolicy {
  return {
    allowGuests: config.allowGuests,
    minMyth2AppVersion: config.minimumVersions.myth2AppVersion,
    minMyth2Build: config.minimumVersions.myth2Build,
    minLegacyPatch: config.minimumVersions.legacyPatch,
    loginTimeoutMs: secondsVar(env, "LOGIN_TIMEOUT_SECONDS", DEFAULT_LOGIN_TIMEOUT_MS),
    lingerTimeoutMs: secondsVar(env, "LOGIN_LINGER_SECONDS", DEFAULT_LINGER_TIMEOUT_MS),
  };
}

/**
 * Optional Worker vars LOGIN_TIMEOUT_SECONDS (whole login, default 60) and LOGIN_LINGER_SECONDS
 * (how long a Bungie/Aleph One client may stay after the room list, default 30), 1..3600.
 * Read here rather than in config.ts because only the login flow uses them; a bad value
 * falls back to the default.
 */
function secondsVar(env: object, name: string, fallbackMs: number): number {
  const raw = (env as Record<string, unknown>)[name];
  const n = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : Number.NaN;
  return Number.isInteger(n) && n >= 1 && n <= 3600 ? n * 1000 : fallbackMs;
}

/** Production dependencies: D1 accounts, the global Directory, the configured rooms. */
export function loginDeps(env: Env, config: EdgeConfig, clientAddress: string, localAddress: string): LoginDeps {
  return {
    policy: loginPolicy(config, env),
    clientAddress,
    verifyLogin: async (userName, password) => {
      // The limiter is asked alongside the hash check, so it adds no latency to a login.
      const limiter = loginLimiter(env, clientAddress);
      const limits = loginLimits(env);
      const [allowed, account] = await Promise.all([limiter.allowed(limits), verifyLogin(env.DB, userName, password)]);
      if (!allowed) return "throttled";
      if (!account) await limiter.failed(limits);
      return account;
    },
    recordLogin: (accountId, playerData) => recordLogin(env.DB, accountId, playerData),
    directoryLogin: (user) => directory(env).login(user),
    roomList: async (user) => {
      const counts = await directory(env).roomCounts();
      return buildRoomList(config, counts, { dialect: user.dialect, guest: user.guest, localAddress });
    },
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    now: () => Date.now(),
  };
}

export async function loginTunnel(c: Context<{ Bindings: Env }>): Promise<Response> {
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    return c.text("expected a WebSocket upgrade", 426);
  }
  let config: EdgeConfig;
  try {
    config = loadConfig(c.env);
  } catch (e) {
    if (e instanceof ConfigError) return c.json({ error: e.message }, 500);
    throw e;
  }
  const clientAddress = c.req.header("X-Client-Address") ?? "";
  const localAddress = c.req.header("X-Local-Address") ?? "";

  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  server.accept();
  // At compatibility dates from 2026-03 binary frames arrive as Blob unless asked otherwise.
  server.binaryType = "arraybuffer";

  const session = new LoginSession(loginDeps(c.env, config, clientAddress, localAddress));
  const done = runLoginSocket(server, session);
  try {
    c.executionCtx.waitUntil(done);
  } catch {
    // No execution context (direct app.request in a unit test): the socket still runs.
  }
  return new Response(null, { status: 101, webSocket: client });
}

/**
 * Feeds the socket's frames to the session one at a time (the session awaits D1 and the
 * directory, so frames queue behind each other) and carries out its actions. Resolves when
 * the socket is closed.
 */
export function runLoginSocket(socket: WebSocket, session: LoginSession): Promise<void> {
  let finished = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let queue: Promise<void> = Promise.resolve();
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });

  const finish = (code: number, reason: string) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    try {
      // Close reasons are limited to 123 UTF-8 bytes: keep them short and ASCII.
      socket.close(code, reason.replace(/[^\x20-\x7e]/g, "?").slice(0, 120));
    } catch {
      // Already closed by the peer.
    }
    resolveDone();
  };

  const apply = (actions: LoginAction[]) => {
    for (const action of actions) {
      if (finished) return;
      if (action.kind === "close") {
        finish(CLOSE_NORMAL, action.reason);
        return;
      }
      const message = action.message;
      const packets = message.type === 0 ? encodeRoomList(message.rooms) : [encodeMessage(message, session.dialect)];
      for (const packet of packets) socket.send(packet);
    }
    arm();
  };

  // One timer for the session's current deadline (whole login, then the linger after the room list).
  const arm = () => {
    clearTimeout(timer);
    const deadline = session.deadline;
    if (finished || deadline === null) return;
    timer = setTimeout(() => enqueue(async () => session.expire()), Math.max(0, deadline - Date.now()));
  };

  const enqueue = (step: () => Promise<LoginAction[]>) => {
    queue = queue
      .then(async () => {
        if (finished) return;
        apply(await step());
      })
      .catch((e: unknown) => {
        // Storage or directory failure: no answer we could give would be right; drop the client.
        console.error("login tunnel failed:", e instanceof Error ? e.message : String(e));
        finish(CLOSE_INTERNAL_ERROR, "internal error");
      });
  };

  socket.addEventListener("message", (event: MessageEvent) => {
    const data = event.data;
    if (typeof data === "string") {
      enqueue(async () => {
        if (isEncryptedNotice(data)) session.markEncrypted();
        return [];
      });
      return;
    }
    const packet = new Uint8Array(data as ArrayBuffer);
    enqueue(async () => {
      // A frame must be exactly one whole packet.
      const header = decodeHeader(packet, Math.max(packet.byteLength, 8));
      if (header.ok && header.value.length !== packet.byteLength) {
        return session.malformed({ kind: "bad-length", message: "frame is not exactly one packet" });
      }
      return session.receivePacket(packet);
    });
  });
  socket.addEventListener("close", () => finish(CLOSE_NORMAL, "peer closed"));
  socket.addEventListener("error", () => finish(CLOSE_INTERNAL_ERROR, "socket error"));
  arm();
  return done;
}

function isEncryptedNotice(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && (value as { t?: unknown }).t === "encrypted";
  } catch {
    return false;
  }
}
