import { ErrorCode, GrinderError } from "../../contracts/errors";
import { POW10 } from "./common";

/**
 * Byte-level field scanner for comma-separated numeric lines. Numbers are read straight from
 * the bytes without building strings: a decimal with at most 15 significant digits is an exact
 * integer mantissa divided by an exact power of ten, which IEEE division rounds correctly, so
 * the result is bit-identical to `Number(text)`. Anything else (exponents, signs, very long
 * digit strings) takes the `Number(text)` slow path, so no value is ever parsed differently.
 */
export class DecimalScanner {
  /** Position after the last field read (at the separator or line end). */
  pos = 0;
  /** Mantissa and fraction-digit count of the last value (exact only when `exact`). */
  mant = 0;
  frac = 0;
  /** False when the last value came through the slow path (no exact mantissa). */
  exact = true;

  /**
   * Read one number field starting at `i` and ending at `,` or `end`. Throws `GrinderError`
   * (`E_BAD_NUMBER`, or `E_PARSE` for an empty field) naming `field`.
   */
  num(buf: Buffer, i: number, end: number, field: string): number {
    let m = 0;
    let digits = 0;
    let frac = 0;
    let dot = false;
    const start = i;
    for (; i < end; i++) {
      const c = buf[i];
      if (c >= 48 && c <= 57) {
        if (m !== 0 || c !== 48) digits++;
        m = m * 10 + (c - 48);
        if (dot) frac++;
      } else if (c === 46 && !dot) {
        dot = true;
      } else break;
    }
    if (i < end && buf[i] !== 44) return this.slow(buf, start, end, field);
    this.pos = i;
    if (i === start) throw new GrinderError(ErrorCode.PARSE, "empty field", { field });
    if (digits > 15 || frac > 22 || (dot && frac === 0 && i - start === 1)) return this.slow(buf, start, end, field);
    this.mant = m;
    this.frac = frac;
    this.exact = true;
    return frac === 0 ? m : m / POW10[frac];
  }

  private slow(buf: Buffer, start: number, end: number, field: string): number {
    let i = start;
    while (i < end && buf[i] !== 44) i++;
    this.pos = i;
    const text = buf.toString("latin1", start, i).trim();
    const v = text.length ? Number(text) : NaN;
    if (text.length === 0) throw new GrinderError(ErrorCode.PARSE, "empty field", { field });
    if (!Number.isFinite(v)) throw new GrinderError(ErrorCode.BAD_NUMBER, `not a number: '${clip(text)}'`, { field });
    this.exact = false;
    this.mant = 0;
    this.frac = 0;
    return v;
  }
}

function clip(s: string): string {
  return s.length > 40 ? s.slice(0, 40) + "…" : s;
}

/** The text of a line (for header checks and error messages), without a trailing CR. */
export function lineText(buf: Buffer, start: number, end: number): string {
  if (end > start && buf[end - 1] === 13) end--;
  return buf.toString("latin1", start, end);
}
