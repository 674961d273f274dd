/**
 * What to generate, apart from how to search: fast-check arbitraries for fault schedules, derived
 * from the tables' kinds and declared ranges and bounded by the scenario's `explore:` space. Each
 * arbitrary shrinks towards the simpler case: fewer tracks and steps, shorter steps starting at the
 * window's start, lower rates, loads left out, parameters left at their defaults or at a range's low end.
 */
import fc from 'fast-check';
import { behaviourTable, faultBodySchema, type FaultBody, type FaultEntry } from '../faults/fault.js';
import type { Range } from '../faults/kind.js';
import { getToxic, visibleToxicTypes } from '../proxy/toxics/index.js';
import type { Scenario } from '../scenario/schema.js';
import type { ExploreSpace } from './space.js';
import { faultWindowMs, type Schedule, type Step, type Track } from './schedule.js';

/**
 * Values of one declared range; edges get extra weight (where timeouts and limits break). With the
 * target's measured timeout on this dependency (`timeoutMs`), a delay in ms also leans to just under
 * it (calls that are slow but never time out: where queues build) and just over it.
 */
export function rangeArbitrary(r: Range, timeoutMs?: number): fc.Arbitrary<unknown> | undefined {
  if (timeoutMs !== undefined && (r.kind === 'log' || r.kind === 'int') && r.unit === 'ms') {
    const clip = (x: number) => Math.min(r.max, Math.max(r.min, Math.round(x)));
    const under = fc.integer({ min: clip(timeoutMs * 0.3), max: clip(timeoutMs * 0.95) });
    const over = fc.integer({ min: clip(timeoutMs * 1.05), max: clip(timeoutMs * 2) });
    const plain = rangeArbitrary(r)!;
    return fc.oneof({ weight: 3, arbitrary: plain }, { weight: 2, arbitrary: under }, { weight: 1, arbitrary: over });
  }
  switch (r.kind) {
    case 'log': {
      const spread = fc.double({ min: Math.log(r.min), max: Math.log(r.max), noNaN: true }).map((x) => Math.round(Math.exp(x)));
      return fc.oneof({ weight: 1, arbitrary: fc.constantFrom(r.min, r.max) }, { weight: 4, arbitrary: spread });
    }
    case 'int':
      return fc.oneof({ weight: 1, arbitrary: fc.constantFrom(r.min, r.max) }, { weight: 4, arbitrary: fc.integer({ min: r.min, max: r.max }) });
    case 'real':
      return fc.double({ min: r.min, max: r.max, noNaN: true }).map((x) => Math.round(x * 100) / 100);
    case 'oneOf':
      return fc.constantFrom(...r.values);
    default:
      return undefined; // fixed and nested: left at the entry's default
  }
}

/** Params (or attributes) of one entry: any subset of its explorable parameters, each from its range. */
function paramsArbitrary(entry: FaultEntry, timeoutMs?: number): fc.Arbitrary<Record<string, unknown>> {
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [k, r] of Object.entries(entry.explore) as [string, Range][]) {
    const a = rangeArbitrary(r, entry.kind === 'holds' ? timeoutMs : undefined);
    if (a) fields[k] = a;
  }
  return fc.record(fields, { requiredKeys: [] }).map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)));
}

/** A fault from one entry, kept only when the one fault schema accepts it (combinations can clash). */
function entryFault(layer: 'behaviour' | 'toxic' | 'down', entry: FaultEntry, timeoutMs?: number): fc.Arbitrary<FaultBody> {
  if (layer === 'down') return fc.constant({ down: true } as FaultBody);
  return paramsArbitrary(entry, timeoutMs)
    .map((p): unknown => (layer === 'toxic' ? { toxic: { type: entry.name, attributes: p } } : Object.keys(p).length ? { behaviour: entry.name, params: p } : { behaviour: entry.name }))
    .map((w) => faultBodySchema.safeParse(w))
    .filter((r) => r.success)
    .map((r) => r.data as FaultBody);
}

