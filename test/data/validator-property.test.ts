import { expect } from "chai";
import fc from "fast-check";
import { GrinderError } from "../../sdk/contracts/errors";
import { SnapshotSchema, TS_MAX_MS, TS_MIN_MS, type BookLevel } from "../../sdk/contracts/market";
import { validateSnapshotRow } from "../../sdk/data/validate";

/** Strictly monotone price ladders from positive steps. */
function ladder(start: number, steps: number[], dir: 1 | -1): number[] {
  const out: number[] = [];
  let p = start;
  for (const s of steps) {
    out.push(p);
    p = p + dir * s;
  }
  return out.filter((x) => x > 0);
}

const positive = fc.double({ min: 1e-6, max: 1e6, noNaN: true, noDefaultInfinity: true });
const step = fc.double({ min: 1e-4, max: 5, noNaN: true, noDefaultInfinity: true });

const bookArb = fc
  .record({
    top: fc.double({ min: 1000, max: 1e5, noNaN: true }),
    spread: step,
    bidSteps: fc.array(step, { maxLength: 12 }),
    askSteps: fc.array(step, { maxLength: 12 }),
    qtys: fc.array(positive, { minLength: 24, maxLength: 24 }),
    ts: fc.option(fc.nat({ max: 3_600_000 }), { nil: undefined }),
    stale: fc.option(fc.boolean(), { nil: undefined }),
  })
  .map(({ top, spread, bidSteps, askSteps, qtys, ts, stale }) => {
    const bids: BookLevel[] = ladder(top, bidSteps, -1).map((price, i) => ({ price, qty: qtys[i] }));
    const asks: BookLevel[] = ladder(top + spread, askSteps, 1).map((price, i) => ({ price, qty: qtys[12 + i] }));
    return { top, spread, book: { bids, asks, ...(ts !== undefined ? { ts } : {}), ...(stale !== undefined ? { stale } : {}) } };
  });

/** A valid Snapshot (L1, or L2 with L1 = book top when the book has levels). */
const validRow = fc
  .record({
    ts: fc.integer({ min: TS_MIN_MS + 3_600_000, max: TS_MAX_MS }),
    symbol: fc.string({ minLength: 1, maxLength: 8 }),
    bid: fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
    spread: step,
    bid_qty: positive,
    ask_qty: positive,
    last_price: fc.option(positive, { nil: undefined }),
    funding_rate: fc.option(fc.double({ min: -0.01, max: 0.01, noNaN: true }), { nil: undefined }),
    book: fc.option(bookArb, { nil: undefined }),
  })
  .map((r) => {
    const row: Record<string, unknown> = { ts: r.ts, symbol: r.symbol, bid_price: r.bid, bid_qty: r.bid_qty, ask_price: r.bid + r.spread, ask_qty: r.ask_qty };
    if (r.last_price !== undefined) row.last_price = r.last_price;
    if (r.funding_rate !== undefined) row.funding_rate = r.funding_rate;
    if (r.book) {
      // book.ts is an age before the row's ts (a book is never newer than its row).
      const b = r.book.book as { ts?: number };
      row.book = b.ts === undefined ? r.book.book : { ...r.book.book, ts: r.ts - b.ts };
      row.bid_price = r.book.top;
      row.ask_price = r.book.top + r.book.spread;
    }
    return row;
  });

const NASTY: unknown[] = [TS_MIN_MS - 1, TS_MAX_MS + 1, 1e300, 2 ** 53, null, "1", "", true, false, 0, -0, -1, 1, 1.5, NaN, Infinity, -Infinity, 1e308, 5e-324, -5e-324, [], {}, [1], { price: 1, qty: 1 }, { price: 1 }, 2 ** 53 + 2, -(2 ** 31)];
const DELETE = Symbol("delete");
const valueArb = fc.oneof(fc.constantFrom(...NASTY, DELETE), fc.double(), fc.integer(), fc.string({ maxLength: 3 }));

const PATHS = [
  "ts", "symbol", "bid_price", "bid_qty", "ask_price", "ask_qty", "last_price", "funding_rate", "foo", "__proto__x",
  "book", "book.bids", "book.asks", "book.ts", "book.stale", "book.depth",
  "book.bids.0", "book.bids.1", "book.asks.0", "book.asks.2",
  "book.bids.0.price", "book.bids.1.price", "book.bids.0.qty", "book.asks.0.price", "book.asks.1.price", "book.asks.1.qty", "book.asks.0.side",
];

