/**
 * The scenario file, declared once. It composes the other parts' tables: behaviours (HTTP and WS),
 * contracts, load shapes, toxics and checks; an unknown name in any of them is an issue with a
 * did-you-mean. Types are z.output of this schema. Load entries, behaviour params and contracts are
 * validated here but kept as written: the stand-ins and loads parse them again with their own schemas.
 */
import { z } from 'zod';
import { behaviours } from '../../harness-servers/behaviours/index.js';
import { wsBehaviours } from '../../harness-servers/ws/index.js';
import { contractSchema } from '../../harness-servers/contract.js';
import { idempotencySpecSchema } from '../../harness-servers/idempotency.js';
import { queueSpecSchema } from '../../harness-servers/queue/queue.js';
import { loadShapes } from '../load/index.js';
import { toxics, visibleToxicTypes } from '../proxy/toxics/index.js';
import { behaviourNames, behaviourTable, faultSchema, MAX_REPLICAS, type Fault } from '../faults/fault.js';
import { exploreSchema } from '../explore/space.js';
import { gameDayRefIssues, haltSchema, stepsSchema } from '../gameday/schema.js';
import { checkNameOf, checks, isCheckName } from '../checks/index.js';
import { durationSchema } from '../unit-schemas.js';
import {
  DEFAULT_CLIENT_TIMEOUT_MS,
  DEFAULT_READY_WITHIN_MS,
  DEFAULT_STOP_GRACE_MS,
  MAX_CLIENT_TIMEOUT_MS,
  MAX_DEPENDENCIES,
  MAX_EXPECTATIONS,
  MAX_FAULTS_PER_PHASE,
  MAX_LOADS,
  MAX_PHASES,
  MAX_READY_WITHIN_MS,
  MAX_RUN_MS,
  NAME,
} from './defaults.js';
import { unknownName } from './suggest.js';
import { refIssues } from './refs.js';
import { parseHostPort } from '../faults/placement.js';

type Path = (string | number)[];

/** Parses `value` with `schema` inside a transform, re-reporting its issues under `path`. */
function sub<S extends z.ZodType>(ctx: z.RefinementCtx, schema: S, value: unknown, path: Path = []): z.output<S> | undefined {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  for (const i of r.error.issues) for (const x of splitIssue(i)) ctx.addIssue({ code: 'custom', message: x.message, path: [...path, ...x.path] });
  return undefined;
}

/** One issue per unknown key, pointing at the key, with a did-you-mean over known field names. */
export function splitIssue(i: z.core.$ZodIssue): { path: Path; message: string }[] {
  const path = i.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  if (i.code !== 'unrecognized_keys') return [{ path, message: i.message }];
  return i.keys.map((k) => ({ path: [...path, k], message: unknownName(k, knownFields(), 'field').replace(/ \(known: .*\)$/, '') }));
}

/** The keys of an object schema, looking through pipes, refinements and defaults. */
function fieldsOf(schema: unknown): string[] {
  let s = schema as { shape?: Record<string, unknown>; def?: { in?: unknown; schema?: unknown; innerType?: unknown } } | undefined;
  for (let i = 0; s && !s.shape && i < 6; i++) s = (s.def?.in ?? s.def?.schema ?? s.def?.innerType) as typeof s;
  return s?.shape ? Object.keys(s.shape) : [];
}

