import { expect } from "chai";
import fc from "fast-check";
import type { Features, Regime, ToxAssessment } from "../../sdk/contracts";
import {
  REGIME_DWELL_HOLD,
  REGIME_KILL_SWITCH,
  REGIME_L2_STALE,
  REGIME_PRECEDENCE,
  REGIME_THIN_DEPTH,
  REGIME_THIN_L1,
  REGIME_TOX,
  REGIME_TREND_UP,
  REGIME_VOL_JUMP,
  REGIME_VOL_RATIO,
  RegimeConfigSchema,
  RegimeController,
  type RegimeConfigInput,
} from "../../sdk/regime";
import { calm, tox } from "./helpers";

/** Feed one bar per call (features.bars increments). */
function driver(cfg: RegimeConfigInput = {}) {
  const rc = new RegimeController("TESTUSDT", cfg);
  let bar = 0;
  return {
    rc,
    step(over: Partial<Features> = {}, t: ToxAssessment = tox()) {
      bar++;
      return rc.update(calm({ bars: bar, ts: bar * 60_000, ...over }), t);
    },
  };
}

describe("regime config (spec 17.6, 17.19)", () => {
  it("{} gives the defaults; exit thresholds may not exceed enter thresholds", () => {
    const c = RegimeConfigSchema.parse({});
    expect(c.min_dwell_bars).to.equal(5);
    expect(c.trend_enter_th).to.equal(1);
    expect(RegimeConfigSchema.safeParse({ trend_exit_th: 2 }).success).to.equal(false);
    expect(RegimeConfigSchema.safeParse({ vol_exit_ratio: 3 }).success).to.equal(false);
    expect(RegimeConfigSchema.safeParse({ tox_exit_severity: "EXTREME" }).success).to.equal(false);
    expect(() => new RegimeController("X", { min_dwell_bars: -1 })).to.throw(/E_CONFIG.*regime\.min_dwell_bars/);
  });
});

describe("regime controller: precedence (spec 17.6.2)", () => {
  // From RANGE every candidate is an escalation, so it is taken at once.
  const table: Array<[string, Partial<Features>, ToxAssessment["severity"], Regime, string]> = [
    ["calm", {}, "LOW", "RANGE", "REGIME_RANGE"],
    ["not warm", { warm: false, trend_strength: null }, "LOW", "RANGE", "REGIME_WARMUP"],
    ["trend up", { trend_strength: 1.2 }, "LOW", "TREND_UP", REGIME_TREND_UP],
    ["trend down", { trend_strength: -1.2 }, "LOW", "TREND_DOWN", "REGIME_TREND_DOWN"],
    ["trend below threshold", { trend_strength: 0.9 }, "LOW", "RANGE", "REGIME_RANGE"],
    ["tox MID is not TOXIC", {}, "MID", "RANGE", "REGIME_RANGE"],
    ["tox HIGH beats trend", { trend_strength: 3 }, "HIGH", "TOXIC", REGIME_TOX],
    ["thin top of book (absolute)", { thin_l1_quote: 1_000, trend_strength: 3 }, "LOW", "THIN_BOOK", REGIME_THIN_L1],
    ["thin depth (absolute)", { depth_topn_usd: 10_000 }, "LOW", "THIN_BOOK", REGIME_THIN_DEPTH],
    ["L2 stale", { l2_stale: true }, "MID", "THIN_BOOK", REGIME_L2_STALE],
    ["L1 stale", { l1_stale: true }, "MID", "THIN_BOOK", "REGIME_L1_STALE"],
    ["tox beats thin", { thin_l1_quote: 1 }, "EXTREME", "TOXIC", REGIME_TOX],
  ];
  for (const [name, over, sev, want, reason] of table) {
    it(`table: ${name} → ${want}`, () => {
      const d = driver().step(over, tox(sev));
      expect(d.regime).to.equal(want);
      expect(d.reasons[0]).to.equal(reason);
      expect(d.changed).to.equal(want !== "RANGE");
    });
  }

  it("vol shock: NATR ≥ 2× its slow baseline after warm-up, or a bar move ≥ 4 baseline NATRs; thin beats it", () => {
    const a = driver();
    for (let i = 0; i < 40; i++) expect(a.step().regime).to.equal("RANGE");
    const d = a.step({ natr: 0.0025 });
    expect(d.regime).to.equal("VOL_SHOCK");
    expect(d.reasons).to.include(REGIME_VOL_RATIO);
    const b = driver();
    for (let i = 0; i < 40; i++) b.step();
    expect(b.step({ bar_return: -0.0045 }).reasons).to.include(REGIME_VOL_JUMP);
    expect(b.rc.regime).to.equal("VOL_SHOCK");
    expect(b.step({ natr: 0.005, thin_l1_quote: 10 }).regime, "THIN_BOOK > VOL_SHOCK").to.equal("THIN_BOOK");
    const c = driver();
    expect(c.step({ natr: 0.01 }).regime, "no vol shock before the baseline is warm").to.equal("RANGE");
  });

  it("relative thin book: depth under 25 % of its own baseline after warm-up", () => {
    const a = driver();
    for (let i = 0; i < 40; i++) a.step({ depth_topn_usd: 2_000_000, thin_l1_quote: 40_000 });
    expect(a.step({ depth_topn_usd: 600_000, thin_l1_quote: 40_000 }).regime).to.equal("RANGE");
    const d = a.step({ depth_topn_usd: 400_000, thin_l1_quote: 40_000 });
    expect(d.regime).to.equal("THIN_BOOK");
    expect(d.reasons).to.include(REGIME_THIN_DEPTH);
    expect(a.rc.diagnostics.depth_ratio).to.be.closeTo(0.2, 0.01);
  });
});

