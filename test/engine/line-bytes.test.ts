import { expect } from "chai";
import fc from "fast-check";
import path from "node:path";
import { LineBytes, serialiseRecord, writeIntentLine, writeRecordLine, intentLine, type LogRecord } from "../../sdk/contracts/events";
import type { GridLevel, GridPlan, Intent } from "../../sdk/contracts/trading";
import { runReplay } from "../../sdk/engine/run";

const FIXTURES = path.resolve(__dirname, "..", "..", "fixtures");

/** The bytes the digest path writes for one record. */
function bytesOf(r: LogRecord): string {
  const w = new LineBytes(8); // tiny: every line grows the buffer
  writeRecordLine(r, w);
  return Buffer.from(w.buf.subarray(0, w.at)).toString("hex");
}
const utf8Hex = (s: string): string => Buffer.from(s, "utf8").toString("hex");

const num = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -1e6, max: 1e9 }).map((m) => m / 100),
  fc.integer({ min: 0, max: 1e6 }).map((m) => m * 1e-8),
  fc.constantFrom(0, -0, 1e21, 1e-7, 123456789012345, 0.1 + 0.2, Number.MAX_SAFE_INTEGER),
);
const text = fc.oneof(fc.constantFrom("BTCUSDT", "ETH-USD_PERP", 'A"B', "a\\b", "é", "\u2028", "\ud800", "x\u0001", "😀"), fc.string());
const level = fc.record({ side: fc.constantFrom("BUY", "SELL"), index: fc.integer({ min: 1, max: 40 }), price: num, qty: num }) as fc.Arbitrary<GridLevel>;
const plan: fc.Arbitrary<GridPlan> = fc.record({
  symbol: text, ts: num, regime: fc.constantFrom("RANGE", "TREND_UP", "EMERGENCY"), mode: fc.constantFrom("NORMAL", "THROTTLE", "PAUSE"),
  center_price: num, step_frac: num, x_stress_frac: num, width_up_frac: num, width_down_frac: num, levels_up: num, levels_down: num,
  bids: fc.array(level, { maxLength: 6 }), asks: fc.array(level, { maxLength: 6 }),
  size_schedule: fc.record({ buy: fc.array(num, { maxLength: 4 }), sell: fc.array(num, { maxLength: 4 }) }),
  adds_allowed: fc.boolean(), reduce_only: fc.boolean(), dd_budget: num, worst_case_loss: num, reasons: fc.array(text, { maxLength: 4 }),
}) as fc.Arbitrary<GridPlan>;
const intent: fc.Arbitrary<Intent> = fc
  .record({
    type: fc.constantFrom("PLACE", "AMEND", "CANCEL"), ts: num, symbol: text, order_id: text, side: fc.constantFrom("BUY", "SELL"), price: num, qty: num,
    accepted: fc.boolean(), reason: fc.option(fc.constantFrom("RATE_LIMIT", "REPRICE", "NOT_IN_PLAN"), { nil: undefined }),
  })
  .map((i) => {
    if (i.reason === undefined) delete (i as { reason?: string }).reason;
    return i as Intent;
  });

const mark: fc.Arbitrary<LogRecord> = fc.record({
  t: fc.constant("mark" as const), ts: num, equity: num, realized_pnl: num, unrealized_pnl: num, fees: num, inventory_notional: num,
  effective_leverage: num, dd: num, dd_utilization: num, guard: fc.oneof(fc.constantFrom("NORMAL", "DAMAGE_CONTROL", "EMERGENCY"), text),
  symbols: fc.array(fc.record({ symbol: text, position: num, avg_entry: num, mark: num }), { maxLength: 3 }),
}) as fc.Arbitrary<LogRecord>;