let fieldCache: string[] | undefined;
/** Every field name the schema knows (for "did you mean" on a misspelt key). */
function knownFields(): string[] {
  if (fieldCache) return fieldCache;
  const names = new Set<string>(['command', 'cwd', 'env', 'ready', 'stop', 'url', 'http', 'tcp', 'within', 'signal', 'grace']);
  names.add('bind').add('listen').add('upstream');
  names.add('protocol').add('via').add('behaviour').add('params').add('contract').add('seed').add('replicas').add('replica').add('idempotency').add('queue');
  names.add('dependency').add('toxic').add('down').add('stream').add('toxicity').add('name').add('for').add('faults').add('shape');
  for (const k of Object.keys(scenarioShape.shape)) names.add(k);
  const add = (schema: unknown) => fieldsOf(schema).forEach((k) => names.add(k));
  for (const c of Object.values(checks)) add(c.expectation);
  for (const l of Object.values(loadShapes)) add(l.spec);
  add(exploreSchema);
  for (const k of ['rate', 'optional', 'uses', 'min', 'max', 'alive', 'answered', 'recovers', 'calls-per-request', 'rss-growth', 'isolation']) names.add(k);
  for (const t of Object.values(toxics)) for (const k of Object.keys(t.attributes)) names.add(k);
  return (fieldCache = [...names]);
}

const boundedDuration = (max: number, what: string) =>
  durationSchema.refine((ms) => ms <= max, { error: `${what} is capped at ${max / 1000} s` });

const nameSchema = (what: string) => z.string().regex(NAME, { error: `${what} names start with a letter and use letters, digits, '-' and '_' (max 64)` });

// ── target ────────────────────────────────────────────────────────────────────────────────────────
const readySchema = z
  .strictObject({
    /** GET this path until it answers < 500. */
    http: z.string().startsWith('/', { error: 'ready.http is a path starting with "/"' }).optional(),
    /** Or: until the port accepts a connection. */
    tcp: z.literal(true).optional(),
    within: boundedDuration(MAX_READY_WITHIN_MS, 'ready.within').default(DEFAULT_READY_WITHIN_MS),
  })
  .refine((r) => !(r.http && r.tcp), { error: 'give either ready.http or ready.tcp, not both' });

export const targetSchema = z
  .strictObject({
    /** Started by crumple in its own process group (`exec`ed by /bin/sh). */
    command: z.string().min(1).optional(),
    cwd: z.string().optional(),
    env: z.record(z.string(), z.union([z.string(), z.number().transform(String)])).default({}),
    ready: readySchema.default({ within: DEFAULT_READY_WITHIN_MS, tcp: true }),
    stop: z.strictObject({ signal: z.enum(['SIGTERM', 'SIGINT', 'SIGKILL']).default('SIGTERM'), grace: durationSchema.default(DEFAULT_STOP_GRACE_MS) }).optional(),
    /** Or a target that is already running (no RSS, no exit detection). */
    url: z.string().optional(),
  })
  .superRefine((t, ctx) => {
    if (!t.command === !t.url) ctx.addIssue({ code: 'custom', message: 'give either target.command (crumple starts it) or target.url (already running)' });
    if (t.url && (t.cwd || Object.keys(t.env).length || t.stop)) ctx.addIssue({ code: 'custom', message: 'cwd, env and stop apply only to a target crumple starts (command)' });
  })
  .transform((t) => {
    const url = t.url;
    if (url) return { url };
    const ready = t.ready.http ? { http: t.ready.http, within: t.ready.within } : { tcp: true as const, within: t.ready.within };
    return { command: t.command!, ...(t.cwd ? { cwd: t.cwd } : {}), env: t.env, ready, stop: t.stop ?? { signal: 'SIGTERM' as const, grace: DEFAULT_STOP_GRACE_MS } };
  });

// ── dependencies ──────────────────────────────────────────────────────────────────────────────────
/** A host or host:port (src/faults/placement.ts parses it). */
const hostPortSchema = z.string().superRefine((v, ctx) => {
  const r = parseHostPort(v);
  if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
});
const hostSchema = z.string().superRefine((v, ctx) => {
  const r = parseHostPort(v);
  if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
  else if (r.port !== undefined) ctx.addIssue({ code: 'custom', message: `'${v}': an address without a port (the port is \`port\`, or picked free)` });
});
/** Where a proxy listens on the Toxiproxy host, and the address that host reaches the stand-in at. */
const proxyPlacementSchema = z.strictObject({ listen: hostPortSchema.optional(), upstream: hostPortSchema.optional() });

