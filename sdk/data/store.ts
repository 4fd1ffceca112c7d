import { createHash } from "node:crypto";
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { Worker } from "node:worker_threads";
import * as path from "node:path";
import { float64, list, tableFromArrays, tableFromIPC, tableToIPC } from "@uwdata/flechette";
import { z } from "zod";
import { ErrorCode, GrinderError } from "../contracts/errors";
import { InstrumentSpecSchema, type Aggressor, type BookLevel, type InstrumentSpec, type OrderBook, type Snapshot, type Trade } from "../contracts/market";
import { checkedRows, checkGrid, validateSnapshotRow } from "./validate";
import { TradeChecker, tradeLine } from "./trades";
import { fromZodError } from "../contracts/zod";
import { sortKeysDeep } from "./fixture";
import { shortDecimal } from "../util/short-decimal";
import { asciiBytes, K_AP, K_AQ, K_BP, K_BQ, numText, snapshotLine, symbolJsonBytes, writeNumText } from "./line-bytes";

export { shortDecimal };
// the canonical line bytes shared with the bookTicker importer (a light module its worker thread loads, ADR-210)
export { K_AP, K_AQ, K_BP, K_BQ, symbolJsonBytes, writeNumText };

/**
 * Columnar L1 store (ADR-076): Arrow IPC files partitioned by symbol and UTC date
 * (`<SYMBOL>/<YYYY-MM-DD>.<part>.arrow`, at most `part_rows` rows each, record batches of
 * `batch_rows`), float64 columns `seq, ts, bid_price, bid_qty, ask_price, ask_qty, last_price,
 * funding_rate` (NaN = absent; `seq` is the row's index in the stream, so a multi-symbol
 * stream reads back in exactly its original order; version 2 leaves out the columns a partition
 * does not need, see `STORE_VERSION`), and `store.json`: instruments, partitions
 * with each file's SHA-256, row count and time range, and `content_sha256` = the SHA-256 of
 * the stream's canonical JSON lines — the same value a JSONL fixture of the same snapshots
 * carries, whatever the storage format. The loader checks every partition's hash before
 * decoding it (a mismatch is `E_HASH_MISMATCH`) and streams record batches as typed arrays.
 * L2 books (version 3, ADR-254): a partition with some row that has a `book` also holds
 * `book_flags`, `book_ts` and the four list columns `book_{bid,ask}_{price,qty}`, see `BOOK_COLS`.
 * The format name predates them and is kept, so that every earlier manifest still reads.
 */
export const STORE_FORMAT = "grinder-columnar-l1";
/**
 * The manifest version `writeColumnarStore` writes (ADR-235). Version 1 (ADR-076): every
 * partition holds the eight float64 columns. Version 2: a partition holds `ts, bid_price,
 * bid_qty, ask_price, ask_qty` always, `seq` only when its rows are not consecutive rows of the
 * stream (a one-symbol store never stores it: row i is `first_seq + i`), and `last_price` /
 * `funding_rate` only when some row of the partition has one — a bookTicker store is 40 bytes
 * per row instead of 64. Readers read both versions; readers older than version 2 refuse a
 * version-2 manifest by its schema instead of misreading it.
 */
export const STORE_VERSION = 2;
/**
 * The manifest version of a store whose stream has L2 books (ADR-254): its partitions with a book
 * row hold the book columns. A stream without books is written as `STORE_VERSION` (same bytes as
 * before); readers older than version 3 refuse a version-3 manifest by its schema.
 */
export const BOOK_STORE_VERSION = 3;
/**
 * The manifest version of a store some of whose book rows are stored as repeats (ADR-261): a row
 * whose levels equal the previous book row's of its record batch keeps its flags and book time
 * but no levels (flag `BOOK_REPEAT`). Real websocket imports repeat the book on most rows (their
 * bookTicker updates change L1 only): 91 % of the spot ETHUSDT import's. Readers of version 3
 * refuse it by its schema; a store without repeats is still written as version 3.
 */
export const REPEAT_BOOK_STORE_VERSION = 4;

