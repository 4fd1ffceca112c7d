import Decimal from "decimal.js";
import { ErrorCode, GrinderError } from "../contracts/errors";
import type { MarkRecord } from "../contracts/events";
import type { Side } from "../contracts/trading";
import { contractPnl, type ContractTerms } from "./contract";
import {
  EXACT_ZERO, exactAbs, exactAdd, exactDiv, exactIsPositive, exactIsZero, exactMul, exactOfDecimal, exactOfNumber, exactSub, exactToNumber, type ExactDecimal,
} from "./exact-decimal";

/** Per-symbol booked state, in decimal arithmetic (DESIGN: decimal.js in the ledger). */
export interface SymbolBook {
  symbol: string;
  /** Signed base quantity. */
  position: Decimal;
  /** Average entry price of the open position (0 when flat). */
  avg_entry: Decimal;
  /** Realised PnL before fees (quote). */
  realized: Decimal;
  /** Fees paid (quote, positive = paid). */
  fees: Decimal;
  /** Σ |price·qty| of fills (quote). */
  turnover: Decimal;
  fills: number;
  /** Last mark price (mid). */
  mark: number;
  // float shadows for the per-snapshot mark path (refreshed on every fill)
  posF: number;
  avgF: number;
  realizedF: number;
  feesF: number;
  /** Largest |position·mark| seen (quote). */
  max_inventory_notional: number;
  /** Contract multiplier (1 = spot-like) and inverse flag (ADR-120). */
  mult: number;
  inverse: boolean;
  /** True for the default linear M = 1 book: booked exactly as before contract terms existed. */
  plain: boolean;
}

export interface SymbolLedgerView {
  symbol: string;
  position: number;
  avg_entry: number;
  realized_pnl: number;
  unrealized_pnl: number;
  fees: number;
  turnover: number;
  inventory_notional: number;
  max_inventory_notional: number;
  mark: number;
  fills: number;
  /** "base" for an inverse instrument: realized_pnl, unrealized_pnl and fees are in the base coin (ADR-120). Absent = quote. */
  settlement?: "base";
}

export interface PortfolioLedgerView {
  equity: number;
  initial_equity: number;
  realized_pnl: number;
  unrealized_pnl: number;
  fees: number;
  turnover: number;
  inventory_notional: number;
  effective_leverage: number;
  symbols: SymbolLedgerView[];
}

/** What a mark record needs of the ledger (`Ledger.markView`; a `PortfolioLedgerView` is one). */
export type MarkView = Pick<MarkRecord, "equity" | "realized_pnl" | "unrealized_pnl" | "fees" | "inventory_notional" | "effective_leverage"> & {
  symbols: ReadonlyArray<MarkRecord["symbols"][number]>;
};

interface MarkCache {
  fills: number;
  realized: Decimal;
  fees: Decimal;
  realizedN: number;
  feesN: number;
  position: number[];
  avgEntry: number[];
  /** The same sums, positions and entries as exact decimals (null: some value has no finite decimal form → decimal.js path). */
  exact: { realized: ExactDecimal; fees: ExactDecimal; position: ExactDecimal[]; avgEntry: ExactDecimal[] } | null;
}

/**
 * Positions and PnL per symbol and for the portfolio (average-cost method).
 * equity = initial + Σ realised + Σ unrealised − Σ fees. Fills are booked in decimal; the
 * per-snapshot mark (`markFloat`, `equityFloat`) uses float shadows of the booked values so the
 * hot loop does not allocate — reported views recompute in decimal.
 *
 * Contract terms (ADR-120): a symbol may carry a multiplier M and an inverse flag. Positions are
 * then in contracts. Linear: PnL = M·q·(exit − entry), notional M·q·price (quote). Inverse:
 * PnL = M·q·(1/entry − 1/exit) in the base coin, average entry harmonic, notional M·q (quote);
 * the symbol's realised / unrealised PnL and fees stay in the base coin in `symbolView`, and
 * the portfolio (equity, drawdown, leverage, totals) is in quote with each inverse symbol's coin
 * amounts converted at its current mark. Symbols without terms (M = 1, linear) book exactly as
 * before.
 */
