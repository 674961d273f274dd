/**
 * Simpler neighbours of a failing schedule, simplest change first: without a whole track, without
 * one step, steps shortened to the floor, tracks started at the window's start, optional loads left
 * out, parameters back to their defaults. fast-check's own shrinking works on how a value was
 * generated; this pass works on what the schedule means, and finishes what fast-check leaves
 * (e.g. dropping the *last* step of a sequence).
 */
import type { ExploreSpace } from './space.js';
import type { Schedule, Track } from './schedule.js';

export function* neighbours(s: Schedule, space: ExploreSpace): Generator<Schedule> {
  const min = space['step-duration'].min;
  const withTrack = (i: number, t: Track | null): Schedule => ({ ...s, tracks: t === null ? s.tracks.filter((_, k) => k !== i) : s.tracks.map((x, k) => (k === i ? t : x)) });
  if (s.tracks.length > 1) for (let i = 0; i < s.tracks.length; i++) yield withTrack(i, null);
  for (const [i, t] of s.tracks.entries()) {
    if (t.steps.length > 1) for (let j = t.steps.length - 1; j >= 0; j--) yield withTrack(i, { ...t, steps: t.steps.filter((_, k) => k !== j) });
  }
  for (const [n, l] of Object.entries(s.loads)) if (l !== null && space.load[n]?.optional) yield { ...s, loads: { ...s.loads, [n]: null } };
  for (const [i, t] of s.tracks.entries()) {
    if (t.atMs > 0) yield withTrack(i, { ...t, atMs: 0 });
    for (const [j, step] of t.steps.entries()) {
      if (step.forMs > min) yield withTrack(i, { ...t, steps: t.steps.map((x, k) => (k === j ? { ...x, forMs: Math.max(min, Math.round(x.forMs / 2)) } : x)) });
      const f = step.fault;
      if ('behaviour' in f && f.params && typeof f.params === 'object' && Object.keys(f.params).length) {
        for (const key of Object.keys(f.params)) {
          const params = Object.fromEntries(Object.entries(f.params as Record<string, unknown>).filter(([k]) => k !== key));
          const fault = Object.keys(params).length ? { ...f, params } : { behaviour: f.behaviour };
          yield withTrack(i, { ...t, steps: t.steps.map((x, k) => (k === j ? { ...x, fault } : x)) });
        }
      }
      if ('toxic' in f && Object.keys(f.toxic.attributes).length) {
        for (const key of Object.keys(f.toxic.attributes)) {
          const attributes = Object.fromEntries(Object.entries(f.toxic.attributes).filter(([k]) => k !== key));
          yield withTrack(i, { ...t, steps: t.steps.map((x, k) => (k === j ? { ...x, fault: { ...f, toxic: { ...f.toxic, attributes } } } : x)) });
        }
      }
    }
  }
  for (const [n, l] of Object.entries(s.loads)) {
    const r = space.load[n]?.rate;
    if (l && r && l.rate !== undefined && l.rate > Math.ceil(r.min)) yield { ...s, loads: { ...s.loads, [n]: { rate: Math.max(Math.ceil(r.min), Math.round(l.rate / 2)) } } };
  }
}
