/**
 * A growable column of numbers indexed by a run's second: one Float64Array slot per second instead
 * of an object per second, so a 2-hour run's per-second figures cost 8 bytes each (doubling growth:
 * at most twice that) and hold nothing the garbage collector has to trace.
 */
export class Column {
  private data: Float64Array;
  private used = 0;

  /** `empty`: what a second never written reads as (0 for counts, NaN for "no sample"). */
  constructor(
    readonly empty = 0,
    capacity = 64,
  ) {
    this.data = new Float64Array(Math.max(1, capacity)).fill(empty);
  }

  /** Seconds written so far: 1 + the highest index set. */
  get length(): number {
    return this.used;
  }

  get(i: number): number {
    return i < this.used ? this.data[i]! : this.empty;
  }

  set(i: number, v: number): void {
    this.grow(i);
    this.data[i] = v;
  }

  add(i: number, v: number): void {
    this.grow(i);
    this.data[i]! += v;
  }

  /** Bytes the column holds (its capacity). */
  get bytes(): number {
    return this.data.byteLength;
  }

  private grow(i: number): void {
    if (i >= this.data.length) {
      let n = this.data.length * 2;
      while (n <= i) n *= 2;
      const next = new Float64Array(n).fill(this.empty);
      next.set(this.data);
      this.data = next;
    }
    if (i >= this.used) this.used = i + 1;
  }
}

/** Columns created on first use under a key (status classes, error classes, loads, dependencies). */
export class Columns<K extends string = string> {
  readonly byKey = new Map<K, Column>();
  constructor(private readonly empty = 0) {}

  of(key: K): Column {
    let c = this.byKey.get(key);
    if (!c) this.byKey.set(key, (c = new Column(this.empty)));
    return c;
  }

  get bytes(): number {
    let b = 0;
    for (const c of this.byKey.values()) b += c.bytes;
    return b;
  }
}
