/**
 * Building blocks of the acceptance report (notebooks/07_acceptance_report.ipynb): replay a
 * fixture, compare its digest with the expected one, check run invariants, and turn a
 * `ReplayResult` into chart series.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { Fill, GridPlan, Regime } from "../contracts/trading";
import { REGIMES } from "../contracts/trading";
import type { GrinderConfig } from "../config";
import { runReplay } from "../engine/run";
import type { ReplayResult } from "../engine/replay";
import { loadArtifact, loadCalibrationReports, type CalibrationArtifact } from "../calibration/artifact";
import type { CalibrationBaselines } from "../calibration/calibrate";
import type { SetMetrics } from "../calibration/evaluator";
import { withParams } from "../calibration/evaluate-point";
import type { ParamPoint } from "../calibration/space";
import type { FoldReport, GateResult, ValidityInputs, WalkForwardSummary } from "../calibration/walkforward";
import { escapeHtml } from "./display";
import type { RegimeSegment } from "./figures";
import type { PlotlyFigure } from "./plotly";
import { FIXTURES_ROOT } from "./series";

type Table = ReplayResult["bars"];

/** The expected digest of a fixture, as the engine team pinned it in `expected.json`. */
export interface ExpectedDigest {
  file: string;
  digest: string | null;
  fill_model: string | null;
  config_hash: string | null;
  summary: Record<string, unknown> | null;
}

/** Read `<fixture>/expected.json` (null when absent). Unknown fields are kept out of the way. */
export function readExpected(fixtureDir: string): ExpectedDigest | null {
  const file = path.join(fixtureDir, "expected.json");
  if (!existsSync(file)) return null;
  const raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  const str = (k: string) => (typeof raw[k] === "string" ? (raw[k] as string) : null);
  return {
    file,
    digest: str("digest"),
    fill_model: str("fill_model"),
    config_hash: str("config_hash"),
    summary: raw.summary && typeof raw.summary === "object" ? (raw.summary as Record<string, unknown>) : null,
  };
}

/** One invariant of a run, checked from its result. */
export interface InvariantCheck {
  name: string;
  ok: boolean;
  detail: string;
}

