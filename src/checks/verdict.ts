import type { CheckContext, Evidence, FailureFinding, Verdict } from './check.js';
import { distrust, type Window } from './query.js';

/** Builds a Verdict; marks it untrustworthy when the harness lagged (or lost events) in `windows`. */
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
  },
): Verdict {
  const out: Verdict = { check, key, ok: v.ok, summary: v.summary, measured: v.measured, evidence: v.evidence ?? [] };
  if (!v.ok && v.failureMode) out.failureMode = v.failureMode;
  const why = v.windows && v.windows.length ? distrust(ctx, v.windows) : undefined;
  if (why) out.untrustworthy = why;
  return out;
}

/** A verdict for "nothing to judge": always a failure, never a silent pass, and says why. */
export function noData(ctx: CheckContext, check: string, key: string, why: string, measured: Verdict['measured'] = {}, evidence: Evidence[] = []): Verdict {
  return verdict(ctx, check, key, { ok: false, summary: `cannot judge: ${why}`, measured, evidence: [{ label: 'why not judged', value: why }, ...evidence] });
}

export const ev = (label: string, value: Evidence['value']): Evidence => ({ label, value });
