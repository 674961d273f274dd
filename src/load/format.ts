import { formatMs } from '../units.js';
import type { LoadSummary } from './shape.js';

const count = (n: number) => n.toLocaleString('en-US');
const ms = (v: number) => (v < 1 ? `${v.toFixed(3)} ms` : formatMs(v));

/** The human summary of one load, as the CLI prints it. Pure. */
export function formatLoadSummary(s: LoadSummary, url: string): string {
  const lines: string[] = [];
  lines.push(`${s.shape} ${url}: ${formatMs(s.elapsedMs)}, stopped by ${s.stoppedBy}`);
  lines.push(`  requests  ${count(s.requests)} (${s.rps.toFixed(1)}/s), ok ${count(s.ok)}${s.missed ? `, missed ${count(s.missed)} (every connection busy)` : ''}`);
  const status = Object.entries(s.status).sort(([a], [b]) => a.localeCompare(b));
  if (status.length) lines.push(`  status    ${status.map(([k, v]) => `${k}: ${count(v)}`).join('  ')}`);
  const errors = Object.entries(s.errors);
  lines.push(`  errors    ${errors.length ? errors.map(([k, v]) => `${k}: ${count(v ?? 0)}`).join('  ') : 'none'}`);
  lines.push(`  latency   p50 ${ms(s.p50Ms)}  p90 ${ms(s.p90Ms)}  p99 ${ms(s.p99Ms)}  max ${ms(s.maxMs)}${s.corrected ? '  (service time)' : ''}`);
  if (s.corrected) {
    const c = s.corrected;
    lines.push(`  corrected p50 ${ms(c.p50Ms)}  p90 ${ms(c.p90Ms)}  p99 ${ms(c.p99Ms)}  max ${ms(c.maxMs)}  (from each request's intended send time)`);
  }
  if (s.pulses?.length) {
    lines.push(`  release spread (first to last write): median ${ms(s.releaseSpreadMs?.median ?? 0)}, max ${ms(s.releaseSpreadMs?.max ?? 0)}`);
    for (const p of s.pulses) {
      lines.push(`    pulse ${p.pulse + 1}: ${p.sent}/${p.connected} sent, spread ${ms(p.releaseSpreadMs)}, ok ${p.ok}, failed ${p.failed}${p.rejected !== undefined ? `, shed ${p.rejected}` : ''}, p50 ${ms(p.p50Ms)}, p99 ${ms(p.p99Ms)}`);
    }
    if (s.limit) {
      const l = s.limit;
      const held = l.boundedBy ? ` (bound ${l.upTo}, held to ${l.largest} by the ${l.boundedBy} limit)` : '';
      lines.push(
        l.shedAt !== undefined
          ? `  limit     sheds from ~${l.acceptedAtShed} concurrent (a pile of ${l.shedAt} got 429/503s)${held}`
          : `  limit     no shedding up to ${l.largest} concurrent${held}`,
      );
    }
  }
  if (s.steps?.length) {
    for (const st of s.steps) lines.push(`    step ${st.step + 1}: ${st.rate}/s offered, ${st.rps}/s achieved, errors ${st.errors}, p99 ${ms(st.p99Ms)}`);
    if (s.capacity) {
      lines.push(
        s.capacity.exceededAt
          ? `  capacity  ${s.capacity.rate}/s (step ${s.capacity.step + 1}); step ${s.capacity.exceededAt.step + 1} at ${s.capacity.exceededAt.rate}/s crossed: ${s.capacity.exceededAt.reason}`
          : `  capacity  at least ${s.capacity.rate}/s (no step crossed the limits)`,
      );
    }
  }
  for (const [i, w] of (s.storms ?? []).entries()) {
    lines.push(`  storm ${i + 1}: ${w.dropped} dropped, ${w.attempts} reconnect attempts, ${w.failures} failed, all back ${w.allBackMs === undefined ? 'never (by the end)' : `after ${ms(w.allBackMs)}`}`);
  }
  return lines.join('\n') + '\n';
}
