/**
 * One bench scenario end to end: servers (own processes, unless targeting a running
 * metaserver), client processes, logins and joins, the chat phase, and the result object.
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Game, RoomConfigInput } from "../edge/config.ts";
import { DIALECT_TRAITS, type Dialect } from "../protocol/dialect.ts";
import { nextMessage, request, spawnTs, stopChild } from "./child.ts";
import { monoNow } from "./clock.ts";
import { Histogram, type LatencySummary, summarize } from "./histogram.ts";
import type { BridgeMemory, ClientSpec, Counts, Report, SetupDone, SetupProgress } from "./ipc.ts";
import { type GroupSample, loadAverage, type MachineSample, sampleGroup, sampleMachine } from "./proc-stats.ts";
import type { BenchOptions } from "./scenarios.ts";
import { type BenchServers, createAccounts, startBenchServers } from "./servers.ts";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ScenarioResult {
  scenario: string;
  mode: BenchOptions["mode"];
  clients: number;
  rooms: number;
  /** Members per room, by room address. */
  roomMembers: Record<string, number>;
  dialects: string;
  encrypt: string;
  guests: boolean;
  rate: number;
  durationS: number;
  /** Chat messages sent. */
  offered: number;
  /** Deliveries every receiver should have had: Σ sent in room × members of room. */
  expected: number;
  /** Chat lines received, all receivers together. */
  delivered: number;
  lost: number;
  /** Receptions beyond expectation (a message seen twice). */
  extra: number;
  latencyMs: LatencySummary;
  loginsPerSec: number;
  loginFailures: number;
  joinFailures: number;
  /** Connections that closed during the run. */
  disconnects: number;
  /** login + join failures + disconnects. */
  connectionFailures: number;
  loginMs: LatencySummary;
  joinMs: LatencySummary;
  setupSeconds: number;
  /** Bridge memory per open client connection: RSS delta (after GC) / connections. */
  bridgeBytesPerConnection: number | null;
  /** JS heap + external delta / connections (the part the bridge's own objects take). */
  bridgeHeapBytesPerConnection: number | null;
  bridgeConnections: number | null;
  /** Edge (workerd) memory per joined connection: RSS after the joins (and a full GC) minus before, / connections. */
  edgeBytesPerConnection: number | null;
  /** The metaserver isolate's JS heap (after a full GC) per joined connection. */
  edgeHeapBytesPerConnection: number | null;
  edgePeakRssBytes: number | null;
  edgeHostPeakRssBytes: number | null;
  bridgePeakRssBytes: number | null;
  /** CPU during the measured phase (chat, or logins), percent of one core. */
  edgeCpuPercent: number | null;
  edgeHostCpuPercent: number | null;
  bridgeCpuPercent: number | null;
  clientCpuPercent: number | null;
  /** Seconds the measured phase lasted (chat incl. draining stragglers, or the logins). */
  phaseSeconds: number;
  /**
   * CPU microseconds per delivered chat line (per login in the logins scenario), by process
   * group: the cost of one unit of work, much less sensitive to other load than latency is.
   */
  cpuUsPerUnit: { edge: number | null; bridge: number | null; clients: number | null };
  /** CPU during setup (logins and joins). */
  setupEdgeCpuPercent: number | null;
  setupBridgeCpuPercent: number | null;
  /** Whole machine during the measured phase, percent of one core (200 = both cores of 2 busy). */
  machineCpuPercent: number | null;
  /** What processes outside this run used meanwhile (others' tests…): numbers are only clean near 0. */
  otherCpuPercent: number | null;
  /** 1-minute load average when the measured phase began. */
  loadAverageAtStart: number;
  bridgeSlowClientDrops: number | null;
  /** Times the bridge paused a client for its packet rate limit (should be 0). */
  bridgeRateLimited: number | null;
  bridgeProtocolErrors: number | null;
  /** Stepped scenarios: each step's rate and outcome, in order. */
  steps: StepResult[];
  /** Stepped scenarios: the highest rate with nothing lost and p99 within the target. */
  sustainedRate: number | null;
  errors: string[];
  checks: Check[];
  pass: boolean;
}

