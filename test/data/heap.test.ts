import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { tmpDir } from "./helpers";

const CHILD = path.join(__dirname, "heap-child.ts");
const ROOT = path.resolve(__dirname, "..", "..");
const MB = 1024 * 1024;

interface HeapRun {
  rows: number;
  bytes: number;
  samples: number[];
  kept: number;
}

/** Run the child in its own process so the heap it measures holds nothing of the test runner. */
function run(file: string, rows: number, mode = "stream"): HeapRun {
  const r = spawnSync(process.execPath, ["--expose-gc", "-r", "tsx/cjs", CHILD, file, String(rows), mode], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 20 });
  expect(r.status, r.stderr).to.equal(0);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as HeapRun;
}

/** Largest heap growth after the first 10 % of the stream. */
function growth(samples: number[]): number {
  return Math.max(...samples.slice(1)) - samples[0];
}

describe("data: streaming keeps the heap flat", () => {
  const t = tmpDir("grinder-heap-");
  after(t.cleanup);

  it("2,000,000 rows (~250 MiB) stream with < 20 MB heap growth between 10 % and 100 % @slow", function () {
    this.timeout(240_000);
    const file = path.join(t.dir, "big.jsonl");
    try {
      const r = run(file, 2_000_000);
      expect(r.rows).to.equal(2_000_000);
      expect(r.bytes, "file size").to.be.greaterThan(200 * MB);
      expect(r.samples).to.have.length(10);
      const g = growth(r.samples);
      expect(g, `heap growth ${(g / MB).toFixed(1)} MB, samples ${r.samples.map((s) => (s / MB).toFixed(1)).join(", ")} MB`).to.be.lessThan(20 * MB);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it("control: the same measurement sees the growth when rows are retained", function () {
    this.timeout(60_000);
    const file = path.join(t.dir, "retain.jsonl");
    try {
      const r = run(file, 200_000, "retain");
      expect(r.kept).to.equal(200_000);
      expect(growth(r.samples), "retaining 200k rows must grow the heap by > 20 MB").to.be.greaterThan(20 * MB);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
