/**
 * The host proxy of one bridge (§7.6, GoS host_proxy.d): a pool of port pairs
 * (first + 2i for joiners, first + 2i + 1 for the host) lent to hosts whose game port cannot
 * be reached. A pair listens only while it is lent. A joiner that connects to the client port
 * waits; the host is told over its metaserver session (proxy_client_join, 22) to connect to
 * the host port, which accepts only the host's own address; the two are spliced. Waiting
 * joiners are paired first come, first served (GoS pairs the latest; with several joiners in
 * the same second FIFO is the fair order and the client cannot tell). The pair goes back to
 * the pool when the room says the game is gone or the host's connection closes; splices
 * already running go on until either side closes, as in GoS.
 */
import { createServer, isIPv4, type Server, type Socket } from "node:net";
import type { HostCheckMode, HostResult } from "../../tunnel/mux.ts";
import { probe } from "./probe.ts";
import { type ByteBudget, Splice, type SpliceCounters } from "./splice.ts";

/** The host side of a proxied game: the player's metaserver connection at this bridge. */
export interface ProxyHost {
  /** The player's IPv4 as this bridge sees it. */
  readonly clientIp: string;
  /** The bridge address the player reached: where joiners go unless --proxy-address says otherwise. */
  readonly localIp: string;
  /** Sends proxy_client_join (22) over the host's session. */
  sendJoin(hostPort: number, address: string): void;
  /** The answer to a check, for the room. */
  result(result: HostResult): void;
}

export interface HostProxyConfig {
  /** The address the pool listens on (the bridge's --host). */
  readonly host: string;
  /** IPv4 joiners are given; "" = the address the host reached the bridge on. */
  readonly proxyAddress: string;
  readonly proxyFirstPort: number;
  /** Ports in the pool (pairs = ports / 2); 0 turns the proxy off (probes still run). */
  readonly proxyPorts: number;
  /** Joiners waiting or spliced per proxied game. */
  readonly proxyMaxJoiners: number;
  /** How long a joiner waits for the host to connect to the host port. */
  readonly proxyJoinTimeoutMs: number;
  /** Bytes a proxied game may move through the bridge, both ways, all joiners. */
  readonly proxyGameBytes: number;
  readonly probeTimeoutMs: number;
}

export interface HostProxyCounters extends SpliceCounters {
  hostProbes: number;
  proxyLeases: number;
  proxyPoolExhausted: number;
  proxyJoins: number;
  /** Connections turned away: no room for another joiner, a host port reached from another address, nobody waiting. */
  proxyRejected: number;
  proxyJoinTimeouts: number;
}

interface Pair {
  readonly clientPort: number;
  readonly hostPort: number;
  lease: Lease | null;
}

interface Waiting {
  readonly socket: Socket;
  readonly timer: NodeJS.Timeout;
}

interface Lease {
  readonly pair: Pair;
  readonly host: ProxyHost;
  readonly address: string;
  readonly servers: Server[];
  readonly waiting: Waiting[];
  readonly splices: Set<Splice>;
  readonly budget: ByteBudget;
}

export class HostProxy {
  private readonly pairs: Pair[];
  private readonly leases = new Map<ProxyHost, Lease>();
  /** The check in flight per host; a release or a newer check makes an older one moot. */
  private readonly checks = new Map<ProxyHost, symbol>();
  /** Splices of released pairs, still running (ended on close). */
  private readonly orphans = new Set<Splice>();

  constructor(
    private readonly config: HostProxyConfig,
    private readonly counters: HostProxyCounters,
  ) {
    const count = Math.floor(config.proxyPorts / 2);
    this.pairs = Array.from({ length: count }, (_, i) => ({
      clientPort: config.proxyFirstPort + 2 * i,
      hostPort: config.proxyFirstPort + 2 * i + 1,
      lease: null,
    }));
  }

  /** Pairs lent out now. */
  get leased(): number {
    return this.leases.size;
  }

  /** Runs a host check and reports the result to the host (one at a time per host). */
  check(host: ProxyHost, port: number, mode: HostCheckMode): void {
    const token = Symbol("check");
    this.checks.set(host, token);
    void this.run(host, port, mode, token);
  }

  /** The host's game is gone, or its connection: the pair goes back to the pool. */
  release(host: ProxyHost): void {
    this.checks.delete(host);
    this.dropLease(host);
  }

