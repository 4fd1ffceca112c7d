import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { ROOT, describeFailure, jupyterProblem, runNotebook, tempDir } from "./jupyter";
import { LADDER } from "../../sdk/engine/sensitivity";
import { makeFillModel } from "../../sdk/sim/fill-models";
import { SENSITIVITY_METRICS } from "../../sdk/notebook/sensitivity";
import { replayBarBaselines } from "../../sdk/analysis/baselines";
import { replayBarDataset } from "../../sdk/engine/replay-bars";

const NB_DIR = path.join(ROOT, "notebooks");
const notebooks = readdirSync(NB_DIR).filter((f) => f.endsWith(".ipynb")).sort();
/** The acceptance report notebook is executed by `grinder report` in report.test.ts. */
const REPORT = "07_acceptance_report.ipynb";

interface Cell {
  cell_type: string;
  id?: string;
  source: string | string[];
  outputs?: unknown[];
  execution_count?: number | null;
}

describe("notebooks: committed form", () => {
  it("the notebooks exist", () => {
    for (const n of ["01_fixtures", "02_features_and_regimes", "03_grid_plan_anatomy", "04_replay_and_cycles", "05_calibration", "06_topk_portfolio", "07_acceptance_report", "08_real_data", "09_ml_regime"])
      expect(notebooks, `notebooks/${n}.ipynb`).to.include(`${n}.ipynb`);
  });
  for (const f of notebooks) {
    it(`${f}: grinder kernel, no outputs, cell ids, imports only the SDK`, () => {
      const nb = JSON.parse(readFileSync(path.join(NB_DIR, f), "utf8"));
      expect(nb.metadata.kernelspec.name, "kernel").to.equal("grinder");
      const ids = new Set<string>();
      for (const c of nb.cells as Cell[]) {
        expect(c.id, "every cell has an id").to.be.a("string");
        ids.add(c.id as string);
        if (c.cell_type !== "code") continue;
        expect(c.outputs, `cell ${c.id} committed without outputs`).to.deep.equal([]);
        expect(c.execution_count, `cell ${c.id} not executed`).to.equal(null);
        const src = Array.isArray(c.source) ? c.source.join("") : c.source;
        for (const m of src.matchAll(/from\s+"([^"]+)"/g))
          expect(m[1], `cell ${c.id} imports only the public API ("./sdk", "./sdk/notebook")`).to.match(/^\.\/sdk(\/notebook)?$|^tslab$/);
      }
      expect(ids.size, "cell ids are unique").to.equal(nb.cells.length);
    });
  }
});

describe("notebooks: executed headless through Jupyter on the grinder kernel", () => {
  const dir = tempDir();
  for (const f of notebooks.filter((n) => n !== REPORT)) {
    it(`${f} runs without a cell error @slow`, async function () {
      this.timeout(600_000);
      const problem = jupyterProblem();
      expect(problem, problem ?? "").to.equal(null);
      const s = runNotebook(`notebooks/${f}`, { ipynb: path.join(dir, f) });
      expect(s.ok, describeFailure(s)).to.equal(true);
      expect(s.executed, "every code cell ran").to.equal(s.code_cells);
      if (f === "04_replay_and_cycles.ipynb") checkSensitivityChart(path.join(dir, f));
      if (f === "08_real_data.ipynb") await checkBarBaselines(path.join(dir, f));
    });
  }
});

/** Notebook 08's baselines cell (ADR-265): the three rows, and a verdict that names exactly the baselines the SDK says the adaptive run loses to. */
async function checkBarBaselines(ipynb: string): Promise<void> {
  const nb = JSON.parse(readFileSync(ipynb, "utf8")) as { cells: Array<{ id?: string; outputs?: Array<{ data?: Record<string, string | string[]> }> }> };
  const text = (nb.cells.find((c) => c.id === "c02c")?.outputs ?? []).map((o) => [o.data?.["text/plain"] ?? ""].flat().join(""));
  expect(text.length, "the baselines cell shows a table and a verdict").to.equal(2);
  for (const s of ["adaptive grid", "static grid", "buy and hold"]) expect(text[0]).to.include(s);
  const gbp = path.join(ROOT, "datasets", "gbpusd_m1_2012_02", "dataset.json");
  const rows = await replayBarBaselines(await replayBarDataset(gbp), gbp);
  const worse = rows.filter((r) => r.uplift < 0).map((r) => r.strategy);
  expect(text[1]).to.equal(worse.length ? `On this month the adaptive grid does **worse** than: ${worse.join(", ")}.` : "On this month the adaptive grid beats both baselines.");
  // the calibration API on the bar dataset (ADR-266): folds, a gate verdict, baselines; the refusal's reasons when it refuses
  const cal = (nb.cells.find((c) => c.id === "c05c")?.outputs ?? []).map((o) => [o.data?.["text/html"] ?? o.data?.["text/plain"] ?? ""].flat().join(""));
  expect(cal.length, "folds, gate, baselines (and the refusal)").to.be.at.least(3);
  expect(cal[0]).to.include("GBPUSD walk-forward folds");
  const verdict = /Gate: (passed|REFUSED)/.exec(cal[1])?.[1];
  expect(verdict, "the gate's verdict is shown").to.not.equal(undefined);
  expect(cal.length).to.equal(verdict === "REFUSED" ? 4 : 3);
}

/** Notebook 04's fill-model sensitivity chart (ADR-146): one bar trace per metric, one bar per rung, the SDK's figures. */
function checkSensitivityChart(ipynb: string): void {
  const nb = JSON.parse(readFileSync(ipynb, "utf8")) as { cells: Array<{ outputs?: Array<{ data?: Record<string, unknown> }> }> };
  const figs = nb.cells.flatMap((c) => (c.outputs ?? []).map((o) => o.data?.["application/vnd.plotly.v1+json"] as { data: Array<{ type: string; name: string; x: string[]; y: number[] }>; layout: { title: { text: string } } } | undefined));
  const fig = figs.find((x) => x && x.layout.title.text.startsWith("Fill-model sensitivity"));
  expect(fig, "notebook 04 shows the sensitivity chart").to.not.equal(undefined);
  expect(fig!.data.map((t) => t.name)).to.deep.equal(SENSITIVITY_METRICS.map((m) => m[1]));
  for (const t of fig!.data) {
    expect(t.type).to.equal("bar");
    expect(t.x, t.name).to.deep.equal(LADDER.map((k) => makeFillModel({ kind: k }).id));
    expect(t.y.every((v) => Number.isFinite(v)), t.name).to.equal(true);
  }
  const fills = fig!.data[0].y;
  expect(fills.every((v) => v > 0), "every rung fills on range_day_l1").to.equal(true);
  expect(new Set(fills).size, "the rungs do not all fill alike (the fixture carries prints)").to.be.greaterThan(1);
}