describe("regime controller: hysteresis and dwell (ADR hysteresis rule)", () => {
  it("de-escalation waits min_dwell_bars; escalation does not", () => {
    const a = driver({ min_dwell_bars: 5 });
    expect(a.step({}, tox("HIGH")).regime).to.equal("TOXIC");
    for (let i = 0; i < 4; i++) {
      const d = a.step();
      expect(d.regime, `bar ${i + 2}`).to.equal("TOXIC");
      expect(d.reasons).to.include(REGIME_DWELL_HOLD);
    }
    expect(a.step().regime, "after 5 bars").to.equal("RANGE");
    // Escalation from TREND to TOXIC right after entering TREND.
    const b = driver({ min_dwell_bars: 5 });
    b.step({ trend_strength: 2 });
    expect(b.step({ trend_strength: 2 }, tox("HIGH")).regime).to.equal("TOXIC");
  });

  it("the current regime is held with its exit threshold (trend: enter 1.0, exit 0.5)", () => {
    const a = driver({ min_dwell_bars: 0 });
    expect(a.step({ trend_strength: 1.0 }).regime).to.equal("TREND_UP");
    expect(a.step({ trend_strength: 0.6 }).regime, "0.6 ≥ exit").to.equal("TREND_UP");
    expect(a.step({ trend_strength: 0.49 }).regime, "below exit").to.equal("RANGE");
    expect(a.step({ trend_strength: 0.9 }).regime, "0.9 < enter").to.equal("RANGE");
    // TOXIC is held at MID, released at LOW.
    a.step({}, tox("HIGH"));
    expect(a.step({}, tox("MID")).regime).to.equal("TOXIC");
    expect(a.step({}, tox("LOW")).regime).to.equal("RANGE");
    // THIN_BOOK is left only above floor × 1.5.
    a.step({ thin_l1_quote: 1_000 });
    expect(a.step({ thin_l1_quote: 2_500 }).regime).to.equal("THIN_BOOK");
    expect(a.step({ thin_l1_quote: 3_100 }).regime).to.equal("RANGE");
  });

  it("TREND_UP → TREND_DOWN is a same-precedence change and waits for the dwell", () => {
    const a = driver({ min_dwell_bars: 3 });
    a.step({ trend_strength: 2 });
    expect(a.step({ trend_strength: -2 }).regime).to.equal("TREND_UP");
    expect(a.step({ trend_strength: -2 }).regime).to.equal("TREND_UP");
    expect(a.step({ trend_strength: -2 }).regime).to.equal("TREND_DOWN");
  });

  it("calling update several times within one bar does not advance the dwell", () => {
    const rc = new RegimeController("X", { min_dwell_bars: 2 });
    rc.update(calm({ bars: 1 }), tox("HIGH"));
    for (let i = 0; i < 10; i++) expect(rc.update(calm({ bars: 2 }), tox()).regime).to.equal("TOXIC");
    expect(rc.update(calm({ bars: 3 }), tox()).regime).to.equal("RANGE");
  });
});

