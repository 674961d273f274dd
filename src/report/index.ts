import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CrumpleError } from '../errors.js';
import html from './html.js';
import json from './json.js';
import junit from './junit.js';
import markdown from './markdown.js';
import type { RenderOptions, Reporter } from './reporter.js';
import { RUN_OUTCOMES, type RunResult } from './result.js';
import { VERDICT_STATUSES, type Verdict, type VerdictStatus } from '../checks/check.js';
import terminal, { renderTerminal } from './terminal.js';

/** The report formats: table key = reporter name. File reporters write into the run folder. */
export const reporters = { json, junit, markdown, html, terminal } satisfies Record<string, Reporter>;
export type ReporterName = keyof typeof reporters;

export { renderTerminal };
export { renderComparison } from './compare.js';
export { failureModes, stabilityPatterns, failureModeLine } from './failure-modes.js';
export { exitCodeFor, exitCodeOf } from './view.js';
export type { Reporter, RenderOptions };

const FILE_REPORTERS = (Object.values(reporters) as Reporter[]).filter((r): r is Reporter & { file: string } => r.file !== null);

/**
 * Writes report.json, junit.xml, report.md and report.html into `dir` (created if missing) and
 * returns their paths. `only` restricts the formats (`crumple report` re-renders all but json).
 */
export async function writeReports(result: RunResult, dir: string, opts: { only?: readonly ReporterName[] } = {}): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const chosen = FILE_REPORTERS.filter((r) => !opts.only || opts.only.includes(r.name as ReporterName));
  const paths: string[] = [];
  for (const r of chosen) {
    const path = join(dir, r.file);
    await writeFile(path, r.render(result, { color: false }), 'utf8');
    paths.push(path);
  }
  return paths;
}

// Reading back is the one place report.json is untrusted input: check the fields every reporter
// relies on and name the first bad one. The types themselves live in result.ts.
const verdictShape = z.looseObject({
  check: z.string(),
  key: z.string(),
  // Reports before inconclusive existed carry only `ok`; readRunResult fills `status` in from it.
  status: z.enum(VERDICT_STATUSES).optional(),
  ok: z.boolean().optional(),
  reason: z.string().optional(),
  summary: z.string(),
  measured: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
  evidence: z.array(z.looseObject({ label: z.string(), value: z.union([z.string(), z.number(), z.boolean(), z.null()]) })),
  failureMode: z.looseObject({ id: z.string(), trigger: z.string(), spread: z.string(), result: z.string() }).optional(),
  untrustworthy: z.string().optional(),
}).refine((v) => v.status !== undefined || v.ok !== undefined, { error: `expected a status (${VERDICT_STATUSES.join(', ')})`, path: ['status'] });
const runResultShape = z.looseObject({
  schema: z.literal(1),
  runId: z.string(),
  scenario: z.looseObject({ name: z.string() }),
  target: z.looseObject({ url: z.string() }),
  startedAt: z.string(),
  durationMs: z.number(),
  outcome: z.enum(RUN_OUTCOMES),
  exitCode: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  phases: z.array(z.looseObject({ name: z.string(), startMs: z.number(), endMs: z.number(), faults: z.array(z.looseObject({ dependency: z.string(), fault: z.string() })) })),
  seconds: z.array(z.looseObject({ second: z.number(), loads: z.record(z.string(), z.unknown()), deps: z.record(z.string(), z.unknown()) })),
  verdicts: z.array(verdictShape),
  harness: z.looseObject({ lagged: z.boolean(), droppedEvents: z.number() }),
  dependencies: z.array(z.unknown()),
  loads: z.array(z.unknown()),
});

/** Reads and validates `dir/report.json` (or a path to the file itself). Bad input → CrumpleError (exit 2). */
export async function readRunResult(dir: string): Promise<RunResult> {
  const path = dir.endsWith('.json') ? dir : join(dir, 'report.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'not found (is this a crumple run folder?)' : code === 'EISDIR' ? 'is a directory' : String((e as Error).message);
    throw new CrumpleError('NOT_FOUND', `${path}: ${why}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new CrumpleError('BAD_INPUT', `${path}: not valid JSON (${(e as Error).message})`);
  }
  const schema = (data as { schema?: unknown } | null)?.schema;
  if (typeof data !== 'object' || data === null || schema === undefined) {
    throw new CrumpleError('BAD_INPUT', `${path}: not a crumple report (no "schema" field)`);
  }
  if (schema !== 1) {
    throw new CrumpleError('BAD_INPUT', `${path}: report schema ${JSON.stringify(schema)} is not supported by this crumple (it reads schema 1)`);
  }
  const parsed = runResultShape.safeParse(data);
  if (!parsed.success) {
    const details = parsed.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new CrumpleError('BAD_INPUT', `${path}: not a valid crumple report (${details.length} problem${details.length === 1 ? '' : 's'})`, { details });
  }
  const result = data as RunResult;
  result.verdicts.forEach((v) => {
    const raw = v as Partial<Verdict> & { summary: string };
    // An older crumple wrote "cannot judge: ..." verdicts as failures: they were inconclusive.
    const legacyInconclusive = raw.status === undefined && raw.ok === false && /^cannot judge: /.test(raw.summary);
    const status: VerdictStatus = raw.status ?? (raw.ok ? 'pass' : legacyInconclusive ? 'inconclusive' : 'fail');
    Object.assign(v, { status, ok: status === 'pass' }, legacyInconclusive && !raw.reason ? { reason: raw.summary.slice('cannot judge: '.length) } : {});
  });
  return result;
}
