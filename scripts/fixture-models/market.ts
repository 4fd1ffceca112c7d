import type { BookLevel, InstrumentSpec, OrderBook, Snapshot } from "../../sdk/contracts/market";
import { quantize } from "../../sdk/util/quantize";
import { Rng } from "./rng";

/**
 * Synthetic market model of the fixture generator: one `SymbolSim` per symbol, advanced one
 * step (one second) at a time. Every parameter below is written into the fixture's
 * `scenario` and described in fixtures/README.md.
 *
 * Price (log mid x, in natural-log units, x = ln(mid / start_price)), per step:
 *   r = drift(t) + kappa * (anchor - x) + sigma_t * z_t + jump_t,   z_t ~ Student-t(df), unit variance
 *   sigma_t = sigma_s * exp(h_t - logvol_sd^2 / 2) * sqrt(g_t) * event_mult(t)
 * with two volatility factors: a slow log-volatility AR(1) h_t (stochastic volatility, hour
 * scale) and a fast normalised GARCH(1,1) g_t = (1 - a - b) + a * g_{t-1} * e_{t-1}^2 + b * g_{t-1}
 * (minute scale; e is the standardised shock, jumps included) — together they give volatility
 * clustering and fat tails. The anchor of the mean reversion random-walks slowly.
 *
 * Spread (ticks) = spread_bps * vol_ratio^spread_vol_elasticity * AR(1) lognormal noise * spikes,
 * top-of-book notional = top_notional * vol_ratio^-depth_vol_elasticity * noise: spreads widen
 * and the book thins when volatility rises (vol_ratio = sigma_t / sigma_s). Prices are integer
 * ticks converted with `quantize`, quantities whole lots.
 */

/** A constant drift over [from_s, to_s): the log-return accumulated over the leg. */
export interface DriftLeg {
  from_s: number;
  to_s: number;
  log_return: number;
}

/** A volatility shock: a jump at `start_s`, then vol × `vol_mult` (ramp, plateau, decay). */
export interface VolEvent {
  start_s: number;
  /** Size of the opening jump, signed, bps of mid. */
  jump_bps: number;
  /** Seconds for the multiplier to reach `vol_mult`. */
  ramp_s: number;
  /** Seconds at full `vol_mult`. */
  plateau_s: number;
  /** Half-life of the excess (vol_mult - 1) after the plateau. */
  decay_half_life_s: number;
  vol_mult: number;
  /** Extra spread multiplier, scaled down with the vol excess like `vol_mult`. */
  spread_mult: number;
  /** Extra top-of-book depth multiplier (< 1 thins), scaled like `vol_mult`. */
  depth_mult: number;
  /** Fraction of the jump that moves the mean-reversion anchor too (1 = new level). */
  anchor_follow: number;
}

/** A span of steps [start_s, start_s + duration_s). */
export interface Episode {
  start_s: number;
  duration_s: number;
}

/** L2 depth collapse: every level's qty × depth_mult, only `levels` levels per side. */
export interface CollapseEpisode extends Episode {
  depth_mult: number;
  levels: number;
  spread_mult: number;
}

/** Stale book: the whole quote (L1 and book) freezes, `book.ts` stops; `flagged` sets `book.stale`. */
export interface StaleEpisode extends Episode {
  flagged: boolean;
}

/** Hollow book: top level kept, levels behind it × behind_top_mult and spaced gap_mult × wider. */
export interface HollowEpisode extends Episode {
  behind_top_mult: number;
  gap_mult: number;
  spread_mult: number;
}

export interface BookParams {
  /** Levels per side in normal conditions. */
  levels: number;
  /** Qty at level k (0 = top) = top qty × (1 + level_qty_growth × k) × level noise. */
  level_qty_growth: number;
  /** Probability a level sits more than one tick behind the previous one. */
  extra_gap_prob: number;
  /** Mean of the extra gap (ticks, exponential, rounded up). */
  extra_gap_mean_ticks: number;
  /** Log-sd of the per-level AR(1) qty noise. */
  level_noise_sd: number;
  collapse: CollapseEpisode[];
  stale: StaleEpisode[];
  hollow: HollowEpisode[];
}

