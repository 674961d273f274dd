/**
 * THE fault: a behaviour switch on a stand-in, a toxic on its proxy link, the link down, or the target
 * process itself killed, paused or restarted. Declared
 * once here and built from the behaviour, WebSocket-behaviour and toxic tables, so a name or a
 * parameter exists exactly where its entry says. Scenario files, phases, `crumple toxic`, `crumple
 * standin`, explore/, progress lines and reports all take this schema, its type and describeFault().
 */
import { z } from 'zod';
import { behaviours } from '../../harness-servers/behaviours/index.js';
import { wsBehaviours } from '../../harness-servers/ws/index.js';
import { getToxic, toxicAttributes, toxics, visibleToxicTypes, type Toxic, type ToxicName } from '../proxy/toxics/index.js';
import { unknownName } from '../scenario/suggest.js';
import { formatMs, parseDuration } from '../units.js';
import { CrumpleError } from '../errors.js';
import type { FaultKind, Range, Ranges } from './kind.js';

/** The most stand-ins one dependency may have (`replicas: N`). */
export const MAX_REPLICAS = 16;

/** What every table entry offers a fault: a kind, params (or attributes) and their ranges. */
export interface FaultEntry {
  name: string;
  kind: FaultKind;
  explore: Ranges<Record<string, unknown>>;
}

type Table = Record<string, FaultEntry & { params: z.ZodType }>;
const httpTable = behaviours as unknown as Table;
const wsTable = wsBehaviours as unknown as Table;
export const behaviourNames = [...new Set([...Object.keys(behaviours), ...Object.keys(wsBehaviours)])] as [string, ...string[]];
export const behaviourTable = (protocol: 'http' | 'ws'): Table => (protocol === 'ws' ? wsTable : httpTable);
/** The entry of a behaviour name in either table (HTTP first: `garbage` exists in both senses). */
const behaviourEntry = (name: string) => (Object.hasOwn(httpTable, name) ? httpTable[name] : Object.hasOwn(wsTable, name) ? wsTable[name] : undefined);

const STREAMS = ['upstream', 'downstream'] as const;
export type Stream = (typeof STREAMS)[number];

// ── the normal form: what validation yields, what phases apply and the control APIs take ─────────
const dependency = z.string().min(1);
/** A toxic as it goes to a proxy: Toxiproxy's type, attributes, stream, toxicity and name. */
export const toxicSpecSchema = z.strictObject({
  type: z.enum(visibleToxicTypes() as [ToxicName, ...ToxicName[]]),
  attributes: z.record(z.string(), z.number().int()).default({}),
  stream: z.enum(STREAMS, { error: 'must be upstream or downstream' }).optional(),
  toxicity: z.number({ error: 'must be a number from 0 to 1' }).min(0, { error: 'must be a number from 0 to 1' }).max(1, { error: 'must be a number from 0 to 1' }).optional(),
  name: z.string().min(1).max(64).optional(),
});
/** One stand-in of a dependency with `replicas: N` (1 = the first URL of its list); absent = all of them. */
const replica = z.number().int().min(1, { error: 'replica counts from 1 (the first URL of the list)' }).max(MAX_REPLICAS, { error: `replica is at most ${MAX_REPLICAS}` }).optional();
const behaviourFault = z.strictObject({ dependency, replica, behaviour: z.enum(behaviourNames), params: z.unknown().optional() });
const toxicFault = z.strictObject({ dependency, replica, toxic: toxicSpecSchema });
const downFault = z.strictObject({ dependency, replica, down: z.literal(true) });
/**
 * What crumple does to the target process for the phase: `kill` SIGKILLs its process group when the
 * phase starts and starts it again when the phase ends; `pause` SIGSTOPs it for the phase, then
 * SIGCONT; `restart` stops it as at the end of a run (its stop signal, then SIGKILL after the grace)
 * and starts it again at once. Each start waits for the readiness probe and is timed.
 */
