/**
 * The login service for one bridge (tunnel v2): every connection the bridge accepted on the
 * login port arrives on one multiplexed WebSocket (tunnel/mux.ts), and each gets its own
 * LoginSession, driven as on a v1 socket (edge/login/driver.ts). A Durable Object rather than
 * the Worker, because the socket lives as long as the bridge: a Worker request has one CPU
 * budget for its whole life, an object gets one per event.
 *
 * Logins last seconds and keep their state in memory: the socket is accepted without
 * hibernation, so the object stays while the bridge is connected. If the object goes anyway
 * (a deploy), the socket closes, the bridge ends those few logins and their clients retry.
 */

import { DurableObject } from "cloudflare:workers";
import { loadConfig } from "../../edge/config.ts";
import { loginDeps } from "../../edge/login/deps.ts";
import { LoginDriver } from "../../edge/login/driver.ts";
import { onLoginRefused } from "../../edge/login/refusals.ts";
import { LoginSession } from "../../edge/login/session.ts";
import { ok } from "../../protocol/result.ts";
import { closeReason, TunnelClose } from "../../tunnel/close-codes.ts";
import { decodeUpFrame, type UpRecord } from "../../tunnel/mux.ts";
import { MuxSender } from "../../tunnel/mux-sender.ts";
import { OpenOrder } from "../../tunnel/open-order.ts";

/** A login packet is at most a few hundred bytes; this bounds what a record may claim. */
const MAX_LOGIN_PACKET = 8192;

export class LoginGateway extends DurableObject<Env> {
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return Response.json({ error: "expected a WebSocket upgrade" }, { status: 426 });
    }
    const pair = new WebSocketPair();
    const socket = pair[1];
    socket.accept();
    socket.binaryType = "arraybuffer";
    this.serve(socket);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  private serve(socket: WebSocket): void {
    const logins = new Map<number, LoginDriver>();
    const order = new OpenOrder();
    const sender = new MuxSender(
      (frame) => {
        try {
          socket.send(frame);
        } catch {
          // closing; the close handler ends the logins
        }
      },
      (flush) => queueMicrotask(flush),
    );

    const open = (conn: number, clientAddress: string, localAddress: string) => {
      if (logins.has(conn)) return;
      const session = new LoginSession(loginDeps(this.env, loadConfig(this.env), clientAddress, localAddress));
      const driver = new LoginDriver(session, {
        refused: onLoginRefused(this.env, clientAddress),
        send: (packet) => sender.packetDown([conn], packet),
        close: (reason, failed) =>
          sender.closeDown(conn, failed ? TunnelClose.internalError : TunnelClose.normal, closeReason(reason)),
      });
      logins.set(conn, driver);
      void driver.done.then(() => {
        if (logins.get(conn) === driver) logins.delete(conn);
      });
    };

    socket.addEventListener("message", (event: MessageEvent) => {
      if (typeof event.data === "string") return; // v2 is binary only
      const records = decodeUpFrame(new Uint8Array(event.data as ArrayBuffer), MAX_LOGIN_PACKET);
      if (!records.ok) {
        console.error(`login gateway: bad frame: ${records.error.message}`);
        socket.close(TunnelClose.protocolError, "bad frame");
        return;
      }
      const isOpen = (conn: number) => logins.has(conn);
      // One record at a time: an open must take effect before the records after it are sorted.
      for (const arrived of records.value) for (const record of order.accept(arrived, isOpen)) handle(record);
    });
    const handle = (record: UpRecord) => {
      if (record.kind === "open") return open(record.conn, record.client, record.local);
      const driver = logins.get(record.conn);
      if (!driver) return;
      if (record.kind === "packet") driver.packet(ok(record.packet));
      else if (record.kind === "encrypted") driver.encrypted();
      else {
        logins.delete(record.conn);
        driver.gone();
      }
    };
    const end = () => {
      for (const driver of logins.values()) driver.gone();
      logins.clear();
    };
    socket.addEventListener("close", end);
    socket.addEventListener("error", end);
  }
}
