import { ErrorCode, GrinderError } from "../../contracts/errors";
import { readLines } from "../fixture";
import { refuse, type ImportReport } from "./common";

// The CSV line loop lives apart from ./common so that the bookTicker parser's module (loaded by
// its worker thread, ADR-210) does not load the fixture and validation modules.

/** What a line-oriented CSV importer supplies to `csvRows`: its header check and its row parser. */
export interface CsvRowHandler<T> {
  /** Line 1 when it does not start with a digit: check it (throw a `GrinderError` to refuse it). */
  header(line: string): void;
  /** One data line split on `,`: the item to emit, or a thrown `GrinderError` naming the field. */
  row(fields: string[], line: string): T;
}

/**
 * The line loop shared by the text CSV importers (trades, klines): lines of `file` (gunzipped
 * when `.gz`), CR stripped, `report.lines` kept; a blank line is refused (`E_PARSE`, at the
 * blank line) only when a non-blank line follows it (trailing blank lines are fine); line 1
 * starting with a non-digit goes to `header`, every other line to `row`. An error on a line
 * goes through `refuse`: strict rethrows it with file and line, lenient counts it and goes on.
 */
export async function* csvRows<T>(file: string, report: ImportReport, lenient: boolean, h: CsvRowHandler<T>): AsyncGenerator<T> {
  let lineNo = 0;
  let blankAt = 0;
  for await (const raw of readLines(file)) {
    lineNo++;
    report.lines = lineNo;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.length === 0) {
      if (!blankAt) blankAt = lineNo;
      continue;
    }
    try {
      if (blankAt) {
        const at = blankAt;
        blankAt = 0;
        refuse(new GrinderError(ErrorCode.PARSE, "blank line inside the file"), report, file, at, lenient);
      }
      const c0 = line.charCodeAt(0);
      if (lineNo === 1 && !(c0 >= 48 && c0 <= 57)) {
        h.header(line);
        continue;
      }
      yield h.row(line.split(","), line);
    } catch (e) {
      refuse(e, report, file, lineNo, lenient);
    }
  }
}
