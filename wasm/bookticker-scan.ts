// The fast path of the Binance bookTicker CSV parser (ADR-252), AssemblyScript compiled to WebAssembly.
// Reads complete lines from `src`, accepts only what the JavaScript fast path accepts, with the
// same values and canonical line bytes, and stops at the first line it does not accept (the
// caller parses that line itself and calls again).

/** Last accepted update id and event time: set by the caller before `scan`, read after. */
export let lastId: f64 = -1;
export let lastEvent: f64 = -1;
/** Rows written to the columns and bytes written to the lines by the last `scan`. */
export let rows: i32 = 0;
export let lineLen: i32 = 0;

// the field being scanned: mantissa, dot position (-1: none)
let fm: i64 = 0;
let fd: i32 = -1;

// @ts-ignore: decorator
@inline const KAP_LEN: i32 = 13; // {"ask_price":
// @ts-ignore: decorator
@inline const KAQ_LEN: i32 = 11; // ,"ask_qty":
// @ts-ignore: decorator
@inline const KBP_LEN: i32 = 13; // ,"bid_price":
// @ts-ignore: decorator
@inline const KBQ_LEN: i32 = 11; // ,"bid_qty":

const POW10: StaticArray<f64> = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16];

/** Field from `i`: digits with at most one point, 1..15 digits; sets `fm`, `fd`; returns its end or -1. */
// @ts-ignore: decorator
@inline function field(src: usize, i: i32, stop: i32): i32 {
  const start = i;
  let m: i64 = 0;
  let dot = -1;
  while (i < stop) {
    const c = <i32>load<u8>(src + <usize>i);
    const d = c - 48;
    if (<u32>d <= 9) m = m * 10 + <i64>d;
    else if (c == 46 && dot < 0) dot = i;
    else break;
    i++;
  }
  const nd = i - start - (dot < 0 ? 0 : 1);
  if (nd == 0 || nd > 15) return -1;
  fm = m;
  fd = dot;
  return i;
}

/**
 * Copy `len` bytes eight at a time: up to seven bytes past `dst + len` are written (and read past
 * `src + len`); what follows overwrites them, and every region has that much room after it.
 */
// @ts-ignore: decorator
@inline function copy(dst: usize, src: usize, len: i32): usize {
  for (let j = 0; j < len; j += 8) store<u64>(dst + <usize>j, load<u64>(src + <usize>j));
  return dst + <usize>len;
}

/** Canonical end of a price/qty field `[s, e)` with dot `dot` and mantissa `m`, or 0: must be printed. */
// @ts-ignore: decorator
@inline function canonicalEnd(src: usize, s: i32, e: i32, dot: i32, m: f64): i32 {
  const c0 = <i32>load<u8>(src + <usize>s);
  if (dot >= 0) {
    if (c0 == 46 || (c0 == 48 && (dot != s + 1 || (e - dot - 1 > 6 && m < unchecked(POW10[e - dot - 7]))))) return 0;
    while (load<u8>(src + <usize>(e - 1)) == 48) e--;
    if (e - 1 == dot) e--;
  } else if (c0 == 48) return 0;
  return e;
}

/**
 * Scan lines of `src[pos, stop)` (`stop` just after a newline). Columns: seven f64 arrays of `cap`
 * values at `cols` (update id, bid price, bid qty, ask price, ask qty, transaction time, event time);
 * lines: canonical JSON lines at `lines` (room for `linesCap` bytes); `tmpl`: the four keys then the
 * symbol part (`symLen` bytes). Returns the position after the last accepted line.
 */
