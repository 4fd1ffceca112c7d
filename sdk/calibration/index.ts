/**
 * Offline calibration (spec 17.16.1): deterministic search over policy parameters, walk-forward
 * validation with an export gate, and hash-pinned parameter artifacts. See docs/CALIBRATION.md.
 *
 * @example
 * const rs = parseSpec({ name: "doc-demo", version: 1, parameters: [{ path: "policy.alpha", choices: [1.2, 1.6] }],
 *   datasets: [{ fixture: "thin_book_l2" }], objective: { name: "pnl_per_dd" },
 *   folds: { segments: 2, time: { mode: "rolling", train: 1 } }, search: { method: "grid" } });
 * const r = await runCalibration(rs, { workers: 0 });   // or loadSpec("calibration/specs/default.json")
 * r.gate.passed; r.gate.reasons; r.folds; r.final.selected; // a refused gate says why; nothing is exported then
 * if (r.gate.passed) {
 *   const file = await writeArtifact(buildArtifact(r), scratchDir("doc-demo"));
 *   const cfg = configFromArtifact(loadArtifact(file)); // → runReplay({ config: cfg, ... })
 * }
 */
export {
  CalibrationSpecSchema,
  ParameterSchema,
  DatasetSchema,
  ObjectiveSchema,
  FoldsSchema,
  SearchSchema,
  GateSchema,
  parseSpec,
  loadSpec,
  type CalibrationSpec,
  type ResolvedSpec,
  type ParameterSpec,
  type DatasetSpec,
  type ObjectiveSpec,
  type FoldsSpec,
  type SearchSpec,
  type GateSpec,
} from "./spec";
export { buildAxes, enumerateGrid, gridSize, applyPoint, type Axis, type ParamPoint, type ParamValue } from "./space";
export { haltonPoint, radicalInverse, HALTON_BASES } from "./halton";
export {
  aggregate as aggregateTrials,
  concatSeries,
  checkMetrics,
  type TrialMetrics,
  type SetMetrics,
  type EvalUnit,
  type EvalTask,
  type EvaluateFn,
  type EvaluatorRef,
} from "./evaluator";
export { score as scoreObjective, compareScores, type Score } from "./objective";
export { buildUnits, buildFolds, type Fold, type ResolvedDataset } from "./folds";
export { resolveDatasets } from "./datasets";
export { TrialJournal, type TrialRecord } from "./journal";
export { InProcessRunner, PoolRunner, type TaskRunner } from "./pool";
export { TrialStore, refine, type ConfigBridge, type ProgressEvent, type Selection as CalibrationSelection } from "./search";
export {
  summarise as summariseWalkForward,
  applyGate as applyCalibrationGate,
  degradation,
  type FoldReport,
  type SideReport,
  type WalkForwardSummary,
  type ParamStability,
  type GateCheck,
  type GateResult,
} from "./walkforward";
export {
  runCalibration,
  reproduceCommands,
  REPLAY_EVALUATOR,
  GRINDER_CONFIG_BRIDGE,
  type CalibrateOptions,
  type CalibrationResult,
  type FinalSelection,
  type ParetoMember,
  type CalibrationBaselines,
  type PointRow,
} from "./calibrate";
export { pnlPerDd, pnlPerDdV1 } from "./objective";
export {
  PARETO_METRICS,
  dominates,
  paretoFront,
  nonDominatedSort,
  crowdingDistance,
  dominanceCheck,
  edgeFlags,
  orientedVector,
  type ParetoMetric,
  type DominanceCheck,
  type EdgeFlag,
} from "./pareto";
export {
  sharpeRatio,
  sortinoRatio,
  skewness,
  kurtosis,
  normCdf,
  normInv,
  expectedMaxSharpe,
  deflatedSharpe,
  deflatedSharpeFromMoments,
  pboCscv,
  type DeflatedSharpe,
  type PboResult,
} from "./stats";
export { CmaEs } from "./cmaes";
export { Nsga2 } from "./nsga2";
export { SeededRandom, deriveSeed } from "./rng";
export type { Optimiser, OptimiserResult } from "./optimiser";
export { evaluatePoint, withParams, type PointTarget, type PointEvaluation } from "./evaluate-point";
export { evaluate as evaluateReplayUnit, pnlSeries, SERIES_MS } from "./replay-evaluator";
export type { RobustnessReport, ValidityInputs } from "./walkforward";
export {
  ArtifactSchema,
  ARTIFACT_SCHEMA_VERSION,
  ARTIFACT_KIND,
  buildArtifact,
  writeArtifact,
  loadArtifact,
  verifyArtifactBytes,
  renderArtifact,
  artifactFileName,
  configFromArtifact,
  loadConfigOrArtifact,
  isArtifactJson,
  gitCommit,
  calibrationReport,
  writeCalibrationReport,
  loadCalibrationReports,
  CALIBRATION_REPORT_KIND,
  type CalibrationArtifact,
} from "./artifact";
// Trial queue seam (ADR-100). The BullMQ backend and worker load bullmq/ioredis: import them
// from "./queue/bullmq" and "./queue/trial-worker" (types only here, so the SDK never loads them).
export { laneBatch, type Trial, type TrialQueue } from "./queue/types";
export { codeVersion } from "./queue/code-version";
export { DatasetStore, type DatasetRef } from "./queue/datastore";
export { trialJobId, DEFAULT_QUEUE_NAME, type TrialJobData } from "./queue/wire";
export type { BullmqQueue, BullmqQueueOptions, QueueStats } from "./queue/bullmq";
export type { TrialWorker, TrialWorkerOptions } from "./queue/trial-worker";
