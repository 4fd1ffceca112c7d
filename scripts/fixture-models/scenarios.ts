import type { InstrumentSpec, Snapshot } from "../../sdk/contracts/market";
import { SymbolSim, type SymbolModel } from "./market";

/**
 * The six required fixtures (spec 17.20.2) as scenario definitions of the market model in
 * ./market.ts. A definition is pure data: `scenarioSnapshots(def)` turns it into rows, and
 * `scenarioRecord(def)` is what the fixture's manifest stores as `scenario`.
 */
export interface ScenarioDef {
  name: string;
  description: string;
  /** Regimes / gates the scenario is meant to trigger, for the humans tuning thresholds. */
  intended: string;
  /** Master seed; every symbol draws from its own stream derived from (seed, symbol). */
  seed: number;
  start_ts: number;
  step_ms: number;
  steps: number;
  gzip: boolean;
  symbols: SymbolModel[];
}

/** 2024-01-01T00:00:00Z in ms: every fixture starts here. */
export const START_TS = 1_704_067_200_000;
const H = 3600;
const DAY = 86_400;

/** Meaning of every scenario parameter (copied into each manifest and fixtures/README.md). */
export const PARAMETER_DOCS: Record<string, string> = {
  seed: "master seed; symbol S draws from xoroshiro128+ (pure-rand) seeded with the first 4 bytes of SHA-256('<seed>:<S>'), first 64 outputs discarded",
  start_ts: "data time of step 0, integer ms (2024-01-01T00:00:00Z)",
  step_ms: "time between steps; one row per symbol per step except in gaps",
  steps: "number of steps (rows per symbol without gaps)",
  start_price: "mid price at step 0",
  sigma_daily: "base volatility of log mid per day; per-step sigma_s = sigma_daily / sqrt(86400)",
  t_df: "degrees of freedom of the Student-t innovations, scaled to unit variance (fat tails)",
  garch_alpha: "normalised GARCH(1,1) reaction to the last squared standardised shock (fast volatility clustering)",
  garch_beta: "normalised GARCH(1,1) persistence; g = (1-a-b) + a*g*e^2 + b*g, e^2 capped at 60, g at 40",
  logvol_half_life_s: "half-life of the slow AR(1) log-volatility factor h (stochastic volatility)",
  logvol_sd: "stationary sd of h; sigma_t = sigma_s * exp(h - logvol_sd^2/2) * sqrt(g) * event multiplier",
  mean_reversion_half_life_s: "half-life of the pull of log mid toward the anchor (Ornstein-Uhlenbeck); null = none",
  anchor_sigma_daily: "daily volatility of the anchor's random walk (the level the chop reverts to drifts)",
  drift: "legs {from_s, to_s, log_return}: constant drift adding log_return over [from_s, to_s)",
  jump_rate_per_hour: "Poisson jump rate",
  jump_mean_bps: "mean absolute jump size in bps (exponential, random sign)",
  vol_events: "volatility shocks {start_s, jump_bps, ramp_s, plateau_s, decay_half_life_s, vol_mult, spread_mult, depth_mult, anchor_follow}: jump at start_s, then the vol / spread / depth multipliers ramp in, hold, and their excess decays with the half-life; anchor_follow = share of the jump that moves the anchor",
  spread_bps: "typical quoted spread in bps at base volatility; spread ticks = max(1, round(spread_bps * vol_ratio^spread_vol_elasticity * noise * multipliers * mid / tick))",
  spread_vol_elasticity: "spread widening with vol_ratio = sigma_t / sigma_s",
  spread_noise_sd: "stationary log-sd of the AR(1) spread noise",
  spread_noise_half_life_s: "half-life of the spread noise",
  spread_spike_rate_per_hour: "rate of spread spikes (Poisson start)",
  spread_spike_mult: "mean spread multiplier during a spike (lognormal, log-sd 0.3)",
  spread_spike_min_s: "shortest spike (s)",
  spread_spike_max_s: "longest spike (s)",
  top_notional: "typical top-of-book notional per side (quote) at base volatility",
  depth_vol_elasticity: "top-of-book thinning: notional * vol_ratio^-depth_vol_elasticity",
  qty_noise_sd: "stationary log-sd of the AR(1) top-of-book qty noise",
  qty_noise_half_life_s: "half-life of the qty noise and of the imbalance driver",
  imbalance_sd: "sd of the AR(1) imbalance driver i; bid qty *(1 + 0.8 tanh i), ask qty *(1 - 0.8 tanh i)",
  gaps: "feed gaps {start_s, duration_s}: no rows for the symbol, the market moves on underneath",
  "book.levels": "L2 levels per side in normal conditions (best level = the L1 bid/ask)",
  "book.level_qty_growth": "qty at level k = top qty * (1 + growth * k) * per-level AR(1) lognormal noise",
  "book.extra_gap_prob": "probability that a level sits more than 1 tick behind the previous one",
  "book.extra_gap_mean_ticks": "mean extra gap in ticks (exponential, rounded up)",
  "book.level_noise_sd": "stationary log-sd of the per-level qty noise (AR(1), coefficient 0.95 per step)",
  "book.collapse": "depth collapses {start_s, duration_s, depth_mult, levels, spread_mult}: all qty * depth_mult, only `levels` levels per side, spread * spread_mult",
  "book.stale": "stale book {start_s, duration_s, flagged}: the whole quote (L1 + book) freezes, book.ts stops advancing; flagged episodes also carry book.stale = true",
  "book.hollow": "hollow book {start_s, duration_s, behind_top_mult, gap_mult, spread_mult}: best level kept, levels behind it * behind_top_mult and gaps * gap_mult (impact for a given notional spikes)",
};

