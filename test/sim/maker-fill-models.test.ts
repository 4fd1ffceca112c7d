import { expect } from "chai";
import fc from "fast-check";
import type { MarketEvent } from "../../sdk/contracts/events";
import { ExecutionConfigSchema } from "../../sdk/execution/config";
import { FILL_MODELS, makeFillModel, QueueFillModel, QueuePosition, TradeThroughFillModel, type FillModel } from "../../sdk/sim";
import { MiniVenue, print, quote, type DriverFill } from "./maker-driver";

const LOT = 0.1;
/** Bids 100 / 99.9 / 99.8, asks 100.1 / 100.2 (the L2 ladder of most tests). */
const L2 = (b0 = 5, b1 = 3, b2 = 4): { bids: Array<[number, number]>; asks: Array<[number, number]> } => ({
  bids: [[100, b0], [99.9, b1], [99.8, b2]].filter(([, q]) => q > 0) as Array<[number, number]>,
  asks: [[100.1, 2], [100.2, 2]],
});
const q2 = (ts: number, b0 = 5, b1 = 3, b2 = 4, stale?: boolean): MarketEvent => {
  const lv = L2(b0, b1, b2);
  return quote(ts, lv.bids[0][0], lv.bids[0][1], 100.1, 2, lv, stale);
};
const qty = (fills: DriverFill[], id?: string): number => Math.round(fills.filter((f) => id === undefined || f.id === id).reduce((s, f) => s + f.qty, 0) * 1e9) / 1e9;
const ahead = (v: MiniVenue, id: string): number => (v.order(id).state as QueuePosition).ahead;

const riskAverse = (): QueueFillModel => new QueueFillModel("risk_averse");
const prob = (n = 2): QueueFillModel => new QueueFillModel("prob", n);

