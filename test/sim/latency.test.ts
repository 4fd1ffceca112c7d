import { expect } from "chai";
import path from "node:path";
import type { InstrumentSpec, Snapshot } from "../../sdk/contracts/market";
import type { MarketEvent } from "../../sdk/contracts/events";
import { configHash, parseConfig } from "../../sdk/config";
import { ReplayEngine } from "../../sdk/engine/replay";
import { runReplay } from "../../sdk/engine/run";
import type { Strategy, StrategyContext, StrategyReport, StrategyStats } from "../../sdk/strategy/types";
import { market, scriptedStages, INST as AAA } from "../engine/helpers";

const INST: InstrumentSpec = { symbol: "X", tick_size: 0.01, lot_size: 0.001, min_notional: 0 };
const FIXTURES = path.resolve(__dirname, "..", "..", "fixtures");

/** Quotes every 100 ms: mid 100.00 until `dropAt`, then 99.50 (a resting BUY at 100 fills under touch@1). */
function quotes(n: number, dropAt: number): Snapshot[] {
  return Array.from({ length: n }, (_, i) => {
    const ts = i * 100;
    const mid = ts >= dropAt ? 99.5 : 100.2;
    return { ts, symbol: "X", bid_price: Number((mid - 0.01).toFixed(2)), bid_qty: 1, ask_price: Number((mid + 0.01).toFixed(2)), ask_qty: 1 };
  });
}

/** Places one BUY at 100 on the first quote, optionally cancels it at `cancelAt`; logs what it learns and when. */
class Probe implements Strategy {
  readonly id = "probe@1";
  ctx!: StrategyContext;
  lastSeen = -1;
  got: Array<{ at: number; r: StrategyReport }> = [];
  private sent = false;
  private cancelled = false;
  constructor(private readonly cancelAt = Infinity) {}
  start(ctx: StrategyContext) {
    this.ctx = ctx;
  }
  onMarket(ev: MarketEvent) {
    this.lastSeen = ev.ts;
    if (!this.sent) {
      this.sent = true;
      this.ctx.send({ type: "PLACE", ts: ev.ts, symbol: "X", order_id: "X:1", side: "BUY", price: 100, qty: 1 });
    }
    if (!this.cancelled && ev.ts >= this.cancelAt) {
      this.cancelled = true;
      this.ctx.send({ type: "CANCEL", ts: ev.ts, symbol: "X", order_id: "X:1" });
    }
    return false;
  }
  onReports(b: ReadonlyArray<StrategyReport>) {
    for (const r of b) this.got.push({ at: this.lastSeen, r });
  }
  onRisk() {}
  finish(): StrategyStats {
    return { ticks: 0, fills: 0, cycles: 0, cycle_profit: 0, intents_placed: 1, intents_refused: 0, cancels: 0, amends: 0, regime_transitions: 0, symbols: [], time_in_regime_ms: {} };
  }
}

async function probe(latency: unknown, dropAt: number, cancelAt = Infinity) {
  const config = parseConfig({ execution: { latency } });
  const p = new Probe(cancelAt);
  const e = new ReplayEngine({ config, configHash: configHash(config), instruments: [INST], strategy: p, keepEvents: true });
  for (const s of quotes(40, dropAt)) e.step(s);
  return { p, r: await e.finish() };
}

describe("sim: latency (constant entry / response, ADR-042)", () => {
  it("an order sent at t cannot fill before t + entry_ms", async () => {
    // sent at 0, live at 500; the market reaches the limit at 200 already
    const { r } = await probe({ kind: "constant", entry_ms: 500, response_ms: 0 }, 200);
    const fill = r.events!.find((x) => x.t === "fill" || x.t === "ack");
    expect(fill, "the venue acknowledges first").to.include({ t: "ack", ts: 500, sent_ts: 0 });
    const fills = r.fills.objects() as Array<{ ts: number }>;
    expect(fills.length, "no fill records from a probe (it records nothing)").to.equal(0);
    const { p } = await probe({ kind: "constant", entry_ms: 500, response_ms: 0 }, 200);
    const f = p.got.find((g) => g.r.type === "FILL")!;
    expect(f.r.ts, "first fill at the first quote after arrival").to.equal(500);
    const none = await probe({ kind: "none" }, 200);
    expect(none.p.got.find((g) => g.r.type === "FILL")!.r.ts, "without latency it fills at the drop").to.equal(200);
  });

  it("a cancel sent at t leaves the order fillable until t + entry_ms; the fill reaches the strategy after response_ms", async () => {
    // live at 400; cancel sent at 1000 arrives at 1400; the drop at 1200 fills the order in between
    const { p, r } = await probe({ kind: "constant", entry_ms: 400, response_ms: 300 }, 1200, 1000);
    const fill = p.got.find((g) => g.r.type === "FILL")!;
    expect(fill.r.ts, "filled at the venue at the drop").to.equal(1200);
    expect(fill.at, "delivered before the strategy sees the quote at 1500 (1200 + 300)").to.equal(1400);
    const rej = p.got.find((g) => g.r.type === "REJECT")!;
    expect(rej.r, "the late cancel finds nothing to cancel").to.include({ type: "REJECT", request: "CANCEL", reason: "VENUE_UNKNOWN_ORDER" });
    expect(r.events!.some((x) => x.t === "reject" && x.ts === 1400), "rejected when the cancel arrived").to.equal(true);
    // a cancel that arrives before the drop wins: no fill
    const early = await probe({ kind: "constant", entry_ms: 400, response_ms: 300 }, 1200, 700);
    expect(early.p.got.map((g) => g.r.type)).to.deep.equal(["ACK", "CANCELED"]);
  });

  it("replay with latency is deterministic and differs from latency none (adaptive grid on a fixture window)", async () => {
    const fixture = path.join(FIXTURES, "range_day_l1");
    const window = { to_ts: 1704067200000 + 6 * 3600_000 };
    const lat = parseConfig({ execution: { latency: { kind: "constant", entry_ms: 250, response_ms: 100 } } });
    const a = await runReplay({ fixture, config: lat, window, tables: false });
    const b = await runReplay({ fixture, config: lat, window, tables: false });
    const n = await runReplay({ fixture, window, tables: false });
    expect(a.digest).to.equal(b.digest);
    expect(a.latency).to.equal("constant(250,100)");
    expect(a.digest).to.not.equal(n.digest);
    expect(a.summary.fills, "still trades").to.be.greaterThan(0);
  });

  it("position = Σ fills and caps hold under latency (scripted grid, random market)", async () => {
    const config = parseConfig({ execution: { latency: { kind: "constant", entry_ms: 1500, response_ms: 700 }, max_open_orders_per_symbol: 6 } });
    const r = await runReplay({ snapshots: market(5, 3000), instruments: [AAA], stages: scriptedStages(), config, keepEvents: true });
    let pos = 0;
    for (const e of r.events!) if (e.t === "fill") pos += e.side === "BUY" ? e.qty : -e.qty;
    const mark = [...r.events!].reverse().find((e) => e.t === "mark")!;
    expect(mark.t === "mark" && mark.symbols[0].position).to.be.closeTo(pos, 1e-9);
    expect(r.summary.fills).to.be.greaterThan(0);
    expect(r.events!.filter((e) => e.t === "ack").length, "acks logged with latency").to.be.greaterThan(0);
  });
});
