/**
 * Two TCP connections joined byte for byte (a proxied joiner and the host's connection for
 * it), with backpressure both ways: a side that does not read pauses the other. Every byte
 * counts against the game's budget; past it both ends are closed (the game cannot use the
 * bridge without bound).
 */
import type { Socket } from "node:net";

/** Bytes a proxied game may still move, shared by all its splices. */
export interface ByteBudget {
  remaining: number;
}

export interface SpliceCounters {
  proxyBytes: number;
  proxyBudgetCuts: number;
}

/** How long a closing side gets to flush before it is destroyed. */
const LINGER_MS = 5_000;

export class Splice {
  readonly closed: Promise<void>;

  constructor(
    private readonly a: Socket,
    private readonly b: Socket,
    private readonly budget: ByteBudget,
    private readonly counters: SpliceCounters,
  ) {
    a.setNoDelay(true);
    b.setNoDelay(true);
    this.closed = Promise.all([closedOf(a), closedOf(b)]).then(() => {});
    this.pipe(a, b);
    this.pipe(b, a);
  }

  /** Ends both sides (the game is gone, or the bridge stops). */
  end(): void {
    for (const s of [this.a, this.b]) finish(s);
  }

  private pipe(from: Socket, to: Socket): void {
    from.on("data", (chunk: Buffer) => {
      this.budget.remaining -= chunk.byteLength;
      if (this.budget.remaining < 0) {
        this.counters.proxyBudgetCuts++;
        this.end();
        return;
      }
      this.counters.proxyBytes += chunk.byteLength;
      if (!to.write(chunk)) from.pause();
    });
    to.on("drain", () => from.resume());
    from.on("error", () => {}); // a reset peer; "close" follows
    // One side gone: the other gets what was already written, then closes.
    from.once("close", () => finish(to));
  }
}

function finish(socket: Socket): void {
  if (socket.destroyed) return;
  socket.end();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

function closedOf(socket: Socket): Promise<void> {
  return socket.destroyed ? Promise.resolve() : new Promise((resolve) => socket.once("close", () => resolve()));
}
