/**
 * Packets per second a client may send, as a token bucket. The bridge does not disconnect a
 * client that goes over: it stops reading from its socket until the bucket refills, so a flood
 * costs the flooder time while TCP backpressure keeps the bridge's memory bounded.
 */
export class PacketRateLimit {
  private tokens: number;
  private lastRefill: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.lastRefill = now();
  }

  /** Spends `n` packets; returns 0, or how many ms to stop reading until the debt is paid. */
  take(n: number): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.lastRefill) * this.perSecond) / 1000);
    this.lastRefill = now;
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.perSecond);
  }
}
