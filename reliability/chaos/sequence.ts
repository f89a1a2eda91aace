/**
 * The duplicate / out-of-order detector of the tunnel check. Every sender numbers its lines
 * 1, 2, 3, … per session; every receiver feeds what it gets here, per sender stream. Gaps are
 * allowed (a line in flight when a tunnel dies may be lost, and its sender is disconnected);
 * a number seen before is a duplicate, a number below the highest seen (not seen before) is
 * out of order.
 */
export interface SequenceCounts {
  readonly checked: number;
  readonly duplicates: number;
  readonly outOfOrder: number;
}

export class SequenceChecker {
  private readonly streams = new Map<string, { highest: number; seen: Set<number> }>();
  private checked = 0;
  private duplicates = 0;
  private outOfOrder = 0;
  /** The first few violations, for the report. */
  readonly examples: string[] = [];

  /** One line as received: `receiver` got number `n` of stream `stream` (a sender's session). */
  receive(receiver: string, stream: string, n: number): void {
    const key = `${receiver}\u0000${stream}`;
    let state = this.streams.get(key);
    if (!state) {
      state = { highest: 0, seen: new Set() };
      this.streams.set(key, state);
    }
    this.checked++;
    if (state.seen.has(n)) {
      this.duplicates++;
      this.example(`${receiver} got ${stream}#${n} twice`);
      return;
    }
    state.seen.add(n);
    if (n < state.highest) {
      this.outOfOrder++;
      this.example(`${receiver} got ${stream}#${n} after #${state.highest}`);
      return;
    }
    state.highest = n;
  }

  counts(): SequenceCounts {
    return { checked: this.checked, duplicates: this.duplicates, outOfOrder: this.outOfOrder };
  }

  private example(text: string): void {
    if (this.examples.length < 10) this.examples.push(text);
  }
}
