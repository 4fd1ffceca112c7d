import type { Features, ToxAssessment } from "../../sdk/contracts";
import { emptyFeatures } from "../../sdk/features";

/** A warm, calm feature vector (nothing toxic, thin, shocked or trending); override fields. */
export function calm(over: Partial<Features> = {}): Features {
  return {
    ...emptyFeatures("TESTUSDT"),
    ts: 0,
    mid: 100,
    spread_bps: 2,
    spread_bps_baseline: 2,
    thin_l1: 500,
    thin_l1_quote: 50_000,
    bars: 100,
    bar_close: 100,
    bar_return: 0,
    atr: 0.1,
    natr: 0.001,
    sum_abs_returns: 0.01,
    net_return: 0.001,
    range_score: 9,
    trend_strength: 0,
    warm: true,
    ...over,
  };
}

export function tox(severity: ToxAssessment["severity"] = "LOW"): ToxAssessment {
  const action = ({ LOW: "NORMAL", MID: "THROTTLE", HIGH: "PAUSE", EXTREME: "EMERGENCY" } as const)[severity];
  return { severity, action, penalty: 0, reasons: [] };
}
