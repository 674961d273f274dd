import { describe, expect, it } from 'vitest';
import { runChecks } from '../../src/checks/index.js';
import latency from '../../src/checks/latency.js';
import type { CheckContext } from '../../src/checks/check.js';
import { timeline, TimelineBuilder } from '../helpers/timeline.js';

/** A run interrupted at 12 s, in the middle of 'slow network' (10–12 s of a planned 10–20 s). */
function interrupted(): CheckContext {
  const ctx = timeline()
    .phase('baseline', 0, 5000)
    .phase('hang', 5000, 10000, [['inventory', 'hang']])
    .phase('slow network', 10000, 12000, [['inventory', 'latency']])
    .responses('checkout', { from: 0, to: 12000, every: 20, latency: 5 })
    .end(12000)
    .context();
  const phases = ctx.phases.map((p) => (p.name === 'slow network' ? { ...p, incomplete: true as const } : p));
  return { ...ctx, phases, stopped: { atMs: TimelineBuilder.START + 12000, reason: 'interrupted' } };
}

describe('an interrupted run', () => {
  it('judges the phases that completed and calls the rest inconclusive, saying why', () => {
    const ctx = interrupted();
    const vs = runChecks(ctx, {
      'latency.baseline': latency.expectation.parse({ phase: 'baseline', p99: '< 100ms' }),
      'latency.slow': latency.expectation.parse({ phase: 'slow network', p99: '< 100ms' }),
      'latency.recovery': latency.expectation.parse({ phase: 'recovery', p99: '< 100ms' }),
      'latency.all': latency.expectation.parse({ p99: '< 100ms' }),
    });
    const by = Object.fromEntries(vs.map((v) => [v.key, v]));
    expect(by['latency.baseline']!.status).toBe('pass');
    expect(by['latency.slow']!.status).toBe('inconclusive');
    expect(by['latency.slow']!.reason).toMatch(/phase 'slow network' did not complete \(the run stopped at 12\.0 s: interrupted\)/);
    expect(by['latency.recovery']!.status).toBe('inconclusive');
    expect(by['latency.recovery']!.reason).toMatch(/phase 'recovery' never ran.*the run stopped at 12\.0 s: interrupted/);
    expect(by['latency.all']!.status).toBe('inconclusive');
  });

  it('a run stopped before any phase has every check inconclusive', () => {
    const ctx: CheckContext = { ...timeline().end(100).context(), stopped: { atMs: TimelineBuilder.START + 100, reason: 'target not ready' } };
    const [v] = runChecks(ctx, { survives: true });
    expect(v!.status).toBe('inconclusive');
    expect(v!.reason).toMatch(/no phase ran \(the run stopped at 0\.1 s: target not ready\)/);
  });
});
