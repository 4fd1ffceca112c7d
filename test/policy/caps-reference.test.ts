import { expect } from "chai";
import fc from "fast-check";
import type { ReasonCode, Side } from "../../sdk/contracts/trading";
import { quantize } from "../../sdk/util/quantize";
import {
  PolicyReason,
  applyCaps,
  buildSide,
  notionalCap,
  parsePolicyConfig,
  type CapsInput,
  type CapsResult,
  type PolicyConfig,
  type SideKind,
} from "../../sdk/policy";

const CAPS_ORDER: ReadonlyArray<ReasonCode> = [
  PolicyReason.CAP_INVENTORY_NOTIONAL,
  PolicyReason.CAP_EFFECTIVE_LEVERAGE,
  PolicyReason.CAP_MAX_OPEN_ORDERS,
  PolicyReason.CAP_MIN_NOTIONAL,
  PolicyReason.CAPS_REDUCE_SIZES,
  PolicyReason.CAPS_REDUCE_LEVELS,
  PolicyReason.CAPS_WIDEN_STEP,
  PolicyReason.CAPS_THROTTLE,
];

/**
 * The caps resolution of ADR-014 written the naive way: rebuild both sides after every single
 * change. `applyCaps` takes shortcuts (price prefix cache, per-side memo, order-count steps on
 * integer counts); it must give exactly the same result.
 */
function referenceCaps(x: CapsInput, cfg: PolicyConfig): CapsResult {
  const cap = notionalCap(x.equity, cfg.caps);
  let step = x.step;
  const kind: Record<Side, SideKind> = { BUY: x.buy.kind, SELL: x.sell.kind };
  const levels: Record<Side, number> = { BUY: x.buy.levels, SELL: x.sell.levels };
  const width: Record<Side, number> = { BUY: x.buy.width, SELL: x.sell.width };
  const applied = new Set<ReasonCode>();
  const adding: Side = x.inventory_qty < 0 ? "SELL" : "BUY";
  for (let iter = 0; iter < 100_000; iter++) {
    const b = buildSide("BUY", kind.BUY, levels.BUY, step, x, cfg, cap);
    const s = buildSide("SELL", kind.SELL, levels.SELL, step, x, cfg, cap);
    const offenders: Side[] = [];
    for (const sb of [b, s]) {
      if (sb.kind === "grid" && sb.dropped > 0) {
        offenders.push(sb.side);
        applied.add(PolicyReason.CAP_MIN_NOTIONAL);
      }
    }
    if (offenders.length === 0 && b.qtys.length + s.qtys.length > cfg.caps.max_open_orders) {
      applied.add(PolicyReason.CAP_MAX_OPEN_ORDERS);
      const nb = b.qtys.length;
      const ns = s.qtys.length;
      if (nb !== ns) offenders.push(nb > ns ? "BUY" : "SELL");
      else if (kind.BUY !== kind.SELL) offenders.push(kind.BUY === "grid" ? "BUY" : "SELL");
      else offenders.push(adding);
    }
    if (offenders.length === 0) {
      if (b.scaled || s.scaled) {
        applied.add(cap.binding === "LEVERAGE" ? PolicyReason.CAP_EFFECTIVE_LEVERAGE : PolicyReason.CAP_INVENTORY_NOTIONAL);
        applied.add(PolicyReason.CAPS_REDUCE_SIZES);
      }
      return { step, buy: b, sell: s, reasons: CAPS_ORDER.filter((r) => applied.has(r)) };
    }
    let widened = false;
    for (const side of offenders) {
      const built = side === "BUY" ? b : s;
      const n = Math.min(levels[side], kind[side] === "reduce" ? built.qtys.length : levels[side]);
      if (kind[side] === "reduce") {
        if (n > 1) {
          levels[side] = n - 1;
          applied.add(PolicyReason.CAPS_REDUCE_LEVELS);
        } else {
          kind[side] = "off";
          applied.add(PolicyReason.CAPS_THROTTLE);
        }
      } else if (n > cfg.levels_min) {
        levels[side] = n - 1;
        applied.add(PolicyReason.CAPS_REDUCE_LEVELS);
      } else if (n > 1) {
        if (!widened) {
          step *= cfg.caps.widen_step_factor;
          widened = true;
          applied.add(PolicyReason.CAPS_WIDEN_STEP);
          for (const sd of ["BUY", "SELL"] as const) {
            if (kind[sd] === "grid") levels[sd] = Math.min(levels[sd], Math.max(1, Math.ceil((width[sd] / step) * (1 - 1e-9))));
          }
        }
      } else {
        kind[side] = "off";
        applied.add(PolicyReason.CAPS_THROTTLE);
      }
    }
  }
  throw new Error("reference did not converge");
}

