/**
 * GRINDER SDK — the public API: what a researcher uses, grouped below (ADR-091). Import it in a
 * notebook cell as `import { ... } from "./sdk"` (the `grinder` kernel runs at the project root);
 * chart and table helpers are the second public entry point, `"./sdk/notebook"`.
 *
 * Everything else (engine stages, reconcile internals, schema pieces, search internals) stays
 * reachable through its stage's subpath, e.g. `"./sdk/engine"`, `"./sdk/calibration"`,
 * `"./sdk/policy"`: those are internals, documented in the code but not promised to stay.
 *
 * To add a name: append it to its group (one line per export statement keeps merges simple),
 * with TSDoc on its declaration; `npm run docs:api` regenerates `docs/api/`.
 *
 * @example
 * const r = await runReplay({ fixture: "fixtures/range_day_l1" });
 * console.log(r.digest.length, r.summary.cycles >= 0);
 *
 * @packageDocumentation
 */

// ── Version ─────────────────────────────────────────────────────────────────────────────────
export { SDK_VERSION } from "./version";

// ── Errors: every refusal is a GrinderError naming file, row/line and field ────────────────
export { GrinderError, isGrinderError, ErrorCode, type ErrorLocation, type SafeResult } from "./contracts";

// ── Configuration: one strict, fully defaulted schema; its id is configHash ────────────────
export { defaultConfig, parseConfig, safeParseConfig, loadConfigFile, configHash, GrinderConfigSchema, type GrinderConfig, type GrinderConfigInput } from "./config";
export { CONFIG_KEY_ALIASES, CONFIG_VALUE_ALIASES, type ParseConfigOptions } from "./config"; // ADR-160 unit-convention aliases
export { defaultFeatureConfig, type FeatureConfig } from "./features";
export { defaultRegimeConfig, defaultToxicityConfig, type RegimeConfig, type ToxicityConfig } from "./regime";
export { defaultPolicyConfig, parsePolicyConfig, GEOMETRY_REGIMES, type PolicyConfig, type GeometryRegime } from "./policy";
export { defaultPortfolioConfig, parsePortfolioConfig, type PortfolioConfig } from "./portfolio";
export type { ExecutionConfig, FillModelConfig, FeeConfig } from "./execution";
export type { RiskConfig, DdWindowConfig } from "./ledger";
export type { EngineConfig } from "./engine";

// ── Market data contracts ───────────────────────────────────────────────────────────────────
export { parseSnapshot, safeParseSnapshot, parseInstrumentSpec, safeParseInstrumentSpec, midPrice, type Snapshot, type OrderBook, type BookLevel, type InstrumentSpec } from "./contracts";

// ── Trading contracts: regimes, plans, orders, fills ────────────────────────────────────────
export { REGIMES, PLAN_MODES, TOX_SEVERITIES, TOX_ACTIONS } from "./contracts";
export type { Regime, PlanMode, Side, ToxSeverity, ToxAction, ReasonCode, GridLevel, GridPlan, Order, OrderKind, Liquidity, Fill, Intent, IntentType, RegimeTransition } from "./contracts";
export type { Features, ToxAssessment, SymbolView, Selection, PortfolioSelector } from "./contracts";

// ── Fixtures and real data ──────────────────────────────────────────────────────────────────
export { openFixture, streamFixture, validateFixture, type Fixture, type FixtureManifest, type FixtureSummary, type SymbolSummary, type LoadReport, type StreamOptions } from "./data";
export { importToFixture, IMPORT_FORMATS, type ImportFormat, type ImportResult, type ImportToFixtureOptions } from "./data";
export { importBookTickerCsv, type BookTickerCsvOptions } from "./data";
export { importBinanceWs, type BinanceWsOptions } from "./data";
export { importKlinesCsv, loadKlinesCsv, KlineCursor, type Kline, type KlinesCsvOptions } from "./data";

// ── Features (spec 17.5) ────────────────────────────────────────────────────────────────────
export { FeatureEngine, emptyFeatures } from "./features";
export { MidBarBuilder } from "./features";
export { WilderAtr } from "./features";
export { Ema } from "./features";
export { RangeWindow, TrendStrength } from "./features";
export type { Bar, KlineBar, Indicator } from "./features";
export type { L2Features } from "./features";

// ── Regimes and toxicity (spec 17.6, 17.14) ─────────────────────────────────────────────────
export { RegimeController, REGIME_PRECEDENCE, type RegimeDecision, type RegimeDiagnostics } from "./regime";
export { assessToxicity, TOX_REASON_CODES } from "./regime";

