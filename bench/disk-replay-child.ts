/**
 * Child of bench/disk-replay.bench.ts: in a fresh process, open a columnar store, replay it
 * (partition hashes checked, record batches → typed arrays → one reused Snapshot), then read it
 * once more with a bare loop (same reader, no engine) and print one JSON line.
 */
import { columnarSnapshots, openColumnarStore } from "../sdk/data/store";
import { runReplay } from "../sdk/engine/run";

async function main(): Promise<void> {
  const dir = process.argv[2];
  const t0 = process.hrtime.bigint();
  const st = openColumnarStore(dir);
  const r = await runReplay({ snapshots: columnarSnapshots(st, { reuse: true }), instruments: st.instruments, source: { name: st.manifest.name, content_sha256: st.manifest.content_sha256 }, tables: false });
  const replayS = Number(process.hrtime.bigint() - t0) / 1e9;
  const rssReplay = process.resourceUsage().maxRSS;
  const t1 = process.hrtime.bigint();
  let n = 0;
  let acc = 0;
  for (const s of columnarSnapshots(st, { reuse: true })) {
    n++;
    acc += s.bid_price;
  }
  const bareS = Number(process.hrtime.bigint() - t1) / 1e9;
  process.stdout.write(JSON.stringify({ rows: r.summary.snapshots, fills: r.summary.fills, digest: r.digest, replay_s: replayS, bare_read_s: bareS, bare_rows: n, acc_check: acc > 0, max_rss_kb_after_replay: rssReplay, max_rss_kb: process.resourceUsage().maxRSS }) + "\n");
}
main();
