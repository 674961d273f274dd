// One suite over every fault the tables offer: each declares a kind and a range for every parameter,
// its ranges' values are valid params, and a scenario naming it validates and describes itself.
import { describe, expect, it } from 'vitest';
import { describeFault, faultBodySchema, faultEntries, faultKinds, faultSchema, faultSummary, type FaultEntry } from '../../src/faults/fault.js';
import { FAULT_KINDS, type Range } from '../../src/faults/kind.js';
import { validateScenario } from '../../src/scenario/load.js';
import { getToxic } from '../../src/proxy/toxics/index.js';

/** The keys of an object schema, looking through pipes, refinements and defaults. */
function keysOf(schema: unknown): string[] {
  let s = schema as { shape?: Record<string, unknown>; def?: { in?: unknown; schema?: unknown; innerType?: unknown } } | undefined;
  for (let i = 0; s && !s.shape && i < 6; i++) s = (s.def?.in ?? s.def?.schema ?? s.def?.innerType) as typeof s;
  return s?.shape ? Object.keys(s.shape) : [];
}

/** The values a range names at its edges (what explore tries first). */
function edges(r: Range): unknown[] {
  switch (r.kind) {
    case 'log':
    case 'int':
    case 'real':
      return [r.min, r.max];
    case 'oneOf':
      return [...r.values];
    default:
      return [];
  }
}

const entries = faultEntries();

/** A fault naming the entry: with its defaults, or, where those alone are refused (slicer), every range's first edge. */
function written(layer: string, entry: FaultEntry, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const make = (vals: Record<string, unknown>) => (layer === 'toxic' ? { dependency: 'd', toxic: entry.name, ...vals } : { dependency: 'd', behaviour: entry.name, params: vals });
  if (faultSchema.safeParse(make({})).success) return make(extra);
  const base: Record<string, unknown> = {};
  for (const [k, r] of Object.entries(entry.explore) as [string, Range][]) if (edges(r)[0] !== undefined) base[k] = edges(r)[0];
  return make({ ...base, ...extra });
}

describe.each(entries.map((e) => [`${e.layer} ${e.entry.name}`, e] as const))('%s', (_label, { layer, entry }) => {
  const params = layer === 'toxic' ? Object.keys(getToxic(entry.name)!.attributes) : keysOf((entry as FaultEntry & { params: unknown }).params);

  it('declares a kind from the vocabulary', () => {
    expect(Object.keys(FAULT_KINDS)).toContain(entry.kind);
  });

  it('declares a range for every parameter, and none for a parameter it lacks', () => {
    expect(Object.keys(entry.explore).sort()).toEqual([...params].sort());
    for (const [k, r] of Object.entries(entry.explore) as [string, Range][]) {
      if (r.kind === 'log') expect({ k, ok: r.min > 0 && r.min < r.max }).toEqual({ k, ok: true });
      if (r.kind === 'int' || r.kind === 'real') expect({ k, ok: r.min <= r.max }).toEqual({ k, ok: true });
      if (r.kind === 'oneOf') expect(r.values.length).toBeGreaterThan(0);
      if (r.kind === 'fixed') expect(r.why.length).toBeGreaterThan(5);
    }
  });

  it("every edge of every range is a valid value on its own, in a scenario's fault", () => {
    for (const [k, r] of Object.entries(entry.explore) as [string, Range][]) {
      for (const v of edges(r)) {
        if (v === undefined) continue;
        const parsed = faultSchema.safeParse(written(layer, entry, { [k]: v }));
        expect({ k, v, issues: parsed.success ? [] : parsed.error.issues.map((i) => i.message) }).toEqual({ k, v, issues: [] });
      }
    }
  });

  it('a scenario using it validates, and describeFault names it with its kinds', () => {
    const fault = written(layer, entry);
    const scenario = validateScenario({
      name: 'uses one fault',
      target: { url: 'http://127.0.0.1:3000' },
      dependencies: { d: { protocol: layer === 'ws-behaviour' ? 'ws' : 'http' } },
      phases: [{ name: 'fault', for: '1s', faults: [fault] }],
      expect: { 'survives': true },
    });
    const f = scenario.phases[0]!.faults[0]!;
    expect(describeFault(f)).toMatch(new RegExp(`^d (→|~) ${entry.name}\\b`));
    const kinds = faultKinds(f);
    expect(kinds.length).toBeGreaterThan(0);
    if (entry.kind !== 'mixed') expect(kinds).toEqual([entry.kind]);
    else expect(kinds).not.toContain('mixed');
  });
});

