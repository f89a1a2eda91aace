/**
 * Check 2: `kill -9` of the whole edge (workerd and its Node parent) right after both players
 * of a ranked 1-vs-1 sent their score reports (112), before or while the Results object
 * writes them to D1 and answers, then a restart on the same state. Repeated with seeded
 * delays between the reports and the kill, so some kills land before the write, some during,
 * some after.
 * Pass: every game is stored once (one row), settled (not stuck playing/reported), and whole
 * or not at all: rated with every player's stats and ratings, or abandoned with none; and
 * each player's ratings agree with the stored games (games counted once each, every game's
 * rating before = the previous game's rating after).
 */
import { type ReliabilityStack, startReliabilityStack } from "../stack.ts";
import type { Check, CheckContext, Verdict } from "./check.ts";
import {
  address,
  type GameDetail,
  game,
  gamesOf,
  hostWins,
  type Player,
  player,
  poll,
  profile,
  rejoin,
  sleep,
  startGame,
} from "./players.ts";
import { between, seededRandom } from "./rng.ts";
import { EXPECTED_TUNNEL_ERRORS } from "./tunnel-cuts.ts";

const TRIALS = 4;
/** Kill this long after the reports left the clients (the bridge and the edge take ~1–20 ms). */
const MAX_KILL_DELAY_MS = 40;

export const edgeKillResults: Check = {
  name: "edge-kill-results",
  description: "kill -9 of the edge between score reports and their acknowledgement: results stored once or not at all",
  deadlineMs: 120_000,
  async run(ctx, v) {
    const stack = await startReliabilityStack({
      rooms: [{ id: 0, name: "Ranked", game: "myth2", type: "ranked" }],
      vars: { RESULTS_REPORT_WINDOW_SECONDS: "2" },
      verbose: ctx.verbose,
    });
    try {
      await exercise(stack, ctx, v);
    } finally {
      await stack.stop();
    }
  },
};

/** Re-enters after the edge came back (its first requests may still meet a waking edge). */
async function back(stack: ReliabilityStack, p: Player): Promise<void> {
  await Promise.race([p.session.client.closed, sleep(10_000)]);
  for (let attempt = 0; ; attempt++) {
    try {
      await rejoin(stack, p, 0);
      return;
    } catch (err) {
      if (attempt >= 20) throw err;
      await sleep(250);
    }
  }
}

async function exercise(stack: ReliabilityStack, ctx: CheckContext, v: Verdict): Promise<void> {
  const random = seededRandom(ctx.seed);
  const tag = `ek${ctx.seed % 1000}`;
  const a = await player(stack, `${tag}a`, 0, address(1));
  const b = await player(stack, `${tag}b`, 0, address(2));
  const delays: number[] = [];
  const outcomes: string[] = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    const name = `${tag}t${trial}`;
    await startGame(stack, a, [b], name);
    // The first kill follows the reports at once (before the Results object can have written
    // them); the others at seeded delays, during or after the write.
    const delay = trial === 0 ? 0 : between(random, 0, MAX_KILL_DELAY_MS);
    delays.push(delay);
    for (const p of [a, b]) p.session.client.send(hostWins(a, b, p));
    await sleep(delay);
    await stack.kill("edge");
    await stack.restart("edge");
    await Promise.all([back(stack, a), back(stack, b)]);
    // The room wakes, finds the host's connection gone, and the Results object settles the
    // game after its window (2 s) from what it stored.
    const settled = await poll(async () => {
      const row = (await gamesOf(stack, a.name)).find((g) => g.name === name);
      return row && row.status !== "playing" && row.status !== "reported" ? row : null;
    }, 15_000);
    outcomes.push(settled?.status ?? "unsettled");
    ctx.log(`edge-kill-results: trial ${trial}, kill ${delay} ms after the reports: ${settled?.status ?? "unsettled"}`);
  }

  // What is stored, game by game.
  const rows = await gamesOf(stack, a.name);
  const details: GameDetail[] = [];
  for (const row of rows) details.push(await game(stack, row.id));
  let duplicates = 0;
  let half = 0;
  let unsettled = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const named = details.filter((g) => g.name === `${tag}t${trial}`);
    if (named.length > 1) duplicates += named.length - 1;
    for (const g of named) {
      if (g.status === "playing" || g.status === "reported") unsettled++;
      const withStats = g.players.filter((p) => p.unitsKilled !== null).length;
      const withRatings = g.players.filter((p) => p.ratingAfter !== null).length;
      const whole =
        g.players.length === 2 &&
        (g.status === "rated"
          ? withStats === 2 && withRatings === 2
          : withRatings === 0 && (withStats === 0 || withStats === 2));
      if (!whole) {
        half++;
        v.note(`game ${g.id} (${g.status}) is not whole: ${JSON.stringify(g.players)}`);
      }
    }
  }
  const rated = details.filter((g) => g.status === "rated").sort((x, y) => x.id - y.id);

  // Ratings agree with the stored games, for both players.
  let ratingMismatches = 0;
  for (const p of [a, b]) {
    const overall = (await profile(stack, p.name)).ratings.find((r) => r.category === "overall");
    if ((overall?.games ?? 0) !== rated.length) {
      ratingMismatches++;
      v.note(`${p.name}: ${overall?.games ?? 0} rated games counted, ${rated.length} stored`);
    }
    let previous: number | null = null;
    for (const g of rated) {
      const mine = g.players.find((x) => x.userId === p.userId);
      if (previous !== null && Math.abs((mine?.ratingBefore ?? Number.NaN) - previous) > 1e-6) {
        ratingMismatches++;
        v.note(`${p.name}: game ${g.id} starts from ${mine?.ratingBefore}, the previous ended at ${previous}`);
      }
      previous = mine?.ratingAfter ?? null;
    }
  }

  const unexpected = stack.logErrors.filter((e) => !EXPECTED_TUNNEL_ERRORS.test(e.line));
  v.figure("trials", TRIALS);
  v.figure("killDelaysMs", delays.join(","));
  v.figure("outcomes", outcomes.join(","));
  v.figure("reportsSent", TRIALS * 2);
  v.figure("gamesStored", details.length);
  v.figure("gamesRated", rated.length);
  v.figure("gamesAbandoned", details.filter((g) => g.status === "abandoned").length);
  v.figure("duplicates", duplicates);
  v.figure("halfStored", half);
  v.figure("unsettled", unsettled);
  v.figure("ratingMismatches", ratingMismatches);
  v.figure("crashes", stack.crashes.length);
  v.figure("errorLines", unexpected.length);

  v.expect(details.length === TRIALS, `${details.length} games stored for ${TRIALS} played`);
  v.expect(duplicates === 0, `${duplicates} game(s) stored twice`);
  v.expect(half === 0, `${half} game(s) stored in part`);
  v.expect(unsettled === 0 && !outcomes.includes("unsettled"), "a game was never settled after the restart");
  v.expect(ratingMismatches === 0, "ratings disagree with the stored results");
  v.expect(stack.crashes.length === 0, `unexpected exits: ${JSON.stringify(stack.crashes)}`);
  v.expect(unexpected.length === 0, `error lines: ${unexpected[0]?.line.slice(0, 300)}`);
  await Promise.all([a, b].map((p) => p.session.leave().catch(() => {})));
}
