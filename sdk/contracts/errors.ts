/**
 * The one typed error of GRINDER. Every refusal of input (fixture row, config, artifact,
 * import) is a `GrinderError` with a stable `code`, and where known the file, 1-based line
 * and field that caused it.
 */
export const ErrorCode = {
  /** A line is not valid JSON / CSV. */
  PARSE: "E_PARSE",
  /** A required field is absent. */
  MISSING_FIELD: "E_MISSING_FIELD",
  /** A field that the contract does not know. */
  EXTRA_FIELD: "E_EXTRA_FIELD",
  /** A field of the wrong type (string for number, ...). */
  BAD_TYPE: "E_BAD_TYPE",
  /** NaN, Infinity, negative or zero where a positive finite number is required. */
  BAD_NUMBER: "E_BAD_NUMBER",
  /** bid >= ask. */
  CROSSED_BOOK: "E_CROSSED_BOOK",
  /** Timestamp going backwards for a symbol, or unsorted multi-symbol input. */
  TIME_BACKWARDS: "E_TIME_BACKWARDS",
  /** Symbol not declared in the fixture manifest. */
  UNKNOWN_SYMBOL: "E_UNKNOWN_SYMBOL",
  /** L2 levels out of order (bids must descend, asks ascend) or duplicated. */
  BOOK_ORDER: "E_BOOK_ORDER",
  /** Sequence / update-id rule broken (duplicate, out of order, gap in strict mode). */
  SEQUENCE: "E_SEQUENCE",
  /** Invalid configuration or manifest. */
  CONFIG: "E_CONFIG",
  /** A hash did not match: artifact tampered or fixture changed. */
  HASH_MISMATCH: "E_HASH_MISMATCH",
  /** File system failure (missing file, unreadable). */
  IO: "E_IO",
  /** A caller broke an API precondition. */
  INVALID_ARGUMENT: "E_INVALID_ARGUMENT",
  /** An engine invariant broke: a bug, never expected. */
  INVARIANT: "E_INVARIANT",
  /** A gate refused (e.g. calibration walk-forward gate refusing an export). */
  REFUSED: "E_REFUSED",
  /** A timestamp outside the plausible epoch-ms range, or a jump larger than the allowed gap (ADR-080). */
  TIME_RANGE: "E_TIME_RANGE",
  /** A price or quantity off the instrument's tick/lot grid (ADR-081). */
  OFF_GRID: "E_OFF_GRID",
  /** An L2 book that disagrees with the row's L1 quote, or is newer than the row (ADR-081). */
  BOOK_MISMATCH: "E_BOOK_MISMATCH",
  /** Input too large or too deeply nested to handle safely (a bound, not a bug; ADR-085). */
  TOO_LARGE: "E_TOO_LARGE",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorLocation {
  file?: string;
  /** 1-based line (or CSV row incl. header) number. */
  line?: number;
  /** Dotted field path, e.g. `book.bids[3].price`. */
  field?: string;
}

export class GrinderError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;
  readonly detail: string;

  constructor(code: ErrorCode, detail: string, where: ErrorLocation = {}) {
    // Hostile input must not produce a 10 MB message: every part is bounded (ADR-085).
    detail = clip(detail, MAX_DETAIL);
    where = { file: where.file === undefined ? undefined : clip(where.file, MAX_LOC), line: where.line, field: where.field === undefined ? undefined : clip(where.field, MAX_LOC) };
    super(GrinderError.format(code, detail, where));
    this.name = "GrinderError";
    this.code = code;
    this.detail = detail;
    this.file = where.file;
    this.line = where.line;
    this.field = where.field;
  }

  /** The same error with a location filled in where it was missing. */
  at(where: ErrorLocation): GrinderError {
    return new GrinderError(this.code, this.detail, {
      file: this.file ?? where.file,
      line: this.line ?? where.line,
      field: this.field ?? where.field,
    });
  }

  static format(code: ErrorCode, detail: string, where: ErrorLocation): string {
    const loc: string[] = [];
    if (where.file !== undefined) loc.push(where.file + (where.line !== undefined ? `:${where.line}` : ""));
    else if (where.line !== undefined) loc.push(`line ${where.line}`);
    if (where.field !== undefined) loc.push(`field '${where.field}'`);
    return `${code}: ${detail}${loc.length ? ` (${loc.join(", ")})` : ""}`;
  }
}

const MAX_DETAIL = 400;
const MAX_LOC = 300;

/** A string cut to `max` characters, saying how long it was. */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} chars)`;
}

/** Result of a `safeParseX` call, shaped like zod's. */
export type SafeResult<T> = { success: true; data: T } | { success: false; error: GrinderError };

export function isGrinderError(e: unknown): e is GrinderError {
  return e instanceof GrinderError;
}
