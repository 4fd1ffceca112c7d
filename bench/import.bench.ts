/**
 * Import benchmark: Binance bookTicker CSV parse throughput (target ≥ 2 M rows/s) and memory
 * flatness on a file 10× the real dump (generated in the OS temp folder by repeating the real
 * rows with shifted times and update ids). Run alone with `npx tsx bench/import.bench.ts`
 * (add `--expose-gc` before the file for cleaner memory figures). Prints a table and writes
 * `bench/results/import.json`.
 */
import { execFileSync } from "node:child_process";
import { createReadStream, createWriteStream, existsSync, statSync, unlinkSync } from "node:fs";
import { once } from "node:events";
import * as os from "node:os";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { PROJECT_ROOT } from "../sdk/cli/fixtures-path";
import { writeFileAtomic } from "../sdk/data/fixture";
import { importBookTickerCsv, scanBookTickerCsv } from "../sdk/data/importers";

const SOURCE = path.join(PROJECT_ROOT, "..", "shared", "data", "binance-usdm", "BTCUSDT-bookTicker-2024-08-08.csv");
const REPEAT = 10;
/** `--quick` (passed on by `bench/run.ts`): one run per case instead of three. */
const REPS = process.argv.includes("--quick") ? 1 : 3;

/** Write the source `times` times; copy k shifts times by k·(span+1) ms and ids by k·(idspan+1). */
async function makeLongFile(src: string, times: number): Promise<string> {
  const rows: string[] = [];
  for await (const l of createInterface({ input: createReadStream(src), crlfDelay: Infinity })) if (l && l.charCodeAt(0) >= 48 && l.charCodeAt(0) <= 57) rows.push(l);
  const f0 = rows[0].split(",");
  const fl = rows[rows.length - 1].split(",");
  const idSpan = Number(fl[0]) - Number(f0[0]) + 1;
  const tSpan = Number(fl[6]) - Number(f0[6]) + 1;
  const out = path.join(os.tmpdir(), `BTCUSDT-bookTicker-grinder-bench-x${times}.csv`);
  const w = createWriteStream(out);
  w.write("update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,event_time\n");
  for (let k = 0; k < times; k++) {
    let buf = "";
    for (const r of rows) {
      const f = r.split(",");
      buf += `${Number(f[0]) + k * idSpan},${f[1]},${f[2]},${f[3]},${f[4]},${Number(f[5]) + k * tSpan},${Number(f[6]) + k * tSpan}\n`;
      if (buf.length > 1 << 16) {
        if (!w.write(buf)) await once(w, "drain");
        buf = "";
      }
    }
    if (buf) w.write(buf);
  }
  w.end();
  await once(w, "finish");
  return out;
}

