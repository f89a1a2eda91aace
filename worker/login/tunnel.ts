/**
 * GET /tunnel/login (tunnel v1): one WebSocket per TCP connection the bridge accepted on the
 * login port. The Worker holds the socket for the few seconds a login takes and drives a
 * LoginSession over it (edge/login/driver.ts); no Durable Object is involved. Bridges from
 * tunnel v2 on use the login gateway instead (durable-objects/login-gateway).
 */

import type { Context } from "hono";
import { loginDeps } from "../../edge/login/deps.ts";
import { LoginDriver } from "../../edge/login/driver.ts";
import { onLoginRefused } from "../../edge/login/refusals.ts";
import { LoginSession } from "../../edge/login/session.ts";
import { closeReason, TunnelClose } from "../../tunnel/close-codes.ts";
import { parseBridgeControl } from "../../tunnel/control.ts";
import { frameOfPacket, packetOfFrame } from "../../tunnel/frames.ts";
import { CLIENT_ADDRESS_HEADER, LOCAL_ADDRESS_HEADER } from "../../tunnel/http.ts";
import type { AppEnv } from "../context.ts";

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
  const done = runLoginSocket(server, session, onLoginRefused(c.env, clientAddress));
  try {
    c.executionCtx.waitUntil(done);
  } catch {
    // No execution context (direct app.request in a unit test): the socket still runs.
  }
  return new Response(null, { status: 101, webSocket: client });
}

/** Runs a session over one socket; resolves when the socket is closed. */
export function runLoginSocket(
  socket: WebSocket,
  session: LoginSession,
  refused?: (code: number, reason: string) => void,
): Promise<void> {
  const driver = new LoginDriver(session, {
    ...(refused ? { refused } : {}),
    send: (packet) => socket.send(frameOfPacket(packet)),
    close: (reason, failed) => {
      try {
        socket.close(failed ? TunnelClose.internalError : TunnelClose.normal, closeReason(reason));
      } catch {
        // Already closed by the peer.
      }
    },
  });
  socket.addEventListener("message", (event: MessageEvent) => {
    const data = event.data;
    if (typeof data === "string") {
      if (parseBridgeControl(data)?.t === "encrypted") driver.encrypted();
      return;
    }
    driver.packet(packetOfFrame(data as ArrayBuffer));
  });
  socket.addEventListener("close", () => driver.gone());
  socket.addEventListener("error", () => driver.gone());
  return driver.done;
}
