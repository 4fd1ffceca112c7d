import { createReadStream, createWriteStream, existsSync, promises as fsp, readFileSync, realpathSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import * as path from "node:path";
import { StringDecoder } from "node:string_decoder";
import { createGunzip, createGzip } from "node:zlib";
import { once } from "node:events";
import { z } from "zod";
import { ErrorCode, GrinderError } from "../contracts/errors";
import { InstrumentSpecSchema, TradesFileSchema, type InstrumentSpec, type Snapshot, type TradesFile } from "../contracts/market";
import { fromZodError } from "../contracts/zod";
import { snapshotLine } from "./line-bytes";
import { checkGrid, DEFAULT_TIME_RANGE, markCheckedRows, validateSnapshotRow, type TimeRange } from "./validate";

/**
 * Fixture = folder with `fixture.json` (this manifest) and `snapshots.jsonl` or
 * `snapshots.jsonl.gz` (one Snapshot per line; multi-symbol fixtures interleaved by time).
 */
export const FixtureManifestSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9_\-.]+$/i),
    version: z.number().int().positive(),
    description: z.string(),
    /** Generator / importer parameters: documentation and provenance, never read by the engine. */
    scenario: z.record(z.unknown()),
    symbols: z
      .array(InstrumentSpecSchema)
      .min(1, "symbols must list at least one instrument")
      .superRefine((xs, ctx) => {
        const seen = new Set<string>();
        xs.forEach((x, i) => {
          if (seen.has(x.symbol)) ctx.addIssue({ code: "custom", path: [i, "symbol"], message: `duplicate instrument spec for symbol '${x.symbol}'` });
          seen.add(x.symbol);
        });
      }),
    /** File holding the snapshots: a plain file name inside the fixture folder (ADR-085). */
    snapshots: z.string().regex(/^snapshots[a-z0-9_\-.]*\.jsonl(\.gz)?$/i, "snapshots must be a file name inside the fixture folder (snapshots*.jsonl or .jsonl.gz)"),
    /** Number of snapshot lines. */
    rows: z.number().int().nonnegative(),
    /** SHA-256 of the uncompressed snapshot lines (each line + "\n"). */
    content_sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** Source of imported data: file name, SHA-256, counts. */
    provenance: z.record(z.unknown()).optional(),
    /** Optional trades sidecar (ADR-050; `sdk/data/trades.ts`). */
    trades: TradesFileSchema.optional(),
  })
  .strict();
export type FixtureManifest = z.infer<typeof FixtureManifestSchema>;

export interface Fixture {
  dir: string;
  manifest: FixtureManifest;
  /** Absolute path of the snapshots file. */
  snapshotsPath: string;
  instruments: ReadonlyMap<string, InstrumentSpec>;
}

/** The project's bundled fixtures (`fixtures/` at the project root). */
export const BUNDLED_FIXTURES_DIR = path.resolve(__dirname, "..", "..", "fixtures");

/**
 * The fixture folder `arg` names: a fixture folder; a fixture's `fixture.json` (its folder,
 * ADR-248); or, when no fixture is where it points, a name under the bundled fixtures folder
 * (`"range_day_l1"` = `<project>/fixtures/range_day_l1`, ADR-247; as the CLI always took it). Anything else is
 * returned as given (opening it names what is missing).
 */
export function resolveFixtureDir(arg: string): string {
  if (path.basename(arg) === "fixture.json" && existsSync(arg)) return path.dirname(arg);
  if (existsSync(path.join(arg, "fixture.json"))) return arg;
  const named = path.join(BUNDLED_FIXTURES_DIR, arg);
  if (existsSync(path.join(named, "fixture.json"))) return named;
  return arg;
}

/** Read and validate a fixture's manifest; `arg` as `resolveFixtureDir` takes it. */
export function openFixture(arg: string): Fixture {
  const dir = resolveFixtureDir(arg);
  const file = path.join(dir, "fixture.json");
  if (!existsSync(file)) throw new GrinderError(ErrorCode.IO, "no fixture.json in fixture folder", { file });
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new GrinderError(ErrorCode.PARSE, `invalid JSON: ${(e as Error).message}`, { file });
  }
  const r = FixtureManifestSchema.safeParse(raw);
  if (!r.success) throw fromZodError(r.error, "fixture manifest").at({ file });
  const manifest = r.data;
  const snapshotsPath = path.resolve(dir, manifest.snapshots);
  checkRegularFileInside(snapshotsPath, dir, file);
  const instruments = new Map<string, InstrumentSpec>();
  for (const s of [...manifest.symbols].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0)))
    instruments.set(s.symbol, s);
  return { dir: path.resolve(dir), manifest, snapshotsPath, instruments };
}

