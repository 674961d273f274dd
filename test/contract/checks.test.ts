import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checks } from '../../src/checks/index.js';
import { timeline } from '../helpers/timeline.js';

/** Minimal valid expectations for every check: adding a check without one fails this suite. */
const samples: Record<keyof typeof checks, unknown> = {
  timeout: { dependency: 'inventory', within: '1s' },
  breaker: { dependency: 'inventory', 'opens-within': '2s' },
  retries: { dependency: 'inventory', amplification: '< 3' },
  shedding: { load: 'checkout', 'rejects-within': '50ms' },
  'fail-fast': {},
  bulkhead: { load: 'checkout', during: 'fault' },
  recovery: { within: '5s' },
  survives: true,
  memory: { growth: '< 50MB' },
  latency: { p99: '< 100ms' },
  errors: { rate: '< 1%' },
  'steady-state': { errors: '< 1%' },
  alive: true,
  answered: { hung: '<= 1%' },
  drift: { rss: '< 5MB/h' },
  slo: { availability: '99.9%' },
  capacity: { rate: '>= 300/s' },
  restart: { within: '2s' },
  failover: { dependency: 'inventory', within: '1s' },
  fallback: { load: 'checkout', degraded: '$.source == "cache"' },
  idempotency: { dependency: 'inventory' },
  delivery: { queue: 'inventory' },
  'rate-limit': { load: 'checkout', 'retry-after': true },
  coalescing: { dependency: 'inventory', load: 'pile', 'calls-per-burst': '<= 2' },
};

describe.each(Object.entries(checks))('check %s', (key, check) => {
  it('is registered under its name and lives in a file of that name', () => {
    expect(check.name).toBe(key);
    expect(check.description.length).toBeGreaterThan(10);
    expect(existsSync(new URL(`../../src/checks/${key}.ts`, import.meta.url))).toBe(true);
  });

  it('never passes silently on an empty timeline, and never throws', () => {
    const x = check.expectation.parse(samples[key as keyof typeof checks]);
    const ctx = timeline().phase('baseline', 0, 5000).phase('fault', 5000, 10000, [['inventory', 'hang']]).end(10000).context();
    const v = check.run(ctx, x as never, key);
    expect(v.ok).toBe(false);
    expect(v.key).toBe(key);
    expect(v.check).toBe(key);
    expect(v.summary.length).toBeGreaterThan(10);
  });

  it('rejects an expectation with an unknown field', () => {
    const s = samples[key as keyof typeof checks];
    if (typeof s !== 'object' || s === null) return expect(check.expectation.safeParse({ nope: 1 }).success).toBe(false);
    expect(check.expectation.safeParse({ ...s, nope: 1 }).success).toBe(false);
  });
});
