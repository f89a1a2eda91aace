import type { Socket } from "node:net";
import {
  createKeyPair,
  deriveSessionKey,
  type ScrambledPacket,
  SessionCipher,
  scramblePacket,
} from "../protocol/cipher.ts";
import type { KeepalivePolicy } from "../protocol/families.ts";
import { encodePacket, HEADER_SIZE, packetTypeOf } from "../protocol/header.ts";
import { MessageType } from "../protocol/message-types.ts";
import { encodeMessage, ServerMessageCode } from "../protocol/messages.ts";
import { PacketSplitter } from "../protocol/splitter.ts";
import { TunnelClose } from "../tunnel/close-codes.ts";
import type { HostCheckMode, HostResult } from "../tunnel/mux.ts";
import type { Ticket } from "./admission.ts";
import type { BridgeConfig } from "./config.ts";
import type { HostProxy, ProxyHost } from "./host-proxy/host-proxy.ts";
import { KeepaliveTimer } from "./keepalive.ts";
import { logThrottled } from "./log.ts";
import { PacketRateLimit } from "./rate-limit.ts";
import { serverMessagePacket } from "./refusal.ts";
import type { MuxClient, TunnelMux } from "./tunnel-mux.ts";

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
  /** Clients closed for sending no whole packet within the idle timeout. */
  idleClosed: number;
  /** Room connections closed for not finishing room_login within the deadline. */
  roomLoginDeadline: number;
  /** Clients dropped for not answering keepalives. */
  keepaliveTimeouts: number;
  /** Packets from clients by message type (index = type; PACKET_TYPE_SLOTS - 1 holds every larger type). */
  packetsIn: Float64Array;
  /** Packets written to clients by message type, one per recipient. */
  packetsOut: Float64Array;
}

/** Every message type in use is below 300 (protocol/message-types.ts); the last slot counts the rest. */
export const PACKET_TYPE_SLOTS = 512;

function countType(counts: Float64Array, type: number | null): void {
  const slot = Math.min(type ?? PACKET_TYPE_SLOTS - 1, PACKET_TYPE_SLOTS - 1);
  counts[slot] = (counts[slot] ?? 0) + 1;
}

/** What the server tells a connection about its place: login or room, and its admission ticket. */
export interface ConnectionRole {
  readonly kind: "login" | "room";
  readonly ticket: Ticket;
}

const KEEPALIVE_PACKET = encodePacket(MessageType.Keepalive, new Uint8Array());

/** Packets to clients come from Node's buffer pool: cheap to allocate, and written as they are. */
const allocate = (size: number): Uint8Array => Buffer.allocUnsafe(size);

type CipherState =
  | { readonly phase: "first" } // no packet yet: a 203 now turns encryption on
  | { readonly phase: "plain" }
  | { readonly phase: "encrypted"; readonly cipher: SessionCipher };

/**
 * One legacy TCP connection, riding on its target's multiplexed tunnel (tunnel-mux.ts). It
 * frames, encrypts and decrypts; it never looks inside payloads other than the 203 session key.
 */
/** GoS leaves proxy_client_join's auth token unset (D's default 0xFF bytes, §5.26). */
const NO_AUTH_TOKEN = new Uint8Array(16).fill(0xff);

export class BridgeConnection implements MuxClient {
  /** Resolves once the TCP socket is closed (the edge has been told). */
  readonly closed: Promise<void>;
  private readonly splitter: PacketSplitter;
  private readonly conn: number;
  private cipherState: CipherState = { phase: "first" };
  /** Set once the session is being torn down: no more packets either way. */
  private ending = false;
  private clientEnding = false;
  /** "ipv4:port" of the client, for log lines. */
  private readonly client: string;
  /** The edge knows this connection is over (it ended it, or was told). */
  private edgeDone = false;
  /** Writes to the client are corked until the end of the current tick. */
  private corked = false;
  /** Set once the edge hands keepalives to the bridge (after room login). */
  private keepaliveTimer: KeepaliveTimer | undefined;
  private readonly rateLimit: PacketRateLimit;
  /** True while reading is paused for the rate limit (the tunnel must not resume it early). */
  private throttled = false;
  /** True while reading is paused because the tunnel is backed up. */
  private waitingForTunnel = false;
  /** When the last whole packet arrived: the idle timer counts packets, not bytes. */
  private lastPacketAt = Date.now();
  private idleTimer: NodeJS.Timeout | undefined;
  private roomLoginTimer: NodeJS.Timeout | undefined;
  /** This player as a host the proxy knows (made on the first host check). */
  private proxyHost: ProxyHost | undefined;
  private readonly addresses: { client: string; local: string };

