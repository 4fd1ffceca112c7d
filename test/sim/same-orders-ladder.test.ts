import { expect } from "chai";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { parseConfig } from "../../sdk/config";
import type { Snapshot, Trade } from "../../sdk/contracts/market";
import { replayScriptedOrders, runReplay, sameOrdersLadder, formatSameOrders } from "../../sdk/engine";
import type { FillModelKind } from "../../sdk/sim";
import type { ScriptedRequest } from "../../sdk/strategies/scripted";
import { CHOPPY_INST, choppyStream } from "./choppy-stream";

const ROOT = path.resolve(__dirname, "..", "..");
const INST = CHOPPY_INST;

const stream = (n: number): ReturnType<typeof choppyStream> => choppyStream(n, true);

const FAST = parseConfig({ features: { bar_interval_ms: 5000 }, policy: { step_min_frac: 0.0002, alpha: 0.3 } });
const withModel = (kind: FillModelKind, extra: Record<string, unknown> = {}): ReturnType<typeof parseConfig> =>
  parseConfig({ ...FAST, execution: { ...FAST.execution, fill_model: { kind }, ...extra } });

describe("sim: same-orders comparison of the fill ladder (ADR-196)", function () {
  this.timeout(180_000);
  const { snaps, trades } = stream(6000);

  it("the reference run is the closed-loop run; its rung replaying the recorded orders fills exactly the orders it filled; every rung sees the same orders", async () => {
    const closed = await runReplay({ snapshots: snaps, instruments: [INST], config: withModel("touch"), tradeStream: trades });
    const r = await sameOrdersLadder({ snapshots: snaps, instruments: [INST], config: FAST, tradeStream: trades, orderIds: true });
    expect(r.reference.digest, "recording the requests does not change the run").to.equal(closed.digest);
    expect(r.reference.fill_model).to.equal("touch@1");
    expect(r.reference.orders_filled).to.equal(closed.summary.fills);
    expect(r.rows.map((x) => x.fill_model)).to.deep.equal(["touch@1", "cross@1", "trade_through@2", "queue_risk_averse@2", "queue_prob@2"]);
    expect(r.rows[0].filled_order_ids).to.deep.equal(r.reference.filled_order_ids);
    for (const row of r.rows) {
      expect(row.orders_placed, row.fill_model).to.equal(r.reference.orders_placed);
      expect(row.trades).to.equal(trades.length);
      expect(row.fill_ratio).to.be.within(0, 1);
    }
    expect(r.reference.added_cancels, "one cancel per order the reference completed").to.equal(r.reference.orders_completed);
    expect(r.reference.filled_lifetime_ms).to.be.a("number");
    expect(r.reference.no_trade, "the reference traded: no reasons to give").to.equal(undefined);
    // by construction (ask <= limit implies mid <= limit, same orders): cross@1 fills a subset of touch@1's orders
    const touch = new Set(r.rows[0].filled_order_ids);
    expect(r.rows[1].filled_order_ids!.filter((id) => !touch.has(id))).to.deep.equal([]);
    expect(r.rows[1].orders_filled).to.be.below(r.rows[0].orders_filled, "the stream's 2–3 tick spreads separate cross from touch");
    const text = formatSameOrders(r);
    expect(text).to.match(/^reference touch@1 /);
    expect(text.split("\n").filter((l) => /^(touch|cross|trade_through|queue_)/.test(l))).to.have.length(5);
  });

  it("a print-driven reference (queue_prob, 20 ms entry latency): its TPs sent on prints replay at the same event, so it reproduces its own fills; deterministic", async () => {
    const lat = { latency: { kind: "constant", entry_ms: 20, response_ms: 5 } };
    const config = withModel("queue_prob", lat);
    const closed = await runReplay({ snapshots: snaps, instruments: [INST], config, tradeStream: trades, keepEvents: true });
    const r = await sameOrdersLadder({ snapshots: snaps, instruments: [INST], config, tradeStream: trades, kinds: ["queue_prob", "touch"], orderIds: true });
    expect(r.reference.digest).to.equal(closed.digest);
    const fills = (closed.events ?? []).filter((e) => e.t === "fill");
    expect(r.rows[0].fills, "partial fills included").to.equal(fills.length);
    expect(r.rows[0].filled_order_ids).to.deep.equal(r.reference.filled_order_ids);
    const again = await sameOrdersLadder({ snapshots: snaps, instruments: [INST], config, tradeStream: trades, kinds: ["queue_prob", "touch"] });
    expect(again.rows.map((x) => x.digest)).to.deep.equal(r.rows.map((x) => x.digest));
    expect(r.rows[0].digest).to.not.equal(r.rows[1].digest);
  });

  it("the lifetime after a reference fill: 0 keeps the order through its fill's millisecond (the reference still reproduces), \"end\" adds no cancel; a shorter life never fills more", async () => {
    const o = { snapshots: snaps, instruments: [INST], config: FAST, tradeStream: trades, kinds: ["touch", "cross"] as FillModelKind[], orderIds: true };
    const zero = await sameOrdersLadder({ ...o, filledLifetimeMs: 0 });
    const end = await sameOrdersLadder({ ...o, filledLifetimeMs: "end" });
    expect(zero.reference.filled_lifetime_ms).to.equal(0);
    expect(zero.rows[0].filled_order_ids).to.deep.equal(zero.reference.filled_order_ids);
    expect(end.reference.filled_lifetime_ms).to.equal(null);
    expect(end.reference.added_cancels).to.equal(0);
    expect(end.rows[0].filled_order_ids).to.deep.equal(end.reference.filled_order_ids);
    expect(zero.rows[1].orders_filled).to.be.at.most(end.rows[1].orders_filled);
    expect(zero.rows[1].orders_filled, "cross@1 misses orders when cut at touch@1's fill").to.be.below(zero.rows[0].orders_filled);
  });

  it("grinder replay <fixture> --same-orders [reference] --fill-models …: the JSON rows; a bad rung exits 2", () => {
    const cli = (...a: string[]): ReturnType<typeof spawnSync> => spawnSync(process.execPath, [path.join(ROOT, "bin", "grinder.js"), "replay", "range_day_l1", ...a], { cwd: ROOT, encoding: "utf8", maxBuffer: 16 << 20 });
    const r = cli("--same-orders", "cross", "--fill-models", "touch,cross", "--to", "2024-01-01T02:00:00Z", "--json");
    expect(r.status, String(r.stderr)).to.equal(0);
    const out = JSON.parse(String(r.stdout)) as { reference: { fill_model: string; orders_placed: number }; rows: Array<{ fill_model: string; orders_placed: number; orders_filled: number }> };
    expect(out.reference.fill_model).to.equal("cross@1");
    expect(out.rows.map((x) => x.fill_model)).to.deep.equal(["touch@1", "cross@1"]);
    for (const row of out.rows) expect(row.orders_placed).to.equal(out.reference.orders_placed).and.to.be.greaterThan(0);
    expect(out.rows[0].orders_filled).to.be.at.least(out.rows[1].orders_filled);
    const bad = cli("--same-orders", "nope", "--to", "2024-01-01T02:00:00Z");
    expect(bad.status).to.equal(2);
    expect(String(bad.stderr)).to.match(/E_INVALID_ARGUMENT.*nope.*field 'same-orders'/);
  });

  it("a reference that never trades says why (ADR-073's reasons), in the result and the table", async () => {
    // the default config on a few hundred snapshots: no bar has closed often enough to warm the features
    const r = await sameOrdersLadder({ snapshots: snaps.slice(0, 400), instruments: [INST], config: parseConfig({}), kinds: ["touch", "cross"] });
    expect(r.reference.orders_placed).to.equal(0);
    for (const row of r.rows) expect(row.orders_filled).to.equal(0);
    const nt = r.reference.no_trade!;
    expect(nt.symbols.map((s) => s.symbol)).to.deep.equal([INST.symbol]);
    expect(nt.symbols[0].plans).to.be.greaterThan(0);
    expect(nt.symbols[0].reasons.map((x) => x.key)).to.include("PAUSE/FEATURES_NOT_WARM");
    const text = formatSameOrders(r);
    expect(text).to.contain(`reference: no trades  ${INST.symbol}: 0 fills in ${nt.symbols[0].plans} plans — PAUSE/FEATURES_NOT_WARM`);
  });

  it("bad options are typed errors", async () => {
    let err: unknown;
    try {
      await sameOrdersLadder({ snapshots: snaps, instruments: [INST], filledLifetimeMs: -1 });
    } catch (e) {
      err = e;
    }
    expect(err).to.have.property("code", "E_INVALID_ARGUMENT");
    expect(err).to.have.property("field", "filledLifetimeMs");
    err = undefined;
    try {
      await sameOrdersLadder({ instruments: [INST] });
    } catch (e) {
      err = e;
    }
    expect(err).to.have.property("code", "E_INVALID_ARGUMENT");
  });
});