export const TARGET_ACTIONS = ['kill', 'pause', 'restart'] as const;
export type TargetAction = (typeof TARGET_ACTIONS)[number];
const targetFault = z.strictObject({ target: z.enum(TARGET_ACTIONS, { error: `target is one of ${TARGET_ACTIONS.join(', ')}` }) });

export type ToxicSpec = z.output<typeof toxicSpecSchema>;
/** A toxic as a library caller may pass it (attributes optional). */
export type ToxicSpecInput = z.input<typeof toxicSpecSchema>;
export type BehaviourFault = z.output<typeof behaviourFault>;
export type ToxicFault = z.output<typeof toxicFault>;
export type DownFault = z.output<typeof downFault>;
export type TargetFault = z.output<typeof targetFault>;
/** A fault without its dependency: what `crumple toxic add` or `standin set` is told. */
export type FaultBody = Omit<BehaviourFault, 'dependency' | 'replica'> | Omit<ToxicFault, 'dependency' | 'replica'> | Omit<DownFault, 'dependency' | 'replica'>;
/** A fault on a dependency (every variant but the target's). */
export type DependencyFault = BehaviourFault | ToxicFault | DownFault;
export const isTargetFault = (f: FaultBody | Fault | TargetFault): f is TargetFault => 'target' in f;

// ── the written form: what a scenario file (or a flag set) says ───────────────────────────────────
/** Keys of a written toxic fault that are not attributes. */
const TOXIC_KEYS = new Set(['dependency', 'replica', 'toxic', 'stream', 'toxicity', 'name']);

/**
 * A fault as written: `{dependency, behaviour, params}`, `{dependency, toxic: latency, latency: 800,
 * stream, toxicity}` (attributes as sibling keys; ms attributes also take "800ms") or
 * `{dependency, down: true}`; the normal form is accepted as well. Every issue names its field.
 */
const FAILED = Symbol('failed');
function normalise(f: Record<string, unknown>, ctx: z.RefinementCtx, withTarget: boolean): unknown {
  const kinds = ['behaviour', 'toxic', 'down', ...(withTarget ? ['target'] : [])].filter((k) => k in f);
  if (kinds.length !== 1) {
    const one = withTarget ? 'behaviour, toxic, down or target' : 'behaviour, toxic or down';
    ctx.addIssue({ code: 'custom', message: kinds.length ? `a fault is one of ${one}, not ${kinds.join(' and ')}` : `a fault needs one of: behaviour (a stand-in behaviour), toxic (a network fault), down: true${withTarget ? ', target: kill|pause|restart' : ''}` });
    return FAILED;
  }
  if ('target' in f) {
    if ('dependency' in f || 'replica' in f) ctx.addIssue({ code: 'custom', path: ['dependency' in f ? 'dependency' : 'replica'], message: 'a target fault acts on the target process, not on a dependency: write { target: kill|pause|restart } alone' });
    return f;
  }
  const dep = { ...('dependency' in f ? { dependency: f.dependency } : {}), ...('replica' in f ? { replica: f.replica } : {}) };
  if ('down' in f) return f;
  if ('behaviour' in f) {
    const name = f.behaviour;
    const b = typeof name === 'string' ? behaviourEntry(name) : undefined;
    if (!b) {
      ctx.addIssue({ code: 'custom', path: ['behaviour'], message: typeof name === 'string' ? unknownName(name, behaviourNames, 'behaviour') : 'behaviour is a name' });
      return FAILED;
    }
    const r = b.params.safeParse(f.params ?? {});
    if (!r.success) for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: ['params', ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))], message: i.message });
    return f;
  }
  if (typeof f.toxic === 'object' && f.toxic !== null) {
    const spec = checkedSpec(f.toxic as Record<string, unknown>, ctx, ['toxic']);
    return spec === FAILED ? FAILED : { ...dep, toxic: spec };
  }
  const attributes: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) if (!TOXIC_KEYS.has(k)) attributes[k] = v;
  const spec: Record<string, unknown> = { type: f.toxic, attributes };
  for (const k of ['stream', 'toxicity', 'name']) if (f[k] !== undefined) spec[k] = f[k];
  const checked = checkedSpec(spec, ctx, [], true);
  return checked === FAILED ? FAILED : { ...dep, toxic: checked };
}

