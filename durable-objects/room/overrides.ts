/**
 * Live changes an admin makes to one room (PATCH /admin/rooms/:id): capacity, guest policy,
 * join messages. (PATCH's `locked` is not an override: it is the room's moderation lock,
 * moderation.ts, the same state `.lock` sets.) The room keeps them in its own storage and lays them over the config
 * from ROOM_CONFIG, so they take effect at once and survive hibernation and restarts, until
 * cleared (null) or the room's config changes underneath (a field set here wins). Pure: the
 * room core and tests use it without Workers APIs.
 */
import type { RoomConfig } from "../../edge/config.ts";

export interface RoomOverrides {
  capacity?: number;
  guests?: boolean;
  joinMessages?: string[];
}

/** A PATCH: a field set to null goes back to the configured value. */
export type RoomOverridesPatch = { [K in keyof RoomOverrides]?: RoomOverrides[K] | null };

export const OVERRIDE_FIELDS = ["capacity", "guests", "joinMessages"] as const;

export function applyOverrides(config: RoomConfig, overrides: RoomOverrides): RoomConfig {
  const next: Record<string, unknown> = { ...config };
  // Only the override fields: a `locked` stored before the lock moved to moderation.ts is ignored.
  for (const field of OVERRIDE_FIELDS) if (overrides[field] !== undefined) next[field] = overrides[field];
  return next as unknown as RoomConfig;
}

export function mergePatch(current: RoomOverrides, patch: RoomOverridesPatch): RoomOverrides {
  // Only the override fields survive (a stored `locked` from before the lock moved is dropped).
  const next: Record<string, unknown> = {};
  for (const field of OVERRIDE_FIELDS) if (current[field] !== undefined) next[field] = current[field];
  for (const field of OVERRIDE_FIELDS) {
    const v = patch[field];
    if (v === undefined) continue;
    if (v === null) delete next[field];
    else next[field] = v;
  }
  return next as RoomOverrides;
}
