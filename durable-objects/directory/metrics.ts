/**
 * Counters the Directory keeps because every login and room join already passes through it
 * (the cheap place): logins granted by kind, logins refused by code, room joins by result,
 * room-list fan-outs. In memory: they restart from zero when the object does, which Prometheus
 * reads as a counter reset (rate() handles it); nothing here is worth a storage write per login.
 */
import { ServerMessageCode } from "../../protocol/structs/constants.ts";

const CODE_NAMES = new Map<number, string>(Object.entries(ServerMessageCode).map(([name, code]) => [code, name]));

export interface DirectoryCounters {
  /** When these counters started (epoch ms). */
  since: number;
  loginsGranted: Record<"guest" | "registered", number>;
  /** By server_message code name (protocol/structs/constants.ts). */
  loginsRefused: Record<string, number>;
  roomJoins: Record<"ok" | "unknown_token", number>;
  roomListFanOuts: number;
}

export class DirectoryMetrics {
  private readonly c: DirectoryCounters = {
    since: Date.now(),
    loginsGranted: { guest: 0, registered: 0 },
    loginsRefused: {},
    roomJoins: { ok: 0, unknown_token: 0 },
    roomListFanOuts: 0,
  };

  granted(guest: boolean): void {
    this.c.loginsGranted[guest ? "guest" : "registered"]++;
  }

  refused(code: number): void {
    const name = CODE_NAMES.get(code) ?? `code_${Math.trunc(code)}`;
    this.c.loginsRefused[name] = (this.c.loginsRefused[name] ?? 0) + 1;
  }

  joined(ok: boolean): void {
    this.c.roomJoins[ok ? "ok" : "unknown_token"]++;
  }

  fannedOut(): void {
    this.c.roomListFanOuts++;
  }

  snapshot(): DirectoryCounters {
    return structuredClone(this.c);
  }
}
