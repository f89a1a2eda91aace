import type { Socket } from "node:net";
import WebSocket from "ws";
import { createKeyPair, deriveSessionKey, SessionCipher } from "../protocol/cipher.ts";
import { encodePacket, HEADER_SIZE, packetTypeOf } from "../protocol/header.ts";
import { MessageType } from "../protocol/message-types.ts";
import { PacketSplitter } from "../protocol/splitter.ts";
import { TunnelClose } from "../tunnel/close-codes.ts";
import { ENCRYPTED, encodeControl, parseEdgeControl } from "../tunnel/control.ts";
import { frameOfPacket, packetOfFrame } from "../tunnel/frames.ts";
import type { BridgeConfig } from "./config.ts";
import { KeepaliveTimer } from "./keepalive.ts";
import { PacketRateLimit } from "./rate-limit.ts";

/** Counters the server aggregates; a connection only ever adds to them. */
export interface ConnectionCounters {
  droppedSlowClients: number;
  protocolErrors: number;
  bytesIn: number;
  bytesOut: number;
  /** Times a client was paused because its tunnel to the edge was backed up. */
  tunnelPauses: number;
  /** Times a client was paused for sending packets faster than the rate limit. */
  rateLimited: number;
}

const ENCRYPTED_FRAME = encodeControl(ENCRYPTED);

const KEEPALIVE_PACKET = encodePacket(MessageType.Keepalive, new Uint8Array());

type CipherState =
  | { readonly phase: "first" } // no packet yet: a 203 now turns encryption on
  | { readonly phase: "plain" }
  | { readonly phase: "encrypted"; readonly cipher: SessionCipher };

/**
 * One legacy TCP connection and its tunnel WebSocket. It frames, encrypts and decrypts; it
 * never looks inside payloads other than the 203 session key.
 */
export class BridgeConnection {
  /** Resolves once both the TCP socket and the WebSocket are closed. */
  readonly closed: Promise<void>;
  private readonly splitter: PacketSplitter;
  private readonly ws: WebSocket;
  private cipherState: CipherState = { phase: "first" };
  /** Frames for the edge that arrived before the tunnel opened. */
  private pending: (Uint8Array | string)[] = [];
  private pendingBytes = 0;
  /** Set once the session is being torn down: no more packets either way. */
  private ending = false;
  private clientEnding = false;
  /** Writes to the client are corked until the end of the current tick. */
  private corked = false;
  private closeOnOpen: { code: number; reason: string } | undefined;
  /** Set once the edge hands keepalives to the bridge (after room login). */
  private keepalive: KeepaliveTimer | undefined;
  private readonly rateLimit: PacketRateLimit;
  /** True while reading is paused for the rate limit (the tunnel must not resume it early). */
  private throttled = false;

  constructor(
    private readonly socket: Socket,
    tunnelUrl: string,
    headers: Record<string, string>,
    private readonly config: BridgeConfig,
    private readonly counters: ConnectionCounters,
  ) {
    this.splitter = new PacketSplitter({ maxPacketSize: config.maxPacketSize });
    this.rateLimit = new PacketRateLimit(config.maxPacketsPerSecond, config.packetBurst);
    socket.setNoDelay(true);
    socket.setTimeout(config.idleTimeoutMs);

    this.ws = new WebSocket(tunnelUrl, {
      headers,
      handshakeTimeout: config.tunnelConnectTimeoutMs,
      perMessageDeflate: false,
      // The edge sends single packets; anything huge is a bug, not a reason to buffer it.
      maxPayload: 1024 * 1024,
    });

    const socketClosed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    const wsClosed = new Promise<void>((resolve) => this.ws.once("close", () => resolve()));
    this.closed = Promise.all([socketClosed, wsClosed]).then(() => undefined);

    socket.on("data", (chunk: Buffer) => this.onClientData(chunk));
    socket.on("timeout", () => this.shutdown(TunnelClose.idle, "idle timeout"));
    socket.on("error", () => {}); // a reset client; "close" follows
    socket.on("close", () => this.onClientClosed());

    this.ws.on("open", () => this.onTunnelOpen());
    this.ws.on("message", (data, isBinary) => this.onEdgeMessage(data, isBinary));
    this.ws.on("error", () => {}); // refused or broken tunnel (e.g. 401); "close" follows
    this.ws.on("close", () => this.endClient());
  }

