import type * as Aq from "arquero";
// arquero loads when a result table is built, not at import (CLI start-up, ADR-126)
const aq = (): typeof Aq => require("arquero") as typeof Aq;
import type { LogRecord } from "../contracts/events";
import { createHash, type Hash } from "node:crypto";
import { LineBytes, intentRecord, writeIntentLine, writeRecordLine } from "../contracts/events";
import type { Intent } from "../contracts/trading";
import type { Selection } from "../contracts/features";
import { CodeColumn, F64Column } from "./columns";

/** Strategy columns of one row of the bars table. */
export interface StrategyBarRow {
  ts: number; symbol: string; mid: number; regime: string; mode: string; step_frac: number; levels_up: number; levels_down: number;
  open_orders: number; selected: boolean;
}

/** Account columns of one row of the bars table (the engine fills one reused object). */
export interface AccountBarRow {
  equity: number; inventory: number; inventory_notional: number; guard: string; dd: number; dd_utilization: number; realized_pnl: number;
  fees: number;
}

/** One row of the bars table: strategy columns + account columns. */
export type BarRow = StrategyBarRow & AccountBarRow;

import type { AlertEvent } from "../metrics";

/**
 * The run's recorder (ADR-040): every record becomes one canonical line (`serialiseRecord`),
 * hashed as it goes: the lines' UTF-8 bytes, each followed by "\n", are written into one reused
 * byte buffer (`writeRecordLine`: plans and intents without a line string) that is hashed in
 * batches of about 64 KiB (the same byte stream as hashing line by line), plus the result tables (bars, fills, cycles), transitions, selections and
 * alerts. Memory stays flat unless the caller keeps the events or the tables.
 */
export class Recorder {
  /** Null when the run computes no digest (`digest: false`, ADR-205): lines are counted, not built. */
  private readonly digest: Hash | null;
  private readonly bytes: LineBytes | null;
  lines = 0;
  readonly events: LogRecord[] | null;
  readonly transitions: Array<Record<string, unknown>> = [];
  readonly selections: Selection[] = [];
  readonly alerts: AlertEvent[] = [];
  readonly alertCounts: Partial<Record<AlertEvent["alert"], number>> = {};
  private readonly barCols = {
    ts: new F64Column(), symbol: new CodeColumn(), mid: new F64Column(), equity: new F64Column(), inventory: new F64Column(),
    inventory_notional: new F64Column(), regime: new CodeColumn(), mode: new CodeColumn(), guard: new CodeColumn(), dd: new F64Column(),
    dd_utilization: new F64Column(), step_frac: new F64Column(), levels_up: new F64Column(), levels_down: new F64Column(),
    realized_pnl: new F64Column(), fees: new F64Column(), open_orders: new F64Column(), selected: new CodeColumn(),
  };
  private readonly fillCols = {
    ts: [] as number[], symbol: [] as string[], order_id: [] as string[], side: [] as string[], kind: [] as string[], price: [] as number[],
    qty: [] as number[], fee: [] as number[], liquidity: [] as string[], realized: [] as number[],
  };
  private readonly cycleCols = {
    ts: [] as number[], symbol: [] as string[], side: [] as string[], level: [] as number[], entry_ts: [] as number[], entry_price: [] as number[],
    exit_price: [] as number[], qty: [] as number[], fees: [] as number[], profit: [] as number[], profit_bps: [] as number[],
  };

  constructor(
    keepEvents: boolean,
    readonly tables: boolean,
    digest = true,
  ) {
    this.events = keepEvents ? [] : null;
    this.digest = digest ? createHash("sha256") : null;
    this.bytes = digest ? new LineBytes() : null;
  }

  /**
   * True when a record is only counted (`digest: false` and no events kept): a record that feeds
   * no table or list (mark, ack, reject) need not be built at all, only `count()`ed.
   */
  get countsOnly(): boolean {
    return this.bytes === null && this.events === null;
  }

  /** Count one line of a record that is not built (only when `countsOnly`). */
  count(): void {
    this.lines++;
  }

  /** Whether the lines are built and hashed (false: `digest: false`, only counted). */
  get digesting(): boolean {
    return this.digest !== null;
  }

