import { expect } from "chai";
import path from "node:path";
import { rmSync } from "node:fs";
import { parseConfig, type GrinderConfig } from "../../sdk/config";
import { runReplay, type ReplayOptions } from "../../sdk/engine/run";
import type { ReplayResult } from "../../sdk/engine/replay";
import { staticGridConfig } from "../../sdk/analysis/baselines";
import { openColumnarStore, writeColumnarStore } from "../../sdk/data/store";
import type { Snapshot } from "../../sdk/contracts/market";
import { BENCH_INST, SyntheticMarket } from "../../bench/market";
import { tmpDir } from "../importers/helpers";

const MULTI_T0 = 1704067200000;
const FX = (n: string): string => path.resolve(__dirname, "..", "..", "fixtures", n);

/** Everything of a result but its digest, in comparable form. */
function outputs(r: ReplayResult<string | null>): Record<string, unknown> {
  return {
    summary: r.summary, events_count: r.events_count, bars: r.bars.objects(), fills: r.fills.objects(), cycles: r.cycles.objects(),
    transitions: r.transitions, alerts: r.alerts, selections: r.selections, no_trade: r.no_trade, metrics_text: r.metrics_text,
    in_flight_at_end: r.in_flight_at_end, trades: r.trades, fill_model_counters: r.fill_model_counters, events: r.events,
  };
}

async function same(opts: ReplayOptions, minFills = 1): Promise<void> {
  const a = await runReplay(opts);
  const b = await runReplay({ ...opts, digest: false });
  expect(a.digest).to.match(/^[0-9a-f]{64}$/);
  expect(b.digest).to.equal(null);
  expect(a.summary.fills, "the comparison covers trading").to.be.at.least(minFills);
  expect(outputs(b)).to.deep.equal(outputs(a));
}

function* synthetic(total: number): Generator<Snapshot> {
  const m = new SyntheticMarket(7);
  const s: Snapshot = { ts: 0, symbol: BENCH_INST.symbol, bid_price: 0, bid_qty: 0, ask_price: 0, ask_qty: 0 };
  for (let done = 0; done < total; ) {
    const n = Math.min(m.chunkSize, total - done);
    const c = m.next(n);
    for (let i = 0; i < n; i++) {
      s.ts = c.ts[i]; s.bid_price = c.bid[i]; s.ask_price = c.ask[i]; s.bid_qty = c.bidQty[i]; s.ask_qty = c.askQty[i];
      yield s;
    }
    done += n;
  }
}

describe("replay without a digest (digest: false, ADR-205): every output but the digest is identical", function () {
  this.timeout(300_000);
  const config: GrinderConfig = parseConfig({});

  // windows keep the runs short; each still trades
  const RANGE = { fixture: FX("range_day_l1"), window: { to_ts: 1704067200000 + 8 * 3600_000 } };

  it("fixtures: range_day_l1 (adaptive and static grid), multisymbol_topk_l1 (Top-K selections), thin_book_l2 (L2)", async () => {
    await same({ ...RANGE, config });
    await same({ ...RANGE, config: staticGridConfig(config) });
    await same({ fixture: FX("multisymbol_topk_l1"), window: { to_ts: MULTI_T0 + 3 * 3600_000 }, config });
    await same({ fixture: FX("thin_book_l2"), config });
  });

  it("with a latency model (ack records) and with the event log kept", async () => {
    const lat = parseConfig({ execution: { latency: { kind: "constant", entry_ms: 250, response_ms: 100 } } });
    await same({ ...RANGE, config: lat });
    await same({ ...RANGE, config, keepEvents: true });
  });

  it("@slow a 2 M-row columnar store (synthetic bench market): adaptive and static grid", async function () {
    this.timeout(600_000);
    const dir = path.join(tmpDir("no-digest"), "store");
    try {
      await writeColumnarStore(dir, synthetic(2_000_000), { name: "synth-2m", instruments: [BENCH_INST] });
      await same({ store: openColumnarStore(dir), config }, 100);
      await same({ store: openColumnarStore(dir), config: staticGridConfig(config) }, 100);
    } finally {
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });
});
