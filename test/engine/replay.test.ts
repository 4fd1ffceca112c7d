import { expect } from "chai";
import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import fc from "fast-check";
import { parseConfig, configHash } from "../../sdk/config";
import { ReplayEngine, intentLine, planLine } from "../../sdk/engine/replay";
import { canonicalJson } from "../../sdk/util/canonical";
import { runReplay } from "../../sdk/engine/run";
import { openFixture } from "../../sdk/data/fixture";
import { errorOf } from "../support";
import { INST, market, scriptedStages } from "./helpers";

const FIXTURES = path.resolve(__dirname, "..", "..", "fixtures");

function engineFor(cfgIn: Record<string, unknown> = {}, insts = [INST], keepEvents = false) {
  const config = parseConfig(cfgIn);
  return new ReplayEngine({ config, configHash: configHash(config), instruments: insts, stages: scriptedStages(), keepEvents });
}

describe("engine: replay loop", () => {
  it("same stream + config → same digest; a config change changes it", async () => {
    const snaps = market(7, 3000);
    const a = await runReplay({ snapshots: snaps, instruments: [INST], stages: scriptedStages() });
    const b = await runReplay({ snapshots: snaps, instruments: [INST], stages: scriptedStages() });
    expect(a.digest).to.match(/^[0-9a-f]{64}$/);
    expect(b.digest, "two runs").to.equal(a.digest);
    expect(a.summary.fills, "the scripted grid trades").to.be.greaterThan(10);
    expect(a.fill_model).to.equal("touch@1");
    const c = await runReplay({ snapshots: snaps, instruments: [INST], stages: scriptedStages(), config: parseConfig({ execution: { fill_model: { kind: "cross" } } }) });
    expect(c.fill_model).to.equal("cross@1");
    expect(c.digest, "another fill model").to.not.equal(a.digest);
    expect(c.config_hash).to.not.equal(a.config_hash);
  });

  it("result tables: per-bar rows, fills and cycles", async () => {
    const r = await runReplay({ snapshots: market(3, 1800), instruments: [INST], stages: scriptedStages() });
    expect(r.bars.numRows(), "one row per minute boundary crossed in 30 min (the stream starts mid-minute)").to.equal(30);
    expect(r.bars.columnNames()).to.include.members(["ts", "symbol", "mid", "equity", "inventory", "regime", "dd", "dd_utilization"]);
    expect(r.fills.numRows()).to.equal(r.summary.fills);
    expect(r.cycles.numRows()).to.equal(r.summary.cycles);
    const names = r.metrics.map((m) => m.name);
    for (const m of ["cycles_completed_total", "realized_pnl_total", "unrealized_pnl", "turnover_notional_total", "fees_estimate_total", "avg_cycle_profit_bps",
      "dd_current", "dd_budget", "dd_utilization_frac", "max_inventory_notional", "effective_leverage", "time_in_regime_seconds", "adds_off_seconds",
      "spread_bps", "impact_estimate_bps", "fill_rate", "time_to_fill_seconds", "cancel_replace_rate", "tox_severity"])
      expect(names, `metric ${m} (spec 17.18.1)`).to.include(`grinder_${m}`);
    expect(r.metrics_text).to.contain("grinder_cycles_completed_total{symbol=\"AAA\"}");
    const regimeSecs = r.metrics.find((m) => m.name === "grinder_time_in_regime_seconds")!.values.reduce((s, v) => s + v.value, 0);
    expect(regimeSecs, "data time: 1799 s between the first and last snapshot").to.equal(1799);
  });

  it("policy_tick interval: the policy runs every tick_interval_ms of data time", async () => {
    const cfg = parseConfig({ engine: { policy_tick: "interval", tick_interval_ms: 20_000 } });
    const r = await runReplay({ snapshots: market(3, 1800), instruments: [INST], stages: scriptedStages(), config: cfg });
    // 1800 s of data: 90 boundaries of 20 s crossed, plus the first snapshot
    expect(r.summary.ticks).to.be.within(90, 91);
    expect(r.bars.numRows()).to.equal(r.summary.ticks);
  });

  it("rejects unsorted input and unknown symbols", () => {
    const e = engineFor();
    const s = market(1, 3);
    e.step(s[1]);
    expect(() => e.step(s[0])).to.throw(/E_TIME_BACKWARDS/);
    expect(() => e.step({ ...s[2], symbol: "ZZZ" })).to.throw(/E_UNKNOWN_SYMBOL/);
  });

  it("window: nothing trades before from_ts, nothing is read after to_ts", async () => {
    const snaps = market(5, 3600);
    const from = snaps[1200].ts;
    const to = snaps[2400].ts;
    const r = await runReplay({ snapshots: snaps, instruments: [INST], stages: scriptedStages(), window: { from_ts: from, to_ts: to } });
    expect(r.summary.snapshots).to.equal(2401);
    const ts = r.fills.array("ts") as number[];
    expect(ts.length).to.be.greaterThan(0);
    expect(Math.min(...ts)).to.be.at.least(from);
    expect(Math.max(...ts)).to.be.at.most(to);
  });

  it("EMERGENCY: a breached budget cancels everything, stops, stays latched until reset", async () => {
    // trending market + tiny budget → breach
    const snaps = market(11, 4000, [INST], { drift: -1.5 });
    const e = engineFor({ risk: { dd_budget_abs: 2 } }, [INST], true);
    let at = -1;
    for (let i = 0; i < 3000; i++) {
      e.step(snaps[i]);
      if (at < 0 && e.guard.state === "EMERGENCY") at = i;
    }
    expect(at, "breach happened").to.be.greaterThan(0);
    expect(e.venue.openCount, "all orders cancelled").to.equal(0);
    expect(e.guard.state, "latched").to.equal("EMERGENCY");
    e.resetEmergency(snaps[3000].ts);
    expect(e.guard.state).to.equal("NORMAL");
    const r = await e.finish();
    const ev = r.events!;
    const breach = ev.findIndex((x) => x.t === "guard" && x.to === "EMERGENCY");
    const reset = ev.findIndex((x) => x.t === "guard" && x.from === "EMERGENCY");
    expect(ev.slice(breach, reset).some((x) => x.t === "intent" && x.type === "PLACE" && x.accepted), "nothing placed while latched").to.equal(false);
    expect(ev.slice(breach, breach + 40).filter((x) => x.t === "intent" && x.type === "CANCEL" && x.reason === "EMERGENCY").length).to.be.greaterThan(0);
  });

  describe("properties over random markets", () => {
    it("position = Σ signed fills; realised + unrealised − fees = equity change; caps hold; no risk added while adds are off", async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 2, max: 30 }), fc.boolean(), (seed, vol, cap, tight) => {
          const B = { ...INST, symbol: "BBB" };
          const e = engineFor(
            {
              execution: { max_open_orders_per_symbol: cap, max_open_orders_portfolio: cap + 3, rate_limit: { capacity: 8, refill_per_sec: 0.2 } },
              risk: tight ? { dd_budget_abs: 3, damage_control_utilization: 0.3, damage_control_exit_utilization: 0.1 } : {},
            },
            [INST, B],
            true,
          );
          const snaps = market(seed, 900, [INST, B], { volTicks: vol, drift: (seed % 3) - 1 });
          for (const s of snaps) {
            e.step(s);
            // checked after every snapshot: no order ever rests beyond the caps
            if (e.venue.openCount > cap + 3) expect.fail(`portfolio cap ${cap + 3} exceeded: ${e.venue.openCount}`);
            if (e.venue.openOrders("AAA").length > cap || e.venue.openOrders("BBB").length > cap) expect.fail(`symbol cap ${cap} exceeded`);
          }
          const v = e.ledger.view();
          expect(v.realized_pnl + v.unrealized_pnl - v.fees).to.be.closeTo(v.equity - v.initial_equity, 1e-9);
          return e.finish().then((r) => {
            const pos: Record<string, number> = { AAA: 0, BBB: 0 };
            let guard = "NORMAL";
            const posAt: Record<string, number> = { AAA: 0, BBB: 0 };
            for (const x of r.events!) {
              if (x.t === "guard") guard = x.to as string;
              if (x.t === "fill") {
                pos[x.symbol as string] += (x.side === "BUY" ? 1 : -1) * (x.qty as number);
                posAt[x.symbol as string] = pos[x.symbol as string];
              }
              if (x.t === "intent" && x.accepted && (x.type === "PLACE" || x.type === "AMEND") && guard !== "NORMAL") {
                const p = posAt[x.symbol as string];
                const reduces = (p > 1e-12 && x.side === "SELL") || (p < -1e-12 && x.side === "BUY");
                expect(reduces, `${x.type} ${x.side} with position ${p} under ${guard}`).to.equal(true);
              }
            }
            for (const s of v.symbols) expect(s.position).to.be.closeTo(pos[s.symbol], 1e-9);
          });
        }),
        { numRuns: 25, seed: 42 },
      );
    });
  });

  describe("fixtures (expected digests, spec 17.20.2)", () => {
    it("a fixture window replays to the same digest in a worker thread", async () => {
      const fixture = path.join(FIXTURES, "thin_book_l2");
      const window = { to_ts: 1704067200000 + 2 * 3600_000 };
      const local = await runReplay({ fixture, window });
      const worker = new Worker(path.join(__dirname, "worker-replay.ts"), { execArgv: ["--require", "tsx/cjs"], workerData: { fixture, window } });
      const digest = await new Promise<string>((res, rej) => {
        worker.once("message", res);
        worker.once("error", rej);
      });
      await worker.terminate();
      expect(digest).to.equal(local.digest);
      expect(local.summary.snapshots).to.be.greaterThan(0);
    });

    // every fixture's expected.json (digest and summary): the touch@1 rung of test/sim/ladder-digests.test.ts, the same default-config replay
  });
});

