import { ErrorCode, GrinderError } from "../contracts/errors";
import type { Features, ToxAssessment } from "../contracts/features";
import type { ReasonCode, Regime, RegimeTransition, ToxSeverity } from "../contracts/trading";
import { RegimeConfigSchema, type RegimeConfig, type RegimeConfigInput } from "./config";
import { loadRegimeModelCached, ModelRegimeClassifier, type RegimeClassifier } from "../ml/model";
import * as libm from "../util/libm";

/** Reason codes of the regime controller (spec 17.6). Stable: they are hashed in digests. */
export const REGIME_KILL_SWITCH = "REGIME_KILL_SWITCH";
export const REGIME_EXTREME_TOX_LATCH = "REGIME_EXTREME_TOX_LATCH";
export const REGIME_EMERGENCY_RESET = "REGIME_EMERGENCY_RESET";
export const REGIME_MANUAL_PAUSE = "REGIME_MANUAL_PAUSE";
export const REGIME_RESUME = "REGIME_RESUME";
export const REGIME_TOX = "REGIME_TOX";
export const REGIME_THIN_L1 = "REGIME_THIN_L1";
export const REGIME_THIN_DEPTH = "REGIME_THIN_DEPTH";
export const REGIME_L1_STALE = "REGIME_L1_STALE";
export const REGIME_L2_STALE = "REGIME_L2_STALE";
export const REGIME_VOL_RATIO = "REGIME_VOL_RATIO";
export const REGIME_VOL_JUMP = "REGIME_VOL_JUMP";
export const REGIME_TREND_UP = "REGIME_TREND_UP";
export const REGIME_TREND_DOWN = "REGIME_TREND_DOWN";
export const REGIME_RANGE = "REGIME_RANGE";
export const REGIME_WARMUP = "REGIME_WARMUP";
export const REGIME_DWELL_HOLD = "REGIME_DWELL_HOLD";

/**
 * Precedence of spec 17.6.2 (higher wins): EMERGENCY > PAUSED > TOXIC > THIN_BOOK > VOL_SHOCK >
 * TREND_UP = TREND_DOWN > RANGE.
 */
export const REGIME_PRECEDENCE: Readonly<Record<Regime, number>> = {
  RANGE: 0,
  TREND_UP: 1,
  TREND_DOWN: 1,
  VOL_SHOCK: 2,
  THIN_BOOK: 3,
  TOXIC: 4,
  PAUSED: 5,
  EMERGENCY: 6,
};

/** What `RegimeController.update` returns (one reused object: copy it if you keep it). */
export interface RegimeDecision {
  regime: Regime;
  changed: boolean;
  /** Set only when `changed`. */
  transition?: RegimeTransition;
  /** Why the regime is what it is: active conditions in precedence order (+ REGIME_DWELL_HOLD). */
  reasons: ReasonCode[];
}

const SEV_RANK: Readonly<Record<ToxSeverity, number>> = { LOW: 0, MID: 1, HIGH: 2, EXTREME: 3 };

/** Diagnostics of the last update (for plots and tests). */
export interface RegimeDiagnostics {
  /** NATR / slow NATR baseline (before this bar joined the baseline); null while warming. */
  vol_ratio: number | null;
  natr_baseline: number | null;
  /** The regime the conditions asked for, before the dwell rule. */
  candidate: Regime;
  /** Bars spent in the current regime. */
  dwell_bars: number;
  /** depth_topn_usd / its geometric-mean baseline; null without L2 or while warming. */
  depth_ratio: number | null;
  /** thin_l1_quote / its geometric-mean baseline; null while warming. */
  thin_l1_ratio: number | null;
}

const LN2 = libm.log(2);
/** Winsorise a log deviation to ±ln 2 (one bar moves a liquidity baseline by at most k·ln 2). */
function clipLog(x: number): number {
  return x > LN2 ? LN2 : x < -LN2 ? -LN2 : x;
}

