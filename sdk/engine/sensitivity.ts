import type { GrinderConfig } from "../config";
import { parseConfig } from "../config";
import type { FillRecord, IntentRecord, LogRecord } from "../contracts/events";
import { ErrorCode, GrinderError } from "../contracts/errors";
import { runReplay, type ReplayOptions } from "./run";
import type { ReplayResult } from "./replay";
import { FILL_MODELS } from "../sim/fill-models";
import type { FillModelKind } from "../sim/config";

/**
 * Sensitivity of one result to the fill model (spec 17.13.2, ADR-055): the same config and data
 * replayed under each rung of the ladder, one row per rung. Everything else (strategy, latency,
 * fees, window) is held fixed, so the rows differ only by what the fill model believes fills.
 */
export interface SensitivityRow {
  /** Versioned fill model id (`queue_prob@2`, ...). */
  fill_model: string;
  digest: string;
  /** Fill reports (partial fills count once each). */
  fills: number;
  /** Orders with at least one fill. */
  orders_filled: number;
  /** Accepted PLACE requests. */
  orders_placed: number;
  /** Σ filled qty / Σ placed qty (base units, all symbols). */
  fill_ratio: number;
  /** Median data time from an order's PLACE to its first fill, ms (null without fills). */
  median_time_to_fill_ms: number | null;
  cycles: number;
  /** Equity end − start (quote, after fees, marked to the last quote). */
  net_pnl: number;
  max_dd: number;
  max_dd_utilization: number;
  /** Trade prints the venue saw. */
  trades: number;
  /** What the model approximated (queue rungs). */
  counters?: Record<string, number>;
}

export interface SensitivityOptions extends Omit<ReplayOptions, "config" | "keepEvents"> {
  /** Base config; its `execution.fill_model` is replaced per rung. */
  config?: GrinderConfig;
  /** Rungs to run, in this order (default: the whole ladder). `queue_prob` takes `n` from the base config when set. */
  kinds?: readonly FillModelKind[];
}

export const LADDER: readonly FillModelKind[] = ["touch", "cross", "trade_through", "queue_risk_averse", "queue_prob"];

/** Parse `touch,cross,queue_prob` (CLI); unknown names are `E_INVALID_ARGUMENT`. */
/** `field`: the option the list came from, named in the error. */
export function parseFillModelList(text: string, field = "fill-models"): FillModelKind[] {
  const out: FillModelKind[] = [];
  for (const raw of text.split(",")) {
    const k = raw.trim();
    if (!k) continue;
    if (!(k in FILL_MODELS)) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `unknown fill model '${k}' (one of ${Object.keys(FILL_MODELS).join(", ")})`, { field });
    if (!out.includes(k as FillModelKind)) out.push(k as FillModelKind);
  }
  if (!out.length) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "no fill model given", { field });
  return out;
}

/** One row from a replay that kept its event log. */
export function sensitivityRow(r: ReplayResult): SensitivityRow {
  const events: LogRecord[] = r.events ?? [];
  const placedAt = new Map<string, number>();
  let placedQty = 0;
  let filledQty = 0;
  const firstFill = new Map<string, number>();
  for (const e of events) {
    if (e.t === "intent") {
      const i = e as IntentRecord;
      if (i.type === "PLACE" && i.accepted) {
        placedAt.set(i.order_id, i.ts);
        placedQty += i.qty;
      }
    } else if (e.t === "fill") {
      const f = e as FillRecord;
      filledQty += f.qty;
      if (!firstFill.has(f.order_id)) firstFill.set(f.order_id, f.ts);
    }
  }
  const waits: number[] = [];
  for (const [id, ts] of firstFill) {
    const p = placedAt.get(id);
    if (p !== undefined) waits.push(ts - p);
  }
  waits.sort((a, b) => a - b);
  const median = waits.length === 0 ? null : waits.length % 2 ? waits[(waits.length - 1) / 2] : (waits[waits.length / 2 - 1] + waits[waits.length / 2]) / 2;
  const s = r.summary;
  return {
    fill_model: r.fill_model,
    digest: r.digest,
    fills: s.fills,
    orders_filled: firstFill.size,
    orders_placed: placedAt.size,
    fill_ratio: placedQty > 0 ? filledQty / placedQty : 0,
    median_time_to_fill_ms: median,
    cycles: s.cycles,
    net_pnl: s.equity_end - s.equity_start,
    max_dd: s.max_dd,
    max_dd_utilization: s.max_dd_utilization,
    trades: r.trades,
    ...(r.fill_model_counters ? { counters: r.fill_model_counters } : {}),
  };
}

/**
 * Replay the same data and config under each fill model and return one row per rung.
 *
 * @example
 * const rows = await fillModelSensitivity({ fixture: "fixtures/range_day_l1", kinds: ["touch", "cross", "queue_prob"] });
 * console.table(rows);
 */
export async function fillModelSensitivity(opts: SensitivityOptions): Promise<SensitivityRow[]> {
  const base = opts.config ?? parseConfig({});
  const kinds = opts.kinds ?? LADDER;
  const rows: SensitivityRow[] = [];
  for (const kind of kinds) {
    if (opts.snapshots !== undefined && kinds.length > 1 && !(Symbol.iterator in (opts.snapshots as object)))
      throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "a one-shot async snapshot stream cannot be replayed once per fill model: pass a fixture or an array", { field: "snapshots" });
    const n = base.execution.fill_model.n;
    const fm = kind === "queue_prob" && n !== undefined ? { kind, n } : { kind };
    const config = parseConfig({ ...(base as unknown as Record<string, unknown>), execution: { ...base.execution, fill_model: fm } });
    const r = await runReplay({ ...opts, config, keepEvents: true });
    rows.push(sensitivityRow(r));
  }
  return rows;
}

/** The table as fixed-width text (CLI). */
export function formatSensitivity(rows: readonly SensitivityRow[]): string {
  const head = ["fill model", "fills", "orders filled/placed", "fill ratio", "median ttf s", "cycles", "net PnL", "max DD", "DD util"];
  const body = rows.map((r) => [
    r.fill_model,
    String(r.fills),
    `${r.orders_filled}/${r.orders_placed}`,
    r.fill_ratio.toFixed(3),
    r.median_time_to_fill_ms === null ? "-" : (r.median_time_to_fill_ms / 1000).toFixed(1),
    String(r.cycles),
    r.net_pnl.toFixed(2),
    r.max_dd.toFixed(2),
    r.max_dd_utilization.toFixed(3),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (c: string[]): string => c.map((x, i) => (i === 0 ? x.padEnd(w[i]) : x.padStart(w[i]))).join("  ");
  const notes = rows.filter((r) => r.counters && Object.values(r.counters).some((v) => v > 0)).map((r) => `  ${r.fill_model}: ${Object.entries(r.counters!).map(([k, v]) => `${k}=${v}`).join(" ")}`);
  return [line(head), ...body.map(line), ...(notes.length ? ["approximations:", ...notes] : [])].join("\n") + "\n";
}
