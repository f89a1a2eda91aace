/**
 * A fuzz campaign: for each client family, lanes of sessions (session.ts) run side by side
 * until the family has sent its packets, each lane from its own address and its own seeded
 * generator. Sessions that end in a defect are kept as reproducers.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Dialect } from "../../protocol/dialect.ts";
import { Rng } from "../random.ts";
import { FUZZ_STATES, type FuzzState } from "./corpus.ts";
import type { MutationOp } from "./mutate.ts";
import { DEFECTS, type FuzzTarget, type Outcome, runSession, type SentPacket, type SessionPlan } from "./session.ts";

/** The room each family's sessions use (the campaign's room config: one room per game). */
export interface FamilyRoom {
  readonly dialect: Dialect;
  readonly roomId: number;
}

export interface CampaignOptions {
  readonly families: readonly FamilyRoom[];
  readonly packetsPerFamily: number;
  readonly seed: number;
  readonly lanesPerFamily: number;
  /** Stop starting sessions after this long (the run stops by itself). */
  readonly maxSeconds: number;
  /** Where reproducers are written; null ⇒ kept in the report only. */
  readonly reproducerDir: string | null;
  /** Honest player ids of a room (whisper, buddy and info targets). */
  readonly honestIds: (roomId: number) => readonly number[];
  readonly onProgress?: (families: readonly FamilyReport[], elapsedS: number) => void;
}

export interface Reproducer {
  readonly dialect: Dialect;
  readonly state: FuzzState;
  readonly roomId: number;
  readonly outcome: Outcome;
  readonly detail?: string;
  readonly packets: readonly SentPacket[];
}

export interface FamilyReport {
  readonly dialect: Dialect;
  packets: number;
  decodable: number;
  undecodable: number;
  sessions: number;
  readonly outcomes: Record<Outcome, number>;
  readonly byState: Record<FuzzState, { sessions: number; packets: number }>;
  readonly ops: Partial<Record<MutationOp, number>>;
  readonly reproducers: Reproducer[];
  /** Sessions the server ended after decodable packets, by the type of the last one. */
  readonly closedAfterType: Record<string, number>;
  /** Setup failures' reasons (first few). */
  readonly setupErrors: string[];
}

export interface CampaignReport {
  readonly seed: number;
  readonly seconds: number;
  readonly families: readonly FamilyReport[];
  readonly defects: number;
  readonly reproducerFiles: readonly string[];
  /** The time limit ended it before every family sent its packets. */
  readonly timedOut: boolean;
}

const STATE_WEIGHTS: Readonly<Record<FuzzState, number>> = {
  "pre-login": 0.1,
  "mid-login": 0.1,
  "in-room": 0.45,
  hosting: 0.2,
  film: 0.15,
};
const KEPT_REPRODUCERS = 20;

export async function runCampaign(target: FuzzTarget, o: CampaignOptions): Promise<CampaignReport> {
  const started = performance.now();
  const deadline = started + o.maxSeconds * 1000;
  const files: string[] = [];
  const reports = o.families.map((f) => emptyReport(f.dialect));
  let timedOut = false;
  let lastProgress = started;

  const lane = async (familyIndex: number, laneIndex: number) => {
    const family = o.families[familyIndex] as FamilyRoom;
    const report = reports[familyIndex] as FamilyReport;
    const rng = new Rng(o.seed ^ Math.imul(familyIndex + 1, 0x9e3779b1) ^ Math.imul(laneIndex + 1, 0x85ebca6b));
    const address = `127.0.0.${100 + familyIndex * o.lanesPerFamily + laneIndex}`;
    for (let n = 0; report.packets < o.packetsPerFamily; n++) {
      if (performance.now() > deadline) {
        timedOut = true;
        return;
      }
      const plan = drawPlan(rng, family, address, `f${familyIndex}l${laneIndex}s${n}`, o.honestIds(family.roomId));
      const result = await runSession(target, plan, rng.fork());
      report.sessions++;
      report.packets += result.sent;
      report.decodable += result.decodable;
      report.undecodable += result.undecodable;
      report.outcomes[result.outcome]++;
      const state = report.byState[plan.state];
      state.sessions++;
      state.packets += result.sent;
      for (const [op, count] of Object.entries(result.ops)) {
        report.ops[op as MutationOp] = (report.ops[op as MutationOp] ?? 0) + count;
      }
      if (result.closedAfterType !== undefined) {
        const key = String(result.closedAfterType);
        report.closedAfterType[key] = (report.closedAfterType[key] ?? 0) + 1;
      }
      if (result.outcome === "setup-failed" && report.setupErrors.length < 5) {
        report.setupErrors.push(result.detail ?? "");
      }
      if (DEFECTS.includes(result.outcome)) {
        const repro: Reproducer = {
          dialect: plan.dialect,
          state: plan.state,
          roomId: plan.roomId,
          outcome: result.outcome,
          detail: result.detail,
          packets: result.log,
        };
        if (report.reproducers.length < KEPT_REPRODUCERS) report.reproducers.push(repro);
        if (o.reproducerDir && files.length < 100)
          files.push(await writeReproducer(o.reproducerDir, repro, files.length));
      }
      const now = performance.now();
      if (o.onProgress && now - lastProgress > 10_000) {
        lastProgress = now;
        o.onProgress(reports, (now - started) / 1000);
      }
    }
  };

  await Promise.all(o.families.flatMap((_, f) => Array.from({ length: o.lanesPerFamily }, (_, l) => lane(f, l))));
  return {
    seed: o.seed,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    families: reports,
    defects: reports.reduce((n, r) => n + DEFECTS.reduce((m, d) => m + r.outcomes[d], 0), 0),
    reproducerFiles: files,
    timedOut,
  };
}

function drawPlan(
  rng: Rng,
  family: FamilyRoom,
  localAddress: string,
  nick: string,
  honest: readonly number[],
): SessionPlan {
  let r = rng.next();
  let state: FuzzState = "in-room";
  for (const s of FUZZ_STATES) {
    r -= STATE_WEIGHTS[s];
    if (r < 0) {
      state = s;
      break;
    }
  }
  const login = state === "pre-login" || state === "mid-login";
  return {
    dialect: family.dialect,
    state,
    roomId: family.roomId,
    nick,
    localAddress,
    packets: login ? rng.between(1, 4) : rng.between(8, 96),
    endWithBad: rng.chance(login ? 0.5 : 0.35),
    otherId: honest.length ? rng.pick(honest) : 1,
  };
}

function emptyReport(dialect: Dialect): FamilyReport {
  return {
    dialect,
    packets: 0,
    decodable: 0,
    undecodable: 0,
    sessions: 0,
    outcomes: {
      alive: 0,
      "closed-by-server": 0,
      "closed-after-bad": 0,
      "not-closed-after-bad": 0,
      hung: 0,
      "setup-failed": 0,
    },
    byState: Object.fromEntries(FUZZ_STATES.map((s) => [s, { sessions: 0, packets: 0 }])) as FamilyReport["byState"],
    ops: {},
    reproducers: [],
    closedAfterType: {},
    setupErrors: [],
  };
}

async function writeReproducer(dir: string, repro: Reproducer, n: number): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${repro.dialect}-${repro.state}-${repro.outcome}-${n}.json`);
  await writeFile(file, `${JSON.stringify(repro, null, 2)}\n`);
  return file;
}