function spec(symbol: string, tick_size: number, lot_size: number, min_notional = 5): InstrumentSpec {
  return { symbol, tick_size, lot_size, min_notional };
}

/** Defaults shared by the scenarios; each overrides what gives it its character. */
function model(instrument: InstrumentSpec, start_price: number, o: Partial<SymbolModel>): SymbolModel {
  return {
    instrument,
    start_price,
    sigma_daily: 0.03,
    t_df: 4,
    garch_alpha: 0.04,
    garch_beta: 0.955,
    logvol_half_life_s: H,
    logvol_sd: 0.35,
    mean_reversion_half_life_s: null,
    anchor_sigma_daily: 0,
    drift: [],
    jump_rate_per_hour: 0.5,
    jump_mean_bps: 8,
    vol_events: [],
    spread_bps: 1.5,
    spread_vol_elasticity: 0.7,
    spread_noise_sd: 0.25,
    spread_noise_half_life_s: 30,
    spread_spike_rate_per_hour: 0,
    spread_spike_mult: 1,
    spread_spike_min_s: 0,
    spread_spike_max_s: 0,
    top_notional: 50_000,
    depth_vol_elasticity: 0.8,
    qty_noise_sd: 0.4,
    qty_noise_half_life_s: 20,
    imbalance_sd: 0.5,
    gaps: [],
    ...o,
  };
}

const rangeDay: ScenarioDef = {
  name: "range_day_l1",
  description: "One symbol, one day at 1 s: mean-reverting chop (Ornstein-Uhlenbeck around a slowly drifting level) with clustered, fat-tailed volatility.",
  intended: "RANGE most of the day (high range_score, low trend_strength); brief vol clusters may touch VOL_SHOCK thresholds only if they are set tight.",
  seed: 1001,
  start_ts: START_TS,
  step_ms: 1000,
  steps: DAY,
  gzip: true,
  symbols: [
    model(spec("RANGEUSDT", 0.01, 0.001), 2000, {
      sigma_daily: 0.03,
      mean_reversion_half_life_s: 1200,
      anchor_sigma_daily: 0.006,
      spread_bps: 1.5,
      top_notional: 60_000,
    }),
  ],
};

const trendDay: ScenarioDef = {
  name: "trend_day_l1",
  description: "One symbol, one day at 1 s: sustained up legs (drift +9 % over 01:00-09:00, +5 % over 11:00-16:00) with a -2 % pullback between them, then a down leg (-4 % over 16:00-20:00); drifts net +8 %. Random walk (no mean reversion) plus drift, clustered fat-tailed volatility.",
  intended: "TREND_UP during 01:00-09:00 and 11:00-16:00, TREND_DOWN during 16:00-20:00 (and possibly the 09:00-11:00 pullback); RANGE-like random walk in the flat first hour and after 20:00.",
  seed: 2002,
  start_ts: START_TS,
  step_ms: 1000,
  steps: DAY,
  gzip: true,
  symbols: [
    model(spec("TRENDUSDT", 0.1, 0.001), 30_000, {
      sigma_daily: 0.012,
      drift: [
        { from_s: 1 * H, to_s: 9 * H, log_return: 0.09 },
        { from_s: 9 * H, to_s: 11 * H, log_return: -0.02 },
        { from_s: 11 * H, to_s: 16 * H, log_return: 0.05 },
        { from_s: 16 * H, to_s: 20 * H, log_return: -0.04 },
      ],
      spread_bps: 1.2,
      top_notional: 120_000,
    }),
  ],
};

