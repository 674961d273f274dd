import { z } from 'zod';
import type { Check, CheckContext, FailureModeId, PhaseWindow } from './check.js';
import { formatPercent } from './bounds.js';
import { at, eventsOf, faultWindows, gaveUpAfter, label, num, responses } from './query.js';
import { ev, verdict } from './verdict.js';

export const survivesExpectation = z.literal(true);
export type SurvivesExpectation = z.infer<typeof survivesExpectation>;

/** Faults that answer with bytes a parser may choke on: the tables' `bad-input` kind. */
const badInput = (f: PhaseWindow['faults'][number]) => f.kinds.includes('bad-input');
/** Share of requests during bad-input faults that must get an HTTP answer (any status). */
export const ANSWERED_SHARE = 0.9;

/**
 * Alive: no target-exit we did not cause. Controlled: while a dependency sends garbage, HTML or
 * truncated bodies, at least 90 % of requests get an HTTP answer (5xx is fine) rather than a refused
 * or reset connection or our client timing out. A target crumple did not start is judged by the
 * answers alone, and the evidence says so.
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
  const badFaults = [...new Set(ctx.phases.flatMap((p) => p.faults.filter(badInput).map((f) => `${f.fault} on ${f.dependency}`)))];
  const evidence = [
    ev('target process', started ? (exit ? `exited at ${at(ctx, exit.t)} (code ${exit.code}, signal ${exit.signal})` : 'alive to the end') : 'not started by crumple (judged by its answers)'),
    ev('bad-input faults', badFaults.join(', ') || 'none in this scenario'),
    ev('requests during them', rs.length),
    ev('answered with a status', answered),
    ev('connection errors (refused, reset, closed)', broken),
    ev('client timeouts (hung)', hung),
  ];
  if (!started && !responses(ctx).length) {
    return verdict(ctx, 'survives', key, { ok: false, summary: 'cannot judge: no target process events and no responses in the run', measured: { exits: 0, requests: 0 }, evidence });
  }
  if (ws.length && !rs.length && !exit) {
    return verdict(ctx, 'survives', key, { ok: false, summary: `cannot judge: no requests were sent during ${label(ws)}`, measured: { exits: 0, requests: 0 }, evidence, windows: ws });
  }
  const parts = [
    exit ? `target exited at ${at(ctx, exit.t)} (code ${exit.code}${exit.signal ? `, ${exit.signal}` : ''})` : started ? 'target alive to the end' : 'target answered to the end',
    rs.length ? `${formatPercent(share)} of ${rs.length} requests answered during ${badFaults.join(', ')}` : 'no bad-input faults',
  ];
  return verdict(ctx, 'survives', key, {
    ok: !exit && controlled,
    summary: parts.join('; ') + (controlled ? '' : ` (needs ≥ ${formatPercent(ANSWERED_SHARE)}; ${broken} connection errors, ${hung} hung)`),
    measured: { exits: exits.length, exitCode: exit?.code ?? null, requests: rs.length, answeredShare: num(share, 4), connectionErrors: broken, hung },
    evidence,
    windows: ws,
    failureMode: {
      ...causeOf(ctx, exit?.t),
      spread: exit ? `the target process exited (code ${exit.code}${exit.signal ? `, ${exit.signal}` : ''}) at ${at(ctx, exit.t)}` : `the target stopped answering: ${broken} connection errors, ${hung} requests hung`,
      result: exit ? `every later request failed` : `only ${formatPercent(share)} of requests got an answer${hung ? `; ${hung} waited ${gaveUpAfter(ctx, hungRs)}` : ''}`,
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

export default {
  name: 'survives',
  description: 'the target stays up to the end and answers (even 5xx) while a dependency sends garbage, HTML or truncated bodies',
  expectation: survivesExpectation,
  run,
} satisfies Check<typeof survivesExpectation>;
