/**
 * Who may connect (issue 10, finding 7): three separate budgets, checked at accept.
 *
 *  - half-open per address: connections that have not finished a room login (every login-port
 *    connection, and room connections until the room hands over keepalives). Strict: this is
 *    what a connection flood or a password sprayer holds open.
 *  - total per address: generous, a LAN party or café behind one NAT has many players.
 *  - global: the whole bridge, well below the process's descriptor limit.
 *
 * A refused client is told why (server_message, bridge/refusal.ts) before the close.
 */
export type AdmissionRefusal = "global" | "per-ip" | "half-open";

export interface AdmissionLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  readonly maxHalfOpenPerIp: number;
}

export interface AdmissionCounters {
  rejectedByIpCap: number;
  rejectedHalfOpen: number;
  rejectedGlobal: number;
}

/** One admitted connection: report its room login once, and release it once. */
export interface Ticket {
  authenticated(): void;
  release(): void;
}

export class Admission {
  private total = 0;
  private readonly perIp = new Map<string, number>();
  private readonly halfOpen = new Map<string, number>();
  readonly counters: AdmissionCounters = { rejectedByIpCap: 0, rejectedHalfOpen: 0, rejectedGlobal: 0 };

  constructor(private readonly limits: AdmissionLimits) {}

  get connections(): number {
    return this.total;
  }

  admit(ip: string): Ticket | AdmissionRefusal {
    if (this.total >= this.limits.maxConnections) {
      this.counters.rejectedGlobal++;
      return "global";
    }
    if ((this.perIp.get(ip) ?? 0) >= this.limits.maxConnectionsPerIp) {
      this.counters.rejectedByIpCap++;
      return "per-ip";
    }
    if ((this.halfOpen.get(ip) ?? 0) >= this.limits.maxHalfOpenPerIp) {
      this.counters.rejectedHalfOpen++;
      return "half-open";
    }
    this.total++;
    increment(this.perIp, ip);
    increment(this.halfOpen, ip);
    let half = true;
    let released = false;
    return {
      authenticated: () => {
        if (!half || released) return;
        half = false;
        decrement(this.halfOpen, ip);
      },
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        decrement(this.perIp, ip);
        if (half) decrement(this.halfOpen, ip);
      },
    };
  }
}

function increment<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function decrement<K>(map: Map<K, number>, key: K): void {
  const next = (map.get(key) ?? 1) - 1;
  if (next <= 0) map.delete(key);
  else map.set(key, next);
}