/**
 * Regime state machine for one symbol (spec 17.6). Call `update` at each policy tick (bar
 * close) with the symbol's features and toxicity assessment; calling it more often is harmless
 * (the dwell and the NATR baseline count bars through `features.bars`, not calls).
 *
 * Classification (17.6.2), highest precedence first:
 * EMERGENCY (latched: `latchEmergency`, or EXTREME toxicity when `emergency_on_extreme_tox`;
 * only `resetEmergency` clears it) > PAUSED (manual `setPaused`) > TOXIC (severity ≥
 * `tox_enter_severity`) > THIN_BOOK (thin_l1_quote or depth_topn_usd below the floors, L1/L2
 * stale; relative: depth or top-of-book below a fraction of its own slow baseline) > VOL_SHOCK (NATR / slow-NATR baseline ≥ `vol_enter_ratio`, or |bar_return| ≥
 * `vol_jump_natr` × baseline) > TREND_UP / TREND_DOWN (sign of trend_strength, |ts| ≥
 * `trend_enter_th`) > RANGE.
 *
 * Hysteresis rule (ADR): the condition of the CURRENT regime is tested with its exit threshold
 * (TOXIC holds while severity ≥ `tox_exit_severity`, THIN_BOOK until liquidity is back above
 * floor × `thin_exit_factor`, VOL_SHOCK while the ratio ≥ `vol_exit_ratio`, TREND_* while
 * ±trend_strength ≥ `trend_exit_th`); all other conditions with their enter thresholds. The
 * highest active condition is the candidate. A candidate of HIGHER precedence is taken at once
 * (escalation to protection is never delayed). A candidate of lower or equal precedence
 * (de-escalation, or TREND_UP ↔ TREND_DOWN) is taken only after `min_dwell_bars` bars in the
 * current regime; until then the regime is held with REGIME_DWELL_HOLD.
 *
 * `update` allocates nothing when the regime does not change (one reused decision object and
 * reasons array); a change allocates its `RegimeTransition`, appended to `transitions`.
 *
 * @example
 * const rc = new RegimeController("BTCUSDT", {});
 * if (fe.update(snap)) {
 *   const d = rc.update(fe.features, assessToxicity(fe.features, defaultToxicityConfig()));
 *   if (d.changed) console.log(d.transition); // { from: "RANGE", to: "VOL_SHOCK", reasons: [...] }
 * }
 */
export class RegimeController {
  readonly cfg: RegimeConfig;
  /** Every transition so far, in order (manual ones included). */
  readonly transitions: RegimeTransition[] = [];
  private _regime: Regime = "RANGE";
  private enteredBar = 0;
  private lastBar = -1;
  private emergency = false;
  private paused = false;
  // NATR baseline: EMA over bars, seeded with the first NATR.
  private readonly baseK: number;
  private base = 0;
  private baseN = 0;
  // Liquidity baselines: EMA of the log (geometric mean), seeded with the first value.
  private readonly liqK: number;
  private logDepth = 0;
  private depthN = 0;
  private logThin = 0;
  private thinN = 0;
  private readonly decision: RegimeDecision = { regime: "RANGE", changed: false, reasons: [] };
  // Last update's diagnostics as plain numbers (NaN = none).
  private dVol = NaN;
  private dDepth = NaN;
  private dThin = NaN;
  private dCand: Regime = "RANGE";
  private dDwell = 0;
  private readonly diag: RegimeDiagnostics = { vol_ratio: null, natr_baseline: null, candidate: "RANGE", dwell_bars: 0, depth_ratio: null, thin_l1_ratio: null };

  /**
   * The classifier proposing RANGE / TREND / VOL_SHOCK instead of the rules (null = heuristic).
   * Built from `cfg.classifier` (a verified model file) unless one is passed in.
   */
  readonly classifier: RegimeClassifier | null;

  constructor(
    readonly symbol: string,
    cfg: RegimeConfigInput | RegimeConfig = {},
    classifier?: RegimeClassifier | null,
  ) {
    const r = RegimeConfigSchema.safeParse(cfg);
    if (!r.success) {
      const i = r.error.issues[0];
      throw new GrinderError(ErrorCode.CONFIG, `regime config: ${i.message}`, { field: ["regime", ...i.path].join(".") });
    }
    this.cfg = r.data;
    const cc = this.cfg.classifier;
    if (classifier !== undefined) this.classifier = classifier;
    else if (cc && cc.kind === "model") this.classifier = new ModelRegimeClassifier(loadRegimeModelCached(cc.artifact, cc.sha256), cc);
    else this.classifier = null;
    this.baseK = 2 / (this.cfg.vol_baseline_bars + 1);
    this.liqK = 2 / (this.cfg.liq_baseline_bars + 1);
  }

  get regime(): Regime {
    return this._regime;
  }
  /** SHA-256 of the classifier's model, or undefined for the heuristic (digest header). */
  get classifierId(): string | undefined {
    return this.classifier === null ? undefined : this.classifier.id;
  }
  get emergencyLatched(): boolean {
    return this.emergency;
  }
  get isPaused(): boolean {
    return this.paused;
  }
  /** Diagnostics of the last update (filled on read, so the update path boxes no doubles). */
  get diagnostics(): Readonly<RegimeDiagnostics> {
    const d = this.diag;
    d.vol_ratio = Number.isNaN(this.dVol) ? null : this.dVol;
    d.natr_baseline = this.baseN > 0 ? this.base : null;
    d.depth_ratio = Number.isNaN(this.dDepth) ? null : this.dDepth;
    d.thin_l1_ratio = Number.isNaN(this.dThin) ? null : this.dThin;
    d.candidate = this.dCand;
    d.dwell_bars = this.dDwell;
    return d;
  }

