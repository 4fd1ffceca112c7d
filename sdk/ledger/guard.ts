import type { RiskConfig } from "./config";

/** Guard state of spec 17.14.3. */
export type DdGuardState = "NORMAL" | "DAMAGE_CONTROL" | "EMERGENCY";

export interface GuardTransition {
  ts: number;
  from: DdGuardState;
  to: DdGuardState;
  dd: number;
  dd_budget: number;
  dd_utilization: number;
  reason: string;
}

const DAY_MS = 86_400_000;
/** Updates that take the window division path before the window range is cached (see `enterWindow`). */
const WARM_CALLS = 64;

/**
 * Portfolio drawdown guard (spec 17.7.1, 17.14.3).
 *
 * dd_budget = equity₀ · dd_budget_frac (or `dd_budget_abs`), fixed for the run.
 * dd = high-water equity within the window − current equity (≥ 0); dd_utilization = dd / budget.
 * Windows are in data time: `daily` (UTC days) and `session` (fixed windows of `length_ms` from
 * `anchor_ms`) reset the high-water mark to the current equity at each boundary; `rolling` uses
 * the highest equity over the trailing `length_ms`, kept as per-bucket maxima in a monotone
 * ring (no allocation per update).
 *
 * NORMAL → DAMAGE_CONTROL at utilization ≥ damage_control_utilization; back to NORMAL at
 * ≤ damage_control_exit_utilization (hysteresis); any → EMERGENCY at ≥ emergency_utilization,
 * latched until `reset()`.
 */
export class DrawdownGuard {
  readonly budget: number;
  state: DdGuardState = "NORMAL";
  /**
   * [dd, utilization, maxUtilization, peak, maxDd]: typed storage, written on every snapshot
   * without allocating; read it directly in a hot loop (the getters below return the same).
   */
  readonly v = new Float64Array(5);
  /** Current drawdown (quote). */
  get dd(): number {
    return this.v[0];
  }
  /** dd / budget. */
  get utilization(): number {
    return this.v[1];
  }
  /** Highest utilization seen. */
  get maxUtilization(): number {
    return this.v[2];
  }
  /** Largest drawdown seen (quote). */
  get maxDd(): number {
    return this.v[4];
  }
  /** High-water equity of the current window. */
  get peak(): number {
    return this.v[3];
  }
  private windowId = Number.NaN;
  /**
   * [lo, hi) of integer data times known to lie in window `windowId` (daily / session): such a
   * time skips the window-id division. For safe integers ts, anchor and length the division is
   * exact (floor((ts − anchor) / len) is the integer quotient), so the id is the same; any other
   * ts takes the division as before.
   */
  private readonly win = new Float64Array([Number.NaN, Number.NaN]);
  // rolling window: monotone (decreasing value) deque of completed bucket maxima
  private readonly qBucket: Float64Array;
  private readonly qVal: Float64Array;
  private qHead = 0;
  private qLen = 0;
  private curBucket = Number.NaN;
  private curMax = -Infinity;
  /** Equity the first rolling bucket starts from: equity₀, or the equity at a reset. */
  private baseline: number;
  /** [ts, equity] of the current update (typed storage: no boxing in the hot path). */
  private readonly q = new Float64Array(2);
  /** Rolling window (else daily / session). */
  private readonly rolling: boolean;
  /** `enterWindow` calls so far (up to WARM_CALLS + 1). */
  private entered = 0;
  /** Open band (lo, hi) of utilizations in which the current state cannot change (`setState`). */
  private lo = -Infinity;
  private hi = Infinity;

  constructor(private readonly cfg: RiskConfig) {
    this.budget = cfg.dd_budget_abs ?? cfg.equity * cfg.dd_budget_frac;
    this.v[3] = cfg.equity;
    this.baseline = cfg.equity;
    const cap = cfg.window.kind === "rolling" ? Math.ceil(cfg.window.length_ms / cfg.window.rolling_bucket_ms) + 2 : 1;
    this.qBucket = new Float64Array(cap);
    this.qVal = new Float64Array(cap);
    this.rolling = cfg.window.kind === "rolling";
    this.setState("NORMAL");
  }

