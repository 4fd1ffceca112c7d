import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, renameSync, statSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { DuckDBInstance } from "@duckdb/node-api";
import { ErrorCode } from "../../sdk/contracts/errors";
import type { Snapshot, Trade } from "../../sdk/contracts/market";
import { openFixture, streamFixture, type Fixture } from "../../sdk/data/fixture";
import { streamFixtureTrades } from "../../sdk/data/trades";
import { exportStoreToParquet, importParquetStore, PARQUET_META_KEY, PARQUET_TRADES_META_KEY, parquetTradesFile } from "../../sdk/data/parquet";
import { columnarContentHash, columnarSnapshots, columnarTradesHash, openColumnarStore, storeTrades, writeColumnarStore, type ColumnarStore } from "../../sdk/data/store";
import { PROJECT_ROOT } from "../../sdk/cli/fixtures-path";
import { rejection, tmpDir } from "./helpers";

/** Rows of SQL over a fresh in-memory DuckDB. */
async function query(sql: string): Promise<Record<string, unknown>[]> {
  const inst = await DuckDBInstance.create(":memory:");
  const con = await inst.connect();
  try {
    return (await con.runAndReadAll(sql)).getRowObjects();
  } finally {
    con.closeSync();
    inst.closeSync();
  }
}

async function sql(stmt: string): Promise<void> {
  await query(stmt);
}

const bin = path.join(PROJECT_ROOT, "bin", "grinder.js");
const run = (...a: string[]) => spawnSync(process.execPath, [bin, ...a], { encoding: "utf8", cwd: PROJECT_ROOT });
const DATA = path.join(PROJECT_ROOT, "..", "shared", "data");

/** A fixture stored with its trades sidecar. */
async function storeOf(fx: Fixture, dir: string): Promise<ColumnarStore> {
  await writeColumnarStore(dir, streamFixture(fx), { name: fx.manifest.name, instruments: fx.instruments.values(), trades: streamFixtureTrades(fx) });
  return openColumnarStore(dir);
}

/** `file` rewritten without its metadata, `col` of row `row` (1-based) replaced by the SQL `expr`. */
async function edited(file: string, out: string, row: number, col: string, expr: string): Promise<string> {
  await sql(
    `COPY (SELECT * EXCLUDE (file_row_number) REPLACE (CASE WHEN file_row_number = ${row - 1} THEN ${expr} ELSE ${col} END AS ${col})
       FROM read_parquet('${file}', file_row_number = true) ORDER BY file_row_number) TO '${out}' (FORMAT parquet)`,
  );
  return out;
}