  /** Ends the session from the bridge's side (shutdown, idle, protocol error, slow client). */
  shutdown(code: number, reason: string): void {
    this.closeTunnel(code, reason);
    this.endClient();
  }

  private onClientData(chunk: Buffer): void {
    this.counters.bytesIn += chunk.byteLength;
    if (this.ending) return;
    this.keepalive?.heard();
    const split = this.splitter.push(chunk);
    if (!split.ok) {
      this.protocolError(split.error.message);
      return;
    }
    for (const raw of split.value) {
      if (!this.onClientPacket(raw)) return;
    }
    const waitMs = split.value.length > 0 ? this.rateLimit.take(split.value.length) : 0;
    if (waitMs > 0 && !this.throttled) this.throttle(waitMs);
  }

  private throttle(waitMs: number): void {
    this.counters.rateLimited++;
    this.throttled = true;
    this.socket.pause();
    setTimeout(() => {
      this.throttled = false;
      this.resumeIfDrained();
    }, waitMs).unref();
  }

  /** Returns false once the connection is being torn down. */
  private onClientPacket(raw: Uint8Array): boolean {
    const type = packetTypeOf(raw);
    const state = this.cipherState;
    if (state.phase === "first") {
      if (type === MessageType.SessionKey) return this.startEncryption(raw);
      this.cipherState = { phase: "plain" }; // MythDev behaviour: no key first ⇒ plaintext session
    } else if (type === MessageType.SessionKey) {
      return this.protocolError("session key after the first packet");
    }
    // Keepalive replies only matter to the bridge's timer; forwarding them would wake the room.
    if (type === MessageType.Keepalive && this.keepalive) return true;
    let plain = raw;
    if (state.phase === "encrypted") {
      const decrypted = state.cipher.decryptPacket(raw);
      if (!decrypted.ok) return this.protocolError(decrypted.error.message);
      plain = decrypted.value;
    }
    this.sendToEdge(frameOfPacket(plain));
    return true;
  }

  /**
   * PROTOCOL.md §2.1, MythDev order: the client's key comes first, we answer with ours in
   * plaintext, and everything after that is encrypted both ways.
   */
  private startEncryption(raw: Uint8Array): boolean {
    const clientKey = raw.subarray(HEADER_SIZE);
    const keys = createKeyPair();
    const sessionKey = deriveSessionKey(keys.privateKey, clientKey);
    if (!sessionKey.ok) return this.protocolError(sessionKey.error.message);
    this.writeToClient(encodePacket(MessageType.SessionKey, keys.publicKey));
    this.cipherState = { phase: "encrypted", cipher: new SessionCipher(sessionKey.value) };
    this.sendToEdge(ENCRYPTED_FRAME);
    return !this.ending;
  }

  private sendToEdge(frame: Uint8Array | string): void {
    if (this.ws.readyState === WebSocket.CONNECTING) {
      this.pending.push(frame);
      this.pendingBytes += typeof frame === "string" ? frame.length : frame.byteLength;
      // Stop reading until the tunnel opens; memory stays bounded by one TCP chunk past the mark.
      if (this.pendingBytes > this.config.tunnelHighWaterMark) this.socket.pause();
      return;
    }
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(frame, () => this.resumeIfDrained());
    if (this.ws.bufferedAmount > this.config.tunnelHighWaterMark && !this.socket.isPaused()) {
      this.counters.tunnelPauses++;
      this.socket.pause();
    }
  }