  /** Classify at this tick. See the class comment for the rule. */
  update(f: Readonly<Features>, tox: Readonly<ToxAssessment>): RegimeDecision {
    const c = this.cfg;
    const d = this.decision;
    const reasons = d.reasons;
    reasons.length = 0;
    d.changed = false;
    d.transition = undefined;
    const newBar = f.bars !== this.lastBar;
    if (newBar) this.lastBar = f.bars;
    const cur = this._regime;

    // Vol-shock reference: compare with the baseline BEFORE this bar joins it.
    let volRatio: number | null = null;
    let jumpShock = false;
    const natr = f.natr;
    if (natr !== null && this.baseN >= c.baseline_warmup_bars && this.base > 0) {
      volRatio = natr / this.base;
      if (f.bar_return !== null && Math.abs(f.bar_return) >= c.vol_jump_natr * this.base) jumpShock = true;
    }
    this.dVol = volRatio === null ? NaN : volRatio;
    if (newBar && natr !== null) {
      this.base = this.baseN === 0 ? natr : this.base + this.baseK * (natr - this.base);
      this.baseN++;
    }
    // Relative liquidity (thin-book): compare with the baselines before this bar joins them.
    const depth = f.depth_topn_usd;
    const depthRatio = depth !== null && depth > 0 && this.depthN >= c.baseline_warmup_bars ? depth / libm.exp(this.logDepth) : null;
    const thinRatio = f.thin_l1_quote > 0 && this.thinN >= c.baseline_warmup_bars ? f.thin_l1_quote / libm.exp(this.logThin) : null;
    this.dDepth = depthRatio === null ? NaN : depthRatio;
    this.dThin = thinRatio === null ? NaN : thinRatio;
    if (newBar) {
      if (depth !== null && depth > 0) {
        this.logDepth = this.depthN === 0 ? libm.log(depth) : this.logDepth + this.liqK * clipLog(libm.log(depth) - this.logDepth);
        this.depthN++;
      }
      if (f.thin_l1_quote > 0) {
        this.logThin = this.thinN === 0 ? libm.log(f.thin_l1_quote) : this.logThin + this.liqK * clipLog(libm.log(f.thin_l1_quote) - this.logThin);
        this.thinN++;
      }
    }

    let latchedNow = false;
    if (c.emergency_on_extreme_tox && tox.severity === "EXTREME" && !this.emergency) {
      this.emergency = true;
      latchedNow = true;
    }

    let cand: Regime;
    if (this.emergency) {
      cand = "EMERGENCY";
      reasons.push(latchedNow ? REGIME_EXTREME_TOX_LATCH : REGIME_KILL_SWITCH);
    } else if (this.paused) {
      cand = "PAUSED";
      reasons.push(REGIME_MANUAL_PAUSE);
    } else {
      cand = "RANGE";
      // Conditions low → high so the last active one wins; reasons are collected high → low below.
      const ts = f.trend_strength;
      let up = false;
      let down = false;
      if (ts !== null) {
        up = ts >= (cur === "TREND_UP" ? c.trend_exit_th : c.trend_enter_th);
        down = -ts >= (cur === "TREND_DOWN" ? c.trend_exit_th : c.trend_enter_th);
      }
      const volTh = cur === "VOL_SHOCK" ? c.vol_exit_ratio : c.vol_enter_ratio;
      let volByRatio = volRatio !== null && volRatio >= volTh;
      const thinF = cur === "THIN_BOOK" ? c.thin_exit_factor : 1;
      const thinL1 = f.thin_l1_quote < c.thin_l1_min_quote * thinF || (thinRatio !== null && thinRatio < c.thin_l1_rel * thinF);
      const thinDepth = (depth !== null && depth < c.thin_depth_min_quote * thinF) || (depthRatio !== null && depthRatio < c.thin_depth_rel * thinF);
      const l2Stale = c.thin_on_l2_stale && f.l2_stale;
      const l1Stale = c.thin_on_l1_stale && f.l1_stale;
      const toxTh = cur === "TOXIC" ? c.tox_exit_severity : c.tox_enter_severity;
      const toxic = SEV_RANK[tox.severity] >= SEV_RANK[toxTh];

      // Model proposal (ADR-112): replaces the TREND / RANGE rules (and VOL_SHOCK unless the
      // rule is kept as a floor); null while the model warms up → the rules decide.
      const prop = this.classifier === null ? null : this.classifier.propose(f, cur);
      if (prop !== null) {
        up = false;
        down = false;
        if (!this.classifier!.keepVolRule) {
          volByRatio = false;
          jumpShock = false;
        }
      }
      // one shared push site (pushIf), reached on every tick: a push first made when a rare
      // condition first holds (hours into the data) had no type feedback and deoptimised the tick
      pushIf(reasons, toxic, REGIME_TOX);
      pushIf(reasons, thinL1, REGIME_THIN_L1);
      pushIf(reasons, thinDepth, REGIME_THIN_DEPTH);
      pushIf(reasons, l1Stale, REGIME_L1_STALE);
      pushIf(reasons, l2Stale, REGIME_L2_STALE);
      pushIf(reasons, volByRatio, REGIME_VOL_RATIO);
      pushIf(reasons, jumpShock, REGIME_VOL_JUMP);
      pushIf(reasons, up, REGIME_TREND_UP);
      pushIf(reasons, down, REGIME_TREND_DOWN);
      if (prop !== null) reasons.push(prop.reason);

      if (toxic) cand = "TOXIC";
      else if (thinL1 || thinDepth || l2Stale || l1Stale) cand = "THIN_BOOK";
      else if (volByRatio || jumpShock) cand = "VOL_SHOCK";
      else if (prop !== null) cand = prop.regime;
      else if (up) cand = "TREND_UP";
      else if (down) cand = "TREND_DOWN";
      else {
        pushIf(reasons, true, f.warm ? REGIME_RANGE : REGIME_WARMUP); // (from the first tick: pushIf's push has feedback early)
      }
    }
    this.dCand = cand;

    const dwell = f.bars - this.enteredBar;
    this.dDwell = dwell;
    if (cand === cur) {
      // stay
    } else if (REGIME_PRECEDENCE[cand] > REGIME_PRECEDENCE[cur] || cur === "EMERGENCY" || cur === "PAUSED" || dwell >= c.min_dwell_bars) {
      // Escalation is immediate; leaving a manual/latched state is decided by the latch itself.
      this.transition(f.ts, f.bars, cand, reasons);
    } else {
      reasons.push(REGIME_DWELL_HOLD);
    }
    d.regime = this._regime;
    return d;
  }

