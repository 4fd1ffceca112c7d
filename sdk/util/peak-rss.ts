import { readFileSync } from "node:fs";

/**
 * This process's peak resident set size in KiB, all threads. On Linux it is `VmHWM` of
 * /proc/self/status: the high-water mark of this program's own address space. Not
 * `getrusage`'s `ru_maxrss` (`process.resourceUsage().maxRSS`), which Linux carries over a
 * fork + exec: a child started by a process that once held 200 MB reports at least 200 MB however
 * little it uses itself, so a benchmark's children would all read their parent's peak (ADR-221).
 * Elsewhere (no /proc) it falls back to `maxRSS`.
 */
export function peakRssKb(): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]);
  } catch {
    // no /proc: the rusage figure below
  }
  return process.resourceUsage().maxRSS;
}
