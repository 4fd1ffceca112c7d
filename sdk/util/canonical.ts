import { createHash, Hash } from "node:crypto";
import { ErrorCode, GrinderError } from "../contracts/errors";
import { shortDecimalText } from "./short-decimal";

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
