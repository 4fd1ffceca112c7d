import { createReadStream, createWriteStream, existsSync, promises as fsp, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { createGunzip, createGzip } from "node:zlib";
import { once } from "node:events";
import { z } from "zod";
import { ErrorCode, GrinderError } from "../contracts/errors";
import { InstrumentSpecSchema, TradesFileSchema, type InstrumentSpec, type Snapshot, type TradesFile } from "../contracts/market";
import { fromZodError } from "../contracts/zod";
import { canonicalJson } from "../util/canonical";
import { validateSnapshotRow } from "./validate";

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
    symbols: z.array(InstrumentSpecSchema).min(1),
    /** File holding the snapshots, relative to the fixture folder. */
    snapshots: z.string(),
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

/** Read and validate a fixture's manifest. */
export function openFixture(dir: string): Fixture {
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
  if (!existsSync(snapshotsPath)) throw new GrinderError(ErrorCode.IO, "snapshots file is missing", { file: snapshotsPath });
  const instruments = new Map<string, InstrumentSpec>();
  for (const s of [...manifest.symbols].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0)))
    instruments.set(s.symbol, s);
  return { dir: path.resolve(dir), manifest, snapshotsPath, instruments };
}

/** Reasons a row was rejected in lenient mode, counted by error code. */
export interface LoadReport {
  file: string;
  lines: number;
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
}

export function newLoadReport(file: string): LoadReport {
  return { file, lines: 0, accepted: 0, rejected: {}, rejectedTotal: 0, examples: [] };
}

/** Lines of a text file, gunzipped when the name ends in `.gz`. Streams: memory is flat. */
export function readLines(file: string): AsyncIterable<string> {
  const raw = createReadStream(file);
  const input = file.endsWith(".gz") ? raw.pipe(createGunzip()) : raw;
  raw.on("error", (e) => input.destroy(e));
  return createInterface({ input, crlfDelay: Infinity });
}

/**
 * Stream validated snapshots from a JSONL file. Rows must be in time order per symbol and
 * globally (non-decreasing `ts`); blank lines are allowed only at the end of the file.
 * Strict mode throws `GrinderError` (file, line, field) on the first bad row; lenient mode
 * skips it and counts it in `opts.report`: nothing is dropped silently.
 */
export async function* streamSnapshotFile(file: string, opts: StreamOptions = {}): AsyncGenerator<Snapshot> {
  const known = opts.symbols ? new Set(opts.symbols) : undefined;
  const report = opts.report ?? newLoadReport(file);
  const maxExamples = opts.maxExamples ?? 20;
  let lastTs = -1;
  let lineNo = 0;
  let blankSeen = 0;
  const lines = readLines(file)[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<string>;
      try {
        next = await lines.next();
      } catch (e) {
        // A missing/unreadable file or a corrupt or truncated gzip stream: a refusal naming the file.
        throw new GrinderError(ErrorCode.IO, `cannot read: ${(e as Error).message}`, { file, line: lineNo + 1 });
      }
      if (next.done) break;
      const line = next.value;
      lineNo++;
      report.lines = lineNo;
      if (line.length === 0) {
        if (!blankSeen) blankSeen = lineNo;
        continue;
      }
      let snap: Snapshot | undefined;
      try {
        if (blankSeen) throw new GrinderError(ErrorCode.PARSE, `blank line ${blankSeen} inside the file`, {});
        let row: unknown;
        try {
          row = JSON.parse(line);
        } catch (e) {
          throw new GrinderError(ErrorCode.PARSE, `invalid JSON: ${(e as Error).message}`);
        }
        snap = validateSnapshotRow(row);
        if (known && !known.has(snap.symbol))
          throw new GrinderError(ErrorCode.UNKNOWN_SYMBOL, `symbol '${snap.symbol}' is not declared in the fixture`, { field: "symbol" });
        if (snap.ts < lastTs)
          throw new GrinderError(ErrorCode.TIME_BACKWARDS, `ts ${snap.ts} is before the previous row's ${lastTs}`, { field: "ts" });
      } catch (e) {
        if (!(e instanceof GrinderError)) throw e;
        const err = e.at({ file, line: lineNo });
        if (!opts.lenient) throw err;
        report.rejected[err.code] = (report.rejected[err.code] ?? 0) + 1;
        report.rejectedTotal++;
        if (report.examples.length < maxExamples)
          report.examples.push({ line: lineNo, code: err.code, field: err.field, message: err.detail });
        continue;
      }
      lastTs = snap.ts;
      report.accepted++;
      // Yield outside the try: an error thrown into the generator by the consumer is not a bad row.
      yield snap;
    }
  } finally {
    // Close the reader (and its file) also when the consumer stops early.
    await lines.return?.();
  }
}

/** Stream a fixture's snapshots (see `streamSnapshotFile`). */
export function streamFixture(fx: Fixture | string, opts: StreamOptions = {}): AsyncGenerator<Snapshot> {
  const f = typeof fx === "string" ? openFixture(fx) : fx;
  return streamSnapshotFile(f.snapshotsPath, { symbols: f.instruments.keys(), ...opts });
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
  /** True when the content hash equals the manifest's. */
  hash_ok: boolean;
}

