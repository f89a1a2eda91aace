/**
 * Tunnel v2, the multiplexed tunnel: one WebSocket per bridge and target (the login service,
 * or one room) carries every client connection the bridge has there. Frames name the
 * connections they are for (docs/architecture.md, "Tunnel").
 *
 * Every frame is binary: a run of records, each starting with a kind byte. Controls travel in
 * the same stream as packets, so nothing can overtake anything (text and binary frames are not
 * ordered against each other everywhere, e.g. in the workers test pool).
 *
 *   bridge → edge                                   edge → bridge
 *   0 packet     u32 conn, packet                   0 packet     u16 n, n × u32 conn, packet
 *   1 open       u32 conn, str client, str local    1 keepalive  u32 conn, u32 interval ms, u32 timeout ms
 *   2 encrypted  u32 conn                           2 close      u32 conn, u16 code, str reason
 *   3 close      u32 conn, u16 code, str reason    16 host check    u32 conn, u16 port, u8 mode
 *   16 host result u32 conn, u8 mode, u8 probe,     17 host release  u32 conn
 *                u16 port, str proxy
 *
 * Host records (16, 17) serve the host proxy (§7.6) and `.test`: the edge sends them only on
 * tunnels whose bridge announced them (HOST_PROXY_FEATURE in tunnel/http.ts), so a bridge
 * that predates them never sees an unknown kind.
 *
 * A packet is one whole legacy packet (8-byte header + plaintext payload); its header length
 * delimits it. A str is u8 length + ASCII. A broadcast to a room is one packet record per
 * bridge, and everything a room sends in one turn leaves as one frame per bridge.
 */
import { decodeHeader, HEADER_SIZE, MAX_OUTBOUND_PACKET_SIZE } from "../protocol/header.ts";
import { fail, ok, type Result } from "../protocol/result.ts";

export const TUNNEL_VERSION = 2;
/** Frames are cut once they pass this size; a record is never split. */
export const MAX_MUX_FRAME_BYTES = 256 * 1024;
/** Recipients per packet record (the u16 count). */
export const MAX_RECIPIENTS = 0xffff;

/** Record kinds, bridge → edge. */
const Up = { Packet: 0, Open: 1, Encrypted: 2, Close: 3, HostResult: 16 } as const;
/** Record kinds, edge → bridge. */
const Down = { Packet: 0, Keepalive: 1, Close: 2, HostCheck: 16, HostRelease: 17 } as const;

/**
 * What the edge asks about a host's game port: only whether the bridge reaches it (`.test`),
 * probe and proxy if unreachable (first create_game), or proxy without probing (`.proxy on`).
 */
export type HostCheckMode = "probe" | "auto" | "proxy";
const HOST_CHECK_MODES: readonly HostCheckMode[] = ["probe", "auto", "proxy"];
/** How a TCP connect to the host's game port went; "skipped" when the bridge did not try. */
export type ProbeOutcome = "reachable" | "refused" | "timeout" | "unreachable" | "skipped";
const PROBE_OUTCOMES: readonly ProbeOutcome[] = ["reachable", "refused", "timeout", "unreachable", "skipped"];

/** The bridge's answer to a host check. */
export interface HostResult {
  readonly mode: HostCheckMode;
  readonly probe: ProbeOutcome;
  /** The game port that was asked about. */
  readonly port: number;
  /** "ipv4:port" joiners use (the bridge's client port), or "" when the game is not proxied. */
  readonly proxy: string;
}

/** Bounds on what the edge may ask for: a bad record must not make the bridge spin or never expire. */
const MIN_KEEPALIVE_MS = 1_000;
const MAX_KEEPALIVE_MS = 3_600_000;

export type UpRecord =
  | { readonly kind: "packet"; readonly conn: number; readonly packet: Uint8Array }
  /** A client connected: "ipv4:port" of the player, and of the bridge socket it reached. */
  | { readonly kind: "open"; readonly conn: number; readonly client: string; readonly local: string }
  /** The 203 key exchange on this connection is done. */
  | { readonly kind: "encrypted"; readonly conn: number }
  /** The client went (or the bridge ended it, with a tunnel/close-codes.ts code). */
  | { readonly kind: "close"; readonly conn: number; readonly code: number; readonly reason: string }
  /** The answer to a host check (down record 16). */
  | ({ readonly kind: "host-result"; readonly conn: number } & HostResult);

/** What a bridge does with each kind of edge → bridge record. */
export interface DownHandlers {
  /** The packet to each connection (a view, valid during the call). */
  packet(conns: DataView, count: number, packet: Uint8Array): void;
  /** Keep the client alive on the room's behalf (send 202 after intervalMs of silence, drop after timeoutMs). */
  keepalive(conn: number, intervalMs: number, timeoutMs: number): void;
  /** The edge ended the session: write what came before, then close. */
  close(conn: number, code: number, reason: string): void;
  /** Check (and perhaps proxy) the game port of this connection's player. */
  hostCheck?(conn: number, port: number, mode: HostCheckMode): void;
  /** The game this connection hosted is gone: free its proxy ports. */
  hostRelease?(conn: number): void;
}

