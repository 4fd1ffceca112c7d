/**
 * Compact growable columns for the per-bar table: numbers in a Float64Array, categorical
 * strings as one-byte codes into a small dictionary. About half the memory of JS arrays of the
 * same rows, which keeps the table's share of a long replay's heap small.
 *
 * They start small (16 rows) so the first growths happen within the first bars of a run: the
 * growth branch then has type feedback when the push is optimised, instead of being first taken
 * at row 1 024 (hours of data later) and deoptimising the push and the recorder code it is
 * inlined into.
 */
const INITIAL_ROWS = 16;

export class F64Column {
  private a = new Float64Array(INITIAL_ROWS);
  private n = 0;
  push(x: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(Math.ceil(this.a.length * 1.25));
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = x;
  }
  get length(): number {
    return this.n;
  }
  /** The filled part as a plain array (what table consumers have always received). */
  toArray(): number[] {
    return Array.from(this.a.subarray(0, this.n));
  }
}

export class CodeColumn {
  private c = new Uint8Array(INITIAL_ROWS);
  private n = 0;
  private readonly dict: string[] = [];
  private readonly index = new Map<string, number>();
  push(s: string): void {
    let k = this.index.get(s);
    if (k === undefined) {
      k = this.dict.length;
      if (k > 255) throw new Error("CodeColumn holds at most 256 distinct values");
      this.dict.push(s);
      this.index.set(s, k);
    }
    if (this.n === this.c.length) {
      const b = new Uint8Array(Math.ceil(this.c.length * 1.25));
      b.set(this.c);
      this.c = b;
    }
    this.c[this.n++] = k;
  }
  get length(): number {
    return this.n;
  }
  toArray(): string[] {
    const out = new Array<string>(this.n);
    for (let i = 0; i < this.n; i++) out[i] = this.dict[this.c[i]];
    return out;
  }
}
