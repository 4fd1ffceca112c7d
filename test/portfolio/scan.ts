import { openFixture, streamFixture } from "../../sdk/data/fixture";
import type { SymbolView, ToxAssessment, Selection } from "../../sdk/contracts/features";
import type { PortfolioSelector } from "../../sdk/contracts/features";
import { FeatureEngine } from "../../sdk/features";
import { assessToxicity, defaultToxicityConfig, defaultRegimeConfig, RegimeController } from "../../sdk/regime";

/**
 * Stream a fixture through FeatureEngine → assessToxicity → RegimeController per symbol and
 * call the selector every `everyMs` of data time (at the first snapshot at or after each
 * boundary, views of every symbol seen so far). A test harness standing in for the engine.
 */
export async function scanSelections(dir: string, selector: PortfolioSelector, everyMs = 60_000, dd = 1000): Promise<Selection[]> {
  const fx = openFixture(dir);
  const fes = new Map<string, FeatureEngine>();
  const regimes = new Map<string, RegimeController>();
  const toxes = new Map<string, ToxAssessment>();
  const funding = new Map<string, number>();
  const tcfg = defaultToxicityConfig();
  const rcfg = defaultRegimeConfig();
  for (const ins of fx.manifest.symbols) {
    fes.set(ins.symbol, new FeatureEngine(ins));
    regimes.set(ins.symbol, new RegimeController(ins.symbol, rcfg));
  }
  const out: Selection[] = [];
  let next: number | null = null;
  for await (const s of streamFixture(fx)) {
    if (next === null) next = s.ts + everyMs;
    if (s.ts >= next) {
      const views: SymbolView[] = [];
      for (const [sym, fe] of [...fes].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        if (!fe.snapshots) continue;
        const tox = toxes.get(sym) ?? assessToxicity(fe.features, tcfg);
        views.push({ symbol: sym, features: { ...fe.features }, tox, regime: regimes.get(sym)!.regime, funding_rate: funding.get(sym) ?? null });
      }
      out.push(selector.select(s.ts, views, dd));
      while (next <= s.ts) next += everyMs;
    }
    const fe = fes.get(s.symbol)!;
    if (s.funding_rate !== undefined) funding.set(s.symbol, s.funding_rate);
    const bar = fe.update(s);
    const tox = assessToxicity(fe.features, tcfg);
    toxes.set(s.symbol, tox);
    if (bar) regimes.get(s.symbol)!.update(fe.features, tox);
  }
  return out;
}
