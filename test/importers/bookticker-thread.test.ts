import { expect } from "chai";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { closeSync, ftruncateSync, openSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { importBookTickerCsv, THREAD_MIN_BYTES, type ThreadHooks } from "../../sdk/data/importers/bookticker-csv";
import { wantThread } from "../../sdk/data/importers/bookticker-thread";
import type { L1ColumnBatch } from "../../sdk/data/store";
import { writeColumnarStore } from "../../sdk/data/store";
import { GrinderError } from "../../sdk/contracts/errors";
import { PROJECT_ROOT } from "../../sdk/cli/fixtures-path";
import { BTC_CSV, HAVE_DATA, tmpDir } from "./helpers";
import { genCsv, rng } from "./bookticker-gen";

/**
 * ADR-210: the store import with the parse split between this thread and a worker gives exactly
 * what one thread gives: the same rows, canonical lines, report, instrument and first error.
 */
interface Seen {
  cols: number[][];
  lines: string;
  report: unknown;
  error?: { code: string; line?: number; field?: string; message: string };
}

async function collect(file: string, lenient: boolean, parallel: boolean, hooks?: ThreadHooks): Promise<Seen> {
  const imp = importBookTickerCsv(file, { symbol: "BTCUSDT", lenient, parallel, thread_hooks: hooks, instrument: { tick_size: 1e-12, lot_size: 1e-9 } });
  const cols: number[][] = [[], [], [], [], []];
  let lines = "";
  const seen: Seen = { cols, lines: "", report: undefined };
  try {
    await imp.l1Columns((b: L1ColumnBatch) => {
      [b.ts, b.bid_price, b.bid_qty, b.ask_price, b.ask_qty].forEach((a, k) => {
        for (let i = 0; i < b.n; i++) cols[k].push(a[i]);
      });
      lines += Buffer.from(b.lines!).toString("latin1");
    });
  } catch (e) {
    expect(e).to.be.instanceOf(GrinderError);
    const g = e as GrinderError;
    seen.error = { code: g.code, line: g.line, field: g.field, message: g.message };
  }
  seen.lines = lines;
  seen.report = JSON.parse(JSON.stringify(imp.report));
  // after an error only the error counts (the rows handed out before it depend on the chunking; a store discards them)
  if (seen.error) return { cols: [], lines: "", report: undefined, error: seen.error };
  return seen;
}

/** Byte offsets of the line starts of `text`. */
function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10 && i + 1 < text.length) out.push(i + 1);
  return out;
}

