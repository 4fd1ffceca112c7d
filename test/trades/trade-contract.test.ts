import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { ErrorCode, GrinderError } from "../../sdk/contracts/errors";
import { isTrade, TradeSchema, TS_MAX_MS, TS_MIN_MS, type FixtureEvent, type Trade } from "../../sdk/contracts/market";
import { FixtureWriter, openFixture, streamFixture, validateFixture } from "../../sdk/data/fixture";
import { streamFixtureEvents, streamTradeFile, TradeWriter, validateFixtureTrades, validateTradeRow } from "../../sdk/data/trades";
import { collect, l1, rejection, T0, tmpDir, writeLines } from "../data/helpers";

const SEED = { seed: 12_2024 };

function trade(i: number, over: Partial<Trade> = {}): Trade {
  return { ts: T0 + i * 1000, symbol: "AAAUSDT", price: 100.01, qty: 0.5, aggressor: i % 2 ? "SELL" : "BUY", id: 1000 + i, ...over };
}

function fastAccepts(row: unknown): boolean {
  try {
    validateTradeRow(row);
    return true;
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(GrinderError);
    return false;
  }
}

const validTrade = fc.record({
  ts: fc.integer({ min: TS_MIN_MS, max: TS_MAX_MS }),
  symbol: fc.string({ minLength: 1, maxLength: 8 }),
  price: fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
  qty: fc.double({ min: 1e-8, max: 1e6, noNaN: true }),
  aggressor: fc.constantFrom("BUY" as const, "SELL" as const),
  id: fc.maxSafeNat(),
});
const DELETE = Symbol("delete");
const NASTY: unknown[] = [null, "1", "", true, 0, -0, -1, 1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, "BUY", "SELL", "buy", [], {}, DELETE];
const mutation = fc.record({ key: fc.constantFrom("ts", "symbol", "price", "qty", "aggressor", "id", "side", "book"), value: fc.oneof(fc.constantFrom(...NASTY), fc.double(), fc.integer(), fc.string({ maxLength: 4 })) });

describe("trades: Trade contract, fast validator ≡ zod TradeSchema (property)", () => {
  it("both accept every valid trade", () => {
    fc.assert(
      fc.property(validTrade, (t) => {
        expect(fastAccepts(t), JSON.stringify(t)).to.equal(true);
        expect(TradeSchema.safeParse(t).success).to.equal(true);
      }),
      { ...SEED, numRuns: 1000 },
    );
  });

  it("accept and reject the same mutated trades", () => {
    let rejected = 0;
    fc.assert(
      fc.property(validTrade, fc.array(mutation, { minLength: 1, maxLength: 3 }), (base, muts) => {
        const row: Record<string, unknown> = { ...base };
        for (const m of muts) {
          if (m.value === DELETE) delete row[m.key];
          else row[m.key] = m.value;
        }
        const zod = TradeSchema.safeParse(row).success;
        if (!zod) rejected++;
        expect(fastAccepts(row), JSON.stringify(row)).to.equal(zod);
      }),
      { ...SEED, numRuns: 4000 },
    );
    expect(rejected).to.be.greaterThan(1000);
  });

  it("isTrade tells a trade from a snapshot", () => {
    expect(isTrade(trade(1))).to.equal(true);
    expect(isTrade(l1(1) as unknown as FixtureEvent)).to.equal(false);
  });
});

describe("trades: sidecar loader (file, line, field on every bad row)", () => {
  const BAD: Array<[string, string, ErrorCode, string | undefined]> = [
    ["malformed JSON", '{"ts": 1', ErrorCode.PARSE, undefined],
    ["missing aggressor", JSON.stringify({ ...trade(2), aggressor: undefined }), ErrorCode.MISSING_FIELD, "aggressor"],
    ["bad aggressor", JSON.stringify(trade(2, { aggressor: "buy" as never })), ErrorCode.BAD_TYPE, "aggressor"],
    ["zero qty", JSON.stringify(trade(2, { qty: 0 })), ErrorCode.BAD_NUMBER, "qty"],
    ["string price", JSON.stringify({ ...trade(2), price: "100" }), ErrorCode.BAD_TYPE, "price"],
    ["fractional id", JSON.stringify(trade(2, { id: 1.5 })), ErrorCode.BAD_NUMBER, "id"],
    ["extra field", JSON.stringify({ ...trade(2), side: "BUY" }), ErrorCode.EXTRA_FIELD, "side"],
    ["time backwards", JSON.stringify(trade(0)), ErrorCode.TIME_BACKWARDS, "ts"],
    ["unknown symbol", JSON.stringify(trade(2, { symbol: "ZZZ" })), ErrorCode.UNKNOWN_SYMBOL, "symbol"],
  ];
  for (const [title, bad, code, field] of BAD) {
    it(`${title} → ${code} at line 3${field ? `, field ${field}` : ""}`, async () => {
      const { dir, cleanup } = tmpDir();
      try {
        const file = writeLines(path.join(dir, "trades.jsonl"), [JSON.stringify(trade(0)), JSON.stringify(trade(1)), bad, JSON.stringify(trade(3))]);
        const err = await rejection(collect(streamTradeFile(file, { symbols: ["AAAUSDT"] })));
        expect(err.code).to.equal(code);
        expect(err.line).to.equal(3);
        expect(err.file).to.equal(file);
        expect(err.field).to.equal(field);
        // lenient: skipped and counted, the others kept
        const report = { file, lines: 0, trailingBlank: 0, accepted: 0, rejected: {}, rejectedTotal: 0, examples: [] };
        const got = await collect(streamTradeFile(file, { symbols: ["AAAUSDT"], lenient: true, report }));
        expect(got.map((t) => t.id)).to.deep.equal([1000, 1001, 1003]);
        expect(report.rejectedTotal).to.equal(1);
      } finally {
        cleanup();
      }
    });
  }
});

