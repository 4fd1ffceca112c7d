/**
 * Child process of the heap test (run with `node --expose-gc -r tsx/cjs`): writes a large
 * snapshot file, streams it through the loader and prints heap samples (after a forced GC)
 * at every 10 % of the stream as one JSON line. `retain` keeps every row, as a control that
 * the measurement does see growth.
 */
import { closeSync, openSync, statSync, writeSync } from "node:fs";
import { streamSnapshotFile } from "../../sdk/data/fixture";

async function main(): Promise<void> {
  const [file, rowsArg, mode] = process.argv.slice(2);
  const rows = Number(rowsArg);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --expose-gc");
  const fd = openSync(file, "w");
  const T0 = 1_704_067_200_000;
  let p = 2000;
  for (let i = 0; i < rows; i += 10_000) {
    let chunk = "";
    for (let j = i; j < Math.min(rows, i + 10_000); j++) {
      // A cheap deterministic wiggle; the content does not matter here, only the volume.
      p += (j * 7919) % 13 > 6 ? 0.01 : -0.01;
      const bid = Math.round(p * 100) / 100;
      const ask = Math.round((bid + 0.02) * 100) / 100;
      chunk += `{"ask_price":${ask},"ask_qty":${(1 + (j % 97) / 10).toFixed(3)},"bid_price":${bid},"bid_qty":${(2 + (j % 89) / 10).toFixed(3)},"last_price":${bid},"symbol":"HEAPUSDT","ts":${T0 + j * 1000}}\n`;
    }
    writeSync(fd, chunk);
  }
  closeSync(fd);
  const bytes = statSync(file).size;
  const kept: unknown[] = [];
  const samples: number[] = [];
  const every = Math.floor(rows / 10);
  let n = 0;
  let checksum = 0;
  for await (const s of streamSnapshotFile(file, { symbols: ["HEAPUSDT"] })) {
    n++;
    checksum += s.bid_qty;
    if (mode === "retain") kept.push(s);
    if (n % every === 0) {
      gc();
      samples.push(process.memoryUsage().heapUsed);
    }
  }
  process.stdout.write(JSON.stringify({ rows: n, bytes, samples, kept: kept.length, checksum }) + "\n");
}

main().catch((e) => {
  process.stderr.write(String((e as Error).stack ?? e) + "\n");
  process.exitCode = 1;
});
