/**
 * The `explore:` section of a scenario: the space a search may vary (which dependencies fault, with
 * which entries of the tables, how many at once, sequences on one, timing, load levels) and the
 * built-in invariants that make up the property besides the scenario's own `expect`. Every field is
 * bounded, so a search over it always ends.
 */
import { z } from 'zod';
import { durationSchema, rateSchema } from '../unit-schemas.js';
import { faultKinds, type FaultKind } from '../faults/kind.js';
import { boundSchema } from '../checks/bounds.js';

const range = <T extends z.ZodType>(value: T) => z.strictObject({ min: value, max: value });

/** How one load may vary: its rate between bounds, left out entirely, and which dependencies it uses. */
const loadSpace = z.strictObject({
  /** Requests per second the trial may use (steady loads); default: the scenario's own rate. */
  rate: range(rateSchema).refine((r) => r.min <= r.max, { error: 'rate.min must not exceed rate.max' }).optional(),
  /** The search may leave this load out of a trial. */
  optional: z.boolean().default(false),
  /**
   * The dependencies this load's requests reach. A load whose dependencies are all healthy must keep
   * its baseline p99 and error rate while others fault (isolation); without `uses` it is not judged so.
   */
  uses: z.array(z.string()).optional(),
});

const invariantsSchema = z.strictObject({
  /** The target never exits on its own. */
  alive: z.boolean().default(true),
  /** Every request answered or refused before the client timeout. */
  answered: z.boolean().default(true),
  /** Back to the baseline within the recovery window after the faults clear. */
  recovers: z.boolean().default(true),
  /** Calls to a dependency per client request stay at most this (retry storms); false: off. */
  'calls-per-request': z.union([z.number().positive().max(1000), z.literal(false)]).default(10),
  /** Target RSS growth over a trial; false: off. */
  'rss-growth': z.union([boundSchema('size'), z.literal(false)]).prefault('< 200MB'),
  /** A load whose own dependencies are healthy keeps its baseline (needs `uses` on the loads). */
  isolation: z.boolean().default(true),
});

export const exploreSchema = z
  .strictObject({
    /** Dependencies that may fault (default: every dependency of the scenario). */
    dependencies: z.array(z.string()).min(1).optional(),
    /**
     * Behaviour and toxic names (and `down`) that may be tried (default: every entry of the tables):
     * one list for every dependency, or a list per dependency.
     */
    faults: z.union([z.array(z.string()).min(1), z.record(z.string(), z.array(z.string()).min(1))]).optional(),
    /** Only entries of these kinds (default: every kind but healthy). */
    kinds: z.array(z.enum(faultKinds.filter((k) => k !== 'healthy' && k !== 'mixed') as [FaultKind, ...FaultKind[]])).min(1).optional(),
    /** Faults active at once, across dependencies (1..k). */
    'at-once': z.number().int().min(1).max(4).default(2),
    /** Steps of a sequence on one dependency (a fault, then another, ...). */
    steps: z.number().int().min(1).max(5).default(3),
    /** How long one step may last. */
    'step-duration': range(durationSchema).default({ min: 500, max: 3000 }),
    /** One trial: healthy baseline, the fault window, then the recovery window. */
    trial: durationSchema.refine((ms) => ms >= 2000 && ms <= 120_000, { error: 'trial is 2 s to 2 min' }).default(8000),
    baseline: durationSchema.refine((ms) => ms >= 500, { error: 'baseline is at least 500 ms' }).default(1500),
    // Longer than a typical breaker's reset plus a probe: recovery is judged within it, less one second.
    recovery: durationSchema.refine((ms) => ms >= 1500, { error: 'recovery is at least 1.5 s (judged within it, less one second)' }).default(3500),
    load: z.record(z.string(), loadSpace).default({}),
    invariants: invariantsSchema.prefault({}),
  })
  .superRefine((x, ctx) => {
    if (x.baseline + x.recovery + 500 > x.trial) ctx.addIssue({ code: 'custom', path: ['trial'], message: `trial (${x.trial} ms) must leave at least 500 ms of faults after baseline (${x.baseline} ms) and recovery (${x.recovery} ms)` });
    if (x['step-duration'].min > x['step-duration'].max) ctx.addIssue({ code: 'custom', path: ['step-duration', 'min'], message: 'step-duration.min must not exceed max' });
  });

export type ExploreSpace = z.output<typeof exploreSchema>;
export type ExploreSpaceInput = z.input<typeof exploreSchema>;
export type Invariants = ExploreSpace['invariants'];
