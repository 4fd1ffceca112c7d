import type { ZodError } from "zod";
import { ErrorCode, GrinderError } from "./errors";

/** Path array → dotted field path: `["book","bids",3,"price"]` → `book.bids[3].price`. */
export function fieldPath(path: ReadonlyArray<string | number>): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

/** Map the first zod issue to a `GrinderError` with a stable code and field. */
export function fromZodError(err: ZodError, what: string): GrinderError {
  const issue = err.issues[0];
  const field = fieldPath(issue.path);
  let code: ErrorCode = ErrorCode.CONFIG;
  let detail = `${what}: ${issue.message}`;
  switch (issue.code) {
    case "invalid_type":
      if (issue.received === "undefined") {
        code = ErrorCode.MISSING_FIELD;
        detail = `${what}: required field is missing`;
      } else if (issue.received === "nan" || (issue.received as string) === "float" || (issue.received as string) === "infinity") {
        code = ErrorCode.BAD_NUMBER;
      } else {
        code = ErrorCode.BAD_TYPE;
        detail = `${what}: expected ${issue.expected}, got ${issue.received}`;
      }
      break;
    case "unrecognized_keys":
      code = ErrorCode.EXTRA_FIELD;
      detail = `${what}: unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(", ")}`;
      return new GrinderError(code, detail, { field: field ? `${field}.${issue.keys[0]}` : issue.keys[0] });
    case "too_small":
    case "too_big":
    case "not_finite":
      code = ErrorCode.BAD_NUMBER;
      break;
    case "custom":
      code = /crossed/.test(issue.message)
        ? ErrorCode.CROSSED_BOOK
        : /epoch-ms range/.test(issue.message)
          ? ErrorCode.TIME_RANGE
          : /book mismatch/.test(issue.message)
            ? ErrorCode.BOOK_MISMATCH
        : /descend|ascend/.test(issue.message)
          ? ErrorCode.BOOK_ORDER
          : ErrorCode.CONFIG;
      break;
    default:
      code = ErrorCode.CONFIG;
  }
  return new GrinderError(code, detail, { field: field || undefined });
}