const PartitionSchema = z
  .object({
    symbol: z.string(),
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    file: z.string(),
    rows: z.number().int().positive(),
    first_seq: z.number().int().nonnegative(),
    first_ts: z.number().int().nonnegative(),
    last_ts: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

/** A file of trade prints (ADR-255): all symbols of one UTC date, in stream order. */
const TradePartitionSchema = z
  .object({
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    file: z.string(),
    rows: z.number().int().positive(),
    first_ts: z.number().int().nonnegative(),
    last_ts: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

export const StoreManifestSchema = z
  .object({
    format: z.literal(STORE_FORMAT),
    version: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]),
    name: z.string().regex(/^[a-z0-9_\-.]+$/i),
    description: z.string(),
    symbols: z.array(InstrumentSpecSchema).min(1),
    rows: z.number().int().nonnegative(),
    content_sha256: z.string().regex(/^[0-9a-f]{64}$/),
    partitions: z.array(PartitionSchema),
    provenance: z.record(z.unknown()).optional(),
    /** The trade prints beside the snapshots (version 3, ADR-255). */
    trades: z
      .object({
        rows: z.number().int().nonnegative(),
        /** SHA-256 of the prints' canonical JSON lines: a fixture's `trades.content_sha256` of the same prints. */
        content_sha256: z.string().regex(/^[0-9a-f]{64}$/),
        partitions: z.array(TradePartitionSchema),
      })
      .strict()
      .optional(),
  })
  .strict();
export type StoreManifest = z.infer<typeof StoreManifestSchema>;
type Part = StoreManifest["partitions"][number];

const COLS = ["seq", "ts", "bid_price", "bid_qty", "ask_price", "ask_qty", "last_price", "funding_rate"] as const;
/** The columns every version-2 partition holds (the others are optional, ADR-235). */
const V2_REQUIRED = ["ts", "bid_price", "bid_qty", "ask_price", "ask_qty"] as const;
/**
 * The book columns of a version-3 partition (ADR-254), all six or none: `book_flags` NaN where the
 * row has no book, else bit 1 = the book has a `stale` key, bit 2 = its value is true;
 * `book_ts` NaN where the book has no `ts`; the level lists (float64, empty where no book), the
 * price and qty lists of a side of equal lengths on every row.
 */
const BOOK_COLS = ["book_flags", "book_ts", "book_bid_price", "book_bid_qty", "book_ask_price", "book_ask_qty"] as const;
const BOOK_HAS_STALE = 1;
const BOOK_STALE = 2;
/** Book flag (ADR-261): the row's levels are those of the previous book row of its record batch that stores levels (its own lists are empty). */
const BOOK_REPEAT = 4;
const SYMBOL_RE = /^[A-Za-z0-9_\-.]+$/;

const num = numText;

/**
 * The canonical JSON line of an L1 snapshot, built by hand (keys in code-unit order), equal to
 * `canonicalJson(s)` for every snapshot without a book (tested).
 */
export function l1Line(symJson: string, ts: number, bp: number, bq: number, ap: number, aq: number, lp: number, fr: number): string {
  return (
    `{"ask_price":${num(ap)},"ask_qty":${num(aq)},"bid_price":${num(bp)},"bid_qty":${num(bq)}` +
    (fr === fr ? `,"funding_rate":${num(fr)}` : "") +
    (lp === lp ? `,"last_price":${num(lp)}` : "") +
    `,"symbol":${symJson},"ts":${ts}}\n`
  );
}

/**
 * `l1Line` with each column's previous number → text kept (ADR-125): consecutive rows of a
 * quote stream mostly repeat prices and sizes, so most fields skip the number formatting.
 * Same text as `l1Line` for every row (tested).
 */
export class L1LineWriter {
  private v = new Float64Array(6).fill(NaN);
  private t: string[] = ["", "", "", "", "", ""];
  private f(k: number, x: number): string {
    if (x === this.v[k] && x === x) return this.t[k];
    const s = num(x);
    this.v[k] = x;
    this.t[k] = s;
    return s;
  }
  line(symJson: string, ts: number, bp: number, bq: number, ap: number, aq: number, lp: number, fr: number): string {
    return (
      `{"ask_price":${this.f(0, ap)},"ask_qty":${this.f(1, aq)},"bid_price":${this.f(2, bp)},"bid_qty":${this.f(3, bq)}` +
      (fr === fr ? `,"funding_rate":${this.f(4, fr)}` : "") +
      (lp === lp ? `,"last_price":${this.f(5, lp)}` : "") +
      `,"symbol":${symJson},"ts":${ts}}\n`
    );
  }
}

const ascii = asciiBytes;
const K_FR = ascii(',"funding_rate":');
const K_LP = ascii(',"last_price":');
/** Bytes per column in `L1LineBytes`: its key (≤ 16) and a number's text (≤ 25). */
const NUM_W = 64;


/**
 * `L1LineWriter` writing bytes (ADR-156): the canonical JSON lines of L1 rows go straight into
 * one reused byte buffer handed to `sink` when it fills (and by `flush`), without building a
 * string per row; each column keeps its previous number's text bytes, and an integer `ts`
 * is printed digit by digit. The bytes are the UTF-8 of `l1Line`'s text for every row (tested),
 * so the SHA-256 over them is the same content hash.
 */
export class L1LineBytes {
  private readonly out: Uint8Array;
  private n = 0;
  private readonly v = new Float64Array(6).fill(NaN);
  /** Per column: its key (`{"ask_price":`, `,"ask_qty":`, ...) followed by the text of its previous number (ADR-191: one copy per field). */
  private readonly txt = new Uint8Array(6 * NUM_W);
  private readonly len = new Int32Array(6);
  private readonly keyLen = new Int32Array(6);
  private readonly digits = new Uint8Array(24);
  /** `ts` printed as millions (cached: it changes every ~17 minutes) and six more digits. */
  private tsHi = -1;
  private readonly hiTxt = new Uint8Array(24);
  private hiLen = 0;
  constructor(
    private readonly sink: (bytes: Uint8Array) => void,
    private readonly size = 1 << 20,
  ) {
    this.out = new Uint8Array(size + 1024);
    [K_AP, K_AQ, K_BP, K_BQ, K_FR, K_LP].forEach((key, k) => {
      this.txt.set(key, k * NUM_W);
      this.keyLen[k] = key.length;
      this.len[k] = key.length;
    });
  }
  private put(b: Uint8Array): void {
    const o = this.out;
    let n = this.n;
    for (let i = 0; i < b.length; i++) o[n++] = b[i];
    this.n = n;
  }
  /** Write column `k`'s key and the text of `x`. */
  private num(k: number, x: number): void {
    const base = k * NUM_W;
    const t = this.txt;
    if (!(x === this.v[k] && x === x)) {
      const at = base + this.keyLen[k];
      const l = shortDecimal(x, t, at);
      if (l > 0) this.len[k] = this.keyLen[k] + l;
      else {
        const s = num(x);
        for (let i = 0; i < s.length; i++) t[at + i] = s.charCodeAt(i);
        this.len[k] = this.keyLen[k] + s.length;
      }
      this.v[k] = x;
    }
    const o = this.out;
    let n = this.n;
    const e = base + this.len[k];
    for (let i = base; i < e; i++) o[n++] = t[i];
    this.n = n;
  }
  private int(x: number): void {
    const o = this.out;
    if (!(x >= 0 && x <= Number.MAX_SAFE_INTEGER && Math.floor(x) === x)) {
      const s = `${x}`;
      for (let i = 0; i < s.length; i++) o[this.n++] = s.charCodeAt(i);
      return;
    }
    const hi = Math.floor(x / 1e6);
    let lo = x - hi * 1e6;
    let n = this.n;
    if (hi > 0) {
      if (hi !== this.tsHi) {
        const d = this.digits;
        let k = 0;
        let q = hi;
        do {
          const r = Math.floor(q / 10);
          d[k++] = 48 + (q - r * 10);
          q = r;
        } while (q > 0);
        for (let i = 0; i < k; i++) this.hiTxt[i] = d[k - 1 - i];
        this.hiLen = k;
        this.tsHi = hi;
      }
      const h = this.hiTxt;
      for (let i = 0; i < this.hiLen; i++) o[n++] = h[i];
      // six digits, zero-padded
      for (let i = 5; i >= 0; i--) {
        const r = Math.floor(lo / 10);
        o[n + i] = 48 + (lo - r * 10);
        lo = r;
      }
      this.n = n + 6;
      return;
    }
    const d = this.digits;
    let k = 0;
    do {
      const q = Math.floor(lo / 10);
      d[k++] = 48 + (lo - q * 10);
      lo = q;
    } while (lo > 0);
    while (k > 0) o[n++] = d[--k];
    this.n = n;
  }
  /** Append one row's line (`symJson`: `symbolJsonBytes(symbol)`). */
  line(symJson: Uint8Array, ts: number, bp: number, bq: number, ap: number, aq: number, lp: number, fr: number): void {
    if (this.n + 8 * NUM_W + 128 + symJson.length > this.out.length) {
      this.flush();
      if (8 * NUM_W + 128 + symJson.length > this.out.length) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "symbol name too long for a line", { field: "symbol" });
    }
    this.num(0, ap);
    this.num(1, aq);
    this.num(2, bp);
    this.num(3, bq);
    if (fr === fr) this.num(4, fr);
    if (lp === lp) this.num(5, lp);
    this.put(symJson);
    this.int(ts);
    this.out[this.n++] = 125; // }
    this.out[this.n++] = 10; // \n
    if (this.n >= this.size) this.flush();
  }
  /** Hand the buffered bytes to the sink (a view, valid during the call only). */
  flush(): void {
    if (this.n) this.sink(this.out.subarray(0, this.n));
    this.n = 0;
  }
}

/** True when column `k` of `b`'s buffered rows holds a value (not NaN) on some row. */
function hasValue(b: SymbolBuffer, k: number): boolean {
  const c = b.cols[k];
  for (let i = 0; i < b.n; i++) if (c[i] === c[i]) return true;
  return false;
}

/**
 * The indexes (into `COLS`) of the columns a partition of `b`'s buffered rows holds: all eight in
 * version 1; in version 2 (ADR-235) `seq` only when the rows are not consecutive in the stream
 * (seq strictly increases, so last − first = n − 1 means consecutive), the optional fields only
 * when some row has one.
 */
function partitionColumns(b: SymbolBuffer, version: 1 | 2): number[] {
  if (version === 1) return [0, 1, 2, 3, 4, 5, 6, 7];
  const out: number[] = [];
  if (b.cols[0][b.n - 1] - b.cols[0][0] !== b.n - 1) out.push(0);
  out.push(1, 2, 3, 4, 5);
  if (hasValue(b, 6)) out.push(6);
  if (hasValue(b, 7)) out.push(7);
  return out;
}

/** An Arrow IPC sink (flechette's `Sink` shape) that keeps the encoder's chunks in order; valid while the encoded columns are unchanged. */
class ChunkSink {
  readonly chunks: Uint8Array[] = [];
  write(bytes: Uint8Array): void {
    if (bytes.byteLength > 0) this.chunks.push(bytes);
  }
  pad(byteCount: number): void {
    if (byteCount > 0) this.chunks.push(new Uint8Array(byteCount));
  }
  finish(): Uint8Array | null {
    return null;
  }
}

function writeAllSync(fd: number, b: Uint8Array): void {
  let off = 0;
  while (off < b.byteLength) off += writeSync(fd, b, off, b.byteLength - off);
}

function utcDate(ts: number): string {
  const days = Math.floor(ts / 86_400_000);
  // civil-from-days (Howard Hinnant), no Date object needed
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

/** Move the finished folder `from` to `to`, replacing a folder there (moved aside first, removed after). */
export function moveFolderInto(from: string, to: string): void {
  if (existsSync(to)) {
    const old = `${to}.old-${process.pid}`;
    renameSync(to, old);
    renameSync(from, to);
    rmSync(old, { recursive: true, force: true });
  } else renameSync(from, to);
}

export interface StoreWriteOptions {
  name: string;
  instruments: Iterable<InstrumentSpec>;
  description?: string;
  provenance?: Record<string, unknown>;
  /** Replace an existing store folder (default: refuse). */
  force?: boolean;
  /** Rows per partition file (default 262 144: 16 MB of columns, the bound on what a reader holds at once). */
  part_rows?: number;
  /** Rows per record batch (default 65 536). */
  batch_rows?: number;
  /**
   * Manifest version to write (default `STORE_VERSION`, or `BOOK_STORE_VERSION` when some row has
   * a book, `REPEAT_BOOK_STORE_VERSION` when some book row repeats the previous one, ADR-261;
   * 1 = every partition with all eight columns, as before ADR-235; 1 and 2 refuse a book;
   * 3 writes every book row's levels, as before ADR-261).
   */
  version?: 1 | 2 | 3 | 4;
  /** The file the rows come from, named in a row's refusal with its line (e.g. a fixture's snapshots file). */
  source?: string;
  /**
   * Trade prints to store beside the snapshots (ADR-255; e.g. a fixture's sidecar,
   * `streamFixtureTrades`): one time-ordered stream of the declared symbols, checked as the
   * fixture's trade writer checks them; the store is then version 3.
   */
  trades?: AsyncIterable<Trade> | Iterable<Trade>;
  /** The file the trades come from, named in a refusal. */
  trades_source?: string;
}

/** `validateSnapshotRow` (when `row`) and `checkGrid` against the symbol's instrument (when its buffer asks), a refusal naming `file` and `line`. */
function checkRow(s: Snapshot, b: SymbolBuffer, row: boolean, file: string | undefined, line: number): void {
  try {
    if (row) validateSnapshotRow(s);
    if (b.gridCheck) checkGrid(s, b.spec);
  } catch (e) {
    throw e instanceof GrinderError ? e.at({ file, line }) : e;
  }
}

class SymbolBuffer {
  readonly cols: Float64Array[];
  n = 0;
  date = "";
  day = -1;
  part = 0;
  /** The buffered rows' books (ADR-254), from this symbol's first row with a book on. */
  book: BookBuffer | null = null;
  /** Whether this symbol's rows still need `checkGrid` here (false: the row stream checked them against the same tick and lot, ADR-257). */
  gridCheck = true;
  constructor(readonly symbol: string, readonly cap: number, readonly spec: InstrumentSpec) {
    this.cols = COLS.map(() => new Float64Array(cap));
  }
}

/** A growable float64 array. */
class Grow {
  a = new Float64Array(1024);
  n = 0;
  push(x: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = x;
  }
}

/** The book columns of a symbol's buffered rows (ADR-254): flags and ts per row, each side's levels flat with per-row offsets. */
class BookBuffer {
  readonly flags: Float64Array;
  readonly ts: Float64Array;
  /** `bidOff[i]`..`bidOff[i + 1]` are row i's bid levels in `bidPx` / `bidQty` (same for asks). */
  readonly bidOff: Int32Array;
  readonly askOff: Int32Array;
  readonly bidPx = new Grow();
  readonly bidQty = new Grow();
  readonly askPx = new Grow();
  readonly askQty = new Grow();
  /** Rows of the partition that have a book. */
  books = 0;
  /** Book rows stored as repeats of the previous one (ADR-261). */
  repeats = 0;
  /** The last buffered row whose levels are stored (-1: none yet in this partition). */
  private src = -1;
  /**
   * Rows already buffered have no book: flags NaN, empty lists (offsets 0). `batchRows` > 0: a
   * book row equal to the previous book row of its record batch (`batchRows` rows each, as the
   * partition is written) is stored as a repeat; 0: never.
   */
  constructor(cap: number, private readonly batchRows = 0) {
    this.flags = new Float64Array(cap).fill(NaN);
    this.ts = new Float64Array(cap).fill(NaN);
    this.bidOff = new Int32Array(cap + 1);
    this.askOff = new Int32Array(cap + 1);
  }
  /** Row `n` (the next row) with `book`, or without one. */
  row(n: number, book: OrderBook | undefined): void {
    if (book === undefined) {
      this.flags[n] = NaN;
      this.ts[n] = NaN;
    } else {
      const flags = (book.stale !== undefined ? BOOK_HAS_STALE : 0) | (book.stale === true ? BOOK_STALE : 0);
      this.ts[n] = book.ts ?? NaN;
      this.books++;
      // the levels a repeat stands for are those of the last stored book row of its record batch
      const src = this.src;
      if (this.batchRows > 0 && src >= 0 && Math.floor(src / this.batchRows) === Math.floor(n / this.batchRows) && this.sameLevels(src, book)) {
        this.flags[n] = flags | BOOK_REPEAT;
        this.repeats++;
        this.bidOff[n + 1] = this.bidPx.n;
        this.askOff[n + 1] = this.askPx.n;
        return;
      }
      this.flags[n] = flags;
      this.src = n;
      for (const l of book.bids) {
        this.bidPx.push(l.price);
        this.bidQty.push(l.qty);
      }
      for (const l of book.asks) {
        this.askPx.push(l.price);
        this.askQty.push(l.qty);
      }
    }
    this.bidOff[n + 1] = this.bidPx.n;
    this.askOff[n + 1] = this.askPx.n;
  }
  /** Whether `book`'s levels equal those stored for row `j` (same counts, prices and quantities; all positive, so `===` is exact). */
  private sameLevels(j: number, book: OrderBook): boolean {
    const eq = (lv: ReadonlyArray<BookLevel>, off: Int32Array, px: Grow, qty: Grow): boolean => {
      const a = off[j];
      if (off[j + 1] - a !== lv.length) return false;
      for (let i = 0; i < lv.length; i++) if (px.a[a + i] !== lv[i].price || qty.a[a + i] !== lv[i].qty) return false;
      return true;
    };
    return eq(book.bids, this.bidOff, this.bidPx, this.bidQty) && eq(book.asks, this.askOff, this.askPx, this.askQty);
  }
  /** Rows `n0`..`n0 + k` without a book. */
  none(n0: number, k: number): void {
    this.flags.fill(NaN, n0, n0 + k);
    this.ts.fill(NaN, n0, n0 + k);
    this.bidOff.fill(this.bidPx.n, n0 + 1, n0 + k + 1);
    this.askOff.fill(this.askPx.n, n0 + 1, n0 + k + 1);
  }
  /** The partition's book columns for its `n` rows (views), or null when none of them has a book. */
  columns(n: number): Record<string, Float64Array | Float64Array[]> | null {
    if (this.books === 0) return null;
    const lists = (off: Int32Array, g: Grow): Float64Array[] => {
      const out = new Array<Float64Array>(n);
      for (let i = 0; i < n; i++) out[i] = g.a.subarray(off[i], off[i + 1]);
      return out;
    };
    return {
      book_flags: this.flags.subarray(0, n), book_ts: this.ts.subarray(0, n),
      book_bid_price: lists(this.bidOff, this.bidPx), book_bid_qty: lists(this.bidOff, this.bidQty),
      book_ask_price: lists(this.askOff, this.askPx), book_ask_qty: lists(this.askOff, this.askQty),
    };
  }
  /** Empty, for the next partition. */
  reset(): void {
    this.books = 0;
    this.repeats = 0;
    this.src = -1;
    this.bidPx.n = this.bidQty.n = this.askPx.n = this.askQty.n = 0;
  }
}

const LIST_F64 = { book_bid_price: list(float64()), book_bid_qty: list(float64()), book_ask_price: list(float64()), book_ask_qty: list(float64()) };

/**
 * A stream of L1 rows as column batches (ADR-156): an importer that parses into columns offers
 * this next to its Snapshot iterator, and `writeColumnarStore` then copies columns instead of
 * going through one Snapshot per row. Batches come in stream order; each is valid only
 * during the callback. `last_price` / `funding_rate` absent = NaN for every row.
 */
export interface L1ColumnBatch {
  symbol: string;
  n: number;
  ts: Float64Array;
  bid_price: Float64Array;
  bid_qty: Float64Array;
  ask_price: Float64Array;
  ask_qty: Float64Array;
  last_price?: Float64Array;
  funding_rate?: Float64Array;
  /**
   * The canonical JSON lines of exactly these `n` rows, as `L1LineBytes` writes them for this
   * batch's symbol (ADR-192): a source that already holds each field's text (the bookTicker
   * parser) renders them while it scans, and the writer hashes these bytes instead of printing
   * the numbers again. Only without `last_price` / `funding_rate`.
   */
  lines?: Uint8Array;
}
export interface L1ColumnSource {
  l1Columns(onBatch: (b: L1ColumnBatch) => void): Promise<void>;
}

function isColumnSource(x: unknown): x is L1ColumnSource {
  return typeof (x as Partial<L1ColumnSource>).l1Columns === "function";
}

/**
 * Write a snapshot stream into a columnar store folder atomically (built in a sibling temp
 * folder, renamed into place; an existing folder is refused unless `force`). Every row is checked
 * as a fixture row is (ADR-257): declared symbol, non-decreasing ts, `validateSnapshotRow` (fields,
 * levels, order, not crossed; a book needs version 3, ADR-254) and the instrument's tick/lot grid
 * (`checkGrid`); a stream of the fixture loader, which checked its rows, is not checked twice. A
 * source that also offers `l1Columns` (e.g. `importBookTickerCsv`) is read as column batches: same
 * store, same hashes; a column source checks its own rows (the importers do).
 */
export async function writeColumnarStore(dir: string, source: AsyncIterable<Snapshot> | Iterable<Snapshot> | L1ColumnSource, opts: StoreWriteOptions): Promise<StoreManifest> {
  const out = path.resolve(dir);
  if (existsSync(out) && !opts.force) throw new GrinderError(ErrorCode.REFUSED, "store folder exists (use --force to replace it)", { file: out });
  const instruments = [...opts.instruments].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  for (const i of instruments)
    if (!SYMBOL_RE.test(i.symbol)) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `symbol '${i.symbol}' cannot name a partition folder (letters, digits, _ - . only)`, { field: "symbol" });
  const partRows = opts.part_rows ?? 1 << 18;
  const batchRows = opts.batch_rows ?? 1 << 16;
  if (opts.version !== undefined && opts.version !== 1 && opts.version !== 2 && opts.version !== 3 && opts.version !== 4)
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `store version ${String(opts.version)} cannot be written (1, 2, 3 or 4)`, { field: "version" });
  // the partitions' layout: version 1's eight columns, else version 2's (plus the book columns where a partition has books)
  const version: 1 | 2 = opts.version === 1 ? 1 : 2;
  const booksAllowed = opts.version === undefined || opts.version === 3 || opts.version === 4;
  // repeated books stored as such (ADR-261) unless version 3 is asked for
  const repeats = opts.version !== 3;
  if (opts.trades !== undefined && !booksAllowed) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `a version-${version} store holds no trades (version 3 does)`, { field: "trades" });
  let books = false;
  let repeated = false;
  const tmp = `${out}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const bufs = new Map<string, SymbolBuffer>();
  const symJson = new Map<string, Uint8Array>();
  // rows of a stream the fixture loader checked are not checked twice (ADR-257); any other row is checked here
  const pre = isColumnSource(source) ? undefined : checkedRows(source as object);
  for (const i of instruments) {
    const sb = new SymbolBuffer(i.symbol, partRows, i);
    const g = pre?.grid?.get(i.symbol);
    if (g !== undefined && g.tick_size === i.tick_size && g.lot_size === i.lot_size) sb.gridCheck = false;
    bufs.set(i.symbol, sb);
    symJson.set(i.symbol, symbolJsonBytes(i.symbol));
  }
  const hash = createHash("sha256");
  const lines = new L1LineBytes((b) => hash.update(b));
  const partitions: StoreManifest["partitions"] = [];
  let seq = 0;
  let lastTs = -Infinity;
  const flush = (b: SymbolBuffer): void => {
    if (b.n === 0) return;
    const data: Record<string, Float64Array | Float64Array[]> = Object.fromEntries(partitionColumns(b, version).map((k) => [COLS[k], b.cols[k].subarray(0, b.n)]));
    const bookCols = b.book !== null ? b.book.columns(b.n) : null;
    if (b.book !== null && b.book.repeats > 0) repeated = true;
    if (bookCols !== null) Object.assign(data, bookCols);
    // Float64Array columns without a declared type: flechette makes float64 record batches as
    // views of the arrays (no per-value builder); the IPC bytes are identical to those of the
    // builder path with `float64()` declared (ADR-191, tested), so partition hashes are unchanged.
    // the IPC bytes as flechette's chunks (views of the columns, headers, padding), hashed and
    // written one by one: the same bytes as its one-buffer result, without a copy into a new
    // buffer per partition (ADR-236)
    const sink = new ChunkSink();
    tableToIPC(tableFromArrays(data, { maxBatchRows: batchRows, ...(bookCols !== null ? { types: LIST_F64 } : {}) }), { format: "file", sink });
    const rel = `${b.symbol}/${b.date}.${b.part}.arrow`;
    mkdirSync(path.join(tmp, b.symbol), { recursive: true });
    const ph = createHash("sha256");
    const fd = openSync(path.join(tmp, rel), "w");
    try {
      for (const c of sink.chunks) {
        ph.update(c);
        writeAllSync(fd, c);
      }
    } finally {
      closeSync(fd);
    }
    partitions.push({
      symbol: b.symbol, date: b.date, file: rel, rows: b.n, first_seq: b.cols[0][0], first_ts: b.cols[1][0], last_ts: b.cols[1][b.n - 1],
      sha256: ph.digest("hex"),
    });
    b.part++;
    b.n = 0;
    b.book?.reset();
  };
  /** The buffer of `b` ready for a row at `ts` (a new UTC day or a full buffer flushes first). */
  const roll = (b: SymbolBuffer, ts: number): void => {
    const day = Math.floor(ts / 86_400_000);
    if (day !== b.day) {
      flush(b);
      if (b.day !== day) b.part = 0;
      b.day = day;
      b.date = utcDate(ts);
    } else if (b.n === b.cap) flush(b);
  };

  try {
    const handle = (s: Snapshot): void => {
      const b = bufs.get(s.symbol);
      if (b === undefined) throw new GrinderError(ErrorCode.UNKNOWN_SYMBOL, `symbol '${s.symbol}' not declared`, { file: opts.source, line: seq + 1, field: "symbol" });
      if (s.ts < lastTs) throw new GrinderError(ErrorCode.TIME_BACKWARDS, `ts ${s.ts} before ${lastTs}`, { file: opts.source, line: seq + 1, field: "ts" });
      const book = s.book;
      if (book !== undefined && !booksAllowed)
        throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `a version-${version} store holds L1 snapshots only (this row has a book; version 3 holds books)`, { file: opts.source, line: seq + 1, field: "book" });
      // every row as a fixture row is checked (ADR-257; before, L1 rows only for symbol and time order)
      if (pre === undefined || b.gridCheck) checkRow(s, b, pre === undefined, opts.source, seq + 1);
      lastTs = s.ts;
      roll(b, s.ts);
      const n = b.n++;
      if (book !== undefined) {
        books = true;
        (b.book ??= new BookBuffer(b.cap, repeats ? batchRows : 0)).row(n, book);
      } else if (b.book !== null) b.book.row(n, undefined);
      const c = b.cols;
      const lp = s.last_price ?? NaN;
      const fr = s.funding_rate ?? NaN;
      c[0][n] = seq++;
      c[1][n] = s.ts;
      c[2][n] = s.bid_price;
      c[3][n] = s.bid_qty;
      c[4][n] = s.ask_price;
      c[5][n] = s.ask_qty;
      c[6][n] = lp;
      c[7][n] = fr;
      if (book === undefined) lines.line(symJson.get(s.symbol)!, s.ts, s.bid_price, s.bid_qty, s.ask_price, s.ask_qty, lp, fr);
      else {
        // a book row's line is the fixture writer's (canonicalJson), after the buffered L1 lines
        lines.flush();
        hash.update(snapshotLine(s));
      }
    };
    const handleBatch = (x: L1ColumnBatch): void => {
      const b = bufs.get(x.symbol);
      if (b === undefined) throw new GrinderError(ErrorCode.UNKNOWN_SYMBOL, `symbol '${x.symbol}' not declared`, { file: opts.source, line: seq + 1, field: "symbol" });
      const sj = symJson.get(x.symbol)!;
      const { ts, bid_price: bp, bid_qty: bq, ask_price: ap, ask_qty: aq } = x;
      const lpc = x.last_price, frc = x.funding_rate;
      const c = b.cols;
      const own = x.lines === undefined || lpc !== undefined || frc !== undefined;
      const cSeq = c[0], cTs = c[1], cBp = c[2], cBq = c[3], cAp = c[4], cAq = c[5], cLp = c[6], cFr = c[7];
      if (!own) {
        // rows arrive with their lines: copy runs of rows (same UTC day, room in the buffer, ts
        // non-decreasing) column by column; the rolls and refusals happen at the same rows as below
        let i = 0;
        while (i < x.n) {
          const t0 = ts[i];
          if (t0 < lastTs) throw new GrinderError(ErrorCode.TIME_BACKWARDS, `ts ${t0} before ${lastTs}`, { file: opts.source, line: seq + 1, field: "ts" });
          if (b.n === b.cap || Math.floor(t0 / 86_400_000) !== b.day) roll(b, t0);
          const dayEnd = (b.day + 1) * 86_400_000;
          const lim = Math.min(x.n, i + (b.cap - b.n));
          let prev = t0;
          let j = i + 1;
          for (; j < lim; j++) {
            const t = ts[j];
            if (t < prev || t >= dayEnd) break;
            prev = t;
          }
          const n0 = b.n;
          const k = j - i;
          cTs.set(ts.subarray(i, j), n0);
          cBp.set(bp.subarray(i, j), n0);
          cBq.set(bq.subarray(i, j), n0);
          cAp.set(ap.subarray(i, j), n0);
          cAq.set(aq.subarray(i, j), n0);
          cLp.fill(NaN, n0, n0 + k);
          cFr.fill(NaN, n0, n0 + k);
          b.book?.none(n0, k);
          for (let q = 0; q < k; q++) cSeq[n0 + q] = seq + q;
          seq += k;
          b.n += k;
          lastTs = prev;
          i = j;
        }
        // the source's own rendering of the same lines (ADR-192): one hash update per batch
        lines.flush();
        hash.update(x.lines!);
        return;
      }
      for (let i = 0; i < x.n; i++) {
        const t = ts[i];
        if (t < lastTs) throw new GrinderError(ErrorCode.TIME_BACKWARDS, `ts ${t} before ${lastTs}`, { file: opts.source, line: seq + 1, field: "ts" });
        lastTs = t;
        if (b.n === b.cap || Math.floor(t / 86_400_000) !== b.day) roll(b, t);
        const n = b.n++;
        const lp = lpc ? lpc[i] : NaN;
        const fr = frc ? frc[i] : NaN;
        cSeq[n] = seq++;
        cTs[n] = t;
        cBp[n] = bp[i];
        cBq[n] = bq[i];
        cAp[n] = ap[i];
        cAq[n] = aq[i];
        cLp[n] = lp;
        cFr[n] = fr;
        b.book?.row(n, undefined);
        lines.line(sj, t, bp[i], bq[i], ap[i], aq[i], lp, fr);
      }
    };
    if (isColumnSource(source)) await source.l1Columns(handleBatch);
    else if (Symbol.iterator in (source as object)) for (const s of source as Iterable<Snapshot>) handle(s);
    else for await (const s of source as AsyncIterable<Snapshot>) handle(s);
    for (const b of bufs.values()) flush(b);
    lines.flush();
    const trades = opts.trades !== undefined ? await writeTradePartitions(tmp, opts.trades, instruments, batchRows, opts.trades_source) : undefined;
    partitions.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.first_seq - b.first_seq));
    const manifest: StoreManifest = {
      format: STORE_FORMAT, version: repeated ? REPEAT_BOOK_STORE_VERSION : books || trades !== undefined ? BOOK_STORE_VERSION : version, name: opts.name, description: opts.description ?? "", symbols: instruments, rows: seq,
      content_sha256: hash.digest("hex"), partitions, ...(opts.provenance ? { provenance: opts.provenance } : {}), ...(trades !== undefined ? { trades } : {}),
    };
    const parsed = StoreManifestSchema.safeParse(manifest);
    if (!parsed.success) throw fromZodError(parsed.error, "store manifest");
    writeFileSync(path.join(tmp, "store.json"), JSON.stringify(sortKeysDeep(manifest), null, 2) + "\n");
    moveFolderInto(tmp, out);
    return manifest;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** The columns of a trades partition (ADR-255), float64: `sym` indexes the manifest's symbols, `aggressor` 0 = BUY, 1 = SELL. */
const TRADE_COLS = ["ts", "sym", "price", "qty", "aggressor", "id"] as const;
const AGGRESSORS: readonly Aggressor[] = ["BUY", "SELL"];

/**
 * Write a trade stream as partitions `trades/<YYYY-MM-DD>.<part>.arrow` (all symbols of a UTC date,
 * in stream order) into the staging folder `tmp`; each print checked as `TradeWriter` checks it
 * (row, declared symbol, tick/lot grid, time order, gap), a refusal naming `source` and its line.
 * Returns the manifest's `trades` block: rows, the content hash of the prints' canonical lines
 * (a fixture sidecar's `content_sha256` of the same prints), partitions.
 */
async function writeTradePartitions(tmp: string, trades: AsyncIterable<Trade> | Iterable<Trade>, instruments: readonly InstrumentSpec[], batchRows: number, source: string | undefined): Promise<NonNullable<StoreManifest["trades"]>> {
  const cap = 1 << 16;
  const cols = TRADE_COLS.map(() => new Float64Array(cap));
  const symIx = new Map(instruments.map((i, k) => [i.symbol, k]));
  const checker = new TradeChecker(source, new Set(symIx.keys()), new Map(instruments.map((i) => [i.symbol, i])));
  const hash = new LineHash();
  const partitions: NonNullable<StoreManifest["trades"]>["partitions"] = [];
  let n = 0, day = -1, date = "", part = 0;
  const flush = (): void => {
    if (n === 0) return;
    const data = Object.fromEntries(TRADE_COLS.map((c, k) => [c, cols[k].subarray(0, n)]));
    const bytes = tableToIPC(tableFromArrays(data, { maxBatchRows: batchRows }), { format: "file" })!;
    const rel = `trades/${date}.${part}.arrow`;
    mkdirSync(path.join(tmp, "trades"), { recursive: true });
    writeFileSync(path.join(tmp, rel), bytes);
    partitions.push({ date, file: rel, rows: n, first_ts: cols[0][0], last_ts: cols[0][n - 1], sha256: createHash("sha256").update(bytes).digest("hex") });
    part++;
    n = 0;
  };
  const one = (t: Trade): void => {
    checker.check(t);
    const d = Math.floor(t.ts / 86_400_000);
    if (d !== day) {
      flush();
      part = 0;
      day = d;
      date = utcDate(t.ts);
    } else if (n === cap) flush();
    cols[0][n] = t.ts;
    cols[1][n] = symIx.get(t.symbol)!;
    cols[2][n] = t.price;
    cols[3][n] = t.qty;
    cols[4][n] = t.aggressor === "BUY" ? 0 : 1;
    cols[5][n] = t.id;
    n++;
    hash.add(tradeLine(t));
  };
  if (Symbol.iterator in (trades as object)) for (const t of trades as Iterable<Trade>) one(t);
  else for await (const t of trades as AsyncIterable<Trade>) one(t);
  flush();
  return { rows: checker.rows, content_sha256: hash.digest(), partitions };
}

/** SHA-256 of text lines added one by one, hashed in batches of about 64 KB. */
class LineHash {
  private readonly h = createHash("sha256");
  private pending = "";
  add(line: string): void {
    this.pending += line;
    if (this.pending.length > 1 << 16) {
      this.h.update(this.pending);
      this.pending = "";
    }
  }
  digest(): string {
    this.h.update(this.pending);
    return this.h.digest("hex");
  }
}

/**
 * The store's trade prints in stream order (ADR-255; empty without a trades block): each partition
 * read, its SHA-256 checked against the manifest before it is decoded, its columns checked; a new
 * `Trade` per print. The row count is checked when the stream ends.
 */
export function* storeTrades(store: ColumnarStore, opts: { fromTs?: number } = {}): Generator<Trade> {
  const tr = store.manifest.trades;
  if (tr === undefined) return;
  const syms = store.instruments.map((i) => i.symbol);
  // from a data time (ADR-258): partitions that end before it are not read (the prints before it in the first one read are yielded)
  const from = opts.fromTs ?? -Infinity;
  const parts = tr.partitions.filter((p) => !(p.last_ts < from));
  const count = (ps: typeof parts): number => ps.reduce((a, p) => a + p.rows, 0);
  if (count(tr.partitions) !== tr.rows)
    throw new GrinderError(ErrorCode.HASH_MISMATCH, `the trades partitions hold ${count(tr.partitions)} rows, the manifest says ${tr.rows}`, { file: path.join(store.dir, "store.json"), field: "trades.rows" });
  const want = count(parts);
  let rows = 0;
  for (const p of parts) {
    const file = path.join(store.dir, p.file);
    const t = ipcTable(readChecked(file, p.sha256, "trades partition"), file, p.rows, "trades partition");
    const names = t.schema.fields.map((f) => f.name);
    for (const c of names) if (!(TRADE_COLS as readonly string[]).includes(c)) throw new GrinderError(ErrorCode.IO, `trades partition column '${c}' is not a trades column`, { file, field: c });
    const data = TRADE_COLS.map((c) => {
      if (!names.includes(c)) throw new GrinderError(ErrorCode.IO, `trades partition has no column '${c}'`, { file, field: c });
      return t.getChild(c).data;
    });
    const tsData = data[0];
    const nB = tsData.length;
    if (nB) checkRange(tsData[0].values[0] as number | undefined, tsData[nB - 1].values[tsData[nB - 1].length - 1] as number | undefined, p, file, "trades partition");
    for (let b = 0; b < data[0].length; b++) {
      const v = data.map((d, k) => {
        const x = d[b]?.values;
        if (!(x instanceof Float64Array) || x.length !== data[0][b].length) throw new GrinderError(ErrorCode.IO, `trades partition column '${TRADE_COLS[k]}' is not float64`, { file, field: TRADE_COLS[k] });
        return x;
      });
      const [ts, sym, price, qty, agg, id] = v;
      for (let i = 0; i < ts.length; i++) {
        const symbol = syms[sym[i]];
        const aggressor = AGGRESSORS[agg[i]];
        if (symbol === undefined || aggressor === undefined)
          throw new GrinderError(ErrorCode.IO, `trades partition row ${i} of batch ${b}: ${symbol === undefined ? `symbol index ${sym[i]}` : `aggressor ${agg[i]}`} is not one of the store's`, { file, field: symbol === undefined ? "sym" : "aggressor" });
        rows++;
        yield { ts: ts[i], symbol, price: price[i], qty: qty[i], aggressor, id: id[i] };
      }
    }
  }
  if (rows !== want) throw new GrinderError(ErrorCode.HASH_MISMATCH, `store yielded ${rows} trades, the manifest says ${want}${want === tr.rows ? "" : " in the partitions read"}`, { file: path.join(store.dir, "store.json"), field: "trades.rows" });
}