const volShock: ScenarioDef = {
  name: "vol_shock_l1",
  description: "One symbol, one day at 1 s: calm mean-reverting chop, then at 13:00 a -3 % jump and volatility x8 for 40 min (spread blow-out, top of book thins), decaying with a 15 min half-life; calm again by the evening.",
  intended: "RANGE before 13:00 and after the decay (~15:00 on); VOL_SHOCK from 13:00 for roughly an hour (toxicity may also flag the jump).",
  seed: 1003,
  start_ts: START_TS,
  step_ms: 1000,
  steps: DAY,
  gzip: true,
  symbols: [
    model(spec("SHOCKUSDT", 0.01, 0.01), 150, {
      sigma_daily: 0.02,
      mean_reversion_half_life_s: 1800,
      anchor_sigma_daily: 0.004,
      jump_rate_per_hour: 0.3,
      jump_mean_bps: 6,
      vol_events: [
        { start_s: 13 * H, jump_bps: -300, ramp_s: 20, plateau_s: 2400, decay_half_life_s: 900, vol_mult: 8, spread_mult: 2.5, depth_mult: 0.35, anchor_follow: 1 },
      ],
      spread_bps: 2,
      top_notional: 40_000,
    }),
  ],
};

const multi: ScenarioDef = {
  name: "multisymbol_topk_l1",
  description:
    "Seven symbols, one day at 1 s, interleaved by time (rows of one ts in lexical symbol order): three choppy liquid symbols (CHOPA/B/C), one trending (TREND), one toxic (wide spiky spread, jumps, TOXIC), one thin (tiny top of book, THIN) and one with a stale feed (six gaps of 5-20 min, STALE).",
  intended:
    "Top-K: CHOPAUSDT, CHOPBUSDT, CHOPCUSDT score best; TRENDUSDT penalised by trend_strength; TOXICUSDT gated by spread/toxicity; THINUSDT gated or penalised by thin_l1 liquidity; STALEUSDT gated during and right after its feed gaps.",
  seed: 1004,
  start_ts: START_TS,
  step_ms: 1000,
  steps: DAY,
  gzip: true,
  symbols: [
    model(spec("CHOPAUSDT", 0.01, 0.001), 2000, { sigma_daily: 0.025, mean_reversion_half_life_s: 900, anchor_sigma_daily: 0.005, spread_bps: 1.2, top_notional: 150_000 }),
    model(spec("CHOPBUSDT", 0.01, 0.01), 150, { sigma_daily: 0.03, mean_reversion_half_life_s: 600, anchor_sigma_daily: 0.006, spread_bps: 1.5, top_notional: 80_000 }),
    model(spec("CHOPCUSDT", 0.001, 0.01), 60, { sigma_daily: 0.035, mean_reversion_half_life_s: 1200, anchor_sigma_daily: 0.006, spread_bps: 2, top_notional: 60_000 }),
    model(spec("STALEUSDT", 0.01, 0.01), 45, {
      sigma_daily: 0.03,
      mean_reversion_half_life_s: 1200,
      anchor_sigma_daily: 0.006,
      spread_bps: 2.5,
      top_notional: 50_000,
      gaps: [
        { start_s: 2 * H + 600, duration_s: 480 },
        { start_s: 5 * H + 2700, duration_s: 900 },
        { start_s: 9 * H + 1800, duration_s: 300 },
        { start_s: 13 * H + 300, duration_s: 1200 },
        { start_s: 17 * H + 2400, duration_s: 720 },
        { start_s: 21 * H + 900, duration_s: 360 },
      ],
    }),
    model(spec("THINUSDT", 0.001, 0.1), 12, { sigma_daily: 0.04, mean_reversion_half_life_s: 1200, anchor_sigma_daily: 0.006, spread_bps: 4, top_notional: 250, qty_noise_sd: 0.6 }),
    model(spec("TOXICUSDT", 0.0001, 1), 0.5, {
      sigma_daily: 0.08,
      t_df: 3,
      garch_alpha: 0.08,
      garch_beta: 0.9,
      mean_reversion_half_life_s: 3600,
      anchor_sigma_daily: 0.02,
      jump_rate_per_hour: 8,
      jump_mean_bps: 50,
      spread_bps: 15,
      spread_noise_sd: 0.45,
      spread_spike_rate_per_hour: 10,
      spread_spike_mult: 5,
      spread_spike_min_s: 20,
      spread_spike_max_s: 120,
      top_notional: 6_000,
    }),
    model(spec("TRENDUSDT", 0.1, 0.001), 30_000, {
      sigma_daily: 0.018,
      drift: [
        { from_s: 2 * H, to_s: 10 * H, log_return: 0.08 },
        { from_s: 10 * H, to_s: 12 * H, log_return: -0.015 },
        { from_s: 12 * H, to_s: 20 * H, log_return: 0.06 },
        { from_s: 20 * H, to_s: 24 * H, log_return: 0.01 },
      ],
      spread_bps: 1.5,
      top_notional: 100_000,
    }),
  ],
};

