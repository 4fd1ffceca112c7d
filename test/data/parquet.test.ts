import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { DuckDBInstance } from "@duckdb/node-api";
import { ErrorCode } from "../../sdk/contracts/errors";
import { openFixture, streamFixture } from "../../sdk/data/fixture";
import { exportStoreToParquet, importParquetStore, PARQUET_META_KEY } from "../../sdk/data/parquet";
import { columnarSnapshots, openColumnarStore, writeColumnarStore } from "../../sdk/data/store";
import { PROJECT_ROOT } from "../../sdk/cli/fixtures-path";
import { rejection, tmpDir } from "./helpers";

/** Run SQL statements in a fresh in-memory DuckDB (the test's own way to write foreign Parquet files). */
async function sql(...stmts: string[]): Promise<void> {
  const inst = await DuckDBInstance.create(":memory:");
  const con = await inst.connect();
  try {
    for (const s of stmts) await con.run(s);
  } finally {
    con.closeSync();
    inst.closeSync();
  }
}

const T0 = 1_723_075_200_000; // 2024-08-08T00:00:00Z
const INST = { tick_size: 0.01, lot_size: 0.001, min_notional: 0 };

/**
 * A foreign quote file: `time` TIMESTAMP (µs), `bid`/`bid_size`/`ask`/`ask_size`, no symbol, rows
 * i = 0..n-1 at T0 + start + 250 ms·i; `bad` replaces row `bad.row` (1-based) with SQL values.
 */
async function foreign(file: string, n: number, start = 0, bad?: { row: number; bid?: string; ask?: string }): Promise<void> {
  const bid = bad?.bid ?? "round(100 + (i % 7) * 0.01, 2)";
  const ask = bad?.ask ?? "round(100.05 + (i % 7) * 0.01, 2)";
  const pick = (expr: string, dflt: string): string => (bad ? `CASE WHEN i = ${bad.row - 1} THEN ${expr} ELSE ${dflt} END` : dflt);
  await sql(
    `COPY (SELECT make_timestamp(CAST((${T0} + ${start} + 250 * i) * 1000 AS BIGINT)) AS time,
      ${pick(bid, "round(100 + (i % 7) * 0.01, 2)")} AS bid, 0.5 + (i % 3) * 0.001 AS bid_size,
      ${pick(ask, "round(100.05 + (i % 7) * 0.01, 2)")} AS ask, 0.25 AS ask_size
     FROM range(${n}) t(i) ORDER BY i) TO '${file}' (FORMAT parquet)`,
  );
}

