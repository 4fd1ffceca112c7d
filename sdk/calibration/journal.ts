import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import * as path from "node:path";
import { ErrorCode, GrinderError } from "../contracts/errors";
import { z } from "zod";
import { fromZodError } from "../contracts/zod";
import { canonicalJson, sha256Hex } from "../util/canonical";
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
 * Schema of a journal line (ADR-088): the fields resume relies on, typed; any further payload
 * field (e.g. per-trial diagnostics) passes through untouched and is covered by the chain.
 */
const JournalLineSchema = z
  .object({
    spec: z.string(),
    evaluator: z.string(),
    id: z.string(),
    key: z.string().min(1),
    point: z.record(z.unknown()),
    unit: z.string(),
    metrics: z.record(z.unknown()),
    chain: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  })
  .passthrough();

/** First link of a journal's hash chain: the journal's identity. */
function chainSeed(spec: string, evaluator: string): string {
  return sha256Hex(canonicalJson({ journal: "grinder.trials", spec, evaluator }));
}

/** `chain` of a line = SHA-256 of the previous line's chain + the canonical record (without `chain`). */
function chainOf(prev: string, rec: object): string {
  return sha256Hex(prev + "\n" + canonicalJson(rec));
}

/**
 * Append-only JSONL journal of finished trials (checkpoint for `--resume`). Each record is one
 * `write` of one whole line followed by `fsync`, so a killed run leaves at most a partial last
 * line, which `open` detects (no newline, or not JSON) and truncates. Records are keyed by
 * `key`; a repeated key is ignored and counted, so a trial is never counted twice.
 *
 * Every line carries `chain`, a SHA-256 hash chain over the records (ADR-088): on resume each
 * line must parse, match the schema, belong to this spec/evaluator and carry the chain value
 * its predecessors imply. A record edited by hand, a deleted or reordered middle line, or a
 * `null` line is refused (`E_HASH_MISMATCH` / schema codes, naming file and line); only a torn
 * last line (no newline, or not JSON at the very end) is truncated, and counted.
 */
export class TrialJournal {
  private fd: number;
  private readonly byKey = new Map<string, TrialRecord>();
  /** Lines dropped on open: a torn last line (0 or 1). */
  readonly truncatedLines: number;
  /** Records whose key was already present (ignored). */
  duplicates = 0;
  /** Chain value of the last line (the seed for an empty journal). */
  private head: string;

  private constructor(
    readonly file: string,
    readonly spec: string,
    readonly evaluator: string,
    resume: boolean,
    private readonly sync: boolean,
  ) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.head = chainSeed(spec, evaluator);
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
        let raw: unknown;
        try {
          raw = JSON.parse(line);
        } catch {
          if (nl === text.length - 1) {
            truncated = 1;
            break;
          }
          throw new GrinderError(ErrorCode.PARSE, "journal line is not JSON (not a torn last line: refusing to guess)", { file, line: lineNo });
        }
        const parsed = JournalLineSchema.safeParse(raw);
        if (!parsed.success) throw fromZodError(parsed.error, "journal record").at({ file, line: lineNo });
        const { chain, ...rec } = raw as TrialRecord & { chain?: string };
        if (rec.spec !== spec || rec.evaluator !== evaluator)
          throw new GrinderError(ErrorCode.REFUSED, `journal belongs to spec ${String(rec.spec).slice(0, 12)} / evaluator '${rec.evaluator}'`, {
            file,
            line: lineNo,
          });
        const want = chainOf(this.head, rec);
        if (chain !== want)
          throw new GrinderError(
            ErrorCode.HASH_MISMATCH,
            chain === undefined
              ? "journal record has no chain hash (damaged, or written by an older version): refusing to resume from it; run without --resume"
              : "journal record does not match its chain hash (edited, reordered or a line removed): refusing to resume from it",
            { file, line: lineNo, field: "chain" },
          );
        this.head = want;
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
    const plain = JSON.parse(canonicalJson(rec)) as object;
    const chain = chainOf(this.head, plain);
    this.head = chain;
    writeSync(this.fd, canonicalJson({ ...plain, chain }) + "\n");
    if (this.sync) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
