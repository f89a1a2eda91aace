/**
 * What a room sends on one bridge socket, metered (issue 10, finding 2). workerd exposes no
 * bufferedAmount on a server WebSocket, so the room cannot see the queue itself; it bounds
 * what it asks the socket to carry instead: more than `maxBytesPerSecond` in each of
 * `overSeconds` consecutive seconds means the bridge cannot be keeping up (or a flood got past
 * every budget), and the socket is closed (its clients reconnect) before the queue can grow
 * into the room's 128 MB. The room goes on. Pure: no Workers API.
 */
export interface OutboundLimits {
  readonly maxBytesPerSecond: number;
  readonly overSeconds: number;
}

export class OutboundMeter {
  private second = -1;
  private bytes = 0;
  private overRun = 0;

  constructor(private readonly limits: () => OutboundLimits) {}

  /** Counts a frame; true once the socket has been over its budget for too long. */
  sent(byteLength: number, now: number): boolean {
    const second = Math.floor(now / 1000);
    if (second !== this.second) {
      const { maxBytesPerSecond } = this.limits();
      // The second that ended was over (a run continues) or not (it ends); a gap ends it too.
      this.overRun = this.bytes > maxBytesPerSecond && second === this.second + 1 ? this.overRun + 1 : 0;
      this.second = second;
      this.bytes = 0;
    }
    this.bytes += byteLength;
    const { maxBytesPerSecond, overSeconds } = this.limits();
    // The current second counts as soon as it passes the budget.
    const run = this.overRun + (this.bytes > maxBytesPerSecond ? 1 : 0);
    return run >= overSeconds;
  }
}
