import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { expect } from "chai";
import type { FixtureSummary } from "../../sdk/data/fixture";
import { tmpDir } from "./helpers";

const ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.join(ROOT, "bin", "grinder.js");

function grinder(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 16 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Copy a committed fixture folder (manifest, snapshots, trades sidecar when present) to `dest`. */
function copyFixture(name: string, dest: string): string {
  mkdirSync(dest, { recursive: true });
  for (const f of ["fixture.json", "snapshots.jsonl.gz", "trades.jsonl.gz"]) if (existsSync(path.join(ROOT, "fixtures", name, f))) copyFileSync(path.join(ROOT, "fixtures", name, f), path.join(dest, f));
  return dest;
}

describe("cli: grinder fixtures validate", () => {
  const t = tmpDir("grinder-cli-");
  after(t.cleanup);

  it("validates every committed fixture, exit 0, per-fixture and per-symbol counts @slow", function () {
    this.timeout(180_000);
    const r = grinder("fixtures", "validate", "--json");
    expect(r.status, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as FixtureSummary[];
    const byName = new Map(out.map((s) => [s.name, s]));
    const want: Record<string, number> = {
      range_day_l1: 86_400,
      trend_day_l1: 86_400,
      vol_shock_l1: 86_400,
      multisymbol_topk_l1: 600_840,
      thin_book_l2: 14_400,
      impact_spike_l2: 14_400,
    };
    for (const [name, rows] of Object.entries(want)) {
      expect(byName.get(name)?.rows, name).to.equal(rows);
      expect(byName.get(name)?.hash_ok, name).to.equal(true);
    }
    expect(byName.get("multisymbol_topk_l1")!.symbols.map((s) => s.symbol)).to.deep.equal(["CHOPAUSDT", "CHOPBUSDT", "CHOPCUSDT", "STALEUSDT", "THINUSDT", "TOXICUSDT", "TRENDUSDT"]);
  });

  it("prints the per-fixture summary in text form", () => {
    const r = grinder("fixtures", "validate", "thin_book_l2");
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/✔ thin_book_l2: 14400 rows, 1 symbol\(s\), sha256 [0-9a-f]{12}/);
    expect(r.stdout).to.match(/DEPTHUSDT\s+rows=\s*14400 span=4\.00h L2=14400/);
  });

  it("exits non-zero naming file:line and field on a copied fixture with one corrupted line", () => {
    const dir = copyFixture("thin_book_l2", path.join(t.dir, "corrupt"));
    const gz = path.join(dir, "snapshots.jsonl.gz");
    const lines = gunzipSync(readFileSync(gz)).toString("utf8").split("\n");
    expect(lines[1233]).to.match(/"bid_qty":[0-9.]+/);
    lines[1233] = lines[1233].replace(/"bid_qty":[0-9.]+/, '"bid_qty":-3');
    writeFileSync(gz, gzipSync(lines.join("\n")));
    const r = grinder("fixtures", "validate", dir);
    expect(r.status).to.not.equal(0);
    expect(r.stderr).to.contain("E_BAD_NUMBER");
    expect(r.stderr).to.contain(`${gz}:1234`);
    expect(r.stderr).to.contain("field 'bid_qty'");
  });

  it("exits non-zero with E_HASH_MISMATCH when the manifest hash or a row was tampered with @slow", function () {
    this.timeout(120_000);
    const a = copyFixture("thin_book_l2", path.join(t.dir, "hash-manifest"));
    const mf = path.join(a, "fixture.json");
    const m = JSON.parse(readFileSync(mf, "utf8"));
    m.content_sha256 = m.content_sha256.replace(/^./, (c: string) => (c === "0" ? "1" : "0"));
    writeFileSync(mf, JSON.stringify(m, null, 2));
    const r1 = grinder("fixtures", "validate", a);
    expect(r1.status).to.not.equal(0);
    expect(r1.stderr).to.contain("E_HASH_MISMATCH");
    expect(r1.stderr).to.contain("content_sha256");

    // A valid but different row: every row still validates, only the hash can tell.
    const b = copyFixture("thin_book_l2", path.join(t.dir, "hash-row"));
    const gz = path.join(b, "snapshots.jsonl.gz");
    const lines = gunzipSync(readFileSync(gz)).toString("utf8").split("\n");
    const row = JSON.parse(lines[99]);
    row.last_price = row.last_price === row.ask_price ? row.bid_price : row.ask_price;
    lines[99] = JSON.stringify(row);
    writeFileSync(gz, gzipSync(lines.join("\n")));
    const r2 = grinder("fixtures", "validate", b);
    expect(r2.status).to.not.equal(0);
    expect(r2.stderr).to.contain("E_HASH_MISMATCH");
  });
});
