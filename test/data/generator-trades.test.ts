import { expect } from "chai";
import type { Snapshot, Trade } from "../../sdk/contracts/market";
import { SCENARIOS, scenarioSnapshots, type ScenarioDef } from "../../scripts/fixture-models/scenarios";
import { tradesForSnapshots } from "../../scripts/fixture-models/trades";

function gen(def: ScenarioDef): { snaps: Snapshot[]; trades: Trade[] } {
  const lots: Record<string, number> = {};
  const ticks: Record<string, number> = {};
  for (const m of def.symbols) {
    lots[m.instrument.symbol] = m.instrument.lot_size;
    ticks[m.instrument.symbol] = m.instrument.tick_size;
  }
  const snaps = [...scenarioSnapshots(def)];
  return { snaps, trades: [...tradesForSnapshots(snaps, def.seed, lots, ticks)] };
}

function corr(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let c = 0, va = 0, vb = 0;
  for (let i = 0; i < n; i++) {
    c += (a[i] - ma) * (b[i] - mb);
    va += (a[i] - ma) ** 2;
    vb += (b[i] - mb) ** 2;
  }
  return c / Math.sqrt(va * vb);
}

describe("fixture generator: trade prints consistent with the quotes (ADR-057, on the bundled fixtures since ADR-145)", function () {
  this.timeout(120_000);
  for (const [name, steps] of [["vol_shock_l1", 20_000], ["thin_book_l2", 14_400], ["multisymbol_topk_l1", 3_000]] as const) {
    it(`${name}: time ordered, at the previous touch or swept through it to the new quote, lot sizes, deterministic, volume clusters with volatility`, () => {
      const def = { ...SCENARIOS[name], steps };
      const { snaps, trades } = gen(def);
      expect(trades.length).to.be.greaterThan(snaps.length / 4);
      const inst = new Map(def.symbols.map((m) => [m.instrument.symbol, m.instrument]));
      // previous and current quote of the symbol at each print's time
      const bySym = new Map<string, Snapshot[]>();
      for (const s of snaps) (bySym.get(s.symbol) ?? bySym.set(s.symbol, []).get(s.symbol)!).push(s);
      let last = -Infinity;
      const idx = new Map<string, number>();
      let sells = 0;
      let through = 0;
      for (const t of trades) {
        expect(t.ts).to.be.at.least(last);
        last = t.ts;
        const ss = bySym.get(t.symbol)!;
        let i = idx.get(t.symbol) ?? 0;
        while (i + 1 < ss.length && ss[i + 1].ts < t.ts) i++;
        idx.set(t.symbol, i);
        const prev = ss[i];
        const next = ss[Math.min(i + 1, ss.length - 1)];
        const lot = inst.get(t.symbol)!.lot_size;
        expect(Math.abs(t.qty / lot - Math.round(t.qty / lot))).to.be.below(1e-6);
        expect(t.qty).to.be.at.least(lot - 1e-12);
        if (t.aggressor === "SELL") {
          sells++;
          const ok = t.price === prev.bid_price || t.price === next.bid_price || t.price <= prev.bid_price;
          expect(ok, `SELL ${t.price} vs bid ${prev.bid_price}/${next.bid_price}`).to.equal(true);
          if (t.price < prev.bid_price) through++;
        } else {
          const ok = t.price === prev.ask_price || t.price === next.ask_price || t.price >= prev.ask_price;
          expect(ok, `BUY ${t.price} vs ask ${prev.ask_price}/${next.ask_price}`).to.equal(true);
          if (t.price > prev.ask_price) through++;
        }
      }
      expect(sells).to.be.within(trades.length * 0.3, trades.length * 0.7);
      expect(through, "some prints sweep through the old touch").to.be.greaterThan(0);
      // determinism
      const again = gen(def).trades;
      expect(again).to.deep.equal(trades);
      // clustering: per-minute print volume (notional) vs per-minute |mid return|, first symbol
      const sym = def.symbols.map((m) => m.instrument.symbol).sort()[0];
      const mins = new Map<number, { vol: number; first: number; last: number }>();
      for (const s of bySym.get(sym)!) {
        const k = Math.floor(s.ts / 60_000);
        const mid = (s.bid_price + s.ask_price) / 2;
        const m = mins.get(k) ?? { vol: 0, first: mid, last: mid };
        m.last = mid;
        mins.set(k, m);
      }
      for (const t of trades) if (t.symbol === sym) mins.get(Math.floor(t.ts / 60_000))!.vol += t.qty * t.price;
      const rows = [...mins.values()];
      const c = corr(rows.map((m) => m.vol), rows.map((m) => Math.abs(Math.log(m.last / m.first))));
      expect(c, "print volume rises with volatility").to.be.greaterThan(0.2);
    });
  }
});
