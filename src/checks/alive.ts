import { z } from 'zod';
import type { Check, CheckContext } from './check.js';
import { at, eventsOf, responses } from './query.js';
import { ev, inconclusive, verdict } from './verdict.js';

export const aliveExpectation = z.literal(true);

/**
 * The target process never exited on its own. A target crumple did not start is alive when it still
 * answered (any status) in the run's last two seconds; with no answers at all there is nothing to judge.
 */
function run(ctx: CheckContext, _x: true, key: string) {
  const exits = eventsOf(ctx, 'target-exit').filter((e) => !e.expected);
  const started = eventsOf(ctx, 'target-sample').length > 0 || eventsOf(ctx, 'target-exit').length > 0;
  const exit = exits[0];
  if (exit) {
    return verdict(ctx, 'alive', key, {
      ok: false,
      summary: `target exited at ${at(ctx, exit.t)} (code ${exit.code}${exit.signal ? `, ${exit.signal}` : ''})`,
      measured: { exits: exits.length, exitCode: exit.code ?? null },
      evidence: [ev('exited at', at(ctx, exit.t)), ev('exit code', exit.code ?? null), ev('signal', exit.signal ?? null)],
    });
  }
  if (started) return verdict(ctx, 'alive', key, { ok: true, summary: 'target process alive to the end', measured: { exits: 0 }, evidence: [ev('target process', 'alive to the end')] });
  const end = ctx.timeline.endMs;
  const late = responses(ctx, [{ startMs: end - 2000, endMs: end, label: 'the last 2 s' }]).filter((r) => r.status !== undefined).length;
  if (!responses(ctx).length) return inconclusive(ctx, 'alive', key, 'not started by crumple and no request was sent');
  return verdict(ctx, 'alive', key, {
    ok: late > 0,
    summary: late > 0 ? `target (not started by crumple) still answered in the last 2 s (${late} answers)` : 'target (not started by crumple) gave no answer in the last 2 s',
    measured: { answersAtEnd: late },
    evidence: [ev('target process', 'not started by crumple (judged by its answers)'), ev('answers in the last 2 s', late)],
  });
}

export default {
  name: 'alive',
  description: 'the target process never exits on its own (a target given by url: it still answers at the end)',
  expectation: aliveExpectation,
  run,
} satisfies Check<typeof aliveExpectation>;
