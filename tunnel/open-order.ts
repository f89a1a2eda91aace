/**
 * Keeps a v2 tunnel's records in open order at the receiving end. A bridge numbers its
 * connections upwards and sends each one's open record before anything else of it, but frames
 * that arrive right as a socket is accepted have been seen handled out of order (workerd, in
 * the workers test pool). So records of a connection not yet opened wait here until its open
 * arrives, bounded; records of a connection that was opened and has gone are dropped.
 */
import type { UpRecord } from "./mux.ts";

/** Records held for connections whose open has not arrived, per socket. */
export const MAX_EARLY_RECORDS = 256;

export class OpenOrder {
  private highestOpened = 0;
  private readonly early = new Map<number, UpRecord[]>();
  private held = 0;
  /** Records dropped because the buffer was full. */
  dropped = 0;

  /** The records to handle now, in order: `record` itself, nothing (held or stale), or an open and what waited for it. */
  accept(record: UpRecord, isOpen: (conn: number) => boolean): UpRecord[] {
    const conn = record.conn;
    if (record.kind === "open") {
      if (conn > this.highestOpened) this.highestOpened = conn;
      const waiting = this.early.get(conn);
      if (!waiting) return [record];
      this.early.delete(conn);
      this.held -= waiting.length;
      return [record, ...waiting];
    }
    if (isOpen(conn)) return [record];
    if (conn <= this.highestOpened) return []; // a connection that has gone
    if (this.held >= MAX_EARLY_RECORDS) {
      this.dropped++;
      return [];
    }
    const waiting = this.early.get(conn);
    if (waiting) waiting.push(record);
    else this.early.set(conn, [record]);
    this.held++;
    return [];
  }
}