  constructor(
    private readonly socket: Socket,
    private readonly tunnel: TunnelMux,
    addresses: { client: string; local: string },
    private readonly config: BridgeConfig,
    private readonly counters: ConnectionCounters,
    private readonly role: ConnectionRole = { kind: "login", ticket: { authenticated() {}, release() {} } },
    private readonly hostProxy?: HostProxy,
  ) {
    this.splitter = new PacketSplitter({ maxPacketSize: config.maxPacketSize });
    this.rateLimit = new PacketRateLimit(config.maxPacketsPerSecond, config.packetBurst);
    socket.setNoDelay(true);
    this.client = addresses.client;
    this.conn = tunnel.open(this, addresses.client, addresses.local);
    this.addresses = addresses;
    this.armIdle(config.idleTimeoutMs);
    if (role.kind === "room" && config.roomLoginDeadlineMs > 0) {
      this.roomLoginTimer = setTimeout(() => {
        this.counters.roomLoginDeadline++;
        logThrottled("info", "bridge", "connection.dropped", { reason: "room login deadline", client: this.client });
        const seconds = Math.round(config.roomLoginDeadlineMs / 1000);
        this.sayAndClose(
          ServerMessageCode.UserNotLoggedIn,
          `Room login not completed within ${seconds} s.`,
          "room login deadline",
        );
      }, config.roomLoginDeadlineMs);
      this.roomLoginTimer.unref();
    }

    this.closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.on("data", (chunk: Buffer) => this.onClientData(chunk));
    socket.on("error", () => {}); // a reset client; "close" follows
    socket.on("close", () => this.onClientClosed());
  }

  /** One timer per connection, re-armed only when it fires early (packets just move lastPacketAt). */
  private armIdle(ms: number): void {
    if (this.config.idleTimeoutMs <= 0) return;
    this.idleTimer = setTimeout(() => {
      const quiet = Date.now() - this.lastPacketAt;
      if (quiet < this.config.idleTimeoutMs) return this.armIdle(this.config.idleTimeoutMs - quiet);
      this.counters.idleClosed++;
      logThrottled("info", "bridge", "connection.dropped", { reason: "idle timeout", client: this.client });
      const seconds = Math.round(this.config.idleTimeoutMs / 1000);
      this.sayAndClose(ServerMessageCode.UserNotLoggedIn, `Closed: no message for ${seconds} s.`, "idle timeout");
    }, ms);
    this.idleTimer.unref();
  }

  /** A server_message the client can show (encrypted if the session is), then the close. */
  sayAndClose(code: ServerMessageCode, text: string, reason: string): void {
    if (this.ending) return;
    const state = this.cipherState;
    const packet = serverMessagePacket(code, text, state.phase === "encrypted" ? "myth2" : "myth2-legacy");
    this.writeToClient(state.phase === "encrypted" ? state.cipher.encryptPacket(packet, allocate) : packet);
    this.shutdown(TunnelClose.idle, reason);
  }

  /** Ends the session from the bridge's side (shutdown, idle, protocol error, slow client). */
  shutdown(code: number, reason: string): void {
    this.tellEdge(code, reason);
    this.endClient();
  }

  // ------------------------------------------------------------------ from the tunnel (MuxClient)

  deliver(packet: Uint8Array, scrambled: () => ScrambledPacket): void {
    if (this.ending || packet.byteLength < HEADER_SIZE) return;
    countType(this.counters.packetsOut, packetTypeOf(packet));
    const state = this.cipherState;
    this.writeToClient(state.phase === "encrypted" ? state.cipher.keyScrambled(scrambled(), allocate) : packet);
  }

  keepalive(policy: KeepalivePolicy): void {
    if (this.ending) return;
    // The room hands over keepalives right after room_login: this connection is a player now.
    clearTimeout(this.roomLoginTimer);
    this.role.ticket.authenticated();
    this.keepaliveTimer?.stop();
    this.keepaliveTimer = new KeepaliveTimer(
      policy,
      () => this.sendKeepalive(),
      () => {
        this.counters.keepaliveTimeouts++;
        logThrottled("info", "bridge", "connection.dropped", {
          reason: "no answer to keepalives",
          client: this.client,
        });
        this.shutdown(TunnelClose.keepaliveTimeout, "no answer to keepalives");
      },
    );
  }

  edgeClosed(): void {
    this.edgeDone = true;
    this.endClient();
  }

  tunnelLost(): void {
    this.edgeDone = true;
    this.endClient();
  }

  tunnelDrained(): void {
    this.waitingForTunnel = false;
    this.resumeIfDrained();
  }

  hostCheck(port: number, mode: HostCheckMode): void {
    if (this.ending || !this.hostProxy) return;
    this.proxyHost ??= {
      clientIp: hostOf(this.addresses.client),
      localIp: hostOf(this.addresses.local),
      sendJoin: (hostPort, address) =>
        this.sendServerPacket(
          encodeMessage({ type: 22, port: hostPort, host: address, authToken: NO_AUTH_TOKEN }, "myth2"),
        ),
      result: (result: HostResult) => {
        if (!this.ending) this.tunnel.hostResult(this.conn, result);
      },
    };
    this.hostProxy.check(this.proxyHost, port, mode);
  }

  hostRelease(): void {
    if (this.proxyHost) this.hostProxy?.release(this.proxyHost);
  }

  /** A packet of the bridge's own to this client (encrypted like the edge's). */
  private sendServerPacket(packet: Uint8Array): void {
    this.deliver(packet, () => scramblePacket(packet));
  }

  // ------------------------------------------------------------------ from the client

