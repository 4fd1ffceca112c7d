import { shortDecimal } from "../util/short-decimal";
// types only: nothing of the contracts is loaded with this module (the importer's worker loads it)
import type { Snapshot } from "../contracts/market";

/*
 * The byte pieces of the content hash's canonical L1 lines (ADR-156, ADR-192) shared by the
 * store writer and the bookTicker importer, in a module of their own so that the importer's
 * worker thread (ADR-210) loads them without the store's Arrow and schema modules.
 */

/** `String(x)` with `-0` as `0` (the canonical line's number text). */
export function numText(x: number): string {
  return Object.is(x, -0) ? "0" : String(x);
}

export function asciiBytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}
/** The canonical L1 line's key bytes, in key order (shared with the bookTicker importer's line writer). */
export const K_AP = asciiBytes('{"ask_price":');
export const K_AQ = asciiBytes(',"ask_qty":');
export const K_BP = asciiBytes(',"bid_price":');
export const K_BQ = asciiBytes(',"bid_qty":');

/**
 * The text `L1LineBytes` prints for a price or quantity `x` (`String(x)`, `-0` as `0`), written
 * into `out` at `at`; returns its length (at most 25).
 */
export function writeNumText(x: number, out: Uint8Array, at: number): number {
  const l = shortDecimal(x, out, at);
  if (l > 0) return l;
  const s = numText(x);
  for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  return s.length;
}

/** `,"symbol":<symbol as JSON>,"ts":` in ASCII bytes, the part of a line between the numbers (symbols are `[A-Za-z0-9_.-]`, checked at write). */
export function symbolJsonBytes(symbol: string): Uint8Array {
  return asciiBytes(`,"symbol":${JSON.stringify(symbol)},"ts":`);
}


function levelsText(lv: ReadonlyArray<{ price: number; qty: number }>): string {
  let s = "[";
  for (let i = 0; i < lv.length; i++) s += `${i ? "," : ""}{"price":${numText(lv[i].price)},"qty":${numText(lv[i].qty)}}`;
  return s + "]";
}

/**
 * The canonical JSON line of a snapshot row that passed `validateSnapshotRow` (ADR-257):
 * `canonicalJson(s) + "\n"` (keys in code-unit order, `undefined` members left out), with or
 * without a book, built without sorting keys (tested against `canonicalJson` on random rows).
 */
export function snapshotLine(s: Snapshot): string {
  let t = `{"ask_price":${numText(s.ask_price)},"ask_qty":${numText(s.ask_qty)},"bid_price":${numText(s.bid_price)},"bid_qty":${numText(s.bid_qty)}`;
  const b = s.book;
  if (b !== undefined) {
    t += `,"book":{"asks":${levelsText(b.asks)},"bids":${levelsText(b.bids)}`;
    if (b.stale !== undefined) t += b.stale ? ',"stale":true' : ',"stale":false';
    if (b.ts !== undefined) t += `,"ts":${numText(b.ts)}`;
    t += "}";
  }
  if (s.funding_rate !== undefined) t += `,"funding_rate":${numText(s.funding_rate)}`;
  if (s.last_price !== undefined) t += `,"last_price":${numText(s.last_price)}`;
  return `${t},"symbol":${JSON.stringify(s.symbol)},"ts":${numText(s.ts)}}\n`;
}
