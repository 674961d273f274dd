/**
 * The game-day console as a pure function of its state: ConsoleView in, the screen's lines out
 * (each at most `width` characters, at most `height` lines), and the one line per second printed when
 * stdout is not a terminal. No escape codes here: screen.ts owns the terminal.
 */
import { formatMs } from '../units.js';
import { formatBytes, formatPercent } from '../checks/bounds.js';

export interface ConsoleView {
  name: string;
  elapsedMs: number;
  /** Until --max ends the game day. */
  leftMs: number;
  target: { url: string; pid?: number; alive: boolean | null; exit?: string; rssBytes?: number | undefined };
  lagMs: number | undefined;
  loads: { name: string; rps: number; p50Ms: number; p99Ms: number; errorRate: number; p99Spark: number[]; errorSpark: number[] }[];
  deps: { name: string; via: 'proxy' | 'direct'; callsPerS: number; open: number; doing: string; faults: string[] }[];
  faults: { id: number; text: string; by: string; leftMs: number; name: string }[];
  steady: { defined: boolean; holding: boolean; sinceS?: number; text: string };
  halts: { enabled: boolean; conditions: { text: string; breachingS?: number; now?: string }[]; last?: { atS: number; reason: string } };
  steps?: { index: number; total: number; name: string; waiting: boolean; done: string };
  phase?: { index: number; total: number; name: string };
  journal: { atS: number; by: string; text: string; action: string }[];
  control?: string;
  ui: { prompt?: { label: string; input: string; hint?: string }; status?: string; confirmEnd?: boolean };
}

/** "20 s", "2 m", "1 h 30 m", "450 ms": a game day's spans, for people. */
export function formatSpan(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 60_000) return formatMs(ms);
  const s = Math.round(ms / 1000);
  const parts = [[Math.floor(s / 3600), 'h'], [Math.floor((s % 3600) / 60), 'm'], [s % 60, 's']] as const;
  return parts.filter(([n]) => n > 0).map(([n, u]) => `${n} ${u}`).join(' ');
}

const BARS = '▁▂▃▄▅▆▇█';

/** One character per value, scaled to the largest; NaN (no data) is a blank. */
export function sparkline(values: readonly number[], width: number, floor = 0): string {
  const vs = values.slice(-width);
  const max = Math.max(floor, ...vs.filter(Number.isFinite));
  return vs.map((v) => (!Number.isFinite(v) ? ' ' : max <= 0 ? BARS[0] : BARS[Math.min(BARS.length - 1, Math.floor((v / max) * (BARS.length - 1) + 0.5))]!)).join('');
}