const thinBook: ScenarioDef = {
  name: "thin_book_l2",
  description:
    "One symbol, 4 h at 1 s, every row with a 15-level L2 book: five depth collapses (top-N depth / 8-20, two of them down to 3-4 levels per side) and four stale-book spans (the quote freezes and book.ts stops; two also flag book.stale).",
  intended: "THIN_BOOK during collapses and stale spans (L2 features degraded to L1 fallback while stale, spec 17.4.3); RANGE otherwise.",
  seed: 1005,
  start_ts: START_TS,
  step_ms: 1000,
  steps: 4 * H,
  gzip: true,
  symbols: [
    model(spec("DEPTHUSDT", 0.001, 0.01), 25, {
      sigma_daily: 0.03,
      mean_reversion_half_life_s: 900,
      anchor_sigma_daily: 0.005,
      jump_rate_per_hour: 1,
      jump_mean_bps: 10,
      spread_bps: 2,
      top_notional: 25_000,
      book: {
        levels: 15,
        level_qty_growth: 0.35,
        extra_gap_prob: 0.15,
        extra_gap_mean_ticks: 1.5,
        level_noise_sd: 0.35,
        collapse: [
          { start_s: 1800, duration_s: 600, depth_mult: 0.1, levels: 15, spread_mult: 1.5 },
          { start_s: 4800, duration_s: 300, depth_mult: 0.07, levels: 4, spread_mult: 3 },
          { start_s: 7800, duration_s: 900, depth_mult: 0.12, levels: 12, spread_mult: 1.5 },
          { start_s: 11_700, duration_s: 180, depth_mult: 0.05, levels: 3, spread_mult: 4 },
          { start_s: 13_200, duration_s: 420, depth_mult: 0.1, levels: 6, spread_mult: 2 },
        ],
        stale: [
          { start_s: 3300, duration_s: 180, flagged: false },
          { start_s: 6600, duration_s: 360, flagged: true },
          { start_s: 9900, duration_s: 90, flagged: true },
          { start_s: 12_900, duration_s: 240, flagged: false },
        ],
        hollow: [],
      },
    }),
  ],
};