describe("regime controller: latches and manual pause", () => {
  it("EMERGENCY is latched until resetEmergency; PAUSED is manual; EMERGENCY > PAUSED > TOXIC", () => {
    const a = driver();
    const t = a.rc.latchEmergency(5, "DD_BREACH");
    expect(t).to.deep.include({ from: "RANGE", to: "EMERGENCY", reasons: ["DD_BREACH"], ts: 5 });
    for (let i = 0; i < 20; i++) expect(a.step({ trend_strength: 3 }).regime).to.equal("EMERGENCY");
    expect(a.step().reasons).to.deep.equal([REGIME_KILL_SWITCH]);
    a.rc.setPaused(6, true);
    expect(a.rc.regime, "emergency wins over pause").to.equal("EMERGENCY");
    a.rc.resetEmergency(7);
    expect(a.rc.regime).to.equal("PAUSED");
    expect(a.step({}, tox("EXTREME")).regime, "PAUSED > TOXIC").to.equal("PAUSED");
    a.rc.setPaused(8, false);
    expect(a.rc.regime).to.equal("RANGE");
    expect(a.step({}, tox("HIGH")).regime, "re-classified at the next update").to.equal("TOXIC");
    expect(a.rc.transitions.map((x) => `${x.from}>${x.to}`)).to.deep.equal(["RANGE>EMERGENCY", "EMERGENCY>PAUSED", "PAUSED>RANGE", "RANGE>TOXIC"]);
  });

  it("latches EMERGENCY on EXTREME toxicity only when configured", () => {
    expect(driver().step({}, tox("EXTREME")).regime).to.equal("TOXIC");
    const a = driver({ emergency_on_extreme_tox: true });
    expect(a.step({}, tox("EXTREME")).regime).to.equal("EMERGENCY");
    for (let i = 0; i < 10; i++) expect(a.step().regime).to.equal("EMERGENCY");
  });

  it("the no-change path reuses the decision object and its reasons array, and records nothing", () => {
    const a = driver();
    const d1 = a.step();
    const r1 = d1.reasons;
    const d2 = a.step();
    expect(d2).to.equal(d1);
    expect(d2.reasons).to.equal(r1);
    expect(d2.changed).to.equal(false);
    expect(d2.transition).to.equal(undefined);
    expect(a.rc.transitions.length).to.equal(0);
  });
});