describe("engine: event lines", () => {
  it("the hand-built intent line equals canonicalJson byte for byte", () => {
    const xs = [
      { type: "PLACE" as const, ts: 1, symbol: "A\"B", order_id: "A:1", side: "BUY" as const, price: 0.1 + 0.2, qty: 1e-7, accepted: true },
      { type: "AMEND" as const, ts: 2, symbol: "A", order_id: "A:2", side: "SELL" as const, price: 123456789.5, qty: -0, accepted: false, reason: "RATE_LIMIT" },
    ];
    for (const i of xs) expect(intentLine(i)).to.equal(canonicalJson({ t: "intent", ...i }));
  });
});

describe("engine: plan lines", () => {
  it("the hand-built plan line equals canonicalJson for scripted and production plans", async () => {
    const r = await runReplay({ snapshots: market(9, 1200), instruments: [INST], stages: scriptedStages(), keepEvents: true });
    const plans = r.events!.flatMap((e) => (e.t === "plan" ? [e.plan] : []));
    expect(plans.length).to.be.greaterThan(5);
    for (const p of plans) expect(planLine(p)).to.equal(canonicalJson({ t: "plan", plan: p }));
    const extra = { ...plans[0], extra_field: [1, "x"] } as unknown as import("../../sdk/contracts/trading").GridPlan;
    expect(planLine(extra), "unknown field → generic writer").to.equal(canonicalJson({ t: "plan", plan: extra }));
    const fx = await runReplay({ fixture: path.join(FIXTURES, "range_day_l1"), window: { to_ts: 1704067200000 + 3600_000 }, keepEvents: true });
    const fplans = fx.events!.filter((e) => e.t === "plan");
    expect(fplans.length).to.be.greaterThan(30);
    for (const e of fplans) if (e.t === "plan") expect(planLine(e.plan)).to.equal(canonicalJson(e));
  });
});

describe("runReplay / openFixture: a bare fixture name (ADR-247)", () => {
  it("names a bundled fixture when no folder of that name is where it points; a folder there comes first; an unknown name is E_IO", async () => {
    const expected = JSON.parse(readFileSync(path.join(__dirname, "..", "..", "fixtures", "btcusdt_bookticker_real", "expected.json"), "utf8"));
    const r = await runReplay({ fixture: "btcusdt_bookticker_real", tables: false });
    expect(r.digest).to.equal(expected.digest);
    expect(openFixture("thin_book_l2").dir).to.equal(path.resolve(__dirname, "..", "..", "fixtures", "thin_book_l2"));
    expect(errorOf(() => openFixture("no_such_fixture")).message).to.contain("no_such_fixture/fixture.json");
    // a relative folder of the same name, from the working directory, is taken first
    const dir = mkdtempSync(path.join(os.tmpdir(), "grinder-bare-"));
    cpSync(path.join(__dirname, "..", "..", "fixtures", "thin_book_l2"), path.join(dir, "thin_book_l2"), { recursive: true });
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      expect(realpathSync(openFixture("thin_book_l2").dir)).to.equal(realpathSync(path.join(dir, "thin_book_l2")));
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