/**
 * The snapshots file must be a regular file whose real path lies in the fixture folder: not a
 * FIFO or device (which block or never end), not a symlink out of the folder (ADR-085).
 */
function checkRegularFileInside(p: string, dir: string, manifest: string): void {
  let st;
  try {
    st = statSync(p);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "ENOENT" ? "snapshots file is missing" : err.code === "ELOOP" ? "snapshots file is a symlink loop" : `cannot stat the snapshots file: ${err.message}`;
    throw new GrinderError(ErrorCode.IO, why, { file: p, field: manifest ? "snapshots" : undefined });
  }
  if (!st.isFile()) throw new GrinderError(ErrorCode.IO, "snapshots is not a regular file", { file: p, field: "snapshots" });
  const real = realpathSync(p);
  const root = realpathSync(dir);
  if (path.dirname(real) !== root)
    throw new GrinderError(ErrorCode.IO, `snapshots file resolves outside the fixture folder (${real})`, { file: p, field: "snapshots" });
}

/** Reasons a row was rejected in lenient mode, counted by error code. */
export interface LoadReport {
  file: string;
  /** Lines read up to the last non-blank one: `accepted + rejectedTotal` (nothing dropped). */
  lines: number;
  /** Blank lines after the last row (allowed, not rows). */
  trailingBlank: number;
  /** SHA-256 of the non-blank lines (each + "\n") when the stream hashed them (`hash` / `expect`). */
  content_sha256?: string;
  accepted: number;
  rejected: Partial<Record<ErrorCode, number>>;
  rejectedTotal: number;
  /** The first few rejections, for a human to read. */
  examples: Array<{ line: number; code: ErrorCode; field?: string; message: string }>;
}

export interface StreamOptions {
  /** Skip and count bad rows instead of throwing on the first one. */
  lenient?: boolean;
  /** Symbols the rows may carry; any other is `E_UNKNOWN_SYMBOL`. Defaults to the manifest's. */
  symbols?: Iterable<string>;
  /** Filled in as the stream is read; complete when iteration ends. */
  report?: LoadReport;
  /** Keep at most this many examples in the report (default 20). */
  maxExamples?: number;
  /** Instruments: prices and quantities must be on their tick/lot grid (ADR-081). */
  instruments?: ReadonlyMap<string, InstrumentSpec>;
  /** Plausible `ts` range (default `DEFAULT_TIME_RANGE`, 2000..2100 UTC). */
  timeRange?: TimeRange;
  /** Largest allowed `ts` jump between consecutive rows (default `DEFAULT_MAX_GAP_MS`, 7 days). */
  maxGapMs?: number;
  /** Longest accepted line (default `MAX_LINE_BYTES`). */
  maxLineBytes?: number;
  /** Hash the lines as they stream into `report.content_sha256`. */
  hash?: boolean;
  /** Refuse the stream at its end unless it has these rows and this hash (implies `hash`). */
  expect?: StreamExpectation;
}

export function newLoadReport(file: string): LoadReport {
  return { file, lines: 0, trailingBlank: 0, accepted: 0, rejected: {}, rejectedTotal: 0, examples: [] };
}

/** Longest line the reader accepts (bytes, before decoding): a bound, not a format rule (ADR-085). */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** No-op error listener: a stream destroyed after an early stop may still report its error. */
function ignore(): void {}

/** The first line without a leading UTF-8 byte order mark (U+FEFF), which is not data (ADR-244). */
function withoutBom(line: string): string {
  return line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
}

/**
 * Lines of a text file, gunzipped when the name ends in `.gz`. Streams: memory is flat. A read or
 * gunzip failure (missing file, corrupt or truncated gzip) is `E_IO` naming the file and the line
 * being read; a line longer than `maxLineBytes` is `E_TOO_LARGE`. Stopping early (`break`,
 * `return`) destroys both streams with an error listener still attached, so a corrupt gzip
 * tail can never surface later as an unhandled `'error'` event (ADR-082). A trailing `\r` is
 * removed (CRLF files read like LF files), and so is a UTF-8 byte order mark before the first line.
 */