function close(a: number, b: number, tol = 1e-6): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Invariants every replay must satisfy (accounting identity, counts, time order, DD bound). */
export function replayInvariants(r: ReplayResult): InvariantCheck[] {
  const s = r.summary;
  const checks: InvariantCheck[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const identity = s.equity_start + s.realized_pnl + s.unrealized_pnl - s.fees;
  add("equity identity", close(identity, s.equity_end), `start + realized + unrealized − fees = ${identity.toFixed(6)}; end = ${s.equity_end.toFixed(6)}`);
  add("fills counted", s.fills === r.fills.numRows(), `summary ${s.fills}, fills table ${r.fills.numRows()}`);
  add("cycles counted", s.cycles === r.cycles.numRows(), `summary ${s.cycles}, cycles table ${r.cycles.numRows()}`);
  const profits = Array.from(r.cycles.array("profit") as ArrayLike<number>);
  const cycleProfit = profits.reduce((a, b) => a + b, 0);
  add("cycle profit sums", close(cycleProfit, s.cycle_profit), `Σ cycles.profit = ${cycleProfit.toFixed(6)}; summary ${s.cycle_profit.toFixed(6)}`);
  const monotone = (t: Table) => {
    const ts = t.numRows() ? (t.array("ts") as ArrayLike<number>) : [];
    for (let i = 1; i < ts.length; i++) if (ts[i] < ts[i - 1]) return false;
    return true;
  };
  add("time order", monotone(r.bars) && monotone(r.fills), "bars and fills in non-decreasing data time");
  const fills = r.fills.objects() as Array<Pick<Fill, "qty" | "price">>;
  add("fills positive", fills.every((f) => f.qty > 0 && f.price > 0), "every fill has qty > 0 and price > 0");
  const eq = r.bars.numRows() ? Array.from(r.bars.array("equity") as ArrayLike<number>) : [];
  add("finite equity", eq.every(Number.isFinite), `${eq.length} equity marks, all finite`);
  add(
    "DD within budget or guarded",
    s.max_dd_utilization <= 1 + 1e-9 || s.guard_final === "EMERGENCY",
    `max DD utilization ${(s.max_dd_utilization * 100).toFixed(1)} %, guard ${s.guard_final}`,
  );
  return checks;
}

/** Outcome of one fixture in the acceptance report. */
export interface FixtureAcceptance {
  fixture: string;
  result: ReplayResult;
  expected: ExpectedDigest | null;
  /** MATCH / MISMATCH against expected.json, or NO_EXPECTED when none is pinned. */
  status: "MATCH" | "MISMATCH" | "NO_EXPECTED";
  /** Digest of a second, independent replay (when `rerun`), else null. */
  rerun_digest: string | null;
  invariants: InvariantCheck[];
}

/**
 * Replay a fixture (default config unless given), compare with `expected.json`, check the
 * invariants, and (with `rerun`) replay again to show the digest is reproducible.
 */
export async function acceptFixture(fixture: string, opts: { config?: GrinderConfig; rerun?: boolean; root?: string } = {}): Promise<FixtureAcceptance> {
  const dir = existsSync(path.join(fixture, "fixture.json")) ? fixture : path.join(opts.root ?? FIXTURES_ROOT, fixture);
  const result = await runReplay({ fixture: dir, config: opts.config });
  const expected = readExpected(dir);
  const rerun_digest = opts.rerun ? (await runReplay({ fixture: dir, config: opts.config })).digest : null;
  const status = !expected?.digest ? "NO_EXPECTED" : expected.digest === result.digest ? "MATCH" : "MISMATCH";
  const invariants = replayInvariants(result);
  if (rerun_digest !== null) invariants.unshift({ name: "reproducible digest", ok: rerun_digest === result.digest, detail: `second replay ${rerun_digest.slice(0, 16)}…` });
  return { fixture: result.fixture || path.basename(dir), result, expected, status, rerun_digest, invariants };
}

/** Headline row of a fixture's acceptance (for the summary table). */
export function acceptanceRow(a: FixtureAcceptance): Record<string, unknown> {
  const s = a.result.summary;
  return {
    fixture: a.fixture,
    status: a.status,
    reproducible: a.rerun_digest === null ? "" : a.rerun_digest === a.result.digest,
    invariants: `${a.invariants.filter((c) => c.ok).length}/${a.invariants.length}`,
    fills: s.fills,
    cycles: s.cycles,
    realized_pnl: s.realized_pnl,
    fees: s.fees,
    return_pct: s.return_pct,
    max_dd: s.max_dd,
    max_dd_util: s.max_dd_utilization,
    regime_changes: s.regime_transitions,
    guard: s.guard_final,
  };
}

/**
 * The digests as an HTML table whose cells carry `data-fixture`, `data-digest` and
 * `data-expected` attributes, so a reader (or a browser test) can compare them exactly.
 */
export function digestTableHtml(rows: ReadonlyArray<FixtureAcceptance>): string {
  const color = { MATCH: "#1a7f37", MISMATCH: "#cf222e", NO_EXPECTED: "#9a6700" };
  const td = "padding:2px 8px;border-bottom:1px solid #eee;";
  const body = rows
    .map(
      (a) =>
        `<tr class="grinder-digest" data-fixture="${escapeHtml(a.fixture)}" data-digest="${a.result.digest}" data-expected="${a.expected?.digest ?? ""}" data-status="${a.status}">` +
        `<td style="${td}">${escapeHtml(a.fixture)}</td>` +
        `<td style="${td}color:${color[a.status]};font-weight:bold;">${a.status}</td>` +
        `<td style="${td}"><code>${a.result.digest}</code></td>` +
        `<td style="${td}"><code>${a.expected?.digest ?? "—"}</code></td>` +
        `<td style="${td}">${escapeHtml(a.result.fill_model)}</td></tr>`,
    )
    .join("");
  const th = "padding:2px 8px;border-bottom:1px solid #888;text-align:left;background:#f4f4f4;";
  return (
    `<table class="grinder-digests" style="border-collapse:collapse;font:11px/1.4 ui-monospace,Menlo,monospace;">` +
    `<thead><tr>${["fixture", "status", "digest (this run)", "expected (expected.json)", "fill model"].map((h) => `<th style="${th}">${h}</th>`).join("")}</tr></thead>` +
    `<tbody>${body}</tbody></table>`
  );
}

// ---------------------------------------------------------------------------------------
// Series from a ReplayResult
// ---------------------------------------------------------------------------------------

/** Per-tick columns of one symbol from `result.bars`. */
export interface SymbolBars {
  symbol: string;
  ts: number[];
  mid: number[];
  equity: number[];
  inventory: number[];
  inventory_notional: number[];
  dd: number[];
  regime: Regime[];
}

/** Symbols present in a bars table, sorted. */
export function barSymbols(bars: Table): string[] {
  if (!bars.numRows()) return [];
  return [...new Set(Array.from(bars.array("symbol") as ArrayLike<string>))].sort();
}

/** The bars of one symbol as column arrays. */
export function symbolBars(bars: Table, symbol: string): SymbolBars {
  const out: SymbolBars = { symbol, ts: [], mid: [], equity: [], inventory: [], inventory_notional: [], dd: [], regime: [] };
  const n = bars.numRows();
  if (!n) return out;
  const col = (c: string) => bars.array(c) as ArrayLike<unknown>;
  const sym = col("symbol");
  const [ts, mid, eq, inv, invN, dd, reg] = ["ts", "mid", "equity", "inventory", "inventory_notional", "dd", "regime"].map(col);
  for (let i = 0; i < n; i++) {
    if (sym[i] !== symbol) continue;
    out.ts.push(ts[i] as number);
    out.mid.push(mid[i] as number);
    out.equity.push(eq[i] as number);
    out.inventory.push(inv[i] as number);
    out.inventory_notional.push(invN[i] as number);
    out.dd.push(dd[i] as number);
    out.regime.push(reg[i] as Regime);
  }
  return out;
}

/** Portfolio equity per tick (the last mark of each timestamp) and its drawdown (quote, ≤ 0). */
export function portfolioEquity(bars: Table): { ts: number[]; equity: number[]; drawdown: number[]; inventory_notional: number[] } {
  const ts: number[] = [];
  const equity: number[] = [];
  const invN: number[] = [];
  const n = bars.numRows();
  if (n) {
    const t = bars.array("ts") as ArrayLike<number>;
    const e = bars.array("equity") as ArrayLike<number>;
    const v = bars.array("inventory_notional") as ArrayLike<number>;
    for (let i = 0; i < n; i++) {
      if (ts.length && ts[ts.length - 1] === t[i]) {
        equity[equity.length - 1] = e[i];
        invN[invN.length - 1] += v[i];
      } else {
        ts.push(t[i]);
        equity.push(e[i]);
        invN.push(v[i]);
      }
    }
  }
  let peak = -Infinity;
  const drawdown = equity.map((x) => {
    peak = Math.max(peak, x);
    return x - peak;
  });
  return { ts, equity, drawdown, inventory_notional: invN };
}

/** Regime runs of every symbol from the bars (for timelines and bands). */
export function regimeSegmentsOf(bars: Table, endTs?: number): RegimeSegment[] {
  const out: RegimeSegment[] = [];
  for (const sym of barSymbols(bars)) {
    const b = symbolBars(bars, sym);
    let cur: RegimeSegment | null = null;
    for (let i = 0; i < b.ts.length; i++) {
      if (cur && cur.regime === b.regime[i]) continue;
      if (cur) cur.end = b.ts[i];
      cur = { start: b.ts[i], end: b.ts[i], regime: b.regime[i], symbol: sym };
      out.push(cur);
    }
    if (cur) cur.end = endTs ?? b.ts[b.ts.length - 1];
  }
  return out;
}

/** The grid plans of a run, in time order (needs `runReplay({ keepEvents: true })`). */
export function plansOf(r: ReplayResult, symbol?: string): GridPlan[] {
  const out: GridPlan[] = [];
  for (const e of r.events ?? []) {
    if (e.t !== "plan") continue;
    const p = e.plan as GridPlan;
    if (symbol === undefined || p.symbol === symbol) out.push(p);
  }
  return out;
}

/** Fills of a result as contract objects (optionally one symbol's). */
export function fillsOf(r: ReplayResult, symbol?: string): Fill[] {
  const all = r.fills.objects() as Fill[];
  return symbol === undefined ? all : all.filter((f) => f.symbol === symbol);
}

/**
 * Regime attribution of PnL: each completed cycle's profit (quote, after fees) is credited to
 * the regime its symbol was in at the last policy tick at or before the cycle closed.
 */
export function pnlByRegime(r: ReplayResult): Partial<Record<Regime, number>> {
  const out: Partial<Record<Regime, number>> = {};
  const bySym = new Map<string, SymbolBars>();
  for (const s of barSymbols(r.bars)) bySym.set(s, symbolBars(r.bars, s));
  for (const c of r.cycles.objects() as Array<{ ts: number; symbol: string; profit: number }>) {
    const b = bySym.get(c.symbol);
    if (!b || !b.ts.length) continue;
    let lo = 0;
    let hi = b.ts.length - 1;
    if (c.ts < b.ts[0]) continue;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (b.ts[mid] <= c.ts) lo = mid;
      else hi = mid - 1;
    }
    const reg = b.regime[lo];
    out[reg] = (out[reg] ?? 0) + c.profit;
  }
  return out;
}

