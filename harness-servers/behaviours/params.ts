/**
 * The HTTP behaviours' params, declared once: per behaviour its zod schema (defaults, so `{}` parses)
 * and the values worth exploring, keyed by the name in scenario files and on the control API. The
 * implementations (impl.ts) are keyed by the same names, and the compiler checks both tables agree.
 * The parent side imports this (scenario schema, faults, explore, serve --config, the public API);
 * a stand-in loads it only when it has params to check (server.ts), so one that answers with a
 * behaviour that takes no params never loads zod.
 */
import { z } from 'zod';
import { durationSchema } from '../../src/unit-schemas.js';
import { parseDuration } from '../../src/units.js';
import { oneOf, fixed, log, real, nested, ERROR_STATUSES, OK_STATUSES, type Ranges } from '../../src/faults/kind.js';
import { contractSchema } from '../contract.js';
import type { NestedSpec } from '../behaviour.js';
import { MAX_DELAY } from './slow.js';

function entry<S extends z.ZodType>(params: S, explore: Ranges<z.input<S>>): { params: S; explore: Ranges<z.input<S>> } {
  return { params, explore };
}

const httpStatus = () => z.number().int().min(100).max(599);

const ok = entry(
  z.strictObject({
    /** Status when there is no contract. */
    status: httpStatus().default(200),
    /** Body when there is no contract. */
    json: z.unknown().default({ ok: true }),
    /** Replaces the stand-in's contract while this behaviour is active. */
    contract: contractSchema.optional(),
  }),
  { status: oneOf(...OK_STATUSES), json: fixed('the body a healthy answer carries'), contract: fixed("the stand-in's own contract") },
);

const slow = entry(
  z
    .strictObject({
      distribution: z.enum(['fixed', 'uniform', 'normal', 'lognormal']).default('fixed'),
      /** fixed: the delay; normal: the mean; lognormal: the median. */
      delay: durationSchema.default(1000),
      /** uniform: bounds; every distribution is also clamped to [min, max] when max is given. */
      min: durationSchema.default(0),
      max: durationSchema.optional(),
      /** normal: standard deviation. */
      stddev: durationSchema.default(100),
      /** lognormal: shape (sigma of the underlying normal). */
      sigma: z.number().min(0).max(5).default(0.5),
      /** Status/body when there is no contract (as `ok`). */
      status: httpStatus().default(200),
      json: z.unknown().default({ ok: true }),
    })
    .refine((p) => p.max === undefined || p.min <= p.max, { error: 'min must not exceed max', path: ['min'] })
    .refine((p) => p.distribution !== 'uniform' || p.max !== undefined, { error: 'uniform needs max', path: ['max'] })
    .refine((p) => p.delay <= MAX_DELAY && (p.max ?? 0) <= MAX_DELAY, { error: 'delays are capped at 24h', path: ['delay'] }),
  { distribution: oneOf('fixed', 'normal', 'lognormal'), delay: log(10, 10_000, 'ms'), min: fixed('a clamp, not a fault'), max: fixed('a clamp, not a fault'), stddev: log(10, 2000, 'ms'), sigma: real(0.1, 2), status: oneOf(200), json: fixed('the body a healthy answer carries') },
);

const none = () => entry(z.strictObject({}), {});

const reset = entry(
  z.strictObject({
    when: z.enum(['accept', 'request', 'headers']).default('accept'),
    /** headers: how long after the head the reset comes, so the client surely read it. */
    after: durationSchema.default(50),
  }),
  { when: oneOf('accept', 'request', 'headers'), after: log(1, 1000, 'ms') },
);

const closeEarly = entry(
  z.strictObject({
    /** request: after reading the request; accept: before reading anything. */
    when: z.enum(['request', 'accept']).default('request'),
  }),
  { when: oneOf('request', 'accept') },
);

const garbage = entry(
  z.strictObject({
    bytes: z.number().int().min(1).max(16 * 1024 * 1024).default(1024),
    /** request: after reading the request; accept: at once, before the client sent anything. */
    when: z.enum(['request', 'accept']).default('request'),
  }),
  { bytes: log(1, 1 << 20, 'bytes'), when: oneOf('request', 'accept') },
);

const html = entry(
  z.strictObject({
    status: httpStatus().default(200),
    title: z.string().max(200).default('Service Temporarily Unavailable'),
  }),
  { status: oneOf(200, 502, 503), title: fixed('any text makes the same HTML page') },
);

const wrongType = entry(z.strictObject({ status: httpStatus().default(200) }), { status: oneOf(200, 201) });

const malformed = entry(
  z.strictObject({
    status: httpStatus().default(200),
    mode: z.enum(['cut', 'corrupt']).default('cut'),
  }),
  { status: oneOf(200), mode: oneOf('cut', 'corrupt') },
);

const truncated = entry(
  z
    .strictObject({
      /** Content-Length announced. */
      declared: z.number().int().min(1).max(1 << 30).default(4096),
      /** Bytes actually sent. */
      sent: z.number().int().min(0).default(1024),
      status: httpStatus().default(200),
    })
    .refine((p) => p.sent < p.declared, { error: 'sent must be less than declared', path: ['sent'] }),
  { declared: log(2048, 1 << 20, 'bytes'), sent: oneOf(0, 1, 16, 512), status: oneOf(200) },
);