interface Measure {
  rows: number;
  seconds: number;
  /** Wall-clock throughput (what a user sees; depends on machine load). */
  rows_per_s: number;
  /** Rows per second of this process's CPU time (user + system): less sensitive to other load. */
  rows_per_cpu_s: number;
  mb_per_s: number;
  peak_rss_mb: number;
  peak_heap_mb: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

async function measure(file: string, mode: "scan" | "snapshots" | "snapshots_reuse"): Promise<Measure> {
  if (gc) gc();
  let peak = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  const sample = (): void => {
    const m = process.memoryUsage();
    if (m.rss > peak) peak = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  };
  let rows = 0;
  let check = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  if (mode === "scan") {
    const p = await scanBookTickerCsv(file, {
      onBatch: (b) => {
        rows += b.n;
        check += b.bid_price[b.n - 1];
        sample();
      },
    });
    if (p.report.emitted !== rows) throw new Error("row count mismatch");
  } else {
    for await (const s of importBookTickerCsv(file, { reuse: mode === "snapshots_reuse" })) {
      check += s.ask_qty;
      if (++rows % 16384 === 0) sample();
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(c0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (!(check > 0)) throw new Error("nothing read");
  const bytes = statSync(file).size;
  return {
    rows,
    seconds: round(seconds, 4),
    rows_per_s: Math.round(rows / seconds),
    rows_per_cpu_s: Math.round(rows / cpuSeconds),
    mb_per_s: round(bytes / 1e6 / seconds, 1),
    peak_rss_mb: round(peak / 1e6, 1),
    peak_heap_mb: round(peakHeap / 1e6, 1),
  };
}

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

function best(ms: Measure[]): Measure & { runs_rows_per_s: number[] } {
  const sorted = [...ms].sort((a, b) => b.rows_per_s - a.rows_per_s);
  return {
    ...sorted[0],
    rows_per_cpu_s: Math.max(...ms.map((m) => m.rows_per_cpu_s)),
    peak_rss_mb: Math.max(...ms.map((m) => m.peak_rss_mb)),
    peak_heap_mb: Math.max(...ms.map((m) => m.peak_heap_mb)),
    runs_rows_per_s: ms.map((m) => m.rows_per_s),
  };
}

type Mode = "scan" | "snapshots" | "snapshots_reuse";

/** One case in a fresh process, so each memory figure is that case's alone. */
function runCase(file: string, mode: Mode): Measure & { runs_rows_per_s: number[] } {
  const args = ["--expose-gc", "-r", "tsx/cjs", __filename, "--case", mode, file];
  if (REPS === 1) args.push("--quick");
  const out = execFileSync(process.execPath, args, { cwd: PROJECT_ROOT, encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").pop()!);
}

export async function run(): Promise<Record<string, unknown>> {
  if (!existsSync(SOURCE)) throw new Error(`source data not found: ${SOURCE}`);
  const long = await makeLongFile(SOURCE, REPEAT);
  const results: Record<string, Measure & { runs_rows_per_s: number[] }> = {};
  try {
    for (const [label, file] of [
      ["x1", SOURCE],
      [`x${REPEAT}`, long],
    ] as const) {
      for (const mode of ["scan", "snapshots_reuse", "snapshots"] as const) results[`${label}.${mode}`] = runCase(file, mode);
    }
  } finally {
    unlinkSync(long);
  }
  const x1 = results["x1.snapshots"] as Measure;
  const x10 = results[`x${REPEAT}.snapshots`] as Measure;
  const out = {
    bench: "import",
    what: "Binance bookTicker CSV → rows (scan: columnar batches; snapshots_reuse: one Snapshot object updated in place; snapshots: a fresh Snapshot per row), best of the runs; peak RSS and heap sampled while reading",
    target_rows_per_s: 2_000_000,
    node: process.version,
    cpus: os.cpus().length,
    load_average_1m: round(os.loadavg()[0], 2),
    isolation: `each case in its own process (--expose-gc), ${REPS} run(s), best throughput, peak memory over the runs`,
    measured_at: new Date().toISOString(),
    results,
    memory_flat: {
      rss_x1_mb: x1.peak_rss_mb,
      [`rss_x${REPEAT}_mb`]: x10.peak_rss_mb,
      rss_ratio: round(x10.peak_rss_mb / x1.peak_rss_mb, 2),
      heap_x1_mb: x1.peak_heap_mb,
      [`heap_x${REPEAT}_mb`]: x10.peak_heap_mb,
      heap_ratio: round(x10.peak_heap_mb / x1.peak_heap_mb, 2),
    },
  };
  await writeFileAtomic(path.join(PROJECT_ROOT, "bench", "results", "import.json"), JSON.stringify(out, null, 2) + "\n");
  return out;
}

async function caseMain(mode: Mode, file: string): Promise<void> {
  const ms: Measure[] = [];
  for (let r = 0; r < REPS; r++) ms.push(await measure(file, mode));
  process.stdout.write(JSON.stringify(best(ms)) + "\n");
}

if (require.main === module && process.argv.includes("--case")) {
  const i = process.argv.indexOf("--case");
  caseMain(process.argv[i + 1] as Mode, process.argv[i + 2]).catch((e) => {
    process.stderr.write(String((e as Error).stack ?? e) + "\n");
    process.exitCode = 1;
  });
} else if (require.main === module) {
  run().then(
    (out) => {
      const r = out.results as Record<string, Measure>;
      process.stdout.write(`import bench (node ${process.version}, load ${out.load_average_1m}, target ≥ 2,000,000 rows/s)\n`);
      process.stdout.write("case                        rows   rows/s(wall)  rows/cpu-s     MB/s  peakRSS(MB)  peakHeap(MB)\n");
      for (const [k, m] of Object.entries(r))
        process.stdout.write(
          `${k.padEnd(22)} ${String(m.rows).padStart(9)} ${String(m.rows_per_s).padStart(14)} ${String(m.rows_per_cpu_s).padStart(11)} ${String(m.mb_per_s).padStart(8)} ${String(m.peak_rss_mb).padStart(12)} ${String(m.peak_heap_mb).padStart(13)}\n`,
        );
      process.stdout.write(`memory: ${JSON.stringify(out.memory_flat)}\nwrote bench/results/import.json\n`);
    },
    (e) => {
      process.stderr.write(String(e && (e as Error).stack ? (e as Error).stack : e) + "\n");
      process.exitCode = 1;
    },
  );
}
