/**
 * Contract misses in a run: requests the target made that its dependency's contract did not cover
 * (`ok` answered 404 and logged a dep-miss). Counted from the per-second summary, which is complete
 * however long the run; the requests named come from the raw events the recorder kept.
 */
import type { Timeline } from '../timeline/timeline.js';

export interface ContractMisses {
  count: number;
  /** The most frequent missed requests ("GET /stock/7"), at most MAX_NAMED. */
  top: { request: string; count: number }[];
}
const MAX_NAMED = 5;

/** Misses per dependency; a dependency with none is absent. */
export function contractMissesOf(t: Pick<Timeline, 'events' | 'seconds'>): Map<string, ContractMisses> {
  const counts = new Map<string, number>();
  for (const s of t.seconds) for (const [dep, d] of Object.entries(s.deps)) if (d.misses) counts.set(dep, (counts.get(dep) ?? 0) + d.misses);
  const named = new Map<string, Map<string, number>>();
  for (const e of t.events) {
    if (e.kind !== 'dep-miss') continue;
    const byReq = named.get(e.dependency) ?? new Map<string, number>();
    named.set(e.dependency, byReq);
    const key = `${e.method} ${e.path.split('?')[0]}`;
    byReq.set(key, (byReq.get(key) ?? 0) + 1);
  }
  const out = new Map<string, ContractMisses>();
  for (const [dep, count] of counts) {
    const top = [...(named.get(dep) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, MAX_NAMED).map(([request, n]) => ({ request, count: n }));
    out.set(dep, { count, top });
  }
  return out;
}

/** "inventory: 12 (GET /stock/7 ×10, GET /stock/8 ×2)" */
export function missesLine(name: string, m: ContractMisses): string {
  // From report.json, which `crumple report` re-reads: do not trust the fields to be there.
  const top = Array.isArray(m.top) ? m.top : [];
  const named = top.map((x) => `${String(x.request)} ×${Number(x.count)}`).join(', ');
  const more = top.reduce((s, x) => s + Number(x.count), 0) < m.count ? ', …' : '';
  return `${name}: ${m.count} request${m.count === 1 ? '' : 's'} not in its contract${named ? ` (${named}${more})` : ''}`;
}

/** The run's dependency list with each one's misses attached (report.json's `contractMisses`). */
export function withContractMisses<D extends { name: string }>(deps: readonly D[], misses: Map<string, ContractMisses>): (D & { contractMisses?: ContractMisses })[] {
  return deps.map((d) => {
    const m = misses.get(d.name);
    return m ? { ...d, contractMisses: m } : d;
  });
}
