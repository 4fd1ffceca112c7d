import { expect } from "chai";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { openFixture, streamFixture } from "../../sdk/data/fixture";
import { importToFixture, KLINE_COLUMNS } from "../../sdk/data/importers";
import { runReplay } from "../../sdk/engine/run";
import { parseConfig } from "../../sdk/config";
import { expectGrinderError, tmpDir } from "./helpers";

const ROOT = path.resolve(__dirname, "..", "..");

/** 1-minute klines (Binance dump layout) from a fixture's mids; `scale` widens each bar's range around its close. */
async function klinesOf(dir: string, scale = 1): Promise<string[]> {
  const lines: string[] = [KLINE_COLUMNS.join(",")];
  let cur: { t: number; o: number; h: number; l: number; c: number } | undefined;
  const flush = (): void => {
    if (!cur) return;
    const w = (x: number) => cur!.c + (x - cur!.c) * scale;
    lines.push([cur.t, w(cur.o), w(cur.h), w(cur.l), cur.c, 0, cur.t + 59_999, 0, 1, 0, 0, 0].join(","));
  };
  for await (const s of streamFixture(openFixture(dir))) {
    const mid = (s.bid_price + s.ask_price) / 2;
    const t = Math.floor(s.ts / 60_000) * 60_000;
    if (!cur || cur.t !== t) {
      flush();
      cur = { t, o: mid, h: mid, l: mid, c: mid };
    }
    cur.h = Math.max(cur.h, mid);
    cur.l = Math.min(cur.l, mid);
    cur.c = mid;
  }
  flush();
  return lines;
}

describe("natr_source: klines reads the fixture's klines.csv sidecar", function () {
  this.timeout(300_000);
  const KL = parseConfig({ features: { natr_source: "klines" } });

  it("without a sidecar the run is refused (it would never warm up)", async () => {
    await expectGrinderError(runReplay({ fixture: path.join(ROOT, "fixtures", "btcusdt_bookticker_real"), config: KL }), "E_INVALID_ARGUMENT", undefined, "features.natr_source");
  });

  it("klines derived from the mids give the mid-bar run's plans; wider klines change them", async () => {
    const src = path.join(ROOT, "fixtures", "range_day_l1");
    const dir = path.join(tmpDir("klfx"), "range_day_l1");
    mkdirSync(dir, { recursive: true });
    for (const f of ["fixture.json", "snapshots.jsonl.gz", "trades.jsonl.gz"]) copyFileSync(path.join(src, f), path.join(dir, f));
    const csv = path.join(tmpDir("klsrc"), "RANGEUSDT-1m-derived.csv");
    writeFileSync(csv, (await klinesOf(dir)).join("\n") + "\n");
    await importToFixture("binance-klines-csv", csv, { out: dir });
    const mid = await runReplay({ fixture: dir, tables: false });
    const kl = await runReplay({ fixture: dir, config: KL, tables: false });
    expect(kl.summary.ticks).to.equal(mid.summary.ticks);
    expect(kl.summary.fills).to.equal(mid.summary.fills);
    expect(kl.summary.cycles).to.equal(mid.summary.cycles);
    expect(kl.summary.equity_end).to.equal(mid.summary.equity_end);
    writeFileSync(csv, (await klinesOf(dir, 3)).join("\n") + "\n");
    await importToFixture("binance-klines-csv", csv, { out: dir, force: true });
    const wide = await runReplay({ fixture: dir, config: KL, tables: false });
    expect(wide.summary.fills).to.be.greaterThan(0);
    expect(wide.digest).to.not.equal(kl.digest);
    expect(wide.summary.fills).to.not.equal(kl.summary.fills);
  });
});
