import type * as Aq from "arquero";
// arquero loads when a table is built, not at import (CLI start-up, ADR-126)
const aq = (): typeof Aq => require("arquero") as typeof Aq;
import type { Selection } from "../contracts/features";
import type { ReasonCode } from "../contracts/trading";

/**
 * Selection history as tables and text (spec 17.15 results). A `Selection[]` is read as a step
 * function: each record holds from its `ts` until the next record's (the engine records a
 * selection when seats or budgets change), the last one until `endTs` (default: its own ts).
 */

function lex(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function symbolsOf(sels: ReadonlyArray<Selection>): string[] {
  const s = new Set<string>();
  for (const x of sels) {
    for (const y of x.selected) s.add(y);
    for (const e of x.excluded) s.add(e.symbol);
  }
  return [...s].sort(lex);
}

/**
 * Long table, one row per record per symbol: ts, symbol, status (SELECTED / UNLOADING /
 * EXCLUDED), budget (quote, 0 when not selected), score (null when gated), reasons ("A+B").
 *
 * @example
 * selectionHistoryTable(result.selections ?? []).filter((d) => d.symbol === "CHOPAUSDT").print();
 */
export function selectionHistoryTable(sels: ReadonlyArray<Selection>): Aq.ColumnTable {
  const cols = { ts: [] as number[], symbol: [] as string[], status: [] as string[], budget: [] as number[], score: [] as Array<number | null>, reasons: [] as string[] };
  for (const s of sels) {
    const why = new Map(s.excluded.map((e) => [e.symbol, e.reasons]));
    const unloading = new Set(s.unloading ?? []);
    const names = [...new Set([...s.selected, ...why.keys()])].sort(lex);
    for (const y of names) {
      const sel = s.selected.includes(y);
      cols.ts.push(s.ts);
      cols.symbol.push(y);
      cols.status.push(sel ? "SELECTED" : unloading.has(y) ? "UNLOADING" : "EXCLUDED");
      cols.budget.push(sel ? (s.budgets[y] ?? 0) : 0);
      cols.score.push(s.scores[y] ?? null);
      cols.reasons.push((why.get(y) ?? []).join("+"));
    }
  }
  return aq().table(cols);
}

/** Wide table of budgets over time: ts, then one column per symbol (0 when not selected). */
export function budgetTable(sels: ReadonlyArray<Selection>): Aq.ColumnTable {
  const syms = symbolsOf(sels);
  const cols: Record<string, number[]> = { ts: sels.map((s) => s.ts) };
  for (const y of syms) cols[y] = sels.map((s) => (s.selected.includes(y) ? (s.budgets[y] ?? 0) : 0));
  return aq().table(cols);
}

/** Per-symbol summary of a selection history. */
export interface SelectionSummaryRow {
  symbol: string;
  /** Data time held selected (ms) and its share of the span first record → endTs. */
  selected_ms: number;
  selected_share: number;
  /** Times the symbol entered / left the set. */
  entries: number;
  exits: number;
  /** Time-weighted mean budget while selected (quote). */
  mean_budget: number;
  /** Exclusion reasons weighted by the time they held (ms), largest first. */
  reasons: Array<{ reason: ReasonCode; ms: number }>;
}

/**
 * Per-symbol summary: time selected, entries and exits, mean budget, why excluded.
 *
 * @example
 * summarizeSelections(result.selections ?? [])
 */
export function summarizeSelections(sels: ReadonlyArray<Selection>, endTs?: number): SelectionSummaryRow[] {
  const syms = symbolsOf(sels);
  if (!sels.length) return [];
  const end = Math.max(endTs ?? sels[sels.length - 1].ts, sels[sels.length - 1].ts);
  const span = end - sels[0].ts;
  return syms.map((y) => {
    let ms = 0;
    let budgetMs = 0;
    let entries = 0;
    let exits = 0;
    let was = false;
    const why = new Map<ReasonCode, number>();
    sels.forEach((s, i) => {
      const dt = (i + 1 < sels.length ? sels[i + 1].ts : end) - s.ts;
      const is = s.selected.includes(y);
      if (is && !was) entries++;
      if (!is && was) exits++;
      was = is;
      if (is) {
        ms += dt;
        budgetMs += (s.budgets[y] ?? 0) * dt;
      } else {
        for (const r of s.excluded.find((e) => e.symbol === y)?.reasons ?? []) why.set(r, (why.get(r) ?? 0) + dt);
      }
    });
    const reasons = [...why].map(([reason, t]) => ({ reason, ms: t })).sort((a, b) => b.ms - a.ms || lex(a.reason, b.reason));
    return { symbol: y, selected_ms: ms, selected_share: span > 0 ? ms / span : was ? 1 : 0, entries, exits, mean_budget: ms > 0 ? budgetMs / ms : 0, reasons };
  });
}

/** `summarizeSelections` as an arquero table (reasons as "CODE 42%" text). */
export function selectionSummaryTable(sels: ReadonlyArray<Selection>, endTs?: number): Aq.ColumnTable {
  const rows = summarizeSelections(sels, endTs);
  const span = sels.length ? Math.max(endTs ?? 0, sels[sels.length - 1].ts) - sels[0].ts : 0;
  return aq().from(
    rows.map((r) => ({
      symbol: r.symbol,
      selected_share: r.selected_share,
      entries: r.entries,
      exits: r.exits,
      mean_budget: r.mean_budget,
      reasons: r.reasons.map((x) => `${x.reason} ${span > 0 ? Math.round((100 * x.ms) / span) : 0}%`).join(", "),
    })),
  );
}

/** Text block for the CLI: one line per symbol plus the count of recorded changes. */
export function formatSelectionSummary(sels: ReadonlyArray<Selection>, endTs?: number): string {
  if (!sels.length) return "  selection    none recorded\n";
  const rows = summarizeSelections(sels, endTs);
  const span = Math.max(endTs ?? 0, sels[sels.length - 1].ts) - sels[0].ts;
  const last = sels[sels.length - 1];
  const lines = [`  selection    ${sels.length} record(s); last: ${last.selected.join(", ") || "(none)"}`];
  for (const r of rows) {
    const why = r.reasons
      .slice(0, 3)
      .map((x) => `${x.reason} ${span > 0 ? Math.round((100 * x.ms) / span) : 0}%`)
      .join(", ");
    lines.push(
      `    ${r.symbol.padEnd(12)} selected ${(100 * r.selected_share).toFixed(1).padStart(5)} %  in ${String(r.entries).padStart(3)}  out ${String(r.exits).padStart(3)}  ` +
        `budget ${r.mean_budget.toFixed(2).padStart(9)}${why ? `  excluded: ${why}` : ""}`,
    );
  }
  return lines.join("\n") + "\n";
}

/**
 * The selection summary of a replay result (structural: `selections` + the per-tick `bars`
 * table with a `ts` column, as `runReplay` returns); "" when the run had no selector.
 */
export function replaySelectionSummary(r: { selections?: ReadonlyArray<Selection>; bars?: Aq.ColumnTable }): string {
  if (!r.selections) return "";
  let end = -Infinity;
  if (r.bars && r.bars.numRows() > 0) {
    const ts = r.bars.array("ts") as ArrayLike<number>;
    for (let i = 0; i < ts.length; i++) if (ts[i] > end) end = ts[i];
  }
  return formatSelectionSummary(r.selections, end === -Infinity ? undefined : end);
}

/**
 * Per-symbol metrics of a portfolio replay from the engine's per-tick `bars` table (columns
 * ts, symbol, selected, realized_pnl, fees, inventory_notional, equity): policy ticks, share of
 * ticks selected, last realised PnL and fees, max inventory notional; plus a portfolio row
 * `*` (sums, and equity first → last).
 *
 * @example
 * portfolioMetricsTable((await runReplay({ fixture: "fixtures/multisymbol_topk_l1" })).bars).print();
 */
export function portfolioMetricsTable(bars: Aq.ColumnTable): Aq.ColumnTable {
  const col = <T>(name: string): ArrayLike<T> => bars.array(name) as ArrayLike<T>;
  const ts = col<number>("ts");
  const sym = col<string>("symbol");
  const sel = col<boolean>("selected");
  const pnl = col<number>("realized_pnl");
  const fees = col<number>("fees");
  const inv = col<number>("inventory_notional");
  const eq = col<number>("equity");
  const acc = new Map<string, { ticks: number; sel: number; pnl: number; fees: number; inv: number; lastTs: number }>();
  let eqFirst = NaN;
  let eqLast = NaN;
  for (let i = 0; i < ts.length; i++) {
    if (i === 0) eqFirst = eq[i];
    eqLast = eq[i];
    const a = acc.get(sym[i]) ?? { ticks: 0, sel: 0, pnl: 0, fees: 0, inv: 0, lastTs: -Infinity };
    a.ticks++;
    if (sel[i]) a.sel++;
    if (ts[i] >= a.lastTs) {
      a.lastTs = ts[i];
      a.pnl = pnl[i];
      a.fees = fees[i];
    }
    if (inv[i] > a.inv) a.inv = inv[i];
    acc.set(sym[i], a);
  }
  const names = [...acc.keys()].sort(lex);
  const rows = names.map((s) => {
    const a = acc.get(s)!;
    return { symbol: s, ticks: a.ticks, selected_share: a.ticks ? a.sel / a.ticks : 0, realized_pnl: a.pnl, fees: a.fees, max_inventory_notional: a.inv, equity_start: null as number | null, equity_end: null as number | null };
  });
  const tot = rows.reduce(
    (t, r) => ({ ticks: t.ticks + r.ticks, pnl: t.pnl + r.realized_pnl, fees: t.fees + r.fees, inv: Math.max(t.inv, r.max_inventory_notional) }),
    { ticks: 0, pnl: 0, fees: 0, inv: 0 },
  );
  rows.push({
    symbol: "*", ticks: tot.ticks, selected_share: NaN, realized_pnl: tot.pnl, fees: tot.fees, max_inventory_notional: tot.inv,
    equity_start: Number.isNaN(eqFirst) ? null : eqFirst, equity_end: Number.isNaN(eqLast) ? null : eqLast,
  });
  return aq().from(rows);
}