/** Per symbol: fills, cycles, cycle profit (quote), policy ticks selected by Top-K, and ticks per regime. */
export function perSymbolSummary(r: ReplayResult): Array<Record<string, unknown>> {
  const rows: Array<Record<string, unknown>> = [];
  const fills = r.fills.objects() as Array<{ symbol: string }>;
  const cycles = r.cycles.objects() as Array<{ symbol: string; profit: number }>;
  const sel = r.bars.numRows() ? (r.bars.array("selected") as ArrayLike<boolean>) : [];
  const sym = r.bars.numRows() ? (r.bars.array("symbol") as ArrayLike<string>) : [];
  for (const s of barSymbols(r.bars)) {
    const b = symbolBars(r.bars, s);
    let selected = 0;
    for (let i = 0; i < sym.length; i++) if (sym[i] === s && sel[i]) selected++;
    const mine = cycles.filter((c) => c.symbol === s);
    const regimes: Partial<Record<Regime, number>> = {};
    for (const g of b.regime) regimes[g] = (regimes[g] ?? 0) + 1;
    rows.push({
      symbol: s,
      ticks: b.ts.length,
      selected_ticks: selected,
      fills: fills.filter((f) => f.symbol === s).length,
      cycles: mine.length,
      cycle_profit: mine.reduce((a, c) => a + c.profit, 0),
      regimes: REGIMES.filter((g) => regimes[g]).map((g) => `${g}:${regimes[g]}`).join(" "),
    });
  }
  return rows;
}

