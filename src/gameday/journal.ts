/**
 * The record of a game day, from its timeline alone (pure): the windows checks judge — a baseline
 * until the first fault, then one window per injection from the moment its faults were really applied
 * to the moment they were really removed — and the journal as reports show it, each clearance with the
 * time the target took to recover from that fault (MTTR, measured by the `recovery` check).
 */
import type { CheckContext, PhaseWindow } from '../checks/check.js';
import recovery, { recoveryExpectation } from '../checks/recovery.js';
import type { JournalEvent } from '../timeline/events.js';
import type { Timeline } from '../timeline/timeline.js';
import type { JournalEntry } from '../report/result.js';
import { formatMs } from '../units.js';

const journalOf = (t: Timeline): JournalEvent[] => t.events.filter((e): e is JournalEvent => e.kind === 'journal');

/** Baseline, then every injection's real active window (absolute ms, like events), in start order. */
export function gameDayWindows(timeline: Timeline, baselineName = 'baseline'): PhaseWindow[] {
  const journal = journalOf(timeline);
  const start = journal.find((e) => e.action === 'start')?.t ?? timeline.startMs;
  const injects = journal.filter((e) => e.action === 'inject' && e.id !== undefined);
  const ends = new Map<number, number>();
  for (const e of journal) if ((e.action === 'clear' || e.action === 'expire') && e.id !== undefined && !ends.has(e.id)) ends.set(e.id, e.t);
  const firstFault = injects[0]?.t ?? timeline.endMs;
  const out: PhaseWindow[] = [{ index: 0, name: baselineName, startMs: start, endMs: firstFault, faults: [] }];
  for (const e of injects) {
    out.push({ index: out.length, name: uniqueName(e.name ?? `#${e.id}`, out), startMs: e.t, endMs: ends.get(e.id!) ?? timeline.endMs, faults: e.faults ?? [] });
  }
  return out;
}

function uniqueName(name: string, taken: readonly PhaseWindow[]): string {
  if (!taken.some((w) => w.name === name)) return name;
  for (let i = 2; ; i++) if (!taken.some((w) => w.name === `${name} (${i})`)) return `${name} (${i})`;
}

/**
 * Time to recover after one injection cleared: the `recovery` check over the baseline and that
 * window alone, up to the next injection (or the end). Null when it did not recover in that time,
 * or when other faults were still active (the recovery would not be this fault's).
 */
export function recoveryAfter(ctx: CheckContext, w: PhaseWindow): { ms: number | null; why?: string } {
  const others = ctx.phases.filter((p) => p !== w && p.faults.length && p.startMs < w.endMs && p.endMs > w.endMs);
  if (others.length) return { ms: null, why: `${others.map((o) => o.name).join(', ')} still active when it cleared` };
  const after = ctx.phases.filter((p) => p.faults.length && p.startMs >= w.endMs).sort((a, b) => a.startMs - b.startMs)[0];
  const next = after?.startMs ?? ctx.timeline.endMs;
  if (after && next - w.endMs < 1000) return { ms: null, why: `${after.name} began ${formatMs(next - w.endMs)} after it cleared` };
  const baseline = ctx.phases.find((p) => !p.faults.length);
  // The timeline up to the next injection: what happened after is another fault's recovery.
  const events = ctx.timeline.events;
  let hi = events.length;
  for (let lo = 0; lo < hi; ) {
    const mid = (lo + hi) >> 1;
    if (events[mid]!.t <= next) lo = mid + 1;
    else hi = mid;
  }
  const sub: CheckContext = { ...ctx, timeline: { ...ctx.timeline, events: events.slice(0, hi), endMs: next }, phases: baseline ? [baseline, w] : [w] };
  const v = recovery.run(sub, recoveryExpectation.parse({ within: 3_600_000 }), 'recovery');
  const ms = v.measured.recoveryMs;
  return typeof ms === 'number' ? { ms } : { ms: null, why: v.reason ?? v.summary };
}

/** The journal as reports show it: run-relative and wall-clock times, MTTR on every clearance. */
export function journalEntries(ctx: CheckContext, startedAt: string): JournalEntry[] {
  const t0 = ctx.timeline.startMs;
  const wall0 = Date.parse(startedAt);
  const byId = new Map<number, PhaseWindow>();
  const injects = journalOf(ctx.timeline).filter((e) => e.action === 'inject');
  injects.forEach((e, i) => {
    const w = ctx.phases[i + 1];
    if (e.id !== undefined && w) byId.set(e.id, w);
  });
  return journalOf(ctx.timeline).map((e) => {
    const entry: JournalEntry = { atMs: Math.round(e.t - t0), at: new Date(wall0 + (e.t - t0)).toISOString(), action: e.action, by: e.by, text: e.text, ...(e.id !== undefined ? { id: e.id } : {}) };
    if ((e.action === 'clear' || e.action === 'expire') && e.id !== undefined) {
      const w = byId.get(e.id);
      if (w) {
        const r = recoveryAfter(ctx, w);
        entry.recoveredMs = r.ms === null ? null : Math.round(r.ms);
        entry.recovery = r.ms === null ? `recovery not measured: ${r.why}` : `recovered ${formatMs(r.ms)} after clearing`;
      }
    }
    return entry;
  });
}
