import { expect } from "chai";
import fc from "fast-check";
import type { InstrumentSpec } from "../../sdk/contracts/market";
import type { MarketEvent } from "../../sdk/contracts/events";
import { FILL_MODELS, FeeModel, SimVenue, type ExecutionReport, type FillModelKind } from "../../sdk/sim";

/**
 * The fill-model contract (ADR-041), checked for EVERY registered kind: registering a model in
 * FILL_MODELS puts it under this test without editing it.
 */
const INST: InstrumentSpec = { symbol: "X", tick_size: 0.01, lot_size: 0.001, min_notional: 0 };

type Op = { at: number; side: "BUY" | "SELL"; ticks: number; lots: number };

/** A random market of quotes, trades and depth deltas on the tick/lot grid. */
function stream(seed: number, n: number): MarketEvent[] {
  let a = seed >>> 0;
  const r = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let mid = 10_000; // ticks
  const out: MarketEvent[] = [];
  for (let i = 0; i < n; i++) {
    const ts = 1000 + i * 100;
    mid += Math.round((r() - 0.5) * 8);
    const bid = (mid - 1) / 100;
    const ask = (mid + 1) / 100;
    const k = r();
    if (k < 0.6) {
      const bids = [0, 1, 2, 3].map((d) => ({ price: Number(((mid - 1 - d) / 100).toFixed(2)), qty: Number((0.001 * (1 + Math.floor(r() * 500))).toFixed(3)) }));
      const asks = [0, 1, 2, 3].map((d) => ({ price: Number(((mid + 1 + d) / 100).toFixed(2)), qty: Number((0.001 * (1 + Math.floor(r() * 500))).toFixed(3)) }));
      out.push({ type: "quote", ts, symbol: "X", snapshot: { ts, symbol: "X", bid_price: bid, bid_qty: bids[0].qty, ask_price: ask, ask_qty: asks[0].qty, book: { bids, asks } } });
    } else if (k < 0.85) {
      const buy = r() < 0.5;
      out.push({ type: "trade", ts, symbol: "X", price: buy ? ask : bid, qty: Number((0.001 * (1 + Math.floor(r() * 300))).toFixed(3)), aggressor: buy ? "BUY" : "SELL" });
    } else {
      out.push({ type: "depth_delta", ts, symbol: "X", changes: [{ side: r() < 0.5 ? "bid" : "ask", price: r() < 0.5 ? bid : ask, qty: Number((0.001 * Math.floor(r() * 400)).toFixed(3)) }] });
    }
  }
  return out;
}

/** `upfront`: every request handed to the venue at once with a future arrival ts (the venue must hold it back). */
function run(kind: FillModelKind, events: MarketEvent[], ops: Op[], upfront = false) {
  const reports: ExecutionReport[] = [];
  const venue = new SimVenue([INST], FILL_MODELS[kind], new FeeModel({ maker_bps: 1, taker_bps: 5 }), { reports: (b) => reports.push(...b) });
  const placed = new Map<string, { at: number; qty: number; price: number }>();
  let j = 0;
  const sorted = [...ops].sort((x, y) => x.at - y.at);
  for (const ev of events) {
    while (j < sorted.length && (upfront || sorted[j].at <= ev.ts)) {
      const o = sorted[j++];
      const id = `X:${j}`;
      const price = Number((o.ticks / 100).toFixed(2));
      const qty = Number((o.lots * INST.lot_size).toFixed(3));
      placed.set(id, { at: o.at, qty, price });
      venue.submit({ type: "PLACE", ts: o.at, symbol: "X", order_id: id, side: o.side, price, qty }, o.at);
    }
    venue.onMarket(ev);
  }
  return { reports, placed };
}

const onGrid = (x: number, step: number) => Math.abs(x / step - Math.round(x / step)) < 1e-6;

