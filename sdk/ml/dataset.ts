import type { Features, ToxAssessment } from "../contracts/features";
import type { Regime } from "../contracts/trading";
import { defaultConfig, type GrinderConfig } from "../config";
import { openFixture, streamFixture } from "../data/fixture";
import { FeatureEngine } from "../features/engine";
import { RegimeController } from "../regime/controller";
import { assessToxicityInto } from "../regime/toxicity";
import { RegimeFeatureExtractor } from "./features";
import { CLASS_RANGE, CLASS_TREND_DOWN, CLASS_TREND_UP, CLASS_VOL_SHOCK, forwardLabels, NO_LABEL, type LabelDef } from "./labels";

/** One policy tick of one symbol. */
export interface MlSample {
  symbol: string;
  /** Data time of the snapshot that closed the bar (= the replay's policy tick ts). */
  ts: number;
  /** Per-symbol tick index (0-based). */
  tick: number;
  close: number;
  /** ML_FEATURES at the tick (zeros when not `ready`). */
  x: number[];
  ready: boolean;
  /** Forward label (class index) or NO_LABEL. */
  label: number;
  /** The heuristic controller's regime at the tick. */
  heuristic_regime: Regime;
  /** Its class index, or -1 when the heuristic is in a safety regime (TOXIC, THIN_BOOK, PAUSED, EMERGENCY). */
  heuristic: number;
}

export interface MlDataset {
  fixture: string;
  content_sha256: string;
  rows: number;
  symbols: string[];
  first_ts: number;
  last_ts: number;
  samples: MlSample[];
}

/** Heuristic regime → model class, or -1 for the safety regimes (not the model's business). */
export function regimeToClass(r: Regime): number {
  switch (r) {
    case "RANGE":
      return CLASS_RANGE;
    case "TREND_UP":
      return CLASS_TREND_UP;
    case "TREND_DOWN":
      return CLASS_TREND_DOWN;
    case "VOL_SHOCK":
      return CLASS_VOL_SHOCK;
    default:
      return -1;
  }
}

/**
 * Stream a fixture through the replay's own per-symbol path (FeatureEngine.update → toxicity →
 * heuristic RegimeController at each bar close) and collect, per tick, the model's feature
 * vector (past-only extractor), the heuristic regime and the forward label of `def`. Samples are
 * in stream order (ts, then the fixture's row order).
 */
export async function buildDataset(fixtureDir: string, def: LabelDef, config: GrinderConfig = defaultConfig()): Promise<MlDataset> {
  const fx = openFixture(fixtureDir);
  const symbols = [...fx.instruments.keys()].sort();
  const fes = new Map<string, FeatureEngine>();
  const rcs = new Map<string, RegimeController>();
  const exs = new Map<string, RegimeFeatureExtractor>();
  const toxs = new Map<string, ToxAssessment>();
  const ticks = new Map<string, MlSample[]>();
  for (const s of symbols) {
    fes.set(s, new FeatureEngine(fx.instruments.get(s)!, config.features));
    rcs.set(s, new RegimeController(s, { ...config.regime, classifier: undefined }));
    exs.set(s, new RegimeFeatureExtractor());
    toxs.set(s, { severity: "LOW", action: "NORMAL", penalty: 0, reasons: [] });
    ticks.set(s, []);
  }
  const samples: MlSample[] = [];
  let rows = 0;
  let first = Number.NaN;
  let last = Number.NaN;
  for await (const snap of streamFixture(fx)) {
    rows++;
    if (first !== first) first = snap.ts;
    last = snap.ts;
    const fe = fes.get(snap.symbol)!;
    if (!fe.update(snap)) continue;
    fe.syncL2();
    const f: Features = fe.features;
    const tox = assessToxicityInto(f, config.toxicity, toxs.get(snap.symbol)!);
    const d = rcs.get(snap.symbol)!.update(f, tox);
    const ex = exs.get(snap.symbol)!;
    ex.update(f);
    const list = ticks.get(snap.symbol)!;
    const smp: MlSample = {
      symbol: snap.symbol, ts: f.ts, tick: list.length, close: f.bar_close ?? f.mid, x: Array.from(ex.values), ready: ex.ready,
      label: NO_LABEL, heuristic_regime: d.regime, heuristic: regimeToClass(d.regime),
    };
    list.push(smp);
    samples.push(smp);
  }
  for (const s of symbols) {
    const list = ticks.get(s)!;
    const { labels } = forwardLabels(list.map((t) => t.close), def);
    for (let i = 0; i < list.length; i++) list[i].label = labels[i];
  }
  return { fixture: fx.manifest.name, content_sha256: fx.manifest.content_sha256, rows, symbols, first_ts: first, last_ts: last, samples };
}