/**
 * Validate a fixture end to end: every row, the row count and the content hash.
 * Strict by default; a hash or count mismatch is a refusal (`E_HASH_MISMATCH`).
 */
export async function validateFixture(dir: string, opts: { lenient?: boolean } = {}): Promise<FixtureSummary> {
  const fx = openFixture(dir);
  const report = newLoadReport(fx.snapshotsPath);
  const hash = createHash("sha256");
  const per = new Map<string, SymbolSummary & { spreadSum: number; lastTs: number }>();
  for await (const s of streamFixture(fx, { lenient: opts.lenient, report })) {
    hash.update(canonicalJson(s));
    hash.update("\n");
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
  const content_sha256 = hash.digest("hex");
  const symbols = [...per.values()]
    .sort((x, y) => (x.symbol < y.symbol ? -1 : 1))
    .map(({ spreadSum, lastTs: _l, ...rest }) => ({ ...rest, mean_spread_bps: rest.rows ? spreadSum / rest.rows : 0 }));
  const rows = report.accepted;
  // The content hash is over canonical lines, so it only means something when nothing was skipped.
  const hash_ok = report.rejectedTotal === 0 && content_sha256 === fx.manifest.content_sha256;
  if (!opts.lenient) {
    if (rows !== fx.manifest.rows)
      throw new GrinderError(ErrorCode.HASH_MISMATCH, `manifest says ${fx.manifest.rows} rows, file has ${rows}`, { file: path.join(fx.dir, "fixture.json"), field: "rows" });
    if (!hash_ok)
      throw new GrinderError(ErrorCode.HASH_MISMATCH, `content SHA-256 ${content_sha256} does not match the manifest's ${fx.manifest.content_sha256}`, { file: path.join(fx.dir, "fixture.json"), field: "content_sha256" });
  }
  return { name: fx.manifest.name, rows, symbols, report, content_sha256, hash_ok };
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
  private readonly known: Set<string>;
  private constructor(
    private readonly dir: string,
    private readonly tmp: string,
    private readonly opts: FixtureWriterOptions,
    private readonly fileName: string,
    private readonly sink: NodeJS.WritableStream,
    private readonly fileStream: NodeJS.WritableStream,
  ) {
    this.known = new Set(opts.symbols.map((s) => s.symbol));
  }

  static async create(dir: string, opts: FixtureWriterOptions, expectedBytes = 0): Promise<FixtureWriter> {
    const tmp = `${path.resolve(dir)}.tmp-${process.pid}`;
    await fsp.rm(tmp, { recursive: true, force: true });
    await fsp.mkdir(tmp, { recursive: true });
    const gzip = opts.gzip ?? expectedBytes > (opts.gzipAboveBytes ?? 4_000_000);
    const fileName = gzip ? "snapshots.jsonl.gz" : "snapshots.jsonl";
    const fileStream = createWriteStream(path.join(tmp, fileName));
    let sink: NodeJS.WritableStream = fileStream;
    if (gzip) {
      const gz = createGzip({ level: 9 });
      gz.pipe(fileStream);
      sink = gz;
    }
    return new FixtureWriter(dir, tmp, opts, fileName, sink, fileStream);
  }

  async write(s: Snapshot): Promise<void> {
    validateSnapshotRow(s);
    if (!this.known.has(s.symbol))
      throw new GrinderError(ErrorCode.UNKNOWN_SYMBOL, `symbol '${s.symbol}' not declared`, { line: this.rows + 1, field: "symbol" });
    if (s.ts < this.lastTs)
      throw new GrinderError(ErrorCode.TIME_BACKWARDS, `ts ${s.ts} before ${this.lastTs}`, { line: this.rows + 1, field: "ts" });
    this.lastTs = s.ts;
    const line = canonicalJson(s) + "\n";
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
    const chunk = this.pending;
    this.pending = "";
    if (chunk.length && !this.sink.write(chunk)) await once(this.sink, "drain");
  }

  /** Finish the file, write the manifest and move the folder into place. Returns the manifest. */
  async close(): Promise<FixtureManifest> {
    await this.flushPending();
    const done = once(this.fileStream, "finish");
    this.sink.end();
    await done;
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
    FixtureManifestSchema.parse(manifest);
    await fsp.writeFile(path.join(this.tmp, "fixture.json"), JSON.stringify(sortKeysDeep(manifest), null, 2) + "\n");
    // Keep files that are not ours (expected.json, README) from an existing fixture folder.
    const target = path.resolve(this.dir);
    if (existsSync(target)) {
      for (const f of await fsp.readdir(target)) {
        if (f === "fixture.json" || f.startsWith("snapshots.jsonl") || f.startsWith("trades.jsonl")) continue;
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
    this.sink.end();
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
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await fsp.writeFile(tmp, data);
  await fsp.rename(tmp, file);
}
