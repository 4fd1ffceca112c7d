import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { ErrorCode, GrinderError } from "../contracts/errors";
import type { GrinderConfig } from "../config";
import type { FeatureStage, StageFactory } from "./stages";
import { KlineCursor, loadKlinesCsv, type Kline, type KlineSink } from "../data/importers/klines-csv";

/** True when a fixture folder carries a `klines.csv` sidecar (`grinder import binance-klines-csv … --out <fixture>`). */
export function hasKlinesSidecar(dir: string): boolean {
  return existsSync(path.join(dir, "klines.csv"));
}

/** Read a fixture folder's `klines.csv` (+ `klines.json` for the symbol), validated (ADR-013). */
export async function loadKlinesSidecar(dir: string): Promise<{ symbol: string; klines: Kline[] }> {
  const meta = path.join(dir, "klines.json");
  let symbol: string | undefined;
  if (existsSync(meta)) {
    try {
      symbol = (JSON.parse(readFileSync(meta, "utf8")) as { symbol?: string }).symbol;
    } catch (e) {
      throw new GrinderError(ErrorCode.PARSE, `invalid JSON: ${(e as Error).message}`, { file: meta });
    }
  }
  if (!symbol) throw new GrinderError(ErrorCode.MISSING_FIELD, "klines.json names no symbol", { file: meta, field: "symbol" });
  const { klines } = await loadKlinesCsv(path.join(dir, "klines.csv"), { symbol });
  return { symbol, klines };
}

/**
 * Stages whose feature stage for `symbol` is fed the sidecar's klines up to each snapshot's
 * time before the snapshot (`KlineCursor.feedUntil`: only klines closed at or before it), so
 * `natr_source: "klines"` actually reads them (spec 17.5.2 truth note, ADR-077).
 */
export function withKlines(base: StageFactory<GrinderConfig>, symbol: string, klines: readonly Kline[]): StageFactory<GrinderConfig> {
  return {
    ...base,
    features: (inst, cfg) => {
      const fe = base.features(inst, cfg);
      if (inst.symbol !== symbol) return fe;
      const sink = fe as FeatureStage & Partial<KlineSink>;
      if (typeof sink.updateKline !== "function") throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "the feature stage takes no klines (updateKline)", { field: "features.natr_source" });
      const cur = new KlineCursor(klines);
      return {
        update(s) {
          cur.feedUntil(s.ts, sink as KlineSink);
          return fe.update(s);
        },
        syncL2: () => fe.syncL2(),
        get features() {
          return fe.features;
        },
      };
    },
  };
}
