import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { expect } from "chai";
import { TrialJournal } from "../../sdk/calibration/journal";
import { loadArtifact, renderArtifact, verifyArtifactBytes, type CalibrationArtifact } from "../../sdk/calibration/artifact";
import { parseConfig } from "../../sdk/config";
import { PROJECT_ROOT } from "../../sdk/cli/fixtures-path";
import { ErrorCode, GrinderError } from "../../sdk/contracts/errors";
import type { Snapshot } from "../../sdk/contracts/market";
import { FixtureWriter, newLoadReport, openFixture, streamFixture, streamSnapshotFile } from "../../sdk/data/fixture";
import { runReplay } from "../../sdk/engine/run";
import { MidBarBuilder } from "../../sdk/features/bars";
import { environmentInfo } from "../../sdk/notebook/env";
import { canonicalJson, hashCanonical } from "../../sdk/util/canonical";
import { collect, l1, l2, rejection, T0, tmpDir, writeLines } from "../data/helpers";
import { BTC_CSV, ETH_WS, HAVE_DATA } from "../importers/helpers";
import { errorOf } from "../support";
import { exampleArtifact } from "../calibration/helpers";

/** Issue 15: one regression test per hostile-input case (CLI where the symptom was in the CLI). */

const BIN = path.join(PROJECT_ROOT, "bin", "grinder.js");
function grinder(args: string[], opts: { cwd?: string } = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? PROJECT_ROOT, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
/** A refusal: exit 2, one line naming the code, never a stack trace or an unhandled event. */
function expectRefusal(r: { status: number | null; stderr: string }, code: string): void {
  expect(r.status, r.stderr).to.equal(2);
  expect(r.stderr).to.contain(code);
  expect(r.stderr).to.not.match(/\n\s+at |Unhandled|TypeError|RangeError/);
}

const SPEC = { symbol: "AAAUSDT", tick_size: 0.01, lot_size: 0.5, min_notional: 5 };
async function fixture(dir: string, rows: number, gzip = false): Promise<string> {
  const w = await FixtureWriter.create(dir, { name: path.basename(dir), description: "t", scenario: {}, symbols: [SPEC], gzip });
  for (let i = 0; i < rows; i++) await w.write(l1(i) as unknown as Snapshot);
  await w.close();
  return dir;
}
/** Replace line `i` (0-based) of a fixture's snapshots file. */
function editLine(dir: string, i: number, line: string): void {
  const f = openFixture(dir).snapshotsPath;
  const text = f.endsWith(".gz") ? require("node:zlib").gunzipSync(readFileSync(f)).toString() : readFileSync(f, "utf8");
  const lines = text.split("\n").filter((x: string) => x.length);
  lines[i] = line;
  writeLines(f, lines);
}

describe("hostile input (issue 15): regression cases", function () {
  this.timeout(180_000);
  const t = tmpDir("grinder-hostile-");
  after(t.cleanup);

  describe("case 1: timestamps", () => {
    for (const [title, ts] of [["0", 0], ["ts x10", (T0 + 2000) * 10], ["above 2^53", 2 ** 53 + 2], ["1e300", 1e300], ["a seconds time", Math.floor(T0 / 1000)]] as Array<[string, number]>) {
      it(`a ${title} ts is E_TIME_RANGE at its line (strict), and the only row rejected (lenient)`, async () => {
        const file = writeLines(path.join(t.dir, `ts-${title.replace(/\W/g, "")}.jsonl`), [l1(0), l1(1), { ...l1(2), ts }, l1(3), l1(4)].map((r) => JSON.stringify(r)));
        const e = await rejection(collect(streamSnapshotFile(file)));
        expect([e.code, e.line, e.field]).to.deep.equal([ErrorCode.TIME_RANGE, 3, "ts"]);
        const report = newLoadReport(file);
        const rows = await collect(streamSnapshotFile(file, { lenient: true, report }));
        expect(rows.map((r) => r.ts)).to.deep.equal([0, 1, 3, 4].map((i) => T0 + i * 1000));
        expect(report.accepted + report.rejectedTotal).to.equal(report.lines);
      });
    }

    it("a jump over the allowed gap is refused (E_TIME_RANGE, configurable); a range can be configured", async () => {
      const file = writeLines(path.join(t.dir, "gap.jsonl"), [l1(0), { ...l1(1), ts: T0 + 8 * 86_400_000 }].map((r) => JSON.stringify(r)));
      const e = await rejection(collect(streamSnapshotFile(file)));
      expect([e.code, e.line]).to.deep.equal([ErrorCode.TIME_RANGE, 2]);
      expect(await collect(streamSnapshotFile(file, { maxGapMs: 9 * 86_400_000 }))).to.have.length(2);
      const e2 = await rejection(collect(streamSnapshotFile(file, { timeRange: { min: T0 + 1, max: T0 + 1e12 } })));
      expect([e2.code, e2.line]).to.deep.equal([ErrorCode.TIME_RANGE, 1]);
    });

    it("the bar builder does not walk a far jump bar by bar (bounded flat bars, the rest counted)", () => {
      let bars = 0;
      const b = new MidBarBuilder(60_000, () => bars++);
      b.update({ ts: T0, price: 100 });
      b.update({ ts: T0 + 60_000 * 1e6, price: 101 }); // a million minutes later
      expect(bars).to.equal(1 + b.maxFlatBars);
      expect(b.skippedBars).to.equal(1e6 - 1 - b.maxFlatBars);
      expect(b.currentOpenTime).to.equal(T0 + 60_000 * 1e6);
    });

    it("CLI: fixtures validate on a fixture with a 1e300 ts exits 2 naming file:line and field", async () => {
      const dir = await fixture(path.join(t.dir, "fx_ts"), 10);
      editLine(dir, 4, JSON.stringify({ ...l1(4), ts: 1e300 }));
      const r = grinder(["fixtures", "validate", dir]);
      expectRefusal(r, "E_TIME_RANGE");
      expect(r.stderr).to.contain(":5").and.contain("field 'ts'");
    });
  });

  describe("case 2: corrupt gzip with an early stop", () => {
    function corruptGz(file: string, badRowAt: number): string {
      const rows = Array.from({ length: 4000 }, (_, i) => JSON.stringify(i === badRowAt ? { ...l2(i), bid_qty: -1 } : l2(i)));
      const gz = gzipSync(rows.join("\n") + "\n");
      gz[Math.floor(gz.length * 0.8)] ^= 0xff; // damage the deflate stream well after the bad row
      writeFileSync(file, gz);
      return file;
    }
    it("strict first bad row, a consumer break: a typed error or a clean stop, never an unhandled 'error' event", async () => {
      const file = corruptGz(path.join(t.dir, "c.jsonl.gz"), 3);
      const seen: unknown[] = [];
      const spy = (e: unknown): void => void seen.push(e);
      process.on("uncaughtException", spy);
      try {
        const e = await rejection(collect(streamSnapshotFile(file)));
        expect([e.code, e.line, e.field]).to.deep.equal([ErrorCode.BAD_NUMBER, 4, "bid_qty"]);
        let n = 0;
        for await (const _ of streamSnapshotFile(file, { lenient: true })) if (++n === 10) break;
        await new Promise((r) => setTimeout(r, 300));
      } finally {
        process.off("uncaughtException", spy);
      }
      expect(seen, "no unhandled error event").to.deep.equal([]);
    });
    it("CLI: replay --to on a fixture whose gzip tail is corrupt exits 2 (E_IO), no crash", async () => {
      const dir = await fixture(path.join(t.dir, "fx_gz"), 3000, true);
      const f = openFixture(dir).snapshotsPath;
      const gz = readFileSync(f);
      gz[Math.floor(gz.length * 0.9)] ^= 0xff;
      writeFileSync(f, gz);
      const r = grinder(["replay", dir, "--to", String(T0 + 10_000)]);
      expect(r.status, r.stderr).to.equal(2);
      expect(r.stderr).to.match(/E_IO|E_HASH_MISMATCH|E_PARSE|E_BAD|E_TIME/);
      expect(r.stderr).to.not.match(/Unhandled|\n\s+at /);
    });
  });

  describe("case 3: lenient mode", () => {
    it("a blank line costs one rejected line; accepted + rejected = lines; the outlier (not what follows) is rejected", async () => {
      const lines = [l1(0), l1(1), "", l1(2), { ...l1(3), ts: (T0 + 3000) * 10 }, l1(4), l1(5)].map((r) => (r === "" ? "" : JSON.stringify(r)));
      const file = writeLines(path.join(t.dir, "len.jsonl"), [...lines, ""]);
      const report = newLoadReport(file);
      const rows = await collect(streamSnapshotFile(file, { lenient: true, report }));
      expect(rows.map((r) => r.ts)).to.deep.equal([0, 1, 2, 4, 5].map((i) => T0 + i * 1000));
      expect(report.rejected).to.deep.equal({ E_PARSE: 1, E_TIME_RANGE: 1 });
      expect(report.lines).to.equal(7);
      expect(report.accepted + report.rejectedTotal).to.equal(report.lines);
      expect(report.trailingBlank).to.equal(1);
    });
    it("CLI: fixtures validate --lenient still checks the row count and content hash (exit 2)", async () => {
      const dir = await fixture(path.join(t.dir, "fx_len"), 10);
      editLine(dir, 3, JSON.stringify({ ...l1(3), ask_qty: 4 }));
      const r = grinder(["fixtures", "validate", "--lenient", dir]);
      expectRefusal(r, "E_HASH_MISMATCH");
    });
  });

  describe("case 4: the report runs this checkout's kernel and says so", () => {
    it("run-notebook.py refuses a 'grinder' kernel whose launcher is outside the checkout", function () {
      if (!existsSync("/usr/bin/python3")) this.skip();
      const fake = path.join(t.dir, "checkout");
      mkdirSync(path.join(fake, "scripts"), { recursive: true });
      cpSync(path.join(PROJECT_ROOT, "scripts", "run-notebook.py"), path.join(fake, "scripts", "run-notebook.py"));
      const other = path.join(t.dir, "other-jupyter", "kernels", "grinder");
      mkdirSync(other, { recursive: true });
      writeFileSync(path.join(other, "kernel.json"), JSON.stringify({ argv: ["/elsewhere/scripts/grinder-kernel.sh", "{connection_file}"], display_name: "x", language: "typescript" }));
      const nb = path.join(t.dir, "n.ipynb");
      writeFileSync(nb, JSON.stringify({ cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 }));
      const r = spawnSync("/usr/bin/python3", [path.join(fake, "scripts", "run-notebook.py"), nb, "--kernel", "grinder"], {
        encoding: "utf8",
        env: { ...process.env, JUPYTER_PATH: path.join(t.dir, "other-jupyter") },
        timeout: 60_000,
      });
      expect(r.status, r.stderr).to.equal(2);
      expect(r.stderr).to.contain("/elsewhere/scripts/grinder-kernel.sh").and.contain("not this checkout's");
    });
    it("environmentInfo names the project root, the kernel launcher and the commit", () => {
      const env = environmentInfo();
      expect(env.project_root).to.equal(PROJECT_ROOT);
      expect(env.git_commit).to.match(/^[0-9a-f]{40}$|^unknown$/);
      const spec = path.join(PROJECT_ROOT, ".jupyter", "kernels", "grinder", "kernel.json");
      if (existsSync(spec)) expect(env.kernel_launcher).to.equal((JSON.parse(readFileSync(spec, "utf8")) as { argv: string[] }).argv[0]);
      expect(env.kernel_is_this_checkout, "not inside a kernel here").to.equal(null);
    });
  });

  describe("case 5: --resume does not trust the journal", () => {
    const rec = (k: string, pnl = 1) => ({ spec: "s", evaluator: "e", id: `000000-${k}`, key: k, point: { x: 1 }, unit: "u#0", metrics: { net_pnl: pnl } as never });
    function journal(name: string): string {
      const f = path.join(t.dir, name);
      const j = TrialJournal.open(f, "s", "e");
      for (const k of ["a", "b", "c"]) j.append(rec(k));
      j.close();
      return f;
    }
    it("a null last line is refused with a typed error naming file and line (not a TypeError)", () => {
      const f = journal("j-null.jsonl");
      appendFileSync(f, "null\n");
      const e = errorOf(() => TrialJournal.open(f, "s", "e", { resume: true }));
      expect([e.code, e.file, e.line]).to.deep.equal([ErrorCode.BAD_TYPE, f, 4]);
    });
    it("a record edited by hand (+50 net PnL) is refused (E_HASH_MISMATCH, line, field chain)", () => {
      const f = journal("j-edit.jsonl");
      writeFileSync(f, readFileSync(f, "utf8").replace(/"net_pnl":1/, '"net_pnl":51'));
      const e = errorOf(() => TrialJournal.open(f, "s", "e", { resume: true }));
      expect([e.code, e.line, e.field]).to.deep.equal([ErrorCode.HASH_MISMATCH, 1, "chain"]);
    });
    it("a removed middle line is refused; an intact journal resumes with extra payload fields kept", () => {
      const f = journal("j-del.jsonl");
      const ls = readFileSync(f, "utf8").split("\n");
      writeFileSync(f, [ls[0], ls[2], ""].join("\n"));
      expect(errorOf(() => TrialJournal.open(f, "s", "e", { resume: true })).code).to.equal(ErrorCode.HASH_MISMATCH);
      const g = path.join(t.dir, "j-extra.jsonl");
      const j = TrialJournal.open(g, "s", "e");
      j.append({ ...rec("a"), diagnostics: { trades: 3 } } as never);
      j.close();
      const j2 = TrialJournal.open(g, "s", "e", { resume: true });
      expect((j2.get("a") as unknown as { diagnostics: unknown }).diagnostics).to.deep.equal({ trades: 3 });
      j2.close();
    });
  });

  describe("case 6: import failures", () => {
    const leftovers = (dir: string): string[] => readdirSync(dir).filter((n) => /\.tmp-|\.old-/.test(n));
    (HAVE_DATA ? it : it.skip)("CLI: a bad --name, an existing output without --force, an output that is a file, a folder as input: exit 2, nothing left behind", () => {
      const dir = path.join(t.dir, "imp");
      mkdirSync(dir);
      expectRefusal(grinder(["import", "binance-bookticker-csv", BTC_CSV, "--out", path.join(dir, "x"), "--name", "a/b c"]), "E_INVALID_ARGUMENT");
      expectRefusal(grinder(["import", "binance-bookticker-csv", BTC_CSV, "--out", path.join(dir, "with space")]), "E_INVALID_ARGUMENT");
      expect(readdirSync(dir), "nothing written").to.deep.equal([]);
      mkdirSync(path.join(dir, "old"));
      writeFileSync(path.join(dir, "old", "expected.json"), "{}");
      expectRefusal(grinder(["import", "binance-bookticker-csv", BTC_CSV, "--out", path.join(dir, "old")]), "E_REFUSED");
      writeFileSync(path.join(dir, "file"), "x");
      expectRefusal(grinder(["import", "binance-bookticker-csv", BTC_CSV, "--out", path.join(dir, "file")]), "E_IO");
      expectRefusal(grinder(["import", "binance-bookticker-csv", dir, "--out", path.join(dir, "y")]), "E_IO");
      expect(leftovers(dir)).to.deep.equal([]);
    });
    (HAVE_DATA ? it : it.skip)("CLI: a truncated .gz for binance-ws is E_IO exit 2; stale temp folders of dead runs are swept", () => {
      const dir = path.join(t.dir, "imp-ws");
      mkdirSync(dir);
      const gz = gzipSync(readFileSync(ETH_WS).subarray(0, 400_000));
      const cut = path.join(dir, "ethusdt-cut.txt.gz");
      writeFileSync(cut, gz.subarray(0, gz.length - 100));
      mkdirSync(path.join(dir, "eth.tmp-999999"));
      const r = grinder(["import", "binance-ws", cut, "--out", path.join(dir, "eth")]);
      expectRefusal(r, "E_IO");
      expect(leftovers(dir), "no temp folder left, the dead run's swept").to.deep.equal([]);
    });
    it("CLI: EPIPE when piped to head ends quietly", () => {
      const r = spawnSync("bash", ["-c", `node ${BIN} --help | head -c 10 >/dev/null; node ${BIN} fixtures validate range_day_l1 --json | head -c 1 >/dev/null; echo "rc=\${PIPESTATUS[0]}"`], { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 120_000 });
      expect(r.stderr).to.not.match(/EPIPE|\n\s+at /);
      expect(r.stdout).to.match(/rc=0/);
    });
  });

  describe("case 7: malformed or hostile files", () => {
    it("CLI: fixtures verify on an expected.json that is null, [] or lacks summary exits 2 naming the field", async () => {
      const dir = await fixture(path.join(t.dir, "fx_exp"), 200);
      for (const [text, code] of [["null", "E_BAD_TYPE"], ["[]", "E_BAD_TYPE"], [JSON.stringify({ fixture: "fx_exp", content_sha256: "x", fill_model: "touch@1", config_hash: "y", digest: "z", events_count: 1 }), "E_MISSING_FIELD"]]) {
        writeFileSync(path.join(dir, "expected.json"), text);
        const r = grinder(["fixtures", "verify", dir]);
        expectRefusal(r, code);
        expect(r.stderr).to.contain("expected.json");
      }
    });
    it("JSON nested 30k deep is E_TOO_LARGE in canonical JSON and in an artifact, not a stack overflow", () => {
      let deep: unknown = 1;
      for (let i = 0; i < 30_000; i++) deep = [deep];
      expect(errorOf(() => canonicalJson(deep)).code).to.equal(ErrorCode.TOO_LARGE);
      const file = path.join(t.dir, "deep-artifact.json");
      const text = '{"kind":"grinder.calibration.artifact","spec":' + "[".repeat(30_000) + "]".repeat(30_000) + "}";
      writeFileSync(file, text);
      const e = errorOf(() => verifyArtifactBytes(Buffer.from(text), file));
      expect(e.file).to.equal(file);
    });
    it("a line over the bound is E_TOO_LARGE naming the line", async () => {
      const file = writeLines(path.join(t.dir, "long.jsonl"), [JSON.stringify(l1(0)), "x".repeat(5000)]);
      const e = await rejection(collect(streamSnapshotFile(file, { maxLineBytes: 1000 })));
      expect([e.code, e.line]).to.deep.equal([ErrorCode.TOO_LARGE, 2]);
    });
    it("snapshots may not point outside the fixture, at a FIFO or /dev/zero, or through a symlink loop", async () => {
      const dir = await fixture(path.join(t.dir, "fx_ptr"), 5);
      const m = JSON.parse(readFileSync(path.join(dir, "fixture.json"), "utf8")) as Record<string, unknown>;
      for (const p of ["/etc/passwd", "../fx_exp/snapshots.jsonl"]) {
        writeFileSync(path.join(dir, "fixture.json"), JSON.stringify({ ...m, snapshots: p }));
        const e = errorOf(() => openFixture(dir));
        expect([e.code, e.field]).to.deep.equal([ErrorCode.CONFIG, "snapshots"]);
        expect(e.message).to.not.contain("root:");
      }
      writeFileSync(path.join(dir, "fixture.json"), JSON.stringify({ ...m, snapshots: "snapshots-z.jsonl" }));
      symlinkSync("/dev/zero", path.join(dir, "snapshots-z.jsonl"));
      expect(errorOf(() => openFixture(dir)).message).to.contain("not a regular file");
      spawnSync("mkfifo", [path.join(dir, "snapshots-f.jsonl")]);
      writeFileSync(path.join(dir, "fixture.json"), JSON.stringify({ ...m, snapshots: "snapshots-f.jsonl" }));
      expect(errorOf(() => openFixture(dir)).message).to.contain("not a regular file");
      symlinkSync("snapshots-l2.jsonl", path.join(dir, "snapshots-l1.jsonl"));
      symlinkSync("snapshots-l1.jsonl", path.join(dir, "snapshots-l2.jsonl"));
      writeFileSync(path.join(dir, "fixture.json"), JSON.stringify({ ...m, snapshots: "snapshots-l1.jsonl" }));
      expect(errorOf(() => openFixture(dir)).message).to.contain("symlink loop");
    });
    it("a tampered snapshots file (valid rows) is refused by runReplay and by CLI fixtures verify (exit 2, never ✔)", async () => {
      const dir = await fixture(path.join(t.dir, "fx_tamper"), 300);
      editLine(dir, 250, JSON.stringify({ ...l1(250), bid_qty: 9 }));
      const e = await rejection(runReplay({ fixture: dir }));
      expect([e.code, e.field]).to.deep.equal([ErrorCode.HASH_MISMATCH, "content_sha256"]);
      const e2 = await rejection(runReplay({ fixture: dir, window: { to_ts: T0 + 10_000 } }));
      expect(e2.code, "an early stop still hashes the rest").to.equal(ErrorCode.HASH_MISMATCH);
      const r = grinder(["fixtures", "verify", dir]);
      expectRefusal(r, "E_HASH_MISMATCH");
      expect(r.stdout).to.not.contain("✔");
    });
  });

  describe("case 8: contract gaps", () => {
    const bad = (name: string, row: Record<string, unknown>, code: string, field: string) =>
      it(`${name}: ${code} at ${field}`, async () => {
        const file = writeLines(path.join(t.dir, `c8-${name.replace(/\W/g, "")}.jsonl`), [JSON.stringify(l2(0)), JSON.stringify(row)]);
        const e = await rejection(collect(streamSnapshotFile(file, { instruments: new Map([[SPEC.symbol, SPEC]]) })));
        expect([e.code, e.line, e.field]).to.deep.equal([code, 2, field]);
      });
    bad("price off the tick grid", { ...l1(1), bid_price: 100.005 }, ErrorCode.OFF_GRID, "bid_price");
    bad("qty off the lot grid", { ...l1(1), ask_qty: 0.7 }, ErrorCode.OFF_GRID, "ask_qty");
    bad("L2 level off the grid", (() => { const r = l2(1) as { book: { asks: Array<{ qty: number }> } }; r.book.asks[3].qty = 1.25; return r; })(), ErrorCode.OFF_GRID, "book.asks[3].qty");
    bad("crossed L2 book", (() => { const r = l2(1) as { book: { bids: Array<{ price: number }>; asks: Array<{ price: number }> } }; r.book.asks = [{ price: 99.99, qty: 1 } as never]; return r; })(), ErrorCode.CROSSED_BOOK, "book.bids[0].price");
    bad("book.ts after ts", { ...l2(1), book: { ...(l2(1).book as object), ts: T0 + 5000 } }, ErrorCode.BOOK_MISMATCH, "book.ts");
    it("two instrument specs for one symbol are refused by the manifest schema", async () => {
      const dir = await fixture(path.join(t.dir, "fx_dup"), 3);
      const m = JSON.parse(readFileSync(path.join(dir, "fixture.json"), "utf8")) as { symbols: unknown[] };
      writeFileSync(path.join(dir, "fixture.json"), JSON.stringify({ ...m, symbols: [SPEC, { ...SPEC, tick_size: 0.1 }] }));
      const e = errorOf(() => openFixture(dir));
      expect([e.code, e.field]).to.deep.equal([ErrorCode.CONFIG, "symbols[1].symbol"]);
      expect(e.detail).to.contain("duplicate");
    });
    it("K outside 3..5 through k_min / k_max is E_CONFIG naming the field", () => {
      expect(errorOf(() => parseConfig({ portfolio: { k_min: 1, k: 1 } })).field).to.equal("portfolio.k_min");
      expect(errorOf(() => parseConfig({ portfolio: { k_max: 9 } })).field).to.equal("portfolio.k_max");
    });
    it("an artifact whose config_hash does not name its parameters is refused, even with recomputed hashes", async () => {
      const a = loadArtifact(await exampleArtifact());
      const edited = JSON.parse(JSON.stringify(a)) as CalibrationArtifact;
      (edited.parameters as { risk: { dd_budget_frac: number } }).risk.dd_budget_frac = 0.5;
      const { sha256: _s, provenance: _p, ...rest } = edited;
      edited.sha256 = hashCanonical(rest);
      edited.provenance = { git_commit: a.provenance.git_commit, sha256: hashCanonical({ artifact: edited.sha256, git_commit: a.provenance.git_commit }) };
      const e = errorOf(() => verifyArtifactBytes(Buffer.from(renderArtifact(edited))));
      expect([e.code, e.field]).to.deep.equal([ErrorCode.HASH_MISMATCH, "config_hash"]);
    });
    it("error messages are bounded (a 10 MB symbol gives a short line)", async () => {
      const file = writeLines(path.join(t.dir, "bigsym.jsonl"), [JSON.stringify(l1(0, "S".repeat(10_000_000)))]);
      const e = await rejection(collect(streamSnapshotFile(file, { symbols: ["AAAUSDT"] })));
      expect(e.code).to.equal(ErrorCode.UNKNOWN_SYMBOL);
      expect(e.message.length).to.be.lessThan(2000);
    });
  });

  describe("case 9: smaller ones", () => {
    it("CLI: --workers has an upper bound; import --out /proc/x does not hang", () => {
      expectRefusal(grinder(["calibrate", "calibration/specs/none.json", "--workers", "100000"]), "E_INVALID_ARGUMENT");
      if (HAVE_DATA) expectRefusal(grinder(["import", "binance-bookticker-csv", BTC_CSV, "--out", "/proc/x"]), "E_IO");
    });
    it("an empty symbols array says so (not E_BAD_NUMBER); a bad name names the field", async () => {
      const dir = await fixture(path.join(t.dir, "fx_empty"), 3);
      const m = JSON.parse(readFileSync(path.join(dir, "fixture.json"), "utf8")) as Record<string, unknown>;
      writeFileSync(path.join(dir, "fixture.json"), JSON.stringify({ ...m, symbols: [] }));
      const e = errorOf(() => openFixture(dir));
      expect(e.detail).to.contain("at least one instrument");
      expect(e.field).to.equal("symbols");
      const w = await FixtureWriter.create(path.join(t.dir, "bad name"), { name: "bad name", description: "", scenario: {}, symbols: [SPEC] }).then(
        () => null,
        (x: unknown) => x,
      );
      expect(w).to.be.instanceOf(GrinderError).and.include({ code: ErrorCode.INVALID_ARGUMENT, field: "name" });
      expect(existsSync(path.join(t.dir, "bad name.tmp-" + process.pid))).to.equal(false);
    });
    it("streamFixture verifies by default and can be told not to", async () => {
      const dir = await fixture(path.join(t.dir, "fx_sv"), 20);
      editLine(dir, 5, JSON.stringify({ ...l1(5), bid_qty: 2 }));
      expect((await rejection(collect(streamFixture(dir)))).code).to.equal(ErrorCode.HASH_MISMATCH);
      expect(await collect(streamFixture(dir, { verify: false }))).to.have.length(20);
    });
  });
});
