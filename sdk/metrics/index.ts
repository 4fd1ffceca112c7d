import type * as Prom from "prom-client";
// prom-client (and @opentelemetry/api under it) loads with the first run, not with every module that names these types (ADR-126)
const prom = (): typeof Prom => require("prom-client") as typeof Prom;
import type { Regime, ToxSeverity } from "../contracts/trading";

/** One alert of spec 17.18.2, recorded as an event when it fires (data time). */
export interface AlertEvent {
  ts: number;
  alert: "DD_UTILIZATION_WARNING" | "DD_UTILIZATION_EMERGENCY" | "TOX_HIGH_SUSTAINED" | "L2_STALE_SUSTAINED" | "LEVERAGE_OVER_CAP";
  symbol?: string;
  value: number;
  threshold: number;
}

export const TOX_SEVERITY_LEVEL: Record<ToxSeverity, number> = { LOW: 0, MID: 1, HIGH: 2, EXTREME: 3 };

/** Per-symbol values the engine accumulates in plain fields during the run (no prom calls in the hot loop). */
export interface SymbolMetricValues {
  symbol: string;
  cycles: number;
  realized_pnl: number;
  unrealized_pnl: number;
  turnover: number;
  fees: number;
  avg_cycle_profit_bps: number;
  max_inventory_notional: number;
  adds_off_ms: number;
  spread_bps: number;
  impact_bps: number | null;
  placed: number;
  fills: number;
  cancels: number;
  amends: number;
  tox_severity: ToxSeverity;
}

export interface PortfolioMetricValues {
  dd_current: number;
  dd_budget: number;
  dd_utilization: number;
  max_dd_utilization: number;
  effective_leverage: number;
  equity: number;
  time_in_regime_ms: Partial<Record<Regime, number>>;
  alerts: Partial<Record<AlertEvent["alert"], number>>;
}

/**
 * The metrics of spec 17.18.1 in a prom-client `Registry` owned by one run (never the global
 * registry, so runs in one process do not mix). Times are DATA time. Values are pushed once at
 * the end of a run (`publish`), except `time_to_fill_seconds`, observed per fill.
 * `dd_utilization_frac` is a fraction (1.0 = budget used), matching the 0.8 / 1.0 alert thresholds.
 */
export class RunMetrics {
  readonly registry = new (prom().Registry)();
  private readonly g = (name: string, help: string, labelNames: string[] = []) =>
    new (prom().Gauge)({ name: `grinder_${name}`, help, labelNames, registers: [this.registry] });
  private readonly c = (name: string, help: string, labelNames: string[] = []) =>
    new (prom().Counter)({ name: `grinder_${name}`, help, labelNames, registers: [this.registry] });

  readonly cycles = this.c("cycles_completed_total", "Completed grid cycles (entry fill + take-profit fill)", ["symbol"]);
  readonly realized = this.g("realized_pnl_total", "Realised PnL before fees, quote", ["symbol"]);
  readonly unrealized = this.g("unrealized_pnl", "Unrealised PnL at the last mark, quote", ["symbol"]);
  readonly turnover = this.c("turnover_notional_total", "Sum of |price*qty| of fills, quote", ["symbol"]);
  readonly fees = this.g("fees_estimate_total", "Fees paid (negative = rebates), quote", ["symbol"]);
  readonly avgCycleBps = this.g("avg_cycle_profit_bps", "Mean net profit per completed cycle, bps of entry notional", ["symbol"]);
  readonly ddCurrent = this.g("dd_current", "Current drawdown from the window's high-water equity, quote");
  readonly ddBudget = this.g("dd_budget", "Portfolio drawdown budget, quote");
  readonly ddUtil = this.g("dd_utilization_frac", "dd_current / dd_budget as a fraction");
  readonly ddUtilMax = this.g("dd_utilization_max", "Highest dd_utilization of the run, fraction");
  readonly maxInv = this.g("max_inventory_notional", "Largest |position*mid| seen, quote", ["symbol"]);
  readonly leverage = this.g("effective_leverage", "Sum |inventory notional| / equity at the end");
  readonly equity = this.g("equity", "Portfolio equity at the end, quote");
  readonly timeInRegime = this.c("time_in_regime_seconds", "Symbol-seconds of data time spent in each regime", ["regime"]);
  readonly addsOff = this.c("adds_off_seconds", "Seconds of data time with adds off", ["symbol"]);
  readonly spread = this.g("spread_bps", "Last spread, bps", ["symbol"]);
  readonly impact = this.g("impact_estimate_bps", "Last L2 impact estimate, bps (absent without L2)", ["symbol"]);
  readonly fillRate = this.g("fill_rate", "Fills / accepted placements", ["symbol"]);
  readonly timeToFill = new (prom().Histogram)({
    name: "grinder_time_to_fill_seconds",
    help: "Data time from placement to fill",
    labelNames: ["symbol"],
    buckets: [1, 5, 15, 60, 300, 900, 3600, 14400, 86400],
    registers: [this.registry],
  });
  readonly cancelReplace = this.g("cancel_replace_rate", "(cancels + amends) / accepted placements", ["symbol"]);
  readonly tox = this.g("tox_severity", "Last toxicity severity: 0 LOW, 1 MID, 2 HIGH, 3 EXTREME", ["symbol"]);
  readonly alerts = this.c("alerts_total", "Alerts fired (spec 17.18.2)", ["alert"]);

  /** Push the end-of-run values. */
  publish(symbols: ReadonlyArray<SymbolMetricValues>, p: PortfolioMetricValues): void {
    for (const s of symbols) {
      const l = { symbol: s.symbol };
      this.cycles.inc(l, s.cycles);
      this.realized.set(l, s.realized_pnl);
      this.unrealized.set(l, s.unrealized_pnl);
      this.turnover.inc(l, s.turnover);
      this.fees.set(l, s.fees);
      this.avgCycleBps.set(l, s.avg_cycle_profit_bps);
      this.maxInv.set(l, s.max_inventory_notional);
      this.addsOff.inc(l, s.adds_off_ms / 1000);
      this.spread.set(l, s.spread_bps);
      if (s.impact_bps !== null) this.impact.set(l, s.impact_bps);
      this.fillRate.set(l, s.placed ? s.fills / s.placed : 0);
      this.cancelReplace.set(l, s.placed ? (s.cancels + s.amends) / s.placed : 0);
      this.tox.set(l, TOX_SEVERITY_LEVEL[s.tox_severity]);
    }
    this.ddCurrent.set(p.dd_current);
    this.ddBudget.set(p.dd_budget);
    this.ddUtil.set(p.dd_utilization);
    this.ddUtilMax.set(p.max_dd_utilization);
    this.leverage.set(p.effective_leverage);
    this.equity.set(p.equity);
    for (const r of Object.keys(p.time_in_regime_ms).sort()) this.timeInRegime.inc({ regime: r }, (p.time_in_regime_ms[r as Regime] ?? 0) / 1000);
    for (const a of Object.keys(p.alerts).sort()) this.alerts.inc({ alert: a }, p.alerts[a as AlertEvent["alert"]] ?? 0);
  }

  /** Prometheus text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** JSON form (prom-client's `getMetricsAsJSON`), metrics sorted by name for stable output. */
  async json(): Promise<MetricJson[]> {
    const all = (await this.registry.getMetricsAsJSON()) as unknown as MetricJson[];
    return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

export interface MetricJson {
  name: string;
  help: string;
  type: string;
  values: Array<{ value: number; labels: Record<string, string | number>; metricName?: string }>;
  aggregator?: string;
}
export { NoTradeTally, type NoTradeReport, type SymbolNoTrade } from "./no-trade";
