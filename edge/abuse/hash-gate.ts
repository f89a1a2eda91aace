/**
 * Caps how many password hashes run at once in this isolate (each is a 100,000-round PBKDF2,
 * ~10-20 ms of CPU). Past the cap a login waits in a bounded queue; past the queue it is
 * refused as "busy" rather than making every login slower.
 */
import { countWork, limitHit } from "./counters.ts";

export const HASH_WORK = "password_hashes";

export class HashGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly queue: number,
  ) {}

  /** Runs `hash` when a slot is free; "busy" when the queue is full. */
  async run<T>(hash: () => Promise<T>, subject: string): Promise<T | "busy"> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queue) {
        limitHit({ limit: "login_hash_busy", subject });
        return "busy";
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      countWork(HASH_WORK);
      return await hash();
    } finally {
      // Hand the slot straight to the next waiter (running stays the same), else free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

let shared: HashGate | null = null;

/** The isolate's gate for these limits (a changed limit makes a new gate). */
export function hashGate(concurrency: number, queue: number): HashGate {
  if (!shared || shared.concurrency !== concurrency || shared.queue !== queue)
    shared = new HashGate(concurrency, queue);
  return shared;
}
