import type { Regime } from "../contracts/trading";
import { REGIMES } from "../contracts/trading";
import type { ReplayResult } from "../engine/replay";

/**
 * PnL attribution by regime (ADR-066), from a replay's tables only (never inside the engine):
 *
 * - **mark-to-market** (the headline): per symbol, the value V(t) = cash(t) + position(t) · mid(t),
 *   where cash and position follow the symbol's fills up to t (each fill −side·qty·price − fee), is
 *   read at every policy tick; each change V(tᵢ) − V(tᵢ₋₁) is credited to the regime in force at
 *   tᵢ₋₁ (the first tick's value to its own regime). Fees are inside V, so they are attributed
 *   too. The regimes' sum is the symbol's PnL up to its last policy tick.
 * - **cycle profit** (second series): each completed cycle's profit credited to the regime at
 *   the last tick at or before its close — always the profitable half of the story, kept only
 *   next to the mark-to-market figure.
 */
export interface RegimeAttributionRow {
  symbol: string;
  regime: Regime;
  /** Mark-to-market PnL while in the regime (quote, fees included). */
  mtm_pnl: number;
  /** Fees paid on fills while in the regime (quote; included in mtm_pnl). */
  fees: number;
  /** Completed-cycle profit closed in the regime (quote, after fees). */
  cycle_profit: number;
  /** Policy ticks in the regime. */
  ticks: number;
}

interface Tick {
  ts: number;
  mid: number;
  regime: Regime;
}

/** Rows per symbol × regime (symbols sorted, regimes in contract order; only regimes that occurred). */
export function attributeByRegime(r: Pick<ReplayResult, "bars" | "fills" | "cycles">): RegimeAttributionRow[] {
  const bars = r.bars;
  const n = bars.numRows();
  const bySym = new Map<string, Tick[]>();
  if (n) {
    const ts = bars.array("ts") as ArrayLike<number>;
    const sym = bars.array("symbol") as ArrayLike<string>;
    const mid = bars.array("mid") as ArrayLike<number>;
    const reg = bars.array("regime") as ArrayLike<Regime>;
    for (let i = 0; i < n; i++) {
      let l = bySym.get(sym[i]);
      if (!l) bySym.set(sym[i], (l = []));
      l.push({ ts: ts[i], mid: mid[i], regime: reg[i] });
    }
  }
  const fills = (r.fills.numRows() ? r.fills.objects() : []) as Array<{ ts: number; symbol: string; side: string; price: number; qty: number; fee: number }>;
  const cycles = (r.cycles.numRows() ? r.cycles.objects() : []) as Array<{ ts: number; symbol: string; profit: number }>;
  const out: RegimeAttributionRow[] = [];
  for (const symbol of [...bySym.keys()].sort()) {
    const ticks = bySym.get(symbol)!;
    const acc = new Map<Regime, RegimeAttributionRow>();
    const row = (g: Regime): RegimeAttributionRow => {
      let x = acc.get(g);
      if (!x) acc.set(g, (x = { symbol, regime: g, mtm_pnl: 0, fees: 0, cycle_profit: 0, ticks: 0 }));
      return x;
    };
    const fs = fills.filter((f) => f.symbol === symbol);
    let fi = 0;
    let cash = 0;
    let pos = 0;
    let prevV = 0;
    for (let i = 0; i < ticks.length; i++) {
      const t = ticks[i];
      // regime in force over (t_{i-1}, t_i]: the previous tick's (the first tick: its own)
      const g = i === 0 ? t.regime : ticks[i - 1].regime;
      let fees = 0;
      while (fi < fs.length && fs[fi].ts <= t.ts) {
        const f = fs[fi++];
        const sgn = f.side === "BUY" ? 1 : -1;
        cash -= sgn * f.qty * f.price + f.fee;
        pos += sgn * f.qty;
        fees += f.fee;
      }
      const v = cash + pos * t.mid;
      const x = row(g);
      x.mtm_pnl += v - prevV;
      x.fees += fees;
      row(t.regime).ticks++;
      prevV = v;
    }
    for (const c of cycles) {
      if (c.symbol !== symbol || !ticks.length || c.ts < ticks[0].ts) continue;
      let lo = 0;
      let hi = ticks.length - 1;
      while (lo < hi) {
        const m = (lo + hi + 1) >> 1;
        if (ticks[m].ts <= c.ts) lo = m;
        else hi = m - 1;
      }
      row(ticks[lo].regime).cycle_profit += c.profit;
    }
    for (const g of REGIMES) if (acc.has(g)) out.push(acc.get(g)!);
  }
  return out;
}

/** The rows summed over symbols, per regime (contract order). */
export function attributionByRegimeTotal(rows: readonly RegimeAttributionRow[]): Array<Omit<RegimeAttributionRow, "symbol">> {
  const acc = new Map<Regime, Omit<RegimeAttributionRow, "symbol">>();
  for (const r of rows) {
    let x = acc.get(r.regime);
    if (!x) acc.set(r.regime, (x = { regime: r.regime, mtm_pnl: 0, fees: 0, cycle_profit: 0, ticks: 0 }));
    x.mtm_pnl += r.mtm_pnl;
    x.fees += r.fees;
    x.cycle_profit += r.cycle_profit;
    x.ticks += r.ticks;
  }
  return REGIMES.filter((g) => acc.has(g)).map((g) => acc.get(g)!);
}