export async function* readLines(file: string, opts: { maxLineBytes?: number } = {}): AsyncGenerator<string> {
  const maxLine = opts.maxLineBytes ?? MAX_LINE_BYTES;
  const raw = createReadStream(file, { highWaterMark: 1 << 16 });
  raw.on("error", ignore);
  let input: NodeJS.ReadableStream & { destroy(e?: Error): void } = raw;
  if (file.endsWith(".gz")) {
    const gz = createGunzip();
    gz.on("error", ignore);
    raw.on("error", (e) => gz.destroy(e));
    raw.pipe(gz);
    input = gz;
  }
  const decoder = new StringDecoder("utf8");
  let carry = "";
  let lineNo = 0;
  try {
    const it = (input as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await it.next();
      } catch (e) {
        throw new GrinderError(ErrorCode.IO, `cannot read: ${(e as Error).message}`, { file, line: lineNo + 1 });
      }
      if (next.done) break;
      const text = carry + decoder.write(next.value);
      let pos = 0;
      for (;;) {
        const nl = text.indexOf("\n", pos);
        if (nl < 0) break;
        lineNo++;
        if (nl - pos > maxLine) throw new GrinderError(ErrorCode.TOO_LARGE, `line longer than ${maxLine} bytes`, { file, line: lineNo });
        const end = nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        yield lineNo === 1 ? withoutBom(text.slice(pos, end)) : text.slice(pos, end);
        pos = nl + 1;
      }
      carry = pos === 0 ? text : text.slice(pos);
      if (carry.length > maxLine)
        throw new GrinderError(ErrorCode.TOO_LARGE, `line longer than ${maxLine} bytes`, { file, line: lineNo + 1 });
    }
    carry += decoder.end();
    if (carry.length) {
      if (carry.length > maxLine) throw new GrinderError(ErrorCode.TOO_LARGE, `line longer than ${maxLine} bytes`, { file, line: lineNo + 1 });
      const last = carry.charCodeAt(carry.length - 1) === 13 ? carry.slice(0, -1) : carry;
      yield lineNo === 0 ? withoutBom(last) : last;
    }
  } finally {
    input.destroy();
    raw.destroy();
  }
}

/** What a stream is checked against when it ends: the manifest's row count and content hash. */
export interface StreamExpectation {
  rows: number;
  content_sha256: string;
  /** The manifest file, named in the refusal. */
  manifest: string;
}

/** Default largest allowed jump of `ts` between consecutive rows: 7 days of data time (ADR-080). */
export const DEFAULT_MAX_GAP_MS = 7 * 24 * 3_600_000;

/**
 * Stream validated snapshots from a JSONL file. Rows must be in time order per symbol and
 * globally (non-decreasing `ts`), with `ts` in `timeRange` and no jump above `maxGapMs`; blank
 * lines are allowed only at the end of the file. Strict mode throws `GrinderError` (file, line,
 * field) on the first bad row; lenient mode skips it and counts it in `opts.report`: nothing is
 * dropped silently (`accepted + rejectedTotal = lines`, trailing blank lines counted apart).
 * A rejected row never becomes the reference of the next row's time checks, so one outlier
 * costs one row. With `expect`, the lines read are hashed as they stream (no second pass) and
 * a row-count or hash mismatch is `E_HASH_MISMATCH` when the file ends; a consumer that stops
 * early makes the reader hash the rest of the file (without parsing it) before it checks.
 */
export function streamSnapshotFile(file: string, opts: StreamOptions = {}): AsyncGenerator<Snapshot> {
  const rows = streamJsonlRows(file, opts, SNAPSHOT_ROWS);
  // every yielded row passed the row check (default time range) and, where the symbol has a spec, its grid: the store writer need not repeat them (ADR-257)
  const range = opts.timeRange;
  return range === undefined || (range.min === DEFAULT_TIME_RANGE.min && range.max === DEFAULT_TIME_RANGE.max) ? markCheckedRows(rows, opts.instruments) : rows;
}

/**
 * What distinguishes one kind of JSONL market row from another for `streamJsonlRows`: the row
 * validator, the tick/lot check, the noun used in time-order messages, and the end-of-stream
 * check against the manifest (whose fields and wording differ per file).
 */
export interface JsonlRowKind<T extends { ts: number; symbol: string }> {
  /** "row" (snapshots) or "trade": `ts … is before the previous <noun>'s …`. */
  noun: string;
  /** Decode-level validation of one parsed JSON value (throws a `GrinderError` naming the field). */
  validate(row: unknown, range: TimeRange): T;
  /** Price/quantity grid check against the row's instrument. */
  grid(row: T, spec: InstrumentSpec): void;
  /** Row count and content hash against the manifest (`E_HASH_MISMATCH`). */
  checkExpectation(sha: string, rows: number, x: StreamExpectation): void;
}