/** Minutes spent in each regime (per symbol summed), from the policy ticks. */
export function minutesInRegime(bars: Table): Partial<Record<Regime, number>> {
  const out: Partial<Record<Regime, number>> = {};
  for (const s of regimeSegmentsOf(bars)) out[s.regime] = (out[s.regime] ?? 0) + (s.end - s.start) / 60000;
  for (const r of REGIMES) if (out[r] !== undefined) out[r] = Math.round((out[r] as number) * 10) / 10;
  return out;
}

// ---------------------------------------------------------------------------------------
// Calibration artifacts
// ---------------------------------------------------------------------------------------

/** The project's artifact folder (`calibration/artifacts`). */
export const ARTIFACTS_ROOT = path.resolve(__dirname, "..", "..", "calibration", "artifacts");

/** Artifact files in a folder, sorted by name (null-safe when the folder does not exist). */
export function artifactFiles(dir = ARTIFACTS_ROOT): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Load and verify (hash checked; a mismatch throws) every artifact of a folder. */
export function loadArtifacts(dir = ARTIFACTS_ROOT): Array<{ file: string; artifact: CalibrationArtifact }> {
  return artifactFiles(dir).map((file) => ({ file, artifact: loadArtifact(file) }));
}

/** A compact description of an artifact: identity, hash, objective, tuned values. */
export function artifactRows(a: CalibrationArtifact, file?: string): Array<Record<string, unknown>> {
  const rows: Array<Record<string, unknown>> = [
    { field: "file", value: file ? path.basename(file) : "" },
    { field: "name / version", value: `${a.name} v${a.version}` },
    { field: "sha256 (verified)", value: a.sha256 },
    { field: "config_hash", value: a.config_hash },
    { field: "objective", value: `${JSON.stringify(a.objective.spec)} = ${a.objective.value}` },
    { field: "fill model", value: a.fill_model },
    { field: "search", value: `${a.search.method}, ${a.search.points} points, ${a.search.trials} trials` },
    { field: "sdk_version", value: a.sdk_version },
  ];
  for (const k of Object.keys(a.selected).sort()) rows.push({ field: `selected: ${k}`, value: JSON.stringify(a.selected[k]) });
  return rows;
}

