/**
 * The engine's event queue (ADR-042): items ordered by (ts, priority, seq). Priorities at one
 * data time: a request reaching the venue (0) before a report reaching the strategy (1) before
 * the market event of that time (processed by the loop itself, after the queue is drained to
 * its ts). `seq` (insertion order) breaks the remaining ties, so the order is total and
 * deterministic. A binary heap: O(log n) per item.
 */
export const PRIORITY = { REQUEST: 0, REPORT: 1 } as const;

export interface Scheduled<T> {
  ts: number;
  priority: number;
  seq: number;
  item: T;
}

export class EventQueue<T> {
  private readonly heap: Scheduled<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(ts: number, priority: number, item: T): void {
    const h = this.heap;
    h.push({ ts, priority, seq: ++this.seq, item });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  /** The next item due at or before `ts`, or undefined. */
  popDue(ts: number): Scheduled<T> | undefined {
    const h = this.heap;
    if (h.length === 0 || h[0].ts > ts) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

function before<T>(a: Scheduled<T>, b: Scheduled<T>): boolean {
  return a.ts < b.ts || (a.ts === b.ts && (a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq)));
}