const impactSpike: ScenarioDef = {
  name: "impact_spike_l2",
  description:
    "One symbol, 4 h at 1 s, every row with a 15-level L2 book, hostile: six hollow-book episodes (best level kept, the book behind it / 30-100 and spaced 6-12x wider, so impact for a given notional spikes) with jumps and spread spikes, Poisson jumps and spread spikes throughout, two depth collapses and one flagged stale span.",
  intended: "TOXIC during hollow-book episodes and spread spikes (impact_estimate_bps, spread, jumps); THIN_BOOK during the collapses and the stale span; RANGE between episodes.",
  seed: 1006,
  start_ts: START_TS,
  step_ms: 1000,
  steps: 4 * H,
  gzip: true,
  symbols: [
    model(spec("IMPACTUSDT", 0.0001, 1), 3.2, {
      sigma_daily: 0.05,
      t_df: 3,
      garch_alpha: 0.06,
      garch_beta: 0.93,
      mean_reversion_half_life_s: 1800,
      anchor_sigma_daily: 0.01,
      jump_rate_per_hour: 4,
      jump_mean_bps: 40,
      vol_events: [
        { start_s: 1200, jump_bps: -80, ramp_s: 5, plateau_s: 240, decay_half_life_s: 120, vol_mult: 3, spread_mult: 1, depth_mult: 1, anchor_follow: 0.5 },
        { start_s: 5400, jump_bps: 120, ramp_s: 5, plateau_s: 120, decay_half_life_s: 120, vol_mult: 4, spread_mult: 1, depth_mult: 1, anchor_follow: 0.5 },
        { start_s: 9600, jump_bps: -150, ramp_s: 5, plateau_s: 60, decay_half_life_s: 120, vol_mult: 4, spread_mult: 1, depth_mult: 1, anchor_follow: 0.5 },
      ],
      spread_bps: 3,
      spread_noise_sd: 0.35,
      spread_spike_rate_per_hour: 5,
      spread_spike_mult: 5,
      spread_spike_min_s: 15,
      spread_spike_max_s: 60,
      top_notional: 20_000,
      book: {
        levels: 15,
        level_qty_growth: 0.3,
        extra_gap_prob: 0.2,
        extra_gap_mean_ticks: 2,
        level_noise_sd: 0.4,
        collapse: [
          { start_s: 6300, duration_s: 300, depth_mult: 0.1, levels: 5, spread_mult: 2 },
          { start_s: 12_600, duration_s: 240, depth_mult: 0.08, levels: 4, spread_mult: 2.5 },
        ],
        stale: [{ start_s: 10_800, duration_s: 120, flagged: true }],
        hollow: [
          { start_s: 1200, duration_s: 240, behind_top_mult: 0.02, gap_mult: 8, spread_mult: 3 },
          { start_s: 3000, duration_s: 480, behind_top_mult: 0.03, gap_mult: 6, spread_mult: 2 },
          { start_s: 5400, duration_s: 120, behind_top_mult: 0.01, gap_mult: 12, spread_mult: 5 },
          { start_s: 7500, duration_s: 360, behind_top_mult: 0.02, gap_mult: 8, spread_mult: 3 },
          { start_s: 9600, duration_s: 60, behind_top_mult: 0.015, gap_mult: 10, spread_mult: 6 },
          { start_s: 11_400, duration_s: 300, behind_top_mult: 0.02, gap_mult: 8, spread_mult: 3 },
        ],
      },
    }),
  ],
};

/** The six required fixtures, by name. */
export const SCENARIOS: Readonly<Record<string, ScenarioDef>> = {
  range_day_l1: rangeDay,
  trend_day_l1: trendDay,
  vol_shock_l1: volShock,
  multisymbol_topk_l1: multi,
  thin_book_l2: thinBook,
  impact_spike_l2: impactSpike,
};

function bySymbol(a: SymbolModel, b: SymbolModel): number {
  return a.instrument.symbol < b.instrument.symbol ? -1 : a.instrument.symbol > b.instrument.symbol ? 1 : 0;
}

/**
 * The rows of a scenario in file order: step by step, and within a step in lexical symbol
 * order. Deterministic: the same definition always yields the same rows.
 */
export function* scenarioSnapshots(def: ScenarioDef): Generator<Snapshot> {
  const sims = [...def.symbols].sort(bySymbol).map((m) => new SymbolSim(m, def.seed, def.start_ts, def.step_ms));
  for (let t = 0; t < def.steps; t++) {
    for (const sim of sims) {
      const row = sim.step(t);
      if (row) yield row;
    }
  }
}

/** The manifest's `scenario` object: every parameter, the seed policy and their meanings. */
export function scenarioRecord(def: ScenarioDef): Record<string, unknown> {
  const symbols: Record<string, unknown> = {};
  for (const m of [...def.symbols].sort(bySymbol)) {
    const { instrument, ...params } = m;
    symbols[instrument.symbol] = params;
  }
  return {
    generator: "scripts/generate-fixtures.ts (model: scripts/fixture-models/market.ts)",
    model:
      "r = drift + kappa*(anchor - x) + sigma_t*z + jump; sigma_t = sigma_s*exp(h - logvol_sd^2/2)*sqrt(g)*event; z Student-t; h slow AR(1) log-vol; g normalised GARCH(1,1); spread widens and top-of-book thins with sigma_t/sigma_s; prices integer ticks, quantities whole lots",
    intended: def.intended,
    seed: def.seed,
    start_ts: def.start_ts,
    start_iso: new Date(def.start_ts).toISOString(),
    step_ms: def.step_ms,
    steps: def.steps,
    symbols,
    parameter_docs: PARAMETER_DOCS,
  };
}
