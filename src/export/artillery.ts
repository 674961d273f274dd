/**
 * A scenario's loads as Artillery scripts, one per load: steady (fixed rate) and ramp loads become
 * arrival-rate phases, the request becomes the flow, the load's timeout the HTTP timeout, and the
 * scenario's whole-run latency and error bounds the `ensure` thresholds. A small processor
 * (crumple-artillery.cjs, written beside the scripts) records every outcome per second of its start
 * (its latency, and when in that second it started) as custom metrics that Artillery aggregates across all its workers, so the JSON report of a
 * distributed run still says, second by second, how many requests got which status or error and how
 * long they took: what ingest.ts turns back into `response` events for crumple's checks.
 * One script per load because Artillery's phases belong to the whole script: two loads of different
 * shapes in one script could only share a schedule by random weighting.
 */
import { stringify } from 'yaml';
import { loadShapes } from '../load/index.js';
import { parseBound, type Bound } from '../checks/bounds.js';
import { ERROR_CLASSES } from '../checks/query.js';
import { checkNameOf } from '../checks/index.js';
import { CrumpleError } from '../errors.js';
import type { Scenario } from '../scenario/schema.js';

/** The file name of the processor every exported script names (Artillery bundles it for distributed runs). */
export const PROCESSOR_FILE = 'crumple-artillery.cjs';
/** Metric names the processor emits. Per second: `crumple.<epoch second>.<status or error code>`. */
export const METRIC = { latency: 'crumple.latency', requests: 'crumple.requests', errors: 'crumple.errors' } as const;

export interface ExportedScript {
  load: string;
  file: string;
  text: string;
  /** Expectations that became thresholds, and those that stay with crumple's checks (and why). */
  thresholds: string[];
  judgedByCrumple: string[];
}

export interface ArtilleryExport {
  scripts: ExportedScript[];
  processor: { file: string; text: string };
  /** Loads not exported, each with why (they stay on crumple's own load, on one machine). */
  skipped: { load: string; why: string }[];
}

interface LoadEntry {
  shape: string;
  during?: string | string[];
  [k: string]: unknown;
}

/** What a steady or ramp entry means once its shape's schema filled in the defaults. */
interface Parsed {
  path: string;
  method: string;
  headers: Record<string, string>;
  body?: unknown;
  timeout: number;
  rate?: number;
  connections?: number;
  duration?: number;
  from?: number;
  to?: number;
  steps?: number;
  stepFor?: number;
}

/** Why a load cannot be an arrival-rate scenario, or undefined when it can. */
export function notExportable(entry: { shape: string } & Record<string, unknown>): string | undefined {
  if (entry.shape === 'ramp') return undefined;
  if (entry.shape === 'steady' && entry.clients !== undefined) return 'a load with client identities sends each request as one of its clients, in crumple\'s weighted order';
  if (entry.shape === 'steady') return entry.rate === undefined ? 'a closed-loop steady load (no rate) has no arrival rate' : undefined;
  if (entry.shape === 'dogpile') return 'a dogpile is a synchronised burst on pre-opened connections, which an arrival rate cannot release at once';
  if (entry.shape === 'ws-storm') return 'a ws-storm drops and reconnects WebSocket clients, not an HTTP arrival rate';
  return `shape '${entry.shape}' has no arrival-rate form`;
}

/**
 * The Artillery scripts of a scenario's loads. `target`: the URL the engine sends to (default the
 * scenario's target.url); `loads`: only these; `durationMs`: the run's length (default: the phases').
 */
export function exportArtillery(scenario: Scenario, opts: { target?: string; loads?: readonly string[]; durationMs?: number } = {}): ArtilleryExport {
  const target = opts.target ?? scenario.target.url;
  if (!target) throw new CrumpleError('BAD_INPUT', '--target: the scenario starts its target (target.command), so its URL is known only at run time: give --target URL (or use crumple run --engine artillery)');
  const phases = scenario.phases;
  const runMs = opts.durationMs ?? phases.reduce((t, p) => t + p.for, 0);
  const names = Object.keys(scenario.load);
  for (const n of opts.loads ?? []) if (!names.includes(n)) throw new CrumpleError('BAD_INPUT', `--load: no load '${n}' in the scenario (loads: ${names.join(', ') || 'none'})`);
  const scripts: ExportedScript[] = [];
  const skipped: ArtilleryExport['skipped'] = [];
  for (const [name, raw] of Object.entries(scenario.load) as [string, LoadEntry][]) {
    if (opts.loads && !opts.loads.includes(name)) continue;
    const why = notExportable(raw);
    if (why) {
      skipped.push({ load: name, why });
      continue;
    }
    scripts.push(scriptFor(scenario, name, raw, target, runMs, names.length === 1));
  }
  if (!scripts.length) throw new CrumpleError('BAD_INPUT', `nothing to export: ${skipped.map((s) => `load ${s.load}: ${s.why}`).join('; ') || 'the scenario has no load'}`);
  return { scripts, processor: { file: PROCESSOR_FILE, text: PROCESSOR }, skipped };
}