describe('the fault model', () => {
  it('covers every behaviour, WebSocket behaviour and visible toxic', () => {
    const layers = new Set(entries.map((e) => e.layer));
    expect([...layers].sort()).toEqual(['behaviour', 'toxic', 'ws-behaviour']);
    expect(entries.some((e) => e.entry.name === 'noop')).toBe(false);
  });

  it('a composite takes the kinds of what it nests', () => {
    const f = faultSchema.parse({ dependency: 'd', behaviour: 'sequence', params: { steps: [{ behaviour: 'hang', count: 1 }, { behaviour: 'garbage' }] } });
    expect(faultKinds(f).sort()).toEqual(['bad-input', 'holds']);
  });

  it('describes a toxic with units, stream and toxicity, and a down link', () => {
    expect(describeFault(faultSchema.parse({ dependency: 'db', toxic: 'latency', latency: '800ms', jitter: 200, stream: 'upstream', toxicity: 0.5 }))).toBe('db ~ latency latency=800 ms jitter=200 ms (upstream, 50 %)');
    expect(describeFault(faultSchema.parse({ dependency: 'db', down: true }))).toBe('db down');
    expect(describeFault(faultSchema.parse({ dependency: 'db', behaviour: 'slow', params: { delay: 2000 } }))).toBe('db → slow delay=2.00 s');
  });

  it('takes the normal form too, and names the field of a bad attribute', () => {
    expect(faultSchema.parse({ dependency: 'db', toxic: { type: 'timeout', attributes: { timeout: 10 } } })).toEqual({ dependency: 'db', toxic: { type: 'timeout', attributes: { timeout: 10 } } });
    const r = faultSchema.safeParse({ dependency: 'db', toxic: 'latency', latncy: 5 });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['latncy', "unknown latency attribute 'latncy' (did you mean 'latency'?)"]]);
  });

  it('a target fault is kill, pause or restart, alone: its kind, its text and its summary say so', () => {
    for (const [action, kind, text] of [['kill', 'fails-fast', 'target killed'], ['pause', 'holds', 'target paused'], ['restart', 'fails-fast', 'target restarted']] as const) {
      const f = faultSchema.parse({ target: action });
      expect(f).toEqual({ target: action });
      expect(describeFault(f)).toBe(text);
      expect(faultKinds(f)).toEqual([kind]);
      expect(faultSummary(f)).toEqual({ dependency: '(target)', fault: action, type: 'target', kinds: [kind] });
    }
    const bad = faultSchema.safeParse({ target: 'explode' });
    expect(bad.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['target', 'target is one of kill, pause, restart']]);
    const both = faultSchema.safeParse({ target: 'kill', dependency: 'db' });
    expect(both.error!.issues.map((i) => i.path.join('.'))).toContain('dependency');
    expect(faultBodySchema.safeParse({ target: 'kill' }).success).toBe(false); // the CLI commands take no target fault
  });

  it('a fault may name one replica of a dependency, counted from 1', () => {
    const f = faultSchema.parse({ dependency: 'inventory', replica: 2, behaviour: 'hang' });
    expect(describeFault(f)).toBe('inventory#2 → hang');
    expect(faultSummary(f)).toMatchObject({ dependency: 'inventory', replica: 2, fault: 'hang' });
    expect(describeFault(faultSchema.parse({ dependency: 'inventory', replica: 1, toxic: 'latency', latency: 100 }))).toBe('inventory#1 ~ latency latency=100 ms');
    const zero = faultSchema.safeParse({ dependency: 'inventory', replica: 0, behaviour: 'hang' });
    expect(zero.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['replica', 'replica counts from 1 (the first URL of the list)']]);
  });
});