/**
 * Builds frames of records; `take` returns the frame and starts a new one. The caller cuts
 * frames (take) when `size` passes its limit.
 */
export class MuxFrameWriter {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  private length = 0;

  get size(): number {
    return this.length;
  }

  // ---- bridge → edge

  packetUp(conn: number, packet: Uint8Array): void {
    const at = this.reserve(5 + packet.byteLength);
    this.view.setUint8(at, Up.Packet);
    this.view.setUint32(at + 1, conn);
    this.buf.set(packet, at + 5);
  }

  open(conn: number, client: string, local: string): void {
    this.head(Up.Open, conn);
    this.str(client);
    this.str(local);
  }

  encrypted(conn: number): void {
    this.head(Up.Encrypted, conn);
  }

  closeUp(conn: number, code: number, reason: string): void {
    this.head(Up.Close, conn);
    this.u16(code);
    this.str(reason);
  }

  hostResult(conn: number, result: HostResult): void {
    this.head(Up.HostResult, conn);
    const at = this.reserve(2);
    this.buf[at] = HOST_CHECK_MODES.indexOf(result.mode);
    this.buf[at + 1] = PROBE_OUTCOMES.indexOf(result.probe);
    this.u16(result.port);
    this.str(result.proxy);
  }

  // ---- edge → bridge

  /** The same packet to each of `conns` (1 to 65535 of them). */
  packetDown(conns: ArrayLike<number>, packet: Uint8Array): void {
    const n = conns.length;
    if (n < 1 || n > MAX_RECIPIENTS) throw new RangeError(`a record has 1 to ${MAX_RECIPIENTS} recipients, got ${n}`);
    const at = this.reserve(3 + 4 * n + packet.byteLength);
    const view = this.view;
    view.setUint8(at, Down.Packet);
    view.setUint16(at + 1, n);
    for (let i = 0; i < n; i++) view.setUint32(at + 3 + 4 * i, conns[i] as number);
    this.buf.set(packet, at + 3 + 4 * n);
  }

  keepalive(conn: number, intervalMs: number, timeoutMs: number): void {
    this.head(Down.Keepalive, conn);
    const at = this.reserve(8);
    this.view.setUint32(at, intervalMs);
    this.view.setUint32(at + 4, timeoutMs);
  }

  closeDown(conn: number, code: number, reason: string): void {
    this.head(Down.Close, conn);
    this.u16(code);
    this.str(reason);
  }

  hostCheck(conn: number, port: number, mode: HostCheckMode): void {
    this.head(Down.HostCheck, conn);
    this.u16(port);
    this.buf[this.reserve(1)] = HOST_CHECK_MODES.indexOf(mode);
  }

  hostRelease(conn: number): void {
    this.head(Down.HostRelease, conn);
  }

  take(): Uint8Array {
    const frame = this.buf.slice(0, this.length);
    this.length = 0;
    return frame;
  }

  private head(kind: number, conn: number): void {
    const at = this.reserve(5);
    this.view.setUint8(at, kind);
    this.view.setUint32(at + 1, conn);
  }

  private u16(v: number): void {
    this.view.setUint16(this.reserve(2), v);
  }

  /** u8 length + ASCII (anything else becomes '?'), at most 255 characters. */
  private str(text: string): void {
    const n = Math.min(text.length, 255);
    const at = this.reserve(1 + n);
    this.buf[at] = n;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      this.buf[at + 1 + i] = c >= 0x20 && c < 0x7f ? c : 0x3f;
    }
  }

  private reserve(n: number): number {
    const at = this.length;
    const needed = at + n;
    if (needed > this.buf.byteLength) {
      const next = new Uint8Array(Math.max(needed, this.buf.byteLength * 2));
      next.set(this.buf.subarray(0, at));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.length = needed;
    return at;
  }
}

/** Reads records of one frame, checking every bound. */
class Cursor {
  at = 0;
  private readonly view: DataView;
  constructor(readonly frame: Uint8Array) {
    this.view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  }
  get done(): boolean {
    return this.at >= this.frame.byteLength;
  }
  need(n: number, what: string): Result<true> {
    return this.frame.byteLength - this.at >= n ? ok(true) : fail("truncated", `${what} runs past the frame`);
  }
  u8(): number {
    return this.view.getUint8(this.at++);
  }
  u16(): number {
    const v = this.view.getUint16(this.at);
    this.at += 2;
    return v;
  }
  u32(): number {
    const v = this.view.getUint32(this.at);
    this.at += 4;
    return v;
  }
  str(): Result<string> {
    if (this.frame.byteLength - this.at < 1) return fail("truncated", "string length runs past the frame");
    const n = this.u8();
    if (this.frame.byteLength - this.at < n) return fail("truncated", "string runs past the frame");
    const text = String.fromCharCode(...this.frame.subarray(this.at, this.at + n));
    this.at += n;
    return ok(text);
  }
  /** A whole legacy packet that fits in the frame. */
  packet(maxPacket: number): Result<Uint8Array> {
    const header = decodeHeader(this.frame.subarray(this.at, this.at + HEADER_SIZE), maxPacket);
    if (!header.ok) return { ok: false, error: header.error };
    const end = this.at + header.value.length;
    if (end > this.frame.byteLength)
      return fail("truncated", `a packet of ${header.value.length} bytes runs past the frame`);
    const packet = this.frame.subarray(this.at, end);
    this.at = end;
    return ok(packet);
  }
}

