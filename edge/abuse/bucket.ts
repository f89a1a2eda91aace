/**
 * A token bucket as plain data (so it can live in any state, and be tested with a hand clock):
 * `perSecond` refill, `burst` deep. Pure: no Workers API.
 */
export interface Bucket {
  tokens: number;
  at: number;
}

export interface Rate {
  readonly perSecond: number;
  readonly burst: number;
}

export function fullBucket(rate: Rate, now: number): Bucket {
  return { tokens: rate.burst, at: now };
}

/** Takes `cost` tokens if there are enough (true), else takes nothing (false). */
export function take(bucket: Bucket, rate: Rate, now: number, cost = 1): boolean {
  const elapsed = Math.max(0, now - bucket.at);
  bucket.tokens = Math.min(rate.burst, bucket.tokens + (elapsed * rate.perSecond) / 1000);
  bucket.at = now;
  if (bucket.tokens < cost) return false;
  bucket.tokens -= cost;
  return true;
}
