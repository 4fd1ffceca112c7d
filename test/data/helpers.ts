import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { expect } from "chai";
import { GrinderError } from "../../sdk/contracts/errors";

/** A fresh temporary folder under os.tmpdir(), removed by the returned cleanup. */
export function tmpDir(prefix = "grinder-data-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Write lines (each + "\n") to `file`, gzipped when the name ends in `.gz`. */
export function writeLines(file: string, lines: string[]): string {
  const text = lines.map((l) => l + "\n").join("");
  writeFileSync(file, file.endsWith(".gz") ? gzipSync(text) : text);
  return file;
}

/** Await a promise that must reject with a GrinderError; returns it. */
export async function rejection(p: Promise<unknown>): Promise<GrinderError> {
  try {
    await p;
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(GrinderError);
    return e as GrinderError;
  }
  throw new Error("expected a GrinderError, got success");
}

/** Drain an async iterable into an array. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export const T0 = 1_704_067_200_000;

/** A valid L1 row at second `i`. */
export function l1(i: number, symbol = "AAAUSDT"): Record<string, unknown> {
  return { ts: T0 + i * 1000, symbol, bid_price: 100 + i * 0.01, bid_qty: 1.5, ask_price: 100.02 + i * 0.01, ask_qty: 2 };
}

/** A valid L2 row at second `i` with `n` levels a side. */
export function l2(i: number, n = 10, symbol = "AAAUSDT"): Record<string, unknown> {
  const bids = Array.from({ length: n }, (_, k) => ({ price: 100 - k * 0.01, qty: 1 + k }));
  const asks = Array.from({ length: n }, (_, k) => ({ price: 100.02 + k * 0.01, qty: 1 + k }));
  return { ts: T0 + i * 1000, symbol, bid_price: 100, bid_qty: 1, ask_price: 100.02, ask_qty: 1, book: { bids, asks, ts: T0 + i * 1000 } };
}
