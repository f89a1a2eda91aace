/**
 * Batches what one side sends on a v2 tunnel: every record written in one turn (packets and
 * controls alike, in order) leaves as one binary frame.
 */
import { MAX_MUX_FRAME_BYTES, MuxFrameWriter } from "./mux.ts";

export class MuxSender {
  private readonly writer = new MuxFrameWriter();
  private scheduled = false;
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

  /** Writes records with `write`, and sends them at the end of the turn (or now, past the frame limit). */
  add(write: (w: MuxFrameWriter) => void): void {
    write(this.writer);
    if (this.writer.size >= MAX_MUX_FRAME_BYTES) {
      this.flush();
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  flush(): void {
    if (this.writer.size === 0) return;
    const frame = this.writer.take();
    this.frames++;
    this.bytes += frame.byteLength;
    this.out(frame);
  }
}
