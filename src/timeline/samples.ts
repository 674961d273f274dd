import { Column } from './columns.js';
import type { LagEvent, TargetSampleEvent } from './events.js';

/**
 * The run's periodic samples — the target's (rss, cpu, fds, threads) and the harness lag — kept as
 * columns: two to four a second over hours is the bulk of a soak's control events, and an object
 * each (~150 B with its boxed numbers) grows the heap ~2 MB an hour (bench/soak.bench.ts). A row is
 * 8 B per field, and the events come back as objects only for a snapshot's span. An event with any
 * other field does not fit a row: the recorder keeps it as an object.
 */

const TARGET_FIELDS = new Set(['kind', 't', 'rssBytes', 'cpuPercent', 'fds', 'threads']);
const LAG_FIELDS = new Set(['kind', 't', 'p50Ms', 'p99Ms', 'maxMs']);

function fits(e: object, fields: ReadonlySet<string>): boolean {
  for (const k in e) {
    if (!fields.has(k)) return false;
    const v = (e as Record<string, unknown>)[k];
    if (k !== 'kind' && (typeof v !== 'number' || Number.isNaN(v))) return false;
  }
  return true;
}

export type Sample = TargetSampleEvent | LagEvent;

export class SampleColumns {
  private n = 0;
  /** Arrival order among all control events, so a snapshot gives them back in the order they came. */
  private readonly seq = new Column();
  private readonly t = new Column();
  /** 0 target-sample, 1 lag. */
  private readonly kind = new Column();
  // target-sample: a = rssBytes, b = cpuPercent, c = fds, d = threads; lag: a = p50, b = p99, c = max.
  private readonly a = new Column(NaN);
  private readonly b = new Column(NaN);
  private readonly c = new Column(NaN);
  private readonly d = new Column(NaN);

  get length(): number {
    return this.n;
  }

  /** Stores the sample as a row and returns true, or false when it carries fields a row has no room for. */
  put(e: Sample, seq: number): boolean {
    if (!fits(e, e.kind === 'lag' ? LAG_FIELDS : TARGET_FIELDS)) return false;
    const i = this.n++;
    this.seq.set(i, seq);
    this.t.set(i, e.t);
    if (e.kind === 'lag') {
      this.kind.set(i, 1);
      this.a.set(i, e.p50Ms);
      this.b.set(i, e.p99Ms);
      this.c.set(i, e.maxMs);
    } else {
      this.kind.set(i, 0);
      this.a.set(i, e.rssBytes);
      if (e.cpuPercent !== undefined) this.b.set(i, e.cpuPercent);
      if (e.fds !== undefined) this.c.set(i, e.fds);
      if (e.threads !== undefined) this.d.set(i, e.threads);
    }
    return true;
  }

  seqOf(i: number): number {
    return this.seq.get(i);
  }

  tOf(i: number): number {
    return this.t.get(i);
  }

  /** Row i as the event it was recorded from. */
  event(i: number): Sample {
    const t = this.t.get(i);
    if (this.kind.get(i) === 1) return { kind: 'lag', t, p50Ms: this.a.get(i), p99Ms: this.b.get(i), maxMs: this.c.get(i) };
    const e: TargetSampleEvent = { kind: 'target-sample', t, rssBytes: this.a.get(i) };
    const cpu = this.b.get(i);
    const fds = this.c.get(i);
    const threads = this.d.get(i);
    if (!Number.isNaN(cpu)) e.cpuPercent = cpu;
    if (!Number.isNaN(fds)) e.fds = fds;
    if (!Number.isNaN(threads)) e.threads = threads;
    return e;
  }

  get bytes(): number {
    return this.seq.bytes + this.t.bytes + this.kind.bytes + this.a.bytes + this.b.bytes + this.c.bytes + this.d.bytes;
  }
}