const ms = (x: number) => (Number.isFinite(x) ? formatMs(x) : '–');
const pct = (x: number) => (Number.isFinite(x) ? formatPercent(x) : '–');
const clock = (msTotal: number) => {
  const s = Math.max(0, Math.floor(msTotal / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h ? `${h}:` : ''}${String(m).padStart(h ? 2 : 1, '0')}:${String(s % 60).padStart(2, '0')}`;
};
const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

/** Cuts a line to `width` characters (code points: every glyph used here is one column wide). */
export function fit(line: string, width: number): string {
  const cps = [...line];
  return cps.length <= width ? line : `${cps.slice(0, Math.max(0, width - 1)).join('')}…`;
}

export const KEYS = 'i inject  c clear  k KILL SWITCH  n note  s next step  q end';

/** The full screen: header, target, loads, dependencies, faults, hypothesis, halts, journal, keys. */
export function renderScreen(v: ConsoleView, size: { width: number; height: number }): string[] {
  const w = Math.max(40, size.width);
  const out: string[] = [];
  const lag = v.lagMs === undefined ? '–' : formatMs(v.lagMs);
  out.push(`crumple game day — ${v.name}   ${clock(v.elapsedMs)} elapsed, ends in ${clock(v.leftMs)}   crumple lag ${lag}${v.lagMs !== undefined && v.lagMs >= 200 ? ' (LAGGING: numbers suspect)' : ''}`);
  const t = v.target;
  const state = t.alive === null ? 'reached by url' : t.alive ? 'alive' : `DEAD${t.exit ? ` (${t.exit})` : ''}`;
  out.push(`target ${t.url}${t.pid ? ` pid ${t.pid}` : ''}: ${state}${t.rssBytes !== undefined ? `, rss ${formatBytes(t.rssBytes)}` : ''}${v.control ? `   control ${v.control}` : ''}`);
  out.push('');
  const sparkW = Math.max(10, Math.min(60, w - 62));
  const nameW = Math.max(4, ...v.loads.map((l) => l.name.length), ...v.deps.map((d) => d.name.length));
  out.push(`${pad('LOAD', nameW)}  ${pad('req/s', 7)}${pad('p50', 9)}${pad('p99', 9)}${pad('errors', 8)}p99, last minute`);
  if (!v.loads.length) out.push('  (no load yet)');
  for (const l of v.loads) {
    out.push(`${pad(l.name, nameW)}  ${pad(l.rps.toFixed(0), 7)}${pad(ms(l.p50Ms), 9)}${pad(ms(l.p99Ms), 9)}${pad(pct(l.errorRate), 8)}${sparkline(l.p99Spark, sparkW)}`);
    out.push(`${pad('', nameW)}  ${pad('', 33)}${sparkline(l.errorSpark, sparkW, 1)} errors`);
  }
  out.push('');
  out.push(`${pad('DEPENDENCY', Math.max(nameW, 10))}  ${pad('calls/s', 9)}${pad('open', 6)}${pad('the target is', 40)}faults`);
  for (const d of v.deps) {
    out.push(`${pad(d.name, Math.max(nameW, 10))}  ${pad(d.callsPerS.toFixed(0), 9)}${pad(String(d.open), 6)}${pad(d.doing, 38)}  ${d.faults.join(', ') || '–'}`);
  }
  out.push('');
  out.push(v.faults.length ? `ACTIVE FAULTS (${v.faults.length})` : 'ACTIVE FAULTS: none');
  for (const f of v.faults) out.push(`  #${f.id} ${f.text}   ${clock(f.leftMs)} left   by ${f.by}${f.name.startsWith('#') ? '' : `   [${f.name}]`}`);
  out.push('');
  const s = v.steady;
  out.push(`steady state: ${!s.defined ? 'no steady-state in the file' : s.holding ? `holding${s.text ? ` (${s.text})` : ' (no responses yet)'}` : `BREACHED since ${clock((s.sinceS ?? 0) * 1000)}: ${s.text}`}`);
  const h = v.halts;
  if (!h.enabled) out.push('halt: off (--no-halt)');
  else if (!h.conditions.length) out.push('halt: no halt conditions in the file');
  else for (const c of h.conditions) out.push(`halt when ${c.text}: ${c.breachingS !== undefined ? `breaching for ${c.breachingS} s (${c.now})` : 'clear'}`);
  if (h.last) out.push(`HALTED at ${clock(h.last.atS * 1000)}: ${h.last.reason}; every fault rolled back`);
  if (v.steps) {
    const st = v.steps;
    out.push(`steps: ${st.done ? `${st.done}${st.name ? ` (${st.name})` : ''}` : st.index < 0 ? `${st.total} steps ready, press s to start step 1` : `${st.name}${st.waiting ? ', done: press s for the next' : ''}`}`);
  }
  if (v.phase) out.push(`phases: ${v.phase.index < 0 ? 'starting' : v.phase.index >= v.phase.total ? 'all played, now by hand' : `phase ${v.phase.index + 1}/${v.phase.total} '${v.phase.name}'`}`);
  out.push('');
  out.push('JOURNAL');
  const byW = Math.min(24, Math.max(8, ...v.journal.map((j) => j.by.length)));
  for (const j of v.journal) out.push(`  ${clock(j.atS * 1000)}  ${pad(j.by, byW)}  ${j.text}`);
  // The bottom: a prompt or the status line, then the keys.
  const bottom: string[] = [];
  if (v.ui.confirmEnd) bottom.push('end the game day and roll everything back? y/n');
  else if (v.ui.prompt) bottom.push(`${v.ui.prompt.label} ${v.ui.prompt.input}▏${v.ui.prompt.hint ? `   ${v.ui.prompt.hint}` : ''}`);
  else bottom.push(v.ui.status ?? '');
  bottom.push(KEYS + (v.ui.prompt ? '   (Enter ok, Esc cancel, Ctrl-K kill switch)' : ''));
  const room = Math.max(1, size.height - bottom.length);
  const body = out.length > room ? [...out.slice(0, room - 1), `… ${out.length - room + 1} more lines (enlarge the terminal)`] : out;
  return [...body, ...Array<string>(Math.max(0, room - body.length)).fill(''), ...bottom].map((l) => fit(l, w));
}

/** One line per second for a stdout that is not a terminal (logs, CI, a pipe). */
export function renderLine(v: ConsoleView): string {
  const loads = v.loads.map((l) => `${l.name} ${l.rps.toFixed(0)}/s p99 ${ms(l.p99Ms)} err ${pct(l.errorRate)}`).join('; ') || 'no load';
  const faults = v.faults.length ? v.faults.map((f) => `#${f.id} ${f.text} (${clock(f.leftMs)} left)`).join(', ') : 'no faults';
  const steady = !v.steady.defined ? '' : v.steady.holding ? ' | steady holding' : ` | steady BREACHED: ${v.steady.text}`;
  const halt = v.halts.last ? ` | HALTED: ${v.halts.last.reason}` : '';
  return `${clock(v.elapsedMs)} | ${loads} | ${faults}${steady}${halt}`;
}
