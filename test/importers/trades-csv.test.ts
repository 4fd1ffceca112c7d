import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { importTradesCsv, importToFixture } from "../../sdk/data/importers";
import { openFixture, validateFixture } from "../../sdk/data/fixture";
import { streamFixtureEvents, validateFixtureTrades } from "../../sdk/data/trades";
import { isTrade } from "../../sdk/contracts/market";
import { BTC_CSV, DATA_DIR, drain, expectGrinderError, tmpDir } from "./helpers";

function write(name: string, lines: string[]): string {
  const f = path.join(tmpDir("trades-csv"), name);
  writeFileSync(f, lines.join("\n") + "\n");
  return f;
}

const SPOT_TRADES = ["100,2683.80,0.002,5.3676,1723161255611,True,True", "101,2683.81,0.5,1341.905,1723161255700,False,True"];
const FUT_TRADES = ["id,price,qty,quote_qty,time,is_buyer_maker", "5266583935,61800.30,0.006,370.8018,1723161256322,false", "5266583936,61800.20,0.199,12298.2398,1723161256344,true"];
const SPOT_AGG = ["7,2683.80,0.0365,10,11,1723161255611,True,True", "8,2683.81,1.2,12,12,1723161255700,False,True"];
const FUT_AGG = ["agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker", "7,61800.30,0.205,5266583935,5266583936,1723161256322,false"];

describe("binance-trades-csv importer", () => {
  it("spot trades without header (7 columns): ids, prices, aggressor from isBuyerMaker", async () => {
    const imp = importTradesCsv(write("ETHUSDT-trades-2024-08-08.csv", SPOT_TRADES));
    const t = await drain(imp);
    expect(imp.kind).to.equal("trades");
    expect(t).to.deep.equal([
      { ts: 1723161255611, symbol: "ETHUSDT", price: 2683.8, qty: 0.002, aggressor: "SELL", id: 100 },
      { ts: 1723161255700, symbol: "ETHUSDT", price: 2683.81, qty: 0.5, aggressor: "BUY", id: 101 },
    ]);
    expect(imp.report.counts).to.include({ buy: 1, sell: 1 });
  });

  it("futures trades with header (6 columns)", async () => {
    const imp = importTradesCsv(write("BTCUSDT-trades-2024-08-08.csv", FUT_TRADES));
    const t = await drain(imp);
    expect(imp.report.counts.header).to.equal(1);
    expect(t.map((x) => [x.id, x.aggressor, x.qty])).to.deep.equal([[5266583935, "BUY", 0.006], [5266583936, "SELL", 0.199]]);
  });

  it("aggTrades: spot 8 columns without header, futures 7 columns with header; the id is the aggregate id", async () => {
    const a = importTradesCsv(write("ETHUSDT-aggTrades-2024-08-08.csv", SPOT_AGG));
    expect((await drain(a)).map((x) => [x.id, x.qty, x.aggressor])).to.deep.equal([[7, 0.0365, "SELL"], [8, 1.2, "BUY"]]);
    expect(a.kind).to.equal("aggTrades");
    const b = importTradesCsv(write("BTCUSDT-aggTrades-2024-08-08.csv", FUT_AGG));
    expect((await drain(b))[0]).to.deep.equal({ ts: 1723161256322, symbol: "BTCUSDT", price: 61800.3, qty: 0.205, aggressor: "BUY", id: 7 });
    // 7 columns without header: the 6th field tells them apart (integer time → aggTrades)
    const c = importTradesCsv(write("BTCUSDT-aggTrades-x.csv", FUT_AGG.slice(1)));
    expect((await drain(c))[0].id).to.equal(7);
    expect(c.kind).to.equal("aggTrades");
  });

  it("microsecond times are converted to ms and counted", async () => {
    const imp = importTradesCsv(write("ETHUSDT-trades-us.csv", ["1,10,1,10,1723161255611123,true,true"]));
    expect((await drain(imp))[0].ts).to.equal(1723161255611);
    expect(imp.report.counts.microsecond_rows).to.equal(1);
  });

  const BAD: Array<[string, string, string, string]> = [
    ["zero qty", "102,2683.81,0,0,1723161255800,False,True", "E_BAD_NUMBER", "qty"],
    ["bad boolean", "102,2683.81,1,1,1723161255800,maybe,True", "E_BAD_TYPE", "is_buyer_maker"],
    ["time backwards", "102,2683.81,1,1,1723161255000,False,True", "E_TIME_BACKWARDS", "time"],
    ["duplicate id", "101,2683.81,1,1,1723161255800,False,True", "E_SEQUENCE", "id"],
    ["truncated", "102,2683.81,1", "E_PARSE", "quote_qty"],
    ["non-integer id", "10x,2683.81,1,1,1723161255800,False,True", "E_BAD_NUMBER", "id"],
  ];
  for (const [name, line, code, field] of BAD) {
    it(`${name}: strict → ${code} at line 3, field ${field}; lenient → counted skip`, async () => {
      const f = write("ETHUSDT-trades-bad.csv", [...SPOT_TRADES, line, "103,2683.82,1,1,1723161255900,False,True"]);
      await expectGrinderError(drain(importTradesCsv(f)), code, 3, field, f);
      const imp = importTradesCsv(f, { lenient: true });
      expect((await drain(imp)).map((t) => t.id)).to.deep.equal([100, 101, 103]);
      expect(imp.report.rejected).to.deep.equal({ [code]: 1 });
    });
  }

  it("an unknown header is refused", async () => {
    const f = write("ETHUSDT-trades-h.csv", ["id,price,size,time", ...SPOT_TRADES]);
    await expectGrinderError(drain(importTradesCsv(f)), "E_PARSE", 1, "header", f);
  });
});

