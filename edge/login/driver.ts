/**
 * Drives one LoginSession over some transport: feeds it the client's packets one at a time
 * (the session awaits D1 and the directory, so packets queue behind each other), arms one
 * timer for its current deadline, and carries out its actions. The v1 tunnel
 * (worker/login/tunnel.ts, one WebSocket per connection) and the v2 gateway
 * (durable-objects/login-gateway, many connections per WebSocket) both use it.
 */
import { MessageType } from "../../protocol/message-types.ts";
import { encodeMessage, encodeRoomList } from "../../protocol/messages.ts";
import type { Result } from "../../protocol/result.ts";
import type { LoginAction, LoginSession } from "./session.ts";

export interface LoginTransport {
  /** One whole raw packet to the client. */
  send(packet: Uint8Array): void;
  /** Ends the connection after what was sent; `failed` when the edge hit an unexpected condition. */
  close(reason: string, failed: boolean): void;
  /** The session refused the client with server_message `code` (for logs and metrics). */
  refused?(code: number, reason: string): void;
}

export class LoginDriver {
  private finished = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The deadline the timer is set for. */
  private armedFor: number | null = null;
  private queue: Promise<void> = Promise.resolve();
  /** The session sends server_message (3) only to refuse; the close that follows says why. */
  private refusalCode: number | null = null;
  private resolveDone: () => void = () => {};
  /** Resolves once the connection is over. */
  readonly done = new Promise<void>((resolve) => {
    this.resolveDone = resolve;
  });

  constructor(
    private readonly session: LoginSession,
    private readonly transport: LoginTransport,
  ) {
    this.arm();
  }

  /** The bridge finished the 203 key exchange. */
  encrypted(): void {
    this.enqueue(async () => {
      this.session.markEncrypted();
      return [];
    });
  }

  /** A frame from the client: one whole packet, or what was wrong with it. */
  packet(packet: Result<Uint8Array>): void {
    this.enqueue(async () =>
      packet.ok ? this.session.receivePacket(packet.value) : this.session.malformed(packet.error),
    );
  }

  /** The client (or the tunnel) went away. */
  gone(): void {
    this.finish("peer closed", false, false);
  }

  private enqueue(step: () => Promise<LoginAction[]>): void {
    this.queue = this.queue
      .then(async () => {
        if (this.finished) return;
        this.apply(await step());
      })
      .catch((e: unknown) => {
        // Storage or directory failure: no answer we could give would be right; drop the client.
        console.error("login failed:", e instanceof Error ? e.message : String(e));
        this.finish("internal error", true, true);
      });
  }

  private apply(actions: LoginAction[]): void {
    for (const action of actions) {
      if (this.finished) return;
      if (action.kind === "close") {
        if (this.refusalCode !== null) this.transport.refused?.(this.refusalCode, action.reason);
        this.finish(action.reason, false, true);
        return;
      }
      const message = action.message;
      if (message.type === MessageType.ServerMessage) this.refusalCode = message.code;
      const packets =
        message.type === 0 ? encodeRoomList(message.rooms) : [encodeMessage(message, this.session.dialect)];
      for (const packet of packets) this.transport.send(packet);
    }
    this.arm();
  }

  /** One timer for the session's current deadline (whole login, then the linger after the room list). */
  private arm(): void {
    const deadline = this.finished ? null : this.session.deadline;
    if (deadline === this.armedFor) return;
    clearTimeout(this.timer);
    this.armedFor = deadline;
    if (deadline === null) return;
    this.timer = setTimeout(
      () => {
        // Fired: a deadline not yet reached (a timer may fire early) is armed again after expire().
        this.armedFor = null;
        this.enqueue(async () => this.session.expire());
      },
      Math.max(0, deadline - Date.now()),
    );
  }

  private finish(reason: string, failed: boolean, tell: boolean): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    if (tell) this.transport.close(reason, failed);
    this.resolveDone();
  }
}