// ---- property: what the rung definitions nest, on the same orders (random streams and scripts) ----

interface Ev {
  kind: "quote" | "print";
  move: number;
  spread: number;
  qty: number;
  sell: boolean;
  through: number;
}
interface Req {
  kind: "place" | "cancel" | "amend";
  after: number;
  off: number;
  buy: boolean;
  qty: number;
  target: number;
}
const evArb: fc.Arbitrary<Ev> = fc.record({
  kind: fc.constantFrom("quote", "quote", "print"), move: fc.integer({ min: -2, max: 2 }), spread: fc.integer({ min: 1, max: 4 }),
  qty: fc.integer({ min: 1, max: 30 }), sell: fc.boolean(), through: fc.integer({ min: 0, max: 2 }),
});
const reqArb: fc.Arbitrary<Req> = fc.record({
  kind: fc.constantFrom("place", "place", "cancel", "amend"), after: fc.integer({ min: -1, max: 60 }), off: fc.integer({ min: 0, max: 5 }),
  buy: fc.boolean(), qty: fc.integer({ min: 1, max: 20 }), target: fc.nat(),
});

/** Events on a 0.1 tick grid (quotes with 1–4 tick spreads, prints at or through the touch), and a script of valid requests. */
function build(evs: Ev[], reqs: Req[]): { snaps: Snapshot[]; trades: Trade[]; script: ScriptedRequest[] } {
  const snaps: Snapshot[] = [];
  const trades: Trade[] = [];
  const order: Array<{ ts: number; quote: boolean }> = [];
  let mid = 1000;
  let spread = 1;
  let ts = 1_700_000_000_000;
  snaps.push({ ts, symbol: "X", bid_price: 100, bid_qty: 1, ask_price: 100.1, ask_qty: 1 });
  order.push({ ts, quote: true });
  for (const e of evs) {
    ts += 10;
    if (e.kind === "quote") {
      mid = Math.max(980, Math.min(1020, mid + e.move));
      spread = e.spread;
      snaps.push({ ts, symbol: "X", bid_price: mid / 10, bid_qty: e.qty / 10, ask_price: (mid + spread) / 10, ask_qty: e.qty / 10 });
    } else {
      const price = e.sell ? (mid - e.through) / 10 : (mid + spread + e.through) / 10;
      trades.push({ ts, symbol: "X", price, qty: e.qty / 10, aggressor: e.sell ? "SELL" : "BUY", id: trades.length });
    }
    order.push({ ts, quote: e.kind === "quote" });
  }
  // requests: `after` an event index (clamped to the stream), prices near the mid at that event
  const n = order.length;
  const sorted = reqs.map((r, i) => ({ r, i, after: Math.min(r.after, n - 1) })).sort((a, b) => a.after - b.after || a.i - b.i);
  const script: ScriptedRequest[] = [];
  const placed: string[] = [];
  let seq = 0;
  for (const { r, after } of sorted) {
    const ets = after < 0 ? order[0].ts : order[after].ts;
    const m = 1000 + ((r.target + r.off) % 20) - 10;
    if (r.kind === "place" || placed.length === 0) {
      const id = `X:${++seq}`;
      const side = r.buy ? "BUY" : "SELL";
      const price = (r.buy ? m - r.off : m + 1 + r.off) / 10;
      placed.push(id);
      script.push({ after, req: { type: "PLACE", ts: ets, symbol: "X", order_id: id, side, price, qty: r.qty / 1000 } });
    } else if (r.kind === "cancel") script.push({ after, req: { type: "CANCEL", ts: ets, symbol: "X", order_id: placed[r.target % placed.length] } });
    else script.push({ after, req: { type: "AMEND", ts: ets, symbol: "X", order_id: placed[r.target % placed.length], price: (m - r.off) / 10, qty: r.qty / 1000 } });
  }
  return { snaps, trades, script };
}

