import { expect } from "chai";
import { CrossFillModel, FeeModel, TouchFillModel, isMarketable, makeFillModel } from "../../sdk/execution";
import { ExecutionConfigSchema } from "../../sdk/execution/config";

describe("execution: fill models (spec 17.13.1)", () => {
  it("touch fills BUY when mid <= limit and SELL when mid >= limit", () => {
    // bid 99, ask 101 → mid 100
    expect(TouchFillModel.fills("BUY", 100, 99, 101, 100), "mid == buy limit fills").to.equal(true);
    expect(TouchFillModel.fills("BUY", 99.9, 99, 101, 100), "mid above buy limit").to.equal(false);
    expect(TouchFillModel.fills("SELL", 100, 99, 101, 100), "mid == sell limit fills").to.equal(true);
    expect(TouchFillModel.fills("SELL", 100.1, 99, 101, 100)).to.equal(false);
  });

  it("cross fills only when the opposite best crosses the limit", () => {
    // mid 100 touches a BUY at 100 but the ask (101) does not cross it
    expect(CrossFillModel.fills("BUY", 100, 99, 101, 100), "touch is not enough").to.equal(false);
    expect(CrossFillModel.fills("BUY", 101, 99, 101, 100), "ask == limit crosses").to.equal(true);
    expect(CrossFillModel.fills("SELL", 100, 99, 101, 100)).to.equal(false);
    expect(CrossFillModel.fills("SELL", 99, 99, 101, 100), "bid == limit crosses").to.equal(true);
  });

  it("is chosen by config kind and carries a versioned id", () => {
    expect(makeFillModel(ExecutionConfigSchema.parse({}).fill_model).id).to.equal("touch@1");
    expect(makeFillModel({ kind: "cross" }).id).to.equal("cross@1");
    expect(() => ExecutionConfigSchema.parse({ fill_model: { kind: "magic" } })).to.throw();
    expect(() => ExecutionConfigSchema.parse({ surprise: 1 }), "strict").to.throw();
  });

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
