import type { CheckContext, Evidence, FailureFinding, Verdict, VerdictStatus } from './check.js';
import { at, distrust, type Window } from './query.js';

/**
 * Builds a Verdict. `ok: false` is a fail; `ok: true` with `inconclusive` set is inconclusive (the
 * check found nothing wrong but could not measure everything it promises); otherwise a pass. A verdict
 * whose windows reach into a phase the run never finished is inconclusive whatever it measured, and
 * says so. Marks it untrustworthy when the harness lagged (or lost events) in `windows`.
 */
export function verdict(
  ctx: CheckContext,
  check: string,
  key: string,
  v: {
    ok: boolean;
    summary: string;
    measured: Verdict['measured'];
    evidence?: Evidence[];
    failureMode?: FailureFinding | undefined;
    windows?: readonly Window[];
    /** Why part of the expectation could not be judged (only used when nothing failed). */
    inconclusive?: string | undefined;
  },
): Verdict {
  let status: VerdictStatus = !v.ok ? 'fail' : v.inconclusive ? 'inconclusive' : 'pass';
  let reason = status === 'inconclusive' ? v.inconclusive : undefined;
  const unfinished = v.windows ? unfinishedIn(ctx, v.windows) : undefined;
  if (unfinished) {
    status = 'inconclusive';
    reason = unfinished;
  }
  const out: Verdict = { check, key, status, ok: status === 'pass', summary: v.summary, measured: v.measured, evidence: v.evidence ?? [] };
  if (reason) out.reason = reason;
  if (status === 'fail' && v.failureMode) out.failureMode = v.failureMode;
  const why = v.windows && v.windows.length ? distrust(ctx, v.windows) : undefined;
  if (why) out.untrustworthy = why;
  return out;
}

/** A verdict for "nothing to judge": inconclusive, never a pass nor a silent fail, and says why. */
export function inconclusive(ctx: CheckContext, check: string, key: string, why: string, measured: Verdict['measured'] = {}, evidence: Evidence[] = []): Verdict {
  const reason = ctx.stopped ? `${why} (${stoppedText(ctx)})` : why;
  return { check, key, status: 'inconclusive', ok: false, reason, summary: `cannot judge: ${reason}`, measured, evidence: [{ label: 'why not judged', value: reason }, ...evidence] };
}

/** "the run was interrupted at 12.3 s" */
export const stoppedText = (ctx: CheckContext): string => (ctx.stopped ? `the run stopped at ${at(ctx, ctx.stopped.atMs)}: ${ctx.stopped.reason}` : '');

/** Why windows cannot be judged because the run stopped inside (or before the end of) them, or undefined. */
export function unfinishedIn(ctx: CheckContext, ws: readonly Window[]): string | undefined {
  if (!ctx.stopped) return undefined;
  const cut = ctx.phases.filter((p) => p.incomplete && ws.some((w) => w.endMs > p.startMs && w.startMs < p.endMs));
  if (cut.length) return `phase '${cut.map((p) => p.name).join("', '")}' did not complete (${stoppedText(ctx)}); judged only up to then`;
  if (ws.some((w) => w.endMs >= ctx.stopped!.atMs)) return `its window runs to the end of a run that did not complete (${stoppedText(ctx)})`;
  return undefined;
}

export const ev = (label: string, value: Evidence['value']): Evidence => ({ label, value });