describe("sim: maker fill ladder — hand-computed", () => {
  it("queue ahead comes from the book at ARRIVAL (after entry latency), not at sending", () => {
    const v = new MiniVenue(riskAverse(), LOT);
    v.place("a", "BUY", 99.9, 1, 20); // sent at 0 with 20 ms entry latency
    v.onEvent(q2(0, 5, 3));
    v.onEvent(q2(10, 5, 6)); // the level grows before we arrive
    v.onEvent(q2(20, 5, 7));
    expect(ahead(v, "a")).to.equal(6, "the book seen on arrival (before the event at 20 is applied)");
    v.onEvent(print(25, 99.9, 1, "SELL"));
    expect(ahead(v, "a")).to.equal(5);
    v.onEvent(q2(30, 5, 7)); // risk-averse: an unexplained change does not move us; cap at 7 is above
    expect(ahead(v, "a")).to.equal(5);
  });

  it("prints at the price decrement the queue; a partial fill, then completion, in lots", () => {
    const v = new MiniVenue(riskAverse(), LOT);
    v.place("a", "BUY", 99.9, 2, 0);
    v.onEvent(q2(0, 5, 3)); // arrives: 3 ahead
    expect(v.onEvent(print(1, 99.9, 2, "SELL"))).to.deep.equal([]);
    expect(ahead(v, "a")).to.equal(1);
    expect(v.onEvent(print(2, 99.9, 1.55, "BUY")), "a BUY aggressor does not hit bids").to.deep.equal([]);
    const f = v.onEvent(print(3, 99.9, 1.55, "SELL")); // 1 ahead, 0.55 left → 0.5 in lots
    expect(f.map((x) => x.qty)).to.deep.equal([0.5]);
    expect(v.order("a").remaining).to.equal(1.5);
    expect(ahead(v, "a")).to.equal(0);
    expect(v.onEvent(print(4, 99.9, 5, "SELL")).map((x) => x.qty)).to.deep.equal([1.5]);
    expect(v.order("a").remaining).to.equal(0);
  });

  it("one print is consumed once across two own orders at one price (FIFO by arrival)", () => {
    for (const m of [riskAverse(), prob()]) {
      const v = new MiniVenue(m, LOT);
      v.place("first", "BUY", 99.9, 1, 0);
      v.place("second", "BUY", 99.9, 1, 5);
      v.onEvent(q2(0, 5, 1)); // first: 1 ahead
      v.onEvent(q2(5, 5, 1)); // second: 1 ahead too (market qty only)
      const f = v.onEvent(print(6, 99.9, 2.5, "SELL"));
      // FIFO: 1 market, then first (1), then the market qty the second had ahead is gone, then second 0.5
      expect(f.map((x) => [x.id, x.qty]), m.id).to.deep.equal([["first", 1], ["second", 0.5]]);
      expect(qty(f)).to.be.at.most(2.5);
    }
  });

  it("a print through several own prices is consumed once (best price first)", () => {
    const v = new MiniVenue(riskAverse(), LOT);
    v.place("hi", "BUY", 100, 1, 0);
    v.place("lo", "BUY", 99.9, 1, 0);
    v.onEvent(q2(0, 5, 3));
    const f = v.onEvent(print(1, 99.8, 1.5, "SELL"));
    expect(f.map((x) => [x.id, x.qty])).to.deep.equal([["hi", 1], ["lo", 0.5]]);
  });

  it("a cancel in flight: the order stays fillable until the cancel arrives, the fill is reported", () => {
    const v = new MiniVenue(riskAverse(), LOT);
    v.place("a", "BUY", 100.05, 1, 0); // inside the spread: nobody ahead
    v.onEvent(q2(0));
    v.cancel("a", 15); // sent at 10 with 5 ms entry latency
    const f = v.onEvent(print(12, 100.05, 0.4, "SELL"));
    expect(f.map((x) => [x.ts, x.qty])).to.deep.equal([[12, 0.4]]);
    expect(v.onEvent(print(16, 100.05, 5, "SELL")), "cancelled at 15").to.deep.equal([]);
    expect(v.order("a").remaining).to.equal(0.6);
  });

  it("a deleted level leaves nobody ahead; the own side moving behind the price too", () => {
    const v = new MiniVenue(riskAverse(), LOT);
    v.place("a", "BUY", 99.9, 1, 0);
    v.onEvent(q2(0, 5, 3));
    v.onEvent(q2(1, 5, 0)); // 99.9 deleted from the ladder
    expect(ahead(v, "a")).to.equal(0);
    const w = new MiniVenue(riskAverse(), LOT);
    w.place("b", "BUY", 100, 1, 0);
    w.onEvent(q2(0, 5, 3));
    expect(ahead(w, "b")).to.equal(5);
    w.onEvent(quote(1, 99.9, 3, 100.1, 2, { bids: [[99.9, 3]], asks: [[100.1, 2]] })); // best bid now below us
    expect(ahead(w, "b")).to.equal(0);
  });

  it("a depth-sequence gap resets the queue pessimistically at the first fresh book (counted)", () => {
    const m = riskAverse();
    const v = new MiniVenue(m, LOT);
    v.place("a", "BUY", 99.9, 1, 0);
    v.onEvent(q2(0, 5, 3));
    v.onEvent(print(1, 99.9, 2.5, "SELL"));
    expect(ahead(v, "a")).to.equal(0.5);
    v.onEvent(q2(2, 5, 3, 4, true)); // stale
    v.onEvent(q2(3, 5, 1, 4, true)); // still stale: not trusted
    expect(ahead(v, "a")).to.equal(0.5);
    v.onEvent(q2(4, 5, 4)); // fresh again
    expect(ahead(v, "a")).to.equal(4, "back of the queue at the resynced level");
    expect(m.counters.gap_resets).to.equal(1);
  });

  it("queue_prob@2 splits an unexplained decrease by f(back)/(f(back)+f(front)); prints are not counted twice", () => {
    const m = prob(2);
    const v = new MiniVenue(m, LOT);
    v.place("a", "BUY", 99.9, 1, 0);
    v.onEvent(q2(0, 5, 2));
    v.onEvent(q2(1, 5, 6)); // 4 joined behind us: front 2, back 4
    v.onEvent(q2(2, 5, 3)); // chg 3: p = 16/20 = 0.8 → front = 2 − 0.2·3 + min(4 − 2.4, 0) = 1.4
    expect(ahead(v, "a")).to.be.closeTo(1.4, 1e-12);
    v.onEvent(print(3, 99.9, 1, "SELL")); // front 0.4, level will show 2 after the print
    expect(ahead(v, "a")).to.be.closeTo(0.4, 1e-12);
    v.onEvent(q2(4, 5, 2)); // the decrease is the print: nothing more moves
    expect(ahead(v, "a")).to.be.closeTo(0.4, 1e-12);
    v.onEvent(q2(5, 5, 0.5)); // chg 1.5, back 1.6: p = 2.56/(2.56+0.16) → front = 0.4 − (1−p)·1.5 + min(1.6 − p·1.5, 0)
    const p = 2.56 / 2.72;
    expect(ahead(v, "a")).to.be.closeTo(Math.min(0.4 - (1 - p) * 1.5 + Math.min(1.6 - p * 1.5, 0), 0.5), 1e-12);
    // risk-averse on the same stream: only the print moved it, and the cap
    const r = new MiniVenue(riskAverse(), LOT);
    r.place("a", "BUY", 99.9, 1, 0);
    for (const e of [q2(0, 5, 2), q2(1, 5, 6), q2(2, 5, 3), print(3, 99.9, 1, "SELL"), q2(4, 5, 2)]) r.onEvent(e);
    expect(ahead(r, "a")).to.equal(1);
    expect(m.id).to.equal("queue_prob@2");
    expect(prob(3).id).to.equal("queue_prob@2(n=3)");
  });

  it("trade_through@2: a print at the price fills nothing, through it fills all; the opposite best must cross strictly (ADR-195)", () => {
    const v = new MiniVenue(TradeThroughFillModel, LOT);
    v.place("a", "BUY", 99.9, 1, 0);
    v.place("s", "SELL", 100.2, 1, 0);
    v.onEvent(q2(0));
    expect(v.onEvent(print(1, 99.9, 50, "SELL"))).to.deep.equal([]);
    expect(v.onEvent(print(2, 99.8, 0.001, "SELL")).map((f) => [f.id, f.qty])).to.deep.equal([["a", 1]]);
    expect(v.onEvent(quote(3, 100.2, 1, 100.3, 1)), "the bid reaching the SELL's limit: cross@1 fills, trade_through@2 does not").to.deep.equal([]);
    expect(v.onEvent(quote(4, 100.3, 1, 100.4, 1)).map((f) => [f.id, f.qty])).to.deep.equal([["s", 1]]);
    expect(TradeThroughFillModel.id).to.equal("trade_through@2");
  });

  it("queue rungs: the opposite best reaching the limit empties the queue ahead but fills nothing; strictly through it fills all (ADR-195)", () => {
    for (const m of [riskAverse(), prob()]) {
      const v = new MiniVenue(m, LOT);
      v.place("a", "BUY", 99.9, 1, 0);
      v.onEvent(q2(0, 5, 3)); // 3 ahead
      expect(v.onEvent(quote(1, 99.8, 2, 99.9, 2)), m.id).to.deep.equal([]);
      expect(ahead(v, "a"), "our side's best moved behind the price: nobody ahead").to.equal(0);
      expect(v.onEvent(quote(2, 99.7, 2, 99.8, 2)).map((f) => [f.id, f.qty]), m.id).to.deep.equal([["a", 1]]);
    }
  });

  it("L1 only: at the best the best-level qty is the queue; deeper orders start unknown (pessimistic, counted) until their price is the best", () => {
    const m = riskAverse();
    const v = new MiniVenue(m, LOT);
    v.place("best", "BUY", 100, 1, 0);
    v.place("deep", "BUY", 99.9, 1, 0);
    v.onEvent(quote(0, 100, 2, 100.1, 2));
    expect(ahead(v, "best")).to.equal(2);
    expect(ahead(v, "deep")).to.equal(Infinity);
    expect(m.counters.estimated_orders).to.equal(1);
    expect(v.onEvent(print(1, 99.9, 10, "SELL")).map((f) => f.id), "a print through 100 fills best; at 99.9 the unknown queue fills nothing").to.deep.equal(["best"]);
    v.onEvent(quote(2, 99.9, 1.5, 100.1, 2));
    expect(ahead(v, "deep")).to.equal(1.5);
    expect(v.onEvent(print(3, 99.9, 2, "SELL")).map((f) => [f.id, f.qty])).to.deep.equal([["deep", 0.5]]);
  });

  it("config: the ladder kinds are accepted, n only matters for queue_prob; absent n keeps the config as before", () => {
    const c = ExecutionConfigSchema.parse({ fill_model: { kind: "queue_prob", n: 3 } });
    expect(makeFillModel(c.fill_model).id).to.equal("queue_prob@2(n=3)");
    expect(ExecutionConfigSchema.parse({}).fill_model).to.deep.equal({ kind: "touch" });
    expect(makeFillModel({ kind: "queue_risk_averse" }).id).to.equal("queue_risk_averse@2");
    expect(makeFillModel({ kind: "trade_through" }).id).to.equal("trade_through@2");
    expect(() => ExecutionConfigSchema.parse({ fill_model: { kind: "queue_prob", n: 0 } })).to.throw();
  });
});