  private dropLease(host: ProxyHost): void {
    const lease = this.leases.get(host);
    if (!lease) return;
    this.leases.delete(host);
    lease.pair.lease = null;
    for (const server of lease.servers) server.close();
    for (const w of lease.waiting.splice(0)) {
      clearTimeout(w.timer);
      w.socket.destroy();
    }
    for (const s of lease.splices) {
      this.orphans.add(s);
      void s.closed.then(() => this.orphans.delete(s));
    }
  }

  /** Stops everything (the bridge is shutting down). */
  close(): void {
    for (const host of [...this.leases.keys()]) {
      const lease = this.leases.get(host);
      for (const s of lease?.splices ?? []) s.end();
      this.release(host);
    }
    for (const s of this.orphans) s.end();
  }

  private async run(host: ProxyHost, port: number, mode: HostCheckMode, token: symbol): Promise<void> {
    let outcome: HostResult["probe"] = "skipped";
    // Without a pool a create_game probe could change nothing: list the game at once.
    const useful = mode === "probe" || (mode === "auto" && this.pairs.length > 0);
    if (useful) {
      this.counters.hostProbes++;
      outcome = await probe(host.clientIp, port, this.config.probeTimeoutMs);
    }
    if (this.checks.get(host) !== token) return; // released or superseded meanwhile
    let proxy = "";
    if (mode !== "probe" && outcome !== "reachable" && this.pairs.length > 0) proxy = await this.lease(host);
    if (this.checks.get(host) !== token) {
      this.release(host);
      return;
    }
    this.checks.delete(host);
    host.result({ mode, probe: outcome, port, proxy });
  }

  /** Lends a free pair to the host and starts listening on it; "" when none is free. */
  private async lease(host: ProxyHost): Promise<string> {
    this.dropLease(host); // a new check replaces the host's earlier pair
    const address = this.config.proxyAddress || host.localIp;
    if (!isIPv4(address)) return "";
    for (const pair of this.pairs) {
      if (pair.lease) continue;
      const lease: Lease = {
        pair,
        host,
        address,
        servers: [],
        waiting: [],
        splices: new Set(),
        budget: { remaining: this.config.proxyGameBytes },
      };
      pair.lease = lease; // taken while listening starts
      try {
        lease.servers.push(await this.listen(pair.clientPort, (s) => this.joiner(lease, s)));
        lease.servers.push(await this.listen(pair.hostPort, (s) => this.hostConnected(lease, s)));
      } catch {
        // A port of the pair is in use by something else: try the next pair.
        for (const server of lease.servers) server.close();
        pair.lease = null;
        continue;
      }
      this.leases.set(host, lease);
      this.counters.proxyLeases++;
      return `${address}:${pair.clientPort}`;
    }
    this.counters.proxyPoolExhausted++;
    return "";
  }

  private joiner(lease: Lease, socket: Socket): void {
    if (
      this.leases.get(lease.host) !== lease ||
      lease.waiting.length + lease.splices.size >= this.config.proxyMaxJoiners
    ) {
      this.counters.proxyRejected++;
      socket.destroy();
      return;
    }
    socket.on("error", () => {});
    const timer = setTimeout(() => {
      const at = lease.waiting.findIndex((w) => w.socket === socket);
      if (at >= 0) lease.waiting.splice(at, 1);
      this.counters.proxyJoinTimeouts++;
      socket.destroy();
    }, this.config.proxyJoinTimeoutMs);
    timer.unref();
    // Stop reading until spliced: what the joiner sends waits in the kernel, in order.
    socket.pause();
    socket.once("close", () => {
      const at = lease.waiting.findIndex((w) => w.socket === socket);
      if (at >= 0) {
        clearTimeout(timer);
        lease.waiting.splice(at, 1);
      }
    });
    lease.waiting.push({ socket, timer });
    lease.host.sendJoin(lease.pair.hostPort, lease.address);
  }

  private hostConnected(lease: Lease, socket: Socket): void {
    const from = socket.remoteAddress?.replace(/^::ffff:/, "");
    const waiting = from === lease.host.clientIp ? lease.waiting.shift() : undefined;
    if (!waiting) {
      this.counters.proxyRejected++;
      socket.destroy();
      return;
    }
    clearTimeout(waiting.timer);
    this.counters.proxyJoins++;
    const splice = new Splice(socket, waiting.socket, lease.budget, this.counters);
    waiting.socket.resume();
    lease.splices.add(splice);
    void splice.closed.then(() => lease.splices.delete(splice));
  }

  private listen(port: number, onConnection: (socket: Socket) => void): Promise<Server> {
    const server = createServer(onConnection);
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: this.config.host, port }, () => {
        server.off("error", reject);
        server.on("error", () => {});
        resolve(server);
      });
    });
  }
}