describe("regime controller properties (fast-check)", () => {
  const SEVS = ["LOW", "MID", "HIGH", "EXTREME"] as const;
  const barArb = fc.record({
    sev: fc.constantFrom(...SEVS),
    thin: fc.constantFrom(500, 2_500, 50_000),
    l2_stale: fc.boolean(),
    natr: fc.constantFrom(0.001, 0.0016, 0.0025, 0.004),
    ts: fc.constantFrom(-2, -0.7, 0, 0.3, 0.7, 1.2, 2),
    warm: fc.boolean(),
  });
  type BarIn = typeof barArb extends fc.Arbitrary<infer T> ? T : never;
  const cfgArb = fc.record({ min_dwell_bars: fc.integer({ min: 0, max: 6 }), baseline_warmup_bars: fc.integer({ min: 0, max: 5 }), vol_baseline_bars: fc.integer({ min: 1, max: 30 }) });
  const feat = (b: BarIn, i: number) =>
    calm({ bars: i + 1, ts: (i + 1) * 60_000, thin_l1_quote: b.thin, l2_stale: b.l2_stale, natr: b.natr, trend_strength: b.warm ? b.ts : null, warm: b.warm });
  const SEV_RANK = { LOW: 0, MID: 1, HIGH: 2, EXTREME: 3 };

  it("precedence: the regime is never below the highest condition that holds at its ENTER threshold (escalation is immediate)", () => {
    fc.assert(
      fc.property(cfgArb, fc.array(barArb, { minLength: 1, maxLength: 80 }), (cfg, bars) => {
        const full = RegimeConfigSchema.parse({ ...cfg, thin_l1_rel: 0, thin_depth_rel: 0 });
        const rc = new RegimeController("X", full);
        bars.forEach((b, i) => {
          const f = feat(b, i);
          const d = rc.update(f, tox(b.sev));
          const vr = rc.diagnostics.vol_ratio;
          let want: Regime = "RANGE";
          if (SEV_RANK[b.sev] >= 2) want = "TOXIC";
          else if (b.thin < full.thin_l1_min_quote || b.l2_stale) want = "THIN_BOOK";
          else if (vr !== null && vr >= full.vol_enter_ratio) want = "VOL_SHOCK";
          else if (b.warm && Math.abs(b.ts) >= full.trend_enter_th) want = b.ts > 0 ? "TREND_UP" : "TREND_DOWN";
          expect(REGIME_PRECEDENCE[d.regime], `bar ${i}: ${d.regime} vs ${want}`).to.be.at.least(REGIME_PRECEDENCE[want]);
          if (REGIME_PRECEDENCE[d.regime] === REGIME_PRECEDENCE[want] && want !== "RANGE" && want.startsWith("TREND") === false) expect(d.regime).to.equal(want);
        });
      }),
      { numRuns: 200 },
    );
  });

  it("no flapping: a de-escalation or a same-level change only after min_dwell_bars in the regime", () => {
    fc.assert(
      fc.property(cfgArb, fc.array(barArb, { minLength: 1, maxLength: 120 }), (cfg, bars) => {
        const rc = new RegimeController("X", cfg);
        let entered = 0;
        let prev: Regime = "RANGE";
        bars.forEach((b, i) => {
          const d = rc.update(feat(b, i), tox(b.sev));
          if (d.regime !== prev) {
            if (REGIME_PRECEDENCE[d.regime] <= REGIME_PRECEDENCE[prev]) expect(i + 1 - entered, `${prev}→${d.regime} at bar ${i + 1}`).to.be.at.least(cfg.min_dwell_bars);
            entered = i + 1;
            prev = d.regime;
          }
        });
      }),
      { numRuns: 200 },
    );
  });

  it("identical inputs → identical regimes and transitions; EMERGENCY stays latched (property)", () => {
    fc.assert(
      fc.property(cfgArb, fc.array(barArb, { minLength: 1, maxLength: 60 }), fc.nat(60), (cfg, bars, latchAt) => {
        const run = () => {
          const rc = new RegimeController("X", cfg);
          const out: Regime[] = [];
          bars.forEach((b, i) => {
            if (i === latchAt) rc.latchEmergency((i + 1) * 60_000);
            out.push(rc.update(feat(b, i), tox(b.sev)).regime);
          });
          return { out, tr: JSON.stringify(rc.transitions) };
        };
        const a = run();
        expect(run()).to.deep.equal(a);
        a.out.forEach((r, i) => {
          if (i >= latchAt) expect(r).to.equal("EMERGENCY");
        });
      }),
      { numRuns: 150 },
    );
  });
});