async function writeFixture(dir: string, snaps: Array<Record<string, unknown>>, trades: Trade[] | undefined, gzip = false): Promise<void> {
  const w = await FixtureWriter.create(dir, { name: "t", description: "trades test", scenario: {}, symbols: [{ symbol: "AAAUSDT", tick_size: 0.01, lot_size: 0.001, min_notional: 0 }], gzip });
  for (const s of snaps) await w.write(s as never);
  if (trades) {
    const tw = TradeWriter.create(w.stagingDir, ["AAAUSDT"], gzip);
    for (const t of trades) await tw.write(t);
    w.setTrades(await tw.close());
  }
  await w.close();
}

describe("trades: fixtures with a trades sidecar", () => {
  it("merges by time, trades before snapshots at equal ts, file order within a kind", async () => {
    const { dir, cleanup } = tmpDir();
    try {
      const fx = path.join(dir, "fx");
      const snaps = [l1(0), l1(1), l1(2), l1(4)];
      const trades = [trade(1, { id: 1 }), trade(1, { id: 2 }), trade(3, { id: 3 }), trade(5, { id: 4 })];
      await writeFixture(fx, snaps, trades);
      const ev = await collect(streamFixtureEvents(fx));
      const seq = ev.map((e) => (isTrade(e) ? `T${e.id}` : `S${(e.ts - T0) / 1000}`));
      expect(seq).to.deep.equal(["S0", "T1", "T2", "S1", "S2", "T3", "S4", "T4"]);
      // the snapshots file and its hash are what they would be without trades
      const plain = path.join(dir, "plain");
      await writeFixture(plain, snaps, undefined);
      expect(openFixture(fx).manifest.content_sha256).to.equal(openFixture(plain).manifest.content_sha256);
      expect(openFixture(plain).manifest.trades).to.equal(undefined);
      expect((await collect(streamFixtureEvents(plain))).length).to.equal(4);
      expect((await collect(streamFixture(fx))).length).to.equal(4);
      const v = await validateFixtureTrades(fx);
      expect(v?.rows).to.equal(4);
      expect(v?.buy).to.equal(0 + 0); // ids 1..4 at odd seconds → SELL
      expect(v?.sell).to.equal(4);
      expect(await validateFixtureTrades(plain)).to.equal(undefined);
      await validateFixture(fx); // snapshots still valid
    } finally {
      cleanup();
    }
  });

  it("a changed trades file is a hash refusal; gz = plain", async () => {
    const { dir, cleanup } = tmpDir();
    try {
      const fx = path.join(dir, "fx");
      const gz = path.join(dir, "gz");
      const trades = [trade(1), trade(2)];
      await writeFixture(fx, [l1(0), l1(3)], trades);
      await writeFixture(gz, [l1(0), l1(3)], trades, true);
      expect(openFixture(gz).manifest.trades?.file).to.equal("trades.jsonl.gz");
      expect(openFixture(gz).manifest.trades?.content_sha256).to.equal(openFixture(fx).manifest.trades?.content_sha256);
      writeFileSync(path.join(fx, "trades.jsonl"), [trade(1), trade(2, { qty: 0.6 })].map((t) => JSON.stringify(t) + "\n").join(""));
      const err = await rejection(validateFixtureTrades(fx));
      expect(err.code).to.equal(ErrorCode.HASH_MISMATCH);
      expect(err.field).to.equal("trades.content_sha256");
    } finally {
      cleanup();
    }
  });

  it("TradeWriter refuses what the loader would (bad row, time backwards)", async () => {
    const { dir, cleanup } = tmpDir();
    try {
      const tw = TradeWriter.create(dir, ["AAAUSDT"], false);
      await tw.write(trade(2));
      const e1 = await rejection(tw.write(trade(1)));
      expect(e1.code).to.equal(ErrorCode.TIME_BACKWARDS);
      const e2 = await rejection(tw.write(trade(3, { aggressor: "X" as never })));
      expect([e2.code, e2.field, e2.line]).to.deep.equal([ErrorCode.BAD_TYPE, "aggressor", 2]);
      await tw.close();
    } finally {
      cleanup();
    }
  });
});