const SNAPSHOT_ROWS: JsonlRowKind<Snapshot> = { noun: "row", validate: validateSnapshotRow, grid: checkGrid, checkExpectation };

/**
 * The one JSONL row streamer behind `streamSnapshotFile` and `streamTradeFile`: line loop,
 * blank-line rule, lenient accounting (`accepted + rejectedTotal = lines`, trailing blank lines
 * apart, a rejected row never the reference of the next row's time checks), declared symbols,
 * tick/lot grid, time order and maximum gap, and hash-on-read with the manifest check when the
 * stream ends (an early stop hashes the rest without parsing). `kind` supplies what differs.
 */
export async function* streamJsonlRows<T extends { ts: number; symbol: string }>(file: string, opts: StreamOptions, kind: JsonlRowKind<T>): AsyncGenerator<T> {
  const known = opts.symbols ? new Set(opts.symbols) : undefined;
  const specs = opts.instruments;
  const report = opts.report ?? newLoadReport(file);
  const maxExamples = opts.maxExamples ?? 20;
  const range = opts.timeRange ?? DEFAULT_TIME_RANGE;
  const maxGap = opts.maxGapMs ?? DEFAULT_MAX_GAP_MS;
  const expectation = opts.expect;
  const hash = expectation || opts.hash ? createHash("sha256") : null;
  const noun = kind.noun;
  let nonBlank = 0;
  let hashBuf = "";
  let lastTs = -1;
  let lineNo = 0;
  let blankRun = 0;
  let blankFirst = 0;
  let finished = false;
  let failed = false;
  const lines = readLines(file, { maxLineBytes: opts.maxLineBytes })[Symbol.asyncIterator]();
  const reject = (err: GrinderError, line: number): void => {
    report.rejected[err.code] = (report.rejected[err.code] ?? 0) + 1;
    report.rejectedTotal++;
    if (report.examples.length < maxExamples) report.examples.push({ line, code: err.code, field: err.field, message: err.detail });
  };
  try {
    for (;;) {
      let next: IteratorResult<string>;
      try {
        next = await lines.next();
      } catch (e) {
        // readLines already names file and line; anything else is a read failure of this file
        if (e instanceof GrinderError) throw e.at({ file, line: lineNo + 1 });
        throw new GrinderError(ErrorCode.IO, `cannot read: ${(e as Error).message}`, { file, line: lineNo + 1 });
      }
      if (next.done) break;
      const line = next.value;
      lineNo++;
      if (line.length === 0) {
        if (!blankRun) blankFirst = lineNo;
        blankRun++;
        continue;
      }
      if (blankRun) {
        // Blank lines followed by a row are inside the file: each is a rejected line.
        const err = new GrinderError(ErrorCode.PARSE, `blank line ${blankFirst} inside the file`, { file, line: blankFirst });
        if (!opts.lenient) throw err;
        for (let i = 0; i < blankRun; i++) reject(i === 0 ? err : err.at({}), blankFirst + i);
        blankRun = 0;
      }
      report.lines = lineNo;
      report.trailingBlank = 0;
      nonBlank++;
      if (hash) {
        // Lines are hashed in ~64 KB batches: one native call per line would cost more than the hash.
        hashBuf += line + "\n";
        if (hashBuf.length >= 65536) {
          hash.update(hashBuf);
          hashBuf = "";
        }
      }
      let r: T | undefined;
      try {
        let row: unknown;
        try {
          row = JSON.parse(line);
        } catch (e) {
          throw new GrinderError(ErrorCode.PARSE, `invalid JSON: ${(e as Error).message}`);
        }
        r = kind.validate(row, range);
        if (known && !known.has(r.symbol))
          throw new GrinderError(ErrorCode.UNKNOWN_SYMBOL, `symbol '${r.symbol}' is not declared in the fixture`, { field: "symbol" });
        if (specs) {
          const spec = specs.get(r.symbol);
          if (spec) kind.grid(r, spec);
        }
        if (r.ts < lastTs)
          throw new GrinderError(ErrorCode.TIME_BACKWARDS, `ts ${r.ts} is before the previous ${noun}'s ${lastTs}`, { field: "ts" });
        if (lastTs >= 0 && r.ts - lastTs > maxGap)
          throw new GrinderError(ErrorCode.TIME_RANGE, `ts ${r.ts} jumps ${r.ts - lastTs} ms past the previous ${noun}'s ${lastTs} (more than the allowed gap of ${maxGap} ms)`, { field: "ts" });
      } catch (e) {
        if (!(e instanceof GrinderError)) throw e;
        const err = e.at({ file, line: lineNo });
        if (!opts.lenient) throw err;
        reject(err, lineNo);
        continue;
      }
      lastTs = r.ts;
      report.accepted++;
      // Yield outside the try: an error thrown into the generator by the consumer is not a bad row.
      yield r;
    }
    report.trailingBlank = blankRun;
    finished = true;
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    try {
      if (hash && !failed) {
        // Early stop: hash the rest of the file (no parsing) so a tampered tail is still seen.
        if (!finished) {
          for (;;) {
            const next = await lines.next();
            if (next.done) break;
            if (next.value.length === 0) continue;
            nonBlank++;
            hashBuf += next.value + "\n";
            if (hashBuf.length >= 65536) {
              hash.update(hashBuf);
              hashBuf = "";
            }
          }
        }
        hash.update(hashBuf);
        report.content_sha256 = hash.digest("hex");
        if (expectation) kind.checkExpectation(report.content_sha256, nonBlank, expectation);
      }
    } finally {
      // Close the reader (and its file) also when the consumer stops early.
      await lines.return?.(undefined);
    }
  }
}