  record(r: LogRecord): void {
    if (this.bytes !== null) {
      writeRecordLine(r, this.bytes);
      this.endLine(this.bytes);
    } else this.lines++;
    if (this.events) this.events.push(r);
    switch (r.t) {
      case "fill":
        if (this.tables) {
          const c = this.fillCols;
          c.ts.push(r.ts); c.symbol.push(r.symbol); c.order_id.push(r.order_id); c.side.push(r.side); c.kind.push(r.kind);
          c.price.push(r.price); c.qty.push(r.qty); c.fee.push(r.fee); c.liquidity.push(r.liquidity); c.realized.push(r.realized);
        }
        return;
      case "cycle":
        if (this.tables) {
          const c = this.cycleCols;
          c.ts.push(r.ts); c.symbol.push(r.symbol); c.side.push(r.side); c.level.push(r.level); c.entry_ts.push(r.entry_ts);
          c.entry_price.push(r.entry_price); c.exit_price.push(r.exit_price); c.qty.push(r.qty); c.fees.push(r.fees);
          c.profit.push(r.profit); c.profit_bps.push(r.profit_bps);
        }
        return;
      case "regime": {
        const { t: _t, ...tr } = r;
        this.transitions.push({ kind: "regime", ...tr });
        return;
      }
      case "guard":
        this.transitions.push({ kind: "guard", symbol: "*", ts: r.ts, from: r.from, to: r.to, reasons: [r.reason] });
        return;
      case "selection": {
        const { t: _t, ...sel } = r;
        this.selections.push(sel);
        return;
      }
      case "alert": {
        const { t: _t, ...a } = r;
        this.alerts.push(a);
        this.alertCounts[a.alert] = (this.alertCounts[a.alert] ?? 0) + 1;
        return;
      }
      default:
        return;
    }
  }

  /**
   * An intent's record: the line `record(intentRecord(i))` writes, without building the record
   * object unless events are kept (intents are most of a log's lines).
   */
  intent(i: Intent): void {
    if (this.events) this.record(intentRecord(i));
    else if (this.bytes !== null) {
      writeIntentLine(i, this.bytes);
      this.endLine(this.bytes);
    } else this.lines++;
  }

  /** One row of the bars table from its two halves (no merged row object is built). */
  bar(b: StrategyBarRow, a: AccountBarRow): void {
    if (!this.tables) return;
    const c = this.barCols;
    c.ts.push(b.ts); c.symbol.push(b.symbol); c.mid.push(b.mid); c.equity.push(a.equity); c.inventory.push(a.inventory);
    c.inventory_notional.push(a.inventory_notional); c.regime.push(b.regime); c.mode.push(b.mode); c.guard.push(a.guard);
    c.dd.push(a.dd); c.dd_utilization.push(a.dd_utilization); c.step_frac.push(b.step_frac);
    c.levels_up.push(b.levels_up); c.levels_down.push(b.levels_down); c.realized_pnl.push(a.realized_pnl);
    c.fees.push(a.fees); c.open_orders.push(b.open_orders); c.selected.push(b.selected ? "true" : "false");
  }

  private endLine(w: LineBytes): void {
    w.ensure(1);
    w.buf[w.at++] = 10;
    this.lines++;
    if (w.at > 1 << 16) this.flush();
  }

  private flush(): void {
    const w = this.bytes;
    if (w !== null && w.at > 0) {
      this.digest!.update(w.buf.subarray(0, w.at));
      w.at = 0;
    }
  }

  /** The digest of every line so far (flushes the batch); null when the run computes none. */
  hex(): string | null {
    if (this.digest === null) return null;
    this.flush();
    return this.digest.digest("hex");
  }

  barsTable(): Aq.ColumnTable {
    return aq().table({
      ...Object.fromEntries(Object.entries(this.barCols).map(([k, c]) => [k, c.toArray()])),
      selected: this.barCols.selected.toArray().map((x) => x === "true"),
    });
  }
  fillsTable(): Aq.ColumnTable {
    return aq().table(this.fillCols);
  }
  cyclesTable(): Aq.ColumnTable {
    return aq().table(this.cycleCols);
  }
}