export const dependencySchema = z
  .strictObject({
    protocol: z.enum(['http', 'ws']).default('http'),
    /** Through the fault proxy (toxics and `down` possible), or straight to the stand-in. */
    via: z.enum(['proxy', 'direct']).default('proxy'),
    /** How the stand-in answers when the run starts (default ok / echo). */
    behaviour: z.string().optional(),
    params: z.unknown().optional(),
    /** What `ok` answers: request/response pairs, or the path of a contract file (relative to the scenario file). */
    contract: z.unknown().optional(),
    seed: z.number().int().optional(),
    /**
     * A fixed port where the target reaches this dependency (the proxy's listen port with via: proxy,
     * the stand-in's with via: direct). Default: any free port. Needed for a target given by `url`,
     * which was started before crumple knew its dependencies' addresses.
     */
    port: z.number().int().min(1).max(65535).optional(),
    /** The address the stand-in binds (default 127.0.0.1); off loopback only through allowHosts. */
    bind: hostSchema.optional(),
    /** This dependency's proxy on the Toxiproxy host: listen and upstream addresses (else the run's `toxiproxy`). */
    toxiproxy: proxyPlacementSchema.optional(),
    /**
     * N stand-ins for this dependency, each on its own port (and proxy link): the target gets their
     * URLs as a comma-separated list, ${deps.<name>.urls}; a fault may hit one (`replica: 1` is the first).
     */
    replicas: z.number().int().min(1, { error: 'replicas is at least 1' }).max(MAX_REPLICAS, { error: `replicas is at most ${MAX_REPLICAS}` }).default(1),
    /** Record each request's idempotency key (`key`: a header, or $.path in a JSON body) and logical request id (`requestId` header): the idempotency check. */
    idempotency: idempotencySpecSchema.optional(),
    /** A queue stand-in (SQS-style HTTP: send, receive with a visibility timeout, delete) instead of a behaviour stand-in. */
    queue: queueSpecSchema.optional(),
  })
  .superRefine((d, ctx) => {
    if (d.queue) for (const k of ['behaviour', 'params', 'contract', 'idempotency'] as const) if (d[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `a queue stand-in has no ${k}` });
    if (d.queue && (d.replicas > 1 || d.protocol !== 'http')) ctx.addIssue({ code: 'custom', path: ['queue'], message: 'a queue stand-in is one HTTP stand-in (no replicas, protocol http)' });
    if (d.replicas > 1 && d.port !== undefined) ctx.addIssue({ code: 'custom', path: ['port'], message: 'port fixes one address; a dependency with replicas gets one free port per replica' });
  })
  .transform((d, ctx) => {
    const table = behaviourTable(d.protocol);
    const name = d.behaviour ?? (d.protocol === 'ws' ? 'echo' : 'ok');
    const b = table[name];
    if (!b) ctx.addIssue({ code: 'custom', path: ['behaviour'], message: unknownName(name, Object.keys(table), `${d.protocol === 'ws' ? 'WebSocket ' : ''}behaviour`) });
    else sub(ctx, b.params, d.params ?? {}, ['params']);
    if (d.contract !== undefined) {
      if (d.protocol === 'ws') ctx.addIssue({ code: 'custom', path: ['contract'], message: 'contract applies to HTTP stand-ins only' });
      else if (typeof d.contract === 'string') {
        if (!d.contract.trim()) ctx.addIssue({ code: 'custom', path: ['contract'], message: 'contract is a file path or a list of request/response pairs' });
      } else sub(ctx, contractSchema, d.contract, ['contract']);
    }
    return {
      protocol: d.protocol,
      via: d.via,
      behaviour: name,
      ...(d.params !== undefined ? { params: d.params } : {}),
      ...(d.contract !== undefined && typeof d.contract !== 'string' ? { contract: d.contract as z.input<typeof contractSchema> } : {}),
      // A path: loadScenario reads it into `contract` (src/contract/file.ts).
      ...(typeof d.contract === 'string' ? { contractFile: d.contract } : {}),
      ...(d.seed !== undefined ? { seed: d.seed } : {}),
      ...(d.port !== undefined ? { port: d.port } : {}),
      ...(d.bind !== undefined ? { bind: d.bind } : {}),
      ...(d.toxiproxy !== undefined ? { toxiproxy: d.toxiproxy } : {}),
      replicas: d.replicas,
      ...(d.idempotency !== undefined ? { idempotency: d.idempotency } : {}),
      ...(d.queue !== undefined ? { queue: d.queue } : {}),
    };
  });

