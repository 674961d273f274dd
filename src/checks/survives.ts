import { z } from 'zod';
import type { Check, CheckContext, FailureModeId, PhaseWindow } from './check.js';
import { formatPercent } from './bounds.js';
import { at, eventsOf, faultWindows, gaveUpAfter, label, num, phaseWindow, responses } from './query.js';
import type { ResponseEvent } from '../timeline/events.js';
import { ev, inconclusive, verdict } from './verdict.js';

export const survivesExpectation = z.literal(true);
export type SurvivesExpectation = z.infer<typeof survivesExpectation>;

/** Faults that answer with bytes a parser may choke on: the tables' `bad-input` kind. */
const badInput = (f: PhaseWindow['faults'][number]) => f.kinds.includes('bad-input');
/** Share of requests during bad-input faults that must get an HTTP answer (any status). */
export const ANSWERED_SHARE = 0.9;

/**
 * Alive: no target-exit we did not cause, and the target still answering at the end (at least one
 * request of the last phase that had requests got an HTTP status). Controlled: while a dependency
 * sends garbage, HTML or truncated bodies, at least 90 % of requests get an HTTP answer (5xx is fine)
 * rather than a refused or reset connection or our client timing out. A target that never answered a
 * single request shows nothing alive to judge (a wrong URL looks the same): inconclusive, never a pass.
 * A target crumple did not start is judged by its answers alone, and the evidence says so.
 */
function run(ctx: CheckContext, _x: SurvivesExpectation, key: string) {
  const exits = eventsOf(ctx, 'target-exit').filter((e) => !e.expected);
  const started = eventsOf(ctx, 'target-sample').length > 0 || eventsOf(ctx, 'target-exit').length > 0;
  const ws = faultWindows(ctx, undefined, badInput);
  const rs = ws.length ? responses(ctx, ws) : [];
  const answered = rs.filter((r) => r.status !== undefined).length;
  const hungRs = rs.filter((r) => r.error === 'timeout');
  const hung = hungRs.length;
  const broken = rs.length - answered - hung;
  const share = rs.length ? answered / rs.length : NaN;
  const controlled = !rs.length || share >= ANSWERED_SHARE;
  const exit = exits[0];
  const badFaultList = ctx.phases.flatMap((p) => p.faults.filter(badInput));
  const badFaults = [...new Set(badFaultList.map((f) => `${f.fault} on ${f.dependency}`))];
  // Answering to the end: the last phase anyone sent requests in got at least one HTTP answer.
  const all = eventsOf(ctx, 'response');
  const everAnswered = all.filter((r) => r.status !== undefined);
  const lastAnswer = everAnswered.reduce((m, r) => Math.max(m, r.t + r.latencyMs), -Infinity);
  const lastPhase = [...ctx.phases].reverse().find((p) => all.some((r) => r.t >= p.startMs && r.t < p.endMs));
  const lastPhaseReqs = lastPhase ? all.filter((r) => r.t >= lastPhase.startMs && r.t < lastPhase.endMs) : [];
  const answeringAtEnd = lastPhaseReqs.some((r) => r.status !== undefined);
  const evidence = [
    ev('target process', started ? (exit ? `exited at ${at(ctx, exit.t)} (code ${exit.code}, signal ${exit.signal})` : 'alive to the end') : 'not started by crumple (judged by its answers)'),
    ev('requests answered with a status (whole run)', `${everAnswered.length} of ${all.length}`),
    ev('last answer', everAnswered.length ? at(ctx, lastAnswer) : null),
    ev(lastPhase ? `requests answered in the last phase ('${lastPhase.name}')` : 'requests answered in the last phase', lastPhase ? `${lastPhaseReqs.filter((r) => r.status !== undefined).length} of ${lastPhaseReqs.length}` : null),
    ev('bad-input faults', badFaults.join(', ') || 'none in this scenario'),
    ev('requests during them', rs.length),
    ev('answered with a status', answered),
    ev('connection errors (refused, reset, closed)', broken),
    ev('client timeouts (hung)', hung),
  ];
  const measured = { exits: exits.length, exitCode: exit?.code ?? null, requests: rs.length, answeredShare: num(share, 4), connectionErrors: broken, hung, answeredInRun: everAnswered.length, requestsInRun: all.length };
  if (!exit && !all.length) {
    return inconclusive(ctx, 'survives', key, started ? 'no requests were sent to the target' : 'no target process events and no responses in the run', measured, evidence);
  }
  if (!exit && !everAnswered.length) {
    const why = errorsByKind(all);
    return inconclusive(ctx, 'survives', key, `the target never answered any of ${all.length} requests (${why}): nothing shows it was up${started ? '' : ' (is the URL right?)'}`, measured, evidence);
  }
  if (ws.length && !rs.length && !exit) {
    return inconclusive(ctx, 'survives', key, `no request counted during ${label(ws)} (requests sent in a phase's last second and answered after it count for neither phase)`, measured, evidence);
  }
  const stoppedAnswering = !exit && !answeringAtEnd;
  const parts = [
    exit
      ? `target exited at ${at(ctx, exit.t)} (code ${exit.code}${exit.signal ? `, ${exit.signal}` : ''})`
      : stoppedAnswering
        ? `target stopped answering: no answer after ${at(ctx, lastAnswer)}, none of ${lastPhaseReqs.length} requests in '${lastPhase!.name}' answered (${errorsByKind(lastPhaseReqs)})`
        : `${started ? 'target alive and ' : 'target '}answering to the end (${lastPhaseReqs.filter((r) => r.status !== undefined).length} of ${lastPhaseReqs.length} requests answered in '${lastPhase!.name}')`,
    rs.length ? `${formatPercent(share)} of ${rs.length} requests answered during ${badFaults.join(', ')}` : 'no bad-input faults',
  ];
  // A huge answer the target read whole is Release It!'s unbounded result set; other bad input is a crash on bad input.
  const huge = badFaultList.some((f) => f.fault === 'huge');
  const cause = causeOf(ctx, exit?.t);
  return verdict(ctx, 'survives', key, {
    ok: !exit && controlled && !stoppedAnswering,
    summary: parts.join('; ') + (controlled ? '' : ` (needs ≥ ${formatPercent(ANSWERED_SHARE)}; ${broken} connection errors, ${hung} hung)`),
    measured,
    evidence,
    windows: ctx.phases.map(phaseWindow),
    failureMode: {
      ...cause,
      id: huge && (exit || !controlled) ? 'unbounded-result-set' : cause.id,
      spread: exit
        ? `the target process exited (code ${exit.code}${exit.signal ? `, ${exit.signal}` : ''}) at ${at(ctx, exit.t)}`
        : stoppedAnswering
          ? `the target stopped answering after ${at(ctx, lastAnswer)}`
          : `the target stopped answering: ${broken} connection errors, ${hung} requests hung`,
      result: exit ? `every later request failed` : stoppedAnswering ? `none of the ${lastPhaseReqs.length} requests of the last phase got an answer` : `only ${formatPercent(share)} of requests got an answer${hung ? `; ${hung} waited ${gaveUpAfter(ctx, hungRs)}` : ''}`,
    },
  });
}

