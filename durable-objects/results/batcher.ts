/**
 * Writes of many callers in one D1 batch: while a batch is in flight, the statements that
 * arrive wait and go together in the next one. A burst of 800 score reports costs a few dozen
 * round trips instead of 800, and each caller still gets its own results after the write is
 * durable (nothing is acknowledged before D1 has it).
 *
 * A batch is one transaction: if it fails, each caller's statements are retried alone, so one
 * bad write fails only its own caller.
 */

interface Waiting {
  readonly statements: readonly D1PreparedStatement[];
  readonly resolve: (results: D1Result[]) => void;
  readonly reject: (error: unknown) => void;
}

export class D1Batcher {
  private waiting: Waiting[] = [];
  private running = false;

  constructor(
    private readonly db: () => D1Database,
    /** At most this many statements in one batch (a caller's own statements are never split). */
    private readonly maxStatements = 400,
  ) {}

  run(statements: readonly D1PreparedStatement[]): Promise<D1Result[]> {
    if (statements.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.waiting.push({ statements, resolve, reject });
      if (!this.running) {
        this.running = true;
        void this.drain();
      }
    });
  }

  private async drain(): Promise<void> {
    // Callers of this same turn join the first batch.
    await Promise.resolve();
    try {
      while (this.waiting.length > 0) {
        const group: Waiting[] = [];
        let size = 0;
        while (this.waiting.length > 0) {
          const next = this.waiting[0] as Waiting;
          if (group.length > 0 && size + next.statements.length > this.maxStatements) break;
          group.push(next);
          size += next.statements.length;
          this.waiting.shift();
        }
        await this.flush(group);
      }
    } finally {
      this.running = false;
    }
  }

  private async flush(group: readonly Waiting[]): Promise<void> {
    const db = this.db();
    try {
      const results = await db.batch(group.flatMap((w) => [...w.statements]));
      let at = 0;
      for (const w of group) {
        w.resolve(results.slice(at, at + w.statements.length));
        at += w.statements.length;
      }
    } catch (error) {
      if (group.length === 1) {
        group[0]?.reject(error);
        return;
      }
      for (const w of group) {
        try {
          w.resolve(await db.batch([...w.statements]));
        } catch (alone) {
          w.reject(alone);
        }
      }
    }
  }
}
