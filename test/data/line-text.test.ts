import { expect } from "chai";
import fc from "fast-check";
import { snapshotLine } from "../../sdk/data/line-bytes";
import { tradeLine, validateTradeRow } from "../../sdk/data/trades";
import { validateSnapshotRow } from "../../sdk/data/validate";
import { canonicalJson } from "../../sdk/util/canonical";
import type { Snapshot, Trade } from "../../sdk/contracts/market";

// ADR-257: the hand-built canonical lines of snapshot rows (with and without a book) and of trade
// prints equal canonicalJson's on every row the row checks accept
const pos = fc.oneof(fc.double({ min: 1e-9, max: 1e12, noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 1, max: 10_000_000 }), fc.constantFrom(0.1, 0.30000000000000004, 1e-7, 123456.789, 5e-324, 1e21, 1.7976931348623157e308));
const ts = fc.integer({ min: 946_684_801_000, max: 4_102_444_800_000 });
const symbol = fc.constantFrom("BTCUSDT", "ETH-USD", "BTCUSD_PERP", 'Q"\\x', "é");

function ladder(n: number, start: number, dir: 1 | -1, qty: number[]): Array<{ price: number; qty: number }> {
  return qty.slice(0, n).map((q, i) => ({ price: start + dir * i * 0.5, qty: q }));
}

const row: fc.Arbitrary<Snapshot> = fc
  .record({
    ts, symbol, bid: fc.integer({ min: 100, max: 10_000 }), spread: fc.constantFrom(0.01, 0.5, 1), bid_qty: pos, ask_qty: pos,
    last_price: fc.option(pos, { nil: undefined }), funding_rate: fc.option(fc.oneof(fc.double({ min: -1, max: 1, noNaN: true }), fc.constant(-0)), { nil: undefined }),
    book: fc.option(fc.record({ nb: fc.nat(4), na: fc.nat(4), q: fc.array(pos, { minLength: 4, maxLength: 4 }), stale: fc.option(fc.boolean(), { nil: undefined }), lag: fc.option(fc.nat(1000), { nil: undefined }) }), { nil: undefined }),
    explicitUndefined: fc.boolean(),
  })
  .map((r) => {
    const s: Snapshot = { ts: r.ts, symbol: r.symbol, bid_price: r.bid, bid_qty: r.bid_qty, ask_price: r.bid + r.spread, ask_qty: r.ask_qty };
    if (r.last_price !== undefined || r.explicitUndefined) s.last_price = r.last_price;
    if (r.funding_rate !== undefined || r.explicitUndefined) s.funding_rate = r.funding_rate;
    if (r.book) {
      const b: NonNullable<Snapshot["book"]> = { bids: ladder(r.book.nb, r.bid, -1, r.book.q), asks: ladder(r.book.na, r.bid + r.spread, 1, r.book.q) };
      if (r.book.stale !== undefined || r.explicitUndefined) b.stale = r.book.stale;
      if (r.book.lag !== undefined) b.ts = r.ts - r.book.lag;
      s.book = b;
    }
    return s;
  });

describe("canonical lines built by hand (ADR-257)", () => {
  it("snapshotLine(s) = canonicalJson(s) + newline for every row validateSnapshotRow accepts (property, seeded)", () => {
    let books = 0;
    fc.assert(
      fc.property(row, (s) => {
        validateSnapshotRow(s);
        if (s.book) books++;
        expect(snapshotLine(s)).to.equal(canonicalJson(s) + "\n");
      }),
      { seed: 257, numRuns: 3000 },
    );
    expect(books, "rows with books were generated").to.be.greaterThan(500);
  });

  it("tradeLine(t) = canonicalJson(t) + newline for every print validateTradeRow accepts, whatever symbol order (property, seeded)", () => {
    const trade: fc.Arbitrary<Trade> = fc.record({ ts, symbol, price: pos, qty: pos, aggressor: fc.constantFrom("BUY" as const, "SELL" as const), id: fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER)) });
    fc.assert(
      fc.property(fc.array(trade, { minLength: 1, maxLength: 8 }), (ts) => {
        for (const t of ts) {
          validateTradeRow(t);
          expect(tradeLine(t)).to.equal(canonicalJson(t) + "\n");
        }
      }),
      { seed: 257, numRuns: 1000 },
    );
  });
});
