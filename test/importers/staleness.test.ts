import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { importBinanceWs } from "../../sdk/data/importers";
import { FeatureEngine } from "../../sdk/features";
import { assessToxicity, REGIME_L2_STALE, RegimeController, ToxicityConfigSchema } from "../../sdk/regime";
import { ETH_WS, HAVE_DATA, tmpDir } from "./helpers";

(HAVE_DATA ? describe : describe.skip)("a stale imported book reaches the feature engine and the regime (spec 17.4.3)", () => {
  it("after an injected depth gap: l2_stale, L2 features null, and the regime sees REGIME_L2_STALE; before it: fresh L2 features", async () => {
    const lines = readFileSync(ETH_WS, "utf8").split("\n").filter((l) => l.length);
    const depthIdx = lines.map((l, i) => (l.includes('"e":"depthUpdate"') ? i : -1)).filter((i) => i >= 0);
    const file = path.join(tmpDir("stale"), "gap.txt");
    writeFileSync(file, lines.filter((_, i) => i !== depthIdx[100]).join("\n") + "\n");
    const imp = importBinanceWs(file);
    let fe: FeatureEngine | undefined;
    const rc = new RegimeController("ETHUSDT", {});
    const tox = ToxicityConfigSchema.parse({});
    let freshSeen = 0;
    let staleSeen = 0;
    let staleReason = 0;
    for await (const s of imp) {
      fe ??= new FeatureEngine({ symbol: s.symbol, tick_size: 0.01, lot_size: 0.0001, min_notional: 0 }, { bar_interval_ms: 5000 });
      fe.update(s);
      const f = fe.features;
      if (s.book && !s.book.stale && s.ts - s.book.ts! < 1000) {
        expect(f.l2_stale).to.equal(false);
        if (f.depth_topn_usd !== null) freshSeen++;
      }
      if (s.book?.stale) {
        staleSeen++;
        expect(f.l2_stale, "a book flagged stale by the importer is L2 stale").to.equal(true);
        expect(f.depth_topn_usd).to.equal(null);
        const d = rc.update(f, assessToxicity(f, tox));
        if (d.reasons.includes(REGIME_L2_STALE)) staleReason++;
      }
    }
    expect(imp.report.counts.gaps).to.equal(1);
    expect(freshSeen).to.be.greaterThan(100);
    // Stale rows: after the gap (`stale_snapshots`) plus current books that crossed their quote (ADR-141).
    expect(staleSeen).to.equal(imp.report.counts.stale_snapshots + imp.report.counts.l1_crossed_books);
    expect(staleReason, "the regime controller reports REGIME_L2_STALE on stale books").to.be.greaterThan(0);
  });
});
