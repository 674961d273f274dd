import { readdirSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { monotonicMs } from '../timeline/clock.js';
import { Histogram, roundUs } from '../timeline/summary.js';
import { Tally, boundedDuration, buildRequest, deadlineOf, intIn, recordOutcome, requestFields, targetOf } from './common.js';
import { sleep } from '../safety.js';
import { HttpConn, type Outcome } from './http-conn.js';
import type { DogpilePulse, LoadShape, LoadSummary } from './shape.js';

/** In a dogpile's path, the pulse's number from 1: each burst asks for its own key. */
export const PULSE = '{pulse}';

/** A find-limit escalation never holds more connections than this (the process's open files are few). */
export const MAX_FIND_LIMIT = 10_000;

const spec = z
  .object({
    ...requestFields,
    /** Requests per pulse, each on its own pre-opened connection. */
    n: intIn(1, 50_000).default(100),
    /** How many times the pile fires (the cron job at midnight, every midnight). */
    pulses: intIn(1, 10_000).default(1),
    /** From one pulse's release to the next (a pulse never starts before the previous one finished). */
    every: boundedDuration(0, 3_600_000).default(10_000),
    /** Spread each request's release uniformly over this window (random clock slew); 0 = all at once. */
    jitter: boundedDuration(0, 60_000).default(0),
    /**
     * Find the target's limit: pulses of n, 2n, 4n... up to `upTo` (then `pulses` is not used), until
     * a pulse gets a 429/503 or the bound is reached; the shedding check reads the pulses.
     */
    findLimit: z.strictObject({ upTo: intIn(2, MAX_FIND_LIMIT) }).optional(),
  })
  .strict();

/**
 * How many more connections this process may open: half the room left under its open-file limit
 * (/proc/self/limits, soft), so the stand-ins, the proxy and the recorder keep theirs. Infinity when
 * the limit cannot be read (not Linux).
 */
export function openFileRoom(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m || m[1] === 'unlimited') return Infinity;
    const open = readdirSync('/proc/self/fd').length;
    return Math.max(1, Math.floor((Number(m[1]) - open) / 2));
  } catch {
    return Infinity;
  }
}

/** Pulse sizes of an escalation: n, 2n, 4n... and the bound itself last. */
export function escalation(n: number, upTo: number): number[] {
  const out: number[] = [];
  for (let k = Math.min(n, upTo); k < upTo; k *= 2) out.push(k);
  out.push(upTo);
  return out;
}

/** Resolves with `p`, or as soon as the signal aborts. */
function untilAborted(p: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    void p.then(done);
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : 0;
};

/**
 * N connections opened first, a barrier (all connected), then every request written in one tight
 * loop (or spread over `jitter`), once or in pulses. The release spread (first to last write) is
 * recorded per pulse; connections that could not open are recorded as failed requests.
 */