export interface Candidate {
  layer: 'behaviour' | 'toxic' | 'down';
  entry: FaultEntry;
}

/** The entries a dependency may take: its protocol's behaviours, and toxics and `down` through the proxy. */
export function candidates(scenario: Scenario, space: ExploreSpace, dep: string): Candidate[] {
  const d = scenario.dependencies[dep];
  if (!d) return [];
  const list = Array.isArray(space.faults) ? space.faults : space.faults?.[dep];
  const named = list ? new Set(list) : undefined;
  const kinds = space.kinds ? new Set<string>(space.kinds) : undefined;
  const wanted = (e: FaultEntry) => (named ? named.has(e.name) : e.kind !== 'healthy' && e.kind !== 'mixed') && (!kinds || kinds.has(e.kind));
  // A queue stand-in has no behaviours: only the network faults reach it.
  const out: Candidate[] = d.queue ? [] : Object.values(behaviourTable(d.protocol)).filter(wanted).map((entry) => ({ layer: 'behaviour' as const, entry }));
  if (d.via === 'proxy') {
    for (const t of visibleToxicTypes()) {
      const entry = getToxic(t) as unknown as FaultEntry;
      if (wanted(entry)) out.push({ layer: 'toxic', entry });
    }
    const down: FaultEntry = { name: 'down', kind: 'fails-fast', explore: {} };
    if (wanted(down)) out.push({ layer: 'down', entry: down });
  }
  return out;
}

/** The dependencies a search may fault: the space's, narrowed to those the target was seen calling. */
export function faultableDependencies(scenario: Scenario, space: ExploreSpace, called?: ReadonlySet<string>): string[] {
  const listed = space.faults && !Array.isArray(space.faults) ? Object.keys(space.faults) : undefined;
  const all = (space.dependencies ?? listed ?? Object.keys(scenario.dependencies)).filter((d) => candidates(scenario, space, d).length > 0);
  if (!called || called.size === 0) return all;
  const seen = all.filter((d) => called.has(d));
  return seen.length ? seen : all;
}

/** One fault schedule inside the space. */
export function scheduleArbitrary(scenario: Scenario, space: ExploreSpace, deps: readonly string[], timeouts: Readonly<Record<string, number>> = {}): fc.Arbitrary<Schedule> {
  const window = faultWindowMs(space);
  const { min, max } = space['step-duration'];
  const stepFor = (dep: string): fc.Arbitrary<Step> =>
    fc.record({
      fault: fc.oneof(...candidates(scenario, space, dep).map((c) => entryFault(c.layer, c.entry, timeouts[dep]))),
      forMs: fc.integer({ min: Math.min(min, window), max: Math.min(max, window) }),
    });
  const track = fc.oneof(
    ...deps.map((dependency) =>
      fc.record({
        dependency: fc.constant(dependency),
        atMs: fc.integer({ min: 0, max: Math.max(0, window - Math.min(min, window)) }),
        steps: fc.array(stepFor(dependency), { minLength: 1, maxLength: space.steps, size: 'max' }),
      }),
    ),
  ) as fc.Arbitrary<Track>;
  // Single faults are what a service is usually tested with: lean towards using the whole room (size max).
  const tracks = fc.uniqueArray(track, { minLength: 1, maxLength: Math.min(space['at-once'], deps.length), selector: (t) => t.dependency, size: 'max' });
  const loads: Record<string, fc.Arbitrary<{ rate?: number } | null>> = {};
  for (const name of Object.keys(scenario.load)) {
    const l = space.load[name];
    const level: fc.Arbitrary<{ rate?: number }> = l?.rate ? fc.integer({ min: Math.ceil(l.rate.min), max: Math.max(Math.ceil(l.rate.min), Math.floor(l.rate.max)) }).map((rate) => ({ rate })) : fc.constant({});
    loads[name] = l?.optional ? fc.option(level, { nil: null, freq: 4 }) : level;
  }
  return fc.record({ tracks, loads: fc.record(loads) });
}
