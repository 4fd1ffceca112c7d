import { expect } from "chai";
import { errorOf } from "../support";
import fc from "fast-check";
import { ErrorCode, GrinderError, parseInstrumentSpec, parseSnapshot, safeParseSnapshot } from "../../sdk/contracts";
import Decimal from "decimal.js";
import { quantize, quantizeExact, quantizePrice, quantizeQty, decimalsOf } from "../../sdk/util/quantize";

const good = { ts: 1_704_067_200_000, symbol: "BTCUSDT", bid_price: 100, bid_qty: 1, ask_price: 100.1, ask_qty: 2 };


describe("contracts: Snapshot", () => {
  it("accepts a valid L1 and L2 snapshot", () => {
    expect(parseSnapshot(good)).to.deep.equal(good);
    const l2 = { ...good, book: { bids: [{ price: 100, qty: 1 }, { price: 99.9, qty: 2 }], asks: [{ price: 100.1, qty: 1 }], ts: 1_704_067_200_000 } };
    expect(parseSnapshot(l2).book?.bids).to.have.length(2);
  });
  const cases: Array<[string, Record<string, unknown>, ErrorCode, string]> = [
    ["missing field", { ...good, bid_qty: undefined }, ErrorCode.MISSING_FIELD, "bid_qty"],
    ["extra field", { ...good, foo: 1 }, ErrorCode.EXTRA_FIELD, "foo"],
    ["string price", { ...good, ask_price: "100" }, ErrorCode.BAD_TYPE, "ask_price"],
    ["negative qty", { ...good, ask_qty: -1 }, ErrorCode.BAD_NUMBER, "ask_qty"],
    ["zero price", { ...good, bid_price: 0 }, ErrorCode.BAD_NUMBER, "bid_price"],
    ["NaN price", { ...good, bid_price: NaN }, ErrorCode.BAD_NUMBER, "bid_price"],
    ["fractional ts", { ...good, ts: 1.5 }, ErrorCode.BAD_NUMBER, "ts"],
    ["crossed", { ...good, bid_price: 101 }, ErrorCode.CROSSED_BOOK, "bid_price"],
    ["bids out of order", { ...good, book: { bids: [{ price: 99, qty: 1 }, { price: 100, qty: 1 }], asks: [] } }, ErrorCode.BOOK_ORDER, "book.bids[1].price"],
  ];
  for (const [name, row, code, field] of cases) {
    it(`refuses ${name} with ${code} at '${field}'`, () => {
      const e = errorOf(() => parseSnapshot(row));
      expect(e.code).to.equal(code);
      expect(e.field).to.equal(field);
      const r = safeParseSnapshot(row);
      expect(r.success).to.equal(false);
    });
  }
  it("instrument spec refuses a zero tick", () => {
    expect(errorOf(() => parseInstrumentSpec({ symbol: "X", tick_size: 0, lot_size: 1, min_notional: 0 })).field).to.equal("tick_size");
  });
  it("GrinderError.at fills a missing location and formats it", () => {
    const e = new GrinderError(ErrorCode.PARSE, "bad", { field: "ts" }).at({ file: "f.jsonl", line: 7 });
    expect(e.message).to.equal("E_PARSE: bad (f.jsonl:7, field 'ts')");
  });
});

describe("util: quantisation", () => {
  it("rounds to decimal ticks exactly", () => {
    expect(quantize(61800.27, 0.1, "floor")).to.equal(61800.2);
    expect(quantize(61800.21, 0.1, "ceil")).to.equal(61800.3);
    expect(quantizePrice(0.30000000000000004, 0.1, "BUY")).to.equal(0.3);
    expect(quantizeQty(0.0029999, 0.001)).to.equal(0.002);
    expect(decimalsOf(0.0001)).to.equal(4);
  });
  it("buy never rounds up, sell never rounds down, result on the grid (property)", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 1e6, noNaN: true }), fc.constantFrom(0.01, 0.1, 0.5, 1, 0.0001), (p, tick) => {
        const b = quantizePrice(p, tick, "BUY");
        const s = quantizePrice(p, tick, "SELL");
        expect(b).to.be.at.most(p + 1e-9 * p);
        expect(s).to.be.at.least(p - 1e-9 * p);
        const k = b / tick;
        expect(Math.abs(k - Math.round(k))).to.be.below(1e-6);
      }),
    );
  });
});

describe("util: quantisation fast path", () => {
  const steps = [0.1, 0.01, 0.001, 0.0001, 1e-8, 0.5, 0.25, 0.05, 1, 5, 10, 0.3, 2.5e-5];
  const modes = ["floor", "ceil", "nearest"] as const;
  it("equals the exact decimal reference on random values (property)", () => {
    fc.assert(
      fc.property(fc.double({ min: -1e7, max: 1e7, noNaN: true }), fc.constantFrom(...steps), fc.constantFrom(...modes), (x, step, mode) => {
        expect(quantize(x, step, mode)).to.equal(quantizeExact(x, step, mode));
      }),
      { numRuns: 20000 },
    );
  });
  it("equals the reference on values at and next to grid points (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.constantFrom(...steps), fc.constantFrom(...modes), fc.integer({ min: -3, max: 3 }), (k, step, mode, nudge) => {
        let x = new Decimal(k).mul(step).toNumber();
        for (let i = 0; i < Math.abs(nudge); i++) x = nextAfter(x, nudge > 0);
        const half = new Decimal(k).plus(0.5).mul(step).toNumber();
        expect(quantize(x, step, mode)).to.equal(quantizeExact(x, step, mode));
        expect(quantize(half, step, mode)).to.equal(quantizeExact(half, step, mode));
      }),
      { numRuns: 20000 },
    );
  });
});

function nextAfter(x: number, up: boolean): number {
  const b = new Float64Array([x]);
  const u = new BigInt64Array(b.buffer);
  if (x === 0) return up ? Number.MIN_VALUE : -Number.MIN_VALUE;
  u[0] += (x > 0) === up ? 1n : -1n;
  return b[0];
}