export interface SymbolModel {
  instrument: InstrumentSpec;
  start_price: number;
  /** Base volatility of log mid over a day (fraction); per step sigma_s = sigma_daily / sqrt(86400). */
  sigma_daily: number;
  /** Degrees of freedom of the Student-t innovations (lower = fatter tails). */
  t_df: number;
  garch_alpha: number;
  garch_beta: number;
  /** Half-life (s) and stationary sd of the slow log-volatility factor. */
  logvol_half_life_s: number;
  logvol_sd: number;
  /** Half-life (s) of the pull toward the anchor; null = no mean reversion (random walk + drift). */
  mean_reversion_half_life_s: number | null;
  /** Daily volatility of the anchor's random walk. */
  anchor_sigma_daily: number;
  drift: DriftLeg[];
  /** Poisson jumps: rate per hour, mean absolute size (bps, exponential, random sign). */
  jump_rate_per_hour: number;
  jump_mean_bps: number;
  vol_events: VolEvent[];
  /** Typical quoted spread (bps) at base volatility. */
  spread_bps: number;
  spread_vol_elasticity: number;
  spread_noise_sd: number;
  spread_noise_half_life_s: number;
  /** Spread spikes: rate per hour, mean multiplier (lognormal, sd 0.3), duration range (s). */
  spread_spike_rate_per_hour: number;
  spread_spike_mult: number;
  spread_spike_min_s: number;
  spread_spike_max_s: number;
  /** Typical top-of-book notional per side (quote currency) at base volatility. */
  top_notional: number;
  depth_vol_elasticity: number;
  qty_noise_sd: number;
  qty_noise_half_life_s: number;
  /** Sd of the AR(1) bid/ask imbalance driver (bid qty × (1 + i), ask qty × (1 - i), |i| < 0.8). */
  imbalance_sd: number;
  /** Feed gaps: no row is emitted, the market moves on underneath. */
  gaps: Episode[];
  book?: BookParams;
}

const SECONDS_PER_DAY = 86_400;

function ar1Coef(halfLife: number): number {
  return Math.pow(0.5, 1 / halfLife);
}

function inEpisode<E extends Episode>(list: E[], t: number): E | undefined {
  for (const e of list) if (t >= e.start_s && t < e.start_s + e.duration_s) return e;
  return undefined;
}

/** Vol-event excess in [0, 1] at step t (1 = full multiplier). */
function eventWeight(e: VolEvent, t: number): number {
  const dt = t - e.start_s;
  if (dt < 0) return 0;
  if (dt < e.ramp_s) return (dt + 1) / (e.ramp_s + 1);
  if (dt < e.ramp_s + e.plateau_s) return 1;
  return Math.pow(0.5, (dt - e.ramp_s - e.plateau_s) / e.decay_half_life_s);
}

/** Advances one symbol's latent market and renders its snapshot rows. */
export class SymbolSim {
  private readonly rng: Rng;
  private readonly sigmaS: number;
  private readonly kappa: number;
  private readonly anchorSigmaS: number;
  private readonly phiH: number;
  private readonly phiSpread: number;
  private readonly phiQty: number;
  private readonly tick: number;
  private readonly lot: number;
  private x = 0;
  private anchor = 0;
  private h = 0;
  private g = 1;
  private sig: number;
  private spreadNoise = 0;
  private qtyNoise = 0;
  private imb = 0;
  private spikeLeft = 0;
  private spikeMult = 1;
  private prevMid: number;
  private lastPrice = 0;
  private readonly levelNoise: Float64Array;
  private frozen: Snapshot | null = null;
  private t = -1;