// ---------------------------------------------------------------------------------------
// Acceptance report v2 (ADR-069): verdict, calibration folds and gate, candidate vs default,
// fill-model sensitivity, baselines, reproduce commands, zero-fill warnings
// ---------------------------------------------------------------------------------------

/** The calibration reports under `calibration/artifacts/reports/` (pass or refusal). */
export function calibrationReports(dir = ARTIFACTS_ROOT): Array<{ file: string; report: CalibrationReportView }> {
  return loadCalibrationReports(dir).map((x) => ({ file: x.file, report: x.report as unknown as CalibrationReportView }));
}

/** The fields of a calibration report the acceptance report reads. */
export interface CalibrationReportView {
  name: string;
  version: number;
  spec_hash: string;
  fill_model: string;
  verdict: "PASSED" | "REFUSED";
  search: { method: string; points: number; trials: number };
  folds: FoldReport[];
  summary: WalkForwardSummary;
  gate: GateResult;
  final: { selected: ParamPoint; objective: number | null; reason?: string; metrics: SetMetrics };
  pareto: { objectives: string[]; front: Array<{ point: ParamPoint; objective: number | null; metrics: SetMetrics }> };
  validity: ValidityInputs;
  baselines: CalibrationBaselines;
  reproduce: string[];
  artifact: string | null;
}

export interface AcceptanceVerdict {
  verdict: "PASS" | "FAIL";
  /** Why it fails (empty on PASS). */
  reasons: string[];
  /** Reported, not failing: fixtures with 0 fills, losing to buy-and-hold. */
  warnings: string[];
}

/**
 * The verdict of the acceptance report. FAIL on any of: a digest that differs from (or has no)
 * `expected.json`, a non-reproducible digest, a failed invariant, no calibration report, a
 * calibration the gate refused, a selection whose objective under the robust fill model is
 * negative or infeasible, an adaptive selection that does not beat the static grid. Warnings:
 * fixtures with 0 fills, an adaptive selection below buy-and-hold.
 */