function checkExpectation(sha: string, rows: number, x: StreamExpectation): void {
  if (rows !== x.rows)
    throw new GrinderError(ErrorCode.HASH_MISMATCH, `manifest says ${x.rows} rows, the snapshots file has ${rows}`, { file: x.manifest, field: "rows" });
  if (sha !== x.content_sha256)
    throw new GrinderError(ErrorCode.HASH_MISMATCH, `snapshots content SHA-256 ${sha} does not match the manifest's ${x.content_sha256}: the file was changed`, { file: x.manifest, field: "content_sha256" });
}

/**
 * Stream a fixture's snapshots (see `streamSnapshotFile`): symbols and tick/lot grid from the
 * manifest, and the lines hashed while they stream and checked against the manifest's
 * `rows` / `content_sha256` when the stream ends (`verify: false` to skip; ADR-083).
 */
export function streamFixture(fx: Fixture | string, opts: StreamOptions & { verify?: boolean } = {}): AsyncGenerator<Snapshot> {
  const f = typeof fx === "string" ? openFixture(fx) : fx;
  const { verify, ...rest } = opts;
  const expect: StreamExpectation | undefined =
    verify === false ? undefined : { rows: f.manifest.rows, content_sha256: f.manifest.content_sha256, manifest: path.join(f.dir, "fixture.json") };
  return streamSnapshotFile(f.snapshotsPath, { symbols: f.instruments.keys(), instruments: f.instruments, expect, ...rest });
}

/** Per-symbol summary of a fixture, produced by reading it once. */
export interface SymbolSummary {
  symbol: string;
  rows: number;
  first_ts: number;
  last_ts: number;
  l2_rows: number;
  min_mid: number;
  max_mid: number;
  mean_spread_bps: number;
  max_gap_ms: number;
}

export interface FixtureSummary {
  name: string;
  rows: number;
  symbols: SymbolSummary[];
  report: LoadReport;
  content_sha256: string;
  /** True when the content hash (and line count) equals the manifest's. */
  hash_ok: boolean;
  /** True when every line of the file is an accepted row and their count is the manifest's. */
  rows_ok: boolean;
}

/**
 * Validate a fixture end to end: every row, the row count and the content hash.
 * Strict by default; a hash or count mismatch is a refusal (`E_HASH_MISMATCH`).
 */