  constructor(
    readonly model: SymbolModel,
    seed: number,
    private readonly startTs: number,
    private readonly stepMs = 1000,
  ) {
    this.rng = Rng.derive(seed, model.instrument.symbol);
    this.sigmaS = model.sigma_daily / Math.sqrt(SECONDS_PER_DAY);
    this.kappa = model.mean_reversion_half_life_s ? Math.LN2 / model.mean_reversion_half_life_s : 0;
    this.anchorSigmaS = model.anchor_sigma_daily / Math.sqrt(SECONDS_PER_DAY);
    this.phiH = ar1Coef(model.logvol_half_life_s);
    this.phiSpread = ar1Coef(model.spread_noise_half_life_s);
    this.phiQty = ar1Coef(model.qty_noise_half_life_s);
    this.tick = model.instrument.tick_size;
    this.lot = model.instrument.lot_size;
    this.sig = this.sigmaS;
    this.prevMid = model.start_price;
    this.levelNoise = new Float64Array(2 * (model.book?.levels ?? 0));
    // Start the stochastic factors from their stationary laws, not from zero.
    this.h = model.logvol_sd * this.rng.normal();
    for (let i = 0; i < this.levelNoise.length; i++) this.levelNoise[i] = (model.book?.level_noise_sd ?? 0) * this.rng.normal();
  }

  private driftAt(t: number): number {
    for (const d of this.model.drift) if (t >= d.from_s && t < d.to_s) return d.log_return / (d.to_s - d.from_s);
    return 0;
  }

  /** Advance the latent price and volatility by one step. */
  private evolve(t: number): void {
    const m = this.model;
    let eventMult = 1;
    let jump = 0;
    for (const e of m.vol_events) {
      eventMult *= 1 + (e.vol_mult - 1) * eventWeight(e, t);
      if (t === e.start_s) {
        jump += e.jump_bps * 1e-4;
        this.anchor += e.jump_bps * 1e-4 * e.anchor_follow;
      }
    }
    const sig = this.sigmaS * Math.exp(this.h - (m.logvol_sd * m.logvol_sd) / 2) * Math.sqrt(this.g) * eventMult;
    const z = this.rng.studentT(m.t_df);
    if (m.jump_rate_per_hour > 0 && this.rng.uniform() < m.jump_rate_per_hour / 3600) {
      const sign = this.rng.uniform() < 0.5 ? -1 : 1;
      jump += sign * this.rng.exponential(m.jump_mean_bps) * 1e-4;
    }
    this.x += this.driftAt(t) + this.kappa * (this.anchor - this.x) + sig * z + jump;
    this.anchor += this.anchorSigmaS * this.rng.normal();
    // GARCH(1,1) on the standardised shock, jumps included (capped so one jump cannot explode it).
    const e = z + jump / sig;
    const e2 = Math.min(e * e, 60);
    this.g = Math.min(1 - m.garch_alpha - m.garch_beta + m.garch_alpha * this.g * e2 + m.garch_beta * this.g, 40);
    this.h = this.phiH * this.h + Math.sqrt(1 - this.phiH * this.phiH) * m.logvol_sd * this.rng.normal();
    this.sig = sig;
  }

  private px(ticks: number): number {
    return quantize(ticks * this.tick, this.tick);
  }

  private lots(qty: number): number {
    return quantize(Math.max(1, Math.floor(qty / this.lot)) * this.lot, this.lot);
  }

