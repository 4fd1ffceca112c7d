import { expect } from "chai";
import path from "node:path";
import { runReplay } from "../../sdk/engine/run";
import { StaticGridStrategy } from "../../sdk/strategies/static-grid";
import { market, INST } from "./helpers";

const FIXTURES = path.resolve(__dirname, "..", "..", "fixtures");

describe("strategies: static symmetric grid through the same loop (ADR-044)", function () {
  this.timeout(120_000);

  it("trades a fixture window: fills, completed cycles, deterministic digest, its id in the header, no regime records", async () => {
    const fixture = path.join(FIXTURES, "range_day_l1");
    const window = { to_ts: 1704067200000 + 8 * 3600_000 };
    const a = await runReplay({ fixture, window, strategy: new StaticGridStrategy({ levels: 4, step_frac: 0.001, notional: 300 }), keepEvents: true });
    const b = await runReplay({ fixture, window, strategy: new StaticGridStrategy({ levels: 4, step_frac: 0.001, notional: 300 }) });
    expect(a.digest).to.equal(b.digest);
    expect(a.strategy).to.equal("static-grid@1");
    const head = a.events![0];
    expect(head.t === "run" && head.strategy).to.equal("static-grid@1");
    expect(a.summary.fills).to.be.greaterThan(10);
    expect(a.summary.cycles).to.be.greaterThan(3);
    expect(a.events!.some((e) => e.t === "regime" || e.t === "plan"), "no regime logic").to.equal(false);
    const adaptive = await runReplay({ fixture, window, tables: false });
    expect(a.digest).to.not.equal(adaptive.digest);
  });

  it("position = Σ signed fills; every order on the tick/lot grid; grid symmetric around the first centre", async () => {
    const r = await runReplay({ snapshots: market(3, 4000), instruments: [INST], strategy: new StaticGridStrategy({ levels: 3, step_frac: 0.002, notional: 50, recenter: false }), keepEvents: true });
    let pos = 0;
    for (const e of r.events!) if (e.t === "fill") pos += e.side === "BUY" ? e.qty : -e.qty;
    const mark = [...r.events!].reverse().find((e) => e.t === "mark")!;
    expect(mark.t === "mark" && mark.symbols[0].position).to.be.closeTo(pos, 1e-9);
    const places = r.events!.flatMap((e) => (e.t === "intent" && e.type === "PLACE" && e.accepted ? [e] : []));
    for (const p of places) {
      expect(Math.abs(p.price / INST.tick_size - Math.round(p.price / INST.tick_size)), `${p.price}`).to.be.below(1e-6);
      expect(Math.abs(p.qty / INST.lot_size - Math.round(p.qty / INST.lot_size))).to.be.below(1e-6);
    }
    const first = places.slice(0, 6);
    expect(first.filter((p) => p.side === "BUY").length).to.equal(3);
    expect(first.filter((p) => p.side === "SELL").length).to.equal(3);
    expect(r.summary.regime_transitions).to.equal(0);
  });
});
