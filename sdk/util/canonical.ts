import { createHash, Hash } from "node:crypto";
import { ErrorCode, GrinderError } from "../contracts/errors";

/**
 * Canonical JSON: object keys sorted by code unit, no whitespace, numbers in JavaScript's
 * shortest round-trip form, `undefined` members omitted. Non-finite numbers are refused (they
 * have no JSON form and must never reach anything hashed).
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out, 0);
  return out.join("");
}

/**
 * Deepest nesting canonical JSON accepts. Configs, specs, artifacts and events nest a handful of
 * levels; a hostile file nested 30 000 deep would overflow the stack, so it is refused as
 * `E_TOO_LARGE` instead (ADR-085).
 */
export const MAX_JSON_DEPTH = 256;

function write(v: unknown, out: string[], depth: number): void {
  if (v === null) {
    out.push("null");
    return;
  }
  switch (typeof v) {
    case "number":
      if (!Number.isFinite(v)) throw new GrinderError(ErrorCode.INVARIANT, `non-finite number ${v} in canonical JSON`);
      out.push(Object.is(v, -0) ? "0" : (shortDecimalText(v) ?? String(v)));
      return;
    case "string":
      out.push(JSON.stringify(v));
      return;
    case "boolean":
      out.push(v ? "true" : "false");
      return;
    case "bigint":
      out.push(v.toString());
      return;
    case "object": {
      if (depth >= MAX_JSON_DEPTH) throw new GrinderError(ErrorCode.TOO_LARGE, `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
      if (Array.isArray(v)) {
        out.push("[");
        for (let i = 0; i < v.length; i++) {
          if (i) out.push(",");
          write(v[i] === undefined ? null : v[i], out, depth + 1);
        }
        out.push("]");
        return;
      }
      const maybe = v as { toJSON?: () => unknown };
      if (typeof maybe.toJSON === "function") {
        write(maybe.toJSON(), out, depth + 1);
        return;
      }
      const keys = Object.keys(v as object).sort();
      out.push("{");
      let first = true;
      for (const k of keys) {
        const x = (v as Record<string, unknown>)[k];
        if (x === undefined) continue;
        if (!first) out.push(",");
        first = false;
        out.push(JSON.stringify(k), ":");
        write(x, out, depth + 1);
      }
      out.push("}");
      return;
    }
    default:
      throw new GrinderError(ErrorCode.INVARIANT, `cannot serialise ${typeof v} in canonical JSON`);
  }
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];

/**
 * `String(v)` of a double that is the nearest double to a decimal with 1..8 fraction digits and
 * at most 15 significant digits — tick-grid prices, lot-grid sizes — built from the integer of
 * its digits, without the shortest-round-trip digit search `String` runs (ADR-185); null for any
 * other value (the caller then uses `String`).
 *
 * Why it is exact: for k < 10^15 and p = 10^d (both exact doubles), k / p is the double nearest
 * to the decimal k·10^-d, so `k / p === |v|` says that decimal reads back as v. Two different
 * decimals of at most 15 significant digits never read back as the same double (15 = DBL_DIG),
 * so that decimal is the only one that short, i.e. exactly the digits `String` prints; and for
 * 1e-6 ≤ |v| < 1e21 `String` prints them in plain positional form. The first d that fits gives
 * a k with no trailing zero (a k ending in 0 is refused all the same).
 */
export function shortDecimalText(v: number): string | null {
  const a = v < 0 ? -v : v;
  if (!(a >= 1e-6 && a < 1e15)) return null;
  for (let d = 1; d <= 8; d++) {
    const p = POW10[d];
    const k = Math.round(a * p);
    if (k / p !== a) continue;
    if (k >= 1e15 || k % 10 === 0) return null; // more than 15 digits, or an integer (d too large)
    const digits = String(k);
    const n = digits.length;
    const body = n > d ? digits.slice(0, n - d) + "." + digits.slice(n - d) : "0." + "0".repeat(d - n) + digits;
    return v < 0 ? "-" + body : body;
  }
  return null;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** SHA-256 of the canonical JSON of a value: the id of configs, artifacts, plans. */
export function hashCanonical(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

/**
 * Streaming digest over canonical JSON lines (one per event, each followed by "\n").
 * Same events in the same order → same hex digest on any machine.
 */
export class StreamDigest {
  private readonly h: Hash = createHash("sha256");
  private n = 0;
  /** Add an already-canonical line (without trailing newline). */
  addLine(line: string): void {
    this.h.update(line);
    this.h.update("\n");
    this.n++;
  }
  add(event: unknown): string {
    const line = canonicalJson(event);
    this.addLine(line);
    return line;
  }
  get count(): number {
    return this.n;
  }
  /** Finish; the digest can no longer be updated. */
  hex(): string {
    return this.h.digest("hex");
  }
}
