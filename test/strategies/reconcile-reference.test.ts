import { expect } from "chai";
import fc from "fast-check";
import type { InstrumentSpec } from "../../sdk/contracts/market";
import type { GridLevel, Intent } from "../../sdk/contracts/trading";
import { ExecutionConfigSchema } from "../../sdk/execution/config";
import { OrderManager, type SymbolExecContext } from "../../sdk/execution/order-manager";
import type { PendingOrder } from "../../sdk/execution/cycle";
import type { OrderRequest } from "../../sdk/sim/types";
import { OrderManager as ReferenceManager } from "./reference/order-manager";

const INST: InstrumentSpec = { symbol: "BTC", tick_size: 0.5, lot_size: 0.001, min_notional: 1 };

/** One step of a scripted session: a plan reconcile, a fill of the k-th open order, or a pending TP. */
type Step =
  | { kind: "plan"; center: number; n: number; m: number; qtys: number[]; pos: number; reduce: boolean; dts: number }
  | { kind: "fill"; k: number; part: boolean }
  | { kind: "tp"; price: number; qty: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("plan" as const), center: fc.integer({ min: 0, max: 12 }), n: fc.integer({ min: 0, max: 9 }), m: fc.integer({ min: 0, max: 9 }),
      qtys: fc.array(fc.constantFrom(0.01, 0.011, 0.0095, 0.02, 0.001), { minLength: 9, maxLength: 9 }), pos: fc.constantFrom(0, 0.05, -0.03, 0.0005),
      reduce: fc.boolean(), dts: fc.integer({ min: 0, max: 60_000 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("fill" as const), k: fc.nat(30), part: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("tp" as const), price: fc.integer({ min: 180, max: 220 }).map((x) => x * 0.5), qty: fc.constantFrom(0.01, 0.002) }) },
);

function levels(center: number, n: number, m: number, qtys: number[], tick: number): GridLevel[] {
  const out: GridLevel[] = [];
  for (let i = 1; i <= n; i++) out.push({ side: "BUY", index: i, price: 100 + (center - 2 * i) * tick, qty: qtys[i - 1] });
  for (let i = 1; i <= m; i++) out.push({ side: "SELL", index: i, price: 100 + (center + 2 * i) * tick, qty: qtys[9 - i] });
  return out;
}

/** Run one script through an order manager; the intents and requests it emitted, in order. */
function run(Mgr: typeof OrderManager, cfgIn: Record<string, unknown>, steps: Step[]): { intents: Intent[]; sent: OrderRequest[] } {
  const cfg = ExecutionConfigSchema.parse(cfgIn);
  const intents: Intent[] = [];
  const sent: OrderRequest[] = [];
  const om = new Mgr(cfg, [INST], { intent: (i) => intents.push(i), send: (r) => sent.push(r) });
  const ctx: SymbolExecContext = { step_frac: 0.01, adds_allowed: true, damage_control: false, reduce_only: false, stopped: false };
  const pend: PendingOrder[] = [];
  let ts = 0;
  let pos = 0;
  for (const s of steps) {
    if (s.kind === "plan") {
      ts += s.dts;
      pos = s.pos;
      ctx.reduce_only = s.reduce;
      om.reconcile("BTC", ts, pos, levels(s.center, s.n, s.m, s.qtys, INST.tick_size), pend, ctx);
    } else if (s.kind === "fill") {
      const open = om.openOrders("BTC");
      if (open.length === 0) continue;
      const o = open[s.k % open.length];
      const qty = s.part ? Math.round(o.remaining * 500) / 1000 : o.remaining;
      om.onReport({ type: "FILL", ts, symbol: "BTC", order_id: o.id, side: o.side, price: o.price, qty, remaining: s.part ? o.remaining - qty : 0, fee: 0, liquidity: "MAKER" } as never);
      om.reconcile("BTC", ts, pos, null, pend, ctx);
    } else pend.push({ side: s.price > 100 ? "SELL" : "BUY", price: s.price, qty: s.qty, kind: "TP", level: 1, entry_price: 100, entry_fee: 0, entry_ts: ts });
  }
  return { intents, sent };
}

describe("execution: reconcile against the previous order manager (oracle)", () => {
  it("the same intents and requests for random plan / fill / TP sessions, with and without amend tolerance (fixed seed)", () => {
    let amends = 0;
    let kept = 0;
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 40 }),
        fc.record({ amend_tolerance_steps: fc.constantFrom(0, 0.25, 1), amend_qty_tolerance: fc.constantFrom(0, 0.1, 0.6), max_open_orders_per_symbol: fc.constantFrom(40, 6) }),
        (steps, cfg) => {
          const a = run(OrderManager, cfg, steps);
          const b = run(ReferenceManager as unknown as typeof OrderManager, cfg, steps);
          expect(a.intents).to.deep.equal(b.intents);
          expect(a.sent).to.deep.equal(b.sent);
          amends += a.intents.filter((i) => i.type === "AMEND").length;
          kept += a.intents.length;
        },
      ),
      { seed: 226, numRuns: 300 },
    );
    expect(amends, "the sessions exercise amends").to.be.greaterThan(100);
    expect(kept).to.be.greaterThan(1000);
  });
});
