/**
 * Child of bench/disk-replay.bench.ts: in a fresh process, open a columnar store, replay it
 * (partition hashes checked, record batches → typed arrays → one reused Snapshot holder,
 * `runReplay({ store })`, ADR-125), then read it once more with a bare loop (the same
 * `scanColumnar` reader, no engine) and print one JSON line.
 */
import { openColumnarStore, scanColumnar } from "../sdk/data/store";
import { runReplay } from "../sdk/engine/run";

async function main(): Promise<void> {
  const dir = process.argv[2];
  const t0 = process.hrtime.bigint();
  const st = openColumnarStore(dir);
  const r = await runReplay({ store: st, tables: false });
  const replayS = Number(process.hrtime.bigint() - t0) / 1e9;
  const rssReplay = process.resourceUsage().maxRSS;
  const t1 = process.hrtime.bigint();
  let n = 0;
  let acc = 0;
  scanColumnar(st, (s) => {
    n++;
    acc += s.bid_price;
  });
  const bareS = Number(process.hrtime.bigint() - t1) / 1e9;
  process.stdout.write(JSON.stringify({ rows: r.summary.snapshots, fills: r.summary.fills, digest: r.digest, replay_s: replayS, bare_read_s: bareS, bare_rows: n, acc_check: acc > 0, max_rss_kb_after_replay: rssReplay, max_rss_kb: process.resourceUsage().maxRSS }) + "\n");
}
main();
