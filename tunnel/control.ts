/**
 * Control frames of the bridge ⇄ edge tunnel: JSON text frames beside the binary packet
 * frames (docs/architecture.md, "Tunnel"). Both sides import this module; nothing else writes
 * or parses a control frame.
 */
import type { KeepalivePolicy } from "../protocol/families.ts";

/** Bridge → edge: the 203 key exchange is done; packets of this connection are encrypted on the wire. */
export interface EncryptedControl {
  readonly t: "encrypted";
}

/**
 * Edge → bridge, right after room login: keep the client alive on the room's behalf (send 202
 * after `intervalMs` of silence, drop after `timeoutMs`, swallow the client's 202 replies), so
 * a quiet room can hibernate instead of waking for timers.
 */
export interface KeepaliveControl extends KeepalivePolicy {
  readonly t: "keepalive";
}

export type BridgeControl = EncryptedControl;
export type EdgeControl = KeepaliveControl;

export const ENCRYPTED: EncryptedControl = { t: "encrypted" };

export function keepaliveControl(policy: KeepalivePolicy): KeepaliveControl {
  return { t: "keepalive", intervalMs: policy.intervalMs, timeoutMs: policy.timeoutMs };
}

export function encodeControl(frame: BridgeControl | EdgeControl): string {
  return JSON.stringify(frame);
}

/** A control frame from the bridge, or null (unknown frames are ignored, so old and new sides mix). */
export function parseBridgeControl(text: string): BridgeControl | null {
  const frame = parseObject(text);
  return frame?.t === "encrypted" ? ENCRYPTED : null;
}

// Bounds on what the edge may ask for: a bad frame must not make the bridge spin or never expire.
const MIN_KEEPALIVE_MS = 1_000;
const MAX_KEEPALIVE_MS = 3_600_000;

/** A control frame from the edge, or null when it is unknown or out of bounds. */
export function parseEdgeControl(text: string): EdgeControl | null {
  const frame = parseObject(text);
  if (frame?.t !== "keepalive") return null;
  const { intervalMs, timeoutMs } = frame;
  if (!isDelay(intervalMs) || !isDelay(timeoutMs) || timeoutMs < intervalMs) return null;
  return { t: "keepalive", intervalMs, timeoutMs };
}

const isDelay = (v: unknown): v is number =>
  typeof v === "number" && Number.isFinite(v) && v >= MIN_KEEPALIVE_MS && v <= MAX_KEEPALIVE_MS;

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