export function acceptanceVerdict(runs: ReadonlyArray<FixtureAcceptance>, cal: CalibrationReportView | null): AcceptanceVerdict {
  const reasons: string[] = [];
  const warnings: string[] = [];
  for (const a of runs) {
    if (a.status === "MISMATCH") reasons.push(`digest mismatch on ${a.fixture}: ${a.result.digest.slice(0, 16)}… ≠ expected ${a.expected?.digest?.slice(0, 16)}…`);
    if (a.status === "NO_EXPECTED") reasons.push(`no digest pinned for ${a.fixture} (fixtures/${a.fixture}/expected.json)`);
    const bad = a.invariants.filter((c) => !c.ok);
    if (bad.length) reasons.push(`${a.fixture}: invariant(s) failed: ${bad.map((c) => c.name).join(", ")}`);
    if (a.result.summary.fills === 0) warnings.push(`${a.fixture}: 0 fills — the digest matches, but nothing was traded (no evidence about the strategy on this data)`);
  }
  if (!cal) reasons.push("no calibration report in calibration/artifacts/reports/ (run `npx grinder calibrate calibration/specs/default.json`)");
  else {
    if (cal.verdict !== "PASSED") reasons.push(`calibration ${cal.name} v${cal.version}: export refused by the gate — ${cal.gate.reasons.join("; ")}`);
    const r = cal.validity.robustness;
    if (r && (r.robust_objective === null || r.robust_objective < 0))
      reasons.push(`fill-model robustness: under ${r.robust_fill_model} the selection's objective is ${r.robust_objective === null ? `infeasible (${r.reason ?? ""})` : r.robust_objective.toFixed(4)} (net PnL ${r.robust_net_pnl.toFixed(2)})`);
    const b = cal.baselines;
    if (!(b.uplift_vs_static > 0)) reasons.push(`baselines: the adaptive selection (net ${b.adaptive.net_pnl.toFixed(2)}) does not beat the static grid (net ${b.static_grid.net_pnl.toFixed(2)}) on the calibration data`);
    if (b.uplift_vs_buy_and_hold !== null && !(b.uplift_vs_buy_and_hold > 0))
      warnings.push(`baselines: the adaptive selection (net ${b.adaptive.net_pnl.toFixed(2)}) is below buy-and-hold (net ${(b.buy_and_hold.net_pnl ?? 0).toFixed(2)}) on the calibration data`);
  }
  return { verdict: reasons.length ? "FAIL" : "PASS", reasons, warnings };
}

const TD = "padding:2px 8px;border-bottom:1px solid #eee;";
const TH = "padding:2px 8px;border-bottom:1px solid #888;text-align:left;background:#f4f4f4;";
const fmtN = (v: unknown, d = 4): string => (v === null || v === undefined ? "—" : typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(d)) : escapeHtml(String(v)));

/** The verdict block (first thing in the report): `div.grinder-verdict[data-verdict]` with one `li` per reason / warning. */
export function verdictHtml(v: AcceptanceVerdict): string {
  const color = v.verdict === "PASS" ? "#1a7f37" : "#cf222e";
  const li = (cls: string, xs: string[]) => xs.map((x) => `<li class="${cls}">${escapeHtml(x)}</li>`).join("");
  return (
    `<div class="grinder-verdict" data-verdict="${v.verdict}" style="border:3px solid ${color};padding:8px 14px;margin:6px 0;font:14px/1.5 system-ui,sans-serif;">` +
    `<div style="font-size:26px;font-weight:bold;color:${color};">Verdict: ${v.verdict}</div>` +
    (v.reasons.length ? `<div><b>Reasons</b><ul>${li("grinder-verdict-reason", v.reasons)}</ul></div>` : "<div>Every check passed.</div>") +
    (v.warnings.length ? `<div><b>Warnings</b><ul>${li("grinder-verdict-warning", v.warnings)}</ul></div>` : "") +
    `</div>`
  );
}

/** Walk-forward folds: `table.grinder-folds`, one `tr.grinder-fold[data-fold]` per fold. */
export function foldsTableHtml(folds: ReadonlyArray<FoldReport>): string {
  const head = ["fold", "train", "test", "selected", "IS objective", "OOS objective", "degradation", "OOS net PnL"];
  const body = folds
    .map(
      (f) =>
        `<tr class="grinder-fold" data-fold="${escapeHtml(f.id)}">` +
        [f.id, f.train.join(" "), f.test.join(" "), JSON.stringify(f.selected), f.in_sample.objective, f.out_of_sample.objective, f.degradation, f.out_of_sample.metrics.net_pnl]
          .map((c) => `<td style="${TD}">${fmtN(c)}</td>`)
          .join("") +
        `</tr>`,
    )
    .join("");
  return `<table class="grinder-folds" style="border-collapse:collapse;font:11px/1.4 ui-monospace,Menlo,monospace;"><thead><tr>${head.map((h) => `<th style="${TH}">${h}</th>`).join("")}</tr></thead><tbody>${body}</tbody></table>`;
}