  /** Kill switch (spec 17.6.2 step 1): EMERGENCY until `resetEmergency`. */
  latchEmergency(ts: number, reason: ReasonCode = REGIME_KILL_SWITCH): RegimeTransition | undefined {
    this.emergency = true;
    if (this._regime === "EMERGENCY") return undefined;
    return this.transition(ts, this.lastBar < 0 ? 0 : this.lastBar, "EMERGENCY", [reason]);
  }

  /**
   * Clear the kill switch. The regime drops to PAUSED (if paused) or RANGE, the bottom of the
   * precedence, so the next `update` re-classifies from scratch (any active condition is an
   * escalation and is taken at once).
   */
  resetEmergency(ts: number, reason: ReasonCode = REGIME_EMERGENCY_RESET): RegimeTransition | undefined {
    if (!this.emergency) return undefined;
    this.emergency = false;
    return this.transition(ts, this.lastBar < 0 ? 0 : this.lastBar, this.paused ? "PAUSED" : "RANGE", [reason]);
  }

  /** Manual pause (PAUSED) or resume (→ RANGE, re-classified at the next update). EMERGENCY wins. */
  setPaused(ts: number, paused: boolean, reason: ReasonCode = paused ? REGIME_MANUAL_PAUSE : REGIME_RESUME): RegimeTransition | undefined {
    if (this.paused === paused) return undefined;
    this.paused = paused;
    if (this.emergency) return undefined;
    return this.transition(ts, this.lastBar < 0 ? 0 : this.lastBar, paused ? "PAUSED" : "RANGE", [reason]);
  }

  private transition(ts: number, bar: number, to: Regime, reasons: ReadonlyArray<ReasonCode>): RegimeTransition {
    const t: RegimeTransition = { symbol: this.symbol, ts, from: this._regime, to, reasons: reasons.slice() };
    this.transitions.push(t);
    this._regime = to;
    this.enteredBar = bar;
    this.decision.changed = true;
    this.decision.transition = t;
    this.decision.regime = to;
    return t;
  }

  /** Back to the initial state (RANGE, no latches, empty history). */
  reset(): void {
    if (this.classifier !== null && this.classifier.reset) this.classifier.reset();
    this.transitions.length = 0;
    this._regime = "RANGE";
    this.enteredBar = 0;
    this.lastBar = -1;
    this.emergency = false;
    this.paused = false;
    this.base = 0;
    this.baseN = 0;
    this.dVol = this.dDepth = this.dThin = NaN;
    this.dCand = "RANGE";
    this.dDwell = 0;
    this.logDepth = 0;
    this.depthN = 0;
    this.logThin = 0;
    this.thinN = 0;
    this.decision.regime = "RANGE";
    this.decision.changed = false;
    this.decision.transition = undefined;
    this.decision.reasons.length = 0;
  }
}

/** `reasons.push(code)` when `cond` (see `update`). */
function pushIf(reasons: ReasonCode[], cond: boolean, code: ReasonCode): void {
  if (cond) reasons.push(code);
}