  private onClientData(chunk: Buffer): void {
    this.counters.bytesIn += chunk.byteLength;
    if (this.ending) return;
    const split = this.splitter.push(chunk);
    if (!split.ok) {
      this.protocolError(split.error.message);
      return;
    }
    if (split.value.length > 0) {
      // Only whole packets count as life: one byte every few seconds holds nothing open.
      this.lastPacketAt = Date.now();
      this.keepaliveTimer?.heard();
    }
    for (const raw of split.value) {
      if (!this.onClientPacket(raw)) return;
    }
    if (this.tunnel.congested(this) && !this.waitingForTunnel) {
      this.counters.tunnelPauses++;
      this.waitingForTunnel = true;
      this.socket.pause();
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
    countType(this.counters.packetsIn, type);
    const state = this.cipherState;
    if (state.phase === "first") {
      if (type === MessageType.SessionKey) return this.startEncryption(raw);
      this.cipherState = { phase: "plain" }; // MythDev behaviour: no key first ⇒ plaintext session
    } else if (type === MessageType.SessionKey) {
      return this.protocolError("session key after the first packet");
    }
    let plain = raw;
    if (state.phase === "encrypted") {
      const decrypted = state.cipher.decryptPacket(raw);
      if (!decrypted.ok) return this.protocolError(decrypted.error.message);
      plain = decrypted.value;
    }
    // Keepalive replies only matter to the bridge's timer; forwarding them would wake the room.
    // One with bytes in it is malformed (empty both ways, §5.24): it goes on to the edge, whose
    // decoder answers it with a syntax error and closes, as for any other bad packet (found by
    // npm run fuzz: a bit flip turned 206 into 202 and the connection stayed open).
    if (type === MessageType.Keepalive && this.keepaliveTimer && plain.byteLength === HEADER_SIZE) return true;
    this.tunnel.packet(this.conn, plain);
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
    this.tunnel.encrypted(this.conn);
    return !this.ending;
  }

  private resumeIfDrained(): void {
    if (this.ending || this.throttled || this.waitingForTunnel || !this.socket.isPaused()) return;
    this.socket.resume();
  }

  // ------------------------------------------------------------------ to the client

  private sendKeepalive(): void {
    const state = this.cipherState;
    this.writeToClient(
      state.phase === "encrypted" ? state.cipher.encryptPacket(KEEPALIVE_PACKET, allocate) : KEEPALIVE_PACKET,
    );
  }

  private writeToClient(bytes: Uint8Array): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    this.counters.bytesOut += bytes.byteLength;
    // Everything written to this client in one turn of the event loop leaves in one writev:
    // under load several packets arrive per turn, and a write syscall per packet was the
    // bridge's largest cost (docs/performance.md). end() flushes a corked socket, so nothing is
    // lost on close.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      // After the I/O phase: every frame from the edge read in this turn of the loop adds to
      // the same write.
      setImmediate(() => this.flushToClient());
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
      logThrottled("warn", "bridge", "connection.dropped", {
        reason: "client too slow",
        client: this.client,
        queued: this.socket.writableLength,
      });
      this.tellEdge(TunnelClose.slowClient, "client too slow");
      // A reset, not a close: the kernel's send buffer (megabytes, autotuned) would otherwise
      // still be delivered, then FIN, so the dropped client would stay connected for as long as
      // it takes to read a backlog the bound was meant to cut.
      this.socket.resetAndDestroy();
    }
  }

  // ------------------------------------------------------------------ endings

  private protocolError(reason: string): false {
    this.counters.protocolErrors++;
    logThrottled("info", "bridge", "connection.dropped", {
      reason: "protocol error",
      detail: reason.slice(0, 100),
      client: this.client,
    });
    this.shutdown(TunnelClose.protocolError, reason.slice(0, 100));
    return false;
  }

  private onClientClosed(): void {
    this.ending = true;
    this.hostRelease();
    this.stopTimers();
    this.tellEdge(TunnelClose.normal, "client closed");
  }

  private tellEdge(code: number, reason: string): void {
    this.ending = true;
    if (this.edgeDone) return;
    this.edgeDone = true;
    this.tunnel.close(this.conn, code, reason);
  }

  private stopTimers(): void {
    this.keepaliveTimer?.stop();
    clearTimeout(this.idleTimer);
    clearTimeout(this.roomLoginTimer);
  }

  /** Writes what is already queued, then closes; a peer that never reads is destroyed later. */
  private endClient(): void {
    this.ending = true;
    this.hostRelease();
    this.stopTimers();
    if (this.clientEnding || this.socket.destroyed) return;
    this.clientEnding = true;
    this.socket.resume(); // keep draining input so a half-open client can finish closing
    if (!this.socket.writableEnded) this.socket.end();
    const linger = setTimeout(() => this.socket.destroy(), this.config.closeLingerMs);
    linger.unref();
    this.socket.once("close", () => clearTimeout(linger));
  }
}

/** "a.b.c.d:port" → "a.b.c.d". */
function hostOf(address: string): string {
  const colon = address.lastIndexOf(":");
  return colon < 0 ? address : address.slice(0, colon);
}