  private resumeIfDrained(): void {
    if (this.ending || this.throttled || !this.socket.isPaused()) return;
    if (this.ws.readyState === WebSocket.OPEN && this.ws.bufferedAmount <= this.config.tunnelHighWaterMark) {
      this.socket.resume();
    }
  }

  private onTunnelOpen(): void {
    const queued = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const frame of queued) this.sendToEdge(frame);
    // The session ended while the tunnel was opening: deliver what the client sent, then close.
    if (this.closeOnOpen) this.ws.close(this.closeOnOpen.code, this.closeOnOpen.reason);
    else this.resumeIfDrained();
  }

  private onEdgeMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.ending) return;
    if (!isBinary) {
      this.onEdgeControl(toBytes(data));
      return;
    }
    const packet = packetOfFrame(toBytes(data));
    if (!packet.ok) return; // not a packet; the edge only sends whole packets
    const raw = packet.value;
    const state = this.cipherState;
    this.writeToClient(state.phase === "encrypted" ? state.cipher.encryptPacket(raw) : raw);
  }

  /** The only edge → bridge control frame is the keepalive hand-over; others are ignored. */
  private onEdgeControl(bytes: Uint8Array): void {
    const policy = parseEdgeControl(new TextDecoder().decode(bytes));
    if (policy?.t !== "keepalive") return;
    this.keepalive?.stop();
    this.keepalive = new KeepaliveTimer(
      policy,
      () => this.sendKeepalive(),
      () => this.shutdown(TunnelClose.keepaliveTimeout, "no answer to keepalives"),
    );
  }

  private sendKeepalive(): void {
    const state = this.cipherState;
    this.writeToClient(state.phase === "encrypted" ? state.cipher.encryptPacket(KEEPALIVE_PACKET) : KEEPALIVE_PACKET);
  }

  private writeToClient(bytes: Uint8Array): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    this.counters.bytesOut += bytes.byteLength;
    // Everything written to this client in one tick leaves in one writev: under load several
    // packets arrive per tick, and a write syscall per packet was the bridge's largest cost
    // (docs/performance.md). end() flushes a corked socket, so nothing is lost on close.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => this.flushToClient());
    }
    this.socket.write(bytes);
  }

  private flushToClient(): void {
    this.corked = false;
    if (this.socket.destroyed) return;
    this.socket.uncork();
    if (this.socket.writableLength > this.config.maxOutboundQueueBytes) {
      // The client is not reading: drop it rather than buffer without bound.
      this.counters.droppedSlowClients++;
      this.closeTunnel(TunnelClose.slowClient, "client too slow");
      this.socket.destroy();
    }
  }

  private protocolError(reason: string): false {
    this.counters.protocolErrors++;
    this.shutdown(TunnelClose.protocolError, reason.slice(0, 100));
    return false;
  }

  private onClientClosed(): void {
    this.ending = true;
    this.keepalive?.stop();
    this.closeTunnel(TunnelClose.normal, "client closed");
  }

  private closeTunnel(code: number, reason: string): void {
    this.ending = true;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(code, reason);
    // Closing a connecting socket would abort the handshake and leave the edge guessing (1006):
    // finish opening, then close with the real reason. The handshake timeout still bounds this.
    else if (this.ws.readyState === WebSocket.CONNECTING) this.closeOnOpen ??= { code, reason };
  }

  /** Writes what is already queued, then closes; a peer that never reads is destroyed later. */
  private endClient(): void {
    this.ending = true;
    this.keepalive?.stop();
    if (this.clientEnding || this.socket.destroyed) return;
    this.clientEnding = true;
    this.socket.resume(); // keep draining input so a half-open client can finish closing
    if (!this.socket.writableEnded) this.socket.end();
    const linger = setTimeout(() => this.socket.destroy(), this.config.closeLingerMs);
    linger.unref();
    this.socket.once("close", () => clearTimeout(linger));
  }
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