describe("sim: same orders — nesting of the rung definitions (fast-check, fixed seed)", function () {
  this.timeout(180_000);
  it("orders with a fill: bar_cross ⊆ cross ⊆ touch, and bar_cross ⊆ trade_through, queue_risk_averse, queue_prob (strict cross fills each of them)", async () => {
    const kinds: FillModelKind[] = ["touch", "cross", "bar_cross", "trade_through", "queue_risk_averse", "queue_prob"];
    let nonTrivial = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(evArb, { minLength: 10, maxLength: 60 }), fc.array(reqArb, { minLength: 1, maxLength: 25 }), async (evs, reqs) => {
        const { snaps, trades, script } = build(evs, reqs);
        const rows = await replayScriptedOrders({ snapshots: snaps, instruments: [INST], tradeStream: trades, script, kinds, orderIds: true });
        const by = Object.fromEntries(rows.map((r) => [r.fill_model.replace(/@.*/, ""), new Set(r.filled_order_ids)]));
        const within = (a: string, b: string): void => {
          for (const id of by[a]) expect(by[b].has(id), `${id} filled by ${a} but not by ${b}`).to.equal(true);
        };
        within("cross", "touch");
        within("bar_cross", "cross");
        for (const k of ["trade_through", "queue_risk_averse", "queue_prob"]) within("bar_cross", k);
        if (by.touch.size > by.cross.size) nonTrivial++;
      }),
      { seed: 4242, numRuns: 40 },
    );
    expect(nonTrivial, "some streams separate touch from cross").to.be.greaterThan(0);
  });
});
