/**
 * Batches what one side sends on a v2 tunnel: every record written in one turn (packets and
 * controls alike, in order) leaves as one binary frame.
 */
import { type HostCheckMode, type HostResult, MAX_MUX_FRAME_BYTES, MuxFrameWriter } from "./mux.ts";

export class MuxSender {
  private readonly writer = new MuxFrameWriter();
  private scheduled = false;
  private readonly flushLater = () => {
    this.scheduled = false;
    this.flush();
  };
  /** Frames and bytes sent. */
  frames = 0;
  bytes = 0;

  /**
   * `out` sends one WebSocket frame; `schedule` runs the flush at the end of the turn
   * (queueMicrotask at the edge, process.nextTick in the bridge).
   */
  constructor(
    private readonly out: (frame: Uint8Array) => void,
    private readonly schedule: (flush: () => void) => void,
  ) {}

  // bridge → edge
  packetUp(conn: number, packet: Uint8Array): void {
    this.writer.packetUp(conn, packet);
    this.written();
  }
  open(conn: number, client: string, local: string): void {
    this.writer.open(conn, client, local);
    this.written();
  }
  encrypted(conn: number): void {
    this.writer.encrypted(conn);
    this.written();
  }
  closeUp(conn: number, code: number, reason: string): void {
    this.writer.closeUp(conn, code, reason);
    this.written();
  }

  hostResult(conn: number, result: HostResult): void {
    this.writer.hostResult(conn, result);
    this.written();
  }

  // edge → bridge
  packetDown(conns: ArrayLike<number>, packet: Uint8Array): void {
    this.writer.packetDown(conns, packet);
    this.written();
  }
  keepalive(conn: number, intervalMs: number, timeoutMs: number): void {
    this.writer.keepalive(conn, intervalMs, timeoutMs);
    this.written();
  }
  closeDown(conn: number, code: number, reason: string): void {
    this.writer.closeDown(conn, code, reason);
    this.written();
  }

  hostCheck(conn: number, port: number, mode: HostCheckMode): void {
    this.writer.hostCheck(conn, port, mode);
    this.written();
  }
  hostRelease(conn: number): void {
    this.writer.hostRelease(conn);
    this.written();
  }

  flush(): void {
    if (this.writer.size === 0) return;
    const frame = this.writer.take();
    this.frames++;
    this.bytes += frame.byteLength;
    this.out(frame);
  }

  /** Sends at the end of the turn, or now once the frame is past its limit. */
  private written(): void {
    if (this.writer.size >= MAX_MUX_FRAME_BYTES) {
      this.flush();
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(this.flushLater);
  }
}