  /**
   * Advance to step `t` (0, 1, 2, ... in order) and return its row, or null when the feed
   * has a gap at t (the market still moved).
   */
  step(t: number): Snapshot | null {
    if (t !== this.t + 1) throw new Error(`SymbolSim.step: expected step ${this.t + 1}, got ${t}`);
    this.t = t;
    const m = this.model;
    if (t > 0) this.evolve(t);
    const ts = this.startTs + t * this.stepMs;
    const mid = m.start_price * Math.exp(this.x);
    const volRatio = this.sig / this.sigmaS;

    // Noise factors evolve every step, also through gaps and stale spans.
    this.spreadNoise = this.phiSpread * this.spreadNoise + Math.sqrt(1 - this.phiSpread ** 2) * m.spread_noise_sd * this.rng.normal();
    this.qtyNoise = this.phiQty * this.qtyNoise + Math.sqrt(1 - this.phiQty ** 2) * m.qty_noise_sd * this.rng.normal();
    this.imb = this.phiQty * this.imb + Math.sqrt(1 - this.phiQty ** 2) * m.imbalance_sd * this.rng.normal();
    if (this.spikeLeft > 0) this.spikeLeft--;
    else if (m.spread_spike_rate_per_hour > 0 && this.rng.uniform() < m.spread_spike_rate_per_hour / 3600) {
      this.spikeLeft = this.rng.int(m.spread_spike_min_s, m.spread_spike_max_s);
      this.spikeMult = m.spread_spike_mult * Math.exp(0.3 * this.rng.normal() - 0.045);
    }
    const b = m.book;
    if (b) {
      const phi = 0.95;
      for (let i = 0; i < this.levelNoise.length; i++)
        this.levelNoise[i] = phi * this.levelNoise[i] + Math.sqrt(1 - phi * phi) * b.level_noise_sd * this.rng.normal();
    }

    if (inEpisode(m.gaps, t)) {
      this.prevMid = mid;
      return null;
    }
    const stale = b ? inEpisode(b.stale, t) : undefined;
    if (stale && this.frozen) {
      this.prevMid = mid;
      const f = this.frozen;
      return { ...f, ts, book: { ...f.book!, ...(stale.flagged ? { stale: true } : {}) } };
    }

    let spreadMult = this.spikeLeft > 0 ? this.spikeMult : 1;
    let depthMult = 1;
    for (const e of m.vol_events) {
      const w = eventWeight(e, t);
      spreadMult *= 1 + (e.spread_mult - 1) * w;
      depthMult *= 1 + (e.depth_mult - 1) * w;
    }
    const collapse = b ? inEpisode(b.collapse, t) : undefined;
    const hollow = b ? inEpisode(b.hollow, t) : undefined;
    if (collapse) {
      spreadMult *= collapse.spread_mult;
      depthMult *= collapse.depth_mult;
    }
    if (hollow) spreadMult *= hollow.spread_mult;

    const spreadBps = m.spread_bps * Math.pow(volRatio, m.spread_vol_elasticity) * Math.exp(this.spreadNoise) * spreadMult;
    const spreadTicks = Math.max(1, Math.round((spreadBps * 1e-4 * mid) / this.tick));
    const bidTicks = Math.floor(mid / this.tick - spreadTicks / 2);
    const askTicks = bidTicks + spreadTicks;
    const topNotional = m.top_notional * Math.pow(volRatio, -m.depth_vol_elasticity) * Math.exp(this.qtyNoise) * depthMult;
    const i = Math.tanh(this.imb) * 0.8;
    const topQty = topNotional / mid;

    let row: Snapshot;
    if (b) {
      const n = collapse ? Math.min(collapse.levels, b.levels) : b.levels;
      const bids: BookLevel[] = [];
      const asks: BookLevel[] = [];
      for (const side of [0, 1]) {
        let p = side === 0 ? bidTicks : askTicks;
        const out = side === 0 ? bids : asks;
        for (let k = 0; k < n; k++) {
          if (k > 0) {
            let gap = 1;
            if (this.rng.uniform() < b.extra_gap_prob) gap += Math.ceil(this.rng.exponential(b.extra_gap_mean_ticks));
            if (hollow) gap = Math.ceil(gap * hollow.gap_mult);
            p += side === 0 ? -gap : gap;
          }
          if (p <= 0) break;
          let q = topQty * (1 + b.level_qty_growth * k) * Math.exp(this.levelNoise[side * b.levels + k]);
          if (k === 0) q = topQty * (side === 0 ? 1 + i : 1 - i);
          else if (hollow) q *= hollow.behind_top_mult;
          out.push({ price: this.px(p), qty: this.lots(q) });
        }
      }
      const book: OrderBook = { bids, asks, ts };
      row = { ts, symbol: m.instrument.symbol, bid_price: bids[0].price, bid_qty: bids[0].qty, ask_price: asks[0].price, ask_qty: asks[0].qty, book };
    } else {
      row = {
        ts,
        symbol: m.instrument.symbol,
        bid_price: this.px(bidTicks),
        bid_qty: this.lots(topQty * (1 + i)),
        ask_price: this.px(askTicks),
        ask_qty: this.lots(topQty * (1 - i)),
      };
    }
    // Last trade by the tick rule: an up-move trades at the ask, a down-move at the bid.
    if (mid > this.prevMid || this.lastPrice === 0) this.lastPrice = mid > this.prevMid ? row.ask_price : row.bid_price;
    else if (mid < this.prevMid) this.lastPrice = row.bid_price;
    row.last_price = this.lastPrice;
    this.prevMid = mid;
    this.frozen = row;
    return row;
  }
}
