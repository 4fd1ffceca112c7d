/** Generated bookTicker CSVs for the importer's tests (ADR-192, ADR-210): seeded, in many textual forms, some rows bad. */
export const HEADER = "update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,event_time";

/** A decimal m·10^-f written in one of several textual forms, all of which `Number` reads as the same value. */
export function decimalText(m: number, f: number, form: number): string {
  let s = String(m).padStart(f + 1, "0");
  s = f ? `${s.slice(0, s.length - f)}.${s.slice(s.length - f)}` : s;
  switch (form) {
    case 1: return s + (f ? "00" : ".0"); // trailing zeros
    case 2: return "0" + s; // leading zero
    case 3: return s.startsWith("0.") ? s.slice(1) : s; // ".5"
    case 4: return f ? s : s + "."; // "5."
    case 5: return (m / 10 ** f).toExponential(); // exponent: slow path
    case 6: return (f ? s : s + ".") + "0000000000000"; // more than 15 digits: the reference path
    default: return s;
  }
}

export interface Rng {
  nextInt(min: number, max: number): number;
}
/** Seeded generator for the test data (mulberry32). */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { nextInt: (min, max) => min + Math.floor(next() * (max - min + 1)) };
}

export interface Gen {
  lines: string[];
  /** Accepted rows as numbers, in order. */
  rows: number[][];
  /** 1-based line numbers of the refused rows. */
  bad: number[];
}

/** Rows with increasing ids and times, prices in random forms; some rows bad (lenient skips them). */
/** `badRange`: a row is bad with odds 5 in `badRange + 1`. */
export function genCsv(r: Rng, nRows: number, header: boolean, t0 = 1_723_161_256_313, badRange = 40): Gen {
  const lines: string[] = header ? [HEADER] : [];
  const rows: number[][] = [];
  const bad: number[] = [];
  let id = 5_123_107_839_020;
  let t = t0;
  let lastGood = id;
  for (let k = 0; k < nRows; k++) {
    id += r.nextInt(1, 500);
    t += r.nextInt(0, 3);
    const f = r.nextInt(0, 8);
    const scale = r.nextInt(0, 2) === 0 ? 1 : r.nextInt(0, 1) ? 1e-4 : 1e4; // small, usual and large magnitudes
    const bidM = Math.max(1, Math.round(r.nextInt(1, 9_999_999) * scale));
    const askM = bidM + r.nextInt(1, 50);
    const qf = r.nextInt(0, 9);
    const bqM = r.nextInt(1, 999_999);
    const aqM = r.nextInt(1, 999_999);
    const form = () => (r.nextInt(0, 9) < 6 ? 0 : r.nextInt(1, 6));
    const bidT = decimalText(bidM, f, form());
    const askT = decimalText(askM, f, form());
    const bqT = decimalText(bqM, qf, form());
    const aqT = decimalText(aqM, qf, form());
    const tt = String(t - r.nextInt(0, 5));
    const et = r.nextInt(0, 30) === 0 ? "0" + String(t) : String(t); // leading zero: printed, not copied
    let line = `${id},${bidT},${bqT},${askT},${aqT},${tt},${et}`;
    let kind = r.nextInt(0, badRange);
    if (kind === 2 && rows.length === 0) kind = badRange; // no accepted id to repeat yet
    if (kind === 0) line = line.replace(/,[^,]*,/, ",x1,"); // not a number
    else if (kind === 1) line = `${id},${askT},${bqT},${bidT},${aqT},${tt},${et}`; // crossed
    else if (kind === 2) line = line.replace(/^\d+/, String(lastGood)); // duplicate of the last accepted id
    else if (kind === 3) line = line.split(",").slice(0, 5).join(","); // truncated
    else if (kind === 4) line = `${id},${bidT},0,${askT},${aqT},${tt},${et}`; // zero size
    if (r.nextInt(0, 9) === 0) line += "\r";
    lines.push(line);
    if (kind <= 4) {
      bad.push(lines.length);
      continue;
    }
    lastGood = id;
    rows.push([id, Number(bidT), Number(bqT), Number(askT), Number(aqT), Number(tt), Number(et)]);
  }
  return { lines, rows, bad };
}

