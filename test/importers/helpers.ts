import { mkdtempSync, existsSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { GrinderError } from "../../sdk/contracts/errors";
import { PROJECT_ROOT } from "../../sdk/cli/fixtures-path";

/** The shared real captures (never copied into the repository). */
export const DATA_DIR = path.join(PROJECT_ROOT, "..", "shared", "data");
export const BTC_CSV = path.join(DATA_DIR, "binance-usdm", "BTCUSDT-bookTicker-2024-08-08.csv");
export const ETH_WS = path.join(DATA_DIR, "binance-spot", "ethusdt-2024-08-08-stream.txt");
export const HAVE_DATA = existsSync(BTC_CSV) && existsSync(ETH_WS);

export function tmpDir(tag: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `grinder-${tag}-`));
}

export async function drain<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Expect `p` to reject with a GrinderError of this code, line and field (and file). */
export async function expectGrinderError(p: Promise<unknown>, code: string, line: number | undefined, field: string | undefined, file?: string): Promise<GrinderError> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err, "expected a GrinderError").to.be.instanceOf(GrinderError);
  const g = err as GrinderError;
  expect(g.code, g.message).to.equal(code);
  expect(g.line, g.message).to.equal(line);
  expect(g.field, g.message).to.equal(field);
  if (file !== undefined) expect(g.file, g.message).to.equal(file);
  return g;
}
