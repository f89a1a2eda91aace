/**
 * Peer mode: one scenario against two targets, alternately (A, B, A, B, …), so that machine
 * drift hits both alike, and the ratios of the medians. A target is this checkout ("self"),
 * a running metaserver's login port ("HOST:PORT", optionally with its process ids), or this
 * project at another commit ("git:REV", checked out in a temporary worktree that shares this
 * checkout's node_modules).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./child.ts";
import type { ScenarioResult } from "./run.ts";
import type { BenchOptions } from "./scenarios.ts";

export type TargetSpec =
  | { readonly kind: "self" }
  | { readonly kind: "running"; readonly host: string; readonly port: number }
  | { readonly kind: "git"; readonly rev: string };

export function parseTarget(text: string): TargetSpec | string {
  if (text === "self") return { kind: "self" };
  if (text.startsWith("git:")) {
    const rev = text.slice(4);
    return /^[\w./^~-]+$/.test(rev) ? { kind: "git", rev } : `bad revision in ${text}`;
  }
  const m = /^(.+):(\d+)$/.exec(text);
  return m
    ? { kind: "running", host: m[1] as string, port: Number(m[2]) }
    : `a target is self, HOST:PORT or git:REV, got ${text}`;
}

export interface PreparedTarget {
  readonly label: string;
  /** Options that point a scenario at this target. */
  readonly overrides: Partial<BenchOptions>;
  cleanup(): void;
}

/** Makes a target runnable: a worktree for git:REV, nothing for the others. */
export function prepareTarget(spec: TargetSpec, serverPids?: number[]): PreparedTarget {
  if (spec.kind === "self") return { label: "self", overrides: {}, cleanup() {} };
  if (spec.kind === "running") {
    return {
      label: `${spec.host}:${spec.port}`,
      overrides: { target: { host: spec.host, port: spec.port }, serverPids },
      cleanup() {},
    };
  }
  const commit = execFileSync("git", ["rev-parse", "--short", `${spec.rev}^{commit}`], {
    cwd: ROOT,
    encoding: "utf8",
  }).trim();
  const dir = mkdtempSync(join(tmpdir(), `myth-bench-${commit}-`));
  execFileSync("git", ["worktree", "add", "--detach", "--force", dir, commit], { cwd: ROOT, stdio: "ignore" });
  // Same dependencies as this checkout (the toolchain is pinned); nothing is installed.
  if (!existsSync(join(dir, "node_modules"))) symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return {
    label: `git:${commit}`,
    overrides: { serverRoot: dir },
    cleanup() {
      try {
        execFileSync("git", ["worktree", "remove", "--force", dir], { cwd: ROOT, stdio: "ignore" });
      } catch {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

interface Metric {
  readonly name: string;
  readonly value: (r: ScenarioResult) => number | null;
  /** Lower is better (latency, CPU); else higher is better (rates). */
  readonly lowerIsBetter: boolean;
}

const METRICS: readonly Metric[] = [
  { name: "lost", value: (r) => (r.mode === "chat" ? r.lost : null), lowerIsBetter: true },
  { name: "latency p50 ms", value: (r) => (r.mode === "chat" ? r.latencyMs.p50 : null), lowerIsBetter: true },
  { name: "latency p99 ms", value: (r) => (r.mode === "chat" ? r.latencyMs.p99 : null), lowerIsBetter: true },
  { name: "sustained msgs/s", value: (r) => r.sustainedRate, lowerIsBetter: false },
  { name: "logins/s", value: (r) => r.loginsPerSec, lowerIsBetter: false },
  { name: "CPU µs/unit edge", value: (r) => r.cpuUsPerUnit.edge, lowerIsBetter: true },
  { name: "CPU µs/unit bridge", value: (r) => r.cpuUsPerUnit.bridge, lowerIsBetter: true },
  {
    name: "CPU µs/unit edge + bridge",
    value: (r) =>
      r.cpuUsPerUnit.edge === null || r.cpuUsPerUnit.bridge === null
        ? null
        : r.cpuUsPerUnit.edge + r.cpuUsPerUnit.bridge,
    lowerIsBetter: true,
  },
  { name: "CPU µs/unit clients", value: (r) => r.cpuUsPerUnit.clients, lowerIsBetter: true },
  { name: "machine CPU %", value: (r) => r.machineCpuPercent, lowerIsBetter: true },
  { name: "peak RSS edge MB", value: (r) => mb(r.edgePeakRssBytes), lowerIsBetter: true },
  { name: "peak RSS bridge MB", value: (r) => mb(r.bridgePeakRssBytes), lowerIsBetter: true },
  { name: "edge KB/connection", value: (r) => kb(r.edgeBytesPerConnection), lowerIsBetter: true },
  { name: "bridge KB/connection", value: (r) => kb(r.bridgeBytesPerConnection), lowerIsBetter: true },
];

/** The comparison table: each metric's runs per target, their medians and B/A. */
export function formatComparison(labelA: string, a: ScenarioResult[], labelB: string, b: ScenarioResult[]): string {
  const rows: string[][] = [["metric", `A ${labelA}`, `B ${labelB}`, "B / A"]];
  for (const metric of METRICS) {
    const va = a.map(metric.value).filter((v): v is number => v !== null && Number.isFinite(v));
    const vb = b.map(metric.value).filter((v): v is number => v !== null && Number.isFinite(v));
    if (va.length === 0 && vb.length === 0) continue;
    const ma = median(va);
    const mbv = median(vb);
    const ratio = ma === null || mbv === null || ma === 0 ? "n/a" : `${(mbv / ma).toFixed(2)}×`;
    rows.push([metric.name, runs(va, ma), runs(vb, mbv), ratio]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) => `  ${r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ")}`).join("\n");
}

function runs(values: number[], med: number | null): string {
  return med === null ? "n/a" : `${round(med)} (${values.map(round).join(", ")})`;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function round(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1);
}

function mb(v: number | null): number | null {
  return v === null ? null : v / 1024 / 1024;
}

function kb(v: number | null): number | null {
  return v === null ? null : v / 1024;
}
