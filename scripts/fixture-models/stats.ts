import type { Snapshot } from "../../sdk/contracts/market";

/**
 * Stylised-fact statistics of a snapshot stream, per symbol: used by the fixture tests (the
 * fixtures must move like a market) and printed by `scripts/generate-fixtures.ts --stats`.
 */
export interface MarketStats {
  symbol: string;
  rows: number;
  net_return_pct: number;
  /** Excess kurtosis of 1-minute log mid returns (0 for a Gaussian). */
  kurtosis_1m: number;
  /** Autocorrelation of |1-minute return| at lags 1 and 10 minutes (volatility clustering). */
  abs_acf_1: number;
  abs_acf_10: number;
  /** Correlation of 5-minute realised vol with mean spread (bps) and with mean top-of-book notional. */
  corr_vol_spread: number;
  corr_vol_depth: number;
  mean_spread_bps: number;
  p99_spread_bps: number;
  /** Mean min(bid, ask) top-of-book notional (quote). */
  mean_top_notional: number;
  /** Median over 60-minute windows of sum|r_1m| / |net 60-minute return| (spec 17.5.5 range_score). */
  median_range_score_60m: number;
  /** Per hour: return %, realised vol of 1-minute returns (bps), mean spread (bps). */
  hours: Array<{ hour: number; ret_pct: number; vol_1m_bps: number; spread_bps: number }>;
}

function corr(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  let ma = 0,
    mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

function acf(x: number[], lag: number): number {
  return corr(x.slice(0, x.length - lag), x.slice(lag));
}

interface Acc {
  symbol: string;
  rows: number;
  firstMid: number;
  lastMid: number;
  startTs: number;
  /** Per minute: last mid, spread sum, count, top notional sum. */
  minuteMid: number[];
  minuteSpread: number[];
  minuteTop: number[];
  minuteCount: number[];
  spreads: number[];
}

/** Compute `MarketStats` for every symbol of a stream (rows grouped by minute from the first ts). */
export function marketStats(rows: Iterable<Snapshot>): MarketStats[] {
  const per = new Map<string, Acc>();
  for (const s of rows) {
    const mid = (s.bid_price + s.ask_price) / 2;
    let a = per.get(s.symbol);
    if (!a) {
      a = { symbol: s.symbol, rows: 0, firstMid: mid, lastMid: mid, startTs: s.ts, minuteMid: [], minuteSpread: [], minuteTop: [], minuteCount: [], spreads: [] };
      per.set(s.symbol, a);
    }
    a.rows++;
    a.lastMid = mid;
    const m = Math.floor((s.ts - a.startTs) / 60_000);
    while (a.minuteMid.length <= m) {
      a.minuteMid.push(NaN);
      a.minuteSpread.push(0);
      a.minuteTop.push(0);
      a.minuteCount.push(0);
    }
    const sp = ((s.ask_price - s.bid_price) / mid) * 1e4;
    a.minuteMid[m] = mid;
    a.minuteSpread[m] += sp;
    a.minuteTop[m] += Math.min(s.bid_qty * s.bid_price, s.ask_qty * s.ask_price);
    a.minuteCount[m]++;
    a.spreads.push(sp);
  }
  const out: MarketStats[] = [];
  for (const a of [...per.values()].sort((x, y) => (x.symbol < y.symbol ? -1 : 1))) {
    // Carry the last mid through minutes without rows (feed gaps).
    const mids = a.minuteMid.slice();
    for (let i = 0; i < mids.length; i++) if (Number.isNaN(mids[i])) mids[i] = i ? mids[i - 1] : a.firstMid;
    const r: number[] = [];
    for (let i = 1; i < mids.length; i++) r.push(Math.log(mids[i] / mids[i - 1]));
    const mean = r.reduce((x, y) => x + y, 0) / r.length;
    const v = r.reduce((x, y) => x + (y - mean) ** 2, 0) / r.length;
    const k = r.reduce((x, y) => x + (y - mean) ** 4, 0) / r.length / (v * v) - 3;
    const absR = r.map(Math.abs);
    const vol5: number[] = [];
    const spr5: number[] = [];
    const top5: number[] = [];
    for (let i = 0; i + 5 <= r.length; i += 5) {
      let ss = 0,
        sp = 0,
        tp = 0,
        c = 0;
      for (let j = i; j < i + 5; j++) {
        ss += r[j] * r[j];
        sp += a.minuteSpread[j + 1];
        tp += a.minuteTop[j + 1];
        c += a.minuteCount[j + 1];
      }
      if (!c) continue;
      vol5.push(Math.sqrt(ss));
      spr5.push(sp / c);
      top5.push(tp / c);
    }
    const rs: number[] = [];
    for (let i = 0; i + 60 <= r.length; i += 60) {
      let sa = 0,
        net = 0;
      for (let j = i; j < i + 60; j++) {
        sa += Math.abs(r[j]);
        net += r[j];
      }
      rs.push(sa / (Math.abs(net) + 1e-9));
    }
    rs.sort((x, y) => x - y);
    const sorted = a.spreads.slice().sort((x, y) => x - y);
    const hours: MarketStats["hours"] = [];
    for (let h = 0; h * 60 < mids.length; h++) {
      const lo = h * 60;
      const hi = Math.min(mids.length - 1, lo + 60);
      let ss = 0,
        n = 0,
        sp = 0,
        c = 0;
      for (let j = lo; j < hi; j++) {
        ss += r[j] ** 2;
        n++;
      }
      for (let j = lo; j <= hi && j < mids.length; j++) {
        sp += a.minuteSpread[j];
        c += a.minuteCount[j];
      }
      hours.push({ hour: h, ret_pct: (mids[hi] / mids[lo] - 1) * 100, vol_1m_bps: n ? Math.sqrt(ss / n) * 1e4 : 0, spread_bps: c ? sp / c : 0 });
    }
    out.push({
      symbol: a.symbol,
      rows: a.rows,
      net_return_pct: (a.lastMid / a.firstMid - 1) * 100,
      kurtosis_1m: k,
      abs_acf_1: acf(absR, 1),
      abs_acf_10: acf(absR, 10),
      corr_vol_spread: corr(vol5, spr5),
      corr_vol_depth: corr(vol5, top5),
      mean_spread_bps: a.spreads.reduce((x, y) => x + y, 0) / a.spreads.length,
      p99_spread_bps: sorted[Math.floor(0.99 * (sorted.length - 1))],
      mean_top_notional: a.minuteTop.reduce((x, y) => x + y, 0) / a.rows,
      median_range_score_60m: rs.length ? rs[Math.floor(rs.length / 2)] : 0,
      hours,
    });
  }
  return out;
}