function scriptFor(scenario: Scenario, name: string, raw: LoadEntry, target: string, runMs: number, onlyLoad: boolean): ExportedScript {
  const { shape: shapeName, during, ...rest } = raw;
  const spec = loadShapes[shapeName]!.spec.parse(rest) as Parsed;
  // When the load runs: the phases it belongs to, or the whole run.
  const idx = during === undefined ? scenario.phases.map((_, i) => i) : (typeof during === 'string' ? [during] : during).map((d) => scenario.phases.findIndex((p) => p.name === d));
  const startMs = scenario.phases.slice(0, Math.min(...idx)).reduce((t, p) => t + p.for, 0);
  const windowMs = during === undefined ? runMs : idx.reduce((t, i) => t + scenario.phases[i]!.for, 0);
  const out: Record<string, unknown>[] = [];
  if (startMs > 0) out.push({ name: 'crumple: before this load', pause: startMs / 1000 });
  if (shapeName === 'steady') {
    const ms = Math.min(spec.duration ?? windowMs, windowMs);
    out.push({ name, duration: Math.max(1, Math.ceil(ms / 1000)), arrivalRate: spec.rate, maxVusers: spec.connections ?? 256 });
  } else {
    const steps = spec.steps!;
    let left = windowMs;
    for (let i = 0; i < steps && left > 0; i++) {
      const rate = Math.round((spec.from! + ((spec.to! - spec.from!) * i) / (steps - 1)) * 1000) / 1000;
      const ms = Math.min(spec.stepFor!, left);
      left -= ms;
      out.push({ name: `${name} step ${i + 1}`, duration: Math.max(1, Math.ceil(ms / 1000)), arrivalRate: rate, maxVusers: spec.connections });
    }
  }
  const { thresholds, conditions, exported, kept } = ensureOf(scenario, name, onlyLoad);
  const request: Record<string, unknown> = { url: spec.path };
  if (Object.keys(spec.headers).length) request.headers = spec.headers;
  if (spec.body !== undefined) request[typeof spec.body === 'string' ? 'body' : 'json'] = spec.body;
  const config: Record<string, unknown> = {
    target,
    processor: `./${PROCESSOR_FILE}`,
    http: { timeout: spec.timeout / 1000 },
    phases: out,
  };
  // Under plugins: Artillery 2.0.21 (the last for Node 20) loads ensure only when it is listed there.
  if (thresholds.length || conditions.length) config.plugins = { ensure: { ...(thresholds.length ? { thresholds } : {}), ...(conditions.length ? { conditions } : {}) } };
  const doc = {
    config,
    scenarios: [{ name, beforeRequest: ['crumpleStart'], afterResponse: ['crumpleEnd'], onError: ['crumpleError'], flow: [{ [spec.method.toLowerCase()]: request }] }],
  };
  const file = `${name}.artillery.yml`;
  const header = [
    `# crumple export of load '${name}' (${shapeName}) of scenario '${scenario.name}'. Generated: export again rather than edit.`,
    `# Runs here:      npx artillery run --output ${name}.json ${file}`,
    `# Runs at scale:  npx artillery run-fargate --count 10 --output ${name}.json ${file}   (or run-lambda)`,
    `# crumple drives the faults and stand-ins meanwhile and judges the results: crumple run SCENARIO --engine artillery`,
    `# (--engine-command for the distributed form). ${PROCESSOR_FILE} must stay beside this file: it records every`,
    `# outcome per second (the crumple.* metrics) for crumple to read back; its console lines can be ignored.`,
    ...(exported.length ? [`# Thresholds (whole run): ${exported.join('; ')}`] : []),
    ...(kept.length ? [`# Judged by crumple from the results, not by Artillery: ${kept.join('; ')}`] : []),
    '',
  ].join('\n');
  return { load: name, file, text: header + stringify(doc, { lineWidth: 0 }), thresholds: exported, judgedByCrumple: kept };
}

const LATENCY_FIELDS = ['p50', 'p90', 'p99', 'max'] as const;

/**
 * The scenario's bounds that a whole-run aggregate can judge: `latency` and `errors` entries
 * without a phase, for this load (or for all loads when it is the scenario's only one). The rest
 * (steady-state, anything scoped to a phase, other checks) needs crumple's phase windows.
 */
