/**
 * One multiplexed tunnel (v2, tunnel/mux.ts) from this bridge to one target at the edge: the
 * login service or one room. Every client connection to that target rides on it, named by a
 * number; what the clients send in one tick leaves as one frame, and a broadcast from the
 * room arrives as one record that this side fans out to its recipients.
 *
 * The WebSocket opens with the first client and reopens with the next one after it closed.
 * When it closes, every connection on it ends: a client whose tunnel died is disconnected,
 * never left half-alive.
 */

import WebSocket from "ws";
import { type ScrambledPacket, scramblePacket } from "../protocol/cipher.ts";
import type { KeepalivePolicy } from "../protocol/families.ts";
import { TunnelClose } from "../tunnel/close-codes.ts";
import { type DownHandlers, forEachDownRecord, type HostCheckMode, type HostResult } from "../tunnel/mux.ts";
import { MuxSender } from "../tunnel/mux-sender.ts";
import { logThrottled } from "./log.ts";

/** What a tunnel tells the connections on it. */
export interface MuxClient {
  /**
   * A packet from the edge for this connection (a view, valid during the call). `scrambled`
   * gives it scrambled for encryption, computed once for all recipients of the record.
   */
  deliver(packet: Uint8Array, scrambled: () => ScrambledPacket): void;
  keepalive(policy: KeepalivePolicy): void;
  /** The edge ended the session. */
  edgeClosed(): void;
  /** The tunnel is gone. */
  tunnelLost(): void;
  /** The tunnel drained below its high-water mark: reading from the client may resume. */
  tunnelDrained(): void;
  /** The room asks about this player's game port (host proxy, `.test`). */
  hostCheck?(port: number, mode: HostCheckMode): void;
  /** The room says this player's proxied game is gone. */
  hostRelease?(): void;
}

export interface TunnelCounters {
  tunnelFramesOut: number;
  tunnelBytesOut: number;
  tunnelFramesIn: number;
  tunnelBytesIn: number;
  tunnelsOpened: number;
  tunnelsLost: number;
}

export interface TunnelOptions {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly connectTimeoutMs: number;
  /** Bytes queued towards the edge above which clients stop being read. */
  readonly highWaterMark: number;
}

/** Largest frame accepted from the edge (a room's turn for this bridge; the edge cuts at 256 KiB per record run). */
const MAX_FRAME_FROM_EDGE = 16 * 1024 * 1024;

export class TunnelMux {
  private ws: WebSocket | null = null;
  private readonly clients = new Map<number, MuxClient>();
  private nextConn = 1;
  /** Frames written while the socket was still opening. */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private readonly sender: MuxSender;
  /** Clients that stopped reading because the tunnel is backed up. */
  private readonly paused = new Set<MuxClient>();
  private closing = false;

  private readonly handlers: DownHandlers;

  constructor(
    private readonly options: TunnelOptions,
    private readonly counters: TunnelCounters,
  ) {
    this.sender = new MuxSender(
      (frame) => this.write(frame),
      // After the I/O phase, not after this callback: packets of every client read in the same
      // turn of the loop leave in one frame.
      (flush) => setImmediate(flush),
    );
    const clients = this.clients;
    this.handlers = {
      packet: (conns, count, packet) => {
        // Encrypted recipients share the key-independent part of the cipher (protocol/cipher.ts).
        let shared: ScrambledPacket | null = null;
        const scrambled = () => {
          shared ??= scramblePacket(packet);
          return shared;
        };
        for (let i = 0; i < count; i++) clients.get(conns.getUint32(4 * i))?.deliver(packet, scrambled);
      },
      keepalive: (conn, intervalMs, timeoutMs) => clients.get(conn)?.keepalive({ intervalMs, timeoutMs }),
      hostCheck: (conn, port, mode) => clients.get(conn)?.hostCheck?.(port, mode),
      hostRelease: (conn) => clients.get(conn)?.hostRelease?.(),
      close: (conn) => {
        const client = clients.get(conn);
        if (!client) return;
        clients.delete(conn);
        this.paused.delete(client);
        client.edgeClosed();
      },
    };
  }

  /** Connections on this tunnel now. */
  get size(): number {
    return this.clients.size;
  }

  /** A new client connection: returns its number on this tunnel. */
  open(client: MuxClient, clientAddress: string, localAddress: string): number {
    const conn = this.nextConn;
    this.nextConn = this.nextConn >= 0xffffffff ? 1 : this.nextConn + 1;
    this.clients.set(conn, client);
    this.ensureSocket();
    this.sender.open(conn, clientAddress, localAddress);
    return conn;
  }

