/**
 * One clock every bench process can compare: CLOCK_MONOTONIC via process.hrtime, which is
 * system-wide on Linux, so a send time taken in one process and a receive time taken in
 * another subtract to a real delay (sub-microsecond resolution).
 */
import { performance } from "node:perf_hooks";

/** Milliseconds on the shared monotonic clock. */
export function monoNow(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * performance.now() counts from this process's start on the same underlying clock, so one
 * offset (taken once) turns a receive stamp from LegacyClient into shared-clock milliseconds.
 */
const PERF_TO_MONO = monoNow() - performance.now();

export function perfToMono(perfMs: number): number {
  return perfMs + PERF_TO_MONO;
}