/**
 * One validation of a toxic: its type, each attribute against the entry (ms attributes take
 * durations), then the values that crash a real Toxiproxy. `flat` = attributes were sibling keys.
 */
function checkedSpec(raw: Record<string, unknown>, ctx: z.RefinementCtx, at: (string | number)[], flat = false): unknown {
  const type = raw.type;
  const toxic = typeof type === 'string' ? getToxic(type) : undefined;
  if (!toxic || toxic.hidden) {
    ctx.addIssue({ code: 'custom', path: flat ? ['toxic'] : [...at, 'type'], message: typeof type === 'string' ? unknownName(type, visibleToxicTypes(), 'toxic') : `toxic is a type name (${visibleToxicTypes().join(', ')})` });
    return FAILED;
  }
  const given = raw.attributes ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    ctx.addIssue({ code: 'custom', path: [...at, 'attributes'], message: `${type} attributes are an object of integers` });
    return FAILED;
  }
  const attributes: Record<string, number> = {};
  let bad = false;
  for (const [k, v] of Object.entries(given)) {
    const path = flat ? [k] : [...at, 'attributes', k];
    if (!Object.hasOwn(toxic.attributes, k)) {
      ctx.addIssue({ code: 'custom', path, message: unknownName(k, Object.keys(toxic.attributes), `${type} attribute`) });
      bad = true;
      continue;
    }
    const unit = (toxic.units as Record<string, string>)[k];
    const n = unit === 'ms' && typeof v === 'string' ? parseDuration(v) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      // A value the real Toxiproxy would crash on says so; otherwise the type is what is wrong.
      const crash = typeof n === 'number' && Number.isSafeInteger(n) ? toxicAttributes(type as string, { [k]: n }) : undefined;
      ctx.addIssue({ code: 'custom', path, message: typeof n === 'string' ? n : crash && !crash.ok ? crash.error : `${type}.${k} is a non-negative integer (${unit})` });
      bad = true;
      continue;
    }
    attributes[k] = n;
  }
  if (bad) return FAILED;
  const crash = toxicAttributes(type as string, attributes);
  if (!crash.ok) {
    ctx.addIssue({ code: 'custom', path: flat ? ['toxic'] : [...at, 'attributes'], message: crash.error });
    return FAILED;
  }
  return { ...raw, attributes };
}

/** The normal form's schema for what `normalise` made of it: the one that fits, so issues stay specific. */
function finish<D extends boolean>(withDep: D) {
  const pick = (f: Record<string, unknown>): z.ZodType => {
    if ('target' in f) return targetFault;
    const s: z.ZodObject = 'behaviour' in f ? behaviourFault : 'toxic' in f ? toxicFault : downFault;
    return withDep ? s : s.omit({ dependency: true, replica: true });
  };
  return (f: unknown, ctx: z.RefinementCtx) => {
    if (f === FAILED) return z.NEVER;
    const r = pick(f as Record<string, unknown>).safeParse(f);
    if (r.success) return r.data;
    for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: i.message });
    return z.NEVER;
  };
}

/** A fault of a scenario's phase: as written in, normal form out. */
export const faultSchema = z
  .looseObject({ dependency: z.string().optional() })
  .transform((f, ctx): BehaviourFault | ToxicFault | DownFault | TargetFault => finish(true)(normalise(f, ctx, true), ctx) as never);
export type Fault = z.output<typeof faultSchema>;
/** The same without a dependency (a CLI command names its stand-in or proxy itself; no target faults). */
export const faultBodySchema = z.looseObject({}).transform((f, ctx): FaultBody => finish(false)(normalise(f, ctx, false), ctx) as never);