// ── load ──────────────────────────────────────────────────────────────────────────────────────────
/**
 * A load entry: its shape's fields, plus `during` (the run's, not the shape's): the phase, or the
 * consecutive phases, the load runs in. Without it the load runs for the whole run.
 */
export const loadEntrySchema = z.looseObject({ shape: z.string(), during: z.union([z.string(), z.array(z.string()).min(1)]).optional() }).transform((entry, ctx) => {
  const shape = loadShapes[entry.shape];
  if (!shape) ctx.addIssue({ code: 'custom', path: ['shape'], message: unknownName(entry.shape, Object.keys(loadShapes), 'load shape') });
  else {
    const { shape: _s, during: _d, ...rest } = entry;
    sub(ctx, shape.spec, rest);
  }
  return entry as { shape: string; during?: string | string[] } & Record<string, unknown>;
});

/** The phase indexes a load entry runs in, or an error message (unknown or non-consecutive phases). */
export function loadPhases(during: string | string[] | undefined, phases: readonly string[]): number[] | string {
  if (during === undefined) return phases.map((_, i) => i);
  const names = typeof during === 'string' ? [during] : during;
  const idx: number[] = [];
  for (const n of names) {
    const i = phases.indexOf(n);
    if (i < 0) return unknownName(n, [...phases], 'phase');
    idx.push(i);
  }
  idx.sort((a, b) => a - b);
  if (idx.some((v, k) => k > 0 && v !== idx[k - 1]! + 1)) return `the phases must be consecutive (${names.join(', ')})`;
  return idx;
}

// ── faults: src/faults/fault.ts declares them ──────────────────────────────────────────────────────
export const phaseSchema = z.strictObject({
  name: z.string().min(1),
  for: durationSchema.refine((ms) => ms > 0, { error: 'a phase lasts more than 0 ms' }),
  faults: z.array(faultSchema).max(MAX_FAULTS_PER_PHASE).default([]),
});

// ── repeat (soak) ─────────────────────────────────────────────────────────────────────────────────
/**
 * A soak: the phases run again and again, as cycles, for a duration (as many whole cycles as fit, at
 * least one) or a number of times. Cycle n's phases are named `<phase> #n`; every check judges each
 * cycle on its own (phase names in expectations are the unnumbered ones), unless it judges the whole run
 * (drift, slo, capacity).
 */
export const repeatSchema = z
  .strictObject({
    for: boundedDuration(MAX_RUN_MS, 'repeat.for').optional(),
    times: z.number().int().min(1).max(10_000).optional(),
  })
  .refine((r) => (r.for === undefined) !== (r.times === undefined), { error: 'give repeat.for (a duration, e.g. 2h) or repeat.times (a count), not both' });
export type Repeat = z.output<typeof repeatSchema>;

/** How many cycles a soak of `cycleMs`-long cycles runs: whole cycles within `for`, at least one. */
export function cycleCount(cycleMs: number, repeat: Repeat | undefined): number {
  if (!repeat) return 1;
  if (repeat.times !== undefined) return repeat.times;
  return Math.max(1, Math.floor((repeat.for ?? 0) / Math.max(1, cycleMs)));
}