// ---- properties: random streams on a small ladder, every registered model ----

interface Step {
  kind: "quote" | "print" | "place" | "cancel";
  a: number;
  b: number;
  c: number;
  side: boolean;
}
const stepArb: fc.Arbitrary<Step> = fc.record({ kind: fc.constantFrom("quote", "quote", "print", "print", "place", "cancel"), a: fc.integer({ min: 0, max: 6 }), b: fc.integer({ min: 1, max: 40 }), c: fc.integer({ min: 0, max: 30 }), side: fc.boolean() });

interface Run {
  fills: DriverFill[];
  prints: Array<{ at: number; price: number; qty: number; aggressor: "BUY" | "SELL" }>;
  orders: Map<string, { side: "BUY" | "SELL"; price: number; qty: number; arrival: number }>;
  venue: MiniVenue;
}

/** Prices on a 0.1 grid around 100; quantities in lots of 0.1. */
function run(model: FillModel, steps: Step[]): Run {
  const v = new MiniVenue(model, LOT);
  const prints: Run["prints"] = [];
  const orders: Run["orders"] = new Map();
  let ts = 0;
  let mid = 1000; // in ticks
  let n = 0;
  v.onEvent(quote(0, 100, 1, 100.1, 1, { bids: [[100, 1], [99.9, 2]], asks: [[100.1, 1], [100.2, 2]] }));
  for (const s of steps) {
    ts += 1 + s.c;
    if (s.kind === "quote") {
      mid = Math.max(990, Math.min(1010, mid + s.a - 3));
      const bids: Array<[number, number]> = [0, 1, 2, 3].map((k) => [(mid - k) / 10, ((s.b + 7 * k) % 23) / 10 + 0.1]);
      const asks: Array<[number, number]> = [1, 2, 3, 4].map((k) => [(mid + k) / 10, ((s.b + 5 * k) % 19) / 10 + 0.1]);
      v.onEvent(quote(ts, bids[0][0], bids[0][1], asks[0][0], asks[0][1], { bids, asks }, s.c === 7));
    } else if (s.kind === "print") {
      const aggressor = s.side ? "SELL" : "BUY";
      const price = (mid + (s.side ? -(s.a % 4) : 1 + (s.a % 4))) / 10;
      const q = s.b / 10;
      v.onEvent(print(ts, price, q, aggressor));
      prints.push({ at: v.fills.length, price, qty: q, aggressor });
    } else if (s.kind === "place") {
      const side = s.side ? "BUY" : "SELL";
      const price = (mid + (side === "BUY" ? -(s.a % 4) : 1 + (s.a % 4))) / 10;
      const id = `o${++n}`;
      const arrival = ts + (s.c % 3) * 2;
      v.place(id, side, price, (1 + (s.b % 12)) / 10, arrival);
      orders.set(id, { side, price, qty: (1 + (s.b % 12)) / 10, arrival });
    } else if (n > 0) v.cancel(`o${1 + (s.b % n)}`, ts + (s.c % 3));
  }
  return { fills: v.fills, prints, orders, venue: v };
}

