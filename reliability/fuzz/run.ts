/**
 * A whole fuzz run as `npm run fuzz` and its test do it: a fresh stack (edge and bridge as
 * their own processes, reliability/stack.ts), honest players in every room, the campaign, then
 * the figures: crashes, collateral, defects, log errors, memory before and after.
 */
import type { Dialect } from "../../protocol/dialect.ts";
import type { Game } from "../../protocol/families.ts";
import { startReliabilityStack } from "../stack.ts";
import { type CampaignReport, type FamilyReport, type FamilyRoom, runCampaign } from "./campaign.ts";
import { HonestPlayers, type HonestReport } from "./honest.ts";
import type { FuzzTarget } from "./session.ts";

/** The five client families of the issue, each with the room of its game. */
export const FAMILY_ROOMS: readonly (FamilyRoom & { readonly game: Game; readonly label: string })[] = [
  { dialect: "myth2", roomId: 0, game: "myth2", label: "Myth II 1.8 (encrypted)" },
  { dialect: "myth2-legacy", roomId: 0, game: "myth2", label: "MythDev / Myth II 1.5" },
  { dialect: "myth1", roomId: 1, game: "myth1", label: "Myth TFL" },
  { dialect: "myth3", roomId: 2, game: "myth3", label: "Myth III" },
  { dialect: "marathon", roomId: 3, game: "marathon", label: "Aleph One" },
];

export interface FuzzRunOptions {
  readonly packetsPerFamily: number;
  readonly seed: number;
  readonly families: readonly Dialect[];
  readonly lanesPerFamily: number;
  readonly honestPerRoom: number;
  readonly maxSeconds: number;
  readonly reproducerDir: string | null;
  readonly verbose?: boolean;
  readonly onProgress?: (families: readonly FamilyReport[], elapsedS: number) => void;
}

export interface MemoryFigures {
  readonly edgeRssMb: number;
  readonly bridgeRssMb: number;
  readonly bridgeHeapMb: number;
}

export interface FuzzRunReport {
  readonly campaign: CampaignReport;
  readonly honest: HonestReport;
  readonly crashes: readonly { part: string; code: number | null; signal: string | null }[];
  readonly logErrors: number;
  readonly logErrorSamples: readonly string[];
  readonly memoryBefore: MemoryFigures;
  readonly memoryAfter: MemoryFigures;
  /** Every figure that must be zero is zero. */
  readonly passed: boolean;
}

export async function runFuzz(o: FuzzRunOptions): Promise<FuzzRunReport> {
  const families = FAMILY_ROOMS.filter((f) => o.families.includes(f.dialect));
  const games = [...new Map(families.map((f) => [f.roomId, f.game])).entries()];
  const stack = await startReliabilityStack({
    rooms: games.map(([id, game]) => ({ id, game, type: "unranked", capacity: 256 })),
    vars: { MAX_ROOM_CAPACITY: "999" },
    // Fuzz lanes send batches back to back: the per-client packet rate is not what is tested.
    bridge: { maxPacketsPerSecond: 10_000, packetBurst: 20_000 },
    verbose: o.verbose,
  });
  try {
    const target: FuzzTarget = {
      host: stack.host,
      loginPort: stack.loginPort,
      roomPort: (id) => stack.roomPorts.get(id) as number,
      roomIds: [...stack.roomPorts.keys()],
    };
    const honest = await HonestPlayers.start(target, {
      rooms: [...new Map(families.map((f) => [f.roomId, { roomId: f.roomId, dialect: f.dialect }])).values()],
      perRoom: o.honestPerRoom,
      chatEveryMs: 1_000,
      hostEveryMs: 5_000,
    });
    const memoryBefore = await memory(stack);
    const campaign = await runCampaign(target, {
      families,
      packetsPerFamily: o.packetsPerFamily,
      seed: o.seed,
      lanesPerFamily: o.lanesPerFamily,
      maxSeconds: o.maxSeconds,
      reproducerDir: o.reproducerDir,
      honestIds: (roomId) => honest.idsIn(roomId),
      onProgress: o.onProgress,
    });
    const honestReport = await honest.stop();
    const memoryAfter = await memory(stack);
    const logErrors = stack.errorCount();
    const passed =
      stack.crashes.length === 0 &&
      campaign.defects === 0 &&
      !campaign.timedOut &&
      honestReport.disconnected === 0 &&
      honestReport.lost === 0 &&
      honestReport.duplicates === 0 &&
      honestReport.outOfOrder === 0 &&
      honestReport.delayedOver1s === 0 &&
      logErrors === 0;
    return {
      campaign,
      honest: honestReport,
      crashes: [...stack.crashes],
      logErrors,
      logErrorSamples: stack.logErrors.slice(0, 10).map((e) => `[${e.part}] ${e.line}`),
      memoryBefore,
      memoryAfter,
      passed,
    };
  } finally {
    await stack.stop();
  }
}

async function memory(stack: Awaited<ReturnType<typeof startReliabilityStack>>): Promise<MemoryFigures> {
  const mb = (b: number) => Math.round(b / 1024 / 102.4) / 10;
  const bridge = await stack.bridgeMemory();
  return { edgeRssMb: mb(stack.rss("edge")), bridgeRssMb: mb(bridge.rssBytes), bridgeHeapMb: mb(bridge.heapUsedBytes) };
}