/** Gate checks: `table.grinder-gate`, one `tr.grinder-gate-check[data-check][data-passed]` per check. */
export function gateTableHtml(gate: GateResult): string {
  const body = gate.checks
    .map(
      (c) =>
        `<tr class="grinder-gate-check" data-check="${escapeHtml(c.name)}" data-passed="${c.passed}">` +
        `<td style="${TD}">${escapeHtml(c.name)}</td><td style="${TD}">${fmtN(c.value)}</td><td style="${TD}">${fmtN(c.limit)}</td>` +
        `<td style="${TD}color:${c.passed ? "#1a7f37" : "#cf222e"};font-weight:bold;">${c.passed ? "✔ pass" : "✘ FAIL"}</td></tr>`,
    )
    .join("");
  return (
    `<table class="grinder-gate" data-passed="${gate.passed}" style="border-collapse:collapse;font:11px/1.4 ui-monospace,Menlo,monospace;">` +
    `<thead><tr>${["check", "value", "limit", "result"].map((h) => `<th style="${TH}">${h}</th>`).join("")}</tr></thead><tbody>${body}</tbody></table>`
  );
}

/** The reproduce commands: `pre.grinder-reproduce`, one command per line. */
export function reproduceHtml(cmds: ReadonlyArray<string>): string {
  return `<pre class="grinder-reproduce" style="background:#f6f8fa;padding:8px;font:12px ui-monospace,Menlo,monospace;">${cmds.map(escapeHtml).join("\n")}</pre>`;
}

/** Headline of one replay (for side-by-side tables). */
export function replayRow(label: string, r: ReplayResult): Record<string, unknown> {
  const s = r.summary;
  return { config: label, net_pnl: s.equity_end - s.equity_start, fills: s.fills, cycles: s.cycles, fees: s.fees, max_dd: s.max_dd, max_dd_util: s.max_dd_utilization, return_pct: s.return_pct };
}

/** Replay one fixture with a config (tables kept), resolving a fixture name under `fixtures/`. */
export async function replayFixture(fixture: string, config?: GrinderConfig, opts: { root?: string } = {}): Promise<ReplayResult> {
  const dir = existsSync(path.join(fixture, "fixture.json")) ? fixture : path.join(opts.root ?? FIXTURES_ROOT, fixture);
  return runReplay({ fixture: dir, config, keepEvents: false });
}

/** The config under another fill model kind (`execution.fill_model.kind`), validated. */
export function withFillModel(config: GrinderConfig, kind: string): GrinderConfig {
  return withParams(config, { "execution.fill_model.kind": kind });
}

/** Grouped bars per regime: mark-to-market PnL (fees included) next to completed-cycle profit. */
export function attributionFigure(rows: ReadonlyArray<{ regime: string; mtm_pnl: number; cycle_profit: number }>, opts: { title?: string } = {}): PlotlyFigure {
  const x = rows.map((r) => r.regime);
  return {
    data: [
      { type: "bar", name: "mark-to-market PnL (fees included)", x, y: rows.map((r) => r.mtm_pnl), marker: { color: "#1f77b4" } },
      { type: "bar", name: "completed-cycle profit", x, y: rows.map((r) => r.cycle_profit), marker: { color: "#bbbbbb" } },
    ],
    layout: { title: { text: opts.title ?? "PnL by regime" }, barmode: "group", xaxis: { title: { text: "regime" } }, yaxis: { title: { text: "quote" } } },
  };
}