// ── expect ────────────────────────────────────────────────────────────────────────────────────────
/**
 * `expect` maps keys to expectations. A key is a check name, optionally with a label after a dot so
 * one check appears several times: `latency.checkout`, `latency.health`. The key names the verdict.
 */
export const expectSchema = z.record(z.string(), z.unknown()).transform((entries, ctx) => {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entries)) {
    const name = checkNameOf(key);
    if (!isCheckName(name)) {
      ctx.addIssue({ code: 'custom', path: [key], message: unknownName(name, Object.keys(checks), 'check') });
      continue;
    }
    const parsed = sub(ctx, checks[name].expectation, value, [key]);
    if (parsed !== undefined) out[key] = parsed;
  }
  return out;
});

// ── the scenario ─────────────────────────────────────────────────────────────────────────────────
const scenarioShape = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  target: targetSchema,
  dependencies: z.record(nameSchema('dependency'), dependencySchema).default({}),
  load: z.record(nameSchema('load'), loadEntrySchema).default({}),
  phases: z.array(phaseSchema).min(1, { error: 'a scenario needs at least one phase' }).max(MAX_PHASES),
  expect: expectSchema.default({}),
  /**
   * An external Toxiproxy instead of crumple's embedded proxy: its API URL, or
   * `{ url, listen, upstream }`: where its proxies listen on its host and the address it reaches the stand-ins at.
   */
  toxiproxy: z.union([z.url({ protocol: /^https?$/ }), proxyPlacementSchema.extend({ url: z.url({ protocol: /^https?$/ }) })]).optional(),
  /** Seeds stand-ins' randomness (garbage bytes, flaky draws) so a run replays. */
  seed: z.number().int().optional(),
  /** Hosts other than loopback that loads and the target URL may reach. */
  allowHosts: z.array(z.string().min(1)).optional(),
  /** crumple's load client gives up on a request after this. */
  clientTimeout: boundedDuration(MAX_CLIENT_TIMEOUT_MS, 'clientTimeout').default(DEFAULT_CLIENT_TIMEOUT_MS),
  /** The space `crumple explore` searches (ignored by `crumple run`). */
  explore: exploreSchema.optional(),
  /** A game day's halt conditions and blast-radius runbook (src/gameday/schema.ts; ignored by `crumple run`). */
  halt: haltSchema.optional(),
  steps: stepsSchema.optional(),
  /** Run the phases as cycles for a duration or a number of times (a soak). */
  repeat: repeatSchema.optional(),
  /** Service-level objectives over the whole run: the same as `expect: { slo: ... }` (the slo check). */
  slo: checks.slo.expectation.optional(),
});