describe("sim: fill-model contract (every registered kind)", () => {
  const kinds = Object.keys(FILL_MODELS) as FillModelKind[];
  it("registers at least touch and cross", () => {
    expect(kinds).to.include.members(["touch", "cross"]);
  });

  for (const kind of kinds) {
    const model = FILL_MODELS[kind];
    it(`${model.id}: no fill before arrival, Σ fills ≤ qty, tick/lot grid, limit price, deterministic`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 1e9 }),
          fc.array(fc.record({ at: fc.integer({ min: 1000, max: 60_000 }), side: fc.constantFrom("BUY" as const, "SELL" as const), ticks: fc.integer({ min: 9_950, max: 10_050 }), lots: fc.integer({ min: 1, max: 400 }) }), { minLength: 1, maxLength: 15 }),
          fc.boolean(),
          (seed, ops, upfront) => {
            const events = stream(seed, 600);
            const a = run(kind, events, ops, upfront);
            const filled = new Map<string, number>();
            for (const r of a.reports) {
              if (r.type !== "FILL") continue;
              const o = a.placed.get(r.order_id)!;
              expect(r.ts, `${r.order_id} filled before arrival`).to.be.at.least(o.at);
              expect(r.qty).to.be.greaterThan(0);
              expect(onGrid(r.qty, INST.lot_size), `qty ${r.qty} on the lot grid`).to.equal(true);
              expect(onGrid(r.price, INST.tick_size), `price ${r.price} on the tick grid`).to.equal(true);
              expect(r.price, "fills at the limit").to.equal(o.price);
              const sum = (filled.get(r.order_id) ?? 0) + r.qty;
              filled.set(r.order_id, sum);
              expect(sum, `${r.order_id} overfilled`).to.be.at.most(o.qty + 1e-9);
              expect(r.remaining).to.be.closeTo(o.qty - sum, 1e-9);
            }
            const b = run(kind, events, ops, upfront);
            expect(b.reports, "same inputs → same reports").to.deep.equal(a.reports);
          },
        ),
        { numRuns: 60, seed: 11 },
      );
    });
  }

  it("the venue refuses a model that overfills (typed error naming the model)", () => {
    const bad = { ...FILL_MODELS.touch, id: "bad@1", fillQty: () => 5, mayFill: undefined };
    const v = new SimVenue([INST], bad, new FeeModel({ maker_bps: 0, taker_bps: 0 }), { reports: () => undefined });
    v.submit({ type: "PLACE", ts: 0, symbol: "X", order_id: "X:1", side: "BUY", price: 100, qty: 1 }, 0);
    expect(() => v.onMarket({ type: "quote", ts: 1, symbol: "X", snapshot: { ts: 1, symbol: "X", bid_price: 99, bid_qty: 1, ask_price: 99.02, ask_qty: 1 } })).to.throw(/bad@1 returned qty 5/);
  });

  it("shared liquidity: own orders at one price are offered in arrival order with own_ahead / own_filled", () => {
    const seen: Array<[string, number, number]> = [];
    const budget = { ...FILL_MODELS.touch, id: "budget@test", mayFill: undefined,
      fillQty: (o: { id: string; remaining: number }, ev: MarketEvent, _b: unknown, share: { own_ahead: number; own_filled: number }) => {
        if (ev.type !== "trade") return 0;
        seen.push([o.id, share.own_ahead, share.own_filled]);
        return Math.min(o.remaining, Math.max(0, Number((ev.qty - share.own_filled).toFixed(3))));
      } };
    const reports: ExecutionReport[] = [];
    const v = new SimVenue([INST], budget, new FeeModel({ maker_bps: 0, taker_bps: 0 }), { reports: (b) => reports.push(...b) });
    v.submit({ type: "PLACE", ts: 0, symbol: "X", order_id: "X:1", side: "BUY", price: 100, qty: 1 }, 0);
    v.submit({ type: "PLACE", ts: 0, symbol: "X", order_id: "X:2", side: "BUY", price: 100, qty: 1 }, 0);
    v.onMarket({ type: "trade", ts: 5, symbol: "X", price: 100, qty: 1.5, aggressor: "SELL" });
    expect(seen).to.deep.equal([["X:1", 0, 0], ["X:2", 1, 1]]);
    expect(reports.map((r) => (r.type === "FILL" ? [r.order_id, r.qty, r.remaining] : r.type))).to.deep.equal([["X:1", 1, 0], ["X:2", 0.5, 0.5]]);
    expect(v.openOrders("X").map((o) => [o.id, o.remaining])).to.deep.equal([["X:2", 0.5]]);
  });
});
