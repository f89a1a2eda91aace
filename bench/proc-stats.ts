/**
 * CPU time and memory of server processes from /proc (Linux): utime+stime from
 * /proc/<pid>/stat, VmRSS and VmHWM (peak RSS) from /proc/<pid>/status.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

let ticksPerSecond: number | null = null;

function clockTicks(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export interface ProcSample {
  pid: number;
  name: string;
  /** User + system CPU seconds used so far. */
  cpuSeconds: number;
  rssBytes: number;
  /** Peak RSS over the process lifetime. */
  peakRssBytes: number;
}

/** One process now; null when it is gone. */
export function sampleProcess(pid: number): ProcSample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The name is in parentheses and may contain spaces: fields start after the last ')'.
    const close = stat.lastIndexOf(")");
    const name = stat.slice(stat.indexOf("(") + 1, close);
    const fields = stat
      .slice(close + 2)
      .trim()
      .split(/\s+/);
    // fields[0] is field 3 (state); utime/stime are fields 14/15.
    const cpuTicks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return {
      pid,
      name,
      cpuSeconds: cpuTicks / clockTicks(),
      rssBytes: statusKb(status, "VmRSS") * 1024,
      peakRssBytes: statusKb(status, "VmHWM") * 1024,
    };
  } catch {
    return null;
  }
}

function statusKb(status: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, "m").exec(status);
  return m ? Number(m[1]) : 0;
}

/** The pid and every descendant (children, grandchildren…), from the parent links in /proc. */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(
        stat
          .slice(stat.lastIndexOf(")") + 2)
          .trim()
          .split(/\s+/)[1],
      );
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop() as number;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Sum over a group of processes (e.g. all workerd processes of the edge). */
export interface GroupSample {
  cpuSeconds: number;
  rssBytes: number;
  peakRssBytes: number;
  pids: number[];
}

export function sampleGroup(pids: readonly number[]): GroupSample {
  const samples = pids.map(sampleProcess).filter((s): s is ProcSample => s !== null);
  return {
    cpuSeconds: samples.reduce((a, s) => a + s.cpuSeconds, 0),
    rssBytes: samples.reduce((a, s) => a + s.rssBytes, 0),
    peakRssBytes: samples.reduce((a, s) => a + s.peakRssBytes, 0),
    pids: samples.map((s) => s.pid),
  };
}

/** Whole-machine CPU from the first line of /proc/stat (all cores together, in seconds). */
export interface MachineSample {
  busySeconds: number;
  totalSeconds: number;
}

export function sampleMachine(): MachineSample | null {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const [, ...rest] = line.trim().split(/\s+/);
    const v = rest.map(Number);
    // user nice system idle iowait irq softirq steal
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((a, n) => a + n, 0);
    return { busySeconds: (total - idle) / clockTicks(), totalSeconds: total / clockTicks() };
  } catch {
    return null;
  }
}

/** 1-minute load average. */
export function loadAverage(): number {
  try {
    return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  } catch {
    return Number.NaN;
  }
}
