import { EventEmitter } from "node:events";
import { type Socket, connect as tcpConnect } from "node:net";
import { performance } from "node:perf_hooks";
import { createKeyPair, deriveSessionKey, SessionCipher } from "../protocol/cipher.ts";
import { DIALECT_TRAITS, type Dialect } from "../protocol/dialect.ts";
import { encodePacket, HEADER_SIZE, packetTypeOf } from "../protocol/header.ts";
import { MessageType } from "../protocol/message-types.ts";
import { decodeMessage, encodeMessage, type Message } from "../protocol/messages.ts";
import type { DecodeError } from "../protocol/result.ts";
import { PacketSplitter } from "../protocol/splitter.ts";

/**
 * A scriptable legacy metaserver client over real TCP: what a Myth or Aleph One game does on
 * the wire, driven by tests, the operator probe and the load generator (PROTOCOL.md §1, §2).
 */

export interface ConnectOptions {
  readonly dialect: Dialect;
  /** Session encryption (203 exchange, §2). Default: what the dialect's clients usually do. */
  readonly encrypt?: boolean;
  /** Limit for the TCP connect and the key exchange. */
  readonly timeoutMs?: number;
  /** Local IPv4 to connect from (tests: another 127.0.0.x stands for another client address). */
  readonly localAddress?: string;
  /** Largest packet accepted from the server (header included). */
  readonly maxPacketSize?: number;
  /** Keep every received message in `history` (tests); off by default so long runs stay small. */
  readonly keepHistory?: boolean;
  /** Answer each server keepalive (202) with one, as real clients do (§5.24, §7.5). Default true. */
  readonly answerKeepalives?: boolean;
}

/** A decoded message as it arrived, with its receive time (performance.now()). */
export interface Received {
  readonly message: Message;
  readonly receivedAt: number;
  /** The whole plaintext packet, header included. */
  readonly raw: Uint8Array;
}

export type MessageMatch<M extends Message = Message> = M["type"] | ((message: Message) => boolean);

/** The server sent bytes this client could not decode (or decrypt, or frame). */
export class ClientDecodeError extends Error {
  constructor(
    readonly error: DecodeError,
    readonly packetType: number | null,
    readonly raw: Uint8Array | null,
  ) {
    const what = packetType === null ? "stream" : `message type ${packetType}`;
    super(`cannot decode ${what} from server (${error.kind}): ${error.message}${raw ? ` [${hexPreview(raw)}]` : ""}`);
    this.name = "ClientDecodeError";
  }
}

/** Waiting for a message that did not come. */
export class ClientTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ClientTimeoutError";
  }
}

/** The connection ended while waiting. */
export class ConnectionClosedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConnectionClosedError";
  }
}

interface Waiter {
  readonly match: (message: Message) => boolean;
  readonly describe: string;
  readonly resolve: (received: Received) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

type QueueEntry =
  | { readonly kind: "message"; readonly received: Received }
  | { readonly kind: "error"; readonly error: Error };

const DEFAULT_TIMEOUT_MS = 5_000;

export interface LegacyClientEvents {
  close: [hadError: boolean];
  message: [received: Received];
}

export class LegacyClient extends EventEmitter<LegacyClientEvents> {
  readonly dialect: Dialect;
  /** With keepHistory: every message received so far, in order (not cleared by next/drain). */
  readonly history: Received[] = [];
  private readonly keepHistory: boolean;
  private readonly answerKeepalives: boolean;
  private readonly queue: QueueEntry[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly splitter: PacketSplitter;
  private cipher: SessionCipher | null = null;
  private isClosed = false;
  private closeReason: string | null = null;
  /** Resolves once the TCP connection has closed (either side). */
  readonly closed: Promise<void>;
  /** Server key packets seen before our own key was sent never happen; this holds one if it arrives early. */
  private serverKey: Uint8Array | null = null;
  private onServerKey: ((key: Uint8Array) => void) | null = null;

  private constructor(
    private readonly socket: Socket,
    options: ConnectOptions,
  ) {
    super();
    this.dialect = options.dialect;
    this.keepHistory = options.keepHistory ?? false;
    this.answerKeepalives = options.answerKeepalives ?? true;
    this.splitter = new PacketSplitter({ maxPacketSize: options.maxPacketSize ?? 64 * 1024 });
    this.closed = new Promise((resolve) => {
      socket.once("close", (hadError) => {
        this.isClosed = true;
        // An error (and its stack) only when someone is waiting to be told.
        if (this.waiters.size > 0) {
          this.failWaiters(
            new ConnectionClosedError(`connection closed${this.closeReason ? `: ${this.closeReason}` : ""}`),
          );
        }
        resolve();
        this.emit("close", hadError);
      });
    });
    socket.on("error", (err) => {
      this.closeReason ??= err.message;
    });
    socket.on("data", (chunk: Buffer) => this.onData(chunk, performance.now()));
  }

  /** Opens the TCP connection and, when encrypting, completes the 203 key exchange. */
  static async connect(host: string, port: number, options: ConnectOptions): Promise<LegacyClient> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const socket = await openSocket(host, port, timeoutMs, options.localAddress);
    socket.setNoDelay(true);
    const client = new LegacyClient(socket, options);
    const encrypt = options.encrypt ?? DIALECT_TRAITS[options.dialect].encrypted;
    if (encrypt) {
      try {
        await client.exchangeKeys(timeoutMs);
      } catch (err) {
        client.destroy();
        throw err;
      }
    }
    return client;
  }

