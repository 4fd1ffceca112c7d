import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { expect } from "chai";
import fc from "fast-check";
import { TrialJournal } from "../../sdk/calibration/journal";
import { verifyArtifactBytes } from "../../sdk/calibration/artifact";
import { parseSpec } from "../../sdk/calibration/spec";
import { PROJECT_ROOT } from "../../sdk/cli/fixtures-path";
import { safeParseConfig } from "../../sdk/config";
import { GrinderError } from "../../sdk/contracts/errors";
import type { Snapshot } from "../../sdk/contracts/market";
import { FixtureWriter, newLoadReport, openFixture, streamSnapshotFile, type LoadReport } from "../../sdk/data/fixture";
import { importBinanceWs } from "../../sdk/data/importers/binance-ws";
import { importBookTickerCsv } from "../../sdk/data/importers/bookticker-csv";
import { importKlinesCsv } from "../../sdk/data/importers/klines-csv";
import { importTradesCsv } from "../../sdk/data/importers/trades-csv";
import { streamTradeFile } from "../../sdk/data/trades";
import { importLeanMinute, importOhlcvCsv, importQuoteBarPair } from "../../sdk/data/bars";
import { MidBarBuilder } from "../../sdk/features/bars";
import { l1, l2, T0, tmpDir } from "../data/helpers";
import { exampleArtifact } from "../calibration/helpers";

/**
 * Fuzz suite (issue 15, ADR-089). Fixed seeds: the same cases run every time. The normal suite
 * runs a few thousand cases in well under a minute; `GRINDER_FUZZ_SCALE=<n>` multiplies every
 * run count (and `GRINDER_FUZZ_SEED` shifts the seeds) for a long run (`npm run test:fuzz-long` = scale 20).
 *
 * Properties, for every input family: (1) nothing but a `GrinderError` is ever thrown;
 * (2) no unhandled `error` event or rejection while the suite runs; (3) strict and lenient
 * agree on the first error (code and line); (4) lenient `accepted + rejected = lines`;
 * (5) the work done is bounded by the input size: lines read = lines written and bars emitted
 * ≤ (rows + 1) · (maxFlatBars + 1) — a work count, not a wall-clock time (no timed assertions).
 * ADR-130 adds trade rows (the trades sidecar loader), the trades CSV importer and the bar
 * importers (OHLCV CSV, bid/ask quote-bar pairs, Lean minute files) with the same properties.
 */
const SCALE = Math.max(1, Number(process.env.GRINDER_FUZZ_SCALE ?? 1));
const SEED0 = Number(process.env.GRINDER_FUZZ_SEED ?? 0);
const runs = (n: number): number => Math.round(n * SCALE);
const params = (seed: number, n: number): fc.Parameters<unknown> => ({ seed: SEED0 + seed, numRuns: runs(n), endOnFailure: true });

/** Anything but a GrinderError escaping is a failure of the property. */
function onlyGrinder(e: unknown): GrinderError {
  if (!(e instanceof GrinderError)) throw new Error(`non-GrinderError escaped: ${String((e as Error)?.stack ?? e)}`);
  return e;
}

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown): void => void unhandled.push(e);