describe("bookTicker store import on two threads (ADR-210)", function () {
  this.timeout(180_000);
  const dir = tmpDir("bt-thread");

  it("steps to infer (tick or lot not given): one thread, whatever `parallel` says", async () => {
    const file = path.join(dir, "BTCUSDT-bookTicker-steps.csv");
    writeFileSync(file, genCsv(rng(3), 400, true).lines.join("\n") + "\n", "latin1");
    const hooks: ThreadHooks = { segment_bytes: 2_000, main_bytes: 500, wait_ready: true };
    const imp = importBookTickerCsv(file, { lenient: true, parallel: true, thread_hooks: hooks, instrument: { tick_size: 0.01 } });
    await imp.l1Columns(() => undefined);
    expect(hooks.worker_segments).to.equal(undefined);
    expect(imp.report.instrument_inferred).to.equal(true);
  });

  it("same rows, lines, report and first error as one thread on generated CSVs, bad rows and blank lines anywhere, also at a segment boundary (property, seeded)", async () => {
    let fromWorker = 0;
    let errorsCompared = 0;
    let forcedAtBoundary = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 ** 30 }),
        fc.integer({ min: 300, max: 3_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 4 }),
        fc.boolean(),
        fc.boolean(),
        async (seed, segSize, share, boundaryBad, lenient, header) => {
          let seg = segSize;
          const r = rng(seed);
          const g = genCsv(r, 160, header, 1_723_161_256_313, 1_200);
          const lines = g.lines.slice();
          // a blank line inside, sometimes
          if (r.nextInt(0, 3) === 0) lines.splice(r.nextInt(1, lines.length - 1), 0, "");
          let own = Math.floor(seg * share);
          let text = lines.join("\n") + "\n";
          if (boundaryBad === 4) {
            // a blank line that ends this thread's first part: the worker's part starts right after it
            const i = r.nextInt(2, lines.length - 2);
            lines.splice(i, 0, "");
            text = lines.join("\n") + "\n";
            own = lineStarts(text)[i] + 1;
            seg = Math.max(seg, own + 50);
            forcedAtBoundary++;
          } else if (boundaryBad > 0) {
            // the line that starts a worker's part (first line start at or after k·seg + own) made bad in a way that depends on the state before it
            const starts = lineStarts(text);
            const k = r.nextInt(0, Math.max(0, Math.floor(text.length / seg) - 1));
            const at = starts.findIndex((s) => s >= k * seg + own);
            if (at > 1 && lines[at] !== "" && lines[at - 1] !== "") {
              const prev = lines[at - 1].split(",");
              const f = lines[at].split(",");
              if (boundaryBad === 1) f[0] = prev[0]; // duplicate id of the line before
              else if (boundaryBad === 2) f[0] = String(Number(prev[0]) - 1); // id before the previous
              else f[6] = String(Number(prev[6].replace("\r", "")) - 1); // event time backwards
              lines[at] = f.join(",");
              text = lines.join("\n") + "\n";
              forcedAtBoundary++;
            }
          }
          const file = path.join(dir, `BTCUSDT-bookTicker-${seed}.csv`);
          writeFileSync(file, text, "latin1");
          const one = await collect(file, lenient, false);
          const hooks: ThreadHooks = { segment_bytes: seg, main_bytes: own, wait_ready: true, steal: (seed & 1) === 0 };
          const two = await collect(file, lenient, true, hooks);
          expect(two).to.deep.equal(one);
          fromWorker += hooks.worker_segments ?? 0;
          if (one.error) errorsCompared++;
        },
      ),
      { seed: 210, numRuns: 60 },
    );
    // the worker's rows were taken (not every part fell back), and strict errors were compared
    expect(fromWorker).to.be.greaterThan(60);
    expect(errorsCompared).to.be.greaterThan(5);
    expect(forcedAtBoundary).to.be.greaterThan(10);
  });

  (HAVE_DATA ? it : it.skip)("the real BTCUSDT dump: the same store (content hash = the fixture's, every partition hash) with most rows parsed by the worker", async () => {
    const inst = { symbol: "BTCUSDT", tick_size: 0.1, lot_size: 0.001, min_notional: 0 };
    const hooks: ThreadHooks = { segment_bytes: 256 << 10, main_bytes: 64 << 10, wait_ready: true, steal: false };
    const a = await writeColumnarStore(path.join(dir, "one"), importBookTickerCsv(BTC_CSV, { instrument: inst, parallel: false }), { name: "btc", instruments: [inst], part_rows: 20_000 });
    const imp = importBookTickerCsv(BTC_CSV, { instrument: inst, parallel: true, thread_hooks: hooks });
    const b = await writeColumnarStore(path.join(dir, "two"), imp, { name: "btc", instruments: [inst], part_rows: 20_000 });
    expect(b).to.deep.equal(a);
    expect(a.content_sha256.startsWith("e28adf4f")).to.equal(true);
    expect(a.partitions.length).to.equal(5);
    expect(hooks.worker_segments).to.equal(Math.ceil(4_767_969 / (256 << 10)) - 1); // every segment but the last (it reaches the end of the file)
    expect(imp.report.instrument).to.deep.include({ tick_size: 0.1, lot_size: 0.001 });
    expect(imp.report.emitted).to.equal(66_089);
  });
});

