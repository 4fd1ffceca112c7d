/**
 * Disk benchmark (ADR-076): columnar stores of a synthetic L1 market (bench/market.ts) at 1 M and
 * 10 M rows in the OS temp folder; each is replayed in a **fresh process** (`bench/disk-replay-child.ts`
 * through tsx, and `grinder replay <store>` for the whole CLI path: with its baselines, the static
 * grid on its own thread (`cli_*`) and in-process (`cli_baselines_in_process_*`), and without them,
 * its wall time split into phases by `GRINDER_PHASES=1`, ADR-190) and read by a bare loop in
 * the same child: figures, ratio replay/bare, peak RSS 10× vs 1× (several measures, see
 * `peak_rss_ratios.measure`). Also: columnar import of the
 * real Binance bookTicker CSV repeated 10× (`writeColumnarStore` over the byte-level importer),
 * rows/s, next to a bare byte loop over the same file in the same run. Writes bench/results/disk-replay.json.
 * Run alone: `npx tsx bench/disk-replay.bench.ts` (`--only-import`: the import part only, which
 * updates only the `columnar_import` block; `--only-replays`: the replays only, the `columnar_import` block kept;
 * `--sizes a,b`: other store lengths, e.g. `1000000,100000000` for a month of bookTicker; `--out file`: another results file).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import * as os from "node:os";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { PROJECT_ROOT } from "../sdk/cli/fixtures-path";
import { writeFileAtomic } from "../sdk/data/fixture";
import { importBookTickerCsv, scanBookTickerCsv } from "../sdk/data/importers";
import { writeColumnarStore } from "../sdk/data/store";
import { baselineThreadWanted } from "../sdk/cli/baseline-worker";
import type { Snapshot } from "../sdk/contracts/market";
import { BENCH_INST, SyntheticMarket } from "./market";

const QUICK = process.argv.includes("--quick");
/** `--only-import`: measure the columnar import alone and update only the `columnar_import` block of the results file. */
const ONLY_IMPORT = process.argv.includes("--only-import");
/** `--only-replays`: skip the columnar import and keep the `columnar_import` block of the results file as it is. */
const ONLY_REPLAYS = process.argv.includes("--only-replays");
/** The value after `flag` on the command line, if any. */
function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
/** `--sizes a,b`: the two store lengths (default 1 M and 10 M; `--quick` 0.2 M and 2 M), e.g. `--sizes 1000000,100000000` for a month-scale run. */
function sizesArg(): number[] {
  const v = argValue("--sizes");
  if (v === undefined) return QUICK ? [200_000, 2_000_000] : [1_000_000, 10_000_000];
  const n = v.split(",").map(Number);
  if (n.length !== 2 || !n.every((x) => Number.isInteger(x) && x > 0) || n[1] <= n[0]) throw new Error(`--sizes takes two increasing row counts, e.g. 1000000,100000000 (got '${v}')`);
  return n;
}
const SIZES = sizesArg();
/** `--out file`: where the results go (default bench/results/disk-replay.json; with --only-replays the import block is taken from it). */
const RESULTS = path.resolve(argValue("--out") ?? path.join(PROJECT_ROOT, "bench", "results", "disk-replay.json"));
const TMP = path.join(os.tmpdir(), "grinder-disk-bench");
const CSV = path.join(PROJECT_ROOT, "..", "shared", "data", "binance-usdm", "BTCUSDT-bookTicker-2024-08-08.csv");

function* synthetic(total: number): Generator<Snapshot> {
  const m = new SyntheticMarket(7);
  const s: Snapshot = { ts: 0, symbol: BENCH_INST.symbol, bid_price: 0, bid_qty: 0, ask_price: 0, ask_qty: 0 };
  let done = 0;
  while (done < total) {
    const n = Math.min(m.chunkSize, total - done);
    const c = m.next(n);
    for (let i = 0; i < n; i++) {
      s.ts = c.ts[i];
      s.bid_price = c.bid[i];
      s.ask_price = c.ask[i];
      s.bid_qty = c.bidQty[i];
      s.ask_qty = c.askQty[i];
      yield s;
    }
    done += n;
  }
}