/** Parses a toxic spec for a library caller (one line naming the field, else the spec). */
export function parseToxicSpec(t: unknown): ToxicSpec {
  const r = faultBodySchema.safeParse({ toxic: t });
  if (!r.success) {
    const i = r.error.issues[0]!;
    const path = i.path.filter((p) => p !== 'toxic').join('.');
    throw new CrumpleError('BAD_INPUT', `${path ? `${path}: ` : ''}${i.message.replace(/^bad request body: json: /, '')}`);
  }
  return (r.data as Omit<ToxicFault, 'dependency'>).toxic;
}

// ── what a fault is, for checks, reports and explore ──────────────────────────────────────────────
/** The entry name: the behaviour, the toxic's type, `down`, or the target action (kill, pause, restart). */
export const faultName = (f: FaultBody | Fault): string => ('behaviour' in f ? f.behaviour : 'toxic' in f ? f.toxic.type : 'target' in f ? f.target : 'down');
/** Where the fault acts: on the stand-in (behaviour), on the network (toxic, down), or on the target process. */
export const faultLayer = (f: FaultBody | Fault): FaultLayer => ('behaviour' in f ? 'behaviour' : 'target' in f ? 'target' : 'toxic');
export type FaultLayer = 'behaviour' | 'toxic' | 'target';
/** What a target fault is called where a dependency's name would be (dependency names start with a letter). */
export const TARGET_SUBJECT = '(target)';

/** A fault as a phase window and the checks see it: names and kinds, no params. Target faults: dependency '(target)'. */
export const faultSummary = (f: Fault): { dependency: string; replica?: number; fault: string; type: FaultLayer; kinds: FaultKind[] } => ({
  dependency: 'target' in f ? TARGET_SUBJECT : f.dependency,
  ...(!('target' in f) && f.replica !== undefined ? { replica: f.replica } : {}),
  fault: faultName(f),
  type: faultLayer(f),
  kinds: faultKinds(f),
});

/** The kinds behind a bare entry name (a behaviour, a toxic type or `down`), params left at defaults. */
export function kindsOfName(name: string): FaultKind[] {
  if (name === 'down') return ['fails-fast'];
  const t = getToxic(name);
  return t ? [t.kind] : faultKinds({ behaviour: name });
}

/** The table entry behind a fault, `down` included (a link down refuses at once). */
export function faultEntry(f: FaultBody | Fault): FaultEntry | undefined {
  if ('target' in f) return TARGET_ENTRIES[f.target];
  if ('down' in f) return DOWN;
  if ('toxic' in f) return getToxic(f.toxic.type) as FaultEntry | undefined;
  return behaviourEntry(f.behaviour);
}
const DOWN: FaultEntry = { name: 'down', kind: 'fails-fast', explore: {} };
/** A killed or restarting target refuses connections (fails fast); a paused one accepts and never answers (holds). */
const TARGET_ENTRIES: Record<TargetAction, FaultEntry> = {
  kill: { name: 'kill', kind: 'fails-fast', explore: {} },
  pause: { name: 'pause', kind: 'holds', explore: {} },
  restart: { name: 'restart', kind: 'fails-fast', explore: {} },
};

/** The kinds a caller meets under this fault; composites (flaky, sequence) give their nested kinds. */
export function faultKinds(f: FaultBody | Fault): FaultKind[] {
  const out = new Set<FaultKind>();
  const visit = (name: string, params: unknown, depth: number) => {
    const e = behaviourEntry(name);
    if (!e) return;
    if (e.kind !== 'mixed' || depth > 4) return void out.add(e.kind);
    for (const n of nestedOf(name, params)) visit(n.behaviour, n.params, depth + 1);
  };
  if ('behaviour' in f) visit(f.behaviour, f.params, 0);
  else out.add(faultEntry(f)?.kind ?? 'fails-fast');
  return [...out];
}

