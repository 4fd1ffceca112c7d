import { expect } from "chai";
import Decimal from "decimal.js";
import fc from "fast-check";
import { ContractBook, contractNotional, contractPnl, contractTerms } from "../../sdk/ledger/contract";
import { parseInstrumentSpec } from "../../sdk/contracts/market";

// Binance COIN-M: BTCUSD_PERP is 100 USD per contract, ETHUSD_PERP 10 USD; PnL in the base coin.
const BTC = contractTerms({ contract_multiplier: 100, inverse: true });
const ETH = contractTerms({ contract_multiplier: 10, inverse: true });
const close = (d: Decimal, x: number) => expect(d.toNumber()).to.be.closeTo(x, 1e-15);

describe("contract terms: inverse (COIN-M) and linear PnL", () => {
  it("instrument spec carries the multiplier and the inverse flag (optional, strict)", () => {
    const s = parseInstrumentSpec({ symbol: "BTCUSD_PERP", tick_size: 0.1, lot_size: 1, min_notional: 0, contract_multiplier: 100, inverse: true });
    expect(contractTerms(s)).to.deep.equal({ multiplier: 100, inverse: true });
    expect(contractTerms(parseInstrumentSpec({ symbol: "ETH-USD", tick_size: 0.01, lot_size: 0.001, min_notional: 0 }))).to.deep.equal({ multiplier: 1, inverse: false });
    expect(() => parseInstrumentSpec({ symbol: "X", tick_size: 0.1, lot_size: 1, min_notional: 0, contract_multiplier: 0 })).to.throw();
  });

  it("hand-computed: long 100 BTCUSD_PERP 50,000 → 55,000 = 100·100·(1/50000 − 1/55000) = 0.0181818… BTC", () => {
    // 10 000 USD / 50 000 = 0.2 BTC in; 10 000 / 55 000 = 0.181818… BTC out → +0.0181818… BTC
    close(contractPnl(BTC, "BUY", 100, 50_000, 55_000), 0.2 - 10_000 / 55_000);
    expect(contractPnl(BTC, "BUY", 100, 50_000, 55_000).toFixed(12)).to.equal("0.018181818182");
    // the short loses exactly that
    close(contractPnl(BTC, "SELL", 100, 50_000, 55_000), -(0.2 - 10_000 / 55_000));
    // ETHUSD_PERP: short 30 contracts (300 USD) 2,500 → 2,000: 300·(1/2000 − 1/2500) = 0.15 − 0.12 = 0.03 ETH
    expect(contractPnl(ETH, "SELL", 30, 2_500, 2_000).toFixed(12)).to.equal("0.030000000000");
    // notional: 100 contracts at 50 000 = 0.2 BTC (inverse); linear M=1: qty·price quote
    expect(contractNotional(BTC, 100, 50_000).toString()).to.equal("0.2");
    expect(contractNotional(contractTerms({}), 2, 50_000).toString()).to.equal("100000");
    expect(contractPnl(contractTerms({ contract_multiplier: 0.01 }), "BUY", 3, 100, 110).toString()).to.equal("0.3");
  });

  it("ledger: averaging in at 50,000 and 60,000 uses the harmonic entry; closing at 55,000 realises Σ per-lot PnL", () => {
    const b = new ContractBook(BTC);
    b.applyFill("BUY", 50_000, 100);
    b.applyFill("BUY", 60_000, 100);
    // entry = 200 / (100/50000 + 100/60000) = 54 545.4545…
    expect(b.avg_entry.toFixed(6)).to.equal("54545.454545");
    expect(b.position.toNumber()).to.equal(200);
    // unrealised at 55 000 = 0.0181818… − 0.0151515… = 0.0030303… BTC
    const lots = 100 * 100 * (1 / 50_000 - 1 / 55_000) + 100 * 100 * (1 / 60_000 - 1 / 55_000);
    expect(b.unrealized(55_000).toNumber()).to.be.closeTo(lots, 1e-15);
    expect(b.unrealized(55_000).toFixed(10)).to.equal("0.0030303030");
    const r1 = b.applyFill("SELL", 55_000, 50); // partial close: a quarter of it
    expect(r1.toNumber()).to.be.closeTo(lots / 4, 1e-15);
    const r2 = b.applyFill("SELL", 55_000, 150);
    expect(r1.add(r2).toFixed(10)).to.equal("0.0030303030");
    expect(b.position.isZero()).to.equal(true);
    expect(b.avg_entry.isZero()).to.equal(true);
    expect(b.realized.toFixed(10)).to.equal("0.0030303030");
  });

  it("ledger: a fill through zero closes and reopens at the fill price; fees in the base coin", () => {
    const b = new ContractBook(ETH);
    b.applyFill("SELL", 2_500, 30, b.feeFor(0.0002, 2_500, 30).toNumber());
    // fee = 0.0002 · 300/2500 ETH = 0.000024 ETH
    expect(b.fees.toFixed(9)).to.equal("0.000024000");
    const r = b.applyFill("BUY", 2_000, 50);
    expect(r.toFixed(12)).to.equal("0.030000000000");
    expect(b.position.toNumber()).to.equal(20);
    expect(b.avg_entry.toNumber()).to.equal(2_000);
    // now long 20 contracts (200 USD) from 2000: at 2500 → 200·(1/2000 − 1/2500) = 0.02 ETH
    expect(b.unrealized(2_500).toFixed(12)).to.equal("0.020000000000");
  });

  it("property: realised PnL of any fill sequence that ends flat = Σ over lots, inverse and linear (seeded)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 20_000, max: 80_000 })), { minLength: 1, maxLength: 8 }), fc.integer({ min: 20_000, max: 80_000 }), fc.boolean(), (buys, exit, inverse) => {
        const t = contractTerms({ contract_multiplier: 100, inverse });
        const b = new ContractBook(t);
        let total = 0;
        let lots = new Decimal(0);
        for (const [q, p] of buys) {
          b.applyFill("BUY", p, q);
          total += q;
          lots = lots.add(contractPnl(t, "BUY", q, p, exit));
        }
        const r = b.applyFill("SELL", exit, total);
        expect(r.sub(lots).abs().toNumber()).to.be.below(1e-12 * Math.max(1, lots.abs().toNumber()));
      }),
      { seed: 1414, numRuns: 200 },
    );
  });
});