const uniform = (lo: number, hi: number): fc.Arbitrary<number> => fc.integer({ min: 0, max: 1_000_000 }).map((k) => lo + ((hi - lo) * k) / 1_000_000);
const kindArb = fc.constantFrom<SideKind>("grid", "grid", "grid", "reduce", "off");
const sideArb = fc.record({ kind: kindArb, levels: fc.integer({ min: 0, max: 40 }), width: uniform(0.001, 0.3), budgetFrac: uniform(0, 0.05) });

const capsCase = fc
  .record({
    midExp: uniform(-1, 5),
    lotShift: fc.integer({ min: -3, max: 1 }),
    minNotional: fc.constantFrom(0, 5, 10),
    step: uniform(0.0005, 0.03),
    rsf: uniform(0.5, 3),
    equityExp: uniform(2, 6),
    invFrac: fc.oneof(fc.constant(0), uniform(-1.5, 1.5)),
    buy: sideArb,
    sell: sideArb,
    levels_min: fc.integer({ min: 1, max: 5 }),
    max_open_orders: fc.integer({ min: 0, max: 50 }),
    tapered: fc.boolean(),
    capFrac: uniform(0.05, 2),
    lev: uniform(0.1, 5),
    reduceLevels: fc.integer({ min: 1, max: 5 }),
  })
  .map((c) => {
    const cfg = parsePolicyConfig({
      levels_min: c.levels_min,
      levels_max: Math.max(c.levels_min, 40),
      sizing: { mode: c.tapered ? "tapered" : "equal_notional", max_weight_ratio: 3 },
      caps: { max_open_orders: c.max_open_orders, max_effective_leverage: c.lev, max_inventory_notional: { kind: "frac_equity", value: c.capFrac } },
      reduce_only: { levels: c.reduceLevels },
    });
    const tick = Number(`1e${Math.floor(c.midExp) - 4}`);
    const lot = Number(`1e${c.lotShift - Math.floor(c.midExp) - 1}`);
    const mid = Math.max(tick, quantize(10 ** c.midExp, tick));
    const equity = 10 ** c.equityExp;
    const invAbs = quantize(Math.abs((c.invFrac * equity) / mid), lot, "floor");
    const side = (r: typeof c.buy) => ({ kind: r.kind, levels: r.kind === "reduce" ? c.reduceLevels : r.levels, width: r.width, budget: r.budgetFrac * equity });
    const x: CapsInput = {
      center: mid, mid, step: c.step, reduce_step_factor: c.rsf, inventory_qty: c.invFrac < 0 ? -invAbs : invAbs, equity,
      instrument: { symbol: "REFUSDT", tick_size: tick, lot_size: lot, min_notional: c.minNotional },
      buy: side(c.buy), sell: side(c.sell),
    };
    return { x, cfg };
  });

describe("applyCaps equals the naive one-change-at-a-time resolution (ADR-014)", () => {
  it("same step, ladders and reasons on random inputs", () => {
    fc.assert(
      fc.property(capsCase, ({ x, cfg }) => {
        expect(applyCaps(x, cfg)).to.deep.equal(referenceCaps(x, cfg));
      }),
      { numRuns: 300, seed: 424242 },
    );
  });
});
