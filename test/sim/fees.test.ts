import { expect } from "chai";
import { FeeModel, isMarketable } from "../../sdk/sim";

describe("sim: fee model and marketability", () => {
  it("marketable = would trade on arrival", () => {
    expect(isMarketable("BUY", 101, 99, 101)).to.equal(true);
    expect(isMarketable("BUY", 100.9, 99, 101)).to.equal(false);
    expect(isMarketable("SELL", 99, 99, 101)).to.equal(true);
  });

  it("fees are bps of notional, maker vs taker", () => {
    const f = new FeeModel({ maker_bps: 2, taker_bps: 5 });
    expect(f.fee(100, 3, false), "2 bps of 300").to.equal(0.06);
    expect(f.fee(100, 3, true), "5 bps of 300").to.equal(0.15);
    expect(new FeeModel({ maker_bps: -1, taker_bps: 5 }).fee(100, 1, false), "rebate").to.equal(-0.01);
  });
});