(HAVE_DATA ? describe : describe.skip)("grinder store import-bookticker on two threads (ADR-210)", function () {
  this.timeout(300_000);
  it("the CLI (its worker loads the CLI bundle) writes the same store on two threads as on one, and says which", () => {
    const dir = tmpDir("bt-thread-cli");
    // the real dump twice over (ids and times shifted): 132,178 rows
    const rows = readFileSync(BTC_CSV, "latin1").split("\n").filter((l) => l.charCodeAt(0) >= 48 && l.charCodeAt(0) <= 57);
    const first = rows[0].split(",");
    const last = rows[rows.length - 1].split(",");
    const idSpan = Number(last[0]) - Number(first[0]) + 1;
    const tSpan = Number(last[6]) - Number(first[6]) + 1;
    const out: string[] = [];
    for (let k = 0; k < 2; k++)
      for (const r of rows) {
        const f = r.split(",");
        out.push(`${Number(f[0]) + k * idSpan},${f[1]},${f[2]},${f[3]},${f[4]},${Number(f[5]) + k * tSpan},${Number(f[6]) + k * tSpan}`);
      }
    const csv = path.join(dir, "BTCUSDT-bookTicker-x2.csv");
    writeFileSync(csv, out.join("\n") + "\n");
    const run = (thread: string, to: string): string => {
      const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "bin", "grinder.js"), "store", "import-bookticker", csv, "--out", to, "--tick", "0.1", "--lot", "0.001"], { encoding: "utf8", cwd: PROJECT_ROOT, env: { ...process.env, GRINDER_IMPORT_THREAD: thread } });
      expect(r.status, r.stderr).to.equal(0);
      return r.stdout;
    };
    const two = run("wait", path.join(dir, "s"));
    const one = run("0", path.join(dir, "s1"));
    expect(two).to.match(/✔ 132178 rows → \d+ partitions .*parsed on 2 threads\)/);
    expect(one).to.match(/parsed on 1 thread\)/);
    const a = JSON.parse(readFileSync(path.join(dir, "s", "store.json"), "utf8"));
    const b = JSON.parse(readFileSync(path.join(dir, "s1", "store.json"), "utf8"));
    expect({ ...a, name: "" }).to.deep.equal({ ...b, name: "" });
    expect(a.rows).to.equal(132_178);
  });
});

describe("bookTicker store import: when the parse is split by default (ADR-241)", () => {
  it("never below THREAD_MIN_BYTES (96 MB), nor for .gz, with steps to infer or parallel: false; GRINDER_IMPORT_THREAD=1 forces it", () => {
    expect(THREAD_MIN_BYTES).to.equal(96 << 20);
    const dir = tmpDir("bt-thread-size");
    const small = path.join(dir, "small.csv");
    const big = path.join(dir, "big.csv");
    // sparse files: only their size is read
    for (const [f, size] of [[small, THREAD_MIN_BYTES - 1], [big, THREAD_MIN_BYTES]] as const) {
      const fd = openSync(f, "w");
      ftruncateSync(fd, size);
      closeSync(fd);
    }
    const saved = process.env.GRINDER_IMPORT_THREAD;
    try {
      delete process.env.GRINDER_IMPORT_THREAD;
      expect(wantThread(small, undefined, false), "one byte below the threshold").to.equal(false);
      // at the threshold it also needs a spare core (load average below cores - 1): true or false by load, never for these
      expect(wantThread(big, false, false)).to.equal(false);
      expect(wantThread(big, undefined, true), "steps to infer").to.equal(false);
      expect(wantThread(big.replace(/\.csv$/, ".csv.gz"), true, false), ".gz").to.equal(false);
      expect(wantThread(small, true, false), "parallel: true forces it").to.equal(true);
      process.env.GRINDER_IMPORT_THREAD = "1";
      expect(wantThread(small, undefined, false), "GRINDER_IMPORT_THREAD=1").to.equal(true);
      process.env.GRINDER_IMPORT_THREAD = "0";
      expect(wantThread(big, undefined, false), "GRINDER_IMPORT_THREAD=0").to.equal(false);
    } finally {
      if (saved === undefined) delete process.env.GRINDER_IMPORT_THREAD;
      else process.env.GRINDER_IMPORT_THREAD = saved;
    }
  });
});