/**
 * Every record of a bridge → edge frame, in order; packets are views into the frame. A
 * malformed frame fails as a whole: only a broken bridge sends one.
 */
export function decodeUpFrame(frame: Uint8Array, maxPacket: number): Result<UpRecord[]> {
  const records: UpRecord[] = [];
  const c = new Cursor(frame);
  while (!c.done) {
    const head = c.need(5, "record head");
    if (!head.ok) return head as Result<never>;
    const kind = c.u8();
    const conn = c.u32();
    if (kind === Up.Packet) {
      const packet = c.packet(maxPacket);
      if (!packet.ok) return packet as Result<never>;
      records.push({ kind: "packet", conn, packet: packet.value });
    } else if (kind === Up.Open) {
      const client = c.str();
      if (!client.ok) return client as Result<never>;
      const local = c.str();
      if (!local.ok) return local as Result<never>;
      records.push({ kind: "open", conn, client: client.value, local: local.value });
    } else if (kind === Up.Encrypted) {
      records.push({ kind: "encrypted", conn });
    } else if (kind === Up.Close) {
      const code = c.need(2, "close code");
      if (!code.ok) return code as Result<never>;
      const value = c.u16();
      const reason = c.str();
      if (!reason.ok) return reason as Result<never>;
      records.push({ kind: "close", conn, code: value, reason: reason.value });
    } else if (kind === Up.HostResult) {
      const result = readHostResult(c);
      if (!result.ok) return result as Result<never>;
      records.push({ kind: "host-result", conn, ...result.value });
    } else {
      return fail("out-of-range", `unknown record kind ${kind}`);
    }
  }
  return ok(records);
}

/**
 * Hands every record of an edge → bridge frame to `handlers`, in order. Returns an error for a
 * malformed frame; records before the broken one have been handled.
 */
export function forEachDownRecord(frame: Uint8Array, handlers: DownHandlers): Result<number> {
  const c = new Cursor(frame);
  let records = 0;
  while (!c.done) {
    const kind = c.u8();
    if (kind === Down.Packet) {
      const count = c.need(2, "recipient count");
      if (!count.ok) return count as Result<never>;
      const n = c.u16();
      const ids = c.need(4 * n, "recipients");
      if (n === 0 || !ids.ok) return fail("truncated", `a record of ${n} recipients runs past the frame`);
      const idsAt = c.at;
      c.at += 4 * n;
      const packet = c.packet(MAX_OUTBOUND_PACKET_SIZE);
      if (!packet.ok) return packet as Result<never>;
      handlers.packet(new DataView(frame.buffer, frame.byteOffset + idsAt, 4 * n), n, packet.value);
    } else if (kind === Down.Keepalive) {
      const body = c.need(12, "keepalive record");
      if (!body.ok) return body as Result<never>;
      const conn = c.u32();
      const intervalMs = c.u32();
      const timeoutMs = c.u32();
      const valid = intervalMs >= MIN_KEEPALIVE_MS && timeoutMs <= MAX_KEEPALIVE_MS && intervalMs <= timeoutMs;
      // An out-of-bounds policy is ignored (the client keeps the bridge's idle timeout).
      if (valid) handlers.keepalive(conn, intervalMs, timeoutMs);
    } else if (kind === Down.Close) {
      const body = c.need(6, "close record");
      if (!body.ok) return body as Result<never>;
      const conn = c.u32();
      const code = c.u16();
      const reason = c.str();
      if (!reason.ok) return reason as Result<never>;
      handlers.close(conn, code, reason.value);
    } else if (kind === Down.HostCheck) {
      const body = c.need(7, "host check record");
      if (!body.ok) return body as Result<never>;
      const conn = c.u32();
      const port = c.u16();
      const mode = HOST_CHECK_MODES[c.u8()];
      if (mode === undefined) return fail("out-of-range", "unknown host check mode");
      handlers.hostCheck?.(conn, port, mode);
    } else if (kind === Down.HostRelease) {
      const body = c.need(4, "host release record");
      if (!body.ok) return body as Result<never>;
      // Read before the call: optional chaining would skip the read with the call.
      const conn = c.u32();
      handlers.hostRelease?.(conn);
    } else {
      return fail("out-of-range", `unknown record kind ${kind}`);
    }
    records++;
  }
  return ok(records);
}

/** The body of a host result record (after its head). */
function readHostResult(c: Cursor): Result<HostResult> {
  const body = c.need(4, "host result");
  if (!body.ok) return body as Result<never>;
  const mode = HOST_CHECK_MODES[c.u8()];
  const probe = PROBE_OUTCOMES[c.u8()];
  const port = c.u16();
  if (mode === undefined || probe === undefined) return fail("out-of-range", "unknown host result");
  const proxy = c.str();
  if (!proxy.ok) return proxy as Result<never>;
  return ok({ mode, probe, port, proxy: proxy.value });
}