type Mutation = { kind: "set"; path: string; value: unknown } | { kind: "swap" } | { kind: "reverse"; side: "bids" | "asks" } | { kind: "dup"; side: "bids" | "asks" };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant("set" as const), path: fc.constantFrom(...PATHS), value: valueArb }) },
  { weight: 1, arbitrary: fc.constant({ kind: "swap" as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reverse" as const), side: fc.constantFrom("bids" as const, "asks" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("dup" as const), side: fc.constantFrom("bids" as const, "asks" as const) }) },
);

function apply(row: Record<string, unknown>, m: Mutation): void {
  const book = row.book as Record<string, unknown> | undefined;
  if (m.kind === "swap") {
    [row.bid_price, row.ask_price] = [row.ask_price, row.bid_price];
    return;
  }
  if (m.kind === "reverse" || m.kind === "dup") {
    const lv = book?.[m.side];
    if (!Array.isArray(lv)) return;
    if (m.kind === "reverse") lv.reverse();
    else if (lv.length) lv.push({ ...(lv[lv.length - 1] as object) });
    return;
  }
  const parts = m.path.split(".");
  let obj: unknown = row;
  for (const p of parts.slice(0, -1)) {
    if (obj === null || typeof obj !== "object") return;
    obj = (obj as Record<string, unknown>)[p];
  }
  if (obj === null || typeof obj !== "object") return;
  const key = parts[parts.length - 1];
  if (m.value === DELETE) delete (obj as Record<string, unknown>)[key];
  else (obj as Record<string, unknown>)[key] = m.value;
}

function fastAccepts(row: unknown): boolean {
  try {
    validateSnapshotRow(row);
    return true;
  } catch (e) {
    // Anything but a GrinderError is a validator bug (a crash on odd input).
    expect(e, String(e)).to.be.instanceOf(GrinderError);
    return false;
  }
}

describe("data: fast row validator ≡ zod SnapshotSchema (property)", () => {
  it("both accept every valid row", () => {
    fc.assert(
      fc.property(validRow, (row) => {
        expect(fastAccepts(row), JSON.stringify(row)).to.equal(true);
        expect(SnapshotSchema.safeParse(row).success).to.equal(true);
      }),
      { numRuns: 1000 },
    );
  });

  it("accept and reject the same mutated rows", () => {
    let rejected = 0;
    fc.assert(
      fc.property(validRow, fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (base, muts) => {
        // Clone the mutations too: a mutation's value is inserted by reference, and fast-check
        // reuses generated values while shrinking, so a shared value could be mutated into a cycle.
        const row = structuredClone(base);
        for (const m of muts) apply(row, m.kind === "set" && typeof m.value === "object" && m.value !== null ? { ...m, value: structuredClone(m.value) } : m);
        const fast = fastAccepts(row);
        const zod = SnapshotSchema.safeParse(row).success;
        if (!zod) rejected++;
        if (fast !== zod) expect.fail(`fast=${fast} zod=${zod} row=${safeJson(row)} muts=${safeJson(muts)}`);
      }),
      { numRuns: 5000 },
    );
    expect(rejected, "the mutations must produce bad rows, not only good ones").to.be.greaterThan(1000);
  });

  it("agree on rows that went through JSON text (1e999 → Infinity, no NaN)", () => {
    fc.assert(
      fc.property(validRow, fc.constantFrom("bid_price", "ask_qty", "last_price", "ts"), fc.constantFrom("1e999", "-1e999", "null", "0", "-0", "1e-400", '"7"'), (base, field, raw) => {
        const text = JSON.stringify({ ...base, [field]: "@@" }).replace('"@@"', raw);
        const row = JSON.parse(text);
        expect(fastAccepts(row), text).to.equal(SnapshotSchema.safeParse(row).success);
      }),
      { numRuns: 500 },
    );
  });
});

/** JSON for a failure message; a value that cannot be serialised is shown as such, not thrown. */
function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch (e) {
    return `<${(e as Error).message}>`;
  }
}
