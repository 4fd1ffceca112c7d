import type { Features } from "../../sdk/contracts/features";
import type { InstrumentSpec, Snapshot } from "../../sdk/contracts/market";
import type { GridLevel, GridPlan, Regime } from "../../sdk/contracts/trading";
import type { GrinderConfig } from "../../sdk/config";
import type { StageFactory } from "../../sdk/engine/stages";
import { quantizePrice } from "../../sdk/util/quantize";
import { emptyFeatures } from "../../sdk/features/engine";

export const INST: InstrumentSpec = { symbol: "AAA", tick_size: 0.01, lot_size: 0.001, min_notional: 1 };

/** Deterministic PRNG for synthetic markets (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random-walk L1 stream on the tick grid, one snapshot per `dtMs` per symbol (symbols interleaved). */
export function market(seed: number, n: number, symbols: InstrumentSpec[] = [INST], opts: { dtMs?: number; volTicks?: number; drift?: number } = {}): Snapshot[] {
  const r = rng(seed);
  const dt = opts.dtMs ?? 1000;
  const vol = opts.volTicks ?? 3;
  const mids = symbols.map(() => 100);
  const out: Snapshot[] = [];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < symbols.length; k++) {
      const tick = symbols[k].tick_size;
      mids[k] = Math.max(10, mids[k] + Math.round((r() - 0.5) * 2 * vol + (opts.drift ?? 0)) * tick);
      const bid = Number((mids[k] - tick).toFixed(8));
      const ask = Number((mids[k] + tick).toFixed(8));
      out.push({ ts: 1_700_000_000_000 + i * dt, symbol: symbols[k].symbol, bid_price: bid, ask_price: ask, bid_qty: 1 + r(), ask_qty: 1 + r() });
    }
  }
  return out;
}

/** A warm feature vector with a fixed NATR (the scripted stages read nothing else). */
function blankFeatures(symbol: string): Features {
  return { ...emptyFeatures(symbol), natr: 0.002, warm: true };
}

/**
 * Scripted stages: bars every `barMs`, always RANGE (EMERGENCY once latched), and a symmetric
 * grid of `levels` per side at `step` around the mid with fixed qty; adds off unless the guard
 * is NORMAL.
 */
export function scriptedStages(o: { barMs?: number; step?: number; levels?: number; qty?: number } = {}): StageFactory<GrinderConfig> {
  const barMs = o.barMs ?? 60_000;
  const step = o.step ?? 0.002;
  const levels = o.levels ?? 5;
  const qty = o.qty ?? 0.05;
  return {
    features: (inst) => {
      const f = blankFeatures(inst.symbol);
      let bar = Number.NaN;
      return {
        features: f,
        syncL2() {},
        update(s) {
          f.ts = s.ts;
          f.mid = (s.bid_price + s.ask_price) / 2;
          const b = Math.floor(s.ts / barMs);
          const closed = bar === bar && b !== bar;
          bar = b;
          if (closed) f.bars++;
          return closed;
        },
      };
    },
    toxicity: () => ({ severity: "LOW", action: "NORMAL", penalty: 0, reasons: [] }),
    regime: () => {
      let regime: Regime = "RANGE";
      return {
        get regime() {
          return regime;
        },
        update: () => ({ regime, changed: false, reasons: [] }),
        latchEmergency: () => {
          regime = "EMERGENCY";
        },
      };
    },
    plan: (inp) => {
      const mid = inp.features.mid;
      const stop = inp.regime === "EMERGENCY" || inp.guard === "EMERGENCY";
      const adds = inp.guard === "NORMAL" && !stop;
      const bids: GridLevel[] = [];
      const asks: GridLevel[] = [];
      if (!stop)
        for (let i = 1; i <= levels; i++) {
          bids.push({ side: "BUY", index: i, price: quantizePrice(mid * (1 - step * i), inp.instrument.tick_size, "BUY"), qty });
          asks.push({ side: "SELL", index: i, price: quantizePrice(mid * (1 + step * i), inp.instrument.tick_size, "SELL"), qty });
        }
      const plan: GridPlan = {
        symbol: inp.symbol, ts: inp.ts, regime: inp.regime, mode: stop ? "EMERGENCY" : adds ? "NORMAL" : "DAMAGE_CONTROL", center_price: mid,
        step_frac: step, x_stress_frac: step * levels, width_up_frac: step * levels, width_down_frac: step * levels, levels_up: levels, levels_down: levels,
        bids, asks, size_schedule: { buy: bids.map((b) => b.qty), sell: asks.map((a) => a.qty) }, adds_allowed: adds, reduce_only: !adds,
        dd_budget: inp.dd_budget, worst_case_loss: 0, reasons: [],
      };
      return plan;
    },
  };
}
