/**
 * `crumple stress`: a scenario as written, rewritten into a stress run. One load becomes a ramp rising
 * until p99 or errors cross their limits, and `capacity` gates it. Works on the written form (not the
 * parsed one) so the result is validated by the one scenario schema, with its own messages.
 */
import ramp from '../load/ramp.js';
import { badInput } from '../errors.js';
import { checkNameOf } from '../checks/index.js';

export interface StressOptions {
  load?: string;
  from?: string;
  to?: string;
  steps?: string;
  stepFor?: string;
  p99?: string;
  errors?: string;
  capacity?: string;
}

export interface Stressed {
  written: Record<string, unknown>;
  /** The ramped load's name. */
  load: string;
  /** Whether the phases were rebuilt (baseline + `stress`) rather than kept as written. */
  rebuilt: boolean;
  notes: string[];
}

/** Fields a ramp accepts: what a steady load carries over when it becomes one. */
const RAMP_FIELDS = new Set(['shape', 'during', ...Object.keys((ramp.spec as unknown as { shape: Record<string, unknown> }).shape)]);
const RAMP_OVERRIDES = ['from', 'to', 'steps', 'stepFor'] as const;
export const STRESS_PHASE = 'stress';
/** Default ramp when a steady load is ramped: its own rate up to ten times it. */
const DEFAULT_FACTOR = 10;
const DEFAULT_STEPS = 5;
const DEFAULT_STEP_FOR = '5s';
/**
 * Checks that judge a fault (recovery from it, a timeout on it, a breaker opening...): a rebuilt
 * stress run has no faults, so they could only say "cannot judge"; they are left out with a note.
 */
