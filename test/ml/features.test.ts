import { expect } from "chai";
import * as path from "node:path";
import type { InstrumentSpec, Snapshot } from "../../sdk/contracts/market";
import { openFixture, streamFixture } from "../../sdk/data/fixture";
import { FeatureEngine } from "../../sdk/features/engine";
import { ML_FEATURES, RegimeFeatureExtractor } from "../../sdk/ml/features";
import { CLASS_RANGE, CLASS_TREND_DOWN, CLASS_TREND_UP, CLASS_VOL_SHOCK, forwardLabels, LabelDefSchema, NO_LABEL } from "../../sdk/ml/labels";
import { FIXTURES } from "./helpers";

/** Feature vectors (one per policy tick) of a snapshot sequence, through the replay's own path. */
function vectors(snaps: ReadonlyArray<Snapshot>, inst: InstrumentSpec): number[][] {
  const fe = new FeatureEngine(inst);
  const ex = new RegimeFeatureExtractor();
  const out: number[][] = [];
  for (const s of snaps) {
    if (!fe.update(s)) continue;
    fe.syncL2();
    ex.update(fe.features);
    out.push(ex.ready ? Array.from(ex.values) : []);
  }
  return out;
}

describe("ML features and labels (issue 18)", function () {
  this.timeout(120_000);

  it("leakage: no feature at a tick changes when every snapshot after the tick is replaced by another path", async () => {
    const fx = openFixture(path.join(FIXTURES, "trend_day_l1"));
    const inst = [...fx.instruments.values()][0];
    const snaps: Snapshot[] = [];
    for await (const s of streamFixture(fx)) {
      snaps.push(s);
      if (snaps.length >= 4 * 3600) break; // four hours of 1 s snapshots: 240 ticks
    }
    const base = vectors(snaps, inst);
    const readyTicks = base.filter((v) => v.length === ML_FEATURES.length).length;
    expect(readyTicks).to.be.greaterThan(150);
    // Cut right after the snapshot that closes tick k; replace the future by a violent other path.
    for (const cutTick of [60, 120, 200]) {
      let ticks = 0;
      let cutIdx = -1;
      const fe = new FeatureEngine(inst);
      for (let i = 0; i < snaps.length; i++)
        if (fe.update(snaps[i]) && ++ticks === cutTick + 1) {
          cutIdx = i;
          break;
        }
      expect(cutIdx).to.be.greaterThan(0);
      const alt = snaps.map((s, i) => {
        if (i <= cutIdx) return s;
        const k = 1 + 0.2 * Math.sin(i / 50); // a different future: ±20 % swings
        return { ...s, bid_price: Math.round(s.bid_price * k * 100) / 100, ask_price: Math.round(s.bid_price * k * 100) / 100 + 0.01, bid_qty: s.bid_qty * 3, book: undefined };
      });
      const other = vectors(alt, inst);
      expect(other.slice(0, cutTick + 1)).to.deep.equal(base.slice(0, cutTick + 1));
      // ... and the future did change what comes after (the test can fail)
      expect(other.slice(cutTick + 2)).to.not.deep.equal(base.slice(cutTick + 2));
    }
  });

  it("labels look only forward: a label changes when the future changes, and the last H ticks have none", () => {
    const def = LabelDefSchema.parse({ horizon_bars: 10 });
    const flat = Array.from({ length: 400 }, (_, i) => 100 * (1 + 0.001 * Math.sin(i * 2.1)));
    const a = forwardLabels(flat, def).labels;
    const up = flat.map((c, i) => (i > 300 ? c * Math.exp(0.002 * (i - 300)) : c));
    const b = forwardLabels(up, def).labels;
    expect(Array.from(a.slice(0, 290))).to.deep.equal(Array.from(b.slice(0, 290)));
    expect(b[300]).to.equal(CLASS_TREND_UP); // its window (301..310) is the drift
    expect(a[300]).to.not.equal(CLASS_TREND_UP);
    expect(Array.from(a.slice(-10)).every((l) => l === NO_LABEL)).to.equal(true);
  });

  it("label classes: chop → RANGE, drift → TREND_UP / TREND_DOWN, a vol burst → VOL_SHOCK", () => {
    const def = LabelDefSchema.parse({ horizon_bars: 10, vol_baseline_bars: 50 });
    const n = 300;
    const chop = Array.from({ length: n }, (_, i) => 100 * (1 + 0.001 * (i % 2)));
    expect(forwardLabels(chop, def).labels[100]).to.equal(CLASS_RANGE);
    // noise + drift: |Σr| ≥ 2·sqrt(Σr²)
    const drift = (sgn: number) => Array.from({ length: n }, (_, i) => 100 * Math.exp(sgn * 0.001 * i + 0.0003 * (i % 2)));
    expect(forwardLabels(drift(1), def).labels[150]).to.equal(CLASS_TREND_UP);
    expect(forwardLabels(drift(-1), def).labels[150]).to.equal(CLASS_TREND_DOWN);
    const burst = chop.map((c, i) => (i > 200 && i <= 210 ? c * (1 + 0.01 * (i % 2)) : c));
    expect(forwardLabels(burst, def).labels[200]).to.equal(CLASS_VOL_SHOCK);
    expect(forwardLabels(burst, def).labels[150]).to.equal(CLASS_RANGE);
  });
});