/** SHA-256 of the canonical JSON lines of a store's trade prints (equals a fixture sidecar's `content_sha256` of the same prints); null without trades. */
export function columnarTradesHash(store: ColumnarStore): string | null {
  if (store.manifest.trades === undefined) return null;
  const h = new LineHash();
  for (const t of storeTrades(store)) h.add(tradeLine(t));
  return h.digest();
}

export interface ColumnarStore {
  dir: string;
  manifest: StoreManifest;
  instruments: InstrumentSpec[];
}

/** The store folder `arg` names: itself, or the folder of a `store.json` given as the path (ADR-248). */
function storeDir(arg: string): string {
  return path.basename(arg) === "store.json" && existsSync(arg) ? path.dirname(arg) : arg;
}

/** True when `dir` holds a columnar store (`store.json`), or is a store's `store.json`. */
export function isColumnarStore(dir: string): boolean {
  return existsSync(path.join(storeDir(dir), "store.json"));
}

export function openColumnarStore(arg: string): ColumnarStore {
  const dir = storeDir(arg);
  const file = path.join(dir, "store.json");
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new GrinderError(ErrorCode.IO, `cannot read store manifest: ${(e as Error).message}`, { file });
  }
  const r = StoreManifestSchema.safeParse(raw);
  if (!r.success) throw fromZodError(r.error, "store manifest").at({ file });
  // each symbol's partitions (and the trades files) in time order (ADR-262): what pruning by a data time relies on
  const lastOf = new Map<string, number>();
  const ordered = (key: string, p: { first_ts: number; last_ts: number }, k: number, list: string): void => {
    const prev = lastOf.get(key) ?? -Infinity;
    if (p.last_ts < p.first_ts || p.first_ts < prev)
      throw new GrinderError(ErrorCode.PARSE, `${list}[${k}] spans ts ${p.first_ts}..${p.last_ts}${p.first_ts < prev ? `, before the previous ${key === "\0trades" ? "trades" : `'${key}'`} partition's end ${prev}` : ""}: partitions must be in time order`, { file, field: `${list}[${k}]` });
    lastOf.set(key, p.last_ts);
  };
  r.data.partitions.forEach((p, k) => ordered(p.symbol, p, k, "partitions"));
  r.data.trades?.partitions.forEach((p, k) => ordered("\0trades", p, k, "trades.partitions"));
  return { dir: path.resolve(dir), manifest: r.data, instruments: r.data.symbols };
}