export async function validateFixture(dir: string, opts: { lenient?: boolean } = {}): Promise<FixtureSummary> {
  const fx = openFixture(dir);
  const report = newLoadReport(fx.snapshotsPath);
  const per = new Map<string, SymbolSummary & { spreadSum: number; lastTs: number }>();
  for await (const s of streamFixture(fx, { lenient: opts.lenient, report, verify: false, hash: true })) {
    let a = per.get(s.symbol);
    const mid = (s.bid_price + s.ask_price) / 2;
    if (!a) {
      a = { symbol: s.symbol, rows: 0, first_ts: s.ts, last_ts: s.ts, l2_rows: 0, min_mid: mid, max_mid: mid, mean_spread_bps: 0, max_gap_ms: 0, spreadSum: 0, lastTs: s.ts };
      per.set(s.symbol, a);
    }
    a.rows++;
    a.max_gap_ms = Math.max(a.max_gap_ms, s.ts - a.lastTs);
    a.lastTs = a.last_ts = s.ts;
    if (s.book) a.l2_rows++;
    if (mid < a.min_mid) a.min_mid = mid;
    if (mid > a.max_mid) a.max_mid = mid;
    a.spreadSum += ((s.ask_price - s.bid_price) / mid) * 1e4;
  }
  const content_sha256 = report.content_sha256 ?? "";
  const symbols = [...per.values()]
    .sort((x, y) => (x.symbol < y.symbol ? -1 : 1))
    .map(({ spreadSum, lastTs: _l, ...rest }) => ({ ...rest, mean_spread_bps: rest.rows ? spreadSum / rest.rows : 0 }));
  const rows = report.accepted;
  // The hash is over the lines as stored (written canonically by FixtureWriter): it holds for
  // the file even when lenient mode skipped rows, and lenient mode checks it too (ADR-083).
  const rows_ok = report.lines === fx.manifest.rows && report.rejectedTotal === 0;
  const hash_ok = content_sha256 === fx.manifest.content_sha256 && report.lines === fx.manifest.rows;
  if (!opts.lenient) {
    if (rows !== fx.manifest.rows)
      throw new GrinderError(ErrorCode.HASH_MISMATCH, `manifest says ${fx.manifest.rows} rows, file has ${rows}`, { file: path.join(fx.dir, "fixture.json"), field: "rows" });
    if (!hash_ok)
      throw new GrinderError(ErrorCode.HASH_MISMATCH, `content SHA-256 ${content_sha256} does not match the manifest's ${fx.manifest.content_sha256}`, { file: path.join(fx.dir, "fixture.json"), field: "content_sha256" });
  }
  return { name: fx.manifest.name, rows, symbols, report, content_sha256, hash_ok, rows_ok };
}

export interface FixtureWriterOptions {
  name: string;
  version?: number;
  description: string;
  scenario: Record<string, unknown>;
  symbols: InstrumentSpec[];
  provenance?: Record<string, unknown>;
  /** gzip the snapshots file (default: decided by `gzipAboveBytes`). */
  gzip?: boolean;
  /** When `gzip` is not given, compress if the plain file would exceed this (default 4 MB). */
  gzipAboveBytes?: number;
  /** Refuse (`E_REFUSED`) when the target folder exists (default false: replace it). `grinder import` sets it unless `--force`. */
  noOverwrite?: boolean;
}

/** An fs failure as a typed refusal naming the path (ADR-084). */
export function ioError(e: unknown, file: string, what: string): GrinderError {
  if (e instanceof GrinderError) return e;
  const err = e as NodeJS.ErrnoException;
  return new GrinderError(ErrorCode.IO, `${what}: ${err.message}`, { file });
}

/**
 * Remove `<base>.tmp-<pid>` / `<base>.old-<pid>` siblings left by a killed writer (pid no longer
 * alive). Returns the paths removed. Folders of a live process are never touched.
 */
export async function sweepStaleTemps(target: string): Promise<string[]> {
  const parent = path.dirname(target);
  const base = path.basename(target);
  let names: string[];
  try {
    names = await fsp.readdir(parent);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    if (!n.startsWith(base + ".")) continue;
    const m = /^\.(?:tmp|old)-(\d+)$/.exec(n.slice(base.length));
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || pidAlive(pid)) continue;
    await fsp.rm(path.join(parent, n), { recursive: true, force: true });
    out.push(path.join(parent, n));
  }
  return out;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Writes a fixture atomically: everything goes to a temporary sibling folder that replaces
 * the target only after `close()` has written the manifest. Snapshots are written as
 * canonical JSON lines and validated on the way in (the writer refuses what the loader would).
 */
export class FixtureWriter {
  private rows = 0;
  private bytes = 0;
  private lastTs = -1;
  private readonly hash = createHash("sha256");
  private readonly specs: Map<string, InstrumentSpec>;
  private constructor(
    private readonly dir: string,
    private readonly tmp: string,
    private readonly opts: FixtureWriterOptions,
    private readonly fileName: string,
    private readonly sink: NodeJS.WritableStream,
    private readonly fileStream: NodeJS.WritableStream,
  ) {
    this.specs = new Map(opts.symbols.map((s) => [s.symbol, s]));
  }