  /**
   * Mark the guard with the portfolio equity at `ts` (non-decreasing). Returns the transition
   * when the state changed, else `null`.
   */
  update(ts: number, equity: number): GuardTransition | null {
    this.q[0] = ts;
    this.q[1] = equity;
    return this.apply();
  }

  /**
   * Hot-path form of `update` for the replay loop: ts from the snapshot, equity from the ledger.
   * Objects in, no double arguments (a non-inlined call boxes doubles: one allocation each).
   */
  mark(s: { ts: number }, ledger: { equityInto(out: Float64Array, i: number): void }): GuardTransition | null {
    this.q[0] = s.ts;
    ledger.equityInto(this.q, 1);
    return this.apply();
  }

  /**
   * The per-event body of `update` / `mark`. Kept small, with one shape of work on every call
   * (window bookkeeping, the transition check and the transition itself are out of line), so the
   * optimised replay loop inlines it without code it never ran: a branch first taken after
   * the loop was optimised (the first drawdown, the next UTC day) deoptimised the whole loop.
   */
  private apply(): GuardTransition | null {
    const q = this.q;
    const v = this.v;
    const equity = q[1];
    if (this.rolling) v[3] = this.rollingPeak();
    else {
      const ts = q[0];
      const win = this.win;
      if (!(ts >= win[0] && ts < win[1] && Number.isSafeInteger(ts))) this.enterWindow();
      const peak = v[3];
      v[3] = equity > peak ? equity : peak;
    }
    // Each slot is read once and written once (typed-array accesses are not free: each one
    // checks the bounds). dd is peak − equity when peak > equity, else 0: the same value (a
    // finite difference is > 0 exactly when peak > equity; NaN and ≤ 0 give 0 as the comparison
    // did). Maxima are unconditional stores of the larger value: a store first made at the
    // first drawdown, after the loop was optimised, had no type feedback and deoptimised it.
    const d = v[3] - equity;
    const dd = d > 0 ? d : 0;
    const u = this.budget > 0 ? dd / this.budget : 0;
    const maxU = v[2];
    const maxDd = v[4];
    v[0] = dd;
    v[1] = u;
    v[2] = u > maxU ? u : maxU;
    v[4] = dd > maxDd ? dd : maxDd;
    // the state can change only when utilization crosses a threshold of the current state
    return u > this.lo && u < this.hi ? null : this.transition();
  }

  /**
   * Window bookkeeping of `apply` (daily / session) for a time outside the known range: the
   * window id by division, a new window's high-water mark, the new known range.
   */
  private enterWindow(): void {
    const ts = this.q[0];
    const equity = this.q[1];
    const win = this.win;
    const w = this.cfg.window;
    const len = w.kind === "daily" ? DAY_MS : w.length_ms;
    const anchor = w.kind === "daily" ? 0 : w.anchor_ms;
    const id = Math.floor((ts - anchor) / len);
    if (id !== this.windowId) {
      // A new window starts from the equity it inherits; the first window starts at equity₀.
      if (this.windowId === this.windowId) this.v[3] = equity;
      else this.v[3] = Math.max(this.cfg.equity, equity);
      this.windowId = id;
    }
    const lo = anchor + id * len;
    const hi = lo + len;
    // every ts − anchor of [lo, hi) a safe integer: then the subtraction and the quotient's floor are exact
    const exact = Number.isSafeInteger(ts) && Number.isSafeInteger(anchor) && Number.isSafeInteger(len) && Number.isSafeInteger(id * len) && Number.isSafeInteger(id * len + len) && Number.isSafeInteger(lo) && Number.isSafeInteger(hi);
    // The first WARM_CALLS updates leave the range unknown, so they all take this path (the
    // same result: the id is divided out again). The call above then has type feedback when
    // the replay loop is optimised, and the next window (the next UTC day, hours of data later)
    // does not deoptimise it.
    const known = exact && (this.entered > WARM_CALLS || ++this.entered > WARM_CALLS);
    win[0] = known ? lo : Number.NaN;
    win[1] = known ? hi : Number.NaN;
  }

