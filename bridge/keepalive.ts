/**
 * Keepalives on behalf of the edge. After room login the Room sends the control frame
 * `{"t":"keepalive","intervalMs":N,"timeoutMs":M}`; from then on the bridge pings a client
 * (202) once it has been silent for N ms, and every N ms after, and drops it after M ms of
 * silence. Doing this here lets a quiet room hibernate instead of waking for timers.
 */
export interface KeepalivePolicy {
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

// Bounds on what the edge may ask for: a bad frame must not make the bridge spin or never expire.
const MIN_MS = 1_000;
const MAX_MS = 3_600_000;

/** The policy in a control frame, or undefined if the frame is not a valid keepalive request. */
export function parseKeepaliveControl(text: string): KeepalivePolicy | undefined {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof frame !== "object" || frame === null) return undefined;
  const { t, intervalMs, timeoutMs } = frame as Record<string, unknown>;
  if (t !== "keepalive" || !isDelay(intervalMs) || !isDelay(timeoutMs) || timeoutMs < intervalMs) return undefined;
  return { intervalMs, timeoutMs };
}

const isDelay = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= MIN_MS && v <= MAX_MS;

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