// ── Grid policy (spec 17.8–17.11) ───────────────────────────────────────────────────────────
export { planGrid, explainGrid, type PlanExplanation } from "./policy";
export { computeStress, computeL2Penalty, type StressResult } from "./policy";
export { computeStep, computeLevels, type StepResult, type LevelsResult } from "./policy";
export { computeSizes, type SideSizes } from "./policy";
export { regimeActions, type RegimeActions } from "./policy";
export { PolicyReason } from "./policy";
export type { PlanInput, GuardState } from "./policy";

// ── Portfolio: gates, scores, Top-K, budgets (spec 17.7, 17.15) ─────────────────────────────
export { selectPortfolio, TopKSelector, type SelectionDetail, type SelectOptions } from "./portfolio";
export { selectTopK } from "./portfolio";
export { scoreSymbols, type SymbolScore } from "./portfolio";
export { applyGates, type GateOutcome, type GateExclusion } from "./portfolio";
export { allocateBudgets, type AllocationInput } from "./portfolio";
export { GATE_CODES } from "./portfolio";
export { selectionHistoryTable, selectionSummaryTable, summarizeSelections, replaySelectionSummary, formatSelectionSummary, budgetTable, portfolioMetricsTable, type SelectionSummaryRow } from "./portfolio";

// ── Replay: engine, fills, cycles, risk, metrics (spec 17.12–17.14, 17.18, 17.20) ───────────
export { runReplay, type ReplayOptions } from "./engine";
export { ReplayEngine, EVENT_LOG_VERSION, type ReplayResult, type ReplaySummary, type ReplayEngineOptions, type ReplayWindow, replayStartTs } from "./engine";
export type { DigestOption } from "./engine";
export type { CycleRecord } from "./execution";
export { DrawdownGuard, type DdGuardState, type GuardTransition } from "./ledger";
export { RunMetrics, type AlertEvent, type MetricJson } from "./metrics";

// ── Calibration: specs, search, walk-forward, artifacts (spec 17.16) ────────────────────────
export { parseSpec, loadSpec, type CalibrationSpec, type ResolvedSpec } from "./calibration";
export { runCalibration, REPLAY_EVALUATOR, type CalibrateOptions, type CalibrationResult } from "./calibration";
export { evaluate as evaluateReplayTrial } from "./calibration/replay-evaluator";
export { summariseWalkForward, applyCalibrationGate, type FoldReport, type GateCheck, type GateResult, type WalkForwardSummary } from "./calibration";
export { scoreObjective, type Score } from "./calibration";
export type { TrialMetrics, EvalTask } from "./calibration";
export type { TrialRecord } from "./calibration";
export { buildArtifact, writeArtifact, loadArtifact, verifyArtifactBytes, configFromArtifact, loadConfigOrArtifact, artifactFileName, type CalibrationArtifact } from "./calibration";

// ── Determinism utilities ───────────────────────────────────────────────────────────────────
export { canonicalJson, sha256Hex, hashCanonical, StreamDigest } from "./util";
export { quantize, quantizePrice, quantizeQty, type RoundMode } from "./util";

// ── Engine split: simulated venue, fill-model ladder, latency, strategies (ADR-040..046, 053..055) ──
export { regimeTimeline } from "./engine";
export * from "./sim";
export * from "./strategy";
export { AdaptiveGridStrategy, regimeRow, type AdaptiveGridOptions } from "./strategies/adaptive-grid";
export { StaticGridStrategy, type StaticGridOptions } from "./strategies/static-grid";
export { fillModelSensitivity, formatSensitivity, LADDER, parseFillModelList, sensitivityRow, type SensitivityOptions, type SensitivityRow } from "./engine";
export { formatSameOrders, replayScriptedOrders, sameOrdersLadder, type SameOrdersOptions, type SameOrdersResult, type SameOrdersRow } from "./engine";
export { ScriptedOrdersStrategy, type ScriptedFill, type ScriptedRequest, type TimedRequest } from "./strategies/scripted";

// ── Trades and bar data, datasets, columnar store (ADR-050..052, 070..078) ───────────────────
export * from "./data/trades";
export * from "./data/bars";
export * from "./data/dataset";
export * from "./data/store";
export * from "./data/parquet";
export { configForInterval, replayBarDataset, expectedOfBarReplay, type BarReplayOptions, type BarReplayResult, type ExpectedBarReplay } from "./engine";

// ── Research validity: objectives, optimisers, PBO/DSR, baselines, attribution (ADR-060..069) ──
export * from "./analysis";
export { evaluatePoint, withParams, evaluateReplayUnit } from "./calibration";
export { buildAxes, enumerateGrid, gridSize, applyPoint, type Axis, type ParamPoint, type ParamValue } from "./calibration";
export { pointOf } from "./calibration/space";

// ── ML regime classifier (ADR-110..113) ─────────────────────────────────────────────────────
export * from "./ml";