describe("bookTicker dump + trades dump → one fixture (real USD-M BTCUSDT data)", function () {
  this.timeout(180_000);
  it("merges the real bookTicker CSV with the same minutes' trades (as a futures trades dump) into a fixture whose stream is time ordered", async () => {
    // The trades dump is written from the recording's own prints (exchange time T), in the layout of
    // Binance's futures trades dump: the same source the bookTicker CSV was cut from.
    const rec = readFileSync(path.join(DATA_DIR, "binance-usdm", "btcusdt-2024-08-08-stream.txt"), "utf8").split("\n");
    const rows = ["id,price,qty,quote_qty,time,is_buyer_maker"];
    for (const l of rec) {
      if (!l.includes("@trade")) continue;
      const d = JSON.parse(l.slice(l.indexOf(" ") + 1)).data;
      if (d.X !== "MARKET") continue;
      rows.push(`${d.t},${d.p},${d.q},${(Number(d.p) * Number(d.q)).toFixed(4)},${d.T},${d.m}`);
    }
    expect(rows.length - 1).to.equal(21313);
    const tradesCsv = write("BTCUSDT-trades-2024-08-08.csv", rows);
    const out = path.join(tmpDir("merge"), "btc_merged");
    const r = await importToFixture("binance-bookticker-csv", BTC_CSV, { out, trades: tradesCsv });
    expect(r.manifest!.rows).to.equal(66089);
    expect(r.manifest!.trades!.rows).to.equal(21313);
    const prov = r.manifest!.provenance as { trades: { importer: string; kind: string; emitted: number } };
    expect(prov.trades).to.include({ importer: "binance-trades-csv", kind: "trades", emitted: 21313 });
    const plain = await validateFixture(out);
    // the snapshots are those of a plain bookTicker import: same content hash
    const ref = await importToFixture("binance-bookticker-csv", BTC_CSV, { out: path.join(tmpDir("merge"), "btc_plain") });
    expect(plain.content_sha256).to.equal(ref.manifest!.content_sha256);
    expect((await validateFixtureTrades(out))!.rows).to.equal(21313);
    let last = -1;
    let trades = 0;
    for await (const e of streamFixtureEvents(openFixture(out))) {
      expect(e.ts >= last).to.equal(true);
      last = e.ts;
      if (isTrade(e)) trades++;
    }
    expect(trades).to.equal(21313);
  });
});
