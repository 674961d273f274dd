/**
 * The `halt:` and `steps:` sections of a scenario, read by `crumple gameday` (ignored by `crumple
 * run`), composed into the scenario schema like `explore:`. Every field is bounded: a halt condition
 * is sustained for 1 s to 10 min, a step lasts at most an hour, a runbook has at most 20 steps.
 */
import { z } from 'zod';
import { durationSchema } from '../unit-schemas.js';
import { formatSpan } from './render.js';
import { parseBound, type Bound, type BoundKind } from '../checks/bounds.js';
import { faultSchema, type Fault } from '../faults/fault.js';
import { unknownName } from '../scenario/suggest.js';

/** Every game-day fault is bounded: this long unless told, never longer than the maximum. */
export const DEFAULT_FAULT_MS = 60_000;
export const MAX_FAULT_MS = 3_600_000;
/** A game day is held open this long unless `--max` says otherwise, and never longer than the cap. */
export const DEFAULT_GAMEDAY_MS = 2 * 3_600_000;
export const MAX_GAMEDAY_MS = 8 * 3_600_000;
const MAX_HALTS = 20;
const MAX_STEPS = 20;
const MAX_STEP_FAULTS = 20;

/**
 * A halt threshold: the value that stops the game day when it is exceeded. "> 20%" and a plain "20%"
 * both mean "over 20 %"; ">= 2s" is "2 s or more". "<" is refused: a halt says when to stop.
 */
function haltBound(kind: BoundKind) {
  return z.union([z.number(), z.string()]).transform((v, ctx): Bound => {
    if (typeof v === 'string' && /^\s*(<|≤)/.test(v)) {
      ctx.addIssue({ code: 'custom', message: `a halt condition says when to stop: write "> ${v.replace(/^\s*(<=|<|≤)\s*/, '')}" (over), not '${v}'` });
      return z.NEVER;
    }
    const written = typeof v === 'string' && /^\s*(>|≥)/.test(v);
    const b = parseBound(v, kind);
    if (typeof b === 'string') {
      ctx.addIssue({ code: 'custom', message: `'${String(v)}' is not a${kind === 'ratio' ? 'n error-rate' : ' latency'} threshold (write e.g. ${kind === 'ratio' ? '"> 20%"' : '"> 2s"'})` });
      return z.NEVER;
    }
    const op = written ? b.op : '>';
    return { ...b, op, text: `${op} ${b.text.replace(/^\S+\s/, '')}` };
  });
}

export const haltConditionSchema = z
  .strictObject({
    /** Judge this load only (default: every load together). */
    load: z.string().optional(),
    /** Error rate (5xx, 429 or no answer) over which to halt. */
    errors: haltBound('ratio').optional(),
    /** p99 latency over which to halt. */
    p99: haltBound('duration').optional(),
    /** How long the condition must hold, every second, before the halt fires. */
    for: durationSchema.refine((ms) => ms >= 1000 && ms <= 600_000, { error: 'for is 1 s to 10 min' }).default(10_000),
  })
  .refine((h) => h.errors || h.p99, { error: 'a halt condition needs errors or p99 (or both)' });
export type HaltCondition = z.output<typeof haltConditionSchema>;

/** One condition, or a list of them (any one fires the halt). */
export const haltSchema = z.preprocess((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? [v] : v), z.array(haltConditionSchema).min(1).max(MAX_HALTS));

export const stepSchema = z.strictObject({
  /** Shown on the console and in the journal (default: the faults described). */
  name: z.string().min(1).max(120).optional(),
  faults: z.array(faultSchema).min(1).max(MAX_STEP_FAULTS),
  /** How long the step's faults stay (default 60 s, at most 1 h). */
  for: durationSchema.refine((ms) => ms > 0 && ms <= MAX_FAULT_MS, { error: `a step lasts more than 0 ms and at most ${formatSpan(MAX_FAULT_MS)}` }).default(DEFAULT_FAULT_MS),
  /** timer: the next step starts when this one's time is up; key: the runbook waits for the operator. */
  advance: z.enum(['timer', 'key']).default('timer'),
});
export type Step = z.output<typeof stepSchema>;

/** The blast radius in steps: each step's faults replace the previous step's. */
export const stepsSchema = z.array(stepSchema).min(1).max(MAX_STEPS);

type Path = (string | number)[];

/**
 * Cross-references of `halt:` and `steps:` (loads and dependencies exist, with did-you-mean).
 * `checkFault` is the scenario's own check of one fault against its dependencies, so a step's fault
 * is judged exactly like a phase's.
 */
export function gameDayRefIssues(
  s: { halt?: HaltCondition[] | undefined; steps?: Step[] | undefined },
  known: { loads: readonly string[] },
  checkFault: (f: Fault, at: Path) => void,
  issue: (path: Path, message: string) => void,
): void {
  (s.halt ?? []).forEach((h, i) => {
    if (h && h.load !== undefined && !known.loads.includes(h.load)) issue(['halt', i, 'load'], unknownName(h.load, [...known.loads], 'load'));
  });
  (s.steps ?? []).forEach((st, i) => (st?.faults ?? []).forEach((f, j) => f && typeof f === 'object' && checkFault(f, ['steps', i, 'faults', j])));
}