export class Ledger {
  readonly initialEquity: Decimal;
  private readonly initialF: number;
  private readonly books: SymbolBook[] = [];
  private readonly index = new Map<string, SymbolBook>();
  /** Fills booked so far (all symbols): what `markView` caches is valid while it is unchanged. */
  private fillCount = 0;
  private markCache: MarkCache | null = null;
  /** True when every book is linear with multiplier 1 (`markView`'s cached path). */
  private readonly allPlain: boolean;

  constructor(initialEquity: number, symbols: Iterable<string>, terms?: ReadonlyMap<string, ContractTerms>) {
    this.initialEquity = new Decimal(initialEquity);
    this.initialF = this.initialEquity.toNumber();
    this.initialExact = exactOfDecimal(this.initialEquity);
    for (const s of [...symbols].sort()) {
      const b: SymbolBook = {
        symbol: s,
        position: new Decimal(0),
        avg_entry: new Decimal(0),
        realized: new Decimal(0),
        fees: new Decimal(0),
        turnover: new Decimal(0),
        fills: 0,
        // 0.5: the float fields get the double representation from the start (values set
        // below); a field created holding a small integer changes the book's hidden class at
        // its first fractional store (the first fill, after the hot loop was optimised), and
        // every optimised reader of the book deoptimised on the old class ("wrong map")
        mark: 0.5,
        posF: 0.5,
        avgF: 0.5,
        realizedF: 0.5,
        feesF: 0.5,
        max_inventory_notional: 0.5,
        mult: 0.5,
        inverse: false,
        plain: true,
      };
      b.mark = b.posF = b.avgF = b.realizedF = b.feesF = b.max_inventory_notional = 0;
      b.mult = 1;
      const t = terms?.get(s);
      if (t !== undefined) {
        if (!(t.multiplier > 0) || !Number.isFinite(t.multiplier))
          throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `contract multiplier of '${s}' must be positive, got ${t.multiplier}`, { field: "contract_multiplier" });
        b.mult = t.multiplier;
        b.inverse = t.inverse;
        b.plain = t.multiplier === 1 && !t.inverse;
      }
      this.books.push(b);
      this.index.set(s, b);
    }
    this.allPlain = this.books.every((b) => b.plain);
  }

  book(symbol: string): SymbolBook {
    const b = this.index.get(symbol);
    if (!b) throw new GrinderError(ErrorCode.UNKNOWN_SYMBOL, `ledger has no symbol '${symbol}'`);
    return b;
  }

  /**
   * Book a fill. Returns the realised PnL (before fees) this fill produced.
   * Average cost: adding keeps a weighted average entry; reducing realises (p − avg)·q·sign;
   * a fill through zero closes the old position and opens the rest at the fill price.
   */
  applyFill(symbol: string, side: Side, price: number, qty: number, fee: number): Decimal {
    if (!(qty > 0) || !(price > 0) || !Number.isFinite(fee))
      throw new GrinderError(ErrorCode.INVARIANT, `bad fill ${side} ${qty}@${price} fee ${fee}`);
    const b = this.book(symbol);
    if (!b.plain) return this.applyContractFill(b, side, price, qty, fee);
    const p = new Decimal(price);
    const q = new Decimal(qty);
    const signed = side === "BUY" ? q : q.neg();
    const pos = b.position;
    let realized = new Decimal(0);
    if (pos.isZero() || pos.isPositive() === signed.isPositive()) {
      const newPos = pos.add(signed);
      b.avg_entry = b.avg_entry.mul(pos.abs()).add(p.mul(q)).div(newPos.abs());
      b.position = newPos;
    } else {
      const closeQty = Decimal.min(pos.abs(), q);
      realized = p.sub(b.avg_entry).mul(closeQty).mul(pos.isPositive() ? 1 : -1);
      const newPos = pos.add(signed);
      if (newPos.isZero()) b.avg_entry = new Decimal(0);
      else if (newPos.isPositive() !== pos.isPositive()) b.avg_entry = p;
      b.position = newPos;
    }
    b.realized = b.realized.add(realized);
    b.fees = b.fees.add(fee);
    b.turnover = b.turnover.add(p.mul(q));
    b.fills++;
    this.fillCount++;
    b.posF = b.position.toNumber();
    b.avgF = b.avg_entry.toNumber();
    b.realizedF = b.realized.toNumber();
    b.feesF = b.fees.toNumber();
    if (b.mark === 0) b.mark = price;
    this.trackInventory(b);
    return realized;
  }

  /** `applyFill` under contract terms (ADR-120): positions in contracts, PnL in the settlement currency. */
  private applyContractFill(b: SymbolBook, side: Side, price: number, qty: number, fee: number): Decimal {
    const p = new Decimal(price);
    const q = new Decimal(qty);
    const signed = side === "BUY" ? q : q.neg();
    const pos = b.position;
    let realized = new Decimal(0);
    if (pos.isZero() || pos.isPositive() === signed.isPositive()) {
      const n = pos.abs().add(q);
      b.avg_entry = b.inverse
        ? n.div((pos.isZero() ? new Decimal(0) : pos.abs().div(b.avg_entry)).add(q.div(p)))
        : b.avg_entry.mul(pos.abs()).add(p.mul(q)).div(n);
      b.position = pos.add(signed);
    } else {
      const closeQty = Decimal.min(pos.abs(), q);
      realized = contractPnl({ multiplier: b.mult, inverse: b.inverse }, pos.isPositive() ? "BUY" : "SELL", closeQty, b.avg_entry, p);
      const newPos = pos.add(signed);
      if (newPos.isZero()) b.avg_entry = new Decimal(0);
      else if (newPos.isPositive() !== pos.isPositive()) b.avg_entry = p;
      b.position = newPos;
    }
    b.realized = b.realized.add(realized);
    b.fees = b.fees.add(fee);
    // turnover in quote: M·q·p linear, M·q inverse
    b.turnover = b.turnover.add(b.inverse ? q.mul(b.mult) : p.mul(q).mul(b.mult));
    b.fills++;
    this.fillCount++;
    b.posF = b.position.toNumber();
    b.avgF = b.avg_entry.toNumber();
    b.realizedF = b.realized.toNumber();
    b.feesF = b.fees.toNumber();
    if (b.mark === 0) b.mark = price;
    this.trackInventory(b);
    return realized;
  }

  /** Inventory notional of a book at `mark` (quote, float): |q·mark| spot-like, |M·q·mark| linear, |M·q| inverse. */
  notionalFloat(b: SymbolBook, mark: number): number {
    return b.plain ? Math.abs(b.posF * mark) : b.inverse ? Math.abs(b.posF * b.mult) : Math.abs(b.posF * b.mult * mark);
  }

  /** A book's contribution to equity at its mark (quote, float): realised − fees + unrealised, coin amounts × mark for inverse. */
  private static pnlF(b: SymbolBook): number {
    if (b.plain) return b.realizedF - b.feesF + (b.posF === 0 ? 0 : b.posF * (b.mark - b.avgF));
    if (!b.inverse) return b.realizedF - b.feesF + (b.posF === 0 ? 0 : b.posF * b.mult * (b.mark - b.avgF));
    const coin = b.realizedF - b.feesF + (b.posF === 0 ? 0 : b.posF * b.mult * (1 / b.avgF - 1 / b.mark));
    return coin * b.mark;
  }

  /**
   * Mark a symbol at a quote's mid. Takes the snapshot object rather than a number: passing a
   * non-integer double to a call that is not inlined boxes it (a heap allocation per snapshot).
   */
  markQuote(b: SymbolBook, q: { bid_price: number; ask_price: number }): void {
    b.mark = (q.bid_price + q.ask_price) / 2;
    const inv = b.plain ? Math.abs(b.posF * b.mark) : this.notionalFloat(b, b.mark);
    // an unconditional store (the larger value): a store first made at the first fill, after
    // the loop was optimised, had no type feedback and deoptimised it
    const m = b.max_inventory_notional;
    b.max_inventory_notional = inv > m ? inv : m;
  }

  /** Update a symbol's mark (mid) — float only, no allocation. */
  markFloat(symbol: SymbolBook, mid: number): void {
    symbol.mark = mid;
    this.trackInventory(symbol);
  }

  private trackInventory(b: SymbolBook): void {
    const inv = b.plain ? Math.abs(b.posF * b.mark) : this.notionalFloat(b, b.mark);
    if (inv > b.max_inventory_notional) b.max_inventory_notional = inv;
  }

  /**
   * Write the portfolio equity at the current marks into `out[i]` (hot path: a returned double
   * would be boxed, i.e. allocated, when the call is not inlined).
   */
  equityInto(out: Float64Array, i: number): void {
    // accumulate in a local read back from the typed slot (a double from the start): a local
    // that starts as a small integer and turns fractional was measured to allocate a heap
    // number per call. One slot write instead of one read-modify-write per book; the same sums
    // in the same order.
    out[i] = this.initialF;
    let e = out[i];
    const books = this.books;
    for (let k = 0; k < books.length; k++) {
      const b = books[k];
      // the unrealised term is evaluated also when flat (and then not used): a product first
      // computed at the first fill, after the loop was optimised, had no type feedback and
      // deoptimised it
      const u = b.posF * (b.mark - b.avgF);
      if (b.plain) e += b.realizedF - b.feesF + (b.posF === 0 ? 0 : u);
      else if (!b.inverse) e += b.realizedF - b.feesF + (b.posF === 0 ? 0 : b.posF * b.mult * (b.mark - b.avgF));
      else e += (b.realizedF - b.feesF + (b.posF === 0 ? 0 : b.posF * b.mult * (1 / b.avgF - 1 / b.mark))) * b.mark;
    }
    out[i] = e;
  }

  /** Portfolio equity at the current marks (float path, for guards). */
  equityFloat(): number {
    let e = this.initialF;
    for (let i = 0; i < this.books.length; i++) {
      const b = this.books[i];
      e += b.plain ? b.realizedF - b.feesF + (b.posF === 0 ? 0 : b.posF * (b.mark - b.avgF)) : Ledger.pnlF(b);
    }
    return e;
  }

  /** Σ |position·mark| / equity (float path). */
  leverageFloat(equity: number): number {
    let n = 0;
    for (let i = 0; i < this.books.length; i++) {
      const b = this.books[i];
      n += b.plain ? Math.abs(b.posF * b.mark) : this.notionalFloat(b, b.mark);
    }
    return equity > 0 ? n / equity : Infinity;
  }

  symbols(): ReadonlyArray<SymbolBook> {
    return this.books;
  }

  /** Exact decimal view of one symbol at its last mark. */
  symbolView(symbol: string): SymbolLedgerView {
    const b = this.book(symbol);
    if (!b.plain) return this.contractView(b);
    const mark = new Decimal(b.mark);
    const unreal = b.position.isZero() ? new Decimal(0) : b.position.mul(mark.sub(b.avg_entry));
    return {
      symbol: b.symbol,
      position: b.position.toNumber(),
      avg_entry: b.avg_entry.toNumber(),
      realized_pnl: b.realized.toNumber(),
      unrealized_pnl: unreal.toNumber(),
      fees: b.fees.toNumber(),
      turnover: b.turnover.toNumber(),
      inventory_notional: b.position.mul(mark).abs().toNumber(),
      max_inventory_notional: b.max_inventory_notional,
      mark: b.mark,
      fills: b.fills,
    };
  }

  /** Unrealised PnL of a book at its mark, settlement currency (decimal). */
  private static unrealD(b: SymbolBook): Decimal {
    if (b.position.isZero()) return new Decimal(0);
    if (b.plain) return b.position.mul(new Decimal(b.mark).sub(b.avg_entry));
    return contractPnl({ multiplier: b.mult, inverse: b.inverse }, b.position.isPositive() ? "BUY" : "SELL", b.position.abs(), b.avg_entry, b.mark);
  }

  /** Inventory notional of a book at its mark, quote (decimal). */
  private static notionalD(b: SymbolBook): Decimal {
    if (b.plain) return b.position.mul(b.mark).abs();
    return b.inverse ? b.position.mul(b.mult).abs() : b.position.mul(b.mult).mul(b.mark).abs();
  }

  private contractView(b: SymbolBook): SymbolLedgerView {
    const v: SymbolLedgerView = {
      symbol: b.symbol,
      position: b.position.toNumber(),
      avg_entry: b.avg_entry.toNumber(),
      realized_pnl: b.realized.toNumber(),
      unrealized_pnl: Ledger.unrealD(b).toNumber(),
      fees: b.fees.toNumber(),
      turnover: b.turnover.toNumber(),
      inventory_notional: Ledger.notionalD(b).toNumber(),
      max_inventory_notional: b.max_inventory_notional,
      mark: b.mark,
      fills: b.fills,
    };
    if (b.inverse) v.settlement = "base";
    return v;
  }

  /**
   * The figures of a mark record: `view()`'s equity, realised / unrealised PnL, fees, inventory
   * notional, effective leverage and per symbol position / average entry / mark, with the same
   * decimal operations in the same order (so the same numbers). What only fills change (the
   * realised and fee sums, positions and entries as numbers) is computed once per fill, not per
   * mark; only the mark-dependent terms are recomputed. Books with contract terms: `view()`.
   */
  markView(): MarkView {
    if (!this.allPlain) return this.view();
    let c = this.markCache;
    if (c === null || c.fills !== this.fillCount) {
      let realized = new Decimal(0);
      let fees = new Decimal(0);
      for (const b of this.books) {
        realized = realized.add(b.realized);
        fees = fees.add(b.fees);
      }
      c = this.markCache = {
        fills: this.fillCount, realized, fees, realizedN: realized.toNumber(), feesN: fees.toNumber(),
        position: this.books.map((b) => b.position.toNumber()), avgEntry: this.books.map((b) => b.avg_entry.toNumber()),
        exact: this.exactCache(realized, fees),
      };
    }
    const fast = c.exact !== null ? this.exactMarkView(c) : null;
    if (fast !== null) return fast;
    let unreal = new Decimal(0);
    let inv = new Decimal(0);
    for (const b of this.books) {
      if (b.position.isZero()) continue;
      const m = new Decimal(b.mark);
      unreal = unreal.add(b.position.mul(m.sub(b.avg_entry)));
      inv = inv.add(b.position.mul(m).abs());
    }
    const equity = this.initialEquity.add(c.realized).add(unreal).sub(c.fees);
    const cache = c;
    return {
      equity: equity.toNumber(),
      realized_pnl: cache.realizedN,
      unrealized_pnl: unreal.toNumber(),
      fees: cache.feesN,
      inventory_notional: inv.toNumber(),
      effective_leverage: equity.isPositive() ? inv.div(equity).toNumber() : 0,
      symbols: this.books.map((b, i) => ({ symbol: b.symbol, position: cache.position[i], avg_entry: cache.avgEntry[i], mark: b.mark })),
    };
  }

  private exactCache(realized: Decimal, fees: Decimal): MarkCache["exact"] {
    const r = exactOfDecimal(realized);
    const f = exactOfDecimal(fees);
    const position: ExactDecimal[] = [];
    const avgEntry: ExactDecimal[] = [];
    for (const b of this.books) {
      const p = exactOfDecimal(b.position);
      const a = exactOfDecimal(b.avg_entry);
      if (p === null || a === null) return null;
      position.push(p);
      avgEntry.push(a);
    }
    return r === null || f === null || this.initialExact === null ? null : { realized: r, fees: f, position, avgEntry };
  }

  private readonly initialExact: ExactDecimal | null;

  /**
   * `markView`'s figures by exact BigInt decimals rounded like decimal.js (ADR-207): the same
   * operations in the same order as the decimal.js path below it, so the same values. Null
   * (→ the decimal.js path) when a mark is not finite or the equity is zero (the sign of a
   * zero decides `isPositive` there).
   */
  private exactMarkView(c: MarkCache): MarkView | null {
    const x = c.exact!;
    let unreal = EXACT_ZERO;
    let inv = EXACT_ZERO;
    const books = this.books;
    for (let i = 0; i < books.length; i++) {
      const pos = x.position[i];
      if (exactIsZero(pos)) continue;
      const m = exactOfNumber(books[i].mark);
      if (m === null) return null;
      unreal = exactAdd(unreal, exactMul(pos, exactSub(m, x.avgEntry[i])));
      inv = exactAdd(inv, exactAbs(exactMul(pos, m)));
    }
    const equity = exactSub(exactAdd(exactAdd(this.initialExact!, x.realized), unreal), x.fees);
    if (exactIsZero(equity)) return null;
    return {
      equity: exactToNumber(equity),
      realized_pnl: c.realizedN,
      unrealized_pnl: exactToNumber(unreal),
      fees: c.feesN,
      inventory_notional: exactToNumber(inv),
      effective_leverage: exactIsPositive(equity) ? exactToNumber(exactDiv(inv, equity)) : 0,
      symbols: books.map((b, i) => ({ symbol: b.symbol, position: c.position[i], avg_entry: c.avgEntry[i], mark: b.mark })),
    };
  }

  /** Exact decimal view of the portfolio at the last marks. */
  view(): PortfolioLedgerView {
    let realized = new Decimal(0);
    let unreal = new Decimal(0);
    let fees = new Decimal(0);
    let turnover = new Decimal(0);
    let inv = new Decimal(0);
    for (const b of this.books) {
      if (!b.plain) {
        // quote: inverse coin amounts at the symbol's mark (ADR-120)
        const toQuote = b.inverse ? new Decimal(b.mark) : new Decimal(1);
        realized = realized.add(b.realized.mul(toQuote));
        fees = fees.add(b.fees.mul(toQuote));
        turnover = turnover.add(b.turnover);
        unreal = unreal.add(Ledger.unrealD(b).mul(toQuote));
        inv = inv.add(Ledger.notionalD(b));
        continue;
      }
      realized = realized.add(b.realized);
      fees = fees.add(b.fees);
      turnover = turnover.add(b.turnover);
      if (!b.position.isZero()) {
        const m = new Decimal(b.mark);
        unreal = unreal.add(b.position.mul(m.sub(b.avg_entry)));
        inv = inv.add(b.position.mul(m).abs());
      }
    }
    const equity = this.initialEquity.add(realized).add(unreal).sub(fees);
    return {
      equity: equity.toNumber(),
      initial_equity: this.initialEquity.toNumber(),
      realized_pnl: realized.toNumber(),
      unrealized_pnl: unreal.toNumber(),
      fees: fees.toNumber(),
      turnover: turnover.toNumber(),
      inventory_notional: inv.toNumber(),
      effective_leverage: equity.isPositive() ? inv.div(equity).toNumber() : 0,
      symbols: this.books.map((b) => this.symbolView(b.symbol)),
    };
  }
}