  get encrypted(): boolean {
    return this.cipher !== null;
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  /** Local port of the TCP connection (how the server sees this client). */
  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  /**
   * §2.1: send our key unprompted, accept the server's before or after; everything after both
   * keys is encrypted.
   */
  private async exchangeKeys(timeoutMs: number): Promise<void> {
    const keys = createKeyPair();
    this.socket.write(encodePacket(MessageType.SessionKey, keys.publicKey));
    const serverKey =
      this.serverKey ??
      (await new Promise<Uint8Array>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.onServerKey = null;
          reject(new ClientTimeoutError(`no session key (203) from the server within ${timeoutMs} ms`));
        }, timeoutMs);
        this.onServerKey = (key) => {
          clearTimeout(timer);
          this.onServerKey = null;
          resolve(key);
        };
        void this.closed.then(() => {
          clearTimeout(timer);
          reject(new ConnectionClosedError("connection closed during the session key exchange"));
        });
      }));
    const sessionKey = deriveSessionKey(keys.privateKey, serverKey);
    if (!sessionKey.ok) throw new ClientDecodeError(sessionKey.error, MessageType.SessionKey, serverKey);
    this.cipher = new SessionCipher(sessionKey.value);
  }

  /** Encodes and sends one message (encrypted once the session key is set). */
  send(message: Message): void {
    this.sendPacket(encodeMessage(message, this.dialect));
  }

  /** Sends one whole plaintext packet (header included), encrypting it when the session is encrypted. */
  sendPacket(packet: Uint8Array): void {
    if (this.isClosed) throw new ConnectionClosedError("cannot send: connection is closed");
    this.socket.write(this.cipher ? this.cipher.encryptPacket(packet) : packet);
  }

  /** Writes bytes to the socket exactly as given: no framing, no encryption (garbage tests). */
  sendRaw(bytes: Uint8Array): void {
    if (this.isClosed) throw new ConnectionClosedError("cannot send: connection is closed");
    this.socket.write(bytes);
  }

  /**
   * The next received message matching a type or predicate; messages that do not match stay
   * buffered in order for later calls. Rejects on timeout, on a decode error met before the
   * match, or when the connection closes first.
   */
  async next<T extends Message["type"]>(type: T, timeoutMs?: number): Promise<Extract<Message, { type: T }>>;
  async next(predicate: (message: Message) => boolean, timeoutMs?: number): Promise<Message>;
  async next(match: MessageMatch, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Message> {
    return (await this.nextReceived(match, timeoutMs)).message;
  }

  /** As `next`, with the receive time and raw bytes. */
  nextReceived(match: MessageMatch, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Received> {
    const predicate = typeof match === "function" ? match : (m: Message) => m.type === match;
    const describe = typeof match === "function" ? "a matching message" : `message type ${match}`;
    for (let i = 0; i < this.queue.length; i++) {
      const entry = this.queue[i] as QueueEntry;
      if (entry.kind === "error") {
        this.queue.splice(i, 1);
        return Promise.reject(entry.error);
      }
      if (predicate(entry.received.message)) {
        this.queue.splice(i, 1);
        return Promise.resolve(entry.received);
      }
    }
    if (this.isClosed) {
      return Promise.reject(
        new ConnectionClosedError(`connection closed before ${describe} arrived${this.pendingSummary()}`),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match: predicate,
        describe,
        resolve: (received) => {
          clearTimeout(waiter.timer);
          this.waiters.delete(waiter);
          resolve(received);
        },
        reject: (error) => {
          clearTimeout(waiter.timer);
          this.waiters.delete(waiter);
          reject(error);
        },
        timer: setTimeout(() => {
          waiter.reject(new ClientTimeoutError(`no ${describe} within ${timeoutMs} ms${this.pendingSummary()}`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Takes every buffered (not yet consumed) message; a buffered decode error is thrown. */
  /**
   * Sees every decrypted packet before it is decoded; returning true consumes it (no decode,
   * no "message" event, not queued). For load generators that must stay cheap per delivery.
   */
  tap: ((packet: Uint8Array, receivedAt: number) => boolean) | null = null;

  drain(): Message[] {
    const out: Message[] = [];
    const entries = this.queue.splice(0);
    for (const entry of entries) {
      if (entry.kind === "error") throw entry.error;
      out.push(entry.received.message);
    }
    return out;
  }

  /** Buffered messages without consuming them. */
  peek(): readonly Message[] {
    return this.queue.flatMap((e) => (e.kind === "message" ? [e.received.message] : []));
  }

  /** Resolves after everything currently buffered for the peer has been written, then the connection ends. */
  async close(): Promise<void> {
    if (!this.isClosed) this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), 2_000);
    await this.closed;
    clearTimeout(timer);
  }

  /** Ends our side (FIN) without waiting: a client that gives up mid-packet. */
  endWrites(): void {
    if (!this.isClosed) this.socket.end();
  }

  /** Drops the connection at once (RST-like), as a crashed client would. */
  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer, receivedAt: number): void {
    const split = this.splitter.push(chunk);
    if (!split.ok) {
      this.deliver({ kind: "error", error: new ClientDecodeError(split.error, null, null) });
      this.closeReason = `unframeable stream: ${split.error.message}`;
      this.socket.destroy();
      return;
    }
    for (const packet of split.value) this.onPacket(packet, receivedAt);
  }

  private onPacket(packet: Uint8Array, receivedAt: number): void {
    // The splitter only yields whole packets, so the header is there.
    const type = packetTypeOf(packet) as number;
    // The key packet travels in clear (§2.1); a second one after the exchange is a protocol error.
    if (type === MessageType.SessionKey && this.cipher === null) {
      const key = packet.slice(HEADER_SIZE);
      if (this.onServerKey) this.onServerKey(key);
      else this.serverKey = key;
      return;
    }
    let plain = packet;
    if (this.cipher) {
      const decrypted = this.cipher.decryptPacket(packet);
      if (!decrypted.ok) {
        this.deliver({ kind: "error", error: new ClientDecodeError(decrypted.error, type, packet) });
        return;
      }
      plain = decrypted.value;
    }
    // A load generator may take some packets itself, undecoded (bench: its own chat lines).
    if (this.tap?.(plain, receivedAt)) return;
    const decoded = decodeMessage(plain, this.dialect, "to-client");
    if (!decoded.ok) {
      this.deliver({ kind: "error", error: new ClientDecodeError(decoded.error, type, plain) });
      return;
    }
    if (decoded.value.type === MessageType.Keepalive && this.answerKeepalives && !this.isClosed) {
      this.sendPacket(encodePacket(MessageType.Keepalive, new Uint8Array(0)));
    }
    const received: Received = { message: decoded.value, receivedAt, raw: plain };
    if (this.keepHistory) this.history.push(received);
    this.emit("message", received);
    this.deliver({ kind: "message", received });
  }

  private deliver(entry: QueueEntry): void {
    if (entry.kind === "error") {
      // A decode error fails the oldest waiter (if any) so a test sees it instead of a timeout.
      const first = this.waiters.values().next();
      if (!first.done) first.value.reject(entry.error);
      else this.queue.push(entry);
      return;
    }
    for (const waiter of this.waiters) {
      if (waiter.match(entry.received.message)) {
        waiter.resolve(entry.received);
        return;
      }
    }
    this.queue.push(entry);
  }

  private failWaiters(error: Error): void {
    for (const waiter of [...this.waiters]) {
      waiter.reject(
        new ConnectionClosedError(`${error.message} before ${waiter.describe} arrived${this.pendingSummary()}`),
      );
    }
  }

  /** A short list of buffered message types, for error messages. */
  private pendingSummary(): string {
    const types = this.peek().map((m) => describeMessage(m));
    return types.length ? ` (buffered: ${types.slice(0, 12).join(", ")}${types.length > 12 ? ", …" : ""})` : "";
  }
}

/** "3 server_message(13: The desired room is full!)" style summary used in errors. */
export function describeMessage(message: Message): string {
  const m = message as { type: number; code?: unknown; text?: unknown };
  if (m.type === MessageType.ServerMessage) return `3(${String(m.code)}: ${String(m.text)})`;
  return String(m.type);
}

function openSocket(host: string, port: number, timeoutMs: number, localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(localAddress ? { host, port, localAddress } : { host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ClientTimeoutError(`TCP connect to ${host}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const onError = (err: Error) => {
      clearTimeout(timer);
      reject(new Error(`TCP connect to ${host}:${port} failed: ${err.message}`));
    };
    socket.once("error", onError);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", onError);
      // Errors after connecting end in "close"; the client records them as the close reason.
      socket.on("error", () => {});
      resolve(socket);
    });
  });
}

function hexPreview(bytes: Uint8Array, max = 48): string {
  const shown = Array.from(bytes.subarray(0, max), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return bytes.byteLength > max ? `${shown} … (${bytes.byteLength} bytes)` : shown;
}
