import { expect } from "chai";
import type { PortfolioSelector, Selection, SymbolView } from "../../sdk/contracts/features";
import { PROJECT_ROOT } from "../../sdk/cli/fixtures-path";
import { GATE_CODES, GATE_SPREAD, GATE_STALE, GATE_THIN, TopKSelector } from "../../sdk/portfolio";
import { hashCanonical } from "../../sdk/util/canonical";
import { scanSelections } from "./scan";
import * as path from "node:path";

const DIR = path.join(PROJECT_ROOT, "fixtures", "multisymbol_topk_l1");
const CHOPS = ["CHOPAUSDT", "CHOPBUSDT", "CHOPCUSDT"];

/** Passes every call's views to the inner selector in reversed order. */
class Reversed implements PortfolioSelector {
  constructor(private readonly inner: PortfolioSelector) {}
  select(ts: number, views: ReadonlyArray<SymbolView>, dd: number): Selection {
    return this.inner.select(ts, [...views].reverse(), dd);
  }
}

describe("portfolio: multisymbol_topk_l1 through features + toxicity + regime (selector every minute)", () => {
  let sels: Selection[] = [];
  before(async function () {
    this.timeout(120_000);
    sels = await scanSelections(DIR, new TopKSelector(), 60_000, 1000);
  });
  const frac = (sym: string) => {
    const live = sels.filter((s) => s.selected.length > 0);
    return live.filter((s) => s.selected.includes(sym)).length / live.length;
  };
  const reasonsOf = (s: Selection, sym: string) => s.excluded.find((e) => e.symbol === sym)?.reasons ?? [];

  it("selects the three choppy liquid symbols most of the time", () => {
    expect(sels.length).to.be.greaterThan(1400);
    for (const c of CHOPS) expect(frac(c), c).to.be.greaterThan(0.8);
  });
  it("never selects the thin or the toxic symbol, and says why", () => {
    for (const s of sels) {
      expect(s.selected).to.not.include("THINUSDT");
      expect(s.selected).to.not.include("TOXICUSDT");
    }
    const warm = sels.filter((s) => s.selected.length > 0);
    expect(warm.filter((s) => reasonsOf(s, "THINUSDT").includes(GATE_THIN)).length / warm.length, "THIN gated thin").to.be.greaterThan(0.95);
    expect(warm.filter((s) => reasonsOf(s, "TOXICUSDT").includes(GATE_SPREAD)).length / warm.length, "TOXIC gated on spread").to.be.greaterThan(0.95);
  });
  it("excludes the stale symbol during and after its feed gaps (GATE_STALE), rarely selects it", () => {
    const staleCalls = sels.filter((s) => reasonsOf(s, "STALEUSDT").includes(GATE_STALE));
    expect(staleCalls.length, "gated through gaps + 4 h recovery").to.be.greaterThan(600);
    expect(frac("STALEUSDT")).to.be.lessThan(0.15);
  });
  it("the trending symbol is penalised: selected rarely, and after the first hours only as a stand-in for a gated choppy symbol", () => {
    expect(frac("TRENDUSDT")).to.be.lessThan(0.2);
    const start = sels[0].ts + 3 * 3_600_000;
    let prevHad = false;
    for (const s of sels) {
      const has = s.selected.includes("TRENDUSDT");
      if (has && !prevHad && s.ts >= start) {
        const gatedChop = CHOPS.some((c) => reasonsOf(s, c).some((r) => (GATE_CODES as readonly string[]).includes(r)));
        expect(gatedChop, `TREND seated at ${new Date(s.ts).toISOString()} with every CHOP available`).to.equal(true);
      }
      prevHad = has;
    }
  });
  it("budgets sum to the portfolio budget at every call with seats", () => {
    for (const s of sels) if (s.selected.length) expect(Math.round(Object.values(s.budgets).reduce((a, b) => a + b, 0) * 1e8)).to.equal(1000 * 1e8);
  });
  it("is deterministic and independent of the order of the views", async function () {
    this.timeout(120_000);
    const again = await scanSelections(DIR, new Reversed(new TopKSelector()), 60_000, 1000);
    expect(hashCanonical(again)).to.equal(hashCanonical(sels));
  });
});