describe("data: Parquet export and import of columnar stores (ADR-251)", function () {
  this.timeout(120_000);
  const t = tmpDir("grinder-parquet-");
  after(t.cleanup);

  it("a multi-symbol fixture → store → Parquet → store keeps the content hash; the export is byte-stable", async () => {
    const fx = openFixture("multisymbol_topk_l1");
    const st = path.join(t.dir, "multi");
    await writeColumnarStore(st, streamFixture(fx), { name: fx.manifest.name, instruments: fx.instruments.values() });
    const store = openColumnarStore(st);
    const a = await exportStoreToParquet(store, path.join(t.dir, "multi.parquet"));
    const b = await exportStoreToParquet(store, path.join(t.dir, "multi-again.parquet"));
    expect(a.sha256, "same store, same bytes").to.equal(b.sha256);
    expect(a.rows).to.equal(fx.manifest.rows);
    expect(readdirSync(t.dir).filter((f) => /stage|tmp/.test(f)), "no staging file left").to.deep.equal([]);
    const back = await importParquetStore([a.file], path.join(t.dir, "multi-back"));
    expect(back.instruments_from_metadata).to.equal(true);
    expect(back.manifest.symbols).to.deep.equal(store.manifest.symbols);
    expect(back.manifest.content_sha256).to.equal(fx.manifest.content_sha256);
    expect(back.metadata_content_sha256).to.equal(fx.manifest.content_sha256);
    expect(back.manifest.rows).to.equal(fx.manifest.rows);
    // the rows in stream order, symbols interleaved as in the fixture
    const first = [...columnarSnapshots(openColumnarStore(path.join(t.dir, "multi-back")))].slice(0, 6).map((s) => s.symbol);
    const orig = [...columnarSnapshots(store)].slice(0, 6).map((s) => s.symbol);
    expect(first).to.deep.equal(orig);
    expect(new Set(orig).size, "the first rows mix symbols").to.be.greaterThan(1);
  });

  it("the file is plain Parquet: DuckDB reads the columns, epoch-ms ts and the manifest metadata", async () => {
    const inst = await DuckDBInstance.create(":memory:");
    const con = await inst.connect();
    try {
      const f = path.join(t.dir, "multi.parquet");
      const cols = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${f}')`)).getRowObjects().map((r) => `${String(r.column_name)} ${String(r.column_type)}`);
      expect(cols).to.deep.equal(["symbol VARCHAR", "ts BIGINT", "bid_price DOUBLE", "bid_qty DOUBLE", "ask_price DOUBLE", "ask_qty DOUBLE", "last_price DOUBLE", "funding_rate DOUBLE"]);
      const n = (await con.runAndReadAll(`SELECT count(*)::INTEGER AS n, count(DISTINCT symbol)::INTEGER AS s FROM read_parquet('${f}')`)).getRowObjects()[0];
      const fx = openFixture("multisymbol_topk_l1");
      expect(n).to.deep.equal({ n: fx.manifest.rows, s: fx.instruments.size });
      const kv = (await con.runAndReadAll(`SELECT decode(value) AS v FROM parquet_kv_metadata('${f}') WHERE decode(key) = '${PARQUET_META_KEY}'`)).getRowObjects();
      expect(JSON.parse(String(kv[0].v)).content_sha256).to.equal(openFixture("multisymbol_topk_l1").manifest.content_sha256);
      // the fixture has last prices and no funding rates: the column is there, NULL on every row
      const nulls = (await con.runAndReadAll(`SELECT count(last_price)::INTEGER AS lp, count(funding_rate)::INTEGER AS fr FROM read_parquet('${f}')`)).getRowObjects()[0];
      expect(nulls.lp).to.be.greaterThan(0);
      expect(nulls.fr).to.equal(0);
    } finally {
      con.closeSync();
      inst.closeSync();
    }
  });

  it("imports foreign files with a column mapping: TIMESTAMP or numeric µs times, several files as one stream", async () => {
    const f1 = path.join(t.dir, "q1.parquet");
    const f2 = path.join(t.dir, "q2.parquet");
    await foreign(f1, 1000);
    await foreign(f2, 500, 250_000);
    const columns = { ts: "time", bid_price: "bid", bid_qty: "bid_size", ask_price: "ask", ask_qty: "ask_size" };
    const r = await importParquetStore([f1, f2], path.join(t.dir, "foreign"), { columns, symbol: "ABC-USD", instrument: INST });
    expect(r.manifest.rows).to.equal(1500);
    expect(r.files.map((x) => x.rows)).to.deep.equal([1000, 500]);
    expect(r.manifest.symbols).to.deep.equal([{ symbol: "ABC-USD", ...INST }]);
    expect((r.manifest.provenance as { sources: unknown[] }).sources).to.have.length(2);
    const rows = [...columnarSnapshots(openColumnarStore(path.join(t.dir, "foreign")))];
    expect(rows[0]).to.deep.include({ ts: T0, symbol: "ABC-USD", bid_price: 100, bid_qty: 0.5, ask_price: 100.05, ask_qty: 0.25 });
    expect(rows[1001]).to.deep.include({ ts: T0 + 250_000 + 250, bid_price: 100.01, bid_qty: 0.501 });
    // the same times as integer microseconds
    const us = path.join(t.dir, "q-us.parquet");
    await sql(`COPY (SELECT epoch_us(time) AS t_us, bid, bid_size, ask, ask_size FROM read_parquet('${f1}')) TO '${us}' (FORMAT parquet)`);
    const u = await importParquetStore([us], path.join(t.dir, "foreign-us"), { columns: { ...columns, ts: "t_us" }, ts_unit: "us", symbol: "ABC-USD", instrument: INST });
    const one = await importParquetStore([f1], path.join(t.dir, "foreign-one"), { columns, symbol: "ABC-USD", instrument: INST });
    expect(u.manifest.content_sha256).to.equal(one.manifest.content_sha256);
    // a symbol column: the given tick/lot for every symbol found; a symbol without an instrument is refused at its row
    const two = path.join(t.dir, "two.parquet");
    await sql(`COPY (SELECT CASE WHEN row_number() OVER (ORDER BY time) % 3 = 0 THEN 'B_2' ELSE 'A-1' END AS sym, * FROM read_parquet('${f1}') ORDER BY time) TO '${two}' (FORMAT parquet)`);
    const m = await importParquetStore([two], path.join(t.dir, "two"), { columns: { ...columns, symbol: "sym" }, instrument: INST });
    expect(m.manifest.symbols.map((x) => x.symbol)).to.deep.equal(["A-1", "B_2"]);
    expect(m.manifest.rows).to.equal(1000);
    const back = [...columnarSnapshots(openColumnarStore(path.join(t.dir, "two")))].slice(0, 4).map((x) => x.symbol);
    expect(back).to.deep.equal(["A-1", "A-1", "B_2", "A-1"]);
    const e = await rejection(importParquetStore([two], path.join(t.dir, "two-x"), { columns: { ...columns, symbol: "sym" }, instruments: [{ symbol: "A-1", ...INST }] }));
    expect([e.code, e.line, e.field]).to.deep.equal([ErrorCode.UNKNOWN_SYMBOL, 3, "sym"]);
    expect(e.message).to.include("'B_2'");
  });

  it("refuses bad rows and files with file, row and the file's column", async () => {
    const columns = { ts: "time", bid_price: "bid", bid_qty: "bid_size", ask_price: "ask", ask_qty: "ask_size" };
    const o = { columns, symbol: "ABC", instrument: INST };
    const good = path.join(t.dir, "good.parquet");
    await foreign(good, 10);
    const cases: Array<{ name: string; bad: { row: number; bid?: string; ask?: string }; code: ErrorCode; field: string }> = [
      { name: "null", bad: { row: 3, bid: "NULL" }, code: ErrorCode.BAD_NUMBER, field: "bid" },
      { name: "crossed", bad: { row: 4, bid: "101.0" }, code: ErrorCode.CROSSED_BOOK, field: "bid" },
      { name: "offgrid", bad: { row: 5, ask: "100.055" }, code: ErrorCode.OFF_GRID, field: "ask" },
    ];
    for (const c of cases) {
      const f = path.join(t.dir, `bad-${c.name}.parquet`);
      await foreign(f, 10, 10_000, c.bad);
      const e = await rejection(importParquetStore([good, f], path.join(t.dir, `out-${c.name}`), o));
      expect([e.code, e.file, e.line, e.field], c.name).to.deep.equal([c.code, f, c.bad.row, c.field]);
      expect(existsSync(path.join(t.dir, `out-${c.name}`)), "nothing written").to.equal(false);
    }
    // the second file starts before the first ends
    const early = path.join(t.dir, "early.parquet");
    await foreign(early, 10, 1000);
    const back = await rejection(importParquetStore([good, early], path.join(t.dir, "out-early"), o));
    expect([back.code, back.file, back.line, back.field]).to.deep.equal([ErrorCode.TIME_BACKWARDS, early, 1, "time"]);
    // a price column of strings, a missing column, no instrument, not Parquet, no file
    const str = path.join(t.dir, "str.parquet");
    await sql(`COPY (SELECT time, CAST(bid AS VARCHAR) AS bid, bid_size, ask, ask_size FROM read_parquet('${good}')) TO '${str}' (FORMAT parquet)`);
    const e1 = await rejection(importParquetStore([str], path.join(t.dir, "o1"), o));
    expect([e1.code, e1.file, e1.field]).to.deep.equal([ErrorCode.BAD_TYPE, str, "bid"]);
    const e2 = await rejection(importParquetStore([good], path.join(t.dir, "o2"), { ...o, columns: { ...columns, ask_qty: "size" } }));
    expect([e2.code, e2.field]).to.deep.equal([ErrorCode.MISSING_FIELD, "size"]);
    expect(e2.message).to.include("columns: time, bid, bid_size, ask, ask_size");
    const e3 = await rejection(importParquetStore([good], path.join(t.dir, "o3"), { columns, symbol: "ABC" }));
    expect([e3.code, e3.field]).to.deep.equal([ErrorCode.INVALID_ARGUMENT, "instrument"]);
    const notPq = path.join(PROJECT_ROOT, "package.json");
    const e4 = await rejection(importParquetStore([notPq], path.join(t.dir, "o4"), o));
    expect([e4.code, e4.file]).to.deep.equal([ErrorCode.PARSE, notPq]);
    const e5 = await rejection(importParquetStore([path.join(t.dir, "none.parquet")], path.join(t.dir, "o5"), o));
    expect(e5.code).to.equal(ErrorCode.IO);
  });

  it("an export whose rows were changed is refused by its own metadata hash; nothing is replaced without force", async () => {
    const st = path.join(t.dir, "range");
    const fx = openFixture("range_day_l1");
    await writeColumnarStore(st, streamFixture(fx), { name: fx.manifest.name, instruments: fx.instruments.values() });
    const f = path.join(t.dir, "range.parquet");
    await exportStoreToParquet(openColumnarStore(st), f);
    const ex = await rejection(exportStoreToParquet(openColumnarStore(st), f));
    expect([ex.code, ex.file]).to.deep.equal([ErrorCode.REFUSED, f]);
    // one bid quantity changed, the metadata copied over as a rewriting tool would keep it
    const meta = (await (async () => {
      const inst = await DuckDBInstance.create(":memory:");
      const con = await inst.connect();
      const v = (await con.runAndReadAll(`SELECT decode(value) AS v FROM parquet_kv_metadata('${f}')`)).getRowObjects()[0].v;
      con.closeSync();
      inst.closeSync();
      return String(v);
    })()).replace(/'/g, "''");
    const edited = path.join(t.dir, "range-edited.parquet");
    await sql(`COPY (SELECT symbol, ts, bid_price, CASE WHEN ts = (SELECT min(ts) FROM read_parquet('${f}')) THEN bid_qty + 0.001 ELSE bid_qty END AS bid_qty, ask_price, ask_qty FROM read_parquet('${f}')) TO '${edited}' (FORMAT parquet, KV_METADATA {${PARQUET_META_KEY}: '${meta}'})`);
    const e = await rejection(importParquetStore([edited], path.join(t.dir, "range-edited")));
    expect([e.code, e.file]).to.deep.equal([ErrorCode.HASH_MISMATCH, edited]);
    expect(existsSync(path.join(t.dir, "range-edited")), "no store left").to.equal(false);
    await importParquetStore([f], path.join(t.dir, "range-back"));
    const again = await rejection(importParquetStore([f], path.join(t.dir, "range-back")));
    expect(again.code).to.equal(ErrorCode.REFUSED);
    const forced = await importParquetStore([f], path.join(t.dir, "range-back"), { force: true });
    expect(forced.manifest.content_sha256).to.equal(fx.manifest.content_sha256);
    // a tampered store partition is refused by the export's scan, and no file (nor staging file) is left
    const part = path.join(t.dir, "range-back", openColumnarStore(path.join(t.dir, "range-back")).manifest.partitions[0].file);
    const bytes = readFileSync(part);
    bytes[1000] ^= 0xff;
    writeFileSync(part, bytes);
    const tampered = await rejection(exportStoreToParquet(openColumnarStore(path.join(t.dir, "range-back")), path.join(t.dir, "tampered.parquet")));
    expect(tampered.code).to.equal(ErrorCode.HASH_MISMATCH);
    expect(readdirSync(t.dir).filter((x) => x.startsWith("tampered")), "nothing left").to.deep.equal([]);
  });

  it("date-partitioned export (ADR-256): one hive-style file per UTC date, byte-stable; the folder imports back to the content hash, one date to its rows; a store with trades exports its prints into trades/ and imports them back", async () => {
    // two symbols over four UTC dates
    const rows = [];
    for (let i = 0; i < 3000; i++) {
      const p = Math.round((100 + (i % 9) * 0.01) * 100) / 100;
      rows.push({ ts: T0 - 3_600_000 + i * 60_000, symbol: i % 3 === 0 ? "BBB_1" : "AAA-X", bid_price: p, bid_qty: 0.5, ask_price: Math.round((p + 0.02) * 100) / 100, ask_qty: 0.25 });
    }
    const insts = [{ symbol: "AAA-X", ...INST }, { symbol: "BBB_1", ...INST }];
    const st = path.join(t.dir, "dates-store");
    const m = await writeColumnarStore(st, rows, { name: "dates", instruments: insts });
    const out = path.join(t.dir, "dates-pq");
    const e1 = await exportStoreToParquet(openColumnarStore(st), out, { partitioned: true });
    expect(e1.files!.map((f) => f.file)).to.deep.equal(["date=2024-08-07/data_0.parquet", "date=2024-08-08/data_0.parquet", "date=2024-08-09/data_0.parquet", "date=2024-08-10/data_0.parquet"]);
    const e2 = await exportStoreToParquet(openColumnarStore(st), path.join(t.dir, "dates-pq2"), { partitioned: true });
    expect(e2.files!.map((f) => f.sha256)).to.deep.equal(e1.files!.map((f) => f.sha256));
    expect((await rejection(exportStoreToParquet(openColumnarStore(st), out, { partitioned: true }))).code).to.equal(ErrorCode.REFUSED);
    // DuckDB reads the folder as a hive dataset: the date from the path, rows per date
    const inst = await DuckDBInstance.create(":memory:");
    const con = await inst.connect();
    const per = (await con.runAndReadAll(`SELECT date, count(*)::INTEGER AS n FROM read_parquet('${out}/**/*.parquet', hive_partitioning = true) GROUP BY date ORDER BY date`)).getRowObjects();
    con.closeSync();
    inst.closeSync();
    expect(per.map((r) => [String(r.date), r.n])).to.deep.equal([["2024-08-07", 60], ["2024-08-08", 1440], ["2024-08-09", 1440], ["2024-08-10", 60]]);
    const all = await importParquetStore([out], path.join(t.dir, "dates-back"));
    expect(all.manifest.content_sha256).to.equal(m.content_sha256);
    expect(all.metadata_content_sha256).to.equal(m.content_sha256);
    expect(all.instruments_from_metadata).to.equal(true);
    const one = await importParquetStore([path.join(out, "date=2024-08-08")], path.join(t.dir, "dates-one"));
    expect(one.manifest.rows).to.equal(1440);
    expect(one.metadata_content_sha256).to.equal(null); // part of the export: no claim to check
    // the dates out of order are refused (time order), naming the file
    const back = await rejection(importParquetStore([path.join(out, "date=2024-08-09"), path.join(out, "date=2024-08-08")], path.join(t.dir, "dates-bad")));
    expect(back.code).to.equal(ErrorCode.TIME_BACKWARDS);
    expect(back.file).to.equal(path.join(out, "date=2024-08-08", "data_0.parquet"));
    // a store with the fixture's trades: the prints go into the folder's trades/ (ADR-263) and come back
    const bin = path.join(PROJECT_ROOT, "bin", "grinder.js");
    const run = (...a: string[]) => spawnSync(process.execPath, [bin, ...a], { encoding: "utf8", cwd: PROJECT_ROOT });
    expect(run("store", "convert", "range_day_l1", "--out", path.join(t.dir, "rd-tr")).status).to.equal(0);
    const ex = run("store", "export-parquet", path.join(t.dir, "rd-tr"), "--out", path.join(t.dir, "rd-tr-pq"), "--partitioned");
    expect(ex.status, ex.stderr).to.equal(0);
    const tr = openFixture("range_day_l1").manifest.trades!;
    expect(ex.stdout).to.contain(`trades ${tr.rows} → 1 file in ${path.join(t.dir, "rd-tr-pq", "trades")}`);
    expect(ex.stdout).to.contain(`content sha256 ${tr.content_sha256}`);
    const im = run("store", "import-parquet", path.join(t.dir, "rd-tr-pq"), "--out", path.join(t.dir, "rd-tr-back"));
    expect(im.stdout).to.contain(`content sha256 ${openFixture("range_day_l1").manifest.content_sha256} = the export's`);
    expect(im.stdout).to.contain(`trades ${tr.rows} from 1 file; content sha256 ${tr.content_sha256} = the export's`);
  });

  it("CLI: store export-parquet / import-parquet print the hashes; bad input exits 2 with one line", () => {
    const bin = path.join(PROJECT_ROOT, "bin", "grinder.js");
    const run = (...a: string[]) => spawnSync(process.execPath, [bin, ...a], { encoding: "utf8", cwd: PROJECT_ROOT });
    const f = path.join(t.dir, "cli.parquet");
    const ex = run("store", "export-parquet", path.join(t.dir, "range"), "--out", f, "--compression", "snappy");
    expect(ex.status, ex.stderr).to.equal(0);
    expect(ex.stdout).to.match(/^✔ 86400 rows → .*file sha256 [0-9a-f]{64}; content sha256 [0-9a-f]{64}\n$/);
    const im = run("store", "import-parquet", f, "--out", path.join(t.dir, "cli-store"));
    expect(im.status, im.stderr).to.equal(0);
    expect(im.stdout).to.include("(from the export's metadata)");
    expect(im.stdout).to.include(`content sha256 ${openFixture("range_day_l1").manifest.content_sha256} = the export's`);
    const good = path.join(t.dir, "good.parquet");
    for (const args of [
      ["store", "import-parquet", good, "--out", path.join(t.dir, "cli-bad"), "--symbol", "ABC", "--tick", "0.01", "--lot", "0.001"],
      ["store", "import-parquet", good, "--out", path.join(t.dir, "cli-bad"), "--columns", "ts=time,bogus=bid", "--tick", "0.01", "--lot", "0.001"],
      ["store", "import-parquet", good, "--out", path.join(t.dir, "cli-bad"), "--tick", "0.01"],
      ["store", "export-parquet", path.join(t.dir, "range"), "--out", f],
      ["store", "export-parquet", path.join(t.dir, "range"), "--out", path.join(t.dir, "x.parquet"), "--compression", "lz5"],
    ]) {
      const r = run(...args);
      expect(r.status, `${args.join(" ")}: ${r.stderr}`).to.equal(2);
      expect(r.stderr.trim().split("\n"), r.stderr).to.have.length(1);
    }
    expect(readFileSync(f).subarray(0, 4).toString()).to.equal("PAR1");
  });
});
