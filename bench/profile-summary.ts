/**
 * `node --import tsx bench/profile-summary.ts FILE.cpuprofile|DIR [N]`: the N functions with the
 * most self time in a V8 CPU profile (as written by --cpu-prof), with their share of samples.
 * For a folder, the largest profile in it (the main thread; tsx's loader thread writes a small one).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  startTime: number;
  endTime: number;
}

const arg = process.argv[2];
if (!arg) {
  console.error("usage: profile-summary FILE.cpuprofile [N]");
  process.exit(2);
}
const file = statSync(arg).isDirectory() ? largestProfile(arg) : arg;
const top = Number(process.argv[3] ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const hits = new Map<number, number>();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
const byFunction = new Map<string, number>();
for (const node of profile.nodes) {
  const n = hits.get(node.id) ?? 0;
  if (!n) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^.*\/work\/main\//, "").replace(/^file:\/\//, "")}:${lineNumber + 1}` : "";
  const key = `${functionName || "(anonymous)"} ${where}`.trim();
  byFunction.set(key, (byFunction.get(key) ?? 0) + n);
}
const total = profile.samples.length;
const idle = [...byFunction].filter(([k]) => k.startsWith("(idle)")).reduce((a, [, n]) => a + n, 0);
console.log(
  `${file}: ${total} samples over ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s, ${((100 * (total - idle)) / total).toFixed(1)}% not idle`,
);
for (const [name, n] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${((100 * n) / total).toFixed(1).padStart(5)}%  ${name}`);
}

function largestProfile(dir: string): string {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  if (!files[0]) throw new Error(`no .cpuprofile in ${dir}`);
  return files[0];
}