export interface StepResult {
  rate: number;
  offered: number;
  expected: number;
  lost: number;
  latencyMs: LatencySummary;
  cpuUsPerDelivery: { edge: number | null; bridge: number | null; clients: number | null };
  machineCpuPercent: number | null;
  pass: boolean;
}

const GAME_OF: Record<Dialect, Game> = {
  myth2: "myth2",
  "myth2-legacy": "myth2",
  myth1: "myth1",
  myth3: "myth3",
  marathon: "marathon",
};

type Log = (line: string) => void;

export async function runScenario(options: BenchOptions): Promise<ScenarioResult> {
  const log: Log = options.quiet ? () => {} : (line) => process.stderr.write(`[${options.scenario}] ${line}\n`);
  const children: ChildProcess[] = [];
  let servers: BenchServers | null = null;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`scenario ${options.scenario} exceeded its ${options.timeoutS} s bound`)),
      options.timeoutS * 1000,
    );
  });
  try {
    return await Promise.race([
      timeout,
      runInner(options, log, children, (s) => {
        servers = s;
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await Promise.all(children.map((c) => stopChild(c)));
    await (servers as BenchServers | null)?.stop();
  }
}

async function runInner(
  options: BenchOptions,
  log: Log,
  children: ChildProcess[],
  setServers: (s: BenchServers) => void,
): Promise<ScenarioResult> {
  const specs = planClients(options);
  const games = [...new Set(specs.map((s) => GAME_OF[s.dialect]))];

  // ---- servers
  let host: string;
  let loginPort: number;
  let admin = options.admin;
  let servers: BenchServers | null = null;
  if (options.target) {
    ({ host, port: loginPort } = options.target);
    log(`target ${host}:${loginPort}`);
  } else {
    const t0 = monoNow();
    servers = await startBenchServers({
      rooms: roomConfig(games, options),
      maxConnectionsPerIp: options.clients * 2 + 64,
      // The bridge's per-client packet limit (100/s by default) must not shape the load: it
      // is raised only when a client would chat faster than a quarter of it.
      maxPacketsPerSecond: perClientRate(options) > 25 ? Math.ceil(perClientRate(options) * 4) : undefined,
      inspect: options.profileDir !== undefined,
      verbose: options.verbose,
      root: options.serverRoot,
    });
    setServers(servers);
    host = servers.host;
    loginPort = servers.loginPort;
    admin = { url: servers.httpUrl, token: servers.adminToken };
    log(
      `stack up in ${((monoNow() - t0) / 1000).toFixed(1)} s: login ${host}:${loginPort}, edge ${servers.httpUrl} (workerd pids ${servers.edgePids.join(",")}), bridge pid ${servers.bridgePid}`,
    );
  }
  const baseline = servers ? await servers.bridgeMemory() : null;
  // A running target: the processes named with --server-pid stand for "the edge".
  const serverPids = servers ? servers.edgePids : (options.serverPids ?? []);
  const edgeGroup = () => (serverPids.length > 0 ? sampleGroup(serverPids) : null);
  const edgeHeapBefore = servers ? (await servers.edgeGc()).heapUsedBytes : null;
  const edgeBefore = edgeGroup();
  const edgeHostGroup = () => (servers ? sampleGroup([servers.edgeHostPid]) : null);
  const bridgeGroup = () => (servers ? sampleGroup([servers.bridgePid]) : null);

  // ---- accounts
  if (!options.guests) {
    if (!admin) throw new Error("registered accounts need --admin URL --token T (or use --guests)");
    const t0 = monoNow();
    const created = await createAccounts(
      admin.url,
      admin.token,
      specs.map((s) => ({ username: s.user, password: s.password })),
    );
    if (created.failed) throw new Error(`creating ${created.failed} accounts failed: ${created.errors.join("; ")}`);
    log(`${specs.length} accounts created in ${((monoNow() - t0) / 1000).toFixed(1)} s`);
  }

  // ---- client processes
  const workerCount = Math.max(1, Math.min(options.workers, specs.length));
  const workers: ChildProcess[] = [];
  for (let w = 0; w < workerCount; w++) {
    const child = spawnTs("./client-process.ts", [], {
      logPrefix: options.verbose ? `[client ${w}]` : null,
    });
    children.push(child);
    workers.push(child);
  }
  await Promise.all(workers.map((c) => nextMessage(c, "ready", 60_000)));
  const clientGroup = () => sampleGroup(workers.map((c) => c.pid as number));
  const profiled: [string, ChildProcess][] = [
    ...(servers
      ? [
          ["edge", servers.edgeProcess] as [string, ChildProcess],
          ["bridge", servers.bridgeProcess] as [string, ChildProcess],
        ]
      : []),
    ...workers.map((c, w) => [`client-${w}`, c] as [string, ChildProcess]),
  ];
  const startProfiles = async () => {
    if (!options.profileDir) return;
    await Promise.all(profiled.map(([, c]) => request(c, { t: "profile-start" }, "profiling", 30_000)));
  };
  const stopProfiles = async () => {
    if (!options.profileDir) return;
    const dir = options.profileDir;
    await mkdir(dir, { recursive: true });
    await Promise.all(
      profiled.map(([name, c]) =>
        request(
          c,
          { t: "profile-stop", file: join(dir, `${options.scenario}-${name}.cpuprofile`) },
          "profile-written",
          60_000,
        ),
      ),
    );
    log(`CPU profiles of the measured phase written to ${dir}`);
  };

  // ---- logins (and joins)
  const shares = workers.map((_, w) => specs.filter((_, i) => i % workerCount === w));
  const progress = new Map<ChildProcess, SetupProgress>();
  const onProgress = (child: ChildProcess) => (m: { t?: string }) => {
    if (m.t === "setup-progress") progress.set(child, m as SetupProgress);
  };
  const listeners = workers.map((c) => {
    const l = onProgress(c);
    c.on("message", l);
    return l;
  });
  const setupTicker = setInterval(() => {
    const all = [...progress.values()];
    const sum = (k: keyof Omit<SetupProgress, "t">) => all.reduce((a, p) => a + p[k], 0);
    log(`setup: ${sum("loggedIn")} logged in, ${sum("joined")} joined, ${sum("failed")} failed of ${specs.length}`);
  }, 2_000);
  let machine0: MachineSample | null = null;
  let machine1: MachineSample | null = null;
  let self0 = process.cpuUsage();
  let self1 = self0;
  let loadAtStart = loadAverage();
  if (options.mode === "logins") await startProfiles();
  const setupStart = monoNow();
  const cpuSetup0 = { edge: edgeGroup(), edgeHost: edgeHostGroup(), bridge: bridgeGroup(), client: clientGroup() };
  machine0 = sampleMachine();
  self0 = process.cpuUsage();
  loadAtStart = loadAverage();
  const setupTimeoutMs = options.timeoutS * 1000;
  const perWorkerConcurrency = Math.max(1, Math.ceil(options.concurrency / workerCount));
  let setups: SetupDone[];
  try {
    setups = await Promise.all(
      workers.map((c, w) =>
        request<SetupDone>(
          c,
          {
            t: "setup",
            host,
            loginPort,
            clients: shares[w],
            concurrency: perWorkerConcurrency,
            timeoutMs: 30_000,
          },
          "setup-done",
          setupTimeoutMs,
        ),
      ),
    );
  } finally {
    clearInterval(setupTicker);
    workers.forEach((c, i) => {
      c.off("message", listeners[i] as (m: unknown) => void);
    });
  }
  const setupSeconds = (monoNow() - setupStart) / 1000;
  if (options.mode === "logins") await stopProfiles();
  const cpuSetup1 = { edge: edgeGroup(), edgeHost: edgeHostGroup(), bridge: bridgeGroup(), client: clientGroup() };
  const machineSetup1 = sampleMachine();
  const selfSetup1 = process.cpuUsage();
  const loginMs = setups.flatMap((s) => s.loginMs);
  const joinMs = setups.flatMap((s) => s.joinMs);
  const joined = setups.flatMap((s) => s.joined);
  const failures = setups.flatMap((s) => s.failures);
  const loginFailures = failures.filter((f) => f.phase === "login").length;
  const joinFailures = failures.filter((f) => f.phase === "join").length;
  const errors = failures.slice(0, 10).map((f) => `client ${f.index} ${f.phase}: ${f.error}`);
  // Logins per second: for the logins scenario the whole setup is logins; with joins mixed in
  // it is a lower bound.
  const loginsPerSec = loginMs.length / setupSeconds;
  log(
    `setup done in ${setupSeconds.toFixed(1)} s: ${loginMs.length} logins (${loginsPerSec.toFixed(1)}/s), ${joined.length} joined, ${failures.length} failed`,
  );
  for (const e of errors.slice(0, 3)) log(`  ${e}`);

  const roomMembers: Record<string, number> = {};
  for (const j of joined) roomMembers[j.room] = (roomMembers[j.room] ?? 0) + 1;

  // ---- chat
  let offered = 0;
  let expected = 0;
  let delivered = 0;
  let lost = 0;
  let extra = 0;
  let disconnects = 0;
  const latency = new Histogram();
  let cpuPhase0: Record<string, GroupSample | null> = {};
  let cpuPhase1: Record<string, GroupSample | null> = {};
  let phaseSeconds = setupSeconds;
  let memory: BridgeMemory | null = null;
  let decodeErrors = 0;

  const counts = () => Promise.all(workers.map((c) => request<Counts>(c, { t: "counts" }, "counts", 30_000)));

  let steps: StepResult[] = [];
  let edgeAfterJoins: GroupSample | null = null;
  let edgeHeapAfterJoins: number | null = null;
  if (options.mode === "chat") {
    await settle(counts, log);
    memory = servers ? await servers.bridgeMemory() : null;
    edgeHeapAfterJoins = servers ? (await servers.edgeGc()).heapUsedBytes : null;
    edgeAfterJoins = edgeGroup();
    const rates = options.steps ?? [options.rate];
    const sample = () => ({
      edge: edgeGroup(),
      edgeHost: edgeHostGroup(),
      bridge: bridgeGroup(),
      client: clientGroup(),
    });
    const phase = async (rate: number) => {
      if (options.steps) {
        await Promise.all(workers.map((c) => request(c, { t: "reset" }, "reset-done", 30_000)));
      }
      const c0 = sample();
      const m0 = sampleMachine();
      const s0 = process.cpuUsage();
      const load = loadAverage();
      const t0 = monoNow();
      const totalJoined = joined.length;
      const done = workers.map((c) => nextMessage(c, "chat-done", options.durationS * 1000 + 60_000));
      workers.forEach((c, w) => {
        const mine = setups[w]?.joined.length ?? 0;
        c.send({
          t: "chat",
          rate: totalJoined ? (rate * mine) / totalJoined : 0,
          durationMs: options.durationS * 1000,
        });
      });
      log(`chat: ${rate} msgs/s for ${options.durationS} s over ${Object.keys(roomMembers).length} rooms`);
      const chatTicker = setInterval(() => {
        void counts()
          .then((cs) => {
            const { sent, received } = totals(cs, roomMembers);
            log(
              `chat ${((monoNow() - t0) / 1000).toFixed(0)}/${options.durationS} s: sent ${sent.offered}, delivered ${received}/${sent.expected}`,
            );
          })
          .catch(() => {});
      }, 2_000);
      try {
        await Promise.all(done);
      } finally {
        clearInterval(chatTicker);
      }
      // Stragglers: wait until every expected delivery is in, or the drain bound passes.
      const drainEnd = monoNow() + options.drainS * 1000;
      for (;;) {
        const { sent, received } = totals(await counts(), roomMembers);
        if (received >= sent.expected || monoNow() > drainEnd) break;
        await sleep(100);
      }
      const seconds = (monoNow() - t0) / 1000;
      const reports = await Promise.all(workers.map((c) => request<Report>(c, { t: "report" }, "report", 60_000)));
      return { c0, c1: sample(), m0, m1: sampleMachine(), s0, s1: process.cpuUsage(), load, seconds, reports };
    };

    await startProfiles();
    let last: Awaited<ReturnType<typeof phase>> | null = null;
    for (const rate of rates) {
      const run = await phase(rate);
      const outcome = deliveries(run.reports);
      const stepLatency = new Histogram();
      for (const r of run.reports) stepLatency.merge(r.latency);
      const cpuOf = (key: "edge" | "bridge" | "client") =>
        cpuPercent(run.c0[key] ?? null, run.c1[key] ?? null, run.seconds);
      const perDelivery = (pct: number | null) =>
        pct === null || outcome.delivered === 0
          ? null
          : Math.round((((pct / 100) * run.seconds * 1e6) / outcome.delivered) * 10) / 10;
      const machine =
        run.m0 && run.m1 && run.seconds >= 1
          ? Math.round(((run.m1.busySeconds - run.m0.busySeconds) / run.seconds) * 1000) / 10
          : null;
      const summary = stepLatency.summary();
      const maxP99 = options.targets.maxP99Ms ?? Number.POSITIVE_INFINITY;
      steps.push({
        rate,
        offered: outcome.offered,
        expected: outcome.expected,
        lost: outcome.lost,
        latencyMs: summary,
        cpuUsPerDelivery: {
          edge: perDelivery(cpuOf("edge")),
          bridge: perDelivery(cpuOf("bridge")),
          clients: perDelivery(cpuOf("client")),
        },
        machineCpuPercent: machine,
        pass: outcome.lost === 0 && outcome.offered > 0 && summary.p99 <= maxP99,
      });
      if (options.steps) log(`step ${rate} msgs/s: lost ${outcome.lost}, p99 ${summary.p99} ms`);
      last = run;
      // A stepped run stops at the first step that fails: the ones after it would fail worse.
      if (options.steps && !steps[steps.length - 1]?.pass) break;
    }
    await stopProfiles();
    if (!options.steps) steps = [];
    const run = last as NonNullable<typeof last>;
    cpuPhase0 = run.c0;
    cpuPhase1 = run.c1;
    machine0 = run.m0;
    machine1 = run.m1;
    self0 = run.s0;
    self1 = run.s1;
    loadAtStart = run.load;
    phaseSeconds = run.seconds;
    const outcome = deliveries(run.reports);
    ({ offered, expected, delivered, lost, extra } = outcome);
    for (const r of run.reports) {
      latency.merge(r.latency);
      disconnects += r.disconnects;
      decodeErrors += r.decodeErrors;
      for (const e of r.errors) if (errors.length < 20) errors.push(e);
    }
  } else {
    cpuPhase0 = cpuSetup0;
    cpuPhase1 = cpuSetup1;
    machine1 = machineSetup1;
    self1 = selfSetup1;
    // Login connections are gone by now: a per-connection figure would be meaningless.
  }

  const end = {
    edge: edgeGroup(),
    edgeHost: edgeHostGroup(),
    bridge: bridgeGroup(),
    bridgeStats: servers ? await servers.bridgeMemory() : null,
  };
  const cpu = (key: string) => cpuPercent(cpuPhase0[key] ?? null, cpuPhase1[key] ?? null, phaseSeconds);
  const machineCpu =
    machine0 && machine1 && phaseSeconds >= 1
      ? Math.round(((machine1.busySeconds - machine0.busySeconds) / phaseSeconds) * 1000) / 10
      : null;
  const selfCpu = ((self1.user + self1.system - self0.user - self0.system) / 1e6 / phaseSeconds) * 100;
  const ours = ["edge", "edgeHost", "bridge", "client"].reduce((a, k) => a + (cpu(k) ?? 0), selfCpu);
  const units = options.mode === "chat" ? delivered : loginMs.length;
  const perUnit = (percent: number | null) =>
    percent === null || units === 0 ? null : Math.round((((percent / 100) * phaseSeconds * 1e6) / units) * 10) / 10;
  const perConnection = (bytes: number | null) =>
    memory && baseline && memory.connections > 0 && bytes !== null ? Math.round(bytes / memory.connections) : null;

  const result: ScenarioResult = {
    scenario: options.scenario,
    mode: options.mode,
    clients: specs.length,
    rooms: options.mode === "chat" ? Object.keys(roomMembers).length : 0,
    roomMembers,
    dialects: options.dialects.map((d) => `${d.dialect}=${d.weight}`).join(","),
    encrypt: options.encrypt === undefined ? "dialect default" : options.encrypt ? "on" : "off",
    guests: options.guests,
    rate: options.mode === "chat" ? options.rate : 0,
    durationS: options.mode === "chat" ? options.durationS : 0,
    offered,
    expected,
    delivered,
    lost,
    extra,
    latencyMs: latency.summary(),
    loginsPerSec: Math.round(loginsPerSec * 10) / 10,
    loginFailures,
    joinFailures,
    disconnects,
    connectionFailures: loginFailures + joinFailures + disconnects,
    loginMs: summarize(loginMs),
    joinMs: summarize(joinMs),
    setupSeconds: Math.round(setupSeconds * 10) / 10,
    bridgeBytesPerConnection: perConnection(memory && baseline ? memory.rssBytes - baseline.rssBytes : null),
    bridgeHeapBytesPerConnection: perConnection(
      memory && baseline
        ? memory.heapUsedBytes + memory.externalBytes - baseline.heapUsedBytes - baseline.externalBytes
        : null,
    ),
    bridgeConnections: memory?.connections ?? null,
    edgeBytesPerConnection:
      edgeBefore && edgeAfterJoins && joined.length > 0
        ? Math.round((edgeAfterJoins.rssBytes - edgeBefore.rssBytes) / joined.length)
        : null,
    edgeHeapBytesPerConnection:
      edgeHeapBefore !== null && edgeHeapAfterJoins !== null && joined.length > 0
        ? Math.round((edgeHeapAfterJoins - edgeHeapBefore) / joined.length)
        : null,
    edgePeakRssBytes: end.edge?.peakRssBytes ?? null,
    edgeHostPeakRssBytes: end.edgeHost?.peakRssBytes ?? null,
    bridgePeakRssBytes: end.bridge?.peakRssBytes ?? null,
    edgeCpuPercent: cpu("edge"),
    edgeHostCpuPercent: cpu("edgeHost"),
    bridgeCpuPercent: cpu("bridge"),
    clientCpuPercent: cpu("client"),
    setupEdgeCpuPercent: cpuPercent(cpuSetup0.edge, cpuSetup1.edge, setupSeconds),
    setupBridgeCpuPercent: cpuPercent(cpuSetup0.bridge, cpuSetup1.bridge, setupSeconds),
    phaseSeconds: Math.round(phaseSeconds * 10) / 10,
    cpuUsPerUnit: {
      edge: perUnit(cpu("edge")),
      bridge: perUnit(cpu("bridge")),
      clients: perUnit(cpu("client")),
    },
    machineCpuPercent: machineCpu,
    otherCpuPercent: machineCpu === null ? null : Math.max(0, Math.round((machineCpu - ours) * 10) / 10),
    loadAverageAtStart: loadAtStart,
    bridgeSlowClientDrops: memory?.droppedSlowClients ?? null,
    bridgeRateLimited: end.bridgeStats?.rateLimited ?? null,
    bridgeProtocolErrors: memory?.protocolErrors ?? null,
    steps,
    sustainedRate: steps.length > 0 ? Math.max(0, ...steps.filter((x) => x.pass).map((x) => x.rate)) : null,
    errors: decodeErrors ? [`${decodeErrors} decode errors`, ...errors] : errors,
    checks: [],
    pass: false,
  };
  result.checks = checks(result, options);
  result.pass = result.checks.every((c) => c.ok);
  return result;
}

/** What the receivers got against what was sent in their rooms. */
function deliveries(reports: Report[]) {
  const sentByRoom: Record<string, number> = {};
  for (const r of reports)
    for (const [room, n] of Object.entries(r.sent)) sentByRoom[room] = (sentByRoom[room] ?? 0) + n;
  let expected = 0;
  let delivered = 0;
  let lost = 0;
  let extra = 0;
  for (const r of reports) {
    for (const receiver of r.receivers) {
      const want = sentByRoom[receiver.room] ?? 0;
      expected += want;
      delivered += receiver.received;
      lost += Math.max(0, want - receiver.received);
      extra += Math.max(0, receiver.received - want);
    }
  }
  const offered = Object.values(sentByRoom).reduce((a, n) => a + n, 0);
  return { offered, expected, delivered, lost, extra };
}

/** Waits until the join traffic (player lists, room lists) has died down. */
async function settle(counts: () => Promise<Counts[]>, log: Log): Promise<void> {
  const t0 = monoNow();
  let last = -1;
  let stableSince = monoNow();
  for (;;) {
    const total = (await counts()).reduce((a, c) => a + c.messages, 0);
    if (total !== last) {
      last = total;
      stableSince = monoNow();
    } else if (monoNow() - stableSince >= 1_000) break;
    if (monoNow() - t0 > 120_000) {
      log("join traffic did not settle within 120 s; chatting anyway");
      break;
    }
    await sleep(200);
  }
  log(`join traffic settled after ${((monoNow() - t0) / 1000).toFixed(1)} s`);
}

function totals(cs: Counts[], members: Record<string, number>) {
  let offered = 0;
  let expected = 0;
  const sentByRoom: Record<string, number> = {};
  for (const c of cs) for (const [room, n] of Object.entries(c.sent)) sentByRoom[room] = (sentByRoom[room] ?? 0) + n;
  for (const [room, n] of Object.entries(sentByRoom)) {
    offered += n;
    expected += n * (members[room] ?? 0);
  }
  return { sent: { offered, expected }, received: cs.reduce((a, c) => a + c.received, 0) };
}

function cpuPercent(a: GroupSample | null, b: GroupSample | null, seconds: number): number | null {
  if (!a || !b || seconds <= 0) return null;
  return Math.round(((b.cpuSeconds - a.cpuSeconds) / seconds) * 1000) / 10;
}

function checks(r: ScenarioResult, options: BenchOptions): Check[] {
  const t = options.targets;
  const out: Check[] = [];
  if (t.noLoss)
    out.push({ name: "nothing lost", ok: r.lost === 0 && r.offered > 0, detail: `lost ${r.lost} of ${r.expected}` });
  if (t.maxP99Ms !== undefined)
    out.push({
      name: `p99 ≤ ${t.maxP99Ms} ms`,
      ok: r.latencyMs.p99 <= t.maxP99Ms,
      detail: `p99 ${r.latencyMs.p99} ms`,
    });
  if (t.minLoginsPerSec !== undefined)
    out.push({
      name: `≥ ${t.minLoginsPerSec} logins/s`,
      ok: r.loginsPerSec >= t.minLoginsPerSec,
      detail: `${r.loginsPerSec} logins/s`,
    });
  if (t.noLoginFailures)
    out.push({
      name: "no connection failures",
      ok: r.connectionFailures === 0,
      detail: `${r.loginFailures} login, ${r.joinFailures} join, ${r.disconnects} dropped`,
    });
  if (t.minSustainedRate !== undefined)
    out.push({
      name: `sustains ≥ ${t.minSustainedRate} msgs/s (nothing lost, p99 ≤ ${t.maxP99Ms} ms)`,
      ok: (r.sustainedRate ?? 0) >= t.minSustainedRate,
      detail: `sustained ${r.sustainedRate ?? 0} msgs/s`,
    });
  if (t.maxEdgeBytesPerConnection !== undefined && r.edgeBytesPerConnection !== null)
    out.push({
      name: `edge ≤ ${Math.round(t.maxEdgeBytesPerConnection / 1024)} KB/connection`,
      ok: r.edgeBytesPerConnection <= t.maxEdgeBytesPerConnection,
      detail: `${(r.edgeBytesPerConnection / 1024).toFixed(1)} KB`,
    });
  if (t.maxBridgeBytesPerConnection !== undefined && r.bridgeBytesPerConnection !== null)
    out.push({
      name: `bridge ≤ ${Math.round(t.maxBridgeBytesPerConnection / 1024)} KB/connection`,
      ok: r.bridgeBytesPerConnection <= t.maxBridgeBytesPerConnection,
      detail: `${(r.bridgeBytesPerConnection / 1024).toFixed(1)} KB`,
    });
  return out;
}

/** Who logs in as what and joins which room. */
export function planClients(options: BenchOptions): ClientSpec[] {
  const tag = randomBytes(2).toString("hex");
  const totalWeight = options.dialects.reduce((a, d) => a + d.weight, 0);
  const assigned = options.dialects.map(() => 0);
  const dialects: Dialect[] = [];
  for (let i = 0; i < options.clients; i++) {
    // Smooth weighted round robin: the dialect furthest behind its share goes next.
    let best = 0;
    let bestLag = Number.NEGATIVE_INFINITY;
    options.dialects.forEach((d, k) => {
      const lag = (d.weight * (i + 1)) / totalWeight - (assigned[k] ?? 0);
      if (lag > bestLag) {
        bestLag = lag;
        best = k;
      }
    });
    assigned[best] = (assigned[best] ?? 0) + 1;
    dialects.push((options.dialects[best] as { dialect: Dialect }).dialect);
  }
  const perGame = new Map<Game, number>();
  for (const d of dialects) perGame.set(GAME_OF[d], (perGame.get(GAME_OF[d]) ?? 0) + 1);
  const seen = new Map<Game, number>();
  return dialects.map((dialect, index) => {
    const game = GAME_OF[dialect];
    const k = seen.get(game) ?? 0;
    seen.set(game, k + 1);
    const perRoom = Math.ceil((perGame.get(game) ?? 1) / Math.max(1, options.rooms));
    return {
      index,
      user: options.guests ? guestName(dialect, `bn${tag}x${index}`) : `bn${tag}x${index}`,
      password: options.guests ? "" : `pw-${tag}-${index}`,
      dialect,
      encrypt: options.encrypt ?? defaultEncrypt(dialect),
      roomSlot: options.mode === "chat" ? Math.floor(k / perRoom) : -1,
    };
  });
}

/**
 * How each family logs in as a guest (§6.2): GoS (Myth II 1.8) takes any name with an empty
 * password; Bungie/MythDev servers an empty name; Aleph One "guest" (or an empty name).
 */
function guestName(dialect: Dialect, name: string): string {
  if (dialect === "myth2") return name;
  if (dialect === "marathon") return "guest";
  return "";
}

function defaultEncrypt(dialect: Dialect): boolean {
  return DIALECT_TRAITS[dialect].encrypted;
}

/** `rooms` unranked rooms per game in the mix, with the scenario's capacity, guests welcome. */
function roomConfig(games: Game[], options: BenchOptions): Omit<RoomConfigInput, "port">[] {
  const rooms: Omit<RoomConfigInput, "port">[] = [];
  for (const game of games) {
    for (let i = 0; i < Math.max(1, options.rooms); i++) {
      rooms.push({
        id: rooms.length,
        wireId: i,
        name: `Bench ${game} ${i + 1}`,
        game,
        type: "unranked",
        capacity: options.capacity,
        guests: true,
      });
    }
  }
  return rooms;
}

/** Chat messages per second one client sends. */
function perClientRate(options: BenchOptions): number {
  return options.mode === "chat" && options.clients > 0 ? options.rate / options.clients : 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
