/**
 * What `verify` prints and writes: a table per route, a tally, JUnit XML (one testcase per route)
 * and the exit code: 0 no breaking drift, 1 drift (or, with strict, any change), 2 a route could not
 * be checked because the dependency gave no HTTP answer.
 */
import { clip, escapeXml, escapeXmlText, printable } from '../report/text.js';
import { formatMs } from '../units.js';
import type { RouteResult } from './verify.js';

export interface VerifySummary {
  file: string;
  against: string;
  strict: boolean;
  routes: RouteResult[];
  counts: { ok: number; changed: number; drift: number; skipped: number; error: number };
  exitCode: 0 | 1 | 2;
}

export function summarise(file: string, against: string, routes: RouteResult[], strict: boolean): VerifySummary {
  const counts = { ok: 0, changed: 0, drift: 0, skipped: 0, error: 0 };
  for (const r of routes) counts[r.outcome] += 1;
  const exitCode = counts.error ? 2 : counts.drift || (strict && counts.changed) ? 1 : 0;
  return { file, against, strict, routes, counts, exitCode };
}

const LABEL: Record<RouteResult['outcome'], string> = { ok: 'ok', changed: 'changed', drift: 'DRIFT', skipped: 'skipped', error: 'ERROR' };

function latencyText(r: RouteResult): string {
  if (r.latencyMs === undefined) return '';
  return r.recordedLatencyMs !== undefined ? `${formatMs(r.latencyMs)} (rec ${formatMs(r.recordedLatencyMs)})` : formatMs(r.latencyMs);
}

function detailText(r: RouteResult): string {
  const parts = r.drifts.map((d) => d.message);
  if (r.reason) parts.push(r.reason);
  return parts.join('; ');
}

/** The terminal table. Everything from the dependency passes through printable(). */
export function renderVerifyText(s: VerifySummary): string {
  const p = (x: string) => printable(x);
  const width = Math.min(48, Math.max(5, ...s.routes.map((r) => r.route.length)));
  const lat = Math.max(7, ...s.routes.map((r) => latencyText(r).length));
  const lines = [`contract ${p(s.file)} (${s.routes.length} route${s.routes.length === 1 ? '' : 's'}) against ${p(s.against)}`, ''];
  lines.push(`  ${'ROUTE'.padEnd(width)}  ${'RESULT '}  ${'LATENCY'.padEnd(lat)}  DRIFT`);
  for (const r of s.routes) {
    lines.push(`  ${p(clip(r.route, width)).padEnd(width)}  ${LABEL[r.outcome].padEnd(7)}  ${latencyText(r).padEnd(lat)}  ${p(clip(detailText(r), 400))}`.trimEnd());
  }
  const c = s.counts;
  lines.push('', `  ${c.ok} ok, ${c.drift} drifted, ${c.changed} changed (additive${s.strict ? ', failing with --strict' : ''}), ${c.skipped} skipped, ${c.error} error${c.error === 1 ? '' : 's'}`);
  return `${lines.join('\n')}\n`;
}

/** junit.xml: testsuite = the contract file, one testcase per route. */
export function renderVerifyJunit(s: VerifySummary): string {
  const fails = s.routes.filter((r) => r.outcome === 'drift' || (s.strict && r.outcome === 'changed')).length;
  const errors = s.counts.error;
  const skipped = s.counts.skipped;
  const suite = escapeXml(`contract ${s.file}`);
  const time = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(3);
  const total = s.routes.reduce((t, r) => t + (r.latencyMs ?? 0), 0);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="crumple contract verify" tests="${s.routes.length}" failures="${fails}" errors="${errors}" time="${time(total)}">`);
  out.push(`  <testsuite name="${suite}" tests="${s.routes.length}" failures="${fails}" errors="${errors}" skipped="${skipped}" time="${time(total)}">`);
  out.push('    <properties>', `      <property name="against" value="${escapeXml(s.against)}"/>`, `      <property name="strict" value="${s.strict}"/>`, '    </properties>');
  for (const r of s.routes) {
    const detail = [r.sent ? `sent ${r.sent}` : '', r.status !== undefined ? `status ${r.status}` : '', latencyText(r) ? `latency ${latencyText(r)}` : '', ...r.drifts.map((d) => `${d.breaking ? 'drift' : 'change'}: ${d.message}`), r.reason ?? '']
      .filter(Boolean)
      .join('\n');
    out.push(`    <testcase classname="${suite}" name="${escapeXml(r.route)}" time="${time(r.latencyMs)}">`);
    const msg = escapeXml(clip(detailText(r), 2000));
    if (r.outcome === 'drift' || (s.strict && r.outcome === 'changed')) out.push(`      <failure message="${msg}" type="contract-drift">${escapeXmlText(detail)}</failure>`);
    else if (r.outcome === 'error') out.push(`      <error message="${msg}" type="unreachable">${escapeXmlText(detail)}</error>`);
    else if (r.outcome === 'skipped') out.push(`      <skipped message="${msg}"/>`);
    if (detail) out.push(`      <system-out>${escapeXmlText(detail)}</system-out>`);
    out.push('    </testcase>');
  }
  out.push('  </testsuite>', '</testsuites>');
  return `${out.join('\n')}\n`;
}
