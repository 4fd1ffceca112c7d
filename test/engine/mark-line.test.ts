import { expect } from "chai";
import path from "node:path";
import { markLine, type MarkRecord } from "../../sdk/contracts/events";
import { canonicalJson } from "../../sdk/util/canonical";
import { runReplay } from "../../sdk/engine/run";

const FIXTURES = path.resolve(__dirname, "..", "..", "fixtures");

describe("engine: mark lines (hand-built writer, ADR-206)", () => {
  it("equals canonicalJson for the marks of a multi-symbol run, and falls back on records it does not know", async () => {
    const r = await runReplay({ fixture: path.join(FIXTURES, "multisymbol_topk_l1"), window: { to_ts: 1704067200000 + 3 * 3600_000 }, keepEvents: true, tables: false });
    const marks = r.events!.filter((e): e is MarkRecord => e.t === "mark");
    expect(marks.length).to.be.greaterThan(20);
    expect(marks[0].symbols.length).to.be.greaterThan(1);
    for (const m of marks) expect(markLine(m)).to.equal(canonicalJson(m));
    const m = marks[marks.length - 1];
    const odd: MarkRecord[] = [
      { ...m, equity: -0, dd: 1e-7, fees: 123456789.125, ts: 1.5, guard: "DAMAGE_CONTROL", symbols: [{ symbol: "A\"B", position: -0.001, avg_entry: 0.1 + 0.2, mark: 1e21 }] },
      { ...m, symbols: [] },
      { ...m, extra: 1 } as unknown as MarkRecord,
      { ...m, fees: undefined } as unknown as MarkRecord,
      { ...m, symbols: [{ ...m.symbols[0], note: "x" }] } as unknown as MarkRecord,
    ];
    for (const x of odd) expect(markLine(x)).to.equal(canonicalJson(x));
  });
});
