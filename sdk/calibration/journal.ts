import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import * as path from "node:path";
import { ErrorCode, GrinderError } from "../contracts/errors";
import { canonicalJson } from "../util/canonical";
import type { TrialMetrics } from "./evaluator";
import type { ParamPoint } from "./space";

/** One finished trial (a parameter point replayed on one evaluation unit). */
export interface TrialRecord {
  /** Spec hash the trial belongs to. */
  spec: string;
  /** Evaluator id (a resume never mixes evaluators). */
  evaluator: string;
  /** Stable trial id: `<index>-<key12>`. */
  id: string;
  /** SHA-256 of canonical `{config: <resolved config hash>, point, unit}`: the identity used to skip finished trials. */
  key: string;
  point: ParamPoint;
  unit: string;
  metrics: TrialMetrics;
}

/**
 * Append-only JSONL journal of finished trials (checkpoint for `--resume`). Each record is one
 * `write` of one whole line followed by `fsync`, so a killed run leaves at most a partial last
 * line, which `open` detects (no newline, or not JSON) and truncates. Records are keyed by
 * `key`; a repeated key is ignored and counted, so a trial is never counted twice.
 */
export class TrialJournal {
  private fd: number;
  private readonly byKey = new Map<string, TrialRecord>();
  /** Lines dropped on open: a torn last line (0 or 1). */
  readonly truncatedLines: number;
  /** Records whose key was already present (ignored). */
  duplicates = 0;

  private constructor(
    readonly file: string,
    readonly spec: string,
    readonly evaluator: string,
    resume: boolean,
    private readonly sync: boolean,
  ) {
    mkdirSync(path.dirname(file), { recursive: true });
    let truncated = 0;
    if (resume && existsSync(file)) {
      const text = readFileSync(file, "utf8");
      let good = 0;
      let lineNo = 0;
      let pos = 0;
      while (pos < text.length) {
        const nl = text.indexOf("\n", pos);
        lineNo++;
        if (nl < 0) {
          truncated = 1; // torn write of the last line
          break;
        }
        const line = text.slice(pos, nl);
        let rec: TrialRecord;
        try {
          rec = JSON.parse(line) as TrialRecord;
        } catch {
          if (nl === text.length - 1) {
            truncated = 1;
            break;
          }
          throw new GrinderError(ErrorCode.PARSE, "journal line is not JSON (not a torn last line: refusing to guess)", { file, line: lineNo });
        }
        if (rec.spec !== spec || rec.evaluator !== evaluator)
          throw new GrinderError(ErrorCode.REFUSED, `journal belongs to spec ${String(rec.spec).slice(0, 12)} / evaluator '${rec.evaluator}'`, {
            file,
            line: lineNo,
          });
        this.add(rec);
        pos = nl + 1;
        good = pos;
      }
      this.fd = openSync(file, "r+");
      // Byte offset of the good prefix (the text is UTF-8; records are ASCII canonical JSON).
      ftruncateSync(this.fd, Buffer.byteLength(text.slice(0, good), "utf8"));
      closeSync(this.fd);
      this.fd = openSync(file, "a");
    } else {
      writeFileSync(file, "");
      this.fd = openSync(file, "a");
    }
    this.truncatedLines = truncated;
  }

  /** Open for a run: `resume` keeps and reads an existing journal, otherwise it is emptied. */
  static open(file: string, spec: string, evaluator: string, opts: { resume?: boolean; fsync?: boolean } = {}): TrialJournal {
    return new TrialJournal(file, spec, evaluator, opts.resume === true, opts.fsync !== false);
  }

  private add(rec: TrialRecord): boolean {
    if (this.byKey.has(rec.key)) {
      this.duplicates++;
      return false;
    }
    this.byKey.set(rec.key, rec);
    return true;
  }

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): TrialRecord | undefined {
    return this.byKey.get(key);
  }

  /** Record a finished trial: one line, one write, flushed to disk. */
  append(rec: TrialRecord): void {
    if (!this.add(rec)) return;
    writeSync(this.fd, canonicalJson(rec) + "\n");
    if (this.sync) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