const drip = entry(
  z.strictObject({
    interval: durationSchema.default(1000),
    /** Bytes per chunk. */
    chunk: z.number().int().min(1).max(65536).default(16),
    /** Chunks in the body (total = chunk × chunks). */
    chunks: z.number().int().min(1).max(1_000_000).default(30),
    status: httpStatus().default(200),
  }),
  { interval: log(10, 5000, 'ms'), chunk: log(1, 4096, 'bytes'), chunks: log(1, 1000), status: oneOf(200) },
);

const huge = entry(
  z.strictObject({
    /** Megabytes to send; 0 = endless (until the client closes). */
    mb: z.number().min(0).max(1_000_000).default(0),
    /** Approximate bytes per array item. */
    itemBytes: z.number().int().min(16).max(65536).default(128),
  }),
  { mb: oneOf(1, 10, 100, 0), itemBytes: log(16, 65_536, 'bytes') },
);

/**
 * `{ date: +1s }`: an HTTP-date this far from the moment of each answer ("-5s" is in the past). A fixed
 * date string would be in the past, or far in the future, by the time a run uses it.
 */
const relativeDate = z.strictObject({
  date: z.union([z.number(), z.string()]).transform((v, ctx) => {
    const m = typeof v === 'string' ? /^\s*([+-]?)\s*(.+)$/.exec(v) : null;
    const ms = parseDuration(m ? m[2] : typeof v === 'number' ? Math.abs(v) : v);
    if (typeof ms === 'string') {
      ctx.addIssue({ code: 'custom', message: `retryAfter.date: ${ms} (write e.g. +1s or -5s)` });
      return z.NEVER;
    }
    return (m ? m[1] === '-' : typeof v === 'number' && v < 0) ? -ms : ms;
  }),
});

const status = entry(
  z.strictObject({
    status: httpStatus().default(503),
    /** Delta-seconds (5), an HTTP-date relative to the moment of the answer ({ date: +1s }), or any text sent as is. */
    retryAfter: z.union([z.number().int().min(0), z.string().min(1), relativeDate]).optional(),
    /** JSON (object/array/number...) or text. Default: {"error": "<reason phrase>"}. */
    body: z.unknown().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
  { status: oneOf(...ERROR_STATUSES), retryAfter: oneOf(undefined, 0, 1, 30), body: fixed('the error body rarely matters to a caller'), headers: fixed('extra headers are scenario-specific') },
);

/** Validates `{ behaviour, params }` against this table inside a zod transform (issues keep their path). */
export function checkNested(v: { behaviour: string; params?: unknown }, ctx: z.RefinementCtx): NestedSpec {
  const b = Object.hasOwn(behaviourParams, v.behaviour) ? behaviourParams[v.behaviour as keyof typeof behaviourParams] : undefined;
  if (!b) {
    ctx.addIssue({ code: 'custom', path: ['behaviour'], message: `unknown behaviour '${v.behaviour}' (known: ${Object.keys(behaviourParams).join(', ')})` });
    return z.NEVER;
  }
  const r = (b.params as z.ZodType).safeParse(v.params ?? {});
  if (!r.success) {
    for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: ['params', ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))], message: i.message });
    return z.NEVER;
  }
  return { behaviour: v.behaviour, params: r.data };
}

/** `{ behaviour, params }` inside a composite; params validated by that behaviour's schema. */
export const nestedSchema = z.strictObject({ behaviour: z.string(), params: z.unknown().optional() }).transform(checkNested);

const flaky = entry(
  z.strictObject({
    /** Share of requests (0..1) that get `fault`. */
    fraction: z.number().min(0).max(1).default(0.5),
    fault: nestedSchema.prefault({ behaviour: 'status', params: { status: 500 } }),
    otherwise: nestedSchema.prefault({ behaviour: 'ok' }),
  }),
  { fraction: real(0.05, 0.95), fault: nested, otherwise: nested },
);

const step = z
  .strictObject({
    behaviour: z.string(),
    params: z.unknown().optional(),
    /** Requests this step answers. */
    count: z.number().int().min(1).optional(),
    /** How long this step lasts (ms or "5s"). */
    for: durationSchema.optional(),
  })
  .refine((s) => !(s.count !== undefined && s.for !== undefined), { error: 'give count or for, not both', path: ['count'] })
  .transform((s, ctx) => {
    const n = checkNested(s, ctx);
    return { ...n, count: s.count, for: s.for };
  });

const sequence = entry(
  z.strictObject({
    steps: z
      .array(step)
      .min(1, { error: 'steps needs at least one step' })
      .prefault([
        { behaviour: 'ok', count: 5 },
        { behaviour: 'status', params: { status: 503 }, count: 5 },
        { behaviour: 'ok' },
      ]),
    /** After the last step, start again from the first (else stay on the last). */
    loop: z.boolean().default(false),
  }),
  { steps: nested, loop: oneOf(false, true) },
);

export const behaviourParams = {
  ok,
  slow,
  hang: none(),
  'no-read': none(),
  refuse: none(),
  reset,
  'close-early': closeEarly,
  garbage,
  html,
  'wrong-type': wrongType,
  malformed,
  truncated,
  drip,
  huge,
  status,
  flaky,
  sequence,
};

/** What a behaviour's `create` gets: its params as the schema outputs them (defaults filled in). */
export type ParamsOf<K extends keyof typeof behaviourParams> = z.output<(typeof behaviourParams)[K]['params']>;