/**
 * The failure mode follows from the fault kinds active when it happened (the exit, else the first
 * bad-input window): a crash under held calls is blocked threads, under errors a cascading failure,
 * under bad bytes a crash on bad input.
 */
function causeOf(ctx: CheckContext, t: number | undefined): { id: FailureModeId; trigger: string } {
  const phase = t !== undefined ? ([...ctx.phases].reverse().find((p) => p.startMs <= t && p.faults.length) ?? undefined) : ctx.phases.find((p) => p.faults.some(badInput));
  const faults = phase?.faults ?? [];
  const kinds = new Set(faults.flatMap((f) => f.kinds));
  const id: FailureModeId = kinds.has('bad-input') ? 'crash-on-bad-input' : kinds.has('holds') ? 'blocked-threads' : kinds.has('fails-fast') ? 'cascading-failure' : 'crash-on-bad-input';
  const named = faults.map((f) => `${f.fault} on ${f.dependency}`).join(' + ');
  return { id, trigger: named ? `${named} from ${at(ctx, phase!.startMs)}` : 'no fault was active (the target failed on its own)' };
}

/** "ECONNREFUSED: 40, timeout: 2" */
function errorsByKind(rs: readonly ResponseEvent[]): string {
  const m = new Map<string, number>();
  for (const r of rs) if (r.status === undefined) m.set(r.error ?? 'error', (m.get(r.error ?? 'error') ?? 0) + 1);
  return [...m].map(([k, n]) => `${k}: ${n}`).join(', ') || 'no errors';
}

export default {
  name: 'survives',
  description: 'the target stays up to the end and answers (even 5xx) while a dependency sends garbage, HTML or truncated bodies',
  expectation: survivesExpectation,
  run,
} satisfies Check<typeof survivesExpectation>;
