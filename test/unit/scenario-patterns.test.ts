import { describe, expect, it } from 'vitest';
import { scenarioIssues } from '../../src/scenario/load.js';

/** The issues of a scenario as "path: message" lines. */
const issues = (over: Record<string, unknown>) => {
  const base = { name: 'n', target: { command: 'node t.js' }, dependencies: { inventory: {} }, phases: [{ name: 'p', for: '1s' }], expect: { survives: true } };
  return scenarioIssues({ ...base, ...over }).issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('scenario fields of the resilience patterns', () => {
  it('a target fault needs a target crumple starts, and names the field when it is given by url', () => {
    expect(issues({ phases: [{ name: 'p', for: '1s', faults: [{ target: 'kill' }] }] })).toEqual([]);
    expect(issues({ target: { url: 'http://127.0.0.1:3000' }, phases: [{ name: 'p', for: '1s', faults: [{ target: 'pause' }] }] })).toEqual([
      'phases.0.faults.0.target: target: pause needs a target crumple starts (target.command); this one is given by url',
    ]);
  });

  it('replicas: a fault names a replica the dependency has; a fixed port is refused', () => {
    expect(issues({ dependencies: { inventory: { replicas: 3 } }, phases: [{ name: 'p', for: '1s', faults: [{ dependency: 'inventory', replica: 3, behaviour: 'hang' }] }] })).toEqual([]);
    expect(issues({ dependencies: { inventory: { replicas: 2 } }, phases: [{ name: 'p', for: '1s', faults: [{ dependency: 'inventory', replica: 3, behaviour: 'hang' }] }] })).toEqual([
      "phases.0.faults.0.replica: 'inventory' has 2 replicas (replica counts from 1)",
    ]);
    expect(issues({ dependencies: { inventory: { replicas: 2, port: 4001 } } })).toEqual(['dependencies.inventory.port: port fixes one address; a dependency with replicas gets one free port per replica']);
    expect(issues({ dependencies: { inventory: { replicas: 0 } } })).toEqual(['dependencies.inventory.replicas: replicas is at least 1']);
  });

  it("fallback: the body match reads the load's digest, and the load must record that path", () => {
    const fb = (digest?: string) => ({ load: { prices: { shape: 'steady', path: '/price', ...(digest ? { digest } : {}) } }, expect: { fallback: { load: 'prices', degraded: '$.source == "cache"' } } });
    expect(issues(fb('$.source'))).toEqual([]);
    expect(issues(fb())).toEqual(["expect.fallback.degraded: load 'prices' records no body digest: give it digest: $.source"]);
    expect(issues(fb('$.origin'))).toEqual(["expect.fallback.degraded: load 'prices' digests $.origin, not $.source"]);
    expect(issues({ ...fb('$.source'), expect: { fallback: { load: 'prices', degraded: '$.source = cache' } } })).toEqual(['expect.fallback.degraded: write <path> == <JSON value>, e.g. $.source == "cache"']);
    expect(issues({ load: { prices: { shape: 'steady', digest: 'source' } } })).toEqual(['load.prices.digest: must be a JSON path like $.source or $.items[0].id (dots and [index] only)']);
    expect(issues({ load: { prices: { shape: 'steady', engine: 'autocannon', digest: '$.source' } } })).toEqual(['load.prices.digest: the autocannon engine does not read bodies (use engine: raw)']);
  });

  it('rate-limit reads a load with client identities; its clients entry names the bad field', () => {
    const rl = (clients?: unknown) => ({ load: { tenants: { shape: 'steady', path: '/work', rate: '100/s', ...(clients ? { clients } : {}) } }, expect: { 'rate-limit': { load: 'tenants', 'retry-after': true } } });
    expect(issues(rl({ count: 10, header: 'x-client-id', heavy: { count: 1, weight: 10, after: '3s', for: '6s' } }))).toEqual([]);
    expect(issues(rl())).toEqual(["expect.rate-limit.load: load 'tenants' sends no client identities: give it clients: { count: 10, heavy: { weight: 10 } }"]);
    expect(issues(rl({ count: 0 }))).toEqual(['load.tenants.clients.count: must be at least 1']);
    expect(issues(rl({ count: 3, heavy: { count: 3, weight: 5 } }))).toEqual(['load.tenants.clients.heavy.count: heavy.count must leave at least one ordinary client to compare with (count is 3)']);
    expect(issues(rl({ count: 3, heavy: { weight: 5, after: 'soon' } }))[0]).toMatch(/^load\.tenants\.clients\.heavy\.after: /);
    expect(issues({ ...rl({ count: 3 }), expect: { 'rate-limit': { load: 'tenants', 'retry-after': 'yes' } } })[0]).toMatch(/^expect\.rate-limit\.retry-after: /);
  });

  it('coalescing counts the bursts of a dogpile load, and names the dependency it counts', () => {
    const co = (load: Record<string, unknown>, dependency = 'inventory') => ({ load: { pile: load }, expect: { coalescing: { dependency, load: 'pile', 'calls-per-burst': '<= 2' } } });
    expect(issues(co({ shape: 'dogpile', path: '/items/{pulse}', n: 50, pulses: 3 }))).toEqual([]);
    expect(issues(co({ shape: 'steady', path: '/items/1' }))).toEqual(["expect.coalescing.load: load 'pile' is a steady load: coalescing counts the bursts of a dogpile"]);
    expect(issues(co({ shape: 'dogpile' }, 'inventroy'))[0]).toMatch(/^expect\.coalescing\.dependency: unknown dependency 'inventroy'/);
    expect(issues({ ...co({ shape: 'dogpile' }), expect: { coalescing: { dependency: 'inventory', load: 'pile', 'calls-per-burst': 'few' } } })[0]).toMatch(/^expect\.coalescing\.calls-per-burst: 'few' is not a number bound/);
  });
});