/** Text mutations of one line. */
const lineMutation = fc.oneof(
  fc.constant((_s: string) => ""),
  fc.constant((s: string) => s.slice(0, Math.floor(s.length / 2))),
  fc.constant((s: string) => s + s),
  fc.constant((s: string) => s.replace(/\d/, "9999999999")),
  fc.constant((s: string) => s.replace(/\d+/, "1e300")),
  fc.constant((s: string) => s.replace(/,/, "")),
  fc.constant((s: string) => s.replace(/"/, "")),
  fc.constant((s: string) => s.replace(/\./, "")),
  fc.constant((s: string) => s.replace(/[0-9]/g, (d) => String((Number(d) + 1) % 10))),
  fc.string({ maxLength: 40 }).map((junk) => (s: string) => s.slice(0, 5) + junk + s.slice(5)),
  fc.constantFrom("null", "[]", "{}", "\u0000", "\uFFFD\uFFFD", "-", "1", '"x"', "{\"ts\":1e999}").map((x) => (_: string) => x),
);

/** A base list of lines and mutations applied at random positions. */
function mutatedLines(base: string[], maxMut = 4): fc.Arbitrary<string[]> {
  return fc.array(fc.tuple(fc.nat({ max: base.length - 1 }), lineMutation), { maxLength: maxMut }).map((ms) => {
    const out = [...base];
    for (const [i, f] of ms) out[i] = f(out[i]);
    return out;
  });
}

async function drainReport(it: AsyncIterable<unknown>, stopAfter = Infinity): Promise<{ n: number; error?: GrinderError }> {
  let n = 0;
  try {
    for await (const _ of it) if (++n >= stopAfter) break;
    return { n };
  } catch (e) {
    return { n, error: onlyGrinder(e) };
  }
}

describe("fuzz (fast-check, fixed seeds)", function () {
  this.timeout(300_000 * SCALE);
  const t = tmpDir("grinder-fuzz-");
  before(() => {
    process.on("uncaughtException", onUnhandled);
    process.on("unhandledRejection", onUnhandled);
  });
  after(async () => {
    await new Promise((r) => setTimeout(r, 200));
    process.off("uncaughtException", onUnhandled);
    process.off("unhandledRejection", onUnhandled);
    t.cleanup();
    expect(unhandled.map(String), "no unhandled error event or rejection during the fuzz suite").to.deep.equal([]);
  });

  const SPEC = { symbol: "AAAUSDT", tick_size: 0.01, lot_size: 0.5, min_notional: 5 };
  const BASE_ROWS = Array.from({ length: 40 }, (_, i) => JSON.stringify(i % 4 === 0 ? l2(i, 5) : l1(i)));

  it("snapshot rows (plain = gzip; strict and lenient agree on the first error; accepted + rejected = lines; early stop)", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(mutatedLines(BASE_ROWS, 5), fc.nat({ max: 45 }), async (lines, stopAt) => {
        const k = n++;
        const text = lines.join("\n") + "\n";
        const plain = path.join(t.dir, `r${k}.jsonl`);
        const gz = path.join(t.dir, `r${k}.jsonl.gz`);
        writeFileSync(plain, text);
        writeFileSync(gz, gzipSync(text));
        const instruments = new Map([[SPEC.symbol, SPEC]]);
        const strict = await drainReport(streamSnapshotFile(plain, { symbols: [SPEC.symbol], instruments }));
        const strictGz = await drainReport(streamSnapshotFile(gz, { symbols: [SPEC.symbol], instruments }));
        expect([strictGz.n, strictGz.error?.code, strictGz.error?.line]).to.deep.equal([strict.n, strict.error?.code, strict.error?.line]);
        const report: LoadReport = newLoadReport(plain);
        const lenient = await drainReport(streamSnapshotFile(plain, { lenient: true, report, symbols: [SPEC.symbol], instruments, maxExamples: 1 }));
        expect(lenient.error, "lenient reads a plain file to the end").to.equal(undefined);
        expect(report.accepted + report.rejectedTotal, "nothing dropped").to.equal(report.lines);
        expect(report.lines + report.trailingBlank, "lines read = lines written (bounded work)").to.equal(lines.length);
        if (strict.error) {
          expect(report.examples[0], "lenient saw the strict error first").to.include({ line: strict.error.line, code: strict.error.code });
        } else expect(report.rejectedTotal).to.equal(0);
        // Early stop on the gzip file, then a bar builder over what was read: bounded work.
        const bars = new MidBarBuilder(60_000, () => undefined, 50);
        let rows = 0;
        try {
          for await (const s of streamSnapshotFile(gz, { lenient: true })) {
            bars.update({ ts: s.ts, price: (s.bid_price + s.ask_price) / 2 });
            if (++rows >= stopAt) break;
          }
        } catch (e) {
          onlyGrinder(e);
        }
        expect(bars.closedBars).to.be.at.most((rows + 1) * 51);
      }),
      params(101, 400),
    );
  });

  it("corrupted and truncated gzip files, read to the end or stopped early: only E_IO-style GrinderErrors", async () => {
    const text = Array.from({ length: 3000 }, (_, i) => JSON.stringify(l2(i, 5))).join("\n") + "\n";
    const good = gzipSync(text);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: good.length - 1 }), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }),
        fc.option(fc.nat({ max: good.length - 1 }), { nil: undefined }),
        fc.nat({ max: 3500 }),
        async (flips, cut, stopAt) => {
          const buf = Buffer.from(good);
          for (const [i, x] of flips) buf[i] ^= x;
          const f = path.join(t.dir, `g${n++}.jsonl.gz`);
          writeFileSync(f, cut === undefined ? buf : buf.subarray(0, cut));
          await drainReport(streamSnapshotFile(f, { lenient: true }), stopAt || Infinity);
          await drainReport(streamSnapshotFile(f), stopAt || Infinity);
        },
      ),
      params(102, 300),
    );
  });

  it("fixture manifests: openFixture refuses with a GrinderError or opens a consistent fixture", async () => {
    const dir = path.join(t.dir, "fx");
    const w = await FixtureWriter.create(dir, { name: "fx", description: "d", scenario: {}, symbols: [SPEC] });
    for (let i = 0; i < 20; i++) await w.write(l1(i) as unknown as Snapshot);
    const m = (await w.close()) as unknown as Record<string, unknown>;
    const KEYS = ["name", "version", "description", "scenario", "symbols", "snapshots", "rows", "content_sha256", "provenance", "extra", "symbols.0", "symbols.0.tick_size", "symbols.0.symbol", "symbols.1"];
    const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom("../x", "/etc/passwd", "snapshots.jsonl", "snapshots.jsonl.gz", { ...SPEC }, [], null, -1, 1e300));
    await fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...KEYS), value), { minLength: 1, maxLength: 3 }), (muts) => {
        const doc = JSON.parse(JSON.stringify(m)) as Record<string, unknown>;
        for (const [k, v] of muts) {
          const parts = k.split(".");
          let o: unknown = doc;
          for (const p of parts.slice(0, -1)) o = o && typeof o === "object" ? (o as Record<string, unknown>)[p] : undefined;
          if (o && typeof o === "object") (o as Record<string, unknown>)[parts[parts.length - 1]] = v;
        }
        writeFileSync(path.join(dir, "fixture.json"), JSON.stringify(doc));
        try {
          const fx = openFixture(dir);
          expect(fx.instruments.size).to.equal(fx.manifest.symbols.length);
        } catch (e) {
          onlyGrinder(e);
        }
      }),
      params(103, 500),
    );
  });

  /** Lenient and strict runs of an importer over the same file. */
  async function importerAgree(make: (lenient: boolean) => AsyncIterable<unknown> & { report: { lines: number; rejectedTotal: number; examples: Array<{ line: number; code: string }> } }): Promise<void> {
    let strict: { n: number; error?: GrinderError };
    try {
      strict = await drainReport(make(false));
    } catch (e) {
      strict = { n: 0, error: onlyGrinder(e) };
    }
    let imp;
    try {
      imp = make(true);
    } catch (e) {
      onlyGrinder(e);
      return;
    }
    const lenient = await drainReport(imp);
    if (strict.error && strict.error.line !== undefined && !lenient.error && imp.report.examples.length)
      expect(imp.report.examples[0], "strict and lenient agree on the first refused line").to.include({ line: strict.error.line, code: strict.error.code });
  }

  it("bookTicker CSV importer input", async () => {
    const base = ["update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,event_time"];
    for (let i = 0; i < 30; i++) base.push(`${5123107839020 + i * 7},${(61800.2 + i * 0.1).toFixed(2)},2.507,${(61800.3 + i * 0.1).toFixed(2)},2.510,${T0 + i * 11},${T0 + i * 11}`);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(mutatedLines(base, 4), async (lines) => {
        const f = path.join(t.dir, `BTCUSDT-bookTicker-${n++}.csv`);
        writeFileSync(f, lines.join("\n") + "\n");
        await importerAgree((lenient) => importBookTickerCsv(f, { lenient, instrument: { symbol: "BTCUSDT", tick_size: 0.1, lot_size: 0.001, min_notional: 0 } as never }));
      }),
      params(104, 300),
    );
  });

  it("binance-ws recording importer input", async () => {
    const base: string[] = [];
    for (let i = 0; i < 20; i++) {
      const ns = BigInt(T0 + i * 100) * 1_000_000n;
      const p = (2683.8 + i * 0.01).toFixed(2);
      base.push(`${ns} {"stream":"ethusdt@bookTicker","data":{"u":${35346513501 + i * 3},"s":"ETHUSDT","b":"${p}","B":"3.0292","a":"${(Number(p) + 0.01).toFixed(2)}","A":"31.4395"}}`);
      if (i % 3 === 0)
        base.push(`${ns + 5n} {"stream":"ethusdt@depth@100ms","data":{"e":"depthUpdate","E":${T0 + i * 100},"s":"ETHUSDT","U":${35346513499 + i * 3},"u":${35346513502 + i * 3},"b":[["${p}","3.0292"]],"a":[["2733.70","0.00"]]}}`);
    }
    let n = 0;
    await fc.assert(
      fc.asyncProperty(mutatedLines(base, 4), async (lines) => {
        const f = path.join(t.dir, `ethusdt-${n++}-stream.txt`);
        writeFileSync(f, lines.join("\n") + "\n");
        await importerAgree((lenient) => importBinanceWs(f, { lenient, symbol: "ETHUSDT" }));
      }),
      params(105, 300),
    );
  });

  it("klines CSV importer input", async () => {
    const base: string[] = [];
    for (let i = 0; i < 30; i++) {
      const o = T0 + i * 60_000;
      base.push(`${o},61800.25,61810.05,61795.05,61801.15,1.5,${o + 59_999},10,10,0.5,0,0`);
    }
    let n = 0;
    await fc.assert(
      fc.asyncProperty(mutatedLines(base, 4), async (lines) => {
        const f = path.join(t.dir, `BTCUSDT-1m-${n++}.csv`);
        writeFileSync(f, lines.join("\n") + "\n");
        await importerAgree((lenient) => importKlinesCsv(f, { lenient }));
      }),
      params(106, 300),
    );
  });

  /** JSON documents: a base object with values replaced at random dotted paths. */
  function mutatedDoc(base: unknown, paths: string[]): fc.Arbitrary<unknown> {
    const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(null, [], {}, -1, 0, 1e308, -1e308, 2 ** 53 + 2, "", "x".repeat(300)));
    return fc.array(fc.tuple(fc.constantFrom(...paths), value, fc.boolean()), { minLength: 1, maxLength: 4 }).map((ms) => {
      const doc = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
      for (const [p, v, del] of ms) {
        const parts = p.split(".");
        let o: unknown = doc;
        for (const q of parts.slice(0, -1)) o = o && typeof o === "object" ? (o as Record<string, unknown>)[q] : undefined;
        if (!o || typeof o !== "object") continue;
        if (del) delete (o as Record<string, unknown>)[parts[parts.length - 1]];
        else (o as Record<string, unknown>)[parts[parts.length - 1]] = v;
      }
      return doc;
    });
  }

  it("configs: safeParseConfig gives a config or a GrinderError with a field", () => {
    const base = { features: { bar_interval_ms: 60_000 }, portfolio: { k: 3, k_min: 3, k_max: 5 }, risk: {}, policy: { alpha: 1 }, engine: {} };
    const paths = ["features", "features.bar_interval_ms", "features.atr_period", "portfolio.k", "portfolio.k_min", "portfolio.k_max", "risk", "policy.alpha", "policy.levels_max", "engine", "execution", "regime", "toxicity", "unknown", "policy.k_tail", "policy.k_tail.RANGE"];
    fc.assert(
      fc.property(mutatedDoc(base, paths), (doc) => {
        let r;
        try {
          r = safeParseConfig(doc, "fuzz.json");
        } catch (e) {
          onlyGrinder(e);
          return;
        }
        if (!r.success) expect(r.error).to.be.instanceOf(GrinderError);
      }),
      params(107, 800),
    );
  });

  it("calibration specs: parseSpec gives a spec or a GrinderError", () => {
    const base = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "calibration", "specs", "halton-example.json"), "utf8")) as unknown;
    const paths = ["name", "version", "parameters", "parameters.0", "parameters.0.path", "parameters.0.min", "parameters.0.max", "parameters.0.step", "parameters.4.choices", "datasets", "datasets.0.fixture", "objective.name", "objective.dd_floor", "folds.segments", "folds.time.train", "folds.time.mode", "search.method", "search.samples", "gate", "gate.max_degradation"];
    fc.assert(
      fc.property(mutatedDoc(base, paths), (doc) => {
        try {
          parseSpec(doc, "fuzz-spec.json");
        } catch (e) {
          onlyGrinder(e);
        }
      }),
      params(108, 500),
    );
  });

  it("artifacts: any flipped byte or edited value is refused with a GrinderError", async () => {
    const artifactPath = await exampleArtifact();
    const file = path.basename(artifactPath);
    const bytes = readFileSync(artifactPath);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }), (flips) => {
        const b = Buffer.from(bytes);
        for (const [i, x] of flips) b[i] ^= x;
        if (b.equals(bytes)) return;
        try {
          verifyArtifactBytes(b, file);
          expect.fail("a changed artifact was accepted");
        } catch (e) {
          onlyGrinder(e);
        }
      }),
      params(109, 300),
    );
  });

  it("journal lines: resume accepts an intact prefix or refuses with a GrinderError, never a changed record", () => {
    const f = path.join(t.dir, "journal.jsonl");
    const rec = (k: string, pnl: number) => ({ spec: "s", evaluator: "e", id: `00000${k}-${k}`, key: k, point: { x: pnl }, unit: "u#0", metrics: { net_pnl: pnl } as never });
    const j = TrialJournal.open(f, "s", "e");
    for (let i = 0; i < 8; i++) j.append(rec(`k${i}`, i));
    j.close();
    const good = readFileSync(f, "utf8").split("\n").slice(0, -1);
    fc.assert(
      fc.property(mutatedLines(good, 3), fc.boolean(), (lines, torn) => {
        writeFileSync(f, lines.join("\n") + (torn ? "" : "\n"));
        let jr: TrialJournal;
        try {
          jr = TrialJournal.open(f, "s", "e", { resume: true });
        } catch (e) {
          onlyGrinder(e);
          return;
        }
        for (let i = 0; i < 8; i++) {
          const r = jr.get(`k${i}`);
          if (r) expect(r.metrics, "an accepted record is the original one").to.deep.equal({ net_pnl: i });
        }
        jr.close();
      }),
      params(110, 400),
    );
  });

  // ---- ADR-130: trades and bars ----

  const TRADE_ROWS = Array.from({ length: 40 }, (_, i) =>
    JSON.stringify({ ts: T0 + i * 700, symbol: "AAAUSDT", price: Number((100 + i * 0.01).toFixed(2)), qty: 0.5 * (1 + (i % 3)), aggressor: i % 2 ? "SELL" : "BUY", id: 5000 + i }),
  );

  it("trade rows (plain = gzip; strict and lenient agree on the first error; accepted + rejected = lines; early stop)", async () => {
    let n = 0;
    const instruments = new Map([[SPEC.symbol, SPEC]]);
    await fc.assert(
      fc.asyncProperty(mutatedLines(TRADE_ROWS, 5), fc.nat({ max: 45 }), async (lines, stopAt) => {
        const k = n++;
        const text = lines.join("\n") + "\n";
        const plain = path.join(t.dir, `t${k}.jsonl`);
        const gz = path.join(t.dir, `t${k}.jsonl.gz`);
        writeFileSync(plain, text);
        writeFileSync(gz, gzipSync(text));
        const strict = await drainReport(streamTradeFile(plain, { symbols: [SPEC.symbol], instruments }));
        const strictGz = await drainReport(streamTradeFile(gz, { symbols: [SPEC.symbol], instruments }));
        expect([strictGz.n, strictGz.error?.code, strictGz.error?.line]).to.deep.equal([strict.n, strict.error?.code, strict.error?.line]);
        const report: LoadReport = newLoadReport(plain);
        const lenient = await drainReport(streamTradeFile(plain, { lenient: true, report, symbols: [SPEC.symbol], instruments, maxExamples: 1 }));
        expect(lenient.error, "lenient reads a plain file to the end").to.equal(undefined);
        expect(report.accepted + report.rejectedTotal, "nothing dropped").to.equal(report.lines);
        expect(report.lines + report.trailingBlank, "lines read = lines written (bounded work)").to.equal(lines.length);
        if (strict.error) expect(report.examples[0], "lenient saw the strict error first").to.include({ line: strict.error.line, code: strict.error.code });
        else expect(report.rejectedTotal).to.equal(0);
        // Early stop on the gzip file with the hash check on: only a GrinderError, never an unhandled event.
        await drainReport(streamTradeFile(gz, { lenient: true, expect: { rows: TRADE_ROWS.length, content_sha256: "0".repeat(64), manifest: "m.json" } }), stopAt || Infinity);
      }),
      params(111, 400),
    );
  });

  /** Importer report accounting: every physical line is a row, a refusal, the header or a counted blank. */
  function accounted(rep: { lines: number; emitted: number; rejectedTotal: number; counts: Record<string, number> }, written: string[]): void {
    let trailing = 0;
    for (let i = written.length - 1; i >= 0 && (written[i] === "" || written[i] === "\r"); i--) trailing++;
    expect(rep.lines, "lines read = lines written (bounded work)").to.equal(written.length);
    expect(rep.emitted + rep.rejectedTotal + (rep.counts.header ?? 0) + trailing, "nothing dropped").to.be.at.least(written.length - (rep.counts.blank_lines ?? 0));
    expect(rep.emitted + rep.rejectedTotal, "no line counted twice").to.be.at.most(written.length);
  }

  it("trades CSV importer input (trades and aggTrades)", async () => {
    const trades = ["id,price,qty,quote_qty,time,is_buyer_maker"];
    const agg: string[] = [];
    for (let i = 0; i < 30; i++) {
      trades.push(`${5266583935 + i},${(61800.3 + i * 0.1).toFixed(1)},0.006,370.8018,${T0 + i * 13},${i % 2 ? "true" : "false"}`);
      agg.push(`${7 + i},2683.80,0.0365,${10 + 2 * i},${11 + 2 * i},${T0 + i * 17},True,True`);
    }
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.boolean(), mutatedLines(trades, 4), mutatedLines(agg, 4), async (useAgg, tl, al) => {
        const lines = useAgg ? al : tl;
        const f = path.join(t.dir, `BTCUSDT-${useAgg ? "aggTrades" : "trades"}-${n++}.csv`);
        writeFileSync(f, lines.join("\n") + "\n");
        await importerAgree((lenient) => importTradesCsv(f, { lenient }));
        const imp = importTradesCsv(f, { lenient: true });
        const r = await drainReport(imp);
        if (!r.error) accounted(imp.report, lines);
      }),
      params(112, 300),
    );
  });

  it("bar importers: OHLCV CSV, bid/ask quote-bar pairs, Lean minute files", async () => {
    const ohlcv = ["timestamp,open,high,low,close,volume"];
    const bid = ["timestamp,open,high,low,close"];
    const ask = ["timestamp,open,high,low,close"];
    const leanQ: string[] = [];
    const leanT: string[] = [];
    for (let i = 0; i < 30; i++) {
      const ts = T0 + i * 60_000;
      const p = (1.57597 + i * 0.0001).toFixed(5);
      ohlcv.push(`${ts},${p},${(Number(p) + 0.0002).toFixed(5)},${(Number(p) - 0.0001).toFixed(5)},${p},12.5`);
      bid.push(`${new Date(ts).toISOString()},${p},${p},${p},${p}`);
      const a = (Number(p) + 0.0002).toFixed(5);
      ask.push(`${new Date(ts).toISOString()},${a},${a},${a},${a}`);
      leanQ.push(`${i * 60_000},416.15,416.15,416.15,416.15,0.34,416.16,416.16,416.16,416.16,47.8`);
      leanT.push(`${i * 60_000},6060,6060,6048.83,6049.68,6.72`);
    }
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("ohlcv", "pair", "lean-quote", "lean-trade"), mutatedLines(ohlcv, 4), mutatedLines(bid, 3), mutatedLines(ask, 3), mutatedLines(leanQ, 4), mutatedLines(leanT, 4), async (kind, o, b, a, lq, lt) => {
        const k = n++;
        if (kind === "ohlcv") {
          const f = path.join(t.dir, `ohlcv-${k}.csv`);
          writeFileSync(f, o.join("\n") + "\n");
          await importerAgree((lenient) => importOhlcvCsv(f, { symbol: "GBPUSD", interval_ms: 60_000, lenient }));
          const imp = importOhlcvCsv(f, { symbol: "GBPUSD", interval_ms: 60_000, lenient: true });
          if (!(await drainReport(imp)).error) accounted(imp.report, o);
        } else if (kind === "pair") {
          const bf = path.join(t.dir, `pair-${k}-bid.csv`);
          const af = path.join(t.dir, `pair-${k}-ask.csv`);
          writeFileSync(bf, b.join("\n") + "\n");
          writeFileSync(af, a.join("\n") + "\n");
          await importerAgree((lenient) => importQuoteBarPair(bf, af, { symbol: "GBPUSD", interval_ms: 60_000, lenient }));
        } else {
          const lines = kind === "lean-quote" ? lq : lt;
          const f = path.join(t.dir, `l${k}`, `20240101_ethusd_minute_${kind === "lean-quote" ? "quote" : "trade"}.csv`);
          mkdirSync(path.dirname(f), { recursive: true });
          writeFileSync(f, lines.join("\n") + "\n");
          await importerAgree((lenient) => importLeanMinute([f], { lenient }));
          const imp = importLeanMinute([f], { lenient: true });
          if (!(await drainReport(imp)).error) accounted(imp.report, lines);
        }
      }),
      params(113, 400),
    );
  });
});