const MODELS = (): FillModel[] => Object.keys(FILL_MODELS).map((k) => makeFillModel({ kind: k as never }));

describe("sim: maker fill ladder — properties (fast-check, fixed seed)", () => {
  const SEED = { seed: 1253, numRuns: 300 };
  it("every model: filled ≤ order qty, on the lot grid, never before arrival; position = Σ signed fills", () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 5, maxLength: 80 }), (steps) => {
        for (const m of MODELS()) {
          const r = run(m, steps);
          const per = new Map<string, number>();
          let pos = 0;
          for (const f of r.fills) {
            const o = r.orders.get(f.id)!;
            expect(f.ts, `${m.id} fill before arrival`).to.be.at.least(o.arrival);
            expect(Math.abs(f.qty / LOT - Math.round(f.qty / LOT)), `${m.id} off the lot grid`).to.be.below(1e-9);
            per.set(f.id, (per.get(f.id) ?? 0) + f.qty);
            pos += f.side === "BUY" ? f.qty : -f.qty;
          }
          let fromOrders = 0;
          for (const [id, o] of r.orders) {
            const filled = per.get(id) ?? 0;
            expect(filled, `${m.id} overfilled ${id}`).to.be.at.most(o.qty + 1e-9);
            const rem = r.venue.order(id).remaining;
            expect(Math.abs(o.qty - rem - filled), `${m.id} remaining ≠ qty − filled`).to.be.below(1e-9);
            fromOrders += o.side === "BUY" ? o.qty - rem : -(o.qty - rem);
          }
          expect(Math.abs(pos - fromOrders)).to.be.below(1e-9);
        }
      }),
      SEED,
    );
  });

  it("queue rungs: what prints fill never exceeds what printed — per print, and per price at or through it", () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 5, maxLength: 80 }), (steps) => {
        for (const m of [riskAverse(), prob(2), prob(1)]) {
          const r = run(m, steps);
          const tradeFills = r.fills.filter((f) => f.ev === "trade");
          // per print: the fills of one trade event sum to at most its quantity
          const byEvent = new Map<number, { sum: number; qty: number }>();
          for (const f of tradeFills) {
            const e = byEvent.get(f.at) ?? { sum: 0, qty: NaN };
            e.sum += f.qty;
            byEvent.set(f.at, e);
          }
          // events are indexed by the venue; prints are every event that produced trade fills
          const printQty = new Map<number, number>();
          const evs = stepsToPrintIndex(steps);
          for (const [at, q] of evs) printQty.set(at, q);
          for (const [at, e] of byEvent) expect(e.sum, `${m.id} print ${at} consumed twice`).to.be.at.most((printQty.get(at) ?? 0) + 1e-9);
          // per price: Σ filled at p by prints ≤ Σ printed at or through p by the hitting side
          const prices = new Set(tradeFills.map((f) => `${f.side}:${f.price}`));
          for (const key of prices) {
            const [side, ps] = key.split(":");
            const p = Number(ps);
            const filled = tradeFills.filter((f) => f.side === side && f.price === p).reduce((s, f) => s + f.qty, 0);
            const printed = r.prints.filter((t) => (side === "BUY" ? t.aggressor === "SELL" && t.price <= p : t.aggressor === "BUY" && t.price >= p)).reduce((s, t) => s + t.qty, 0);
            expect(filled, `${m.id} ${key}`).to.be.at.most(printed + 1e-9);
          }
        }
      }),
      SEED,
    );
  });

  it("determinism: the same stream gives the same fills with fresh model instances", () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 5, maxLength: 60 }), (steps) => {
        for (const k of Object.keys(FILL_MODELS)) {
          const a = run(makeFillModel({ kind: k as never }), steps).fills;
          const b = run(makeFillModel({ kind: k as never }), steps).fills;
          expect(a).to.deep.equal(b);
        }
      }),
      { seed: 77, numRuns: 100 },
    );
  });
});

/** Venue event index (0 = the opening quote) → print quantity, for the steps of `run`. */
function stepsToPrintIndex(steps: Step[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let at = 0;
  for (const s of steps) {
    if (s.kind === "quote") at++;
    else if (s.kind === "print") {
      at++;
      out.push([at, s.b / 10]);
    }
  }
  return out;
}