/** Cross-references: names used in faults and expectations must exist, and fit what they refer to. */
function crossCheck(s: z.output<typeof scenarioShape>, ctx: z.RefinementCtx): void {
  // Runs even when parts failed (so every issue shows at once): parts may be missing.
  if (!s.target || !s.dependencies || !s.load || !Array.isArray(s.phases) || !s.expect) return;
  const deps = Object.keys(s.dependencies);
  const loads = Object.keys(s.load);
  const phases = s.phases.map((p) => p.name);
  if (deps.length > MAX_DEPENDENCIES) ctx.addIssue({ code: 'custom', path: ['dependencies'], message: `at most ${MAX_DEPENDENCIES} dependencies` });
  if (loads.length > MAX_LOADS) ctx.addIssue({ code: 'custom', path: ['load'], message: `at most ${MAX_LOADS} loads` });
  if (Object.keys(s.expect).length > MAX_EXPECTATIONS) ctx.addIssue({ code: 'custom', path: ['expect'], message: `at most ${MAX_EXPECTATIONS} expectations` });
  const cycle = s.phases.reduce((t, p) => t + p.for, 0);
  const total = cycle * cycleCount(cycle, s.repeat);
  if (cycle > MAX_RUN_MS) ctx.addIssue({ code: 'custom', path: ['phases'], message: `phases add up to ${cycle / 1000} s; a run is capped at ${MAX_RUN_MS / 1000} s` });
  else if (total > MAX_RUN_MS) ctx.addIssue({ code: 'custom', path: ['repeat'], message: `${cycleCount(cycle, s.repeat)} cycles of ${cycle / 1000} s add up to ${total / 1000} s; a run is capped at ${MAX_RUN_MS / 1000} s` });
  if (s.slo !== undefined && Object.keys(s.expect).some((k) => checkNameOf(k) === 'slo')) {
    ctx.addIssue({ code: 'custom', path: ['slo'], message: 'give the service-level objectives once: top-level slo: or expect: { slo: ... }, not both' });
  }
  const checkFault = (f: Fault, at: Path) => {
    if ('target' in f) {
      if (s.target.url !== undefined) ctx.addIssue({ code: 'custom', path: [...at, 'target'], message: `target: ${f.target} needs a target crumple starts (target.command); this one is given by url` });
      return;
    }
    const dep = s.dependencies[f.dependency];
    if (!dep) return ctx.addIssue({ code: 'custom', path: [...at, 'dependency'], message: unknownName(f.dependency, deps, 'dependency') });
    if (f.replica !== undefined && f.replica > dep.replicas) {
      ctx.addIssue({ code: 'custom', path: [...at, 'replica'], message: `'${f.dependency}' has ${dep.replicas} replica${dep.replicas > 1 ? 's' : ''} (replica counts from 1)` });
    }
    if ('behaviour' in f && dep.queue) {
      ctx.addIssue({ code: 'custom', path: [...at, 'behaviour'], message: `'${f.dependency}' is a queue stand-in, which has no behaviours: fault it with a toxic or down, or its consumer with target: kill` });
    } else if ('behaviour' in f) {
      const known = Object.hasOwn(behaviours, f.behaviour) || Object.hasOwn(wsBehaviours, f.behaviour);
      if (known && !Object.hasOwn(behaviourTable(dep.protocol), f.behaviour)) {
        ctx.addIssue({ code: 'custom', path: [...at, 'behaviour'], message: `'${f.behaviour}' is not a ${dep.protocol === 'ws' ? 'WebSocket' : 'HTTP'} behaviour, and '${f.dependency}' is ${dep.protocol}` });
      }
    } else if (dep.via !== 'proxy') {
      ctx.addIssue({ code: 'custom', path: [...at, 'toxic' in f ? 'toxic' : 'down'], message: `'${f.dependency}' is reached directly (via: direct), so it cannot take network faults; set via: proxy` });
    }
  };
  const seen = new Set<string>();
  s.phases.forEach((p, i) => {
    if (seen.has(p.name)) ctx.addIssue({ code: 'custom', path: ['phases', i, 'name'], message: `phase name '${p.name}' is used twice (expectations refer to phases by name)` });
    seen.add(p.name);
    (p.faults ?? []).forEach((f, j) => {
      if (f && typeof f === 'object') checkFault(f, ['phases', i, 'faults', j]);
    });
  });
  gameDayRefIssues(s, { loads }, checkFault, (path, message) => ctx.addIssue({ code: 'custom', path, message }));
  const t = s.target;
  const texts: [Path, string][] = t.url !== undefined ? [[['target', 'url'], t.url]] : [[['target', 'command'], t.command], ...Object.entries(t.env).map(([k, v]): [Path, string] => [['target', 'env', k], v])];
  for (const [path, text] of texts) if (typeof text === 'string') for (const message of refIssues(text, deps)) ctx.addIssue({ code: 'custom', path, message });
  for (const [name, e] of Object.entries(s.load)) {
    const to = loadShapes[e.shape]?.sendsTo;
    const dep = to !== undefined ? e[to] : undefined;
    if (typeof dep === 'string' && !s.dependencies[dep]?.queue) {
      ctx.addIssue({ code: 'custom', path: ['load', name, to!], message: s.dependencies[dep] ? `'${dep}' is not a queue: give it queue: { visibility: 30s }` : unknownName(dep, deps.filter((d) => s.dependencies[d]!.queue), 'queue dependency') });
    }
    const r = loadPhases(e.during, phases);
    if (typeof r === 'string') ctx.addIssue({ code: 'custom', path: ['load', name, 'during'], message: r });
  }
  const refs: [field: string, known: string[], what: string][] = [
    ['dependency', deps, 'dependency'],
    ['load', loads, 'load'],
    ['phase', phases, 'phase'],
    ['during', phases, 'phase'],
  ];
  if (s.explore) {
    const x = s.explore;
    const faultNames = [...behaviourNames, ...visibleToxicTypes(), 'down'];
    (x.dependencies ?? []).forEach((d, i) => {
      if (!deps.includes(d)) ctx.addIssue({ code: 'custom', path: ['explore', 'dependencies', i], message: unknownName(d, deps, 'dependency') });
    });
    const lists: [(string | number)[], string[]][] = Array.isArray(x.faults) ? [[['explore', 'faults'], x.faults]] : Object.entries(x.faults ?? {}).map(([d, l]) => [['explore', 'faults', d], l]);
    for (const [at, list] of lists) {
      const d = at[2];
      if (typeof d === 'string' && !deps.includes(d)) ctx.addIssue({ code: 'custom', path: at, message: unknownName(d, deps, 'dependency') });
      list.forEach((f, i) => {
        if (!faultNames.includes(f)) ctx.addIssue({ code: 'custom', path: [...at, i], message: unknownName(f, faultNames, 'fault') });
      });
    }
    for (const [name, l] of Object.entries(x.load)) {
      if (!loads.includes(name)) ctx.addIssue({ code: 'custom', path: ['explore', 'load', name], message: unknownName(name, loads, 'load') });
      (l.uses ?? []).forEach((d, i) => {
        if (!deps.includes(d)) ctx.addIssue({ code: 'custom', path: ['explore', 'load', name, 'uses', i], message: unknownName(d, deps, 'dependency') });
      });
    }
    if (!deps.length) ctx.addIssue({ code: 'custom', path: ['explore'], message: 'explore needs at least one dependency to fault' });
  }
  if (s.slo?.load !== undefined && !loads.includes(s.slo.load)) ctx.addIssue({ code: 'custom', path: ['slo', 'load'], message: unknownName(s.slo.load, loads, 'load') });
  if (s.repeat) {
    s.phases.forEach((p, i) => {
      if (/ #\d+$/.test(p.name)) ctx.addIssue({ code: 'custom', path: ['phases', i, 'name'], message: `with repeat, cycles are named '<phase> #n': '${p.name}' would be mistaken for one` });
    });
  }
  for (const [key, x] of Object.entries(s.expect)) {
    if (typeof x !== 'object' || x === null) continue;
    // A body match reads the digest its load records: the same JSON path.
    const degraded = (x as { degraded?: { path?: unknown } }).degraded;
    const on = (x as { load?: unknown }).load;
    if (checkNameOf(key) === 'fallback' && typeof on === 'string' && s.load[on] && typeof degraded?.path === 'string') {
      const digest = s.load[on].digest;
      if (digest !== degraded.path) {
        ctx.addIssue({ code: 'custom', path: ['expect', key, 'degraded'], message: digest === undefined ? `load '${on}' records no body digest: give it digest: ${degraded.path}` : `load '${on}' digests ${String(digest)}, not ${degraded.path}` });
      }
    }
    // Issue 15's idempotency and delivery read what a stand-in was told to record.
    const xo = x as Record<string, unknown>;
    const needs: [string, 'idempotency' | 'queue', string][] = checkNameOf(key) === 'idempotency' ? [['dependency', 'idempotency', 'idempotency: {}']] : checkNameOf(key) === 'delivery' ? [['queue', 'queue', 'queue: { visibility: 30s }'], ['effect', 'idempotency', 'idempotency: {}']] : [];
    for (const [field, what, give] of needs) {
      const v = xo[field];
      if (typeof v !== 'string') continue;
      const dep = s.dependencies[v];
      if (!dep) {
        if (field !== 'dependency') ctx.addIssue({ code: 'custom', path: ['expect', key, field], message: unknownName(v, deps, 'dependency') }); // `dependency` is checked with the other refs below
      }
      else if (dep[what] === undefined) ctx.addIssue({ code: 'custom', path: ['expect', key, field], message: `'${v}' records no ${what === 'queue' ? 'queue messages' : 'idempotency keys'}: give it ${give}` });
    }
    // rate-limit reads the client of each answer, coalescing the pulses of a dogpile: the load must make them.
    const entry = typeof on === 'string' ? s.load[on] : undefined;
    if (entry && checkNameOf(key) === 'rate-limit' && entry.clients === undefined) ctx.addIssue({ code: 'custom', path: ['expect', key, 'load'], message: `load '${String(on)}' sends no client identities: give it clients: { count: 10, heavy: { weight: 10 } }` });
    if (entry && checkNameOf(key) === 'coalescing' && entry.shape !== 'dogpile') ctx.addIssue({ code: 'custom', path: ['expect', key, 'load'], message: `load '${String(on)}' is a ${entry.shape} load: coalescing counts the bursts of a dogpile` });
    for (const [field, known, what] of refs) {
      const v = (x as Record<string, unknown>)[field];
      if (typeof v === 'string' && !known.includes(v)) ctx.addIssue({ code: 'custom', path: ['expect', key, field], message: unknownName(v, known, what) });
    }
  }
}

/** Loads without their own `timeout` get the scenario's clientTimeout, so checks know crumple's patience. */
function withClientTimeout(s: z.output<typeof scenarioShape>) {
  const load: typeof s.load = {};
  for (const [name, e] of Object.entries(s.load ?? {})) {
    if (!e || typeof e !== 'object') continue;
    const takesTimeout = fieldsOf(loadShapes[e.shape]?.spec).includes('timeout');
    load[name] = takesTimeout && e.timeout === undefined ? { ...e, timeout: s.clientTimeout } : e;
  }
  return { ...s, load };
}

export const scenarioSchema = scenarioShape.superRefine(crossCheck).transform(withClientTimeout);
/** A game day's file: the same scenario, but phases are optional (a game day may be driven by hand). */
export const gameDayScenarioSchema = scenarioShape
  .extend({ phases: z.array(phaseSchema).max(MAX_PHASES).default([]) })
  .superRefine(crossCheck)
  .transform(withClientTimeout);

/**
 * The longest time crumple's load clients wait for an answer: what the `timeout` check must tell apart.
 * A load's `timeout` is kept as written ("5s" or 5000): it is read with the one duration type.
 */
export function clientTimeoutMs(s: Scenario): number {
  let max = 0;
  for (const e of Object.values(s.load)) {
    const t = durationSchema.safeParse(e.timeout);
    if (t.success) max = Math.max(max, t.data);
  }
  return max || s.clientTimeout;
}

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Target = Scenario['target'];
export type Dependency = Scenario['dependencies'][string];
export type LoadEntry = Scenario['load'][string];
export type Phase = Scenario['phases'][number];

/** The sum of the phases, times the cycles of a soak: the run's length, and the cap every load gets. */
export const runDurationMs = (s: Scenario): number => {
  const cycle = s.phases.reduce((t, p) => t + p.for, 0);
  return cycle * cycleCount(cycle, s.repeat);
};
