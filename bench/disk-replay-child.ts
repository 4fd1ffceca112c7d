/**
 * Child of bench/disk-replay.bench.ts: in a fresh process, open a columnar store, replay it
 * (partition hashes checked, record batches → typed arrays → one reused Snapshot holder,
 * `runReplay({ store })`, ADR-125; partitions read and hash-checked ahead by a worker, ADR-155),
 * then read it with a bare loop (the same `scanColumnar` reader, no engine) with read-ahead and
 * without it, and print one JSON line. Where the replay's time goes: the bare read with
 * read-ahead is the data side's cost on the caller's thread plus any wait for the worker; the
 * rest of the replay is the engine's. With `--bare-only`: only the bare read with read-ahead
 * (the data side's peak RSS on its own). Run with `--expose-gc` (as the bench does), it also prints
 * the heap still used after a full collection at the end of the replay.
 */
import { peakRssKb } from "../sdk/util/peak-rss";
import { openColumnarStore, scanColumnar } from "../sdk/data/store";
import { runReplay } from "../sdk/engine/run";

function bare(dir: string, prefetch: boolean): { s: number; rows: number; acc: number } {
  const st = openColumnarStore(dir);
  const t = process.hrtime.bigint();
  let rows = 0;
  let acc = 0;
  scanColumnar(st, (s) => {
    rows++;
    acc += s.bid_price;
  }, { prefetch });
  return { s: Number(process.hrtime.bigint() - t) / 1e9, rows, acc };
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (process.argv[3] === "--bare-only") {
    // the data side alone in a fresh process: its peak RSS, without any engine heap
    const b = bare(dir, true);
    process.stdout.write(JSON.stringify({ bare_rows: b.rows, bare_read_s: b.s, acc_check: b.acc > 0, max_rss_kb: peakRssKb() }) + "\n");
    return;
  }
  const t0 = process.hrtime.bigint();
  const st = openColumnarStore(dir);
  const r = await runReplay({ store: st, tables: false });
  const replayS = Number(process.hrtime.bigint() - t0) / 1e9;
  const rssReplay = peakRssKb();
  // what the run still holds once a full collection has run (--expose-gc from the bench): the
  // engine's retained state, apart from garbage the collector has not yet reclaimed
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) g();
  const heapAfterGc = g ? process.memoryUsage().heapUsed : null;
  const pre = bare(dir, true);
  const sync = bare(dir, false);
  process.stdout.write(
    JSON.stringify({
      rows: r.summary.snapshots, fills: r.summary.fills, digest: r.digest, replay_s: replayS,
      bare_read_s: pre.s, bare_rows: pre.rows, bare_read_sync_s: sync.s, acc_check: pre.acc > 0 && pre.acc === sync.acc && sync.rows === pre.rows,
      max_rss_kb_after_replay: rssReplay, max_rss_kb: peakRssKb(), heap_used_after_gc_bytes: heapAfterGc,
    }) + "\n",
  );
}
main();
