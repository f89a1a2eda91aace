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
import type { EdgeConfig } from "../../edge/config.ts";
import { directoryStub, loginLimiterStub } from "../../edge/objects.ts";
import { buildRoomList } from "../../edge/room-list.ts";
import { encodeMessage, encodeRoomList } from "../../protocol/messages.ts";
import { closeReason, TunnelClose } from "../../tunnel/close-codes.ts";
import { parseBridgeControl } from "../../tunnel/control.ts";
import { frameOfPacket, packetOfFrame } from "../../tunnel/frames.ts";
import { CLIENT_ADDRESS_HEADER, LOCAL_ADDRESS_HEADER } from "../../tunnel/http.ts";
import { recordLogin, verifyLogin } from "../accounts.ts";
import type { AppEnv } from "../context.ts";
import { type LoginAction, type LoginDeps, type LoginPolicy, LoginSession } from "./session.ts";

export function loginPolicy(config: EdgeConfig): LoginPolicy {
  return {
    allowGuests: config.allowGuests,
    minMyth2AppVersion: config.minimumVersions.myth2AppVersion,
    minMyth2Build: config.minimumVersions.myth2Build,
    minLegacyPatch: config.minimumVersions.legacyPatch,
    loginTimeoutMs: config.login.timeoutMs,
    lingerTimeoutMs: config.login.lingerMs,
  };
}

/** Production dependencies: D1 accounts, the global Directory, the configured rooms. */
export function loginDeps(env: Env, config: EdgeConfig, clientAddress: string, localAddress: string): LoginDeps {
  const limits = { max: config.login.maxFailures, windowMs: config.login.failureWindowMs };
  return {
    policy: loginPolicy(config),
    clientAddress,
    verifyLogin: async (userName, password) => {
      // The limiter is asked alongside the hash check, so it adds no latency to a login.
      const limiter = loginLimiterStub(env, clientAddress);
      const [allowed, account] = await Promise.all([limiter.allowed(limits), verifyLogin(env.DB, userName, password)]);
      if (!allowed) return "throttled";
      if (!account) await limiter.failed(limits);
      return account;
    },
    recordLogin: (accountId, playerData) => recordLogin(env.DB, accountId, playerData),
    directoryLogin: (user) => directoryStub(env).login(user),
    roomList: async (user) => {
      const counts = await directoryStub(env).roomCounts();
      return buildRoomList(config, counts, { dialect: user.dialect, guest: user.guest, localAddress });
    },
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    now: () => Date.now(),
  };
}

/** Accepts the bridge's upgrade (token and config already checked by the route) and runs a login on it. */
export function acceptLoginTunnel(c: Context<AppEnv>): Response {
  const clientAddress = c.req.header(CLIENT_ADDRESS_HEADER) ?? "";
  const localAddress = c.req.header(LOCAL_ADDRESS_HEADER) ?? "";

  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  server.accept();
  // At compatibility dates from 2026-03 binary frames arrive as Blob unless asked otherwise.
  server.binaryType = "arraybuffer";

  const session = new LoginSession(loginDeps(c.env, c.var.config, clientAddress, localAddress));
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
      socket.close(code, closeReason(reason));
    } catch {
      // Already closed by the peer.
    }
    resolveDone();
  };

  const apply = (actions: LoginAction[]) => {
    for (const action of actions) {
      if (finished) return;
      if (action.kind === "close") {
        finish(TunnelClose.normal, action.reason);
        return;
      }
      const message = action.message;
      const packets = message.type === 0 ? encodeRoomList(message.rooms) : [encodeMessage(message, session.dialect)];
      for (const packet of packets) socket.send(frameOfPacket(packet));
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
        finish(TunnelClose.internalError, "internal error");
      });
  };

  socket.addEventListener("message", (event: MessageEvent) => {
    const data = event.data;
    if (typeof data === "string") {
      enqueue(async () => {
        if (parseBridgeControl(data)?.t === "encrypted") session.markEncrypted();
        return [];
      });
      return;
    }
    const packet = packetOfFrame(data as ArrayBuffer);
    enqueue(async () => (packet.ok ? session.receivePacket(packet.value) : session.malformed(packet.error)));
  });
  socket.addEventListener("close", () => finish(TunnelClose.normal, "peer closed"));
  socket.addEventListener("error", () => finish(TunnelClose.internalError, "socket error"));
  arm();
  return done;
}