function ensureOf(scenario: Scenario, load: string, onlyLoad: boolean) {
  const thresholds: Record<string, number>[] = [];
  const conditions: { expression: string; strict: boolean }[] = [];
  const exported: string[] = [];
  const kept: string[] = [];
  for (const [key, x] of Object.entries(scenario.expect) as [string, Record<string, unknown>][]) {
    const check = checkNameOf(key);
    if (check !== 'latency' && check !== 'errors') {
      if (check === 'steady-state' || x?.load === undefined || x.load === load) kept.push(`${key} (${check === 'steady-state' ? 'the baseline phase' : 'needs the phases and stand-ins'})`);
      continue;
    }
    if (x.load !== undefined ? x.load !== load : !onlyLoad) continue;
    if (x.phase !== undefined) {
      kept.push(`${key} (phase '${String(x.phase)}')`);
      continue;
    }
    const add = (metric: string, b: Bound, scale = 1) => {
      const value = Math.round(b.value * scale * 1e6) / 1e6;
      if (b.op === '<') thresholds.push({ [metric]: value });
      else conditions.push({ expression: `${metric} ${b.op} ${value}`, strict: true });
      exported.push(`${key}: ${metric} ${b.op} ${value}`);
    };
    if (check === 'latency') {
      for (const f of LATENCY_FIELDS) {
        const b = boundOf(x[f], 'duration');
        if (b) add(`${METRIC.latency}.${f}`, b);
      }
    } else {
      const b = boundOf(x.rate, 'ratio');
      if (!b) continue;
      const classes = x.class === undefined ? [] : Array.isArray(x.class) ? (x.class as string[]) : [x.class as string];
      const errors = classes.length ? `(${classes.map((c) => `${METRIC.errors}.${c}`).join(' + ')})` : METRIC.errors;
      const value = Math.round(b.value * 1e6) / 1e6;
      conditions.push({ expression: `${errors} / ${METRIC.requests} ${b.op} ${value}`, strict: true });
      exported.push(`${key}: ${errors} / ${METRIC.requests} ${b.op} ${value}`);
    }
  }
  return { thresholds, conditions, exported, kept };
}

/** A bound as the scenario schema left it (parsed), or as written. */
function boundOf(v: unknown, kind: 'duration' | 'ratio'): Bound | undefined {
  if (v && typeof v === 'object' && 'op' in v && 'value' in v) return v as Bound;
  if (v === undefined) return undefined;
  const b = parseBound(v, kind);
  return typeof b === 'string' ? undefined : b;
}

/**
 * The processor. Its error classes mirror src/checks/query.ts errorClassOf: status (5xx, 429),
 * timeout, closed, reset, refused, other. Counters start at 0 so the thresholds' names always exist.
 */
const PROCESSOR = `// Written by crumple export (artillery): keep it beside the exported scripts.
// Records every request's outcome, per second of its start, as Artillery metrics
// crumple.<epoch second>.<status or error code> (latency histograms; .at: when in that second they
// started), plus crumple.latency,
// crumple.requests and crumple.errors[.class] for the thresholds. Artillery merges them across
// workers, so a distributed run's JSON report still has them: crumple reads them back.
'use strict';
const CLASSES = ${JSON.stringify(ERROR_CLASSES)};
let zeroed = false;
function zero(ee) {
  if (zeroed) return;
  zeroed = true;
  ee.emit('counter', '${METRIC.requests}', 0);
  ee.emit('counter', '${METRIC.errors}', 0);
  for (const c of CLASSES) ee.emit('counter', '${METRIC.errors}.' + c, 0);
}
function classOfError(code) {
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') return 'timeout';
  if (code === 'ECONNRESET') return 'reset';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'EPIPE') return 'closed';
  return 'other';
}
function record(context, ee, outcome, cls) {
  const s = context.crumple;
  if (!s) return;
  const ms = Math.round((performance.now() - s.at) * 1000) / 1000;
  const name = 'crumple.' + Math.floor(s.t0 / 1000) + '.' + outcome;
  ee.emit('histogram', name, ms);
  ee.emit('histogram', name + '.at', s.t0 % 1000);
  ee.emit('histogram', '${METRIC.latency}', ms);
  ee.emit('counter', '${METRIC.requests}', 1);
  if (cls) {
    ee.emit('counter', '${METRIC.errors}', 1);
    ee.emit('counter', '${METRIC.errors}.' + cls, 1);
  }
}
module.exports = {
  crumpleStart(req, context, ee, next) {
    zero(ee);
    context.crumple = { t0: Date.now(), at: performance.now() };
    return next();
  },
  crumpleEnd(req, res, context, ee, next) {
    const status = res.statusCode;
    record(context, ee, String(status), status >= 500 || status === 429 ? 'status' : undefined);
    return next();
  },
  crumpleError(err, req, context, ee, next) {
    const code = String((err && err.code) || 'other').replace(/[^A-Za-z0-9_]/g, '_');
    record(context, ee, code, classOfError(code));
    return next();
  },
};
`;