describe("engine: canonical lines as bytes (recorder digest path)", () => {
  it("mark bytes are the UTF-8 of serialiseRecord's line, for random marks (fixed seed)", () => {
    fc.assert(
      fc.property(mark, (m) => {
        expect(bytesOf(m)).to.equal(utf8Hex(serialiseRecord(m)));
      }),
      { seed: 226, numRuns: 200 },
    );
  });

  it("plan and intent bytes are the UTF-8 of serialiseRecord's line, for random records (fixed seed)", () => {
    fc.assert(
      fc.property(plan, intent, (p, i) => {
        expect(bytesOf({ t: "plan", plan: p })).to.equal(utf8Hex(serialiseRecord({ t: "plan", plan: p })));
        expect(bytesOf({ t: "intent", ...i })).to.equal(utf8Hex(serialiseRecord({ t: "intent", ...i })));
        const w = new LineBytes(4);
        writeIntentLine(i, w);
        expect(Buffer.from(w.buf.subarray(0, w.at)).toString("hex")).to.equal(utf8Hex(intentLine(i)));
      }),
      { seed: 225, numRuns: 200 },
    );
  });

  it("odd records go through the string writers (same bytes) and a non-finite number throws as before", () => {
    const p: GridPlan = {
      symbol: "X", ts: 1, regime: "RANGE", mode: "NORMAL", center_price: 100, step_frac: 0.001, x_stress_frac: 0.01, width_up_frac: 0.01, width_down_frac: 0.01,
      levels_up: 1, levels_down: 1, bids: [{ side: "BUY", index: 1, price: 99.9, qty: 0.5 }], asks: [{ side: "SELL", index: 1, price: 100.1, qty: 0.5 }],
      size_schedule: { buy: [0.5], sell: [0.5] }, adds_allowed: true, reduce_only: false, dd_budget: 10, worst_case_loss: 1, reasons: ["A"],
    };
    const oddMark = {
      t: "mark", ts: 1, equity: 100.5, realized_pnl: 0, unrealized_pnl: -0.25, fees: 0.01, inventory_notional: 3, effective_leverage: 0.03, dd: 0,
      dd_utilization: 0, guard: "NORMAL", symbols: [{ symbol: "X", position: 1, avg_entry: 2, mark: 3 }],
    };
    expect(bytesOf(oddMark as LogRecord)).to.equal(utf8Hex(serialiseRecord(oddMark as LogRecord)));
    const odd: LogRecord[] = [
      { t: "plan", plan: { ...p, extra: 1 } as unknown as GridPlan },
      { t: "plan", plan: { ...p, bids: [{ ...p.bids[0], note: "x" }] } as unknown as GridPlan },
      { t: "plan", plan: { ...p, reasons: [1] } as unknown as GridPlan },
      { t: "plan", plan: { ...p, size_schedule: { buy: {}, sell: [] } } as unknown as GridPlan },
      { t: "plan", plan: { ...p, mode: 7 } as unknown as GridPlan },
      { t: "intent", type: "PLACE", ts: 1, symbol: "X", order_id: "X:1", side: "BUY", price: 1, qty: 1, accepted: true, extra: 2 } as unknown as LogRecord,
      { t: "intent", type: "PLACE", ts: 1, symbol: "X", order_id: 5, side: "BUY", price: 1, qty: 1, accepted: true } as unknown as LogRecord,
      { t: "guard", ts: 5, from: "NORMAL", to: "DAMAGE_CONTROL", dd: 1, dd_budget: 2, dd_utilization: 0.5, reason: "é" },
      { ...oddMark, extra: 1 } as unknown as LogRecord,
      { ...oddMark, guard: 3 } as unknown as LogRecord,
      { ...oddMark, symbols: [{ symbol: "X", position: 1, avg_entry: 2, mark: 3, note: "x" }] } as unknown as LogRecord,
      { ...oddMark, symbols: [{ symbol: "X", position: "1", avg_entry: 2, mark: 3 }] } as unknown as LogRecord,
    ];
    for (const r of odd) expect(bytesOf(r)).to.equal(utf8Hex(serialiseRecord(r)));
    expect(() => bytesOf({ t: "plan", plan: { ...p, dd_budget: Number.NaN } })).to.throw(/non-finite number NaN/);
    expect(() => serialiseRecord({ t: "plan", plan: { ...p, dd_budget: Number.NaN } })).to.throw(/non-finite number NaN/);
  });

  it("every record of a fixture run: bytes equal serialiseRecord's UTF-8", async () => {
    const r = await runReplay({ fixture: path.join(FIXTURES, "range_day_l1"), window: { to_ts: 1704067200000 + 3600_000 }, keepEvents: true, tables: false });
    const evs = r.events!;
    expect(evs.filter((e) => e.t === "plan").length).to.be.greaterThan(30);
    expect(evs.filter((e) => e.t === "intent").length).to.be.greaterThan(30);
    expect(evs.filter((e) => e.t === "mark").length).to.be.greaterThan(0);
    const w = new LineBytes();
    let want = "";
    for (const e of evs) {
      writeRecordLine(e, w);
      w.ensure(1);
      w.buf[w.at++] = 10;
      want += serialiseRecord(e) + "\n";
    }
    expect(Buffer.from(w.buf.subarray(0, w.at)).equals(Buffer.from(want, "utf8"))).to.equal(true);
  });
});