const FAULT_CHECKS = new Set(['recovery', 'timeout', 'breaker', 'retries', 'fail-fast', 'failover', 'fallback', 'restart']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Which load to ramp: the one named, else the only ramp, else the only load. */
function pickLoad(loads: Obj, named: string | undefined): string {
  const names = Object.keys(loads);
  if (named !== undefined) {
    if (!(named in loads)) throw badInput(`--load: the scenario has no load '${named}' (it has: ${names.join(', ') || 'none'})`);
    return named;
  }
  const ramps = names.filter((n) => isObj(loads[n]) && loads[n].shape === 'ramp');
  if (ramps.length === 1) return ramps[0]!;
  if (names.length === 1) return names[0]!;
  throw badInput(names.length === 0 ? 'the scenario has no load to ramp: add one under load: (e.g. api: { shape: steady, path: /, rate: 50/s })' : `--load: say which load to ramp (the scenario has: ${names.join(', ')})`);
}

/** The ramp's length in ms from its written steps and stepFor, for the stress phase. */
function rampMs(entry: Obj, parseDuration: (v: unknown) => number | string): number {
  const steps = Number(entry.steps ?? DEFAULT_STEPS);
  const stepFor = parseDuration(entry.stepFor ?? DEFAULT_STEP_FOR);
  if (!Number.isFinite(steps) || typeof stepFor === 'string') return 0;
  return steps * stepFor;
}

/**
 * The stress form of a written scenario. A ramp left as written keeps the scenario's phases; a load
 * that becomes a ramp, or a ramp given new steps, runs in a `stress` phase after the scenario's first
 * phase (kept as the baseline when it has no faults), and loads tied to phases that are gone run
 * throughout. Faults of later phases are dropped: a stress run measures capacity, not a fault.
 */
export function stressScenario(written: Obj, opts: StressOptions, parseDuration: (v: unknown) => number | string): Stressed {
  const loads = isObj(written.load) ? written.load : {};
  const name = pickLoad(loads, opts.load);
  const notes: string[] = [];
  const before = loads[name];
  if (!isObj(before)) throw badInput(`load.${name}: not a load entry`);
  const wasRamp = before.shape === 'ramp';
  if (!wasRamp && before.shape !== 'steady') throw badInput(`--load: '${name}' is a ${String(before.shape)} load; stress ramps a steady or ramp load`);
  const entry: Obj = {};
  for (const [k, v] of Object.entries(before)) if (RAMP_FIELDS.has(k)) entry[k] = v;
  entry.shape = 'ramp';
  if (!wasRamp) {
    const rate = before.rate;
    entry.from = opts.from ?? rate ?? '10/s';
    if (opts.to === undefined) {
      const n = typeof rate === 'number' ? rate : Number.parseFloat(String(rate ?? '10'));
      entry.to = `${Math.max(2, Math.round((Number.isFinite(n) ? n : 10) * DEFAULT_FACTOR))}/s`;
      notes.push(`ramping '${name}' from ${String(entry.from)} to ${String(entry.to)} (its rate ×${DEFAULT_FACTOR}; --to to choose)`);
    }
    const dropped = Object.keys(before).filter((k) => !RAMP_FIELDS.has(k));
    if (dropped.length) notes.push(`'${name}' as a ramp ignores its ${dropped.join(', ')}`);
  }
  const given = { from: opts.from, to: opts.to, steps: opts.steps === undefined ? undefined : Number(opts.steps), stepFor: opts.stepFor };
  for (const k of RAMP_OVERRIDES) if (given[k] !== undefined) entry[k] = given[k];
  const limits = isObj(entry.limits) ? { ...entry.limits } : {};
  if (opts.p99 !== undefined) limits.p99 = opts.p99;
  if (opts.errors !== undefined) limits.errors = opts.errors;
  if (limits.p99 === undefined && limits.errors === undefined) {
    limits.errors = '5%';
    notes.push(`'${name}' past capacity when errors pass 5% (--p99, --errors to choose)`);
  }
  entry.limits = limits;

  const phases = Array.isArray(written.phases) ? (written.phases as unknown[]) : [];
  const rebuilt = !wasRamp || RAMP_OVERRIDES.some((k) => given[k] !== undefined);
  const out: Obj = { ...written, load: { ...loads, [name]: entry } };
  delete out.repeat;
  delete out.explore;
  if (rebuilt) {
    const first = phases[0];
    const keepFirst = isObj(first) && !(Array.isArray(first.faults) && first.faults.length > 0) && first.name !== STRESS_PHASE;
    const ms = rampMs(entry, parseDuration);
    // One second past the last step: the ramp's last responses land inside the phase.
    const stress = { name: STRESS_PHASE, for: `${Math.max(1000, ms + 1000)}ms` };
    out.phases = keepFirst ? [{ name: first.name, for: first.for }, stress] : [stress];
    const kept = new Set((out.phases as Obj[]).map((p) => String(p.name)));
    const newLoads: Obj = {};
    for (const [n, l] of Object.entries(out.load as Obj)) {
      if (n === name) {
        newLoads[n] = { ...(l as Obj), during: STRESS_PHASE };
        continue;
      }
      const during = isObj(l) ? l.during : undefined;
      const list = during === undefined ? [] : Array.isArray(during) ? during.map(String) : [String(during)];
      if (isObj(l) && list.some((p) => !kept.has(p))) {
        const rest = { ...l };
        delete rest.during;
        newLoads[n] = rest;
        notes.push(`'${n}' runs throughout (its phases are not in a stress run)`);
      } else newLoads[n] = l;
    }
    out.load = newLoads;
  }
  const expect: Obj = isObj(written.expect) ? { ...written.expect } : {};
  if (rebuilt)
    for (const k of Object.keys(expect))
      if (FAULT_CHECKS.has(checkNameOf(k))) {
        delete expect[k];
        notes.push(`not judging '${k}': a stress run has no faults`);
      }
  if (opts.capacity !== undefined) expect.capacity = opts.capacity;
  else if (expect.capacity === undefined) {
    // Without a gate the run still reports the capacity; any rate above zero passes.
    expect.capacity = '>= 0.01/s';
    notes.push('no capacity gate (--capacity ">= 300/s" to make one): the capacity is reported');
  }
  if (isObj(expect.capacity) && expect.capacity.load === undefined && opts.capacity === undefined) expect.capacity = { ...expect.capacity, load: name };
  if (typeof expect.capacity === 'string' && Object.values(out.load as Obj).filter((l) => isObj(l) && l.shape === 'ramp').length > 1) expect.capacity = { load: name, rate: expect.capacity };
  if (expect.survives === undefined) expect.survives = true;
  out.expect = expect;
  return { written: out, load: name, rebuilt, notes };
}