async function makeLongCsv(times: number): Promise<string> {
  const rows: string[] = [];
  for await (const l of createInterface({ input: createReadStream(CSV), crlfDelay: Infinity })) if (l && l.charCodeAt(0) >= 48 && l.charCodeAt(0) <= 57) rows.push(l);
  const f0 = rows[0].split(",");
  const fl = rows[rows.length - 1].split(",");
  const idSpan = Number(fl[0]) - Number(f0[0]) + 1;
  const tSpan = Number(fl[6]) - Number(f0[6]) + 1;
  const out = path.join(TMP, `BTCUSDT-bookTicker-x${times}.csv`);
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

/**
 * `grinder replay <store> --json` in a fresh process with `GRINDER_PHASES=1`: wall time, digest,
 * and where the wall time went (seconds): node start-up + loading the CLI + argument parsing,
 * config, opening the store (manifest), the adaptive replay (read-ahead, hash checks, decoding,
 * engine), waiting for the static-grid baseline thread, writing the output, process exit.
 */
function cliReplay(dir: string, extra: string[], thread: "0" | "1", sharedReadAhead: "0" | "1" = "1"): { wall_s: number; digest: string; stdout: string; phases: Record<string, number | boolean | string> } {
  const t = process.hrtime.bigint();
  // run as `npx grinder` runs it: the bin executed through its shebang (which carries its node flags, ADR-223)
  const r = spawnSync(path.join(PROJECT_ROOT, "bin", "grinder.js"), ["replay", dir, "--json", ...extra], { encoding: "utf8", cwd: PROJECT_ROOT, maxBuffer: 64 << 20, env: { ...process.env, GRINDER_PHASES: "1", GRINDER_BASELINE_THREAD: thread, GRINDER_SHARED_READ_AHEAD: sharedReadAhead } });
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(r.stderr);
  const line = r.stderr.split("\n").find((l) => l.startsWith("grinder-phases "));
  if (!line) throw new Error(`no phases line from grinder replay: ${r.stderr}`);
  const p = JSON.parse(line.slice("grinder-phases ".length)) as Record<string, number> & { baseline_thread: boolean; shared_read_ahead: boolean; node_flags: string };
  const s = (ms: number) => Math.round(ms) / 1000;
  return {
    wall_s: wall,
    digest: JSON.parse(r.stdout).digest,
    stdout: r.stdout,
    phases: {
      startup_s: s(p.action_start), config_s: s(p.config_loaded - p.action_start), open_store_s: s(p.source_opened - p.config_loaded),
      replay_s: s(p.replay_done - p.source_opened), baselines_wait_s: s(p.baselines_done - p.replay_done), output_s: s(p.output_written - p.baselines_done),
      exit_s: Math.round((wall - p.output_written / 1000) * 1000) / 1000, max_rss_mb: p.max_rss_mb, baseline_thread: p.baseline_thread,
      shared_read_ahead: p.shared_read_ahead, cpu_s: p.cpu_s, node_flags: p.node_flags,
    },
  };
}

async function main(): Promise<void> {
  rmSync(TMP, { recursive: true, force: true });
  execFileSync("mkdir", ["-p", TMP]);
  const load = os.loadavg()[0];
  const out: Record<string, unknown> = { loadavg_1m_at_start: load, baseline_thread_by_default_at_start: baselineThreadWanted(), cpus: os.cpus().length, sizes: SIZES, measured_at: new Date().toISOString() };
  if (!ONLY_REPLAYS) {
    // 1) columnar import of a Binance CSV (10× the real dump), on two threads (ADR-210) and, alternating in the same run, on one
    const csv = await makeLongCsv(10);
    const inst = { symbol: "BTCUSDT", tick_size: 0.1, lot_size: 0.001, min_notional: 0 };
    const importRuns = async (file: string, rows: number, runs: number): Promise<{ two: number[]; twoCpu: number[]; one: number[]; oneCpu: number[]; content: string[]; bytesPerRow: number; version: number }> => {
      const r = { two: [] as number[], twoCpu: [] as number[], one: [] as number[], oneCpu: [] as number[], content: [] as string[], bytesPerRow: 0, version: 0 };
      for (let k = 0; k < runs; k++) {
        for (const parallel of [true, false]) {
          const t0 = process.hrtime.bigint();
          const c0 = process.cpuUsage();
          const m = await writeColumnarStore(path.join(TMP, "btc-import"), importBookTickerCsv(file, { symbol: "BTCUSDT", instrument: inst, reuse: true, parallel }), { name: "btc-import", instruments: [inst], force: true });
          const s = Number(process.hrtime.bigint() - t0) / 1e9;
          const cu = process.cpuUsage(c0);
          if (m.rows !== rows) throw new Error(`import: ${m.rows} rows`);
          (parallel ? r.two : r.one).push(m.rows / s);
          (parallel ? r.twoCpu : r.oneCpu).push(m.rows / ((cu.user + cu.system) / 1e6));
          r.content.push(m.content_sha256 + " " + JSON.stringify(m.partitions));
          // partition file bytes per row (ADR-235: columns absent on every row are not stored)
          r.bytesPerRow = m.partitions.reduce((a, p) => a + statSync(path.join(TMP, "btc-import", p.file)).size, 0) / m.rows;
          r.version = m.version;
        }
      }
      if (new Set(r.content).size !== 1) throw new Error("two-thread and one-thread imports wrote different stores");
      for (const xs of [r.two, r.twoCpu, r.one, r.oneCpu]) xs.sort((a, b) => a - b);
      return r;
    };
    const x10 = await importRuns(csv, 66_089 * 10, QUICK ? 1 : 3);
    const imports = x10.two;
    const importsCpu = x10.twoCpu;
    // the parse alone (byte scanner → column batches, no store): the part of the import a store writer cannot remove
    const parses: number[] = [];
    for (let k = 0; k < (QUICK ? 1 : 3); k++) {
      const t0 = process.hrtime.bigint();
      const p = await scanBookTickerCsv(csv);
      parses.push(p.report.emitted / (Number(process.hrtime.bigint() - t0) / 1e9));
    }
    parses.sort((a, b) => a - b);
    // a bare loop over the same bytes in the same run (reads each byte once, counts commas): the machine's pace under its current load
    const bares: number[] = [];
    const bytes = readFileSync(csv);
    for (let k = 0; k < (QUICK ? 1 : 3); k++) {
      const t0 = process.hrtime.bigint();
      let commas = 0;
      for (let i = 0; i < bytes.length; i++) if (bytes[i] === 44) commas++;
      if (commas !== 66_089 * 10 * 6 + 6) throw new Error(`bare loop: ${commas} commas`);
      bares.push((66_089 * 10) / (Number(process.hrtime.bigint() - t0) / 1e9));
    }
    bares.sort((a, b) => a - b);
    const med = (xs: number[]): number => xs[xs.length >> 1];
    // 10× larger (the dump ×100 = 6.6 M rows): fixed costs (worker start-up, first segments) weigh less
    let x100: Record<string, unknown> | undefined;
    if (!QUICK) {
      rmSync(csv);
      const big = await makeLongCsv(100);
      const r = await importRuns(big, 66_089 * 100, 2);
      rmSync(big);
      x100 = {
        rows: 66_089 * 100, store_bytes_per_row: r.bytesPerRow, rows_per_s_runs: r.two, rows_per_s_median: med(r.two), rows_per_cpu_s_runs: r.twoCpu,
        one_thread_rows_per_s_runs: r.one, one_thread_rows_per_cpu_s_runs: r.oneCpu, ratio_two_to_one_thread: med(r.two) / med(r.one), loadavg_1m_at_end: os.loadavg()[0],
      };
      process.stdout.write(`columnar import ×100 (6.6 M rows): two threads ${r.two.map((x) => (x / 1e6).toFixed(2)).join(" / ")} M rows/s, one thread ${r.one.map((x) => (x / 1e6).toFixed(2)).join(" / ")}\n`);
    }
    out.columnar_import = {
      rows: 66_089 * 10, store_version: x10.version, store_bytes_per_row: x10.bytesPerRow, rows_per_s_runs: imports, rows_per_s_median: med(imports), target_rows_per_s: 3_000_000, rows_per_cpu_s_runs: importsCpu,
      one_thread_rows_per_s_runs: x10.one, one_thread_rows_per_s_median: med(x10.one), one_thread_rows_per_cpu_s_runs: x10.oneCpu, ratio_two_to_one_thread: med(imports) / med(x10.one),
      x100,
      parse_only_rows_per_s_runs: parses, parse_only_rows_per_s_median: med(parses),
      bare_byte_loop_rows_per_s_runs: bares, ratio_import_to_bare_loop: med(imports) / med(bares),
      loadavg_1m_at_start: load, loadavg_1m_at_end: os.loadavg()[0], measured_at: new Date().toISOString(),
      note: "rows/s of writeColumnarStore over importBookTickerCsv (parse — the common-form rows and their lines in WebAssembly, ADR-252 —, canonical JSON lines + SHA-256 content hash, Arrow IPC encode, partition SHA-256, file writes), wall clock (rows_per_cpu_s: per second of this process's CPU time, all threads, user + system, each sorted on its own); rows_per_s: the default import, the parse split between this thread and a worker (ADR-210; the worker is started by the first import and kept for the next); one_thread: parallel: false, alternating with it in the same run (same store bytes checked); x100: the same on the dump ×100 (6.6 M rows); parse_only: scanBookTickerCsv alone on the same file (instrument inference on, one thread); bare_byte_loop: one pass counting commas over the file's bytes in memory, same run; store_bytes_per_row: the partition files' bytes per row of the written store (store_version 2: 5 float64 columns of a bookTicker stream, ADR-235; version 1 had 8 = 64 bytes)",
    };
    process.stdout.write(`columnar import of the bookTicker CSV ×10: ${imports.map((x) => (x / 1e6).toFixed(2)).join(" / ")} M rows/s (target 3; per CPU-second ${importsCpu.map((x) => (x / 1e6).toFixed(2)).join(" / ")}); parse alone ${parses.map((x) => (x / 1e6).toFixed(2)).join(" / ")} M rows/s; bare byte loop ${bares.map((x) => (x / 1e6).toFixed(2)).join(" / ")} M rows/s; store ${x10.bytesPerRow.toFixed(2)} bytes per row (version ${x10.version}); load ${load.toFixed(2)} → ${os.loadavg()[0].toFixed(2)}\n`);
    if (ONLY_IMPORT) {
      const file = RESULTS;
      const prev = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>) : {};
      prev.columnar_import = out.columnar_import;
      rmSync(TMP, { recursive: true, force: true });
      await writeFileAtomic(file, JSON.stringify(prev, null, 2) + "\n");
      process.stdout.write(`updated the columnar_import block of ${path.relative(process.cwd(), file)} (--only-import)\n`);
      return;
    }
  }
  if (ONLY_REPLAYS) {
    // the columnar_import block of the results file stays as it is, in its place
    const file = RESULTS;
    const prev = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>) : {};
    out.columnar_import = prev.columnar_import;
    out.only_replays = "the columnar_import block is kept from an earlier run (--only-replays)";
  }
  // 2) stores of 1× and 10× rows, replayed in fresh processes
  const replays: Record<string, unknown> = {};
  for (const n of SIZES) {
    const dir = path.join(TMP, `synth-${n}`);
    const t0 = process.hrtime.bigint();
    const m = await writeColumnarStore(dir, synthetic(n), { name: `synth-${n}`, instruments: [BENCH_INST] });
    const buildS = Number(process.hrtime.bigint() - t0) / 1e9;
    const t1 = process.hrtime.bigint();
    const child = spawnSync(process.execPath, ["--expose-gc", "--require", "tsx/cjs", path.join(__dirname, "disk-replay-child.ts"), dir], { encoding: "utf8", cwd: PROJECT_ROOT, maxBuffer: 1 << 20 });
    const childWall = Number(process.hrtime.bigint() - t1) / 1e9;
    if (child.status !== 0) throw new Error(child.stderr);
    const c = JSON.parse(child.stdout.trim().split("\n").pop()!);
    const bareChild = spawnSync(process.execPath, ["--require", "tsx/cjs", path.join(__dirname, "disk-replay-child.ts"), dir, "--bare-only"], { encoding: "utf8", cwd: PROJECT_ROOT, maxBuffer: 1 << 20 });
    if (bareChild.status !== 0) throw new Error(bareChild.stderr);
    const bc = JSON.parse(bareChild.stdout.trim().split("\n").pop()!);
    // grinder replay with its baselines: the static grid on its own thread, and in-process after the adaptive run; and without baselines
    // the default layout three times, between the others (the wall time of one run on this VM spreads by ±15 %): its median is the figure
    const cliRuns = [cliReplay(dir, [], "1")];
    const cliSeq = cliReplay(dir, [], "0");
    cliRuns.push(cliReplay(dir, [], "1"));
    // ADR-215: the baseline thread with its own read-ahead (each partition read and hash-checked twice), the layout before
    const cliOwn = cliReplay(dir, [], "1", "0");
    cliRuns.push(cliReplay(dir, [], "1"));
    const cli = [...cliRuns].sort((x, y) => x.wall_s - y.wall_s)[1];
    if (cliRuns.some((r) => r.stdout !== cli.stdout) || cliOwn.stdout !== cli.stdout || cliSeq.stdout !== cli.stdout) throw new Error("grinder replay stdout differs between runs or baseline layouts");
    const cliNb = cliReplay(dir, ["--no-baselines"], "0");
    const cliWall = cli.wall_s;
    const cliDigest = cli.digest;
    replays[String(n)] = {
      rows: m.rows, partitions: m.partitions.length, build_s: buildS,
      child_wall_s: childWall, replay_s: c.replay_s, replay_rows_per_s: c.rows / c.replay_s, bare_read_rows_per_s: c.bare_rows / c.bare_read_s,
      bare_read_sync_rows_per_s: c.bare_rows / c.bare_read_sync_s, bare_read_checks: c.acc_check,
      read_share_of_replay: c.bare_read_s / c.replay_s, engine_s_estimate: c.replay_s - c.bare_read_s,
      ratio_replay_to_bare_read: c.bare_read_s / c.replay_s, cli_wall_s: cliWall, cli_rows_per_s_end_to_end: m.rows / cliWall, cli_digest_equals_child: cliDigest === c.digest,
      cli_wall_s_runs: cliRuns.map((r) => r.wall_s), cli_rows_per_s_end_to_end_runs: cliRuns.map((r) => m.rows / r.wall_s), cli_cpu_s_runs: cliRuns.map((r) => r.phases.cpu_s),
      max_rss_mb: c.max_rss_kb / 1024, max_rss_mb_after_replay: c.max_rss_kb_after_replay / 1024, heap_used_mb_after_gc: c.heap_used_after_gc_bytes / 1048576, fills: c.fills,
      max_rss_mb_data_side_only: bc.max_rss_kb / 1024, data_side_only_checks: bc.acc_check && bc.bare_rows === c.rows,
      cli_no_baselines_wall_s: cliNb.wall_s, cli_no_baselines_rows_per_s_end_to_end: m.rows / cliNb.wall_s, cli_no_baselines_digest_equals_child: cliNb.digest === c.digest,
      cli_baselines_in_process_wall_s: cliSeq.wall_s, cli_baselines_in_process_rows_per_s_end_to_end: m.rows / cliSeq.wall_s, cli_baselines_in_process_digest_equals_child: cliSeq.digest === c.digest,
      cli_phases_s: cli.phases, cli_baselines_in_process_phases_s: cliSeq.phases, cli_no_baselines_phases_s: cliNb.phases,
      cli_own_read_ahead_wall_s: cliOwn.wall_s, cli_own_read_ahead_rows_per_s_end_to_end: m.rows / cliOwn.wall_s, cli_own_read_ahead_phases_s: cliOwn.phases,
      cli_stdout_identical_across_layouts: true,
    };
    process.stdout.write(`${n} rows: replay ${(c.rows / c.replay_s / 1e6).toFixed(2)} M/s in a fresh process (${(c.replay_s).toFixed(2)} s; bare read ${(c.bare_rows / c.bare_read_s / 1e6).toFixed(2)} M/s with read-ahead, ${(c.bare_rows / c.bare_read_sync_s / 1e6).toFixed(2)} M/s without, ratio ${(c.bare_read_s / c.replay_s).toFixed(3)}); grinder replay end to end ${cliWall.toFixed(2)} s = ${(m.rows / cliWall / 1e6).toFixed(2)} M/s (median of ${cliRuns.map((r) => (m.rows / r.wall_s / 1e6).toFixed(2)).join(" / ")}; thread with its own read-ahead ${cliOwn.wall_s.toFixed(2)} s; baselines in-process ${cliSeq.wall_s.toFixed(2)} s; --no-baselines ${cliNb.wall_s.toFixed(2)} s = ${(m.rows / cliNb.wall_s / 1e6).toFixed(2)} M/s; phases ${JSON.stringify(cli.phases)}); peak RSS ${(c.max_rss_kb / 1024).toFixed(0)} MB\n`);
    rmSync(dir, { recursive: true, force: true });
  }
  type R = { max_rss_mb_after_replay: number; heap_used_mb_after_gc: number; max_rss_mb_data_side_only: number; cli_phases_s: { max_rss_mb: number }; cli_no_baselines_phases_s: { max_rss_mb: number }; cli_own_read_ahead_phases_s: { max_rss_mb: number } };
  const [a, b] = SIZES.map((n) => replays[String(n)] as R);
  out.replays = replays;
  out.loadavg_1m_at_end = os.loadavg()[0];
  out.peak_rss_ratio_10x_to_1x = b.max_rss_mb_after_replay / a.max_rss_mb_after_replay;
  out.peak_rss_ratios = {
    measure:
      "peak_rss_ratio_10x_to_1x: peak RSS of a fresh process that opens the store and replays it (runReplay, no tables) up to the end of the replay, " +
      "the measure of earlier runs (the bare reads the child does afterwards are left out). data_side_only: a fresh process that only reads the store " +
      "(read-ahead worker, hash checks, decoding, the scan loop, no engine). cli: grinder replay's own peak RSS (GRINDER_PHASES), all threads " +
      "(cli_with_baselines: the default layout, baseline thread sharing the read-ahead, ADR-215; _own_read_ahead: the thread reading the store itself, as before ADR-215). " +
      "heap_after_gc: the V8 heap the replay's process still uses after a full collection at the end of the replay (what the run retains, without the " +
      "garbage V8 has not yet collected and without the young generation V8 grows as it sees objects survive, ADR-253).",
    replay_after_replay: b.max_rss_mb_after_replay / a.max_rss_mb_after_replay,
    data_side_only: b.max_rss_mb_data_side_only / a.max_rss_mb_data_side_only,
    cli_with_baselines: b.cli_phases_s.max_rss_mb / a.cli_phases_s.max_rss_mb,
    cli_no_baselines: b.cli_no_baselines_phases_s.max_rss_mb / a.cli_no_baselines_phases_s.max_rss_mb,
    cli_with_baselines_own_read_ahead: b.cli_own_read_ahead_phases_s.max_rss_mb / a.cli_own_read_ahead_phases_s.max_rss_mb,
    heap_after_gc: b.heap_used_mb_after_gc / a.heap_used_mb_after_gc,
  };
  process.stdout.write(`peak RSS ${SIZES[1]}/${SIZES[0]}: ${(out.peak_rss_ratio_10x_to_1x as number).toFixed(3)} (target ≤ 1.2; grinder replay ${(b.cli_phases_s.max_rss_mb / a.cli_phases_s.max_rss_mb).toFixed(3)}, heap after a full GC ${(b.heap_used_mb_after_gc / a.heap_used_mb_after_gc).toFixed(3)}); load average at start ${load.toFixed(1)} on ${os.cpus().length} cores\n`);
  if (existsSync(TMP)) rmSync(TMP, { recursive: true, force: true });
  await writeFileAtomic(RESULTS, JSON.stringify(out, null, 2) + "\n");
  process.stdout.write(`wrote ${path.relative(process.cwd(), RESULTS)}\n`);
}
main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + "\n");
  process.exitCode = 1;
});