  packet(conn: number, packet: Uint8Array): void {
    if (this.clients.has(conn)) this.sender.packetUp(conn, packet);
  }

  encrypted(conn: number): void {
    if (this.clients.has(conn)) this.sender.encrypted(conn);
  }

  hostResult(conn: number, result: HostResult): void {
    if (this.clients.has(conn)) this.sender.hostResult(conn, result);
  }

  /** The bridge ends a connection (the client left, or broke the rules). */
  close(conn: number, code: number, reason: string): void {
    const client = this.clients.get(conn);
    if (!client) return;
    this.clients.delete(conn);
    this.paused.delete(client);
    this.sender.closeUp(conn, code, reason);
  }

  /** True while too much is queued towards the edge; the client waits for tunnelDrained. */
  congested(client: MuxClient): boolean {
    const ws = this.ws;
    const queued = ws && ws.readyState === WebSocket.OPEN ? ws.bufferedAmount : this.pendingBytes;
    if (queued <= this.options.highWaterMark) return false;
    this.paused.add(client);
    return true;
  }

  /** Closes the socket (the connections on it end). */
  shutdown(code: number = TunnelClose.bridgeShutdown, reason = "bridge shutting down"): void {
    this.closing = true;
    const ws = this.ws;
    if (!ws) return;
    this.sender.flush();
    if (ws.readyState === WebSocket.OPEN) ws.close(code, reason);
    else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
  }

  private ensureSocket(): void {
    if (this.ws || this.closing) return;
    const ws = new WebSocket(this.options.url, {
      headers: this.options.headers,
      handshakeTimeout: this.options.connectTimeoutMs,
      perMessageDeflate: false,
      maxPayload: MAX_FRAME_FROM_EDGE,
    });
    this.ws = ws;
    this.counters.tunnelsOpened++;
    ws.on("open", () => {
      const queued = this.pending;
      this.pending = [];
      this.pendingBytes = 0;
      for (const frame of queued) this.send(ws, frame);
      this.checkDrained();
    });
    ws.on("message", (data, isBinary) => this.onMessage(data, isBinary));
    // Refused or broken tunnel: "close" follows; the reason is only here.
    ws.on("error", (error: Error) => {
      logThrottled("error", "bridge", "tunnel.error", { url: this.options.url, error: error.message });
    });
    ws.on("close", (code: number) => this.onClose(ws, code));
  }

  private write(frame: Uint8Array): void {
    const ws = this.ws;
    if (!ws) return;
    if (ws.readyState === WebSocket.CONNECTING) {
      this.pending.push(frame);
      this.pendingBytes += frame.byteLength;
      return;
    }
    if (ws.readyState === WebSocket.OPEN) this.send(ws, frame);
  }

  private send(ws: WebSocket, frame: Uint8Array): void {
    this.counters.tunnelFramesOut++;
    this.counters.tunnelBytesOut += frame.byteLength;
    ws.send(frame, () => this.checkDrained());
  }

  private checkDrained(): void {
    if (this.paused.size === 0) return;
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || ws.bufferedAmount > this.options.highWaterMark) return;
    const paused = [...this.paused];
    this.paused.clear();
    for (const client of paused) client.tunnelDrained();
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (!isBinary) return; // v2 is binary only; text is not part of it
    const bytes = toBytes(data);
    this.counters.tunnelFramesIn++;
    this.counters.tunnelBytesIn += bytes.byteLength;
    const result = forEachDownRecord(bytes, this.handlers);
    // A broken frame means a broken edge: nothing after it can be trusted on this tunnel.
    if (!result.ok) this.ws?.close(TunnelClose.protocolError, "bad frame");
  }

  private onClose(ws: WebSocket, code = 1006): void {
    if (this.ws !== ws) return;
    if (!this.closing) {
      // Every client on it is disconnected now: the edge is unreachable or went away.
      logThrottled("error", "bridge", "tunnel.lost", { url: this.options.url, code, clients: this.clients.size });
    }
    this.ws = null;
    this.pending = [];
    this.pendingBytes = 0;
    this.counters.tunnelsLost++;
    const clients = [...this.clients.values()];
    this.clients.clear();
    this.paused.clear();
    for (const client of clients) client.tunnelLost();
  }
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
