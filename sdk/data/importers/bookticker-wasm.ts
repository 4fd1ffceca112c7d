/**
 * The bookTicker CSV fast path in WebAssembly (ADR-252): `wasm/bookticker-scan.ts` (AssemblyScript),
 * compiled by `scripts/build-wasm.cjs` into `bookticker-scan-wasm.ts`. It reads the common-form
 * lines of a chunk (the rows `BookTickerCsvParser.fastRow` accepts whose canonical number texts
 * are their own bytes) into seven f64 columns and their canonical JSON lines, and stops at the
 * first other line, which the parser reads itself. Same values, same line bytes: the store's
 * content hash and every partition byte are those of the JavaScript path (tested, and
 * `GRINDER_IMPORT_WASM=0` runs without it).
 */
import { BOOKTICKER_SCAN_WASM_BASE64 } from "./bookticker-scan-wasm";

/** The little of the WebAssembly JS API used here (the SDK's `lib` has no WebAssembly types). */
interface WasmGlobal {
  value: number;
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmModule {
  readonly kind?: never;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

interface ScanExports {
  memory: WasmMemory;
  lastId: WasmGlobal;
  lastEvent: WasmGlobal;
  rows: WasmGlobal;
  lineLen: WasmGlobal;
  scan(src: number, pos: number, stop: number, cols: number, cap: number, lines: number, linesCap: number, tmpl: number, symLen: number): number;
}

/** Rows per scan call (columns of this many values) and the room for their lines. */
const CAP = 1 << 14;
const PAGE = 65536;
/** Regions: the templates from one page up, then the columns, the lines, and the chunk at the top (grown to fit). */
const TMPL = PAGE;
const COLS = 2 * PAGE;
const LINES = COLS + 7 * 8 * CAP;

let compiled: WasmModule | null | undefined;

/** The compiled module, or null when WebAssembly is not available or `GRINDER_IMPORT_WASM=0`. */
function wasmModule(): WasmModule | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  if (process.env.GRINDER_IMPORT_WASM === "0" || WA === undefined) return compiled;
  try {
    compiled = new WA.Module(Buffer.from(BOOKTICKER_SCAN_WASM_BASE64, "base64"));
  } catch {
    compiled = null;
  }
  return compiled;
}

export class BookTickerWasmScan {
  private readonly ex: ScanExports;
  private u8: Uint8Array;
  private f64: Float64Array;
  private readonly symLen: number;
  private readonly linesCap: number;
  private readonly src: number;
  private base = 0;
  private stop = 0;
  /** Rows and line bytes of the last `scan`, and the parser state after it. */
  rows = 0;
  lineLen = 0;
  lastId = -1;
  lastEvent = -1;

  private constructor(mod: WasmModule, keys: readonly Uint8Array[], sym: Uint8Array) {
    this.ex = new WA!.Instance(mod, {}).exports as unknown as ScanExports;
    this.symLen = sym.length;
    this.linesCap = (256 + sym.length) * CAP;
    this.src = LINES + this.linesCap;
    const need = this.src + (1 << 22);
    const mem = this.ex.memory;
    if (mem.buffer.byteLength < need) mem.grow(Math.ceil((need - mem.buffer.byteLength) / PAGE));
    this.u8 = new Uint8Array(mem.buffer);
    this.f64 = new Float64Array(mem.buffer);
    let t = TMPL;
    for (const k of [...keys, sym]) {
      this.u8.set(k, t);
      t += k.length;
    }
  }

  /**
   * A scanner for lines of `symbol` (`sym`: its `,"symbol":…,"ts":` bytes), or undefined without
   * WebAssembly. `keys`: the four number keys' bytes in line order; the module assumes their
   * lengths (13, 11, 13, 11), so other keys mean no scanner.
   */
  static create(keys: readonly Uint8Array[], sym: Uint8Array): BookTickerWasmScan | undefined {
    const mod = wasmModule();
    if (mod === null || keys.length !== 4 || keys[0].length !== 13 || keys[1].length !== 11 || keys[2].length !== 13 || keys[3].length !== 11) return undefined;
    return new BookTickerWasmScan(mod, keys, sym);
  }

  /** Put `buf[pos, stop)` into the module's memory: the bytes `scan` reads next. */
  load(buf: Uint8Array, pos: number, stop: number): void {
    const len = stop - pos;
    const mem = this.ex.memory;
    // 16 bytes of room after the chunk: the module reads eight bytes at a time
    const need = this.src + len + 16;
    if (need > mem.buffer.byteLength) {
      mem.grow(Math.ceil((need - mem.buffer.byteLength) / PAGE));
      this.u8 = new Uint8Array(mem.buffer);
      this.f64 = new Float64Array(mem.buffer);
    }
    this.u8.set(buf.subarray(pos, stop), this.src);
    this.base = pos;
    this.stop = stop;
  }

  /**
   * Scan the loaded bytes from `pos` (a line start, in the loaded buffer's positions) with the
   * parser's last update id and event time; returns the position after the last row taken
   * (`rows` rows in `column(k)`, `lineLen` bytes in `lines()`; 0 rows: `pos`).
   */
  scan(pos: number, lastId: number, lastEvent: number): number {
    const ex = this.ex;
    ex.lastId.value = lastId;
    ex.lastEvent.value = lastEvent;
    const b = this.base;
    const end = ex.scan(this.src, pos - b, this.stop - b, COLS, CAP, LINES, this.linesCap, TMPL, this.symLen) + b;
    this.rows = ex.rows.value;
    this.lineLen = ex.lineLen.value;
    this.lastId = ex.lastId.value;
    this.lastEvent = ex.lastEvent.value;
    return end;
  }

  /** Column `k` of the last scan (0 update id, 1 bid price, 2 bid qty, 3 ask price, 4 ask qty, 5 transaction time, 6 event time): a view. */
  column(k: number): Float64Array {
    const at = (COLS >> 3) + k * CAP;
    return this.f64.subarray(at, at + this.rows);
  }

  /** The canonical lines of the last scan: a view. */
  lines(): Uint8Array {
    return this.u8.subarray(LINES, LINES + this.lineLen);
  }
}