describe("data: Parquet export and import of L2 books and trade prints (ADR-263)", function () {
  this.timeout(300_000);
  const t = tmpDir("grinder-parquet-l2-");
  after(t.cleanup);

  for (const name of ["thin_book_l2", "impact_spike_l2"])
    it(`${name} (books and a trades sidecar) → store → Parquet → store keeps the content and trades hashes, rows and books, in both layouts; the export is byte-stable`, async () => {
      const fx = openFixture(name);
      const store = await storeOf(fx, path.join(t.dir, name));
      const tr = fx.manifest.trades!;
      const file = path.join(t.dir, `${name}.parquet`);
      const a = await exportStoreToParquet(store, file);
      expect(a.books, "every row of the fixture has a book").to.equal(fx.manifest.rows);
      expect(a.trades).to.deep.include({ file: parquetTradesFile(file), rows: tr.rows, content_sha256: tr.content_sha256 });
      expect(a.trades!.file).to.equal(path.join(t.dir, `${name}.trades.parquet`));
      const b = await exportStoreToParquet(store, path.join(t.dir, `${name}-again.parquet`));
      expect(b.sha256, "same store, same quote bytes").to.equal(a.sha256);
      expect(b.trades!.sha256, "same store, same trades bytes").to.equal(a.trades!.sha256);
      expect(readdirSync(t.dir).filter((f) => /stage|tmp-/.test(f)), "no staging file left").to.deep.equal([]);
      const back = await importParquetStore([file], path.join(t.dir, `${name}-back`));
      expect(back.manifest.content_sha256).to.equal(fx.manifest.content_sha256);
      expect(back.metadata_content_sha256).to.equal(fx.manifest.content_sha256);
      expect(back.books).to.equal(fx.manifest.rows);
      expect(back.trades).to.deep.include({ rows: tr.rows, content_sha256: tr.content_sha256 });
      expect(back.metadata_trades_sha256).to.equal(tr.content_sha256);
      const st = openColumnarStore(path.join(t.dir, `${name}-back`));
      expect(columnarContentHash(st), "recomputed from the imported columns").to.equal(fx.manifest.content_sha256);
      expect(columnarTradesHash(st)).to.equal(tr.content_sha256);
      // row for row, books included (a sample: the first rows, and every stale book)
      const orig: Snapshot[] = [...columnarSnapshots(store)];
      const got: Snapshot[] = [...columnarSnapshots(st)];
      expect(got.length).to.equal(orig.length);
      expect(got.slice(0, 50)).to.deep.equal(orig.slice(0, 50));
      expect(got.filter((s) => s.book?.stale !== undefined)).to.deep.equal(orig.filter((s) => s.book?.stale !== undefined));
      expect([...storeTrades(st)].slice(0, 100)).to.deep.equal([...storeTrades(store)].slice(0, 100) as Trade[]);
      // the date-partitioned layout: quotes per date, prints in trades/ per date
      const dir = path.join(t.dir, `${name}-pq`);
      const p = await exportStoreToParquet(store, dir, { partitioned: true });
      expect(p.files!.every((f) => /^date=\d{4}-\d{2}-\d{2}\/data_0\.parquet$/.test(f.file))).to.equal(true);
      expect(p.trades!.file).to.equal(path.join(dir, "trades"));
      expect(p.trades!.files!.map((f) => f.file)).to.deep.equal(p.files!.map((f) => f.file));
      const p2 = await exportStoreToParquet(store, path.join(t.dir, `${name}-pq2`), { partitioned: true });
      expect([p2.sha256, p2.trades!.sha256]).to.deep.equal([p.sha256, p.trades!.sha256]);
      const pb = await importParquetStore([dir], path.join(t.dir, `${name}-pq-back`));
      expect([pb.manifest.content_sha256, pb.trades?.content_sha256, pb.metadata_trades_sha256]).to.deep.equal([fx.manifest.content_sha256, tr.content_sha256, tr.content_sha256]);
      expect(pb.files.map((f) => path.relative(dir, f.file)), "trades/ is not read as quotes").to.deep.equal(p.files!.map((f) => f.file));
    });

  it("DuckDB reads the book list columns and the trades file directly", async () => {
    const f = path.join(t.dir, "thin_book_l2.parquet");
    const tf = parquetTradesFile(f);
    const cols = (await query(`DESCRIBE SELECT * FROM read_parquet('${f}')`)).map((r) => `${String(r.column_name)} ${String(r.column_type)}`);
    expect(cols.slice(8)).to.deep.equal(["book_ts BIGINT", "book_stale BOOLEAN", "book_bid_price DOUBLE[]", "book_bid_qty DOUBLE[]", "book_ask_price DOUBLE[]", "book_ask_qty DOUBLE[]"]);
    const store = openColumnarStore(path.join(t.dir, "thin_book_l2"));
    const first = columnarSnapshots(store).next().value as Snapshot;
    const r = (await query(`SELECT len(book_bid_price)::INTEGER AS n, book_bid_price[1] AS bb, book_ask_qty[len(book_ask_qty)] AS laq, book_ts::DOUBLE AS bts FROM read_parquet('${f}') LIMIT 1`))[0];
    expect(r).to.deep.equal({ n: first.book!.bids.length, bb: first.book!.bids[0].price, laq: first.book!.asks[first.book!.asks.length - 1].qty, bts: first.book!.ts });
    // every bid list strictly descends, its qty list is as long; stale flags: NULL where the book has none
    const agg = (await query(`SELECT count(*)::INTEGER AS rows, count(*) FILTER (WHERE list_sort(book_bid_price, 'DESC') <> book_bid_price OR len(book_bid_price) <> len(book_bid_qty))::INTEGER AS bad,
        count(book_stale)::INTEGER AS stale_set FROM read_parquet('${f}')`))[0];
    const staleSet = [...columnarSnapshots(store)].filter((s) => s.book?.stale !== undefined).length;
    expect(agg).to.deep.equal({ rows: 14400, bad: 0, stale_set: staleSet });
    expect(staleSet).to.be.greaterThan(0);
    const tcols = (await query(`DESCRIBE SELECT * FROM read_parquet('${tf}')`)).map((x) => `${String(x.column_name)} ${String(x.column_type)}`);
    expect(tcols).to.deep.equal(["ts BIGINT", "symbol VARCHAR", "price DOUBLE", "qty DOUBLE", "aggressor VARCHAR", "id BIGINT"]);
    const fx = openFixture("thin_book_l2");
    const sides = (await query(`SELECT aggressor, count(*)::INTEGER AS n FROM read_parquet('${tf}') GROUP BY 1 ORDER BY 1`)).map((x) => [x.aggressor, x.n]);
    let buy = 0;
    for await (const x of streamFixtureTrades(fx)) if (x.aggressor === "BUY") buy++;
    expect(sides).to.deep.equal([["BUY", buy], ["SELL", fx.manifest.trades!.rows - buy]]);
    const kv = async (file: string, key: string) => JSON.parse(String((await query(`SELECT decode(value) AS v FROM parquet_kv_metadata('${file}') WHERE decode(key) = '${key}'`))[0].v));
    expect((await kv(f, PARQUET_META_KEY)).trades).to.deep.equal({ rows: fx.manifest.trades!.rows, content_sha256: fx.manifest.trades!.content_sha256 });
    expect((await kv(f, PARQUET_META_KEY)).books).to.equal(14400);
    expect(await kv(tf, PARQUET_TRADES_META_KEY)).to.deep.include({ rows: fx.manifest.trades!.rows, content_sha256: fx.manifest.trades!.content_sha256 });
  });

  it("an L1 store's export is byte-identical to the one before books and prints (pinned), with no book columns", async () => {
    const fx = openFixture("range_day_l1");
    const st = path.join(t.dir, "range-l1");
    await writeColumnarStore(st, streamFixture(fx), { name: fx.manifest.name, instruments: fx.instruments.values() });
    const one = await exportStoreToParquet(openColumnarStore(st), path.join(t.dir, "range-l1.parquet"));
    const dates = await exportStoreToParquet(openColumnarStore(st), path.join(t.dir, "range-l1-pq"), { partitioned: true });
    // SHA-256 of the files the export wrote before ADR-263 (same store, same DuckDB)
    expect(one.sha256).to.equal("b6dc188bb545139bf87edb7fc165f511571043fef3c240bc4a193cac5a9708f3");
    expect(dates.sha256).to.equal("b00cc7c37d229e1238117c22427a55f236eaa8e996d82405ce276e2d89aac78e");
    expect([one.books, one.trades, dates.trades]).to.deep.equal([0, null, null]);
    expect(existsSync(parquetTradesFile(one.file))).to.equal(false);
    const cols = (await query(`DESCRIBE SELECT * FROM read_parquet('${one.file}')`)).map((r) => String(r.column_name));
    expect(cols).to.deep.equal(["symbol", "ts", "bid_price", "bid_qty", "ask_price", "ask_qty", "last_price", "funding_rate"]);
  });

  it("bad book rows are refused with the file, the row and the file's column; a column mapping names the mapped column", async () => {
    const f = path.join(t.dir, "thin_book_l2.parquet");
    const fx = openFixture("thin_book_l2");
    const instruments = [...fx.instruments.values()];
    const cases: Array<{ name: string; col: string; expr: string; code: ErrorCode; field: string; msg: RegExp }> = [
      { name: "crossed", col: "book_bid_price", expr: "list_concat([book_ask_price[1]], book_bid_price[2:])", code: ErrorCode.CROSSED_BOOK, field: "book_bid_price", msg: /crossed L2 book/ },
      { name: "unsorted", col: "book_ask_price", expr: "list_concat([book_ask_price[2], book_ask_price[1]], book_ask_price[3:])", code: ErrorCode.BOOK_ORDER, field: "book_ask_price", msg: /level 2: asks must strictly ascend/ },
      { name: "negative", col: "book_bid_qty", expr: "list_concat(book_bid_qty[1:2], [-book_bid_qty[3]], book_bid_qty[4:])", code: ErrorCode.BAD_NUMBER, field: "book_bid_qty", msg: /level 3: expected a positive finite number/ },
      { name: "unequal", col: "book_ask_qty", expr: "book_ask_qty[1:len(book_ask_qty) - 1]", code: ErrorCode.MISSING_FIELD, field: "book_ask_qty", msg: /book_ask_price has \d+ levels, book_ask_qty \d+/ },
      { name: "null-level", col: "book_ask_price", expr: "list_concat([NULL::DOUBLE], book_ask_price[2:])", code: ErrorCode.BAD_NUMBER, field: "book_ask_price", msg: /level 1: .*NaN/ },
      { name: "null-list", col: "book_bid_qty", expr: "NULL::DOUBLE[]", code: ErrorCode.MISSING_FIELD, field: "book_bid_qty", msg: /book_bid_qty is NULL where the row's other level lists are not/ },
      { name: "offgrid", col: "book_bid_price", expr: "list_concat(book_bid_price[1:1], [book_bid_price[2] - 0.0005], book_bid_price[3:])", code: ErrorCode.OFF_GRID, field: "book_bid_price", msg: /not a multiple of the tick size/ },
      { name: "book-ts-future", col: "book_ts", expr: "ts + 1", code: ErrorCode.BOOK_MISMATCH, field: "book_ts", msg: /after the row's ts/ },
    ];
    for (const c of cases) {
      const bad = await edited(f, path.join(t.dir, `bad-${c.name}.parquet`), 7, c.col, c.expr);
      const out = path.join(t.dir, `bad-${c.name}-store`);
      const e = await rejection(importParquetStore([bad], out, { instruments, trades: false }));
      expect([e.code, e.file, e.line, e.field], `${c.name}: ${e.message}`).to.deep.equal([c.code, bad, 7, c.field]);
      expect(e.detail, c.name).to.match(c.msg);
      expect(existsSync(out), "nothing written").to.equal(false);
    }
    // the book columns under other names: mapped, read back to the same content hash; a refusal names the file's column
    const renamed = path.join(t.dir, "renamed.parquet");
    await sql(`COPY (SELECT * RENAME (book_bid_price AS bids_px, book_bid_qty AS bids_sz, book_ask_price AS asks_px, book_ask_qty AS asks_sz, book_ts AS depth_time) FROM read_parquet('${f}')) TO '${renamed}' (FORMAT parquet)`);
    const columns = { book_bid_price: "bids_px", book_bid_qty: "bids_sz", book_ask_price: "asks_px", book_ask_qty: "asks_sz", book_ts: "depth_time" };
    const m = await importParquetStore([renamed], path.join(t.dir, "renamed-store"), { instruments, columns });
    expect([m.manifest.content_sha256, m.books, m.trades]).to.deep.equal([fx.manifest.content_sha256, 14400, null]);
    const crossed = await edited(renamed, path.join(t.dir, "renamed-crossed.parquet"), 3, "bids_px", "list_concat([asks_px[1]], bids_px[2:])");
    const e = await rejection(importParquetStore([crossed], path.join(t.dir, "renamed-bad"), { instruments, columns }));
    expect([e.code, e.line, e.field]).to.deep.equal([ErrorCode.CROSSED_BOOK, 3, "bids_px"]);
    // a mapping that names three of the four lists; a list column of strings
    const e2 = await rejection(importParquetStore([renamed], path.join(t.dir, "renamed-bad"), { instruments, columns: { ...columns, book_ask_qty: undefined } }));
    expect([e2.code, e2.field]).to.deep.equal([ErrorCode.MISSING_FIELD, "book_ask_qty"]);
    const strs = path.join(t.dir, "strs.parquet");
    await sql(`COPY (SELECT * REPLACE (CAST(book_ask_qty AS VARCHAR[]) AS book_ask_qty) FROM read_parquet('${f}')) TO '${strs}' (FORMAT parquet)`);
    const e3 = await rejection(importParquetStore([strs], path.join(t.dir, "strs-store"), { instruments }));
    expect([e3.code, e3.file, e3.field]).to.deep.equal([ErrorCode.BAD_TYPE, strs, "book_ask_qty"]);
  });

  it("prints: a missing trades file or folder is refused, --no-trades / trades: false imports the quotes alone, a changed trades file is refused by the export's hash, bad prints are refused with file, row and column; foreign trades files with a mapping", async () => {
    const fx = openFixture("thin_book_l2");
    const tr = fx.manifest.trades!;
    const f = path.join(t.dir, "thin_book_l2.parquet");
    const tf = parquetTradesFile(f);
    const hidden = `${tf}.away`;
    renameSync(tf, hidden);
    try {
      const e = await rejection(importParquetStore([f], path.join(t.dir, "no-trades")));
      expect([e.code, e.file, e.field]).to.deep.equal([ErrorCode.IO, tf, "trades"]);
      expect(e.detail).to.contain(`the export had ${tr.rows} trade prints`);
      expect(existsSync(path.join(t.dir, "no-trades"))).to.equal(false);
      const q = await importParquetStore([f], path.join(t.dir, "no-trades"), { trades: false });
      expect([q.manifest.content_sha256, q.trades, q.manifest.trades]).to.deep.equal([fx.manifest.content_sha256, null, undefined]);
      // the CLI: exit 2 with one line; --no-trades says so
      const cli = run("store", "import-parquet", f, "--out", path.join(t.dir, "no-trades-cli"));
      expect(cli.status, cli.stderr).to.equal(2);
      expect(cli.stderr.trim().split("\n")).to.have.length(1);
      expect(cli.stderr).to.contain("--no-trades");
      const ok = run("store", "import-parquet", f, "--out", path.join(t.dir, "no-trades-cli"), "--no-trades");
      expect(ok.status, ok.stderr).to.equal(0);
      expect(ok.stdout).to.contain("trades: not imported (--no-trades)");
      expect(openColumnarStore(path.join(t.dir, "no-trades-cli")).manifest.trades).to.equal(undefined);
    } finally {
      renameSync(hidden, tf);
    }
    // a partitioned export without its trades folder
    const dir = path.join(t.dir, "thin_book_l2-pq");
    renameSync(path.join(dir, "trades"), path.join(t.dir, "trades-away"));
    try {
      const e = await rejection(importParquetStore([dir], path.join(t.dir, "no-trades-pq")));
      expect([e.code, e.file]).to.deep.equal([ErrorCode.IO, path.join(dir, "trades")]);
    } finally {
      renameSync(path.join(t.dir, "trades-away"), path.join(dir, "trades"));
    }
    // one print changed, the metadata kept: the export's trades hash refuses it
    const meta = String((await query(`SELECT decode(value) AS v FROM parquet_kv_metadata('${tf}')`))[0].v).replace(/'/g, "''");
    const orig = `${tf}.orig`;
    renameSync(tf, orig);
    try {
      await sql(`COPY (SELECT * EXCLUDE (file_row_number) REPLACE (CASE WHEN file_row_number = 10 THEN qty * 2 ELSE qty END AS qty) FROM read_parquet('${orig}', file_row_number = true) ORDER BY file_row_number)
        TO '${tf}' (FORMAT parquet, KV_METADATA {${PARQUET_TRADES_META_KEY}: '${meta}'})`);
      const e = await rejection(importParquetStore([f], path.join(t.dir, "changed-trades")));
      expect([e.code, e.file, e.field]).to.deep.equal([ErrorCode.HASH_MISMATCH, tf, "trades"]);
      expect(existsSync(path.join(t.dir, "changed-trades"))).to.equal(false);
    } finally {
      renameSync(orig, tf);
    }
    // bad prints in given trades files: named by file, row and column
    const instruments = [...fx.instruments.values()];
    const bads: Array<{ name: string; col: string; expr: string; code: ErrorCode; field: string }> = [
      { name: "offgrid", col: "price", expr: "price + 0.0004", code: ErrorCode.OFF_GRID, field: "price" },
      { name: "side", col: "aggressor", expr: "'MAKER'", code: ErrorCode.BAD_TYPE, field: "aggressor" },
      { name: "null-id", col: "id", expr: "NULL::BIGINT", code: ErrorCode.BAD_NUMBER, field: "id" },
      { name: "back", col: "ts", expr: "ts - 3600000", code: ErrorCode.TIME_BACKWARDS, field: "ts" },
      { name: "symbol", col: "symbol", expr: "'OTHER'", code: ErrorCode.UNKNOWN_SYMBOL, field: "symbol" },
    ];
    for (const c of bads) {
      const bad = await edited(tf, path.join(t.dir, `bad-trades-${c.name}.parquet`), 12, c.col, c.expr);
      const e = await rejection(importParquetStore([f], path.join(t.dir, `bad-trades-${c.name}`), { instruments, tradesFiles: [bad] }));
      expect([e.code, e.file, e.line, e.field], `${c.name}: ${e.message}`).to.deep.equal([c.code, bad, 12, c.field]);
    }
    // a foreign trades file: other column names, lower-case sides, no symbol column (one instrument)
    const foreign = path.join(t.dir, "foreign-trades.parquet");
    await sql(`COPY (SELECT ts AS time, price AS px, qty AS size, lower(aggressor) AS side, id AS trade_id FROM read_parquet('${tf}')) TO '${foreign}' (FORMAT parquet)`);
    const g = await importParquetStore([f], path.join(t.dir, "foreign-trades"), { tradesFiles: [foreign], trade_columns: { ts: "time", price: "px", qty: "size", aggressor: "side", id: "trade_id" } });
    expect([g.trades?.rows, g.trades?.content_sha256, g.metadata_trades_sha256]).to.deep.equal([tr.rows, tr.content_sha256, null]);
    const cli = run("store", "import-parquet", f, "--out", path.join(t.dir, "foreign-cli"), "--trades", foreign, "--trade-columns", "ts=time,price=px,qty=size,aggressor=side,id=trade_id");
    expect(cli.status, cli.stderr).to.equal(0);
    expect(cli.stdout).to.contain(`trades ${tr.rows} from 1 file; content sha256 ${tr.content_sha256}\n`);
    const bad = run("store", "import-parquet", f, "--out", path.join(t.dir, "foreign-cli2"), "--trades", foreign, "--trade-columns", "ts=time,bogus=px");
    expect(bad.status).to.equal(2);
    expect(bad.stderr.trim().split("\n")).to.have.length(1);
  });

  it("CLI: export-parquet and import-parquet of an L2 store with prints print the books and trades counts and hashes; nothing replaced without --force", () => {
    const fx = openFixture("impact_spike_l2");
    const tr = fx.manifest.trades!;
    const out = path.join(t.dir, "cli-l2.parquet");
    const ex = run("store", "export-parquet", path.join(t.dir, "impact_spike_l2"), "--out", out);
    expect(ex.status, ex.stderr).to.equal(0);
    expect(ex.stdout).to.contain(`books: ${fx.manifest.rows} of the ${fx.manifest.rows} rows have an L2 book`);
    expect(ex.stdout).to.match(new RegExp(`trades ${tr.rows} → .*cli-l2\\.trades\\.parquet \\(\\d+ bytes\\); file sha256 [0-9a-f]{64}; content sha256 ${tr.content_sha256}\\n`));
    // the quote file gone, the trades file still there: refused without --force, replaced with it
    const q = path.join(t.dir, "cli-l2-moved.parquet");
    renameSync(out, q);
    const again = run("store", "export-parquet", path.join(t.dir, "impact_spike_l2"), "--out", out);
    expect(again.status).to.equal(2);
    expect(again.stderr).to.contain("trades file exists");
    expect(existsSync(out)).to.equal(false);
    const size = statSync(parquetTradesFile(out)).size;
    expect(run("store", "export-parquet", path.join(t.dir, "impact_spike_l2"), "--out", out, "--force").status).to.equal(0);
    expect(statSync(parquetTradesFile(out)).size).to.equal(size);
    const im = run("store", "import-parquet", out, "--out", path.join(t.dir, "cli-l2-back"));
    expect(im.status, im.stderr).to.equal(0);
    expect(im.stdout).to.contain(`content sha256 ${fx.manifest.content_sha256} = the export's`);
    expect(im.stdout).to.contain(`books: ${fx.manifest.rows} of the ${fx.manifest.rows} rows have an L2 book`);
    expect(im.stdout).to.contain(`trades ${tr.rows} from 1 file; content sha256 ${tr.content_sha256} = the export's`);
    const ver = run("store", "verify", path.join(t.dir, "cli-l2-back"));
    expect(ver.status, ver.stderr).to.equal(0);
    expect(ver.stdout).to.contain(`${tr.rows} trades (content ${tr.content_sha256})`);
  });

  it("real data: the spot ETHUSDT 2024-08-08 websocket recording → store → Parquet (one file and per date) → store, same content and trades hashes", () => {
    const imp = run("import", "binance-ws", path.join(DATA, "binance-spot", "ethusdt-2024-08-08-stream.txt"), "--out", path.join(t.dir, "eth-fx"));
    expect(imp.status, imp.stderr).to.equal(0);
    const conv = run("store", "convert", path.join(t.dir, "eth-fx"), "--out", path.join(t.dir, "eth-st"));
    expect(conv.status, conv.stderr).to.equal(0);
    const fxm = openFixture(path.join(t.dir, "eth-fx")).manifest;
    expect(fxm.rows).to.be.greaterThan(20_000);
    expect(fxm.trades!.rows).to.be.greaterThan(1000);
    for (const layout of [[], ["--partitioned"]]) {
      const out = path.join(t.dir, `eth${layout.length ? "-pq" : ".parquet"}`);
      const ex = run("store", "export-parquet", path.join(t.dir, "eth-st"), "--out", out, ...layout);
      expect(ex.status, ex.stderr).to.equal(0);
      expect(ex.stdout).to.contain(`content sha256 ${fxm.trades!.content_sha256}`);
      const back = path.join(t.dir, `eth-back${layout.length ? "-pq" : ""}`);
      const im = run("store", "import-parquet", out, "--out", back);
      expect(im.status, im.stderr).to.equal(0);
      expect(im.stdout).to.contain(`content sha256 ${fxm.content_sha256} = the export's`);
      expect(im.stdout).to.contain(`trades ${fxm.trades!.rows} from`);
      const st = openColumnarStore(back);
      expect([st.manifest.content_sha256, st.manifest.trades?.content_sha256]).to.deep.equal([fxm.content_sha256, fxm.trades!.content_sha256]);
      expect(columnarContentHash(st)).to.equal(fxm.content_sha256);
      expect(run("store", "verify", back).status).to.equal(0);
    }
    // the book levels compress: well under the store's partition bytes per row
    const bytes = statSync(path.join(t.dir, "eth.parquet")).size;
    expect(bytes / fxm.rows, "quote file bytes per row").to.be.below(40);
  });
});