export default {
  name: 'dogpile',
  description: 'N requests released at one instant on pre-opened connections, once or in pulses ({pulse} in the path: a key per pulse)',
  spec,
  async run(ctx) {
    const s = ctx.spec;
    const tally = new Tally();
    // With findLimit the pulses escalate, bounded by upTo and by the open files this process may still use.
    const room = s.findLimit ? openFileRoom() : Infinity;
    const cap = s.findLimit ? Math.min(s.findLimit.upTo, room) : s.n;
    const sizes = s.findLimit ? escalation(s.n, cap) : Array.from({ length: s.pulses }, () => s.n);
    const findLimit = s.findLimit ? { upTo: s.findLimit.upTo, ...(cap < s.findLimit.upTo ? { boundedBy: 'open files' as const } : {}) } : undefined;
    const deadline = deadlineOf(tally.started, sizes.length * (s.every + (s.findLimit ? s.timeout : 0)) + s.timeout + 60_000, ctx.runMs);
    // Every request of a pulse is the same bytes; `{pulse}` in the path gives each pulse its own key (/items/{pulse}: /items/1, /items/2...).
    const reqOf = (k: number) => (s.path.includes(PULSE) ? buildRequest(ctx.baseUrl, { ...s, path: s.path.replaceAll(PULSE, String(k + 1)) }) : buildRequest(ctx.baseUrl, s));
    const noBody = s.method === 'HEAD';
    const target = targetOf(ctx.baseUrl);
    const all: HttpConn[] = [];
    const pulses: DogpilePulse[] = [];
    let stoppedBy: 'done' | 'signal' | 'duration' = 'done';
    const onAbort = () => all.forEach((c) => c.destroy());
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (let k = 0; k < sizes.length; k++) {
        if (k > 0) await sleep(pulses[0]!.t + k * s.every - monotonicMs(), ctx.signal);
        if (ctx.signal.aborted) {
          stoppedBy = 'signal';
          break;
        }
        if (monotonicMs() >= deadline) {
          stoppedBy = 'duration';
          break;
        }
        // Barrier: every connection open (or failed) before anything is sent.
        const size = sizes[k]!;
        const req = reqOf(k);
        while (all.length < size) all.push(new HttpConn(target, s.timeout));
        const conns = all.slice(0, size);
        const tConnect = monotonicMs();
        ctx.sink({ kind: 'load-pulse', t: tConnect, load: ctx.name, pulse: k, size, ...(findLimit ? { findLimit } : {}) });
        const connectErrors = await Promise.all(conns.map((c) => c.connect()));
        if (ctx.signal.aborted) {
          stoppedBy = 'signal';
          break;
        }
        const hist = new Histogram();
        let ok = 0;
        let failed = 0;
        let rejected = 0;
        const record = (t: number, o: Outcome) => {
          if (ctx.signal.aborted) return;
          recordOutcome(ctx.sink, tally, ctx.name, t, o);
          hist.record(monotonicMs() - t);
          if (o.error || (o.status ?? 500) >= 400) failed += 1;
          else ok += 1;
          if (o.status === 429 || o.status === 503) rejected += 1;
        };
        for (const err of connectErrors) if (err) record(tConnect, { error: err, bytes: 0 });
        const ready = conns.filter((c, i) => !connectErrors[i] && c.isConnected);
        let pending = ready.length;
        let allDone: () => void = () => {};
        const finished = new Promise<void>((r) => (allDone = r));
        if (pending === 0) allDone();
        // Bookkeeping first (parsers, deadlines, callbacks), so the release itself is only writes.
        const times = new Float64Array(ready.length);
        ready.forEach((c, i) =>
          c.arm((o) => {
            record(times[i]!, o);
            if (--pending === 0) allDone();
          }, noBody),
        );
        let first = Infinity;
        let last = -Infinity;
        const released = monotonicMs();
        if (s.jitter === 0) {
          // The release: one synchronous loop, nothing else runs on this thread until every request is written.
          for (let i = 0; i < ready.length; i++) {
            times[i] = monotonicMs();
            ready[i]!.write(req);
          }
          first = times[0] ?? released;
          last = times[ready.length - 1] ?? released;
        } else {
          await Promise.all(
            ready.map(
              (c, i) =>
                new Promise<void>((r) =>
                  setTimeout(() => {
                    if (!ctx.signal.aborted) {
                      const t = (times[i] = monotonicMs());
                      c.write(req);
                      first = Math.min(first, t);
                      last = Math.max(last, t);
                    }
                    r();
                  }, Math.random() * s.jitter),
                ),
            ),
          );
        }
        await untilAborted(finished, ctx.signal);
        const spread = ready.length > 1 ? Math.max(0, last - first) : 0;
        pulses.push({
          pulse: k,
          connected: ready.length,
          sent: ready.length,
          releaseSpreadMs: roundUs(spread),
          t: released,
          ok,
          failed,
          p50Ms: roundUs(hist.quantile(0.5)),
          p99Ms: roundUs(hist.quantile(0.99)),
          maxMs: roundUs(hist.maxMs),
          ...(findLimit ? { rejected } : {}),
        });
        if (ctx.signal.aborted) {
          stoppedBy = 'signal';
          break;
        }
        // Found it: the target shed at this size; a bigger pile would only repeat that.
        if (findLimit && rejected > 0) break;
      }
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      all.forEach((c) => c.destroy());
    }
    const spreads = pulses.map((p) => p.releaseSpreadMs);
    const shedAt = pulses.find((p) => (p.rejected ?? 0) > 0);
    const limit: LoadSummary['limit'] = findLimit && { ...findLimit, largest: pulses.at(-1)?.sent ?? 0, ...(shedAt ? { shedAt: shedAt.sent, acceptedAtShed: shedAt.ok } : {}) };
    return tally.summary(ctx.name, 'dogpile', stoppedBy, {
      pulses,
      releaseSpreadMs: { median: roundUs(median(spreads)), max: roundUs(spreads.length ? Math.max(...spreads) : 0) },
      ...(limit ? { limit } : {}),
    });
  },
} satisfies LoadShape<typeof spec>;
