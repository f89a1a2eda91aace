/**
 * Keepalives on behalf of the edge. After room login the Room sends the keepalive control
 * frame (tunnel/control.ts); from then on the bridge pings a client (202) once it has been
 * silent for intervalMs, and every intervalMs after, and drops it after timeoutMs of silence.
 * Doing this here lets a quiet room hibernate instead of waking for timers.
 */
import type { KeepalivePolicy } from "../protocol/families.ts";

export class KeepaliveTimer {
  private lastHeardAt = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly policy: KeepalivePolicy,
    private readonly ping: () => void,
    private readonly expire: () => void,
  ) {
    this.schedule(policy.intervalMs);
  }

  /** The client sent something: it is alive. Cheap, called per TCP chunk. */
  heard(): void {
    this.lastHeardAt = Date.now();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => this.tick(), delayMs);
    this.timer.unref();
  }

  private tick(): void {
    const silentMs = Date.now() - this.lastHeardAt;
    const { intervalMs, timeoutMs } = this.policy;
    if (silentMs >= timeoutMs) {
      this.timer = undefined;
      this.expire();
      return;
    }
    if (silentMs >= intervalMs) this.ping();
    // Next look: a full interval from now, or sooner if the timeout falls before that.
    const untilPingDue = silentMs >= intervalMs ? intervalMs : intervalMs - silentMs;
    this.schedule(Math.max(1, Math.min(untilPingDue, timeoutMs - silentMs)));
  }
}