/** The behaviours a composite nests, with the defaults its schema fills in. */
function nestedOf(name: string, params: unknown): { behaviour: string; params?: unknown }[] {
  const e = behaviourEntry(name);
  const r = e?.params.safeParse(params ?? {});
  if (!r?.success) return [];
  const p = r.data as { fault?: unknown; otherwise?: unknown; steps?: unknown[] };
  const list = [p.fault, p.otherwise, ...(p.steps ?? [])];
  return list.filter((x): x is { behaviour: string; params?: unknown } => typeof x === 'object' && x !== null && typeof (x as { behaviour?: unknown }).behaviour === 'string');
}

// ── one text for a fault ──────────────────────────────────────────────────────────────────────────
/**
 * "inventory → slow delay=2 s", "inventory ~ latency latency=800 ms jitter=200 ms (upstream, 50 %)",
 * "inventory down". Values in ms are formatted as durations (from the entry's declared units).
 */
export function describeFault(f: FaultBody | Fault): string {
  if ('target' in f) return `target ${f.target === 'kill' ? 'killed' : f.target === 'pause' ? 'paused' : 'restarted'}`;
  const dep = 'dependency' in f ? `${f.dependency}${'replica' in f && f.replica !== undefined ? `#${f.replica}` : ''}` : '';
  if ('down' in f) return `${dep ? `${dep} ` : ''}down`;
  if ('behaviour' in f) {
    const e = behaviourEntry(f.behaviour);
    const params = describeValues(f.params, e?.explore as Record<string, Range> | undefined);
    return `${dep ? `${dep} → ` : ''}${f.behaviour}${params ? ` ${params}` : ''}`;
  }
  const t = f.toxic;
  const toxic = getToxic(t.type);
  const units = (toxic?.units ?? {}) as Record<string, string>;
  const attrs = Object.entries(t.attributes).map(([k, v]) => `${k}=${units[k] === 'ms' ? formatMs(v) : units[k] && units[k] !== 'ms' ? `${v} ${units[k]}` : v}`).join(' ');
  const extra = [t.stream && t.stream !== 'downstream' ? t.stream : '', t.toxicity !== undefined && t.toxicity < 1 ? `${Math.round(t.toxicity * 100)} %` : ''].filter(Boolean).join(', ');
  return `${dep ? `${dep} ~ ` : ''}${t.type}${attrs ? ` ${attrs}` : ''}${extra ? ` (${extra})` : ''}`;
}

function describeValues(params: unknown, ranges: Record<string, Range> | undefined): string {
  if (params === undefined || params === null || typeof params !== 'object' || Array.isArray(params)) return params === undefined ? '' : JSON.stringify(params);
  return Object.entries(params as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => {
      const r = ranges?.[k];
      const ms = r && (r.kind === 'log' || r.kind === 'int') && r.unit === 'ms' && typeof v === 'number';
      return `${k}=${ms ? formatMs(v as number) : typeof v === 'string' ? v : JSON.stringify(v)}`;
    })
    .join(' ');
}

/** The written form of a fault (attributes as sibling keys), for scenario files crumple writes. */
export function writtenFault(f: Fault): Record<string, unknown> {
  if (!('toxic' in f)) return { ...f };
  const { type, attributes, ...rest } = f.toxic;
  return { dependency: f.dependency, ...(f.replica !== undefined ? { replica: f.replica } : {}), toxic: type, ...attributes, ...rest };
}

/** Every entry a fault can name, with its kind: for help listings and the contract suite. */
export function faultEntries(): { layer: 'behaviour' | 'ws-behaviour' | 'toxic'; entry: FaultEntry }[] {
  return [
    ...Object.values(httpTable).map((entry) => ({ layer: 'behaviour' as const, entry })),
    ...Object.values(wsTable).map((entry) => ({ layer: 'ws-behaviour' as const, entry })),
    ...Object.values(toxics as Record<string, Toxic>).filter((t) => !t.hidden).map((t) => ({ layer: 'toxic' as const, entry: t as unknown as FaultEntry })),
  ];
}