/**
 * One partition's columns, one record batch at a time. `seq` is null when the partition does
 * not store it (version 2, ADR-235): row i of the batch is then row `first_seq + i` of the
 * stream. `last_price` / `funding_rate` are null when the partition does not store them (no row
 * has one); a stored column has NaN where a row has none.
 */
export interface ColumnBatch {
  symbol: string;
  length: number;
  /** The stream index of the batch's first row. */
  first_seq: number;
  seq: Float64Array | null;
  ts: Float64Array;
  bid_price: Float64Array;
  bid_qty: Float64Array;
  ask_price: Float64Array;
  ask_qty: Float64Array;
  last_price: Float64Array | null;
  funding_rate: Float64Array | null;
  /** The batch's book columns (version 3, ADR-254), null when its partition stores none. */
  book: BookBatch | null;
}

/**
 * The book columns of a record batch (ADR-254): row i has a book iff `flags[i]` is not NaN; its
 * bids are levels `bidOff[r]`..`bidOff[r + 1]` of `bidPx` / `bidQty` with r = `src[i]` (i when
 * `src` is null), its asks likewise.
 */
export interface BookBatch {
  flags: Float64Array;
  ts: Float64Array;
  bidOff: Int32Array;
  bidPx: Float64Array;
  bidQty: Float64Array;
  askOff: Int32Array;
  askPx: Float64Array;
  askQty: Float64Array;
  /** Per row, the row whose levels it has (ADR-261: a repeat's are an earlier row's); null when no row of the batch repeats. */
  src: Int32Array | null;
}