  /** The state machine of spec 17.14.3 on the current utilization (`v[1]`); sets the no-change band [lo, hi) of the new state. */
  private transition(): GuardTransition | null {
    const v = this.v;
    const from = this.state;
    let to: DdGuardState = from;
    let reason = "";
    if (from !== "EMERGENCY") {
      if (v[1] >= this.cfg.emergency_utilization) {
        to = "EMERGENCY";
        reason = "DD_BUDGET_BREACHED";
      } else if (from === "NORMAL" && v[1] >= this.cfg.damage_control_utilization) {
        to = "DAMAGE_CONTROL";
        reason = "DD_UTILIZATION_HIGH";
      } else if (from === "DAMAGE_CONTROL" && v[1] <= this.cfg.damage_control_exit_utilization) {
        to = "NORMAL";
        reason = "DD_UTILIZATION_RECOVERED";
      }
    }
    if (to === from) return null;
    this.setState(to);
    return { ts: this.q[0], from, to, dd: v[0], dd_budget: this.budget, dd_utilization: v[1], reason };
  }

  /**
   * Enter `state` and set the open band (lo, hi) of utilizations that cannot leave it:
   * `apply` skips `transition` only inside it (anything else, NaN included, takes the full
   * state machine, so the transitions are exactly those of spec 17.14.3).
   */
  private setState(state: DdGuardState): void {
    this.state = state;
    const c = this.cfg;
    if (state === "EMERGENCY") {
      // latched: nothing leaves it but reset()
      this.lo = -Infinity;
      this.hi = Infinity;
    } else if (state === "NORMAL") {
      // leaves at ≥ emergency (→ EMERGENCY) or ≥ damage_control (→ DAMAGE_CONTROL)
      this.lo = -Infinity;
      this.hi = Math.min(c.emergency_utilization, c.damage_control_utilization);
    } else {
      // DAMAGE_CONTROL leaves at ≥ emergency or ≤ exit
      this.lo = c.damage_control_exit_utilization;
      this.hi = c.emergency_utilization;
    }
  }

  /** Explicit reset of the EMERGENCY latch: back to NORMAL with the high-water mark at `equity`. */
  reset(ts: number, equity: number): GuardTransition | null {
    if (this.state !== "EMERGENCY") return null;
    this.v[3] = equity;
    this.baseline = equity;
    this.qLen = 0;
    this.curBucket = Number.NaN;
    this.curMax = -Infinity;
    this.v[0] = 0;
    this.v[1] = 0;
    this.setState("NORMAL");
    return { ts, from: "EMERGENCY", to: "NORMAL", dd: 0, dd_budget: this.budget, dd_utilization: 0, reason: "EMERGENCY_RESET" };
  }

  private rollingPeak(): number {
    const ts = this.q[0];
    const equity = this.q[1];
    const w = this.cfg.window;
    const bucket = Math.floor(ts / w.rolling_bucket_ms);
    const cap = this.qVal.length;
    if (bucket !== this.curBucket) {
      if (this.curBucket === this.curBucket) {
        // push the completed bucket's maximum, dropping dominated ones from the back
        while (this.qLen > 0 && this.qVal[(this.qHead + this.qLen - 1) % cap] <= this.curMax) this.qLen--;
        const at = (this.qHead + this.qLen) % cap;
        this.qBucket[at] = this.curBucket;
        this.qVal[at] = this.curMax;
        this.qLen++;
        this.curMax = equity;
      } else {
        // the first window starts at equity₀ (a loss on the very first mark counts)
        this.curMax = Math.max(this.baseline, equity);
      }
      this.curBucket = bucket;
    }
    if (equity > this.curMax) this.curMax = equity;
    // evict buckets that ended before the trailing window
    const oldest = ts - w.length_ms;
    while (this.qLen > 0 && (this.qBucket[this.qHead] + 1) * w.rolling_bucket_ms <= oldest) {
      this.qHead = (this.qHead + 1) % cap;
      this.qLen--;
    }
    return this.qLen > 0 && this.qVal[this.qHead] > this.curMax ? this.qVal[this.qHead] : this.curMax;
  }
}
