import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FixtureWriter } from "../../sdk/data";
import { regimeTimeline } from "../../sdk/engine/regime-timeline";

/** regimeTimeline on a small synthetic two-symbol fixture with a feed gap on one symbol. */
describe("regimeTimeline (global data clock, spec 17.4.3)", () => {
  let dir: string;
  const T0 = 1_704_067_200_000;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "grinder-timeline-"));
    const w = await FixtureWriter.create(path.join(dir, "gap"), {
      name: "gap",
      description: "two symbols, B silent from minute 5 to minute 12",
      scenario: {},
      symbols: [
        { symbol: "AUSDT", tick_size: 0.01, lot_size: 0.001, min_notional: 5 },
        { symbol: "BUSDT", tick_size: 0.01, lot_size: 0.001, min_notional: 5 },
      ],
    });
    for (let s = 0; s < 20 * 60; s += 5) {
      const mid = 100 + 0.05 * Math.sin(s / 37);
      const ts = T0 + s * 1000;
      await w.write({ ts, symbol: "AUSDT", bid_price: Math.round((mid - 0.01) * 100) / 100, ask_price: Math.round((mid + 0.01) * 100) / 100, bid_qty: 500, ask_qty: 500 });
      if (s < 300 || s >= 720) await w.write({ ts, symbol: "BUSDT", bid_price: 49.99, ask_price: 50.01, bid_qty: 1000, ask_qty: 1000 });
    }
    await w.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("ticks a silent symbol every bar, THIN_BOOK while stale, PAUSE once the gap reaches 30 s", async () => {
    const tl = await regimeTimeline(path.join(dir, "gap"));
    expect(tl.symbols).to.deep.equal(["AUSDT", "BUSDT"]);
    const b = tl.rows.filter((r) => r.symbol === "BUSDT");
    const a = tl.rows.filter((r) => r.symbol === "AUSDT");
    expect(a.length, "A: 19 closed bars").to.equal(19);
    expect(b.length, "B ticks on the global clock through its gap").to.equal(19);
    // B's last snapshot before the gap is at 295 s; ticks at 360 … 720 s see a growing gap.
    const gap = b.filter((r) => r.ts > T0 + 300_000 && r.ts <= T0 + 720_000);
    expect(gap.map((r) => r.ts - T0)).to.deep.equal([360_000, 420_000, 480_000, 540_000, 600_000, 660_000, 720_000]);
    for (const r of gap) {
      expect(r.l1_stale, `B stale at ${r.ts - T0}`).to.equal(true);
      expect(r.regime).to.equal("THIN_BOOK");
      expect(r.tox_action).to.equal("PAUSE");
      expect(r.l1_age_ms).to.equal(r.ts - (T0 + 295_000));
    }
    expect(a.every((r) => r.regime === "RANGE"), "A is unaffected").to.equal(true);
    expect(tl.transitions.filter((t) => t.symbol === "BUSDT").map((t) => `${t.from}>${t.to}`)).to.deep.equal(["RANGE>THIN_BOOK", "THIN_BOOK>RANGE"]);
    const sum = (s: string) => Object.values(tl.counts[s]).reduce((x, y) => x + (y ?? 0), 0);
    expect(sum("AUSDT") + sum("BUSDT")).to.equal(tl.rows.length);
    expect(tl.report.accepted).to.equal(240 + 60 + 96);
  });
});