/** `s.book` = row `i`'s book (a new object: the engine and the fill models may keep a book's levels), or absent where the row has none. */
function setBook(s: Snapshot, k: BookBatch, i: number): void {
  const f = k.flags[i];
  if (f !== f) {
    if (s.book !== undefined) delete s.book;
    return;
  }
  const r = k.src !== null ? k.src[i] : i;
  const side = (off: Int32Array, px: Float64Array, qty: Float64Array): BookLevel[] => {
    const a = off[r], e = off[r + 1];
    const out = new Array<BookLevel>(e - a);
    for (let j = a; j < e; j++) out[j - a] = { price: px[j], qty: qty[j] };
    return out;
  };
  const b: OrderBook = { bids: side(k.bidOff, k.bidPx, k.bidQty), asks: side(k.askOff, k.askPx, k.askQty) };
  const ts = k.ts[i];
  if (ts === ts) b.ts = ts;
  if (f & BOOK_HAS_STALE) b.stale = (f & BOOK_STALE) !== 0;
  s.book = b;
}

/** A read buffer reused from one partition to the next (the previous partition's batches must be done with). */
interface ReadBuffer {
  buf: Buffer;
}

function readInto(file: string, rb: ReadBuffer): Buffer {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    if (rb.buf.length < size) rb.buf = Buffer.allocUnsafeSlow(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, rb.buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return rb.buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

/**
 * Read a partition file, check its SHA-256 against the manifest, decode it. With `rb` the bytes
 * land in that reused buffer (ADR-125: a scan holds one partition's bytes per symbol, instead
 * of a fresh 16 MB buffer per partition waiting for a GC) and the batches are views of it.
 */
function readPartition(store: ColumnarStore, p: Part, rb?: ReadBuffer): ColumnBatch[] {
  const file = path.join(store.dir, p.file);
  return decodePartition(store, file, p, readChecked(file, p.sha256, "partition", rb));
}

/** A partition file's bytes (into `rb` when given), refused unless their SHA-256 is the manifest's. */
function readChecked(file: string, sha256: string, what: string, rb?: ReadBuffer): Buffer {
  let bytes: Buffer;
  try {
    bytes = rb ? readInto(file, rb) : readFileSync(file);
  } catch (e) {
    throw new GrinderError(ErrorCode.IO, `cannot read ${what}: ${(e as Error).message}`, { file });
  }
  const h = createHash("sha256").update(bytes).digest("hex");
  if (h !== sha256) throw new GrinderError(ErrorCode.HASH_MISMATCH, `${what} SHA-256 ${h} differs from the manifest's ${sha256}`, { file, field: "sha256" });
  return bytes;
}

/** The Arrow table of a (hash-checked) partition file's bytes, refused unless it has the manifest's row count. */
function ipcTable(bytes: Uint8Array, file: string, rows: number, what: string): ReturnType<typeof tableFromIPC> {
  let t: ReturnType<typeof tableFromIPC>;
  try {
    t = tableFromIPC(bytes);
  } catch (e) {
    throw new GrinderError(ErrorCode.IO, `not a readable Arrow IPC file: ${(e as Error).message}`, { file });
  }
  if (t.numRows !== rows) throw new GrinderError(ErrorCode.HASH_MISMATCH, `${what} has ${t.numRows} rows, the manifest says ${rows}`, { file, field: "rows" });
  return t;
}

/** Decode the (hash-checked) bytes of a partition into record batches (views of `bytes`). */
function decodePartition(store: ColumnarStore, file: string, p: Part, bytes: Uint8Array): ColumnBatch[] {
  const t = ipcTable(bytes, file, p.rows, "partition");
  // version 1: all eight columns; version 2: the five required, the others optional (ADR-235)
  const names = t.schema.fields.map((f) => f.name);
  const required: readonly string[] = store.manifest.version === 1 ? COLS : V2_REQUIRED;
  for (const c of required) if (!names.includes(c)) throw new GrinderError(ErrorCode.IO, `partition has no column '${c}'`, { file, field: c });
  // version 3 (ADR-254): the six book columns, all or none
  const known: readonly string[] = store.manifest.version >= BOOK_STORE_VERSION ? [...COLS, ...BOOK_COLS] : COLS;
  for (const c of names) if (!known.includes(c)) throw new GrinderError(ErrorCode.IO, `partition column '${c}' is not a store column`, { file, field: c });
  const hasBook = names.includes(BOOK_COLS[0]);
  if (hasBook) for (const c of BOOK_COLS) if (!names.includes(c)) throw new GrinderError(ErrorCode.IO, `partition has book columns but no column '${c}'`, { file, field: c });
  const cols = COLS.map((c) => (names.includes(c) ? t.getChild(c).data : null));
  const nb = cols[1]!.length;
  const out: ColumnBatch[] = [];
  let first = p.first_seq;
  for (let b = 0; b < nb; b++) {
    const v = cols.map((c, k) => {
      if (c === null) return null;
      const x = c[b]?.values;
      if (!(x instanceof Float64Array) || x.length !== c[b].length) throw new GrinderError(ErrorCode.IO, `partition column '${COLS[k]}' is not float64`, { file, field: COLS[k] });
      return x;
    });
    const n = v[1]!.length;
    for (let k = 0; k < v.length; k++) if (v[k] !== null && v[k]!.length !== n) throw new GrinderError(ErrorCode.IO, `partition column '${COLS[k]}' has ${v[k]!.length} rows in batch ${b}, not ${n}`, { file, field: COLS[k] });
    const seq = v[0];
    const book = hasBook ? bookBatch(t, b, n, file, store.manifest.version >= REPEAT_BOOK_STORE_VERSION) : null;
    out.push({ symbol: p.symbol, length: n, first_seq: seq !== null ? (n > 0 ? seq[0] : first) : first, seq, ts: v[1]!, bid_price: v[2]!, bid_qty: v[3]!, ask_price: v[4]!, ask_qty: v[5]!, last_price: v[6], funding_rate: v[7], book });
    first += n;
  }
  checkRange(out.length ? out[0].ts[0] : undefined, out.length ? out[out.length - 1].ts[out[out.length - 1].length - 1] : undefined, p, file, "partition");
  return out;
}

/**
 * A read partition's first and last time against the manifest's `first_ts` / `last_ts` (ADR-262):
 * the ranges a scan from a data time prunes by (ADR-258) are checked whenever a partition is read
 * (a replay, `store verify`), so a manifest whose ranges disagree with its (hash-checked) files is refused.
 */
function checkRange(first: number | undefined, last: number | undefined, p: { first_ts: number; last_ts: number }, file: string, what: string): void {
  if (first === undefined || last === undefined) return;
  if (first !== p.first_ts || last !== p.last_ts)
    throw new GrinderError(ErrorCode.HASH_MISMATCH, `${what} spans ts ${first}..${last}, the manifest says ${p.first_ts}..${p.last_ts}`, { file, field: first !== p.first_ts ? "first_ts" : "last_ts" });
}

/** Record batch `b`'s book columns (`n` rows), checked: float64 flags and ts, float64 lists, each side's price and qty lists of equal lengths. */
function bookBatch(t: ReturnType<typeof tableFromIPC>, b: number, n: number, file: string, repeatsAllowed: boolean): BookBatch {
  const scalar = (c: string): Float64Array => {
    const x = t.getChild(c).data[b]?.values;
    if (!(x instanceof Float64Array) || x.length !== n) throw new GrinderError(ErrorCode.IO, `partition column '${c}' is not float64 with ${n} rows in batch ${b}`, { file, field: c });
    return x;
  };
  const listOf = (c: string): { off: Int32Array; v: Float64Array } => {
    const d = t.getChild(c).data[b] as { offsets?: unknown; children?: { values?: unknown }[]; length: number } | undefined;
    const off = d?.offsets;
    const v = d?.children?.[0]?.values;
    if (d === undefined || d.length !== n || !(off instanceof Int32Array) || off.length < n + 1 || !(v instanceof Float64Array) || off[0] !== 0 || off[n] > v.length)
      throw new GrinderError(ErrorCode.IO, `partition column '${c}' is not a list of float64 with ${n} rows in batch ${b}`, { file, field: c });
    for (let i = 0; i < n; i++) if (off[i + 1] < off[i]) throw new GrinderError(ErrorCode.IO, `partition column '${c}' has decreasing list offsets in batch ${b}`, { file, field: c });
    return { off, v };
  };
  const bp = listOf("book_bid_price"), bq = listOf("book_bid_qty"), ap = listOf("book_ask_price"), aq = listOf("book_ask_qty");
  for (let i = 0; i <= n; i++) {
    if (bq.off[i] !== bp.off[i]) throw new GrinderError(ErrorCode.IO, `partition column 'book_bid_qty' has other list lengths than 'book_bid_price' in batch ${b}`, { file, field: "book_bid_qty" });
    if (aq.off[i] !== ap.off[i]) throw new GrinderError(ErrorCode.IO, `partition column 'book_ask_qty' has other list lengths than 'book_ask_price' in batch ${b}`, { file, field: "book_ask_qty" });
  }
  const flags = scalar("book_flags");
  // repeated books (ADR-261): each repeat row's levels are its batch's last stored book row's, its own lists empty
  let src: Int32Array | null = null;
  let last = -1;
  for (let i = 0; i < n; i++) {
    const f = flags[i];
    if (f !== f) continue;
    if ((f & BOOK_REPEAT) === 0) {
      last = i;
      if (src !== null) src[i] = i;
      continue;
    }
    if (!repeatsAllowed || last < 0 || bp.off[i + 1] !== bp.off[i] || ap.off[i + 1] !== ap.off[i])
      throw new GrinderError(ErrorCode.IO, `partition column 'book_flags' row ${i} of batch ${b} repeats a book ${!repeatsAllowed ? "in a store of a version without repeats" : last < 0 ? "with no book before it in its batch" : "but has levels of its own"}`, { file, field: "book_flags" });
    if (src === null) {
      src = new Int32Array(n);
      for (let k = 0; k < i; k++) src[k] = k;
    }
    src[i] = last;
  }
  return { flags, ts: scalar("book_ts"), bidOff: bp.off, bidPx: bp.v, bidQty: bq.v, askOff: ap.off, askPx: ap.v, askQty: aq.v, src };
}

/**
 * Read-ahead of partition files (ADR-155): a worker thread reads the next partition of each
 * symbol into one of two shared slots and checks its SHA-256 there, while the caller's thread
 * decodes and replays the current one. The caller waits (`Atomics.wait`) for a slot's verdict
 * before it touches the bytes, so nothing is decoded before its hash matched, as in
 * `readPartition`; any verdict other than "matched" (mismatch, unreadable, larger than the
 * slot) makes the caller re-read that partition synchronously through `readPartition`, which
 * raises the same typed error as without read-ahead. A slot goes back to the worker only when
 * the caller has moved past the partition whose batches are views of it.
 */
/**
 * The read-ahead workers' read of one partition file into a slot (source text, for both eval'd
 * workers): the verdict (1 matched, 2 hash mismatch, 3 unreadable, 4 larger than the slot) and
 * the bytes read. \`readPartition\` is the synchronous reference the callers fall back to.
 */
const READ_INTO_SLOT_JS = `
const fs = require("node:fs");
const crypto = require("node:crypto");
function readIntoSlot(file, buf, sha256) {
  let v = 1, size = 0;
  try {
    const fd = fs.openSync(file, "r");
    try {
      size = fs.fstatSync(fd).size;
      if (size > buf.length) v = 4;
      else {
        let off = 0;
        while (off < size) {
          const n = fs.readSync(fd, buf, off, size - off, off);
          if (n === 0) break;
          off += n;
        }
        size = off;
        if (crypto.createHash("sha256").update(buf.subarray(0, size)).digest("hex") !== sha256) v = 2;
      }
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    v = 3;
  }
  return [v, size];
}
`;

const PREFETCH_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
${READ_INTO_SLOT_JS}
const state = new Int32Array(workerData.state);
const slots = workerData.slots.map((b) => Buffer.from(b));
parentPort.on("message", (m) => {
  const [st, size] = readIntoSlot(m.file, slots[m.slot], m.sha256);
  Atomics.store(state, m.slot * 2 + 1, size);
  Atomics.store(state, m.slot * 2, st);
  Atomics.notify(state, m.slot * 2);
});
`;

/** Stores with fewer partition files than this are read synchronously (a worker's start-up costs more than it saves). */
export const PREFETCH_MIN_PARTITIONS = 2;

class Prefetcher {
  private readonly worker: Worker;
  private readonly state: Int32Array;
  private readonly slots: SharedArrayBuffer[];
  constructor(slotBytes: number[]) {
    this.slots = slotBytes.map((n) => new SharedArrayBuffer(n));
    this.state = new Int32Array(new SharedArrayBuffer(8 * slotBytes.length));
    this.worker = new Worker(PREFETCH_WORKER, { eval: true, workerData: { state: this.state.buffer, slots: this.slots } });
    this.worker.unref();
  }
  request(slot: number, file: string, sha256: string): void {
    Atomics.store(this.state, slot * 2, 0);
    this.worker.postMessage({ slot, file, sha256 });
  }
  /** Wait for a slot's verdict: the verified bytes, or null (the caller re-reads synchronously). */
  take(slot: number): Uint8Array | null {
    while (Atomics.load(this.state, slot * 2) === 0) Atomics.wait(this.state, slot * 2, 0, 1000);
    return Atomics.load(this.state, slot * 2) === 1 ? new Uint8Array(this.slots[slot], 0, Atomics.load(this.state, slot * 2 + 1)) : null;
  }
  close(): void {
    void this.worker.terminate();
  }
}

/**
 * One read-ahead for several scans of the same store (ADR-215): `grinder replay` replays the
 * adaptive grid on its thread and the static-grid baseline on a worker thread over the same
 * partitions, and each used to start its own read-ahead worker, so every partition was read and
 * SHA-256-checked twice. A `SharedReadAhead` starts ONE worker for `consumers` scans: the worker
 * reads partition k of a symbol into slot `slot0 + k % 2`, checks its hash there, and publishes
 * it (`loaded = k + 1`) with a reference count = the consumers still attached; each consumer
 * (one `scanColumnar(store, visit, { readAhead })` per thread, any thread: the handle is a plain
 * object of `SharedArrayBuffer`s that goes through `workerData`) waits for the verdict before it
 * decodes the bytes (its own views of the same shared bytes), and releases the slot when it has
 * moved past the partition; the worker refills a slot only when every attached consumer released
 * it. A verdict other than "matched" makes that consumer re-read the partition synchronously
 * through `readPartition`, so a mismatch is the same typed error after the same rows in every
 * layout. A consumer that ends (done, stopped early, failed) detaches: its share of every slot is
 * dropped, so the other never waits for it. A consumer that waits longer than
 * `READ_AHEAD_STALL_MS` for one partition (the other consumer died without detaching) detaches
 * and reads the rest synchronously: slower, same rows and checks.
 */
const SHARED_WORKER = `
const { workerData } = require("node:worker_threads");
${READ_INTO_SLOT_JS}
const st = new Int32Array(workerData.state);
const slots = workerData.slots.map((b) => Buffer.from(b));
const plan = workerData.plan;
const W = slots.length * 4, A = W + 1;
const next = plan.map(() => 0);
for (;;) {
  const w = Atomics.load(st, W);
  if (Atomics.load(st, A) === 0) break;
  let did = false, left = false;
  for (let s = 0; s < plan.length; s++) {
    const p = plan[s];
    const k = next[s];
    if (k >= p.files.length) continue;
    left = true;
    const slot = p.slot0 + (k & 1);
    if (Atomics.load(st, slot * 4 + 3) !== 0) continue;
    const [v, size] = readIntoSlot(p.files[k], slots[slot], p.sha256[k]);
    Atomics.store(st, slot * 4 + 1, v);
    Atomics.store(st, slot * 4 + 2, size);
    Atomics.store(st, slot * 4 + 3, Atomics.load(st, A));
    Atomics.and(st, slot * 4 + 3, Atomics.load(st, A));
    Atomics.store(st, slot * 4, k + 1);
    Atomics.notify(st, slot * 4);
    next[s] = k + 1;
    did = true;
  }
  if (!left) break;
  if (!did) Atomics.wait(st, W, w, 1000);
}
`;

/** How long a consumer of a shared read-ahead waits for one partition before it reads the rest itself. */
export const READ_AHEAD_STALL_MS = 30_000;

/**
 * A consumer's share of a `SharedReadAhead`, as it goes to a worker thread (`workerData`).
 * State: per slot `[loaded (partition index + 1), verdict, size, refs (bit mask)]`, then the
 * wake counter, the mask of attached consumers and the number of stalls (consumers that gave up waiting).
 */
export interface ReadAheadHandle {
  dir: string;
  content_sha256: string;
  partitions: number;
  state: SharedArrayBuffer;
  slots: SharedArrayBuffer[];
  slotOf: Record<string, number>;
  bit: number;
  /** `READ_AHEAD_STALL_MS` unless the creator chose another bound. */
  stall_ms: number;
  /** The scans' first data time (ADR-258): partitions that end before it are not read; -Infinity (or absent): all. */
  from_ts?: number;
}

/**
 * The partitions of `symbol` a scan from data time `fromTs` reads (ADR-258): all but those whose
 * last row is before it (a symbol's partitions are in time order, so the rest is a suffix).
 */
function partsFrom(store: ColumnarStore, symbol: string, fromTs: number): Part[] {
  return store.manifest.partitions.filter((p) => p.symbol === symbol && !(p.last_ts < fromTs));
}

/** Drop a consumer's share of every slot and wake the worker (idempotent; what a consumer that never scans must do). */
export function detachReadAhead(h: ReadAheadHandle): void {
  const st = new Int32Array(h.state);
  const n = h.slots.length;
  Atomics.and(st, n * 4 + 1, ~h.bit);
  for (let s = 0; s < n; s++) Atomics.and(st, s * 4 + 3, ~h.bit);
  Atomics.add(st, n * 4, 1);
  Atomics.notify(st, n * 4);
}

export class SharedReadAhead {
  private constructor(
    private readonly worker: Worker,
    private readonly handles: ReadAheadHandle[],
  ) {}
  /**
   * One read-ahead worker for `consumers` scans of `store` (at most 30), or null when the store
   * has fewer than `PREFETCH_MIN_PARTITIONS` files or no worker can start (each scan then reads
   * on its own, as before).
   */
  static start(store: ColumnarStore, consumers: number, opts: { stallMs?: number; fromTs?: number } = {}): SharedReadAhead | null {
    const parts = store.manifest.partitions;
    if (parts.length < PREFETCH_MIN_PARTITIONS || consumers < 1 || consumers > 30) return null;
    try {
      const sizes: number[] = [];
      const slotOf: Record<string, number> = {};
      const plan: Array<{ slot0: number; files: string[]; sha256: string[] }> = [];
      const fromTs = opts.fromTs ?? -Infinity;
      for (const i of store.instruments) {
        const mine = partsFrom(store, i.symbol, fromTs);
        let max = 0;
        for (const p of mine) max = Math.max(max, statSync(path.join(store.dir, p.file)).size);
        if (max === 0) continue;
        slotOf[i.symbol] = sizes.length;
        plan.push({ slot0: sizes.length, files: mine.map((p) => path.join(store.dir, p.file)), sha256: mine.map((p) => p.sha256) });
        sizes.push(max, max);
      }
      const slots = sizes.map((n) => new SharedArrayBuffer(n));
      const state = new SharedArrayBuffer(4 * (slots.length * 4 + 3));
      const all = (1 << consumers) - 1;
      new Int32Array(state)[slots.length * 4 + 1] = all;
      const handles: ReadAheadHandle[] = [];
      for (let c = 0; c < consumers; c++)
        handles.push({ dir: store.dir, content_sha256: store.manifest.content_sha256, partitions: parts.length, state, slots, slotOf, bit: 1 << c, stall_ms: opts.stallMs ?? READ_AHEAD_STALL_MS, from_ts: fromTs });
      const worker = new Worker(SHARED_WORKER, { eval: true, workerData: { state, slots, plan } });
      worker.unref();
      return new SharedReadAhead(worker, handles);
    } catch {
      return null;
    }
  }
  /** Consumer `i`'s handle (pass it to exactly one `scanColumnar`, or `detachReadAhead` it). */
  handle(i: number): ReadAheadHandle {
    return this.handles[i];
  }
  /** How many consumers gave up waiting (`stall_ms`) and read on by themselves. */
  stalls(): number {
    const h = this.handles[0];
    return Atomics.load(new Int32Array(h.state), h.slots.length * 4 + 2);
  }
  /** Stop the worker (a consumer failed and the others were stopped); a finished worker exits by itself. */
  close(): void {
    for (const h of this.handles) detachReadAhead(h);
    void this.worker.terminate();
  }
}

/** One consumer's side of a shared read-ahead (ADR-215). */
class ReadAheadConsumer {
  private readonly st: Int32Array;
  private abandoned = false;
  constructor(readonly h: ReadAheadHandle) {
    this.st = new Int32Array(h.state);
  }
  /** Attached: the handle is for this store and has not detached yet. */
  static attach(h: ReadAheadHandle, store: ColumnarStore, fromTs: number): ReadAheadConsumer | null {
    const c = new ReadAheadConsumer(h);
    // the worker reads the partitions of its own first data time: a scan from another one reads on its own
    const ok = h.dir === store.dir && h.content_sha256 === store.manifest.content_sha256 && h.partitions === store.manifest.partitions.length && (h.from_ts ?? -Infinity) === fromTs;
    if (!ok || (Atomics.load(c.st, h.slots.length * 4 + 1) & h.bit) === 0) {
      detachReadAhead(h);
      return null;
    }
    return c;
  }
  /** Partition `k`'s verified bytes in `slot`, or null (the caller reads it synchronously). */
  take(slot: number, k: number): Uint8Array | null {
    if (this.abandoned) return null;
    const st = this.st;
    let waited = 0;
    for (;;) {
      const v = Atomics.load(st, slot * 4);
      if (v === k + 1) break;
      if (waited >= this.h.stall_ms) {
        Atomics.add(st, this.h.slots.length * 4 + 2, 1);
        this.detach();
        return null;
      }
      Atomics.wait(st, slot * 4, v, 50);
      waited += 50;
    }
    return Atomics.load(st, slot * 4 + 1) === 1 ? new Uint8Array(this.h.slots[slot], 0, Atomics.load(st, slot * 4 + 2)) : null;
  }
  /** This consumer is past the partition in `slot`. */
  release(slot: number): void {
    if (this.abandoned) return;
    const st = this.st;
    Atomics.and(st, slot * 4 + 3, ~this.h.bit);
    Atomics.add(st, this.h.slots.length * 4, 1);
    Atomics.notify(st, this.h.slots.length * 4);
  }
  detach(): void {
    this.abandoned = true;
    detachReadAhead(this.h);
  }
}

/** `symbolBatchesReused` through a shared read-ahead: partition k in slot `slot0 + k % 2`. */
function* sharedBatches(store: ColumnarStore, symbol: string, c: ReadAheadConsumer, slot0: number, fromTs: number): Generator<ColumnBatch> {
  const parts = partsFrom(store, symbol, fromTs);
  const rb: ReadBuffer = { buf: Buffer.alloc(0) };
  for (let k = 0; k < parts.length; k++) {
    // partition k-1's batches are done with: the worker may refill its slot with partition k+1
    if (k > 0) c.release(slot0 + ((k - 1) & 1));
    const p = parts[k];
    const bytes = c.take(slot0 + (k & 1), k);
    const batches = bytes === null ? readPartition(store, p, rb) : decodePartition(store, path.join(store.dir, p.file), p, bytes);
    for (const b of batches) yield b;
  }
}

/**
 * The readers of one scan: for a store of several partition files, one `Prefetcher` with two
 * slots per symbol, each sized for that symbol's largest partition file.
 */
class ScanReader {
  readonly pre: Prefetcher | null = null;
  private readonly shared: ReadAheadConsumer | null = null;
  private readonly slotOf = new Map<string, number>();
  constructor(readonly store: ColumnarStore, prefetch: boolean, readAhead?: ReadAheadHandle, readonly fromTs = -Infinity) {
    const parts = store.manifest.partitions;
    if (readAhead) {
      this.shared = ReadAheadConsumer.attach(readAhead, store, fromTs);
      if (this.shared) return;
    }
    if (!prefetch || parts.length < PREFETCH_MIN_PARTITIONS) return;
    const sizes: number[] = [];
    try {
      for (const i of store.instruments) {
        let max = 0;
        for (const p of partsFrom(store, i.symbol, fromTs)) max = Math.max(max, statSync(path.join(store.dir, p.file)).size);
        if (max === 0) continue;
        this.slotOf.set(i.symbol, sizes.length);
        sizes.push(max, max);
      }
      this.pre = new Prefetcher(sizes);
    } catch {
      // a missing file, or no worker: synchronous reads (an error surfaces where its partition is read)
      this.pre = null;
    }
  }
  batches(symbol: string): Generator<ColumnBatch> {
    const from = this.fromTs;
    if (this.shared) {
      const s = this.shared.h.slotOf[symbol];
      return s === undefined ? symbolBatchesReused(this.store, symbol, from) : sharedBatches(this.store, symbol, this.shared, s, from);
    }
    const s = this.pre ? this.slotOf.get(symbol) : undefined;
    return s === undefined ? symbolBatchesReused(this.store, symbol, from) : prefetchedBatches(this.store, symbol, this.pre!, s, from);
  }
  close(): void {
    this.pre?.close();
    this.shared?.detach();
  }
}

/** `symbolBatchesReused` through the read-ahead worker: partition k in slot `slot0 + k % 2`. */
function* prefetchedBatches(store: ColumnarStore, symbol: string, pre: Prefetcher, slot0: number, fromTs: number): Generator<ColumnBatch> {
  const parts = partsFrom(store, symbol, fromTs);
  const ask = (k: number): void => {
    if (k < parts.length) pre.request(slot0 + (k & 1), path.join(store.dir, parts[k].file), parts[k].sha256);
  };
  ask(0);
  ask(1);
  const rb: ReadBuffer = { buf: Buffer.alloc(0) };
  for (let k = 0; k < parts.length; k++) {
    // partition k-1's batches are done with: its slot takes partition k+1
    if (k > 0) ask(k + 1);
    const p = parts[k];
    const bytes = pre.take(slot0 + (k & 1));
    const batches = bytes === null ? readPartition(store, p, rb) : decodePartition(store, path.join(store.dir, p.file), p, bytes);
    for (const b of batches) yield b;
  }
}

/** Record batches of one symbol in stream order (partitions read one at a time). */
export function* symbolBatches(store: ColumnarStore, symbol: string): Generator<ColumnBatch> {
  for (const p of store.manifest.partitions) if (p.symbol === symbol) for (const b of readPartition(store, p)) yield b;
}

/** `symbolBatches` through one reused read buffer: a batch is valid only until the next partition is read. */
function* symbolBatchesReused(store: ColumnarStore, symbol: string, fromTs: number): Generator<ColumnBatch> {
  const rb: ReadBuffer = { buf: Buffer.alloc(0) };
  for (const p of partsFrom(store, symbol, fromTs)) for (const b of readPartition(store, p, rb)) yield b;
}

/** One symbol's position in a scan: its current batch, row and that row's stream index. */
class Cursor {
  private readonly it: Generator<ColumnBatch>;
  b: ColumnBatch | null = null;
  i = 0;
  /** The stream index (`seq`) of row `i`; Infinity once the symbol has no rows left. */
  head = Infinity;
  constructor(reader: ScanReader, symbol: string) {
    this.it = reader.batches(symbol);
    this.next();
    const from = reader.fromTs;
    // a scan from a data time (ADR-258): the first row at or after it (rows of a batch are in time order)
    while (this.b !== null && this.b.ts[this.i] < from) {
      const ts = this.b.ts;
      let lo = this.i, hi = this.b.length;
      while (lo < hi) {
        const m = (lo + hi) >>> 1;
        if (ts[m] < from) lo = m + 1;
        else hi = m;
      }
      this.moveTo(lo);
    }
  }
  next(): void {
    for (;;) {
      const n = this.it.next();
      if (n.done) {
        this.b = null;
        this.head = Infinity;
        return;
      }
      const b = n.value;
      if (b.length) {
        this.b = b;
        this.i = 0;
        this.head = b.seq !== null ? b.seq[0] : b.first_seq;
        return;
      }
    }
  }
  /** Move to row `i` of the batch (the next batch when `i` is past its end). */
  moveTo(i: number): void {
    const b = this.b!;
    if (i >= b.length) this.next();
    else {
      this.i = i;
      this.head = b.seq !== null ? b.seq[i] : b.first_seq + i;
    }
  }
  /** The end (exclusive) of the batch's run of rows from `i` that come before stream index `limit`. */
  runEnd(limit: number): number {
    const b = this.b!;
    const n = b.length;
    if (limit === Infinity) return n;
    const seq = b.seq;
    if (seq === null) return Math.min(n, this.i + (limit - this.head));
    let e = this.i;
    while (e < n && seq[e] < limit) e++;
    return e;
  }
}

/**
 * The stream index a scan starts at: 0 for a whole scan; from a data time (ADR-258) the first row
 * at or after it, i.e. the smallest head of the cursors (rows are in time order, so every later
 * row is at or after it too); the row count when no row is left.
 */
function firstSeq(store: ColumnarStore, cursors: Cursor[], fromTs: number): number {
  if (fromTs === -Infinity) return 0;
  let first = Infinity;
  for (const c of cursors) if (c.head < first) first = c.head;
  return first === Infinity ? store.manifest.rows : first;
}

/**
 * A scan's next row must be row `rows` of the stream: with `seq` not stored (ADR-235) the
 * partition's place comes from the manifest's `first_seq`, which no partition hash covers.
 */
function outOfSequence(store: ColumnarStore, seq: number, rows: number): GrinderError {
  return new GrinderError(ErrorCode.HASH_MISMATCH, `store row ${rows} has stream index ${seq} (partitions out of sequence)`, { file: path.join(store.dir, "store.json"), field: "first_seq" });
}

/**
 * The store as a Snapshot stream in its original order (a synchronous iterable: `runReplay`
 * steps it without an await per row). Each partition's hash is checked when it is first read.
 * `reuse`: one Snapshot object is refilled for every row (the replay engine keeps no reference
 * to a snapshot), so reading allocates nothing per row; collect rows only without it.
 * `prefetch` (default on): partitions read and hash-checked ahead by a worker thread (ADR-155).
 * `readAhead`: as in `scanColumnar` (ADR-215); detached when the generator ends or is closed.
 */
export function* columnarSnapshots(store: ColumnarStore, opts: { reuse?: boolean; prefetch?: boolean; readAhead?: ReadAheadHandle; fromTs?: number } = {}): Generator<Snapshot> {
  const reuse = opts.reuse === true;
  const shared: Snapshot = { ts: 0, symbol: "", bid_price: 0, bid_qty: 0, ask_price: 0, ask_qty: 0 };
  const reader = new ScanReader(store, opts.prefetch !== false, opts.readAhead, opts.fromTs);
  try {
    yield* snapshotsOf(store, reader, reuse, shared);
  } finally {
    reader.close();
  }
}

function* snapshotsOf(store: ColumnarStore, reader: ScanReader, reuse: boolean, shared: Snapshot): Generator<Snapshot> {
  const cursors = store.instruments.map((i) => new Cursor(reader, i.symbol));
  let rows = firstSeq(store, cursors, reader.fromTs);
  for (;;) {
    let best: Cursor | null = null;
    let bestSeq = Infinity;
    let limit = Infinity;
    for (let k = 0; k < cursors.length; k++) {
      const c = cursors[k];
      const q = c.head;
      if (q < bestSeq) {
        limit = bestSeq;
        bestSeq = q;
        best = c;
      } else if (q < limit) limit = q;
    }
    if (best === null) break;
    if (bestSeq !== rows) throw outOfSequence(store, bestSeq, rows);
    // emit the run of this cursor's rows that precede every other cursor's head
    const b = best.b!;
    const end = best.runEnd(limit);
    const sym = b.symbol;
    const lpc = b.last_price, frc = b.funding_rate, bk = b.book;
    if (reuse && bk === null && shared.book !== undefined) delete shared.book;
    for (let i = best.i; i < end; i++) {
      let s: Snapshot;
      if (reuse) {
        s = shared;
        s.ts = b.ts[i]; s.symbol = sym; s.bid_price = b.bid_price[i]; s.bid_qty = b.bid_qty[i]; s.ask_price = b.ask_price[i]; s.ask_qty = b.ask_qty[i];
        if (s.last_price !== undefined) delete s.last_price;
        if (s.funding_rate !== undefined) delete s.funding_rate;
      } else s = { ts: b.ts[i], symbol: sym, bid_price: b.bid_price[i], bid_qty: b.bid_qty[i], ask_price: b.ask_price[i], ask_qty: b.ask_qty[i] };
      if (lpc !== null) {
        const lp = lpc[i];
        if (lp === lp) s.last_price = lp;
      }
      if (frc !== null) {
        const fr = frc[i];
        if (fr === fr) s.funding_rate = fr;
      }
      if (bk !== null) setBook(s, bk, i);
      rows++;
      yield s;
    }
    best.moveTo(end);
  }
  if (rows !== store.manifest.rows) throw new GrinderError(ErrorCode.HASH_MISMATCH, `store yielded ${rows} rows, the manifest says ${store.manifest.rows}`, { file: path.join(store.dir, "store.json"), field: "rows" });
}

/**
 * The store's rows in their original order, pushed to `visit` in one reused Snapshot holder
 * (refilled from the record batches' typed-array columns: nothing allocated per row, no
 * generator step per row). `visit` returns `false` to stop early (e.g. past a replay window);
 * a complete scan checks the row count against the manifest. Returns the rows visited.
 * The holder is only valid during the call: a caller that keeps rows must copy them.
 * `prefetch` (default on): partitions read and hash-checked ahead by a worker thread (ADR-155).
 * `readAhead`: this scan's share of a `SharedReadAhead` (ADR-215; one worker reads and checks
 * each partition once for several scans); detached when the scan ends, however it ends.
 */
export function scanColumnar(store: ColumnarStore, visit: (s: Snapshot) => boolean | void, opts: { prefetch?: boolean; readAhead?: ReadAheadHandle; fromTs?: number } = {}): number {
  const reader = new ScanReader(store, opts.prefetch !== false, opts.readAhead, opts.fromTs);
  try {
    return scanWith(store, reader, visit);
  } finally {
    reader.close();
  }
}

function scanWith(store: ColumnarStore, reader: ScanReader, visit: (s: Snapshot) => boolean | void): number {
  const s: Snapshot = { ts: 0, symbol: "", bid_price: 0, bid_qty: 0, ask_price: 0, ask_qty: 0 };
  const cursors = store.instruments.map((i) => new Cursor(reader, i.symbol));
  const first = firstSeq(store, cursors, reader.fromTs);
  let rows = first;
  for (;;) {
    let best: Cursor | null = null;
    let bestSeq = Infinity;
    let limit = Infinity;
    for (let k = 0; k < cursors.length; k++) {
      const c = cursors[k];
      const q = c.head;
      if (q < bestSeq) {
        limit = bestSeq;
        bestSeq = q;
        best = c;
      } else if (q < limit) limit = q;
    }
    if (best === null) break;
    if (bestSeq !== rows) throw outOfSequence(store, bestSeq, rows);
    const b = best.b!;
    s.symbol = b.symbol;
    const i0 = best.i;
    const end = best.runEnd(limit);
    let stop: number;
    if (b.book !== null) stop = visitBookRows(s, b, b.book, i0, end, visit);
    else {
      if (s.book !== undefined) delete s.book;
      if (b.last_price === null && b.funding_rate === null) {
        if (s.last_price !== undefined) delete s.last_price;
        if (s.funding_rate !== undefined) delete s.funding_rate;
        stop = visitQuotes(s, b.ts, b.bid_price, b.bid_qty, b.ask_price, b.ask_qty, i0, end, visit);
      } else stop = visitRows(s, b, i0, end, visit);
    }
    if (stop >= 0) return rows - first + (stop - i0) + 1;
    rows += end - i0;
    best.moveTo(end);
  }
  if (rows !== store.manifest.rows) throw new GrinderError(ErrorCode.HASH_MISMATCH, `store yielded ${rows} rows, the manifest says ${store.manifest.rows}`, { file: path.join(store.dir, "store.json"), field: "rows" });
  return rows - first;
}

/*
 * The row loops of `scanWith`, one per kind of batch, in functions of their own (ADR-237): the
 * scan's outer loop (which cursor is next, how far its run goes) runs once per run of rows, and
 * when it shared one function with the row loop, that function was optimised on the stack inside
 * the row loop and deoptimised at the first outer-loop step it had no feedback for.
 * Each returns the index of the row `visit` stopped at, or -1 when it visited all of [i0, end).
 * The columns come as arguments: a load before the loop has no type feedback yet when the
 * function is first optimised inside its first call (feedback is allocated lazily), and deoptimised it on the next call.
 */

/** Rows of a batch without `last_price` / `funding_rate` (a quote stream, ADR-235; the caller removed both from `s`): no per-row checks. */
function visitQuotes(s: Snapshot, ts: Float64Array, bp: Float64Array, bq: Float64Array, ap: Float64Array, aq: Float64Array, i0: number, end: number, visit: (s: Snapshot) => boolean | void): number {
  for (let i = i0; i < end; i++) {
    s.ts = ts[i]; s.bid_price = bp[i]; s.bid_qty = bq[i]; s.ask_price = ap[i]; s.ask_qty = aq[i];
    if (visit(s) === false) return i;
  }
  return -1;
}

/** Row `i` of `b` into `s`: the quote, and `last_price` / `funding_rate` set where the row has a value and absent elsewhere. */
function fillRow(s: Snapshot, b: ColumnBatch, i: number): void {
  s.ts = b.ts[i]; s.bid_price = b.bid_price[i]; s.bid_qty = b.bid_qty[i]; s.ask_price = b.ask_price[i]; s.ask_qty = b.ask_qty[i];
  const lp = b.last_price !== null ? b.last_price[i] : NaN;
  if (lp === lp) s.last_price = lp;
  else if (s.last_price !== undefined) delete s.last_price;
  const fr = b.funding_rate !== null ? b.funding_rate[i] : NaN;
  if (fr === fr) s.funding_rate = fr;
  else if (s.funding_rate !== undefined) delete s.funding_rate;
}

/** Rows of a batch with an optional column (`fillRow`). */
function visitRows(s: Snapshot, b: ColumnBatch, i0: number, end: number, visit: (s: Snapshot) => boolean | void): number {
  for (let i = i0; i < end; i++) {
    fillRow(s, b, i);
    if (visit(s) === false) return i;
  }
  return -1;
}

/** Rows of a batch with book columns (version 3, ADR-254): `fillRow` plus each row's book, a new object where the row has one. */
function visitBookRows(s: Snapshot, b: ColumnBatch, k: BookBatch, i0: number, end: number, visit: (s: Snapshot) => boolean | void): number {
  for (let i = i0; i < end; i++) {
    fillRow(s, b, i);
    setBook(s, k, i);
    if (visit(s) === false) return i;
  }
  return -1;
}

/** SHA-256 of the canonical JSON lines of a store's snapshots (equals a JSONL fixture's `content_sha256` of the same stream). */
export function columnarContentHash(store: ColumnarStore): string {
  const h = new LineHash();
  const sj = new Map(store.instruments.map((i) => [i.symbol, JSON.stringify(i.symbol)]));
  const lines = new L1LineWriter();
  let sym = "";
  let symJson = "";
  scanColumnar(store, (s) => {
    if (s.symbol !== sym) {
      sym = s.symbol;
      symJson = sj.get(sym)!;
    }
    // a book row's line is the fixture writer's (ADR-254)
    h.add(s.book !== undefined ? snapshotLine(s) : lines.line(symJson, s.ts, s.bid_price, s.bid_qty, s.ask_price, s.ask_qty, s.last_price ?? NaN, s.funding_rate ?? NaN));
  });
  return h.digest();
}
