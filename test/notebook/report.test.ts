import { expect } from "chai";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, inspectReport, type PageReport } from "./browser";
import { kernelSpawnSync } from "../harness/kernel-lock";
import { ROOT, jupyterProblem, tempDir } from "./jupyter";
import { LADDER } from "../../sdk/engine/sensitivity";
import { makeFillModel } from "../../sdk/sim/fill-models";

const FIXTURES = path.join(ROOT, "fixtures");
const SCREENSHOT = path.join(ROOT, "reports", "acceptance-first-screen.png");

function fixtureNames(): string[] {
  return require("node:fs")
    .readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d: { isDirectory(): boolean; name: string }) => d.isDirectory() && existsSync(path.join(FIXTURES, d.name, "fixture.json")))
    .map((d: { name: string }) => d.name)
    .sort();
}

describe("acceptance report: `grinder report` through Jupyter, opened in headless chromium @slow", function () {
  this.timeout(900_000);
  const out = tempDir("grinder-report-");
  let html = "";
  let page: PageReport;

  before("grinder report executes the notebook headless @slow", function () {
    const problem = jupyterProblem();
    expect(problem, problem ?? "").to.equal(null);
    const r = kernelSpawnSync(process.execPath, [path.join(ROOT, "bin", "grinder.js"), "report", "--out", out], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    expect(r.status, `grinder report failed:\n${r.stderr.slice(-6000)}`).to.equal(0);
    html = r.stdout.trim().split("\n").pop() ?? "";
  });

  it("prints the report path and writes the HTML and the executed notebook @slow", () => {
    expect(html).to.equal(path.join(out, "acceptance.html"));
    expect(statSync(html).size, "HTML with plotly.js inlined").to.be.greaterThan(1_000_000);
    const nb = JSON.parse(readFileSync(path.join(out, "acceptance.ipynb"), "utf8"));
    const code = nb.cells.filter((c: { cell_type: string }) => c.cell_type === "code");
    expect(code.every((c: { execution_count: number | null }) => c.execution_count !== null), "every cell executed").to.equal(true);
    // nbformat stores multi-line strings as arrays of lines.
    const text = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join("") : (v ?? ""));
    const withLib = code
      .flatMap((c: { outputs: Array<{ data?: Record<string, string | string[]> }> }) => c.outputs)
      .filter((o: { data?: Record<string, string | string[]> }) => text(o.data?.["text/html"]).includes("* plotly.js v"));
    expect(withLib, "plotly.js inlined exactly once per notebook").to.have.length(1);
  });

  it("lists why nothing traded next to the 0-fill warning (the no-trade tally of each fixture) @slow", () => {
    const nb = JSON.parse(readFileSync(path.join(out, "acceptance.ipynb"), "utf8"));
    const text = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join("") : (v ?? ""));
    const cell = nb.cells.find((c: { id?: string }) => c.id === "nb07-05-why");
    expect(cell, "the no-trade cell").to.not.equal(undefined);
    const shown = cell.outputs.map((o: { data?: Record<string, string | string[]> }) => text(o.data?.["text/markdown"]) + text(o.data?.["text/plain"])).join("");
    expect(shown).to.match(/Why nothing traded|Every symbol of every fixture traded/);
    // a fixture with 0 fills lists its symbols with the plans counted by reason
    if (shown.includes("Why nothing traded")) expect(shown).to.match(/0 fills in \d+ plans/);
  });

  it("renders every plotly chart offline in chromium, with data traces @slow", async function () {
    expect(existsSync(CHROMIUM), `${CHROMIUM} missing: scripts/setup.sh --with-browser installs it`).to.equal(true);
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    page = await inspectReport(html, SCREENSHOT);
    expect(page.pageErrors, "no script errors in the page").to.deep.equal([]);
    const nb = JSON.parse(readFileSync(path.join(out, "acceptance.ipynb"), "utf8"));
    const figures = nb.cells.flatMap((c: { outputs?: Array<{ data?: Record<string, unknown> }> }) => c.outputs ?? []).filter((o: { data?: Record<string, unknown> }) => o.data?.["application/vnd.plotly.v1+json"]);
    expect(page.plots.length, "one rendered chart per figure output").to.equal(figures.length);
    expect(page.plots.length, "at least two charts per fixture").to.be.at.least(2 * fixtureNames().length);
    for (const p of page.plots) {
      expect(p.hasSvg, `chart '${p.title}' drew its SVG`).to.equal(true);
      expect(p.tracesWithData, `chart '${p.title}' has data traces`).to.be.greaterThan(0);
      expect(p.svgTraces, `chart '${p.title}' drew its traces`).to.be.greaterThan(0);
    }
    expect(existsSync(SCREENSHOT), "screenshot saved").to.equal(true);
  });

  it("shows, for every fixture, the digest pinned in expected.json, and the run matches it @slow", () => {
    const names = fixtureNames();
    expect(page, "page inspected").to.not.equal(undefined);
    expect(page.digests.map((d) => d.fixture)).to.deep.equal(names);
    const problems: string[] = [];
    for (const d of page.digests) {
      const file = path.join(FIXTURES, d.fixture, "expected.json");
      expect(existsSync(file), `${file} pinned`).to.equal(true);
      const expected = JSON.parse(readFileSync(file, "utf8")).digest as string;
      expect(d.expected, `${d.fixture}: the report shows expected.json's digest`).to.equal(expected);
      expect(d.text, `${d.fixture}: digest visible in the table`).to.contain(d.digest);
      if (d.digest !== expected) problems.push(`${d.fixture}: replay ${d.digest} ≠ expected ${expected}`);
      else expect(d.status).to.equal("MATCH");
    }
    expect(problems, `digests differ from fixtures/<name>/expected.json (re-pin with 'grinder fixtures verify --update' and an ADR, or fix the regression):\n${problems.join("\n")}`).to.deep.equal([]);
  });

  it("shows the fill-model sensitivity table: one row for every fixture and every rung of the ladder @slow", async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await p.route("**/*", (route) => (/^(file|data):/.test(route.request().url()) ? route.continue() : route.abort()));
      await p.goto(`file://${html}`, { waitUntil: "load", timeout: 120_000 });
      const rows = (await p.evaluate(`Array.from(document.querySelectorAll("table.grinder-sensitivity tr.grinder-sensitivity-row")).map((r) => [r.getAttribute("data-fixture"), r.getAttribute("data-fill-model"), Array.from(r.querySelectorAll("td")).map((td) => td.innerText)])`)) as Array<[string, string, string[]]>;
      const want = fixtureNames().flatMap((f) => LADDER.map((k) => [f, makeFillModel({ kind: k }).id]));
      expect(rows.map((r) => [r[0], r[1]]).sort(), "a row per fixture and rung").to.deep.equal(want.sort());
      // columns: fixture, fill model, fills, …, prints (11th): every rung saw the fixture's whole trades sidecar
      for (const [f, k, cells] of rows) {
        expect(Number(cells[2]), `${f} ${k} fills`).to.be.at.least(0);
        const manifest = JSON.parse(readFileSync(path.join(FIXTURES, f, "fixture.json"), "utf8")) as { trades?: { rows: number } };
        expect(Number(cells[10]), `${f} ${k} prints`).to.equal(manifest.trades?.rows ?? 0);
      }
      const fills = (f: string) => rows.filter((r) => r[0] === f).map((r) => r[2][2]);
      expect(new Set(fills("range_day_l1")).size, "the rungs fill differently on a fixture with prints").to.be.greaterThan(1);
    } finally {
      await browser.close();
    }
  });

  it("shows the verdict first, the calibration's folds and gate table, and the commands that reproduce it @slow", async () => {
    const reportFile = path.join(ROOT, "calibration", "artifacts", "reports", "default-v1.json");
    const cal = JSON.parse(readFileSync(reportFile, "utf8")) as {
      verdict: string;
      folds: Array<{ id: string }>;
      gate: { checks: Array<{ name: string; passed: boolean }>; reasons: string[] };
      reproduce: string[];
    };
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await p.route("**/*", (route) => (/^(file|data):/.test(route.request().url()) ? route.continue() : route.abort()));
      await p.goto(`file://${html}`, { waitUntil: "load", timeout: 120_000 });
      const got = (await p.evaluate(`(() => {
        const v = document.querySelector(".grinder-verdict");
        const all = Array.from(document.querySelectorAll(".grinder-verdict, .grinder-digests, .grinder-folds, .grinder-gate, .grinder-plot"));
        return {
          verdict: v ? v.getAttribute("data-verdict") : null,
          verdictText: v ? v.innerText : "",
          reasons: Array.from(document.querySelectorAll(".grinder-verdict-reason")).map((x) => x.innerText),
          verdictFirst: all.length > 0 && all[0] === v,
          verdictTop: v ? v.getBoundingClientRect().top : -1,
          folds: Array.from(document.querySelectorAll("tr.grinder-fold")).map((r) => r.getAttribute("data-fold")),
          gate: Array.from(document.querySelectorAll("tr.grinder-gate-check")).map((r) => [r.getAttribute("data-check"), r.getAttribute("data-passed")]),
          reproduce: Array.from(document.querySelectorAll("pre.grinder-reproduce")).map((x) => x.innerText),
        };
      })()`)) as { verdict: string | null; verdictText: string; reasons: string[]; verdictFirst: boolean; verdictTop: number; folds: string[]; gate: string[][]; reproduce: string[] };
      expect(got.verdict, "a verdict is shown").to.be.oneOf(["PASS", "FAIL"]);
      expect(got.verdictFirst, "the verdict comes before digests, folds, gate and charts").to.equal(true);
      expect(got.verdictTop, "the verdict is on the first screen").to.be.within(0, 900);
      expect(got.verdictText).to.contain(`Verdict: ${got.verdict}`);
      if (cal.verdict !== "PASSED") {
        expect(got.verdict, "a refused calibration makes the report FAIL").to.equal("FAIL");
        expect(got.reasons.some((r) => r.includes("export refused by the gate")), got.reasons.join("\n")).to.equal(true);
        for (const why of cal.gate.reasons) expect(got.reasons.join("\n"), "every gate reason is in the verdict").to.contain(why);
      }
      if (got.verdict === "FAIL") expect(got.reasons.length, "FAIL gives its reasons").to.be.above(0);
      expect(got.folds, "one row per walk-forward fold").to.deep.equal(cal.folds.map((f) => f.id));
      expect(got.gate, "the gate table as in the calibration report").to.deep.equal(cal.gate.checks.map((c) => [c.name, String(c.passed)]));
      expect(got.reproduce.length).to.equal(1);
      for (const cmd of cal.reproduce) expect(got.reproduce[0], "reproduce commands").to.contain(cmd);
      expect(got.reproduce[0]).to.contain("npx grinder calibrate calibration/specs/default.json");
      expect(got.reproduce[0]).to.contain("npx grinder report");
    } finally {
      await browser.close();
    }
  });
});
