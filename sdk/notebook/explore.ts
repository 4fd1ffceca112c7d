/**
 * Exploration helpers for notebooks: the feature vector of a symbol at a chosen bar, ready to
 * feed the pure policy functions (computeStress / computeStep / computeLevels / planGrid).
 */
import type { Features, ToxAssessment } from "../contracts/features";
import type { InstrumentSpec } from "../contracts/market";
import { ErrorCode, GrinderError } from "../contracts/errors";
import { defaultConfig, type GrinderConfig } from "../config";
import { openFixture, streamFixture } from "../data/fixture";
import { FeatureEngine } from "../features/engine";
import { assessToxicity } from "../regime/toxicity";

/** A symbol's state at one closed bar. `features` is a copy (the engine's object moves on). */
export interface FeaturesAtBar {
  symbol: string;
  instrument: InstrumentSpec;
  /** Closed bars so far (1-based index of the bar just closed). */
  bar: number;
  ts: number;
  features: Features;
  tox: ToxAssessment;
}

/**
 * Stream a fixture through the feature engine of one symbol and stop at the close of bar
 * `bar` (or the first bar closing at or after `ts`). Default symbol: the fixture's first.
 *
 * @example
 * const at = await featuresAtBar("fixtures/range_day_l1", { bar: 240 });
 * computeStep(at.features.natr ?? 0, "RANGE", defaultConfig().policy).step
 */
export async function featuresAtBar(
  fixtureDir: string,
  opts: { symbol?: string; bar?: number; ts?: number; config?: GrinderConfig } = {},
): Promise<FeaturesAtBar> {
  const fx = openFixture(fixtureDir);
  const cfg = opts.config ?? defaultConfig();
  const symbol = opts.symbol ?? [...fx.instruments.keys()][0];
  const instrument = fx.instruments.get(symbol);
  if (!instrument) throw new GrinderError(ErrorCode.UNKNOWN_SYMBOL, `symbol '${symbol}' is not in the fixture`, { file: fixtureDir, field: "symbol" });
  const fe = new FeatureEngine(instrument, cfg.features);
  let bars = 0;
  for await (const s of streamFixture(fx, { symbols: fx.instruments.keys() })) {
    if (s.symbol !== symbol) continue;
    if (!fe.update(s)) continue;
    bars++;
    const due = opts.ts !== undefined ? s.ts >= opts.ts : bars >= (opts.bar ?? 60);
    if (!due) continue;
    const features = { ...fe.features };
    return { symbol, instrument, bar: bars, ts: s.ts, features, tox: assessToxicity(features, cfg.toxicity) };
  }
  throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `fixture ends after ${bars} bars of ${symbol}, before the requested bar`, { file: fixtureDir, field: opts.ts !== undefined ? "ts" : "bar" });
}
