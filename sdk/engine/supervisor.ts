import type { GrinderConfig } from "../config";
import type { AlertRecord, LogRecord } from "../contracts/events";
import { DrawdownGuard, type GuardTransition } from "../ledger/guard";
import type { Ledger } from "../ledger/ledger";

/**
 * The supervisor (ADR-043): the drawdown guard on the account (spec 17.14.3), its alerts
 * (DD utilization warning / emergency, spec 17.18.2) and the portfolio leverage alert. It marks
 * the account on every market event; the engine forwards guard transitions to the strategy.
 */
export class Supervisor {
  readonly guard: DrawdownGuard;
  private ddWarn = false;
  private ddEmerg = false;
  private levAlert = false;
  /** `risk.alert_warning_utilization` / `alert_emergency_utilization` (read on every event). */
  private readonly warnTh: number;
  private readonly emergTh: number;

  constructor(
    private readonly cfg: GrinderConfig,
    private readonly ledger: Ledger,
    private readonly record: (r: LogRecord) => void,
  ) {
    this.guard = new DrawdownGuard(cfg.risk);
    this.warnTh = cfg.risk.alert_warning_utilization;
    this.emergTh = cfg.risk.alert_emergency_utilization;
  }

  /** Mark the guard on a quote; returns the transition, if any (already recorded). */
  mark(s: { ts: number; bid_price: number; ask_price: number }): GuardTransition | null {
    const tr = this.guard.mark(s, this.ledger);
    if (tr) this.record({ t: "guard", ...tr });
    return tr ?? null;
  }

  /**
   * DD utilization alerts at the event's time (takes the event, not its ts: a double argument
   * of a call that is not inlined is boxed). The per-event check is only "nothing to do"
   * (utilization at or under both thresholds and no alert active, where the full check changes
   * nothing); the rest is out of line, which keeps the replay loop small enough for the
   * optimiser to inline the guard's mark as well.
   */
  ddAlerts(ev: { ts: number }): void {
    const u = this.guard.v[1];
    if (u > this.warnTh || u > this.emergTh || this.ddWarn || this.ddEmerg) this.ddAlertsFull(ev);
  }

  private ddAlertsFull(ev: { ts: number }): void {
    const ts = ev.ts;
    const u = this.guard.v[1];
    if (u > this.warnTh) {
      if (!this.ddWarn) this.alert({ t: "alert", ts, alert: "DD_UTILIZATION_WARNING", value: u, threshold: this.warnTh });
      this.ddWarn = true;
    } else this.ddWarn = false;
    if (u > this.emergTh) {
      if (!this.ddEmerg) this.alert({ t: "alert", ts, alert: "DD_UTILIZATION_EMERGENCY", value: u, threshold: this.emergTh });
      this.ddEmerg = true;
    } else this.ddEmerg = false;
  }

  /** Effective leverage over the cap (checked after each decision tick of the strategy). */
  leverage(ev: { ts: number }): void {
    const ts = ev.ts;
    const lev = this.ledger.leverageFloat(this.ledger.equityFloat());
    const cap = this.cfg.risk.max_effective_leverage;
    if (lev > cap) {
      if (!this.levAlert) this.alert({ t: "alert", ts, alert: "LEVERAGE_OVER_CAP", value: lev, threshold: cap });
      this.levAlert = true;
    } else this.levAlert = false;
  }

  private alert(a: AlertRecord): void {
    this.record(a);
  }
}