export function scan(src: usize, pos: i32, stop: i32, cols: usize, cap: i32, lines: usize, linesCap: i32, tmpl: usize, symLen: i32): i32 {
  let n = 0;
  let ln = 0;
  const lineMax = 256 + symLen;
  let lid = lastId;
  let lev = lastEvent;
  const stride = <usize>cap << 3;
  while (pos < stop && n < cap && ln + lineMax <= linesCap) {
    // seven fields
    let i = pos;
    let e = field(src, i, stop); if (e < 0 || fd >= 0 || load<u8>(src + <usize>e) != 44) break;
    const m0 = fm;
    const s1 = e + 1; e = field(src, s1, stop); if (e < 0 || load<u8>(src + <usize>e) != 44) break;
    const m1 = fm; const d1 = fd; const e1 = e;
    const s2 = e + 1; e = field(src, s2, stop); if (e < 0 || load<u8>(src + <usize>e) != 44) break;
    const m2 = fm; const d2 = fd; const e2 = e;
    const s3 = e + 1; e = field(src, s3, stop); if (e < 0 || load<u8>(src + <usize>e) != 44) break;
    const m3 = fm; const d3 = fd; const e3 = e;
    const s4 = e + 1; e = field(src, s4, stop); if (e < 0 || load<u8>(src + <usize>e) != 44) break;
    const m4 = fm; const d4 = fd; const e4 = e;
    const s5 = e + 1; e = field(src, s5, stop); if (e < 0 || fd >= 0 || load<u8>(src + <usize>e) != 44) break;
    const m5 = fm;
    const s6 = e + 1; e = field(src, s6, stop); if (e < 0 || fd >= 0) break;
    const m6 = fm; const e6 = e;
    i = e;
    let c = <i32>load<u8>(src + <usize>i);
    if (c == 13) c = <i32>load<u8>(src + <usize>(++i));
    if (c != 10) break;
    if (m1 == 0 || m2 == 0 || m3 == 0 || m4 == 0) break;
    const v0 = <f64>m0;
    const et = <f64>m6;
    const f1 = d1 < 0 ? 0 : e1 - d1 - 1, f2 = d2 < 0 ? 0 : e2 - d2 - 1, f3 = d3 < 0 ? 0 : e3 - d3 - 1, f4 = d4 < 0 ? 0 : e4 - d4 - 1;
    const x1 = <f64>m1, x2 = <f64>m2, x3 = <f64>m3, x4 = <f64>m4;
    const bp = f1 == 0 ? x1 : x1 / unchecked(POW10[f1]);
    const bq = f2 == 0 ? x2 : x2 / unchecked(POW10[f2]);
    const ap = f3 == 0 ? x3 : x3 / unchecked(POW10[f3]);
    const aq = f4 == 0 ? x4 : x4 / unchecked(POW10[f4]);
    if (bp >= ap || v0 <= lid || et < lev) break;
    // canonical texts (0: must be printed: left to the caller)
    const c3 = canonicalEnd(src, s3, e3, d3, x3); if (c3 == 0) break;
    const c4 = canonicalEnd(src, s4, e4, d4, x4); if (c4 == 0) break;
    const c1 = canonicalEnd(src, s1, e1, d1, x1); if (c1 == 0) break;
    const c2 = canonicalEnd(src, s2, e2, d2, x2); if (c2 == 0) break;
    if (load<u8>(src + <usize>s6) == 48 && e6 - s6 != 1) break;
    // accepted
    lid = v0;
    lev = et;
    const o = cols + (<usize>n << 3);
    store<f64>(o, v0);
    store<f64>(o + stride, bp);
    store<f64>(o + 2 * stride, bq);
    store<f64>(o + 3 * stride, ap);
    store<f64>(o + 4 * stride, aq);
    store<f64>(o + 5 * stride, <f64>m5);
    store<f64>(o + 6 * stride, et);
    let w = lines + <usize>ln;
    w = copy(w, tmpl, KAP_LEN);
    w = copy(w, src + <usize>s3, c3 - s3);
    w = copy(w, tmpl + KAP_LEN, KAQ_LEN);
    w = copy(w, src + <usize>s4, c4 - s4);
    w = copy(w, tmpl + KAP_LEN + KAQ_LEN, KBP_LEN);
    w = copy(w, src + <usize>s1, c1 - s1);
    w = copy(w, tmpl + KAP_LEN + KAQ_LEN + KBP_LEN, KBQ_LEN);
    w = copy(w, src + <usize>s2, c2 - s2);
    w = copy(w, tmpl + KAP_LEN + KAQ_LEN + KBP_LEN + KBQ_LEN, symLen);
    w = copy(w, src + <usize>s6, e6 - s6);
    store<u8>(w, 125); // }
    store<u8>(w + 1, 10);
    w += 2;
    ln = <i32>(w - lines);
    n++;
    pos = i + 1;
  }
  lastId = lid;
  lastEvent = lev;
  rows = n;
  lineLen = ln;
  return pos;
}
