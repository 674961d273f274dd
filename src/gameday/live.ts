/**
 * What a game day shows while it runs, kept apart from the recorder: the last two minutes, per second,
 * bucketed by when each event *arrived* (a request that times out after 10 s counts when it times out,
 * so the console and the halt conditions see trouble as it happens). Fed by the same event sink as the
 * recorder; bounded memory (at most 120 seconds kept, at most 1000 latency samples per load per second).
 */
import type { TimelineEvent } from '../timeline/events.js';

const KEEP_SECONDS = 120;
const SAMPLES_PER_SECOND = 1000;

export interface LoadSecondLive {
  count: number;
  /** 5xx, 429 or no answer: what an SLO counts as an error. */
  errors: number;
  /** Latency samples (ms), at most SAMPLES_PER_SECOND. */
  lat: number[];
}

interface DepSecondLive {
  requests: number;
}

interface Second {
  loads: Map<string, LoadSecondLive>;
  deps: Map<string, DepSecondLive>;
}

interface DepLive {
  open: number;
  /** conn → when its pending request arrived (absolute ms). */
  pending: Map<number, number>;
}

export class LiveStats {
  private readonly seconds = new Map<number, Second>();
  private readonly deps = new Map<string, DepLive>();
  readonly loadNames = new Set<string>();
  rssBytes: number | undefined;
  lagMs: number | undefined;
  targetExit: { code: number | null; signal: string | null; expected: boolean } | undefined;
  private seed = 1;

  constructor(readonly startMs: number) {}

  /** The second (since the start) that absolute time `t` falls in. */
  secondOf(t: number): number {
    return Math.floor((t - this.startMs) / 1000);
  }

  /** Takes one event as it arrives at `now`. */
  record(e: TimelineEvent, now: number): void {
    switch (e.kind) {
      case 'response': {
        this.loadNames.add(e.load);
        const l = this.loadSecond(this.secondOf(now), e.load);
        l.count += 1;
        if (e.status === undefined || e.status >= 500 || e.status === 429) l.errors += 1;
        if (l.lat.length < SAMPLES_PER_SECOND) l.lat.push(e.latencyMs);
        else l.lat[this.random() % SAMPLES_PER_SECOND] = e.latencyMs;
        return;
      }
      case 'ws': {
        if (e.action === 'message' || e.action === 'connect' || e.action === 'connect-failed') {
          this.loadNames.add(e.load);
          const l = this.loadSecond(this.secondOf(now), e.load);
          l.count += 1;
          if (e.action === 'connect-failed' || e.error) l.errors += 1;
          if (e.latencyMs !== undefined && l.lat.length < SAMPLES_PER_SECOND) l.lat.push(e.latencyMs);
        }
        return;
      }
      case 'dep-open':
        this.dep(e.dependency).open += 1;
        return;
      case 'dep-request': {
        const d = this.dep(e.dependency);
        d.pending.set(e.conn, e.t);
        const s = this.second(this.secondOf(now));
        let ds = s.deps.get(e.dependency);
        if (!ds) s.deps.set(e.dependency, (ds = { requests: 0 }));
        ds.requests += 1;
        return;
      }
      case 'dep-response':
        this.dep(e.dependency).pending.delete(e.conn);
        return;
      case 'dep-close': {
        const d = this.dep(e.dependency);
        d.open = Math.max(0, d.open - 1);
        d.pending.delete(e.conn);
        return;
      }
      case 'target-sample':
        this.rssBytes = e.rssBytes;
        return;
      case 'target-exit':
        this.targetExit = { code: e.code, signal: e.signal, expected: e.expected };
        return;
      case 'lag':
        this.lagMs = e.maxMs;
        return;
      default:
    }
  }

  /** A load's (or every load's, when undefined) second `s`: count, errors, latency samples. */
  loadAt(s: number, load?: string): LoadSecondLive {
    const sec = this.seconds.get(s);
    if (!sec) return { count: 0, errors: 0, lat: [] };
    if (load !== undefined) return sec.loads.get(load) ?? { count: 0, errors: 0, lat: [] };
    const out: LoadSecondLive = { count: 0, errors: 0, lat: [] };
    for (const l of sec.loads.values()) {
      out.count += l.count;
      out.errors += l.errors;
      out.lat.push(...l.lat);
    }
    return out;
  }

  /** Seconds [from, to) merged. */
  loadOver(from: number, to: number, load?: string): LoadSecondLive {
    const out: LoadSecondLive = { count: 0, errors: 0, lat: [] };
    for (let s = from; s < to; s++) {
      const l = this.loadAt(s, load);
      out.count += l.count;
      out.errors += l.errors;
      for (const x of l.lat) out.lat.push(x);
    }
    return out;
  }

  /** Calls the target made to a dependency during seconds [from, to). */
  callsOver(dependency: string, from: number, to: number): number {
    let n = 0;
    for (let s = from; s < to; s++) n += this.seconds.get(s)?.deps.get(dependency)?.requests ?? 0;
    return n;
  }

  /** Connections open to the dependency, and the calls it holds unanswered (oldest first). */
  depNow(dependency: string, now: number): { open: number; pending: number; oldestPendingMs: number } {
    const d = this.deps.get(dependency);
    if (!d) return { open: 0, pending: 0, oldestPendingMs: 0 };
    let oldest = now;
    for (const t of d.pending.values()) oldest = Math.min(oldest, t);
    return { open: d.open, pending: d.pending.size, oldestPendingMs: d.pending.size ? now - oldest : 0 };
  }

  private second(i: number): Second {
    let s = this.seconds.get(i);
    if (!s) {
      s = { loads: new Map(), deps: new Map() };
      this.seconds.set(i, s);
      for (const k of this.seconds.keys()) if (k < i - KEEP_SECONDS) this.seconds.delete(k);
    }
    return s;
  }

  private loadSecond(i: number, load: string): LoadSecondLive {
    const s = this.second(i);
    let l = s.loads.get(load);
    if (!l) s.loads.set(load, (l = { count: 0, errors: 0, lat: [] }));
    return l;
  }

  private dep(name: string): DepLive {
    let d = this.deps.get(name);
    if (!d) this.deps.set(name, (d = { open: 0, pending: new Map() }));
    return d;
  }

  /** A cheap deterministic xorshift for reservoir replacement. */
  private random(): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0 || 1;
    return this.seed;
  }
}

/** Nearest-rank percentile of unsorted samples; NaN when empty. */
export function percentile(samples: readonly number[], q: number): number {
  if (!samples.length) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}