  static async create(dir: string, opts: FixtureWriterOptions, expectedBytes = 0): Promise<FixtureWriter> {
    const target = path.resolve(dir);
    // Everything the manifest will say about the fixture is checked before the first row (ADR-084).
    const head = FixtureManifestSchema.pick({ name: true, description: true, scenario: true, symbols: true }).safeParse({
      name: opts.name, description: opts.description, scenario: opts.scenario, symbols: opts.symbols,
    });
    if (!head.success) {
      const err = fromZodError(head.error, "fixture");
      throw err.field === "name"
        ? new GrinderError(ErrorCode.INVALID_ARGUMENT, `fixture name '${opts.name}' must use only letters, digits, '_', '-' and '.' (pass --name)`, { field: "name" })
        : err;
    }
    let st;
    try {
      st = await fsp.stat(target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw ioError(e, target, "cannot use the output folder");
    }
    if (st && !st.isDirectory()) throw new GrinderError(ErrorCode.IO, "output exists and is not a folder", { file: target });
    if (st && opts.noOverwrite) throw new GrinderError(ErrorCode.REFUSED, "output folder exists: pass --force to replace it", { file: target });
    await sweepStaleTemps(target);
    const tmp = `${target}.tmp-${process.pid}`;
    try {
      // The parent is created if missing; the temp folder itself non-recursively (a recursive
      // mkdir under /proc spins instead of failing).
      if (!existsSync(path.dirname(target))) await fsp.mkdir(path.dirname(target), { recursive: true });
      await fsp.rm(tmp, { recursive: true, force: true });
      await fsp.mkdir(tmp);
    } catch (e) {
      throw ioError(e, tmp, "cannot create the output folder");
    }
    const gzip = opts.gzip ?? expectedBytes > (opts.gzipAboveBytes ?? 4_000_000);
    const fileName = gzip ? "snapshots.jsonl.gz" : "snapshots.jsonl";
    const fileStream = createWriteStream(path.join(tmp, fileName));
    let sink: NodeJS.WritableStream = fileStream;
    const failure: { error?: Error } = {};
    fileStream.on("error", (e) => (failure.error ??= e));
    if (gzip) {
      const gz = createGzip({ level: 9 });
      gz.on("error", (e) => (failure.error ??= e));
      gz.pipe(fileStream);
      sink = gz;
    }
    const w = new FixtureWriter(dir, tmp, opts, fileName, sink, fileStream);
    w.failure = failure;
    return w;
  }

  private failure: { error?: Error } = {};
  private throwIfFailed(): void {
    if (this.failure.error) throw ioError(this.failure.error, path.join(this.tmp, this.fileName), "cannot write the snapshots");
  }

  async write(s: Snapshot): Promise<void> {
    try {
      validateSnapshotRow(s);
    } catch (e) {
      throw e instanceof GrinderError ? e.at({ line: this.rows + 1 }) : e;
    }
    const spec = this.specs.get(s.symbol);
    if (!spec)
      throw new GrinderError(ErrorCode.UNKNOWN_SYMBOL, `symbol '${s.symbol}' not declared`, { line: this.rows + 1, field: "symbol" });
    try {
      checkGrid(s, spec);
    } catch (e) {
      throw e instanceof GrinderError ? e.at({ line: this.rows + 1 }) : e;
    }
    if (s.ts < this.lastTs)
      throw new GrinderError(ErrorCode.TIME_BACKWARDS, `ts ${s.ts} before ${this.lastTs}`, { line: this.rows + 1, field: "ts" });
    this.lastTs = s.ts;
    const line = snapshotLine(s);
    this.hash.update(line);
    this.rows++;
    this.bytes += line.length;
    // Lines are handed to the sink in ~64 KB batches: one gzip call per line costs a thread-pool
    // round trip each (66k rows: 7 s instead of 0.1 s at level 9).
    this.pending += line;
    if (this.pending.length >= 65536) await this.flushPending();
  }

  private pending = "";
  private async flushPending(): Promise<void> {
    this.throwIfFailed();
    const chunk = this.pending;
    this.pending = "";
    if (chunk.length && !this.sink.write(chunk)) await this.drained();
    this.throwIfFailed();
  }

  /**
   * Until the sink drains or the file closes (a failed write closes it). Both waits are removed
   * when either ends: a `close` wait left behind per drain kept two listeners per 64 KB on the
   * file stream (memory growing with the data; Node's MaxListeners warning from the 11th).
   */
  private async drained(): Promise<void> {
    const stop = new AbortController();
    try {
      await Promise.race([once(this.sink, "drain", { signal: stop.signal }), once(this.fileStream, "close", { signal: stop.signal })]);
    } finally {
      stop.abort();
    }
  }

  /** Finish the file, write the manifest and move the folder into place. Returns the manifest. */
  async close(): Promise<FixtureManifest> {
    try {
      return await this.finish();
    } catch (e) {
      await fsp.rm(this.tmp, { recursive: true, force: true }).catch(ignore);
      throw ioError(e, path.resolve(this.dir), "cannot write the fixture");
    }
  }

  private async finish(): Promise<FixtureManifest> {
    await this.flushPending();
    const done = Promise.race([once(this.fileStream, "finish"), once(this.fileStream, "close")]);
    this.sink.end();
    await done;
    this.throwIfFailed();
    const manifest: FixtureManifest = {
      name: this.opts.name,
      version: this.opts.version ?? 1,
      description: this.opts.description,
      scenario: this.opts.scenario,
      symbols: [...this.opts.symbols].sort((a, b) => (a.symbol < b.symbol ? -1 : 1)),
      snapshots: this.fileName,
      rows: this.rows,
      content_sha256: this.hash.digest("hex"),
      ...(this.opts.provenance ? { provenance: this.opts.provenance } : {}),
      ...(this.trades ? { trades: this.trades } : {}),
    };
    const checked = FixtureManifestSchema.safeParse(manifest);
    if (!checked.success) throw fromZodError(checked.error, "fixture manifest");
    await fsp.writeFile(path.join(this.tmp, "fixture.json"), JSON.stringify(sortKeysDeep(manifest), null, 2) + "\n");
    // Keep files that are not ours (README, notes) from an existing fixture folder; its
    // expected.json only while the content is unchanged (else it describes other data: ADR-084).
    const target = path.resolve(this.dir);
    if (existsSync(target)) {
      let oldHash: unknown;
      try {
        oldHash = (JSON.parse(readFileSync(path.join(target, "fixture.json"), "utf8")) as { content_sha256?: unknown }).content_sha256;
      } catch {
        oldHash = undefined;
      }
      for (const f of await fsp.readdir(target)) {
        if (f === "fixture.json" || f.startsWith("snapshots.jsonl") || f.startsWith("trades.jsonl")) continue;
        if (f === "expected.json" && oldHash !== manifest.content_sha256) continue;
        const st = await fsp.lstat(path.join(target, f));
        if (!st.isFile()) continue;
        await fsp.copyFile(path.join(target, f), path.join(this.tmp, f));
      }
      const old = `${target}.old-${process.pid}`;
      await fsp.rename(target, old);
      await fsp.rename(this.tmp, target);
      await fsp.rm(old, { recursive: true, force: true });
    } else {
      await fsp.mkdir(path.dirname(target), { recursive: true });
      await fsp.rename(this.tmp, target);
    }
    return manifest;
  }

  /** Discard everything written (the target folder is untouched). */
  async abort(): Promise<void> {
    this.pending = "";
    (this.sink as unknown as { destroy(): void }).destroy();
    (this.fileStream as unknown as { destroy(): void }).destroy();
    await fsp.rm(this.tmp, { recursive: true, force: true });
  }

  // ---- trades sidecar (ADR-050): written by `TradeWriter` into the staging folder ----
  private trades?: TradesFile;
  /** The staging folder that replaces the target on `close()` (sidecar writers write here). */
  get stagingDir(): string {
    return this.tmp;
  }
  /** Declare the trades sidecar written into `stagingDir` (goes into the manifest). */
  setTrades(t: TradesFile): void {
    this.trades = t;
  }

  get rowCount(): number {
    return this.rows;
  }
  get plainBytes(): number {
    return this.bytes;
  }
}

/** Deep copy with object keys sorted, for stable pretty-printed JSON files. */
export function sortKeysDeep<T>(v: T): T {
  if (Array.isArray(v)) return v.map(sortKeysDeep) as unknown as T;
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeysDeep((v as Record<string, unknown>)[k]);
    return out as T;
  }
  return v;
}

/** Atomic text write: temp file in the same folder, then rename. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    if (!existsSync(path.dirname(file))) await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.writeFile(tmp, data);
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(ignore);
    throw ioError(e, file, "cannot write");
  }
}
